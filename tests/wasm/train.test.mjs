// Training in the wasm module (docs/api.md, "Training (lesson 8)"): the Trainer class refuses every bad
// argument by name and keeps working; the same seed gives the same first 100 losses natively, through
// run() with mechanism "train" and through the Trainer class; weights saved and loaded give the same
// evaluation; switching a head off changes it, and switching it back on restores it.
//
// Why native and wasm could differ at all: the native program is g++ with glibc's libm on x86-64 SSE,
// the module em++ with musl's libm on wasm SIMD128. expf, tanhf and logf (softmax, GELU, the
// cross-entropy) may round differently in the last place in the two libraries; a kernel whose SIMD
// path sums in another order (4 lanes against 8, another blocking) rounds differently; and a compiler
// that contracts a·b + c into one fused multiply-add rounds once instead of twice. One ulp in one
// step moves every later step a little, so the bound is relative, 1e-5 over 100 steps, and the test
// reports the largest difference it saw. The core avoids all three on purpose (portable_normal for
// the initial weights, exp and tanh of its own in the kernels, no -ffast-math, no FMA contraction
// for x86 or wasm), so the difference measured is 0 today: the bound is what a change elsewhere
// may spend without this test failing.
// Usage: node --test tests/wasm/   (needs build/wasm/dist and a native build of tools/attention)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');
const loadCore = () => require(path.join(dist, 'attention_core.single.js'))();
const nativeProgram = ['native-release', 'native-debug']
  .map((preset) => path.join(root, 'build', preset, 'tools', 'attention'))
  .find(existsSync);

function native(request) {
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' };
  try {
    return JSON.parse(execFileSync(nativeProgram, { input: request, encoding: 'utf8', env, maxBuffer: 1 << 26 }));
  } catch (e) {
    if (e.status === 1) return JSON.parse(e.stdout);  // an error response
    throw e;
  }
}

const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));

/** A small model on copy: 2 layers, 2 heads, width 16, 8 sequences a step. */
const small = { task: 'copy', emb_dim: 16, n_heads: 2, n_layers: 2, batch: 8, eval_sequences: 32, seed: 5 };

