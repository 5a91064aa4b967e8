// Lesson 2: simplified self-attention (no trainable weights), on the book's six tokens by default.
// Every number comes from the core's `simplified` mechanism and its steps.
import { create as createState } from '../js/state.js';
import { run } from '../js/engine/page.js';
import { book } from '../js/data.js';
import { EDITS_MAX, SEED_MAX, SENTENCE_MAX, TOKEN_INDEX_MAX } from '../js/limits.js';
import { el, clear, byId as $ } from '../js/render/dom.js';
import { fmt } from '../js/render/format.js';
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
