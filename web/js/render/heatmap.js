// A heatmap of a matrix with token labels, readable without colour, by keyboard and as a table.
import { el, clear } from './dom.js';
import { fmt } from './format.js';
import { extent, shade, legend } from './colour.js';
import { asRows, scrollBox, focusKey, restoreFocus } from './layout.js';
import { exportMenu, heatmapSvg, toCsv } from './export.js';

/** Each map's numbers, as updateHeatmap() last set them: what its export menu saves. @type {WeakMap<Element, unknown[][]>} */
const shownRows = new WeakMap();
/** A closed table's newest numbers, written when it opens (updateHeatmap() skips closed tables). @type {WeakMap<Element, () => void>} */
const pendingTables = new WeakMap();

// Which heatmaps show their table (by caption): kept here because lessons redraw the heatmaps
// after every change, and an open table should stay open.
/** @type {Record<string, boolean>} */
const openTables = {};
let heatmapCount = 0;

/**
 * @typedef {object} HeatmapOptions
 * @property {string[]} [rowLabels]
 * @property {string[]} [colLabels]
 * @property {string} [rowTitle]   'query'
 * @property {string} [colTitle]   'key'
 * @property {import('./colour.js').Range} [range]
 * @property {string} [nullText]
 * @property {number} [decimals]
 * @property {string} [caption]
 * @property {boolean | 'short'} [showValues]
 */

/**
 * A heatmap of a matrix. Colour is never the only carrier: every cell prints its number, masked
 * cells (null) are hatched and print −∞. For the keyboard it is one tab stop (a roving tabindex on
 * an ARIA grid): the arrow keys move cell by cell, Home/End to the ends of a row, Ctrl+Home/End to
 * the corners, and the focused cell's accessible name is its full reading ("query journey, key
 * starts: 0.2379"), which screen readers announce on focus. "Show as table" opens the same numbers
 * as a plain <table> with row and column headers (see tableToggle() for why a visible toggle
 * rather than a hidden copy).
 * @param {HTMLElement} container
 * @param {unknown} value
 * @param {HeatmapOptions} [opts]
 */
export function heatmap(container, value, opts = {}) {
  const keep = focusKey(container);
  clear(container);
  const rows = asRows(value);
  const range = extent(rows, opts.range);
  const rowTitle = opts.rowTitle || 'row', colTitle = opts.colTitle || 'column';
  const rowLabels = opts.rowLabels || rows.map((_, i) => String(i + 1));
  const colLabels = opts.colLabels || rows[0].map((_, j) => String(j + 1));
  const id = `hm-${++heatmapCount}`, caption = opts.caption || 'heatmap';
  const wrap = el('figure', { class: 'heatmap', 'data-shape': shapeKey(rows, opts) });
  wrap.appendChild(el('figcaption', { id: `${id}-cap`, text: caption }));
  const readout = el('p', { class: 'readout', text: 'Point at a cell, or Tab to the map and use the arrow keys, to read its value.' });
  const grid = el('div', { class: 'hm-grid', role: 'grid', 'aria-labelledby': `${id}-cap`, 'aria-describedby': `${id}-keys`,
    'aria-rowcount': String(rows.length + 1), 'aria-colcount': String(colLabels.length + 1), style: { '--cols': String(colLabels.length) } });
  const head = el('div', { class: 'hm-tr', role: 'row' }, el('div', { class: 'hm-corner', role: 'columnheader', text: `${rowTitle} ↓ ${colTitle} →` }));
  colLabels.forEach((c) => head.appendChild(el('div', { class: 'hm-col', role: 'columnheader', text: c })));
  grid.appendChild(head);
  /** @type {HTMLElement[][]} */
  const cells = [];
  rows.forEach((r, i) => {
    const tr = el('div', { class: 'hm-tr', role: 'row' }, el('div', { class: 'hm-row', role: 'rowheader', text: rowLabels[i] }));
    cells.push(r.map((x, j) => {
      const text = reading(x, i, j, rowLabels, colLabels, rowTitle, colTitle, opts);
      const cell = el('div', { class: `hm-cell${x === null ? ' null' : ''}`, role: 'gridcell', tabindex: i === 0 && j === 0 ? '0' : '-1',
        'aria-label': text, title: text, 'data-focus': `${i},${j}` });
      if (typeof x === 'number') shade(cell, x, range);
      if (opts.showValues !== false) cell.textContent = fmt(x, opts.showValues === 'short' ? 2 : opts.decimals, opts.nullText === undefined ? '−∞' : opts.nullText);
      const show = () => { readout.textContent = cell.getAttribute('aria-label') || text; };  // updateHeatmap() may change it
      cell.addEventListener('mouseenter', show);
      cell.addEventListener('focus', show);
      cell.addEventListener('keydown', (ev) => gridKey(ev, cells, i, j));
      tr.appendChild(cell);
      return cell;
    }));
    grid.appendChild(tr);
  });
  wrap.appendChild(scrollBox('hm-scroll', grid, caption));
  wrap.appendChild(el('p', { class: 'sr-only', id: `${id}-keys`, text: 'Arrow keys move from cell to cell; Home and End go to the ends of a row.' }));
  wrap.appendChild(legend(range));
  wrap.appendChild(readout);
  wrap.appendChild(tableToggle(id, caption, rows, rowLabels, colLabels, rowTitle, colTitle, opts));
  shownRows.set(wrap, rows);
  const now = () => shownRows.get(wrap) || rows;
  wrap.appendChild(exportMenu({
    name: caption,
    csv: () => toCsv(now(), { rowLabels, colLabels, corner: `${rowTitle} \\ ${colTitle}`, nullText: opts.nullText }),
    svg: () => heatmapSvg(now(), { rowLabels, colLabels, rowTitle, colTitle, caption, range, decimals: opts.decimals, nullText: opts.nullText }),
  }));
  container.appendChild(wrap);
  restoreFocus(container, keep);
}

