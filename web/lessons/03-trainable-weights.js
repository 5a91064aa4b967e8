// Lesson 3: self-attention with trainable weights (the core's `self_attention`), and the
// core's `scaling_demo` showing why the scores are divided by √d_k.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId;
  var DK_VALUES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

  var state = AttnState.create({
    sentence: { type: 'string', default: AttnBook.tokens.join(' '), maxLength: 4000 },
    seed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    emb: { type: 'string', default: '', maxLength: 8000 },
    q: { type: 'int', default: 1, min: 0, max: 1023 },
    w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
    wseed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    d_out: { type: 'int', default: 2, min: 1, max: 8 },
    scale: { type: 'bool', default: true },
    dk: { type: 'int', default: 6, min: 0, max: 10 },
    step: { type: 'string', default: 'attn_scores', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  UI.sentenceForm(state);
  UI.bind(state, 'seed', $('seed'));
  UI.bind(state, 'wseed', $('wseed'));
  UI.bind(state, 'd_out', $('d_out'));
  UI.bind(state, 'scale', $('scale'));
  UI.bind(state, 'dk', $('dk'), function (e) { return String(DK_VALUES[e]); });
  UI.bindRadios(state, 'w', $('weights-source'));

  var tokens = [];
  var dims = function (n, p) { var a = []; for (var i = 0; i < n; i++) a.push(p + (i + 1)); return a; };
  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var square = /^attn_/.test(step.name);
      var role = { queries: 'q', keys: 'k', values: 'v', inputs: 'x' }[step.name];
      return { rowLabels: tokens, colLabels: square ? tokens : dims(step.shape[1], 'd'), heat: square, role: role, highlightRow: state.get('q') };
    },
    code: function (step) {
      if (step.name === 'inputs') return [{ fn: 'self_attention' }];
      if (/^(queries|keys|values)$/.test(step.name)) return [{ fn: 'head_attention' }, { fn: 'project', hl: /matmul/ }];
      var list = [{ fn: 'attend' }];
      if (step.name === 'attn_weights') list.push({ fn: 'softmax_rows', hl: /exp|\/=/ });
      return list;
    },
  });

  function weightsFor(d_out) {
    return state.get('w') === 'book' && d_out === 2 ? AttnBook.self_attention : undefined;
  }

  function drawAttention(data, res) {
    tokens = data.tokens;
    var q = Math.min(state.get('q'), tokens.length - 1), d_out = state.get('d_out');
    UI.tokenSelect($('query'), state, 'q', tokens);
    UI.embeddingTable($('embedding-table'), state, data);
    var note = $('weights-note');
    note.hidden = !(state.get('w') === 'book' && d_out !== 2);
    note.textContent = note.hidden ? '' : 'The book\'s weights are 3×2, so with d_out = ' + d_out + ' the weights are drawn from the weight seed instead.';

    var W = res.weights, inDims = dims(data.inputs[0].length, 'd'), outDims = dims(d_out, 'd');
    R.matrix($('w-query'), W.W_query, { caption: 'W_query', rowLabels: inDims, colLabels: outDims, role: 'q' });
    R.matrix($('w-key'), W.W_key, { caption: 'W_key', rowLabels: inDims, colLabels: outDims, role: 'k' });
    R.matrix($('w-value'), W.W_value, { caption: 'W_value', rowLabels: inDims, colLabels: outDims, role: 'v' });
    R.matrix($('m-queries'), UI.step(res, 'queries'), { caption: 'queries Q', rowLabels: tokens, colLabels: outDims, role: 'q', highlightRow: q });
    R.matrix($('m-keys'), UI.step(res, 'keys'), { caption: 'keys K', rowLabels: tokens, colLabels: outDims, role: 'k' });
    R.matrix($('m-values'), UI.step(res, 'values'), { caption: 'values V', rowLabels: tokens, colLabels: outDims, role: 'v' });

    R.bars($('bars-scores'), UI.step(res, 'attn_scores')[q], tokens, { highlight: q, role: 'k' });
    R.bars($('bars-scaled'), UI.step(res, 'attn_scores_scaled')[q], tokens, { highlight: q, role: 'k' });
    R.bars($('bars-weights'), res.attn_weights[q], tokens, { highlight: q, role: 'w', max: 1 });
    R.vector($('z-vector'), res.context_vecs[q], { label: 'z(' + (q + 1) + ') for “' + UI.isolate(tokens[q]) + '”', role: 'v' });
    R.heatmap($('weights-heatmap'), res.attn_weights, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: 'Attention weights (rows: queries, columns: keys)' });
    R.matrix($('context-matrix'), res.context_vecs, { caption: 'Context vectors Z = A·V', rowLabels: tokens, colLabels: outDims, role: 'v', highlightRow: q });
    stepper.update(res.steps, state.get('step'));
  }

  function drawScaling(res) {
    var e = state.get('dk'), d_k = DK_VALUES[e];
    R.lineChart($('scaling-chart'), [
      { label: 'softmax(q·k): unscaled', cls: 'unscaled', points: res.curve.map(function (p) { return [p.d_k, p.max_weight]; }) },
      { label: 'softmax(q·k/√d_k): scaled', cls: 'scaled', points: res.curve.map(function (p) { return [p.d_k, p.max_weight_scaled]; }) },
    ], { xLabel: 'd_k (key size)', yLabel: 'mean largest weight', xName: 'd_k', marker: d_k, yMax: 1, ariaLabel: 'mean largest softmax weight against d_k, unscaled and scaled' });
    var point = res.curve.filter(function (p) { return p.d_k === d_k; })[0];
    $('scaling-stats').textContent = 'At d_k = ' + d_k + ': the scores spread with standard deviation ' + R.fmt(point.score_std) +
      ' unscaled and ' + R.fmt(point.score_std_scaled) + ' scaled; the largest weight averages ' + R.fmt(point.max_weight) +
      ' unscaled against ' + R.fmt(point.max_weight_scaled) + ' scaled (1 would be one-hot; equal shares over the 6 keys would be 1/6).';
    var keys = res.attn_weights_unscaled.map(function (_, j) { return 'key ' + (j + 1); });
    R.bars($('demo-unscaled'), res.attn_weights_unscaled, keys, { role: 'w', max: 1 });
    R.bars($('demo-scaled'), res.attn_weights_scaled, keys, { role: 'w', max: 1 });
  }

  UI.runner(state, function (current) {
    var scaling = AttnEngine.run({ mechanism: 'scaling_demo', d_k_values: DK_VALUES, T: 6, trials: 64, seed: 1, d_k: DK_VALUES[state.get('dk')] });
    return Promise.all([UI.embeddings(state, 3), scaling]).then(function (both) {
      if (!current()) return;
      var data = both[0];
      if (!both[1].error) drawScaling(both[1]);
      if (data.error) { UI.showError($('sentence-error'), data.error); return false; }
      var d_out = state.get('d_out');
      return AttnEngine.run({ mechanism: 'self_attention', inputs: data.inputs, d_out: d_out, scale: state.get('scale'), seed: state.get('wseed'), weights: weightsFor(d_out), steps: true }).then(function (res) {
        if (!current()) return;
        if (res.error) { UI.showError($('sentence-error'), res.error); return false; }
        UI.showError($('sentence-error'), null);
        drawAttention(data, res);
      });
    });
  })();
})();
