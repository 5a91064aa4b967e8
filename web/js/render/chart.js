// The one chart of the site: lines of points against a log2 x axis (sequence lengths, key sizes)
// or a linear one (positions, an activation's input), with a linear y axis (lesson 3's largest
// weights, lesson 7's waves) or a log10 one (lesson 6's times and bytes). Its points are one tab stop: the arrow keys move along a series (left, right) and between
// series (up, down); hovering or focusing a point reads its value out.
import { el, svg, clear } from './dom.js';
import { fmt } from './format.js';
import { chartSvg, exportMenu, seriesCsv } from './export.js';

/** @typedef {'circle' | 'square' | 'triangle'} Marker */
/**
 * A series: its points joined by a line (unless line is false), each a marker that reads its value
 * out (unless dots is false: a curve of many points).
 * @typedef {{ label: string, cls: string, marker?: Marker, line?: boolean, dots?: boolean, points: { x: number, y: number }[] }} Series
 */
/**
 * @typedef {object} ChartOptions
 * @property {string} caption       the chart's accessible name
 * @property {string} xLabel
 * @property {string} yLabel
 * @property {string} [xName]       how a point's readout names x ('T' unless given)
 * @property {{ scale: 'log' } | { scale: 'linear', max: number, min?: number }} [y]  log unless given; linear from min (0) to max
 * @property {{ scale: 'log2' } | { scale: 'linear' }} [x]  log2 unless given
 * @property {(y: number) => string} [tick]   the label of a y grid line
 * @property {(y: number) => string} [value]  a point's value in its readout
 * @property {number} [markX]       an x to mark with a vertical line
 * @property {string} [empty]       what to say when there is nothing to draw
 * @property {string} [className]   more classes for the <svg>
 */

/** @type {Record<Marker, (x: number, y: number) => SVGElement>} */
const MARKERS = {
  circle: (x, y) => svg('circle', { cx: x, cy: y, r: 5 }),
  square: (x, y) => svg('rect', { x: x - 4.5, y: y - 4.5, width: 9, height: 9 }),
  triangle: (x, y) => svg('path', { d: `M${x} ${y - 6}L${x + 6} ${y + 4.5}L${x - 6} ${y + 4.5}Z` }),
};

/**
 * Draws `series` into container (cleared first), its key and its readout under it.
 * @param {HTMLElement} container
 * @param {Series[]} series
 * @param {ChartOptions} opts
 */
