// The measurements of the lesson on cost (lessons/06-what-attention-costs.js): for each sequence
// length T, the time of one forward pass and the bytes it keeps on the wasm heap, for the fused path
// (FastAttention) and the materialised one (MaterialisedAttention), both computed by the C++ core.
// The same file runs two ways:
//   - as a Web Worker (served pages): the whole sweep runs off the page's thread, reports progress,
//     and the page cancels it by terminating the worker;
//   - as a classic script on the page (file://, where Chromium refuses to start a worker, or an
//     opaque origin): the lesson calls step() from short timer slices, so the page stays responsive.
// One step() is one forward call, or a batch of calls short enough (BATCH_MS) not to block.
var AttnCostMeter = (function () {
  'use strict';

  /** The sequence lengths the slider offers: half-octave steps 16, 23, 32, …, 4096. */
  var GRID = (function () {
    var out = [];
    for (var k = 8; k <= 24; k++) out.push(Math.round(Math.pow(2, k / 2)));
    return Object.freeze(out);
  })();
  // The materialised path is skipped where its (num_heads, T, T) weights would pass this; the wasm
  // heap can grow to 512 MiB, and the path needs the weights plus one more (T, T) while it computes.
  var BUDGET_BYTES = 256 * 1024 * 1024;
  var BATCH_MS = 12;  // a timed batch of forward calls lasts about this long
  var BATCHES = 5;    // the time of a call is the best of this many batches (less noise from the machine)
  var MAX_BATCH = 10000;  // calls in a batch at most (a tiny forward takes a few microseconds)
  var SLOW_MS = 100;  // a call slower than this is timed in fewer batches: 2, or 1 past 4·SLOW_MS
  // Before the first measurement both paths run for this long on a small input, so the browser has
  // compiled the hot wasm functions with its optimising tier (timings of the first, baseline-compiled
  // calls would make the shortest sequences look slow).
  var WARMUP_MS = 150, WARMUP_T = 64;

  function now() { return (typeof performance !== 'undefined' ? performance : Date).now(); }

  /** The lengths of a sweep up to tmax (a value of GRID). */
  function lengths(tmax) { return GRID.filter(function (T) { return T <= tmax; }); }

  /**
   * n numbers in [−scale, scale) from a small xorshift generator: the inputs and weights the paths
   * are timed on. Their values do not change the work done, only its numbers (which nobody reads).
   */
  function noise(n, seed, scale) {
    var a = new Float32Array(n), x = (seed * 2654435761) >>> 0 || 1;
    for (var i = 0; i < n; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      a[i] = (x / 4294967296 * 2 - 1) * scale;
    }
    return a;
  }

  function message(e) { return e && e.message ? e.message : String(e); }

  /** The fused path without Strassen's steps: its projections are the same plain products as the
   *  materialised path's, so the plots show what fusing alone saves. */
  function fusedAttention(core, d, heads) { return core.FastAttention.without_strassen(d, heads); }

  /**
   * A sweep over lengths(tmax) of both paths with d_model and num_heads, after a short warm-up.
   * Returns { step, dispose, lengths }: step() runs one slice and returns { done, progress (0..1),
   * label, point? }, point being a finished length: { T, fused: { ms, bytes, calls },
   * materialised: { ms, bytes, calls, score_bytes } or { skipped: true, score_bytes, budget_bytes }
   * or { error, score_bytes } }; dispose() frees the core's objects. Throws (with the core's
   * message) for sizes the core refuses.
   */
  function sweep(core, opts) {
    var d = opts.d_model, heads = opts.num_heads, Ts = lengths(opts.tmax);
    var probe = new core.MaterialisedAttention(d, heads);  // checks the sizes, and counts the weights' bytes
    var scale = 1 / Math.sqrt(d);
    var weights = [1, 2, 3, 4].map(function (s) { return noise(d * d, s, scale); }).concat([noise(d, 5, scale)]);
    var total = Ts.reduce(function (sum, T) { return sum + T * T; }, 0);  // progress: work grows about as T²
    var done = 0;
    var tasks = [];  // one per (T, path): a small state machine advanced by step()
    Ts.forEach(function (T) {
      tasks.push({ T: T, path: 'fused' });
      tasks.push({ T: T, path: 'materialised' });
    });
    var index = 0, current = null, inputs = null, point = null;

    function begin(task) {
      if (!point || point.T !== task.T) {
        point = { T: task.T };
        inputs = noise(task.T * d, task.T, 1);
      }
      var result = { calls: 0, best: Infinity };
      point[task.path] = result;
      if (task.path === 'materialised') {
        result.score_bytes = probe.score_bytes(task.T);
        if (result.score_bytes > BUDGET_BYTES) { result.skipped = true; result.budget_bytes = BUDGET_BYTES; return null; }
      }
      var attention = task.path === 'fused' ? fusedAttention(core, d, heads) : new core.MaterialisedAttention(d, heads);
      attention.set_weights(weights[0], weights[1], weights[2], weights[3], weights[4]);
      return { task: task, attention: attention, result: result, phase: 'first', batch: 1, batches: 0 };
    }

    /** One forward call, or one batch of them; measures the heap around the first call. */
    function advance(run) {
      var T = run.task.T, result = run.result;
      try {
        if (run.phase === 'first') {
          var before = core.heap_bytes();
          var t0 = now();
          run.attention.forward(inputs, T);
          var ms = now() - t0;
          result.bytes = core.heap_bytes() - before;  // what the call allocated and keeps: the path's working set
          result.first_ms = ms;
          run.phase = 'timed';
          run.batch = Math.max(1, Math.min(MAX_BATCH, Math.ceil(BATCH_MS / Math.max(ms, 0.005))));
          run.batches = ms > 4 * SLOW_MS ? 1 : ms > SLOW_MS ? 2 : BATCHES;
          return false;
        }
        var t1 = now();
        for (var i = 0; i < run.batch; i++) run.attention.forward(inputs, T);
        var spent = now() - t1;
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
      } catch (e) {  // out of memory, most likely: the core said why; the sweep goes on
        result.error = message(e);
        return true;
      }
    }

    var warmup = { spent: 0, inputs: noise(WARMUP_T * d, 0, 1), paths: [fusedAttention(core, d, heads), new core.MaterialisedAttention(d, heads)] };
    warmup.paths.forEach(function (a) { a.set_weights(weights[0], weights[1], weights[2], weights[3], weights[4]); });

    /** One slice of the warm-up: both paths, alternately, for about BATCH_MS. */
    function warm() {
      var t0 = now();
      try {
        for (var i = 0; now() - t0 < BATCH_MS; i++) warmup.paths[i % 2].forward(warmup.inputs, WARMUP_T);
      } catch (e) { /* the measurements will meet the same problem and report it */ }
      warmup.spent += now() - t0;
      if (warmup.spent >= WARMUP_MS || !isFinite(warmup.spent)) endWarmup();
      return { done: false, progress: 0, label: 'Warming up (both paths on a short sequence, so the browser optimises their code)' };
    }

    function endWarmup() {
      if (!warmup) return;
      warmup.paths.forEach(function (a) { a.delete(); });
      warmup = null;
    }

    function step() {
      if (warmup) return warm();
      if (index >= tasks.length) return { done: true, progress: 1 };
      var task = tasks[index], finished;
      if (!current) {
        current = begin(task);  // null: skipped, over the budget
        finished = !current;
      } else {
        finished = advance(current);
      }
      if (finished) {
        if (current) {
          if (!current.result.error) current.result.ms = current.result.best;
          current.attention.delete();
        }
        current = null;
        index++;
      }
      var out = { done: index >= tasks.length, progress: 0, label: 'Measuring T = ' + task.T + ', ' + task.path + ' path' };
      if (finished && task.path === 'materialised') {  // both paths of this length are measured
        done += task.T * task.T;
        out.point = clean(point);
      }
      out.progress = Math.min(1, done / total);
      return out;
    }

    /** The point without the bookkeeping fields, as plain data (it crosses to the page as a message). */
    function clean(p) {
      var keep = function (r) {
        if (r.skipped) return { skipped: true, score_bytes: r.score_bytes, budget_bytes: r.budget_bytes };
        if (r.error) return { error: r.error, score_bytes: r.score_bytes };
        var o = { ms: r.ms, bytes: r.bytes, calls: r.calls + 1 };
        if (r.score_bytes !== undefined) o.score_bytes = r.score_bytes;
        return o;
      };
      return { T: p.T, fused: keep(p.fused), materialised: keep(p.materialised) };
    }

    function dispose() {
      endWarmup();
      if (current && current.attention) current.attention.delete();
      current = null;
      index = tasks.length;
      probe.delete();
    }

    return Object.freeze({ step: step, dispose: dispose, lengths: Ts.slice() });
  }

  return Object.freeze({ GRID: GRID, BUDGET_BYTES: BUDGET_BYTES, lengths: lengths, sweep: sweep });
})();

