// Lesson 8: watch attention learn. A small GPT (the core's Trainer) trains on a task in this tab,
// in the train worker or, where none can start, on the page in short slices (train/session.js);
// the page plots the loss and the held-out accuracy, redraws every head's attention on the task's
// probe as it trains (and keeps snapshots to replay), predicts the learner's own sequence, switches
// heads off (ablation) and names the head that found the task's pattern from the core's per-head
// scores (evaluation.source_attention). Every number shown is the core's; the page only times the
// steps. The URL holds the task, the model, the learning rate and the seed.
import { create as createState, parse } from '../js/state.js';
import { generations, run, workerReason } from '../js/engine/page.js';
import { openSession, prepareWorker, SessionError } from '../js/train/session.js';
import { SEED_MAX } from '../js/limits.js';
import { code } from '../js/data.js';
import { el, clear, byId as $, inputById } from '../js/render/dom.js';
import { chart } from '../js/render/chart.js';
import { code as showCode } from '../js/render/code.js';
import { updateHeatmap } from '../js/render/heatmap.js';
import { fmt } from '../js/render/format.js';
import { start } from '../js/ui/lesson.js';
import { bind } from '../js/ui/controls.js';
import { isolate, showError, showErrorByField } from '../js/ui/messages.js';
import { runner } from '../js/ui/runner.js';
import { number, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';
import { program } from '../js/pytorch/program.js';
import { copyText, download } from '../js/render/export.js';
import { gptWeights } from '../js/train/weights.js';

/** @typedef {import('../js/engine/train.js').TrainSettings} TrainSettings */
/** @typedef {import('../js/engine/train.js').ModelInfo} ModelInfo */
/** @typedef {import('../js/engine/train.js').Evaluation} Evaluation */
/** @typedef {import('../js/train/session.js').Session} Session */

const TASKS = ['copy', 'reverse', 'sort', 'induction', 'agreement'];
const WIDTHS = ['16', '24', '32', '48', '64'];
const RATES = ['0.0003', '0.001', '0.003', '0.01', '0.03'];

const state = createState({
  task: { type: 'enum', default: 'induction', values: TASKS },
  n_layers: { type: 'int', default: 2, min: 1, max: 2 },
  n_heads: { type: 'int', default: 2, min: 1, max: 4 },
  emb_dim: { type: 'enum', default: '32', values: WIDTHS },
  lr: { type: 'enum', default: '0.003', values: RATES },
  seed: { type: 'int', default: 1, min: 0, max: SEED_MAX },
  auto: { type: 'bool', default: true },    // 0: open paused at step 0 instead of training at once
  worker: { type: 'bool', default: true },  // 0: train on the page even where a worker could start
});
start(state);
['task', 'n_layers', 'n_heads', 'emb_dim', 'lr', 'seed'].forEach((key) => bind(state, key, $(key)));

// How long one slice of steps may take: on the page it holds the thread, so it stays well under the
// 100 ms in which a click should be answered; in the worker it only sets how often the page hears.
const SLICE_MS = { page: 20, worker: 60 };
// The held-out accuracy is measured, plotted and kept as a replay snapshot every 10 steps: by step
// count, not by time, so that the same link stops training at the same step on any computer.
const EVAL_EVERY_STEPS = 10;
const HEADS_EVERY_MS = 600;    // how often the heads are redrawn while training (the page's heaviest drawing)
// Held-out sequences the accuracy is measured on: enough for a steady percentage (over a thousand
// scored tokens), few enough that one evaluation on the page stays well inside a click's 100 ms.
const EVAL_SEQUENCES = 128;
const STEP_BUDGET = 3000;      // steps one press of Train runs at most, should the target not be reached
const MAX_SNAPSHOTS = 80;
const MAX_LOSS_POINTS = 400;

/** In what words each task is set, and which pattern of attention solves it (our words; the core's sentence follows). */
const ABOUT = {
  copy: 'The model reads a few letters, a bar |, and must write the same letters again. After the bar, the letter to write next always sits the same distance back: one head that looks exactly that far back solves it, and its map shows a stripe parallel to the diagonal.',
  reverse: 'The model reads a few letters and a bar |, then must write them backwards. The first letter out is the last one in, the second the one before it: the distance grows by two at every step, so the head that solves it draws an anti-diagonal, a stripe running the other way.',
  sort: 'The model reads a few distinct numbers and a bar |, then must write them in increasing order. Having just written a number, the next one out is the smallest input larger than it: a head that finds that input, wherever it sits, solves it. Its map has no fixed shape: it follows the values.',
  induction: 'A few random letters repeat over and over, with a period that changes from sequence to sequence, so no fixed distance back works. To guess the next letter, find where the current letter appeared before and read what followed it. That takes two heads in two layers: in layer 1 a previous-token head (a stripe just below the diagonal) tells each position which letter came before it; in layer 2 an induction head looks for the position whose previous letter is the current one. With one layer the model cannot do it: try n_layers = 1.',
  agreement: 'Short sentences such as "the cat saw the dogs . it": after the full stop the model must choose "it" or "they", and the right one depends on the first noun, the subject, not on the nearer one. At the full stop one head looks back at the subject: attention with a meaning in language.',
};

/** @param {number} x */
const pct = (x) => `${(100 * x).toFixed(1)}%`;

// ---- the model and the session ------------------------------------------------------------------

/** @type {Session | null} */
let session = null;
let sessionKey = '';       // the settings the session was opened for (JSON)
let sessionGeneration = 0; // the page's module generation a page session lives on
/** @type {ModelInfo | null} */
let info = null;
/** @type {Evaluation | null} the newest evaluation with every head on */
let latest = null;
/** @type {'idle' | 'running' | 'paused' | 'trained' | 'error'} */
let phase = 'idle';
let loopId = 0;            // bumped to stop a running loop
let stepsDone = 0, trainMs = 0, wallMs = 0;
let firstStep = 0;         // the step the model was at when this history began: the file's, after a load
let loaded = false;        // the weights came from a file: trained, whatever its step count says
/** @type {number[]} every step's loss */
let losses = [];
/** @type {{ x: number, y: number }[]} */
let accuracy = [];
/** @type {{ step: number, evaluation: Evaluation }[]} */
let snapshots = [];
let following = true;      // the replay slider follows the newest snapshot
/** @type {boolean[][]} heads switched off, [layer][head] */
let off = [];
/** @type {import('../js/engine/train.js').HeadEffects | null} each head off alone, as the core measured it */
let carried = null;
/** @type {{ weights: Float32Array, name: string, steps: number } | null} a file's weights, waiting for their model */
let pendingLoad = null;

/** @returns {TrainSettings} */
function settings() {
  return { task: state.get('task'), n_layers: state.get('n_layers'), n_heads: state.get('n_heads'),
    emb_dim: Number(state.get('emb_dim')), lr: Number(state.get('lr')), seed: state.get('seed'), eval_sequences: EVAL_SEQUENCES };
}

/** @param {'worker' | 'page'} mode @param {string} [reason] */
function setMode(mode, reason) {
  document.body.setAttribute('data-train-mode', mode);
  $('train-mode').textContent = mode === 'worker'
    ? 'Training in a background worker: the page stays free while it runs.'
    : `Training on this page, a few steps at a time (${reason}); the page answers between the slices.`;
}

/** Enables or disables a control, but never enables one the author of an embed link locked. @param {string} id @param {boolean} on */
function enable(id, on) { inputById(id).disabled = !on || $(id).hasAttribute('data-locked'); }

/** @param {typeof phase} next @param {string} [text] */
function setPhase(next, text) {
  phase = next;
  document.body.setAttribute('data-train', next);
  const focused = document.activeElement;
  const ready = !!session;
  enable('train', ready && next !== 'running');
  enable('pause', ready && next === 'running');
  enable('step-once', ready && next !== 'running');
  enable('reset', true);  // also while a model is built: it starts building again (and keeps the focus)
  enable('save-weights', ready && next !== 'running');
  enable('load-file', next !== 'running');
  enable('measure-heads', ready && next !== 'running' && (stepsDone > 0 || loaded));
  document.querySelectorAll('#head-switches input').forEach((box) => enable(box.id, ready && next !== 'running'));
  enable('snapshot', snapshots.length > 1);
  if (text !== undefined) $('train-status').textContent = text;
  // a focused button that just disabled itself would drop the focus to the page: it goes to the one
  // taking over (Train starts: Pause; Pause or the target stops it: Train)
  if (focused instanceof HTMLButtonElement && focused.disabled && ['train', 'pause', 'step-once'].includes(focused.id)) {
    const to = ['pause', 'train', 'reset'].map((id) => inputById(id)).find((b) => !b.disabled);
    if (to) to.focus();
  }
}

/** Closes the session and forgets its training. */
function closeSession() {
  loopId++;
  if (session) session.close();
  session = null;
  sessionKey = '';
}

/** @param {number} [steps] the steps the model has already taken (a loaded file's) */
function clearHistory(steps = 0) {
  stepsDone = steps; firstStep = steps; loaded = false; trainMs = 0; wallMs = 0;
  losses = []; accuracy = []; snapshots = []; following = true;
  carried = null;
  off = info ? Array.from({ length: state.get('n_layers') }, () => Array(state.get('n_heads')).fill(false)) : [];
}

/**
 * Opens a fresh session for the current settings (the model at its seed's initial weights), draws
 * it at step 0, and starts training when asked to.
 * @param {() => boolean} current @param {boolean} train
 */
function openFresh(current, train) {
  closeSession();
  const mine = ++opens;
  const wanted = settings();
  const key = JSON.stringify(wanted);
  setPhase('idle', 'Building the model…');
  const reason = workerReason(state.get('worker'));
  const opened = openSession(wanted, !reason, (why) => setMode('page', why));
  /** @type {Promise<boolean>} */
  const built = opened.then(({ session: made, info: model, evaluation }) => {
    // a newer open (Reset while the runner's was building, or the other way round) takes its place
    if (mine !== opens) { made.close(); return newest; }
    if (!current() || key !== JSON.stringify(settings())) { made.close(); return false; }
    if (session) session.close();
    session = made;
    sessionKey = key;
    sessionGeneration = generations();
    info = model;
    setMode(made.mode, reason || undefined);
    clearHistory();
    drawModel();
    headMoment.refresh();
    record(evaluation);
    inputById('sequence').value = names(evaluation.probe.inputs);
    drawProgress();
    setPhase('paused', `Step 0: the weights as the seed drew them. Held-out token accuracy ${pct(evaluation.token_accuracy)}.`);
    drawAll();
    if (pendingLoad) return applyLoad().then(() => true);
    if (train) startTraining();
    return true;
  }, (e) => {
    if (mine !== opens) return newest;
    if (!current()) return false;
    setPhase('error', `The model could not be built: ${e instanceof Error ? e.message : e}`);
    return false;
  });
  newest = built;
  return built;
}
let opens = 0;  // every open counts here, whoever asked for it: only the newest one's model is taken
/** @type {Promise<boolean>} the newest open's answer, which an older one hands on */
let newest = Promise.resolve(false);

// ---- training --------------------------------------------------------------------------------

/** @param {Evaluation} ev */
function record(ev) {
  latest = ev;
  accuracy.push({ x: stepsDone, y: ev.token_accuracy });
  snapshots.push({ step: stepsDone, evaluation: ev });
  if (snapshots.length > MAX_SNAPSHOTS) {
    // keep the first, the newest and every other one between: early steps, where the pattern forms, stay
    snapshots = snapshots.filter((_, i) => i === 0 || i === snapshots.length - 1 || i % 2 === 1);
  }
}

const yieldToPage = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Train: runs slices of steps until the held-out token accuracy reaches the task's target (or the budget). */
function startTraining() {
  if (!session || phase === 'running') return;
  const s = session;
  const id = ++loopId;
  const budgetEnd = stepsDone + STEP_BUDGET;
  // running at once, so no switch, measurement or reveal starts; those already queued (measuring each
  // head switches heads off) finish before the first step
  setPhase('running', 'Training…');
  serial(() => switchAllOn()).then(() => {
    if (id !== loopId) return;
    let perStep = 5;  // ms, until measured
    const began = performance.now();
    const wallBefore = wallMs;
    const loop = () => {
      if (id !== loopId) return;
      const nextEval = (Math.floor(stepsDone / EVAL_EVERY_STEPS) + 1) * EVAL_EVERY_STEPS;  // a slice ends there at the latest
      const n = Math.max(1, Math.min(Math.round(SLICE_MS[s.mode] / perStep), nextEval - stepsDone, budgetEnd - stepsDone));
      s.train(n).then((out) => {
        // steps the trainer took count even when Pause came first: the counter stays the trainer's
        if (s !== session) return null;
        trainMs += out.ms;
        stepsDone += n;
        out.losses.forEach((x) => losses.push(x));
        wallMs = wallBefore + performance.now() - began;
        drawProgress();
        if (id !== loopId) return null;
        perStep = Math.max(0.05, out.ms / n);
        const due = stepsDone % EVAL_EVERY_STEPS === 0 || stepsDone >= budgetEnd;
        if (!due) return 'go';
        return s.evaluate().then((ev) => {
          if (id !== loopId) return null;
          record(ev);
          drawAll();
          if (info && ev.token_accuracy >= info.target_accuracy) return 'trained';
          return stepsDone >= budgetEnd ? 'budget' : 'go';
        });
      }).then((next) => {
        if (next === null || id !== loopId) return;
        if (next === 'go') { yieldToPage().then(loop); return; }
        wallMs = wallBefore + performance.now() - began;
        drawProgress();
        drawHeads();  // the newest snapshot, whenever the last redraw of the heads was
        if (next === 'trained') {
          setPhase('trained', `Trained: ${pct(latest ? latest.token_accuracy : 0)} of the held-out tokens right after ${stepsDone} steps (the task's target is ${pct(info ? info.target_accuracy : 0)}).`);
          afterTraining();
        } else {
          setPhase('paused', `Stopped after ${STEP_BUDGET} more steps without reaching the target (${pct(info ? info.target_accuracy : 0)}): press Train to go on, or try another learning rate or model.`);
          afterTraining();
        }
      }).catch((e) => failed(e));
    };
    loop();
  }).catch((e) => failed(e));
}

/** @param {unknown} e */
function failed(e) {
  if (e instanceof SessionError && e.closed) return;  // a replaced session's late call: the new one is in charge
  loopId++;
  const stopped = e instanceof SessionError && e.stopped;
  setPhase(stopped ? 'error' : 'paused', `Training stopped: ${e instanceof Error ? e.message : e}${stopped ? ' Press Reset to start again on a fresh core.' : ''}`);
  if (stopped) { if (session) session.close(); session = null; sessionKey = ''; enable('reset', true); }
}

function pause() {
  const s = session;
  if (phase !== 'running' || !s) return;
  loopId++;
  setPhase('paused', 'Pausing…');
  // evaluated after the slice that was running (the trainer answers in order): the accuracy of the step
  // shown; and after whatever was queued before Train, should Pause come before the first slice
  serial(() => s.evaluate()).then((ev) => {
    if (s !== session || phase !== 'paused') return;
    record(ev);
    drawAll();
    drawProgress();
    setPhase('paused', `Paused at step ${stepsDone}: held-out token accuracy ${pct(ev.token_accuracy)}. Press Train to go on.`);
    afterTraining();
  }).catch((e) => failed(e));
}

/** Step: one training step, then the held-out evaluation and every drawing. */
function stepOnce() {
  if (!session || phase === 'running') return;
  const s = session;
  const id = ++loopId;
  // behind the queue: a step never lands while measuring the heads has one switched off
  serial(() => switchAllOn().then(() => s.train(1)).then((out) => {
    // the trainer took the step even when a newer click came first: the counter stays the trainer's
    if (s !== session) return null;
    trainMs += out.ms; wallMs += out.ms; stepsDone += 1;
    out.losses.forEach((x) => losses.push(x));
    drawProgress();
    if (id !== loopId) return null;
    return s.evaluate();
  })).then((ev) => {
    if (!ev || id !== loopId) return;
    record(ev);
    drawAll();
    drawProgress();
    setPhase('paused', `Step ${stepsDone}: loss ${fmt(losses[losses.length - 1])}, held-out token accuracy ${pct(ev.token_accuracy)}.`);
    afterTraining();
  }).catch((e) => failed(e));
}

/** Reset: the same settings, a fresh model from the seed, paused at step 0. */
function reset() {
  pendingLoad = null;
  const key = ++resets;
  return openFresh(() => key === resets, false);
}
let resets = 0;

/** After training stops: the learner's sequence, the switches and what each head carries. */
function afterTraining() {
  drawSwitches();
  predictSequence();
  if (phase === 'trained' && !carried) measureHeads();
  else drawSolution();
}

// ---- ablation --------------------------------------------------------------------------------

/** @type {Promise<unknown>} the newest of the calls that switch heads off and on, or predict */
let queue = Promise.resolve();
/**
 * Runs fn after the calls queued before it: measuring each head switches heads off and on, and a
 * prediction or a learner's switch must not land in between.
 * @template T @param {() => Promise<T>} fn @returns {Promise<T>}
 */
function serial(fn) {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

/** Switches every head back on (training and Step run the whole model). */
function switchAllOn() {
  const s = session;
  if (!s) return Promise.resolve();
  /** @type {Promise<void>} */
  let chain = Promise.resolve();
  off.forEach((row, l) => row.forEach((isOff, h) => {
    if (isOff) chain = chain.then(() => s.ablate(l, h, false));
  }));
  return chain.then(() => { off = off.map((row) => row.map(() => false)); drawSwitches(); $('ablate-result').textContent = ''; });
}

function drawSwitches() {
  const box = $('head-switches');
  const locked = box.hasAttribute('data-locked');
  box.querySelectorAll('.head-switch').forEach((n) => n.remove());
  if (!info) return;
  off.forEach((row, l) => row.forEach((isOff, h) => {
    const id = `head-${l + 1}-${h + 1}`;
    const input = el('input', { type: 'checkbox', id, 'data-layer': String(l), 'data-head': String(h) });
    input.checked = !isOff;
    input.disabled = locked || !session || phase === 'running';
    input.addEventListener('change', () => toggleHead(l, h, !input.checked));
    box.appendChild(el('span', { class: 'head-switch control inline' }, [input, el('label', { for: id, text: `layer ${l + 1}, head ${h + 1}` })]));
  }));
}

/** @param {number} layer @param {number} head @param {boolean} isOff */
function toggleHead(layer, head, isOff) {
  const s = session;
  if (!s || phase === 'running') return;
  off[layer][head] = isOff;
  serial(() => s.ablate(layer, head, isOff).then(() => s.evaluate())).then((ev) => {
    /** @type {string[]} */
    const offNames = [];
    off.forEach((row, l) => row.forEach((o, h) => { if (o) offNames.push(`layer ${l + 1}, head ${h + 1}`); }));
    $('ablate-result').textContent = offNames.length
      ? `With ${offNames.join(' and ')} off, the held-out token accuracy is ${pct(ev.token_accuracy)} (with every head on: ${pct(latest ? latest.token_accuracy : 0)}); sequence accuracy ${pct(ev.sequence_accuracy)}.`
      : `Every head on: held-out token accuracy ${pct(ev.token_accuracy)}.`;
    $('ablate-result').setAttribute('data-accuracy', String(ev.token_accuracy));
    predictSequence();
  }).catch((e) => failed(e));
}

/** Each head switched off alone, the others on, by the core (head_effects): the accuracy each one carried. */
function measureHeads() {
  const s = session;
  if (!s || !info || phase === 'running') return;
  const id = loopId;
  serial(() => s.headEffects()).then((effects) => {
    if (id !== loopId) return;
    carried = effects;
    drawCarried();
    drawSolution();
  }).catch((e) => failed(e));
}

function drawCarried() {
  const box = clear($('carry-table'));
  if (!carried) return;
  const table = el('table', { class: 'matrix carry' });
  table.appendChild(el('caption', { text: `Held-out token accuracy with one head switched off, the others on (every head on: ${pct(carried.token_accuracy)})` }));
  table.appendChild(el('thead', null, el('tr', null, [el('th', { scope: 'col', text: 'head switched off' }), el('th', { scope: 'col', text: 'token accuracy' }),
    el('th', { scope: 'col', text: 'fall, points' })])));
  const body = el('tbody');
  const fall = carried.fall;
  carried.without.forEach((row, l) => row.forEach((accuracy, h) => body.appendChild(el('tr', { 'data-layer': String(l), 'data-head': String(h) }, [
    el('th', { scope: 'row', text: `layer ${l + 1}, head ${h + 1}` }),
    el('td', { text: pct(accuracy), 'data-value': String(accuracy) }),
    el('td', { text: fmt(100 * fall[l][h], 1), 'data-value': String(fall[l][h]) })]))));
  table.appendChild(body);
  box.appendChild(el('div', { class: 'matrix-scroll', tabindex: '0', role: 'region', 'aria-label': 'accuracy with each head off, scrolls sideways' }, table));
}

// ---- drawing ---------------------------------------------------------------------------------

/** The task and the model as the core built them. */
function drawModel() {
  if (!info) return;
  $('task-about').textContent = ABOUT[/** @type {keyof typeof ABOUT} */ (info.task)] || '';
  $('model-facts').textContent = `The core built a GPT with ${info.parameter_count.toLocaleString('en')} weights for this task: ` +
    `${info.vocab.length} tokens in its vocabulary, sequences of ${info.seq_len} tokens. Its target: ${pct(info.target_accuracy)} of the held-out tokens right.`;
  $('vocab-line').textContent = `This task's tokens: ${info.vocab.map(isolate).join(' ')}. At most ${info.context_length} of them.`;
}

/** @param {number[]} ids */
const names = (ids) => ids.map((i) => (info ? info.vocab[i] : String(i))).join(' ');

function drawProgress() {
  const here = stepsDone - firstStep;  // the steps trained on this page
  const rate = trainMs > 0 ? here / (wallMs / 1000) : 0;
  const line = $('progress-line');
  line.textContent = here > 0 ? `step ${stepsDone} · ${rate.toFixed(0)} steps/s · ${(wallMs / 1000).toFixed(1)} s of training`
    : `step ${stepsDone}${loaded ? ', as loaded' : ''}`;
  line.setAttribute('data-step', String(stepsDone));
  line.setAttribute('data-ms', String(wallMs));
  if (latest) line.setAttribute('data-accuracy', String(latest.token_accuracy));
}

let headsDrawnAt = 0;

/** Every drawing of the newest evaluation; while training, the heads at most every HEADS_EVERY_MS. */
function drawAll() {
  drawCharts();
  drawSnapshotSlider();
  const now = performance.now();
  if (phase !== 'running' || now - headsDrawnAt >= HEADS_EVERY_MS) { drawHeads(); headsDrawnAt = now; }
  drawSolution();
}

/**
 * Redraws a chart, keeping the keyboard focus on the same point if it was on one.
 * @param {HTMLElement} box @param {Parameters<typeof chart>[1]} series @param {Parameters<typeof chart>[2]} opts
 */
function redrawChart(box, series, opts) {
  const points = () => [...box.querySelectorAll('g.pt')];
  const focused = points().indexOf(/** @type {any} */ (document.activeElement));
  chart(box, series, opts);
  if (focused >= 0) {
    const all = points(), to = all[Math.min(focused, all.length - 1)];
    if (to) { all.forEach((g) => g.setAttribute('tabindex', '-1')); to.setAttribute('tabindex', '0'); /** @type {SVGElement} */ (to).focus(); }
  }
}

function drawCharts() {
  const every = Math.max(1, Math.ceil(losses.length / MAX_LOSS_POINTS));
  const lossPoints = [];
  for (let i = 0; i < losses.length; i += every) lossPoints.push({ x: firstStep + i + 1, y: losses[i] });
  if (losses.length && (losses.length - 1) % every) lossPoints.push({ x: firstStep + losses.length, y: losses[losses.length - 1] });
  const maxLoss = Math.max(0.1, ...lossPoints.map((p) => p.y));
  redrawChart($('loss-chart'), [{ label: 'training loss (cross-entropy)', cls: 'loss', dots: false, points: lossPoints }],
    { caption: 'training loss against the step', xLabel: 'step', yLabel: 'loss', xName: 'step', x: { scale: 'linear' },
      y: { scale: 'linear', max: Math.ceil(maxLoss) }, tick: (v) => v.toFixed(2), empty: 'The loss of every step appears here as the model trains.' });
  const target = info ? info.target_accuracy : 1;
  const steps = accuracy.map((p) => p.x);
  const targetLine = accuracy.length ? [{ x: Math.min(...steps), y: target }, { x: Math.max(1, ...steps), y: target }] : [];
  redrawChart($('accuracy-chart'), [
    { label: 'held-out token accuracy', cls: 'accuracy', marker: 'circle', points: accuracy },
    { label: `the task's target, ${pct(target)}`, cls: 'target', dots: false, points: targetLine },
  ], { caption: 'held-out token accuracy against the step', xLabel: 'step', yLabel: 'token accuracy', xName: 'step', x: { scale: 'linear' },
    y: { scale: 'linear', max: 1 }, tick: (v) => `${Math.round(v * 100)}%`, value: pct, empty: 'The accuracy on held-out sequences appears here.' });
}

function drawSnapshotSlider() {
  const input = inputById('snapshot');
  input.max = String(Math.max(0, snapshots.length - 1));
  if (following) input.value = input.max;
  enable('snapshot', snapshots.length > 1);
  const shown = snapshots[Number(input.value)];
  const text = shown ? `step ${shown.step}${Number(input.value) === snapshots.length - 1 ? ' (newest)' : ''}` : '';
  $('snapshot-out').textContent = text;
  input.setAttribute('aria-valuetext', text);
}

/** The snapshot the replay slider shows. */
function shownSnapshot() {
  return snapshots[Math.min(Number(inputById('snapshot').value), snapshots.length - 1)];
}

function drawHeads() {
  const snap = shownSnapshot();
  const box = $('head-maps');
  if (!snap || !info) { clear(box); return; }
  const probe = snap.evaluation.probe;
  const labels = probe.inputs.map((i) => (info ? info.vocab[i] : String(i)));
  $('probe-line').textContent = `The probe: ${labels.map(isolate).join(' ')}. At step ${snap.step} the model predicts: ${probe.predictions.map((i) => isolate(info ? info.vocab[i] : String(i))).join(' ')}.`;
  drawMaps(box, probe.attention, labels, 'probe');
}

/**
 * One heatmap per head, layer by layer, into `box` (kept between redraws, so focus and open tables stay).
 * @param {HTMLElement} box @param {number[][][][]} attention @param {string[]} labels @param {string} what
 */
function drawMaps(box, attention, labels, what) {
  const want = attention.map((heads, l) => heads.map((_, h) => `${what}-l${l}-h${h}`)).flat();
  const have = [...box.children].map((c) => c.id);
  if (want.join() !== have.join()) {
    clear(box);
    want.forEach((id) => box.appendChild(el('div', { id, class: 'head-map' })));
  }
  attention.forEach((heads, l) => heads.forEach((weights, h) => {
    updateHeatmap($(`${what}-l${l}-h${h}`), weights, { rowLabels: labels, colLabels: labels, rowTitle: 'query', colTitle: 'key',
      range: [0, 1], showValues: false, caption: `${what === 'probe' ? '' : 'your sequence: '}layer ${l + 1}, head ${h + 1}` });
  }));
}

/** The core's per-head scores, and the head that found the pattern. */
function drawSolution() {
  if (!info || !latest) return;
  $('solution-text').textContent = ABOUT[/** @type {keyof typeof ABOUT} */ (info.task)] || '';
  $('solution-core').textContent = `In the core's words: ${info.solution}.`;
  const scores = latest.source_attention;
  const box = clear($('source-table'));
  const table = el('table', { class: 'matrix source' });
  table.appendChild(el('caption', { text: `Each head's mean weight on the position the solution reads, over the held-out sequences (step ${stepsDone})` }));
  const head = el('tr', null, el('th', { scope: 'col', text: 'layer' }));
  (scores[0] || []).forEach((_, h) => head.appendChild(el('th', { scope: 'col', text: `head ${h + 1}` })));
  table.appendChild(el('thead', null, head));
  const body = el('tbody');
  const best = { ...latest.best_head, score: scores[latest.best_head.layer][latest.best_head.head] };  // the core's choice
  scores.forEach((row, l) => {
    const tr = el('tr', null, el('th', { scope: 'row', text: `layer ${l + 1}` }));
    row.forEach((x, h) => {
      tr.appendChild(el('td', { text: fmt(x, 2), 'data-value': String(x), 'data-layer': String(l), 'data-head': String(h) }));
    });
    body.appendChild(tr);
  });
  table.appendChild(body);
  box.appendChild(el('div', { class: 'matrix-scroll', tabindex: '0', role: 'region', 'aria-label': 'each head\'s score, scrolls sideways' }, table));
  box.querySelectorAll('td').forEach((td) => td.classList.toggle('best', td.getAttribute('data-layer') === String(best.layer) && td.getAttribute('data-head') === String(best.head)));
  const pointer = $('solution-head');
  pointer.setAttribute('data-layer', String(best.layer));
  pointer.setAttribute('data-head', String(best.head));
  const name = `Layer ${best.layer + 1}, head ${best.head + 1}`;
  let text = stepsDone === 0 && !loaded
    ? `Before training no head has found it: the highest score, ${fmt(best.score, 2)} (${name.toLowerCase()}), is about what spreading the weight evenly gives.`
    : `${name} puts ${fmt(best.score, 2)} of its weight on the position the solution reads, the most of any head: it is the head that found the pattern (its map is under "Every head").`;
  if (carried) text += ` Switched off alone, it takes the held-out token accuracy from ${pct(carried.token_accuracy)} to ${pct(carried.without[best.layer][best.head])}.`;
  pointer.textContent = text;
  pointer.hidden = false;
}

// ---- the learner's sequence ---------------------------------------------------------------------

/**
 * The token ids of a typed sequence: tokens separated by spaces (where every token is one character,
 * "abc" is read as "a b c"). Throws a sentence saying what is wrong.
 * @param {string} textIn
 * @returns {number[]}
 */
function parseSequence(textIn) {
  if (!info) throw new Error('The model is not built yet.');
  const vocab = info.vocab;
  const single = vocab.every((t) => [...t].length === 1);
  /** @type {string[]} */
  const words = [];
  textIn.trim().split(/\s+/).filter(Boolean).forEach((w) => {
    if (vocab.indexOf(w) < 0 && single) words.push(...w); else words.push(w);
  });
  if (!words.length) throw new Error('Type at least one token.');
  const unknown = words.filter((w) => vocab.indexOf(w) < 0);
  if (unknown.length) throw new Error(`${unknown.slice(0, 3).map((w) => `“${isolate(w.slice(0, 30))}”`).join(', ')} ${unknown.length > 1 ? 'are not tokens' : 'is not a token'} of this task; its tokens are ${vocab.map(isolate).join(' ')}.`);
  if (words.length > info.context_length) throw new Error(`That is ${words.length} tokens; the model reads at most ${info.context_length}.`);
  return words.map((w) => vocab.indexOf(w));
}

function predictSequence() {
  const s = session;
  if (!s || !info) return Promise.resolve();
  const errorBox = $('sequence-error');
  /** @type {number[]} */
  let ids;
  try {
    ids = parseSequence(inputById('sequence').value);
  } catch (e) {
    showError(errorBox, { message: e instanceof Error ? e.message : String(e) }, { lead: 'Not a sequence for this model: ' });
    return Promise.resolve();
  }
  return serial(() => s.predict(ids)).then((p) => {
    showError(errorBox, null);
    const labels = ids.map((i) => info ? info.vocab[i] : String(i));
    const box = clear($('prediction'));
    const table = el('table', { class: 'matrix prediction' });
    table.appendChild(el('caption', { text: 'The model\'s guess of the next token after each one' }));
    const head = el('tr', null, el('th', { scope: 'row', text: 'position' }));
    const inRow = el('tr', null, el('th', { scope: 'row', text: 'token' }));
    const outRow = el('tr', { class: 'predicted' }, el('th', { scope: 'row', text: 'next, predicted' }));
    labels.forEach((t, i) => {
      head.appendChild(el('th', { scope: 'col', text: String(i + 1) }));
      inRow.appendChild(el('td', { text: t }));
      outRow.appendChild(el('td', { text: info ? info.vocab[p.predictions[i]] : String(p.predictions[i]) }));
    });
    table.appendChild(el('tbody', null, [head, inRow, outRow]));
    box.appendChild(el('div', { class: 'matrix-scroll', tabindex: '0', role: 'region', 'aria-label': 'predictions, scrolls sideways' }, table));
    drawMaps($('try-maps'), p.attention, labels, 'try');
  }, (e) => {
    if (e instanceof SessionError && e.closed) return;  // a replaced model's late answer
    if (e instanceof SessionError && e.stopped) { failed(e); return; }
    showError(errorBox, { message: e instanceof Error ? e.message : String(e) });
  });
}

$('sequence-form').addEventListener('submit', (ev) => { ev.preventDefault(); predictSequence(); });
$('probe-sequence').addEventListener('click', () => {
  if (!latest) return;
  inputById('sequence').value = names(latest.probe.inputs);
  predictSequence();
});

// ---- saving and loading the weights ---------------------------------------------------------------

const FORMAT = 'attention-lab/weights';
/** A value from a file, quoted in a message: at most 60 characters. @param {string} raw */
const short = (raw) => (raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);

function save() {
  const s = session;
  if (!s || !info) return;
  const model = info;
  s.weights().then((w) => {
    const file = { format: FORMAT, version: 1, settings: settings(), steps: stepsDone, parameter_count: model.parameter_count, weights: Array.from(w) };
    const blob = new Blob([JSON.stringify(file)], { type: 'application/json' });
    const name = `attention-lab-${model.task}-${stepsDone}-steps.json`;
    const a = el('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    $('save-status').textContent = `Saved ${w.length.toLocaleString('en')} weights (${(blob.size / 1024).toFixed(0)} KiB) as ${name}.`;
  }).catch((e) => failed(e));
}

/** @param {File} file */
function loadFile(file) {
  const box = $('load-error');
  showError(box, null);
  const refuse = (/** @type {string} */ why) => showError(box, { message: why }, { lead: 'Could not load the weights: ' });
  if (file.size > 64 * 1024 * 1024) { refuse(`${isolate(file.name.slice(0, 80))} is larger than any saved model.`); return; }
  file.text().then((textIn) => {
    /** @type {any} */
    let data;
    try { data = JSON.parse(textIn); } catch { refuse(`${isolate(file.name.slice(0, 80))} is not a file saved by this lesson (not JSON).`); return; }
    if (!data || data.format !== FORMAT || !Array.isArray(data.weights) || !data.settings || typeof data.settings !== 'object') {
      refuse(`${isolate(file.name.slice(0, 80))} is not a file saved by this lesson.`);
      return;
    }
    const wanted = data.settings;
    /** @type {Record<string, unknown>} */
    const patch = { task: wanted.task, n_layers: wanted.n_layers, n_heads: wanted.n_heads, emb_dim: wanted.emb_dim, lr: wanted.lr, seed: wanted.seed };
    // checked as a link's values are, before any reaches the state
    const notes = Object.keys(patch).map((k) => {
      const raw = String(patch[k]), notice = parse(k, raw, state.spec(k)).notice;
      // the notice quotes the raw value: a long one is cut short
      return notice && notice.replace(JSON.stringify(raw), () => JSON.stringify(short(raw)));
    }).filter(Boolean);
    if (notes.length) { refuse(`its model settings are not ones this lesson builds. ${notes.join(' ')}`); return; }
    /** @type {unknown[]} */
    const list = data.weights;
    // a weight must be a JSON number: Number() would read null (a NaN, as JSON writes it), true, "" or [5] as one
    const at = list.findIndex((x) => typeof x !== 'number');
    if (at >= 0) { refuse(`weight ${at} (counting from 0) is ${isolate(short(String(JSON.stringify(list[at]))))}, not a number.`); return; }
    if (data.steps !== undefined && !(Number.isSafeInteger(data.steps) && data.steps >= 0)) {
      refuse(`its step count, ${isolate(short(String(JSON.stringify(data.steps))))}, is not a whole number of steps.`);
      return;
    }
    pendingLoad = { weights: Float32Array.from(/** @type {number[]} */ (list)), name: file.name, steps: data.steps || 0 };
    const before = JSON.stringify(settings());
    state.set(patch);
    if (JSON.stringify(settings()) === before) applyLoad();  // same model: no rebuild; else the runner builds it, then loads
  }, () => refuse('the file could not be read.'));
}

/** Puts the pending file's weights into the session's model, then evaluates and draws it. */
function applyLoad() {
  const s = session, pending = pendingLoad;
  if (!pending) return Promise.resolve();
  const name = isolate(pending.name.slice(0, 80));
  if (!s) {
    if (phase === 'error') {
      pendingLoad = null;
      showError($('load-error'), { message: `there is no model to put ${name} into (see the message under Train); press Reset, then load it again.` }, { lead: 'Could not load the weights: ' });
    } else {
      // still building: openFresh applies it once the model is there
      $('save-status').textContent = `The model is still being built: the weights from ${name} go into it once it is ready.`;
    }
    return Promise.resolve();
  }
  pendingLoad = null;
  loopId++;
  // the core keeps its switched-off heads through a load, and the page shows every switch on after it
  return serial(() => switchAllOn().then(() => s.load(pending.weights)).then(() => s.evaluate())).then((ev) => {
    // the model goes on from the file's step: its texts, buttons and the next save count from there
    clearHistory(pending.steps);
    loaded = true;
    record(ev);
    drawAll();
    drawProgress();
    drawSwitches();
    $('save-status').textContent = `Loaded ${pending.weights.length.toLocaleString('en')} weights from ${name} (saved after ${pending.steps} steps): held-out token accuracy ${pct(ev.token_accuracy)}.`;
    setPhase(info && ev.token_accuracy >= info.target_accuracy ? 'trained' : 'paused', `Loaded weights: ${pct(ev.token_accuracy)} of the held-out tokens right. Train goes on from them.`);
    afterTraining();
  }, (e) => {
    if (e instanceof SessionError && e.closed) return;
    if (e instanceof SessionError && e.stopped) { failed(e); return; }
    showError($('load-error'), { message: e instanceof Error ? e.message : String(e) }, { lead: 'The core refused the weights: ' });
    setPhase(phase === 'running' ? 'paused' : phase);
  });
}

$('save-weights').addEventListener('click', save);
$('load-file').addEventListener('change', () => {
  const input = inputById('load-file');
  const file = input.files && input.files[0];
  if (file) loadFile(file);
  input.value = '';
});

// ---- Copy as PyTorch -------------------------------------------------------------------------------

/**
 * The probe through the core's gpt mechanism with the trained weights (the Trainer's flat list in
 * the gpt request's layout), and the program pytorch/program.js writes from that request: run with
 * torch, it prints the probabilities of the model as trained here.
 */
function copyPytorch() {
  const s = session, model = info, ev = latest;
  const box = $('pytorch-program');
  if (!s || !model || !ev) return;
  const say = (/** @type {string} */ text) => { clear(box); box.appendChild(el('p', { role: 'status', text })); };
  say('Writing the program…');
  s.weights().then((flat) => {
    const request = { mechanism: 'gpt', token_ids: ev.probe.inputs, vocab_size: model.vocab.length, context_length: model.context_length,
      emb_dim: Number(state.get('emb_dim')), n_heads: state.get('n_heads'), n_layers: state.get('n_layers'), d_ff: 4 * Number(state.get('emb_dim')),
      weights: gptWeights(flat, model.layout) };
    return run(request).then((response) => {
      if (response.error) { clear(box); showError(box, response.error); return; }
      const p = program([{ request, response }], document.title);
      if (!p) { say('This view has no PyTorch program.'); return; }
      clear(box);
      /** @type {number[]} the core's argmax after every position */
      const predicted = response.predicted_ids;
      const next = predicted.map((id) => model.vocab[id]);
      box.appendChild(el('p', null, [`The probe through the core's gpt mechanism with the weights after ${stepsDone} steps: it predicts ${next.map(isolate).join(' ')}. `,
        'A Python program, written by Attention Lab, computes the same with PyTorch: the same token ids and weights, the same blocks. Run it with ', el('code', { text: 'python3' }), ' where torch is installed.']));
      const text = el('textarea', { readonly: true, rows: '14', wrap: 'off', spellcheck: 'false', class: 'export-text', 'aria-label': 'the PyTorch program of the probe' });
      text.value = p.text;
      text.addEventListener('focus', () => text.select());
      const status = el('p', { class: 'export-status', role: 'status' });
      const save = el('button', { type: 'button', class: 'btn btn-small', text: 'Download .py' });
      save.addEventListener('click', () => { download(new Blob([p.text], { type: 'text/x-python' }), `attention-lab-${model.task}-${stepsDone}-steps.py`); status.textContent = 'Saved.'; });
      box.append(text, el('div', { class: 'export-body' }, [save, status]));
      copyText(p.text).then((ok) => { status.textContent = ok ? 'Copied to the clipboard.' : 'The browser did not let the page copy: select the program above and copy it yourself.'; });
    });
  }).catch((e) => say(e instanceof SessionError && e.closed ? 'No program: the model changed while it was written. Press Copy as PyTorch again.' : `No program: ${e instanceof Error ? e.message : e}`));
}

$('copy-pytorch').addEventListener('click', () => {
  const box = $('pytorch-program');
  const opening = box.hidden;
  box.hidden = !opening;
  $('copy-pytorch').setAttribute('aria-expanded', String(opening));
  if (opening) copyPytorch();
});

// ---- predict first, your turn ---------------------------------------------------------------------

/** Every head of the current model, as the options of a guess ("layer 2, head 1"). */
const headOptions = () => (info ? off.map((row, l) => row.map((_, h) => ({ value: `${l}-${h}`, label: `layer ${l + 1}, head ${h + 1}` }))).flat() : []);


/**
 * The session, once its model has trained to the task's target; else why a question about the
 * trained model cannot be answered yet.
 * @returns {{ s: Session } | { error: { message: string } }}
 */
function trainedSession() {
  if (!session || !info) return { error: { message: 'No model yet: wait for the core to build it.' } };
  if (phase === 'running') return { error: { message: 'Training is running: wait until it reaches the target (or pause), then reveal.' } };
  if (!latest || latest.token_accuracy < info.target_accuracy) {
    return { error: { message: `The model has not reached its target yet (${pct(latest ? latest.token_accuracy : 0)} of ${pct(info.target_accuracy)}): press Train, wait until it is trained, then reveal.` } };
  }
  return { s: session };
}

/** @param {unknown} e */
const asError = (e) => ({ error: { message: e instanceof Error ? e.message : String(e) } });

predict($('predict-loss'), {
  id: 'untrained-loss',
  title: 'Before step 1, the model’s weights are random and small, so it spreads its guess of the next token almost evenly over the vocabulary (section 0 says how many tokens). What will the loss of its very first training step be?',
  guess: number({ label: 'The first step’s loss', tolerance: 0.25, placeholder: 'e.g. 1.5' }),
  veil: ['#loss-chart'],
  // a fresh model of these settings, trained one step: the same batch and weights as step 1 here
  truth: () => run({ mechanism: 'train', ...settings(), steps: 1, evaluate: false }).then((res) => (res.error ? { error: res.error } : {
    value: res.losses[0],
    text: `${fmt(res.losses[0])}, for ${res.model.vocab.length} tokens in the vocabulary`,
    why: `A model that gives each of the V = ${res.model.vocab.length} tokens probability about 1/V is surprised by −log(1/V) = ln V at every position: the loss starts near ln V, and every point below it is something learned.`,
  })),
});

const headMoment = predict($('predict-head'), {
  id: 'found-head',
  title: 'Once the model is trained, which head will put the most weight on the position the solution reads (for induction: the token after the earlier occurrence of the current one)?',
  guess: pick({ legend: 'The head that will find it', options: headOptions }),
  veil: ['#source-table', '#solution-head'],
  truth: () => {
    const t = trainedSession();
    if ('error' in t) return Promise.resolve(t);
    const s = t.s;
    return serial(() => switchAllOn().then(() => s.evaluate())).then((ev) => {
      const best = ev.best_head;  // the core's: the most source_attention
      const scores = ev.source_attention.map((row, l) => row.map((x, h) => `layer ${l + 1}, head ${h + 1}: ${fmt(x, 2)}`).join('; ')).join('; ');
      return {
        value: `${best.layer}-${best.head}`,
        text: `layer ${best.layer + 1}, head ${best.head + 1} (each head’s mean weight on the solution’s position: ${scores})`,
        why: info && info.task === 'induction'
          ? 'An induction head needs to know which token came before each position, and only a layer-1 head can have written that in: so the head that reads the earlier occurrence sits in layer 2.'
          : 'Training sends the gradient to whichever head was already a little closer to the useful pattern; it grows, and the others find other work. Which one it is depends on the seed.',
      };
    }, asError);
  },
});

predict($('predict-ablation'), {
  id: 'ablation-drop',
  title: 'Once the model is trained, switch off the head that found the pattern. By how many percentage points will the held-out token accuracy fall?',
  guess: number({ label: 'The fall, in percentage points', tolerance: 15, placeholder: 'e.g. 20' }),
  veil: ['#carry-table', '#ablate-result'],
  truth: () => {
    const t = trainedSession();
    if ('error' in t) return Promise.resolve(t);
    const s = t.s;
    // the head the core names (best_head) and what switching it off alone costs (head_effects): both the core's
    return serial(() => switchAllOn().then(() => s.evaluate()).then((base) => s.headEffects().then((effects) => ({ best: base.best_head, effects }))))
      .then(({ best, effects }) => {
        const fall = effects.fall[best.layer][best.head];
        return {
          value: 100 * fall,  // in percentage points, as the guess
          text: `${fmt(100 * fall, 1)} points: from ${pct(effects.token_accuracy)} to ${pct(effects.without[best.layer][best.head])} with layer ${best.layer + 1}, head ${best.head + 1} off`,
          why: 'The other heads never learned to do its job: training gave it to one head, so without it the model is left with what it can guess without looking at the right token.',
        };
      }, asError);
  },
});

const FAST_STEPS = 40;
exercise($('exercise-fast'), {
  id: 'copy-fast',
  task: `Find a model and a learning rate (section 0) with which the copy task reaches its target in at most ${FAST_STEPS} training steps.`,
  hint: 'With the defaults, copy needs more than 40 steps. The warm-up raises the learning rate over the first 20 steps: a larger peak rate moves the weights further each step. A smaller model can learn as fast as a larger one here.',
  solution: 'Set the task to copy and the learning rate to 0.01 (the default model): the core trains it past its target within 40 steps.',
  check: () => {
    const wanted = settings();
    if (wanted.task !== 'copy') return Promise.resolve({ ok: false, message: `The task is ${wanted.task}: choose copy in section 0 first.` });
    // a fresh model of the learner's settings, trained exactly FAST_STEPS steps, then evaluated
    return run({ mechanism: 'train', ...wanted, steps: FAST_STEPS, evaluate: true }).then((res) => {
      if (res.error) return { error: res.error };
      const acc = res.evaluation.token_accuracy, target = res.model.target_accuracy;
      const model = `${wanted.n_layers} layer${wanted.n_layers > 1 ? 's' : ''}, ${wanted.n_heads} head${wanted.n_heads > 1 ? 's' : ''}, width ${wanted.emb_dim}, learning rate ${wanted.lr}`;
      return acc >= target
        ? { ok: true, message: `After ${FAST_STEPS} steps (${model}) the core's model gets ${pct(acc)} of the held-out tokens right, past the target of ${pct(target)}.` }
        : { ok: false, message: `After ${FAST_STEPS} steps (${model}) the core's model gets ${pct(acc)} of the held-out tokens right; the target is ${pct(target)}. Its loss went from ${fmt(res.losses[0])} to ${fmt(res.losses[res.losses.length - 1])}.` };
    });
  },
});

const ABLATE_BELOW = 0.5;
exercise($('exercise-ablate'), {
  id: 'ablate-below',
  task: `With a trained model, switch heads off (section 5) so that the held-out token accuracy falls below ${pct(ABLATE_BELOW)}, while keeping at least one head on.`,
  hint: 'Section 3 names the head whose weight lands on the position the solution reads; section 5 can switch each head off in turn and say how much accuracy each one carried. One head may not be enough: the heads left on may have learned part of its job.',
  solution: 'For induction with the defaults, switch off both heads of layer 2: nothing is left to read the token after the earlier occurrence, and the accuracy falls far below the target. (The head section 3 names, alone, takes away only part of it: the other layer-2 head has learned some of its job.)',
  check: () => {
    const t = trainedSession();
    if ('error' in t) return Promise.resolve(t);
    const s = t.s;
    const heads = off.flat();
    const offCount = heads.filter(Boolean).length;
    if (!offCount) return Promise.resolve({ ok: false, message: 'Every head is still on: switch at least one off in section 5.' });
    if (offCount === heads.length) return Promise.resolve({ ok: false, message: 'Every head is off: keep at least one on.' });
    return serial(() => s.evaluate()).then((ev) => (ev.token_accuracy < ABLATE_BELOW
      ? { ok: true, message: `With ${offCount} of ${heads.length} heads off, the core's model gets ${pct(ev.token_accuracy)} of the held-out tokens right (below ${pct(ABLATE_BELOW)}).` }
      : { ok: false, message: `With ${offCount} of ${heads.length} heads off, the core's model still gets ${pct(ev.token_accuracy)} right: the heads left on carry the answer. Try another head.` }), asError);
  },
});
progressLine(document.getElementById('answers'));

// ---- the controls ------------------------------------------------------------------------------

showCode($('train-code'), code.train_step, /model\.(forward|backward)|adamw\.step/, 'one training step: a batch, forward, backward, update');
showCode($('train-code'), code['AdamW::step'], /params\[i\]/, 'AdamW, weight by weight');

$('train').addEventListener('click', startTraining);
$('pause').addEventListener('click', pause);
$('step-once').addEventListener('click', stepOnce);
$('reset').addEventListener('click', () => { reset(); });
$('measure-heads').addEventListener('click', measureHeads);
inputById('snapshot').addEventListener('input', () => {
  following = Number(inputById('snapshot').value) >= snapshots.length - 1;
  drawSnapshotSlider();
  drawHeads();
});

// the worker's core compiles while the page loads its own
if (!workerReason(state.get('worker'))) prepareWorker();

let firstRun = true;
runner(state, (current) => {
  const wanted = settings();
  // The core checks the settings on its JSON entry first, so a refusal names its field.
  return run({ mechanism: 'train', ...wanted, steps: 0, evaluate: false }).then((res) => {
    if (!current()) return;
    if (res.error) {
      closeSession();
      info = null;
      showErrorByField(res.error, [{ box: $('config-error'), fields: ['/n_heads', '/emb_dim', '/n_layers', '/lr', '/seed', '/task'] }], $('config-error'));
      setPhase('error', 'No model: the core refused these settings (see above).');
      return false;
    }
    showError($('config-error'), null);
    const stale = session && session.mode === 'page' && sessionGeneration !== generations();
    if (session && sessionKey === JSON.stringify(wanted) && !stale) return true;
    const train = firstRun ? state.get('auto') : true;
    firstRun = false;
    return openFresh(current, train && !pendingLoad);
  });
})();
setPhase('idle');
