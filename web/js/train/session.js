// A training session of lesson 8: one trainer of the core (engine/train.js), behind the same
// promise-based calls whether it lives in the train worker (js/train-worker.js: the page's thread
// stays free however long a step takes) or on the page, where no worker can start (file://, a
// sandboxed frame): there every call runs at once, and the lesson's loop keeps its slices short and
// yields to the event loop between them.
import { openTrainer, startTrainWorker } from '../engine/page.js';

/** @typedef {import('../engine/train.js').TrainSettings} TrainSettings */
/** @typedef {import('../engine/train.js').ModelInfo} ModelInfo */
/** @typedef {import('../engine/train.js').Evaluation} Evaluation */
/** @typedef {import('../engine/train.js').Prediction} Prediction */
/** @typedef {import('../engine/train.js').HeadEffects} HeadEffects */
/** @typedef {import('../engine/train.js').TrainerHandle} TrainerHandle */

/**
 * @typedef {object} Session
 * @property {'worker' | 'page'} mode
 * @property {(n: number) => Promise<{ losses: Float32Array, ms: number }>} train   n steps, and how long they took where they ran
 * @property {() => Promise<Evaluation>} evaluate
 * @property {() => Promise<HeadEffects>} headEffects   each head off alone in turn, computed by the core
 * @property {(tokens: number[]) => Promise<Prediction>} predict
 * @property {(layer: number, head: number, off: boolean) => Promise<void>} ablate
 * @property {() => Promise<Float32Array>} weights
 * @property {(weights: Float32Array) => Promise<void>} load
 * @property {() => void} close
 */

/** The session's trainer or the worker stopped: the message says why. */
export class SessionError extends Error {
  /**
   * @param {string} message
   * @param {boolean} stopped  whether the core died (nothing more runs on this session)
   * @param {boolean} [closed] whether the page closed the session itself (a newer model took its place)
   */
  constructor(message, stopped, closed = false) {
    super(message);
    this.name = 'SessionError';
    this.stopped = stopped;
    this.closed = closed;
  }
}

/** @param {unknown} e */
const text = (e) => (e instanceof Error ? e.message : String(e));

/**
 * Opens a session for `settings`: in the train worker when `worker` is true, else (or when the worker
 * cannot start or load the core) on the page. Resolves to { session, info, evaluation } (the model
 * the core built and its first evaluation), or rejects with the core's message.
 * @param {TrainSettings} settings
 * @param {boolean} worker
 * @param {(reason: string) => void} onPage   told why the session runs on the page, when it does after trying a worker
 * @returns {Promise<{ session: Session, info: ModelInfo, evaluation: Evaluation }>}
 */
export function openSession(settings, worker, onPage) {
  if (!worker) return pageSession(settings);
  return workerSession(settings).catch((e) => {
    if (e instanceof SessionError) throw e;  // the core refused the settings: the page would too
    onPage(text(e));
    return pageSession(settings);
  });
}

/** @param {TrainSettings} settings */
function pageSession(settings) {
  return openTrainer(settings).then((opened) => {
    if ('error' in opened) throw new SessionError(opened.error.message, false);
    const t = opened.trainer;
    let closed = false;
    // a call the page queued before it closed the session: dropped as the worker's session drops it,
    // not the disposed trainer's error
    const closedError = () => new SessionError('this training was closed', false, true);
    // Each call runs in a task of its own, and what the page does with its answer (drawing) in the
    // next one: a click waiting between them is answered after one call, not after a call and a redraw.
    /** @template T @param {() => T} fn @returns {Promise<T>} */
    const now = (fn) => new Promise((resolve, reject) => {
      setTimeout(() => {
        if (closed) { reject(closedError()); return; }
        /** @type {() => void} */
        let settle;
        try {
          const value = fn();
          settle = () => resolve(value);
        } catch (e) {
          settle = () => reject(new SessionError(text(e), e instanceof Error && e.name === 'CoreStopped'));
        }
        setTimeout(() => (closed ? reject(closedError()) : settle()), 0);
      }, 0);
    });
    /** @type {Session} */
    const session = Object.freeze({
      mode: /** @type {'page'} */ ('page'),
      train: (n) => now(() => {
        const t0 = performance.now();
        const losses = t.step(n);
        return { losses, ms: performance.now() - t0 };
      }),
      evaluate: () => now(() => t.evaluate()),
      headEffects: () => now(() => t.headEffects()),
      predict: (tokens) => now(() => t.predict(tokens)),
      ablate: (layer, head, off) => now(() => t.ablate(layer, head, off)),
      weights: () => now(() => t.weights()),
      load: (weights) => now(() => t.load(weights)),
      close: () => { closed = true; t.dispose(); },
    });
    return now(() => ({ session, info: t.info(), evaluation: t.evaluate() }));
  });
}

