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
import { bind, bindRadios, sentenceForm, tokenSelect } from '../js/ui/controls.js';
import { isolate, notice, showError } from '../js/ui/messages.js';
import { embeddings, embeddingTable } from '../js/ui/embeddings.js';
import { runner } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';
import { bar, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

const GERMAN = 'Kannst du mir helfen diesen Satz zu übersetzen';
// A long sentence for the bottleneck: the longer it is, the less of its first word is left.
const LONG = 'Kannst du mir bitte heute Abend nach der Arbeit helfen diesen langen Satz aus dem Buch ins Englische zu übersetzen';
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
  bpos: { type: 'int', default: 0, min: 0, max: TOKEN_INDEX_MAX },
  bword: { type: 'string', default: 'Willst', maxLength: 40 },
});
start(state);
keepDecoderInPlane();
sentenceForm(state);
bind(state, 'seed', $('seed'));
bind(state, 'rseed', $('rseed'));
bind(state, 'k', $('k'));
bindRadios(state, 'att', $('att-weights'));
bind(state, 'bword', $('bword'));
$('long-sentence').addEventListener('click', () => state.set({ sentence: LONG, emb: '' }));

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

/**
 * The alignment's caption says how the map was made: by hand (nothing learned), or by random,
 * untrained weights (nearly flat rows).
 * @param {[string, number][]} targets
 */
function alignmentCaption(targets) {
  const box = clear($('alignment-caption'));
  const text = (/** @type {string} */ t) => box.appendChild(document.createTextNode(t));
  text('Read the alignment row by row: for each word being written, how much the decoder looks at each source word. ');
  if (state.get('att') === 'seed') {
    text('With random, untrained attention weights the scores barely differ from word to word, so every row is nearly flat: the decoder looks at all the source words about equally and finds no translation. Learning the weights is what would make each row pick out its word; switch to the hand-set weights to see what such an alignment looks like.');
  } else if (targets === ENGLISH) {
    text('Nothing in this map is learned. We placed each English word\'s decoder state on the encoder state of the German word it translates (help on helfen, me on mir, translate on übersetzen), and the hand-set layer scores closeness, so a row is brightest where we put it, unless another word\'s encoder state happens to lie close by (change the RNN\'s seed to see that happen). The placement follows the word order: “help” reaches forward past “mir” to “helfen”, and “translate” to the last word, “übersetzen”, since German puts the infinitives at the end. A trained model has to learn such an alignment from examples.');
  } else {
    text('Nothing in this map is learned: step i\'s decoder state is placed on the encoder state of source word i, and the hand-set layer scores closeness, so a row is brightest there unless another word\'s encoder state lies close by.');
  }
  text(' This look-up on demand is what the transformer keeps, dropping the recurrence.');
}

/** @type {string[]} */
let tokens = [];
/** @type {{ data: import('../js/ui/embeddings.js').Embeddings, rnn: Record<string, any> } | null} what is on screen, which the predictions and exercises ask the core about */
let shown = null;
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
  alignmentCaption(targets);
  if (align) heatmap($('alignment'), align.attn_weights, { rowLabels: targets.map((t) => t[0]), colLabels: tokens, rowTitle: 'writing', colTitle: 'source', caption: 'Alignment: the weights for every word being written', range: [0, 1] });
  stepper.update(res.steps, state.get('step'));
  shown = { data, rnn };
  moments.forEach((m) => m.refresh());
}

/**
 * The bottleneck, measured by the core: the RNN on the sentence and on the sentence with word
 * `bpos` swapped (compare_inputs), and once more with the second-to-last word swapped.
 * @param {import('../js/ui/embeddings.js').Embeddings} data
 * @param {() => boolean} current
 */
function bottleneck(data, current) {
  const T = data.tokens.length, pos = Math.min(state.get('bpos'), T - 1), word = state.get('bword').trim();
  tokenSelect($('bpos'), state, 'bpos', data.tokens);
  return run({ mechanism: 'embed', tokens: [word], d_in: 3, seed: state.get('seed') }).then((swap) => {
    if (!current()) return undefined;
    if (swap.error) { showError($('bword-error'), swap.error); return false; }
    showError($('bword-error'), null);
    /** @param {number} j */
    const swapped = (j) => data.inputs.map((row, i) => (i === j ? swap.embeddings[0] : row));
    const base = { mechanism: 'rnn_encoder', inputs: data.inputs, d_out: 2, seed: state.get('rseed') };
    const later = T - 2;
    return Promise.all([run({ ...base, compare_inputs: swapped(pos) }), later > pos ? run({ ...base, compare_inputs: swapped(later) }) : null]).then(([res, late]) => {
      if (!current()) return undefined;
      if (res.error) { showError($('bword-error'), res.error); return false; }
      drawBottleneck(data.tokens, pos, word, res, late && !late.error ? late : null, later);
      return true;
    });
  });
}

