// "Copy as PyTorch" (web/js/pytorch/): the program of every lesson's view, taken from the page as a
// learner copies it, run by Debian's python3-torch (/usr/bin/python3), prints the numbers the page
// shows: every printed tensor equals the core's answer behind the view, and the step the stepper
// shows, within 1e-4. Every mechanism's writer is also run on requests no lesson sends by default
// (biases, no scaling, dropout, post-norm, tied weights, targets). The stepper's PyTorch tab marks
// the step's own lines, from the keyboard.
// Usage: node --test tests/web/pytorch.test.mjs   (needs the built site and python3-torch)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LESSONS, NO_STEPPER, closeSuite, openSuite, settled } from './helpers.mjs';
import { program } from '../../web/js/pytorch/program.js';

const PYTHON = '/usr/bin/python3';
const TOLERANCE = 1e-4;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-pytorch-'));

let site, browser, run;
before(async () => ({ site, browser, run } = await openSuite()));
after(async () => {
  await closeSuite({ site, browser });
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Runs Python programs in one interpreter (torch is imported once), each from its own file with
 * fresh globals; returns each one's printed output.
 */
function runPrograms(texts) {
  const files = texts.map((t, i) => { const f = path.join(tmp, `view_${i}.py`); fs.writeFileSync(f, t); return f; });
  const driver = path.join(tmp, 'driver.py');
  fs.writeFileSync(driver, ['import runpy, sys', 'for f in sys.argv[1:]:', '    print("#### " + f, flush=True)', '    runpy.run_path(f, run_name="__main__")', ''].join('\n'));
  const out = execFileSync(PYTHON, [driver, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split(/^#### .*\n/m).slice(1);
}

/** What a program printed: [{ section, name, shape, numbers }] in order ("== mechanism" starts a section). */
function parseOutput(text) {
  const blocks = [];
  let section = 0, seen = false, current = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('== ')) { if (seen) section++; seen = true; current = null; continue; }
    const head = line.match(/^(\S+) \(([\d, ]*)\)$/);
    if (head) { current = { section, name: head[1], shape: head[2].split(',').map((s) => s.trim()).filter(Boolean).map(Number), numbers: [] }; blocks.push(current); continue; }
    if (current && line.startsWith('  ')) current.numbers.push(...line.trim().split(/\s+/).map(Number));
    else current = null;
  }
  return blocks;
}

/** The core's value of a printed name: the step of that name, else the response's field. */
function coreValue(response, name) {
  const step = (response.steps || []).find((s) => s.name === name);
  return step ? step.value : response[name];
}

/** Checks every printed tensor against the answers it stands for; returns the largest difference. */
function compare(blocks, responses, where) {
  assert.ok(blocks.length > 0, `${where}: the program printed nothing`);
  let worst = 0;
  for (const b of blocks) {
    const expected = coreValue(responses[b.section], b.name);
    assert.ok(expected !== undefined, `${where}: the core has no ${b.name}`);
    const flat = [expected].flat(Infinity);
    assert.equal(b.numbers.length, flat.length, `${where}: ${b.name} has ${b.numbers.length} numbers, the core ${flat.length}`);
    flat.forEach((e, i) => {
      const got = b.numbers[i];
      if (e === null) { assert.ok(got === -Infinity || Number.isNaN(got), `${where}: ${b.name}[${i}] is ${got}, the core's is masked`); return; }
      const d = Math.abs(got - e);
      assert.ok(d <= TOLERANCE, `${where}: ${b.name}[${i}] is ${got}, the core's ${e}`);
      worst = Math.max(worst, d);
    });
  }
  return worst;
}

test('python3 has torch (python3-torch, installed by tools/setup)', () => {
  const version = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  assert.match(version, /^\d+\.\d+/);
});

test('every mechanism\'s writer reproduces the core, on requests beyond the lessons\' defaults', () => {
  const X = [[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64], [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]];
  const X4 = X.map((r, i) => [...r, 0.1 * i - 0.2]);
  const requests = [
    { mechanism: 'simplified', inputs: [[1, 0], [60, 1], [0.5, -1]], steps: true },  // the naive softmax overflows: NaN
    { mechanism: 'self_attention', inputs: X, d_out: 4, seed: 3, scale: false, qkv_bias: true, steps: true },
    { mechanism: 'causal', inputs: X, d_out: 3, seed: 7, dropout: 0.5, training: true, steps: true },
    { mechanism: 'causal', inputs: X, d_out: 2, seed: 7, dropout: 0.5, training: false, scale: false, steps: true },
    { mechanism: 'multihead', inputs: X, d_out: 6, num_heads: 3, causal: true, dropout: 0.3, seed: 1, qkv_bias: true, steps: true },
    { mechanism: 'multihead', inputs: X, d_out: 4, num_heads: 2, causal: false, seed: 1, steps: true },
    { mechanism: 'multihead_wrapper', inputs: X, d_out: 2, num_heads: 2, seed: 1, dropout: 0.2, steps: true },
    { mechanism: 'rnn_encoder', inputs: X, d_out: 3, seed: 7 },
    { mechanism: 'additive', inputs: [[0.1, 0.2], [0.3, -0.1], [0.5, 0.4]], decoder_state: [[0.1, 0.2], [0.3, -0.1]], d_out: 4, seed: 7, steps: true },
    { mechanism: 'layer_norm', inputs: X4, eps: 0.001, weights: { scale: [1.5, 1, 0.5, 2], shift: [0.2, 0, -0.1, 0] }, steps: true },
    { mechanism: 'positional_encoding', kind: 'sinusoidal', inputs: X4.map((r) => r.concat([0.3])) },
    { mechanism: 'positional_encoding', kind: 'learned', T: 5, emb_dim: 4, context_length: 8, seed: 3 },
    { mechanism: 'feed_forward', inputs: X4, d_ff: 5, activation: 'relu', seed: 2, steps: true },
    { mechanism: 'transformer_block', inputs: X4, n_heads: 2, activation: 'relu', norm_first: false, seed: 12, causal: false, residual: false, qkv_bias: true, steps: true },
    { mechanism: 'gpt', token_ids: [0, 1, 2, 3], targets: [1, 2, 3, -1], vocab_size: 5, context_length: 6, emb_dim: 4, n_heads: 1, n_layers: 2,
      positional: 'sinusoidal', weight_tying: true, temperature: 0.5, seed: 5 },
    { mechanism: 'gpt', token_ids: [4, 2], vocab_size: 5, context_length: 4, emb_dim: 2, n_layers: 1, positional: 'none', norm_first: false, seed: 9 },
  ];
  const sources = requests.map((request) => ({ request, response: run(request) }));
  sources.forEach((s) => assert.equal(s.response.error, undefined, `${s.request.mechanism}: ${JSON.stringify(s.response.error)}`));
  const programs = sources.map((s) => program([s], 'test'));
  const outputs = runPrograms(programs.map((p) => p.text));
  outputs.forEach((out, i) => {
    const where = `${requests[i].mechanism} #${i}`;
    const blocks = parseOutput(out);
    assert.deepEqual(blocks.map((b) => b.name), programs[i].shows.map((s) => s.name), `${where}: what it printed`);
    compare(blocks, [sources[i].response], where);
  });
});

/** The printed numbers of the stepper's table, as numbers (−∞ as -Infinity). */
const stepNumbers = (page) => page.$$eval('#steps .step-value td', (tds) => tds.map((td) => td.textContent.replace('−', '-')))
  .then((t) => t.map((s) => (s === '-∞' ? -Infinity : Number(s))));

test('every lesson\'s "Copy as PyTorch" prints the view\'s numbers: the core\'s, and the stepper\'s', async () => {
  const pages = [];
  for (const name of LESSONS) {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    if (NO_STEPPER.includes(name)) {
      // lesson 8: the probe through the gpt mechanism with the weights the lesson trained (copy, fast)
      await page.goto(`${site.url}lessons/${name}.html#task=copy&lr=0.01`);
      await page.waitForFunction(() => document.body.dataset.train === 'trained', null, { timeout: 180000 });
      await page.click('#copy-pytorch');
      const text = await page.locator('#pytorch-program textarea').inputValue({ timeout: 60000 });
      const sent = (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'gpt');
      assert.ok(sent.length, `${name}: no gpt request reached the core`);
      const request = sent[sent.length - 1];
      // the gpt mechanism with the trained weights predicts what the trainer predicted on the probe
      const response = run(request);
      const trained = (await page.textContent('#probe-line')).match(/predicts: (.*)\.$/)[1];
      const names = (await page.textContent('#pytorch-program p')).match(/it predicts (.*?)\. A Python/)[1];
      assert.equal(names, trained, `${name}: the gpt mechanism's predictions differ from the trainer's`);
      pages.push({ name, page, problems, text, sources: [{ request, response }] });
      continue;
    }
    await page.goto(`${site.url}lessons/${name}.html`);
    await settled(page);
    await page.click('#steps .step-bar >> text=Copy as PyTorch');
    const text = await page.locator('#steps .step-program textarea').inputValue();
    const sources = await page.evaluate(() => AttnTest.viewSources());
    assert.ok(sources.length >= 1, `${name}: no source for the program`);
    pages.push({ name, page, problems, text, sources });
  }
  const outputs = runPrograms(pages.map((p) => p.text));
  for (const [i, p] of pages.entries()) {
    const blocks = parseOutput(outputs[i]);
    // the page's answers, and the same requests answered again by the core in node
    const worst = compare(blocks, p.sources.map((s) => s.response), p.name);
    compare(blocks, p.sources.map((s) => run(s.request)), `${p.name} (node core)`);
    assert.equal(new Set(blocks.map((b) => b.section)).size, p.sources.length, `${p.name}: one printed part per request`);
    if (NO_STEPPER.includes(p.name)) {
      console.log(`${p.name}: ${blocks.length} tensors (gpt with the trained weights), largest difference from the core ${worst.toExponential(1)}`);
      assert.deepEqual(p.problems, []);
      await p.page.close();
      continue;
    }
    // the stepper shows one of the printed steps: its printed numbers are the program's
    const main = p.sources.length - 1;
    const chips = await p.page.$$eval('#steps .step-chip', (c) => c.map((b) => b.textContent.replace(/^\d+ · /, '')));
    const shown = blocks.filter((b) => b.section === main && chips.includes(b.name)).pop();
    assert.ok(shown, `${p.name}: no printed tensor is a step of the stepper`);
    await p.page.click(`#steps .step-chip >> text=/· ${shown.name}$/`);
    const printed = await stepNumbers(p.page);
    assert.equal(printed.length, shown.numbers.length, `${p.name}: the stepper's ${shown.name}`);
    printed.forEach((x, k) => assert.ok(x === shown.numbers[k] || Math.abs(x - shown.numbers[k]) <= TOLERANCE,
      `${p.name}: the stepper prints ${x} for ${shown.name}[${k}], PyTorch ${shown.numbers[k]}`));
    console.log(`${p.name}: ${blocks.length} tensors (${p.sources.map((s) => s.request.mechanism).join(' + ')}), largest difference from the core ${worst.toExponential(1)}; the stepper's ${shown.name} agrees`);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  }
});

test('the stepper\'s PyTorch tab marks the step\'s lines; the tabs work from the keyboard', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${site.url}lessons/04-causal-attention.html#step=attn_scores_masked`);
  await settled(page);
  const tabs = page.locator('#steps [role=tab]');
  assert.deepEqual(await tabs.allTextContents(), ['C++ (the core)', 'PyTorch']);
  assert.deepEqual(await tabs.evaluateAll((t) => t.map((b) => [b.getAttribute('aria-selected'), b.tabIndex])), [['true', 0], ['false', -1]]);
  assert.match(await page.textContent('#steps [role=tabpanel] figcaption'), /^core\/src\//);
  await page.focus('#steps [role=tab][aria-selected=true]');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'PyTorch');
  assert.equal(await page.getAttribute('#steps [role=tabpanel]', 'aria-labelledby'), await page.getAttribute('#steps [role=tab][data-tab=torch]', 'id'));
  assert.match(await page.textContent('#steps [role=tabpanel] figcaption'), /^view\.py/);
  const marked = await page.$$eval('#steps [role=tabpanel] .line.hl .src', (l) => l.map((n) => n.textContent));
  assert.deepEqual(marked, ['attn_scores_masked = attn_scores_scaled.masked_fill(mask == 0, float("-inf"))']);
  // the tab stays chosen as the learner steps on
  await page.click('#steps .step-controls >> text=Next →');
  assert.equal(await page.getAttribute('#steps [role=tab][data-tab=torch]', 'aria-selected'), 'true');
  assert.match((await page.$$eval('#steps [role=tabpanel] .line.hl .src', (l) => l.map((n) => n.textContent))).join('\n'), /^attn_weights = torch\.softmax\(attn_scores_masked/);
  // the brief program elides the inlined numbers; the copied one has them
  assert.match(await page.textContent('#steps [role=tabpanel] pre'), /W_query = torch\.tensor\(…\)/);
  await page.focus('#steps [role=tab][aria-selected=true]');
  await page.keyboard.press('Home');
  assert.match(await page.textContent('#steps [role=tabpanel] figcaption'), /^core\/src\//);
  await page.close();
});
