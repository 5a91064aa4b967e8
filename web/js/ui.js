// The lesson kit: what every lesson page shares. Binding the controls written in the page's HTML
// to the state, the sentence input and editable embedding table, error and notice messages, and a
// runner that computes a lesson's view through the engine, newest request wins.
var AttnUI = (function () {
  'use strict';
  var R = AttnRender;

  function byId(id) { return document.getElementById(id); }

  /** Shows the state's notices (bad URL parameters) in #notices, and the build stamp. */
  function start(state) {
    R.typeset(document);
    var box = byId('notices');
    if (box) {
      state.notices().forEach(function (n) { box.appendChild(R.el('p', { class: 'notice', role: 'status', text: n })); });
      box.hidden = !box.firstChild;
    }
    var stamp = byId('build-stamp');
    if (stamp && typeof AttnBuild !== 'undefined') stamp.textContent = 'v' + AttnBuild.version + ' · ' + AttnBuild.commit;
  }

  /** Binds an <input type=range|number|checkbox> or <select> to a state key (and an <output>). */
  function bind(state, key, input, format) {
    var out = document.querySelector('output[for="' + input.id + '"]');
    var show = function () {
      var v = state.get(key);
      if (input.type === 'checkbox') input.checked = !!v; else input.value = String(v);
      if (out) out.textContent = format ? format(v) : String(v);
    };
    show();
    input.addEventListener(input.type === 'checkbox' || input.tagName === 'SELECT' ? 'change' : 'input', function () {
      var patch = {};
      if (input.type === 'checkbox') patch[key] = input.checked;
      else if (input.type === 'range' || input.type === 'number') {
        if (input.value === '' || !isFinite(Number(input.value))) return;
        patch[key] = Number(input.value);
      } else patch[key] = input.value;
      state.set(patch);
    });
    state.subscribe(show);
  }

  /** Binds a group of radio buttons (name=key) to a state key. */
  function bindRadios(state, key, root) {
    var radios = root.querySelectorAll('input[type=radio]');
    var show = function () {
      Array.prototype.forEach.call(radios, function (r) { r.checked = r.value === String(state.get(key)); });
    };
    show();
    Array.prototype.forEach.call(radios, function (r) {
      r.addEventListener('change', function () { if (r.checked) { var p = {}; p[key] = r.value === 'true' ? true : r.value === 'false' ? false : r.value; state.set(p); } });
    });
    state.subscribe(show);
  }

  /** A select listing the tokens, bound to an index in the state. */
  function tokenSelect(select, state, key, tokens) {
    R.clear(select);
    tokens.forEach(function (t, i) { select.appendChild(R.el('option', { value: String(i), text: (i + 1) + ': ' + t })); });
    select.value = String(Math.min(state.get(key), tokens.length - 1));
    if (!select.dataset.bound) {
      select.dataset.bound = '1';
      select.addEventListener('change', function () { var p = {}; p[key] = Number(select.value); state.set(p); });
    }
  }

  /** Shows a core error (plain words) in a message box next to the input; null clears it. */
  function showError(box, error) {
    if (!box) return;
    R.clear(box);
    box.hidden = !error;
    if (!error) return;
    box.appendChild(R.el('strong', { text: 'The core could not compute this: ' }));
    box.appendChild(document.createTextNode(error.message || String(error)));
    box.appendChild(R.el('span', { class: 'hint', text: ' The last good result stays on screen.' }));
  }

  // ---- embeddings ----------------------------------------------------------------------------

  /** "tok=a,b,c;tok2=…" (tokens URI-encoded) <-> { tok: [a, b, c] } */
  function parseEdits(text) {
    var edits = {};
    (text || '').split(';').forEach(function (part) {
      var eq = part.lastIndexOf('=');
      if (eq <= 0) return;
      var token;
      try { token = decodeURIComponent(part.slice(0, eq)); } catch (e) { return; }
      var nums = part.slice(eq + 1).split(',').map(Number);
      if (nums.length && nums.every(function (x) { return isFinite(x); })) edits[token] = nums;
    });
    return edits;
  }

  function formatEdits(edits) {
    return Object.keys(edits).map(function (t) { return encodeURIComponent(t) + '=' + edits[t].join(','); }).join(';');
  }

  /**
   * Resolves to { tokens, inputs, sources } for the state's sentence: the core's `embed` splits the
   * text and draws each token's row from the seed; a token of the book's sentence keeps the book's
   * embedding; a row the learner edited (state key `emb`) keeps the edit. Errors resolve to { error }.
   */
  function embeddings(state, d_in) {
    return AttnEngine.run({ mechanism: 'embed', text: state.get('sentence'), d_in: d_in, seed: state.get('seed') }).then(function (res) {
      if (res.error) return res;
      var edits = parseEdits(state.get('emb'));
      var sources = [];
      var inputs = res.tokens.map(function (t, i) {
        if (edits[t] && edits[t].length === d_in) { sources.push('edited'); return edits[t].slice(); }
        var b = d_in === AttnBook.inputs[0].length ? AttnBook.tokens.indexOf(t) : -1;
        if (b >= 0) { sources.push('book'); return AttnBook.inputs[b].slice(); }
        sources.push('seed');
        return res.embeddings[i];
      });
      return { tokens: res.tokens, inputs: inputs, sources: sources };
    });
  }

  /** Records the learner's value for one coordinate of a token's embedding in the state. */
  function editEmbedding(state, token, row, dim, value) {
    var edits = parseEdits(state.get('emb'));
    var next = (edits[token] || row).slice();
    next[dim] = value;
    edits[token] = next;
    state.set({ emb: formatEdits(edits) });
  }

  function setEmbeddingRow(state, token, row) {
    var edits = parseEdits(state.get('emb'));
    edits[token] = row.slice();
    state.set({ emb: formatEdits(edits) });
  }

  /**
   * The editable embedding table: one row per token, one number input per dimension. An entry
   * that is not a number is refused next to the table; any number goes to the core, which judges it.
   */
  function embeddingTable(container, state, data, errorBox) {
    R.clear(container);
    var table = R.el('table', { class: 'matrix embedding-table role-x' });
    table.appendChild(R.el('caption', { text: 'Token embeddings (edit any number)' }));
    var head = R.el('tr', null, [R.el('th', { scope: 'col', text: 'token' })]);
    data.inputs[0].forEach(function (_, j) { head.appendChild(R.el('th', { scope: 'col', text: 'dim ' + (j + 1) })); });
    head.appendChild(R.el('th', { scope: 'col', text: 'from' }));
    table.appendChild(R.el('thead', null, head));
    var body = R.el('tbody');
    data.tokens.forEach(function (t, i) {
      var tr = R.el('tr', null, [R.el('th', { scope: 'row', text: t })]);
      data.inputs[i].forEach(function (x, j) {
        var input = R.el('input', { type: 'text', inputmode: 'decimal', class: 'num-input', value: R.fmt(x, 2).replace('−', '-'),
          'aria-label': 'embedding of ' + t + ', dimension ' + (j + 1), 'data-row': String(i), 'data-dim': String(j), spellcheck: 'false' });
        input.addEventListener('change', function () {
          var text = input.value.trim().replace('−', '-');
          var v = Number(text);
          if (text === '' || isNaN(v)) {
            showError(errorBox, { message: JSON.stringify(input.value.slice(0, 30)) + ' is not a number: type a number such as 0.42.' });
            input.setAttribute('aria-invalid', 'true');
            return;
          }
          input.removeAttribute('aria-invalid');
          editEmbedding(state, t, data.inputs[i], j, v);
        });
        tr.appendChild(R.el('td', null, input));
      });
      tr.appendChild(R.el('td', { class: 'source source-' + data.sources[i], text: data.sources[i] }));
      body.appendChild(tr);
    });
    table.appendChild(body);
    container.appendChild(R.el('div', { class: 'matrix-scroll' }, table));
  }

  /** Wires the sentence form (#sentence-form, #sentence, #seed, #reset-embeddings) to the state. */
  function sentenceForm(state) {
    var form = byId('sentence-form'), input = byId('sentence');
    if (!form) return;
    input.value = state.get('sentence');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      state.set({ sentence: input.value });
    });
    var reset = byId('reset-embeddings');
    if (reset) reset.addEventListener('click', function () { state.set({ emb: '' }); });
    var defaults = byId('reset-sentence');
    if (defaults) defaults.addEventListener('click', function () {
      var d = state.defaults();
      input.value = d.sentence;
      state.set({ sentence: d.sentence, emb: '' });
    });
    state.subscribe(function (v) { if (document.activeElement !== input) input.value = v.sentence; });
  }

  /**
   * The runner: calls compute() (which returns a promise) whenever the state changes; a result
   * that arrives after a newer request started is dropped. While it works, <body data-status>
   * is "busy"; then "ready" (or "error" when the last run ended with an error message).
   */
  function runner(state, compute) {
    var latest = 0;
    function go() {
      var id = ++latest;
      document.body.setAttribute('data-status', 'busy');
      return Promise.resolve().then(function () { return compute(function () { return id === latest; }); }).then(function (ok) {
        if (id !== latest) return;
        document.body.setAttribute('data-status', ok === false ? 'error' : 'ready');
        document.body.setAttribute('data-runs', String(Number(document.body.getAttribute('data-runs') || 0) + 1));
      }, function (e) {
        if (id !== latest) return;
        document.body.setAttribute('data-status', 'error');
        var box = byId('notices');
        if (box) { box.hidden = false; box.appendChild(R.el('p', { class: 'notice error', role: 'alert', text: 'Something went wrong: ' + (e && e.message ? e.message : e) })); }
        if (window.console) console.warn(e);
      });
    }
    state.subscribe(go);
    return go;
  }

  /** The step named `name` of a response, or undefined. */
  function step(res, name) {
    var s = (res.steps || []).filter(function (x) { return x.name === name; })[0];
    return s ? s.value : undefined;
  }

  return Object.freeze({
    byId: byId, start: start, bind: bind, bindRadios: bindRadios, tokenSelect: tokenSelect, showError: showError,
    embeddings: embeddings, embeddingTable: embeddingTable, editEmbedding: editEmbedding, setEmbeddingRow: setEmbeddingRow,
    sentenceForm: sentenceForm, runner: runner, step: step, parseEdits: parseEdits,
  });
})();
