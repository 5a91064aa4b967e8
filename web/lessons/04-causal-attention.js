// Lesson 4: causal attention (the core's `causal`): the mask, both routes and their difference,
// dropout with its 1/(1−p) scaling, training and evaluation modes.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { fmt } from '../js/render/format.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { vector } from '../js/render/bars.js';
import { tensorText } from '../js/render/tensor.js';
import { start } from '../js/ui/lesson.js';
import { DROPOUT_ONE_WHY, bind, bindRadios, dropoutFromLink, sentenceForm } from '../js/ui/controls.js';
import { isolate, showError, showErrorByField } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';

const state = createState({
  sentence: { type: 'string', default: book.tokens.join(' '), maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
  wseed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  d_out: { type: 'int', default: 2, min: 1, max: 8 },
  p: { type: 'number', default: 0, min: 0, max: 1 },
  train: { type: 'bool', default: true },
  step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
dropoutFromLink(state);
sentenceForm(state);
bind(state, 'seed', $('seed'));
bind(state, 'wseed', $('wseed'));
bind(state, 'd_out', $('d_out'));
bind(state, 'p', $('p'), (p) => p.toFixed(2));
bindRadios(state, 'w', $('weights-source'));
bindRadios(state, 'train', $('mode'));
$('book-dropout').addEventListener('click', () => state.set({ sentence: book.tokens.join(' '), emb: '', w: 'book', d_out: 2, p: book.causal_dropout.p, train: true }));

/** @type {string[]} */
let tokens = [];
const dims = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `d${i + 1}`);
/** @type {Record<string, { fn: string, hl?: RegExp }[]>} */
const CODE = {
  mask: [{ fn: 'causal_attention' }, { fn: 'causal_mask', hl: /mask\(i, j\)/ }],
  attn_weights_unmasked: [{ fn: 'causal_attention' }, { fn: 'softmax_rows', hl: /exp|\/=/ }],
  attn_weights_masked_zero: [{ fn: 'causal_attention' }, { fn: 'zero_masked', hl: /\*=/ }],
  attn_weights_renormalized: [{ fn: 'causal_attention' }, { fn: 'sum_normalize_rows', hl: /weights\(i, j\)/ }],
  attn_scores_masked: [{ fn: 'attend', hl: /attn_scores_masked =/ }, { fn: 'fill_masked', hl: /neg_inf/ }],
  attn_weights: [{ fn: 'attend', hl: /attn_weights = softmax/ }, { fn: 'softmax_rows', hl: /exp|\/=/ }],
  dropout_mask: [{ fn: 'causal_attention', hl: /keep_mask/ }, { fn: 'draw_keep_mask', hl: /uniform/ }],
  attn_weights_dropped: [{ fn: 'attend', hl: /apply_dropout|used_weights =/ }, { fn: 'apply_dropout', hl: /keep_scale/ }],
  context_vecs: [{ fn: 'attend', hl: /context_vecs =/ }],
};
const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const square = step.shape[1] === tokens.length && /^(attn_|mask|dropout)/.test(step.name);
    const role = /** @type {Record<string, string>} */ ({ queries: 'q', keys: 'k', values: 'v', inputs: 'x' })[step.name];
    return { rowLabels: tokens, colLabels: square ? tokens : dims(step.shape[1]), heat: square, role, nullText: '−∞' };
  },
  code: (step) => {
    if (CODE[step.name]) return CODE[step.name];
    if (/^(queries|keys|values)$/.test(step.name)) return [{ fn: 'head_attention' }, { fn: 'project', hl: /matmul/ }];
    if (/^attn_scores/.test(step.name)) return [{ fn: 'attend' }];
    return [{ fn: 'causal_attention' }];
  },
});

/** @param {import('../js/ui/embeddings.js').Embeddings} data */
function request(data) {
  const d_out = state.get('d_out'), p = state.get('p'), usesBook = state.get('w') === 'book';
  /** @type {Record<string, unknown>} */
  const req = { mechanism: 'causal', inputs: data.inputs, d_out, seed: state.get('wseed'), dropout: p, training: state.get('train'), steps: true };
  if (usesBook && d_out === 2) req.weights = book.causal;
  // The book's own keep mask (PyTorch's generator cannot be reproduced) for its p = 0.5 example.
  if (usesBook && p === book.causal_dropout.p && data.inputs.length === book.causal_dropout.mask.length) req.dropout_mask = book.causal_dropout.mask;
  return req;
}

/** @param {string} id @param {unknown} value @param {string} caption @param {import('../js/render/heatmap.js').HeatmapOptions} [extra] */
function heat(id, value, caption, extra) {
  heatmap($(id), value, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption, ...extra });
}

