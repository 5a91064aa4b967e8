// Lesson 6 (what attention costs): served under the strict CSP, a short sweep runs in a Web Worker,
// fills both plots and the table with the core's numbers, fits a slope of 2 to the materialised
// weights and a finite one to the times, and Cancel terminates the worker; from file:// the same
// sweep runs in slices on the page, which keeps answering clicks, and so does the single-file export;
// sizes the core refuses are explained.
// Usage: node --test tests/web/cost.test.mjs   (needs bash tools/build and tools/export first;
// ATTN_SITE, ATTN_EXPORT, ATTN_WASM_DIST point at other folders)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { launch, root, settled, site as siteDir, watch } from './helpers.mjs';
import { serve } from '../../tools/serve.mjs';

const LESSON = 'lessons/06-what-attention-costs.html';
// A sweep short enough for a test: T = 16 … 256 (9 half-octave lengths); d_model 32 with 8 heads puts
// the weights' T² ahead of the T·d buffers early, so the whole working set's slope shows it too.
const SMALL = '#tmax=256&d_model=32&num_heads=8';
const LENGTHS = [16, 23, 32, 45, 64, 91, 128, 181, 256];

let site, browser, core;
before(async () => {
  site = await serve({ root: siteDir, port: 0, quiet: true, csp: true });
  browser = await launch();
  const require = createRequire(import.meta.url);
  core = await require(path.join(path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist'), 'attention_core.single.js'))();
});
after(async () => {
  await browser?.close();
  site?.server.close();
});

async function open(url) {
  const page = await browser.context.newPage();
  const problems = await watch(page);
  await page.goto(url);
  await settled(page);
  return { page, problems };
}

const sweepState = (page) => page.evaluate(() => document.body.dataset.sweep);
const waitSweep = (page, timeout = 60000) => page.waitForFunction(() => document.body.dataset.sweep !== 'running', null, { timeout });

/** The fitted slopes shown under a chart: { series key: slope }. */
async function slopes(page, list) {
  return Object.fromEntries(await page.$$eval(`#${list} li`, (items) => items.map((li) => [li.dataset.series, Number(li.querySelector('[data-slope]').dataset.slope)])));
}

/** The table: one row per T, each cell's raw number (data-value) or its text. */
async function table(page) {
  return page.$$eval('#results-table tbody tr', (rows) => rows.map((tr) => ({
    T: Number(tr.dataset.t),
    cells: [...tr.querySelectorAll('td')].map((td) => (td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent)),
  })));
}

/** What a finished small sweep must show, whichever way it ran. */
async function checkFinished(page) {
  assert.equal(await sweepState(page), 'done');
  assert.equal(await page.$eval('#progress', (p) => p.value), 1);
  // both series on both plots, a marker per length
  for (const chart of ['time-chart', 'memory-chart']) {
    for (const cls of ['fused', 'materialised']) {
      assert.equal((await page.$$(`#${chart} svg.loglog path.line.${cls}`)).length, 1, `${chart}: no ${cls} line`);
      assert.equal((await page.$$(`#${chart} svg.loglog g.pt.${cls}`)).length, LENGTHS.length, `${chart}: ${cls} points`);
    }
  }
  const rows = await table(page);
  assert.deepEqual(rows.map((r) => r.T), LENGTHS);
  const probe = new core.MaterialisedAttention(32, 8);
  for (const { T, cells } of rows) {
    const [fusedMs, matMs, fusedBytes, matBytes, weights] = cells;
    assert.ok(fusedMs > 0 && matMs > 0 && Number.isFinite(fusedMs) && Number.isFinite(matMs), `T=${T}: times ${fusedMs}, ${matMs}`);
    assert.equal(weights, probe.score_bytes(T), `T=${T}: the weights' bytes are the core's count`);
    assert.ok(matBytes >= weights, `T=${T}: the materialised path keeps at least its weights`);
    assert.ok(fusedBytes > 0);
  }
  probe.delete();
  assert.ok(rows.at(-1).cells[3] > 4 * rows.at(-1).cells[2], 'at T = 256 the materialised path keeps far more than the fused one');

  const memory = await slopes(page, 'memory-slopes');
  assert.ok(Math.abs(memory.weights - 2) < 0.01, `weights slope ${memory.weights}`);
  assert.ok(memory.materialised >= 1.5 && memory.materialised <= 2.5, `materialised memory slope ${memory.materialised}`);
  assert.ok(memory.fused > 0.5 && memory.fused < 1.5, `fused memory slope ${memory.fused}`);
  const time = await slopes(page, 'time-slopes');
  for (const key of ['fused', 'materialised']) assert.ok(Number.isFinite(time[key]) && time[key] > 0.3 && time[key] < 3.5, `${key} time slope ${time[key]}`);
  return { memory, time };
}

test('served: the sweep runs in a worker under the CSP, shows both paths and reads off the slopes', async () => {
  const { page, problems } = await open(`${site.url}${LESSON}${SMALL}`);
  assert.equal(await sweepState(page), 'idle');
  assert.match(await page.textContent('#time-chart'), /Press Measure/);
  assert.ok((await page.$$('#why .katex')).length >= 3, 'the formulas are typeset');
  assert.ok((await page.$$('#cost-code figure.code pre')).length === 2, 'both paths\' C++ is shown');
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.click('#measure');
  assert.equal(await page.isDisabled('#measure'), true);
  await waitSweep(page);
  assert.equal(await page.evaluate(() => document.body.dataset.sweepMode), 'worker');
  assert.deepEqual(workers.map((u) => new URL(u).pathname), ['/js/cost-worker.js']);
  const { memory, time } = await checkFinished(page);
  console.log(`# served, worker: slopes time fused ${time.fused.toFixed(2)}, materialised ${time.materialised.toFixed(2)}; memory fused ${memory.fused.toFixed(2)}, materialised ${memory.materialised.toFixed(2)}, weights ${memory.weights.toFixed(2)}`);

  // hover and keyboard read a point's value
  await page.hover('#memory-chart svg.loglog g.pt.weights >> nth=8');
  assert.match(await page.textContent('#memory-chart .readout'), /weights, T = 256: 2\.00 MiB/);
  await page.focus('#time-chart g.pt[tabindex="0"]');
  await page.keyboard.press('ArrowRight');
  assert.match(await page.textContent('#time-chart .readout'), /^fused path, T = 23: [\d.]+ ms$/);
  await page.keyboard.press('ArrowDown');
  assert.match(await page.textContent('#time-chart .readout'), /^materialised path, T = 23: [\d.]+ ms$/);
  assert.equal(await page.isDisabled('#measure'), false);
  assert.deepEqual(problems, []);
  await page.close();
});

test('served: Cancel terminates the worker and the sweep stops', async () => {
  const { page, problems } = await open(`${site.url}${LESSON}#tmax=4096&d_model=256&num_heads=4`);
  let closed = 0, started = 0;
  page.on('worker', (w) => { started++; w.on('close', () => { closed++; }); });
  await page.click('#measure');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 3, null, { timeout: 30000 });
  await page.click('#cancel');
  assert.equal(await sweepState(page), 'cancelled');
  const rows = (await table(page)).length;
  await page.waitForTimeout(1500);
  assert.equal((await table(page)).length, rows, 'points kept arriving after Cancel');
  assert.equal(started, 1);
  for (let i = 0; i < 40 && (closed < 1 || page.workers().length); i++) await page.waitForTimeout(50);
  assert.equal(closed, 1, 'the worker was not terminated');
  assert.equal(page.workers().length, 0);
  assert.match(await page.textContent('#sweep-status'), /Cancelled/);
  assert.equal(await page.isDisabled('#measure'), false);
  assert.equal(await page.isDisabled('#cancel'), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('file://: the sweep runs in slices on the page, which keeps answering clicks', async () => {
  const url = pathToFileURL(path.join(siteDir, LESSON)).href + SMALL;
  const { page, problems } = await open(url);
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  // a probe button: how long a click waits before its handler runs (event time → handler time)
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'probe';
    b.textContent = 'probe';
    window.probeDelays = [];
    b.addEventListener('click', (e) => { window.probeDelays.push({ delay: performance.now() - e.timeStamp, sweep: document.body.dataset.sweep }); });
    document.querySelector('main').prepend(b);
  });
  await page.click('#measure');
  assert.equal(await page.evaluate(() => document.body.dataset.sweepMode), 'page');
  assert.match(await page.textContent('#sweep-mode'), /opened from disk/);
  while (await sweepState(page) === 'running') {
    await page.click('#probe');
    await page.waitForTimeout(30);
  }
  const delays = await page.evaluate(() => window.probeDelays);
  const during = delays.filter((d) => d.sweep === 'running');
  assert.ok(during.length >= 4, `only ${during.length} clicks landed during the sweep`);
  const worst = Math.max(...during.map((d) => d.delay));
  assert.ok(worst < 200, `a click waited ${worst.toFixed(0)} ms`);
  const { memory, time } = await checkFinished(page);
  console.log(`# file://, sliced: ${during.length} clicks during the sweep, worst wait ${worst.toFixed(1)} ms; slopes time fused ${time.fused.toFixed(2)}, materialised ${time.materialised.toFixed(2)}; memory weights ${memory.weights.toFixed(2)}`);
  assert.deepEqual(workers, [], 'a worker was started from file://');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the single-file export of the lesson measures too, on the page, requesting nothing', async () => {
  const file = path.join(path.resolve(root, process.env.ATTN_EXPORT || 'build/export'), '06-what-attention-costs.html');
  assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing: run bash tools/export`);
  const { page, problems } = await open(pathToFileURL(file).href + SMALL);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.click('#measure');
  await waitSweep(page);
  assert.equal(await page.evaluate(() => document.body.dataset.sweepMode), 'page');
  await checkFinished(page);
  assert.deepEqual(requests.filter((u) => !/^(data|blob):/.test(u)), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('file://: Cancel stops the sliced sweep', async () => {
  const { page, problems } = await open(pathToFileURL(path.join(siteDir, LESSON)).href + '#tmax=4096&d_model=256&num_heads=4');
  await page.click('#measure');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 2, null, { timeout: 30000 });
  await page.click('#cancel');
  assert.equal(await sweepState(page), 'cancelled');
  const rows = (await table(page)).length;
  await page.waitForTimeout(800);
  assert.equal((await table(page)).length, rows, 'points kept arriving after Cancel');
  assert.deepEqual(problems, []);
  await page.close();
});

test('file://: when the core aborts mid-sweep, the page says so, re-creates it and measures again', async () => {
  const { page, problems } = await open(pathToFileURL(path.join(siteDir, LESSON)).href + '#tmax=2048&d_model=128&num_heads=4');
  assert.equal(await page.evaluate(() => AttnTest.generation()), 1);
  await page.click('#measure');
  assert.equal(await page.evaluate(() => document.body.dataset.sweepMode), 'page');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 2, null, { timeout: 30000 });
  // the module aborts between two slices of the sweep, as a C++ bug would
  await page.evaluate(() => AttnTest.abortForTest());
  await waitSweep(page);
  assert.equal(await sweepState(page), 'error');
  assert.match(await page.textContent('#sweep-status'), /^The measurements stopped: The attention core stopped \(.*abort.*\)\. .*press Measure to measure again\.$/i);
  const kept = (await table(page)).length;
  assert.ok(kept >= 2, 'the lengths measured before the abort are gone');
  await page.waitForFunction(() => document.body.dataset.engine === 'restored', null, { timeout: 15000 });
  await settled(page);
  assert.match(await page.textContent('#engine-status'), /The attention core stopped unexpectedly and was restarted/);
  assert.equal(await page.evaluate(() => AttnTest.generation()), 2, 'the module was not re-created');
  assert.equal(await page.isDisabled('#measure'), false);
  // Measure runs again, on the fresh module
  await page.click('#measure');
  assert.equal(await sweepState(page), 'running');
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 2, null, { timeout: 30000 });
  const row = (await table(page))[0];
  assert.ok(row.cells.slice(0, 4).every((x) => Number.isFinite(x) && x > 0), `the first length after the restart: ${row.cells}`);
  await page.click('#cancel');
  assert.equal(await sweepState(page), 'cancelled');
  assert.equal(await page.evaluate(() => AttnTest.generation()), 2);
  assert.deepEqual(problems, []);
  await page.close();
});

test('sizes the core refuses are explained, and bad URL values fall back with a notice', async () => {
  const { page, problems } = await open(`${site.url}${LESSON}#d_model=64&num_heads=5&tmax=300`);
  assert.match(await page.textContent('#size-error'), /num_heads \(5\) must divide d_model \(64\)/);
  assert.equal(await page.isDisabled('#measure'), true);
  assert.match(await page.textContent('#notices'), /tmax/);
  assert.equal(await page.inputValue('#tmax'), '12', 'tmax falls back to 1024, the 13th length of the slider');
  await page.fill('#num_heads', '8');
  await page.waitForFunction(() => document.getElementById('size-error').hidden);
  assert.equal(await page.isDisabled('#measure'), false);
  assert.match(page.url(), /num_heads=8/);
  assert.deepEqual(problems, []);
  await page.close();
});
