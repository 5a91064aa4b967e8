// Predict, then reveal: before a key result is shown the learner commits a guess, in the way that
// fits it; then the page asks the core for the truth and shows guess and truth side by side, with
// a one-line why. The result stays veiled (blurred, still usable) until the guess is revealed or
// skipped. Every control is a native one (radios, a text field, a slider, buttons), so the
// keyboard and screen readers work as they do everywhere else.
//
//   const m = predict(byId('predict-top'), {
//     id: 'journey-top',                                   // unique in the lesson (progress.js)
//     title: 'Which token will the query “journey” attend to most?',
//     guess: pick({ legend: 'Your guess', options: () => tokens }),   // or number, bar, order
//     truth: () => run({ … }).then((res) => res.error ? { error: res.error }
//       : { value: tokens[top], text: `“${tokens[top]}” (${fmt(w)})`, why: 'Its own embedding is long …' }),
//     veil: ['#bars-softmax'],                             // results hidden until the reveal
//   });
//   m.refresh();    // after a redraw: the options (tokens) may have changed
//
// The truth is always computed by the core when the learner reveals (never stored in the page);
// `judge(guess, truth.value)` decides right or wrong (default: the guess kind's own: equality for
// pick and order, a tolerance for number and bar).
import { el, clear } from '../render/dom.js';
import { bars } from '../render/bars.js';
import { fmt } from '../render/format.js';
import { caught, isolate, showError } from './messages.js';
import { recorded, record, registerItem } from './progress.js';
import { frame, lessonId, veil } from './acts.js';

/** @typedef {import('../engine/page.js').CoreError} CoreError */
/** The core's answer, as the moment shows it: value (judged), text (shown), why (one line). @typedef {{ value: any, text: string, why: string }} Truth */
/**
 * One way to guess. mount builds its controls in box (base: a prefix for ids); read gives the
 * guess or why there is none yet; describe says a guess in words; judge compares it with the
 * truth's value; show (optional) draws guess and truth together; refresh re-reads its options.
 * @typedef {object} Guess
 * @property {(box: HTMLElement, base: string) => void} mount
 * @property {() => { value: any } | { error: string }} read
 * @property {(value: any) => string} describe
 * @property {(guess: any, truth: any) => boolean} judge
 * @property {(box: HTMLElement, guess: any, truth: any) => void} [show]
 * @property {() => boolean} [changed]  whether its options changed since mounted
 * @property {(disabled: boolean) => void} disable
 */
/**
 * @typedef {object} Moment
 * @property {string} id
 * @property {string} title
 * @property {Guess} guess
 * @property {() => Promise<Truth | { error: CoreError | { message: string } }>} truth
 * @property {(guess: any, truth: any) => boolean} [judge]
 * @property {string[]} [veil]
 */

/** @typedef {string | { value: string, label: string }} Option */
/** @param {Option} o */
const optValue = (o) => (typeof o === 'string' ? o : o.value);
/** @param {Option} o */
const optLabel = (o) => (typeof o === 'string' ? o : o.label);

/**
 * Choose one of a few options (tokens, shapes, "sharper / flatter"): a group of radio buttons.
 * @param {{ legend: string, options: () => Option[] }} o
 * @returns {Guess}
 */
export function pick(o) {
  /** @type {HTMLFieldSetElement | null} */
  let set = null;
  let key = '';
  const current = () => o.options();
  return {
    mount(box, base) {
      const options = current();
      key = JSON.stringify(options);
      set = el('fieldset', { class: 'act-choices' }, [el('legend', { text: o.legend })]);
      options.forEach((opt, i) => {
        const id = `${base}-opt${i}`;
        set?.appendChild(el('span', { class: 'act-choice' }, [
          el('input', { type: 'radio', name: base, id, value: optValue(opt) }),
          el('label', { for: id, dir: 'auto', text: optLabel(opt) }),
        ]));
      });
      box.appendChild(set);
    },
    read() {
      const on = set && /** @type {HTMLInputElement | null} */ (set.querySelector('input:checked'));
      return on ? { value: on.value } : { error: 'Pick one of the options first (or skip to see the answer).' };
    },
    describe(value) {
      const found = current().find((opt) => optValue(opt) === value);
      return found ? optLabel(found) : String(value);
    },
    judge: (g, t) => g === t,
    changed: () => JSON.stringify(current()) !== key,
    disable(d) {
      if (!set) return;
      set.disabled = d;
      set.querySelectorAll('input').forEach((r) => { r.disabled = d; });  // each one too: a radio reads enabled in a disabled fieldset
    },
  };
}

// A decimal number as a learner types it (a point for decimals, an optional exponent).
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Type a number: right when within `tolerance` of the core's.
 * @param {{ label: string, tolerance: number, placeholder?: string }} o
 * @returns {Guess}
 */
