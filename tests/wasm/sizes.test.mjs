// Sizes and weights from JavaScript are checked as numbers before the module uses them: in wasm a size
// is 32 bits, so T = 2^30 + 6 times d_model 4 wrapped to 24 (the length check passed, and the forward
// read ~2^30 rows past the heap: "memory access out of bounds"), and embind wrapped 2^32 + 6 to 6 (a
// silent answer for the wrong T). Each refusal is a JS Error naming the argument; the module keeps
// computing. Weights that are NaN or infinite are refused as inputs are, naming the weight, row, column.
// Usage: node --test tests/wasm/   (needs build/wasm/dist; ATTN_WASM_DIST tests another build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');
const require = createRequire(import.meta.url);
const loadCore = () => require(path.join(dist, 'attention_core.single.js'))();

const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));

/** Weights of d_model d: W_query, W_key, W_value, W_out (d²) and b_out (d), small and finite. */
function weightsFor(d) {
  const matrix = (k) => Float32Array.from({ length: d * d }, (_, i) => Math.sin(0.3 * i + k) / d);
  return [matrix(1), matrix(2), matrix(3), matrix(4), Float32Array.from({ length: d }, (_, i) => 0.01 * i)];
}

const inputs = Float32Array.from({ length: 24 }, (_, i) => Math.cos(0.5 * i));

for (const name of ['FastAttention', 'MaterialisedAttention']) {
  test(`${name}: a T that is not a whole number in range is refused, by name, before any size wraps`, async () => {
    const core = await loadCore();
    const attention = new core[name](4, 1);
    attention.set_weights(...weightsFor(4));
    const expected = attention.forward(inputs, 6);
    for (const T of [2 ** 30 + 6, 2 ** 31 + 6, 2 ** 32 + 6, 2 ** 53]) {
      throwsWith(() => attention.forward(new Float32Array(24), T), new RegExp(`^${name}: T \\(${T}\\) is over the limit`));
    }
    throwsWith(() => attention.forward(new Float32Array(24), -1), new RegExp(`^${name}: T \\(-1\\) must be at least 1`));
    for (const [T, shown] of [[1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], [6.000001, '6.000001']]) {
      throwsWith(() => attention.forward(new Float32Array(24), T), new RegExp(`^${name}: T \\(${shown}\\) must be a whole number`));
    }
    throwsWith(() => attention.forward(new Float32Array(24), '6'), new RegExp(`^${name}: T must be a whole number, not a string`));
    // a normal forward still works, and gives what it gave before
    assert.deepEqual(attention.forward(inputs, 6), expected);
    attention.delete();
  });

  test(`${name}: d_model and num_heads are whole numbers in range, never wrapped`, async () => {
    const core = await loadCore();
    throwsWith(() => new core[name](2 ** 32 + 4, 1), new RegExp(`^${name}: d_model \\(4294967300\\) must be between 1 and 4096`));
    throwsWith(() => new core[name](4, 2 ** 32 + 1), new RegExp(`^${name}: num_heads \\(4294967297\\) must divide d_model \\(4\\)`));
    throwsWith(() => new core[name](4.5, 1), new RegExp(`^${name}: d_model \\(4.5\\) must be a whole number`));
    throwsWith(() => new core[name](4, NaN), new RegExp(`^${name}: num_heads \\(NaN\\) must be a whole number`));
    throwsWith(() => new core[name]('4', 1), new RegExp(`^${name}: d_model must be a whole number, not a string`));
    const attention = new core[name](4, 2);
    assert.equal(attention.d_model, 4);
    assert.equal(attention.num_heads, 2);
    attention.delete();
  });

  test(`${name}: NaN or infinite weights are refused, naming the weight, row and column`, async () => {
    const core = await loadCore();
    const attention = new core[name](4, 2);
    const w = weightsFor(4);
    const cases = [
      [0, 9, NaN, /W_query holds NaN at row 2, column 1: only finite numbers/],
      [1, 0, Infinity, /W_key holds an infinity at row 0, column 0/],
      [2, 15, -Infinity, /W_value holds an infinity at row 3, column 3/],
      [3, 6, NaN, /W_out holds NaN at row 1, column 2/],
      [4, 3, NaN, /b_out holds NaN at entry 3/],
    ];
    for (const [which, at, x, pattern] of cases) {
      const bad = w.map((a) => a.slice());
      bad[which][at] = x;
      throwsWith(() => attention.set_weights(...bad), new RegExp(`^${name}: ${pattern.source}`));
    }
    // in a regular array, what is not a number is NaN
    throwsWith(() => attention.set_weights(w[0], w[1], w[2], w[3], [0, 0, 'x', 0]), /b_out holds NaN at entry 2/);
    // refused weights are not set: forward asks for weights
    throwsWith(() => attention.forward(inputs, 6), /set_weights before forward/);
    attention.set_weights(...w);
    assert.equal(attention.forward(inputs, 6).length, 24);
    attention.delete();
  });
}

test('FastAttention.forward_into checks T the same way, and out\'s length', async () => {
  const core = await loadCore();
  const fast = new core.FastAttention(4, 1);
  fast.set_weights(...weightsFor(4));
  for (const T of [2 ** 30 + 6, 2 ** 32 + 6]) {
    throwsWith(() => fast.forward_into(new Float32Array(24), T, new Float32Array(24)), /^FastAttention: T \(\d+\) is over the limit/);
  }
  throwsWith(() => fast.forward_into(new Float32Array(24), 1.5, new Float32Array(24)), /^FastAttention: T \(1.5\) must be a whole number/);
  const out = new Float32Array(24);
  fast.forward_into(inputs, 6, out);
  assert.deepEqual(out, fast.forward(inputs, 6));
  fast.delete();
});

test('MaterialisedAttention: a T whose (T, T) weights pass 2^32 entries is refused before they wrap', async () => {
  const core = await loadCore();
  const m = new core.MaterialisedAttention(1, 1);
  m.set_weights(...weightsFor(1));
  assert.equal(m.score_bytes(65536), 4 * 65536 * 65536);
  throwsWith(() => m.score_bytes(2 ** 32 + 1), /^MaterialisedAttention: T \(4294967297\) is over the limit/);
  throwsWith(() => m.score_bytes(-1), /^MaterialisedAttention: T \(-1\) must be at least 0/);
  // T·T = 2^32 entries: 0 in 32 bits
  throwsWith(() => m.forward(new Float32Array(65536), 65536), /^MaterialisedAttention: .*65536/);
  assert.equal(m.forward(Float32Array.of(0.5, -0.5), 2).length, 2);
  m.delete();
});
