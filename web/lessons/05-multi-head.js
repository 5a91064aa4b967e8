// Lesson 5: multi-head attention (the core's `multihead` with `compare_wrapper`), the shapes as
// heads are split and merged, one heatmap per head, and `parameter_count` for GPT-2 small.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { CORE_LIMITS, EDITS_MAX, SEED_MAX, SENTENCE_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { fmt, shapeText } from '../js/render/format.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { tensorText } from '../js/render/tensor.js';
import { start } from '../js/ui/lesson.js';
import { DROPOUT_ONE_WHY, bind, bindRadios, dropoutFromLink, sentenceForm } from '../js/ui/controls.js';
import { showError, showErrorByField } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';
import { number, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

const state = createState({
  sentence: { type: 'string', default: book.tokens.join(' '), maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
  wseed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  d_out: { type: 'int', default: 2, min: 1, max: 16 },
  num_heads: { type: 'int', default: 2, min: 1, max: 8 },
  p: { type: 'number', default: 0, min: 0, max: 1 },
  causal: { type: 'bool', default: true },
  pd_in: { type: 'int', default: 768, min: 1, max: CORE_LIMITS.d },
  pd_out: { type: 'int', default: 768, min: 1, max: CORE_LIMITS.d },
  ph: { type: 'int', default: 12, min: 1, max: CORE_LIMITS.num_heads },
  pbias: { type: 'bool', default: false },
  step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
dropoutFromLink(state);
sentenceForm(state);
['seed', 'wseed', 'd_out', 'num_heads', 'causal', 'pd_in', 'pd_out', 'ph', 'pbias'].forEach((k) => bind(state, k, $(k)));
bind(state, 'p', $('p'), (p) => p.toFixed(2));
bindRadios(state, 'w', $('weights-source'));

const SHAPES = [
  ['inputs', 'T × d_in', 'the embeddings'],
  ['queries', 'T × d_out', 'one projection for all heads'],
  ['queries_split', 'num_heads × T × head_dim', 'columns cut into heads'],
  ['attn_weights', 'num_heads × T × T', 'one weight matrix per head'],
  ['context_heads', 'num_heads × T × head_dim', 'each head\'s output'],
  ['context_concat', 'T × d_out', 'heads side by side'],
  ['context_vecs', 'T × d_out', 'after W_o'],
];

/** @type {string[]} */
let tokens = [];
const dims = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `d${i + 1}`);
const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const last = step.shape[step.shape.length - 1];
    const square = last === tokens.length && /^(attn_|mask|dropout)/.test(step.name);
    const role = /** @type {Record<string, string>} */ ({ queries: 'q', keys: 'k', values: 'v', queries_split: 'q', keys_split: 'k', values_split: 'v', inputs: 'x' })[step.name];
    return { rowLabels: tokens, colLabels: square ? tokens : dims(last), heat: square, role, nullText: '−∞' };
  },
  code: (step) => {
    const hl = /** @type {Record<string, RegExp>} */ ({ queries_split: /queries_split\.push/, keys_split: /keys_split\.push/, values_split: /values_split\.push/,
      context_heads: /contexts\.push/, attn_weights: /heads\.push\(attend/ })[step.name];
    /** @type {{ fn: string, hl?: RegExp }[]} */
    const list = [{ fn: 'multihead_attention', hl }];
    if (/^attn_|^mask$|^dropout/.test(step.name)) list.push({ fn: 'attend' });
    return list;
  },
});

/** @param {import('../js/ui/embeddings.js').Embeddings} data @param {Record<string, any>} res */
function draw(data, res) {
  tokens = data.tokens;
  embeddingTable($('embedding-table'), state, data);
  const note = $('weights-note'), usesBook = state.get('w') === 'book', fits = state.get('d_out') === 2 && state.get('num_heads') === 2;
  note.hidden = !(usesBook && !fits);
  note.textContent = note.hidden ? '' : 'The book\'s example has d_out = 2 and 2 heads; for other sizes the weights are drawn from the seed.';

  const flow = clear($('shape-flow'));
  SHAPES.forEach(([name, symbols, what]) => {
    const st = (res.steps || []).find((/** @type {{ name: string }} */ x) => x.name === name);
    if (!st) return;
    flow.appendChild(el('li', null, [el('code', { class: 'shape-name', text: name }), el('span', { class: 'shape-num', text: shapeText(st.shape) }),
      el('span', { class: 'shape-sym', text: symbols }), el('span', { class: 'shape-what', text: what })]));
  });

  const maps = clear($('head-maps'));
  res.attn_weights.forEach((/** @type {number[][]} */ w, /** @type {number} */ h) => {
    const box = el('div');
    maps.appendChild(box);
    heatmap(box, w, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: `Head ${h + 1} of ${res.attn_weights.length}`, range: [0, 1] });
  });

  clear($('wrapper-diff'));
  $('wrapper-diff').appendChild(el('span', { text: 'Largest difference between the wrapper\'s heads and the split form\'s (wrapper_max_abs_diff): ' }));
  $('wrapper-diff').appendChild(el('strong', { class: 'num', text: res.wrapper_max_abs_diff === 0 ? '0' : res.wrapper_max_abs_diff.toExponential(2) }));

  const d = dims(state.get('d_out'));
  matrix($('m-concat'), stepOf(res, 'context_concat'), { caption: 'heads concatenated', rowLabels: tokens, colLabels: d, role: 'v' });
  matrix($('m-wout'), res.weights.W_out, { caption: 'W_out', rowLabels: d, colLabels: d });
  matrix($('m-context'), res.context_vecs, { caption: 'context_vecs (output)', rowLabels: tokens, colLabels: d, role: 'v' });
  stepper.update(res.steps, state.get('step'));
}

