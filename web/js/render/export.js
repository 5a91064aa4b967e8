// Every view can leave the page: a heatmap or a chart as PNG and SVG, a matrix (or a chart's
// points) as CSV, downloaded or copied. Knows no lesson: it is given the numbers, the labels and a
// name, and builds the file from them (the SVG of a heatmap is drawn here from the numbers; a
// chart's is its own <svg> with the page's styles written onto it).
// The strict CSP allows images from data: URLs only (img-src 'self' data:), so the SVG is rasterised
// from a data: URL; the files themselves leave through a Blob's object URL and <a download>. A frame
// sandboxed without allow-downloads drops that download without a word, and a page may refuse the
// clipboard: so in an opaque-origin frame, and whenever a copy is refused, the text (or the image)
// is shown in the panel, to select and copy or to save from the context menu.
import { el, clear } from './dom.js';
import { fmt } from './format.js';
import { colour, extent } from './colour.js';
import { asRows } from './layout.js';

/**
 * What a view can export. `csv` gives the text of its numbers; `svg` its picture.
 * @typedef {object} Exportable
 * @property {string} name            what it is called (its caption): the file's name comes from it
 * @property {() => string} [csv]
 * @property {() => SvgPicture} [svg]
 */
/** @typedef {{ text: string, width: number, height: number }} SvgPicture */

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';
const MONO = 'DejaVu Sans Mono, Menlo, Consolas, monospace';

// Which export panels are open (by name): the lessons redraw after every change.
/** @type {Record<string, boolean>} */
const openPanels = {};

