// The measurements of the lesson on cost (lessons/06-what-attention-costs.js): for each sequence
// length T, the time of one forward pass and the bytes it keeps on the wasm heap, for the fused path
// and the materialised one, both computed by the C++ core through the engine's cost bench
// (engine/bench.js). It runs two ways: in the cost worker (js/cost-worker.js: the whole sweep off
// the page's thread), or on the page, where the lesson calls step() from short timer slices (file://,
// where Chromium refuses to start a worker, or an opaque origin). One step() is one forward call, or
// a batch of calls short enough (BATCH_MS) not to block.
import { CoreStopped } from '../engine/bench.js';

/** The sequence lengths the slider offers: half-octave steps 16, 23, 32, …, 4096. */
export const GRID = Object.freeze(Array.from({ length: 17 }, (_, i) => Math.round(2 ** ((i + 8) / 2))));
// The materialised path is skipped where its (num_heads, T, T) weights would pass this; the wasm
// heap can grow to 512 MiB, and the path needs the weights plus one more (T, T) while it computes.
export const BUDGET_BYTES = 256 * 1024 * 1024;
const BATCH_MS = 12;  // a timed batch of forward calls lasts about this long
const BATCHES = 5;    // the time of a call is the best of this many batches (less noise from the machine)
const MAX_BATCH = 10000;  // calls in a batch at most (a tiny forward takes a few microseconds)
const SLOW_MS = 100;  // a call slower than this is timed in fewer batches: 2, or 1 past 4·SLOW_MS
// Before the first measurement both paths run for this long on a small input, so the browser has
// compiled the hot wasm functions with its optimising tier (timings of the first, baseline-compiled
// calls would make the shortest sequences look slow).
const WARMUP_MS = 150, WARMUP_T = 64;

/** @typedef {'fused' | 'materialised'} PathKind */
/**
 * One path's result at one length, as it crosses to the page.
 * @typedef {{ ms?: number, bytes?: number, calls?: number, score_bytes?: number, skipped?: boolean, budget_bytes?: number, error?: string }} PathResult
 */
/** @typedef {{ T: number, fused: PathResult, materialised: PathResult }} Point */
/** @typedef {{ done: boolean, progress: number, label?: string, point?: Point }} Progress */
/** @typedef {{ d_model: number, num_heads: number, tmax: number }} SweepParams */

const now = () => performance.now();

/** The lengths of a sweep up to tmax (a value of GRID). @param {number} tmax */
export function lengths(tmax) { return GRID.filter((T) => T <= tmax); }

/**
 * n numbers in [−scale, scale) from a small xorshift generator: the inputs and weights the paths
 * are timed on. Their values do not change the work done, only its numbers (which nobody reads).
 * @param {number} n @param {number} seed @param {number} scale
 */
export function noise(n, seed, scale) {
  const a = new Float32Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    a[i] = (x / 4294967296 * 2 - 1) * scale;
  }
  return a;
}

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

/**
 * A sweep over lengths(tmax) of both paths on `bench`, after a short warm-up. Returns { step,
 * dispose, lengths }: step() runs one slice and returns a Progress, its point a finished length;
 * dispose() frees the core's objects. step() throws CoreStopped when the module died under it (the
 * sweep cannot go on); a path that fails at one length (out of memory) is recorded and the sweep
 * goes on.
 * @param {import('../engine/bench.js').CostBench} bench
 * @param {number} tmax
 */