/** @param {Record<string, any>} res */
function drawCount(res) {
  showError($('param-error'), res.error || null);
  if (res.error) return;
  clear($('param-count'));
  $('param-count').appendChild(el('span', { text: 'Trainable parameters: ' }));
  $('param-count').appendChild(el('strong', { class: 'num', text: res.parameter_count.toLocaleString('en-US') }));
  $('param-count').appendChild(el('span', { class: 'muted', text: `  (head_dim ${res.head_dim})` }));
  $('param-wrapper').textContent = `The wrapper with ${state.get('ph')} full-size heads (each d_out wide, concatenated) would hold ` +
    `${res.parameter_count_wrapper.toLocaleString('en-US')} parameters and no output projection.`;
}

/**
 * The book's §3.6.1 output: its wrapper of two CausalAttention heads (seed 123) on a batch of
 * the sentence twice, one core request per batch element.
 * @param {Record<string, any>[]} batch
 */
function drawBookWrapper(batch) {
  const bad = batch.find((r) => r.error);
  $('book-wrapper-print').textContent = bad ? `The core could not compute this: ${bad.error.message}` : tensorText(batch.map((r) => r.context_vecs), 'context_vecs');
}
const BOOK_BATCH = [book.inputs, book.inputs];  // torch.stack((inputs, inputs), dim=0)
// OpenAI's GPT-2 small has qkv biases; the book's configuration (the default above) does not.
const GPT2_WITH_BIAS = { mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12, qkv_bias: true };

runner(state, (current) => {
  const gpt2 = run(GPT2_WITH_BIAS);  // sent first: the learner's own count stays the newest request
  const count = run({ mechanism: 'parameter_count', d_in: state.get('pd_in'), d_out: state.get('pd_out'), num_heads: state.get('ph'), qkv_bias: state.get('pbias') });
  const bookBatch = Promise.all(BOOK_BATCH.map((inputs) => run({ mechanism: 'multihead_wrapper', inputs, d_out: 2, num_heads: 2, weights: book.wrapper, dropout: 0 })));
  return Promise.all([embeddings(state, 3), count, bookBatch, gpt2]).then(([data, counted, wrapped, gpt2Count]) => {
    if (!current()) return;
    drawCount(counted);
    drawBookWrapper(wrapped);
    $('param-gpt2-bias').textContent = gpt2Count.error ? '?' : gpt2Count.parameter_count.toLocaleString('en-US');
    if ('error' in data) { showError($('sentence-error'), data.error); return false; }
    /** @type {Record<string, unknown>} */
    const req = { mechanism: 'multihead', inputs: data.inputs, d_out: state.get('d_out'), num_heads: state.get('num_heads'), causal: state.get('causal'),
      dropout: state.get('p'), seed: state.get('wseed'), compare_wrapper: true, steps: true };
    if (state.get('w') === 'book' && req.d_out === 2 && req.num_heads === 2) req.weights = book.multihead;
    return run(req).then((res) => {
      if (!current()) return;
      // errors about the sizes and the dropout rate go next to their controls (the core's field)
      showErrorByField(res.error, [
        { box: $('size-error'), fields: ['/num_heads', '/d_out'] },
        { box: $('p-error'), fields: ['/dropout'], why: DROPOUT_ONE_WHY },
      ], $('sentence-error'));
      if (res.error) return false;
      draw(data, res);
    });
  });
})();

