// Lesson 6: what attention costs. A sweep over sequence lengths times the core's fused path and its
// materialised path and weighs the heap bytes each keeps (js/cost/meter.js measures, on the engine's
// cost bench; it runs in the cost worker, or in short slices on the page where no worker can start,
// as on file://). The page plots time and memory against T on log-log axes and fits their slopes;
// the stepper shows the (num_heads, T, T) tensors of lesson 5's example.
import { create as createState } from '../js/state.js';
import { checkCostSizes, openCostBench, run, startCostWorker, workerReason } from '../js/engine/page.js';
import { CoreStopped } from '../js/engine/bench.js';
import { GRID, lengths, sweep as startSweep } from '../js/cost/meter.js';
import { book, code } from '../js/data.js';
import { CORE_LIMITS } from '../js/limits.js';
import { el, clear, byId as $, inputById } from '../js/render/dom.js';
import { chart } from '../js/render/chart.js';
import { code as showCode } from '../js/render/code.js';
import { start } from '../js/ui/lesson.js';
import { bind } from '../js/ui/controls.js';
import { showError } from '../js/ui/messages.js';
import { runner } from '../js/ui/runner.js';
import { createStepper } from '../js/ui/stepper.js';
import { number, pick, predict } from '../js/ui/predict.js';
import { exercise } from '../js/ui/exercise.js';
import { progressLine } from '../js/ui/acts.js';

/** @typedef {import('../js/cost/meter.js').Point} Point */
/** @typedef {import('../js/cost/meter.js').PathResult} PathResult */
/** @typedef {import('../js/cost/meter.js').Progress} Progress */
/** @typedef {import('../js/cost/meter.js').SweepParams} SweepParams */

const D_MODELS = ['32', '64', '128', '256', '512', '768', '1024'];

const state = createState({
  tmax: { type: 'enum', default: '1024', values: GRID.map(String) },
  d_model: { type: 'enum', default: '64', values: D_MODELS },
  num_heads: { type: 'int', default: 4, min: 1, max: CORE_LIMITS.num_heads },
  worker: { type: 'bool', default: true },  // 0: measure on the page even where a worker could start
  step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
});
start(state);
bind(state, 'd_model', $('d_model'));
bind(state, 'num_heads', $('num_heads'));
bindLengthSlider();

/** The T slider moves over GRID's positions; the state (and the URL) holds T itself. */
function bindLengthSlider() {
  const input = inputById('tmax'), out = /** @type {HTMLOutputElement} */ (document.querySelector('output[for="tmax"]'));
  input.max = String(GRID.length - 1);
  const show = () => {
    const T = state.get('tmax');
    input.value = String(GRID.indexOf(Number(T)));
    input.setAttribute('aria-valuetext', `T = ${T}`);
    out.textContent = T;
  };
  show();
  input.addEventListener('input', () => state.set({ tmax: String(GRID[Number(input.value)]) }));
  state.subscribe(show);
}

// ---- formatting measured numbers -------------------------------------------------------------

/** @param {number} ms */
const formatMs = (ms) => (ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toPrecision(3)} ms`);

/** @param {number} bytes */
function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (bytes >= 1024 && u < units.length - 1) { bytes /= 1024; u++; }
  return `${u === 0 ? String(Math.round(bytes)) : bytes >= 100 ? String(Math.round(bytes)) : bytes.toPrecision(3)} ${units[u]}`;
}

/** A power of ten as an axis label: 0.01 ms, 1 ms, 100 ms, 1 s; 1 kB, 10 MB. @param {number} v */
const timeTick = (v) => (v >= 1000 ? `${v / 1000} s` : `${v >= 1 ? String(v) : v.toFixed(Math.round(-Math.log10(v)))} ms`);
/** @param {number} v */
function byteTick(v) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${Math.round(v)} ${units[u]}`;
}

// ---- the slope -------------------------------------------------------------------------------

/** @param {number[]} a */
const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;

/**
 * The least-squares slope of log y against log T over the last three octaves of the points
 * (T ≥ the largest T / 8): the exponent k of y ≈ c·T^k where the growth is clearest.
 * @param {{ x: number, y: number }[]} points
 */
