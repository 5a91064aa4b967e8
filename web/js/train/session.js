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
/** @typedef {import('../engine/train.js').TrainerHandle} TrainerHandle */

/**
 * @typedef {object} Session
 * @property {'worker' | 'page'} mode
 * @property {(n: number) => Promise<{ losses: Float32Array, ms: number }>} train   n steps, and how long they took where they ran
 * @property {() => Promise<Evaluation>} evaluate
 * @property {(tokens: number[]) => Promise<Prediction>} predict
 * @property {(layer: number, head: number, off: boolean) => Promise<void>} ablate
 * @property {() => Promise<Float32Array>} weights
 * @property {(weights: Float32Array) => Promise<void>} load
 * @property {() => void} close
 */

/** The session's trainer or the worker stopped: the message says why. */
export class SessionError extends Error {
  /** @param {string} message @param {boolean} stopped  whether the core died (nothing more runs on this session) */
  constructor(message, stopped) {
    super(message);
    this.name = 'SessionError';
    this.stopped = stopped;
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
    /** @template T @param {() => T} fn @returns {Promise<T>} */
    const now = (fn) => new Promise((resolve, reject) => {
      try { resolve(fn()); } catch (e) { reject(new SessionError(text(e), e instanceof Error && e.name === 'CoreStopped')); }
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
      predict: (tokens) => now(() => t.predict(tokens)),
      ablate: (layer, head, off) => now(() => t.ablate(layer, head, off)),
      weights: () => now(() => t.weights()),
      load: (weights) => now(() => t.load(weights)),
      close: () => t.dispose(),
    });
    return now(() => ({ session, info: t.info(), evaluation: t.evaluate() }));
  });
}

/**
 * The session in the train worker. Rejects with a plain Error when the worker cannot start or load
 * the core (the page takes over), with a SessionError when the core refuses the settings.
 * @param {TrainSettings} settings
 * @returns {Promise<{ session: Session, info: ModelInfo, evaluation: Evaluation }>}
 */
function workerSession(settings) {
  return new Promise((resolve, reject) => {
    /** @type {Worker} */
    let worker;
    try {
      worker = startTrainWorker();
    } catch (e) {
      reject(new Error(`the worker could not start: ${text(e)}`));
      return;
    }
    let next = 0, ready = false, closed = false;
    /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
    const waiting = new Map();
    const failAll = (/** @type {Error} */ e) => { waiting.forEach((w) => w.reject(e)); waiting.clear(); };
    /** @param {string} op @param {object} [args] @param {Transferable[]} [transfer] @returns {Promise<any>} */
    const call = (op, args = {}, transfer = []) => new Promise((res, rej) => {
      if (closed) { rej(new SessionError('this training was closed', false)); return; }
      const id = ++next;
      waiting.set(id, { resolve: res, reject: rej });
      worker.postMessage({ id, op, ...args }, transfer);
    });
    worker.onmessage = (ev) => {
      const m = ev.data || {};
      if (m.type === 'ready') {
        ready = true;
        call('open', { settings }).then((opened) => resolve({ session, ...opened }), (e) => { session.close(); reject(e); });
        return;
      }
      if (m.type === 'load-error') { worker.terminate(); reject(new Error('the worker could not load the core')); return; }
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new SessionError(m.error, !!m.stopped)); else w.resolve(m.result);
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      if (!ready) { worker.terminate(); reject(new Error('the worker could not start')); return; }
      failAll(new SessionError(`the worker stopped (${ev.message || 'an error'})`, true));
    };
    /** @type {Session} */
    const session = Object.freeze({
      mode: /** @type {'worker'} */ ('worker'),
      train: (n) => call('train', { n }),
      evaluate: () => call('evaluate'),
      predict: (tokens) => call('predict', { tokens }),
      ablate: (layer, head, off) => call('ablate', { layer, head, off }),
      weights: () => call('weights'),
      load: (weights) => { const copy = weights.slice(); return call('load', { weights: copy }, [copy.buffer]); },
      close: () => {
        if (closed) return;
        closed = true;
        worker.terminate();
        failAll(new SessionError('this training was closed', false));
      },
    });
  });
}