test('Trainer: sizes that are not whole numbers in range are refused by name, before any wraps', async () => {
  const core = await loadCore();
  const trainer = new core.Trainer(JSON.stringify(small));
  const info = JSON.parse(trainer.info());
  const probe = JSON.parse(trainer.evaluate()).probe.inputs;
  const before = trainer.predict(probe);
  for (const [n, said] of [[2 ** 32 + 1, 'n \\(4294967297\\) must be from 1 to 10000'], [-1, 'n \\(-1\\) must be from 1'],
    [0, 'n \\(0\\) must be from 1'], [10001, 'n \\(10001\\) must be from 1'], [1.5, 'n \\(1.5\\) must be a whole number'],
    [NaN, 'n \\(NaN\\) must be a whole number'], [Infinity, 'n \\(Infinity\\) must be a whole number'],
    ['5', 'n must be a whole number, not a string'], [undefined, 'n must be a whole number, not undefined']]) {
    throwsWith(() => trainer.step(n), new RegExp(`^Trainer: step: ${said}`));
  }
  for (const [layer, head, said] of [[2 ** 32 + 1, 0, 'layer \\(4294967297\\) must be from 0 to n_layers - 1 = 1'],
    [-1, 0, 'layer \\(-1\\) must be from 0'], [2, 0, 'layer \\(2\\) must be from 0'], [0, 2 ** 32, 'head \\(4294967296\\) must be from 0 to n_heads - 1 = 1'],
    [0, 1.5, 'head \\(1.5\\) must be a whole number'], [NaN, 0, 'layer \\(NaN\\) must be a whole number'],
    ['0', 0, 'layer must be a whole number, not a string']]) {
    throwsWith(() => trainer.ablate(layer, head, true), new RegExp(`^Trainer: ablate: ${said}`));
  }
  throwsWith(() => trainer.ablate(0, 0, 1), /^Trainer: ablate: ablated must be true .* or false/);
  // tokens: whole numbers below vocab_size, 1 to context_length of them
  const V = info.vocab.length;
  for (const [tokens, said] of [[[0, V], `tokens\\[1\\] \\(${V}\\) is not a token id: 0 to vocab_size - 1 = ${V - 1}`],
    [[2 ** 32 + 1], 'tokens\\[0\\] \\(4294967297\\) is not a token id'], [[-1], 'tokens\\[0\\] \\(-1\\) is not a token id'],
    [[0, 1.5], 'tokens\\[1\\] \\(1.5\\) must be a whole number'], [[NaN], 'tokens\\[0\\] \\(NaN\\) must be a whole number'],
    [['a'], 'tokens\\[0\\] must be a whole number, not a string'], [[], 'tokens has 0 ids; give 1 to context_length = 12'],
    [new Array(13).fill(0), 'tokens has 13 ids; give 1 to context_length = 12'], ['abc', 'tokens must be an Array or Int32Array'],
    [undefined, 'tokens must be an Array or Int32Array'], [Int32Array.of(0, 99), 'tokens\\[1\\] \\(99\\) is not a token id']]) {
    throwsWith(() => trainer.predict(tokens), new RegExp(`^Trainer: predict: ${said}`));
  }
  // weights: parameter_count finite numbers
  const weights = trainer.weights();
  assert.equal(weights.length, info.parameter_count);
  throwsWith(() => trainer.load(weights.subarray(1)), new RegExp(`^Trainer: load: weights has ${weights.length - 1} entries, parameter_count = ${weights.length} expected`));
  throwsWith(() => trainer.load('weights'), /^Trainer: load: weights has 7 entries/);
  throwsWith(() => trainer.load(undefined), /^Trainer: load: weights must be a Float32Array/);
  const view = info.layout.find((v) => v.name === 'trf_blocks.0.att.W_query.weight');
  for (const [value, said] of [[NaN, 'NaN'], [Infinity, 'infinite'], [-Infinity, 'infinite']]) {
    const bad = weights.slice();
    bad[view.offset + view.cols + 1] = value;
    throwsWith(() => trainer.load(bad), new RegExp(`^Trainer: load: weights\\[${view.offset + view.cols + 1}\\] \\(trf_blocks\\.0\\.att\\.W_query\\.weight\\[1, 1\\]\\) is ${said}`));
  }
  const asArray = Array.from(weights);
  asArray[3] = 'x';  // not a number: read as NaN, refused as NaN
  throwsWith(() => trainer.load(asArray), /^Trainer: load: weights\[3\] \(tok_emb\.weight\[0, 3\]\) is NaN/);
  // the refused loads changed nothing; the Trainer and the module keep working
  assert.deepEqual(trainer.weights(), weights);
  assert.equal(trainer.predict(probe), before);
  assert.equal(trainer.step(2).length, 2);
  assert.equal(trainer.steps_taken(), 2);
  trainer.delete();
});