// ---- predictions and exercises: on the book's example (§3.6.2: d_in = 3, d_out = 2, two heads,
// the weights of seed 123) and on GPT-2 small's sizes, whatever the view above shows. Each truth
// and each check is a request to the core.

/** @param {number} i */
const word = (i) => `“${book.tokens[i]}”`;
const LAST = book.tokens.length - 1;
/** The book's multi-head request, with other weights or sizes. @param {Record<string, unknown>} [extra] */
const bookRequest = (extra) => ({ mechanism: 'multihead', inputs: book.inputs, d_out: 2, num_heads: 2, weights: book.multihead, ...extra });
/** @param {number} n */
const count = (n) => n.toLocaleString('en-US');

predict($('predict-shape'), {
  id: 'output-shape',
  title: `The book’s example: ${book.tokens.length} tokens of d_in = 3, d_out = 2, num_heads = 2. What shape is the module’s output, context_vecs?`,
  guess: pick({ legend: 'The shape of context_vecs', options: () => [[6, 2], [2, 6, 1], [6, 4], [2, 6, 2]].map(shapeText) }),
  veil: ['#shape-flow', '#m-context'],
  truth: () => run({ ...bookRequest(), steps: true }).then((res) => {
    if (res.error) return { error: res.error };
    const st = res.steps.find((/** @type {{ name: string }} */ x) => x.name === 'context_vecs');
    const heads = res.steps.find((/** @type {{ name: string }} */ x) => x.name === 'context_heads');
    return { value: shapeText(st.shape), text: `${shapeText(st.shape)} (the heads’ outputs were ${shapeText(heads.shape)})`,
      why: 'Each head makes head_dim = d_out / num_heads columns; the heads are put side by side again, so the output is as wide as d_out, one row per token. (The book’s §3.6.1 wrapper adds a batch of 2 in front: (2, 6, 4), with its heads d_out wide each.)' };
  }),
});

predict($('predict-head-dim'), {
  id: 'head-dim',
  title: 'GPT-2 small: d_out = 768 split over num_heads = 12. How wide is each head (head_dim)?',
  guess: number({ label: 'head_dim', tolerance: 0 }),
  truth: () => run({ mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12, qkv_bias: false }).then((res) => (res.error ? { error: res.error } : {
    value: res.head_dim, text: String(res.head_dim),
    why: 'The single projection’s 768 columns are cut into 12 slices: each head works in a space of its own, and together they cost what one head of width 768 would.',
  })),
});

/** Parameter counts in words: the options, and the one the core's count falls in. */
const SIZES = [
  { value: 'k600', label: 'about 0.6 million', below: 1.2e6 }, { value: 'm2', label: 'about 2.4 million', below: 4.8e6 },
  { value: 'm7', label: 'about 7 million', below: 1.4e7 }, { value: 'm28', label: 'about 28 million', below: Infinity },
];
predict($('predict-params'), {
  id: 'gpt2-params',
  title: 'How many trainable parameters does GPT-2 small’s attention module hold (d_in = d_out = 768, 12 heads, no qkv bias, with the output projection)?',
  guess: pick({ legend: 'Parameters', options: () => SIZES.map(({ value, label }) => ({ value, label })) }),
  veil: ['#param-count', '#param-wrapper'],
  truth: () => run({ mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12, qkv_bias: false }).then((res) => {
    if (res.error) return { error: res.error };
    const n = res.parameter_count;
    const bin = SIZES.find((x) => n < x.below) || SIZES[SIZES.length - 1];
    return { value: bin.value, text: count(n),
      why: 'Three 768 × 768 projections, and the 768 × 768 output projection with its bias. The number of heads does not change it: the heads cut the same columns differently.' };
  }),
});

