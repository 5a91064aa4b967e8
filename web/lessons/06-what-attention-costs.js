// Lesson 6: what attention costs. A sweep over sequence lengths times the core's fused path
// (FastAttention) and its materialised path (MaterialisedAttention) and weighs the heap bytes each
// keeps (js/cost-worker.js measures; it runs in a Web Worker, or in short slices on the page where
// no worker can start, as on file://). The page plots time and memory against T on log-log axes and
// fits their slopes; the stepper shows the (num_heads, T, T) tensors of lesson 5's example.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId, Meter = AttnCostMeter;
  var GRID = Meter.GRID;
  var D_MODELS = ['32', '64', '128', '256', '512', '768', '1024'];

  var state = AttnState.create({
    tmax: { type: 'enum', default: '1024', values: GRID.map(String) },
    d_model: { type: 'enum', default: '64', values: D_MODELS },
    num_heads: { type: 'int', default: 4, min: 1, max: 64 },
    worker: { type: 'bool', default: true },  // 0: measure on the page even where a worker could start
    step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  UI.bind(state, 'd_model', $('d_model'));
  UI.bind(state, 'num_heads', $('num_heads'));
  bindLengthSlider();

  /** The T slider moves over GRID's positions; the state (and the URL) holds T itself. */
  function bindLengthSlider() {
    var input = $('tmax'), out = document.querySelector('output[for="tmax"]');
    input.max = String(GRID.length - 1);
    var show = function () {
      var T = state.get('tmax');
      input.value = String(GRID.indexOf(Number(T)));
      input.setAttribute('aria-valuetext', 'T = ' + T);
      out.textContent = T;
    };
    show();
    input.addEventListener('input', function () { state.set({ tmax: String(GRID[Number(input.value)]) }); });
    state.subscribe(show);
  }

  // ---- formatting measured numbers -------------------------------------------------------------

  function formatMs(ms) { return ms >= 100 ? Math.round(ms) + ' ms' : ms.toPrecision(3) + ' ms'; }

  function formatBytes(bytes) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], u = 0;
    while (bytes >= 1024 && u < units.length - 1) { bytes /= 1024; u++; }
    return (u === 0 ? String(Math.round(bytes)) : bytes >= 100 ? String(Math.round(bytes)) : bytes.toPrecision(3)) + ' ' + units[u];
  }

  /** A power of ten as an axis label: 0.01 ms, 1 ms, 100 ms, 1 s; 1 kB, 10 MB. */
  function timeTick(v) { return v >= 1000 ? v / 1000 + ' s' : (v >= 1 ? String(v) : v.toFixed(Math.round(-Math.log10(v)))) + ' ms'; }
  function byteTick(v) {
    var units = ['B', 'kB', 'MB', 'GB', 'TB'], u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
    return Math.round(v) + ' ' + units[u];
  }

  // ---- the slope -------------------------------------------------------------------------------

  /**
   * The least-squares slope of log y against log T over the last three octaves of the points
   * (T ≥ the largest T / 8): the exponent k of y ≈ c·T^k where the growth is clearest.
   */
  function slopeOf(points) {
    if (points.length < 2) return null;
    var last = points[points.length - 1].x;
    var used = points.filter(function (p) { return p.x >= last / 8; });
    if (used.length < 2) used = points.slice(-2);
    var xs = used.map(function (p) { return Math.log2(p.x); }), ys = used.map(function (p) { return Math.log2(p.y); });
    var mx = mean(xs), my = mean(ys), sxy = 0, sxx = 0;
    xs.forEach(function (x, i) { sxy += (x - mx) * (ys[i] - my); sxx += (x - mx) * (x - mx); });
    return { slope: sxy / sxx, from: used[0].x, to: last, n: used.length };
  }

  function mean(a) { return a.reduce(function (s, x) { return s + x; }, 0) / a.length; }

  // ---- the log-log chart ---------------------------------------------------------------------

  var MARKERS = {
    circle: function (x, y) { return R.svg('circle', { cx: x, cy: y, r: 5 }); },
    square: function (x, y) { return R.svg('rect', { x: x - 4.5, y: y - 4.5, width: 9, height: 9 }); },
    triangle: function (x, y) { return R.svg('path', { d: 'M' + x + ' ' + (y - 6) + 'L' + (x + 6) + ' ' + (y + 4.5) + 'L' + (x - 6) + ' ' + (y + 4.5) + 'Z' }); },
  };

  /**
   * A chart with log axes: series [{ label, cls, marker, points: [{ x, y }] }]; opts: caption,
   * xLabel, yLabel, tick(y) for the labels of the powers of ten, value(y) for a point's readout,
   * empty (text when there is nothing to draw). The points are one tab stop: arrow keys move
   * along a series (left, right) and between series (up, down); hover or focus shows the value.
   */
  function logLogChart(container, series, opts) {
    R.clear(container);
    var all = [];
    series.forEach(function (s) { all = all.concat(s.points); });
    if (!all.length) { container.appendChild(R.el('p', { class: 'chart-empty', text: opts.empty })); return; }
    // drawn at the width it gets (a phone's 300 px or a desktop's 640), so its text keeps its size
    var W = Math.round(Math.max(300, Math.min(640, container.clientWidth || 600)));
    var H = Math.round(Math.max(250, Math.min(340, W * 0.56))), L = 74, RT = 16, TOP = 14, B = 46;
    var xs = all.map(function (p) { return Math.log2(p.x); }), ys = all.map(function (p) { return Math.log10(p.y); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 - x0 < 1) { x0 -= 0.5; x1 += 0.5; }
    var y0 = Math.floor(Math.min.apply(null, ys)), y1 = Math.ceil(Math.max.apply(null, ys));
    if (y1 === y0) y1 = y0 + 1;
    var sx = function (x) { return L + (Math.log2(x) - x0) / (x1 - x0) * (W - L - RT); };
    var sy = function (y) { return H - B - (Math.log10(y) - y0) / (y1 - y0) * (H - TOP - B); };
    var root = R.svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'loglog', role: 'group', 'aria-label': opts.caption });

    for (var k = y0; k <= y1; k++) {
      var v = Math.pow(10, k);
      root.appendChild(R.svg('line', { x1: L, x2: W - RT, y1: sy(v), y2: sy(v), class: 'grid' }));
      root.appendChild(R.svg('text', { x: L - 8, y: sy(v) + 4, class: 'tick', 'text-anchor': 'end', text: opts.tick(v) }));
    }
    var octaves = [];
    for (var e = Math.ceil(x0); e <= Math.floor(x1); e++) octaves.push(e);
    octaves.forEach(function (e, i) {
      var T = Math.pow(2, e);
      root.appendChild(R.svg('line', { x1: sx(T), x2: sx(T), y1: TOP, y2: H - B, class: 'grid' }));
      var crowded = (W - L - RT) / Math.max(1, octaves.length - 1) < 46;
      if (!crowded || (octaves.length - 1 - i) % 2 === 0) {  // every other label where they would overlap
        root.appendChild(R.svg('text', { x: sx(T), y: H - B + 18, class: 'tick', 'text-anchor': 'middle', text: String(T) }));
      }
    });
    root.appendChild(R.svg('line', { x1: L, x2: L, y1: TOP, y2: H - B, class: 'axis' }));
    root.appendChild(R.svg('line', { x1: L, x2: W - RT, y1: H - B, y2: H - B, class: 'axis' }));
    root.appendChild(R.svg('text', { x: (L + W - RT) / 2, y: H - 8, class: 'axis-label', 'text-anchor': 'middle', text: opts.xLabel }));
    var mid = (TOP + H - B) / 2;
    root.appendChild(R.svg('text', { x: 14, y: mid, class: 'axis-label', 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + mid + ')', text: opts.yLabel }));

    var readout = R.el('p', { class: 'readout', 'aria-live': 'polite', text: 'Hover over or focus a point to read its value.' });
    var marks = [];
    series.forEach(function (s, si) {
      if (!s.points.length) { marks.push([]); return; }
      var d = s.points.map(function (p, i) { return (i ? 'L' : 'M') + sx(p.x).toFixed(1) + ' ' + sy(p.y).toFixed(1); }).join(' ');
      root.appendChild(R.svg('path', { d: d, class: 'line ' + s.cls }));
      marks.push(s.points.map(function (p) {
        var text = s.label + ', T = ' + p.x + ': ' + opts.value(p.y);
        var g = R.svg('g', { class: 'pt ' + s.cls, tabindex: '-1', role: 'img', 'aria-label': text }, [MARKERS[s.marker](sx(p.x), sy(p.y)), R.svg('title', { text: text })]);
        var show = function () { readout.textContent = text; };
        g.addEventListener('mouseenter', show);
        g.addEventListener('focus', show);
        g.addEventListener('keydown', function (ev) { move(ev, si, marks[si].indexOf(g)); });
        root.appendChild(g);
        return g;
      }));
    });
    var first = marks.filter(function (m) { return m.length; })[0];
    if (first) first[0].setAttribute('tabindex', '0');

    /** Arrow keys: along a series, or to the nearest-T point of the next series up or down. */
    function move(ev, si, i) {
      var next = null;
      if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') next = marks[si][i + (ev.key === 'ArrowRight' ? 1 : -1)];
      if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
        for (var t = si + (ev.key === 'ArrowDown' ? 1 : -1); t >= 0 && t < marks.length && !next; t += ev.key === 'ArrowDown' ? 1 : -1) {
          if (marks[t].length) next = marks[t][Math.min(i, marks[t].length - 1)];
        }
      }
      if (!ev.key.startsWith('Arrow')) return;
      ev.preventDefault();
      if (!next) return;
      marks.forEach(function (m) { m.forEach(function (g) { g.setAttribute('tabindex', '-1'); }); });
      next.setAttribute('tabindex', '0');
      next.focus();
    }

    container.appendChild(R.el('div', { class: 'chart-box' }, root));
    var key = R.el('ul', { class: 'chart-key' });
    series.forEach(function (s) {
      var sample = R.svg('svg', { viewBox: '0 0 40 14', width: 40, height: 14, 'aria-hidden': 'true', class: 'key-sample' },
        [R.svg('path', { d: 'M2 7L38 7', class: 'line ' + s.cls }), R.svg('g', { class: 'pt ' + s.cls }, MARKERS[s.marker](20, 7))]);
      key.appendChild(R.el('li', null, [sample, s.label]));
    });
    container.appendChild(key);
    container.appendChild(readout);
  }

  // ---- drawing the results ---------------------------------------------------------------------

  var results = null;  // { params, points: [...] } of the newest sweep

  /** The measured (T, value) pairs of one path: a number > 0 under `field`; lengths skipped or failed left out. */
  function pointsOf(path, field) {
    return (results ? results.points : []).filter(function (p) {
      var r = p[path], v = r[field];
      return !r.skipped && !r.error && typeof v === 'number' && isFinite(v) && v > 0;
    }).map(function (p) { return { x: p.T, y: p[path][field] }; });
  }

  function drawSlopes(list, series) {
    R.clear(list);
    series.forEach(function (s) {
      var fit = slopeOf(s.points);
      if (!fit) return;
      list.appendChild(R.el('li', { 'data-series': s.key }, [
        R.el('span', { text: s.label + ': slope ' }),
        R.el('strong', { class: 'num slope', text: fit.slope.toFixed(2), 'data-slope': String(fit.slope) }),
        R.el('span', { class: 'muted', text: ' (fit over T = ' + fit.from + ' to ' + fit.to + ', ' + fit.n + ' points)' }),
      ]));
    });
  }

  function drawResults() {
    var empty = results ? 'Measuring: the points appear as each length is done.' : 'Press Measure: the plot fills in as each length is measured.';
    var time = [
      { key: 'fused', label: 'fused path', cls: 'fused', marker: 'circle', points: pointsOf('fused', 'ms') },
      { key: 'materialised', label: 'materialised path', cls: 'materialised', marker: 'square', points: pointsOf('materialised', 'ms') },
    ];
    logLogChart($('time-chart'), time, { caption: 'time per forward pass against T, log-log', xLabel: 'sequence length T', yLabel: 'time per call',
      tick: timeTick, value: formatMs, empty: empty });
    drawSlopes($('time-slopes'), time);

    var memory = [
      { key: 'fused', label: 'fused path, everything it keeps', cls: 'fused', marker: 'circle', points: pointsOf('fused', 'bytes') },
      { key: 'materialised', label: 'materialised path, everything it keeps', cls: 'materialised', marker: 'square', points: pointsOf('materialised', 'bytes') },
      { key: 'weights', label: 'materialised path, its (num_heads, T, T) weights', cls: 'weights', marker: 'triangle', points: pointsOf('materialised', 'score_bytes') },
    ];
    logLogChart($('memory-chart'), memory, { caption: 'heap bytes kept against T, log-log', xLabel: 'sequence length T', yLabel: 'bytes on the wasm heap',
      tick: byteTick, value: formatBytes, empty: empty });
    drawSlopes($('memory-slopes'), memory);

    var skipped = (results ? results.points : []).filter(function (p) { return p.materialised.skipped; });
    var note = $('skipped-note');
    note.hidden = !skipped.length;
    note.textContent = skipped.length ? 'The materialised path was not run for T = ' + skipped.map(function (p) { return p.T; }).join(', ') +
      ': its weights alone would take ' + skipped.map(function (p) { return formatBytes(p.materialised.score_bytes); }).join(', ') +
      ' (as the core counts them), over this lesson\'s budget of ' + formatBytes(skipped[0].materialised.budget_bytes) +
      ' in a browser tab. The fused path has no such limit.' : '';
    drawTable();
  }

  /** A table cell of one path's result: kind 'ms', 'bytes' or 'weights'; data-value holds the raw number. */
  function cell(r, kind) {
    if (kind === 'weights') return R.el('td', { text: formatBytes(r.score_bytes), 'data-value': String(r.score_bytes) });
    if (r.skipped) return R.el('td', { class: 'skipped', text: 'skipped' });
    if (r.error) return R.el('td', { class: 'failed', title: r.error, text: 'failed' });
    if (kind === 'ms') return R.el('td', { text: formatMs(r.ms), title: r.calls + ' calls', 'data-value': String(r.ms) });
    return R.el('td', { text: formatBytes(r.bytes), 'data-value': String(r.bytes) });
  }

  function drawTable() {
    var box = R.clear($('results-table'));
    if (!results || !results.points.length) return;
    var p = results.params;
    var table = R.el('table', { class: 'cost-table' });
    table.appendChild(R.el('caption', { text: 'd_model = ' + p.d_model + ', num_heads = ' + p.num_heads + (results.mode ? ', measured ' + (results.mode === 'worker' ? 'in a worker' : 'on the page') : '') }));
    var head = R.el('tr');
    ['T', 'time, fused', 'time, materialised', 'memory, fused', 'memory, materialised', 'of which weights'].forEach(function (h) { head.appendChild(R.el('th', { scope: 'col', text: h })); });
    table.appendChild(R.el('thead', null, head));
    var body = R.el('tbody');
    results.points.forEach(function (pt) {
      body.appendChild(R.el('tr', { 'data-t': String(pt.T) }, [R.el('th', { scope: 'row', text: String(pt.T) }),
        cell(pt.fused, 'ms'), cell(pt.materialised, 'ms'), cell(pt.fused, 'bytes'), cell(pt.materialised, 'bytes'), cell(pt.materialised, 'weights')]));
    });
    table.appendChild(body);
    box.appendChild(R.el('div', { class: 'matrix-scroll' }, table));
  }

  // ---- running a sweep ---------------------------------------------------------------------------

  var sweep = null;  // the running sweep: { cancel() }

  function setSweep(status) { document.body.setAttribute('data-sweep', status); }

  /** Enables or disables a button, but never enables one the author of an embed link locked. */
  function enable(id, on) { $(id).disabled = !on || $(id).hasAttribute('data-locked'); }

  function setMode(mode, reason) {
    document.body.setAttribute('data-sweep-mode', mode);
    if (results) results.mode = mode;
    $('sweep-mode').textContent = mode === 'worker'
      ? 'Measuring in a background worker: the page stays free while it runs.'
      : 'Measuring on this page, one short slice at a time (' + reason + '). The page stays usable, but at the longest lengths a single call can hold it for a moment.';
  }

  /** Where a worker cannot start: pages from disk and opaque origins (sandboxed frames). */
  function workerReason() {
    if (!state.get('worker')) return 'the worker is switched off by worker=0';
    if (typeof Worker === 'undefined') return 'this browser has no workers';
    if (location.protocol === 'file:') return 'a page opened from disk cannot start a worker';
    if (self.origin === 'null') return 'a sandboxed frame cannot start a worker';
    return null;
  }

  function workerUrl() {
    var script = document.querySelector('script[src$="js/cost-worker.js"]');
    return script ? script.src : '../js/cost-worker.js';
  }

  function measure() {
    if (sweep) return;
    var params = { d_model: Number(state.get('d_model')), num_heads: state.get('num_heads'), tmax: Number(state.get('tmax')) };
    results = { params: params, points: [] };
    drawResults();
    UI.showError($('size-error'), null);
    enable('measure', false);
    enable('cancel', true);
    $('progress').value = 0;
    $('sweep-status').textContent = 'Starting…';
    setSweep('running');
    var started = Date.now();
    var handlers = {
      progress: function (m) {
        $('progress').value = m.progress;
        if (m.label) $('sweep-status').textContent = m.label + '…';
        if (m.point) { results.points.push(m.point); drawResults(); }
      },
      done: function () {
        end('done', 'Measured ' + results.points.length + ' lengths in ' + ((Date.now() - started) / 1000).toFixed(1) + ' s.');
      },
      fail: function (text) {
        UI.showError($('size-error'), { message: text });
        end('error', 'The measurements stopped: ' + text);
      },
    };
    var reason = workerReason();
    sweep = reason ? onPage(params, handlers, reason) : inWorker(params, handlers);
  }

  function end(status, text) {
    sweep = null;
    enable('measure', true);
    enable('cancel', false);
    $('sweep-status').textContent = text;
    setSweep(status);
    drawTable();
  }

  function cancel() {
    if (!sweep) return;
    sweep.cancel();
    end('cancelled', 'Cancelled after ' + results.points.length + ' of the ' + Meter.lengths(results.params.tmax).length + ' lengths.');
  }

  /** The sweep in a Web Worker; if the worker cannot start after all, on the page instead. */
  function inWorker(params, h) {
    var worker, ready = false, fallback = null;
    try {
      worker = new Worker(workerUrl());
    } catch (e) {
      return onPage(params, h, 'the worker could not start: ' + (e && e.message ? e.message : e));
    }
    var toPage = function (why) {
      worker.terminate();
      fallback = onPage(params, h, why);
    };
    worker.onmessage = function (ev) {
      var m = ev.data || {};
      if (m.type === 'ready') { ready = true; setMode('worker'); }
      else if (m.type === 'progress') h.progress(m);
      else if (m.type === 'done') { worker.terminate(); h.done(); }
      else if (m.type === 'error' && m.stage === 'load') toPage('the worker could not load the core');
      else if (m.type === 'error') { worker.terminate(); h.fail(m.message); }
    };
    worker.onerror = function (ev) {
      ev.preventDefault();
      if (!ready) toPage('the worker could not start');
      else { worker.terminate(); h.fail('the worker stopped (' + (ev.message || 'an error') + ')'); }
    };
    worker.postMessage({ type: 'start', d_model: params.d_model, num_heads: params.num_heads, tmax: params.tmax });
    return { cancel: function () { worker.terminate(); if (fallback) fallback.cancel(); } };
  }

  /** The sweep on the page: one step per timer task, so input and painting get their turn between. */
  function onPage(params, h, reason) {
    setMode('page', reason);
    var run = null, timer = null, stopped = false;
    AttnEngine.ready().then(function (core) {
      if (stopped) return;
      try {
        run = Meter.sweep(core, params);
      } catch (e) {
        h.fail(e && e.message ? e.message : String(e));
        return;
      }
      var tick = function () {
        timer = null;
        if (stopped) return;
        var out = run.step();
        h.progress(out);
        if (out.done) { run.dispose(); run = null; h.done(); return; }
        timer = setTimeout(tick, 0);
      };
      timer = setTimeout(tick, 0);
    }, function (e) {
      h.fail('the attention core could not be loaded (' + (e && e.message ? e.message : e) + ')');
    });
    return {
      cancel: function () {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (run) run.dispose();
      },
    };
  }

  $('measure').addEventListener('click', measure);
  $('cancel').addEventListener('click', cancel);

  // ---- the stepper and the code --------------------------------------------------------------

  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var last = step.shape[step.shape.length - 1];
      var square = last === AttnBook.tokens.length && /^(attn_|mask)/.test(step.name);
      var dims = []; for (var i = 0; i < last; i++) dims.push('d' + (i + 1));
      return { rowLabels: AttnBook.tokens, colLabels: square ? AttnBook.tokens : dims, heat: square, nullText: '−∞' };
    },
    code: function (step) {
      var list = [{ fn: 'multihead_attention' }];
      if (/^attn_|^mask$/.test(step.name)) list.push({ fn: 'attend' });
      return list;
    },
  });

  R.code($('cost-code'), AttnCode['MaterialisedAttention::forward'], /attn_weights_\[h\] = |causal_softmax_row\(&/, 'materialised: every head\'s (T, T) at once');
  R.code($('cost-code'), AttnCode['FusedAttention::attend_head'], /scores_\.resize|online_softmax\(|scale_rows\(/, 'fused: one tile of scores at a time');

  /** Asks the core whether it takes these sizes, so a bad num_heads is explained before measuring. */
  function checkSizes() {
    return AttnEngine.ready().then(function (core) {
      if (sweep) return true;
      try {
        new core.MaterialisedAttention(Number(state.get('d_model')), state.get('num_heads')).delete();
        UI.showError($('size-error'), null);
        return true;
      } catch (e) {
        UI.showError($('size-error'), { message: e && e.message ? e.message : String(e) });
        return false;
      }
    });
  }

  var example = null;  // lesson 5's example with its steps: computed once
  UI.runner(state, function (current) {
    var request = { mechanism: 'multihead', inputs: AttnBook.inputs, d_out: 2, num_heads: 2, causal: true, weights: AttnBook.multihead, steps: true };
    return Promise.all([checkSizes(), example || AttnEngine.run(request)]).then(function (both) {
      if (!current()) return;
      var res = both[1];
      if (res.error) {
        UI.showError($('size-error'), res.error);
        return false;
      }
      example = res;
      stepper.update(res.steps, state.get('step'));
      enable('measure', !sweep && both[0]);
      return both[0];
    });
  })();
  drawResults();
})();
