// Embedding a lesson in another page, and the instructor's URL parameters that every lesson shares:
//   embed=1          just the lesson: no site header, navigation, pager or footer, and a link under it
//                    to open the full lesson in a new tab. Inside a frame the page then posts its
//                    height to the parent window, so the frame can fit it:
//                    { type: 'attention-lab:height', height } (target '*': the height is no secret).
//   hide=a,b         hides the panels with these ids (the elements marked data-panel);
//   lock=a,b | all   disables these controls (form controls with an id, or areas marked data-lockable).
// The lesson's own state (its schema, state.js) sets the initial view. Ids are checked against what
// the page declares; an unknown one is ignored with a visible notice. The page takes no commands from
// other windows: it posts its height and listens to no message at all.
// markEmbedMode() runs in <head> (js/embed.js, before the first paint); startEmbed() runs with the
// lesson (ui/lesson.js), once the page is parsed.
import { current } from '../state.js';
import { notice } from './messages.js';
import { unveil } from './acts.js';

export const HEIGHT_MESSAGE = 'attention-lab:height';
const MAX_IDS = 40;       // more ids than any page has: the rest of a longer list is ignored
const MAX_ID_LENGTH = 60;

/** The URL parameters, the hash winning over the query string (as in state.js). */
function readParams() {
  /** @type {Record<string, string>} */
  const out = {};
  [location.search, location.hash].forEach((part) => {
    new URLSearchParams(part.replace(/^[?#]/, '')).forEach((v, k) => { out[k] = v; });
  });
  return out;
}

/** Whether embed=1 (or true) asks for embed mode. @param {Record<string, string>} params */
const isEmbedded = (params) => params.embed === '1' || params.embed === 'true';

/** In <head>: marks embed mode on <html> before the first paint (the CSS hides the site around the lesson). */
export function markEmbedMode() {
  if (isEmbedded(readParams())) document.documentElement.setAttribute('data-embed', '1');
}

/** "a, b,,c" -> ['a', 'b', 'c']: trimmed, no repeats, at most MAX_IDS. @param {string | undefined} raw */
function idList(raw) {
  /** @type {string[]} */
  const seen = [];
  (raw || '').split(',').forEach((id) => {
    id = id.trim();
    if (id && seen.indexOf(id) < 0) seen.push(id);
  });
  return seen.slice(0, MAX_IDS);
}

/** @param {string[]} ids */
const quoted = (ids) => ids.map((id) => JSON.stringify(id.slice(0, MAX_ID_LENGTH))).join(', ');

/** id -> element, for the elements of `selector` that have an id. @param {string} selector */
function byIds(selector) {
  /** @type {Record<string, HTMLElement>} */
  const found = {};
  document.querySelectorAll(selector).forEach((node) => { if (node instanceof HTMLElement && node.id) found[node.id] = node; });
  return found;
}

// The allowlists: what a page declares, so an id from a URL can never reach anything else.
const panels = () => byIds('[data-panel]');
/** What lock= may name: form controls with an id, and areas marked data-lockable. */
const LOCKABLE = 'input, select, textarea, button, fieldset, form, [data-lockable]';
function lockables() {
  const found = byIds('main input, main select, main textarea, main button, main fieldset, main form, [data-lockable]');
  delete found['embed-button'];  // an author's tool, not part of the lesson
  return found;
}

/**
 * Applies a list of ids to the allowlisted elements; returns the notice about ids not on the list.
 * @param {string} name @param {string[]} ids @param {Record<string, HTMLElement>} allowed
 * @param {(node: HTMLElement) => void} action @param {boolean} all  whether 'all' means every one
 */
function apply(name, ids, allowed, action, all) {
  if (!ids.length) return null;
  /** @type {string[]} */
  const unknown = [];
  const targets = all && ids.indexOf('all') >= 0 ? Object.keys(allowed) : ids;
  targets.forEach((id) => { if (allowed[id]) action(allowed[id]); else unknown.push(id); });
  if (!unknown.length) return null;
  return `Ignored ${name}=${quoted(unknown)}: ${unknown.length > 1 ? 'these are' : 'this is'}` +
    ` not one of the ${name === 'hide' ? 'panels' : 'controls'} of this page (${Object.keys(allowed).join(', ')}).`;
}

/** @param {HTMLElement} node */
const hide = (node) => { node.hidden = true; };

/** A form control is disabled; an area (a form, a chart, the table of embeddings) becomes inert. @param {HTMLElement} node */
function lock(node) {
  if ('disabled' in node) /** @type {HTMLInputElement} */ (node).disabled = true; else node.inert = true;
  node.setAttribute('data-locked', '');
  node.title = 'Locked by the author of this link';
  unveilUnanswerable();
}

/**
 * A prediction veils its results until it is answered (ui/acts.js); one that hide= or lock= put
 * out of reach (in a hidden panel, or inert) never can be, so its veils are lifted: the results a
 * link shows are never left blurred for good.
 */
function unveilUnanswerable() {
  document.querySelectorAll('[data-moment]').forEach((moment) => {
    if (moment.closest('[hidden], [data-locked]')) unveil(/** @type {string} */ (moment.getAttribute('data-moment')));
  });
}

/**
 * lock=all holds for controls a lesson makes later too (a prediction's options once the tokens are
 * known, lesson 8's heads once a model is trained): each one added to the page is locked as it comes.
 */
function lockLater() {
  const main = document.querySelector('main');
  if (!main) return;
  const lockIf = (/** @type {Node} */ n) => {
    if (n instanceof HTMLElement && n.id && n.id !== 'embed-button' && !n.hasAttribute('data-locked') && n.matches(LOCKABLE)) lock(n);
  };
  // an element added, or one made lockable (a moment's frame is marked when the moment is built)
  new MutationObserver((records) => records.forEach((r) => {
    lockIf(r.target);
    r.addedNodes.forEach((node) => { if (node instanceof HTMLElement) [node, ...node.querySelectorAll('*')].forEach(lockIf); });
  })).observe(main, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-lockable'] });
}

// ---- the Embed button ------------------------------------------------------------------------

/** @param {string} text */
function escapeAttribute(text) {
  return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** This page's address with the current view in the hash: `first` (if any), then the view less `drop`. @param {string} first @param {string[]} drop */
function viewAddress(first, drop) {
  const view = new URLSearchParams(current());
  drop.forEach((key) => view.delete(key));
  const text = [first, view.toString()].filter(Boolean).join('&');
  return location.href.replace(/[?#].*$/, '') + (text ? `#${text}` : '');
}

/** The address of the current view in embed mode: the lesson's state and hide/lock, plus embed=1. */
export function embedUrl() { return viewAddress('embed=1', ['embed']); }

/** The host script, in site/embed/ beside the folder of the page's bundle. */
const hostScript = document.currentScript instanceof HTMLScriptElement && document.currentScript.src
  ? new URL('../embed/attention-lab-embed.js', document.currentScript.src).href : '';

/** The HTML an instructor pastes into a page: the frame, and the optional script that sizes it. */
export function snippet() {
  const lines = [`<iframe src="${escapeAttribute(embedUrl())}" title="${escapeAttribute(document.title)}" width="100%" height="900" style="border:0" allow="fullscreen" loading="lazy"></iframe>`];
  // <\/script> keeps this file inlinable in the single-file export (tools/export.mjs)
  if (hostScript) lines.push(`<script src="${escapeAttribute(hostScript)}" defer><\/script>`);
  return lines.join('\n');
}

/**
 * A plain element for the embed panel.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, string> | null} attrs @param {string} [text]
 */
function node(tag, attrs, text) {
  const made = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => made.setAttribute(k, v));
  if (text) made.textContent = text;
  return made;
}

/** The panel under the button: what to do with the snippet, the snippet itself, and whether it was copied. @param {HTMLElement} button */
function embedPanel(button) {
  const panel = node('div', { id: 'embed-panel', class: 'embed-panel' });
  panel.appendChild(node('p', null, 'Paste this HTML into a web page, a course page or a notebook to show this lesson, ' +
    'set up as it is now, without the site around it. The second line is optional: it lets the frame grow to fit ' +
    'the lesson; leave it out where a page may not contain scripts.'));
  if (location.protocol === 'file:') {
    panel.appendChild(node('p', { class: 'embed-warning' }, 'This page was opened from disk, so the address points at ' +
      'this computer. Put the site on a web server first, or share the single-file export of the lesson instead.'));
  }
  const box = node('textarea', { id: 'embed-snippet', readonly: '', rows: '4', spellcheck: 'false', 'aria-label': 'HTML to embed this lesson' });
  box.addEventListener('focus', () => box.select());
  panel.appendChild(box);
  panel.appendChild(node('p', { id: 'embed-status', class: 'embed-status', role: 'status' }));
  const row = /** @type {HTMLElement} */ (button.parentNode);  // the panel goes under the row of tools, full width
  row.parentNode?.insertBefore(panel, row.nextSibling);
  button.setAttribute('aria-controls', panel.id);
  return { panel, box, status: /** @type {HTMLElement} */ (panel.lastChild) };
}

/** @param {string} text @param {HTMLElement} status */
function copy(text, status) {
  const refused = () => { status.textContent = 'The browser did not let the page copy: select the HTML above and copy it yourself.'; };
  status.textContent = '';
  if (!navigator.clipboard || !navigator.clipboard.writeText) { refused(); return; }
  try {
    navigator.clipboard.writeText(text).then(() => { status.textContent = 'Copied to the clipboard.'; }, refused);
  } catch { refused(); }
}

function embedButton() {
  const button = document.getElementById('embed-button');
  if (!button) return;
  /** @type {ReturnType<typeof embedPanel> | null} */
  let made = null;
  button.setAttribute('aria-expanded', 'false');
  button.addEventListener('click', () => {
    const opening = !made || made.panel.hidden;
    if (!made) made = embedPanel(button);
    made.panel.hidden = !opening;
    button.setAttribute('aria-expanded', String(opening));
    if (!opening) return;
    const text = snippet();
    made.box.value = text;
    copy(text, made.status);
  });
}

// ---- the way out of the frame ------------------------------------------------------------------

/** The address of the current view as a whole page: the lesson's state, without embed, hide and lock. */
export function fullLessonUrl() { return viewAddress('', ['embed', 'hide', 'lock']); }

/**
 * Embedded, a link under the lesson opens it whole in a new tab, set up as it is now. A frame
 * sandboxed without allow-popups may not open tabs, and a link gives no sign of that: in a
 * sandboxed (opaque-origin) frame the tab is opened with window.open, which says when it was
 * refused, and then the address is shown to copy.
 */
function fullLessonLink() {
  const main = document.querySelector('main');
  if (!main) return;
  const link = node('a', { id: 'full-lesson-link', href: fullLessonUrl(), target: '_blank', rel: 'noopener' },
    'Open the full lesson in a new tab');
  const status = node('span', { id: 'full-lesson-status', class: 'full-lesson-status', role: 'status' });
  const refresh = () => { link.href = fullLessonUrl(); };  // the state changes as the learner plays
  ['pointerdown', 'focus'].forEach((type) => link.addEventListener(type, refresh));
  link.addEventListener('click', (ev) => {
    refresh();
    status.textContent = '';
    if (self.origin !== 'null') return;  // not sandboxed: the browser follows the link
    ev.preventDefault();
    if (!window.open(link.href, '_blank')) {
      status.textContent = `This page does not let the lesson open a tab. Its address: ${link.href}`;
    }
  });
  const line = node('p', { class: 'full-lesson' });
  line.appendChild(link);
  line.appendChild(status);
  main.appendChild(line);
}

// ---- the height, for the parent page -----------------------------------------------------------

function bodyHeight() {
  const style = getComputedStyle(document.body);
  return Math.ceil(document.body.getBoundingClientRect().height + parseFloat(style.marginTop) + parseFloat(style.marginBottom));
}

/** Posts the page's height to the parent whenever it changes (only in a frame). */
function postHeights() {
  if (window.parent === window || typeof ResizeObserver !== 'function') return;
  let last = -1;
  const send = () => {
    const height = bodyHeight();
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, '*');
  };
  new ResizeObserver(send).observe(document.body);
  send();
}

// ---- forms in a sandboxed frame ----------------------------------------------------------------

/**
 * A frame sandboxed without allow-forms drops a form submission before its submit event fires, so
 * the sentence form would do nothing there. The lessons' forms never leave the page (their submit
 * handlers compute and call preventDefault), so in an opaque-origin frame the Enter key and the
 * submit buttons raise the submit event themselves instead of asking the browser to submit.
 */
function submitInSandbox() {
  if (location.protocol === 'file:' || self.origin !== 'null') return;
  const submit = (/** @type {HTMLFormElement} */ form) => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    const button = /** @type {HTMLButtonElement | null} */ (target && target.closest('button:not([type]), button[type=submit], input[type=submit]'));
    if (!button || !button.form || button.disabled) return;
    ev.preventDefault();
    submit(button.form);
  }, true);
  document.addEventListener('keydown', (ev) => {
    const input = ev.target;
    if (ev.key !== 'Enter' || ev.isComposing || !(input instanceof HTMLInputElement) || !input.form || /^(checkbox|radio|button|submit|reset|file)$/.test(input.type)) return;
    ev.preventDefault();
    submit(input.form);
  }, true);
}

/** Applies hide and lock, wires the Embed button and, embedded, the way out and the height messages. */
export function startEmbed() {
  const params = readParams();
  const embedded = isEmbedded(params);
  /** @type {(string | null)[]} */
  const notices = [];
  if (params.embed !== undefined && !embedded && params.embed !== '0' && params.embed !== 'false') {
    notices.push(`Ignored embed=${JSON.stringify(params.embed.slice(0, 40))} (use 1 or 0).`);
  }
  const begin = () => {
    notices.push(apply('hide', idList(params.hide), panels(), hide, false));
    notices.push(apply('lock', idList(params.lock), lockables(), lock, true));
    if (idList(params.lock).indexOf('all') >= 0) lockLater();
    unveilUnanswerable();
    notices.forEach((text) => { if (text) notice(text); });
    embedButton();
    if (embedded) fullLessonLink();
    submitInSandbox();
    if (embedded) postHeights();
  };
  // Once the page is parsed, as before the lessons were bundled: after the lesson set up its controls.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', begin);
  else begin();
}