/** A distance as printed: 4 decimals, or in powers of ten when it is smaller than that. @param {number} x */
function small(x) { return x !== 0 && Math.abs(x) < 5e-4 ? x.toExponential(1).replace('-', '−') : fmt(x); }

/**
 * @param {string[]} toks @param {number} pos @param {string} word
 * @param {Record<string, any>} res @param {Record<string, any> | null} late @param {number} later
 */
function drawBottleneck(toks, pos, word, res, late, later) {
  const T = toks.length, d = res.state_distance;
  bars($('bottleneck-bars'), d, toks.map((t, i) => `h${i + 1} ${t}`), { role: 'k', highlight: pos });
  const summary = clear($('bottleneck-summary'));
  const text = (/** @type {string} */ t) => summary.appendChild(document.createTextNode(t));
  const num = (/** @type {number} */ x) => summary.appendChild(el('strong', { class: 'num', text: small(x) }));
  text(`Swapping “${isolate(toks[pos])}” for “${isolate(word)}” moves its own state h${pos + 1} by `);
  num(d[pos]);
  if (pos === T - 1) text(', and that is the final state.');
  else { text(`; by the final state h${T} the difference is `); num(d[T - 1]); text('.'); }
  const note = clear($('bottleneck-later'));
  if (late) {
    note.appendChild(document.createTextNode(`The same swap made to a later word, “${isolate(toks[later])}” (word ${later + 1}), moves the final state by `));
    note.appendChild(el('strong', { class: 'num', text: small(late.state_distance[T - 1]) }));
    const clearer = late.state_distance[T - 1] > 10 * d[T - 1];
    note.appendChild(document.createTextNode(clearer ? '. The final state remembers the end of the sentence far better than its start.' : '.'));
  }
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
    return Promise.all([run(one), run(all), bottleneck(data, current)]).then(([res, aligned, measured]) => {
      if (!current()) return;
      if (res.error) { showError($('sentence-error'), res.error); return false; }
      showError($('sentence-error'), null);
      draw(data, rnn, res, aligned.error ? null : aligned, targets, tw, s);
      return measured === false ? false : undefined;
    });
  });
}))();

// ---- predictions and exercises: each truth and each check is a request to the core, on the
// encoder states the page shows (from the learner's embeddings and seeds).

/** The index of the largest of a row the core returned (a choice read off its numbers, not a computation). @param {number[]} row */
const top = (row) => row.indexOf(Math.max(...row));
/** @param {number} j */
const quoted = (j) => `“${isolate(tokens[j])}”`;

/**
 * Bahdanau attention over the encoder states on screen, for the decoder states `decoder(h, at)`
 * (h: the encoder states; at: where each named source word is) with the hand-set weights at focus
 * k (or the seeded ones when k is null); then fn(res, h, at). A sentence without those words, or
 * a core error, resolves to { error }.
 * @template R
 * @param {string[]} names
 * @param {number | null} k
 * @param {(h: number[][], at: number[]) => number[][]} decoder
 * @param {(res: Record<string, any>, h: number[][], at: number[]) => R} fn
 * @returns {Promise<R | { error: { message: string } }>}
 */
function attend(names, k, decoder, fn) {
  const now = shown;
  if (!now) return Promise.resolve({ error: { message: 'The lesson is still computing; try again in a moment.' } });
  const at = names.map((n) => now.data.tokens.indexOf(n));
  const missing = names.filter((_, i) => at[i] < 0);
  if (missing.length) return Promise.resolve({ error: { message: `This is about the German example, and your sentence has no ${missing.map((n) => `“${n}”`).join(' or ')}: press “German example” first.` } });
  const h = now.rnn.hidden_states;
  /** @type {Record<string, unknown>} */
  const request = { mechanism: 'additive', inputs: h, d_out: 4, seed: state.get('rseed'), decoder_state: decoder(h, at) };
  if (k !== null) request.weights = handWeights(k);
  return run(request).then((res) => (res.error ? { error: res.error } : fn(res, h, at)));
}
/** @param {number[]} v */
const point = (v) => `(${v.map((x) => fmt(x)).join(', ')})`;

