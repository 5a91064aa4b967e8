// The content corrections of issue 15, in Chromium: each passage that states a number shows the
// core's number (recomputed here by the same wasm module in node) and the claim the passage makes
// holds for it; the passages that were wrong say the corrected thing.
// Usage: node --test tests/web/corrections.test.mjs   (needs build/site and build/wasm/dist)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { act, closeSuite, fmt, lastRequest, openSuite, root, settled, texts } from './helpers.mjs';

let site, browser, run;
before(async () => ({ site, browser, run } = await openSuite()));
after(() => closeSuite({ site, browser }));

const ref = JSON.parse(fs.readFileSync(path.join(root, 'tests/data/book_ch03.json'), 'utf8'));
const example = (name) => ref.examples.find((e) => e.name === name);
const step = (res, name) => res.steps.find((s) => s.name === name).value;

async function open(lesson, hash = '') {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${site.url}lessons/${lesson}.html${hash}`);
  await settled(page);
  return { page, problems };
}

/** The numbers of a PyTorch-style print, in order. */
const printed = (text) => (text.split('torch.Size')[0].match(/-?\d+\.\d+/g) || []).map(Number);

test('lesson 2: a dot product measures direction and length: "with" scores itself 0.4937, "journey" 0.8434', async () => {
  const { page, problems } = await open('02-simplified-self-attention');
  const passage = await page.textContent('#dot-length');
  assert.match(passage, /point the same way/);
  assert.match(passage, /how long they are/);
  assert.doesNotMatch(await page.textContent('#scores'), /Tokens pointing the same way as the query score high\./);

  const res = run(await lastRequest(page, 'simplified', (r) => JSON.stringify(r.inputs) === JSON.stringify(ref.inputs)));
  const scores = step(res, 'attn_scores');
  const w = ref.tokens.indexOf('with'), j = ref.tokens.indexOf('journey');
  assert.deepEqual(await texts(page, '#dot-example .num'), [fmt(scores[w][w]), fmt(scores[w][j]), fmt(scores[j][j])]);
  assert.deepEqual((await texts(page, '#dot-example .num')).slice(0, 2), ['0.4937', '0.8434']);
  assert.ok(scores[w][j] > scores[w][w], 'the claim: "journey" outscores "with" itself for the query "with"');
  // ...and it stays the book's example when the learner types another sentence
  await page.fill('#sentence', 'A cat sat');
  await act(page, () => page.click('#sentence-form button[type=submit]'));
  assert.deepEqual((await texts(page, '#dot-example .num')).slice(0, 2), ['0.4937', '0.8434']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 2: the −1 and 60 buttons type into the query\'s own row and show what the note promises', async () => {
  const { page, problems } = await open('02-simplified-self-attention');
  assert.equal(await page.textContent('#try-negative'), 'Type −1 into “\u2068journey\u2069”, dim 1');
  const q = 1;

  await act(page, () => page.click('#try-negative'));
  let req = await lastRequest(page, 'simplified', (r) => JSON.stringify(r.inputs) !== JSON.stringify(ref.inputs));
  assert.deepEqual(req.inputs[q], [-1, ...ref.inputs[q].slice(1)], 'dim 1 of the query "journey" is −1');
  assert.equal(await page.inputValue('#query'), String(q), 'the query stays "journey"');
  let res = run(req);
  const sum = step(res, 'attn_weights_sum_normalized')[q];
  assert.deepEqual(await texts(page, '#bars-sum .bar-value'), sum.map((x) => fmt(x)));
  const one = ref.tokens.indexOf('one');
  assert.ok(step(res, 'attn_scores')[q][one] < 0 && sum[one] < 0, '"one" gets a negative score and a negative weight');
  assert.match((await texts(page, '#bars-sum .bar-value'))[one], /^−/);

  await act(page, () => page.click('#try-large'));
  req = await lastRequest(page, 'simplified', (r) => r.inputs[q]?.[0] === 60);
  res = run(req);
  const naive = await texts(page, '#bars-naive .bar-value');
  assert.ok(naive.includes('NaN'), `the naive softmax overflows: ${naive}`);
  assert.deepEqual(await texts(page, '#bars-softmax .bar-value'), step(res, 'attn_weights')[q].map((x) => fmt(x)));
  assert.ok(!(await texts(page, '#bars-softmax .bar-value')).includes('NaN'), 'the stable softmax does not');

  await act(page, () => page.click('#try-undo'));
  assert.deepEqual((await lastRequest(page, 'simplified')).inputs, ref.inputs);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 4: the first token\'s context vector is its value vector without dropout, twice it with the book\'s mask', async () => {
  const { page, problems } = await open('04-causal-attention');
  assert.match(await page.textContent('#context'), /Without dropout/);
  let res = run(await lastRequest(page, 'causal', (r) => r.steps));
  assert.deepEqual((await texts(page, '#first-token .num')), [fmt(1), ...res.context_vecs[0].map((x) => fmt(x)), ...step(res, 'values')[0].map((x) => fmt(x))]);

  await act(page, () => page.click('#book-dropout'));
  const req = await lastRequest(page, 'causal', (r) => r.steps);
  assert.equal(req.dropout, 0.5);
  assert.deepEqual(req.dropout_mask, example('dropout_attn_weights_seed123').dropout_keep_mask);
  res = run(req);
  const dropped = step(res, 'attn_weights_dropped');
  const values = step(res, 'values');
  const nums = await texts(page, '#first-token .num');
  assert.equal(nums[0], '2.0000');
  assert.equal(nums[0], fmt(dropped[0][0]));
  assert.deepEqual(nums.slice(1, 3), res.context_vecs[0].map((x) => fmt(x)));
  assert.deepEqual(nums.slice(3, 5), values[0].map((x) => fmt(x)));
  res.context_vecs[0].forEach((z, d) => assert.ok(Math.abs(z - 2 * values[0][d]) < 1e-6, 'context = 2 v1'));
  // "journey": every weight dropped, its context vector zero
  assert.ok(dropped[1].every((x) => x === 0));
  assert.match(await page.textContent('#first-token'), /Every weight of “\u2068journey\u2069” was dropped/);
  assert.deepEqual(nums.slice(5, 7), ['0.0000', '0.0000']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 4 prints the book\'s §3.5.3 output: first row [−0.4519, 0.2216], shape [2, 6, 2]', async () => {
  const { page, problems } = await open('04-causal-attention');
  const text = await page.textContent('#book-causal-print');
  assert.match(text, /^tensor\(\[\[\[-0\.4519, {2}0\.2216\],/);
  assert.match(text, /context_vecs\.shape: torch\.Size\(\[2, 6, 2\]\)$/);
  const book = example('CausalAttention_seed123');
  const req = await lastRequest(page, 'causal', (r) => !r.steps);
  assert.deepEqual(req.weights, book.weights);
  const res = run(req);
  assert.deepEqual(printed(text), [res.context_vecs, res.context_vecs].flat(2).map((x) => Number(x.toFixed(4))));
  printed(text).forEach((x, i) => assert.ok(Math.abs(x - book.full_precision.context.flat(2)[i]) <= 5e-5, `entry ${i}: ${x}`));
  assert.match(await page.textContent('#h-book-causal'), /§3\.5\.3/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 5 prints the book\'s §3.6.1 wrapper output, shape [2, 6, 4]; GPT-2\'s count with and without qkv bias', async () => {
  const { page, problems } = await open('05-multi-head');
  const text = await page.textContent('#book-wrapper-print');
  assert.match(text, /^tensor\(\[\[\[-0\.4519, {2}0\.2216, {2}0\.4772, {2}0\.1063\],/);
  assert.match(text, /context_vecs\.shape: torch\.Size\(\[2, 6, 4\]\)$/);
  const book = example('MultiHeadAttentionWrapper_seed123');
  const req = await lastRequest(page, 'multihead_wrapper');
  assert.deepEqual(req.weights, book.weights);
  const res = run(req);
  assert.deepEqual(printed(text), [res.context_vecs, res.context_vecs].flat(2).map((x) => Number(x.toFixed(4))));
  printed(text).forEach((x, i) => assert.ok(Math.abs(x - book.full_precision.context.flat(2)[i]) <= 5e-5, `entry ${i}: ${x}`));

  // the book's configuration has no qkv bias; OpenAI's GPT-2 has: 2,362,368
  assert.match(await page.textContent('#param-count'), /2,360,064/);
  const withBias = run({ mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12, qkv_bias: true }).parameter_count;
  assert.equal(withBias, 2362368);
  assert.equal(await page.textContent('#param-gpt2-bias'), '2,362,368');
  assert.match(await page.textContent('#param-gpt2'), /book's configuration/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 5 says why its default heads look alike, and the reason holds: every scaled score is near 0', async () => {
  const { page, problems } = await open('05-multi-head');
  assert.match(await page.textContent('#heads-alike'), /not trained/);
  const res = run(await lastRequest(page, 'multihead'));
  const scaled = step(res, 'attn_scores_scaled').flat(2);
  assert.ok(Math.max(...scaled.map(Math.abs)) < 0.35, 'the scaled scores are small');
  // so each visible row is nearly uniform: every weight within 0.05 of 1 / (tokens seen)
  res.attn_weights.forEach((head) => head.forEach((row, i) => row.slice(0, i + 1).forEach((w) => assert.ok(Math.abs(w - 1 / (i + 1)) < 0.05))));
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 1: the word order and the alignment caption say what the page does', async () => {
  const { page, problems } = await open('01-why-attention');
  const order = await page.textContent('#word-order');
  assert.match(order, /finite verb, “?Kannst”?, comes first/);
  assert.match(order, /infinitives to the end/);
  assert.doesNotMatch(await page.textContent('#words'), /German puts the verb at the end/);

  const caption = () => page.textContent('#alignment-caption');
  assert.match(await caption(), /Nothing in this map is learned/);
  assert.match(await caption(), /reaches forward past “mir” to “helfen”/);
  assert.doesNotMatch(await caption(), /reaches back/);
  await act(page, () => page.check('#att-weights input[value=seed]'));
  assert.match(await caption(), /nearly flat/);
  // and they are: with the random weights every alignment weight is within 0.05 of 1/T
  const res = run(await lastRequest(page, 'additive', (r) => r.decoder_state.length > 1));
  const T = res.attn_weights[0].length;
  res.attn_weights.flat().forEach((w) => assert.ok(Math.abs(w - 1 / T) < 0.05, `weight ${w}`));
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 1 measures the bottleneck with the core\'s RNN: the first word fades, a later one does not', async () => {
  const { page, problems } = await open('01-why-attention');
  const reqs = (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'rnn_encoder' && r.compare_inputs);
  const first = reqs.find((r) => JSON.stringify(r.compare_inputs.slice(1)) === JSON.stringify(r.inputs.slice(1)));
  const T = first.inputs.length;
  const later = reqs.find((r) => JSON.stringify(r.compare_inputs[T - 2]) !== JSON.stringify(r.inputs[T - 2]));
  assert.ok(first && later, 'a run with the first word swapped and one with the second-to-last');
  assert.notDeepEqual(first.compare_inputs[0], first.inputs[0]);
  const swapped = run({ mechanism: 'embed', tokens: ['Willst'], d_in: 3, seed: 123 }).embeddings[0];
  assert.deepEqual(first.compare_inputs[0], swapped, 'the swapped word is the core\'s embedding of "Willst"');

  const d = run(first).state_distance, dl = run(later).state_distance;
  assert.deepEqual(await texts(page, '#bottleneck-bars .bar-value'), d.map((x) => fmt(x)));
  const small = (x) => (x !== 0 && Math.abs(x) < 5e-4 ? x.toExponential(1).replace('-', '−') : fmt(x));
  assert.deepEqual(await texts(page, '#bottleneck-summary .num'), [small(d[0]), small(d[T - 1])]);
  assert.deepEqual(await texts(page, '#bottleneck-later .num'), [small(dl[T - 1])]);
  // the claim: the first word's change fades by the end; the later word's reaches the final state
  assert.ok(d[T - 1] < d[0] / 100, `h1 moved ${d[0]}, the final state ${d[T - 1]}`);
  assert.ok(dl[T - 1] > 100 * d[T - 1], `a later word moves the final state ${dl[T - 1]}`);

  // another word to swap, and a long sentence: the final state does not move at all (float32)
  await act(page, () => page.selectOption('#bpos', '3'));
  const third = await lastRequest(page, 'rnn_encoder', (r) => r.compare_inputs && JSON.stringify(r.compare_inputs[3]) !== JSON.stringify(r.inputs[3]));
  assert.deepEqual(third.compare_inputs[3], swapped);
  await act(page, () => page.selectOption('#bpos', '0'));
  await act(page, () => page.click('#long-sentence'));
  const long = await lastRequest(page, 'rnn_encoder', (r) => r.compare_inputs && r.inputs.length > 15 && JSON.stringify(r.compare_inputs[0]) !== JSON.stringify(r.inputs[0]));
  const dLong = run(long).state_distance;
  assert.ok(dLong[dLong.length - 1] < 1e-6, `the long sentence's final state moved ${dLong[dLong.length - 1]}`);
  assert.deepEqual(await texts(page, '#bottleneck-bars .bar-value'), dLong.map((x) => fmt(x)));
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 6 qualifies the slope of 2 and quotes the slopes the page measured', async () => {
  const { page, problems } = await open('06-what-attention-costs', '#tmax=128&d_model=32&num_heads=4');
  const text = () => page.textContent('#fused');
  assert.doesNotMatch(await text(), /both time lines end with a slope near 2/);
  assert.match(await text(), /much larger than/);
  assert.match(await page.textContent('#slope-recap'), /Press Measure/);
  await page.click('#measure');
  await page.waitForFunction(() => document.body.dataset.sweep !== 'running' && document.querySelectorAll('#time-slopes li').length === 2, null, { timeout: 60000 });
  const shown = await page.$$eval('#time-slopes [data-slope]', (nodes) => nodes.map((n) => n.textContent));
  assert.deepEqual(await texts(page, '#slope-recap .num'), shown);
  assert.match(await page.textContent('#slope-recap'), /Measured here, with d_model = 32: fused path \d\.\d\d \(T = \d+ to 128\)/);
  assert.deepEqual(problems, []);
  await page.close();
});