/**
 * A cell's full reading: "query journey, key starts: 0.2379".
 * @param {unknown} x @param {number} i @param {number} j @param {string[]} rowLabels @param {string[]} colLabels
 * @param {string} rowTitle @param {string} colTitle @param {HeatmapOptions} opts
 */
function reading(x, i, j, rowLabels, colLabels, rowTitle, colTitle, opts) {
  return `${rowTitle} ${rowLabels[i]}, ${colTitle} ${colLabels[j]}: ${fmt(x, opts.decimals, opts.nullText)}${x === null ? ' (masked)' : ''}`;
}

/** What must stay the same for updateHeatmap() to redraw in place. @param {unknown[][]} rows @param {HeatmapOptions} opts */
function shapeKey(rows, opts) {
  return JSON.stringify([rows.length, rows[0] ? rows[0].length : 0, opts.caption, opts.rowLabels, opts.colLabels, opts.rowTitle,
    opts.colTitle, opts.range, opts.nullText, opts.decimals, opts.showValues]);
}

/**
 * Redraws a heatmap with new values, in place when `container` already holds one of the same shape,
 * labels, options and a fixed range: the colours, each cell's reading and its table's numbers change,
 * and no node is made, so a map redrawn several times a second (lesson 8's heads while they train)
 * stays cheap and keeps the focus and the open table. Otherwise draws it as heatmap() does.
 * @param {HTMLElement} container
 * @param {unknown} value
 * @param {HeatmapOptions} [opts]
 */
export function updateHeatmap(container, value, opts = {}) {
  const rows = asRows(value);
  const figure = container.firstElementChild;
  if (!opts.range || !(figure instanceof HTMLElement) || figure.getAttribute('data-shape') !== shapeKey(rows, opts)) {
    heatmap(container, value, opts);
    return;
  }
  const rowTitle = opts.rowTitle || 'row', colTitle = opts.colTitle || 'column';
  const rowLabels = opts.rowLabels || rows.map((_, i) => String(i + 1));
  const colLabels = opts.colLabels || rows[0].map((_, j) => String(j + 1));
  const cells = figure.querySelectorAll('.hm-cell'), tableBox = figure.querySelector('.hm-table');
  const range = opts.range;
  shownRows.set(figure, rows);
  // the table's numbers now if it is open, else when it opens
  const fillTable = () => {
    const tds = figure.querySelectorAll('.hm-table tbody td');
    let t = 0;
    rows.forEach((r) => r.forEach((x) => {
      const td = tds[t++];
      if (td) { td.textContent = fmt(x, opts.decimals, opts.nullText) + (x === null ? ' masked' : ''); td.classList.toggle('null', x === null); }
    }));
  };
  if (tableBox && /** @type {HTMLElement} */ (tableBox).hidden) pendingTables.set(tableBox, fillTable);
  else fillTable();
  let k = 0;
  rows.forEach((r, i) => r.forEach((x, j) => {
    const cell = /** @type {HTMLElement} */ (cells[k]);
    k++;
    const text = reading(x, i, j, rowLabels, colLabels, rowTitle, colTitle, opts);
    cell.setAttribute('aria-label', text);
    cell.title = text;
    cell.classList.toggle('null', x === null);
    if (typeof x === 'number') shade(cell, x, range); else { cell.style.removeProperty('background'); cell.style.removeProperty('color'); }
    if (opts.showValues !== false) cell.textContent = fmt(x, opts.showValues === 'short' ? 2 : opts.decimals, opts.nullText === undefined ? '−∞' : opts.nullText);
    if (cell === document.activeElement) {
      const readout = figure.querySelector('.readout');
      if (readout) readout.textContent = text;
    }
  }));
}

