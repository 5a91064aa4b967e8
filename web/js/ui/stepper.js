// The stepper: walks through the `steps` of a core response, one named intermediate at a time,
// with its shape, its numbers (4 decimals), what it means, and the C++ line that computed it.
// The explanations live in the lesson's HTML (<dl class="step-notes"><dt>name</dt><dd>…</dd></dl>);
// the lesson supplies how to label each step and which C++ function to show. Beside the C++, a tab
// shows the same step in PyTorch: the program pytorch/program.js writes from the request behind
// the steps (the engine knows it), which "Copy as PyTorch" copies whole.
import { el, clear } from '../render/dom.js';
import { shapeText } from '../render/format.js';
import { matrix } from '../render/matrix.js';
import { code as showCode } from '../render/code.js';
import { code } from '../data.js';
import { exchangeOf, producerOf } from '../engine/page.js';
import { program, linesOf } from '../pytorch/program.js';
import { copyText, download } from '../render/export.js';

/** @typedef {import('../engine/page.js').Exchange} Exchange */
/** @type {Exchange[]} the exchanges behind the steps a stepper showed last (the test hook reads them) */
let lastSources = [];
/** The requests and answers the newest stepper's PyTorch program is written from. */
export function viewSources() { return lastSources.slice(); }

/**
 * The exchanges a program for these steps needs: the one that computed them and, first, the one
 * that computed its inputs when the core did (lesson 1's RNN encoder states).
 * @param {Step[]} steps @returns {Exchange[]}
 */
function sourcesOf(steps) {
  const main = exchangeOf(steps);
  if (!main) return [];
  const inputs = main.request.inputs;
  const before = inputs ? producerOf('hidden_states', inputs) : undefined;
  return before ? [before, main] : [main];
}

