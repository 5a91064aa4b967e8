// Lesson 1: why attention. The timeline, the RNN encoder's hidden states (the core's
// `rnn_encoder`) and Bahdanau attention over them (the core's `additive`), with a decoder state
// the learner drags or sets by picking the word being written.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX, TOKEN_INDEX_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { fmt } from '../js/render/format.js';
import { bars, vector } from '../js/render/bars.js';
import { heatmap } from '../js/render/heatmap.js';
import { scatter } from '../js/render/scatter.js';
import { start } from '../js/ui/lesson.js';
import { bind, bindRadios, sentenceForm } from '../js/ui/controls.js';
import { notice, showError } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';

const GERMAN = 'Kannst du mir helfen diesen Satz zu übersetzen';
// The English words of the German example and the source word each one translates.
/** @type {[string, number][]} */
const ENGLISH = [['Can', 0], ['you', 1], ['help', 3], ['me', 2], ['to', 6], ['translate', 7], ['this', 4], ['sentence', 5]];
const ERAS = ['ann', 'rnn', 'lstm', 'birnn', 'encdec', 'attention', 'transformer'];

const state = createState({
  sentence: { type: 'string', default: GERMAN, maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  era: { type: 'enum', default: 'encdec', values: ERAS },
  rseed: { type: 'int', default: 7, min: 0, max: SEED_MAX },
  tw: { type: 'int', default: 2, min: 0, max: TOKEN_INDEX_MAX },
  dec: { type: 'string', default: '', maxLength: 40, pattern: /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/ },
  att: { type: 'enum', default: 'hand', values: ['hand', 'seed'] },
  k: { type: 'int', default: 6, min: 1, max: 12 },
  step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
keepDecoderInPlane();
sentenceForm(state);
bind(state, 'seed', $('seed'));
bind(state, 'rseed', $('rseed'));
bind(state, 'k', $('k'));
bindRadios(state, 'att', $('att-weights'));

// ---- the timeline: buttons in the page show one era's card at a time
const eraButtons = /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('#timeline button'));
function showEra() {
  eraButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.era === state.get('era'))));
  document.querySelectorAll('.era').forEach((d) => { if (d instanceof HTMLElement) d.hidden = d.dataset.era !== state.get('era'); });
}
eraButtons.forEach((b) => b.addEventListener('click', () => state.set({ era: b.dataset.era })));
state.subscribe(showEra);
showEra();

/**
 * A decoder state from a link may lie anywhere; the plane drawn (and where tanh puts the encoder
 * states) is [−1, 1] in both dimensions, so a state outside it is moved to its edge, with a notice.
 */
function keepDecoderInPlane() {
  const dec = state.get('dec');
  if (!dec) return;
  const s = dec.split(',').map(Number);
  const inside = s.map((/** @type {number} */ x) => Math.max(-1, Math.min(1, x)));
  if (inside[0] === s[0] && inside[1] === s[1]) return;
  notice(`The decoder state s = (${s.join(', ')}) lies outside the plane drawn, [−1, 1] in both dimensions (where tanh puts the encoder states); using (${inside.join(', ')}).`);
  state.set({ dec: inside.join(',') });
}

/**
 * The hand-set attention layer (size 4). With d = s − h_j the score is
 * e_j = 3·Σ_a [tanh(1 + k·d_a) + tanh(1 − k·d_a)], an even bump that is largest when s = h_j;
 * the focus k narrows it.
 * @param {number} k
 */
function handWeights(k) {
  return { W_decoder: [[k, 0, -k, 0], [0, k, 0, -k]], W_encoder: [[-k, 0, k, 0], [0, -k, 0, k]], b_attn: [1, 1, 1, 1], v: [3, 3, 3, 3] };
}

/** The words being written: the English of the German example, else one step per source word. @param {string[]} tokens @returns {[string, number][]} */
function targetsFor(tokens) {
  if (tokens.join(' ') === GERMAN) return ENGLISH;
  return tokens.map((t, i) => [`step ${i + 1}`, i]);
}

/** @type {string[]} */
let tokens = [];
const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const perSource = /^(attn_|encoder_projection|inputs)/.test(step.name);
    const cols = step.shape[1] === tokens.length && /^attn_/.test(step.name) ? tokens : step.value[0].map((/** @type {unknown} */ _, /** @type {number} */ j) => `d${j + 1}`);
    return { rowLabels: perSource && !/^attn_/.test(step.name) ? tokens : ['s'], colLabels: cols, heat: /^attn_/.test(step.name), role: step.name === 'inputs' ? 'k' : (step.name === 'decoder_state' ? 'q' : null) };
  },
  code: (step) => (step.name === 'inputs' ? [{ fn: 'rnn_encoder', hl: /tanh/ }, { fn: 'additive_attention' }] : [{ fn: 'additive_attention' }]),
});

