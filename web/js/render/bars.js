// One row of numbers drawn: horizontal bars, or a bracketed vector.
import { el, clear } from './dom.js';
import { fmt } from './format.js';

/**
 * Horizontal bars, one per label, signed values around a zero line. The bar lengths are only
 * a drawing of the numbers the core gave; the numbers are printed beside them.
 * @param {HTMLElement} container
 * @param {(number | null)[]} values
 * @param {string[]} labels
 * @param {{ role?: string, highlight?: number, max?: number, nullText?: string, decimals?: number }} [opts]
 *   max: the value a full bar stands for
 */
export function bars(container, values, labels, opts = {}) {
  clear(container);
  const max = opts.max || values.reduce((/** @type {number} */ m, v) => (typeof v === 'number' && isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0) || 1;
  const hasNeg = values.some((v) => typeof v === 'number' && v < 0);
  const list = el('div', { class: `bars${opts.role ? ` role-${opts.role}` : ''}${hasNeg ? ' signed' : ''}`, role: 'list' });
  values.forEach((v, i) => {
    const frac = typeof v === 'number' && isFinite(v) ? Math.min(1, Math.abs(v) / max) : 0;
    const negative = typeof v === 'number' && v < 0;
    const fill = el('span', { class: `bar-fill${negative ? ' neg' : ''}` });
    fill.style.width = `${(hasNeg ? 50 : 100) * frac}%`;
    if (hasNeg) fill.style[negative ? 'right' : 'left'] = '50%';
    list.appendChild(el('div', { class: `bar-row${opts.highlight === i ? ' hl' : ''}`, role: 'listitem' }, [
      el('span', { class: 'bar-label', text: labels[i] }),
      el('span', { class: 'bar-track' }, fill),
      el('span', { class: 'bar-value', text: fmt(v, opts.decimals, opts.nullText) }),
    ]));
  });
  container.appendChild(list);
}

/**
 * A vector as a bracketed row of numbers: [0.4419, 0.6515, 0.5683].
 * @param {HTMLElement} container
 * @param {(number | null)[]} values
 * @param {{ role?: string, label?: string, nullText?: string, decimals?: number }} [opts]
 */
export function vector(container, values, opts = {}) {
  clear(container);
  const node = el('span', { class: `vector${opts.role ? ` role-${opts.role}` : ''}` });
  if (opts.label) node.appendChild(el('span', { class: 'vector-label', text: `${opts.label} = ` }));
  node.appendChild(document.createTextNode('['));
  values.forEach((v, i) => {
    if (i) node.appendChild(document.createTextNode(', '));
    node.appendChild(el('span', { class: 'num', text: fmt(v, opts.decimals, opts.nullText) }));
  });
  node.appendChild(document.createTextNode(']'));
  container.appendChild(node);
}
