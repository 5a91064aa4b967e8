// A matrix as a table of numbers, optionally shaded by value.
import { el, clear } from './dom.js';
import { fmt } from './format.js';
import { extent, shade } from './colour.js';
import { asRows, scrollBox } from './layout.js';
import { exportMenu, toCsv } from './export.js';

/**
 * @typedef {object} MatrixOptions
 * @property {string[]} [rowLabels]
 * @property {string[]} [colLabels]
 * @property {string} [corner]
 * @property {boolean} [heat]              shade the cells
 * @property {import('./colour.js').Range} [range]  [lo, hi] for shading
 * @property {string | null} [role]        'q' | 'k' | 'v' | 'x'
 * @property {string} [caption]
 * @property {string} [sliceLabel]         a 3-d value's slices: "head 1", …
 * @property {number} [highlightRow]
 * @property {string} [nullText]
 * @property {number} [decimals]
 * @property {(i: number, j: number, v: unknown) => string} [describe]  a cell's title
 * @property {string} [name]              what its export is called when it has no caption
 * @property {boolean} [noExport]          no export panel (a slice of a 3-d value: the whole has one)
 */

/**
 * A matrix as a table. A 3-d value (heads) becomes one table per slice.
 * @param {HTMLElement} container
 * @param {unknown} value
 * @param {MatrixOptions} [opts]
 */
export function matrix(container, value, opts = {}) {
  clear(container);
  if (Array.isArray(value) && Array.isArray(value[0]) && Array.isArray(value[0][0])) {
    const grid = el('div', { class: 'slices' });
    value.forEach((slice, h) => {
      const box = el('div', { class: 'slice' });
      matrix(box, slice, { ...opts, caption: `${opts.sliceLabel || 'head'} ${h + 1}`, noExport: true });
      grid.appendChild(box);
    });
    container.appendChild(grid);
    container.appendChild(csvMenu(value, opts));
    return;
  }
  const rows = asRows(value);
  const range = opts.heat ? extent(rows, opts.range) : null;
  const table = el('table', { class: `matrix${opts.role ? ` role-${opts.role}` : ''}${opts.heat ? ' heat' : ''}` });
  if (opts.caption) table.appendChild(el('caption', { text: opts.caption }));
  if (opts.colLabels) {
    const head = el('tr', null, [el('th', { class: 'corner', scope: 'col', text: opts.corner || '' })]);
    opts.colLabels.forEach((c) => head.appendChild(el('th', { scope: 'col', text: c })));
    table.appendChild(el('thead', null, head));
  }
  const body = el('tbody');
  rows.forEach((r, i) => {
    const tr = el('tr', { class: opts.highlightRow === i ? 'hl' : null });
    if (opts.rowLabels) tr.appendChild(el('th', { scope: 'row', text: opts.rowLabels[i] }));
    r.forEach((x, j) => {
      const td = el('td', { text: fmt(x, opts.decimals, opts.nullText) });
      if (x === null) td.className = 'null';
      if (range && typeof x === 'number') shade(td, x, range);
      if (opts.describe) td.title = opts.describe(i, j, x);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.appendChild(body);
  container.appendChild(scrollBox('matrix-scroll', table, opts.caption));
  if (!opts.noExport) container.appendChild(csvMenu(value, opts));
}

/** The matrix's CSV, to download or copy (render/export.js). @param {unknown} value @param {MatrixOptions} opts */
function csvMenu(value, opts) {
  return exportMenu({ name: opts.caption || opts.name || 'matrix',
    csv: () => toCsv(value, { rowLabels: opts.rowLabels, colLabels: opts.colLabels, corner: opts.corner, nullText: opts.nullText, sliceLabel: opts.sliceLabel }) });
}
