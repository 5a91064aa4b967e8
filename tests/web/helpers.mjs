// Shared by the browser tests and the screenshot tool: serve build/site on a free port, launch
// Debian's Chromium through playwright-core (never a downloaded browser), load the wasm core in node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../tools/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// ATTN_SITE tests a site built elsewhere (as tools/build-web.mjs writes it; default build/site).
export const site = path.resolve(root, process.env.ATTN_SITE || 'build/site');
// Lesson 8 trains a model: it has no stepper through one call of the core (its steps are training steps).
export const NO_STEPPER = ['08-watch-attention-learn'];
export const LESSONS = ['01-why-attention', '02-simplified-self-attention', '03-trainable-weights', '04-causal-attention', '05-multi-head', '06-what-attention-costs', '07-transformer-block', '08-watch-attention-learn'];

/** Serves build/site on a free port; with csp, under the strict Content-Security-Policy tools/serve sends. */
export async function startSite({ csp = false } = {}) {
  if (!fs.existsSync(path.join(site, 'index.html'))) throw new Error('build/site is missing: run bash tools/build first');
  const { server, url } = await serve({ root: site, port: 0, quiet: true, csp });
  return { server, url };
}

export async function launch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-web-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { context, close };
}

/** The same wasm core the pages use, in node: run(request object) -> response object. */
export async function nodeCore() {
  const require = createRequire(import.meta.url);
  // ATTN_WASM_DIST: the module of another build (default build/wasm/dist), as tools/build-web.mjs takes it
  const factory = require(path.join(path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist'), 'attention_core.single.js'));
  const core = await factory();
  return (request) => JSON.parse(core.run(typeof request === 'string' ? request : JSON.stringify(request)));
}

/**
 * What most browser test files need, opened in before() and closed in after(): the site served, a
 * browser, and the node core to check the pages' numbers with; with host, also a course site on
 * another origin (startHost). A failure part way closes what was open.
 * @param {{ csp?: boolean, host?: boolean }} [options]
 */
export async function openSuite({ csp = false, host = false } = {}) {
  const suite = { site: await startSite({ csp }) };
  try {
    if (host) suite.host = await startHost();
    suite.browser = await launch();
    suite.run = await nodeCore();
    return suite;
  } catch (e) {
    await closeSuite(suite);
    throw e;
  }
}

export async function closeSuite({ site, browser, host } = {}) {
  await browser?.close();
  site?.server.close();
  host?.close();
}

/** Waits until the lesson finished computing (body[data-status] ready or error) after `runs` runs. */
export async function settled(page, minRuns = 1) {
  await page.waitForFunction((n) => {
    const b = document.body;
    return b && (b.dataset.status === 'ready' || b.dataset.status === 'error') && Number(b.dataset.runs || 0) >= n;
  }, minRuns, { timeout: 15000 });
}

export async function runs(page) {
  return Number(await page.evaluate(() => document.body.dataset.runs || 0));
}

/** Does something that triggers a recomputation and waits for it to finish. */
export async function act(page, action) {
  const before = await runs(page);
  await action();
  await settled(page, before + 1);
}

/** Formats as the pages do: 4 decimals, a true minus sign, no negative zero. */
export function fmt(x, d = 4) {
  if (x === null) return '−∞';
  let s = x.toFixed(d);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s.replace('-', '−');
}

/** The text of every element that matches the selector, in a page or a frame. */
export const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));

/** Every number of a (nested) array, or one number, as the pages show it. */
export const flat = (m) => [m].flat(Infinity).map((x) => fmt(x));

/** The last request of a mechanism that the page sent to the core. */
export async function lastRequest(page, mechanism, where = () => true) {
  const all = await page.evaluate(() => AttnTest.recentRequests());
  const found = all.map((t) => JSON.parse(t)).filter((r) => r.mechanism === mechanism && where(r));
  assert.ok(found.length, `the page sent no ${mechanism} request`);
  return found[found.length - 1];
}

