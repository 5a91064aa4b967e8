// Lesson 3: self-attention with trainable weights (the core's `self_attention`), and the
// core's `scaling_demo` showing why the scores are divided by √d_k.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX, TOKEN_INDEX_MAX } from '../js/limits.js';
import { byId as $ } from '../js/render/dom.js';
import { fmt, shapeText } from '../js/render/format.js';
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
import { bar, order, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

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
/** @type {import('../js/ui/embeddings.js').Embeddings | null} the embeddings on screen, which the predictions and exercises ask the core about */
let shown = null;
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
  shown = data;
  moments.forEach((m) => m.refresh());
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

// ---- predictions and exercises: each truth and each check is a request to the core, on the
// embeddings the page shows (the learner's edits included).

/** The index of the largest of a row the core returned (a choice read off its numbers, not a computation). @param {number[]} row */
const top = (row) => row.indexOf(Math.max(...row));
/** @param {number} i */
const quoted = (i) => `“${isolate(tokens[i])}”`;
const STILL = { error: { message: 'The lesson is still computing; try again in a moment.' } };

/**
 * Runs `self_attention` on the embeddings on screen (request: the rest of the request), then reads
 * the answer with fn(res, at), `at` holding where each named token is; a sentence without them, or
 * a core error, resolves to { error }.
 * @template R
 * @param {string[]} names  the book's tokens the question is about
 * @param {Record<string, unknown>} request
 * @param {(res: Record<string, any>, at: number[]) => R} fn
 * @returns {Promise<R | { error: { message: string } }>}
 */
function ask(names, request, fn) {
  const data = shown;
  if (!data) return Promise.resolve(STILL);
  const at = names.map((n) => data.tokens.indexOf(n));
  const missing = names.filter((_, k) => at[k] < 0);
  if (missing.length) return Promise.resolve({ error: { message: `This is about the book's sentence, and yours has no ${missing.map((n) => `“${n}”`).join(' or ')}: press “Book example” first.` } });
  return run({ mechanism: 'self_attention', inputs: data.inputs, steps: true, ...request }).then((res) => (res.error ? { error: res.error } : fn(res, at)));
}
/** The view's own request: its d_out, weights and scaling. */
const viewRequest = () => ({ d_out: state.get('d_out'), scale: state.get('scale'), seed: state.get('wseed'), weights: weightsFor(state.get('d_out')) });
/** The book's weights with one matrix replaced by the learner's. @param {string} name @param {number[][]} m */
const withMatrix = (name, m) => ({ d_out: 2, weights: { ...book.self_attention, [name]: m } });

const moments = [
  predict($('predict-shape'), {
    id: 'q-shape',
    title: 'X holds one row of d_in = 3 numbers per token, and W_query is d_in × d_out. What shape is Q = X W_query in the view below?',
    guess: pick({ legend: 'The shape of Q (rows, columns)', options: () => {
      const T = tokens.length, d_in = shown ? shown.inputs[0].length : 3, d_out = state.get('d_out');
      return [[d_in, d_out], [T, d_in], [T, d_out], [d_out, T]].map((x) => shapeText(x)).filter((x, i, all) => all.indexOf(x) === i);
    } }),
    veil: ['#m-queries', '#m-keys', '#m-values'],
    truth: () => ask([], viewRequest(), (res) => {
      const q = res.steps.find((/** @type {{ name: string }} */ x) => x.name === 'queries');
      return { value: shapeText(q.shape), text: shapeText(q.shape),
        why: `Each token's row of ${shown ? shown.inputs[0].length : 3} numbers times W_query gives a row of d_out = ${q.shape[1]}: one query per token, as many rows as tokens, as wide as d_out (K and V alike).` };
    }),
  }),
  predict($('predict-order'), {
    id: 'journey-order',
    title: 'With the weights of the view below, put the tokens in the order of the weight the query “journey” gives them, largest first. The first three places count.',
    guess: order({ legend: 'Tokens, largest weight first (use the arrows to move them)', items: () => tokens.slice(), top: 3 }),
    veil: ['#bars-scores', '#bars-scaled', '#bars-weights', '#weights-heatmap'],
    truth: () => ask(['journey'], viewRequest(), (res, [q]) => {
      /** @type {number[]} */
      const w = res.attn_weights[q];
      // the tokens ranked by the core's weights (a sort of its numbers)
      const ranked = w.map((x, j) => j).sort((a, b) => w[b] - w[a]);
      return { value: ranked.map((j) => tokens[j]), text: ranked.slice(0, 3).map((j) => `${quoted(j)} ${fmt(w[j])}`).join(' > ') + ' > …',
        why: 'The scores are now q·k, with q = x W_q and k = x W_k, so the order is the weights’ doing: the book’s untrained weights keep the order of lesson 2 here; other weights (a seed, or training) reorder it.' };
    }),
  }),
  predict($('predict-dk'), {
    id: 'dk-unscaled',
    title: 'Random queries and keys of size d_k = 1024, 6 keys, no division by √d_k: on average, how large is the largest softmax weight? (Equal shares would be 1/6 ≈ 0.17; one-hot is 1.)',
    guess: bar({ label: 'largest weight', min: 0, max: 1, step: 0.01, start: 0.17, tolerance: 0.1 }),
    veil: ['#scaling-chart', '#scaling-stats', '#demo-unscaled', '#demo-scaled'],
    truth: () => run({ mechanism: 'scaling_demo', d_k_values: [1024], T: 6, trials: 64, seed: 1 }).then((res) => {
      if (res.error) return { error: res.error };
      const p = res.curve[0];
      return { value: p.max_weight, text: `${fmt(p.max_weight)} unscaled (${fmt(p.max_weight_scaled)} scaled)`,
        why: `Unscaled, the scores spread with standard deviation ${fmt(p.score_std, 1)} (about √1024 = 32), so softmax all but picks one key; divided by √d_k they spread about ${fmt(p.score_std_scaled, 1)} and the weights stay shared.` };
    }),
  }),
];

exercise($('exercise-uniform'), {
  id: 'uniform-keys',
  task: 'Choose W_key so that every token attends to every token equally: every weight within 0.01 of 1/T (1/6 for the book\'s six tokens).',
  hint: 'Softmax gives equal shares exactly when all the scores of a row are equal. What W_key makes every key, and so every score q·k, the same?',
  solution: 'All zeros: every key is the zero vector, every score is 0, and softmax of six equal scores is 1/6 each.',
  fields: { caption: 'W_key (yours)', rows: ['d1', 'd2', 'd3'], cols: ['d1', 'd2'], value: () => book.self_attention.W_key },
  check: (m) => ask([], withMatrix('W_key', m || []), (res) => {
    /** @type {number[][]} */
    const w = res.attn_weights;
    const T = w.length, share = 1 / T;
    const far = (/** @type {number} */ x) => x < share - 0.01 || x > share + 0.01;
    const row = w.findIndex((r) => r.some(far));
    if (row < 0) return { ok: true, message: `Every weight is within 0.01 of 1/${T}: each context vector is the plain average of the values.` };
    const hi = top(w[row]), lo = top(w[row].map((x) => -x));
    return { ok: false, message: `${quoted(row)} still gives ${quoted(hi)} ${fmt(w[row][hi])} and ${quoted(lo)} ${fmt(w[row][lo])}; equal shares would be ${fmt(share)} each.` };
  }),
});

exercise($('exercise-query'), {
  id: 'journey-to-one',
  task: 'Choose W_query so that the query “journey” attends most to “one”.',
  hint: 'A score is q·k with q = x(journey) W_query. Look at the keys K in section 1: “one” has the smallest first number. A query that is negative in its first number and 0 in its second favours the smallest first number.',
  solution: 'Make the first column −5, 0, 0 and the second all 0: journey’s query becomes (−2.75, 0), and the key with the smallest first number, “one”’s, scores highest.',
  fields: { caption: 'W_query (yours)', rows: ['d1', 'd2', 'd3'], cols: ['d1', 'd2'], value: () => book.self_attention.W_query },
  check: (m) => ask(['journey', 'one'], withMatrix('W_query', m || []), (res, [q, k]) => {
    /** @type {number[]} */
    const w = res.attn_weights[q];
    const t = top(w);
    if (t === k) return { ok: true, message: `“journey” now gives “one” ${fmt(w[k])}, more than any other token.` };
    const query = res.steps.find((/** @type {{ name: string }} */ x) => x.name === 'queries').value[q];
    return { ok: false, message: `“journey” attends most to ${quoted(t)} (${fmt(w[t])}); “one” gets ${fmt(w[k])}. Its query is now (${query.map((/** @type {number} */ x) => fmt(x)).join(', ')}).` };
  }),
});
progressLine(document.getElementById('progress'));
