// What the page says: notices (bad URL parameters), the core's errors next to the control they are
// about (routed by the error's `field`, a JSON Pointer into the request, never by its wording), the
// page's own messages next to a control, and the banner about the core's restarts.
import { el, clear } from '../render/dom.js';

/** @typedef {import('../engine/page.js').CoreError} CoreError */

/**
 * A learner's text inside a sentence of ours, isolated (U+2068 … U+2069) so that a right-to-left
 * token (Arabic, Hebrew) cannot reorder the words around it.
 * @param {string} text
 */
export function isolate(text) { return `\u2068${text}\u2069`; }

/** Adds a notice (plain text) to the page's #notices, as the URL's notices are shown. @param {string} text */
export function notice(text) {
  const box = document.getElementById('notices');
  if (!box) return;
  box.appendChild(el('p', { class: 'notice', role: 'status', text }));
  box.hidden = false;
}

/**
 * The element with attrs.id; the first time it is asked for, made (tag, attrs) right after `anchor`.
 * @param {Element} anchor
 * @param {'p' | 'div'} tag
 * @param {Record<string, unknown> & { id: string }} attrs
 */
export function boxAfter(anchor, tag, attrs) {
  let box = document.getElementById(attrs.id);
  if (!box) {
    box = el(tag, attrs);
    anchor.parentNode?.insertBefore(box, anchor.nextSibling);
  }
  return box;
}

/**
 * The message box of one control: the page's #<id>-error if it has one, else a box made right
 * after the control's .control wrapper. The control points at it (aria-describedby).
 * @param {HTMLElement} input
 */
function fieldBox(input) {
  const box = boxAfter(input.closest('.control') || input, 'p', { id: `${input.id}-error`, class: 'input-error field-error', role: 'alert', hidden: true });
  const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (ids.indexOf(box.id) < 0) input.setAttribute('aria-describedby', ids.concat(box.id).join(' '));
  return box;
}

/** Shows a message of the page (not the core's) next to a control; '' clears it. @param {HTMLElement} input @param {string} text */
export function fieldMessage(input, text) {
  const box = text ? fieldBox(input) : document.getElementById(`${input.id}-error`);
  if (!box) return;
  clear(box);
  box.hidden = !text;
  if (text) box.textContent = text;
  if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

/**
 * Shows a core error (plain words) in a message box next to the input; null clears it.
 * opts: lead (the bold start, default "The core could not compute this: "), why (a sentence
 * after the core's message, saying what it means here).
 * @param {HTMLElement | null} box
 * @param {{ message: string } | null | undefined} error
 * @param {{ lead?: string, why?: string }} [opts]
 */
export function showError(box, error, opts = {}) {
  if (!box) return;
  clear(box);
  box.hidden = !error;
  if (!error) return;
  box.appendChild(el('strong', { text: opts.lead || 'The core could not compute this: ' }));
  box.appendChild(document.createTextNode(error.message || String(error)));
  if (opts.why) box.appendChild(document.createTextNode(` ${opts.why}`));
  box.appendChild(el('span', { class: 'hint', text: ' The last good result stays on screen.' }));
}

/**
 * A reader (a truth, a check) that threw instead of answering { error }, as such an answer: the
 * act shows it with showError and stays usable.
 * @param {unknown} e
 * @returns {{ error: { message: string } }}
 */
export const caught = (e) => ({ error: { message: e instanceof Error ? e.message : String(e) } });

/**
 * Shows a core error next to the control it is about: the first route whose `fields` (JSON
 * Pointers, as the core's `field` says) hold the error's field gets it, with its `why`; an error
 * about no routed field (or about the whole request) goes to `rest`. Every other box is cleared,
 * so a fixed value takes its message away. null clears them all.
 * @param {CoreError | null | undefined} error
 * @param {{ box: HTMLElement, fields: string[], why?: string }[]} routes
 * @param {HTMLElement} rest
 */
export function showErrorByField(error, routes, rest) {
  const route = error && error.field !== undefined ? routes.find((r) => r.fields.indexOf(/** @type {string} */ (error.field)) >= 0) : undefined;
  routes.forEach((r) => showError(r.box, r === route ? error : null, { why: r.why }));
  showError(rest, error && !route ? error : null);
}

/**
 * The message about the core's restarts: fixed at the bottom of the window, so it is seen
 * wherever the learner is on the page, until dismissed.
 * @param {'restarting' | 'restored' | 'failed'} phase
 * @param {string} [reason]
 */
export function engineStatus(phase, reason) {
  let box = document.getElementById('engine-status');
  if (!box) {
    box = el('div', { id: 'engine-status', class: 'engine-status', role: 'status' });
    document.body.appendChild(box);
  }
  const banner = box;
  clear(banner);
  banner.hidden = false;
  document.body.setAttribute('data-engine', phase);
  const head = { restarting: 'The attention core stopped unexpectedly.', restored: 'The attention core stopped unexpectedly and was restarted.',
    failed: 'The attention core stopped again on this view.' }[phase];
  const text = { restarting: ' Restarting it and computing this view again from your settings…',
    restored: ' This view was computed again from your settings: nothing you set was lost.',
    failed: ' Change a setting to try again, or reload the page.' }[phase];
  const close = el('button', { type: 'button', class: 'btn', text: 'Dismiss' });
  close.addEventListener('click', () => { banner.hidden = true; });
  banner.appendChild(el('p', null, [el('strong', { text: head }), text]));
  if (reason) banner.appendChild(el('p', { class: 'small', text: `What the browser reported: ${reason}` }));
  banner.appendChild(close);
}
