// Lesson 2: simplified self-attention (no trainable weights), on the book's six tokens by default.
// Every number comes from the core's `simplified` mechanism and its steps.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX, TOKEN_INDEX_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { bars, vector } from '../js/render/bars.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { scatter } from '../js/render/scatter.js';
import { start } from '../js/ui/lesson.js';
import { bind, sentenceForm, tokenSelect } from '../js/ui/controls.js';
import { isolate, showError } from '../js/ui/messages.js';
import { embeddings, embeddingTable, setEmbeddingRow } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';
import { pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';
import { fmt, shapeText } from '../js/render/format.js';

const state = createState({
  sentence: { type: 'string', default: book.tokens.join(' '), maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  q: { type: 'int', default: 1, min: 0, max: TOKEN_INDEX_MAX },
  xd: { type: 'int', default: 1, min: 1, max: 3 },
  yd: { type: 'int', default: 2, min: 1, max: 3 },
  step: { type: 'string', default: 'attn_scores', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
sentenceForm(state);
bind(state, 'seed', $('seed'));
bind(state, 'xd', $('xd'));
bind(state, 'yd', $('yd'));

/** @type {string[]} */
let tokens = [];
/** @type {import('../js/ui/embeddings.js').Embeddings | null} the embeddings on screen, which the predictions and exercises ask the core about */
let shown = null;
/** @type {number[][]} the embeddings on screen, for the buttons that type into the query's row */
let inputs = [];

/** Types `value` into dim 1 of the query's row (the query stays the query). @param {number} value */
function typeIntoQuery(value) {
  const q = Math.min(state.get('q'), tokens.length - 1);
  const row = inputs[q].slice();
  row[0] = value;
  setEmbeddingRow(state, tokens[q], row);
}
$('try-negative').addEventListener('click', () => typeIntoQuery(-1));
$('try-large').addEventListener('click', () => typeIntoQuery(60));
$('try-undo').addEventListener('click', () => state.set({ emb: '' }));

/**
 * The dot product's length effect on the book's own embeddings (whatever sentence is on screen):
 * the query "with" scores itself (its squared length) lower than it scores "journey".
 * @param {Record<string, any>} res  the core's `simplified` on book.inputs, with steps
 */
function drawDotExample(res) {
  /** @type {number[][]} */
  const scores = stepOf(res, 'attn_scores');
  const w = book.tokens.indexOf('with'), j = book.tokens.indexOf('journey');
  const box = clear($('dot-example'));
  const text = (/** @type {string} */ t) => box.appendChild(document.createTextNode(t));
  const num = (/** @type {number} */ x) => box.appendChild(el('strong', { class: 'num', text: fmt(x) }));
  text('With the book\'s embeddings, the query “with” scores itself ');
  num(scores[w][w]);
  text(' (its squared length) but “journey” ');
  num(scores[w][j]);
  text(': “journey” points a little away from “with”, yet its embedding is much longer (it scores itself ');
  num(scores[j][j]);
  text('). Pick “with” as the query above to see it in the bars.');
}
const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const square = step.shape.length === 2 && step.shape[0] === step.shape[1] && step.name !== 'inputs' && step.name !== 'context_vecs';
    return {
      rowLabels: tokens, colLabels: square ? tokens : step.value[0].map((/** @type {unknown} */ _, /** @type {number} */ j) => `dim ${j + 1}`),
      highlightRow: state.get('q'), nullText: 'NaN', heat: square, role: square ? null : 'x',
    };
  },
  code: (step) => {
    const helper = /** @type {Record<string, string>} */ ({ attn_weights_sum_normalized: 'sum_normalize_rows', attn_weights_softmax_naive: 'softmax_naive_rows', attn_weights: 'softmax_rows' })[step.name];
    /** @type {{ fn: string, hl?: RegExp }[]} */
    const list = [{ fn: 'simplified_attention' }];
    if (helper) list.push({ fn: helper, hl: /weights\(i, j\)/ });
    return list;
  },
});

/** @param {import('../js/ui/embeddings.js').Embeddings} data @param {Record<string, any>} res */
function draw(data, res) {
  tokens = data.tokens;
  inputs = data.inputs;
  const T = tokens.length, q = Math.min(state.get('q'), T - 1);
  tokenSelect($('query'), state, 'q', tokens);
  embeddingTable($('embedding-table'), state, data);

  const xd = state.get('xd') - 1, yd = state.get('yd') - 1;
  const all = data.inputs.flat();
  const lo = Math.min(0, Math.floor(Math.min(...all))), hi = Math.max(1, Math.ceil(Math.max(...all)));
  scatter($('scatter'), data.inputs.map((r) => [r[xd], r[yd]]), {
    labels: tokens, domain: [lo, hi], xLabel: `dim ${xd + 1}`, yLabel: `dim ${yd + 1}`, highlight: q,
    ariaLabel: `the embeddings as points: dim ${xd + 1} across, dim ${yd + 1} up`,
    onMove: (i, x, y) => {
      const row = data.inputs[i].slice();
      row[xd] = x; row[yd] = y;
      setEmbeddingRow(state, tokens[i], row);
    },
  });

  const row = (/** @type {string} */ name) => stepOf(res, name)[q];
  bars($('score-bars'), row('attn_scores'), tokens, { highlight: q, role: 'x' });
  bars($('bars-sum'), row('attn_weights_sum_normalized'), tokens, { highlight: q, role: 'w' });
  bars($('bars-naive'), row('attn_weights_softmax_naive'), tokens, { highlight: q, role: 'w', nullText: 'NaN' });
  bars($('bars-softmax'), row('attn_weights'), tokens, { highlight: q, role: 'w', max: 1 });
  vector($('z-vector'), res.context_vecs[q], { label: `z(${q + 1}) for “${isolate(tokens[q])}”` });
  $('try-negative').textContent = `Type −1 into “${isolate(tokens[q])}”, dim 1`;
  $('try-large').textContent = `Type 60 into “${isolate(tokens[q])}”, dim 1`;

  heatmap($('weights-heatmap'), res.attn_weights, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: 'Attention weights A (each row sums to 1)' });
  matrix($('context-matrix'), res.context_vecs, { rowLabels: tokens, colLabels: ['dim 1', 'dim 2', 'dim 3'].slice(0, res.context_vecs[0].length), caption: 'Context vectors Z = A·X', highlightRow: q, role: 'x' });
  stepper.update(res.steps, state.get('step'));
  shown = data;
  moments.forEach((m) => m.refresh());
}

runner(state, (current) => embeddings(state, 3).then((data) => {
  if (!current()) return;
  if ('error' in data) { showError($('sentence-error'), data.error); return false; }
  const example = run({ mechanism: 'simplified', inputs: book.inputs, steps: true });
  return Promise.all([run({ mechanism: 'simplified', inputs: data.inputs, steps: true }), example]).then(([res, bookRes]) => {
    if (!current()) return;
    if (!bookRes.error) drawDotExample(bookRes);
    if (res.error) { showError($('sentence-error'), res.error); return false; }
    showError($('sentence-error'), null);
    draw(data, res);
  });
}))();

// ---- predictions and exercises: each truth and each check is a request to the core, on the
// embeddings the page shows (the learner's edits included).

/** The index of the largest of a row the core returned (a choice read off its numbers, not a computation). @param {number[]} row */
const top = (row) => row.indexOf(Math.max(...row));
/** @param {number} i */
const quoted = (i) => `“${isolate(tokens[i])}”`;
/**
 * Asks the core (the simplified mechanism, with its steps) about the embeddings on screen, then
 * reads the answer with fn(res, at), `at` holding where each named token is; a sentence without
 * them, or a core error, resolves to { error }.
 * @template R
 * @param {string[]} names  the book's tokens the question is about
 * @param {(res: Record<string, any>, at: number[]) => R | Promise<R>} fn
 * @returns {Promise<R | { error: { message: string } }>}
 */
function ask(names, fn) {
  const data = shown;
  if (!data) return Promise.resolve({ error: { message: 'The lesson is still computing; try again in a moment.' } });
  const at = names.map((n) => data.tokens.indexOf(n));
  const missing = names.filter((_, k) => at[k] < 0);
  if (missing.length) return Promise.resolve({ error: { message: `This is about the book's sentence, and yours has no ${missing.map((n) => `“${n}”`).join(' or ')}: press “Book example” first.` } });
  return run({ mechanism: 'simplified', inputs: data.inputs, steps: true }).then((res) => (res.error ? { error: res.error } : fn(res, at)));
}
const tokenOptions = () => tokens.map((t, i) => ({ value: String(i), label: t }));

const moments = [
  predict($('predict-top'), {
    id: 'journey-top',
    title: 'Take “journey” as the query. Which token will it attend to most (the largest softmax weight)?',
    guess: pick({ legend: 'The token with the largest weight', options: tokenOptions }),
    veil: ['#score-bars', '#bars-sum', '#bars-naive', '#bars-softmax'],
    truth: () => ask(['journey'], (res, [q]) => {
      /** @type {number[]} */
      const w = res.attn_weights[q], t = top(w);
      const second = top(w.map((x, j) => (j === t ? -1 : x)));
      return { value: String(t), text: `${quoted(t)}, weight ${fmt(w[t])} (next: ${quoted(second)}, ${fmt(w[second])})`,
        why: t === q ? `A token is usually most similar to itself: its embedding points its own way, and its dot product with itself is its squared length. ${quoted(second)} points almost the same way, so it comes close.`
          : `${quoted(t)} out-scores the query itself: a dot product grows with the length of the vectors as well as with how well they line up.` };
    }),
  }),
  predict($('predict-with'), {
    id: 'with-score',
    title: 'Now the query “with”. Which key gives it the highest score ω (the dot product)?',
    guess: pick({ legend: 'The key with the highest score', options: tokenOptions }),
    veil: ['#score-bars'],
    truth: () => ask(['with'], (res, [q]) => {
      const row = stepOf(res, 'attn_scores')[q], t = top(row);
      return { value: String(t), text: `${quoted(t)}, score ${fmt(row[t])}; “with” with itself: ${fmt(row[q])}`,
        why: t === q ? '“with” lines up with itself best, and no other embedding is long enough to beat that.'
          : `A dot product measures length as well as direction: ${quoted(t)} is a longer vector than “with”, so even though it points a little away, its score beats “with” with itself.` };
    }),
  }),
  predict($('predict-shape'), {
    id: 'z-shape',
    title: 'A has one row per token and one column per token; X has one row per token and one column per dimension. What shape is Z = A X for this sentence?',
    guess: pick({ legend: 'The shape of Z (rows, columns)', options: () => {
      const T = tokens.length, d = shown ? shown.inputs[0].length : 3;
      return [[T, T], [T, d], [d, d], [d, T]].map((x) => shapeText(x)).filter((x, i, all) => all.indexOf(x) === i);
    } }),
    veil: ['#context-matrix'],
    truth: () => ask([], (res) => {
      const z = res.steps.find((/** @type {{ name: string }} */ x) => x.name === 'context_vecs');
      return { value: shapeText(z.shape), text: shapeText(z.shape),
        why: `Row q of A holds query q's ${z.shape[0]} weights; times X it mixes the ${z.shape[0]} embeddings into one vector of ${z.shape[1]} numbers: one context vector per token, each as wide as an embedding.` };
    }),
  }),
];

exercise($('exercise-one-step'), {
  id: 'one-attends-step',
  task: 'Edit the embeddings so that the query “one” attends most to “step”.',
  hint: 'A score is a dot product, so it grows when two vectors line up and when they are long. Try giving “step” a longer version of “one”’s own embedding, or shrinking the token that wins now.',
  // the way shown is asked of the core: "step" set to twice "one" (a proposal, not a result); the
  // numbers shown of it, the doubled embedding too, are the core's (its `inputs` step echoes them)
  solution: () => ask(['one', 'step'], (res, [q, k]) => {
    const row = shown ? shown.inputs[q].map((x) => 2 * x) : [];
    return run({ mechanism: 'simplified', inputs: (shown ? shown.inputs : []).map((r, i) => (i === k ? row : r)), steps: true }).then((two) => {
      if (two.error) return two.error.message;
      /** @type {number[]} */
      const step = stepOf(two, 'inputs')[k];
      const scores = stepOf(two, 'attn_scores')[q], t = top(two.attn_weights[q]);
      return `Give “step” twice the embedding of “one”: ${step.map((x) => fmt(x, 2)).join(', ')}. Then one·step = 2·|one|² = ${fmt(scores[k])}` +
        (t === k ? `, the highest score of “one”, and “step” gets ${fmt(two.attn_weights[q][k])}.` : `; here ${quoted(t)} still wins, so make it longer still.`);
    });
  }),
  check: () => ask(['one', 'step'], (res, [q, k]) => {
      /** @type {number[]} */
      const w = res.attn_weights[q], t = top(w);
      if (t === k) return { ok: true, message: `“one” now gives “step” ${fmt(w[k])}, more than any other token.` };
      return { ok: false, message: `“one” still attends most to ${quoted(t)} (${fmt(w[t])}); “step” gets ${fmt(w[k])}. Raise one·step above one·${tokens[t]} (scores ${fmt(stepOf(res, 'attn_scores')[q][k])} and ${fmt(stepOf(res, 'attn_scores')[q][t])}).` };
  }),
});

exercise($('exercise-negative'), {
  id: 'sum-breaks',
  task: 'Make dividing by the sum go wrong: edit one embedding so that, for the query “journey”, a divide-by-the-sum weight falls below 0 or rises above 1.',
  hint: 'The weight is ω / Σω. Make one of journey’s scores negative: give a token a large negative number in a dimension where “journey” is positive (all of its three are).',
  solution: () => ask(['journey', 'step'], (res, [q, k]) => {
    const row = shown ? shown.inputs[k].map((x, j) => (j === 0 ? -5 : x)) : [];
    return run({ mechanism: 'simplified', inputs: (shown ? shown.inputs : []).map((r, i) => (i === k ? row : r)), steps: true }).then((edited) => {
      if (edited.error) return edited.error.message;
      return `Set dim 1 of “step” to −5: journey·step becomes ${fmt(stepOf(edited, 'attn_scores')[q][k])}, and the weight of “step” divided by the sum ${fmt(stepOf(edited, 'attn_weights_sum_normalized')[q][k], 4, 'NaN')}.`;
    });
  }),
  check: () => ask(['journey'], (res, [q]) => {
      /** @type {(number | null)[]} */
      const w = stepOf(res, 'attn_weights_sum_normalized')[q];
      const bad = w.findIndex((/** @type {number | null} */ x) => x === null || x < 0 || x > 1);
      if (bad >= 0) return { ok: true, message: `“journey” now gives ${quoted(bad)} the weight ${fmt(w[bad], 4, 'NaN')}: not a share at all. Softmax, beside it, still gives ${fmt(res.attn_weights[q][bad])}.` };
      const lo = top(w.map((x) => -Number(x))), hi = top(w.map(Number));
      return { ok: false, message: `All of journey's divide-by-the-sum weights are still between 0 and 1 (from ${fmt(w[lo])} for ${quoted(lo)} to ${fmt(w[hi])} for ${quoted(hi)}). A score of journey must turn negative.` };
  }),
});
progressLine(document.getElementById('progress'));
