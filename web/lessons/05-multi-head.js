// Lesson 5: multi-head attention (the core's `multihead` with `compare_wrapper`), the shapes as
// heads are split and merged, one heatmap per head, and `parameter_count` for GPT-2 small.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId;

  var state = AttnState.create({
    sentence: { type: 'string', default: AttnBook.tokens.join(' '), maxLength: 4000 },
    seed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    emb: { type: 'string', default: '', maxLength: 8000 },
    w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
    wseed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    d_out: { type: 'int', default: 2, min: 1, max: 16 },
    num_heads: { type: 'int', default: 2, min: 1, max: 8 },
    p: { type: 'number', default: 0, min: 0, max: 1 },
    causal: { type: 'bool', default: true },
    pd_in: { type: 'int', default: 768, min: 1, max: 1024 },
    pd_out: { type: 'int', default: 768, min: 1, max: 1024 },
    ph: { type: 'int', default: 12, min: 1, max: 64 },
    pbias: { type: 'bool', default: false },
    step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  // The slider may reach 1, to let the core say why it refuses it; a link asking for it falls back.
  if (state.get('p') >= 1) {
    UI.notice('Ignored p = 1 from the link: the core refuses a dropout rate of 1 (every weight would be dropped); using 0.');
    state.set({ p: 0 });
  }
  UI.sentenceForm(state);
  ['seed', 'wseed', 'd_out', 'num_heads', 'causal', 'pd_in', 'pd_out', 'ph', 'pbias'].forEach(function (k) { UI.bind(state, k, $(k)); });
  UI.bind(state, 'p', $('p'), function (p) { return p.toFixed(2); });
  UI.bindRadios(state, 'w', $('weights-source'));

  var SHAPES = [
    ['inputs', 'T × d_in', 'the embeddings'],
    ['queries', 'T × d_out', 'one projection for all heads'],
    ['queries_split', 'num_heads × T × head_dim', 'columns cut into heads'],
    ['attn_weights', 'num_heads × T × T', 'one weight matrix per head'],
    ['context_heads', 'num_heads × T × head_dim', 'each head\'s output'],
    ['context_concat', 'T × d_out', 'heads side by side'],
    ['context_vecs', 'T × d_out', 'after W_o'],
  ];

  var tokens = [];
  var dims = function (n) { var a = []; for (var i = 0; i < n; i++) a.push('d' + (i + 1)); return a; };
  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var last = step.shape[step.shape.length - 1];
      var square = last === tokens.length && /^(attn_|mask|dropout)/.test(step.name);
      var role = { queries: 'q', keys: 'k', values: 'v', queries_split: 'q', keys_split: 'k', values_split: 'v', inputs: 'x' }[step.name];
      return { rowLabels: tokens, colLabels: square ? tokens : dims(last), heat: square, role: role, nullText: '−∞' };
    },
    code: function (step) {
      var hl = { queries_split: /queries_split\.push/, keys_split: /keys_split\.push/, values_split: /values_split\.push/,
        context_heads: /contexts\.push/, attn_weights: /heads\.push\(attend/ }[step.name];
      var list = [{ fn: 'multihead_attention', hl: hl }];
      if (/^attn_|^mask$|^dropout/.test(step.name)) list.push({ fn: 'attend' });
      return list;
    },
  });

  function draw(data, res) {
    tokens = data.tokens;
    UI.embeddingTable($('embedding-table'), state, data);
    var note = $('weights-note'), book = state.get('w') === 'book', fits = state.get('d_out') === 2 && state.get('num_heads') === 2;
    note.hidden = !(book && !fits);
    note.textContent = note.hidden ? '' : 'The book\'s example has d_out = 2 and 2 heads; for other sizes the weights are drawn from the seed.';

    var flow = R.clear($('shape-flow'));
    SHAPES.forEach(function (s) {
      var st = (res.steps || []).filter(function (x) { return x.name === s[0]; })[0];
      if (!st) return;
      flow.appendChild(R.el('li', null, [R.el('code', { class: 'shape-name', text: s[0] }), R.el('span', { class: 'shape-num', text: R.shapeText(st.shape) }),
        R.el('span', { class: 'shape-sym', text: s[1] }), R.el('span', { class: 'shape-what', text: s[2] })]));
    });

    var maps = R.clear($('head-maps'));
    res.attn_weights.forEach(function (w, h) {
      var box = R.el('div');
      maps.appendChild(box);
      R.heatmap(box, w, { rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: 'Head ' + (h + 1) + ' of ' + res.attn_weights.length, range: [0, 1] });
    });

    R.clear($('wrapper-diff'));
    $('wrapper-diff').appendChild(R.el('span', { text: 'Largest difference between the wrapper\'s heads and the split form\'s (wrapper_max_abs_diff): ' }));
    $('wrapper-diff').appendChild(R.el('strong', { class: 'num', text: res.wrapper_max_abs_diff === 0 ? '0' : res.wrapper_max_abs_diff.toExponential(2) }));

    var d = dims(state.get('d_out'));
    R.matrix($('m-concat'), UI.step(res, 'context_concat'), { caption: 'heads concatenated', rowLabels: tokens, colLabels: d, role: 'v' });
    R.matrix($('m-wout'), res.weights.W_out, { caption: 'W_out', rowLabels: d, colLabels: d });
    R.matrix($('m-context'), res.context_vecs, { caption: 'context_vecs (output)', rowLabels: tokens, colLabels: d, role: 'v' });
    stepper.update(res.steps, state.get('step'));
  }

  function drawCount(res) {
    UI.showError($('param-error'), res.error || null);
    if (res.error) return;
    R.clear($('param-count'));
    $('param-count').appendChild(R.el('span', { text: 'Trainable parameters: ' }));
    $('param-count').appendChild(R.el('strong', { class: 'num', text: res.parameter_count.toLocaleString('en-US') }));
    $('param-count').appendChild(R.el('span', { class: 'muted', text: '  (head_dim ' + res.head_dim + ')' }));
    $('param-wrapper').textContent = 'The wrapper with ' + state.get('ph') + ' full-size heads (each d_out wide, concatenated) would hold ' +
      res.parameter_count_wrapper.toLocaleString('en-US') + ' parameters and no output projection.';
  }

  UI.runner(state, function (current) {
    var count = AttnEngine.run({ mechanism: 'parameter_count', d_in: state.get('pd_in'), d_out: state.get('pd_out'), num_heads: state.get('ph'), qkv_bias: state.get('pbias') });
    return Promise.all([UI.embeddings(state, 3), count]).then(function (both) {
      if (!current()) return;
      drawCount(both[1]);
      var data = both[0];
      if (data.error) { UI.showError($('sentence-error'), data.error); return false; }
      var req = { mechanism: 'multihead', inputs: data.inputs, d_out: state.get('d_out'), num_heads: state.get('num_heads'), causal: state.get('causal'),
        dropout: state.get('p'), seed: state.get('wseed'), compare_wrapper: true, steps: true };
      if (state.get('w') === 'book' && req.d_out === 2 && req.num_heads === 2) req.weights = AttnBook.multihead;
      return AttnEngine.run(req).then(function (res) {
        if (!current()) return;
        var sizeProblem = res.error && /num_heads|d_out/.test(res.error.message);
        var dropout = res.error && /^dropout\b/.test(res.error.message);
        UI.showError($('size-error'), sizeProblem ? res.error : null);
        UI.showError($('p-error'), dropout ? res.error : null, { why: 'With p = 1 every weight would be dropped, and the survivors (none) scaled by 1/(1 − p) = 1/0.' });
        UI.showError($('sentence-error'), res.error && !sizeProblem && !dropout ? res.error : null);
        if (res.error) return false;
        draw(data, res);
      });
    });
  })();
})();