export function number(o) {
  /** @type {HTMLInputElement | null} */
  let input = null;
  return {
    mount(box, base) {
      input = el('input', { type: 'text', inputmode: 'decimal', id: `${base}-num`, class: 'num-input act-number', autocomplete: 'off', spellcheck: 'false', placeholder: o.placeholder || '' });
      box.appendChild(el('div', { class: 'control' }, [el('label', { for: `${base}-num`, text: o.label }), input]));
    },
    read() {
      const text = input ? input.value.trim().replace(/−/g, '-') : '';
      const refuse = (/** @type {string} */ error) => { input?.setAttribute('aria-invalid', 'true'); return { error }; };
      input?.removeAttribute('aria-invalid');
      if (!text) return { error: 'Type a number first (or skip to see the answer).' };
      if (!NUMBER.test(text)) return refuse(`${JSON.stringify(text.slice(0, 30))} is not a number: type one such as 0.25 (with a point for decimals).`);
      // "1e999" has a number's form but is beyond any double: Infinity judges nothing
      if (!Number.isFinite(Number(text))) return refuse(`${JSON.stringify(text.slice(0, 30))} is too large to be a number here: type one such as 0.25.`);
      return { value: Number(text) };
    },
    describe(v) {
      const s = fmt(v, Math.abs(v) >= 100 ? 1 : 4);
      // toFixed writes 1e21 and above in exponent form, whose zeros are not decimals to trim
      return s.includes('e') ? String(v).replace(/^-/, '−') : s.replace(/\.?0+$/, '');
    },
    judge: (g, t) => Math.abs(g - t) <= o.tolerance,
    disable(d) { if (input) input.disabled = d; },
  };
}

/**
 * Set a bar (a slider from min to max) where you think a value lands; the reveal draws both bars.
 * @param {{ label: string, min: number, max: number, step: number, start: number, tolerance: number }} o
 * @returns {Guess}
 */
export function bar(o) {
  /** @type {HTMLInputElement | null} */
  let input = null;
  const decimals = o.step < 0.1 ? 2 : 1;
  return {
    mount(box, base) {
      input = el('input', { type: 'range', id: `${base}-bar`, min: String(o.min), max: String(o.max), step: String(o.step), value: String(o.start) });
      const out = el('output', { for: `${base}-bar`, text: fmt(o.start, decimals) });
      const slider = input;
      slider.addEventListener('input', () => { out.textContent = fmt(Number(slider.value), decimals); });
      box.appendChild(el('div', { class: 'control act-bar' }, [el('label', { for: `${base}-bar` }, [`${o.label} = `, out]), input]));
    },
    read: () => ({ value: Number(input ? input.value : o.start) }),
    describe: (v) => fmt(v, decimals),
    judge: (g, t) => Math.abs(g - t) <= o.tolerance,
    show(box, g, t) { bars(box, [g, t], ['your guess', 'the core'], { max: o.max, role: 'w' }); },
    disable(d) { if (input) input.disabled = d; },
  };
}

/**
 * Put items in order (most first), with a pair of buttons on each; right when the first `top`
 * positions match the core's order.
 * @param {{ legend: string, items: () => string[], top: number }} o
 * @returns {Guess}
 */
export function order(o) {
  /** @type {HTMLOListElement | null} */
  let list = null;
  /** @type {string[]} */
  let now = [];
  let key = '';
  let base = '';
  /** @type {HTMLButtonElement[]} */
  let buttons = [];
  const draw = (/** @type {number} */ focusIndex, /** @type {string} */ focusDir) => {
    if (!list) return;
    clear(list);
    buttons = [];
    now.forEach((item, i) => {
      const up = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Move ${isolate(item)} up`, text: '↑' });
      const down = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Move ${isolate(item)} down`, text: '↓' });
      if (i === 0) up.disabled = true;
      if (i === now.length - 1) down.disabled = true;
      const move = (/** @type {number} */ by) => {
        const j = i + by;
        [now[i], now[j]] = [now[j], now[i]];
        // the moved item keeps the focus, on the same button where it can still move that way
        draw(j, by < 0 ? (j === 0 ? 'down' : 'up') : (j === now.length - 1 ? 'up' : 'down'));
      };
      up.addEventListener('click', () => move(-1));
      down.addEventListener('click', () => move(1));
      buttons.push(up, down);
      list?.appendChild(el('li', { class: 'act-order-item' }, [el('span', { class: 'act-order-label', dir: 'auto', text: item }), up, down]));
      if (i === focusIndex) (focusDir === 'up' ? up : down).focus();
    });
  };
  return {
    mount(box, b) {
      base = b;
      now = o.items().slice();
      key = JSON.stringify(now.slice().sort());
      list = el('ol', { class: 'act-order', id: `${base}-order`, 'aria-label': o.legend });
      box.appendChild(el('p', { class: 'small', id: `${base}-order-legend`, text: o.legend }));
      box.appendChild(list);
      draw(-1, '');
    },
    read: () => ({ value: now.slice() }),
    describe: (v) => v.slice(0, Math.max(o.top, 1)).map(isolate).join(' > ') + (v.length > o.top ? ' > …' : ''),
    judge: (g, t) => g.slice(0, o.top).every((/** @type {string} */ x, /** @type {number} */ i) => x === t[i]),
    changed: () => JSON.stringify(o.items().slice().sort()) !== key,
    disable(d) { buttons.forEach((btn, i) => { btn.disabled = d || (i === 0) || (i === buttons.length - 1); }); },
  };
}

