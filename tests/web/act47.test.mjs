// Lessons 4 to 7: every predict-then-reveal moment takes a wrong guess and a right one, and every
// exercise a wrong answer and a right one, all from the keyboard alone (Tab to a control, type,
// arrows for a choice, Enter on a button). What the page calls the truth is checked against the
// core run in node with the same question, and the lesson's page stays axe-clean after it all.
// Usage: node --test tests/web/act47.test.mjs   (needs the built site, see helpers.mjs)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { closeSuite, fmt, guess, moment, openSuite, retype, root, settled, startAt, tabTo } from './helpers.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const ref = JSON.parse(fs.readFileSync(path.join(root, 'tests/data/book_ch03.json'), 'utf8'));
const example = (name) => ref.examples.find((e) => e.name === name);

let suite;
before(async () => { suite = await openSuite(); });
after(async () => { await closeSuite(suite); });

async function open(name) {
  const page = await suite.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${suite.site.url}lessons/${name}.html`);
  await settled(page);
  // the moments are built once the core answered their first question
  await page.waitForFunction(() => document.querySelectorAll('#predict-first .act, #practice .act').length === 5, null, { timeout: 15000 });
  return { page, errors };
}

/** Types a matrix of numbers into exercise `id` from the keyboard, checks it, and returns the verdict (a state other than the one before). */
async function answer(page, id, cells) {
  await startAt(page, id);
  for (let i = 0; i < cells.length; i++) {
    for (let j = 0; j < cells[i].length; j++) {
      await tabTo(page, `#${id}-c${i}-${j}`);
      await retype(page, cells[i][j]);
    }
  }
  await tabTo(page, `#${id} .act-buttons button.primary`);
  const before = await page.getAttribute(`#${id}`, 'data-state');
  await page.keyboard.press('Enter');
  await page.waitForFunction(([i, b]) => {
    const s = document.getElementById(i).dataset.state;
    return s !== 'busy' && s !== b;
  }, [id, before], { timeout: 15000 });
  // the result takes the focus (Check was disabled while the core worked), so a screen reader reads it
  assert.equal(await page.evaluate(() => document.activeElement.id), `${id}-result`, `${id}: the result did not take the focus`);
  return { state: await page.getAttribute(`#${id}`, 'data-state'), text: await page.$eval(`#${id}-result`, (n) => n.textContent) };
}

/** A wrong answer, then a right one. */
async function exercise(page, id, wrong, right, { wrongSays, rightSays } = {}) {
  const first = await answer(page, id, wrong);
  assert.equal(first.state, 'wrong', `${id}: ${JSON.stringify(wrong)} -> ${first.state}: ${first.text}`);
  assert.match(first.text, /^Not yet\./);
  if (wrongSays) assert.ok(first.text.includes(wrongSays), `${id}: "${first.text}" lacks ${wrongSays}`);
  const second = await answer(page, id, right);
  assert.equal(second.state, 'solved', `${id}: ${JSON.stringify(right)} -> ${second.state}: ${second.text}`);
  if (rightSays) assert.ok(second.text.includes(rightSays), `${id}: "${second.text}" lacks ${rightSays}`);
}

