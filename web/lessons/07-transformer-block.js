// Lesson 7: inside a transformer block. The core's `transformer_block` (shuffled and not, with and
// without positions, with and without residuals, pre- or post-norm), `positional_encoding`,
// `layer_norm`, `feed_forward` (which also draws the activation curves), `gpt` and
// `gpt_parameter_count`. The page only moves rows back into place and compares printed numbers.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { DISPLAY_LIMIT, EDITS_MAX, SEED_MAX, SENTENCE_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { fmt, shapeText } from '../js/render/format.js';
import { heatmap } from '../js/render/heatmap.js';
import { matrix } from '../js/render/matrix.js';
import { bars, vector } from '../js/render/bars.js';
import { chart } from '../js/render/chart.js';
import { start } from '../js/ui/lesson.js';
import { bind, bindRadios, sentenceForm, tokenSelect } from '../js/ui/controls.js';
import { isolate, showError, showErrorByField } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner, step as stepOf } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';
import { book } from '../js/data.js';
import { number, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

/** The activation curves: the core's act(x) for x from −4 to 4 in steps of 0.1. */
const CURVE_X = Array.from({ length: 81 }, (_, i) => Number((-4 + i / 10).toFixed(1)));
/** The waves: 20 positions of a 16-wide encoding, and the columns plotted. */
const WAVE_T = 20, WAVE_DIM = 16, WAVE_COLS = [0, 1, 4, 6];

const state = createState({
  sentence: { type: 'string', default: 'Your journey starts with one step', maxLength: SENTENCE_MAX },
  seed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  emb: { type: 'string', default: '', maxLength: EDITS_MAX },
  emb_dim: { type: 'int', default: 4, min: 1, max: 12 },
  n_heads: { type: 'int', default: 2, min: 1, max: 4 },
  wseed: { type: 'int', default: 123, min: 0, max: SEED_MAX },
  order: { type: 'enum', default: 'pre', values: ['pre', 'post'] },
  act: { type: 'enum', default: 'gelu', values: ['gelu', 'relu'] },
  shuffle: { type: 'int', default: 0, min: 0, max: 999 },
  pe: { type: 'bool', default: false },
  tok: { type: 'int', default: 1, min: 0, max: DISPLAY_LIMIT - 1 },
  gamma: { type: 'number', default: 1, min: -3, max: 3 },
  beta: { type: 'number', default: 0, min: -3, max: 3 },
  res: { type: 'bool', default: true },
  box: { type: 'string', default: 'outputs', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  layers: { type: 'int', default: 2, min: 1, max: 4 },
  temp: { type: 'number', default: 1, min: 0.05, max: 3 },
  step: { type: 'string', default: 'residual1', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
sentenceForm(state);
['seed', 'wseed', 'emb_dim', 'n_heads', 'pe', 'res', 'layers'].forEach((k) => bind(state, k, $(k)));
bind(state, 'gamma', $('gamma'), (v) => v.toFixed(1));
bind(state, 'beta', $('beta'), (v) => v.toFixed(1));
bind(state, 'temp', $('temp'), (v) => v.toFixed(2));
bindRadios(state, 'order', $('order'));
bindRadios(state, 'act', $('act'));
$('shuffle-button').addEventListener('click', () => state.set({ shuffle: state.get('shuffle') % 999 + 1 }));
$('unshuffle-button').addEventListener('click', () => state.set({ shuffle: 0 }));

/**
 * The order of the shuffled sentence: order[k] is the original position of the word now at k.
 * Shuffle number s picks a permutation (Fisher–Yates on a small generator seeded with s); 0 is the
 * sentence's own order, and a shuffle never gives it back unchanged.
 * @param {number} T @param {number} s
 */
function permutation(T, s) {
  const order = Array.from({ length: T }, (_, i) => i);
  if (s === 0 || T < 2) return order;
  let r = s * 2654435761 % 4294967296;
  for (let i = T - 1; i > 0; i--) {
    r = (r * 1664525 + 1013904223) % 4294967296;
    const j = r % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  if (order.every((v, i) => v === i)) order.push(/** @type {number} */ (order.shift()));
  return order;
}

/** @type {string[]} */
let tokens = [];
const dims = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `d${i + 1}`);
const print = (/** @type {number[]} */ row) => row.map((x) => fmt(x)).join(' ');

/** How a step of the block is drawn: tokens down, columns (or tokens, for attention weights) across. @param {{ name: string, shape: number[] }} st */
function view(st) {
  const last = st.shape[st.shape.length - 1];
  const square = /attn_|mask/.test(st.name) && last === tokens.length;
  const vectorStep = st.shape.length === 1;
  return { rowLabels: vectorStep ? undefined : tokens, colLabels: vectorStep ? tokens : square ? tokens : dims(last), heat: true, nullText: '−∞' };
}

/** The C++ beside a step of the block: the block, and the sub-module the step is inside. @param {{ name: string }} st */
function codeFor(st) {
  const part = st.name.split('.')[0];
  const local = st.name.indexOf('.') > 0 ? st.name.slice(st.name.indexOf('.') + 1) : st.name;
  const inner = new RegExp(`"${local}"|\\b${local}\\s*=[^=]`);
  /** @type {{ fn: string, hl?: RegExp, title?: string }[]} */
  const list = [{ fn: 'transformer_block', hl: new RegExp(`"${part}"`) }];
  if (/^norm[12]\./.test(st.name)) list.push({ fn: 'layer_norm', hl: inner });
  if (/^ff\./.test(st.name)) list.push({ fn: 'feed_forward', hl: inner });
  if (/^att\./.test(st.name)) list.push({ fn: 'multihead_attention', hl: inner });
  if (/^pos_encoding|inputs_with_pos/.test(st.name)) list.push({ fn: 'sinusoidal_encoding', hl: /pe\(pos, j\) =/ });
  return list;
}
const stepper = createStepper($('stepper'), { onSelect: (name) => state.set({ step: name }), view, code: codeFor });

/** @typedef {Record<string, any>} Res */

/** Section 1: the outputs in the sentence's order, and the shuffled sentence's outputs moved back. @param {Res} plain @param {Res} shuffled @param {number[]} order */
function drawPositions(plain, shuffled, order) {
  const d = dims(state.get('emb_dim')), pe = state.get('pe');
  const isShuffled = order.some((v, i) => v !== i);
  $('shuffled-sentence').textContent = isShuffled ? `Shuffled: ${order.map((i) => isolate(tokens[i])).join(' ')}` : 'The words are in their own order: shuffle them.';
  // the row of the shuffled output that belongs to word i (at position k in the shuffled input)
  const back = tokens.map((_, i) => /** @type {number[]} */ (shuffled.outputs[order.indexOf(i)]));
  matrix($('m-plain'), plain.outputs, { caption: `block outputs, sentence order${pe ? ', with positions' : ', no positions'}`, rowLabels: tokens, colLabels: d, heat: true });
  matrix($('m-shuffled'), back, { caption: 'outputs of the shuffled sentence, rows moved back to each word', rowLabels: tokens, colLabels: d, heat: true });
  const list = el('ul', { class: 'same-rows', 'aria-label': 'each word: are its two printed rows the same?' });
  let same = 0;
  tokens.forEach((t, i) => {
    const equal = print(plain.outputs[i]) === print(back[i]);
    if (equal) same++;
    list.appendChild(el('li', { class: equal ? 'same' : 'moved', text: `${t} (now word ${order.indexOf(i) + 1}): ${equal ? 'same row' : 'different row'}` }));
  });
  const box = clear($('same-rows'));
  box.appendChild(el('p', { class: 'big-result', 'aria-live': 'polite', text: isShuffled
    ? `${same} of ${tokens.length} words print the same output after the shuffle (the page compares the core's two printed rows, to 4 decimals).`
    : 'Same order, same outputs: shuffle the words to compare.' }));
  if (isShuffled) box.appendChild(list);
}

/** Section 1: the encodings. @param {Res} waves @param {Res} sin @param {Res} learned */
function drawEncodings(waves, sin, learned) {
  const pos = Array.from({ length: WAVE_T }, (_, i) => String(i));
  heatmap($('pe-heatmap'), waves.pos_encoding, { rowLabels: pos, colLabels: dims(WAVE_DIM), rowTitle: 'position', colTitle: 'column', caption: `sinusoidal encoding, ${WAVE_T} positions × ${WAVE_DIM} columns`, range: [-1, 1], decimals: 2 });
  chart($('pe-waves'), WAVE_COLS.map((c, k) => ({
    label: `column ${c + 1} (${c % 2 ? 'cos' : 'sin'}, pair ${Math.floor(c / 2) + 1})`, cls: `wave-${k}`, marker: /** @type {const} */ (['circle', 'square', 'triangle', 'circle'])[k],
    points: waves.pos_encoding.map((/** @type {number[]} */ row, /** @type {number} */ p) => ({ x: p, y: row[c] })),
  })), { caption: 'four columns of the encoding against the position', xLabel: 'position', yLabel: 'PE', xName: 'position', x: { scale: 'linear' }, y: { scale: 'linear', min: -1, max: 1 }, tick: (v) => v.toFixed(1) });
  const d = dims(state.get('emb_dim'));
  const rows = tokens.map((_, i) => `pos ${i}`);
  matrix($('pe-sin'), sin.pos_encoding, { caption: `sinusoidal: ${sin.parameter_count} parameters`, rowLabels: rows, colLabels: d, heat: true, range: [-1, 1] });
  matrix($('pe-learned'), learned.pos_encoding, { caption: `learned pos_emb, drawn: ${learned.parameter_count} parameters`, rowLabels: rows, colLabels: d, heat: true });
}

/** Section 2: one token through the norm, and the whole matrices. @param {Res} ln */
function drawNorm(ln) {
  const i = Math.min(state.get('tok'), tokens.length - 1), d = dims(state.get('emb_dim'));
  const box = clear($('norm-token'));
  // the labels are formulas typeset at build time, in a <template>: line k takes the k-th
  const labels = /** @type {HTMLTemplateElement} */ ($('norm-labels')).content.children;
  /** @param {number} k @param {Node} node */
  const line = (k, node) => { const p = el('p'); p.appendChild(labels[k].cloneNode(true)); p.appendChild(document.createTextNode(' ')); p.appendChild(node); box.appendChild(p); };
  const vec = (/** @type {number[]} */ v, /** @type {string} */ role) => { const s = el('span'); vector(s, v, { role }); return s; };
  line(0, vec(stepOf(ln, 'inputs')[i], 'x'));
  line(1, el('strong', { class: 'num', text: fmt(ln.mean[i]) }));
  line(2, el('strong', { class: 'num', text: fmt(ln.var[i]) }));
  line(3, vec(stepOf(ln, 'norm_x')[i], 'v'));
  const scaled = el('span');
  scaled.append(`(γ = ${fmt(state.get('gamma'), 1)}, β = ${fmt(state.get('beta'), 1)}) `, vec(ln.outputs[i], 'v'));
  line(4, scaled);
  matrix($('m-norm-x'), stepOf(ln, 'norm_x'), { caption: 'norm_x: every row mean 0, variance 1', rowLabels: tokens, colLabels: d, heat: true, highlightRow: i });
  matrix($('m-norm-out'), ln.outputs, { caption: 'outputs: scaled and shifted', rowLabels: tokens, colLabels: d, heat: true, highlightRow: i });
}

/** Section 3. @param {Res} main @param {Res} other */
function drawResidual(main, other) {
  const d = dims(state.get('emb_dim'));
  const [withRes, without] = state.get('res') ? [main, other] : [other, main];
  matrix($('m-res-in'), stepOf(main, 'inputs_with_pos'), { caption: 'x: the block\'s input (with positions)', rowLabels: tokens, colLabels: d, heat: true });
  matrix($('m-res-with'), withRes.outputs, { caption: 'output with the shortcuts', rowLabels: tokens, colLabels: d, heat: true });
  matrix($('m-res-without'), without.outputs, { caption: 'output without them', rowLabels: tokens, colLabels: d, heat: true });
}

/** Section 4. @param {Res} main @param {Res} gelu @param {Res} relu */
function drawFeedForward(main, gelu, relu) {
  const hidden = /** @type {number[][]} */ (stepOf(main, 'ff.hidden')), activated = /** @type {number[][]} */ (stepOf(main, 'ff.activated'));
  const curve = (/** @type {Res} */ r) => CURVE_X.map((x, k) => ({ x, y: /** @type {number[][]} */ (stepOf(r, 'activated'))[k][0] }));
  const dots = hidden.flatMap((row, i) => row.map((x, j) => ({ x, y: activated[i][j] })));
  const act = state.get('act') === 'gelu' ? 'GELU' : 'ReLU';
  const all = [...CURVE_X, ...dots.map((p) => p.y)];
  chart($('act-chart'), [
    { label: 'GELU (curve)', cls: 'act-gelu', dots: false, points: curve(gelu) },
    { label: 'ReLU (curve)', cls: 'act-relu', dots: false, points: curve(relu) },
    { label: `this sentence through ${act}`, cls: 'act-dots', line: false, points: dots },
  ], { caption: `the activations, and the sentence's ${dots.length} pre-activations through ${act}`, xLabel: 'pre-activation x', yLabel: 'act(x)', xName: 'x',
    x: { scale: 'linear' }, y: { scale: 'linear', min: -1, max: Math.max(3, 4 * Math.ceil((Math.max(...all) + 1) / 4) - 1) }, tick: (v) => v.toFixed(0) });
  const dff = hidden[0].length, d = dims(state.get('emb_dim'));
  matrix($('m-ff-hidden'), hidden, { caption: `hidden = x·W1 + b1, T × ${dff}`, rowLabels: tokens, colLabels: dims(dff), heat: true });
  matrix($('m-ff-act'), activated, { caption: `${act}(hidden), T × ${dff}`, rowLabels: tokens, colLabels: dims(dff), heat: true });
  matrix($('m-ff-out'), stepOf(main, 'ff'), { caption: `ff = ${act}(hidden)·W2 + b2, T × ${d.length}`, rowLabels: tokens, colLabels: d, heat: true });
}

const KIND = /** @type {Record<string, string>} */ ({ norm1: 'norm', norm2: 'norm', att: 'att', ff: 'ff', residual1: 'add', residual2: 'add' });
const WHAT = /** @type {Record<string, string>} */ ({ inputs: 'token embeddings', pos_encoding: 'positions', inputs_with_pos: 'x = embeddings + positions',
  norm1: 'layer norm 1', att: 'multi-head attention (causal)', residual1: '+ shortcut', norm2: 'layer norm 2', ff: 'feed-forward', residual2: '+ shortcut', outputs: 'y: the block\'s output' });

/** Section 5: the core's top-level steps as the diagram, the chosen one's matrix. @param {Res} main */
function drawBlock(main) {
  const pre = state.get('order') === 'pre', res = state.get('res');
  // the four forms are typeset at build time; the one of this order and these shortcuts shows
  $('block-formula').querySelectorAll('[data-order]').forEach((f) => {
    if (f instanceof HTMLElement) f.hidden = f.dataset.order !== (pre ? 'pre' : 'post') || f.dataset.res !== (res ? '1' : '0');
  });
  /** @type {{ name: string, shape: number[], value: any }[]} */
  const boxes = main.steps.filter((/** @type {{ name: string }} */ s) => s.name.indexOf('.') < 0 && s.name !== 'pos_encoding');
  const chosen = boxes.find((b) => b.name === state.get('box')) || boxes[boxes.length - 1];
  // the box that had the focus gets it back after the redraw (the learner pressed it)
  const active = document.activeElement, list = clear($('block-diagram'));
  const had = active instanceof HTMLElement && active.dataset.box ? active.dataset.box : null;
  boxes.forEach((b) => {
    const button = el('button', { type: 'button', class: `block-box kind-${KIND[b.name] || 'io'}`, 'aria-pressed': String(b === chosen), 'data-box': b.name },
      [el('span', { text: `${b.name}: ${WHAT[b.name] || ''}` }), el('span', { class: 'box-shape', text: shapeText(b.shape) })]);
    button.addEventListener('click', () => state.set({ box: b.name }));
    list.appendChild(el('li', null, button));
    if (had === b.name) button.focus({ preventScroll: true });
  });
  $('box-name').textContent = chosen.name;
  $('box-shape').textContent = `shape ${shapeText(chosen.shape)}`;
  matrix($('box-value'), chosen.value, { caption: `${chosen.name}: ${WHAT[chosen.name] || ''}`, ...view(chosen) });
}

/** Section 6. @param {Res} gpt @param {string[]} vocab @param {Res} count @param {Res} countBias */
function drawPredict(gpt, vocab, count, countBias) {
  const flow = clear($('gpt-flow'));
  gpt.steps.filter((/** @type {{ name: string }} */ s) => /^(token_ids|tok_embeds|pos_embeds|embeddings|trf_blocks\.\d+|final_norm|logits|probas)$/.test(s.name))
    .forEach((/** @type {{ name: string, shape: number[] }} */ s) => flow.appendChild(el('li', null, [el('code', { class: 'shape-name', text: s.name }), el('span', { class: 'shape-num', text: shapeText(s.shape) })])));
  const last = gpt.logits.length - 1;
  bars($('logit-bars'), gpt.logits[last], vocab);
  bars($('proba-bars'), gpt.probas[last], vocab, { highlight: gpt.next_token_id, max: 1 });
  const table = clear($('gpt-params'));
  table.appendChild(el('caption', { text: 'parameters of GPT-2 small (the core\'s gpt_parameter_count)' }));
  table.appendChild(el('thead', null, el('tr', null, [el('th', { scope: 'col', text: '' }), el('th', { scope: 'col', text: 'no qkv bias (the book)' }), el('th', { scope: 'col', text: 'with qkv bias (OpenAI)' })])));
  const n = (/** @type {number} */ x) => x.toLocaleString('en-US');
  const rows = [['one block', count.parameter_counts.trf_block, countBias.parameter_counts.trf_block],
    ['the model, out_head its own', count.parameter_count_untied, countBias.parameter_count_untied],
    ['the model, out_head tied to tok_emb', count.parameter_count_tied, countBias.parameter_count_tied]];
  const body = el('tbody');
  rows.forEach(([label, a, b]) => body.appendChild(el('tr', null, [el('th', { scope: 'row', text: String(label) }), el('td', { class: 'num', text: n(Number(a)) }), el('td', { class: 'num', text: n(Number(b)) })])));
  table.appendChild(body);
}

runner(state, (current) => {
  const emb_dim = state.get('emb_dim'), n_heads = state.get('n_heads');
  const countReq = { mechanism: 'gpt_parameter_count' };
  const fixed = Promise.all([
    run({ mechanism: 'positional_encoding', kind: 'sinusoidal', T: WAVE_T, emb_dim: WAVE_DIM }),
    run({ mechanism: 'feed_forward', inputs: CURVE_X.map((x) => [x]), d_ff: 1, activation: 'gelu', weights: { W1: [[1]], b1: [0], W2: [[1]], b2: [0] }, steps: true }),
    run({ mechanism: 'feed_forward', inputs: CURVE_X.map((x) => [x]), d_ff: 1, activation: 'relu', weights: { W1: [[1]], b1: [0], W2: [[1]], b2: [0] }, steps: true }),
    run(countReq), run({ ...countReq, qkv_bias: true }),
  ]);
  return Promise.all([embeddings(state, emb_dim), fixed]).then(([data, fixedRes]) => {
    if (!current()) return;
    if ('error' in data) { showError($('sentence-error'), data.error); return false; }
    showError($('sentence-error'), null);
    const T = data.inputs.length;
    const order = permutation(T, state.get('shuffle'));
    const block = { mechanism: 'transformer_block', n_heads, activation: state.get('act'), norm_first: state.get('order') === 'pre', seed: state.get('wseed') };
    const demo = { ...block, causal: false, positional: state.get('pe') ? 'sinusoidal' : 'none' };
    const main = { ...block, inputs: data.inputs, positional: 'sinusoidal', residual: state.get('res'), steps: true };
    const vocab = data.tokens.filter((t, i) => data.tokens.indexOf(t) === i);
    const scale = Array(emb_dim).fill(state.get('gamma')), shift = Array(emb_dim).fill(state.get('beta'));
    return Promise.all([
      run(main),
      run({ ...main, residual: !state.get('res'), steps: false }),
      run({ ...demo, inputs: data.inputs }),
      run({ ...demo, inputs: order.map((i) => data.inputs[i]) }),
      run({ mechanism: 'positional_encoding', kind: 'sinusoidal', T, emb_dim }),
      run({ mechanism: 'positional_encoding', kind: 'learned', T, emb_dim, seed: state.get('wseed') }),
      run({ mechanism: 'layer_norm', inputs: data.inputs, weights: { scale, shift }, steps: true }),
      run({ mechanism: 'gpt', token_ids: data.tokens.map((t) => vocab.indexOf(t)), vocab_size: vocab.length, context_length: T, emb_dim, n_heads,
        n_layers: state.get('layers'), activation: state.get('act'), norm_first: state.get('order') === 'pre', temperature: state.get('temp'), seed: state.get('wseed'), steps: true }),
    ]).then((results) => {
      if (!current()) return;
      const failed = [...results, ...fixedRes].find((r) => r.error);
      // the sizes' errors next to the sliders (the core's field); anything else under the sentence
      showErrorByField(failed ? failed.error : null, [{ box: $('size-error'), fields: ['/n_heads', '/emb_dim'] }], $('sentence-error'));
      if (failed) return false;
      const [mainRes, otherRes, plain, shuffled, sin, learned, ln, gpt] = results;
      const [waves, gelu, relu, count, countBias] = fixedRes;
      tokens = data.tokens;
      embeddingTable($('embedding-table'), state, data);
      tokenSelect($('tok'), state, 'tok', tokens);
      drawPositions(plain, shuffled, order);
      drawEncodings(waves, sin, learned);
      drawNorm(ln);
      drawResidual(mainRes, otherRes);
      drawFeedForward(mainRes, gelu, relu);
      drawBlock(mainRes);
      drawPredict(gpt, vocab, count, countBias);
      stepper.update(mainRes.steps, state.get('step'));
    });
  });
})();

// ---- predictions and exercises: layer norm on the book's six embeddings, and GELU on single
// numbers, whatever the view above shows. Each truth and each check is a request to the core; a
// row's mean and variance too: a second layer_norm reports them (its `mean` and `var`) for the
// first one's outputs.

/**
 * Layer norm of the book's embeddings with one scale and one shift for every column, and the mean
 * and variance of each output row, as the core's second layer norm measures them.
 * @param {number} scale @param {number} shift
 * @returns {Promise<{ mean: number[], var: number[] } | { error: import('../js/engine/page.js').CoreError }>}
 */
function normed(scale, shift) {
  const d = book.inputs[0].length;
  return run({ mechanism: 'layer_norm', inputs: book.inputs, weights: { scale: Array(d).fill(scale), shift: Array(d).fill(shift) } })
    .then((res) => (res.error ? res : run({ mechanism: 'layer_norm', inputs: res.outputs })))
    .then((res) => (res.error ? { error: res.error } : { mean: res.mean, var: res.var }));
}
/** @param {number[]} xs */
const listed = (xs) => xs.map((x) => fmt(x)).join(', ');
/**
 * The core's activation of one number x (a feed-forward network of one unit, weights 1 and 0:
 * its `activated` step is act(x)).
 * @param {number} x @param {'gelu' | 'relu'} activation
 * @returns {Promise<{ y: number } | { error: import('../js/engine/page.js').CoreError }>}
 */
const activate = (x, activation) => run({ mechanism: 'feed_forward', inputs: [[x]], d_ff: 1, activation, weights: { W1: [[1]], b1: [0], W2: [[1]], b2: [0] }, steps: true })
  .then((res) => (res.error ? { error: res.error } : { y: stepOf(res, 'activated')[0][0] }));

predict($('predict-ln-mean'), {
  id: 'ln-mean',
  title: 'Layer norm with scale 1 and shift 0 on the book’s six embeddings (“Your journey starts with one step”, 3 numbers each): what is the mean of each output row?',
  guess: number({ label: 'The mean of a row', tolerance: 0.01 }),
  veil: ['#norm-token', '#m-norm-x'],
  truth: () => normed(1, 0).then((r) => ('error' in r ? r : {
    value: r.mean[0], text: `${fmt(r.mean[0])} (every row: ${listed(r.mean)})`,
    why: 'Subtracting the row’s own mean centres it: whatever the token, its numbers now balance around 0.',
  })),
});

predict($('predict-ln-var'), {
  id: 'ln-var',
  title: 'And the variance of each output row (divided by emb_dim, as nn.LayerNorm does)?',
  guess: number({ label: 'The variance of a row', tolerance: 0.01 }),
  truth: () => normed(1, 0).then((r) => ('error' in r ? r : {
    value: r.var[0], text: `${fmt(r.var[0])} (every row: ${listed(r.var)})`,
    why: 'Dividing by the standard deviation makes it 1; the ε = 1e-5 under the square root leaves it a hair below, most for a row whose numbers barely differ.',
  })),
});

/** GELU of a negative number in words: the options, and the one the core's value falls in. */
const SIGNS = [
  { value: 'small', label: 'negative, but small' }, { value: 'zero', label: 'exactly 0, as ReLU gives' },
  { value: 'same', label: 'about −1, the input itself' }, { value: 'positive', label: 'positive' },
];
/** @param {number} y */
const signOf = (y) => (y > 0 ? 'positive' : y === 0 ? 'zero' : y > -0.5 ? 'small' : 'same');
predict($('predict-gelu'), {
  id: 'gelu-negative',
  title: 'ReLU turns every negative number into 0. What does GELU, GPT-2’s activation, make of −1?',
  guess: pick({ legend: 'GELU(−1) is', options: () => SIGNS }),
  veil: ['#act-chart'],
  truth: () => Promise.all([activate(-1, 'gelu'), activate(-1, 'relu')]).then(([g, r]) => {
    if ('error' in g) return g;
    if ('error' in r) return r;
    return { value: signOf(g.y), text: `GELU(−1) = ${fmt(g.y)} (ReLU(−1) = ${fmt(r.y)})`,
      why: 'GELU weighs x by the chance that a standard normal variable falls below it: for −1 that chance is small but not 0, so a little of the negative number gets through. The curve is smooth where ReLU has a corner.' };
  }),
});

exercise($('exercise-ln'), {
  id: 'ln-target',
  task: 'Choose one scale and one shift (the same for every column) so that every row of the layer norm’s output has mean 3 and variance 4.',
  hint: 'Before scale and shift, every row has mean 0 and variance 1. The shift moves the mean; the scale stretches the spread, and the variance grows with its square.',
  solution: 'Scale 2, shift 3 (scale −2 works as well).',
  fields: { caption: 'layer norm weights', rows: ['every column'], cols: ['scale γ', 'shift β'], value: () => [[1, 0]] },
  check: (answer) => {
    const [scale, shift] = answer ? answer[0] : [1, 0];
    return normed(scale, shift).then((r) => {
      if ('error' in r) return r;
      const meanOk = r.mean.every((m) => Math.abs(m - 3) <= 0.01), varOk = r.var.every((v) => Math.abs(v - 4) <= 0.02);
      const said = `The rows’ means: ${listed(r.mean)}; their variances: ${listed(r.var)}`;
      if (meanOk && varOk) return { ok: true, message: `${said}. The learned γ and β give each column back the size and offset the next layer wants.` };
      return { ok: false, message: `${said}: ${meanOk ? '' : 'the mean is off (that is the shift’s job)'}${meanOk || varOk ? '' : '; '}${varOk ? '' : 'the variance is off (that is the scale’s)'}.` };
    });
  },
});

exercise($('exercise-gelu'), {
  id: 'gelu-min',
  task: 'Find a number x for which GELU(x) is below −0.15 (ReLU never goes below 0).',
  hint: 'GELU dips below zero only for negative x, and not by much: far to the left it comes back up to 0. Look where the curve above is lowest.',
  solution: 'x = −0.75, close to where GELU is lowest.',
  fields: { caption: 'input', rows: ['x'], cols: ['value'], value: () => [[1]] },
  check: (answer) => {
    const x = answer ? answer[0][0] : 0;
    return activate(x, 'gelu').then((r) => {
      if ('error' in r) return r;
      if (r.y < -0.15) return { ok: true, message: `GELU(${fmt(x, 2)}) = ${fmt(r.y)}: a negative input can come out negative, which ReLU never allows.` };
      return { ok: false, message: `GELU(${fmt(x, 2)}) = ${fmt(r.y)}, not below −0.15. ${x >= 0 ? 'For x ≥ 0 GELU is never negative.' : 'Close in: GELU is lowest not far left of 0.'}` };
    });
  },
});
progressLine(document.getElementById('answers'));
