// Shared by the browser tests and the screenshot tool: serve build/site on a free port, launch
// Debian's Chromium through playwright-core (never a downloaded browser), load the wasm core in node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
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

export async function startSite() {
  if (!fs.existsSync(path.join(site, 'index.html'))) throw new Error('build/site is missing: run bash tools/build first');
  const { server, url } = await serve({ root: site, port: 0, quiet: true });
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
 * browser, and the node core to check the pages' numbers with. A failure part way closes what was open.
 */
export async function openSuite() {
  const suite = { site: await startSite() };
  try {
    suite.browser = await launch();
    suite.run = await nodeCore();
    return suite;
  } catch (e) {
    await closeSuite(suite);
    throw e;
  }
}

export async function closeSuite({ site, browser } = {}) {
  await browser?.close();
  site?.server.close();
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