function slopeOf(points) {
  if (points.length < 2) return null;
  const last = points[points.length - 1].x;
  let used = points.filter((p) => p.x >= last / 8);
  if (used.length < 2) used = points.slice(-2);
  const xs = used.map((p) => Math.log2(p.x)), ys = used.map((p) => Math.log2(p.y));
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0;
  xs.forEach((x, i) => { sxy += (x - mx) * (ys[i] - my); sxx += (x - mx) * (x - mx); });
  return { slope: sxy / sxx, from: used[0].x, to: last, n: used.length };
}

// ---- drawing the results ---------------------------------------------------------------------

/** @type {{ params: SweepParams, points: Point[], mode?: 'worker' | 'page' } | null} the newest sweep */
let results = null;

/**
 * The measured (T, value) pairs of one path: a number > 0 under `field`; lengths skipped or failed left out.
 * @param {'fused' | 'materialised'} path @param {'ms' | 'bytes' | 'score_bytes'} field
 */
function pointsOf(path, field) {
  return (results ? results.points : []).filter((p) => {
    const r = p[path], v = r[field];
    return !r.skipped && !r.error && typeof v === 'number' && isFinite(v) && v > 0;
  }).map((p) => ({ x: p.T, y: /** @type {number} */ (p[path][field]) }));
}

/** @param {HTMLElement} list @param {(import('../js/render/chart.js').Series & { key: string })[]} series */
function drawSlopes(list, series) {
  clear(list);
  series.forEach((s) => {
    const fit = slopeOf(s.points);
    if (!fit) return;
    list.appendChild(el('li', { 'data-series': s.key }, [
      el('span', { text: `${s.label}: slope ` }),
      el('strong', { class: 'num slope', text: fit.slope.toFixed(2), 'data-slope': String(fit.slope) }),
      el('span', { class: 'muted', text: ` (fit over T = ${fit.from} to ${fit.to}, ${fit.n} points)` }),
    ]));
  });
}

/**
 * Section 5's sentence about the slope of 2, with the local slopes this page measured (the fits
 * of section 1) and where they were measured, so that it never claims more than the plot shows.
 * @param {(import('../js/render/chart.js').Series & { key: string })[]} series
 */
function slopeRecap(series) {
  const box = clear($('slope-recap'));
  const parts = [];
  for (const s of series) {
    const fit = slopeOf(s.points);
    if (fit) parts.push([document.createTextNode(`${parts.length ? ', ' : ''}${s.label} `), el('strong', { class: 'num', text: fit.slope.toFixed(2) }),
      document.createTextNode(` (T = ${fit.from} to ${fit.to})`)]);
  }
  if (!parts.length || !results) { box.textContent = 'Press Measure to see the slopes this device gives.'; return; }
  box.appendChild(document.createTextNode(`Measured here, with d_model = ${results.params.d_model}: `));
  parts.flat().forEach((node) => box.appendChild(node));
  box.appendChild(document.createTextNode('. Longer sequences, or a smaller d_model, bring them closer to 2.'));
}

function drawResults() {
  const empty = results ? 'Measuring: the points appear as each length is done.' : 'Press Measure: the plot fills in as each length is measured.';
  /** @type {(import('../js/render/chart.js').Series & { key: string })[]} */
  const time = [
    { key: 'fused', label: 'fused path', cls: 'fused', marker: 'circle', points: pointsOf('fused', 'ms') },
    { key: 'materialised', label: 'materialised path', cls: 'materialised', marker: 'square', points: pointsOf('materialised', 'ms') },
  ];
  chart($('time-chart'), time, { caption: 'time per forward pass against T, log-log', xLabel: 'sequence length T', yLabel: 'time per call',
    tick: timeTick, value: formatMs, empty, className: 'loglog' });
  drawSlopes($('time-slopes'), time);
  slopeRecap(time);

  /** @type {(import('../js/render/chart.js').Series & { key: string })[]} */
  const memory = [
    { key: 'fused', label: 'fused path, everything it keeps', cls: 'fused', marker: 'circle', points: pointsOf('fused', 'bytes') },
    { key: 'materialised', label: 'materialised path, everything it keeps', cls: 'materialised', marker: 'square', points: pointsOf('materialised', 'bytes') },
    { key: 'weights', label: 'materialised path, its (num_heads, T, T) weights', cls: 'weights', marker: 'triangle', points: pointsOf('materialised', 'score_bytes') },
  ];
  chart($('memory-chart'), memory, { caption: 'heap bytes kept against T, log-log', xLabel: 'sequence length T', yLabel: 'bytes on the wasm heap',
    tick: byteTick, value: formatBytes, empty, className: 'loglog' });
  drawSlopes($('memory-slopes'), memory);

  const skipped = (results ? results.points : []).filter((p) => p.materialised.skipped);
  const note = $('skipped-note');
  note.hidden = !skipped.length;
  note.textContent = skipped.length ? `The materialised path was not run for T = ${skipped.map((p) => p.T).join(', ')}` +
    `: its weights alone would take ${skipped.map((p) => formatBytes(p.materialised.score_bytes || 0)).join(', ')}` +
    ` (as the core counts them), over this lesson's budget of ${formatBytes(skipped[0].materialised.budget_bytes || 0)}` +
    ' in a browser tab. The fused path has no such limit.' : '';
  drawTable();
}