/**
 * The roving tabindex of a heatmap: moves the one tab stop to the cell the key points at.
 * @param {KeyboardEvent} ev @param {HTMLElement[][]} cells @param {number} i @param {number} j
 */
function gridKey(ev, cells, i, j) {
  const last = cells.length - 1, end = cells[i].length - 1;
  /** @type {[number, number] | null} */
  let to = null;
  if (ev.key === 'ArrowUp') to = [Math.max(0, i - 1), j];
  else if (ev.key === 'ArrowDown') to = [Math.min(last, i + 1), j];
  else if (ev.key === 'ArrowLeft') to = [i, Math.max(0, j - 1)];
  else if (ev.key === 'ArrowRight') to = [i, Math.min(end, j + 1)];
  else if (ev.key === 'Home') to = ev.ctrlKey ? [0, 0] : [i, 0];
  else if (ev.key === 'End') to = ev.ctrlKey ? [last, cells[last].length - 1] : [i, end];
  else if (ev.key === 'PageUp') to = [0, j];
  else if (ev.key === 'PageDown') to = [last, j];
  if (!to) return;
  ev.preventDefault();
  cells[i][j].tabIndex = -1;
  const next = cells[to[0]][to[1]];
  next.tabIndex = 0;
  next.focus();
}

/**
 * The table alternative of a heatmap: a disclosure button and a real <table> (th scope=col and
 * scope=row, every value as text). It is visible on demand rather than a visually-hidden copy:
 * a hidden copy would make screen readers read every number twice (grid, then table) and would
 * be out of reach for sighted keyboard and magnifier users, who benefit from a table as much.
 * The button sits right after the grid, so a screen reader meets it there, and opening it gives
 * the table navigation commands every screen reader has.
 * @param {string} id @param {string} caption @param {unknown[][]} rows @param {string[]} rowLabels
 * @param {string[]} colLabels @param {string} rowTitle @param {string} colTitle @param {HeatmapOptions} opts
 */
function tableToggle(id, caption, rows, rowLabels, colLabels, rowTitle, colTitle, opts) {
  let open = !!openTables[caption];
  const button = el('button', { type: 'button', class: 'btn btn-small hm-toggle', 'aria-expanded': String(open), 'aria-controls': `${id}-table`,
    'data-focus': 'toggle', text: open ? 'Hide the table' : 'Show as table' });
  const box = el('div', { class: 'hm-table', id: `${id}-table`, hidden: !open });
  const table = el('table', { class: 'matrix' }, el('caption', { text: `${caption} (as a table: rows are ${rowTitle}, columns ${colTitle})` }));
  const head = el('tr', null, el('th', { scope: 'col', text: `${rowTitle} \\ ${colTitle}` }));
  colLabels.forEach((c) => head.appendChild(el('th', { scope: 'col', text: c })));
  table.appendChild(el('thead', null, head));
  const body = el('tbody');
  rows.forEach((r, i) => {
    const tr = el('tr', null, el('th', { scope: 'row', text: rowLabels[i] }));
    r.forEach((x) => tr.appendChild(el('td', { class: x === null ? 'null' : null, text: fmt(x, opts.decimals, opts.nullText) + (x === null ? ' masked' : '') })));
    body.appendChild(tr);
  });
  table.appendChild(body);
  box.appendChild(scrollBox('matrix-scroll', table, `${caption}, table`));
  button.addEventListener('click', () => {
    open = !!box.hidden;
    if (open) pendingTables.get(box)?.();  // numbers updateHeatmap() left for when it opens
    pendingTables.delete(box);
    box.hidden = !open;
    openTables[caption] = open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide the table' : 'Show as table';
  });
  return el('div', { class: 'hm-alt' }, [button, box]);
}
