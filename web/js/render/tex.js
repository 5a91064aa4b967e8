// Formulas: TeX typeset in the browser by KaTeX (vendor/katex/katex.min.js, loaded by the page
// before its bundle). Everything that typesets goes through here, so rendering at build time can
// replace this one module.

/**
 * Typesets TeX with KaTeX (its own DOM, no HTML from data); plain text if KaTeX is missing.
 * @param {HTMLElement} node @param {string} source @param {boolean} [display]
 */
export function tex(node, source, display) {
  if (typeof katex === 'undefined') { node.textContent = source; return; }
  katex.render(source, node, { displayMode: !!display, throwOnError: false, output: 'htmlAndMathml' });
}

/** Typesets every [data-tex] element inside root; data-display="1" for display style. @param {ParentNode} root */
export function typeset(root) {
  root.querySelectorAll('[data-tex]').forEach((n) => {
    if (!(n instanceof HTMLElement)) return;
    tex(n, n.getAttribute('data-tex') || '', n.getAttribute('data-display') === '1' || n.tagName === 'DIV');
  });
}