export function sweep(bench, tmax) {
  const d = bench.d_model, Ts = lengths(tmax);
  const scale = 1 / Math.sqrt(d);
  const weights = [1, 2, 3, 4].map((s) => noise(d * d, s, scale)).concat([noise(d, 5, scale)]);
  const total = Ts.reduce((sum, T) => sum + T * T, 0);  // progress: work grows about as T²
  let done = 0;
  /** @type {{ T: number, path: PathKind }[]} one per (T, path): a small state machine advanced by step() */
  const tasks = Ts.flatMap((T) => [{ T, path: /** @type {PathKind} */ ('fused') }, { T, path: /** @type {PathKind} */ ('materialised') }]);
  let index = 0;
  /** @typedef {{ calls: number, best: number, first_ms?: number, ms?: number, bytes?: number, score_bytes?: number, skipped?: boolean, budget_bytes?: number, error?: string }} Raw */
  /** @typedef {{ task: { T: number, path: PathKind }, attention: import('../engine/bench.js').Path, result: Raw, phase: 'first' | 'timed', batch: number, batches: number }} Run */
  /** @type {Run | null} */
  let current = null;
  /** @type {Float32Array} */
  let inputs = new Float32Array(0);
  /** @type {{ T: number, fused?: Raw, materialised?: Raw } | null} */
  let point = null;

  /** @param {{ T: number, path: PathKind }} task @returns {Run | null} */
  function begin(task) {
    if (!point || point.T !== task.T) {
      point = { T: task.T };
      inputs = noise(task.T * d, task.T, 1);
    }
    /** @type {Raw} */
    const result = { calls: 0, best: Infinity };
    point[task.path] = result;
    if (task.path === 'materialised') {
      result.score_bytes = bench.scoreBytes(task.T);
      if (result.score_bytes > BUDGET_BYTES) { result.skipped = true; result.budget_bytes = BUDGET_BYTES; return null; }
    }
    return { task, attention: bench.path(task.path, weights), result, phase: 'first', batch: 1, batches: 0 };
  }

  /** One forward call, or one batch of them; measures the heap around the first call. @param {Run} run */
  function advance(run) {
    const T = run.task.T, result = run.result;
    try {
      if (run.phase === 'first') {
        const before = bench.heapBytes();
        const t0 = now();
        run.attention.forward(inputs, T);
        const ms = now() - t0;
        result.bytes = bench.heapBytes() - before;  // what the call allocated and keeps: the path's working set
        result.first_ms = ms;
        run.phase = 'timed';
        run.batch = Math.max(1, Math.min(MAX_BATCH, Math.ceil(BATCH_MS / Math.max(ms, 0.005))));
        run.batches = ms > 4 * SLOW_MS ? 1 : ms > SLOW_MS ? 2 : BATCHES;
        return false;
      }
      const t1 = now();
      for (let i = 0; i < run.batch; i++) run.attention.forward(inputs, T);
      const spent = now() - t1;
      result.calls += run.batch;
      if (spent < BATCH_MS / 2 && run.batch < MAX_BATCH) {
        // The first call (which also grows the buffers) overstated a call, and the batch ran too
        // short for the clock (0.1 ms steps where the page is not cross-origin isolated, so a
        // batch could even read 0): a longer batch instead, this one not counted.
        run.batch = Math.min(MAX_BATCH, Math.ceil(run.batch * BATCH_MS / Math.max(spent, 0.1)));
        return false;
      }
      result.best = Math.min(result.best, spent / run.batch);
      return --run.batches === 0;
    } catch (e) {
      if (e instanceof CoreStopped) throw e;
      result.error = message(e);  // out of memory, most likely: the core said why; the sweep goes on
      return true;
    }
  }

  /** @type {{ spent: number, inputs: Float32Array, paths: import('../engine/bench.js').Path[] } | null} */
  let warmup = { spent: 0, inputs: noise(WARMUP_T * d, 0, 1), paths: [bench.path('fused', weights), bench.path('materialised', weights)] };

  /** One slice of the warm-up: both paths, alternately, for about BATCH_MS. @returns {Progress} */
  function warm() {
    const w = /** @type {NonNullable<typeof warmup>} */ (warmup);
    const t0 = now();
    try {
      for (let i = 0; now() - t0 < BATCH_MS; i++) w.paths[i % 2].forward(w.inputs, WARMUP_T);
    } catch (e) {
      if (e instanceof CoreStopped) throw e;  // otherwise the measurements will meet the same problem and report it
    }
    w.spent += now() - t0;
    if (w.spent >= WARMUP_MS || !isFinite(w.spent)) endWarmup();
    return { done: false, progress: 0, label: 'Warming up (both paths on a short sequence, so the browser optimises their code)' };
  }

  function endWarmup() {
    if (!warmup) return;
    warmup.paths.forEach((a) => a.dispose());
    warmup = null;
  }

  /** @returns {Progress} */
  function step() {
    if (warmup) return warm();
    if (index >= tasks.length) return { done: true, progress: 1 };
    const task = tasks[index];
    let finished;
    if (!current) {
      current = begin(task);  // null: skipped, over the budget
      finished = !current;
    } else {
      finished = advance(current);
    }
    if (finished) {
      if (current) {
        if (!current.result.error) current.result.ms = current.result.best;
        current.attention.dispose();
      }
      current = null;
      index++;
    }
    /** @type {Progress} */
    const out = { done: index >= tasks.length, progress: 0, label: `Measuring T = ${task.T}, ${task.path} path` };
    if (finished && task.path === 'materialised' && point) {  // both paths of this length are measured
      done += task.T * task.T;
      out.point = clean(point);
    }
    out.progress = Math.min(1, done / total);
    return out;
  }

  /**
   * The point without the bookkeeping fields, as plain data (it crosses to the page as a message).
   * @param {{ T: number, fused?: Raw, materialised?: Raw }} p
   * @returns {Point}
   */
  function clean(p) {
    /** @param {Raw | undefined} r @returns {PathResult} */
    const keep = (r) => {
      if (!r) return { error: 'not measured' };
      if (r.skipped) return { skipped: true, score_bytes: r.score_bytes, budget_bytes: r.budget_bytes };
      if (r.error) return { error: r.error, score_bytes: r.score_bytes };
      /** @type {PathResult} */
      const o = { ms: r.ms, bytes: r.bytes, calls: r.calls + 1 };
      if (r.score_bytes !== undefined) o.score_bytes = r.score_bytes;
      return o;
    };
    return { T: p.T, fused: keep(p.fused), materialised: keep(p.materialised) };
  }

  function dispose() {
    endWarmup();
    if (current) current.attention.dispose();
    current = null;
    index = tasks.length;
    bench.dispose();
  }

  return Object.freeze({ step, dispose, lengths: Ts.slice() });
}
