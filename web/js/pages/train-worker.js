// The train worker (bundled to site/js/train-worker.js): holds lesson 8's trainer off the page's
// thread, on the worker's own engine (engine/worker.js). Messages (train/session.js sends them):
//   worker -> page  { type: 'ready' } once the core is loaded, or { type: 'load-error', message }
//   page -> worker  { id, op, ...args }: op 'open' { settings } -> { info, evaluation };
//                   'train' { n } -> { losses, ms }; 'evaluate'; 'headEffects'; 'predict' { tokens };
//                   'ablate' { layer, head, off }; 'weights' -> Float32Array; 'load' { weights }
//   worker -> page  { id, result } or { id, error, stopped } (stopped: the core died in this worker)
// One trainer per worker; the page ends a training by terminating the worker.
import { loadWorkerCore } from '../engine/worker.js';

/** @typedef {import('../engine/train.js').TrainerHandle} TrainerHandle */

/** @param {object} message @param {Transferable[]} [transfer] */
const post = (message, transfer = []) => self.postMessage(message, { transfer });
/** @param {unknown} e */
const text = (e) => (e instanceof Error ? e.message : String(e));

const engine = loadWorkerCore();
engine.then(() => post({ type: 'ready' }), (e) => post({ type: 'load-error', message: text(e) }));

/** @type {TrainerHandle | null} */
let trainer = null;

/** What one operation answers, and the buffers to hand over with it. @typedef {{ result: any, transfer?: Transferable[] }} Reply */

/** @param {Record<string, any>} m @returns {Reply | Promise<Reply>} */
function answer(m) {
  if (m.op === 'open') {
    return engine.then((e) => {
      if (trainer) trainer.dispose();
      trainer = e.openTrainer(m.settings);
      return { result: { info: trainer.info(), evaluation: trainer.evaluate() } };
    });
  }
  if (!trainer) throw new Error('no model yet');
  const t = trainer;
  switch (m.op) {
    case 'train': {
      const t0 = performance.now();
      const losses = t.step(m.n);
      return { result: { losses, ms: performance.now() - t0 }, transfer: [losses.buffer] };
    }
    case 'evaluate': return { result: t.evaluate() };
    case 'headEffects': return { result: t.headEffects() };
    case 'predict': return { result: t.predict(m.tokens) };
    case 'ablate': t.ablate(m.layer, m.head, m.off); return { result: null };
    case 'weights': { const w = t.weights(); return { result: w, transfer: [w.buffer] }; }
    case 'load': t.load(m.weights); return { result: null };
    default: throw new Error(`unknown operation ${String(m.op).slice(0, 20)}`);
  }
}

self.onmessage = (event) => {
  const m = event.data || {};
  if (typeof m.id !== 'number') return;
  Promise.resolve().then(() => answer(m)).then(
    (out) => post({ id: m.id, result: out.result }, out.transfer || []),
    (e) => post({ id: m.id, error: text(e), stopped: e instanceof Error && e.name === 'CoreStopped' }));
};
