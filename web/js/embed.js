// Embedding a lesson in another page, and the instructor's URL parameters that every lesson shares:
//   embed=1          just the lesson: no site header, navigation, pager or footer, and a link under it
//                    to open the full lesson in a new tab. Inside a frame the page then posts its
//                    height to the parent window, so the frame can fit it:
//                    { type: 'attention-lab:height', height } (target '*': the height is no secret).
//   hide=a,b         hides the panels with these ids (the elements marked data-panel);
//   lock=a,b | all   disables these controls (form controls with an id, or areas marked data-lockable).
// The lesson's own state (its schema in state.js) sets the initial view. Ids are checked against what
// the page declares; an unknown one is ignored with a visible notice. The page takes no commands from
// other windows: it posts its height and listens to no message at all.
// Loaded in <head>, so embed mode is set before the first paint; the rest runs once the page is parsed.
var AttnEmbed = (function () {
  'use strict';

  var HEIGHT_MESSAGE = 'attention-lab:height';
  var MAX_IDS = 40;       // more ids than any page has: the rest of a longer list is ignored
  var MAX_ID_LENGTH = 60;

  // The host script sits in site/embed/, beside this script's folder (site/js/embed.js).
  var hostScript = (function () {
    var src = document.currentScript && document.currentScript.src;
    return src ? src.replace(/js\/embed\.js(\?.*)?$/, 'embed/attention-lab-embed.js') : '';
  })();

  /** The URL parameters, the hash winning over the query string (as in state.js). */
  function readParams() {
    var out = {};
    [location.search, location.hash].forEach(function (part) {
      new URLSearchParams(part.replace(/^[?#]/, '')).forEach(function (v, k) { out[k] = v; });
    });
    return out;
  }

  var params = readParams();
  var notices = [];
  var embedded = params.embed === '1' || params.embed === 'true';
  if (params.embed !== undefined && !embedded && params.embed !== '0' && params.embed !== 'false') {
    notices.push('Ignored embed=' + JSON.stringify(params.embed.slice(0, 40)) + ' (use 1 or 0).');
  }
  if (embedded) document.documentElement.setAttribute('data-embed', '1');

  /** "a, b,,c" -> ['a', 'b', 'c']: trimmed, no repeats, at most MAX_IDS. */
  function idList(raw) {
    var seen = [];
    (raw || '').split(',').forEach(function (id) {
      id = id.trim();
      if (id && seen.indexOf(id) < 0) seen.push(id);
    });
    return seen.slice(0, MAX_IDS);
  }

  function quoted(ids) {
    return ids.map(function (id) { return JSON.stringify(id.slice(0, MAX_ID_LENGTH)); }).join(', ');
  }

  /** id -> element, for the elements of `selector` that have an id. */
  function byIds(selector) {
    var found = {};
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (el) { if (el.id) found[el.id] = el; });
    return found;
  }

  // The allowlists: what a page declares, so an id from a URL can never reach anything else.
  function panels() { return byIds('[data-panel]'); }
  function lockables() {
    var found = byIds('main input, main select, main textarea, main button, main fieldset, main form, [data-lockable]');
    delete found['embed-button'];  // an author's tool, not part of the lesson
    return found;
  }

  /** Applies a list of ids to the allowlisted elements; notices the ids that are not on the list. */
  function apply(name, ids, allowed, action, all) {
    if (!ids.length) return;
    var unknown = [];
    var targets = all && ids.indexOf('all') >= 0 ? Object.keys(allowed) : ids;
    targets.forEach(function (id) { if (allowed[id]) action(allowed[id]); else unknown.push(id); });
    if (unknown.length) {
      notices.push('Ignored ' + name + '=' + quoted(unknown) + ': ' + (unknown.length > 1 ? 'these are' : 'this is') +
        ' not one of the ' + (name === 'hide' ? 'panels' : 'controls') + ' of this page (' + Object.keys(allowed).join(', ') + ').');
    }
  }

  function hide(el) { el.hidden = true; }

  /** A form control is disabled; an area (a form, a chart, the table of embeddings) becomes inert. */
  function lock(el) {
    if ('disabled' in el) el.disabled = true; else el.inert = true;
    el.setAttribute('data-locked', '');
    el.title = 'Locked by the author of this link';
  }

  // ---- the Embed button ------------------------------------------------------------------------

  function escapeAttribute(text) {
    return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  /** This page's address with the current view in the hash: `first` (if any), then the view less `drop`. */
  function viewAddress(first, drop) {
    var view = new URLSearchParams(typeof AttnState !== 'undefined' ? AttnState.current() : location.hash.replace(/^#/, ''));
    drop.forEach(function (key) { view.delete(key); });
    var text = [first, view.toString()].filter(Boolean).join('&');
    return location.href.replace(/[?#].*$/, '') + (text ? '#' + text : '');
  }

  /** The address of the current view in embed mode: the lesson's state and hide/lock, plus embed=1. */
  function embedUrl() { return viewAddress('embed=1', ['embed']); }

  /** The HTML an instructor pastes into a page: the frame, and the optional script that sizes it. */
  function snippet() {
    var lines = ['<iframe src="' + escapeAttribute(embedUrl()) + '" title="' + escapeAttribute(document.title) +
      '" width="100%" height="900" style="border:0" allow="fullscreen" loading="lazy"></iframe>'];
    // <\/script> keeps this file inlinable in the single-file export (tools/export.mjs)
    if (hostScript) lines.push('<script src="' + escapeAttribute(hostScript) + '" defer><\/script>');
    return lines.join('\n');
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /** The panel under the button: what to do with the snippet, the snippet itself, and whether it was copied. */
  function embedPanel(button) {
    var panel = el('div', { id: 'embed-panel', class: 'embed-panel' });
    panel.appendChild(el('p', null, 'Paste this HTML into a web page, a course page or a notebook to show this lesson, ' +
      'set up as it is now, without the site around it. The second line is optional: it lets the frame grow to fit ' +
      'the lesson; leave it out where a page may not contain scripts.'));
    if (location.protocol === 'file:') {
      panel.appendChild(el('p', { class: 'embed-warning' }, 'This page was opened from disk, so the address points at ' +
        'this computer. Put the site on a web server first, or share the single-file export of the lesson instead.'));
    }
    var box = el('textarea', { id: 'embed-snippet', readonly: '', rows: '4', spellcheck: 'false', 'aria-label': 'HTML to embed this lesson' });
    box.addEventListener('focus', function () { box.select(); });
    panel.appendChild(box);
    panel.appendChild(el('p', { id: 'embed-status', class: 'embed-status', role: 'status' }));
    var row = button.parentNode;  // the panel goes under the row of tools, full width
    row.parentNode.insertBefore(panel, row.nextSibling);
    button.setAttribute('aria-controls', panel.id);
    return panel;
  }

  function copy(text, status) {
    var refused = function () { status.textContent = 'The browser did not let the page copy: select the HTML above and copy it yourself.'; };
    status.textContent = '';
    if (!navigator.clipboard || !navigator.clipboard.writeText) { refused(); return; }
    try {
      navigator.clipboard.writeText(text).then(function () { status.textContent = 'Copied to the clipboard.'; }, refused);
    } catch (e) { refused(); }
  }

  function embedButton() {
    var button = document.getElementById('embed-button');
    if (!button) return;
    var panel = null;
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', function () {
      var opening = !panel || panel.hidden;
      if (!panel) panel = embedPanel(button);
      panel.hidden = !opening;
      button.setAttribute('aria-expanded', String(opening));
      if (!opening) return;
      var text = snippet();
      document.getElementById('embed-snippet').value = text;
      copy(text, document.getElementById('embed-status'));
    });
  }

  // ---- the way out of the frame ------------------------------------------------------------------

  /** The address of the current view as a whole page: the lesson's state, without embed, hide and lock. */
  function fullLessonUrl() { return viewAddress('', ['embed', 'hide', 'lock']); }

  /**
   * Embedded, a link under the lesson opens it whole in a new tab, set up as it is now. A frame
   * sandboxed without allow-popups may not open tabs, and a link gives no sign of that: in a
   * sandboxed (opaque-origin) frame the tab is opened with window.open, which says when it was
   * refused, and then the address is shown to copy.
   */
  function fullLessonLink() {
    var main = document.querySelector('main');
    if (!embedded || !main) return;
    var link = el('a', { id: 'full-lesson-link', href: fullLessonUrl(), target: '_blank', rel: 'noopener' },
      'Open the full lesson in a new tab');
    var status = el('span', { id: 'full-lesson-status', class: 'full-lesson-status', role: 'status' });
    var refresh = function () { link.href = fullLessonUrl(); };  // the state changes as the learner plays
    ['pointerdown', 'focus'].forEach(function (type) { link.addEventListener(type, refresh); });
    link.addEventListener('click', function (ev) {
      refresh();
      status.textContent = '';
      if (self.origin !== 'null') return;  // not sandboxed: the browser follows the link
      ev.preventDefault();
      if (!window.open(link.href, '_blank')) {
        status.textContent = 'This page does not let the lesson open a tab. Its address: ' + link.href;
      }
    });
    var line = el('p', { class: 'full-lesson' });
    line.appendChild(link);
    line.appendChild(status);
    main.appendChild(line);
  }

  // ---- the height, for the parent page -----------------------------------------------------------

  function bodyHeight() {
    var style = getComputedStyle(document.body);
    return Math.ceil(document.body.getBoundingClientRect().height + parseFloat(style.marginTop) + parseFloat(style.marginBottom));
  }

  /** Posts the page's height to the parent whenever it changes (only in embed mode, only in a frame). */
  function postHeights() {
    if (!embedded || window.parent === window || typeof ResizeObserver !== 'function') return;
    var last = -1;
    var send = function () {
      var height = bodyHeight();
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: HEIGHT_MESSAGE, height: height }, '*');
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
    var submit = function (form) { form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })); };
    document.addEventListener('click', function (ev) {
      var button = ev.target.closest && ev.target.closest('button:not([type]), button[type=submit], input[type=submit]');
      if (!button || !button.form || button.disabled) return;
      ev.preventDefault();
      submit(button.form);
    }, true);
    document.addEventListener('keydown', function (ev) {
      var input = ev.target;
      if (ev.key !== 'Enter' || ev.isComposing || input.tagName !== 'INPUT' || !input.form || /^(checkbox|radio|button|submit|reset|file)$/.test(input.type)) return;
      ev.preventDefault();
      submit(input.form);
    }, true);
  }

  function start() {
    apply('hide', idList(params.hide), panels(), hide, false);
    apply('lock', idList(params.lock), lockables(), lock, true);
    notices.forEach(AttnUI.notice);  // ui.js, loaded by the time the page is parsed
    embedButton();
    fullLessonLink();
    submitInSandbox();
    postHeights();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();

  return Object.freeze({ embedded: embedded, embedUrl: embedUrl, fullLessonUrl: fullLessonUrl, snippet: snippet,
    HEIGHT_MESSAGE: HEIGHT_MESSAGE });
})();