test('Trainer: a bad config is a JS Error naming the field, and the module keeps working', async () => {
  const core = await loadCore();
  for (const [config, said] of [
    [{ ...small, n_heads: 3 }, 'n_heads \\(3\\) must divide emb_dim \\(16\\)'],
    [{ ...small, n_heads: 2 ** 32 + 1 }, 'n_heads is 4294967297; the limit is 64'],
    [{ ...small, batch: -1 }, 'batch is -1; it must be at least 1'],
    [{ ...small, emb_dim: 1.5 }, 'emb_dim must be a whole number'],
    [{ ...small, lr: NaN }, 'lr is null: NaN and Infinity cannot be sent'],  // JSON.stringify writes NaN as null
    [{ ...small, lr: 0 }, 'lr is 0; it must be above 0'],
    [{ ...small, task: 'juggle' }, 'task is "juggle"; choose one of "copy"'],
    [{ emb_dim: 16 }, 'the field "task" is required'],
    [{ ...small, context_length: 5 }, 'context_length is 5; the copy task'],
    [{ ...small, emb_dim: 1024, n_layers: 16 }, 'this model would have \\d+ parameters; the limit is 4194304'],
    [{ ...small, mechanism: 'gpt' }, 'mechanism is "gpt"'],
    [{ ...small, weights: [1, 2] }, 'weights has 2 numbers; this model has parameter_count'],
    [{ ...small, speed: 3 }, 'unknown field "speed"'],
  ]) {
    throwsWith(() => new core.Trainer(JSON.stringify(config)), new RegExp(`^Trainer: ${said}`));
  }
  throwsWith(() => new core.Trainer('{"task":'), /^Trainer: the request is not valid JSON/);
  throwsWith(() => new core.Trainer(42), /^Trainer: the config must be JSON text/);
  throwsWith(() => new core.Trainer(null), /^Trainer: the config must be JSON text/);
  // an object is taken as its JSON text
  const trainer = new core.Trainer(small);
  assert.equal(JSON.parse(trainer.info()).config.emb_dim, 16);
  // the field of a bad config: run() with steps 0 and no evaluation
  const error = JSON.parse(core.run(JSON.stringify({ mechanism: 'train', ...small, n_heads: 3, steps: 0, evaluate: false }))).error;
  assert.equal(error.field, '/n_heads');
  // many refusals do not exhaust the wasm stack (fast_attention.post.js restores it)
  for (let i = 0; i < 2000; i++) assert.throws(() => trainer.step(0));
  assert.equal(trainer.step(1).length, 1);
  trainer.delete();
});

/** The largest |a − b| / max(|a|, |b|) over two equally long lists of losses. */
function largestRelative(a, b) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
    worst = Math.max(worst, scale === 0 ? 0 : Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}

const reproducible = [
  { task: 'copy', emb_dim: 32, n_heads: 2, n_layers: 2, batch: 8, seed: 11 },
  { task: 'induction', emb_dim: 16, n_heads: 4, n_layers: 2, batch: 16, seed: 3, lr: 0.01, activation: 'relu', positional: 'sinusoidal', qkv_bias: true },
  { task: 'agreement', emb_dim: 24, n_heads: 3, n_layers: 1, batch: 16, seed: 1, lr: 0.01, warmup: 5, clip: 0.5 },
];

test('the same seed gives the same first 100 losses natively, through run() and through the Trainer class (1e-5)',
  { skip: !nativeProgram && 'no native build' }, async (t) => {
    const core = await loadCore();
    let worst = 0;
    for (const config of reproducible) {
      const request = JSON.stringify({ mechanism: 'train', ...config, steps: 100, evaluate: false });
      const fromNative = native(request);
      assert.ok(!fromNative.error, JSON.stringify(fromNative.error));
      const fromRun = JSON.parse(core.run(request));
      assert.ok(!fromRun.error, JSON.stringify(fromRun.error));
      const trainer = new core.Trainer(JSON.stringify(config));
      const fromClass = Array.from(trainer.step(60)).concat(Array.from(trainer.step(40)));  // in two calls
      trainer.delete();
      assert.equal(fromNative.losses.length, 100);
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const [first, last] = [mean(fromNative.losses.slice(0, 10)), mean(fromNative.losses.slice(90))];
      assert.ok(last < first, `${config.task}: the loss falls (mean of the first 10 ${first}, of the last 10 ${last})`);
      const differences = [largestRelative(fromNative.losses, fromRun.losses), largestRelative(fromNative.losses, fromClass)];
      for (const d of differences) assert.ok(d <= 1e-5, `${config.task}: losses differ by ${d} (relative)`);
      worst = Math.max(worst, ...differences);
    }
    t.diagnostic(`largest relative difference of the first 100 losses, native against wasm: ${worst}`);
  });