/**
 * The train worker, kept between sessions (a new model is an 'open' message, not a new worker that
 * compiles the core again): call(op, args) answers in order; ready resolves once its core is loaded,
 * and rejects when the worker cannot start or load it.
 * @typedef {{ worker: Worker, ready: Promise<void>, call: (op: string, args?: object, transfer?: Transferable[]) => Promise<any>, dead: boolean }} Host
 */

/** @type {Host | null} */
let host = null;

/** Starts the train worker now, so that its core compiles while the page loads its own. */
export function prepareWorker() {
  if (!host) host = startHost();
  host.ready.catch(() => undefined);  // a worker that cannot start is told to openSession's caller
}

/** @returns {Host} */
function startHost() {
  /** @type {Worker} */
  let worker;
  try {
    worker = startTrainWorker();
  } catch (e) {
    const failed = Promise.reject(new Error(`the worker could not start: ${text(e)}`));
    return { worker: /** @type {any} */ (null), ready: failed, call: () => failed, dead: true };
  }
  let next = 0, loaded = false;
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
  const waiting = new Map();
  /** @type {(v?: any) => void} */
  let resolveReady = () => {};
  /** @type {(e: Error) => void} */
  let rejectReady = () => {};
  const ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
  /** @type {Host} */
  const made = {
    worker,
    ready: /** @type {Promise<void>} */ (ready),
    dead: false,
    call: (op, args = {}, transfer = []) => new Promise((res, rej) => {
      if (made.dead) { rej(new SessionError('the worker has stopped', true)); return; }
      const id = ++next;
      waiting.set(id, { resolve: res, reject: rej });
      worker.postMessage({ id, op, ...args }, transfer);
    }),
  };
  const die = (/** @type {SessionError} */ e) => {
    made.dead = true;
    worker.terminate();
    if (host === made) host = null;
    waiting.forEach((w) => w.reject(e));
    waiting.clear();
  };
  worker.onmessage = (ev) => {
    const m = ev.data || {};
    if (m.type === 'ready') { loaded = true; resolveReady(); return; }
    if (m.type === 'load-error') { die(new SessionError('the worker could not load the core', true)); rejectReady(new Error('the worker could not load the core')); return; }
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error === undefined) { w.resolve(m.result); return; }
    const e = new SessionError(m.error, !!m.stopped);
    w.reject(e);
    if (m.stopped) die(e);  // its core died: the next session starts a fresh worker
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    if (!loaded) rejectReady(new Error('the worker could not start'));
    die(new SessionError(`the worker stopped (${ev.message || 'an error'})`, true));
  };
  return made;
}

/**
 * The session in the train worker. Rejects with a plain Error when the worker cannot start or load
 * the core (the page takes over), with a SessionError when the core refuses the settings.
 * @param {TrainSettings} settings
 * @returns {Promise<{ session: Session, info: ModelInfo, evaluation: Evaluation }>}
 */
function workerSession(settings) {
  if (!host || host.dead) host = startHost();
  const h = host;
  let closed = false;
  /** @param {string} op @param {object} [args] @param {Transferable[]} [transfer] @returns {Promise<any>} */
  const call = (op, args, transfer) => (closed ? Promise.reject(new SessionError('this training was closed', false, true)) : h.call(op, args, transfer));
  /** @type {Session} */
  const session = Object.freeze({
    mode: /** @type {'worker'} */ ('worker'),
    train: (n) => call('train', { n }),
    evaluate: () => call('evaluate'),
    headEffects: () => call('headEffects'),
    predict: (tokens) => call('predict', { tokens }),
    ablate: (layer, head, off) => call('ablate', { layer, head, off }),
    weights: () => call('weights'),
    load: (weights) => { const copy = weights.slice(); return call('load', { weights: copy }, [copy.buffer]); },
    // the worker stays for the next model; the calls this session left behind are answered and dropped
    close: () => { closed = true; },
  });
  return h.ready.then(() => call('open', { settings })).then((opened) => ({ session, ...opened }));
}
