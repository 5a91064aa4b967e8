// Lesson 1: why attention. The timeline, the RNN encoder's hidden states (the core's
// `rnn_encoder`) and Bahdanau attention over them (the core's `additive`), with a decoder state
// the learner drags or sets by picking the word being written.
(function () {
  'use strict';
  var R = AttnRender, UI = AttnUI, $ = UI.byId;
  var GERMAN = 'Kannst du mir helfen diesen Satz zu übersetzen';
  // The English words of the German example and the source word each one translates.
  var ENGLISH = [['Can', 0], ['you', 1], ['help', 3], ['me', 2], ['to', 6], ['translate', 7], ['this', 4], ['sentence', 5]];
  var ERAS = ['ann', 'rnn', 'lstm', 'birnn', 'encdec', 'attention', 'transformer'];

  var state = AttnState.create({
    sentence: { type: 'string', default: GERMAN, maxLength: 4000 },
    seed: { type: 'int', default: 123, min: 0, max: 4294967295 },
    emb: { type: 'string', default: '', maxLength: 8000 },
    era: { type: 'enum', default: 'encdec', values: ERAS },
    rseed: { type: 'int', default: 7, min: 0, max: 4294967295 },
    tw: { type: 'int', default: 2, min: 0, max: 1023 },
    dec: { type: 'string', default: '', maxLength: 40, pattern: /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/ },
    att: { type: 'enum', default: 'hand', values: ['hand', 'seed'] },
    k: { type: 'int', default: 6, min: 1, max: 12 },
    step: { type: 'string', default: 'attn_weights', maxLength: 60, pattern: /^[a-z0-9_.]+$/ },
  });
  UI.start(state);
  keepDecoderInPlane();
  UI.sentenceForm(state);
  UI.bind(state, 'seed', $('seed'));
  UI.bind(state, 'rseed', $('rseed'));
  UI.bind(state, 'k', $('k'));
  UI.bindRadios(state, 'att', $('att-weights'));

  // ---- the timeline: buttons in the page show one era's card at a time
  var eraButtons = document.querySelectorAll('#timeline button');
  function showEra() {
    Array.prototype.forEach.call(eraButtons, function (b) { b.setAttribute('aria-pressed', String(b.dataset.era === state.get('era'))); });
    Array.prototype.forEach.call(document.querySelectorAll('.era'), function (d) { d.hidden = d.dataset.era !== state.get('era'); });
  }
  Array.prototype.forEach.call(eraButtons, function (b) { b.addEventListener('click', function () { state.set({ era: b.dataset.era }); }); });
  state.subscribe(showEra);
  showEra();

  /**
   * A decoder state from a link may lie anywhere; the plane drawn (and where tanh puts the encoder
   * states) is [−1, 1] in both dimensions, so a state outside it is moved to its edge, with a notice.
   */
  function keepDecoderInPlane() {
    var dec = state.get('dec');
    if (!dec) return;
    var s = dec.split(',').map(Number);
    var inside = s.map(function (x) { return Math.max(-1, Math.min(1, x)); });
    if (inside[0] === s[0] && inside[1] === s[1]) return;
    UI.notice('The decoder state s = (' + s.join(', ') + ') lies outside the plane drawn, [−1, 1] in both dimensions (where tanh puts the encoder states); using (' + inside.join(', ') + ').');
    state.set({ dec: inside.join(',') });
  }

  /**
   * The hand-set attention layer (size 4). With d = s − h_j the score is
   * e_j = 3·Σ_a [tanh(1 + k·d_a) + tanh(1 − k·d_a)], an even bump that is largest when s = h_j;
   * the focus k narrows it.
   */
  function handWeights(k) {
    return { W_decoder: [[k, 0, -k, 0], [0, k, 0, -k]], W_encoder: [[-k, 0, k, 0], [0, -k, 0, k]], b_attn: [1, 1, 1, 1], v: [3, 3, 3, 3] };
  }

  /** The words being written: the English of the German example, else one step per source word. */
  function targetsFor(tokens) {
    if (tokens.join(' ') === GERMAN) return ENGLISH;
    return tokens.map(function (t, i) { return ['step ' + (i + 1), i]; });
  }

  var tokens = [];
  var stepper = AttnStepper.create($('stepper'), {
    onSelect: function (name) { state.set({ step: name }); },
    view: function (step) {
      var perSource = /^(attn_|encoder_projection|inputs)/.test(step.name);
      var cols = step.shape[1] === tokens.length && /^attn_/.test(step.name) ? tokens : step.value[0].map(function (_, j) { return 'd' + (j + 1); });
      return { rowLabels: perSource && !/^attn_/.test(step.name) ? tokens : ['s'], colLabels: cols, heat: /^attn_/.test(step.name), role: step.name === 'inputs' ? 'k' : (step.name === 'decoder_state' ? 'q' : null) };
    },
    code: function (step) {
      return step.name === 'inputs' ? [{ fn: 'rnn_encoder', hl: /tanh/ }, { fn: 'additive_attention' }] : [{ fn: 'additive_attention' }];
    },
  });

  function drawTargets(targets, tw) {
    // The word pressed with the keyboard keeps the focus through the redraw its press caused.
    var had = Array.prototype.indexOf.call($('targets').children, document.activeElement);
    var box = R.clear($('targets'));
    targets.forEach(function (t, i) {
      var b = R.el('button', { type: 'button', 'aria-pressed': String(i === tw && !state.get('dec')), text: t[0] });
      b.addEventListener('click', function () { state.set({ tw: i, dec: '' }); });
      box.appendChild(b);
    });
    if (had >= 0 && box.children[had]) box.children[had].focus({ preventScroll: true });
  }

  function draw(data, rnn, res, align, targets, tw, s) {
    tokens = data.tokens;
    UI.embeddingTable($('embedding-table'), state, data);
    var chain = R.clear($('rnn-chain'));
    rnn.hidden_states.forEach(function (h, t) {
      var last = t === rnn.hidden_states.length - 1;
      chain.appendChild(R.el('div', { class: 'rnn-cell' + (last ? ' final' : '') }, [
        R.el('span', { class: 'tok', text: tokens[t] }),
        R.el('span', { class: 'num', text: 'h' + (t + 1) + ' = [' + R.fmt(h[0]) + ', ' + R.fmt(h[1]) + ']' }),
        last ? R.el('span', { class: 'small', text: 'all a plain decoder gets' }) : null,
      ]));
    });
    drawTargets(targets, tw);

    R.scatter($('attn-scatter'), [s], {
      labels: ['s (decoder)'], domain: [-1, 1], ticks: [-1, -0.5, 0, 0.5, 1], xLabel: 'state dim 1', yLabel: 'state dim 2',
      pointClass: function () { return 'dec'; }, ariaLabel: 'encoder states, the decoder state and the context vector',
      extra: rnn.hidden_states.map(function (h, j) { return { x: h[0], y: h[1], label: tokens[j], cls: 'enc', r: 6 }; })
        .concat([{ x: res.context_vecs[0][0], y: res.context_vecs[0][1], label: 'c', cls: 'ctx', r: 8 }]),
      onMove: function (i, x, y) { state.set({ dec: x + ',' + y }); },
    });
    R.bars($('attn-bars'), res.attn_weights[0], tokens, { role: 'k', max: 1 });
    R.clear($('context-vector'));
    R.vector($('context-vector'), res.context_vecs[0], { label: 'context c for “' + (state.get('dec') ? 'your s' : targets[tw][0]) + '”', role: 'v' });
    R.clear($('final-vector'));
    $('final-vector').appendChild(document.createTextNode('Without attention the decoder would get the final state for every word: '));
    var f = R.el('span');
    $('final-vector').appendChild(f);
    R.vector(f, rnn.final_state, { role: 'k' });
    if (align) R.heatmap($('alignment'), align.attn_weights, { rowLabels: targets.map(function (t) { return t[0]; }), colLabels: tokens, rowTitle: 'writing', colTitle: 'source', caption: 'Alignment: the weights for every word being written', range: [0, 1] });
    stepper.update(res.steps, state.get('step'));
  }

  UI.runner(state, function (current) {
    return UI.embeddings(state, 3).then(function (data) {
      if (!current()) return;
      if (data.error) { UI.showError($('sentence-error'), data.error); return false; }
      return AttnEngine.run({ mechanism: 'rnn_encoder', inputs: data.inputs, d_out: 2, seed: state.get('rseed') }).then(function (rnn) {
        if (!current()) return;
        if (rnn.error) { UI.showError($('sentence-error'), rnn.error); return false; }
        var targets = targetsFor(data.tokens), tw = Math.min(state.get('tw'), targets.length - 1);
        var dec = state.get('dec');
        var s = dec ? dec.split(',').map(Number) : rnn.hidden_states[targets[tw][1]];
        var base = { mechanism: 'additive', inputs: rnn.hidden_states, d_out: 4, seed: state.get('rseed') };
        if (state.get('att') === 'hand') base.weights = handWeights(state.get('k'));
        var one = Object.assign({ decoder_state: [s], steps: true }, base);
        var all = Object.assign({ decoder_state: targets.map(function (t) { return rnn.hidden_states[t[1]]; }) }, base);
        return Promise.all([AttnEngine.run(one), AttnEngine.run(all)]).then(function (both) {
          if (!current()) return;
          var res = both[0];
          if (res.error) { UI.showError($('sentence-error'), res.error); return false; }
          UI.showError($('sentence-error'), null);
          draw(data, rnn, res, both[1].error ? null : both[1], targets, tw, s);
        });
      });
    });
  })();
})();
