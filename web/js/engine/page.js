// The engine: the only code on a page that loads the WebAssembly core and talks to it. Pages opened
// from disk (file://) load attention_core.single.js, which carries the wasm inline, because Chromium
// refuses to fetch a .wasm file there; served pages load attention_core.js and its separate .wasm,
// compiled while it streams. Whatever goes wrong inside the module (an abort, a trap), the module
// is dropped, the page is told (onRestart) and the next call runs on a fresh one.
import { costBench, describe } from './bench.js';
import { trainerHandle } from './train.js';

/** @typedef {import('./bench.js').CostBench} CostBench */
/** @typedef {import('./train.js').TrainerHandle} TrainerHandle */
/** @typedef {import('./train.js').TrainSettings} TrainSettings */

/**
 * A core error response's `error`: `field` is a JSON Pointer into the request ("/num_heads",
 * "/inputs/2/1"), absent when the whole request is at fault.
 * @typedef {{ code: string, message: string, field?: string, restarting?: boolean }} CoreError
 */
/** A parsed core response: its fields by mechanism (docs/api.md), or `error`. @typedef {{ error?: CoreError } & Record<string, any>} CoreResponse */
/** @typedef {{ reason: string, generation: number, streak: number }} RestartInfo */

// The site's folders sit beside the folder of the bundle this module is part of
// (site/lessons/<lesson>.js or site/js/<page>.js -> site/wasm/, site/js/).
const bundle = document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : '';
const siteUrl = (/** @type {string} */ path) => (bundle ? new URL(`../${path}`, bundle).href : `../${path}`);

/**
 * A single-file lesson (tools/export): the core comes inline, right before the lesson's bundle, and
 * no other script of the site is there, so no worker can be started from one. Read when the bundle
 * starts: on the site the core is loaded later, on first use.
 */
export const singleFile = typeof createAttentionCore === 'function';

/**
 * Why this page cannot run the core in a worker, or null when it can: switched off (the state's
 * worker=0), no Worker, a page from disk, a single-file lesson (no worker script beside it), or
 * an opaque origin (a sandboxed frame). Lessons 6 and 8 then run it on the page in slices.
 * @param {boolean} enabled  the state's `worker` switch
 * @returns {string | null}
 */
export function workerReason(enabled) {
  if (!enabled) return 'the worker is switched off by worker=0';
  if (typeof Worker === 'undefined') return 'this browser has no workers';
  if (location.protocol === 'file:') return 'a page opened from disk cannot start a worker';
  if (singleFile) return 'a single-file lesson carries no worker script';
  if (self.origin === 'null') return 'a sandboxed frame cannot start a worker';
  return null;
}

/** @type {Promise<AttnRawCore> | null} */
let corePromise = null;
/** @type {AttnRawCore | null} the live module, once compiled */
let current = null;
let generation = 0;  // how many modules this page has created (1 until one fails)
/** @type {((info: RestartInfo) => void)[]} */
const listeners = [];
let streak = 0;      // failures since the last request a module answered
let lastReason = '';
/** @type {string[]} the last requests sent, newest last: what a test or a bug report needs to replay a view */
const recent = [];
/**
 * A request the page sent and the core's answer to it (what "Copy as PyTorch" writes its program from).
 * @typedef {{ request: Record<string, any>, response: CoreResponse }} Exchange
 */
/** @type {WeakMap<object, Exchange>} each answer (and its steps) -> its exchange */
const exchanges = new WeakMap();
/** @type {Exchange[]} the last answered exchanges, newest last */
const answered = [];

/** @param {string} src */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(undefined);
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

/** Resolves to the core once the module is compiled (loads it on first call, re-creates it after a failure). */
function ready() {
  if (!corePromise) {
    // An opaque origin (file://, or a frame sandboxed without allow-same-origin) may not fetch the
    // .wasm (no CORS from most hosts), so it gets the build with the wasm inside the script.
    const opaque = location.protocol === 'file:' || self.origin === 'null';
    const file = opaque ? 'attention_core.single.js' : 'attention_core.js';
    const load = typeof createAttentionCore === 'function' ? Promise.resolve() : loadScript(siteUrl(`wasm/${file}`));
    const promise = load.then(() => {
      /** @type {AttnRawCore | null} */
      let core = null;
      // Emscripten calls onAbort when the C++ side aborts (std::abort, a trap, out of memory in the
      // runtime): from then on the instance's memory cannot be trusted, even if calls still return.
      return createAttentionCore({ onAbort: (what) => { if (core) failed(core, `aborted${what ? `: ${what}` : ''}`); } })
        .then((made) => { core = made; current = made; generation++; return made; });
    });
    corePromise = promise;
    promise.catch(() => { if (corePromise === promise) corePromise = null; });  // a later call may try again
  }
  return corePromise;
}

/**
 * The module `core` died: forget it, so that the next call creates a fresh one, and tell the
 * listeners (the lesson runner re-runs its view). Only the first report about a module counts.
 * @param {AttnRawCore} core
 * @param {string} reason
 */
function failed(core, reason) {
  if (core !== current) return;
  current = null;
  corePromise = null;
  streak++;
  lastReason = String(reason);
  const info = { reason: lastReason, generation, streak };
  // Later, so a listener's own calls do not run inside the failing call's stack.
  listeners.forEach((fn) => setTimeout(() => fn(info), 0));
}

