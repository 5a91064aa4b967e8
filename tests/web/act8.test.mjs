// Lesson 8: its predict-then-reveal moments (the first step's loss, the head that finds the pattern,
// the accuracy lost without it) each take a wrong guess and a right one, and its exercises (copy to
// its target within 40 steps, switching heads off) a wrong answer and a right one, all from the
// keyboard alone. The first loss is checked against the core run in node with the same request; the
// rest are the trained session's own evaluations. Training is bounded by the lesson's step budget;
// the timeouts are generous, since a loaded machine trains slowly.
// Usage: node --test tests/web/act8.test.mjs   (needs the built site, see helpers.mjs)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { closeSuite, fmt, guess, moment, openSuite, startAt, tabTo } from './helpers.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LESSON = 'lessons/08-watch-attention-learn.html';

let suite;
before(async () => { suite = await openSuite(); });
after(async () => { await closeSuite(suite); });

async function open(hash) {
  const page = await suite.browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${suite.site.url}${LESSON}${hash}`);
  await page.waitForFunction(() => document.querySelectorAll('#predict-first .act, #practice .act').length === 5, null, { timeout: 30000 });
  // the model is built (step 0 drawn)
  await page.waitForFunction(() => ['paused', 'running', 'trained'].includes(document.body.dataset.train), null, { timeout: 60000 });
  return { page, errors };
}

const waitPhase = (page, wanted, timeout = 180000) => page.waitForFunction((w) => document.body.dataset.train === w, wanted, { timeout });

/** Presses the exercise's Check from the keyboard; resolves to its new state and text. */
async function check(page, id) {
  await startAt(page, id);
  await tabTo(page, `#${id} .act-buttons button.primary`);
  const before = await page.getAttribute(`#${id}`, 'data-state');
  await page.evaluate((i) => { document.getElementById(i).dataset.state = 'checking'; }, id);
  await page.keyboard.press('Enter');
  await page.waitForFunction((i) => !['busy', 'checking'].includes(document.getElementById(i).dataset.state), id, { timeout: 60000 });
  void before;
  return { state: await page.getAttribute(`#${id}`, 'data-state'), text: await page.$eval(`#${id}-result`, (n) => n.textContent) };
}

test('lesson 8: the first loss from the core; copy within 40 steps, wrong at lr 0.003 and right at 0.01', { timeout: 300000 }, async () => {
  const { page, errors } = await open('#task=copy&auto=0');
  const core = suite.run({ mechanism: 'train', task: 'copy', n_layers: 2, n_heads: 2, emb_dim: 32, lr: 0.003, seed: 1, eval_sequences: 128, steps: 1, evaluate: false });
  assert.equal(await page.getAttribute('#loss-chart', 'data-veiled-by'), 'untrained-loss');
  // 0.5 is far from ln 9; the core's own first loss is right
  await moment(page, 'predict-loss', 0.5, Number(core.losses[0].toFixed(2)), fmt(core.losses[0]));
  assert.equal(await page.getAttribute('#loss-chart', 'data-veiled-by'), null);

  const wrong = await check(page, 'exercise-fast');
  assert.equal(wrong.state, 'wrong', wrong.text);
  assert.match(wrong.text, /^Not yet\..*target is 95\.0%/);
  // the learning rate from the keyboard: 0.003 -> 0.01
  await page.focus('#lr');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => /lr=0\.01/.test(location.hash));
  const right = await check(page, 'exercise-fast');
  assert.equal(right.state, 'solved', right.text);
  assert.match(right.text, /learning rate 0\.01/);
  // the core's own 40 steps agree with the page's verdict
  const fast = suite.run({ mechanism: 'train', task: 'copy', n_layers: 2, n_heads: 2, emb_dim: 32, lr: 0.01, seed: 1, eval_sequences: 128, steps: 40 });
  assert.ok(fast.evaluation.token_accuracy >= fast.model.target_accuracy);
  assert.ok(right.text.includes(`${(100 * fast.evaluation.token_accuracy).toFixed(1)}%`), right.text);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 8: induction trained, the head that finds it, the accuracy lost without it; heads switched off', { timeout: 400000 }, async () => {
  const { page, errors } = await open('#auto=0');
  // before training, a question about the trained model is refused with a reason
  const early = await guess(page, 'predict-head', '0-0');
  assert.match(early.refused || '', /not reached its target/);
  await startAt(page, 'train');
  await tabTo(page, '#train');
  await page.keyboard.press('Enter');
  await waitPhase(page, 'trained');
  const layer = Number(await page.getAttribute('#solution-head', 'data-layer'));
  const head = Number(await page.getAttribute('#solution-head', 'data-head'));
  const found = `${layer}-${head}`;
  const other = (await page.$$eval('#predict-head input[type=radio]', (rs) => rs.map((r) => r.value))).find((v) => v !== found);
  await moment(page, 'predict-head', other, found, `layer ${layer + 1}, head ${head + 1}`);
  // the fall can never be −100 points; the right guess is the core's own number
  const said = await moment(page, 'predict-ablation', -100, (core) => Number(core.match(/^(-?[\d.]+) points/)[1]));
  console.log(`# induction trained: layer ${layer + 1}, head ${head + 1} found it; switched off: ${said}`);

  const none = await check(page, 'exercise-ablate');
  assert.equal(none.state, 'wrong', none.text);
  assert.match(none.text, /Every head is still on/);
  // the found head alone, then every head of its layer, switched off from the keyboard
  const heads = await page.$$eval('#head-switches input', (bs) => bs.map((b) => b.id));
  const layerHeads = heads.filter((id) => id.startsWith(`head-${layer + 1}-`));
  assert.ok(layerHeads.length < heads.length, 'a head stays on');
  const switchOff = async (id) => {
    const before = await page.getAttribute('#ablate-result', 'data-accuracy');
    await startAt(page, 'head-switches');
    await tabTo(page, `#${id}`);
    await page.keyboard.press('Space');
    await page.waitForFunction((b) => {
      const r = document.getElementById('ablate-result');
      return /off/.test(r.textContent) && r.dataset.accuracy !== b;
    }, before, { timeout: 60000 });
    return Number(await page.getAttribute('#ablate-result', 'data-accuracy'));
  };
  const alone = await switchOff(`head-${layer + 1}-${head + 1}`);
  const one = await check(page, 'exercise-ablate');
  let accuracy = alone;
  if (alone >= 0.5) {
    assert.equal(one.state, 'wrong', one.text);
    assert.match(one.text, /still gets/);
    for (const id of layerHeads.filter((id) => id !== `head-${layer + 1}-${head + 1}`)) accuracy = await switchOff(id);
  }
  console.log(`# accuracy with layer ${layer + 1}, head ${head + 1} off: ${alone}; with all of layer ${layer + 1} off: ${accuracy}`);
  const done = await check(page, 'exercise-ablate');
  assert.equal(done.state, 'solved', done.text);
  assert.ok(accuracy < 0.5, `accuracy ${accuracy}`);

  assert.match(await page.textContent('#answers'), /5 of 5 done, \d right\. Lesson complete\./);
  const axe = await new AxeBuilder({ page }).withTags(TAGS).include('#predict-first').include('#practice').analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], 'axe');
  assert.deepEqual(errors, []);
  await page.close();
});
