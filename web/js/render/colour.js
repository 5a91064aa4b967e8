// The colour scale of heatmaps and shaded matrices, and its legend.
import { el } from './dom.js';
import { fmt } from './format.js';

// Viridis: perceptually uniform and readable with every common colour-vision deficiency.
const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]];

/** WCAG relative luminance of an sRGB colour [r, g, b] (0..255). @param {number[]} c */
function luminance(c) {
  const lin = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/**
 * The palette colour at t in [0, 1], and the text colour for it: black or white, whichever
 * contrasts more. One of the two always reaches 4.58:1 (WCAG AA asks 4.5:1), so the numbers
 * printed on a cell stay readable on every colour of the scale, in both themes.
 * @param {number} t
 */
export function colour(t) {
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  const pos = t * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(pos)), f = pos - i;
  const c = [0, 1, 2].map((k) => Math.round(VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k])));
  const L = luminance(c), dark = (L + 0.05) / 0.05 > 1.05 / (L + 0.05);
  return { css: `rgb(${c.join(',')})`, dark, text: dark ? '#000' : '#fff' };
}

/** @typedef {[number, number]} Range */

/**
 * The display range of a matrix (colour mapping only): finite values' min and max.
 * @param {unknown[][]} rows
 * @param {Range} [fixed]
 * @returns {Range}
 */
export function extent(rows, fixed) {
  if (fixed) return fixed;
  let lo = Infinity, hi = -Infinity;
  rows.forEach((r) => r.forEach((x) => { if (typeof x === 'number' && isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); } }));
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi];
  return [lo, hi];
}

/** Shades a cell by its value within `range`. @param {HTMLElement} cell @param {number} x @param {Range} range */
export function shade(cell, x, range) {
  const c = colour((x - range[0]) / (range[1] - range[0]));
  cell.style.background = c.css;
  cell.style.color = c.text;
}

/** The scale's bar with its two ends. @param {Range} range */
export function legend(range) {
  const bar = el('div', { class: 'legend-bar', 'aria-hidden': 'true' });
  const stops = VIRIDIS.map((c, i) => `rgb(${c.join(',')}) ${Math.round(100 * i / (VIRIDIS.length - 1))}%`);
  bar.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  return el('div', { class: 'legend' }, [el('span', { text: fmt(range[0], 2) }), bar, el('span', { text: fmt(range[1], 2) })]);
}