const moments = [
  predict($('predict-bottleneck'), {
    id: 'bottleneck-size',
    title: 'The encoder reads the whole source sentence. Without attention, how many numbers does the decoder get about it, for every word it writes?',
    // the options in words: a count the page multiplied would be a number computed in JavaScript
    guess: pick({ legend: 'How many numbers', options: () => [
      { value: '2', label: '2' },
      { value: 'one-per-word', label: 'One per source word' },
      { value: 'two-per-word', label: 'Two per source word: every hidden state' },
      { value: 'three-per-word', label: 'Three per source word: all the embeddings' },
    ] }),
    veil: ['#rnn-chain'],
    truth: () => {
      const now = shown;
      if (!now) return Promise.resolve({ error: { message: 'The lesson is still computing; try again in a moment.' } });
      return run({ mechanism: 'rnn_encoder', inputs: now.data.inputs, d_out: 2, seed: state.get('rseed') }).then((res) => {
        if (res.error) return { error: res.error };
        const n = res.final_state.length;
        return { value: String(n), text: `${n}: the final hidden state ${point(res.final_state)}`,
          why: `Whatever the sentence's length (${res.hidden_states.length} words here), a plain decoder gets one state of ${n} numbers: every word must squeeze through it. That is the bottleneck attention removes.` };
      });
    },
  }),
  predict($('predict-help'), {
    id: 'help-weight',
    title: 'The decoder writes “help”, its state starting at the encoder state of “helfen”, with the hand-set weights at focus 6. How much of its attention goes to “helfen”?',
    guess: bar({ label: 'weight on “helfen”', min: 0, max: 1, step: 0.01, start: 0.5, tolerance: 0.15 }),
    veil: ['#attn-bars', '#alignment'],
    truth: () => attend(['helfen'], 6, (h, [j]) => [h[j]], (res, h, [j]) => {
      /** @type {number[]} */
      const w = res.attn_weights[0];
      const next = top(w.map((x, i) => (i === j ? -1 : x)));
      return { value: w[j], text: `${fmt(w[j])} on “helfen” (next: ${quoted(next)}, ${fmt(w[next])})`,
        why: `The hand-set score falls off with the distance from s to each encoder state; the state of ${quoted(next)}, ${point(h[next])}, lies near that of “helfen”, ${point(h[j])}, so it takes a share too. A larger focus narrows the bump.` };
    }),
  }),
  predict($('predict-random'), {
    id: 'random-alignment',
    title: 'Now replace the hand-set weights by random, untrained ones (from the seed). What will the alignment of the German example look like?',
    guess: pick({ legend: 'The alignment with random weights', options: () => [
      { value: 'own', label: 'Each English word still looks mostly at the German word it translates' },
      { value: 'even', label: 'Every word spreads its attention almost evenly over the German words' },
      { value: 'last', label: 'Every word looks mostly at the last German word' },
    ] }),
    truth: () => attend(['Kannst', 'übersetzen'], null, (h) => ENGLISH.map((t) => h[t[1]]), (res) => {
      /** @type {number[][]} */
      const w = res.attn_weights;
      const tops = w.map((row) => top(row));
      const largest = Math.max(...w.map((row) => row[top(row)]));
      const value = largest < 0.25 ? 'even' : tops.every((t, i) => t === ENGLISH[i][1]) ? 'own' : tops.every((t) => t === w[0].length - 1) ? 'last' : 'other';
      return { value, text: value === 'even' ? `Almost even: no weight above ${fmt(largest)} (an even share is 1/${w[0].length})` : `The largest weight is ${fmt(largest)}`,
        why: 'An untrained scoring network gives every encoder state about the same score, so softmax spreads the weight evenly. The sharp alignment of this page is set by hand; a real model gets it only by training.' };
    }),
  }),
];

