#!/usr/bin/env node
// Assembles the static site build/site/ from web/, the wasm module (build/wasm/dist/), KaTeX's
// stylesheet and fonts (from node_modules, never a CDN; the formulas are typeset here, by
// tools/tex.mjs, so no page loads KaTeX's script) and excerpts of the C++ core extracted from core/src/*.cpp,
// so that the code a lesson shows beside the math is the code that runs.
//   - The page code (ES modules in web/js and web/lessons) is bundled by esbuild into ONE classic
//     script per page (IIFE): site/lessons/<lesson>.js from web/lessons/<lesson>.js, and
//     site/js/<name>.js from web/js/pages/<name>.js (the contents page, the <head> script of the
//     lessons, the cost worker). Classic scripts, because file:// refuses ES module imports; one
//     per page, so the single-file export inlines it and the sandboxed frame runs it as it is.
//     The generated data (the book's example, the C++ excerpts, the build stamp) is bundled in as
//     the modules 'attn:book' and 'attn:generated' (their types: web/types/globals.d.ts).
//   - The HTML every page shares lives in web/partials/: a page says <!-- partial:NAME key="value" -->
//     on a line of its own, and the line becomes web/partials/NAME.html, its {{key}} (or
//     {{key|default}}) filled from the marker, and {{root}} (the site's root relative to the page),
//     {{lessons}} (the lessons' folder, relative) and {{page}} (the page's name, no .html).
// Usage: node tools/build-web.mjs   (run by tools/build after the wasm build)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { FormulaStyles, typesetPage } from './tex.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// ATTN_SITE puts the site elsewhere (default build/site), so two builds can live side by side.
const site = path.resolve(root, process.env.ATTN_SITE || 'build/site');
// ATTN_WASM_DIST takes the wasm module from another build (default build/wasm/dist).
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');
const katexDist = path.join(root, 'node_modules/katex/dist');

function fail(message) {
  console.error(`build-web: ${message}`);
  process.exit(1);
}

/** Copies the files (and folders) of `from` that `filter(path)` takes; a folder it refuses is left out whole. */
function copyDir(from, to, filter = () => true) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name), dst = path.join(to, entry.name);
    if (!filter(src)) continue;
    if (entry.isDirectory()) copyDir(src, dst, filter);
    else fs.copyFileSync(src, dst);
  }
}

// ---- the C++ excerpts ------------------------------------------------------------------------

/** The functions the lessons show, by name; the extractor finds each one's definition. */
const FUNCTIONS = [
  'project', 'fill_masked', 'zero_masked', 'attend', 'head_attention', 'causal_mask',
  'simplified_attention', 'self_attention', 'causal_attention', 'multihead_wrapper', 'multihead_attention',
  'multihead_parameter_count', 'additive_attention', 'softmax_rows', 'softmax_naive_rows',
  'softmax_row', 'softmax_row_stable', 'sum_normalize_rows', 'draw_keep_mask', 'apply_dropout', 'rnn_encoder', 'embed_tokens', 'scaling_curve',
  'MaterialisedAttention::forward', 'causal_softmax_row', 'FusedAttention::attend_head',
  'layer_norm', 'sinusoidal_encoding', 'feed_forward', 'transformer_block', 'gpt_forward', 'gpt_parameter_count',
  'train_step', 'AdamW::step',
];

/**
 * Finds `name(` at the start of a definition (a return type before it, a `{` after the signature);
 * `indented`: also a member defined inside its class (the trainer's train_step).
 */
