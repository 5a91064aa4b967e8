// Shared by the browser tests and the screenshot tool: serve build/site on a free port, launch
// Debian's Chromium through playwright-core (never a downloaded browser), load the wasm core in node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../tools/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// ATTN_SITE tests a site built elsewhere (as tools/build-web.mjs writes it; default build/site).
export const site = path.resolve(root, process.env.ATTN_SITE || 'build/site');
export const LESSONS = ['01-why-attention', '02-simplified-self-attention', '03-trainable-weights', '04-causal-attention', '05-multi-head', '06-what-attention-costs', '07-transformer-block'];

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
  // ATTN_WASM_DIST: the module built elsewhere (as tools/build-web.mjs and cost.test.mjs take it)
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
