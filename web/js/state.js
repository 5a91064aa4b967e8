// Lesson state <-> the URL. A lesson declares a typed schema; values are read from the query
// string and the hash (the hash wins), checked against the schema (allowlist, types, ranges), and
// written back to the hash as the learner changes them, so any view can be shared as a link.
// A bad or unknown parameter never breaks a page: it falls back to the default and says so.
var AttnState = (function () {
  'use strict';

  // Parameters every page shares, outside any lesson's schema: `lesson` (the contents page's), and
  // `embed`, `hide`, `lock` (read by embed.js). They are not unknown, and they stay in the URL.
  var SHARED = ['lesson', 'embed', 'hide', 'lock'];
  var KEPT = ['embed', 'hide', 'lock'];
  var written = '';  // the parameters of the newest state, as written to the hash

  function clamp(x, min, max) { return Math.min(max, Math.max(min, x)); }

  /** Parses one raw string against its spec: { value } or { value, notice }. */
  function parse(key, raw, spec) {
    var bad = function (why) { return { value: spec.default, notice: 'Ignored ' + key + '=' + JSON.stringify(raw) + ' (' + why + '); using the default.' }; };
    switch (spec.type) {
      case 'int': {
        if (!/^-?\d+$/.test(raw)) return bad('not a whole number');
        var n = parseInt(raw, 10);
        if (n < spec.min || n > spec.max) return { value: clamp(n, spec.min, spec.max), notice: key + ' must be between ' + spec.min + ' and ' + spec.max + '; using ' + clamp(n, spec.min, spec.max) + '.' };
        return { value: n };
      }
      case 'number': {
        var x = Number(raw);
        if (raw.trim() === '' || !isFinite(x)) return bad('not a number');
        if (x < spec.min || x > spec.max) return { value: clamp(x, spec.min, spec.max), notice: key + ' must be between ' + spec.min + ' and ' + spec.max + '; using ' + clamp(x, spec.min, spec.max) + '.' };
        return { value: x };
      }
      case 'bool':
        if (raw === '1' || raw === 'true') return { value: true };
        if (raw === '0' || raw === 'false') return { value: false };
        return bad('use 1 or 0');
      case 'enum':
        return spec.values.indexOf(raw) >= 0 ? { value: raw } : bad('use one of ' + spec.values.join(', '));
      case 'string':
        if (raw.length > spec.maxLength) return bad('longer than ' + spec.maxLength + ' characters');
        if (spec.pattern && !spec.pattern.test(raw)) return bad('not a valid value');
        return { value: raw };
      default:
        return bad('unknown type');
    }
  }

  function format(value, spec) {
    if (spec.type === 'bool') return value ? '1' : '0';
    return String(value);
  }

  function readParams() {
    var pairs = [];
    var collect = function (text) {
      if (!text) return;
      new URLSearchParams(text).forEach(function (v, k) { pairs.push([k, v]); });
    };
    collect(location.search.replace(/^\?/, ''));
    collect(location.hash.replace(/^#/, ''));
    return pairs;
  }

  /**
   * Creates the state of one lesson. schema: { key: { type, default, min, max, values, maxLength,
   * pattern } }. Returns { get, set, values, subscribe, notices, reset }.
   */
  function create(schema) {
    var values = {};
    var notices = [];
    var listeners = [];
    Object.keys(schema).forEach(function (k) { values[k] = schema[k].default; });
    readParams().forEach(function (pair) {
      var key = pair[0], raw = pair[1];
      if (!Object.prototype.hasOwnProperty.call(schema, key)) {
        if (SHARED.indexOf(key) < 0) notices.push('Ignored the unknown parameter ' + JSON.stringify(key.slice(0, 40)) + '.');
        return;
      }
      var parsed = parse(key, raw, schema[key]);
      values[key] = parsed.value;
      if (parsed.notice) notices.push(parsed.notice);
    });

    function write() {
      var params = new URLSearchParams();
      readParams().forEach(function (p) { if (KEPT.indexOf(p[0]) >= 0) params.set(p[0], p[1]); });
      Object.keys(schema).forEach(function (k) {
        if (values[k] !== schema[k].default) params.set(k, format(values[k], schema[k]));
      });
      var text = params.toString();
      written = text;
      var url = location.pathname + (text ? '#' + text : '');
      try {
        history.replaceState(null, '', url);
      } catch (e) { /* a sandboxed frame may refuse: the state still works, just not in the URL */ }
    }

    /** Sets values (checked as the URL's are); returns the notices for values clamped or refused. */
    function set(patch) {
      var changed = false, said = [];
      Object.keys(patch).forEach(function (k) {
        if (!schema[k]) throw new Error('state: unknown key ' + k);
        var parsed = parse(k, format(patch[k], schema[k]), schema[k]);
        if (parsed.notice) said.push(parsed.notice);
        if (values[k] !== parsed.value) { values[k] = parsed.value; changed = true; }
      });
      if (changed) {
        write();
        listeners.forEach(function (fn) { fn(Object.assign({}, values)); });
      }
      return said;
    }

    write();
    // The skip link (href="#main") puts a bare fragment in the address: put the view back, so the
    // address keeps holding it (focus and scrolling stay where the link took them).
    window.addEventListener('hashchange', function () {
      if (location.hash.indexOf('=') >= 0) return;
      try { history.replaceState(null, '', location.pathname + (written ? '#' + written : '')); } catch (e) { /* as in write() */ }
    });
    return Object.freeze({
      get: function (k) { return values[k]; },
      values: function () { return Object.assign({}, values); },
      set: set,
      subscribe: function (fn) { listeners.push(fn); },
      notices: function () { return notices.slice(); },
      defaults: function () { var d = {}; Object.keys(schema).forEach(function (k) { d[k] = schema[k].default; }); return d; },
    });
  }

  return Object.freeze({
    create: create, parse: parse,
    /** The current view as URL parameters (what the hash holds, even where the frame refused to write it). */
    current: function () { return written; },
  });
})();
