// Learners act (issue 15): on lessons 1-3 every predict-then-reveal moment takes a wrong guess and
// a right one, and every exercise a wrong answer and a right one, judged by the core: the right
// answer each test gives is computed here by the same wasm core in node, never copied from the page.
// One moment and one exercise per lesson are done from the keyboard only; the progress line and
// the stored progress follow; axe finds nothing once every result is shown; a lesson in a sandboxed
// frame (no storage), from disk and as a single-file export still reveals and checks.
// Usage: node --test tests/web/act.test.mjs   (needs the built site and tools/export, see helpers.mjs)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { act, fmt, launch, nodeCore, root, settled, site as siteDir, startSite } from './helpers.mjs';

const book = JSON.parse(fs.readFileSync(path.join(root, 'tests/data/book_ch03.json'), 'utf8'));
const L1 = '01-why-attention', L2 = '02-simplified-self-attention', L3 = '03-trainable-weights';
let site, browser, run;
before(async () => {
  site = await startSite();
  browser = await launch();
  run = await nodeCore();
});
after(async () => {
  await browser?.close();
  site?.server.close();
});

const top = (row) => row.indexOf(Math.max(...row));

/** Opens a lesson with no stored progress; page errors fail the test. */
async function open(lesson, hash = '') {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.url}lessons/${lesson}.html`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${site.url}lessons/${lesson}.html${hash}`);
  await page.reload();
  await settled(page);
  page.errors = errors;
  return page;
}