function extractFunction(lines, name, indented = false) {
  const start = new RegExp(`^${indented ? '\\s*' : ''}[A-Za-z_][\\w:<>,\\s*&]*\\b${name}\\s*\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (!start.test(lines[i]) || /;\s*$/.test(lines[i])) continue;
    // the signature may run over several lines; the body starts at the first `{`
    let j = i;
    while (j < lines.length && !lines[j].includes('{')) {
      if (/;\s*$/.test(lines[j])) break;
      j++;
    }
    if (j >= lines.length || !lines[j].includes('{')) continue;
    let depth = 0, end = -1;
    for (let k = j; k < lines.length && end < 0; k++) {
      for (const ch of lines[k].replace(/\/\/.*$/, '').replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, '""')) {
        if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) { end = k; break; }
      }
    }
    if (end < 0) continue;
    let first = i;
    while (first > 0 && /^\s*\/\/\//.test(lines[first - 1])) first--;  // keep the doc comment
    return { first, end };
  }
  return null;
}

function buildExcerpts() {
  const srcDir = path.join(root, 'core/src');
  const excerpts = {};
  const files = fs.readdirSync(srcDir).filter((f) => f.endsWith('.cpp')).sort();
  for (const file of files) {
    const lines = fs.readFileSync(path.join(srcDir, file), 'utf8').split('\n');
    for (const name of FUNCTIONS) {
      if (excerpts[name]) continue;
      const found = extractFunction(lines, name) || extractFunction(lines, name, true);
      if (!found) continue;
      excerpts[name] = {
        file: `core/src/${file}`,
        line: found.first + 1,
        code: lines.slice(found.first, found.end + 1).join('\n'),
      };
    }
  }
  const missing = FUNCTIONS.filter((name) => !excerpts[name]);
  if (missing.length) console.warn(`build-web: warning: no definition found in core/src for ${missing.join(', ')}`);
  return excerpts;
}

// ---- the book's running example -------------------------------------------------------------

/** The tokens, embeddings and recorded weights of the book's chapter 3 (tests/data/book_ch03.json). */
function buildBook() {
  const ref = JSON.parse(fs.readFileSync(path.join(root, 'tests/data/book_ch03.json'), 'utf8'));
  const example = (name) => {
    const found = ref.examples.find((e) => e.name === name);
    if (!found) fail(`tests/data/book_ch03.json has no example ${name}`);
    return found;
  };
  const dropout = example('dropout_attn_weights_seed123');
  const book = {
    tokens: ref.tokens,
    inputs: ref.inputs,
    // Sec 3.4: torch.rand weights after manual_seed(123), d_out = 2
    self_attention: example('SelfAttention_v1_seed123').weights,
    // Sec 3.5: SelfAttention_v2 (nn.Linear) after manual_seed(789): the causal examples' weights
    causal: example('SelfAttention_v2_seed789').weights,
    causal_dropout: { p: dropout.dropout_p, mask: dropout.dropout_keep_mask },
    // Sec 3.6.2: MultiHeadAttention(d_in=3, d_out=2, num_heads=2) after manual_seed(123)
    multihead: example('MultiHeadAttention_seed123').weights,
    // Sec 3.5.3 and 3.6.1: the CausalAttention class and the wrapper of two of them, after
    // manual_seed(123), whose printed outputs (a batch of the sentence twice) lessons 4 and 5 show
    causal_class: example('CausalAttention_seed123').weights,
    wrapper: example('MultiHeadAttentionWrapper_seed123').weights,
  };
  return [
    '// Generated by tools/build-web.mjs from tests/data/book_ch03.json: do not edit.',
    "// The book's running example, so the lessons start from the numbers a reader of chapter 3 knows.",
    `export const book = /* @__PURE__ */ Object.freeze(${JSON.stringify(book)});`,
    '',
  ].join('\n');
}

// ---- the build stamp ---------------------------------------------------------------------------

function stamp() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString().trim();
  } catch { /* not a git checkout: leave it unknown */ }
  return { version: pkg.version || '0.0.0', commit, built: new Date().toISOString().slice(0, 10) };
}

// ---- assemble ----------------------------------------------------------------------------------

for (const f of ['attention_core.js', 'attention_core.wasm', 'attention_core.single.js']) {
  if (!fs.existsSync(path.join(dist, f))) fail(`${path.relative(root, path.join(dist, f))} is missing: build the wasm module first (bash tools/build)`);
}
if (!fs.existsSync(katexDist)) fail('node_modules/katex is missing: run npm ci (bash tools/setup)');

fs.rmSync(site, { recursive: true, force: true });
// The page code is bundled (below), the partials put into the pages, the types read by tsc only.
const notCopied = ['web/js', 'web/partials', 'web/types', 'web/package.json'].map((f) => path.join(root, f));
copyDir(path.join(root, 'web'), site, (f) => !notCopied.includes(f) &&
  !(path.dirname(f) === path.join(root, 'web/lessons') && f.endsWith('.js')));
copyDir(dist, path.join(site, 'wasm'), (f) => fs.statSync(f).isDirectory() || /attention_core\.(js|wasm|single\.js)$/.test(f));
// Formulas are typeset here, at build time (tools/tex.mjs): the pages need KaTeX's stylesheet and
// fonts, not its script.
const katexOut = path.join(site, 'vendor/katex');
fs.mkdirSync(katexOut, { recursive: true });
fs.copyFileSync(path.join(katexDist, 'katex.min.css'), path.join(katexOut, 'katex.min.css'));
copyDir(path.join(katexDist, 'fonts'), path.join(katexOut, 'fonts'), (f) => /\.(woff2|woff|ttf)$/.test(f));
const katexLicense = path.join(root, 'node_modules/katex/LICENSE');
if (fs.existsSync(katexLicense)) fs.copyFileSync(katexLicense, path.join(katexOut, 'LICENSE'));

// ---- the bundles -------------------------------------------------------------------------------

const excerpts = buildExcerpts();
const info = stamp();
/** The generated data as modules: import { book } from 'attn:book'; import { code, build } from 'attn:generated'. */
const generatedModules = {
  book: buildBook(),
  generated: [
    '// Generated by tools/build-web.mjs from core/src/*.cpp: do not edit.',
    '// The C++ the lessons show beside the math, so the code shown is the code that runs.',
    `export const code = /* @__PURE__ */ Object.freeze(${JSON.stringify(excerpts, null, 1)});`,
    `export const build = /* @__PURE__ */ Object.freeze(${JSON.stringify(info)});`,
    '',
  ].join('\n'),
};
const generatedPlugin = {
  name: 'attn-generated',
  setup(build) {
    build.onResolve({ filter: /^attn:/ }, (args) => {
      const name = args.path.slice('attn:'.length);
      if (!(name in generatedModules)) return { errors: [{ text: `no generated module ${args.path}` }] };
      return { path: name, namespace: 'attn' };
    });
    build.onLoad({ filter: /.*/, namespace: 'attn' }, (args) => ({ contents: generatedModules[args.path], loader: 'js' }));
  },
};

const lessonSources = fs.readdirSync(path.join(root, 'web/lessons')).filter((f) => f.endsWith('.js')).sort();
const pageSources = fs.readdirSync(path.join(root, 'web/js/pages')).filter((f) => f.endsWith('.js')).sort();
const entryPoints = Object.fromEntries([
  ...lessonSources.map((f) => [`lessons/${path.basename(f, '.js')}`, path.join(root, 'web/lessons', f)]),
  ...pageSources.map((f) => [`js/${path.basename(f, '.js')}`, path.join(root, 'web/js/pages', f)]),
]);
try {
  await esbuild.build({
    entryPoints, outdir: site, bundle: true, format: 'iife', target: 'es2020', charset: 'utf8',
    legalComments: 'none', logLevel: 'warning', plugins: [generatedPlugin],
  });
} catch (e) {
  fail(`bundling failed: ${e.message}`);
}

// ---- the pages: partials and the build stamp ---------------------------------------------------

const PARTIAL = /^[ \t]*<!-- partial:([a-z0-9-]+)((?:\s+[a-z0-9-]+="[^"]*")*)\s*-->\n/gm;

/**
 * The page's partials put in. `base` is '' for the contents, '../' for a lesson; `page` the page's
 * path in the site. The navigation marks the page's own link aria-current.
 */
function expandPartials(html, base, page) {
  return html.replace(PARTIAL, (_, name, args) => {
    const file = path.join(root, 'web/partials', `${name}.html`);
    if (!fs.existsSync(file)) fail(`${page}: no partial web/partials/${name}.html`);
    const vars = { root: base, lessons: base ? '' : 'lessons/', page: path.basename(page, '.html') };
    for (const [, key, value] of args.matchAll(/([a-z0-9-]+)="([^"]*)"/g)) vars[key] = value;
    let text = fs.readFileSync(file, 'utf8').replace(/\{\{([a-z0-9-]+)(?:\|([^}]*))?\}\}/g, (whole, key, fallback) => {
      if (key in vars) return vars[key];
      if (fallback !== undefined) return fallback;
      if (key === 'version' || key === 'commit') return whole;  // stamped below, on the whole page
      fail(`${page}: partial ${name} needs ${key}="…"`);
    });
    if (name === 'site-nav') {
      const own = `href="${base ? page.replace('lessons/', '') : page}"`;
      if (!text.includes(own)) fail(`web/partials/site-nav.html has no link to ${page}`);
      text = text.replace(own, `${own} aria-current="page"`);
    }
    return text;
  });
}

let pages = 0, formulas = 0;
const formulaStyles = new FormulaStyles();
for (const [dir, base] of [[site, ''], [path.join(site, 'lessons'), '../']]) {
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.html'))) {
    const file = path.join(dir, f);
    const page = base === '' ? f : `lessons/${f}`;
    let html = expandPartials(fs.readFileSync(file, 'utf8'), base, page)
      .replaceAll('{{version}}', info.version).replaceAll('{{commit}}', info.commit);
    if (/<!-- partial:|\{\{[a-z0-9-]+(?:\|[^}]*)?\}\}/.test(html)) fail(`${page}: a partial marker or {{…}} was left unfilled`);
    const typeset = {};
    try {
      html = typesetPage(html, page, formulaStyles, typeset);
    } catch (e) {
      fail(e.message);
    }
    if (/\sdata-tex=/.test(html)) fail(`${page}: a data-tex element is not empty, so it was not typeset`);
    formulas += typeset.formulas;
    // the formulas' positions (KaTeX's inline styles, made classes) beside KaTeX's own stylesheet
    html = html.replace(/<link rel="stylesheet" href="([^"]*)katex\.min\.css">/,
      (link, folder) => `${link}\n<link rel="stylesheet" href="${folder}formulas.css">`);
    fs.writeFileSync(file, html);
    pages++;
  }
}
fs.writeFileSync(path.join(katexOut, 'formulas.css'), formulaStyles.css());
console.log(`build-web: ${pages} pages, ${formulas} formulas, ${Object.keys(entryPoints).length} bundles, ${Object.keys(excerpts).length} C++ excerpts, v${info.version} (${info.commit}) -> ${path.relative(root, site)}`);
