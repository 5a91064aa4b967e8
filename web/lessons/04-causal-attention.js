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
import { number, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

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

// ---- predictions and exercises: on the book's example (its embeddings, its weights from seed 789,
// its keep mask at p = 0.5), whatever the view above shows. Each truth and each check is a request
// to the core; a row's sum too: with W_value = 0 and b_value = 1 every value vector is all ones, so
// the core's context vector of token i is the sum of row i of the weights it used.

const T_BOOK = book.tokens.length;
/** @param {number} i */
const word = (i) => `“${book.tokens[i]}”`;
/** The book's causal request, with `extra` (dropout, mask, training). @param {Record<string, unknown>} [extra] */
const bookRequest = (extra) => ({ mechanism: 'causal', inputs: book.inputs, d_out: 2, weights: book.causal, ...extra });
/**
 * The sums of the rows of the weights the core used (dropped out, in training with p > 0), as the
 * context vectors over values of ones.
 * @param {Record<string, unknown>} [extra]
 * @returns {Promise<{ sums: number[] } | { error: import('../js/engine/page.js').CoreError }>}
 */
function rowSums(extra) {
  const d_in = book.inputs[0].length;
  const weights = { ...book.causal, W_value: Array.from({ length: d_in }, () => [0, 0]), b_query: [0, 0], b_key: [0, 0], b_value: [1, 1] };
  return run({ ...bookRequest(extra), qkv_bias: true, weights }).then((res) => (res.error ? { error: res.error }
    : { sums: res.context_vecs.map((/** @type {number[]} */ row) => row[0]) }));
}
const bookDropout = () => ({ dropout: book.causal_dropout.p, dropout_mask: book.causal_dropout.mask, training: true });

/** What a row's sum is, in words: the pick's options, and the bin the core's sum falls in. */
const SUM_BINS = [
  { value: 'zero', label: '0' }, { value: 'below', label: 'between 0 and 1' }, { value: 'one', label: 'exactly 1' }, { value: 'above', label: 'more than 1' },
];
/** @param {number} s */
const binOf = (s) => (Math.abs(s) < 1e-6 ? 'zero' : Math.abs(s - 1) < 1e-4 ? 'one' : s < 1 ? 'below' : 'above');

const ROW = 3;  // "with": four weights it may use

/**
 * The moments and exercises, built once the core answered the book's dropout example (one moment
 * names a kept weight and its value), all at once so that every item registers before the learner
 * can answer any (progress.js, and through it the platform's score).
 * @param {Record<string, any>} res
 */
function acts(res) {
  predict($('predict-row-sum'), {
    id: 'masked-row-sum',
    title: `After the mask (route b), ${word(2)} may see only “${book.tokens.slice(0, 3).join(' ')}”. What does its row of attention weights add up to?`,
    guess: number({ label: 'The row’s sum', tolerance: 0.01 }),
    veil: ['#route-a', '#route-b'],
    truth: () => rowSums({ training: false }).then((r) => ('error' in r ? r : {
      value: r.sums[2], text: `${fmt(r.sums[2])} (and every row: ${r.sums.map((s) => fmt(s, 2)).join(', ')})`,
      why: 'Softmax runs over the scores left: e^−∞ = 0 takes the future out of the sum it divides by, so what remains is shared out to 1, however few tokens a row may see.',
    })),
  });

  // the first weight below the diagonal that the book's mask keeps (a cell chosen, nothing computed)
  /** @type {number[][]} */
  const mask = res.dropout_mask;
  let qi = -1, kj = -1;
  mask.forEach((row, i) => row.forEach((keep, j) => { if (qi < 0 && keep === 1 && j <= i && i > 0) { qi = i; kj = j; } }));
  const before = res.attn_weights[qi][kj];
  predict($('predict-kept'), {
    id: 'kept-weight',
    title: `Before dropout, ${word(qi)} gives ${word(kj)} the weight ${fmt(before)}. Dropout at p = 0.5 keeps this one. What does it become?`,
    guess: number({ label: 'The kept weight after dropout', tolerance: 0.005 }),
    veil: ['#dropped'],
    truth: () => run(bookRequest(bookDropout())).then((r) => (r.error ? { error: r.error } : {
      value: r.attn_weights_dropped[qi][kj], text: `${fmt(r.attn_weights_dropped[qi][kj])} (it was ${fmt(r.attn_weights[qi][kj])})`,
      why: 'A kept weight is multiplied by 1/(1 − p) = 2 at p = 0.5, so that on average (over the masks) each weight keeps its size while half are dropped.',
    })),
  });

  predict($('predict-journey'), {
    id: 'journey-dropped',
    title: `Training with the book’s keep mask at p = 0.5: what does the row of ${word(1)} add up to after dropout?`,
    guess: pick({ legend: 'The row’s sum after dropout', options: () => SUM_BINS }),
    truth: () => rowSums(bookDropout()).then((r) => ('error' in r ? r : {
      value: binOf(r.sums[1]), text: `${fmt(r.sums[1])} (every row: ${r.sums.map((s) => fmt(s, 2)).join(', ')})`,
      why: `The mask dropped both weights ${word(1)} may use, so nothing is left: its context vector is 0. Other rows keep some weights, doubled, and add up to anything from 0 to 2.`,
    })),
  });

  exercise($('exercise-mask'), {
    id: 'mask-row-sum',
    task: `Training at p = 0.5: choose which of the four weights of ${word(ROW)} dropout keeps (1) or drops (0), so that its row sums to more than 1.5.`,
    hint: 'Every kept weight is doubled, so the kept ones must add up to more than 0.75 before dropout. Look at the row of “with” in the masked weights above.',
    solution: 'Keep all four (1, 1, 1, 1): the whole row, which sums to 1, is doubled. Dropping only its smallest weight also works.',
    fields: { caption: `keep mask of ${word(ROW)}`, rows: [book.tokens[ROW]], cols: book.tokens.slice(0, ROW + 1), value: () => [book.causal_dropout.mask[ROW].slice(0, ROW + 1)] },
    check: (answer) => {
      const row = answer ? answer[0] : [];
      // the rest of the mask is the book's; the learner's row, zero on the future the mask hides anyway
      const mask = book.causal_dropout.mask.map((r, i) => (i === ROW ? [...row, ...Array(T_BOOK - row.length).fill(0)] : r.slice()));
      return rowSums({ dropout: 0.5, dropout_mask: mask, training: true }).then((r) => {
        if ('error' in r) return r;
        const s = r.sums[ROW];
        return s > 1.5 ? { ok: true, message: `The row of ${word(ROW)} now sums to ${fmt(s)}: dropout can make a token attend to more than all of its context.` }
          : { ok: false, message: `The row of ${word(ROW)} sums to ${fmt(s)}, not yet more than 1.5. Keep more of its weights, or the larger ones.` };
      });
    },
  });

  exercise($('exercise-ignore'), {
    id: 'ignore-first',
    task: `Edit the embedding of ${word(0)} (three numbers) so that every later token gives ${word(0)} the smallest of its weights (masked, no dropout).`,
    hint: `A weight follows its score, the dot product of a token’s query with the key of ${word(0)}: make that key point away from the other tokens’ queries. Their embeddings are all positive; try large negative numbers.`,
    solution: 'Set it to −3, −3, −3: its key turns against every query, and each row gives it less than any other token it may see.',
    fields: { caption: `embedding of ${word(0)}`, rows: [book.tokens[0]], cols: ['d1', 'd2', 'd3'], value: () => [book.inputs[0].slice()] },
    check: (answer) => {
      const inputs = book.inputs.map((r, i) => (i === 0 && answer ? answer[0] : r.slice()));
      return run({ ...bookRequest({ training: false }), inputs }).then((res) => {
        if (res.error) return { error: res.error };
        /** @type {number[][]} */
        const w = res.attn_weights;
        // rows whose weight on the first token is not the least among the tokens the row may see
        const off = w.map((row, i) => i).filter((i) => i > 0 && w[i].slice(0, i + 1).some((x, j) => j > 0 && x < w[i][0]));
        if (!off.length) return { ok: true, message: `Every later token now gives ${word(0)} its smallest weight (${word(T_BOOK - 1)}: ${fmt(w[T_BOOK - 1][0])}). The mask lets a token see the past; it does not make it look there.` };
        const i = off[0], seen = w[i].slice(0, i + 1);
        // the token this row weighs least, after the first (a cell picked from the core's numbers)
        const least = seen.indexOf(Math.min(...seen.slice(1)), 1);
        return { ok: false, message: `${off.length} of ${T_BOOK - 1} rows still give ${word(0)} more than some other token: ${word(i)} gives it ${fmt(w[i][0])}, more than the ${fmt(w[i][least])} it gives ${word(least)}.` };
      });
    },
  });
  progressLine(document.getElementById('answers'));
}
run(bookRequest(bookDropout())).then((res) => {
  if (res.error) showError($('predict-row-sum'), res.error);
  else acts(res);
});