exercise($('exercise-heads'), {
  id: 'heads-differ',
  task: `Choose W_query and W_key so that the two heads attend differently: for the last token ${word(LAST)}, each head’s largest weight must be at least 0.3, on a different token than the other head’s.`,
  hint: 'Head 1 uses the first column of each matrix, head 2 the second. Larger scores make softmax sharper: scale a column up. A column with its sign flipped prefers the keys the other one avoids.',
  solution: 'Multiply every entry of both matrices by 10: the scores grow a hundredfold, and head 1 then attends most to “journey”, head 2 to “step”, each with about half of the weight.',
  fields: {
    caption: 'W_query, W_key: column h is head h', rows: ['d1', 'd2', 'd3'],
    cols: ['W_query h1', 'W_query h2', 'W_key h1', 'W_key h2'],
    value: () => {
      const W_query = /** @type {number[][]} */ (book.multihead.W_query), W_key = /** @type {number[][]} */ (book.multihead.W_key);
      return W_query.map((q, i) => [...q, ...W_key[i]]);
    },
  },
  check: (answer) => {
    const m = answer || [];
    const weights = { ...book.multihead, W_query: m.map((r) => r.slice(0, 2)), W_key: m.map((r) => r.slice(2, 4)) };
    return run(bookRequest({ weights })).then((res) => {
      if (res.error) return { error: res.error };
      /** @type {number[][]} the last token's row of each head */
      const rows = res.attn_weights.map((/** @type {number[][]} */ w) => w[LAST]);
      const peak = rows.map((row) => row.indexOf(Math.max(...row)));
      const said = rows.map((row, h) => `head ${h + 1} gives ${word(peak[h])} ${fmt(row[peak[h]])}`).join(', ');
      const sharp = rows.every((row, h) => row[peak[h]] >= 0.3);
      if (sharp && peak[0] !== peak[1]) return { ok: true, message: `${said}: one sentence, two projections, two ways to look at it.` };
      return { ok: false, message: `${said}. ${peak[0] === peak[1] ? 'Both peak on the same token. ' : ''}${sharp ? '' : 'A head’s largest weight is still under 0.3: its scores are too close to each other.'}` };
    });
  },
});

exercise($('exercise-budget'), {
  id: 'param-budget',
  task: 'Size a multi-head module for inputs of d_in = 768 (no qkv bias) with at least 8 heads and between 1,000,000 and 1,100,000 parameters.',
  hint: 'The count grows with d_out (three d_in × d_out projections, a d_out × d_out output projection and its bias); the heads do not change it, but num_heads must divide d_out.',
  solution: 'd_out = 384 with 8 heads (head_dim 48): 1,032,576 parameters.',
  fields: { caption: 'sizes', rows: ['module'], cols: ['d_out', 'num_heads'], value: () => [[768, 12]] },
  check: (answer) => {
    const [d_out, num_heads] = answer ? answer[0] : [0, 0];
    return run({ mechanism: 'parameter_count', d_in: 768, d_out, num_heads, qkv_bias: false }).then((res) => {
      if (res.error) return { error: res.error };
      const n = res.parameter_count, fits = n >= 1e6 && n <= 1.1e6;
      if (fits && num_heads >= 8) return { ok: true, message: `${count(n)} parameters, ${num_heads} heads of head_dim ${res.head_dim}.` };
      return { ok: false, message: `${count(n)} parameters (head_dim ${res.head_dim}): ${fits ? '' : n < 1e6 ? 'too few; make d_out larger. ' : 'too many; make d_out smaller. '}${num_heads >= 8 ? '' : `and ${num_heads} heads, fewer than 8.`}` };
    });
  },
});
progressLine(document.getElementById('answers'));
