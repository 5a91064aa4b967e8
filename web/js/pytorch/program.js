// "Copy as PyTorch": a short Python program, written here, that computes a view's numbers again with
// torch, from the request the page sent to the core and the weights the core answered with (drawn
// weights and dropout masks come from the core's own generator, which torch cannot replay, so they
// are inlined). One writer per mechanism (pytorch/mechanisms.js); this file holds what they share:
// the program's lines, each tagged with the core's steps it computes (so the stepper can mark the
// lines of a step, as it marks the C++), the tensors as Python literals, and the printing.
import { MECHANISMS } from './mechanisms.js';

/**
 * One line (or one literal spread over lines) of a program: `steps` are the core's steps it
 * computes; `brief` is its one-line form where it inlines a tensor (the stepper shows the brief
 * program; the copied one has every number).
 * @typedef {{ text: string, steps?: string[], brief?: string }} Line
 */
/** A request the page sent and the core's answer. @typedef {{ request: Record<string, any>, response: Record<string, any> }} Source */
/**
 * A program: its lines, and the names it prints, in order, with the source each belongs to.
 * @typedef {{ lines: Line[], shows: { name: string, source: number }[], text: string, brief: string }} Program
 */

/** The shortest decimal that reads back as the same float32 (the core's numbers are float32). @param {number} x */
export function pyNumber(x) {
  if (x === null || x === undefined) return 'float("-inf")';
  if (!isFinite(x)) return Number.isNaN(x) ? 'float("nan")' : `float("${x > 0 ? 'inf' : '-inf'}")`;
  const f = Math.fround(x);
  let s = String(x);
  for (let p = 1; p <= 9; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) { s = String(Number(t)); break; }
  }
  return /[.en]/.test(s) ? s : `${s}.0`;
}

/** The nesting depth of an array of arrays. @param {unknown} v @returns {number} */
const depth = (v) => (Array.isArray(v) ? 1 + depth(v[0]) : 0);

/** A tensor's shape. @param {unknown} v @returns {number[]} */
export function shapeOf(v) {
  /** @type {number[]} */
  const s = [];
  for (let x = v; Array.isArray(x); x = x[0]) s.push(x.length);
  return s;
}

/**
 * A nested list as Python text: a vector on one line, a matrix one row a line, deeper values one
 * block per slice. `num` formats one entry.
 * @param {unknown} v @param {string} indent @param {(x: any) => string} num
 * @returns {string}
 */
function listText(v, indent, num) {
  const d = depth(v);
  const arr = /** @type {unknown[]} */ (v);
  if (d <= 1) return `[${arr.map(num).join(', ')}]`;
  const inner = `${indent}    `;
  return `[\n${arr.map((row) => `${inner}${listText(row, inner, num)},`).join('\n')}\n${indent}]`;
}

/** A tensor literal: torch.tensor([...]) of float32 (or int64 with `int`). @param {unknown} v @param {string} indent @param {boolean} [int] */
export function tensorText(v, indent, int) {
  return `torch.tensor(${listText(v, indent, int ? (x) => String(Math.round(x)) : pyNumber)})`;
}

/**
 * A dict of tensors (the weights of a module, nested as the core's JSON nests them) as Python text.
 * @param {Record<string, any> | any[]} w @param {string} indent @returns {string}
 */
export function weightsText(w, indent) {
  const inner = `${indent}    `;
  if (Array.isArray(w) && w.length && typeof w[0] === 'object' && !Array.isArray(w[0])) {
    return `[\n${w.map((x) => `${inner}${weightsText(x, inner)},`).join('\n')}\n${indent}]`;
  }
  if (Array.isArray(w)) return tensorText(w, indent);
  return `{\n${Object.keys(w).map((k) => `${inner}"${k}": ${weightsText(w[k], inner)},`).join('\n')}\n${indent}}`;
}

/** The writer a mechanism writes its part of the program with. */
export class Writer {
  constructor() {
    /** @type {Line[]} */
    this.lines = [];
    /** @type {{ name: string, source: number }[]} */
    this.shows = [];
    this.source = 0;
    /** @type {Set<string>} helper functions already written */
    this.defined = new Set();
    /** @type {Map<string, string>} tensors an earlier part computed (their JSON -> their Python name) */
    this.known = new Map();
  }

  /** @param {string} text @param {string[]} [steps] */
  line(text, steps) { this.lines.push(steps ? { text, steps } : { text }); }

  /** @param {string} text */
  comment(text) { this.line(`# ${text}`); }

  blank() { this.line(''); }