/**
 * A table cell of one path's result; data-value holds the raw number.
 * @param {PathResult} r @param {'ms' | 'bytes' | 'weights'} kind
 */
function cell(r, kind) {
  if (kind === 'weights') return el('td', { text: formatBytes(r.score_bytes || 0), 'data-value': String(r.score_bytes) });
  if (r.skipped) return el('td', { class: 'skipped', text: 'skipped' });
  if (r.error) return el('td', { class: 'failed', title: r.error, text: 'failed' });
  if (kind === 'ms') return el('td', { text: formatMs(r.ms || 0), title: `${r.calls} calls`, 'data-value': String(r.ms) });
  return el('td', { text: formatBytes(r.bytes || 0), 'data-value': String(r.bytes) });
}

function drawTable() {
  const box = clear($('results-table'));
  if (!results || !results.points.length) return;
  const p = results.params;
  const table = el('table', { class: 'cost-table' });
  table.appendChild(el('caption', { text: `d_model = ${p.d_model}, num_heads = ${p.num_heads}${results.mode ? `, measured ${results.mode === 'worker' ? 'in a worker' : 'on the page'}` : ''}` }));
  const head = el('tr');
  ['T', 'time, fused', 'time, materialised', 'memory, fused', 'memory, materialised', 'of which weights'].forEach((h) => head.appendChild(el('th', { scope: 'col', text: h })));
  table.appendChild(el('thead', null, head));
  const body = el('tbody');
  results.points.forEach((pt) => {
    body.appendChild(el('tr', { 'data-t': String(pt.T) }, [el('th', { scope: 'row', text: String(pt.T) }),
      cell(pt.fused, 'ms'), cell(pt.materialised, 'ms'), cell(pt.fused, 'bytes'), cell(pt.materialised, 'bytes'), cell(pt.materialised, 'weights')]));
  });
  table.appendChild(body);
  box.appendChild(el('div', { class: 'matrix-scroll' }, table));
}

// ---- running a sweep ---------------------------------------------------------------------------

/**
 * What a sweep tells the page.
 * @typedef {{ progress: (m: Progress) => void, done: () => void, fail: (text: string) => void, stopped: (text: string) => void }} Handlers
 */

/** @type {{ cancel: () => void } | null} the running sweep */
let sweep = null;

/** @param {string} status */
const setSweep = (status) => document.body.setAttribute('data-sweep', status);

/** Enables or disables a button, but never enables one the author of an embed link locked. @param {string} id @param {boolean} on */
function enable(id, on) { inputById(id).disabled = !on || $(id).hasAttribute('data-locked'); }

/** @param {'worker' | 'page'} mode @param {string} [reason] */
function setMode(mode, reason) {
  document.body.setAttribute('data-sweep-mode', mode);
  if (results) results.mode = mode;
  $('sweep-mode').textContent = mode === 'worker'
    ? 'Measuring in a background worker: the page stays free while it runs.'
    : `Measuring on this page, one short slice at a time (${reason}). The page stays usable, but at the longest lengths a single call can hold it for a moment.`;
}

