// Lesson 8 (watch attention learn), in Chromium: each task trains to its target accuracy
// (Task::target_accuracy, from the core's model info) within a bounded number of steps; the induction
// model's layer-2 head puts at least half its weight on the right token of held-out sequences typed
// into the page; the page answers 9 clicks in 10 within 100 ms while it trains (worker, and slices on the
// page from file://); Pause, Train, Step and Reset, saving and loading the weights, and switching
// heads off work, also when pressed at once (Step twice, Train during a step or the head measurement,
// Reset or a file while the model builds): the page counts every step its trainer takes; served under the strict CSP, from disk, as the single-file export and in a
// sandboxed frame on another origin. The page's numbers are checked against the same wasm core in
// node: a Trainer with the page's settings, stepped as many steps, evaluates to the same accuracy.
// Usage: node --test tests/web/train.test.mjs   (needs bash tools/build and tools/export first;
// ATTN_SITE, ATTN_EXPORT, ATTN_WASM_DIST point at other folders)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { launch, root, settled, site as siteDir, watch } from './helpers.mjs';
import { serve } from '../../tools/serve.mjs';

const LESSON = 'lessons/08-watch-attention-learn.html';
const TASKS = ['copy', 'reverse', 'sort', 'induction', 'agreement'];
// Steps a task may take to reach its target with the lesson's default model (2 layers, 2 heads,
// width 32, lr 0.003, seed 1): natively copy, reverse, sort and agreement need about 50, induction
// about 150; the bound leaves room without letting a model that does not learn pass.
const MAX_STEPS = 1000;

let site, browser, core, tmp;
before(async () => {
  site = await serve({ root: siteDir, port: 0, quiet: true, csp: true });
  browser = await launch();
  const require = createRequire(import.meta.url);
  core = await require(path.join(path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist'), 'attention_core.single.js'))();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-train-'));
});
after(async () => {
  await browser?.close();
  site?.server.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function open(url, { wait = true } = {}) {
  const page = await browser.context.newPage();
  const problems = await watch(page);
  await page.goto(url);
  if (wait) await settled(page);
  return { page, problems };
}

const phase = (page) => page.evaluate(() => document.body.dataset.train);
/** The progress line's numbers: the step, the training time (ms) and the newest held-out token accuracy. */
const progress = (page) => page.$eval('#progress-line', (p) => ({ step: Number(p.dataset.step), ms: Number(p.dataset.ms), accuracy: Number(p.dataset.accuracy) }));
const waitPhase = (page, wanted, timeout = 60000) => page.waitForFunction((w) => w.includes(document.body.dataset.train), [wanted].flat(), { timeout });

/** The settings the page trains with (what its last train request checked). */
async function pageSettings(page) {
  const all = (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'train');
  assert.ok(all.length, 'the page sent no train request');
  const { mechanism, steps, evaluate, ...settings } = all.at(-1);
  return settings;
}

/** A Trainer in node with the page's settings, stepped `steps` times: what the page must show. */
function nodeTrainer(settings, steps) {
  const t = new core.Trainer(JSON.stringify({ mechanism: 'train', ...settings }));
  for (let left = steps; left > 0; left -= Math.min(left, 1000)) t.step(Math.min(left, 1000));
  return t;
}

/** The page's evaluation agrees with node's Trainer after the same steps; returns node's evaluation. */
async function agreesWithCore(page, { ablate = [] } = {}) {
  const settings = await pageSettings(page);
  const { step, accuracy } = await progress(page);
  const t = nodeTrainer(settings, step);
  ablate.forEach(([l, h]) => t.ablate(l, h, true));
  const ev = JSON.parse(t.evaluate());
  const info = JSON.parse(t.info());
  t.delete();
  if (!ablate.length) assert.equal(accuracy, ev.token_accuracy, `the page's accuracy at step ${step} is not the core's`);
  return { ev, info, settings, step };
}

/** The source-attention table: [layer][head] numbers. */
const sourceTable = (page) => page.$$eval('#source-table tbody tr', (rows) => rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.value))));

