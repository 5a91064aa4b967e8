// The lesson as a SCORM 1.2 SCO (tools/export writes the package): it finds the course platform's
// run-time API, says the lesson was opened (cmi.core.lesson_status "incomplete"), reports the score
// of its predictions and exercises (cmi.core.score.raw as a percentage, min 0, max 100) and
// "completed" once every item was answered or skipped, and finishes the session when the page goes.
// Neither goes down in a later session of the same attempt (and a status "passed" stays).
// The learner's answers themselves live in the platform too, per learner and attempt, in
// cmi.suspend_data: read when the session starts, written and committed after each one. The
// browser's storage is neither read nor written in a session (on a shared computer it may hold
// another learner's answers, or this learner's from an earlier attempt).
// Only a page that the export marked as packaged (<meta name="attn-scorm" content="1.2">) looks for
// the API; with no API found (the package opened from disk, or any other page) nothing changes.
// The platform's API object is plain JavaScript in a same-origin ancestor window (the player), so
// every call is synchronous and crosses no network the lesson's CSP would have to allow.

/**
 * The SCORM 1.2 run-time API (ADL's RTE 3.4): every call returns a string, "true" or "false" for
 * the ones that act.
 * @typedef {{
 *   LMSInitialize(arg: string): string, LMSFinish(arg: string): string,
 *   LMSGetValue(element: string): string, LMSSetValue(element: string, value: string): string,
 *   LMSCommit(arg: string): string, LMSGetLastError(): string, LMSGetErrorString(code: string): string,
 * }} Scorm12Api
 */
/** What progress.js says of a lesson. @typedef {{ items: number, answered: number, skipped: number, correct: number, complete: boolean }} Summary */
/** @typedef {import('./progress.js').Entry} Entry */
/** @typedef {import('./progress.js').Store} Store */

/** How many parents up ADL's own API wrapper looks before giving up. */
const MAX_PARENTS = 7;

/** @param {unknown} api @returns {api is Scorm12Api} */
function isApi(api) {
  return !!api && typeof api === 'object' && ['LMSInitialize', 'LMSSetValue', 'LMSCommit', 'LMSFinish']
    .every((name) => typeof (/** @type {Record<string, unknown>} */ (api))[name] === 'function');
}

/**
 * ADL's search: `win`, then its parents up the chain. A cross-origin ancestor (a page framing the
 * lesson from elsewhere) cannot be read, and ends the search.
 * @param {Window | null} win
 * @returns {Scorm12Api | null}
 */