function measure() {
  if (sweep) return;
  const params = { d_model: Number(state.get('d_model')), num_heads: state.get('num_heads'), tmax: Number(state.get('tmax')) };
  const sweepResults = { params, points: /** @type {Point[]} */ ([]) };
  results = sweepResults;
  drawResults();
  showError($('size-error'), null);
  enable('measure', false);
  enable('cancel', true);
  /** @type {HTMLProgressElement} */ ($('progress')).value = 0;
  $('sweep-status').textContent = 'Starting…';
  setSweep('running');
  const started = Date.now();
  /** @type {Handlers} */
  const handlers = {
    progress: (m) => {
      /** @type {HTMLProgressElement} */ ($('progress')).value = m.progress;
      if (m.label) $('sweep-status').textContent = `${m.label}…`;
      if (m.point) { sweepResults.points.push(m.point); drawResults(); }
    },
    done: () => end('done', `Measured ${sweepResults.points.length} lengths in ${((Date.now() - started) / 1000).toFixed(1)} s.`),
    fail: (text) => {
      showError($('size-error'), { message: text });
      end('error', `The measurements stopped: ${text}`);
    },
    // The module died under the sweep: the engine restarts it (and the page says so); the points
    // measured stay, and Measure starts again on the fresh module.
    stopped: (text) => end('error', `The measurements stopped: ${text} The core has been restarted: press Measure to measure again.`),
  };
  const reason = workerReason(state.get('worker'));
  sweep = reason ? onPage(params, handlers, reason) : inWorker(params, handlers);
}

/** @param {string} status @param {string} text */
function end(status, text) {
  sweep = null;
  enable('measure', true);
  enable('cancel', false);
  $('sweep-status').textContent = text;
  setSweep(status);
  drawTable();
}

function cancel() {
  if (!sweep || !results) return;
  sweep.cancel();
  end('cancelled', `Cancelled after ${results.points.length} of the ${lengths(results.params.tmax).length} lengths.`);
}

/**
 * The sweep in the cost worker; if the worker cannot start after all, on the page instead.
 * @param {SweepParams} params @param {Handlers} h
 */
function inWorker(params, h) {
  /** @type {Worker} */
  let worker;
  let ready = false;
  /** @type {{ cancel: () => void } | null} */
  let fallback = null;
  try {
    worker = startCostWorker();
  } catch (e) {
    return onPage(params, h, `the worker could not start: ${e instanceof Error ? e.message : e}`);
  }
  const toPage = (/** @type {string} */ why) => {
    worker.terminate();
    fallback = onPage(params, h, why);
  };
  worker.onmessage = (ev) => {
    const m = ev.data || {};
    if (m.type === 'ready') { ready = true; setMode('worker'); }
    else if (m.type === 'progress') h.progress(m);
    else if (m.type === 'done') { worker.terminate(); h.done(); }
    else if (m.type === 'error' && m.stage === 'load') toPage('the worker could not load the core');
    else if (m.type === 'error' && m.stage === 'stopped') { worker.terminate(); h.stopped(m.message); }
    else if (m.type === 'error') { worker.terminate(); h.fail(m.message); }
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    if (!ready) toPage('the worker could not start');
    else { worker.terminate(); h.fail(`the worker stopped (${ev.message || 'an error'})`); }
  };
  worker.postMessage({ type: 'start', ...params });
  return { cancel: () => { worker.terminate(); if (fallback) fallback.cancel(); } };
}

/**
 * The sweep on the page, on the engine's cost bench: one step per timer task, so input and
 * painting get their turn between.
 * @param {SweepParams} params @param {Handlers} h @param {string} reason
 */
function onPage(params, h, reason) {
  setMode('page', reason);
  /** @type {ReturnType<typeof startSweep> | null} */
  let run = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let stopped = false;
  openCostBench(params.d_model, params.num_heads).then((opened) => {
    if ('error' in opened) { if (!stopped) h.fail(opened.error.message); return; }
    if (stopped) { opened.bench.dispose(); return; }
    let sweeping;
    try {
      sweeping = startSweep(opened.bench, params.tmax);
    } catch (e) {
      opened.bench.dispose();
      if (e instanceof CoreStopped) h.stopped(e.message); else h.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    run = sweeping;
    const tick = () => {
      timer = null;
      if (stopped) return;
      let out;
      try {
        out = sweeping.step();
      } catch (e) {
        sweeping.dispose();
        run = null;
        if (e instanceof CoreStopped) h.stopped(e.message); else h.fail(e instanceof Error ? e.message : String(e));
        return;
      }
      h.progress(out);
      if (out.done) { sweeping.dispose(); run = null; h.done(); return; }
      timer = setTimeout(tick, 0);
    };
    timer = setTimeout(tick, 0);
  });
  return {
    cancel: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (run) run.dispose();
    },
  };
}