test('served: each task trains in the worker to its target within a bounded number of steps, as the core trains it', async () => {
  for (const task of TASKS) {
    const { page, problems } = await open(`${site.url}${LESSON}#task=${task}`);
    const workers = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    await waitPhase(page, 'trained', 90000);
    assert.equal(await page.evaluate(() => document.body.dataset.trainMode), 'worker');
    const { step, ms, accuracy } = await progress(page);
    const { ev, info } = await agreesWithCore(page);
    assert.ok(step > 0 && step <= MAX_STEPS, `${task}: ${step} steps`);
    assert.ok(accuracy >= info.target_accuracy, `${task}: accuracy ${accuracy} below the target ${info.target_accuracy}`);
    // the core's per-head scores are the table, and the page names the best of them
    assert.deepEqual(await sourceTable(page), ev.source_attention);
    const best = await page.$eval('#solution-head', (p) => [Number(p.dataset.layer), Number(p.dataset.head)]);
    const flatScores = ev.source_attention.flat();
    assert.equal(ev.source_attention[best[0]][best[1]], Math.max(...flatScores), `${task}: the head named is not the core's best`);
    assert.match(await page.textContent('#solution-head'), new RegExp(`Layer ${best[0] + 1}, head ${best[1] + 1} puts`));
    console.log(`# ${task}: target ${info.target_accuracy} reached at step ${step} (${(ms / 1000).toFixed(2)} s of training), accuracy ${accuracy.toFixed(3)}, best head layer ${best[0] + 1} head ${best[1] + 1} ${Math.max(...flatScores).toFixed(2)}`);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

/** Random held-out induction sequences: P distinct letters of the vocabulary repeated to T tokens. */
function inductionSequences(vocab, T, count, seed) {
  let s = seed >>> 0;
  const rand = (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % n; };
  const letters = vocab.slice();
  return Array.from({ length: count }, () => {
    const P = 3 + rand(5);
    const pool = letters.slice();
    const prefix = Array.from({ length: P }, () => pool.splice(rand(pool.length), 1)[0]);
    return { P, tokens: Array.from({ length: T }, (_, t) => prefix[t % P]) };
  });
}

test('induction: the layer-2 head puts at least half its weight on the right token of held-out sequences typed in', async () => {
  const { page, problems } = await open(`${site.url}${LESSON}`);
  const started = await page.evaluate(() => performance.now());
  await waitPhase(page, 'trained', 90000);
  const trainedAt = await page.evaluate(() => performance.now());
  const { step, ms } = await progress(page);
  const { info } = await agreesWithCore(page);
  assert.equal(info.task, 'induction');
  console.log(`# default (induction): trained at step ${step}, ${(ms / 1000).toFixed(2)} s of training, ${(trainedAt / 1000).toFixed(2)} s after the page started loading (${((trainedAt - started) / 1000).toFixed(2)} s after it was ready)`);
  const T = info.seq_len;
  const sequences = inductionSequences(info.vocab, T, 12, 2026);
  const weights = [[], []];  // per layer-2 head: the mean weight on the right token, sequence by sequence
  let right = 0, scored = 0;
  for (const { P, tokens } of sequences) {
    await page.fill('#sequence', tokens.join(' '));
    await page.press('#sequence', 'Enter');
    await page.waitForFunction((want) => [...document.querySelectorAll('#prediction tbody tr:nth-child(2) td')].map((td) => td.textContent).join(' ') === want, tokens.join(' '));
    // every layer-2 head's weights, read from the cells' readings ("query a, key b: 0.1234")
    const maps = await page.$$eval('#try-maps .head-map', (boxes) => boxes.map((b) => ({ id: b.id,
      cells: [...b.querySelectorAll('.hm-cell')].map((c) => Number(c.getAttribute('aria-label').split(': ').pop().replace('−', '-'))) })));
    const predicted = await page.$$eval('#prediction tr.predicted td', (tds) => tds.map((td) => td.textContent));
    for (let t = P; t < T - 1; t++) {  // the next token is known from position P on
      scored++;
      if (predicted[t] === tokens[t + 1]) right++;
    }
    maps.filter((m) => /-l1-h\d+$/.test(m.id)).forEach((m, h) => {
      let sum = 0, n = 0;
      for (let t = P; t < T - 1; t++) {
        let onRight = 0;
        for (let j = 0; j <= t; j++) if (tokens[j] === tokens[t + 1]) onRight += m.cells[t * T + j];
        sum += onRight; n++;
      }
      weights[h].push(sum / n);
    });
  }
  const means = weights.filter((w) => w.length).map((w) => w.reduce((a, b) => a + b, 0) / w.length);
  console.log(`# induction, ${sequences.length} held-out sequences: layer-2 heads' weight on the right token ${means.map((m) => m.toFixed(3)).join(', ')}; next token right ${right}/${scored}`);
  assert.ok(Math.max(...means) >= 0.5, `layer-2 weight on the right token: ${means}`);
  // trained to the task's target (90% of the held-out tokens): these sequences, drawn here, come close
  assert.ok(right / scored >= 0.8, `the model predicted ${right} of ${scored} held-out tokens`);
  // the head the page names is in layer 2
  assert.equal(await page.$eval('#solution-head', (p) => p.dataset.layer), '1');
  assert.deepEqual(problems, []);
  await page.close();
});

/** Adds a probe button; returns how long each click waited for its handler, while training ran. */
async function clicksWhileTraining(page) {
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'probe';
    b.textContent = 'probe';
    window.probeDelays = [];
    b.addEventListener('click', (e) => { window.probeDelays.push({ delay: performance.now() - e.timeStamp, train: document.body.dataset.train }); });
    document.querySelector('main').prepend(b);
  });
  while (await phase(page) === 'running') {
    await page.click('#probe');
    await page.waitForTimeout(20);
  }
  return (await page.evaluate(() => window.probeDelays)).filter((d) => d.train === 'running').map((d) => d.delay);
}

for (const where of ['served, in the worker', 'file://, in slices on the page']) {
  test(`${where}: the page answers clicks within 100 ms while it trains`, async () => {
    const fromDisk = where.startsWith('file');
    const view = '#task=induction&seed=3';
    const url = fromDisk ? pathToFileURL(path.join(siteDir, LESSON)).href + view : `${site.url}${LESSON}${view}`;
    const { page, problems } = await open(url);
    const workers = [];
    page.on('worker', (w) => workers.push(w.url()));
    const delays = await clicksWhileTraining(page);
    assert.equal(await page.evaluate(() => document.body.dataset.trainMode), fromDisk ? 'page' : 'worker');
    assert.ok(delays.length >= 5, `only ${delays.length} clicks landed while training`);
    // The page's part is to never hold the main thread for long; on a loaded shared machine the
    // scheduler alone can delay one click past 100 ms, so the test asks it of 9 clicks in 10 and
    // prints the worst.
    const sorted = [...delays].sort((a, b) => a - b);
    const worst = sorted[sorted.length - 1], ninth = sorted[Math.ceil(0.9 * sorted.length) - 1];
    console.log(`# ${where}: ${delays.length} clicks while training, median wait ${sorted[sorted.length >> 1].toFixed(1)} ms, 90th percentile ${ninth.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`);
    assert.ok(ninth < 100, `1 click in 10 waited ${ninth.toFixed(0)} ms or more (waits: ${sorted.map((d) => d.toFixed(0)).join(', ')} ms)`);
    if (fromDisk) {
      assert.match(await page.textContent('#train-mode'), /opened from disk/);
      assert.deepEqual(workers, []);
    }
    await waitPhase(page, 'trained', 90000);
    await agreesWithCore(page);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('Pause stops, Train goes on, Step takes one step, Reset goes back to the seed\'s model; a shared link retrains the same model', async () => {
  // a small learning rate: it learns slowly, so that Pause lands while it trains
  const view = '#task=copy&n_layers=1&n_heads=1&emb_dim=16&lr=0.0003&seed=5&auto=0';
  const { page, problems } = await open(`${site.url}${LESSON}${view}`);
  await waitPhase(page, 'paused');
  assert.equal((await progress(page)).step, 0, 'auto=0 trained anyway');
  assert.deepEqual(await pageSettings(page), { task: 'copy', n_layers: 1, n_heads: 1, emb_dim: 16, lr: 0.0003, seed: 5, eval_sequences: 128 });
  const fresh = await agreesWithCore(page);
  assert.deepEqual(await sourceTable(page), fresh.ev.source_attention);
  await page.click('#step-once');
  await page.waitForFunction(() => document.getElementById('progress-line').dataset.step === '1');
  await agreesWithCore(page);
  await page.click('#train');
  await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step) >= 5);
  await page.click('#pause');
  assert.equal(await phase(page), 'paused');
  const pausedText = () => page.waitForFunction(() => /^Paused at step/.test(document.getElementById('train-status').textContent));
  await pausedText();
  const paused = (await progress(page)).step;
  await page.waitForTimeout(600);
  assert.equal((await progress(page)).step, paused, 'steps kept coming after Pause');
  await agreesWithCore(page);
  await page.click('#train');
  await page.waitForFunction((n) => Number(document.getElementById('progress-line').dataset.step) > n, paused);
  // it may reach the target first (then it stops by itself); else Pause again
  if (await phase(page) === 'running') {
    await page.click('#pause', { timeout: 3000 }).catch(() => {});  // disabled if the target came in between
    await page.waitForFunction(() => /^(Paused at step|Trained)/.test(document.getElementById('train-status').textContent));
  }
  assert.ok(['paused', 'trained'].includes(await phase(page)));
  await agreesWithCore(page);
  await page.click('#reset');
  await page.waitForFunction(() => document.getElementById('progress-line').dataset.step === '0' && document.body.dataset.train === 'paused');
  assert.deepEqual(await sourceTable(page), fresh.ev.source_attention, 'Reset did not go back to the seed\'s weights');
  assert.match(page.url(), /task=copy/);
  assert.match(page.url(), /seed=5/);
  assert.match(page.url(), /lr=0\.0003/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Step pressed twice at once counts two steps; Train right after Step counts every step, and the saved file says so', async () => {
  const view = '#task=copy&n_layers=1&n_heads=1&emb_dim=16&lr=0.0003&seed=5&auto=0';
  const { page, problems } = await open(`${site.url}${LESSON}${view}`);
  await waitPhase(page, 'paused');
  // two clicks in one task: the second lands while the first step is still in flight
  await page.evaluate(() => { const b = document.getElementById('step-once'); b.click(); b.click(); });
  await page.waitForFunction(() => /^Step \d+:/.test(document.getElementById('train-status').textContent));
  assert.equal((await progress(page)).step, 2, 'a double click on Step counted one step');
  assert.match(await page.textContent('#train-status'), /^Step 2:/);
  // the replay's output changes at every evaluation while training: it must not be read out each time
  assert.equal(await page.getAttribute('#snapshot-out', 'aria-live'), 'off');
  await agreesWithCore(page);
  // Step, and Train before its step came back; then Pause
  await page.evaluate(() => { document.getElementById('step-once').click(); document.getElementById('train').click(); });
  await page.waitForFunction(() => Number(document.getElementById('progress-line').dataset.step) >= 10);
  // small slices of a small model run fast: it may reach its target first (then it stops by itself)
  await page.click('#pause', { timeout: 3000 }).catch(() => {});
  await page.waitForFunction(() => /^(Paused at step|Trained)/.test(document.getElementById('train-status').textContent));
  const { step } = await progress(page);
  await agreesWithCore(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-weights')]);
  const file = path.join(tmp, 'steps.json');
  await download.saveAs(file);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).steps, step);
  // from the keyboard: Train disables itself and hands the focus to Pause, Pause (or the target) back to Train
  const focused = () => page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.focus('#train');
  await page.keyboard.press('Enter');
  assert.equal(await phase(page), 'running');
  assert.equal(await focused(), 'pause');
  await page.keyboard.press('Enter');
  await waitPhase(page, ['paused', 'trained']);
  assert.equal(await focused(), 'train');
  assert.deepEqual(problems, []);
  await page.close();
});

test('on the page, calls queued before Reset closes the session are dropped quietly', async () => {
  const { page, problems } = await open(`${site.url}${LESSON}#task=copy&n_layers=1&n_heads=1&emb_dim=16&seed=5&auto=0&worker=0`);
  await waitPhase(page, 'paused');
  assert.equal(await page.evaluate(() => document.body.dataset.trainMode), 'page');
  // a prediction and a step asked for, then Reset in the same task: their calls reach a closed session
  await page.evaluate(() => {
    document.getElementById('sequence-form').requestSubmit();
    document.getElementById('step-once').click();
    document.getElementById('reset').click();
  });
  await page.waitForFunction(() => /^Step 0:/.test(document.getElementById('train-status').textContent));
  await page.waitForTimeout(300);
  assert.equal(await page.$eval('#sequence-error', (n) => n.hidden), true, await page.textContent('#sequence-error'));
  assert.match(await page.textContent('#train-status'), /^Step 0:/);
  assert.equal(await phase(page), 'paused');
  assert.equal((await progress(page)).step, 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('save the weights to a file and load them back; a bad file is refused with a message; heads switched off carry the accuracy', async () => {
  // induction: its layer-2 head cannot be done without (on reverse two heads can learn the same
  // anti-diagonal, and then no head alone carries any accuracy)
  const { page, problems } = await open(`${site.url}${LESSON}#task=induction`);
  await waitPhase(page, 'trained');
  const trained = await agreesWithCore(page);
  // each head switched off alone: the table is the core's, and the named head carries the most
  await page.waitForFunction(() => document.querySelectorAll('#carry-table tbody tr').length > 0);
  const rows = await page.$$eval('#carry-table tbody tr', (trs) => trs.map((tr) => ({ layer: Number(tr.dataset.layer), head: Number(tr.dataset.head), accuracy: Number(tr.querySelector('td').dataset.value) })));
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const { ev } = await agreesWithCore(page, { ablate: [[r.layer, r.head]] });
    assert.equal(r.accuracy, ev.token_accuracy, `layer ${r.layer + 1} head ${r.head + 1} off`);
  }
  const best = await page.$eval('#solution-head', (p) => ({ layer: Number(p.dataset.layer), head: Number(p.dataset.head) }));
  const bestRow = rows.find((r) => r.layer === best.layer && r.head === best.head);
  assert.ok(Math.min(...rows.map((r) => r.accuracy)) < trained.ev.token_accuracy, 'no head carried any accuracy');
  assert.match(await page.textContent('#solution-head'), /Switched off alone, it takes the held-out token accuracy from/);
  // the learner's switch: off, the accuracy is the core's; on again, back to the trained one
  await page.uncheck(`#head-${best.layer + 1}-${best.head + 1}`);
  await page.waitForFunction((a) => document.getElementById('ablate-result').dataset.accuracy === String(a), bestRow.accuracy);
  await page.check(`#head-${best.layer + 1}-${best.head + 1}`);
  await page.waitForFunction((a) => document.getElementById('ablate-result').dataset.accuracy === String(a), trained.ev.token_accuracy);

  // save
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-weights')]);
  const file = path.join(tmp, 'induction.json');
  await download.saveAs(file);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(saved.weights.length, trained.info.parameter_count);
  assert.equal(saved.settings.task, 'induction');
  // loaded while a head is switched off: the model runs with every head on again, as its switches say
  await page.uncheck(`#head-${best.layer + 1}-${best.head + 1}`);
  await page.waitForFunction((a) => document.getElementById('ablate-result').dataset.accuracy === String(a), bestRow.accuracy);
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction(() => /Loaded [\d,]+ weights/.test(document.getElementById('save-status').textContent));
  assert.equal((await progress(page)).accuracy, trained.ev.token_accuracy, 'loaded with a head still switched off in the core');
  assert.deepEqual(await page.$$eval('#head-switches input', (bs) => bs.map((b) => b.checked)), [true, true, true, true]);
  // Reset, then load: the trained accuracy comes back
  await page.click('#reset');
  await page.waitForFunction(() => document.getElementById('progress-line').dataset.step === '0' && document.body.dataset.train === 'paused');
  assert.notEqual((await progress(page)).accuracy, trained.ev.token_accuracy);
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction((a) => document.getElementById('progress-line').dataset.accuracy === String(a), trained.ev.token_accuracy);
  assert.match(await page.textContent('#save-status'), /Loaded [\d,]+ weights/);
  // a file of another task switches the page to that task's model, then loads
  const other = { ...saved, settings: { ...saved.settings, task: 'copy' } };
  const otherFile = path.join(tmp, 'copy.json');
  fs.writeFileSync(otherFile, JSON.stringify(other));
  await page.setInputFiles('#load-file', otherFile);
  await page.waitForFunction(() => /task=copy/.test(location.hash) && /Loaded/.test(document.getElementById('save-status').textContent) && document.body.dataset.status === 'ready');
  // bad files: not JSON, and a weight the core refuses
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '<img src=x onerror=alert(1)>');
  await page.setInputFiles('#load-file', bad);
  await page.waitForFunction(() => !document.getElementById('load-error').hidden);
  assert.match(await page.textContent('#load-error'), /not a file saved by this lesson/);
  const nan = path.join(tmp, 'nan.json');
  fs.writeFileSync(nan, JSON.stringify({ ...other, weights: other.weights.slice(0, 10) }));
  await page.setInputFiles('#load-file', nan);
  await page.waitForFunction(() => /refused/.test(document.getElementById('load-error').textContent));
  // a NaN saved as null (or any entry that is not a number) is refused by its index, not read as 0
  for (const [value, said] of [[null, 'null'], [true, 'true'], ['', '""'], [[5], '[5]']]) {
    const weights = other.weights.slice();
    weights[3] = value;
    const odd = path.join(tmp, 'odd.json');
    fs.writeFileSync(odd, JSON.stringify({ ...other, weights }));
    await page.evaluate(() => { document.getElementById('load-error').textContent = ''; });
    await page.setInputFiles('#load-file', odd);
    await page.waitForFunction(() => /weight 3/.test(document.getElementById('load-error').textContent));
    const text = (await page.textContent('#load-error')).replace(/[\u2068\u2069]/g, '');  // without the bidi isolates
    assert.ok(text.includes(`weight 3 (counting from 0) is ${said}, not a number`), text);
  }
  const badSteps = path.join(tmp, 'steps.json');
  fs.writeFileSync(badSteps, JSON.stringify({ ...other, steps: -3 }));
  await page.setInputFiles('#load-file', badSteps);
  await page.waitForFunction(() => /not a whole number of steps/.test(document.getElementById('load-error').textContent));
  // a long raw value is quoted cut short
  const long = path.join(tmp, 'long.json');
  fs.writeFileSync(long, JSON.stringify({ ...other, settings: { ...other.settings, task: 'x'.repeat(5000) } }));
  await page.evaluate(() => { document.getElementById('load-error').textContent = ''; });
  await page.setInputFiles('#load-file', long);
  await page.waitForFunction(() => /task=/.test(document.getElementById('load-error').textContent));
  const refusal = await page.textContent('#load-error');
  assert.ok(refusal.includes(`task="${'x'.repeat(60)}…"`) && refusal.length < 400, refusal);
  assert.deepEqual(problems, []);
  await page.close();
});

/** A weights file as the lesson saves it, of a model node's Trainer trained `steps` steps; and that model's evaluation. */
function weightsFile(settings, steps, name) {
  const t = nodeTrainer(settings, steps);
  const ev = JSON.parse(t.evaluate());
  const info = JSON.parse(t.info());
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify({ format: 'attention-lab/weights', version: 1, settings, steps, parameter_count: info.parameter_count, weights: Array.from(t.weights()) }));
  t.delete();
  return { file, ev };
}

test('a weights file chosen while the model is still building goes into it once it is built', async () => {
  const settings = { task: 'reverse', n_layers: 2, n_heads: 2, emb_dim: 32, lr: 0.003, seed: 1, eval_sequences: 128 };
  const { file, ev } = weightsFile(settings, 60, 'early.json');
  const page = await browser.context.newPage();
  const problems = await watch(page);
  // the core's .wasm waits until the file is chosen: the page's script runs, its model cannot be built yet
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  await page.route('**/attention_core.wasm', async (route) => { await gate; await route.continue(); });
  await page.goto(`${site.url}${LESSON}#task=reverse&auto=0`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => document.body.dataset.status === 'busy');
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction(() => /still being built/.test(document.getElementById('save-status').textContent));
  assert.equal(await phase(page), 'idle');
  release();
  await page.waitForFunction(() => /^Loaded [\d,]+ weights/.test(document.getElementById('save-status').textContent), null, { timeout: 60000 });
  assert.equal((await progress(page)).accuracy, ev.token_accuracy, 'the page\'s model is not the file\'s');
  // a loaded model is a trained one: it goes on from the file's step
  assert.equal((await progress(page)).step, 60);
  await page.waitForFunction(() => !document.getElementById('solution-head').hidden);
  assert.doesNotMatch(await page.textContent('#solution-head'), /Before training/);
  assert.equal(await page.$eval('#measure-heads', (b) => b.disabled), false);
  assert.deepEqual(await pageSettings(page), settings);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Train pressed while each head is being switched off in turn waits for it: no step trains with a head off', async () => {
  const settings = { task: 'reverse', n_layers: 2, n_heads: 2, emb_dim: 32, lr: 0.003, seed: 1, eval_sequences: 128 };
  const { file } = weightsFile(settings, 30, 'thirty.json');
  const { page, problems } = await open(`${site.url}${LESSON}#task=reverse&auto=0`);
  await waitPhase(page, 'paused');
  await page.setInputFiles('#load-file', file);
  await page.waitForFunction(() => /^Loaded [\d,]+ weights/.test(document.getElementById('save-status').textContent));
  await waitPhase(page, ['paused', 'trained']);
  // the measurement switches each head off and on; Train comes in the same task
  await page.evaluate(() => { document.getElementById('measure-heads').click(); document.getElementById('train').click(); });
  await page.waitForFunction(() => document.body.dataset.train === 'running');
  await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-weights')]);
  const after = path.join(tmp, 'after.json');
  await download.saveAs(after);
  const saved = JSON.parse(fs.readFileSync(after, 'utf8'));
  assert.equal(saved.steps, (await progress(page)).step);
  // the same weights, loaded into node's Trainer and trained as many steps with every head on
  const t = new core.Trainer(JSON.stringify({ mechanism: 'train', ...settings }));
  t.load(Float32Array.from(JSON.parse(fs.readFileSync(file, 'utf8')).weights));
  t.step(saved.steps - 30);
  const want = Array.from(t.weights());
  t.delete();
  assert.ok(saved.steps > 30, `${saved.steps} steps`);
  assert.equal(saved.weights.length, want.length);
  assert.ok(saved.weights.every((x, i) => x === want[i]), 'the page\'s weights are not the ones every-head-on training gives');
  assert.deepEqual(problems, []);
  await page.close();
});

test('Reset while the first model is still building leaves one session: no step is taken that the page does not count', async () => {
  const settings = { task: 'copy', n_layers: 1, n_heads: 1, emb_dim: 16, lr: 0.0003, seed: 5, eval_sequences: 128 };
  const page = await browser.context.newPage();
  const problems = await watch(page);
  // the train worker's script waits: the runner's model (which would train at once) and Reset's are both building
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  await page.route('**/js/train-worker.js', async (route) => { await gate; await route.continue(); });
  await page.goto(`${site.url}${LESSON}#task=copy&n_layers=1&n_heads=1&emb_dim=16&lr=0.0003&seed=5`);
  await page.waitForFunction(() => document.getElementById('train-status').textContent === 'Building the model…');
  await page.click('#reset');
  release();
  await page.waitForFunction(() => /^Step 0:/.test(document.getElementById('train-status').textContent));
  await page.waitForTimeout(500);  // any late answer of the first model
  assert.equal(await page.evaluate(() => document.body.dataset.trainMode), 'worker');
  assert.equal(await phase(page), 'paused');
  await page.click('#step-once');
  await page.waitForFunction(() => /^Step 1:/.test(document.getElementById('train-status').textContent));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-weights')]);
  const file = path.join(tmp, 'reset.json');
  await download.saveAs(file);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(saved.steps, 1);
  const t = nodeTrainer(settings, 1);
  const want = Array.from(t.weights());
  t.delete();
  assert.ok(saved.weights.every((x, i) => x === want[i]), 'the trainer took more steps than the page counted');
  assert.deepEqual(problems, []);
  await page.close();
});

test('from disk, and as the single-file export: the default task trains on the page, requesting nothing', async () => {
  const exported = path.join(path.resolve(root, process.env.ATTN_EXPORT || 'build/export'), '08-watch-attention-learn.html');
  assert.ok(fs.existsSync(exported), `${path.relative(root, exported)} is missing: run bash tools/export`);
  for (const url of [pathToFileURL(path.join(siteDir, LESSON)).href, pathToFileURL(exported).href]) {
    const { page, problems } = await open(url, { wait: false });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await settled(page);
    await waitPhase(page, 'trained', 90000);
    assert.equal(await page.evaluate(() => document.body.dataset.trainMode), 'page');
    const { step, ms } = await progress(page);
    await agreesWithCore(page);
    console.log(`# ${url.endsWith('export/08-watch-attention-learn.html') ? 'single-file export' : 'file://'}: induction trained on the page at step ${step}, ${(ms / 1000).toFixed(2)} s of training`);
    assert.deepEqual(requests.filter((u) => !/^(file|data|blob):/.test(u)), []);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('embedded in a sandboxed frame on another origin, the lesson trains on the page and shows the core\'s numbers', async () => {
  const hostHtml = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title></head><body>
<iframe sandbox="allow-scripts" title="lesson 8" src="${site.url}${LESSON}?embed=1#task=copy" style="width:900px;height:1200px;border:0"></iframe></body></html>`;
  const host = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(hostHtml));
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  try {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text().slice(0, 300)}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`http://localhost:${host.address().port}/`);
    let frame;
    for (let i = 0; i < 100 && !frame; i++) {
      frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(site.url));
      if (!frame) await page.waitForTimeout(100);
    }
    assert.ok(frame, 'the lesson frame did not load');
    await settled(frame);
    await waitPhase(frame, 'trained', 90000);
    assert.equal(await frame.evaluate(() => document.body.dataset.trainMode), 'page');
    assert.match(await frame.textContent('#train-mode'), /sandboxed frame/);
    await agreesWithCore(frame);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    host.close();
  }
});
