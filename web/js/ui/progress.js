// The learner's progress through a lesson's predictions and exercises: one place that knows what a
// lesson asks (registerItem, when the page sets up) and what the learner did (record), read back as
// a summary by the lesson's progress line and by the SCORM adapter (the platform's score).
//
//   registerItem('02-simplified-self-attention', 'journey-top', 'prediction');
//   record('02-simplified-self-attention', 'journey-top', 'prediction', true);         // a guess revealed
//   record('02-simplified-self-attention', 'journey-top', 'prediction', false, true);  // skipped
//   summary('02-simplified-self-attention')  // { items, answered, skipped, correct, complete }
//   onChange((s) => …)                       // after each record, with that lesson's summary
//
// What counts: a prediction's first revealed guess; an exercise is correct once any check passed
// before it was skipped. A skip stands for good: a guess or a check after seeing the truth (or the
// way shown) proves nothing, so the learner may try again for practice, but the record (and the
// platform's score) does not rise. Records persist in localStorage where the page may use it (a
// frame sandboxed without allow-same-origin may not: every access is guarded), so the lesson works
// the same without it, only forgetting on reload.

/** @typedef {'prediction' | 'exercise'} Kind */
/** @typedef {{ kind: Kind, correct: boolean, skipped: boolean }} Entry */
/**
 * items: registered; answered: answered (not skipped); skipped; correct: answered right;
 * complete: every registered item answered or skipped (and at least one registered).
 * @typedef {{ lesson: string, items: number, answered: number, skipped: number, correct: number, complete: boolean }} Summary
 */

const KEY = 'attention-lab.progress.v1';
/** @type {Map<string, Map<string, Kind>>} lesson -> id -> kind, as the page registered them */
const registered = new Map();
/** @type {Record<string, Record<string, Entry>> | null} lesson -> id -> entry; loaded on first use */
let records = null;
/** @type {((s: Summary) => void)[]} */
const listeners = [];

const KINDS = ['prediction', 'exercise'];

/** What localStorage holds, kept only where it has the shape we write (another page of the origin may have written anything). */
function load() {
  if (records) return records;
  /** @type {Record<string, Record<string, Entry>>} */
  const found = {};
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) || '{}');
    if (stored && typeof stored === 'object') {
      Object.keys(stored).forEach((lesson) => {
        const items = stored[lesson];
        if (!items || typeof items !== 'object') return;
        Object.keys(items).forEach((id) => {
          const e = items[id];
          if (!e || KINDS.indexOf(e.kind) < 0 || typeof e.correct !== 'boolean' || typeof e.skipped !== 'boolean') return;
          (found[lesson] = found[lesson] || {})[id] = { kind: e.kind, correct: e.correct, skipped: e.skipped };
        });
      });
    }
  } catch { /* no storage here (sandboxed frame), or unreadable: start empty */ }
  records = found;
  return records;
}

function save() {
  try { localStorage.setItem(KEY, JSON.stringify(records)); } catch { /* no storage here: kept for this visit only */ }
}

/**
 * Declares one prediction or exercise of a lesson (the summary counts only registered items).
 * @param {string} lesson @param {string} id @param {Kind} kind
 */
export function registerItem(lesson, id, kind) {
  if (KINDS.indexOf(kind) < 0) throw new Error(`progress: unknown kind ${kind}`);
  if (!registered.has(lesson)) registered.set(lesson, new Map());
  /** @type {Map<string, Kind>} */ (registered.get(lesson)).set(id, kind);
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
  const s = summary(lesson);
  listeners.forEach((fn) => fn(s));
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

/** Calls fn(summary of the lesson recorded) after each record. @param {(s: Summary) => void} fn */
export function onChange(fn) { listeners.push(fn); }
