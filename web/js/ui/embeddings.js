// The sentence's embeddings: the core splits the text and draws each token's row; a token of the
// book's sentence keeps the book's row; a row the learner edited (state key `emb`) keeps the edit.
// And the editable table that shows them.
import { el, clear } from '../render/dom.js';
import { fmt } from '../render/format.js';
import { run } from '../engine/page.js';
import { book } from '../data.js';
import { CORE_LIMITS, DISPLAY_LIMIT } from '../limits.js';
import { boxAfter, isolate, showError } from './messages.js';

/** @typedef {import('../state.js').State} State */
/** @typedef {import('../engine/page.js').CoreError} CoreError */
/**
 * @typedef {object} Embeddings
 * @property {string[]} tokens     as far as the lesson draws them
 * @property {number[][]} inputs   one row per token
 * @property {('book' | 'edited' | 'seed')[]} sources
 * @property {number} total        the core's count of tokens
 * @property {{ token: string, message: string }[]} rejected  edits the core refused
 */

/** "tok=a,b,c;tok2=…" (tokens URI-encoded) -> { tok: [a, b, c] } @param {string} text */
export function parseEdits(text) {
  /** @type {Record<string, number[]>} */
  const edits = {};
  (text || '').split(';').forEach((part) => {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return;
    let token;
    try { token = decodeURIComponent(part.slice(0, eq)); } catch { return; }
    const nums = part.slice(eq + 1).split(',').map(Number);
    if (nums.length && nums.every((x) => isFinite(x))) edits[token] = nums;
  });
  return edits;
}

/** @param {Record<string, number[]>} edits */
function formatEdits(edits) {
  return Object.keys(edits).map((t) => `${encodeURIComponent(t)}=${edits[t].join(',')}`).join(';');
}

/**
 * The core's message about a one-row check, said of the table's dimension: the error's field
 * (/inputs/0/j) names the column, and the core's own name for it (inputs[0][j]) becomes "dim j+1".
 * @param {CoreError} error
 */
function rowMessage(error) {
  const column = /^\/inputs\/0\/(\d+)$/.exec(error.field || '');
  if (!column) return error.message;
  const dim = `dim ${Number(column[1]) + 1}`, name = `inputs[0][${column[1]}]`;
  return error.message.startsWith(name) ? dim + error.message.slice(name.length) : `${dim}: ${error.message}`;
}

/**
 * Asks the core whether it takes these embedding rows (its own checks: finite float32 numbers).
 * Resolves to one entry per row: null, or the core's error.
 * @param {number[][]} rows
 * @returns {Promise<(CoreError | null)[]>}
 */
function checkRows(rows) {
  if (!rows.length) return Promise.resolve([]);
  const one = (/** @type {number[]} */ row) => run({ mechanism: 'simplified', inputs: [row] }).then((r) => r.error || null);
  return run({ mechanism: 'simplified', inputs: rows }).then((res) => {
    if (!res.error) return rows.map(() => null);
    return Promise.all(rows.map(one));  // only then row by row, to say which
  });
}

/**
 * Resolves to the Embeddings of the state's sentence (see the top of this file). A sentence longer
 * than `limit` tokens (the most the lesson can draw) is cut to its first `limit` tokens. Errors
 * resolve to { error }.
 * @param {State} state
 * @param {number} d_in
 * @param {number} [limit]
 * @returns {Promise<Embeddings | { error: CoreError }>}
 */
export function embeddings(state, d_in, limit = DISPLAY_LIMIT) {
  return run({ mechanism: 'embed', text: state.get('sentence'), d_in, seed: state.get('seed') }).then((res) => {
    if (res.error) return { error: res.error };
    /** @type {string[]} */
    const tokens = res.tokens.slice(0, limit);
    const edits = parseEdits(state.get('emb'));
    const edited = Object.keys(edits).filter((t) => edits[t].length === d_in && tokens.indexOf(t) >= 0);
    return checkRows(edited.map((t) => edits[t])).then((verdicts) => {
      /** @type {{ token: string, message: string }[]} */
      const rejected = [];
      verdicts.forEach((err, k) => {
        if (!err) return;
        rejected.push({ token: edited[k], message: rowMessage(err) });
        delete edits[edited[k]];
      });
      /** @type {Embeddings['sources']} */
      const sources = [];
      const inputs = tokens.map((t, i) => {
        if (edits[t] && edits[t].length === d_in) { sources.push('edited'); return edits[t].slice(); }
        const b = d_in === book.inputs[0].length ? book.tokens.indexOf(t) : -1;
        if (b >= 0) { sources.push('book'); return book.inputs[b].slice(); }
        sources.push('seed');
        return /** @type {number[]} */ (res.embeddings[i]);
      });
      return { tokens, inputs, sources, total: res.tokens.length, rejected };
    });
  });
}

/** Records the learner's value for one coordinate of a token's embedding in the state. @param {State} state @param {string} token @param {number[]} row @param {number} dim @param {number} value */
function editEmbedding(state, token, row, dim, value) {
  const edits = parseEdits(state.get('emb'));
  const next = (edits[token] || row).slice();
  next[dim] = value;
  edits[token] = next;
  state.set({ emb: formatEdits(edits) });
}

/** Records a whole row (a point dragged). @param {State} state @param {string} token @param {number[]} row */
export function setEmbeddingRow(state, token, row) {
  const edits = parseEdits(state.get('emb'));
  edits[token] = row.slice();
  state.set({ emb: formatEdits(edits) });
}

