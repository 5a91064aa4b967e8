// Points on a plane that the learner can drag, or move with the arrow keys.
import { svg, clear } from './dom.js';
import { fmt } from './format.js';
import { focusKey, restoreFocus } from './layout.js';

/**
 * @typedef {object} ScatterOptions
 * @property {string[]} [labels]
 * @property {[number, number]} [domain]   [lo, hi] for both axes
 * @property {number[]} [ticks]
 * @property {string} [xLabel]
 * @property {string} [yLabel]
 * @property {string} [ariaLabel]
 * @property {(i: number) => string} [pointClass]
 * @property {(i: number, x: number, y: number) => void} [onMove]  on release and on key moves
 * @property {(i: number, x: number, y: number) => void} [onDrag]  while dragging
 * @property {{ x: number, y: number, label?: string, cls?: string, r?: number }[]} [extra]  fixed points, not draggable
 * @property {number} [snap]        decimals
 * @property {number} [highlight]   index
 */

/**
 * Points (two coordinates each) on a plane; movable when opts.onMove is given.
 * @param {HTMLElement} container
 * @param {number[][]} points
 * @param {ScatterOptions} [opts]
 */
export function scatter(container, points, opts = {}) {
  const keep = focusKey(container);
  clear(container);
  const W = 320, H = 320, P = 34;
  const lo = opts.domain ? opts.domain[0] : 0, hi = opts.domain ? opts.domain[1] : 1;
  const sx = (/** @type {number} */ x) => P + (x - lo) / (hi - lo) * (W - 2 * P);
  const sy = (/** @type {number} */ y) => H - P - (y - lo) / (hi - lo) * (H - 2 * P);
  const ix = (/** @type {number} */ px) => lo + (px - P) / (W - 2 * P) * (hi - lo);
  const iy = (/** @type {number} */ py) => lo + (H - P - py) / (H - 2 * P) * (hi - lo);
  const snap = (/** @type {number} */ v) => Number(Math.max(lo, Math.min(hi, v)).toFixed(opts.snap === undefined ? 2 : opts.snap));
  const root = /** @type {SVGSVGElement} */ (svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'scatter', role: 'group', 'aria-label': opts.ariaLabel || 'points' }));
  const ticks = opts.ticks || [lo, (lo + hi) / 2, hi];
  ticks.forEach((t) => {
    root.appendChild(svg('line', { x1: sx(t), x2: sx(t), y1: P, y2: H - P, class: 'grid' }));
    root.appendChild(svg('line', { y1: sy(t), y2: sy(t), x1: P, x2: W - P, class: 'grid' }));
    root.appendChild(svg('text', { x: sx(t), y: H - P + 14, class: 'tick', 'text-anchor': 'middle', text: String(t) }));
    root.appendChild(svg('text', { x: P - 4, y: sy(t) + 4, class: 'tick', 'text-anchor': 'end', text: String(t) }));
  });
  root.appendChild(svg('text', { x: W / 2, y: H - 4, class: 'axis-label', 'text-anchor': 'middle', text: opts.xLabel || 'x' }));
  // the y label above its axis, upright: on its side it ran into the middle tick's label
  root.appendChild(svg('text', { x: P, y: P - 12, class: 'axis-label', 'text-anchor': 'middle', text: opts.yLabel || 'y' }));
  (opts.extra || []).forEach((p) => {
    root.appendChild(svg('circle', { cx: sx(p.x), cy: sy(p.y), r: p.r || 7, class: `pt-fixed ${p.cls || ''}` }));
    if (p.label) root.appendChild(svg('text', { x: sx(p.x) + 10, y: sy(p.y) + 16, class: `pt-label ${p.cls || ''}`, text: p.label }));
  });
  // Labels go above and right of their point, or below it where that would cover a label already
  // placed (two tokens with close embeddings, such as "journey" and "starts" in the book).
  /** @type {{ x: number, y: number, w: number }[]} */
  const placed = [];
  const labelY = (/** @type {number} */ x, /** @type {number} */ y, /** @type {string} */ label) => {
    const w = 7.5 * label.length;
    const free = (/** @type {number} */ ty) => placed.every((b) => Math.abs(b.y - ty) >= 14 || x + w <= b.x || b.x + b.w <= x);
    const ty = free(y - 10) ? y - 10 : free(y + 24) ? y + 24 : y - 10;
    placed.push({ x, y: ty, w });
    return ty;
  };
  points.forEach((p, i) => {
    const label = opts.labels ? opts.labels[i] : String(i + 1);
    const cls = `pt${opts.highlight === i ? ' hl' : ''}${opts.pointClass ? ` ${opts.pointClass(i)}` : ''}`;
    const where = `${label} at (${fmt(p[0], 2)}, ${fmt(p[1], 2)})`;
    const onMove = opts.onMove;
    // A movable point is a two-way slider: its value is read out as both coordinates, and the
    // arrow keys move it (left/right along the horizontal axis, up/down along the vertical one).
    const g = svg('g', onMove ? { class: cls, tabindex: '0', role: 'slider', 'data-focus': String(i),
      'aria-label': `${label}: arrow keys move it`, 'aria-valuemin': lo, 'aria-valuemax': hi, 'aria-valuenow': p[0],
      'aria-valuetext': `${opts.xLabel || 'x'} ${fmt(p[0], 2)}, ${opts.yLabel || 'y'} ${fmt(p[1], 2)}` } : { class: cls, role: 'img', 'aria-label': where });
    const dot = svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 9 });
    // an invisible ring around the dot: a target of at least 24 × 24 px (WCAG 2.5.8)
    const hit = svg('circle', { class: 'hit', cx: sx(p[0]), cy: sy(p[1]), r: 14 });
    const text = svg('text', { x: sx(p[0]) + 12, y: labelY(sx(p[0]) + 12, sy(p[1]), label), text: label });
    g.appendChild(svg('title', { text: where }));
    g.appendChild(hit);
    g.appendChild(dot);
    g.appendChild(text);
    root.appendChild(g);
    if (!onMove) return;
    let current = [p[0], p[1]];
    const place = (/** @type {number} */ x, /** @type {number} */ y) => {
      current = [x, y];
      [dot, hit].forEach((c) => { c.setAttribute('cx', String(sx(x))); c.setAttribute('cy', String(sy(y))); });
      text.setAttribute('x', String(sx(x) + 12)); text.setAttribute('y', String(sy(y) - 10));
    };
    const toLocal = (/** @type {PointerEvent} */ ev) => {
      const m = root.getScreenCTM();
      const pt = root.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
      const l = m ? pt.matrixTransform(m.inverse()) : pt;
      return [snap(ix(l.x)), snap(iy(l.y))];
    };
    g.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      g.setPointerCapture(ev.pointerId);
      g.classList.add('dragging');
      const move = (/** @type {PointerEvent} */ e) => { const q = toLocal(e); place(q[0], q[1]); opts.onDrag?.(i, q[0], q[1]); };
      const up = () => {
        g.removeEventListener('pointermove', move);
        g.removeEventListener('pointerup', up);
        g.removeEventListener('pointercancel', up);
        g.classList.remove('dragging');
        onMove(i, current[0], current[1]);
      };
      g.addEventListener('pointermove', move);
      g.addEventListener('pointerup', up);
      g.addEventListener('pointercancel', up);
    });
    g.addEventListener('keydown', (ev) => {
      const step = (hi - lo) / 50;
      const d = /** @type {Record<string, number[]>} */ ({ ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] })[ev.key];
      if (!d) return;
      ev.preventDefault();
      place(snap(current[0] + d[0]), snap(current[1] + d[1]));
      onMove(i, current[0], current[1]);
    });
  });
  container.appendChild(root);
  restoreFocus(container, keep);
  return root;
}