/**
 * Builds a predict-then-reveal moment in `container` (see the top of this file).
 * @param {HTMLElement} container
 * @param {Moment} m
 * @returns {{ refresh: () => void, state: () => string }}
 */
export function predict(container, m) {
  const lesson = lessonId();
  registerItem(lesson, m.id, 'prediction');
  const base = container.id || `predict-${m.id}`;
  frame(container, { id: m.id, kind: 'predict', label: 'Predict', title: m.title });
  // Once answered (this visit or a stored one), the results it guards are no longer hidden.
  const lift = recorded(lesson, m.id) ? () => {} : veil(m.veil || [], m.id);
  const guessBox = el('div', { class: 'act-guess' });
  const reveal = el('button', { type: 'button', class: 'btn primary', text: 'Reveal' });
  const skip = el('button', { type: 'button', class: 'btn', text: 'Skip: show me' });
  const again = el('button', { type: 'button', class: 'btn', text: 'Guess again', hidden: true });
  const message = el('p', { class: 'input-error', role: 'alert', id: `${base}-msg`, hidden: true });
  const result = el('div', { class: 'act-result', role: 'status', tabindex: '-1', id: `${base}-result`, hidden: true });
  // The result comes before the buttons, so that Tab from it (it takes the focus) reaches Guess again.
  container.append(guessBox, message, result, el('div', { class: 'act-buttons' }, [reveal, skip, again]));
  let phase = 'asking';
  const setPhase = (/** @type {string} */ p) => { phase = p; container.setAttribute('data-state', p); };
  setPhase('asking');

  const mount = () => {
    clear(guessBox);
    m.guess.mount(guessBox, base);
    if (container.hasAttribute('data-locked')) m.guess.disable(true);  // locked by the link (ui/embed.js)
  };
  mount();

  const say = (/** @type {string} */ text) => { message.textContent = text; message.hidden = !text; };

  /** @param {boolean} skipped */
  function go(skipped) {
    const read = m.guess.read();
    if (!skipped && 'error' in read) { say(read.error); return; }
    say('');
    setPhase('busy');
    reveal.disabled = skip.disabled = true;
    // a truth that throws (not one that answers { error }) must not leave the buttons dead
    Promise.resolve().then(() => m.truth()).catch(caught).then((truth) => {
      reveal.disabled = skip.disabled = false;
      if ('error' in truth) {
        setPhase('asking');
        showError(message, truth.error);
        return;
      }
      const guess = 'value' in read ? read.value : null;
      const right = !skipped && (m.judge || m.guess.judge)(guess, truth.value);
      const kept = record(lesson, m.id, 'prediction', right, skipped);
      lift();
      showResult(skipped, right, guess, truth, !skipped && kept.skipped);
    });
  }

  /**
   * @param {boolean} skipped @param {boolean} right @param {any} guess @param {Truth} truth
   * @param {boolean} practice  a guess after a skip: judged, but the skip stays the record
   */
  function showResult(skipped, right, guess, truth, practice) {
    clear(result);
    container.setAttribute('data-correct', String(right));
    result.appendChild(el('p', { class: `act-verdict ${skipped ? 'skipped' : right ? 'right' : 'wrong'}` }, [
      el('strong', { text: skipped ? 'Skipped.' : right ? '✓ Right.' : '✗ Not quite.' }),
      practice && ' For practice: you saw the answer first, so your progress keeps this one as skipped.']));
    const pairs = el('dl', { class: 'act-compare' });
    if (!skipped) pairs.append(el('div', null, [el('dt', { text: 'Your guess' }), el('dd', { dir: 'auto', text: m.guess.describe(guess) })]));
    pairs.append(el('div', null, [el('dt', { text: 'The core' }), el('dd', { dir: 'auto', text: truth.text })]));
    result.appendChild(pairs);
    if (!skipped && m.guess.show) {
      const drawn = el('div', { class: 'act-drawn' });
      m.guess.show(drawn, guess, truth.value);
      result.appendChild(drawn);
    }
    result.appendChild(el('p', { class: 'act-why' }, [el('strong', { text: 'Why: ' }), truth.why]));
    result.hidden = false;
    m.guess.disable(true);
    reveal.hidden = skip.hidden = true;
    again.hidden = false;
    setPhase(skipped ? 'skipped' : 'revealed');
    result.focus();
  }

  reveal.addEventListener('click', () => go(false));
  skip.addEventListener('click', () => go(true));
  again.addEventListener('click', () => {
    result.hidden = true;
    container.removeAttribute('data-correct');
    reveal.hidden = skip.hidden = false;
    again.hidden = true;
    if (m.guess.changed && m.guess.changed()) mount(); else m.guess.disable(false);
    setPhase('asking');
    const first = guessBox.querySelector('input, button:not([disabled])');
    if (first instanceof HTMLElement) first.focus();
  });

  return {
    refresh() { if (phase === 'asking' && m.guess.changed && m.guess.changed()) mount(); },
    state: () => phase,
  };
}
