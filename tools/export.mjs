#!/usr/bin/env node
// Exports the built site for use without a web server:
//   build/export/<lesson>.html         one self-contained file per lesson: scripts, styles, the wasm
//                                      core and the KaTeX fonts inlined (data: URLs), with its own
//                                      Content-Security-Policy (sha256 hashes of its inline scripts
//                                      and styles, 'wasm-unsafe-eval'), for an LMS upload or an e-mail;
//   build/export/attention-lab-site.zip the whole site, to unzip and open index.html from disk;
//   build/export/scorm/<lesson>.zip     each lesson as a SCORM 1.2 package for a course platform
//                                      (Moodle, Canvas, Blackboard): imsmanifest.xml and the
//                                      single-file lesson, marked so that its adapter (web/js/ui/
//                                      scorm.js, in the lesson's bundle) looks for the platform's API.
// The hosted site (build/site) stays as it is: separate files, the .wasm compiled while it streams.
// Usage: node tools/export.mjs   (after tools/build; ATTN_SITE / ATTN_EXPORT change the folders)
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const site = path.resolve(root, process.env.ATTN_SITE || 'build/site');
const out = path.resolve(root, process.env.ATTN_EXPORT || 'build/export');

const MIME = {
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.svg': 'image/svg+xml', '.png': 'image/png',
};

function fail(message) {
  console.error(`export: ${message}`);
  process.exit(1);
}

function dataUrl(file) {
  const type = MIME[path.extname(file).toLowerCase()];
  if (!type) fail(`no MIME type known for ${path.relative(root, file)}`);
  return `data:${type};base64,${fs.readFileSync(file).toString('base64')}`;
}

const sha256 = (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Reads a file the page links to (a path relative to the page), refusing anything outside the site. */
function sibling(pageDir, href) {
  const file = path.resolve(pageDir, href);
  if (!file.startsWith(site + path.sep) || !fs.existsSync(file)) fail(`${href} (linked from ${path.relative(site, pageDir) || '.'}) is not in the site`);
  return file;
}

/**
 * A stylesheet with every url() inlined. Of a @font-face's formats only woff2 is kept: every browser
 * that runs WebAssembly reads it, and the file stays a third of the size.
 */
function inlineCss(file) {
  const dir = path.dirname(file);
  const css = fs.readFileSync(file, 'utf8')
    .replace(/src:\s*url\(([^)]+\.woff2)\)\s*format\("woff2"\)(?:\s*,\s*url\([^)]+\)\s*format\("[^"]+"\))*/g,
      (_, font) => `src:url(${font}) format("woff2")`)
    .replace(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g, (whole, _, ref) => (ref.startsWith('data:') ? whole : `url(${dataUrl(sibling(dir, ref))})`));
  if (/<\/style/i.test(css)) fail(`${path.relative(root, file)} contains </style`);
  return css;
}

function inlineScript(file) {
  const js = fs.readFileSync(file, 'utf8');
  // inside <script>, these would end the element early or switch the parser's state
  if (/<\/script|<!--/i.test(js)) fail(`${path.relative(root, file)} contains </script or <!--: it cannot be inlined as is`);
  return js;
}

/** Replaces exactly `count` matches of `pattern` (global) via `fn`; a page that changed shape stops the export. */
function replaceAll(html, pattern, fn, what, { min = 1, max = Infinity } = {}) {
  let n = 0;
  const result = html.replace(pattern, (...m) => { n++; return fn(...m); });
  if (n < min || n > max) fail(`expected ${min === max ? min : `at least ${min}`} ${what}, found ${n}`);
  return result;
}

/**
 * One lesson page -> one self-contained HTML file; `scorm` marks it as a packaged SCO, the one
 * thing that makes its adapter look for a platform (web/js/ui/scorm.js).
 */