/** Every item answered: the progress line says so, and axe finds nothing wrong with the page. */
async function finish(page, errors, name) {
  assert.match(await page.textContent('#answers'), /5 of 5 done, \d right\. Lesson complete\./);
  const axe = await new AxeBuilder({ page }).withTags(TAGS).include('#predict-first').include('#practice').analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${name}: axe`);
  assert.deepEqual(errors, [], `${name}: page errors`);
  await page.close();
}

test('lesson 4: row sums, a kept weight, a dropped row; a keep mask and an ignored first token', async () => {
  const { page, errors } = await open('04-causal-attention');
  const dropout = example('dropout_attn_weights_seed123');
  const book = { inputs: ref.inputs, weights: example('SelfAttention_v2_seed789').weights };
  const res = suite.run({ mechanism: 'causal', inputs: book.inputs, d_out: 2, weights: book.weights, dropout: dropout.dropout_p, dropout_mask: dropout.dropout_keep_mask });
  // the page's question names the first kept weight below the diagonal: "starts" on "Your"
  assert.match(await page.textContent('#predict-kept .act-question'), new RegExp(`“starts” gives “Your” the weight ${fmt(res.attn_weights[2][0])}`));
  // blurred until answered
  assert.equal(await page.getAttribute('#route-b', 'data-veiled-by'), 'masked-row-sum');
  await moment(page, 'predict-row-sum', 0.5, 1, fmt(1));
  assert.equal(await page.getAttribute('#route-b', 'data-veiled-by'), null);
  await moment(page, 'predict-kept', Number(fmt(res.attn_weights[2][0])), Number(fmt(res.attn_weights_dropped[2][0])), fmt(res.attn_weights_dropped[2][0]));
  // the book's mask drops both weights "journey" may use
  await moment(page, 'predict-journey', 'one', 'zero', fmt(0));
  // the row of "with" under the book's mask sums to less than 1.5; keeping all four doubles it to 2
  const kept = dropout.dropout_keep_mask[3].slice(0, 4);
  await exercise(page, 'exercise-mask', [kept], [[1, 1, 1, 1]], { rightSays: fmt(2) });
  await exercise(page, 'exercise-ignore', [[1, 1, 1]], [[-3, -3, -3]], { wrongSays: 'rows still give “Your” more' });
  // the truth came from the core: the request with values of ones was sent
  const sent = (await page.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t));
  assert.ok(sent.some((r) => r.mechanism === 'causal' && r.qkv_bias && r.weights.b_value?.every((x) => x === 1)), 'no row-sum request reached the core');
  await finish(page, errors, 'lesson 4');
});

test('lesson 5: the output shape, head_dim, GPT-2\'s count; heads that differ and a parameter budget', async () => {
  const { page, errors } = await open('05-multi-head');
  const count = suite.run({ mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12, qkv_bias: false });
  await moment(page, 'predict-shape', '(2, 6, 1)', '(6, 2)', '(6, 2)');
  await moment(page, 'predict-head-dim', 12, count.head_dim, String(count.head_dim));
  await moment(page, 'predict-params', 'm28', 'm2', count.parameter_count.toLocaleString('en-US'));
  // the book's weights: both heads spread the last token's weight thin (under 0.3)
  const mh = example('MultiHeadAttention_seed123').weights;
  const start = mh.W_query.map((q, i) => [...q, ...mh.W_key[i]].map((x) => Number(x.toFixed(2))));
  const sharp = start.map((row) => row.map((x) => Number((10 * x).toFixed(2))));
  await exercise(page, 'exercise-heads', [start[0], start[1], start[2]], sharp, { wrongSays: 'under 0.3' });
  await exercise(page, 'exercise-budget', [[768, 12]], [[384, 8]], { wrongSays: 'too many', rightSays: '1,032,576' });
  // a num_heads that does not divide d_out: the core's own message
  const refused = await answer(page, 'exercise-budget', [[384, 7]]);
  assert.equal(refused.state, 'error');
  assert.match(refused.text, /num_heads \(7\) must divide d_out \(384\)/);
  await finish(page, errors, 'lesson 5');
});

test('a number beyond any double is refused in a guess and in an exercise; a huge one reads as typed', async () => {
  const { page, errors } = await open('05-multi-head');
  await page.fill('#predict-head-dim input.act-number', '1e999');
  await page.click('#predict-head-dim .act-buttons .primary');
  assert.match(await page.textContent('#predict-head-dim-msg'), /"1e999" is too large to be a number here/);
  assert.equal(await page.getAttribute('#predict-head-dim input.act-number', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#predict-head-dim', 'data-state'), 'asking');
  // 1e30 is a number: judged, and shown as typed (not "1e+3")
  const huge = await guess(page, 'predict-head-dim', 1e30);
  assert.equal(huge.correct, 'false');
  assert.equal(await page.$eval('#predict-head-dim .act-compare div:first-child dd', (n) => n.textContent), '1e+30');
  assert.equal(await page.getAttribute('#predict-head-dim input.act-number', 'aria-invalid'), null);
  // an exercise's field: refused before anything is sent (JSON would carry Infinity as null)
  const refused = await answer(page, 'exercise-budget', [['1e999', 8]]);
  assert.equal(refused.state, 'invalid', refused.text);
  assert.match(refused.text, /d_out: "1e999" is too large to be a number here/);
  assert.equal(await page.getAttribute('#exercise-budget-c0-0', 'aria-invalid'), 'true');
  const nulls = (await page.evaluate(() => AttnTest.recentRequests())).filter((r) => r.includes('null'));
  assert.deepEqual(nulls, [], 'the check asked the core anyway, with null for the number');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 6: score bytes when T doubles, with more heads, for GPT-2; a T for a budget, exactly 4 MiB', async () => {
  const { page, errors } = await open('06-what-attention-costs');
  assert.match(await page.textContent('#predict-double .act-question'), /16\.0 MiB \(16,777,216 bytes\)/);
  await moment(page, 'predict-double', 32, 64, '67,108,864 bytes');
  await moment(page, 'predict-heads', 16, 32, '33,554,432 bytes');
  await moment(page, 'predict-gpt2', 'mb5', 'mb50', '50,331,648 bytes');
  await exercise(page, 'exercise-budget', [[512]], [[1100]], { wrongSays: 'take a longer T' });
  await exercise(page, 'exercise-exact', [[4, 256]], [[16, 256]], { wrongSays: 'too little', rightSays: '4,194,304 bytes' });
  const refused = await answer(page, 'exercise-exact', [[5, 256]]);
  assert.equal(refused.state, 'error', refused.text);
  assert.match(refused.text, /num_heads/);
  const fraction = await answer(page, 'exercise-budget', [[1.5]]);
  assert.equal(fraction.state, 'error', fraction.text);
  assert.match(fraction.text, /whole number/);
  await finish(page, errors, 'lesson 6');
});

test('lesson 7: layer norm\'s mean and variance, GELU(−1); a target mean and variance, GELU below −0.15', async () => {
  const { page, errors } = await open('07-transformer-block');
  const once = suite.run({ mechanism: 'layer_norm', inputs: ref.inputs });
  const twice = suite.run({ mechanism: 'layer_norm', inputs: once.outputs });
  await moment(page, 'predict-ln-mean', 0.5, 0, fmt(twice.mean[0]));
  await moment(page, 'predict-ln-var', 2, 1, fmt(twice.var[0]));
  const gelu = suite.run({ mechanism: 'feed_forward', inputs: [[-1]], d_ff: 1, activation: 'gelu', weights: { W1: [[1]], b1: [0], W2: [[1]], b2: [0] } });
  await moment(page, 'predict-gelu', 'zero', 'small', fmt(gelu.outputs[0][0]));
  await exercise(page, 'exercise-ln', [[1, 3]], [[2, 3]], { wrongSays: 'the variance is off' });
  await exercise(page, 'exercise-gelu', [[-3]], [[-0.75]], { wrongSays: 'not below' });
  await finish(page, errors, 'lesson 7');
});

test('in a frame sandboxed without storage, lesson 6 still reveals and checks with the core', async () => {
  const page = await suite.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent(`<iframe sandbox="allow-scripts" title="lesson 6" src="${suite.site.url}lessons/06-what-attention-costs.html?embed=1" style="width:800px;height:900px"></iframe>`);
  const frame = page.frames().find((f) => f.url().includes('06-what-attention-costs'));
  await frame.waitForFunction(() => document.querySelectorAll('.act').length === 5, null, { timeout: 20000 });
  assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame is not sandboxed');
  await frame.fill('#predict-double input.act-number', '64');
  await frame.click('#predict-double .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-double').dataset.state === 'revealed');
  assert.equal(await frame.getAttribute('#predict-double', 'data-correct'), 'true');
  await frame.fill('#exercise-exact-c0-0', '1');
  await frame.fill('#exercise-exact-c0-1', '1024');
  await frame.click('#exercise-exact .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('exercise-exact').dataset.state === 'solved');
  assert.match(await frame.textContent('#answers'), /2 of 5 done, 2 right/);
  assert.deepEqual(errors, []);
  await page.close();
});