$('measure').addEventListener('click', measure);
$('cancel').addEventListener('click', cancel);

// ---- the stepper and the code --------------------------------------------------------------

const stepper = createStepper($('stepper'), {
  onSelect: (name) => state.set({ step: name }),
  view: (step) => {
    const last = step.shape[step.shape.length - 1];
    const square = last === book.tokens.length && /^(attn_|mask)/.test(step.name);
    const dims = Array.from({ length: last }, (_, i) => `d${i + 1}`);
    return { rowLabels: book.tokens, colLabels: square ? book.tokens : dims, heat: square, nullText: '−∞' };
  },
  code: (step) => {
    const list = [{ fn: 'multihead_attention' }];
    if (/^attn_|^mask$/.test(step.name)) list.push({ fn: 'attend' });
    return list;
  },
});

showCode($('cost-code'), code['MaterialisedAttention::forward'], /attn_weights_\[h\] = |causal_softmax_row\(&/, 'materialised: every head\'s (T, T) at once');
showCode($('cost-code'), code['FusedAttention::attend_head'], /scores_\.resize|online_softmax\(|scale_rows\(/, 'fused: one tile of scores at a time');

/**
 * Asks the core whether it takes these sizes, so a bad num_heads is explained before measuring
 * (also while a sweep runs: after a restart, this is the call that re-creates the module).
 */
function checkSizes() {
  return checkCostSizes(Number(state.get('d_model')), state.get('num_heads')).then((error) => {
    if (sweep) return true;
    showError($('size-error'), error);
    return !error;
  });
}

/** @type {Record<string, any> | null} lesson 5's example with its steps: computed once */
let example = null;
runner(state, (current) => {
  const request = { mechanism: 'multihead', inputs: book.inputs, d_out: 2, num_heads: 2, causal: true, weights: book.multihead, steps: true };
  return Promise.all([checkSizes(), example || run(request)]).then(([sizesOk, res]) => {
    if (!current()) return;
    if (res.error) {
      showError($('size-error'), res.error);
      return false;
    }
    example = res;
    stepper.update(res.steps, state.get('step'));
    enable('measure', !sweep && sizesOk);
    return sizesOk;
  });
})();
drawResults();

// ---- predictions and exercises: how many bytes the materialised path's (num_heads, T, T) weights
// take, as the core counts them (MaterialisedAttention.score_bytes, through the engine's cost
// bench), for the lesson's default sizes and for GPT-2 small's.

const MiB = 1024 * 1024;
/**
 * The core's count of the weights' bytes for each T, at d_model and num_heads; or the core's error
 * (sizes it refuses, a T that is not a whole number or over its limit).
 * @param {number} d_model @param {number} num_heads @param {number[]} Ts
 * @returns {Promise<{ bytes: number[] } | { error: { message: string } }>}
 */
function scoreBytes(d_model, num_heads, Ts) {
  return openCostBench(d_model, num_heads).then((opened) => {
    if ('error' in opened) return { error: opened.error };
    try {
      return { bytes: Ts.map((T) => opened.bench.scoreBytes(T)) };
    } catch (e) {
      return { error: { message: e instanceof Error ? e.message : String(e) } };
    } finally {
      opened.bench.dispose();
    }
  });
}
/** @param {number} bytes */
const mib = (bytes) => `${formatBytes(bytes)} (${bytes.toLocaleString('en-US')} bytes)`;

/** Sizes in words: the options, and the one the core's count falls in. */
const AMOUNTS = [
  { value: 'mb5', label: 'about 5 MiB', below: 16 * MiB }, { value: 'mb50', label: 'about 50 MiB', below: 160 * MiB },
  { value: 'mb500', label: 'about 500 MiB', below: 1600 * MiB }, { value: 'gb5', label: 'about 5 GiB', below: Infinity },
];

/**
 * The moments and exercises, built once the core counted the defaults' bytes (the first question
 * quotes them), all at once so that every item registers before the learner can answer any.
 * @param {number} at1024  the core's bytes at T = 1024, d_model 64, 4 heads
 */
function acts(at1024) {
  predict($('predict-double'), {
    id: 'bytes-double',
    title: `With d_model 64 and 4 heads, the materialised path keeps ${mib(at1024)} of attention weights at T = 1024. How many MiB at T = 2048?`,
    guess: number({ label: 'MiB at T = 2048', tolerance: 0.5, placeholder: 'in MiB' }),
    truth: () => scoreBytes(64, 4, [2048]).then((r) => ('error' in r ? r : {
      value: r.bytes[0] / MiB, text: mib(r.bytes[0]),
      why: 'Every head holds a T × T matrix: twice the tokens, twice the rows and twice the columns, four times the bytes.',
    })),
  });

  predict($('predict-heads'), {
    id: 'bytes-heads',
    title: `Back at T = 1024 (${formatBytes(at1024)} with 4 heads), d_model still 64: how many MiB with 8 heads?`,
    guess: number({ label: 'MiB with 8 heads', tolerance: 0.5, placeholder: 'in MiB' }),
    truth: () => scoreBytes(64, 8, [1024]).then((r) => ('error' in r ? r : {
      value: r.bytes[0] / MiB, text: mib(r.bytes[0]),
      why: 'Each head has its own T × T weights, however narrow the head: the heads cut d_model into slices, which the work does not notice, but the memory for the weights grows with their number.',
    })),
  });

  predict($('predict-gpt2'), {
    id: 'gpt2-bytes',
    title: 'GPT-2 small (d_model 768, 12 heads) at its full context, T = 1024: how much memory do the attention weights of one layer take?',
    guess: pick({ legend: 'Memory for the weights', options: () => AMOUNTS.map(({ value, label }) => ({ value, label })) }),
    truth: () => scoreBytes(768, 12, [1024]).then((r) => {
      if ('error' in r) return r;
      const bin = AMOUNTS.find((x) => r.bytes[0] < x.below) || AMOUNTS[AMOUNTS.length - 1];
      return { value: bin.value, text: mib(r.bytes[0]),
        why: 'Twelve matrices of 1024 × 1024 floats of 4 bytes; d_model does not enter. Over GPT-2 small’s 12 layers, and per sequence of a batch, it adds up: the reason the fused path never stores them.' };
    }),
  });

  exercise($('exercise-budget'), {
    id: 'budget-T',
    task: 'GPT-2 small’s sizes (d_model 768, 12 heads): find a sequence length T whose attention weights take between 48 MiB and 64 MiB.',
    hint: 'The bytes grow with T²: from a T you tried, multiplying T by 1.15 multiplies the bytes by about 1.3.',
    solution: 'T = 1100 works: a little more than GPT-2’s context of 1024, which takes exactly 48 MiB.',
    fields: { caption: 'sequence length', rows: ['T'], cols: ['tokens'], value: () => [[512]] },
    check: (answer) => {
      const T = answer ? answer[0][0] : 0;
      return scoreBytes(768, 12, [T]).then((r) => {
        if ('error' in r) return r;
        const b = r.bytes[0];
        if (b >= 48 * MiB && b <= 64 * MiB) return { ok: true, message: `T = ${T}: ${mib(b)}.` };
        return { ok: false, message: `T = ${T} needs ${mib(b)}: ${b < 48 * MiB ? 'too little; take a longer T' : 'too much; take a shorter T'}.` };
      });
    },
  });

  exercise($('exercise-exact'), {
    id: 'exact-4mib',
    task: 'With d_model 64, choose num_heads and T so that the materialised path’s attention weights take exactly 4 MiB (4,194,304 bytes).',
    hint: 'The bytes are num_heads × T × T × 4: halving T divides them by four, which four times the heads make up for. num_heads must divide 64.',
    solution: 'num_heads 4 and T = 512, or 1 head and T = 1024, or 16 heads and T = 256.',
    fields: { caption: 'sizes', rows: ['yours'], cols: ['num_heads', 'T'], value: () => [[4, 256]] },
    check: (answer) => {
      const [heads, T] = answer ? answer[0] : [0, 0];
      return scoreBytes(64, heads, [T]).then((r) => {
        if ('error' in r) return r;
        const b = r.bytes[0];
        if (b === 4 * MiB) return { ok: true, message: `${heads} heads at T = ${T}: exactly ${mib(b)}.` };
        return { ok: false, message: `${heads} heads at T = ${T} take ${mib(b)}: ${b < 4 * MiB ? 'too little' : 'too much'}.` };
      });
    },
  });
  progressLine(document.getElementById('answers'));
}
scoreBytes(64, 4, [1024]).then((r) => {
  if ('error' in r) showError($('predict-double'), r.error);
  else acts(r.bytes[0]);
});