/** @param {[string, number][]} targets @param {number} tw */
function drawTargets(targets, tw) {
  // The word pressed with the keyboard keeps the focus through the redraw its press caused.
  const had = Array.prototype.indexOf.call($('targets').children, document.activeElement);
  const box = clear($('targets'));
  targets.forEach((t, i) => {
    const b = el('button', { type: 'button', 'aria-pressed': String(i === tw && !state.get('dec')), text: t[0] });
    b.addEventListener('click', () => state.set({ tw: i, dec: '' }));
    box.appendChild(b);
  });
  const again = box.children[had];
  if (had >= 0 && again instanceof HTMLElement) again.focus({ preventScroll: true });
}

/**
 * @param {import('../js/ui/embeddings.js').Embeddings} data
 * @param {Record<string, any>} rnn @param {Record<string, any>} res @param {Record<string, any> | null} align
 * @param {[string, number][]} targets @param {number} tw @param {number[]} s  the decoder state
 */
function draw(data, rnn, res, align, targets, tw, s) {
  tokens = data.tokens;
  embeddingTable($('embedding-table'), state, data);
  const chain = clear($('rnn-chain'));
  rnn.hidden_states.forEach((/** @type {number[]} */ h, /** @type {number} */ t) => {
    const last = t === rnn.hidden_states.length - 1;
    chain.appendChild(el('div', { class: `rnn-cell${last ? ' final' : ''}` }, [
      el('span', { class: 'tok', text: tokens[t] }),
      el('span', { class: 'num', text: `h${t + 1} = [${fmt(h[0])}, ${fmt(h[1])}]` }),
      last ? el('span', { class: 'small', text: 'all a plain decoder gets' }) : null,
    ]));
  });
  drawTargets(targets, tw);

  scatter($('attn-scatter'), [s], {
    labels: ['s (decoder)'], domain: [-1, 1], ticks: [-1, -0.5, 0, 0.5, 1], xLabel: 'state dim 1', yLabel: 'state dim 2',
    pointClass: () => 'dec', ariaLabel: 'encoder states, the decoder state and the context vector',
    extra: rnn.hidden_states.map((/** @type {number[]} */ h, /** @type {number} */ j) => ({ x: h[0], y: h[1], label: tokens[j], cls: 'enc', r: 6 }))
      .concat([{ x: res.context_vecs[0][0], y: res.context_vecs[0][1], label: 'c', cls: 'ctx', r: 8 }]),
    onMove: (i, x, y) => state.set({ dec: `${x},${y}` }),
  });
  bars($('attn-bars'), res.attn_weights[0], tokens, { role: 'k', max: 1 });
  clear($('context-vector'));
  vector($('context-vector'), res.context_vecs[0], { label: `context c for “${state.get('dec') ? 'your s' : targets[tw][0]}”`, role: 'v' });
  clear($('final-vector'));
  $('final-vector').appendChild(document.createTextNode('Without attention the decoder would get the final state for every word: '));
  const f = el('span');
  $('final-vector').appendChild(f);
  vector(f, rnn.final_state, { role: 'k' });
  if (align) heatmap($('alignment'), align.attn_weights, { rowLabels: targets.map((t) => t[0]), colLabels: tokens, rowTitle: 'writing', colTitle: 'source', caption: 'Alignment: the weights for every word being written', range: [0, 1] });
  stepper.update(res.steps, state.get('step'));
}

runner(state, (current) => embeddings(state, 3).then((data) => {
  if (!current()) return;
  if ('error' in data) { showError($('sentence-error'), data.error); return false; }
  return run({ mechanism: 'rnn_encoder', inputs: data.inputs, d_out: 2, seed: state.get('rseed') }).then((rnn) => {
    if (!current()) return;
    if (rnn.error) { showError($('sentence-error'), rnn.error); return false; }
    const targets = targetsFor(data.tokens), tw = Math.min(state.get('tw'), targets.length - 1);
    const dec = state.get('dec');
    /** @type {number[]} the decoder state: the learner's, or the encoder state of the word being written */
    const s = dec ? dec.split(',').map(Number) : rnn.hidden_states[targets[tw][1]];
    /** @type {Record<string, unknown>} */
    const base = { mechanism: 'additive', inputs: rnn.hidden_states, d_out: 4, seed: state.get('rseed') };
    if (state.get('att') === 'hand') base.weights = handWeights(state.get('k'));
    const one = { decoder_state: [s], steps: true, ...base };
    const all = { decoder_state: targets.map((t) => rnn.hidden_states[t[1]]), ...base };
    return Promise.all([run(one), run(all)]).then(([res, aligned]) => {
      if (!current()) return;
      if (res.error) { showError($('sentence-error'), res.error); return false; }
      showError($('sentence-error'), null);
      draw(data, rnn, res, aligned.error ? null : aligned, targets, tw, s);
    });
  });
}))();
