// MaterialisedAttention (the route lesson 6 measures the fused one against) gives FastAttention's and
// the JSON path's causal multi-head answer (1e-4); the heap bytes each keeps grow as T² and as T, and
// the core counts the materialised weights as num_heads·T²·4 bytes; bad sizes and running out of
// memory throw a clear Error and leave the module working.
// Usage: node --test tests/wasm/   (needs build/wasm/dist; ATTN_WASM_DIST tests another build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { noise } from '../../web/js/cost/meter.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');
const require = createRequire(import.meta.url);
const loadCore = () => require(path.join(dist, 'attention_core.single.js'))();

/** n numbers in [−scale, scale) from a seeded generator (xorshift32): lesson 6's own (web/js/cost/meter.js). */
const random = (n, seed, scale = 1) => noise(n, seed, scale);

function weightsFor(d, seed) {
  const s = 1 / Math.sqrt(d);
  return [random(d * d, seed, s), random(d * d, seed + 1, s), random(d * d, seed + 2, s), random(d * d, seed + 3, s), random(d, seed + 4, s)];
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('FastAttention.without_strassen(d, h), as lesson 6 runs it, rounds as the materialised path; the default takes Strassen steps', async () => {
  const core = await loadCore();
  const T = 256, d = 256, h = 4, w = weightsFor(d, 5), inputs = random(T * d, 6);
  const materialised = new core.MaterialisedAttention(d, h), plain = core.FastAttention.without_strassen(d, h), fast = new core.FastAttention(d, h);
  for (const route of [materialised, plain, fast]) route.set_weights(...w);
  const expected = materialised.forward(inputs, T);
  const plainDiff = maxAbsDiff(plain.forward(inputs, T), expected), fastDiff = maxAbsDiff(fast.forward(inputs, T), expected);
  assert.ok(plainDiff <= 1e-6, `without Strassen: ${plainDiff}`);
  assert.ok(fastDiff <= 1e-4 && fastDiff > plainDiff, `with Strassen: ${fastDiff} (without: ${plainDiff})`);
  for (const route of [materialised, plain, fast]) route.delete();
});

test('materialised and fused agree within 1e-4 on random input', async () => {
  const core = await loadCore();
  for (const [T, d, h] of [[1, 4, 2], [7, 12, 3], [64, 32, 4], [65, 32, 8], [130, 64, 4], [300, 48, 6], [257, 128, 1]]) {
    const w = weightsFor(d, T + d);
    const fused = new core.FastAttention(d, h), materialised = new core.MaterialisedAttention(d, h);
    fused.set_weights(...w);
    materialised.set_weights(...w);
    assert.equal(materialised.d_model, d);
    assert.equal(materialised.num_heads, h);
    const inputs = random(T * d, 7 * T + 1);
    const a = fused.forward(inputs, T), b = materialised.forward(inputs, T);
    assert.ok(b instanceof Float32Array);
    assert.equal(b.length, T * d);
    const diff = maxAbsDiff(a, b);
    assert.ok(diff <= 1e-4, `T=${T} d=${d} h=${h}: largest difference ${diff}`);
    assert.ok(b.some((x) => x !== 0), 'all zeros: the comparison would prove nothing');
    fused.delete();
    materialised.delete();
  }
});

test('materialised agrees with the JSON path (causal multihead) within 1e-4', async () => {
  const core = await loadCore();
  const T = 9, d = 8, h = 2;
  const inputs = Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(0.7 * i + 1.3 * j)));
  const res = JSON.parse(core.run(JSON.stringify({ mechanism: 'multihead', inputs, d_out: d, num_heads: h, causal: true, seed: 42 })));
  assert.ok(!res.error, JSON.stringify(res.error));
  const flat = (m) => Float32Array.from(m.flat());
  const m = new core.MaterialisedAttention(d, h);
  m.set_weights(flat(res.weights.W_query), flat(res.weights.W_key), flat(res.weights.W_value), flat(res.weights.W_out), Float32Array.from(res.weights.b_out));
  const out = m.forward(flat(inputs), T);
  assert.ok(maxAbsDiff(out, flat(res.context_vecs)) <= 1e-4);
  m.delete();
});

