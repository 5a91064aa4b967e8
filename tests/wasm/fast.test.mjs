// FastAttention, the Float32Array entry point, gives the JSON path's causal multi-head answer
// (1e-4), and bad sizes throw a clear Error instead of aborting the module.
// Usage: node --test tests/wasm/   (needs build/wasm/dist)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');  // ATTN_WASM_DIST tests another build
const loadCore = () => require(path.join(dist, 'attention_core.single.js'))();

const flat = (rows) => Float32Array.from(rows.flat());
const inputsFor = (T, d) => Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(0.7 * i + 1.3 * j)));

/** The JSON path's causal multi-head answer, with the weights it drew from the seed. */
function viaJson(core, T, d_model, num_heads, seed) {
  const request = { mechanism: 'multihead', inputs: inputsFor(T, d_model), d_out: d_model, num_heads, causal: true, seed };
  const response = JSON.parse(core.run(JSON.stringify(request)));
  assert.ok(!response.error, JSON.stringify(response.error));
  return response;
}

function fastFor(core, d_model, num_heads, w) {
  const fast = new core.FastAttention(d_model, num_heads);
  fast.set_weights(flat(w.W_query), flat(w.W_key), flat(w.W_value), flat(w.W_out), Float32Array.from(w.b_out));
  return fast;
}

test('forward agrees with the JSON path (causal multihead) within 1e-4', async () => {
  const core = await loadCore();
  for (const [T, d_model, num_heads] of [[1, 4, 2], [6, 4, 2], [6, 3, 1], [13, 12, 3], [70, 16, 4], [130, 64, 4]]) {
    const expected = viaJson(core, T, d_model, num_heads, 1000 + T);
    const fast = fastFor(core, d_model, num_heads, expected.weights);
    assert.equal(fast.d_model, d_model);
    assert.equal(fast.num_heads, num_heads);
    const out = fast.forward(flat(inputsFor(T, d_model)), T);
    assert.ok(out instanceof Float32Array);
    assert.equal(out.length, T * d_model);
    const want = expected.context_vecs.flat();
    want.forEach((x, i) => assert.ok(Math.abs(out[i] - x) <= 1e-4, `T=${T} d=${d_model} h=${num_heads} [${i}]: ${out[i]} vs ${x}`));
    const into = new Float32Array(T * d_model);
    fast.forward_into(flat(inputsFor(T, d_model)), T, into);
    assert.deepEqual(into, out);
    fast.delete();
  }
});

test('bad sizes throw a clear Error and leave the module working', async () => {
  const core = await loadCore();
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message));
  throwsWith(() => new core.FastAttention(6, 4), /num_heads \(4\) must divide d_model \(6\)/);
  throwsWith(() => new core.FastAttention(0, 1), /d_model \(0\) must be between 1 and 4096/);
  throwsWith(() => new core.FastAttention(8, 0), /num_heads \(0\) must divide/);
  const expected = viaJson(core, 6, 4, 2, 5);
  const fast = new core.FastAttention(4, 2);
  throwsWith(() => fast.forward(new Float32Array(24), 6), /set_weights before forward/);
  const w = expected.weights;
  throwsWith(() => fast.set_weights(new Float32Array(15), flat(w.W_key), flat(w.W_value), flat(w.W_out), Float32Array.from(w.b_out)),
    /W_query has 15 entries, d_model\^2 = 16 expected/);
  throwsWith(() => fast.set_weights(flat(w.W_query), flat(w.W_key), flat(w.W_value), flat(w.W_out), new Float32Array(3)),
    /b_out has 3 entries, d_model = 4 expected/);
  throwsWith(() => fast.set_weights(flat(w.W_query), undefined, flat(w.W_value), flat(w.W_out), Float32Array.from(w.b_out)),
    /W_key must be a Float32Array/);
  fast.set_weights(flat(w.W_query), flat(w.W_key), flat(w.W_value), flat(w.W_out), Float32Array.from(w.b_out));
  for (let i = 0; i < 2000; i++) throwsWith(() => fast.forward(new Float32Array(23), 6), /23 entries, T\*d_model = 24 expected/);
  throwsWith(() => fast.forward(new Float32Array(0), 0), /T \(0\) must be at least 1/);
  throwsWith(() => fast.forward([1, 2, 3, 4], 'x'), /T must be a whole number, not a string/);
  throwsWith(() => fast.forward_into(new Float32Array(24), 6, new Float32Array(5)), /out has 5 entries/);
  throwsWith(() => fast.forward(new Float32Array((1 << 22) + 4), (1 << 20) + 1), /over the limit/);
  const bad = flat(inputsFor(6, 4));
  bad[4 * 4 + 1] = NaN;
  throwsWith(() => fast.forward(bad, 6), /FastAttention: inputs hold NaN at token 4, column 1: only finite numbers/);
  bad[4 * 4 + 1] = -Infinity;
  throwsWith(() => fast.forward_into(bad, 6, new Float32Array(24)), /inputs hold an infinity at token 4, column 1/);
  throwsWith(() => fast.forward([1, 2, 3, 'four', 5, 6, 7, 8], 2), /inputs hold NaN at token 0, column 3/);
  // still computes, and the JSON path still answers
  const out = fast.forward(flat(inputsFor(6, 4)), 6);
  expected.context_vecs.flat().forEach((x, i) => assert.ok(Math.abs(out[i] - x) <= 1e-4));
  assert.ok(JSON.parse(core.run(JSON.stringify({ mechanism: 'simplified', inputs: [[1, 2], [3, 4]] }))).context_vecs);
  fast.delete();
});