exercise($('exercise-satz'), {
  id: 'attend-satz',
  task: 'Place the decoder state s so that the decoder attends most to “Satz”, with a weight above 0.5 (hand-set weights, at the focus of the slider in section 4).',
  hint: 'The hand-set score is largest where s is close to an encoder state. Find “Satz” in the plane of section 4 (or its state h in section 3) and put s on it; a larger focus helps when a neighbour is close.',
  solution: () => attend(['Satz'], state.get('k'), (h, [j]) => [h[j]], (res, h, [j]) =>
    `Put s exactly on the encoder state of “Satz”, ${point(h[j])}: at focus ${state.get('k')} it gets ${fmt(res.attn_weights[0][j])}` +
    (res.attn_weights[0][j] > 0.5 ? '.' : '; raise the focus to get it above 0.5.')),
  fields: { caption: 'decoder state s (yours)', rows: ['s'], cols: ['dim 1', 'dim 2'], value: () => [[0, 0]] },
  check: (m) => attend(['Satz'], state.get('k'), () => (m ? [m[0]] : [[0, 0]]), (res, h, [j]) => {
    /** @type {number[]} */
    const w = res.attn_weights[0];
    const t = top(w);
    if (t === j && w[j] > 0.5) return { ok: true, message: `“Satz” gets ${fmt(w[j])} of the attention, the most of any word.` };
    const where = `The encoder state of “Satz” is ${point(h[j])}`;
    if (t === j) return { ok: false, message: `“Satz” gets the most, but only ${fmt(w[j])}: move s closer to it (${where}) or raise the focus.` };
    return { ok: false, message: `The decoder attends most to ${quoted(t)} (${fmt(w[t])}); “Satz” gets ${fmt(w[j])}. ${where}.` };
  }),
});

exercise($('exercise-focus'), {
  id: 'smallest-focus',
  task: 'Writing “help” (s at the encoder state of “helfen”), find the smallest whole focus k at which “helfen” gets more than half of the attention.',
  hint: 'The focus scales W_dec and W_enc: the larger it is, the narrower the bump around s. Try a few values with the slider in section 4, word “help”, and watch the bar of “helfen”.',
  solution: () => {
    // the core's weight on "helfen" at every focus of the slider; the first above 0.5 is the answer
    const ks = Array.from({ length: 12 }, (_, i) => i + 1);
    return Promise.all(ks.map((f) => attend(['helfen'], f, (h, [j]) => [h[j]], (res, h, [j]) => /** @type {number} */ (res.attn_weights[0][j])))).then((ws) => {
      // a core that failed (restarting, or a sentence without “helfen”) says why, not "no focus does it"
      const failed = ws.find((w) => typeof w !== 'number');
      if (failed !== undefined) return failed;
      const first = ws.findIndex((w) => typeof w === 'number' && w > 0.5);
      if (first < 0) return 'With these seeds no focus up to 12 does it; try other seeds.';
      const below = first > 0 ? ` and ${fmt(ws[first - 1])} at k = ${first}` : '';
      return `k = ${first + 1}: “helfen” gets ${fmt(ws[first])} there${below}.`;
    });
  },
  fields: { caption: 'focus k (yours)', rows: ['k'], cols: ['value'], value: () => [[1]] },
  check: (m) => {
    const k = m ? m[0][0] : 1;
    if (!Number.isInteger(k) || k < 1 || k > 100) return Promise.resolve({ error: { message: `The focus is a whole number from 1 (the slider's range is 1 to 12); ${k} is not one.` } });
    // the learner's k and the one below it, in one request each
    const at = (/** @type {number} */ f) => attend(['helfen'], f, (h, [j]) => [h[j]], (res, h, [j]) => /** @type {number} */ (res.attn_weights[0][j]));
    return Promise.all([at(k), k > 1 ? at(k - 1) : Promise.resolve(null)]).then(([now, below]) => {
      if (typeof now !== 'number') return now;
      if (below !== null && typeof below !== 'number') return below;
      if (now <= 0.5) return { ok: false, message: `At k = ${k}, “helfen” gets ${fmt(now)}: not more than half yet.` };
      if (below !== null && below > 0.5) return { ok: false, message: `At k = ${k}, “helfen” gets ${fmt(now)}, but already at k = ${k - 1} it gets ${fmt(below)}: a smaller focus does it too.` };
      return { ok: true, message: `At k = ${k}, “helfen” gets ${fmt(now)}` + (below === null ? '.' : `, and at k = ${k - 1} only ${fmt(below)}.`) };
    });
  },
});
progressLine(document.getElementById('progress'));
