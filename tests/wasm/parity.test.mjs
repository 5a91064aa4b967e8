// The WebAssembly module, run under Node, answers every request as the native program does (1e-6).
// Usage: node --test tests/wasm/   (needs build/wasm/dist and a native build of tools/attention)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const dist = path.resolve(root, process.env.ATTN_WASM_DIST || 'build/wasm/dist');  // ATTN_WASM_DIST tests another build
const nativeProgram = ['native-debug', 'native-release']
  .map((preset) => path.join(root, 'build', preset, 'tools', 'attention'))
  .find(existsSync);
const book = JSON.parse(readFileSync(path.join(root, 'tests/data/book_ch03.json'), 'utf8'));
const example = (name) => book.examples.find((e) => e.name === name);

function native(request) {
  try {
    return JSON.parse(execFileSync(nativeProgram, { input: request, encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } }));
  } catch (e) {
    if (e.status === 1) return JSON.parse(e.stdout);  // an error response
    throw e;
  }
}

function assertClose(actual, expected, where = '') {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', where);
    assert.ok(Math.abs(actual - expected) <= 1e-6, `${where}: ${actual} vs ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, where);
    expected.forEach((x, i) => assertClose(actual[i], x, `${where}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), where);
    for (const key of Object.keys(expected)) assertClose(actual[key], expected[key], `${where}.${key}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

const inputs = book.inputs;
const requests = {
  simplified: { mechanism: 'simplified', inputs, steps: true },
  self_attention: { mechanism: 'self_attention', inputs, weights: example('W_qkv_seed123').weights, steps: true },
  self_attention_seeded: { mechanism: 'self_attention', inputs, d_out: 5, qkv_bias: true, seed: 99, scale: false },
  causal_dropout: { mechanism: 'causal', inputs, d_out: 2, dropout: 0.5, seed: 123, steps: true },
  causal_book_mask: {
    mechanism: 'causal', inputs, weights: example('dropout_attn_weights_seed123').weights, dropout: 0.5,
    dropout_mask: example('dropout_attn_weights_seed123').dropout_keep_mask,
  },
  wrapper: { mechanism: 'multihead_wrapper', inputs, d_out: 2, num_heads: 3, dropout: 0.2, steps: true },
  multihead: { mechanism: 'multihead', inputs, d_out: 4, num_heads: 2, compare_wrapper: true, steps: true },
  multihead_book: { mechanism: 'multihead', inputs, num_heads: 2, weights: example('MultiHeadAttention_seed123').weights },
  additive: { mechanism: 'additive', inputs, decoder_state: [[0.2, -0.1], [0.4, 0.9]], d_out: 4, steps: true },
  embed: { mechanism: 'embed', text: 'Tourists visit Finland to watch Northern lights 😀', d_in: 3, seed: 7 },
  rnn: { mechanism: 'rnn_encoder', inputs, d_out: 4, seed: 3 },
  rnn_compare: { mechanism: 'rnn_encoder', inputs, compare_inputs: inputs.slice().reverse(), d_out: 4, seed: 3 },
  scaling: { mechanism: 'scaling_demo', d_k_values: [1, 8, 64], d_k: 32, T: 6, trials: 16, seed: 2 },
  parameter_count: { mechanism: 'parameter_count', d_in: 768, d_out: 768, num_heads: 12 },
  layer_norm: { mechanism: 'layer_norm', inputs, steps: true },
  positional_sinusoidal: { mechanism: 'positional_encoding', inputs, offset: 2, steps: true },
  positional_learned: { mechanism: 'positional_encoding', kind: 'learned', inputs, context_length: 8, seed: 4 },
  feed_forward: { mechanism: 'feed_forward', inputs, seed: 8, steps: true },
  feed_forward_relu: { mechanism: 'feed_forward', inputs, activation: 'relu', d_ff: 5 },
  block_pre_norm: { mechanism: 'transformer_block', inputs, n_heads: 3, steps: true },
  block_post_norm: {
    mechanism: 'transformer_block', inputs, norm_first: false, residual: false, causal: false, positional: 'sinusoidal',
    qkv_bias: true, activation: 'relu', seed: 6, steps: true,
  },
  gpt: {
    mechanism: 'gpt', token_ids: [3, 1, 4, 1, 5, 9], targets: [1, 4, 1, 5, 9, -1], vocab_size: 16, context_length: 8,
    emb_dim: 8, n_heads: 2, n_layers: 2, temperature: 0.8, steps: true,
  },
  gpt_tied: {
    mechanism: 'gpt', token_ids: [0, 15, 7], vocab_size: 16, emb_dim: 8, n_heads: 4, n_layers: 3, weight_tying: true,
    qkv_bias: true, positional: 'sinusoidal', norm_first: false, seed: 11,
  },
  gpt_parameter_count: { mechanism: 'gpt_parameter_count', qkv_bias: true },
  larger: { mechanism: 'multihead', inputs: Array.from({ length: 40 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.sin(i * 16 + j))), d_out: 16, num_heads: 4, seed: 5 },
};
const badRequests = [
  'not json',
  '{"mechanism":"multihead","inputs":[[1,2]],"d_out":3,"num_heads":2}',
  '{"mechanism":"causal","inputs":[[1,2],[3]]}',
  '{"mechanism":"causal","inputs":[[1,2]],"dropout":1}',
  '{"mechanism":"simplified","inputs":[[1e39]]}',
  '{"mechanism":"teleport"}',
  '{"mechanism":"gpt","token_ids":[1,2,16],"vocab_size":16}',
  '{"mechanism":"gpt","token_ids":[1,2,3],"context_length":2}',
  '{"mechanism":"gpt","token_ids":[1,null]}',
  '{"mechanism":"transformer_block","inputs":[[1,2,3]],"n_heads":2}',
  '{"mechanism":"layer_norm","inputs":[[1,null]]}',
];

test('the wasm module answers as the native program', { skip: !nativeProgram && 'no native build' }, async () => {
  const createAttentionCore = require(path.join(dist, 'attention_core.single.js'));
  const core = await createAttentionCore();
  for (const [name, request] of Object.entries(requests)) {
    const text = JSON.stringify(request);
    const fromWasm = JSON.parse(core.run(text));
    assert.ok(!fromWasm.error, `${name}: ${JSON.stringify(fromWasm.error)}`);
    assertClose(fromWasm, native(text), name);
  }
  for (const text of badRequests) {
    const fromWasm = JSON.parse(core.run(text));
    assert.ok(fromWasm.error, text);
    assert.deepEqual(fromWasm, native(text), text);
  }
});

test('the streaming build (separate .wasm) loads and computes', async () => {
  const createAttentionCore = require(path.join(dist, 'attention_core.js'));
  const wasmBinary = readFileSync(path.join(dist, 'attention_core.wasm'));
  const core = await createAttentionCore({ wasmBinary });
  const z = JSON.parse(core.run(JSON.stringify(requests.simplified))).context_vecs[1];
  assert.deepEqual(z.map((x) => Number(x.toFixed(4))), [0.4419, 0.6515, 0.5683]);
});

test('the wasm output holds no eval or new Function (strict CSP)', () => {
  for (const file of ['attention_core.js', 'attention_core.single.js']) {
    const js = readFileSync(path.join(dist, file), 'utf8');
    assert.ok(!/\beval\(/.test(js) && !/new Function\(/.test(js), file);
  }
});

test('a failing request leaves the module working', async () => {
  const createAttentionCore = require(path.join(dist, 'attention_core.single.js'));
  const core = await createAttentionCore();
  for (let i = 0; i < 50; i++) JSON.parse(core.run('{"mechanism":"simplified","inputs":[[1,2],[3]]}'));
  const tooBig = JSON.parse(core.run(JSON.stringify({ mechanism: 'simplified', inputs: Array.from({ length: 1025 }, () => [1]) })));
  assert.equal(tooBig.error.code, 'too_large');
  assert.ok(JSON.parse(core.run(JSON.stringify(requests.simplified))).context_vecs);
});
