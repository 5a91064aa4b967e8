// The stepper: walks through the `steps` of a core response, one named intermediate at a time,
// with its shape, its numbers (4 decimals), what it means, and the C++ line that computed it.
// The explanations live in the lesson's HTML (<dl class="step-notes"><dt>name</dt><dd>…</dd></dl>);
// the lesson supplies how to label each step and which C++ function to show.
var AttnStepper = (function () {
  'use strict';
  var R = AttnRender;

  function readNotes(root) {
    var notes = {};
    var list = root.querySelector('dl.step-notes');
    if (!list) return notes;
    Array.prototype.forEach.call(list.querySelectorAll('dt'), function (dt) {
      var dd = dt.nextElementSibling;
      if (dd && dd.tagName === 'DD') notes[dt.textContent.trim()] = dd;
    });
    list.hidden = true;
    return notes;
  }

  /** The regexp that finds the line computing `name` in a C++ excerpt. */
  function lineFor(name) {
    var base = name.replace(/^head_\d+\./, '');
    return new RegExp('(\\b' + base + '\\s*=[^=])|("' + base + '")');
  }

  /**
   * Creates a stepper inside root. opts:
   *   onSelect(name): the learner picked a step (store it in the state);
   *   view(step): { rowLabels, colLabels, heat, role, nullText, range } for that step's matrix;
   *   code(step): [{ fn, title, hl }] C++ functions (names in AttnCode) to show beside it.
   */
  function create(root, opts) {
    var notes = readNotes(root);
    var nav = R.el('ol', { class: 'step-nav', 'aria-label': 'steps of the computation' });
    var prev = R.el('button', { type: 'button', class: 'btn', text: '← Previous' });
    var next = R.el('button', { type: 'button', class: 'btn', text: 'Next →' });
    var counter = R.el('span', { class: 'step-count', 'aria-live': 'polite' });
    var title = R.el('h3', { class: 'step-title' });
    var shape = R.el('span', { class: 'step-shape' });
    var note = R.el('div', { class: 'step-note' });
    var value = R.el('div', { class: 'step-value' });
    var code = R.el('div', { class: 'step-code' });
    root.appendChild(R.el('div', { class: 'stepper' }, [
      R.el('div', { class: 'step-controls' }, [prev, counter, next]),
      nav,
      R.el('div', { class: 'step-body' }, [
        R.el('div', { class: 'step-main' }, [R.el('div', { class: 'step-head' }, [title, shape]), note, value]),
        code,
      ]),
    ]));
    var steps = [], index = 0;

    function select(i, focus) {
      if (!steps.length) return;
      index = Math.max(0, Math.min(steps.length - 1, i));
      opts.onSelect(steps[index].name);
      draw();
      if (focus) nav.children[index].firstChild.focus();
    }
    // At either end Previous or Next is aria-disabled, not disabled: a disabled button would drop
    // the keyboard focus to the top of the page right after the learner pressed it.
    prev.addEventListener('click', function () { if (index > 0) select(index - 1); });
    next.addEventListener('click', function () { if (index < steps.length - 1) select(index + 1); });
    // The chips are one tab stop (roving tabindex): arrows move along them, Home/End to the ends.
    nav.addEventListener('keydown', function (ev) {
      var to = { ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: steps.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      select(to, true);
    });

    function draw() {
      var step = steps[index];
      Array.prototype.forEach.call(nav.children, function (li, i) {
        var b = li.firstChild;
        if (i === index) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
        b.tabIndex = i === index ? 0 : -1;
      });
      prev.setAttribute('aria-disabled', String(index === 0));
      next.setAttribute('aria-disabled', String(index === steps.length - 1));
      counter.textContent = 'step ' + (index + 1) + ' of ' + steps.length;
      title.textContent = step.name;
      shape.textContent = 'shape ' + R.shapeText(step.shape);
      R.clear(note);
      var n = notes[step.name] || notes[step.name.replace(/^head_\d+\./, '')];
      if (n) {
        Array.prototype.forEach.call(n.childNodes, function (c) { note.appendChild(c.cloneNode(true)); });
        R.typeset(note);
      }
      R.matrix(value, step.value, Object.assign({ heat: true }, opts.view ? opts.view(step) : {}));
      R.clear(code);
      (opts.code ? opts.code(step) : []).forEach(function (c) {
        R.code(code, AttnCode[c.fn], c.hl || lineFor(step.name), c.title || c.fn);
      });
    }

    /** Shows a new list of steps; keeps the step called `current` if it is still there. */
    function update(newSteps, current) {
      // The lesson redraws after every change, the learner's step choice included: a chip that had
      // the focus gives it to its successor.
      var hadFocus = nav.contains(document.activeElement);
      steps = newSteps;
      R.clear(nav);
      steps.forEach(function (s, i) {
        var b = R.el('button', { type: 'button', class: 'step-chip', text: (i + 1) + ' · ' + s.name });
        b.addEventListener('click', function () { select(i); });
        nav.appendChild(R.el('li', null, b));
      });
      var found = -1;
      steps.forEach(function (s, i) { if (s.name === current) found = i; });
      index = found >= 0 ? found : Math.min(index, steps.length - 1);
      if (!steps.length) return;
      draw();
      if (hadFocus) nav.children[index].firstChild.focus({ preventScroll: true });
    }

    return Object.freeze({ update: update, select: function (name) {
      steps.forEach(function (s, i) { if (s.name === name) select(i); });
    } });
  }

  return Object.freeze({ create: create });
})();
