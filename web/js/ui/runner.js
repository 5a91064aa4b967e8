// The runner: computes a lesson's view through the engine whenever its state changes, newest
// request wins, and recovers the view when the core dies.
import { el } from '../render/dom.js';
import { onRestart } from '../engine/page.js';
import { engineStatus } from './messages.js';

/**
 * Calls compute(current) whenever the state changes; current() says whether this run is still the
 * newest (a result that arrives after a newer request started is dropped). compute resolves to
 * false when it showed an error. While it works, <body data-status> is "busy"; then "ready" (or
 * "error"), and <body data-runs> counts the runs. When the core dies (engine onRestart), the page
 * says so and computes the view again on a fresh module, from the state; if it dies again before
 * answering anything, it stops retrying. Returns the function that runs it (call it once to start).
 * @param {import('../state.js').State} state
 * @param {(current: () => boolean) => Promise<boolean | void> | boolean | void} compute
 */
export function runner(state, compute) {
  let latest = 0;
  /** @type {string | null} the reason of the restart being recovered from */
  let recovering = null;
  function go() {
    const id = ++latest;
    document.body.setAttribute('data-status', 'busy');
    return Promise.resolve().then(() => compute(() => id === latest)).then((ok) => {
      if (id !== latest) return;
      if (recovering !== null) { engineStatus('restored', recovering); recovering = null; }
      document.body.setAttribute('data-status', ok === false ? 'error' : 'ready');
      document.body.setAttribute('data-runs', String(Number(document.body.getAttribute('data-runs') || 0) + 1));
    }, (e) => {
      if (id !== latest) return;
      document.body.setAttribute('data-status', 'error');
      const box = document.getElementById('notices');
      if (box) { box.hidden = false; box.appendChild(el('p', { class: 'notice error', role: 'alert', text: `Something went wrong: ${e && e.message ? e.message : e}` })); }
      console.warn(e);
    });
  }
  onRestart((info) => {
    if (info.streak > 1) { recovering = null; engineStatus('failed', info.reason); return; }
    recovering = info.reason;
    engineStatus('restarting', info.reason);
    go();
  });
  state.subscribe(go);
  return go;
}

/**
 * The value of the step named `name` of a response, or undefined.
 * @param {import('../engine/page.js').CoreResponse} res
 * @param {string} name
 * @returns {any}
 */
export function step(res, name) {
  const found = (res.steps || []).find((/** @type {{ name: string }} */ x) => x.name === name);
  return found ? found.value : undefined;
}