/** The files of a zip archive (stored or deflated, as zip(1) writes them): name -> Buffer. */
export function readZip(file) {
  const zip = fs.readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'broken central directory');
    const method = zip.readUInt16LE(at + 10), size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28), extra = zip.readUInt16LE(at + 30), comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    if (!name.endsWith('/')) files.set(name, method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

/**
 * Records what a page does wrong as it runs: console errors, page errors and CSP violations
 * (reported by the page itself, as a console error). Call before page.goto.
 * @returns {Promise<string[]>} the list, filled as they happen
 */
export async function watch(page) {
  const problems = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text().slice(0, 300)}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A learner at the keyboard, in the lessons' predict-then-reveal moments (ui/predict.js).

/** Puts the keyboard's starting point on `id` (as a learner arriving there), without a mouse. */
export async function startAt(page, id) {
  await page.evaluate((i) => {
    const box = document.getElementById(i);
    box.setAttribute('tabindex', '-1');
    box.focus();
    box.removeAttribute('tabindex');
  }, id);
}

/** Presses Tab until the focused element matches `selector`. */
export async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Types into the focused field, replacing what it held. */
export async function retype(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(text));
}

/**
 * Guesses in moment `id` from the keyboard (a number, or the value of one of its radio buttons)
 * and presses Reveal. Resolves to what the page said ({ correct, core, why }), or to
 * { refused } when the moment refused the guess with a message; the result must take the focus.
 */
export async function guess(page, id, value, { again = false } = {}) {
  await startAt(page, id);
  if (again) {
    await tabTo(page, `#${id} .act-buttons button:not(.primary):not([hidden])`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((i) => document.getElementById(i).dataset.state === 'asking', id);
    await startAt(page, id);
  }
  if (typeof value === 'number') {
    await tabTo(page, `#${id} input.act-number`);
    await retype(page, value);
  } else {
    await tabTo(page, `#${id} input[type=radio]`);
    const values = await page.$$eval(`#${id} input[type=radio]`, (rs) => rs.map((r) => r.value));
    assert.ok(values.includes(value), `${id} has no option ${value}`);
    if (!(await page.evaluate(() => document.activeElement.checked))) await page.keyboard.press('Space');
    for (let i = 0; i < values.length && (await page.evaluate(() => document.activeElement.value)) !== value; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await page.$eval(`#${id} input[type=radio]:checked`, (r) => r.value), value);
  }
  await tabTo(page, `#${id} .act-buttons button.primary`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((i) => {
    const n = document.getElementById(i);
    return n.dataset.state === 'revealed' || (n.dataset.state === 'asking' && !n.querySelector('.input-error').hidden);
  }, id, { timeout: 60000 });
  if (await page.getAttribute(`#${id}`, 'data-state') !== 'revealed') return { refused: await page.textContent(`#${id}-msg`) };
  // the result takes the focus, so a screen reader reads it out
  assert.equal(await page.evaluate(() => document.activeElement.id), `${id}-result`);
  return {
    correct: await page.getAttribute(`#${id}`, 'data-correct'),
    core: await page.$eval(`#${id} .act-compare div:last-child dd`, (n) => n.textContent),
    why: await page.$eval(`#${id} .act-why`, (n) => n.textContent),
  };
}

/**
 * A wrong guess, then a right one (`right` may be a function of what the first reveal said); the
 * core's answer holds `truth` when given. Resolves to the core's answer.
 */
export async function moment(page, id, wrong, right, truth) {
  const first = await guess(page, id, wrong);
  assert.equal(first.correct, 'false', `${id}: ${wrong} was taken as right (${first.core})`);
  if (truth) assert.ok(first.core.includes(truth), `${id}: the core's answer ${first.core} lacks ${truth}`);
  assert.match(first.why, /^Why: .{20,}/);
  const value = typeof right === 'function' ? right(first.core) : right;
  const second = await guess(page, id, value, { again: true });
  assert.equal(second.correct, 'true', `${id}: ${value} was taken as wrong (the core: ${second.core})`);
  if (truth) assert.ok(second.core.includes(truth), `${id}: the core's second answer ${second.core} lacks ${truth}`);
  return first.core;
}

/**
 * A course site on another origin (another port, and reached as "localhost" rather than
 * 127.0.0.1): serves the pages put into `pages` (path -> HTML), for embedding a lesson.
 */
export async function startHost() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url, 'http://x').pathname);
    res.writeHead(page ? 200 : 404, { 'Content-Type': page ? 'text/html; charset=utf-8' : 'text/plain' }).end(page || 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { pages, url: `http://localhost:${server.address().port}/`, close: () => server.close() };
}
