// The learner's progress through a lesson's predictions and exercises: one place that knows what a
// lesson asks (registerItem, when the page sets up) and what the learner did (record), read back as
// a summary by the lesson's progress line and by the SCORM adapter (the platform's score).
//
//   registerItem('02-simplified-self-attention', 'journey-top', 'prediction');
//   record('02-simplified-self-attention', 'journey-top', 'prediction', true);         // a guess revealed
//   record('02-simplified-self-attention', 'journey-top', 'prediction', false, true);  // skipped
//   summary('02-simplified-self-attention')  // { items, answered, skipped, correct, complete }
//   onChange((s) => …)                       // after each record, and once items registered, with that lesson's summary
//
// What counts: a prediction's first revealed guess; an exercise is correct once any check passed
// before it was skipped. A skip stands for good: a guess or a check after seeing the truth (or the
// way shown) proves nothing, so the learner may try again for practice, but the record (and the
// platform's score) does not rise. Records persist in localStorage where the page may use it (a
// frame sandboxed without allow-same-origin may not: every access is guarded), so the lesson works
// the same without it, only forgetting on reload. A packaged lesson on a course platform keeps
// them in the platform instead, per learner and attempt (ui/scorm.js calls keepIn before the page
// registers its items): the browser's storage may hold another learner's answers.

/** @typedef {'prediction' | 'exercise'} Kind */
/** @typedef {{ kind: Kind, correct: boolean, skipped: boolean }} Entry */
/** lesson -> id -> entry @typedef {Record<string, Record<string, Entry>>} Records */
/**
 * Where the records persist: read once, on first use, and written after each record. Both may
 * throw (storage refused, a platform down): the records then live for this visit only.
 * @typedef {{ read: () => Records, write: (records: Records) => void }} Store
 */
/**
 * items: registered; answered: answered (not skipped); skipped; correct: answered right;
 * complete: every registered item answered or skipped (and at least one registered).
 * @typedef {{ lesson: string, items: number, answered: number, skipped: number, correct: number, complete: boolean }} Summary
 */

const KEY = 'attention-lab.progress.v1';
/** @type {Map<string, Map<string, Kind>>} lesson -> id -> kind, as the page registered them */
const registered = new Map();
/** @type {Records | null} loaded on first use */
let records = null;
/** @type {((s: Summary) => void)[]} */
const listeners = [];
/** @type {Set<string>} lessons that registered items the listeners have yet to hear of */
const unheard = new Set();

const KINDS = ['prediction', 'exercise'];

/**
 * The records of `stored` that have the shape we write (another page of the origin may have
 * written anything).
 * @param {unknown} stored
 * @returns {Records}
 */
function validRecords(stored) {
  /** @type {Records} */
  const found = {};
  if (!stored || typeof stored !== 'object') return found;
  const all = /** @type {Record<string, any>} */ (stored);
  Object.keys(all).forEach((lesson) => {
    const items = all[lesson];
    if (!items || typeof items !== 'object') return;
    Object.keys(items).forEach((id) => {
      const e = items[id];
      if (!e || KINDS.indexOf(e.kind) < 0 || typeof e.correct !== 'boolean' || typeof e.skipped !== 'boolean') return;
      (found[lesson] = found[lesson] || {})[id] = { kind: e.kind, correct: e.correct, skipped: e.skipped };
    });
  });
  return found;
}

/** @type {Store} the browser's storage, every lesson of the site under one key */
const browserStore = {
  read: () => validRecords(JSON.parse(localStorage.getItem(KEY) || '{}')),
  write: (all) => localStorage.setItem(KEY, JSON.stringify(all)),
};
let store = browserStore;

/**
 * From now on the records persist in `store` alone (a course platform's, ui/scorm.js): whatever
 * was read from another store is forgotten, and the browser's storage is neither read nor written.
 * @param {Store} next
 */
export function keepIn(next) {
  store = next;
  records = null;
}

function load() {
  if (records) return records;
  try {
    records = store.read();
  } catch { /* no storage here (sandboxed frame), or unreadable: start empty */
    records = {};
  }
  return records;
}

function save() {
  try { store.write(/** @type {Records} */ (records)); } catch { /* no storage here: kept for this visit only */ }
}

/**
 * Declares one prediction or exercise of a lesson (the summary counts only registered items).
 * @param {string} lesson @param {string} id @param {Kind} kind
 */
export function registerItem(lesson, id, kind) {
  if (KINDS.indexOf(kind) < 0) throw new Error(`progress: unknown kind ${kind}`);
  if (!registered.has(lesson)) registered.set(lesson, new Map());
  /** @type {Map<string, Kind>} */ (registered.get(lesson)).set(id, kind);
  // A page registers its items as it builds, often after the core first answered: the listeners
  // hear of them once, after the page registered them all (a progress restored counts from then).
  if (unheard.has(lesson)) return;
  unheard.add(lesson);
  Promise.resolve().then(() => {
    unheard.delete(lesson);
    tell(lesson);
  });
}

/** @param {string} lesson */
function tell(lesson) {
  const s = summary(lesson);
  listeners.forEach((fn) => fn(s));
}

/**
 * A guess revealed, an exercise checked, or a skip (correct false, skipped true). Returns the
 * item's record as it stands now (a skip before stays a skip).
 * @param {string} lesson @param {string} id @param {Kind} kind @param {boolean} correct @param {boolean} [skipped]
 * @returns {Entry}
 */
export function record(lesson, id, kind, correct, skipped = false) {
  const all = load();
  const items = all[lesson] = all[lesson] || {};
  const before = items[id];
  /** @type {Entry} */
  let next = { kind, correct: !skipped && !!correct, skipped: !!skipped };
  if (before && before.kind === kind) {
    // a skip stands; the first answer to a prediction stands; a skip after an answer changes nothing
    if (before.skipped || skipped || kind === 'prediction') next = before;
    else next = { kind, correct: before.correct || next.correct, skipped: false };
  }
  items[id] = next;
  save();
  tell(lesson);
  return next;
}

/** @param {string} lesson @returns {Summary} */
export function summary(lesson) {
  const items = registered.get(lesson) || new Map();
  const done = load()[lesson] || {};
  let answered = 0, skipped = 0, correct = 0;
  items.forEach((kind, id) => {
    const e = done[id];
    if (!e || e.kind !== kind) return;
    if (e.skipped) skipped++;
    else { answered++; if (e.correct) correct++; }
  });
  return { lesson, items: items.size, answered, skipped, correct, complete: items.size > 0 && answered + skipped === items.size };
}

/** Whether this item has a record (answered or skipped), from this visit or a stored one. @param {string} lesson @param {string} id */
export function recorded(lesson, id) {
  const e = (load()[lesson] || {})[id];
  return !!e;
}

/** Calls fn(summary of the lesson) after each record, and once a page registered items. @param {(s: Summary) => void} fn */
export function onChange(fn) { listeners.push(fn); }