test('memory: the materialised path keeps ~T² bytes, the fused path ~T, the weights exactly num_heads·T²·4', async () => {
  const core = await loadCore();
  const d = 64, h = 4, w = weightsFor(d, 3);
  /** Heap bytes a fresh object of the path allocates and keeps in its first forward at T. */
  const kept = (Path, T) => {
    const a = new Path(d, h);
    a.set_weights(...w);
    const before = core.heap_bytes();
    a.forward(random(T * d, T), T);
    const bytes = core.heap_bytes() - before;
    a.delete();
    return bytes;
  };
  const probe = new core.MaterialisedAttention(d, h);
  for (const T of [1, 16, 1000, 4096]) assert.equal(probe.score_bytes(T), h * T * T * 4);
  assert.equal(new core.MaterialisedAttention(4096, 64).score_bytes(4096), 64 * 4096 * 4096 * 4, 'past 2^32 the count must not wrap');
  probe.delete();

  const slope = (f, T) => Math.log2(f(2 * T) / f(T));
  const materialised = (T) => kept(core.MaterialisedAttention, T), fused = (T) => kept(core.FastAttention, T);
  for (const T of [512, 1024]) {
    const m = slope(materialised, T), f = slope(fused, T);
    assert.ok(m > 1.8 && m < 2.2, `materialised bytes from T=${T} to ${2 * T}: slope ${m}`);
    assert.ok(f > 0.8 && f < 1.2, `fused bytes from T=${T} to ${2 * T}: slope ${f}`);
  }
  // the materialised path keeps its weights and some T·d buffers; the fused path far less than them
  const T = 1024, weights = h * T * T * 4;
  assert.ok(materialised(T) >= weights && materialised(T) < 1.25 * weights);
  assert.ok(fused(T) < weights / 4);
});

test('bad sizes and running out of memory throw a clear Error and leave the module working', async () => {
  const core = await loadCore();
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message));
  throwsWith(() => new core.MaterialisedAttention(6, 4), /MaterialisedAttention: num_heads \(4\) must divide d_model \(6\)/);
  throwsWith(() => new core.MaterialisedAttention(5000, 1), /d_model \(5000\) must be between 1 and 4096/);
  for (let i = 0; i < 2000; i++) throwsWith(() => core.FastAttention.without_strassen(6, 4), /FastAttention: num_heads \(4\) must divide d_model \(6\)/);
  const m = new core.MaterialisedAttention(4, 2);
  throwsWith(() => m.forward(new Float32Array(24), 6), /set_weights before forward/);
  const w = weightsFor(4, 1);
  throwsWith(() => m.set_weights(new Float32Array(15), w[1], w[2], w[3], w[4]), /W_query has 15 entries, d_model\^2 = 16 expected/);
  throwsWith(() => m.set_weights(w[0], w[1], w[2], w[3], new Float32Array(3)), /b_out has 3 entries, d_model = 4 expected/);
  throwsWith(() => m.set_weights(w[0], null, w[2], w[3], w[4]), /W_key must be a Float32Array/);
  m.set_weights(...w);
  for (let i = 0; i < 2000; i++) throwsWith(() => m.forward(new Float32Array(23), 6), /23 entries, T\*d_model = 24 expected/);
  throwsWith(() => m.forward(new Float32Array(0), 0), /T \(0\) must be at least 1/);
  throwsWith(() => m.forward(new Float32Array((1 << 22) + 4), (1 << 20) + 1), /over the limit/);
  throwsWith(() => m.forward(Float32Array.from({ length: 24 }, (_, i) => (i === 9 ? Infinity : 0.5)), 6),
    /MaterialisedAttention: inputs hold an infinity at token 2, column 1: only finite numbers/);

  // 64 heads of 4096 × 4096 floats are 4 GiB, over the 512 MiB the module may grow to
  const big = new core.MaterialisedAttention(64, 64);
  big.set_weights(...weightsFor(64, 2));
  throwsWith(() => big.forward(random(4096 * 64, 1), 4096), /MaterialisedAttention: .*alloc.*the weights need 4294967296 bytes/);
  big.delete();
  // d_model 4096: the weights (four of 64 MiB) and their packed copies do not fit; neither route computes after it
  const side = new Float32Array(4096 * 4096), bias = new Float32Array(4096);
  for (const Route of [core.FastAttention, core.MaterialisedAttention]) {
    const huge = new Route(4096, 8);
    throwsWith(() => huge.set_weights(side, side, side, side, bias), /Attention: set_weights: .*alloc.*d_model 4096/);
    throwsWith(() => huge.forward(new Float32Array(4096), 1), /set_weights before forward/);
    huge.delete();
  }

  // still computes, the same as the fused path, and the JSON path still answers
  const fused = new core.FastAttention(4, 2);
  fused.set_weights(...w);
  const inputs = random(24, 9);
  assert.ok(maxAbsDiff(m.forward(inputs, 6), fused.forward(inputs, 6)) <= 1e-4);
  assert.ok(JSON.parse(core.run(JSON.stringify({ mechanism: 'simplified', inputs: [[1, 2], [3, 4]] }))).context_vecs);
  m.delete();
  fused.delete();
});