// As a worker: { type: 'start', d_model, num_heads, tmax } starts a sweep; the worker answers with
// { type: 'ready' } once the core is loaded, then { type: 'progress', progress, label, point? }
// messages and { type: 'done' }, or { type: 'error', message }. The page cancels by terminating it.
(function () {
  'use strict';
  if (typeof WorkerGlobalScope === 'undefined' || !(self instanceof WorkerGlobalScope)) return;
  // The core sits in the site's wasm/ folder, beside this script's folder (site/js/cost-worker.js).
  var wasmBase = new URL('../wasm/', self.location.href).href;

  self.onmessage = function (event) {
    var request = event.data || {};
    if (request.type !== 'start') return;
    var core;
    try {
      importScripts(wasmBase + 'attention_core.js');
      core = createAttentionCore({ locateFile: function (file) { return wasmBase + file; } });
    } catch (e) {
      self.postMessage({ type: 'error', stage: 'load', message: 'The attention core could not be loaded in the worker: ' + (e && e.message ? e.message : e) });
      return;
    }
    core.then(function (module) {
      self.postMessage({ type: 'ready' });
      var run;
      try {
        run = AttnCostMeter.sweep(module, request);
      } catch (e) {
        self.postMessage({ type: 'error', stage: 'sizes', message: e && e.message ? e.message : String(e) });
        return;
      }
      self.postMessage({ type: 'progress', progress: 0, lengths: run.lengths });
      for (;;) {
        var out = run.step();
        out.type = 'progress';
        self.postMessage(out);
        if (out.done) break;
      }
      run.dispose();
      self.postMessage({ type: 'done' });
    }, function (e) {
      self.postMessage({ type: 'error', stage: 'load', message: 'The attention core could not be loaded in the worker: ' + (e && e.message ? e.message : e) });
    });
  };
})();
