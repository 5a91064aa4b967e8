// Render helpers: matrices, heatmaps, bars, vectors, points, formulas and code. They know nothing
// about lessons: each takes a container, the numbers (from the core) and labels, and draws them
// with DOM nodes and textContent only, never HTML built from data.
var AttnRender = (function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';

  /** Creates an element: el('td', { class: 'x', title: 't' }, [child or text, ...]). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'style' && typeof v === 'object') Object.keys(v).forEach(function (p) { node.style.setProperty(p, v[p]); });
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }

  function append(node, children) {
    if (children === undefined || children === null) return;
    (Array.isArray(children) ? children : [children]).forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /** A number as the book prints it: 4 decimals; null is the core's −∞ (or NaN, per `nullText`). */
  function fmt(x, decimals, nullText) {
    if (x === null || x === undefined) return nullText || '−∞';
    if (typeof x !== 'number') return String(x);
    var d = decimals === undefined ? 4 : decimals;
    var s = x.toFixed(d);
    if (/^-0\.?0*$/.test(s)) s = s.slice(1);
    return s.replace('-', '−');
  }

  function shapeText(shape) { return '(' + shape.join(', ') + ')'; }

  // Viridis: perceptually uniform and readable with every common colour-vision deficiency.
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]];

  /** WCAG relative luminance of an sRGB colour [r, g, b] (0..255). */
  function luminance(c) {
    var lin = c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }

  /**
   * The palette colour at t in [0, 1], and the text colour for it: black or white, whichever
   * contrasts more. One of the two always reaches 4.58:1 (WCAG AA asks 4.5:1), so the numbers
   * printed on a cell stay readable on every colour of the scale, in both themes.
   */
  function colour(t) {
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    var pos = t * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(pos)), f = pos - i;
    var c = [0, 1, 2].map(function (k) { return Math.round(VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k])); });
    var L = luminance(c), dark = (L + 0.05) / 0.05 > 1.05 / (L + 0.05);
    return { css: 'rgb(' + c.join(',') + ')', dark: dark, text: dark ? '#000' : '#fff' };
  }

  /** The display range of a matrix (colour mapping only): finite values' min and max. */
  function extent(rows, fixed) {
    if (fixed) return fixed;
    var lo = Infinity, hi = -Infinity;
    rows.forEach(function (r) { r.forEach(function (x) { if (typeof x === 'number' && isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); } }); });
    if (lo === Infinity) return [0, 1];
    if (lo === hi) return [lo - 1, hi];
    return [lo, hi];
  }

  function asRows(value) {
    if (!Array.isArray(value)) return [[value]];
    if (!Array.isArray(value[0])) return [value];
    return value;
  }

  /**
   * A matrix as a table. opts: rowLabels, colLabels, rowTitle, colTitle, heat (shade cells),
   * range ([lo, hi] for shading), role ('q' | 'k' | 'v' | 'x'), caption, highlightRow,
   * nullText, decimals, describe(i, j, v) for the cell's accessible text.
   * A 3-d value (heads) becomes one table per slice.
   */
  function matrix(container, value, opts) {
    opts = opts || {};
    clear(container);
    if (Array.isArray(value) && Array.isArray(value[0]) && Array.isArray(value[0][0])) {
      var grid = el('div', { class: 'slices' });
      value.forEach(function (slice, h) {
        var box = el('div', { class: 'slice' });
        matrix(box, slice, Object.assign({}, opts, { caption: (opts.sliceLabel || 'head') + ' ' + (h + 1) }));
        grid.appendChild(box);
      });
      container.appendChild(grid);
      return;
    }
    var rows = asRows(value);
    var range = opts.heat ? extent(rows, opts.range) : null;
    var table = el('table', { class: 'matrix' + (opts.role ? ' role-' + opts.role : '') + (opts.heat ? ' heat' : '') });
    if (opts.caption) table.appendChild(el('caption', { text: opts.caption }));
    if (opts.colLabels) {
      var head = el('tr', null, [el('th', { class: 'corner', scope: 'col', text: opts.corner || '' })]);
      opts.colLabels.forEach(function (c) { head.appendChild(el('th', { scope: 'col', text: c })); });
      table.appendChild(el('thead', null, head));
    }
    var body = el('tbody');
    rows.forEach(function (r, i) {
      var tr = el('tr', { class: opts.highlightRow === i ? 'hl' : null });
      if (opts.rowLabels) tr.appendChild(el('th', { scope: 'row', text: opts.rowLabels[i] }));
      r.forEach(function (x, j) {
        var td = el('td', { text: fmt(x, opts.decimals, opts.nullText) });
        if (x === null) td.className = 'null';
        if (range && typeof x === 'number') {
          var c = colour((x - range[0]) / (range[1] - range[0]));
          td.style.background = c.css;
          td.style.color = c.text;
        }
        if (opts.describe) td.title = opts.describe(i, j, x);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    container.appendChild(scrollBox('matrix-scroll', table, opts.caption));
  }

  var fits = new WeakMap();
  var resizer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.target.isConnected) resizer.unobserve(e.target);
      else if (fits.has(e.target)) fits.get(e.target)();
    });
  });

  /**
   * A wide table or grid scrolls inside its box; when it does not fit, the box becomes a focusable,
   * named region so that keyboard users can scroll it too (WCAG 2.1.1).
   */
  function scrollBox(cls, child, label) {
    var box = el('div', { class: cls }, child);
    fits.set(box, function () {
      var over = box.scrollWidth > box.clientWidth + 1;
      if (over === box.hasAttribute('tabindex')) return;
      if (over) setAttrs(box, { tabindex: '0', role: 'region', 'aria-label': (label || 'table') + ', scrolls sideways' });
      else ['tabindex', 'role', 'aria-label'].forEach(function (a) { box.removeAttribute(a); });
    });
    if (resizer) resizer.observe(box);
    return box;
  }

  // Which heatmaps show their table (by caption): kept here because lessons redraw the heatmaps
  // after every change, and an open table should stay open.
  var openTables = {};
  var heatmapCount = 0;

  /** Where focus is inside `container` before a redraw: a data-focus key, or null. */
  function focusKey(container) {
    var a = document.activeElement;
    return a && a !== container && container.contains(a) ? a.getAttribute('data-focus') : null;
  }

  function restoreFocus(container, key) {
    if (key === null) return;
    var target = container.querySelector('[data-focus="' + key + '"]');
    if (target) target.focus({ preventScroll: true });
  }

  /**
   * A heatmap of a matrix with token labels. Colour is never the only carrier: every cell prints
   * its number, masked cells (null) are hatched and print −∞. For the keyboard it is one tab stop
   * (a roving tabindex on an ARIA grid): the arrow keys move cell by cell, Home/End to the ends of
   * a row, Ctrl+Home/End to the corners, and the focused cell's accessible name is its full
   * reading ("query journey, key starts: 0.2379"), which screen readers announce on focus.
   * "Show as table" opens the same numbers as a plain <table> with row and column headers (see
   * table() for why a visible toggle rather than a hidden copy).
   * opts: rowLabels, colLabels, rowTitle ('query'), colTitle ('key'), range, nullText, caption, showValues.
   */
  function heatmap(container, value, opts) {
    opts = opts || {};
    var keep = focusKey(container);
    clear(container);
    var rows = asRows(value);
    var range = extent(rows, opts.range);
    var rowTitle = opts.rowTitle || 'row', colTitle = opts.colTitle || 'column';
    var rowLabels = opts.rowLabels || rows.map(function (_, i) { return String(i + 1); });
    var colLabels = opts.colLabels || rows[0].map(function (_, j) { return String(j + 1); });
    var id = 'hm-' + (++heatmapCount), caption = opts.caption || 'heatmap';
    var wrap = el('figure', { class: 'heatmap' });
    wrap.appendChild(el('figcaption', { id: id + '-cap', text: caption }));
    var readout = el('p', { class: 'readout', text: 'Point at a cell, or Tab to the map and use the arrow keys, to read its value.' });
    var grid = el('div', { class: 'hm-grid', role: 'grid', 'aria-labelledby': id + '-cap', 'aria-describedby': id + '-keys',
      'aria-rowcount': String(rows.length + 1), 'aria-colcount': String(colLabels.length + 1), style: { '--cols': String(colLabels.length) } });
    var head = el('div', { class: 'hm-tr', role: 'row' }, el('div', { class: 'hm-corner', role: 'columnheader', text: rowTitle + ' ↓ ' + colTitle + ' →' }));
    colLabels.forEach(function (c) { head.appendChild(el('div', { class: 'hm-col', role: 'columnheader', text: c })); });
    grid.appendChild(head);
    var cells = [];
    rows.forEach(function (r, i) {
      var tr = el('div', { class: 'hm-tr', role: 'row' }, el('div', { class: 'hm-row', role: 'rowheader', text: rowLabels[i] }));
      cells.push(r.map(function (x, j) {
        var text = rowTitle + ' ' + rowLabels[i] + ', ' + colTitle + ' ' + colLabels[j] + ': ' + fmt(x, opts.decimals, opts.nullText) + (x === null ? ' (masked)' : '');
        var cell = el('div', { class: 'hm-cell' + (x === null ? ' null' : ''), role: 'gridcell', tabindex: i === 0 && j === 0 ? '0' : '-1',
          'aria-label': text, title: text, 'data-focus': i + ',' + j });
        if (typeof x === 'number') {
          var c = colour((x - range[0]) / (range[1] - range[0]));
          cell.style.background = c.css;
          cell.style.color = c.text;
        }
        if (opts.showValues !== false) cell.textContent = fmt(x, opts.showValues === 'short' ? 2 : opts.decimals, opts.nullText === undefined ? '−∞' : opts.nullText);
        var show = function () { readout.textContent = text; };
        cell.addEventListener('mouseenter', show);
        cell.addEventListener('focus', show);
        cell.addEventListener('keydown', function (ev) { gridKey(ev, cells, i, j); });
        tr.appendChild(cell);
        return cell;
      }));
      grid.appendChild(tr);
    });
    wrap.appendChild(scrollBox('hm-scroll', grid, caption));
    wrap.appendChild(el('p', { class: 'sr-only', id: id + '-keys', text: 'Arrow keys move from cell to cell; Home and End go to the ends of a row.' }));
    wrap.appendChild(legend(range));
    wrap.appendChild(readout);
    wrap.appendChild(tableToggle(id, caption, rows, rowLabels, colLabels, rowTitle, colTitle, opts));
    container.appendChild(wrap);
    restoreFocus(container, keep);
  }

  /** The roving tabindex of a heatmap: moves the one tab stop to the cell the key points at. */
  function gridKey(ev, cells, i, j) {
    var last = cells.length - 1, end = cells[i].length - 1, to = null;
    if (ev.key === 'ArrowUp') to = [Math.max(0, i - 1), j];
    else if (ev.key === 'ArrowDown') to = [Math.min(last, i + 1), j];
    else if (ev.key === 'ArrowLeft') to = [i, Math.max(0, j - 1)];
    else if (ev.key === 'ArrowRight') to = [i, Math.min(end, j + 1)];
    else if (ev.key === 'Home') to = ev.ctrlKey ? [0, 0] : [i, 0];
    else if (ev.key === 'End') to = ev.ctrlKey ? [last, cells[last].length - 1] : [i, end];
    else if (ev.key === 'PageUp') to = [0, j];
    else if (ev.key === 'PageDown') to = [last, j];
    if (!to) return;
    ev.preventDefault();
    cells[i][j].tabIndex = -1;
    var next = cells[to[0]][to[1]];
    next.tabIndex = 0;
    next.focus();
  }

  /**
   * The table alternative of a heatmap: a disclosure button and a real <table> (th scope=col and
   * scope=row, every value as text). It is visible on demand rather than a visually-hidden copy:
   * a hidden copy would make screen readers read every number twice (grid, then table) and would
   * be out of reach for sighted keyboard and magnifier users, who benefit from a table as much.
   * The button sits right after the grid, so a screen reader meets it there, and opening it gives
   * the table navigation commands every screen reader has.
   */
  function tableToggle(id, caption, rows, rowLabels, colLabels, rowTitle, colTitle, opts) {
    var open = !!openTables[caption];
    var button = el('button', { type: 'button', class: 'btn btn-small hm-toggle', 'aria-expanded': String(open), 'aria-controls': id + '-table',
      'data-focus': 'toggle', text: open ? 'Hide the table' : 'Show as table' });
    var box = el('div', { class: 'hm-table', id: id + '-table', hidden: !open });
    var table = el('table', { class: 'matrix' }, el('caption', { text: caption + ' (as a table: rows are ' + rowTitle + ', columns ' + colTitle + ')' }));
    var head = el('tr', null, el('th', { scope: 'col', text: rowTitle + ' \\ ' + colTitle }));
    colLabels.forEach(function (c) { head.appendChild(el('th', { scope: 'col', text: c })); });
    table.appendChild(el('thead', null, head));
    var body = el('tbody');
    rows.forEach(function (r, i) {
      var tr = el('tr', null, el('th', { scope: 'row', text: rowLabels[i] }));
      r.forEach(function (x) { tr.appendChild(el('td', { class: x === null ? 'null' : null, text: fmt(x, opts.decimals, opts.nullText) + (x === null ? ' masked' : '') })); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(scrollBox('matrix-scroll', table, caption + ', table'));
    button.addEventListener('click', function () {
      open = box.hidden;
      box.hidden = !open;
      openTables[caption] = open;
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? 'Hide the table' : 'Show as table';
    });
    return el('div', { class: 'hm-alt' }, [button, box]);
  }

  function legend(range) {
    var bar = el('div', { class: 'legend-bar', 'aria-hidden': 'true' });
    var stops = VIRIDIS.map(function (c, i) { return 'rgb(' + c.join(',') + ') ' + Math.round(100 * i / (VIRIDIS.length - 1)) + '%'; });
    bar.style.background = 'linear-gradient(to right, ' + stops.join(', ') + ')';
    return el('div', { class: 'legend' }, [el('span', { text: fmt(range[0], 2) }), bar, el('span', { text: fmt(range[1], 2) })]);
  }

  /**
   * Horizontal bars, one per label, signed values around a zero line. The bar lengths are only
   * a drawing of the numbers the core gave; the numbers are printed beside them.
   * opts: role, highlight (index), max (the value a full bar stands for), nullText.
   */
  function bars(container, values, labels, opts) {
    opts = opts || {};
    clear(container);
    var max = opts.max || values.reduce(function (m, v) { return typeof v === 'number' && isFinite(v) ? Math.max(m, Math.abs(v)) : m; }, 0) || 1;
    var hasNeg = values.some(function (v) { return typeof v === 'number' && v < 0; });
    var list = el('div', { class: 'bars' + (opts.role ? ' role-' + opts.role : '') + (hasNeg ? ' signed' : ''), role: 'list' });
    values.forEach(function (v, i) {
      var frac = typeof v === 'number' && isFinite(v) ? Math.min(1, Math.abs(v) / max) : 0;
      var fill = el('span', { class: 'bar-fill' + (typeof v === 'number' && v < 0 ? ' neg' : '') });
      fill.style.width = (hasNeg ? 50 : 100) * frac + '%';
      if (hasNeg) fill.style[v < 0 ? 'right' : 'left'] = '50%';
      list.appendChild(el('div', { class: 'bar-row' + (opts.highlight === i ? ' hl' : ''), role: 'listitem' }, [
        el('span', { class: 'bar-label', text: labels[i] }),
        el('span', { class: 'bar-track' }, fill),
        el('span', { class: 'bar-value', text: fmt(v, opts.decimals, opts.nullText) }),
      ]));
    });
    container.appendChild(list);
  }

  /** A vector as a bracketed row of numbers: [0.4419, 0.6515, 0.5683]. */
  function vector(container, values, opts) {
    opts = opts || {};
    clear(container);
    var node = el('span', { class: 'vector' + (opts.role ? ' role-' + opts.role : '') });
    if (opts.label) node.appendChild(el('span', { class: 'vector-label', text: opts.label + ' = ' }));
    node.appendChild(document.createTextNode('['));
    values.forEach(function (v, i) {
      if (i) node.appendChild(document.createTextNode(', '));
      node.appendChild(el('span', { class: 'num', text: fmt(v, opts.decimals, opts.nullText) }));
    });
    node.appendChild(document.createTextNode(']'));
    container.appendChild(node);
  }

  /** Typesets TeX with KaTeX (its own DOM, no HTML from data); plain text if KaTeX is missing. */
  function tex(node, source, display) {
    if (typeof katex === 'undefined') { node.textContent = source; return; }
    katex.render(source, node, { displayMode: !!display, throwOnError: false, output: 'htmlAndMathml' });
  }

  /** Typesets every [data-tex] element inside root; data-display="1" for display style. */
  function typeset(root) {
    Array.prototype.forEach.call(root.querySelectorAll('[data-tex]'), function (n) {
      tex(n, n.getAttribute('data-tex'), n.getAttribute('data-display') === '1' || n.tagName === 'DIV');
    });
  }

  /**
   * A C++ excerpt with its file and line numbers; lines matching `highlight` (a RegExp) marked.
   * excerpt: { file, line, code } as generated by tools/build-web.mjs.
   */
  function code(container, excerpt, highlight, title) {
    var box = el('figure', { class: 'code' });
    if (!excerpt) {
      box.appendChild(el('figcaption', { text: (title || 'code') + ': not found in this build' }));
      container.appendChild(box);
      return;
    }
    box.appendChild(el('figcaption', null, [el('code', { text: excerpt.file + ':' + excerpt.line }), title ? ' · ' + title : '']));
    var pre = el('pre', { tabindex: '0' });
    var first = null;
    excerpt.code.split('\n').forEach(function (line, i) {
      var hl = highlight && highlight.test(line);
      var row = el('span', { class: 'line' + (hl ? ' hl' : '') }, [
        el('span', { class: 'ln', 'aria-hidden': 'true', text: String(excerpt.line + i) }),
        el('span', { class: 'src', text: line || ' ' }),
      ]);
      if (hl && !first) first = row;
      pre.appendChild(row);
    });
    box.appendChild(pre);
    container.appendChild(box);
    // The first marked line a third of the way down the box. Read after the next layout, not now:
    // reading geometry here would force a layout of the whole page for every code box drawn.
    if (first) requestAnimationFrame(function () {
      var offset = first.getBoundingClientRect().top - pre.getBoundingClientRect().top + pre.scrollTop;
      pre.scrollTop = Math.max(0, offset - pre.clientHeight / 3);
    });
  }

  /**
   * Points on a plane (two coordinates each) that the learner can drag, or move with the arrow
   * keys once focused. opts: labels, domain ([lo, hi] for both axes), xLabel, yLabel,
   * roles (per point class), onMove(i, x, y) (called on release and on key moves), extra
   * (fixed points { x, y, label, cls } not draggable), snap (decimals), highlight (index).
   */
  function scatter(container, points, opts) {
    opts = opts || {};
    var keep = focusKey(container);
    clear(container);
    var W = 320, H = 320, P = 34;
    var lo = opts.domain ? opts.domain[0] : 0, hi = opts.domain ? opts.domain[1] : 1;
    var sx = function (x) { return P + (x - lo) / (hi - lo) * (W - 2 * P); };
    var sy = function (y) { return H - P - (y - lo) / (hi - lo) * (H - 2 * P); };
    var ix = function (px) { return lo + (px - P) / (W - 2 * P) * (hi - lo); };
    var iy = function (py) { return lo + (H - P - py) / (H - 2 * P) * (hi - lo); };
    var snap = function (v) { var d = opts.snap === undefined ? 2 : opts.snap; return Number(Math.max(lo, Math.min(hi, v)).toFixed(d)); };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'scatter', role: 'group', 'aria-label': opts.ariaLabel || 'points' });
    var ticks = opts.ticks || [lo, (lo + hi) / 2, hi];
    ticks.forEach(function (t) {
      root.appendChild(svg('line', { x1: sx(t), x2: sx(t), y1: P, y2: H - P, class: 'grid' }));
      root.appendChild(svg('line', { y1: sy(t), y2: sy(t), x1: P, x2: W - P, class: 'grid' }));
      root.appendChild(svg('text', { x: sx(t), y: H - P + 14, class: 'tick', 'text-anchor': 'middle', text: String(t) }));
      root.appendChild(svg('text', { x: P - 4, y: sy(t) + 4, class: 'tick', 'text-anchor': 'end', text: String(t) }));
    });
    root.appendChild(svg('text', { x: W / 2, y: H - 4, class: 'axis-label', 'text-anchor': 'middle', text: opts.xLabel || 'x' }));
    // the y label above its axis, upright: on its side it ran into the middle tick's label
    root.appendChild(svg('text', { x: P, y: P - 12, class: 'axis-label', 'text-anchor': 'middle', text: opts.yLabel || 'y' }));
    (opts.extra || []).forEach(function (p) {
      root.appendChild(svg('circle', { cx: sx(p.x), cy: sy(p.y), r: p.r || 7, class: 'pt-fixed ' + (p.cls || '') }));
      if (p.label) root.appendChild(svg('text', { x: sx(p.x) + 10, y: sy(p.y) + 16, class: 'pt-label ' + (p.cls || ''), text: p.label }));
    });
    // Labels go above and right of their point, or below it where that would cover a label already
    // placed (two tokens with close embeddings, such as "journey" and "starts" in the book).
    var placed = [];
    var labelY = function (x, y, label) {
      var w = 7.5 * label.length, free = function (ty) {
        return placed.every(function (b) { return Math.abs(b.y - ty) >= 14 || x + w <= b.x || b.x + b.w <= x; });
      };
      var ty = free(y - 10) ? y - 10 : free(y + 24) ? y + 24 : y - 10;
      placed.push({ x: x, y: ty, w: w });
      return ty;
    };
    points.forEach(function (p, i) {
      var label = opts.labels ? opts.labels[i] : String(i + 1);
      var cls = 'pt' + (opts.highlight === i ? ' hl' : '') + (opts.pointClass ? ' ' + opts.pointClass(i) : '');
      var where = label + ' at (' + fmt(p[0], 2) + ', ' + fmt(p[1], 2) + ')';
      // A movable point is a two-way slider: its value is read out as both coordinates, and the
      // arrow keys move it (left/right along the horizontal axis, up/down along the vertical one).
      var g = svg('g', opts.onMove ? { class: cls, tabindex: '0', role: 'slider', 'data-focus': String(i),
        'aria-label': label + ': arrow keys move it', 'aria-valuemin': lo, 'aria-valuemax': hi, 'aria-valuenow': p[0],
        'aria-valuetext': (opts.xLabel || 'x') + ' ' + fmt(p[0], 2) + ', ' + (opts.yLabel || 'y') + ' ' + fmt(p[1], 2) } : { class: cls, role: 'img', 'aria-label': where });
      var dot = svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 9 });
      // an invisible ring around the dot: a target of at least 24 × 24 px (WCAG 2.5.8)
      var hit = svg('circle', { class: 'hit', cx: sx(p[0]), cy: sy(p[1]), r: 14 });
      var text = svg('text', { x: sx(p[0]) + 12, y: labelY(sx(p[0]) + 12, sy(p[1]), label), text: label });
      g.appendChild(svg('title', { text: where }));
      g.appendChild(hit);
      g.appendChild(dot);
      g.appendChild(text);
      root.appendChild(g);
      if (!opts.onMove) return;
      var current = [p[0], p[1]];
      var place = function (x, y) {
        current = [x, y];
        [dot, hit].forEach(function (c) { c.setAttribute('cx', sx(x)); c.setAttribute('cy', sy(y)); });
        text.setAttribute('x', sx(x) + 12); text.setAttribute('y', sy(y) - 10);
      };
      var toLocal = function (ev) {
        var m = root.getScreenCTM();
        var pt = root.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
        var l = pt.matrixTransform(m.inverse());
        return [snap(ix(l.x)), snap(iy(l.y))];
      };
      g.addEventListener('pointerdown', function (ev) {
        ev.preventDefault();
        g.setPointerCapture(ev.pointerId);
        g.classList.add('dragging');
        var move = function (e) { var q = toLocal(e); place(q[0], q[1]); if (opts.onDrag) opts.onDrag(i, q[0], q[1]); };
        var up = function () {
          g.removeEventListener('pointermove', move);
          g.removeEventListener('pointerup', up);
          g.removeEventListener('pointercancel', up);
          g.classList.remove('dragging');
          opts.onMove(i, current[0], current[1]);
        };
        g.addEventListener('pointermove', move);
        g.addEventListener('pointerup', up);
        g.addEventListener('pointercancel', up);
      });
      g.addEventListener('keydown', function (ev) {
        var step = (hi - lo) / 50;
        var d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[ev.key];
        if (!d) return;
        ev.preventDefault();
        place(snap(current[0] + d[0]), snap(current[1] + d[1]));
        opts.onMove(i, current[0], current[1]);
      });
    });
    container.appendChild(root);
    restoreFocus(container, keep);
    return root;
  }

  /**
   * A line chart with a log2 x axis: series [{ label, cls, points: [[x, y], ...] }], y in [0, yMax].
   * opts: xLabel, yLabel, marker (an x to mark), yMax.
   */
  function lineChart(container, series, opts) {
    opts = opts || {};
    clear(container);
    var W = 480, H = 260, L = 46, R = 14, T = 14, B = 40;
    var xs = series[0].points.map(function (p) { return p[0]; });
    var lx0 = Math.log2(xs[0]), lx1 = Math.log2(xs[xs.length - 1]);
    var yMax = opts.yMax || 1;
    var sx = function (x) { return L + (Math.log2(x) - lx0) / ((lx1 - lx0) || 1) * (W - L - R); };
    var sy = function (y) { return H - B - y / yMax * (H - T - B); };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img', 'aria-label': opts.ariaLabel || 'chart' });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var y = f * yMax;
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: sy(y), y2: sy(y), class: 'grid' }));
      root.appendChild(svg('text', { x: L - 6, y: sy(y) + 4, class: 'tick', 'text-anchor': 'end', text: String(y) }));
    });
    xs.forEach(function (x) {
      root.appendChild(svg('text', { x: sx(x), y: H - B + 16, class: 'tick', 'text-anchor': 'middle', text: String(x) }));
    });
    root.appendChild(svg('text', { x: (L + W - R) / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle', text: opts.xLabel || 'x' }));
    root.appendChild(svg('text', { x: 12, y: (T + H - B) / 2, class: 'axis-label', 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (T + H - B) / 2 + ')', text: opts.yLabel || 'y' }));
    if (opts.marker) root.appendChild(svg('line', { x1: sx(opts.marker), x2: sx(opts.marker), y1: T, y2: H - B, class: 'marker' }));
    series.forEach(function (s) {
      var d = s.points.map(function (p, i) { return (i ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1); }).join(' ');
      root.appendChild(svg('path', { d: d, class: 'series ' + (s.cls || '') }));
      s.points.forEach(function (p) {
        var c = svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 3.5, class: 'series-pt ' + (s.cls || '') });
        c.appendChild(svg('title', { text: s.label + ', ' + (opts.xName || 'x') + ' = ' + p[0] + ': ' + fmt(p[1]) }));
        root.appendChild(c);
      });
    });
    container.appendChild(root);
    var key = el('ul', { class: 'chart-key' });
    series.forEach(function (s) { key.appendChild(el('li', { class: s.cls || '' }, [el('span', { class: 'swatch', 'aria-hidden': 'true' }), s.label])); });
    container.appendChild(key);
  }

  return Object.freeze({
    el: el, svg: svg, clear: clear, fmt: fmt, shapeText: shapeText, colour: colour,
    matrix: matrix, heatmap: heatmap, bars: bars, vector: vector, tex: tex, typeset: typeset,
    code: code, scatter: scatter, lineChart: lineChart,
  });
})();
