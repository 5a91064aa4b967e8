// The lesson kit: what every lesson page shares. Binding the controls written in the page's HTML
// to the state, the sentence input and editable embedding table, error and notice messages, and a
// runner that computes a lesson's view through the engine, newest request wins.
var AttnUI = (function () {
  'use strict';
  var R = AttnRender;

  // The most tokens a lesson draws by default: a longer sentence is cut (and the page says so), since
  // a T×T heatmap of hundreds of tokens would freeze the page and read as noise.
  var DISPLAY_LIMIT = 16;

  function byId(id) { return document.getElementById(id); }

  /** Shows the state's notices (bad URL parameters) in #notices, and the build stamp. */
  function start(state) {
    R.typeset(document);
    state.notices().forEach(notice);
    var stamp = byId('build-stamp');
    if (stamp && typeof AttnBuild !== 'undefined') stamp.textContent = 'v' + AttnBuild.version + ' · ' + AttnBuild.commit;
  }

  /** The element with attrs.id; the first time it is asked for, made (tag, attrs) right after `anchor`. */
  function boxAfter(anchor, tag, attrs) {
    var box = byId(attrs.id);
    if (!box) {
      box = R.el(tag, attrs);
      anchor.parentNode.insertBefore(box, anchor.nextSibling);
    }
    return box;
  }

  /**
   * The message box of one control: the page's #<id>-error if it has one, else a box made right
   * after the control's .control wrapper. The control points at it (aria-describedby).
   */
  function fieldBox(input) {
    var box = boxAfter(input.closest('.control') || input, 'p', { id: input.id + '-error', class: 'input-error field-error', role: 'alert', hidden: true });
    var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    if (ids.indexOf(box.id) < 0) input.setAttribute('aria-describedby', ids.concat(box.id).join(' '));
    return box;
  }

  /** Shows a message of the page (not the core's) next to a control; '' clears it. */
  function fieldMessage(input, text) {
    var box = text ? fieldBox(input) : byId(input.id + '-error');
    if (!box) return;
    R.clear(box);
    box.hidden = !text;
    if (text) box.textContent = text;
    if (text) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }

  /**
   * Binds an <input type=range|number|checkbox> or <select> to a state key (and an <output>).
   * A value the state refuses or clamps (checked as a URL parameter is) is said next to the control.
   */
  function bind(state, key, input, format) {
    var out = document.querySelector('output[for="' + input.id + '"]');
    var show = function () {
      var v = state.get(key);
      if (input.type === 'checkbox') input.checked = !!v;
      else if (document.activeElement !== input || input.type !== 'number') input.value = String(v);
      if (out) out.textContent = format ? format(v) : String(v);
    };
    show();
    input.addEventListener(input.type === 'checkbox' || input.tagName === 'SELECT' ? 'change' : 'input', function () {
      var patch = {};
      if (input.type === 'checkbox') patch[key] = input.checked;
      else if (input.type === 'range' || input.type === 'number') {
        if (input.value === '' || !isFinite(Number(input.value))) {
          // A number field holding something that is not a number reads as '' (validity.badInput).
          fieldMessage(input, input.validity && input.validity.badInput ? 'Not a number: type digits, such as ' + state.defaults()[key] + '.' : '');
          return;
        }
        patch[key] = Number(input.value);
      } else patch[key] = input.value;
      fieldMessage(input, state.set(patch).join(' '));
    });
    // A typed number that was clamped shows the value used once the learner leaves the field.
    if (input.type === 'number') input.addEventListener('change', function () { input.value = String(state.get(key)); });
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
    tokens.forEach(function (t, i) { select.appendChild(R.el('option', { value: String(i), text: (i + 1) + ': ' + isolate(t) })); });
    select.value = String(Math.min(state.get(key), tokens.length - 1));
    if (!select.dataset.bound) {
      select.dataset.bound = '1';
      select.addEventListener('change', function () { var p = {}; p[key] = Number(select.value); state.set(p); });
    }
  }

  /**
   * Shows a core error (plain words) in a message box next to the input; null clears it.
   * opts: lead (the bold start, default "The core could not compute this: "), why (a sentence
   * after the core's message, saying what it means here).
   */
  function showError(box, error, opts) {
    if (!box) return;
    opts = opts || {};
    R.clear(box);
    box.hidden = !error;
    if (!error) return;
    box.appendChild(R.el('strong', { text: opts.lead || 'The core could not compute this: ' }));
    box.appendChild(document.createTextNode(error.message || String(error)));
    if (opts.why) box.appendChild(document.createTextNode(' ' + opts.why));
    box.appendChild(R.el('span', { class: 'hint', text: ' The last good result stays on screen.' }));
  }

  /**
   * A learner's text inside a sentence of ours, isolated (U+2068 … U+2069) so that a right-to-left
   * token (Arabic, Hebrew) cannot reorder the words around it.
   */
  function isolate(text) { return '\u2068' + text + '\u2069'; }

  /** Adds a notice (plain text) to the page's #notices, as the URL's notices are shown. */
  function notice(text) {
    var box = byId('notices');
    if (!box) return;
    box.appendChild(R.el('p', { class: 'notice', role: 'status', text: text }));
    box.hidden = false;
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

  /** The core's message about a one-row check, said of the table's dimension instead of inputs[0][j]. */
  function rowMessage(message) {
    return message.replace(/^inputs\[0\]\[(\d+)\]/, function (_, j) { return 'dim ' + (Number(j) + 1); });
  }

  /**
   * Asks the core whether it takes these embedding rows (its own checks: finite float32 numbers).
   * Resolves to one entry per row: null, or the core's error.
   */
  function checkRows(rows) {
    if (!rows.length) return Promise.resolve([]);
    var one = function (row) { return AttnEngine.run({ mechanism: 'simplified', inputs: [row] }).then(function (r) { return r.error || null; }); };
    return AttnEngine.run({ mechanism: 'simplified', inputs: rows }).then(function (res) {
      if (!res.error) return rows.map(function () { return null; });
      return Promise.all(rows.map(one));  // only then row by row, to say which
    });
  }

  /**
   * Resolves to { tokens, inputs, sources, total, rejected } for the state's sentence: the core's
   * `embed` splits the text and draws each token's row from the seed; a token of the book's
   * sentence keeps the book's embedding; a row the learner edited (state key `emb`) keeps the edit,
   * unless the core refuses it (a link may carry any text): then `rejected` says why. A sentence
   * longer than `limit` tokens (the most the lesson can draw) is cut to its first `limit` tokens;
   * `total` is the core's count. Errors resolve to { error }.
   */
  function embeddings(state, d_in, limit) {
    limit = limit || DISPLAY_LIMIT;
    return AttnEngine.run({ mechanism: 'embed', text: state.get('sentence'), d_in: d_in, seed: state.get('seed') }).then(function (res) {
      if (res.error) return res;
      var tokens = res.tokens.slice(0, limit);
      var edits = parseEdits(state.get('emb'));
      var edited = Object.keys(edits).filter(function (t) { return edits[t].length === d_in && tokens.indexOf(t) >= 0; });
      return checkRows(edited.map(function (t) { return edits[t]; })).then(function (verdicts) {
        var rejected = [];
        verdicts.forEach(function (err, k) {
          if (!err) return;
          rejected.push({ token: edited[k], message: rowMessage(err.message) });
          delete edits[edited[k]];
        });
        var sources = [];
        var inputs = tokens.map(function (t, i) {
          if (edits[t] && edits[t].length === d_in) { sources.push('edited'); return edits[t].slice(); }
          var b = d_in === AttnBook.inputs[0].length ? AttnBook.tokens.indexOf(t) : -1;
          if (b >= 0) { sources.push('book'); return AttnBook.inputs[b].slice(); }
          sources.push('seed');
          return res.embeddings[i];
        });
        return { tokens: tokens, inputs: inputs, sources: sources, total: res.tokens.length, rejected: rejected };
      });
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

  // What the learner may type in a cell: a decimal number, optionally with an exponent (1e-3).
  var NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

  /**
   * Says what the table does not show: the tokens past the lesson's limit, next to the sentence
   * (a box made after #sentence-error).
   */
  function sentenceNote(data) {
    var anchor = byId('sentence-error');
    if (!anchor) return;
    var box = boxAfter(anchor, 'p', { id: 'sentence-note', class: 'input-note', role: 'status', hidden: true });
    var cut = data.total > data.tokens.length;
    box.hidden = !cut;
    box.textContent = cut ? 'This sentence has ' + data.total + ' tokens; this lesson draws the first ' + data.tokens.length +
      ' (more would not fit on the page), so everything below is computed on those ' + data.tokens.length + '. The core itself takes up to 1024.' : '';
  }

  /**
   * The editable embedding table: one row per token, one number input per dimension. An entry
   * that is not a number is refused under the table; a number is first shown to the core, and
   * only an entry it takes reaches the state (so the last good result stays on screen otherwise).
   */
  function embeddingTable(container, state, data) {
    var keep = focusedCell(container);
    R.clear(container);
    // the message box under the table
    var box = boxAfter(container, 'div', { id: container.id + '-error', class: 'input-error', role: 'alert', hidden: true });
    sentenceNote(data);
    var say = function (text) { showError(box, text ? { message: text } : null, { lead: 'Not used: ' }); };
    say((data.rejected || []).map(function (r) { return 'the edited embedding of ' + isolate(r.token) + ' (the core: ' + r.message + '); it has its usual embedding.'; }).join(' '));

    var table = R.el('table', { class: 'matrix embedding-table role-x' });
    table.appendChild(R.el('caption', { text: 'Token embeddings (edit any number)' }));
    var head = R.el('tr', null, [R.el('th', { scope: 'col', text: 'token' })]);
    data.inputs[0].forEach(function (_, j) { head.appendChild(R.el('th', { scope: 'col', text: 'dim ' + (j + 1) })); });
    head.appendChild(R.el('th', { scope: 'col', text: 'from' }));
    table.appendChild(R.el('thead', null, head));
    var body = R.el('tbody');
    data.tokens.forEach(function (t, i) {
      var tr = R.el('tr', null, [R.el('th', { scope: 'row', dir: 'auto', text: t })]);
      data.inputs[i].forEach(function (x, j) {
        var input = R.el('input', { type: 'text', inputmode: 'decimal', class: 'num-input', value: R.fmt(x, 2).replace('−', '-'),
          'aria-label': 'embedding of ' + t + ', dimension ' + (j + 1), 'data-row': String(i), 'data-dim': String(j), spellcheck: 'false',
          'aria-describedby': box.id });
        input.addEventListener('change', function () {
          var text = input.value.trim().replace(/−/g, '-');
          var shown = JSON.stringify(input.value.slice(0, 30));
          var refuse = function (why) { input.setAttribute('aria-invalid', 'true'); say(why); };
          if (!NUMBER.test(text)) return refuse(shown + ' is not a number: type a number such as 0.42 (with a point for decimals).');
          var v = Number(text);
          if (!isFinite(v)) return refuse(shown + ' is too large to be a number at all; embeddings must be below 3.4e38 in size (float32).');
          var row = data.inputs[i].slice();
          row[j] = v;
          checkRows([row]).then(function (verdict) {
            if (verdict[0]) return refuse(shown + ' for ' + isolate(t) + ': the core refuses it (' + rowMessage(verdict[0].message) + ').');
            input.removeAttribute('aria-invalid');
            say('');
            // Once the browser has moved the focus on (a change made by Tab fires before it moves):
            // the redraw then finds it on the next cell and gives it back there.
            setTimeout(function () { editEmbedding(state, t, data.inputs[i], j, v); }, 0);
          });
        });
        tr.appendChild(R.el('td', null, input));
      });
      tr.appendChild(R.el('td', { class: 'source source-' + data.sources[i], text: data.sources[i] }));
      body.appendChild(tr);
    });
    table.appendChild(body);
    container.appendChild(R.el('div', { class: 'matrix-scroll' }, table));
    refocusCell(container, keep);
  }

  /**
   * The cell of the table that has the focus, before a redraw replaces them all (the learner
   * edited one and tabbed on, the lesson recomputed): its place, and any text typed into it since.
   */
  function focusedCell(container) {
    var a = document.activeElement;
    if (!a || !container.contains(a) || !a.hasAttribute('data-row')) return null;
    return { row: a.getAttribute('data-row'), dim: a.getAttribute('data-dim'), typed: a.value !== a.defaultValue ? a.value : null };
  }

  /** Gives the focus back to that cell after the redraw, so the keyboard does not fall to the page's top. */
  function refocusCell(container, keep) {
    var cell = keep && container.querySelector('input[data-row="' + keep.row + '"][data-dim="' + keep.dim + '"]');
    if (!cell) return;
    if (keep.typed !== null) cell.value = keep.typed;
    cell.focus({ preventScroll: true });
    if (keep.typed === null) cell.select(); else cell.setSelectionRange(cell.value.length, cell.value.length);
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
   * The message about the core's restarts: fixed at the bottom of the window, so it is seen
   * wherever the learner is on the page, until dismissed. phase: 'restarting' | 'restored' | 'failed'.
   */
  function engineStatus(phase, reason) {
    var box = byId('engine-status');
    if (!box) {
      box = R.el('div', { id: 'engine-status', class: 'engine-status', role: 'status' });
      document.body.appendChild(box);
    }
    R.clear(box);
    box.hidden = false;
    document.body.setAttribute('data-engine', phase);
    var head = { restarting: 'The attention core stopped unexpectedly.', restored: 'The attention core stopped unexpectedly and was restarted.',
      failed: 'The attention core stopped again on this view.' }[phase];
    var text = { restarting: ' Restarting it and computing this view again from your settings…',
      restored: ' This view was computed again from your settings: nothing you set was lost.',
      failed: ' Change a setting to try again, or reload the page.' }[phase];
    var close = R.el('button', { type: 'button', class: 'btn', text: 'Dismiss' });
    close.addEventListener('click', function () { box.hidden = true; });
    box.appendChild(R.el('p', null, [R.el('strong', { text: head }), text]));
    if (reason) box.appendChild(R.el('p', { class: 'small', text: 'What the browser reported: ' + reason }));
    box.appendChild(close);
  }

  /**
   * The runner: calls compute() (which returns a promise) whenever the state changes; a result
   * that arrives after a newer request started is dropped. While it works, <body data-status>
   * is "busy"; then "ready" (or "error" when the last run ended with an error message).
   * When the core dies (AttnEngine.onRestart), the page says so and computes the view again on a
   * fresh module, from the state; if it dies again before answering anything, it stops retrying.
   */
  function runner(state, compute) {
    var latest = 0;
    var recovering = null;  // the reason of the restart being recovered from
    function go() {
      var id = ++latest;
      document.body.setAttribute('data-status', 'busy');
      return Promise.resolve().then(function () { return compute(function () { return id === latest; }); }).then(function (ok) {
        if (id !== latest) return;
        if (recovering !== null) { engineStatus('restored', recovering); recovering = null; }
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
    AttnEngine.onRestart(function (info) {
      if (info.streak > 1) { recovering = null; engineStatus('failed', info.reason); return; }
      recovering = info.reason;
      engineStatus('restarting', info.reason);
      go();
    });
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
    fieldMessage: fieldMessage, isolate: isolate, notice: notice,
    embeddings: embeddings, embeddingTable: embeddingTable, editEmbedding: editEmbedding, setEmbeddingRow: setEmbeddingRow,
    sentenceForm: sentenceForm, runner: runner, step: step, parseEdits: parseEdits, DISPLAY_LIMIT: DISPLAY_LIMIT,
  });
})();
