// Typesets a page's formulas at build time, so that a lesson needs KaTeX's stylesheet and fonts but
// not its 270 KB script. A formula is written in the page source as an empty element with its TeX in
// an attribute: <span data-tex="Q = XW_q"></span>, or <div class="formula" data-tex="…" data-display="1">
// for display style (a <div> is always display style). The build fills the element with KaTeX's HTML
// and MathML and drops the attribute; a formula KaTeX cannot parse stops the build, naming it.
//
// KaTeX positions its boxes with inline style attributes (style="height:2.7em"). The site's policy
// (style-src 'self', no 'unsafe-inline') refuses those in markup, though it allowed KaTeX's script
// to set the same styles through the DOM. So each distinct style becomes a class (ks-0, ks-1, …) in
// a stylesheet the build writes beside KaTeX's; its declarations are !important, as an inline style
// outranks every rule of KaTeX's stylesheet.
import katex from 'katex';

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

/** The attribute value as written in HTML, read back as text. */
function unescapeAttribute(value) {
  return value.replace(/&(amp|lt|gt|quot|#39|apos);/g, (entity) => ENTITIES[entity]);
}

/** The distinct inline styles of every formula typeset, as classes; one per site build. */
export class FormulaStyles {
  constructor() { this.classes = new Map(); }

  /** The class standing for `style` ("height:2.7em;vertical-align:-0.93em;"). */
  classFor(style) {
    if (!this.classes.has(style)) this.classes.set(style, `ks-${this.classes.size}`);
    return this.classes.get(style);
  }

  /** `markup` with every style attribute replaced by its class. */
  replaceStyles(markup) {
    return markup.replace(/<([a-z]+)((?:\s[^>]*?)?)\sstyle="([^"]*)"([^>]*)>/g, (tag, name, before, style, after) => {
      let attributes = before + after;
      const own = this.classFor(style);
      if (/\sclass="/.test(attributes)) attributes = attributes.replace(/\sclass="([^"]*)"/, (_, list) => ` class="${list} ${own}"`);
      else attributes += ` class="${own}"`;
      return `<${name}${attributes}>`;
    });
  }

  /** The stylesheet: one rule per class. */
  css() {
    const rules = [...this.classes].map(([style, name]) => {
      const declarations = style.split(';').map((d) => d.trim()).filter(Boolean).map((d) => `${d} !important`);
      return `.katex .${name}{${declarations.join(';')}}`;
    });
    return `/* The inline styles of the formulas KaTeX typeset at build time (tools/tex.mjs), as classes. */\n${rules.join('\n')}\n`;
  }
}

/** One formula as KaTeX markup (HTML for the eye, MathML for screen readers). */
export function renderTex(source, display) {
  return katex.renderToString(source, { displayMode: display, throwOnError: true, output: 'htmlAndMathml' });
}

// An empty <span> or <div> carrying data-tex (and maybe data-display) among its attributes.
const FORMULA = /<(span|div)([^>]*?)\sdata-tex="([^"]*)"([^>]*)><\/\1>/g;

/**
 * Returns `html` with every formula typeset, its styles made classes of `styles`. `where` names the
 * page in an error. Counts what it did in `stats.formulas` when given.
 */
export function typesetPage(html, where, styles, stats = {}) {
  stats.formulas = 0;
  return html.replace(FORMULA, (whole, tag, before, tex, after) => {
    const attributes = (before + after).replace(/\sdata-display="[^"]*"/, '');
    const display = tag === 'div' || /\sdata-display="1"/.test(before + after);
    let markup;
    try {
      markup = renderTex(unescapeAttribute(tex), display);
    } catch (e) {
      throw new Error(`${where}: the formula ${JSON.stringify(tex)} does not typeset: ${e.message}`);
    }
    stats.formulas++;
    return `<${tag}${attributes}>${styles.replaceStyles(markup)}</${tag}>`;
  });
}
