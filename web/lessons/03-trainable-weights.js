// Lesson 3: self-attention with trainable weights (the core's `self_attention`), and the
// core's `scaling_demo` showing why the scores are divided by √d_k.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX, TOKEN_INDEX_MAX } from '../js/limits.js';
import { byId as $ } from '../js/render/dom.js';
import { fmt } from '../js/render/format.js';
import { bars, vector } from '../js/render/bars.js';
import { chart } from '../js/render/chart.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { start } from '../js/ui/lesson.js';
import { bind, bindRadios, sentenceForm, tokenSelect } from '../js/ui/controls.js';
import { isolate, showError } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';

const DK_VALUES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

const state = createState({
  sentence: { type: 'string', default: book.tokens.join(' '), maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  q: { type: 'int', default: 1, min: 0, max: TOKEN_INDEX_MAX },
  w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
  wseed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  d_out: { type: 'int', default: 2, min: 1, max: 8 },
  scale: { type: 'bool', default: true },
  dk: { type: 'int', default: 6, min: 0, max: DK_VALUES.length - 1 },
  step: { type: 'string', default: 'attn_scores', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
sentenceForm(state);
bind(state, 'seed', $('seed'));
bind(state, 'wseed', $('wseed'));
bind(state, 'd_out', $('d_out'));
bind(state, 'scale', $('scale'));
bind(state, 'dk', $('dk'), (e) => String(DK_VALUES[e]));
bindRadios(state, 'w', $('weights-source'));

/** @type {string[]} */
let tokens = [];
const dims = (/** @type {number} */ n, /** @type {string} */ p) => Array.from({ length: n }, (_, i) => p + (i + 1));
const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const square = /^attn_/.test(step.name);
    const role = /** @type {Record<string, string>} */ ({ queries: 'q', keys: 'k', values: 'v', inputs: 'x' })[step.name];
    return { rowLabels: tokens, colLabels: square ? tokens : dims(step.shape[1], 'd'), heat: square, role, highlightRow: state.get('q') };
  },
  code: (step) => {
    if (step.name === 'inputs') return [{ fn: 'self_attention' }];
    if (/^(queries|keys|values)$/.test(step.name)) return [{ fn: 'head_attention' }, { fn: 'project', hl: /matmul/ }];
    /** @type {{ fn: string, hl?: RegExp }[]} */
    const list = [{ fn: 'attend' }];
    if (step.name === 'attn_weights') list.push({ fn: 'softmax_rows', hl: /exp|\/=/ });
    return list;
  },
});

/** @param {number} d_out */
function weightsFor(d_out) {
  return state.get('w') === 'book' && d_out === 2 ? book.self_attention : undefined;
}

/** @param {import('../js/ui/embeddings.js').Embeddings} data @param {Record<string, any>} res */
function drawAttention(data, res) {
  tokens = data.tokens;
  const q = Math.min(state.get('q'), tokens.length - 1), d_out = state.get('d_out');
  tokenSelect($('query'), state, 'q', tokens);
  embeddingTable($('embedding-table'), state, data);
  const note = $('weights-note');
  note.hidden = !(state.get('w') === 'book' && d_out !== 2);
  note.textContent = note.hidden ? '' : `The book's weights are 3×2, so with d_out = ${d_out} the weights are drawn from the weight seed instead.`;

  const W = res.weights, inDims = dims(data.inputs[0].length, 'd'), outDims = dims(d_out, 'd');
  matrix($('w-query'), W.W_query, { caption: 'W_query', rowLabels: inDims, colLabels: outDims, role: 'q' });
  matrix($('w-key'), W.W_key, { caption: 'W_key', rowLabels: inDims, colLabels: outDims, role: 'k' });
  matrix($('w-value'), W.W_value, { caption: 'W_value', rowLabels: inDims, colLabels: outDims, role: 'v' });
  matrix($('m-queries'), stepOf(res, 'queries'), { caption: 'queries Q', rowLabels: tokens, colLabels: outDims, role: 'q', highlightRow: q });
  matrix($('m-keys'), stepOf(res, 'keys'), { caption: 'keys K', rowLabels: tokens, colLabels: outDims, role: 'k' });
  matrix($('m-values'), stepOf(res, 'values'), { caption: 'values V', rowLabels: tokens, colLabels: outDims, role: 'v' });

  bars($('bars-scores'), stepOf(res, 'attn_scores')[q], tokens, { highlight: q, role: 'k' });
  bars($('bars-scaled'), stepOf(res, 'attn_scores_scaled')[q], tokens, { highlight: q, role: 'k' });
  bars($('bars-weights'), res.attn_weights[q], tokens, { highlight: q, role: 'w', max: 1 });
  vector($('z-vector'), res.context_vecs[q], { label: `z(${q + 1}) for “${isolate(tokens[q])}”`, role: 'v' });
  heatmap($('weights-heatmap'), res.attn_weights, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: 'Attention weights (rows: queries, columns: keys)' });
  matrix($('context-matrix'), res.context_vecs, { caption: 'Context vectors Z = A·V', rowLabels: tokens, colLabels: outDims, role: 'v', highlightRow: q });
  stepper.update(res.steps, state.get('step'));
}