function exportLesson(page, { scorm = false } = {}) {
  const dir = path.dirname(page);
  let html = fs.readFileSync(page, 'utf8');
  const scripts = [], styles = [];
  const script = (text) => { scripts.push(sha256(text)); return `<script>${text}</script>`; };
  const style = (text) => { styles.push(sha256(text)); return `<style>${text}</style>`; };

  html = replaceAll(html, /<link rel="stylesheet" href="([^"]+)">/g, (_, href) => style(inlineCss(sibling(dir, href))), 'stylesheets');
  html = replaceAll(html, /<link rel="icon" href="([^"]+)"/g, (_, href) => `<link rel="icon" href="${dataUrl(sibling(dir, href))}"`, 'icon', { min: 0, max: 1 });
  // the core with its wasm inside goes right before the lesson's bundle (<lesson>.js, the engine
  // inside it), so the engine finds it instead of loading a file
  const core = inlineScript(sibling(site, 'wasm/attention_core.single.js'));
  const bundle = `${path.basename(page, '.html')}.js`;
  html = replaceAll(html, /<script src="([^"]+)"><\/script>/g, (_, src) => {
    const own = script(inlineScript(sibling(dir, src)));
    return src === bundle ? `${script(core)}\n${own}` : own;
  }, 'scripts');
  if (scripts.length < 3 || !html.includes(core)) fail(`${path.basename(page)}: the lesson's bundle ${bundle} was not found`);

  // one file has no other pages: the site navigation, the pager and the Embed button go
  html = replaceAll(html, /<ul class="lesson-nav">[\s\S]*?<\/ul>\s*/g, () => '', 'lesson navigation', { min: 0, max: 1 });
  html = replaceAll(html, /<nav class="pager"[\s\S]*?<\/nav>\s*/g, () => '', 'pager', { min: 0, max: 1 });
  html = replaceAll(html, /<div class="lesson-tools">[\s\S]*?<\/div>\s*/g, () => '', 'Embed button', { min: 0, max: 1 });
  html = replaceAll(html, /<a class="brand" href="[^"]*">([\s\S]*?)<\/a>/g, (_, inner) => `<span class="brand">${inner}</span>`, 'brand', { min: 0, max: 1 });
  // a link in the prose to another lesson (lesson 7's back to lesson 1) keeps its words, not its target
  html = replaceAll(html, /<a href="(?!#|data:|https?:)[^"]*\.html">([\s\S]*?)<\/a>/g, (_, inner) => inner, 'links to other lessons', { min: 0 });
  const links = [...html.matchAll(/\shref="(?!#|data:|https?:)([^"]*)"/g)].map((m) => m[1]);
  if (links.length) console.warn(`export: warning: ${path.basename(page)} still links to ${links.join(', ')}`);
  const markup = html.replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '');
  if (/<script\s[^>]*src=|<link\s[^>]*rel="stylesheet"|\son[a-z]+="/i.test(markup)) fail(`${path.basename(page)}: something was left outside the file or inline`);

  const csp = [
    "default-src 'none'",
    `script-src ${scripts.join(' ')} 'wasm-unsafe-eval'`,
    `style-src ${styles.join(' ')}`,
    'font-src data:',
    'img-src data:',
    'connect-src data:',  // the core reads its inline wasm through fetch of a data: URL
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const marker = scorm ? '\n<meta name="attn-scorm" content="1.2">' : '';
  html = replaceAll(html, /<meta charset="utf-8">/g, (m) => `${m}\n<meta http-equiv="Content-Security-Policy" content="${csp}">${marker}`, 'charset', { min: 1, max: 1 });
  return html;
}

const xml = (text) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);

/**
 * A SCORM 1.2 content package manifest (IMS CP 1.1.2 with ADL's adlcp extension, SCORM 1.2 CAM):
 * one organization with one item, launching one SCO resource, the single-file lesson.
 */
function manifest(name, title, file) {
  const id = `attention-lab-${name}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${id}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="${id}-org">
    <organization identifier="${id}-org">
      <title>${xml(title)}</title>
      <item identifier="${id}-item" identifierref="${id}-sco" isvisible="true">
        <title>${xml(title)}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="${id}-sco" type="webcontent" adlcp:scormtype="sco" href="${xml(file)}">
      <file href="${xml(file)}"/>
    </resource>
  </resources>
</manifest>
`;
}

/** The lesson's title, as its <title> says it ("4 · Causal attention · Attention Lab"). */
function titleOf(html, name) {
  const found = /<title>([^<]*)<\/title>/.exec(html);
  const decoded = found ? found[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').trim() : '';
  return decoded || name;
}

/** One lesson -> a SCORM 1.2 zip: imsmanifest.xml at its root, beside the packaged lesson. */
function zipScorm(page, zipFile) {
  const name = path.basename(page, '.html');
  const html = exportLesson(page, { scorm: true });
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-scorm-'));
  try {
    fs.writeFileSync(path.join(stage, `${name}.html`), html);
    fs.writeFileSync(path.join(stage, 'imsmanifest.xml'), manifest(name, titleOf(html, name), `${name}.html`));
    fs.rmSync(zipFile, { force: true });
    execFileSync('zip', ['-q', '-X', zipFile, 'imsmanifest.xml', `${name}.html`], { cwd: stage, stdio: 'inherit' });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function zipSite(zipFile) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-export-'));
  try {
    const folder = path.join(stage, 'attention-lab');
    fs.cpSync(site, folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'README.txt'), [
      'Attention Lab: interactive lessons on the attention mechanism of large language models.',
      '',
      'Open index.html in a web browser (double-click it). Everything runs from these files:',
      'no internet connection and no installation are needed.',
      '',
      'To put the lessons on a web server, copy this folder as it is.',
      '',
    ].join('\n'));
    fs.rmSync(zipFile, { force: true });
    execFileSync('zip', ['-q', '-r', '-X', zipFile, 'attention-lab'], { cwd: stage, stdio: 'inherit' });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

if (!fs.existsSync(path.join(site, 'lessons'))) fail(`${path.relative(root, site)}/lessons is missing: build the site first (bash tools/build)`);
fs.mkdirSync(out, { recursive: true });
const lessons = fs.readdirSync(path.join(site, 'lessons')).filter((f) => f.endsWith('.html')).sort();
for (const f of lessons) {
  const html = exportLesson(path.join(site, 'lessons', f));
  fs.writeFileSync(path.join(out, f), html);
  console.log(`export: ${path.relative(root, path.join(out, f))} (${(Buffer.byteLength(html) / 1024 / 1024).toFixed(1)} MB)`);
}
fs.mkdirSync(path.join(out, 'scorm'), { recursive: true });
for (const f of lessons) {
  const zipFile = path.join(out, 'scorm', `${path.basename(f, '.html')}.zip`);
  zipScorm(path.join(site, 'lessons', f), zipFile);
  console.log(`export: ${path.relative(root, zipFile)} (SCORM 1.2, ${(fs.statSync(zipFile).size / 1024 / 1024).toFixed(1)} MB)`);
}
const zipFile = path.join(out, 'attention-lab-site.zip');
zipSite(zipFile);
console.log(`export: ${path.relative(root, zipFile)} (${(fs.statSync(zipFile).size / 1024 / 1024).toFixed(1)} MB)`);
