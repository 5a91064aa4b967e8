// Making DOM nodes from data: attributes and text only, never HTML built from a string.

const SVG = 'http://www.w3.org/2000/svg';

/** Attribute values (`text` sets textContent, `style` an object of properties); null, undefined and false leave one out. @typedef {Record<string, unknown>} Attrs */
/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Creates an element: el('td', { class: 'x', title: 't' }, [child or text, ...]).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {Child | Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/**
 * Creates an SVG element.
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {Child | Child[]} [children]
 * @returns {SVGElement}
 */
export function svg(tag, attrs, children) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/** @param {HTMLElement | SVGElement} node @param {Attrs | null | undefined} attrs */
export function setAttrs(node, attrs) {
  if (!attrs) return;
  Object.keys(attrs).forEach((k) => {
    const v = attrs[k];
    if (v === undefined || v === null || v === false) return;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'style' && typeof v === 'object') Object.entries(v).forEach(([p, value]) => node.style.setProperty(p, String(value)));
    else node.setAttribute(k, v === true ? '' : String(v));
  });
}

/** @param {Node} node @param {Child | Child[]} [children] */
function append(node, children) {
  if (children === undefined || children === null) return;
  (Array.isArray(children) ? children : [children]).forEach((c) => {
    if (c === undefined || c === null || c === false) return;
    node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  });
}

/** @template {Node} N @param {N} node @returns {N} */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** The page's element with this id; a page missing it is a bug of the page, said at once. @param {string} id */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** The page's <input> (or <select>) with this id. @param {string} id */
export const inputById = (id) => /** @type {HTMLInputElement} */ (byId(id));