let tabCount = 0;

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
  // The code beside the step: the C++ that ran, or the same step in PyTorch (ARIA tabs: one tab
  // stop, the arrow keys switch).
  const id = `step-tabs-${++tabCount}`;
  const tabs = [['cpp', 'C++ (the core)'], ['torch', 'PyTorch']].map(([key, label]) => el('button', { type: 'button', role: 'tab', id: `${id}-${key}`,
    'aria-controls': `${id}-panel`, 'data-tab': key, class: 'step-tab', text: label }));
  const tablist = el('div', { class: 'step-tabs', role: 'tablist', 'aria-label': 'the step\'s code' }, tabs);
  const panel = el('div', { class: 'step-code-panel', role: 'tabpanel', id: `${id}-panel` }, codeBox);
  const copyButton = el('button', { type: 'button', class: 'btn', text: 'Copy as PyTorch', 'aria-expanded': 'false', 'aria-controls': `${id}-program` });
  const programBox = el('div', { class: 'step-program export-shown', id: `${id}-program`, hidden: true });
  root.appendChild(el('div', { class: 'stepper' }, [
    // Copy as PyTorch beside the controls, not among them: Previous and Next stay their first and last
    el('div', { class: 'step-bar' }, [el('div', { class: 'step-controls' }, [prev, counter, next]), copyButton]),
    programBox,
    nav,
    el('div', { class: 'step-body' }, [
      el('div', { class: 'step-main' }, [el('div', { class: 'step-head' }, [title, shape]), note, value]),
      el('div', { class: 'step-side' }, [tablist, panel]),
    ]),
  ]));
  /** @type {'cpp' | 'torch'} */
  let tab = 'cpp';
  /** @type {Exchange[]} */
  let sources = [];
  /** @type {import('../pytorch/program.js').Program | null | undefined} undefined: not written yet */
  let prog;
  const written = () => {
    if (prog === undefined) prog = program(sources, document.title);
    return prog;
  };
  /** @param {'cpp' | 'torch'} to @param {boolean} [focus] */
  const showTab = (to, focus) => {
    tab = to;
    if (steps.length) draw();
    if (focus) tabs[to === 'cpp' ? 0 : 1].focus();
  };
  tabs.forEach((b) => b.addEventListener('click', () => showTab(/** @type {'cpp' | 'torch'} */ (b.dataset.tab))));
  tablist.addEventListener('keydown', (ev) => {
    if (!/^(ArrowLeft|ArrowRight|Home|End)$/.test(ev.key)) return;
    ev.preventDefault();
    showTab(ev.key === 'Home' ? 'cpp' : ev.key === 'End' ? 'torch' : tab === 'cpp' ? 'torch' : 'cpp', true);
  });
  copyButton.addEventListener('click', () => {
    const opening = programBox.hidden;
    programBox.hidden = !opening;
    copyButton.setAttribute('aria-expanded', String(opening));
    if (opening) showProgram(true);
  });
  /** The whole program in a box to select; copied to the clipboard (where the browser lets the page) when asked. @param {boolean} [copy] */
  function showProgram(copy) {
    clear(programBox);
    const p = written();
    if (!p) { programBox.appendChild(el('p', { text: 'These steps have no PyTorch program yet.' })); return; }
    const status = el('p', { class: 'export-status', role: 'status' });
    const box = el('textarea', { readonly: true, rows: '14', wrap: 'off', spellcheck: 'false', class: 'export-text', 'aria-label': 'the PyTorch program of this view' });
    box.value = p.text;
    box.addEventListener('focus', () => box.select());
    const save = el('button', { type: 'button', class: 'btn btn-small', text: 'Download .py' });
    save.addEventListener('click', () => {
      download(new Blob([p.text], { type: 'text/x-python' }), `${(location.pathname.split('/').pop() || 'view').replace(/\.html?$/, '')}.py`);
      status.textContent = self.origin === 'null' && location.protocol !== 'file:' ? 'This page runs inside another page that may block downloads: if nothing was saved, copy the program from the box.' : 'Saved.';
    });
    programBox.appendChild(el('p', null, ['A Python program, written by Attention Lab, that computes this view\'s numbers again with PyTorch: the same inputs and weights, the same mechanism and mask. Run it with ',
      el('code', { text: 'python3' }), ' where torch is installed; it prints what the page shows.']));
    programBox.appendChild(box);
    programBox.appendChild(el('div', { class: 'export-body' }, [save, status]));
    if (copy) copyText(p.text).then((ok) => { status.textContent = ok ? 'Copied to the clipboard.' : 'The browser did not let the page copy: select the program above and copy it yourself.'; });
    else status.textContent = 'The view changed: the program above is the new view\'s.';
  }
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
    tabs.forEach((b) => {
      const on = b.dataset.tab === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `${id}-${tab}`);
    clear(codeBox);
    if (tab === 'cpp') {
      (opts.code ? opts.code(step) : []).forEach((c) => {
        showCode(codeBox, code[c.fn], c.hl || lineFor(step.name), c.title || c.fn);
      });
      return;
    }
    const p = written();
    if (!p) { codeBox.appendChild(el('p', { class: 'muted', text: 'These steps have no PyTorch program yet.' })); return; }
    const marked = linesOf(p, step.name);
    if (!marked.size) codeBox.appendChild(el('p', { class: 'muted', text: `No line of its own computes ${step.name} in PyTorch: it is one of the inputs, or made inside the lines around it.` }));
    showCode(codeBox, { file: 'view.py', line: 1, code: p.brief.replace(/\n$/, '') }, (_, i) => marked.has(i),
      'the same computation in torch (Copy as PyTorch: the whole program)');
  }

  /**
   * Shows a new list of steps; keeps the step called `current` if it is still there.
   * @param {Step[]} newSteps @param {string} current
   */
  function update(newSteps, current) {
    // The lesson redraws after every change, the learner's step choice included: a chip that had
    // the focus gives it to its successor.
    const hadFocus = nav.contains(document.activeElement);
    if (newSteps !== steps) {
      sources = sourcesOf(newSteps);
      lastSources = sources;
      prog = undefined;
      if (!programBox.hidden) showProgram();
    }
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