// What the learner may type in a cell: a decimal number, optionally with an exponent (1e-3).
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Says what the table does not show: the tokens past the lesson's limit, next to the sentence
 * (a box made after #sentence-error).
 * @param {Embeddings} data
 */
function sentenceNote(data) {
  const anchor = document.getElementById('sentence-error');
  if (!anchor) return;
  const box = boxAfter(anchor, 'p', { id: 'sentence-note', class: 'input-note', role: 'status', hidden: true });
  const cut = data.total > data.tokens.length;
  box.hidden = !cut;
  box.textContent = cut ? `This sentence has ${data.total} tokens; this lesson draws the first ${data.tokens.length}` +
    ` (more would not fit on the page), so everything below is computed on those ${data.tokens.length}. The core itself takes up to ${CORE_LIMITS.tokens}.` : '';
}

/**
 * The editable embedding table: one row per token, one number input per dimension. An entry
 * that is not a number is refused under the table; a number is first shown to the core, and
 * only an entry it takes reaches the state (so the last good result stays on screen otherwise).
 * @param {HTMLElement} container
 * @param {State} state
 * @param {Embeddings} data
 */
export function embeddingTable(container, state, data) {
  const keep = focusedCell(container);
  clear(container);
  // the message box under the table
  const box = boxAfter(container, 'div', { id: `${container.id}-error`, class: 'input-error', role: 'alert', hidden: true });
  sentenceNote(data);
  const say = (/** @type {string} */ text) => showError(box, text ? { message: text } : null, { lead: 'Not used: ' });
  say((data.rejected || []).map((r) => `the edited embedding of ${isolate(r.token)} (the core: ${r.message}); it has its usual embedding.`).join(' '));

  const table = el('table', { class: 'matrix embedding-table role-x' });
  table.appendChild(el('caption', { text: 'Token embeddings (edit any number)' }));
  const head = el('tr', null, [el('th', { scope: 'col', text: 'token' })]);
  data.inputs[0].forEach((_, j) => head.appendChild(el('th', { scope: 'col', text: `dim ${j + 1}` })));
  head.appendChild(el('th', { scope: 'col', text: 'from' }));
  table.appendChild(el('thead', null, head));
  const body = el('tbody');
  data.tokens.forEach((t, i) => {
    const tr = el('tr', null, [el('th', { scope: 'row', dir: 'auto', text: t })]);
    data.inputs[i].forEach((x, j) => {
      const input = el('input', { type: 'text', inputmode: 'decimal', class: 'num-input', value: fmt(x, 2).replace('−', '-'),
        'aria-label': `embedding of ${t}, dimension ${j + 1}`, 'data-row': String(i), 'data-dim': String(j), spellcheck: 'false',
        'aria-describedby': box.id });
      input.addEventListener('change', () => {
        const text = input.value.trim().replace(/−/g, '-');
        const shown = JSON.stringify(input.value.slice(0, 30));
        const refuse = (/** @type {string} */ why) => { input.setAttribute('aria-invalid', 'true'); say(why); };
        if (!NUMBER.test(text)) return refuse(`${shown} is not a number: type a number such as 0.42 (with a point for decimals).`);
        const v = Number(text);
        if (!isFinite(v)) return refuse(`${shown} is too large to be a number at all; embeddings must be below 3.4e38 in size (float32).`);
        const row = data.inputs[i].slice();
        row[j] = v;
        checkRows([row]).then((verdict) => {
          if (verdict[0]) return refuse(`${shown} for ${isolate(t)}: the core refuses it (${rowMessage(verdict[0])}).`);
          input.removeAttribute('aria-invalid');
          say('');
          // Once the browser has moved the focus on (a change made by Tab fires before it moves):
          // the redraw then finds it on the next cell and gives it back there.
          setTimeout(() => editEmbedding(state, t, data.inputs[i], j, v), 0);
        });
      });
      tr.appendChild(el('td', null, input));
    });
    tr.appendChild(el('td', { class: `source source-${data.sources[i]}`, text: data.sources[i] }));
    body.appendChild(tr);
  });
  table.appendChild(body);
  container.appendChild(el('div', { class: 'matrix-scroll' }, table));
  refocusCell(container, keep);
}

/**
 * The cell of the table that has the focus, before a redraw replaces them all (the learner
 * edited one and tabbed on, the lesson recomputed): its place, and any text typed into it since.
 * @param {HTMLElement} container
 */
function focusedCell(container) {
  const a = document.activeElement;
  if (!(a instanceof HTMLInputElement) || !container.contains(a) || !a.hasAttribute('data-row')) return null;
  return { row: a.getAttribute('data-row'), dim: a.getAttribute('data-dim'), typed: a.value !== a.defaultValue ? a.value : null };
}

/**
 * Gives the focus back to that cell after the redraw, so the keyboard does not fall to the page's top.
 * @param {HTMLElement} container
 * @param {ReturnType<typeof focusedCell>} keep
 */
function refocusCell(container, keep) {
  const cell = keep && container.querySelector(`input[data-row="${keep.row}"][data-dim="${keep.dim}"]`);
  if (!keep || !(cell instanceof HTMLInputElement)) return;
  if (keep.typed !== null) cell.value = keep.typed;
  cell.focus({ preventScroll: true });
  if (keep.typed === null) cell.select(); else cell.setSelectionRange(cell.value.length, cell.value.length);
}