  /**
   * name = torch.tensor([...])  # comment
   * @param {string} name @param {unknown} value @param {string} [comment] @param {{ steps?: string[], int?: boolean }} [opts]
   */
  tensor(name, value, comment, opts = {}) {
    const shape = shapeOf(value);
    const from = this.known.get(JSON.stringify(value));
    if (from) { this.line(`${name} = ${from}  # ${shape.join(' × ')}, computed above`, opts.steps); return; }
    const tail = comment ? `  # ${comment}` : '';
    const text = `${name} = ${tensorText(value, '', opts.int)}${tail}`;
    const small = shape.reduce((a, b) => a * b, 1) <= 4 && shape.length <= 1;
    this.lines.push({ text, steps: opts.steps, brief: small ? undefined : `${name} = torch.tensor(…)  # (${shape.join(', ')}), every number in the copied program${comment ? `; ${comment}` : ''}` });
  }

  /** name = { ... } of tensors. @param {string} name @param {Record<string, any>} value @param {string} [comment] */
  weights(name, value, comment) {
    const text = `${name} = ${weightsText(value, '')}${comment ? `  # ${comment}` : ''}`;
    this.lines.push({ text, brief: `${name} = {…}  # ${Object.keys(value).join(', ')}: every number in the copied program` });
  }

  /**
   * Prints a tensor under the core's name for it (the test compares it with the core's).
   * @param {string} name @param {string} [expr]
   */
  show(name, expr) {
    this.line(`show("${name}", ${expr || name})`);
    this.shows.push({ name, source: this.source });
  }

  /** Writes a helper function once. @param {string} name @param {Line[]} lines */
  define(name, lines) {
    if (this.defined.has(name)) return;
    this.defined.add(name);
    lines.forEach((l) => this.lines.push(l));
    this.blank();
    this.blank();
  }
}

const HEADER = [
  'import math',
  '',
  'import torch',
  '',
  '',
  'def show(name, t):',
  '    """Prints a tensor one row a line, with 6 decimals (the page shows 4)."""',
  '    t = torch.as_tensor(t, dtype=torch.float32)',
  '    print(f"{name} {tuple(t.shape)}")',
  '    for row in t.reshape(-1, t.shape[-1] if t.dim() else 1).tolist():',
  '        print("  " + " ".join(f"{x:.6f}" for x in row))',
  '',
];

/** Whether a mechanism has a PyTorch writer. @param {string} mechanism */
export const supported = (mechanism) => Object.prototype.hasOwnProperty.call(MECHANISMS, mechanism);

/**
 * The program for these sources (requests and answers), in order, under a title (the page's).
 * Sources whose mechanism has no writer, or whose answer is an error, are left out.
 * @param {Source[]} sources @param {string} title @returns {Program | null}
 */
export function program(sources, title) {
  const usable = sources.filter((s) => s && s.response && !s.response.error && supported(s.request.mechanism));
  if (!usable.length) return null;
  const w = new Writer();
  const names = usable.map((s) => s.request.mechanism).join(', ');
  w.comment(`${title.replace(/[\r\n\u2028\u2029]+/g, ' ')}: the view's numbers again, computed by PyTorch.`);
  w.comment(`Written by Attention Lab from the request${usable.length > 1 ? 's' : ''} the page sent to its C++ core (${names}).`);
  w.comment('Every input and weight is inlined as the core used it; run it with: python3 this_file.py');
  HEADER.forEach((t) => w.line(t));
  usable.forEach((s, k) => {
    w.source = k;
    w.blank();
    if (usable.length > 1) {
      w.comment(`---- ${k + 1}. ${s.request.mechanism} ----`);
      w.line(`print("== ${s.request.mechanism}")`);  // a known mechanism's name: [a-z_]
    }
    MECHANISMS[s.request.mechanism](w, s.request, s.response);
  });
  const text = `${w.lines.map((l) => l.text).join('\n')}\n`;
  const brief = `${w.lines.map((l) => l.brief || l.text).join('\n')}\n`;
  return { lines: w.lines, shows: w.shows, text, brief };
}

/**
 * Which lines of the brief program compute a step: those tagged with its name, else with its name
 * less a prefix ("trf_blocks.0.att.queries", "att.queries", "queries"), else none.
 * @param {Program} prog @param {string} step @returns {Set<number>} line numbers (from 0) of prog.brief
 */
export function linesOf(prog, step) {
  const parts = step.split('.');
  for (let k = 0; k < parts.length; k++) {
    const name = parts.slice(k).join('.');
    /** @type {Set<number>} */
    const found = new Set();
    let at = 0;
    prog.lines.forEach((l) => {
      const count = (l.brief || l.text).split('\n').length;
      if (l.steps && l.steps.indexOf(name) >= 0) for (let i = 0; i < count; i++) found.add(at + i);
      at += count;
    });
    if (found.size) return found;
  }
  return new Set();
}