/** @param {AttnRawCore} core @returns {import('./bench.js').Life} */
function lifeOf(core) {
  return { alive: () => core === current, reason: () => lastReason, failed: (reason) => failed(core, reason) };
}

/** @param {unknown} e */
const loadFailed = (e) => ({ code: 'load_failed', message: `The attention core could not be loaded: ${e instanceof Error ? e.message : e}` });

/**
 * Runs one request (an object) and resolves to the parsed response. A failure of the module itself
 * becomes an `internal` error response (with `restarting: true`): the module is dropped, the
 * onRestart listeners are told, and the next call runs on a fresh module.
 * @param {object} request
 * @returns {Promise<CoreResponse>}
 */
export function run(request) {
  const text = JSON.stringify(request);
  recent.push(text);
  if (recent.length > 50) recent.shift();
  return ready().then((core) => {
    try {
      const response = core.run(text);
      if (core === current) streak = 0;  // answered, and did not abort on the way
      /** @type {CoreResponse} */
      const parsed = JSON.parse(response);
      remember({ request: JSON.parse(text), response: parsed });
      return parsed;
    } catch (e) {
      failed(core, describe(e));
      return { error: { code: 'internal', restarting: true, message: `The attention core stopped (${describe(e)}). It is being restarted.` } };
    }
  }, (e) => ({ error: loadFailed(e) }));
}

/**
 * The bench of lesson 6 on this page's module (engine/bench.js): resolves to it, or to { error }
 * when the core refuses the sizes or cannot load. A module that dies under it restarts as after
 * any other call.
 * @param {number} d_model
 * @param {number} num_heads
 * @returns {Promise<{ bench: CostBench } | { error: CoreError }>}
 */
export function openCostBench(d_model, num_heads) {
  return ready().then((core) => {
    try {
      return { bench: costBench(core, lifeOf(core), d_model, num_heads) };
    } catch (e) {
      return { error: { code: 'bad_value', message: e instanceof Error ? e.message : String(e) } };
    }
  }, (e) => ({ error: loadFailed(e) }));
}

/**
 * Asks the core whether it takes these sizes for the cost bench: resolves to null, or its error.
 * @param {number} d_model
 * @param {number} num_heads
 * @returns {Promise<CoreError | null>}
 */
export function checkCostSizes(d_model, num_heads) {
  return openCostBench(d_model, num_heads).then((opened) => {
    if ('error' in opened) return opened.error;
    opened.bench.dispose();
    return null;
  });
}

/** The worker that measures lesson 6 off the page's thread (js/cost-worker.js, engine/worker.js inside). */
export function startCostWorker() { return new Worker(siteUrl('js/cost-worker.js')); }

/**
 * A trainer of lesson 8 on this page's module (engine/train.js): resolves to it, or to { error } when
 * the core refuses the settings or cannot load. (The core's `field` of a refusal comes from the JSON
 * entry: run({ mechanism: 'train', ...settings, steps: 0, evaluate: false }) first.)
 * @param {TrainSettings} settings
 * @returns {Promise<{ trainer: TrainerHandle } | { error: CoreError }>}
 */
export function openTrainer(settings) {
  return ready().then((core) => {
    try {
      return { trainer: trainerHandle(core, lifeOf(core), settings) };
    } catch (e) {
      return { error: { code: 'bad_value', message: e instanceof Error ? e.message : String(e) } };
    }
  }, (e) => ({ error: loadFailed(e) }));
}

/** The worker that trains lesson 8's model off the page's thread (js/train-worker.js, engine/worker.js inside). */
export function startTrainWorker() { return new Worker(siteUrl('js/train-worker.js')); }

/**
 * Calls fn({ reason, generation, streak }) after the module failed; the next call gets a fresh
 * module. streak counts the failures since a module last answered (2 or more: it keeps failing).
 * @param {(info: RestartInfo) => void} fn
 */
export function onRestart(fn) { listeners.push(fn); }

/** How many modules this page created: 1, plus one per restart that has loaded. */
export function generations() { return generation; }

/** The last requests sent (JSON text), newest last. */
export function recentRequests() { return recent.slice(); }

/** @param {Exchange} exchange */
function remember(exchange) {
  exchanges.set(exchange.response, exchange);
  if (Array.isArray(exchange.response.steps)) exchanges.set(exchange.response.steps, exchange);
  answered.push(exchange);
  if (answered.length > 50) answered.shift();
}

/**
 * The request behind an answer of the core (or behind its `steps`), with the answer: undefined for
 * anything the engine did not hand out.
 * @param {object} answer @returns {Exchange | undefined}
 */
export function exchangeOf(answer) { return exchanges.get(answer); }

/**
 * The newest exchange whose answer holds `value` (compared as JSON) under `field`: the request
 * that produced another request's input (lesson 1's encoder states, say).
 * @param {string} field @param {unknown} value @returns {Exchange | undefined}
 */
export function producerOf(field, value) {
  const text = JSON.stringify(value);
  for (let i = answered.length - 1; i >= 0; i--) {
    const got = answered[i].response[field];
    if (got !== undefined && JSON.stringify(got) === text) return answered[i];
  }
  return undefined;
}

/**
 * Test only: makes the module abort as a C++ bug would (std::abort inside the wasm), so a test can
 * check that the page notices, says so and recovers. Resolves once the module is dead.
 */
export function abortForTest() {
  return ready().then((core) => {
    try { core.abort_for_test(); } catch (e) { failed(core, describe(e)); return; }
    failed(core, 'abort_for_test returned');
  });
}
