// The hosted site under its strict Content-Security-Policy (tools/serve.mjs CSP: script-src 'self'
// 'wasm-unsafe-eval', no unsafe-eval, no unsafe-inline): every page computes with no violation, seen
// both as `securitypolicyviolation` events and on the console; no built page has an inline script or
// event handler; the wasm is the separate file, served as application/wasm and compiled while streaming.
// Usage: node --test tests/web/csp.test.mjs   (needs bash tools/build first)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LESSONS, NO_STEPPER, act, launch, settled, site as siteDir } from './helpers.mjs';
import { CSP, serve } from '../../tools/serve.mjs';

let site, browser;
before(async () => {
  site = await serve({ root: siteDir, port: 0, quiet: true, csp: true });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  site?.server.close();
});

/** Opens a page of the site, collecting CSP violations (events and console), errors and the responses. */
async function open(pathname, { wait = true } = {}) {
  const page = await browser.context.newPage();
  const problems = [], responses = [];
  await page.addInitScript(() => {
    window.cspViolations = [];
    // count the streaming compiles, and the ones that failed (the module would then fall back quietly)
    window.streamed = { calls: 0, failed: 0 };
    const stream = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = function (...args) {
      window.streamed.calls++;
      return stream.apply(this, args).catch((e) => { window.streamed.failed++; throw e; });
    };
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`.trim());
    });
  });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text().slice(0, 300)}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => responses.push(r));
  const main = await page.goto(site.url + pathname);
  if (wait) await settled(page);
  return { page, problems, responses, main };
}

const violations = (page) => page.evaluate(() => window.cspViolations);

test('the policy is strict: no unsafe-inline or unsafe-eval for scripts, WebAssembly allowed', () => {
  const script = CSP.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
  assert.equal(script, "script-src 'self' 'wasm-unsafe-eval'");
  assert.doesNotMatch(CSP, /'unsafe-inline'|'unsafe-eval'|\*/);
  assert.match(CSP, /default-src 'self'/);
  assert.match(CSP, /object-src 'none'/);
});

test('no built page has an inline script, an inline event handler or a javascript: URL', () => {
  const pages = ['index.html', ...LESSONS.map((n) => `lessons/${n}.html`)];
  for (const name of pages) {
    const html = fs.readFileSync(path.join(siteDir, name), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.ok(scripts.length > 0, `${name}: no script found, the check is not looking`);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs, /\ssrc="[^"]+"/, `${name}: an inline script`);
      assert.equal(body.trim(), '', `${name}: a script with both src and a body`);
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${name}: an inline event handler`);
    assert.doesNotMatch(html, /javascript:/i, `${name}: a javascript: URL`);
  }
});

test('every page served with the strict CSP computes with no violation', async () => {
  for (const name of ['index', ...LESSONS]) {
    const isLesson = name !== 'index';
    const { page, problems, main } = await open(isLesson ? `lessons/${name}.html` : 'index.html', { wait: isLesson });
    assert.equal(main.headers()['content-security-policy'], CSP, `${name} was not served with the CSP`);
    if (isLesson) {
      assert.equal(await page.evaluate(() => document.body.dataset.status), 'ready', `${name} did not compute`);
      assert.ok((await page.$$('.katex')).length > 0, `${name} has no typeset formula`);
      if (!NO_STEPPER.includes(name)) assert.ok((await page.$$('.step-chip')).length > 0, `${name} shows no step of the core`);
      // the Embed panel is built by script too
      await page.click('#embed-button');
      assert.match(await page.inputValue('#embed-snippet'), /<iframe /);
    }
    assert.deepEqual(await violations(page), [], `${name}: CSP violations`);
    assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
    await page.close();
  }
});

test('under the CSP, the hosted build streams the separate .wasm and changes recompute', async () => {
  const { page, problems, responses } = await open('lessons/02-simplified-self-attention.html');
  const wasm = responses.filter((r) => r.url().endsWith('.wasm'));
  assert.equal(wasm.length, 1, 'the .wasm was not fetched');
  assert.equal(wasm[0].headers()['content-type'], 'application/wasm');
  assert.ok(!responses.some((r) => r.url().endsWith('attention_core.single.js')), 'the hosted page loaded the bigger single-file core');
  assert.deepEqual(await page.evaluate(() => window.streamed), { calls: 1, failed: 0 }, 'the module was not compiled while streaming');
  await act(page, () => page.selectOption('#query', '2'));
  await act(page, () => page.$eval('#embedding-table input[data-row="1"][data-dim="1"]', (el) => { el.value = '0.3'; el.dispatchEvent(new Event('change', { bubbles: true })); }));
  await act(page, async () => { await page.focus('#scatter g.pt'); await page.keyboard.press('ArrowUp'); });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);

  // the detector itself works: an inline script added now is refused and reported
  await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.ranInline = true'; document.head.appendChild(s); });
  await page.waitForFunction(() => window.cspViolations.length > 0);
  assert.equal(await page.evaluate(() => window.ranInline), undefined);
  assert.match((await violations(page))[0], /script-src/);
  await page.close();
});
