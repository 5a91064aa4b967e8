// The cost bench: the narrow calls lesson 6 needs to time and weigh the core's two paths of causal
// multi-head attention (FastAttention without Strassen's steps, and MaterialisedAttention), made
// from a raw module by the page's engine (engine/page.js) or the worker's (engine/worker.js). Only
// web/js/engine/ holds a raw module; what leaves it is this object, and every call through it first
// checks that the module is alive, so a sweep stops (CoreStopped) where the module died.

/** The module stopped (an abort, or a trap): its memory cannot be trusted, nothing more runs on it. */
export class CoreStopped extends Error {
  /** @param {string} reason */
  constructor(reason) {
    super(`The attention core stopped (${reason}).`);
    this.name = 'CoreStopped';
    this.reason = reason;
  }
}

/** @param {unknown} e */
export function describe(e) {
  const err = /** @type {{ name?: string, message?: string }} */ (e);
  return (err && err.name ? `${err.name}: ` : '') + (err && err.message ? err.message : String(e));
}

/**
 * How a bench tells its engine about the module's life: alive() is false once the module failed;
 * failed(reason) reports a failure the bench met first (a trap in a call).
 * @typedef {{ alive: () => boolean, reason: () => string, failed: (reason: string) => void }} Life
 */

/**
 * guard(fn) runs fn() on a live module. A trap (WebAssembly.RuntimeError) kills the module; an abort
 * has told the engine already (onAbort): both become CoreStopped. Other errors are the core's (a size
 * refused, out of memory) and the module keeps working.
 * @param {Life} life
 * @returns {<T>(fn: () => T) => T}
 */
export function guardFor(life) {
  return (fn) => {
    if (!life.alive()) throw new CoreStopped(life.reason());
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError && life.alive()) life.failed(describe(e));
      if (!life.alive()) throw new CoreStopped(life.reason());
      throw e;
    }
  };
}

/** Float32Arrays: W_query, W_key, W_value, W_out (d_model² each), b_out (d_model). @typedef {Float32Array[]} Weights */

/**
 * One path of attention with its weights set.
 * @typedef {{ forward: (inputs: Float32Array, T: number) => void, dispose: () => void }} Path
 */

/**
 * @typedef {object} CostBench
 * @property {number} d_model
 * @property {number} num_heads
 * @property {(T: number) => number} scoreBytes  the core's count of the materialised path's (num_heads, T, T) bytes
 * @property {() => number} heapBytes            bytes in use on the wasm heap
 * @property {(kind: 'fused' | 'materialised', weights: Weights) => Path} path
 * @property {() => void} dispose
 */

/**
 * Makes the bench of `core` for d_model and num_heads. Throws (the core's message, an Error) for
 * sizes the core refuses, and CoreStopped once the module is dead.
 * @param {AttnRawCore} core
 * @param {Life} life
 * @param {number} d_model
 * @param {number} num_heads
 * @returns {CostBench}
 */
export function costBench(core, life, d_model, num_heads) {
  const guard = guardFor(life);
  const probe = guard(() => new core.MaterialisedAttention(d_model, num_heads));  // checks the sizes
  /** @type {Set<AttnRawAttention>} */
  const live = new Set([probe]);

  /** @param {AttnRawAttention} a */
  function free(a) {
    if (!live.delete(a)) return;
    if (life.alive()) a.delete();  // a dead module's objects went with its memory
  }

  return Object.freeze({
    d_model,
    num_heads,
    scoreBytes: (T) => guard(() => probe.score_bytes(T)),
    heapBytes: () => guard(() => core.heap_bytes()),
    path(kind, weights) {
      // The fused path without Strassen's steps: its projections are the same plain products as the
      // materialised path's, so the plots show what fusing alone saves.
      const attention = guard(() => (kind === 'fused' ? core.FastAttention.without_strassen(d_model, num_heads)
        : new core.MaterialisedAttention(d_model, num_heads)));
      live.add(attention);
      try {
        guard(() => attention.set_weights(weights[0], weights[1], weights[2], weights[3], weights[4]));
      } catch (e) {
        free(attention);
        throw e;
      }
      return Object.freeze({
        forward: (inputs, T) => { guard(() => attention.forward(inputs, T)); },
        dispose: () => free(attention),
      });
    },
    dispose() { [...live].forEach(free); },
  });
}