test('saved weights loaded into a new Trainer evaluate the same; an ablation changes it and restoring it gives it back', async () => {
  const core = await loadCore();
  const trainer = new core.Trainer(JSON.stringify(small));
  trainer.step(150);
  const trained = trainer.evaluate();
  const weights = trainer.weights();
  // a new Trainer of the same config (the seed also draws the held-out sequences), trained otherwise
  const other = new core.Trainer(JSON.stringify(small));
  other.step(10);
  assert.ok(other.evaluate() !== trained);
  other.load(weights);
  assert.equal(other.steps_taken(), 0);  // the optimizer restarts
  assert.deepEqual(other.weights(), weights);
  assert.ok(other.evaluate() === trained, 'the same evaluation, to the last digit');
  // what run() trains and returns is what the class trains
  const ran = JSON.parse(core.run(JSON.stringify({ mechanism: 'train', ...small, steps: 150, return_weights: true })));
  assert.deepEqual(Float32Array.from(ran.weights), weights);
  assert.deepEqual(ran.evaluation, JSON.parse(trained));
  // and run() can start from them
  const resumed = JSON.parse(core.run(JSON.stringify({ mechanism: 'train', ...small, steps: 0, weights: Array.from(weights) })));
  assert.deepEqual(resumed.evaluation, JSON.parse(trained));

  // the head with the most weight on the sources carries the accuracy: switched off, it falls
  const before = JSON.parse(trained);
  const heads = before.source_attention.flatMap((row, l) => row.map((w, h) => ({ l, h, w })));
  const best = heads.reduce((a, b) => (b.w > a.w ? b : a));
  assert.deepEqual(before.best_head, { layer: best.l, head: best.h }, 'best_head is the head with the most source attention');
  trainer.ablate(best.l, best.h, true);
  const ablated = JSON.parse(trainer.evaluate());
  assert.ok(ablated.token_accuracy < before.token_accuracy, `${ablated.token_accuracy} < ${before.token_accuracy}`);
  assert.notDeepEqual(ablated.probe.attention, before.probe.attention);
  const prediction = JSON.parse(trainer.predict(before.probe.inputs));
  assert.deepEqual(prediction.predictions, ablated.probe.predictions);
  trainer.ablate(best.l, best.h, false);
  assert.ok(trainer.evaluate() === trained, 'the ablation undone, the same evaluation');
  // head_effects: each head off alone, as ablate + evaluate measure it; the learner's switch kept
  trainer.ablate(best.l, best.h, true);
  const effects = JSON.parse(trainer.head_effects());
  assert.equal(JSON.parse(trainer.evaluate()).token_accuracy, ablated.token_accuracy, 'the switch left off stays off');
  trainer.ablate(best.l, best.h, false);
  assert.equal(effects.token_accuracy, before.token_accuracy);
  assert.equal(effects.without[best.l][best.h], ablated.token_accuracy);
  assert.equal(effects.fall[best.l][best.h], before.token_accuracy - ablated.token_accuracy);
  assert.equal(effects.without.flat().length, heads.length);
  trainer.delete();
  other.delete();
});

test('Trainer.predict answers a learner\'s own sequence as evaluate() answers the probe', async () => {
  const core = await loadCore();
  const trainer = new core.Trainer(JSON.stringify({ ...small, context_length: 16 }));
  trainer.step(20);
  const evaluation = JSON.parse(trainer.evaluate());
  const { predictions, attention } = JSON.parse(trainer.predict(Int32Array.from(evaluation.probe.inputs)));
  assert.deepEqual(predictions, evaluation.probe.predictions);
  assert.deepEqual(attention, evaluation.probe.attention);
  // a shorter sequence, and a longer one (up to context_length): causal rows that sum to 1
  for (const tokens of [[3, 1], [0, 1, 2, 3, 4, 5, 8, 0, 1, 2, 3, 4, 5, 6, 7, 1]]) {
    const answer = JSON.parse(trainer.predict(tokens));
    assert.equal(answer.predictions.length, tokens.length);
    assert.equal(answer.attention.length, 2);
    for (const layer of answer.attention) {
      assert.equal(layer.length, 2);
      for (const head of layer) {
        head.forEach((row, i) => {
          assert.equal(row.length, tokens.length);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
          row.forEach((w, j) => { if (j > i) assert.equal(w, 0); });
        });
      }
    }
  }
  assert.equal(trainer.steps_taken(), 20);  // predict trains nothing
  trainer.delete();
});
