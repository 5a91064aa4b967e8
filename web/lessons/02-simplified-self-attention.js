// Lesson 2: simplified self-attention (no trainable weights), on the book's six tokens by default.
// Every number comes from the core's `simplified` mechanism and its steps.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId;

  var state = AttnState.create({
    sentence: { type: 'string', default: AttnBook.tokens.join(' '), maxLength: 4000 },
    seed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    emb: { type: 'string', default: '', maxLength: 8000 },
    q: { type: 'int', default: 1, min: 0, max: 1023 },
    xd: { type: 'int', default: 1, min: 1, max: 3 },
    yd: { type: 'int', default: 2, min: 1, max: 3 },
    step: { type: 'string', default: 'attn_scores', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  UI.sentenceForm(state);
  UI.bind(state, 'seed', $('seed'));
  UI.bind(state, 'xd', $('xd'));
  UI.bind(state, 'yd', $('yd'));

  var tokens = [];
  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var square = step.shape.length === 2 && step.shape[0] === step.shape[1] && step.name !== 'inputs' && step.name !== 'context_vecs';
      return {
        rowLabels: tokens, colLabels: square ? tokens : step.value[0].map(function (_, j) { return 'dim ' + (j + 1); }),
        highlightRow: state.get('q'), nullText: 'NaN', heat: square, role: square ? null : 'x',
      };
    },
    code: function (step) {
      var helper = { attn_weights_sum_normalized: 'sum_normalize_rows', attn_weights_softmax_naive: 'softmax_naive_rows', attn_weights: 'softmax_rows' }[step.name];
      var list = [{ fn: 'simplified_attention' }];
      if (helper) list.push({ fn: helper, hl: /weights\(i, j\)/ });
      return list;
    },
  });

  function draw(data, res) {
    tokens = data.tokens;
    var T = tokens.length, q = Math.min(state.get('q'), T - 1);
    UI.tokenSelect($('query'), state, 'q', tokens);
    UI.embeddingTable($('embedding-table'), state, data);

    var xd = state.get('xd') - 1, yd = state.get('yd') - 1;
    var all = [].concat.apply([], data.inputs);
    var lo = Math.min(0, Math.floor(Math.min.apply(null, all))), hi = Math.max(1, Math.ceil(Math.max.apply(null, all)));
    R.scatter($('scatter'), data.inputs.map(function (r) { return [r[xd], r[yd]]; }), {
      labels: tokens, domain: [lo, hi], xLabel: 'dim ' + (xd + 1), yLabel: 'dim ' + (yd + 1), highlight: q,
      ariaLabel: 'the embeddings as points: dim ' + (xd + 1) + ' across, dim ' + (yd + 1) + ' up',
      onMove: function (i, x, y) {
        var row = data.inputs[i].slice();
        row[xd] = x; row[yd] = y;
        UI.setEmbeddingRow(state, tokens[i], row);
      },
    });

    var row = function (name) { return UI.step(res, name)[q]; };
    R.bars($('score-bars'), row('attn_scores'), tokens, { highlight: q, role: 'x' });
    R.bars($('bars-sum'), row('attn_weights_sum_normalized'), tokens, { highlight: q, role: 'w' });
    R.bars($('bars-naive'), row('attn_weights_softmax_naive'), tokens, { highlight: q, role: 'w', nullText: 'NaN' });
    R.bars($('bars-softmax'), row('attn_weights'), tokens, { highlight: q, role: 'w', max: 1 });
    R.vector($('z-vector'), res.context_vecs[q], { label: 'z(' + (q + 1) + ') for “' + UI.isolate(tokens[q]) + '”' });

    R.heatmap($('weights-heatmap'), res.attn_weights, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: 'Attention weights A (each row sums to 1)' });
    R.matrix($('context-matrix'), res.context_vecs, { rowLabels: tokens, colLabels: ['dim 1', 'dim 2', 'dim 3'].slice(0, res.context_vecs[0].length), caption: 'Context vectors Z = A·X', highlightRow: q, role: 'x' });
    stepper.update(res.steps, state.get('step'));
  }

  UI.runner(state, function (current) {
    return UI.embeddings(state, 3).then(function (data) {
      if (!current()) return;
      if (data.error) { UI.showError($('sentence-error'), data.error); return false; }
      return AttnEngine.run({ mechanism: 'simplified', inputs: data.inputs, steps: true }).then(function (res) {
        if (!current()) return;
        if (res.error) { UI.showError($('sentence-error'), res.error); return false; }
        UI.showError($('sentence-error'), null);
        draw(data, res);
      });
    });
  })();
})();
