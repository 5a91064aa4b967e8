// Lesson state <-> the URL. A lesson declares a typed schema; values are read from the query
// string and the hash (the hash wins), checked against the schema (allowlist, types, ranges), and
// written back to the hash as the learner changes them, so any view can be shared as a link.
// A bad or unknown parameter never breaks a page: it falls back to the default and says so.

/**
 * One parameter: its type, default and what it may hold.
 * @typedef {{ type: 'int' | 'number', default: number, min: number, max: number }
 *   | { type: 'bool', default: boolean }
 *   | { type: 'enum', default: string, values: string[] }
 *   | { type: 'string', default: string, maxLength: number, pattern?: RegExp }} Spec
 */
/** @typedef {Record<string, Spec>} Schema */
/** @typedef {Record<string, any>} Values */

/**
 * @typedef {object} State
 * @property {(key: string) => any} get
 * @property {() => Values} values
 * @property {(patch: Values) => string[]} set  checked as the URL's values are; returns the notices for values clamped or refused
 * @property {(fn: (values: Values) => void) => void} subscribe
 * @property {() => string[]} notices   what was wrong with the URL
 * @property {() => Values} defaults
 * @property {(key: string) => Spec} spec
 */

// Parameters every page shares, outside any lesson's schema: `lesson` (the contents page's), and
// `embed`, `hide`, `lock` (read by ui/embed.js). They are not unknown, and they stay in the URL.
const SHARED = ['lesson', 'embed', 'hide', 'lock'];
const KEPT = ['embed', 'hide', 'lock'];
let written = '';  // the parameters of the newest state, as written to the hash

/** @param {number} x @param {number} min @param {number} max */
const clamp = (x, min, max) => Math.min(max, Math.max(min, x));

/**
 * Parses one raw string against its spec: { value } or { value, notice }.
 * @param {string} key @param {string} raw @param {Spec} spec
 * @returns {{ value: any, notice?: string }}
 */
export function parse(key, raw, spec) {
  const bad = (/** @type {string} */ why) => ({ value: spec.default, notice: `Ignored ${key}=${JSON.stringify(raw)} (${why}); using the default.` });
  switch (spec.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return bad('not a whole number');
      const n = parseInt(raw, 10);
      if (n < spec.min || n > spec.max) return { value: clamp(n, spec.min, spec.max), notice: `${key} must be between ${spec.min} and ${spec.max}; using ${clamp(n, spec.min, spec.max)}.` };
      return { value: n };
    }
    case 'number': {
      const x = Number(raw);
      if (raw.trim() === '' || !isFinite(x)) return bad('not a number');
      if (x < spec.min || x > spec.max) return { value: clamp(x, spec.min, spec.max), notice: `${key} must be between ${spec.min} and ${spec.max}; using ${clamp(x, spec.min, spec.max)}.` };
      return { value: x };
    }
    case 'bool':
      if (raw === '1' || raw === 'true') return { value: true };
      if (raw === '0' || raw === 'false') return { value: false };
      return bad('use 1 or 0');
    case 'enum':
      return spec.values.indexOf(raw) >= 0 ? { value: raw } : bad(`use one of ${spec.values.join(', ')}`);
    case 'string':
      if (raw.length > spec.maxLength) return bad(`longer than ${spec.maxLength} characters`);
      if (spec.pattern && !spec.pattern.test(raw)) return bad('not a valid value');
      return { value: raw };
    default:
      return bad('unknown type');
  }
}

/** @param {any} value @param {Spec} spec */
function format(value, spec) {
  if (spec.type === 'bool') return value ? '1' : '0';
  return String(value);
}

function readParams() {
  /** @type {[string, string][]} */
  const pairs = [];
  const collect = (/** @type {string} */ text) => {
    if (!text) return;
    new URLSearchParams(text).forEach((v, k) => pairs.push([k, v]));
  };
  collect(location.search.replace(/^\?/, ''));
  collect(location.hash.replace(/^#/, ''));
  return pairs;
}

/**
 * Creates the state of one lesson from its schema and the URL. Returns a State: get, values, set,
 * subscribe, notices, defaults (the schema's values, for a reset), spec.
 * @param {Schema} schema
 * @returns {State}
 */
export function create(schema) {
  /** @type {Values} */
  const values = {};
  /** @type {string[]} */
  const notices = [];
  /** @type {((values: Values) => void)[]} */
  const listeners = [];
  Object.keys(schema).forEach((k) => { values[k] = schema[k].default; });
  readParams().forEach(([key, raw]) => {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      if (SHARED.indexOf(key) < 0) notices.push(`Ignored the unknown parameter ${JSON.stringify(key.slice(0, 40))}.`);
      return;
    }
    const parsed = parse(key, raw, schema[key]);
    values[key] = parsed.value;
    if (parsed.notice) notices.push(parsed.notice);
  });

  function write() {
    const params = new URLSearchParams();
    readParams().forEach(([k, v]) => { if (KEPT.indexOf(k) >= 0) params.set(k, v); });
    Object.keys(schema).forEach((k) => {
      if (values[k] !== schema[k].default) params.set(k, format(values[k], schema[k]));
    });
    const text = params.toString();
    written = text;
    try {
      history.replaceState(null, '', location.pathname + (text ? `#${text}` : ''));
    } catch { /* a sandboxed frame may refuse: the state still works, just not in the URL */ }
  }

  /** @param {Values} patch */
  function set(patch) {
    let changed = false;
    /** @type {string[]} */
    const said = [];
    Object.keys(patch).forEach((k) => {
      if (!schema[k]) throw new Error(`state: unknown key ${k}`);
      const parsed = parse(k, format(patch[k], schema[k]), schema[k]);
      if (parsed.notice) said.push(parsed.notice);
      if (values[k] !== parsed.value) { values[k] = parsed.value; changed = true; }
    });
    if (changed) {
      write();
      listeners.forEach((fn) => fn({ ...values }));
    }
    return said;
  }

  write();
  // The skip link (href="#main") puts a bare fragment in the address: put the view back, so the
  // address keeps holding it (focus and scrolling stay where the link took them).
  window.addEventListener('hashchange', () => {
    if (location.hash.indexOf('=') >= 0) return;
    try { history.replaceState(null, '', location.pathname + (written ? `#${written}` : '')); } catch { /* as in write() */ }
  });
  return Object.freeze({
    get: (/** @type {string} */ k) => values[k],
    values: () => ({ ...values }),
    set,
    subscribe: (/** @type {(values: Values) => void} */ fn) => { listeners.push(fn); },
    notices: () => notices.slice(),
    defaults: () => Object.fromEntries(Object.keys(schema).map((k) => [k, schema[k].default])),
    spec: (/** @type {string} */ k) => schema[k],
  });
}

/** The current view as URL parameters (what the hash holds, even where the frame refused to write it). */
export function current() { return written; }