export function chart(container, series, opts) {
  clear(container);
  const all = series.flatMap((s) => s.points);
  if (!all.length) { container.appendChild(el('p', { class: 'chart-empty', text: opts.empty || 'Nothing to draw yet.' })); return; }
  const yAxis = opts.y || { scale: 'log' };
  const tick = opts.tick || ((/** @type {number} */ v) => String(v));
  const value = opts.value || ((/** @type {number} */ v) => fmt(v));
  const xName = opts.xName || 'T';
  // drawn at the width it gets (a phone's 300 px or a desktop's 640), so its text keeps its size
  const W = Math.round(Math.max(300, Math.min(640, container.clientWidth || 600)));
  const H = Math.round(Math.max(250, Math.min(340, W * 0.56))), L = 74, RT = 16, TOP = 14, B = 46;

  const linearX = !!opts.x && opts.x.scale === 'linear';
  const xt = linearX ? (/** @type {number} */ x) => x : Math.log2;
  const xs = all.map((p) => xt(p.x));
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (x1 - x0 < 1) { x0 -= 0.5; x1 += 0.5; }
  const sx = (/** @type {number} */ x) => L + (xt(x) - x0) / (x1 - x0) * (W - L - RT);
  /** The y grid: powers of ten around the data (log), or quarters of max (linear). */
  let yTicks, sy;
  if (yAxis.scale === 'log') {
    const ys = all.map((p) => Math.log10(p.y));
    const y0 = Math.floor(Math.min(...ys));
    let y1 = Math.ceil(Math.max(...ys));
    if (y1 === y0) y1 = y0 + 1;
    yTicks = Array.from({ length: y1 - y0 + 1 }, (_, k) => 10 ** (y0 + k));
    sy = (/** @type {number} */ y) => H - B - (Math.log10(y) - y0) / (y1 - y0) * (H - TOP - B);
  } else {
    const max = yAxis.max, min = yAxis.min || 0;
    yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => min + f * (max - min));
    sy = (/** @type {number} */ y) => H - B - (y - min) / (max - min) * (H - TOP - B);
  }
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: `chart${opts.className ? ` ${opts.className}` : ''}`, role: 'group', 'aria-label': opts.caption });

  yTicks.forEach((v) => {
    root.appendChild(svg('line', { x1: L, x2: W - RT, y1: sy(v), y2: sy(v), class: 'grid' }));
    root.appendChild(svg('text', { x: L - 8, y: sy(v) + 4, class: 'tick', 'text-anchor': 'end', text: tick(v) }));
  });
  // the x grid: powers of two (log2), or steps of 1, 2 or 5 times a power of ten (linear)
  const xGrid = [];
  if (linearX) {
    const raw = (x1 - x0) / 6, mag = 10 ** Math.floor(Math.log10(raw));
    const stepX = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
    for (let v = Math.ceil(x0 / stepX) * stepX; v <= x1 + 1e-9; v += stepX) xGrid.push(Number(v.toPrecision(12)));
  } else for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) xGrid.push(2 ** e);
  // every other label where they would overlap (about 8 px a character, and a gap)
  const widest = Math.max(...xGrid.map((x) => String(x).length)) * 8 + 14;
  const crowded = (W - L - RT) / Math.max(1, xGrid.length - 1) < Math.max(46, widest);
  xGrid.forEach((x, i) => {
    root.appendChild(svg('line', { x1: sx(x), x2: sx(x), y1: TOP, y2: H - B, class: 'grid' }));
    if (!crowded || (xGrid.length - 1 - i) % 2 === 0) {
      root.appendChild(svg('text', { x: sx(x), y: H - B + 18, class: 'tick', 'text-anchor': 'middle', text: String(x) }));
    }
  });
  root.appendChild(svg('line', { x1: L, x2: L, y1: TOP, y2: H - B, class: 'axis' }));
  root.appendChild(svg('line', { x1: L, x2: W - RT, y1: H - B, y2: H - B, class: 'axis' }));
  root.appendChild(svg('text', { x: (L + W - RT) / 2, y: H - 8, class: 'axis-label', 'text-anchor': 'middle', text: opts.xLabel }));
  const mid = (TOP + H - B) / 2;
  root.appendChild(svg('text', { x: 14, y: mid, class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 14 ${mid})`, text: opts.yLabel }));
  if (opts.markX) root.appendChild(svg('line', { x1: sx(opts.markX), x2: sx(opts.markX), y1: TOP, y2: H - B, class: 'marker' }));

  const readout = el('p', { class: 'readout', 'aria-live': 'polite', text: 'Hover over or focus a point to read its value.' });
  /** @type {SVGElement[][]} */
  const marks = [];
  series.forEach((s, si) => {
    if (!s.points.length) { marks.push([]); return; }
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)} ${sy(p.y).toFixed(1)}`).join(' ');
    if (s.line !== false) root.appendChild(svg('path', { d, class: `line ${s.cls}` }));
    if (s.dots === false) { marks.push([]); return; }
    marks.push(s.points.map((p) => {
      const text = `${s.label}, ${xName} = ${p.x}: ${value(p.y)}`;
      const g = svg('g', { class: `pt ${s.cls}`, tabindex: '-1', role: 'img', 'aria-label': text },
        [MARKERS[s.marker || 'circle'](sx(p.x), sy(p.y)), svg('title', { text })]);
      const show = () => { readout.textContent = text; };
      g.addEventListener('mouseenter', show);
      g.addEventListener('focus', show);
      g.addEventListener('keydown', (ev) => move(ev, si, marks[si].indexOf(g)));
      root.appendChild(g);
      return g;
    }));
  });
  const first = marks.filter((m) => m.length)[0];
  if (first) first[0].setAttribute('tabindex', '0');

  /** Arrow keys: along a series, or to the nearest-T point of the next series up or down. @param {KeyboardEvent} ev @param {number} si @param {number} i */
  function move(ev, si, i) {
    /** @type {SVGElement | null | undefined} */
    let next = null;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') next = marks[si][i + (ev.key === 'ArrowRight' ? 1 : -1)];
    if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
      const dir = ev.key === 'ArrowDown' ? 1 : -1;
      for (let t = si + dir; t >= 0 && t < marks.length && !next; t += dir) {
        if (marks[t].length) next = marks[t][Math.min(i, marks[t].length - 1)];
      }
    }
    if (!ev.key.startsWith('Arrow')) return;
    ev.preventDefault();
    if (!next) return;
    marks.forEach((m) => m.forEach((g) => g.setAttribute('tabindex', '-1')));
    next.setAttribute('tabindex', '0');
    next.focus();
  }

  container.appendChild(el('div', { class: 'chart-box' }, root));
  const key = el('ul', { class: 'chart-key' });
  series.forEach((s) => {
    const sample = svg('svg', { viewBox: '0 0 40 14', width: 40, height: 14, 'aria-hidden': 'true', class: 'key-sample' },
      [s.line !== false ? svg('path', { d: 'M2 7L38 7', class: `line ${s.cls}` }) : null, s.dots !== false ? svg('g', { class: `pt ${s.cls}` }, MARKERS[s.marker || 'circle'](20, 7)) : null]);
    key.appendChild(el('li', null, [sample, s.label]));
  });
  container.appendChild(key);
  container.appendChild(readout);
  container.appendChild(exportMenu({ name: opts.caption, csv: () => seriesCsv(series, opts.xLabel, opts.yLabel),
    svg: () => chartSvg(/** @type {SVGSVGElement} */ (root), key, opts.caption) }));
}
