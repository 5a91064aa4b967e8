// Binding the controls written in the page's HTML to the lesson's state: sliders, number fields,
// checkboxes, selects, radio groups, the token select and the sentence form.
import { el, clear, byId } from '../render/dom.js';
import { fieldMessage, isolate, notice } from './messages.js';

/** @typedef {import('../state.js').State} State */

/**
 * Binds an <input type=range|number|checkbox> or <select> to a state key (and an <output>). The
 * range of a slider or number field is the schema's (min, max), so the limit lives in one place.
 * A value the state refuses or clamps (checked as a URL parameter is) is said next to the control.
 * @param {State} state
 * @param {string} key
 * @param {HTMLElement} control
 * @param {(value: any) => string} [format]
 */
export function bind(state, key, control, format) {
  const input = /** @type {HTMLInputElement} */ (control);
  const out = document.querySelector(`output[for="${input.id}"]`);
  const spec = state.spec(key);
  if ((input.type === 'range' || input.type === 'number') && (spec.type === 'int' || spec.type === 'number')) {
    input.min = String(spec.min);
    input.max = String(spec.max);
  }
  const show = () => {
    const v = state.get(key);
    if (input.type === 'checkbox') input.checked = !!v;
    else if (document.activeElement !== input || input.type !== 'number') input.value = String(v);
    if (out) out.textContent = format ? format(v) : String(v);
  };
  show();
  input.addEventListener(input.type === 'checkbox' || input.tagName === 'SELECT' ? 'change' : 'input', () => {
    /** @type {Record<string, unknown>} */
    const patch = {};
    if (input.type === 'checkbox') patch[key] = input.checked;
    else if (input.type === 'range' || input.type === 'number') {
      if (input.value === '' || !isFinite(Number(input.value))) {
        // A number field holding something that is not a number reads as '' (validity.badInput).
        fieldMessage(input, input.validity && input.validity.badInput ? `Not a number: type digits, such as ${state.defaults()[key]}.` : '');
        return;
      }
      patch[key] = Number(input.value);
    } else patch[key] = input.value;
    fieldMessage(input, state.set(patch).join(' '));
  });
  // A typed number that was clamped shows the value used once the learner leaves the field.
  if (input.type === 'number') input.addEventListener('change', () => { input.value = String(state.get(key)); });
  state.subscribe(show);
}

/** Binds a group of radio buttons (name=key) to a state key. @param {State} state @param {string} key @param {HTMLElement} root */
export function bindRadios(state, key, root) {
  const radios = /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll('input[type=radio]'));
  const show = () => radios.forEach((r) => { r.checked = r.value === String(state.get(key)); });
  show();
  radios.forEach((r) => {
    r.addEventListener('change', () => {
      if (r.checked) state.set({ [key]: r.value === 'true' ? true : r.value === 'false' ? false : r.value });
    });
  });
  state.subscribe(show);
}

/** A select listing the tokens, bound to an index in the state. @param {HTMLElement} control @param {State} state @param {string} key @param {string[]} tokens */
export function tokenSelect(control, state, key, tokens) {
  const select = /** @type {HTMLSelectElement} */ (control);
  clear(select);
  tokens.forEach((t, i) => select.appendChild(el('option', { value: String(i), text: `${i + 1}: ${isolate(t)}` })));
  select.value = String(Math.min(state.get(key), tokens.length - 1));
  if (!select.dataset.bound) {
    select.dataset.bound = '1';
    select.addEventListener('change', () => state.set({ [key]: Number(select.value) }));
  }
}

/** Wires the sentence form (web/partials/sentence-form.html, and #reset-embeddings) to the state. @param {State} state */
export function sentenceForm(state) {
  const form = document.getElementById('sentence-form');
  if (!form) return;
  const input = /** @type {HTMLInputElement} */ (byId('sentence'));
  const spec = state.spec('sentence');
  if (spec.type === 'string') input.maxLength = spec.maxLength;  // the schema's limit, as a link's
  input.value = state.get('sentence');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.set({ sentence: input.value });
  });
  document.getElementById('reset-embeddings')?.addEventListener('click', () => state.set({ emb: '' }));
  document.getElementById('reset-sentence')?.addEventListener('click', () => {
    const d = state.defaults();
    input.value = d.sentence;
    state.set({ sentence: d.sentence, emb: '' });
  });
  state.subscribe((v) => { if (document.activeElement !== input) input.value = v.sentence; });
}

/** Why the core refuses a dropout rate of 1, said next to the slider with the core's message. */
export const DROPOUT_ONE_WHY = 'With p = 1 every weight would be dropped, and the survivors (none) scaled by 1/(1 − p) = 1/0: nothing would reach the context vectors.';

/**
 * The dropout slider (state key `p`) may reach 1, to let the core say why it refuses it; a link
 * asking for it falls back to 0, with a notice.
 * @param {State} state
 */
export function dropoutFromLink(state) {
  if (state.get('p') < 1) return;
  notice('Ignored p = 1 from the link: the core refuses a dropout rate of 1 (every weight would be dropped); using 0.');
  state.set({ p: 0 });
}
