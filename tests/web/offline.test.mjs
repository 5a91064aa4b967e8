// Offline: the built site opened straight from disk (file://), the single-file export of every lesson
// (tools/export) and the site zip. Every request a page makes is recorded: from disk only file:, data:
// and blob: URLs may appear, and a single-file lesson may request nothing but data: and blob:.
// Usage: node --test tests/web/offline.test.mjs   (needs bash tools/build and bash tools/export first;
// ATTN_SITE and ATTN_EXPORT point at other folders)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { act, fmt, launch, LESSONS, NO_STEPPER, nodeCore, readZip, root, settled, site, texts, watch } from './helpers.mjs';

const exported = path.resolve(root, process.env.ATTN_EXPORT || 'build/export');
const BOOK_Z2 = '0.4419, 0.6515, 0.5683';  // the book's context vector of "journey"

let browser, run;
before(async () => {
  browser = await launch();
  run = await nodeCore();
});
after(async () => { await browser?.close(); });

/**
 * Opens a file from disk, recording requests, console errors, page errors and CSP violations.
 * allowed(url) says which requests may happen (the navigation to the file itself is not counted).
 */
async function openFile(file, allowed, { wait = true } = {}) {
  const page = await browser.context.newPage();
  const problems = await watch(page), requests = [];
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url().slice(0, 120)}`));
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) return;
    requests.push(r.url());
    if (!allowed(r.url())) problems.push(`request: ${r.url().slice(0, 120)}`);
  });
  await page.goto(pathToFileURL(file).href);
  if (wait) await settled(page);
  return { page, problems, requests };
}

const fromDisk = (url) => /^(file|data|blob):/.test(url);
const inlineOnly = (url) => /^(data|blob):/.test(url);

/** What every lesson shows once it computed: its status, formulas, the stepper and the C++. */
async function assertComputed(page, name) {
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'ready', `${name} did not compute`);
  assert.ok((await page.$$('.katex')).length > 0, `${name} has no typeset formula`);
  if (!NO_STEPPER.includes(name)) assert.ok((await page.$$('.step-chip')).length > 0, `${name} shows no step of the core`);
  assert.ok((await page.$$('figure.code pre')).length > 0, `${name} shows no C++`);
}

test('every page of the site works from file:// with no network request', async () => {
  for (const name of ['index', ...LESSONS]) {
    const isLesson = name !== 'index';
    const file = path.join(site, isLesson ? `lessons/${name}.html` : 'index.html');
    const { page, problems, requests } = await openFile(file, fromDisk, { wait: isLesson });
    if (isLesson) {
      await assertComputed(page, name);
      // the engine took the module with the wasm inside (Chromium does not fetch a .wasm from disk)
      assert.ok(requests.some((u) => u.endsWith('/wasm/attention_core.single.js')), `${name} did not load the single-file core`);
      assert.ok(!requests.some((u) => u.endsWith('.wasm')), `${name} tried to fetch the .wasm`);
    } else {
      assert.ok(requests.some((u) => u.endsWith('/css/site.css')), 'the contents page loaded no stylesheet: the request log is not working');
    }
    assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
    await page.close();
  }
});

test('lesson 2 from file:// shows the book\'s numbers and follows the query token', async () => {
  const { page, problems } = await openFile(path.join(site, 'lessons/02-simplified-self-attention.html'), fromDisk);
  assert.equal((await texts(page, '#z-vector .num')).join(', '), BOOK_Z2);
  await act(page, () => page.selectOption('#query', '4'));
  const requests = (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t));
  const res = run(requests.filter((r) => r.mechanism === 'simplified').pop());
  assert.equal((await texts(page, '#z-vector .num')).join(', '), res.context_vecs[4].map((x) => fmt(x)).join(', '));
  assert.deepEqual(problems, []);
  await page.close();
});

test('every single-file lesson opens from disk, computes and requests nothing outside itself', async () => {
  for (const name of LESSONS) {
    const file = path.join(exported, `${name}.html`);
    assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing: run bash tools/export`);
    const html = fs.readFileSync(file, 'utf8');
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    assert.ok(csp, `${name}: no CSP meta tag`);
    assert.match(csp[1], /script-src ('sha256-[A-Za-z0-9+/=]+' )+'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp[1], /'unsafe-inline'|'unsafe-eval'|\*/);
    const markup = html.replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '');
    assert.doesNotMatch(markup, /<script[^>]*\ssrc=|<link[^>]*rel="stylesheet"/, `${name} still loads a script or stylesheet from a file`);
    assert.ok(html.includes('data:application/octet-stream;base64,'), `${name}: the wasm is not inside the file`);

    const { page, problems, requests } = await openFile(file, inlineOnly);
    await assertComputed(page, name);
    assert.deepEqual(requests.filter((u) => !inlineOnly(u)), []);
    const fonts = await page.evaluate(() => [...document.fonts].filter((f) => f.family.startsWith('KaTeX') && f.status === 'loaded').length);
    assert.ok(fonts > 0, `${name}: no KaTeX font loaded from the file`);
    assert.equal(await page.$('.lesson-nav a, .pager a, #embed-button'), null, `${name}: links to pages the file does not have`);
    if (name === '02-simplified-self-attention') assert.equal((await texts(page, '#z-vector .num')).join(', '), BOOK_Z2);
    assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
    await page.close();
  }
});

test('a single-file lesson follows the learner\'s changes and URL parameters', async () => {
  const file = path.join(exported, '03-trainable-weights.html');
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(`${pathToFileURL(file).href}#d_out=3`);
  await settled(page);
  const last = async () => (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'self_attention').pop();
  assert.equal((await last()).d_out, 3);
  await act(page, () => page.$eval('#d_out', (el) => { el.value = '5'; el.dispatchEvent(new Event('input', { bubbles: true })); }));
  const req = await last();
  assert.equal(req.d_out, 5);
  assert.deepEqual(await texts(page, '#context-matrix td'), run(req).context_vecs.flat().map((x) => fmt(x)));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the site zip unpacks to a site that works from disk', async () => {
  const zipFile = path.join(exported, 'attention-lab-site.zip');
  assert.ok(fs.existsSync(zipFile), `${path.relative(root, zipFile)} is missing: run bash tools/export`);
  const files = readZip(zipFile);
  for (const need of ['attention-lab/index.html', 'attention-lab/README.txt', 'attention-lab/wasm/attention_core.single.js',
    'attention-lab/wasm/attention_core.wasm', 'attention-lab/vendor/katex/katex.min.css', ...LESSONS.map((n) => `attention-lab/lessons/${n}.html`)]) {
    assert.ok(files.has(need), `the zip has no ${need}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-zip-'));
  try {
    for (const [name, body] of files) {
      const out = path.join(dir, name);
      assert.ok(out.startsWith(dir + path.sep), `unsafe path in the zip: ${name}`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, body);
    }
    const { page, problems } = await openFile(path.join(dir, 'attention-lab/lessons/05-multi-head.html'), fromDisk);
    await assertComputed(page, '05-multi-head from the zip');
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