// ---- CSV -----------------------------------------------------------------------------------------

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). @param {unknown} v */
function field(v) {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A number as a CSV field, in full (the page prints 4 decimals; the file keeps every digit the
 * core gave). null is the core's −∞ (a masked score), or NaN where the view says so.
 * @param {unknown} x @param {string} [nullText]
 */
function csvNumber(x, nullText) {
  if (x === null || x === undefined) return nullText === 'NaN' ? 'nan' : '-inf';
  return typeof x === 'number' ? String(x) : field(x);
}

/**
 * @typedef {object} CsvOptions
 * @property {string[]} [rowLabels]
 * @property {string[]} [colLabels]
 * @property {string} [corner]        the header of the labels' column
 * @property {string} [nullText]
 * @property {string} [sliceLabel]    a 3-d value's first column ('head')
 */

/**
 * A matrix (or a vector, or a 3-d value: one block of rows per slice, its number in a first
 * column) as CSV: a header of column labels, then each row with its label.
 * @param {unknown} value @param {CsvOptions} [opts]
 */
export function toCsv(value, opts = {}) {
  const threeD = Array.isArray(value) && Array.isArray(value[0]) && Array.isArray(value[0][0]);
  const slices = threeD ? /** @type {unknown[]} */ (value) : [value];
  const first = asRows(slices[0]);
  const cols = opts.colLabels || first[0].map((_, j) => String(j + 1));
  const lines = [[...(threeD ? [opts.sliceLabel || 'head'] : []), opts.corner || '', ...cols].map(field).join(',')];
  slices.forEach((slice, h) => {
    asRows(slice).forEach((r, i) => {
      const label = opts.rowLabels ? opts.rowLabels[i] : String(i + 1);
      lines.push([...(threeD ? [String(h + 1)] : []), field(label), ...r.map((x) => csvNumber(x, opts.nullText))].join(','));
    });
  });
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A chart's points as CSV: one line per point, its series, x and y.
 * @param {{ label: string, points: { x: number, y: number }[] }[]} series @param {string} xName @param {string} yName
 */
export function seriesCsv(series, xName, yName) {
  const lines = [['series', xName, yName].map(field).join(',')];
  series.forEach((s) => s.points.forEach((p) => lines.push([field(s.label), String(p.x), String(p.y)].join(','))));
  return `${lines.join('\r\n')}\r\n`;
}

// ---- SVG -----------------------------------------------------------------------------------------

/** @param {string} text */
const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An SVG element as text. @param {string} tag @param {Record<string, string | number>} attrs @param {string} [inner] */
function tag(tag, attrs, inner) {
  const a = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
  return inner === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${inner}</${tag}>`;
}

/** About how wide a text is drawn at this size (DejaVu Sans averages 0.6 em a character). @param {string} s @param {number} size */
const textWidth = (s, size) => Math.ceil(String(s).length * size * 0.62);

/**
 * @typedef {object} HeatmapPictureOptions
 * @property {string[]} rowLabels
 * @property {string[]} colLabels
 * @property {string} rowTitle
 * @property {string} colTitle
 * @property {string} caption
 * @property {import('./colour.js').Range} [range]
 * @property {number} [decimals]
 * @property {string} [nullText]
 */

/**
 * A heatmap as a standalone SVG, drawn from its numbers: caption, labels, every cell in the
 * page's colours with its number, masked cells hatched, and the colour scale. Its own colours
 * and fonts (no stylesheet reaches a file), on white.
 * @param {unknown} value @param {HeatmapPictureOptions} opts @returns {SvgPicture}
 */
export function heatmapSvg(value, opts) {
  const rows = asRows(value);
  const range = extent(rows, opts.range);
  const cellW = Math.max(62, ...opts.colLabels.map((c) => textWidth(c, 12) + 10)), cellH = 34, gap = 2;
  const labelW = Math.max(textWidth(`${opts.rowTitle} ↓`, 11), ...opts.rowLabels.map((r) => textWidth(r, 12))) + 14;
  const top = 72, left = 12 + labelW;
  const gridW = opts.colLabels.length * (cellW + gap);
  const width = Math.max(left + gridW + 12, textWidth(opts.caption, 15) + 24, 260);
  const height = top + rows.length * (cellH + gap) + 62;
  const parts = [
    tag('rect', { width, height, fill: '#ffffff' }),
    tag('defs', {}, tag('pattern', { id: 'masked', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      tag('rect', { width: 6, height: 6, fill: '#eef1f4' }) + tag('rect', { width: 2, height: 6, fill: '#b6bec8' })) +
      tag('linearGradient', { id: 'scale' }, Array.from({ length: 11 }, (_, k) => tag('stop', { offset: `${k * 10}%`, 'stop-color': colour(k / 10).css })).join(''))),
    tag('text', { x: 12, y: 22, 'font-family': FONT, 'font-size': 15, 'font-weight': 'bold', fill: '#1b1f24' }, escapeXml(opts.caption)),
    tag('text', { x: 12, y: top - 30, 'font-family': FONT, 'font-size': 11, fill: '#57606a' }, escapeXml(`rows: ${opts.rowTitle} ↓   columns: ${opts.colTitle} →`)),
  ];
  opts.colLabels.forEach((c, j) => parts.push(tag('text', { x: left + j * (cellW + gap) + cellW / 2, y: top - 8, 'text-anchor': 'middle',
    'font-family': FONT, 'font-size': 12, 'font-weight': 'bold', fill: '#1b1f24', class: 'col-label' }, escapeXml(c))));
  rows.forEach((r, i) => {
    const y = top + i * (cellH + gap);
    parts.push(tag('text', { x: left - 8, y: y + cellH / 2 + 4, 'text-anchor': 'end', 'font-family': FONT, 'font-size': 12, 'font-weight': 'bold',
      fill: '#1b1f24', class: 'row-label' }, escapeXml(opts.rowLabels[i])));
    r.forEach((x, j) => {
      const cx = left + j * (cellW + gap);
      const c = typeof x === 'number' ? colour((x - range[0]) / (range[1] - range[0])) : null;
      const text = fmt(x, opts.decimals, opts.nullText === undefined ? '−∞' : opts.nullText);
      parts.push(tag('g', { class: `cell${x === null ? ' null' : ''}`, 'data-row': i, 'data-col': j },
        tag('rect', { x: cx, y, width: cellW, height: cellH, rx: 4, fill: c ? c.css : 'url(#masked)' }) +
        tag('text', { x: cx + cellW / 2, y: y + cellH / 2 + 4, 'text-anchor': 'middle', 'font-family': MONO, 'font-size': 12, fill: c ? c.text : '#1b1f24' }, escapeXml(text))));
    });
  });
  const ly = top + rows.length * (cellH + gap) + 20;
  parts.push(tag('text', { x: 12, y: ly + 10, 'font-family': MONO, 'font-size': 11, fill: '#57606a' }, escapeXml(fmt(range[0], 2))));
  parts.push(tag('rect', { x: 60, y: ly, width: 160, height: 12, rx: 6, fill: 'url(#scale)' }));
  parts.push(tag('text', { x: 228, y: ly + 10, 'font-family': MONO, 'font-size': 11, fill: '#57606a' }, escapeXml(fmt(range[1], 2))));
  parts.push(tag('text', { x: 12, y: height - 8, 'font-family': FONT, 'font-size': 10, fill: '#57606a' }, escapeXml(source())));
  return { text: svgDocument(width, height, opts.caption, parts.join('')), width, height };
}

/** Where a file came from (the page's title names the lesson and the site), for a reader who finds the file later. */
function source() { return /Attention Lab/.test(document.title) ? document.title : `${document.title} · Attention Lab`; }

/** @param {number} width @param {number} height @param {string} title @param {string} body */
function svgDocument(width, height, title, body) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">` +
    `<title>${escapeXml(title)}</title>${body}</svg>\n`;
}

// What of the page's stylesheet an SVG needs to look the same as a file.
const STYLE_PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'stroke-linejoin',
  'opacity', 'font-family', 'font-size', 'font-weight', 'paint-order', 'visibility'];

/**
 * Writes the computed style of every element of `from` onto the same element of `to` (a clone),
 * so that the picture does not need the page's stylesheet. As presentation attributes (fill="…"),
 * not a style attribute: the CSP (style-src 'self') refuses inline styles, even on a detached clone.
 * @param {Element} from @param {Element} to
 */
function inlineStyles(from, to) {
  const style = getComputedStyle(from);
  STYLE_PROPS.forEach((p) => {
    const v = style.getPropertyValue(p);
    if (v) to.setAttribute(p, v);
  });
  for (let i = 0; i < from.children.length; i++) inlineStyles(from.children[i], to.children[i]);
}

/** The first colour behind an element that is not transparent (the card it sits on). @param {Element} node */
function backgroundOf(node) {
  for (let n = /** @type {Element | null} */ (node); n; n = n.parentElement) {
    const bg = getComputedStyle(n).backgroundColor;
    if (bg && !/rgba\(.*,\s*0\)$|transparent/.test(bg)) return bg;
  }
  return '#ffffff';
}

/**
 * A chart (render/chart.js) as a standalone SVG: its own <svg> with the page's styles written
 * onto every element, its caption above and its key (the series' samples and names) below.
 * @param {SVGSVGElement} chartSvg @param {Element | null} key @param {string} caption @returns {SvgPicture}
 */
export function chartSvg(chartSvg, key, caption) {
  const box = chartSvg.viewBox.baseVal;
  const W = box.width, H = box.height, top = 30;
  const clone = /** @type {SVGSVGElement} */ (chartSvg.cloneNode(true));
  inlineStyles(chartSvg, clone);
  clone.querySelectorAll('[tabindex]').forEach((n) => n.removeAttribute('tabindex'));
  const ink = getComputedStyle(chartSvg).color || '#1b1f24';
  /** @type {string[]} */
  const keyParts = [];
  let y = top + H + 22;
  (key ? Array.from(key.children) : []).forEach((li) => {
    const sample = li.querySelector('svg');
    if (sample) {
      const copy = /** @type {SVGElement} */ (sample.cloneNode(true));
      inlineStyles(sample, copy);
      keyParts.push(`<g transform="translate(16 ${y - 10})">${Array.from(copy.children).map((c) => new XMLSerializer().serializeToString(c)).join('')}</g>`);
    }
    keyParts.push(tag('text', { x: 64, y: y + 1, 'font-family': FONT, 'font-size': 12, fill: ink }, escapeXml((li.textContent || '').trim())));
    y += 22;
  });
  const height = y + 10, width = W;
  clone.setAttribute('x', '0');
  clone.setAttribute('y', String(top));
  clone.setAttribute('width', String(W));
  clone.setAttribute('height', String(H));
  ['class', 'role', 'aria-label'].forEach((a) => clone.removeAttribute(a));
  const inner = new XMLSerializer().serializeToString(clone);
  const body = tag('rect', { width, height, fill: backgroundOf(chartSvg) }) +
    tag('text', { x: 12, y: 20, 'font-family': FONT, 'font-size': 14, 'font-weight': 'bold', fill: ink }, escapeXml(caption)) +
    inner + keyParts.join('');
  return { text: svgDocument(width, height, caption, body), width, height };
}

// ---- PNG -------------------------------------------------------------------------------------------

/**
 * An SVG rasterised to PNG at `scale` times its size. The image is read from a data: URL, the only
 * kind of image URL the CSP allows besides the site's own.
 * @param {SvgPicture} picture @param {number} [scale] @returns {Promise<Blob>}
 */
export function svgToPng(picture, scale = 2) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(picture.width * scale);
      canvas.height = Math.round(picture.height * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) { reject(new Error('this browser cannot draw on a canvas')); return; }
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, picture.width, picture.height);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser made no PNG'))), 'image/png');
    };
    img.onerror = () => reject(new Error('the browser could not draw the SVG'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(picture.text)}`;
  });
}

// ---- leaving the page ----------------------------------------------------------------------------

/** Whether downloads are likely dropped: a frame sandboxed without allow-same-origin (and so, usually, without allow-downloads). */
const sandboxed = () => self.origin === 'null' && location.protocol !== 'file:';

/** A file name from a caption: the page's name, then the caption's words. @param {string} name @param {string} ext */
export function fileName(name, ext) {
  const page = (location.pathname.split('/').pop() || 'attention-lab').replace(/\.html?$/, '');
  let words = name.normalize('NFKD').replace(/[^\w]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
  if (words.length > 60) words = words.slice(0, 61).replace(/-[^-]*$/, '');  // whole words only
  words = words || 'view';
  return `${page}_${words}.${ext}`;
}

/** Saves a Blob as a file through an object URL and <a download>. @param {Blob} blob @param {string} filename */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

/**
 * Copies text to the clipboard; resolves to whether the browser let it.
 * @param {string} text @returns {Promise<boolean>}
 */
export function copyText(text) {
  if (!navigator.clipboard || !navigator.clipboard.writeText) return Promise.resolve(false);
  // A frame whose host did not allow clipboard-write would refuse (and Chromium logs an error):
  // ask the policy first where the browser tells it (Chromium's document.featurePolicy).
  const policy = /** @type {{ featurePolicy?: { allowsFeature?: (f: string) => boolean } }} */ (/** @type {unknown} */ (document)).featurePolicy;
  if (policy && typeof policy.allowsFeature === 'function' && !policy.allowsFeature('clipboard-write')) return Promise.resolve(false);
  try {
    return navigator.clipboard.writeText(text).then(() => true, () => false);
  } catch {
    return Promise.resolve(false);
  }
}

/** A Blob as a data: URL (for the image shown when the download may be blocked). @param {Blob} blob @returns {Promise<string>} */
function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * The export panel of a view: a disclosure ("Export") that opens its buttons: Download PNG, SVG,
 * CSV and Copy CSV, as the view has them. A status line says what happened; the text or the image
 * is shown below when it may not have left the page (a sandboxed frame, a refused copy).
 * @param {Exportable} what @returns {HTMLElement}
 */
export function exportMenu(what) {
  const details = el('details', { class: 'export', 'data-export': what.name });
  details.open = !!openPanels[what.name];
  details.addEventListener('toggle', () => { openPanels[what.name] = details.open; });
  details.appendChild(el('summary', null, ['Export', el('span', { class: 'sr-only', text: `: ${what.name}` })]));
  const status = el('p', { class: 'export-status', role: 'status' });
  const shown = el('div', { class: 'export-shown', hidden: true });
  const body = el('div', { class: 'export-body' });

  /** Shows text to select, or an image to save, with why. @param {string} why @param {{ text?: string, image?: string, alt?: string }} item */
  const show = (why, item) => {
    clear(shown);
    shown.hidden = false;
    shown.appendChild(el('p', { class: 'export-why', text: why }));
    if (item.text !== undefined) {
      const box = el('textarea', { readonly: true, rows: String(Math.min(12, item.text.split('\n').length + 1)), wrap: 'off', spellcheck: 'false',
        class: 'export-text', 'aria-label': `${what.name}, as text` });
      box.value = item.text;
      box.addEventListener('focus', () => box.select());
      shown.appendChild(box);
    }
    if (item.image) shown.appendChild(el('img', { src: item.image, alt: item.alt || what.name, class: 'export-image' }));
  };
  const blocked = 'This page runs inside another page that may block downloads: if nothing was saved, ';

  /** @param {string} label @param {() => Promise<string>} action */
  const button = (label, action) => {
    const b = el('button', { type: 'button', class: 'btn btn-small', text: label });
    b.addEventListener('click', () => {
      status.textContent = '';
      shown.hidden = true;
      action().then((text) => { status.textContent = text; }, (e) => { status.textContent = `Could not export: ${e instanceof Error ? e.message : e}`; });
    });
    body.appendChild(b);
  };

  const svgOf = what.svg;
  if (svgOf) {
    button('Download PNG', () => {
      const picture = svgOf();
      return svgToPng(picture).then((blob) => {
        const name = fileName(what.name, 'png');
        download(blob, name);
        if (!sandboxed()) return `Saved ${name}.`;
        return dataUrl(blob).then((url) => { show(`${blocked}save the picture below (right-click it, or press and hold).`, { image: url, alt: `${what.name} (PNG)` }); return `Tried to save ${name}.`; });
      });
    });
    button('Download SVG', () => {
      const picture = svgOf(), name = fileName(what.name, 'svg');
      download(new Blob([picture.text], { type: 'image/svg+xml' }), name);
      if (sandboxed()) show(`${blocked}copy the SVG below into a file named ${name}.`, { text: picture.text });
      return Promise.resolve(sandboxed() ? `Tried to save ${name}.` : `Saved ${name}.`);
    });
  }
  const csvOf = what.csv;
  if (csvOf) {
    button('Download CSV', () => {
      const text = csvOf(), name = fileName(what.name, 'csv');
      download(new Blob([text], { type: 'text/csv' }), name);
      if (sandboxed()) show(`${blocked}copy the numbers below into a file named ${name}.`, { text });
      return Promise.resolve(sandboxed() ? `Tried to save ${name}.` : `Saved ${name}.`);
    });
    button('Copy CSV', () => {
      const text = csvOf();
      return copyText(text).then((ok) => {
        show(ok ? 'Copied. The same numbers:' : 'The browser did not let the page copy: select the numbers below and copy them yourself.', { text });
        return ok ? 'Copied the CSV to the clipboard.' : 'Not copied: the text is below.';
      });
    });
  }
  body.appendChild(status);
  body.appendChild(shown);
  details.appendChild(body);
  return details;
}
