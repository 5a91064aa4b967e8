// Numbers and shapes as the lessons print them.

/**
 * A number as the book prints it: 4 decimals, a true minus sign, no negative zero; null is the
 * core's −∞ (or NaN, per `nullText`).
 * @param {unknown} x
 * @param {number} [decimals]
 * @param {string} [nullText]
 */
export function fmt(x, decimals, nullText) {
  if (x === null || x === undefined) return nullText || '−∞';
  if (typeof x !== 'number') return String(x);
  let s = x.toFixed(decimals === undefined ? 4 : decimals);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s.replace('-', '−');
}

/** @param {number[]} shape */
export function shapeText(shape) { return `(${shape.join(', ')})`; }
