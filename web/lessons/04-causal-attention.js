// Lesson 4: causal attention (the core's `causal`): the mask, both routes and their difference,
// dropout with its 1/(1−p) scaling, training and evaluation modes.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId;

  var state = AttnState.create({
    sentence: { type: 'string', default: AttnBook.tokens.join(' '), maxLength: 4000 },
    seed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    emb: { type: 'string', default: '', maxLength: 8000 },
    w: { type: 'enum', default: 'book', values: ['book', 'seed'] },
    wseed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    d_out: { type: 'int', default: 2, min: 1, max: 8 },
    p: { type: 'number', default: 0, min: 0, max: 1 },
    train: { type: 'bool', default: true },
    step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  // The slider may reach 1, to let the core say why it refuses it; a link asking for it falls back.
  if (state.get('p') >= 1) {
    UI.notice('Ignored p = 1 from the link: the core refuses a dropout rate of 1 (every weight would be dropped); using 0.');
    state.set({ p: 0 });
  }
  UI.sentenceForm(state);
  UI.bind(state, 'seed', $('seed'));
  UI.bind(state, 'wseed', $('wseed'));
  UI.bind(state, 'd_out', $('d_out'));
  UI.bind(state, 'p', $('p'), function (p) { return p.toFixed(2); });
  UI.bindRadios(state, 'w', $('weights-source'));
  UI.bindRadios(state, 'train', $('mode'));

  // What p = 1 would mean: the core refuses it, and the page says why next to the slider.
  var P_ONE = 'With p = 1 every weight would be dropped, and the survivors (none) scaled by 1/(1 − p) = 1/0: nothing would reach the context vectors.';

  var tokens = [];
  var dims = function (n) { var a = []; for (var i = 0; i < n; i++) a.push('d' + (i + 1)); return a; };
  var CODE = {
    mask: [{ fn: 'causal_attention' }, { fn: 'causal_mask', hl: /mask\(i, j\)/ }],
    attn_weights_unmasked: [{ fn: 'causal_attention' }, { fn: 'softmax_rows', hl: /exp|\/=/ }],
    attn_weights_masked_zero: [{ fn: 'causal_attention' }, { fn: 'zero_masked', hl: /\*=/ }],
    attn_weights_renormalized: [{ fn: 'causal_attention' }, { fn: 'sum_normalize_rows', hl: /weights\(i, j\)/ }],
    attn_scores_masked: [{ fn: 'attend', hl: /attn_scores_masked =/ }, { fn: 'fill_masked', hl: /neg_inf/ }],
    attn_weights: [{ fn: 'attend', hl: /attn_weights = softmax/ }, { fn: 'softmax_rows', hl: /exp|\/=/ }],
    dropout_mask: [{ fn: 'causal_attention', hl: /keep_mask/ }, { fn: 'draw_keep_mask', hl: /uniform/ }],
    attn_weights_dropped: [{ fn: 'attend', hl: /apply_dropout|used_weights =/ }, { fn: 'apply_dropout', hl: /keep_scale/ }],
    context_vecs: [{ fn: 'attend', hl: /context_vecs =/ }],
  };
  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var square = step.shape[1] === tokens.length && /^(attn_|mask|dropout)/.test(step.name);
      var role = { queries: 'q', keys: 'k', values: 'v', inputs: 'x' }[step.name];
      return { rowLabels: tokens, colLabels: square ? tokens : dims(step.shape[1]), heat: square, role: role, nullText: '−∞' };
    },
    code: function (step) {
      if (CODE[step.name]) return CODE[step.name];
      if (/^(queries|keys|values)$/.test(step.name)) return [{ fn: 'head_attention' }, { fn: 'project', hl: /matmul/ }];
      if (/^attn_scores/.test(step.name)) return [{ fn: 'attend' }];
      return [{ fn: 'causal_attention' }];
    },
  });

  function request(data) {
    var d_out = state.get('d_out'), p = state.get('p'), book = state.get('w') === 'book';
    var req = { mechanism: 'causal', inputs: data.inputs, d_out: d_out, seed: state.get('wseed'), dropout: p, training: state.get('train'), steps: true };
    if (book && d_out === 2) req.weights = AttnBook.causal;
    // The book's own keep mask (PyTorch's generator cannot be reproduced) for its p = 0.5 example.
    if (book && p === AttnBook.causal_dropout.p && data.inputs.length === AttnBook.causal_dropout.mask.length) req.dropout_mask = AttnBook.causal_dropout.mask;
    return req;
  }

  function heat(id, value, caption, extra) {
    R.heatmap($(id), value, Object.assign({ rowLabels: tokens, colLabels: tokens, rowTitle: 'query', colTitle: 'key', caption: caption }, extra || {}));
  }

  function draw(data, req, res) {
    tokens = data.tokens;
    UI.embeddingTable($('embedding-table'), state, data);
    var note = $('weights-note');
    note.hidden = !(state.get('w') === 'book' && state.get('d_out') !== 2);
    note.textContent = note.hidden ? '' : 'The book\'s weights are 3×2, so with d_out = ' + state.get('d_out') + ' the weights are drawn from the seed instead.';

    heat('route-a-zero', UI.step(res, 'attn_weights_masked_zero'), '(a) softmax, then future zeroed');
    heat('route-a', UI.step(res, 'attn_weights_renormalized'), '(a) rows renormalised', { range: [0, 1] });
    heat('route-b-scores', UI.step(res, 'attn_scores_masked'), '(b) scaled scores with −∞ above the diagonal');
    heat('route-b', UI.step(res, 'attn_weights'), '(b) softmax of the masked scores', { range: [0, 1] });
    R.clear($('routes-diff'));
    $('routes-diff').appendChild(R.el('span', { text: 'Largest difference between the two routes (routes_max_abs_diff): ' }));
    $('routes-diff').appendChild(R.el('strong', { class: 'num', text: res.routes_max_abs_diff.toExponential(2) }));

    var p = state.get('p');
    R.tex($('keep-scale'), '\\text{kept weights} \\times \\frac{1}{1-p} = \\frac{1}{1-' + p.toFixed(2) + '}', true);
    var dropped = UI.step(res, 'attn_weights_dropped'), mask = UI.step(res, 'dropout_mask');
    var status = $('dropout-status');
    R.clear(status);
    if (dropped) {
      var weights = UI.step(res, 'attn_weights'), example = null;
      mask.forEach(function (row, i) { row.forEach(function (keep, j) { if (!example && keep === 1 && j <= i && i > 0) example = [i, j]; }); });
      status.appendChild(document.createTextNode('Dropout is acting' + (req.dropout_mask ? ' with the book\'s own keep mask (p = 0.5, six tokens)' : '') + '. '));
      if (example) {
        status.appendChild(document.createTextNode('For example, the weight of “' + UI.isolate(tokens[example[0]]) + '” on “' + UI.isolate(tokens[example[1]]) + '” was kept: '));
        status.appendChild(R.el('strong', { class: 'num', text: R.fmt(weights[example[0]][example[1]]) + ' → ' + R.fmt(dropped[example[0]][example[1]]) }));
        status.appendChild(document.createTextNode(' after scaling. Rows of the dropped-out weights no longer add up to 1.'));
      }
      heat('dropout-mask', mask, 'Keep mask (1 = kept)', { range: [0, 1] });
      heat('dropped', dropped, 'Weights after dropout');
    } else {
      status.textContent = state.get('train') ? 'With p = 0 nothing is dropped: the weights pass through unchanged.' : 'Evaluation mode: dropout is switched off, whatever p is, and the weights pass through unchanged.';
      R.clear($('dropout-mask'));
      R.clear($('dropped'));
    }
    R.matrix($('context-matrix'), res.context_vecs, { caption: 'Context vectors Z', rowLabels: tokens, colLabels: dims(res.context_vecs[0].length), role: 'v' });
    stepper.update(res.steps, state.get('step'));
  }

  UI.runner(state, function (current) {
    return UI.embeddings(state, 3).then(function (data) {
      if (!current()) return;
      if (data.error) { UI.showError($('sentence-error'), data.error); return false; }
      var req = request(data);
      return AttnEngine.run(req).then(function (res) {
        if (!current()) return;
        var dropout = res.error && /^dropout\b/.test(res.error.message);
        UI.showError($('p-error'), dropout ? res.error : null, { why: P_ONE });
        UI.showError($('sentence-error'), res.error && !dropout ? res.error : null);
        if (res.error) return false;
        draw(data, req, res);
      });
    });
  })();
})();
