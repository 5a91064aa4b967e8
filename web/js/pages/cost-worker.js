// The cost worker (bundled to site/js/cost-worker.js): runs lesson 6's sweep (cost/meter.js) off
// the page's thread, on the worker's own engine (engine/worker.js). Messages:
//   page -> worker  { type: 'start', d_model, num_heads, tmax }
//   worker -> page  { type: 'ready' } once the core is loaded, then { type: 'progress', progress,
//                   label, point? } and { type: 'done' }, or { type: 'error', stage, message } where
//                   stage is 'load' (the page measures itself instead), 'sizes' (refused) or
//                   'stopped' (the module died). The page cancels by terminating the worker.
import { CoreStopped } from '../engine/bench.js';
import { loadWorkerCore } from '../engine/worker.js';
import { sweep } from '../cost/meter.js';

/** @param {object} message */
const post = (message) => self.postMessage(message);
/** @param {unknown} e */
const text = (e) => (e instanceof Error ? e.message : String(e));

self.onmessage = (event) => {
  const request = event.data || {};
  if (request.type !== 'start') return;
  loadWorkerCore().then((engine) => {
    post({ type: 'ready' });
    let run;
    try {
      run = sweep(engine.openCostBench(request.d_model, request.num_heads), request.tmax);
    } catch (e) {
      post({ type: 'error', stage: e instanceof CoreStopped ? 'stopped' : 'sizes', message: text(e) });
      return;
    }
    post({ type: 'progress', progress: 0, lengths: run.lengths });
    try {
      for (;;) {
        const out = run.step();
        post({ type: 'progress', ...out });
        if (out.done) break;
      }
    } catch (e) {
      post({ type: 'error', stage: 'stopped', message: text(e) });
      return;
    }
    run.dispose();
    post({ type: 'done' });
  }, (e) => {
    post({ type: 'error', stage: 'load', message: `The attention core could not be loaded in the worker: ${text(e)}` });
  });
};
