// The trainer handle: the narrow calls lesson 8 needs of the core's Trainer (docs/api.md, "Trainer"),
// made from a raw module by the page's engine (engine/page.js) or the train worker's
// (engine/worker.js). Only web/js/engine/ holds a raw module; what leaves it is this object, whose
// calls first check that the module is alive (CoreStopped where it died) and parse the core's JSON.
import { guardFor } from './bench.js';

/** @typedef {import('./bench.js').Life} Life */

/**
 * What a train request configures (docs/api.md, mechanism "train"): the task and the model; the
 * rest keeps the core's defaults.
 * @typedef {{ task: string, n_layers: number, n_heads: number, emb_dim: number, lr: number, seed: number,
 *   eval_sequences?: number }} TrainSettings
 */

/**
 * The model the core built (the train response's "model").
 * @typedef {{ task: string, vocab: string[], seq_len: number, context_length: number, parameter_count: number,
 *   layout: { name: string, offset: number, rows: number, cols: number }[], solution: string,
 *   target_accuracy: number, steps_taken: number }} ModelInfo
 */

/**
 * evaluate()'s answer: held-out loss and accuracies, each head's mean weight on the position the task's
 * solution reads (source_attention[layer][head]) and the head with the most (best_head), and the probe
 * sequence with every head's attention.
 * @typedef {{ loss: number, token_accuracy: number, sequence_accuracy: number, source_attention: number[][],
 *   best_head: { layer: number, head: number },
 *   probe: { inputs: number[], targets: number[], sources: number[], predictions: number[], attention: number[][][][] } }} Evaluation
 */

/**
 * head_effects()'s answer: the held-out token accuracy with every head on, with each head alone off
 * (without[layer][head]) and the fall (token_accuracy − without), all from the core.
 * @typedef {{ token_accuracy: number, without: number[][], fall: number[][] }} HeadEffects
 */

/** predict()'s answer: the argmax at every position and attention[layer][head][T][T]. @typedef {{ predictions: number[], attention: number[][][][] }} Prediction */

/**
 * @typedef {object} TrainerHandle
 * @property {(n: number) => Float32Array} step        n training steps; their losses
 * @property {() => Evaluation} evaluate
 * @property {() => HeadEffects} headEffects           each head off alone in turn; the switches kept
 * @property {(tokens: number[]) => Prediction} predict
 * @property {() => ModelInfo} info
 * @property {() => Float32Array} weights              a copy of the flat buffer
 * @property {(weights: Float32Array) => void} load     throws the core's message for a wrong length or a non-finite entry
 * @property {(layer: number, head: number, off: boolean) => void} ablate
 * @property {() => number} stepsTaken
 * @property {() => void} dispose
 */

/**
 * Makes a trainer on `core` for `settings`. Throws the core's message (an Error) for a config it
 * refuses, and CoreStopped once the module is dead.
 * @param {AttnRawCore} core
 * @param {Life} life
 * @param {TrainSettings} settings
 * @returns {TrainerHandle}
 */
export function trainerHandle(core, life, settings) {
  const guard = guardFor(life);
  const trainer = guard(() => new core.Trainer(JSON.stringify({ mechanism: 'train', ...settings })));
  let live = true;
  /** @template T @param {() => T} fn @returns {T} */
  const call = (fn) => {
    if (!live) throw new Error('this trainer was disposed');
    return guard(fn);
  };
  return Object.freeze({
    step: (n) => call(() => trainer.step(n)).slice(),  // a copy: never a view of the module's memory
    evaluate: () => JSON.parse(call(() => trainer.evaluate())),
    headEffects: () => JSON.parse(call(() => trainer.head_effects())),
    predict: (tokens) => JSON.parse(call(() => trainer.predict(Int32Array.from(tokens)))),
    info: () => JSON.parse(call(() => trainer.info())),
    weights: () => call(() => trainer.weights()).slice(),
    load: (weights) => call(() => trainer.load(weights)),
    ablate: (layer, head, off) => call(() => trainer.ablate(layer, head, off)),
    stepsTaken: () => call(() => trainer.steps_taken()),
    dispose() {
      if (!live) return;
      live = false;
      if (life.alive()) trainer.delete();  // a dead module's objects went with its memory
    },
  });
}
