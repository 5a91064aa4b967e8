// The engine of the workers (js/cost-worker.js, js/train-worker.js): loads the wasm core inside the
// worker and gives the same narrow objects as the page's engine (engine/bench.js, engine/train.js),
// never the raw module. A worker lives for one sweep or one training, so a module that dies is not
// restarted here: the bench or trainer stops (CoreStopped) and the page says so.
import { costBench, describe } from './bench.js';
import { trainerHandle } from './train.js';

/**
 * Loads the core in this worker; resolves to { openCostBench(d_model, num_heads), openTrainer(settings) },
 * which throw the core's message for sizes or settings it refuses.
 * @returns {Promise<{ openCostBench: (d_model: number, num_heads: number) => import('./bench.js').CostBench,
 *   openTrainer: (settings: import('./train.js').TrainSettings) => import('./train.js').TrainerHandle }>}
 */
export function loadWorkerCore() {
  // The core sits in the site's wasm/ folder, beside this script's folder (site/js/<name>-worker.js).
  const wasmBase = new URL('../wasm/', self.location.href).href;
  let alive = true, reason = '';
  const die = (/** @type {string} */ why) => { if (alive) { alive = false; reason = why; } };
  try {
    importScripts(`${wasmBase}attention_core.js`);
    return createAttentionCore({ locateFile: (file) => wasmBase + file, onAbort: (what) => die(`aborted${what ? `: ${what}` : ''}`) })
      .then((core) => {
        const life = { alive: () => alive, reason: () => reason, failed: die };
        return {
          openCostBench: (d_model, num_heads) => costBench(core, life, d_model, num_heads),
          openTrainer: (settings) => trainerHandle(core, life, settings),
        };
      });
  } catch (e) {
    return Promise.reject(new Error(describe(e)));
  }
}