/** @param {import('../js/ui/embeddings.js').Embeddings} data @param {Record<string, unknown>} req @param {Record<string, any>} res */
function draw(data, req, res) {
  tokens = data.tokens;
  embeddingTable($('embedding-table'), state, data);
  const note = $('weights-note');
  note.hidden = !(state.get('w') === 'book' && state.get('d_out') !== 2);
  note.textContent = note.hidden ? '' : `The book's weights are 3×2, so with d_out = ${state.get('d_out')} the weights are drawn from the seed instead.`;

  heat('route-a-zero', stepOf(res, 'attn_weights_masked_zero'), '(a) softmax, then future zeroed');
  heat('route-a', stepOf(res, 'attn_weights_renormalized'), '(a) rows renormalised', { range: [0, 1] });
  heat('route-b-scores', stepOf(res, 'attn_scores_masked'), '(b) scaled scores with −∞ above the diagonal');
  heat('route-b', stepOf(res, 'attn_weights'), '(b) softmax of the masked scores', { range: [0, 1] });
  clear($('routes-diff'));
  $('routes-diff').appendChild(el('span', { text: 'Largest difference between the two routes (routes_max_abs_diff): ' }));
  $('routes-diff').appendChild(el('strong', { class: 'num', text: res.routes_max_abs_diff.toExponential(2) }));

  const p = state.get('p');
  $('keep-scale').textContent = `Here p = ${p.toFixed(2)}: each kept weight is multiplied by 1/(1 − ${p.toFixed(2)}).`;
  /** @type {number[][] | undefined} */
  const dropped = stepOf(res, 'attn_weights_dropped');
  /** @type {number[][]} */
  const mask = stepOf(res, 'dropout_mask');
  const status = clear($('dropout-status'));
  if (dropped) {
    /** @type {number[][]} */
    const weights = stepOf(res, 'attn_weights');
    /** @type {[number, number] | null} */
    let example = null;
    mask.forEach((row, i) => row.forEach((keep, j) => { if (!example && keep === 1 && j <= i && i > 0) example = [i, j]; }));
    status.appendChild(document.createTextNode(`Dropout is acting${req.dropout_mask ? ' with the book\'s own keep mask (p = 0.5, six tokens)' : ''}. `));
    const [qi, kj] = example || [-1, -1];
    if (example) {
      status.appendChild(document.createTextNode(`For example, the weight of “${isolate(tokens[qi])}” on “${isolate(tokens[kj])}” was kept: `));
      status.appendChild(el('strong', { class: 'num', text: `${fmt(weights[qi][kj])} → ${fmt(dropped[qi][kj])}` }));
      status.appendChild(document.createTextNode(' after scaling. Rows of the dropped-out weights no longer add up to 1.'));
    }
    heat('dropout-mask', mask, 'Keep mask (1 = kept)', { range: [0, 1] });
    heat('dropped', dropped, 'Weights after dropout');
  } else {
    status.textContent = state.get('train') ? 'With p = 0 nothing is dropped: the weights pass through unchanged.' : 'Evaluation mode: dropout is switched off, whatever p is, and the weights pass through unchanged.';
    clear($('dropout-mask'));
    clear($('dropped'));
  }
  firstToken(res);
  matrix($('context-matrix'), res.context_vecs, { caption: 'Context vectors Z', rowLabels: tokens, colLabels: dims(res.context_vecs[0].length), role: 'v' });
  stepper.update(res.steps, state.get('step'));
}

/**
 * What the first token's context vector is in the view on screen: its one weight (after dropout,
 * when dropout acted), its context vector beside its value vector, and every token whose weights
 * were all dropped (its context vector is zero).
 * @param {Record<string, any>} res
 */
function firstToken(res) {
  /** @type {number[][]} */
  const used = stepOf(res, 'attn_weights_dropped') || stepOf(res, 'attn_weights');
  /** @type {number[][]} */
  const values = stepOf(res, 'values');
  const box = clear($('first-token'));
  const text = (/** @type {string} */ t) => box.appendChild(document.createTextNode(t));
  const vec = (/** @type {number[]} */ v, /** @type {string} */ role) => { const s = el('span'); box.appendChild(s); vector(s, v, { role }); };
  text(`Here: “${isolate(tokens[0])}” puts weight `);
  box.appendChild(el('strong', { class: 'num', text: fmt(used[0][0]) }));
  text(' on itself, so its context vector ');
  vec(res.context_vecs[0], 'v');
  text(' is that times its value vector ');
  vec(values[0], 'v');
  text('.');
  const gone = used.map((row, i) => (row.every((w) => w === 0) ? i : -1)).filter((i) => i >= 0);
  gone.forEach((i) => {
    text(` Every weight of “${isolate(tokens[i])}” was dropped: its context vector is `);
    vec(res.context_vecs[i], 'v');
    text('.');
  });
}

/**
 * The book's §3.5.3 output: its CausalAttention (seed 123, dropout 0) on a batch of the sentence
 * twice, one core request per batch element.
 * @param {Record<string, any>[]} batch
 */
function drawBookCausal(batch) {
  const bad = batch.find((r) => r.error);
  if (bad) { $('book-causal-print').textContent = `The core could not compute this: ${bad.error.message}`; return; }
  $('book-causal-print').textContent = tensorText(batch.map((r) => r.context_vecs), 'context_vecs');
  matrix($('book-causal-matrix'), batch[0].context_vecs, { caption: 'context_vecs[0] (batch element 0; element 1 is the same)', rowLabels: book.tokens, colLabels: dims(2), role: 'v' });
}
const BOOK_BATCH = [book.inputs, book.inputs];  // torch.stack((inputs, inputs), dim=0)

runner(state, (current) => Promise.all([embeddings(state, 3), Promise.all(BOOK_BATCH.map((inputs) => run({ mechanism: 'causal', inputs, d_out: 2, weights: book.causal_class, dropout: 0 })))]).then(([data, bookBatch]) => {
  if (!current()) return;
  drawBookCausal(bookBatch);
  if ('error' in data) { showError($('sentence-error'), data.error); return false; }
  const req = request(data);
  return run(req).then((res) => {
    if (!current()) return;
    // an error about the dropout rate goes next to its slider (the core's field: "/dropout")
    showErrorByField(res.error, [{ box: $('p-error'), fields: ['/dropout'], why: DROPOUT_ONE_WHY }], $('sentence-error'));
    if (res.error) return false;
    draw(data, req, res);
  });
}))();