function searchUp(win) {
  for (let tries = 0; win && tries <= MAX_PARENTS; tries++) {
    try {
      const api = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (win)).API;
      if (isApi(api)) return api;
      if (!win.parent || win.parent === win) return null;
      win = win.parent;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The platform's API: up this window's parents, then up those of the window that opened it (a
 * player that opens the lesson in a new window).
 * @param {Window} [win]
 * @returns {Scorm12Api | null}
 */
export function findApi(win = window) {
  const found = searchUp(win);
  if (found) return found;
  try {
    return win.opener ? searchUp(win.opener) : null;
  } catch {
    return null;
  }
}

/** The percentage the score reports: answered right out of all items, a whole number. @param {Summary} s */
export const scorePercent = (s) => (s.items > 0 ? Math.round((100 * s.correct) / s.items) : 0);

/** Seconds as SCORM 1.2's CMITimespan, HHHH:MM:SS (hours 2 to 4 digits). @param {number} seconds */
export function timespan(seconds) {
  const s = Math.max(0, Math.min(Math.floor(seconds), 9999 * 3600 + 3599));
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** What cmi.suspend_data may hold: SCORM 1.2's CMIString4096 (some platforms allow more, none less). */
export const SUSPEND_MAX = 4096;

/**
 * One lesson's records as cmi.suspend_data, compact: {"v":1,"r":{"<id>":"<kind><result>"}} with
 * kind p (prediction) or e (exercise) and result r (right), w (answered, not right) or s (skipped).
 * Records that would pass SUSPEND_MAX are left out (the first ones are kept), with a warning.
 * @param {Record<string, Entry>} entries
 * @returns {string}
 */
export function packRecords(entries) {
  /** @type {Record<string, string>} */
  const r = {};
  let text = JSON.stringify({ v: 1, r });
  let dropped = 0;
  Object.keys(entries).forEach((id) => {
    const e = entries[id];
    r[id] = (e.kind === 'prediction' ? 'p' : 'e') + (e.skipped ? 's' : e.correct ? 'r' : 'w');
    const longer = JSON.stringify({ v: 1, r });
    if (longer.length <= SUSPEND_MAX) text = longer;
    else { delete r[id]; dropped++; }
  });
  if (dropped) console.warn(`SCORM: ${dropped} of the lesson's answers do not fit in cmi.suspend_data (${SUSPEND_MAX} characters): the platform keeps the others`);
  return text;
}

/**
 * The records packRecords wrote; anything else (empty on a first attempt, or another SCO's data)
 * gives none.
 * @param {string} text
 * @returns {Record<string, Entry>}
 */
export function unpackRecords(text) {
  /** @type {Record<string, Entry>} */
  const entries = {};
  /** @type {any} */
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not ours */ }
  const r = data && data.v === 1 && data.r && typeof data.r === 'object' ? data.r : {};
  Object.keys(r).forEach((id) => {
    const code = r[id];
    if (typeof code !== 'string' || !/^[pe][rws]$/.test(code)) return;
    entries[id] = { kind: code[0] === 'p' ? 'prediction' : 'exercise', correct: code[1] === 'r', skipped: code[1] === 's' };
  });
  return entries;
}

/** Whether this page is a packaged SCO (the export's marker). */
export const isPackaged = () => !!document.querySelector('meta[name="attn-scorm"][content="1.2"]');

/**
 * Connects a packaged lesson to its platform: initialises the session, moves the lesson's records
 * into the platform (keepIn, before the page registers its items: the first summary is the
 * platform's), reports now, after every change of the progress, and finishes the session when
 * the page is hidden for good. Returns the API used, or null when the page is not packaged or no
 * platform answers (the lesson goes on as on its own, its records in the browser's storage).
 * @param {{ lesson: string, keepIn: (store: Store) => void, summary: () => Summary,
 *   onChange: (fn: (s: Summary) => void) => void, win?: Window }} progress
 * @returns {Scorm12Api | null}
 */
export function connectPlatform({ lesson, keepIn, summary, onChange, win = window }) {
  if (!isPackaged()) return null;
  const api = findApi(win);
  if (!api) return null;
  if (String(api.LMSInitialize('')) !== 'true') {
    console.warn(`SCORM: the platform refused LMSInitialize (error ${api.LMSGetLastError()})`);
    return null;
  }
  const opened = Date.now();
  let finished = false;
  // What an earlier session of this attempt recorded stands: a learner who completed the lesson
  // stays completed, and a score is never lowered (the answers behind it may be missing from
  // suspend_data: a platform that reset it, or a version of the package that kept none).
  const status = String(api.LMSGetValue('cmi.core.lesson_status'));
  // 'passed' says more than 'completed' (a platform or an earlier SCO judged mastery): it is kept
  const passed = status === 'passed';
  let completed = passed || status === 'completed';
  const earlier = String(api.LMSGetValue('cmi.core.score.raw'));
  const best = /^\d+(\.\d+)?$/.test(earlier) ? Number(earlier) : -1;
  /** @type {string | null} the last values sent, so an unchanged view commits nothing */
  let sent = null;

  /** @param {Summary} s */
  const report = (s) => {
    if (finished) return;
    completed = completed || s.complete;
    const values = [['cmi.core.lesson_status', passed ? 'passed' : completed ? 'completed' : 'incomplete']];
    // a score once the learner did something (answered or skipped), not for a lesson just opened
    if (s.items > 0 && s.answered + s.skipped > 0) values.push(['cmi.core.score.min', '0'], ['cmi.core.score.max', '100'], ['cmi.core.score.raw', String(Math.max(best, scorePercent(s)))]);
    const text = JSON.stringify(values);
    if (text === sent) return;
    sent = text;
    values.forEach(([element, value]) => api.LMSSetValue(element, value));
    api.LMSCommit('');
  };
  const finish = () => {
    if (finished) return;
    report(summary());
    finished = true;
    api.LMSSetValue('cmi.core.session_time', timespan((Date.now() - opened) / 1000));
    // incomplete: the platform keeps the attempt open, and the learner resumes it
    api.LMSSetValue('cmi.core.exit', completed ? '' : 'suspend');
    api.LMSCommit('');
    api.LMSFinish('');
  };

  /**
   * A platform whose API throws must not stop the lesson: the report runs inside the learner's
   * reveal or check (progress.js calls its listeners there).
   * @param {() => void} fn
   */
  const safely = (fn) => {
    try {
      fn();
    } catch (e) {
      console.warn(`SCORM: the platform's API failed: ${e instanceof Error ? e.message : e}`);
    }
  };
  // This learner's answers in this attempt are the platform's, from here on: before the page
  // registers its items (start() runs first), so the first summary already reads suspend_data.
  /** @type {string | null} the last suspend_data sent */
  let suspended = null;
  keepIn({
    read: () => {
      let text = '';
      safely(() => { text = String(api.LMSGetValue('cmi.suspend_data')); });
      return { [lesson]: unpackRecords(text) };
    },
    write: (all) => {
      const text = packRecords(all[lesson] || {});
      if (finished || text === suspended) return;
      suspended = text;
      safely(() => {
        if (String(api.LMSSetValue('cmi.suspend_data', text)) !== 'true') {
          console.warn(`SCORM: the platform refused cmi.suspend_data (${text.length} characters, error ${api.LMSGetLastError()}): the answers are kept for this visit only`);
        }
        api.LMSCommit('');
      });
    },
  });
  safely(() => report(summary()));
  // after each answer, and once the page registered its items (a progress restored counts then)
  onChange((s) => safely(() => report(s)));
  // The session ends when the page goes for good: a pagehide that is not persisted. A page kept in
  // the back-forward cache may come back, and a beforeunload may be cancelled, so neither finishes
  // it; unload only where pagehide is unknown. finish sends LMSFinish once, whatever fires.
  if ('onpagehide' in win) win.addEventListener('pagehide', (ev) => { if (!ev.persisted) safely(finish); });
  else /** @type {Window} */ (win).addEventListener('unload', () => safely(finish));
  document.body.dataset.platform = 'scorm12';
  return api;
}
