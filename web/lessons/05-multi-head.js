// Lesson 5: multi-head attention (the core's `multihead` with `compare_wrapper`), the shapes as
// heads are split and merged, one heatmap per head, and `parameter_count` for GPT-2 small.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { CORE_LIMITS, EDITS_MAX, SEED_MAX, SENTENCE_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { shapeText } from '../js/render/format.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { tensorText } from '../js/render/tensor.js';
import { start } from '../js/ui/lesson.js';
import { DROPOUT_ONE_WHY, bind, bindRadios, dropoutFromLink, sentenceForm } from '../js/ui/controls.js';
import { showError, showErrorByField } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';

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