/** @param {Record<string, any>} res */
function drawScaling(res) {
  const d_k = DK_VALUES[state.get('dk')];
  /** @type {{ d_k: number, max_weight: number, max_weight_scaled: number, score_std: number, score_std_scaled: number }[]} */
  const curve = res.curve;
  chart($('scaling-chart'), [
    { label: 'softmax(q·k): unscaled', cls: 'unscaled', marker: 'circle', points: curve.map((p) => ({ x: p.d_k, y: p.max_weight })) },
    { label: 'softmax(q·k/√d_k): scaled', cls: 'scaled', marker: 'square', points: curve.map((p) => ({ x: p.d_k, y: p.max_weight_scaled })) },
  ], { caption: 'mean largest softmax weight against d_k, unscaled and scaled', xLabel: 'd_k (key size)', yLabel: 'mean largest weight',
    xName: 'd_k', y: { scale: 'linear', max: 1 }, markX: d_k });
  const point = curve.find((p) => p.d_k === d_k);
  if (!point) return;
  $('scaling-stats').textContent = `At d_k = ${d_k}: the scores spread with standard deviation ${fmt(point.score_std)}` +
    ` unscaled and ${fmt(point.score_std_scaled)} scaled; the largest weight averages ${fmt(point.max_weight)}` +
    ` unscaled against ${fmt(point.max_weight_scaled)} scaled (1 would be one-hot; equal shares over the 6 keys would be 1/6).`;
  const keys = res.attn_weights_unscaled.map((/** @type {unknown} */ _, /** @type {number} */ j) => `key ${j + 1}`);
  bars($('demo-unscaled'), res.attn_weights_unscaled, keys, { role: 'w', max: 1 });
  bars($('demo-scaled'), res.attn_weights_scaled, keys, { role: 'w', max: 1 });
}

runner(state, (current) => {
  const scaling = run({ mechanism: 'scaling_demo', d_k_values: DK_VALUES, T: 6, trials: 64, seed: 1, d_k: DK_VALUES[state.get('dk')] });
  return Promise.all([embeddings(state, 3), scaling]).then(([data, demo]) => {
    if (!current()) return;
    if (!demo.error) drawScaling(demo);
    if ('error' in data) { showError($('sentence-error'), data.error); return false; }
    const d_out = state.get('d_out');
    return run({ mechanism: 'self_attention', inputs: data.inputs, d_out, scale: state.get('scale'), seed: state.get('wseed'), weights: weightsFor(d_out), steps: true }).then((res) => {
      if (!current()) return;
      if (res.error) { showError($('sentence-error'), res.error); return false; }
      showError($('sentence-error'), null);
      drawAttention(data, res);
    });
  });
})();
