// An open exercise checked by the core: the learner works on the page (edits the embeddings, drags
// a point) or in the exercise's own number fields, then "Check" computes their answer with the core
// and says whether it does what was asked and, if not, what is still off. There is no stored
// answer to compare with: any answer that works is right. A hint is one click away; a skip shows a
// way to do it.
//
//   exercise(byId('ex-one-step'), {
//     id: 'one-to-step',
//     task: 'Edit the embeddings so that “one” attends most to “step”.',
//     hint: 'A score is a dot product: …',
//     fields: { caption: 'decoder state s', rows: ['s'], cols: ['dim 1', 'dim 2'], value: () => [[0, 0]] },  // optional
//     check: (answer) => run({ … answer … }).then((res) => res.error ? { error: res.error }
//       : { ok: top === step, message: `“one” now attends most to … (0.21); “step” gets 0.18.` }),
//     solution: 'One way: …',        // shown on a skip; or () => a promise of it, asked of the core
//   });
//
// Each check is recorded in progress.js (an exercise counts as right once a check passed before
// any skip: a check after the way was shown is practice, and the skip stays the record).
import { el, clear } from '../render/dom.js';
import { fmt } from '../render/format.js';
import { caught, showError } from './messages.js';
import { record, registerItem } from './progress.js';
import { frame, lessonId } from './acts.js';

/** @typedef {import('../engine/page.js').CoreError} CoreError */
/** @typedef {{ caption: string, rows: string[], cols: string[], value: () => number[][] }} Fields */
/**
 * @typedef {object} Exercise
 * @property {string} id
 * @property {string} task
 * @property {string} hint
 * @property {Fields} [fields]   a small matrix of numbers the learner sets (else the answer is the page's state)
 * @property {(answer: number[][] | null) => Promise<{ ok: boolean, message: string } | { error: CoreError | { message: string } }>} check
 * @property {string | (() => Promise<string | { error: { message: string } }>)} solution  a way to do it (shown on a skip), or how to ask the core for one
 */

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Builds the exercise in `container` (see the top of this file).
 * @param {HTMLElement} container
 * @param {Exercise} x
 * @returns {{ state: () => string }}
 */
export function exercise(container, x) {
  const lesson = lessonId();
  registerItem(lesson, x.id, 'exercise');
  const base = container.id || `exercise-${x.id}`;
  frame(container, { id: x.id, kind: 'exercise', label: 'Exercise', title: x.task });
  container.setAttribute('data-state', 'open');

  /** @type {HTMLInputElement[][]} */
  let cells = [];
  const fieldsBox = el('div', { class: 'act-fields' });
  if (x.fields) {
    const f = x.fields;
    const table = el('table', { class: 'matrix act-matrix' }, el('caption', { text: f.caption }));
    table.appendChild(el('thead', null, el('tr', null, [el('th', { scope: 'col', text: '' }), ...f.cols.map((c) => el('th', { scope: 'col', text: c }))])));
    const body = el('tbody');
    const start = f.value();
    cells = f.rows.map((r, i) => {
      const row = f.cols.map((c, j) => el('input', { type: 'text', inputmode: 'decimal', class: 'num-input', spellcheck: 'false', autocomplete: 'off',
        id: `${base}-c${i}-${j}`, 'aria-label': `${f.caption}, ${r}, ${c}`, value: fmt(start[i][j]).replace('−', '-') }));
      body.appendChild(el('tr', null, [el('th', { scope: 'row', dir: 'auto', text: r }), ...row.map((c) => el('td', null, c))]));
      return row;
    });
    table.appendChild(body);
    fieldsBox.appendChild(el('div', { class: 'matrix-scroll' }, table));
  }
  const check = el('button', { type: 'button', class: 'btn primary', text: 'Check with the core' });
  const skip = el('button', { type: 'button', class: 'btn', text: 'Skip: show a way' });
  const hint = el('details', { class: 'act-hint' }, [el('summary', { text: 'Hint' }), el('p', { text: x.hint })]);
  // The result takes the focus after a check (as a prediction's does), so that a screen reader
  // reads it out and the focus is not lost on the Check button, disabled while the core works.
  const result = el('div', { class: 'act-result', role: 'status', tabindex: '-1', id: `${base}-result`, hidden: true });
  container.append(fieldsBox, el('div', { class: 'act-buttons' }, [check, skip]), hint, result);

  /** The learner's numbers, or why they are not numbers. @returns {{ value: number[][] | null } | { error: string }} */
  function answer() {
    if (!x.fields) return { value: null };
    const f = x.fields;
    /** @type {number[][]} */
    const m = [];
    for (let i = 0; i < cells.length; i++) {
      m.push([]);
      for (let j = 0; j < cells[i].length; j++) {
        const text = cells[i][j].value.trim().replace(/−/g, '-');
        cells[i][j].removeAttribute('aria-invalid');
        const bad = !NUMBER.test(text) ? 'is not a number'
          : !Number.isFinite(Number(text)) ? 'is too large to be a number here' : '';  // "1e999": Infinity, sent as null
        if (bad) {
          cells[i][j].setAttribute('aria-invalid', 'true');
          return { error: `${f.rows[i]}, ${f.cols[j]}: ${JSON.stringify(text.slice(0, 30))} ${bad}; type one such as 0.5.` };
        }
        m[i].push(Number(text));
      }
    }
    return { value: m };
  }

  /** @param {'right' | 'wrong' | 'skipped' | 'error'} kind @param {string} lead @param {string} text @param {string} [note] */
  function say(kind, lead, text, note) {
    clear(result);
    result.className = `act-result ${kind}`;
    result.append(el('p', null, [el('strong', { text: lead }), ` ${text}`]));
    if (note) result.append(el('p', { class: 'small', text: note }));
    result.hidden = false;
  }

  check.addEventListener('click', () => {
    const a = answer();
    if ('error' in a) { say('error', 'Not checked:', a.error); container.setAttribute('data-state', 'invalid'); result.focus(); return; }
    container.setAttribute('data-state', 'busy');
    check.disabled = true;
    // a check that throws (not one that answers { error }) must not leave Check dead
    Promise.resolve().then(() => x.check(a.value)).catch(caught).then((verdict) => {
      check.disabled = false;
      if ('error' in verdict) {
        clear(result);
        result.className = 'act-result error';
        showError(result, verdict.error);
        container.setAttribute('data-state', 'error');
        result.focus();
        return;
      }
      const kept = record(lesson, x.id, 'exercise', verdict.ok);
      say(verdict.ok ? 'right' : 'wrong', verdict.ok ? '✓ Done.' : 'Not yet.', verdict.message,
        kept.skipped ? 'For practice: you saw a way first, so your progress keeps this exercise as skipped.' : '');
      container.setAttribute('data-state', verdict.ok ? 'solved' : 'wrong');
      result.focus();
    });
  });
  skip.addEventListener('click', () => {
    record(lesson, x.id, 'exercise', false, true);
    const show = (/** @type {string | { error: { message: string } }} */ way) => {
      say('skipped', 'Skipped. One way:', typeof way === 'string' ? way : way.error.message);
      container.setAttribute('data-state', 'skipped');
    };
    if (typeof x.solution === 'string') show(x.solution);
    else Promise.resolve().then(() => /** @type {() => Promise<string | { error: { message: string } }>} */ (x.solution)()).catch(caught).then(show);
  });
  return { state: () => container.getAttribute('data-state') || '' };
}
