// The engine of the cost worker (js/cost-worker.js): loads the wasm core inside the worker and
// gives the same narrow bench as the page's engine (engine/bench.js), never the raw module. The
// worker lives for one sweep, so a module that dies is not restarted here: the bench stops the sweep
// (CoreStopped) and the page says so.
import { costBench, describe } from './bench.js';

/**
 * Loads the core in this worker; resolves to { openCostBench(d_model, num_heads) }, which throws the
 * core's message for sizes it refuses.
 * @returns {Promise<{ openCostBench: (d_model: number, num_heads: number) => import('./bench.js').CostBench }>}
 */
export function loadWorkerCore() {
  // The core sits in the site's wasm/ folder, beside this script's folder (site/js/cost-worker.js).
  const wasmBase = new URL('../wasm/', self.location.href).href;
  let alive = true, reason = '';
  const die = (/** @type {string} */ why) => { if (alive) { alive = false; reason = why; } };
  try {
    importScripts(`${wasmBase}attention_core.js`);
    return createAttentionCore({ locateFile: (file) => wasmBase + file, onAbort: (what) => die(`aborted${what ? `: ${what}` : ''}`) })
      .then((core) => {
        const life = { alive: () => alive, reason: () => reason, failed: die };
        return { openCostBench: (d_model, num_heads) => costBench(core, life, d_model, num_heads) };
      });
  } catch (e) {
    return Promise.reject(new Error(describe(e)));
  }
}
