// The stepper: walks through the `steps` of a core response, one named intermediate at a time,
// with its shape, its numbers (4 decimals), what it means, and the C++ line that computed it.
// The explanations live in the lesson's HTML (<dl class="step-notes"><dt>name</dt><dd>…</dd></dl>);
// the lesson supplies how to label each step and which C++ function to show.
import { el, clear } from '../render/dom.js';
import { shapeText } from '../render/format.js';
import { matrix } from '../render/matrix.js';
import { code as showCode } from '../render/code.js';
import { code } from '../data.js';

/** One intermediate of a core response. @typedef {{ name: string, shape: number[], value: any }} Step */
/**
 * @typedef {object} StepperOptions
 * @property {(name: string) => void} onSelect   the learner picked a step (store it in the state)
 * @property {(step: Step) => import('../render/matrix.js').MatrixOptions} [view]  how to draw its matrix
 * @property {(step: Step) => { fn: string, title?: string, hl?: RegExp }[]} [code]  C++ functions (names of excerpts) beside it
 */

/** @param {HTMLElement} root */
function readNotes(root) {
  /** @type {Record<string, HTMLElement>} */
  const notes = {};
  const list = root.querySelector('dl.step-notes');
  if (!(list instanceof HTMLElement)) return notes;
  list.querySelectorAll('dt').forEach((dt) => {
    const dd = dt.nextElementSibling;
    if (dd instanceof HTMLElement && dd.tagName === 'DD') notes[(dt.textContent || '').trim()] = dd;
  });
  list.hidden = true;
  return notes;
}

/** The regexp that finds the line computing `name` in a C++ excerpt. @param {string} name */
function lineFor(name) {
  const base = name.replace(/^head_\d+\./, '');
  return new RegExp(`(\\b${base}\\s*=[^=])|("${base}")`);
}

/**
 * Creates a stepper inside root.
 * @param {HTMLElement} root
 * @param {StepperOptions} opts
 */
export function createStepper(root, opts) {
  const notes = readNotes(root);
  const nav = el('ol', { class: 'step-nav', 'aria-label': 'steps of the computation' });
  const prev = el('button', { type: 'button', class: 'btn', text: '← Previous' });
  const next = el('button', { type: 'button', class: 'btn', text: 'Next →' });
  const counter = el('span', { class: 'step-count', 'aria-live': 'polite' });
  const title = el('h3', { class: 'step-title' });
  const shape = el('span', { class: 'step-shape' });
  const note = el('div', { class: 'step-note' });
  const value = el('div', { class: 'step-value' });
  const codeBox = el('div', { class: 'step-code' });
  root.appendChild(el('div', { class: 'stepper' }, [
    el('div', { class: 'step-controls' }, [prev, counter, next]),
    nav,
    el('div', { class: 'step-body' }, [
      el('div', { class: 'step-main' }, [el('div', { class: 'step-head' }, [title, shape]), note, value]),
      codeBox,
    ]),
  ]));
  /** @type {Step[]} */
  let steps = [];
  let index = 0;
  const chip = (/** @type {number} */ i) => /** @type {HTMLButtonElement} */ (nav.children[i].firstChild);

  /** @param {number} i @param {boolean} [focus] */
  function select(i, focus) {
    if (!steps.length) return;
    index = Math.max(0, Math.min(steps.length - 1, i));
    opts.onSelect(steps[index].name);
    draw();
    if (focus) chip(index).focus();
  }
  // At either end Previous or Next is aria-disabled, not disabled: a disabled button would drop
  // the keyboard focus to the top of the page right after the learner pressed it.
  prev.addEventListener('click', () => { if (index > 0) select(index - 1); });
  next.addEventListener('click', () => { if (index < steps.length - 1) select(index + 1); });
  // The chips are one tab stop (roving tabindex): arrows move along them, Home/End to the ends.
  nav.addEventListener('keydown', (ev) => {
    const to = /** @type {Record<string, number>} */ ({ ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: steps.length - 1 })[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    select(to, true);
  });

  function draw() {
    const step = steps[index];
    for (let i = 0; i < nav.children.length; i++) {
      const b = chip(i);
      if (i === index) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
      b.tabIndex = i === index ? 0 : -1;
    }
    prev.setAttribute('aria-disabled', String(index === 0));
    next.setAttribute('aria-disabled', String(index === steps.length - 1));
    counter.textContent = `step ${index + 1} of ${steps.length}`;
    title.textContent = step.name;
    shape.textContent = `shape ${shapeText(step.shape)}`;
    clear(note);
    const n = notes[step.name] || notes[step.name.replace(/^head_\d+\./, '')];
    // the notes' formulas were typeset at build time, so copies of them are typeset too
    if (n) n.childNodes.forEach((c) => note.appendChild(c.cloneNode(true)));
    matrix(value, step.value, { heat: true, name: `step ${step.name}`, ...(opts.view ? opts.view(step) : {}) });
    clear(codeBox);
    (opts.code ? opts.code(step) : []).forEach((c) => {
      showCode(codeBox, code[c.fn], c.hl || lineFor(step.name), c.title || c.fn);
    });
  }

  /**
   * Shows a new list of steps; keeps the step called `current` if it is still there.
   * @param {Step[]} newSteps @param {string} current
   */
  function update(newSteps, current) {
    // The lesson redraws after every change, the learner's step choice included: a chip that had
    // the focus gives it to its successor.
    const hadFocus = nav.contains(document.activeElement);
    steps = newSteps;
    clear(nav);
    steps.forEach((s, i) => {
      const b = el('button', { type: 'button', class: 'step-chip', text: `${i + 1} · ${s.name}` });
      b.addEventListener('click', () => select(i));
      nav.appendChild(el('li', null, b));
    });
    const found = steps.findIndex((s) => s.name === current);
    index = found >= 0 ? found : Math.min(index, steps.length - 1);
    if (!steps.length) return;
    draw();
    if (hadFocus) chip(index).focus({ preventScroll: true });
  }

  return Object.freeze({
    update,
    /** @param {string} name */
    select: (name) => { steps.forEach((s, i) => { if (s.name === name) select(i); }); },
  });
}
