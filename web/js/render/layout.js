// What the widgets share about layout and focus: boxes that scroll sideways, and keeping the
// keyboard focus through a redraw.
import { el, setAttrs } from './dom.js';

/** @type {WeakMap<Element, () => void>} */
const fits = new WeakMap();
const resizer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver((entries) => {
  entries.forEach((e) => {
    if (!e.target.isConnected) resizer?.unobserve(e.target);
    else fits.get(e.target)?.();
  });
});

/**
 * A wide table or grid scrolls inside its box; when it does not fit, the box becomes a focusable,
 * named region so that keyboard users can scroll it too (WCAG 2.1.1).
 * @param {string} cls
 * @param {Node} child
 * @param {string} [label]
 */
export function scrollBox(cls, child, label) {
  return scrollable(el('div', { class: cls }, child), label);
}

/**
 * Makes a box that scrolls sideways (overflow-x: auto) reachable by keyboard while its content
 * does not fit: a focusable, named region, as scrollBox's. Returns the box.
 * @template {HTMLElement} B
 * @param {B} box
 * @param {string} [label]
 * @returns {B}
 */
export function scrollable(box, label) {
  fits.set(box, () => {
    const over = box.scrollWidth > box.clientWidth + 1;
    if (over === box.hasAttribute('tabindex')) return;
    if (over) setAttrs(box, { tabindex: '0', role: 'region', 'aria-label': `${label || 'table'}, scrolls sideways` });
    else ['tabindex', 'role', 'aria-label'].forEach((a) => box.removeAttribute(a));
  });
  resizer?.observe(box);
  return box;
}

/** Where focus is inside `container` before a redraw: a data-focus key, or null. @param {Element} container */
export function focusKey(container) {
  const a = document.activeElement;
  return a && a !== container && container.contains(a) ? a.getAttribute('data-focus') : null;
}

/** @param {Element} container @param {string | null} key */
export function restoreFocus(container, key) {
  if (key === null) return;
  const target = container.querySelector(`[data-focus="${key}"]`);
  if (target instanceof HTMLElement || target instanceof SVGElement) target.focus({ preventScroll: true });
}

/**
 * A value as rows: a number is one row of one, a vector one row.
 * @param {unknown} value
 * @returns {unknown[][]}
 */
export function asRows(value) {
  if (!Array.isArray(value)) return [[value]];
  if (!Array.isArray(value[0])) return [value];
  return value;
}