/** Reveals the moment `id` with the guess already set; resolves to its result's text. */
async function reveal(page, id, expectRight) {
  await page.click(`#${id} .act-buttons .btn.primary`);
  await page.waitForSelector(`#${id}[data-state="revealed"]`);
  assert.equal(await page.getAttribute(`#${id}`, 'data-correct'), String(expectRight), `${id}: judged ${expectRight ? 'wrong' : 'right'}: ${await page.textContent(`#${id} .act-result`)}`);
  return page.textContent(`#${id} .act-result`);
}
const again = (page, id) => page.click(`#${id} .act-buttons button:has-text("Guess again")`);

/** A pick moment: a wrong option, then (after Guess again) the right one. */
async function pickBoth(page, id, right) {
  const values = await page.$$eval(`#${id} input[type=radio]`, (n) => n.map((x) => x.value));
  assert.ok(values.includes(right), `${id}: the right answer ${right} is not among ${values}`);
  await page.check(`#${id} input[value="${right === values[0] ? values[1] : values[0]}"]`);
  const wrong = await reveal(page, id, false);
  assert.match(wrong, /Not quite/);
  await again(page, id);
  await page.check(`#${id} input[value="${right}"]`);
  const text = await reveal(page, id, true);
  assert.match(text, /Right/);
  assert.match(text, /Why: \S/);
  return text;
}

/** Sets a number (as text) in a moment or an exercise field. */
const fill = (page, selector, value) => page.fill(selector, String(value));

/** Checks the exercise `id`; resolves to its message. */
async function check(page, id, expect) {
  await page.click(`#${id} .act-buttons .btn.primary`);
  await page.waitForSelector(`#${id}[data-state="${expect}"]`);
  return page.textContent(`#${id} .act-result`);
}

/** Edits one cell of the page's embedding table (row of `token`, dimension j), as a learner types it. */
async function editEmbedding(page, token, j, value) {
  const i = await page.$$eval('#embedding-table tbody th', (ths, t) => ths.map((x) => x.textContent).indexOf(t), token);
  assert.ok(i >= 0, `no ${token} in the table`);
  const cell = `#embedding-table input[data-row="${i}"][data-dim="${j}"]`;
  await act(page, async () => { await page.fill(cell, String(value)); await page.press(cell, 'Tab'); });
}

async function summary(page) { return page.textContent('#progress'); }

// ---- lesson 2 --------------------------------------------------------------------------------

test('lesson 2: each prediction judges a wrong guess and a right one by the core', async () => {
  const page = await open(L2);
  const res = run({ mechanism: 'simplified', inputs: book.inputs, steps: true });
  assert.equal(await page.getAttribute('#score-bars', 'class'), 'veiled', 'the scores are not hidden before the guess');
  const journey = top(res.attn_weights[1]);
  const text = await pickBoth(page, 'predict-top', String(journey));
  assert.ok(text.includes(fmt(res.attn_weights[1][journey])), text);
  assert.equal(await page.$('#bars-softmax.veiled'), null, 'the weights stay hidden after the reveal');
  const scores = res.steps.find((s) => s.name === 'attn_scores').value[3];
  const withTop = top(scores);
  assert.notEqual(withTop, 3, 'the book\'s “with” does not score itself highest');
  assert.ok((await pickBoth(page, 'predict-with', String(withTop))).includes(fmt(scores[withTop])));
  assert.match(await pickBoth(page, 'predict-shape', '(6, 3)'), /\(6, 3\)/);
  assert.match(await summary(page), /3 of 5 done, 0 right/, 'the first guess (wrong) is what counts');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('lesson 2: the exercises check the learner\'s embeddings with the core, wrong then right', async () => {
  const page = await open(L2);
  let msg = await check(page, 'exercise-one-step', 'wrong');
  const w = run({ mechanism: 'simplified', inputs: book.inputs }).attn_weights[4];
  assert.ok(msg.includes(`“step” gets ${fmt(w[5])}`) && msg.includes(`“\u2068${book.tokens[top(w)]}\u2069” (${fmt(w[top(w)])})`), msg);
  // twice "one"'s embedding for "step": one·step = 2|one|²
  await editEmbedding(page, 'step', 0, 1.54);
  await editEmbedding(page, 'step', 1, 0.5);
  await editEmbedding(page, 'step', 2, 0.2);
  const inputs = book.inputs.map((r) => r.slice());
  inputs[5] = [1.54, 0.5, 0.2];
  const w2 = run({ mechanism: 'simplified', inputs }).attn_weights[4];
  assert.equal(top(w2), 5);
  msg = await check(page, 'exercise-one-step', 'solved');
  assert.ok(msg.includes(fmt(w2[5])), msg);

  msg = await check(page, 'exercise-negative', 'wrong');
  assert.match(msg, /still between 0 and 1/);
  await editEmbedding(page, 'with', 0, -5);
  inputs[3] = [-5, inputs[3][1], inputs[3][2]];
  const sum = run({ mechanism: 'simplified', inputs, steps: true }).steps.find((s) => s.name === 'attn_weights_sum_normalized').value[1];
  msg = await check(page, 'exercise-negative', 'solved');
  assert.ok(msg.includes(fmt(sum[3])), `${msg} (${sum})`);
  assert.match(await summary(page), /2 of 5 done, 2 right/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// ---- lesson 3 --------------------------------------------------------------------------------

const W3 = book.examples.find((e) => e.name === 'SelfAttention_v1_seed123').weights;
const selfAttention = (weights) => run({ mechanism: 'self_attention', inputs: book.inputs, d_out: 2, weights, steps: true });

/** Moves the token at position `from` of an order moment to position `to` with its arrow buttons, from the keyboard. */
async function moveTo(page, id, token, to) {
  for (;;) {
    const items = await page.$$eval(`#${id} .act-order-label`, (n) => n.map((x) => x.textContent));
    const at = items.indexOf(token);
    if (at === to) return;
    const dir = at > to ? 'up' : 'down';
    await page.focus(`#${id} button[aria-label="Move \u2068${token}\u2069 ${dir}"]`);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Move \u2068${token}\u2069 ${dir === 'up' && at - 1 === 0 ? 'down' : dir === 'down' && at + 1 === items.length - 1 ? 'up' : dir}`,
      'the moved token keeps the focus');
  }
}

test('lesson 3: each prediction judges a wrong guess and a right one by the core; the order from the keyboard', async () => {
  const page = await open(L3);
  const res = selfAttention(W3);
  // the shape of Q
  const qShape = res.steps.find((s) => s.name === 'queries').shape;
  assert.match(await pickBoth(page, 'predict-shape', `(${qShape.join(', ')})`), /\(6, 2\)/);
  // the order of journey's weights, moved with the keyboard
  const w = res.attn_weights[1];
  const ranked = w.map((x, j) => j).sort((a, b) => w[b] - w[a]).map((j) => book.tokens[j]);
  await moveTo(page, 'predict-order', ranked[2], 0);  // the third first: wrong
  await page.focus('#predict-order .act-buttons .btn.primary');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#predict-order[data-state="revealed"]');
  assert.equal(await page.getAttribute('#predict-order', 'data-correct'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'predict-order-result', 'the result takes the focus');
  await page.keyboard.press('Tab');  // to Guess again
  await page.keyboard.press('Enter');
  for (let i = 0; i < 3; i++) await moveTo(page, 'predict-order', ranked[i], i);
  const text = await reveal(page, 'predict-order', true);
  assert.ok(text.includes(fmt(w[book.tokens.indexOf(ranked[0])])), text);
  // the largest unscaled weight at d_k = 1024
  const curve = run({ mechanism: 'scaling_demo', d_k_values: [1024], T: 6, trials: 64, seed: 1 }).curve[0];
  const slider = '#predict-dk input[type=range]';
  await page.focus(slider);
  await page.keyboard.press('Home');  // 0: wrong
  await reveal(page, 'predict-dk', false);
  await again(page, 'predict-dk');
  await page.$eval(slider, (s, v) => { s.value = String(v); s.dispatchEvent(new Event('input')); }, Math.round(curve.max_weight * 100) / 100);
  assert.ok((await reveal(page, 'predict-dk', true)).includes(fmt(curve.max_weight)));
  assert.match(await summary(page), /3 of 5 done, 0 right/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('lesson 3: the exercises check the learner\'s weight matrix with the core, wrong then right', async () => {
  const page = await open(L3);
  let msg = await check(page, 'exercise-uniform', 'wrong');
  assert.match(msg, /equal shares would be 0\.1667/);
  // a matrix cell that is not a number is refused before the core is asked
  await fill(page, '#exercise-uniform-c0-0', 'abc');
  msg = await check(page, 'exercise-uniform', 'invalid');
  assert.match(msg, /not a number/);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) await fill(page, `#exercise-uniform-c${i}-${j}`, 0);
  const zero = selfAttention({ ...W3, W_key: [[0, 0], [0, 0], [0, 0]] });
  assert.ok(zero.attn_weights.flat().every((x) => Math.abs(x - 1 / 6) < 1e-6));
  msg = await check(page, 'exercise-uniform', 'solved');
  assert.match(msg, /within 0\.01 of 1\/6/);

  // journey -> one, typed from the keyboard only
  msg = await check(page, 'exercise-query', 'wrong');
  const typed = await page.$$eval('#exercise-query input', (n) => n.map((x) => Number(x.value)));
  const w = selfAttention({ ...W3, W_query: [typed.slice(0, 2), typed.slice(2, 4), typed.slice(4, 6)] }).attn_weights[1];
  assert.ok(msg.includes(`“one” gets ${fmt(w[4])}`), msg);
  const Wq = [[-5, 0], [0, 0], [0, 0]];
  await page.focus('#exercise-query-c0-0');
  for (const row of Wq) for (const x of row) {
    await page.keyboard.press('Control+A');
    await page.keyboard.type(String(x));
    await page.keyboard.press('Tab');
  }
  // past the last cell: the Check button
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Check with the core');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#exercise-query[data-state="solved"]');
  const solved = selfAttention({ ...W3, W_query: Wq }).attn_weights[1];
  assert.equal(top(solved), 4);
  assert.ok((await page.textContent('#exercise-query .act-result')).includes(fmt(solved[4])));
  assert.match(await summary(page), /2 of 5 done, 2 right/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// ---- lesson 1 --------------------------------------------------------------------------------

const GERMAN = 'Kannst du mir helfen diesen Satz zu übersetzen';
const SOURCES = [0, 1, 3, 2, 6, 7, 4, 5];  // the German word each English word of the page translates
const hand = (k) => ({ W_decoder: [[k, 0, -k, 0], [0, k, 0, -k]], W_encoder: [[-k, 0, k, 0], [0, -k, 0, k]], b_attn: [1, 1, 1, 1], v: [3, 3, 3, 3] });
function german() {
  const e = run({ mechanism: 'embed', text: GERMAN, d_in: 3, seed: 123 });
  const rnn = run({ mechanism: 'rnn_encoder', inputs: e.embeddings, d_out: 2, seed: 7 });
  const additive = (decoder_state, k) => run({ mechanism: 'additive', inputs: rnn.hidden_states, d_out: 4, seed: 7, decoder_state, ...(k ? { weights: hand(k) } : {}) });
  return { h: rnn.hidden_states, final: rnn.final_state, additive };
}

test('lesson 1: each prediction judges a wrong guess and a right one by the core', async () => {
  const page = await open(L1);
  const g = german();
  assert.match(await pickBoth(page, 'predict-bottleneck', String(g.final.length)), /2: the final hidden state/);
  // the weight on helfen writing "help", at focus 6
  const w = g.additive([g.h[3]], 6).attn_weights[0][3];
  const slider = '#predict-help input[type=range]';
  await page.focus(slider);
  await page.keyboard.press(w > 0.5 ? 'Home' : 'End');
  await reveal(page, 'predict-help', false);
  await again(page, 'predict-help');
  await page.$eval(slider, (s, v) => { s.value = String(v); s.dispatchEvent(new Event('input')); }, Math.round(w * 100) / 100);
  assert.ok((await reveal(page, 'predict-help', true)).includes(fmt(w)));
  // random weights: every weight of the alignment near 1/8
  const random = g.additive(SOURCES.map((j) => g.h[j])).attn_weights;
  assert.ok(random.flat().every((x) => x < 0.25), 'the seeded weights are not nearly even');
  assert.match(await pickBoth(page, 'predict-random', 'even'), /Almost even/);
  assert.match(await summary(page), /3 of 5 done, 0 right/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('lesson 1: the exercises check the learner\'s decoder state and focus with the core, from the keyboard', async () => {
  const page = await open(L1);
  const g = german();
  // s = (0, 0): wrong
  let msg = await check(page, 'exercise-satz', 'wrong');
  const w0 = g.additive([[0, 0]], 6).attn_weights[0];
  assert.ok(msg.includes(`“Satz” gets ${fmt(w0[5])}`) || msg.includes(`only ${fmt(w0[5])}`), msg);
  // s on Satz's encoder state, typed from the keyboard (the field holds 4 decimals)
  const s = g.h[5].map((x) => Number(x.toFixed(4)));
  await page.focus('#exercise-satz-c0-0');
  for (const x of s) { await page.keyboard.press('Control+A'); await page.keyboard.type(String(x)); await page.keyboard.press('Tab'); }
  await page.keyboard.press('Enter');
  await page.waitForSelector('#exercise-satz[data-state="solved"]');
  const w1 = g.additive([s], 6).attn_weights[0];
  assert.equal(top(w1), 5);
  assert.ok((await page.textContent('#exercise-satz .act-result')).includes(fmt(w1[5])));

  // the smallest focus: found here by asking the node core at each k
  const at = (k) => g.additive([g.h[3]], k).attn_weights[0][3];
  const ks = Array.from({ length: 12 }, (_, i) => i + 1);
  const best = ks.find((k) => at(k) > 0.5);
  assert.ok(best > 1, 'the answer is not the first focus');
  await fill(page, '#exercise-focus-c0-0', best - 1);
  assert.ok((await check(page, 'exercise-focus', 'wrong')).includes(`gets ${fmt(at(best - 1))}: not more than half yet`));
  await fill(page, '#exercise-focus-c0-0', best + 2);
  assert.match(await check(page, 'exercise-focus', 'wrong'), /a smaller focus does it too/);
  await fill(page, '#exercise-focus-c0-0', 2.5);
  assert.match(await check(page, 'exercise-focus', 'error'), /whole number/);
  await fill(page, '#exercise-focus-c0-0', best);
  assert.ok((await check(page, 'exercise-focus', 'solved')).includes(fmt(at(best))));
  assert.match(await summary(page), /2 of 5 done, 2 right/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// ---- across the lessons ------------------------------------------------------------------------

test('a skip shows the truth and lifts the veil; progress is stored, survives a reload and completes', async () => {
  const page = await open(L2);
  assert.ok(await page.$('#bars-softmax.veiled'));
  await page.click('#predict-top .act-buttons button:has-text("Skip")');
  await page.waitForSelector('#predict-top[data-state="skipped"]');
  assert.match(await page.textContent('#predict-top .act-result'), /Skipped\.[\s\S]*The core/);
  assert.equal(await page.$('#bars-softmax.veiled'), null);
  assert.ok(await page.$('#score-bars.veiled'), 'a result two moments guard shows after only one');
  assert.match(await summary(page), /1 of 5 done, 0 right, 1 skipped/);
  // a skip after nothing else: an exercise's way comes from the page
  await page.click('#exercise-negative .act-buttons button:has-text("Skip")');
  await page.waitForSelector('#exercise-negative[data-state="skipped"]');
  const edited = book.inputs.map((r, i) => (i === 5 ? [-5, r[1], r[2]] : r));
  const e = run({ mechanism: 'simplified', inputs: edited, steps: true });
  const way = await page.textContent('#exercise-negative .act-result');
  assert.ok(way.includes(`One way: Set dim 1 of “step” to −5: journey·step becomes ${fmt(e.steps.find((x) => x.name === 'attn_scores').value[1][5])}`), way);
  assert.ok(way.includes(fmt(e.steps.find((x) => x.name === 'attn_weights_sum_normalized').value[1][5])), way);
  await page.reload();
  await settled(page);
  assert.match(await summary(page), /2 of 5 done, 0 right, 2 skipped/, 'the progress did not survive the reload');
  assert.equal(await page.$('#bars-softmax.veiled'), null, 'a moment answered before veils its result again');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('attention-lab.progress.v1')));
  assert.deepEqual(stored[L2]['journey-top'], { kind: 'prediction', correct: false, skipped: true });
  // a reveal with no guess says so, and asks nothing
  await page.click('#predict-with .act-buttons .btn.primary');
  assert.match(await page.textContent('#predict-with-msg'), /Pick one of the options first/);
  assert.equal(await page.getAttribute('#predict-with', 'data-state'), 'asking');
  // the rest answered: complete
  for (const id of ['predict-with', 'predict-shape']) {
    await page.check(`#${id} input[type=radio] >> nth=0`);
    await page.click(`#${id} .act-buttons .btn.primary`);
    await page.waitForSelector(`#${id}[data-state="revealed"]`);
  }
  await check(page, 'exercise-one-step', 'wrong');
  await editEmbedding(page, 'with', 0, -5);
  await check(page, 'exercise-negative', 'solved');
  // solved after its way was shown: still skipped (see the next test)
  assert.match(await summary(page), /5 of 5 done, \d right, 2 skipped\. Lesson complete\./);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a guess or a check after a skip is practice: judged, but the skip stays the record', async () => {
  const page = await open(L2);
  await page.click('#predict-top .act-buttons button:has-text("Skip")');
  await page.waitForSelector('#predict-top[data-state="skipped"]');
  // the truth was shown; the learner guesses it
  await again(page, 'predict-top');
  const journey = top(run({ mechanism: 'simplified', inputs: book.inputs }).attn_weights[1]);
  await page.check(`#predict-top input[value="${journey}"]`);
  const text = await reveal(page, 'predict-top', true);
  assert.match(text, /Right\. For practice: you saw the answer first/);
  assert.match(await summary(page), /1 of 5 done, 0 right, 1 skipped\./);
  // the same for an exercise: its way shown, then done as shown
  await page.click('#exercise-negative .act-buttons button:has-text("Skip")');
  await page.waitForSelector('#exercise-negative[data-state="skipped"]');
  await editEmbedding(page, 'step', 0, -5);
  assert.match(await check(page, 'exercise-negative', 'solved'), /For practice: you saw a way first/);
  assert.match(await summary(page), /2 of 5 done, 0 right, 2 skipped\./);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('attention-lab.progress.v1')));
  assert.deepEqual(stored[L2]['journey-top'], { kind: 'prediction', correct: false, skipped: true });
  assert.deepEqual(stored[L2]['sum-breaks'], { kind: 'exercise', correct: false, skipped: true });
  // and after a reload too
  await page.reload();
  await settled(page);
  assert.match(await summary(page), /2 of 5 done, 0 right, 2 skipped\./);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a truth or a check that throws shows its error and leaves Reveal and Check usable; a check\'s result takes the focus', async () => {
  const page = await open(L2);
  // the next Math.max throws once: the first one a truth's reader calls, the core's answer in hand
  const breakOnce = () => page.evaluate(() => {
    const max = Math.max;
    Math.max = () => { Math.max = max; throw new Error('the reader broke'); };
  });
  await page.check('#predict-top input[type=radio] >> nth=0');
  await breakOnce();
  await page.click('#predict-top .act-buttons .btn.primary');
  await page.waitForFunction(() => !document.getElementById('predict-top-msg').hidden);
  assert.match(await page.textContent('#predict-top-msg'), /the reader broke/);
  assert.equal(await page.getAttribute('#predict-top', 'data-state'), 'asking');
  assert.deepEqual(await page.$$eval('#predict-top .act-buttons button:not([hidden])', (b) => b.map((x) => x.disabled)), [false, false]);
  await reveal(page, 'predict-top', false);  // asked again, it answers

  await page.focus('#exercise-one-step .act-buttons .btn.primary');
  await breakOnce();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#exercise-one-step[data-state="error"]');
  assert.match(await page.textContent('#exercise-one-step .act-result'), /the reader broke/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'exercise-one-step-result', 'the error did not take the focus');
  assert.equal(await page.$eval('#exercise-one-step .act-buttons .btn.primary', (b) => b.disabled), false);
  await page.focus('#exercise-one-step .act-buttons .btn.primary');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#exercise-one-step[data-state="wrong"]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'exercise-one-step-result', 'the verdict did not take the focus');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a way shown asks the core: lesson 1\'s smallest focus passes on why it cannot answer, lesson 2 prints the core\'s numbers', async () => {
  const page = await open(L1);
  // the options of the bottleneck are words: no count multiplied in the page
  assert.deepEqual(await page.$$eval('#predict-bottleneck label', (n) => n.map((x) => x.textContent).filter((t) => /\d/.test(t))), ['2']);
  // a sentence without "helfen": every focus is refused, and the skip says why
  await act(page, async () => { await page.fill('#sentence', 'the cat sat'); await page.press('#sentence', 'Enter'); });
  await page.click('#exercise-focus .act-buttons button:has-text("Skip")');
  await page.waitForSelector('#exercise-focus[data-state="skipped"]');
  const way = await page.textContent('#exercise-focus .act-result');
  assert.match(way, /no “helfen”: press “German example”/);
  assert.doesNotMatch(way, /no focus up to 12/);
  assert.deepEqual(page.errors, []);
  await page.close();

  // lesson 2: "step" as twice "one", its numbers as the core read them back (its inputs step)
  const p2 = await open(L2);
  await p2.click('#exercise-one-step .act-buttons button:has-text("Skip")');
  await p2.waitForSelector('#exercise-one-step[data-state="skipped"]');
  const text = await p2.textContent('#exercise-one-step .act-result');
  const sent = (await p2.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'simplified').pop();
  const two = run(sent);
  const step = two.steps.find((x) => x.name === 'inputs').value[5];
  assert.deepEqual(sent.inputs[5], book.inputs[4].map((x) => 2 * x), 'the request is not "step" as twice "one"');
  assert.ok(text.includes(`twice the embedding of “one”: ${step.map((x) => fmt(x, 2)).join(', ')}.`), text);
  assert.ok(text.includes(`= ${fmt(two.steps.find((x) => x.name === 'attn_scores').value[4][5])}`), text);
  assert.deepEqual(p2.errors, []);
  await p2.close();
});

test('a question about the book\'s tokens, on another sentence, says so instead of answering', async () => {
  const page = await open(L2);
  await act(page, async () => { await page.fill('#sentence', 'the cat sat'); await page.press('#sentence', 'Enter'); });
  assert.deepEqual(await page.$$eval('#predict-top label', (n) => n.map((x) => x.textContent)), ['the', 'cat', 'sat'], 'the options follow the sentence');
  await page.check('#predict-top input[type=radio] >> nth=0');
  await page.click('#predict-top .act-buttons .btn.primary');
  await page.waitForFunction(() => !document.getElementById('predict-top-msg').hidden);
  assert.match(await page.textContent('#predict-top-msg'), /no “journey”: press “Book example”/);
  assert.equal(await page.getAttribute('#predict-top', 'data-state'), 'asking');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('in a sandboxed frame (no storage), from disk and exported as one file, a lesson still reveals and checks', async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent(`<iframe sandbox="allow-scripts" title="lesson 2" src="${site.url}lessons/${L2}.html?embed=1" style="width:900px;height:2000px"></iframe>`);
  const frame = page.frames().find((f) => f.url().includes(L2));
  await settled(frame);
  assert.equal(await frame.evaluate(() => { try { return typeof localStorage.length; } catch { return 'refused'; } }), 'refused', 'the frame has storage');
  const w = run({ mechanism: 'simplified', inputs: book.inputs }).attn_weights[1];
  await frame.check(`#predict-top input[value="${top(w)}"]`);
  await frame.click('#predict-top .act-buttons .btn.primary');
  await frame.waitForSelector('#predict-top[data-state="revealed"]');
  assert.equal(await frame.getAttribute('#predict-top', 'data-correct'), 'true');
  await frame.click('#exercise-one-step .act-buttons .btn.primary');
  await frame.waitForSelector('#exercise-one-step[data-state="wrong"]');
  assert.match(await frame.textContent('#progress'), /2 of 5 done, 1 right/);
  assert.deepEqual(errors, []);
  await page.close();

  const disk = await browser.context.newPage();
  disk.on('pageerror', (e) => errors.push(e.message));
  await disk.goto(pathToFileURL(path.join(siteDir, `lessons/${L3}.html`)).href);
  await settled(disk);
  await disk.click('#predict-dk .act-buttons button:has-text("Skip")');
  await disk.waitForSelector('#predict-dk[data-state="skipped"]');
  const curve = run({ mechanism: 'scaling_demo', d_k_values: [1024], T: 6, trials: 64, seed: 1 }).curve[0];
  assert.ok((await disk.textContent('#predict-dk .act-result')).includes(fmt(curve.max_weight)));
  await disk.close();

  // the single-file export (tools/export) of lesson 2
  const exported = path.resolve(root, process.env.ATTN_EXPORT || 'build/export', `${L2}.html`);
  assert.ok(fs.existsSync(exported), `${exported} is missing: run node tools/export.mjs`);
  const one = await browser.context.newPage();
  one.on('pageerror', (e) => errors.push(e.message));
  await one.goto(pathToFileURL(exported).href);
  await settled(one);
  await one.check(`#predict-top input[value="${top(w)}"]`);
  await one.click('#predict-top .act-buttons .btn.primary');
  await one.waitForSelector('#predict-top[data-state="revealed"]');
  assert.equal(await one.getAttribute('#predict-top', 'data-correct'), 'true');
  assert.deepEqual(errors, []);
  await one.close();
});

test('axe finds no WCAG 2.2 AA violation in the moments and exercises of lessons 1-3, asked and answered', async () => {
  // Only the moments, the exercises and the progress line: the rest of each page is a11y.test.mjs's,
  // and axe over a whole lesson takes a minute on a busy machine.
  const axe = (page) => new AxeBuilder({ page }).include('.act').include('#progress')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze()
    .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`));
  for (const lesson of [L1, L2, L3]) {
    for (const scheme of ['light', 'dark']) {
      const page = await open(lesson);
      await page.emulateMedia({ colorScheme: scheme });
      assert.deepEqual(await axe(page), [], `${lesson} ${scheme}, asked`);
      for (const id of await page.$$eval('.act-predict', (n) => n.map((x) => x.id))) {
        const radio = await page.$(`#${id} input[type=radio]`);
        if (radio) await radio.check();
        await page.click(`#${id} .act-buttons .btn.primary`);
        await page.waitForSelector(`#${id}[data-state="revealed"]`);
      }
      for (const id of await page.$$eval('.act-exercise', (n) => n.map((x) => x.id))) {
        await page.click(`#${id} .act-buttons .btn.primary`);
        await page.waitForSelector(`#${id}[data-state="wrong"], #${id}[data-state="solved"]`);
        await page.click(`#${id} summary`);
      }
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.deepEqual(await axe(page), [], `${lesson} ${scheme}, answered`);
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  }
});
