// The benchmark, in one page: causal multi-head attention forward, single thread, float32, by
// our module (FastAttention), onnxruntime-web (wasm backend: its fused com.microsoft Attention
// operator, and a graph of plain operators), TensorFlow.js (wasm backend) and plain JavaScript.
// Samples are interleaved (one of each peer per round, the order rotating) and reported as medians.
import { fusedAttentionModel, plainAttentionModel } from './onnx.js';

const params = new URLSearchParams(location.search);
const sizes = JSON.parse(params.get('sizes') || '[[6,4,2],[128,256,4],[512,768,12],[1024,768,12]]');
const peerFilter = params.get('peers') ? params.get('peers').split(',') : null;  // parts of peer names, besides ours
const baselineUrl = params.get('baseline');  // a second build of our module, the "before" of a change
const log = (line) => { console.log(line); document.getElementById('log').textContent += `\n${line}`; };
const now = () => performance.now();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };

/**
 * A full garbage collection before each timed sample (tools/bench starts Chromium with
 * --expose-gc), so that no sample pays for the garbage another peer left behind: every peer
 * allocates its output, and plain JavaScript and TensorFlow.js allocate much more.
 */
const collectGarbage = () => { if (typeof window.gc === 'function') window.gc(); };

/** Deterministic uniform numbers in [lo, hi): the weights and inputs of every size. */
function uniform(n, seed, lo, hi) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** Plain JavaScript, the textbook way: project, then per head per query the causal scores. */
function plainJs(X, T, d, heads, w) {
  const hd = d / heads, scale = 1 / Math.sqrt(hd);
  const matmul = (A, B, n, k, m) => {
    const C = new Float32Array(n * m);
    for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      for (let j = 0; j < m; j++) C[i * m + j] += a * B[p * m + j];
    }
    return C;
  };
  const Q = matmul(X, w.W_query, T, d, d), K = matmul(X, w.W_key, T, d, d), V = matmul(X, w.W_value, T, d, d);
  const Z = new Float32Array(T * d), p = new Float32Array(T);
  for (let h = 0; h < heads; h++) for (let i = 0; i < T; i++) {
    let max = -Infinity;
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let c = 0; c < hd; c++) dot += Q[i * d + h * hd + c] * K[j * d + h * hd + c];
      p[j] = dot * scale;
      if (p[j] > max) max = p[j];
    }
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += p[j] = Math.exp(p[j] - max);
    for (let j = 0; j <= i; j++) {
      const a = p[j] / sum;
      for (let c = 0; c < hd; c++) Z[i * d + h * hd + c] += a * V[j * d + h * hd + c];
    }
  }
  const Y = matmul(Z, w.W_out, T, d, d);
  for (let i = 0; i < T; i++) for (let j = 0; j < d; j++) Y[i * d + j] += w.b_out[j];
  return Y;
}

function tfjsPeer(T, d, heads, w) {
  const hd = d / heads;
  const W = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, tf.tensor(v, k === 'b_out' ? [d] : [d, d])]));
  const maskValues = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskValues[i * T + j] = -1e9;
  const mask = tf.tensor(maskValues, [T, T]);
  return (X) => {
    const y = tf.tidy(() => {
      const x = tf.tensor(X, [T, d]);
      const split = (t) => t.reshape([T, heads, hd]).transpose([1, 0, 2]);        // (heads, T, head_dim)
      const q = split(tf.matMul(x, W.W_query)), k = split(tf.matMul(x, W.W_key)), v = split(tf.matMul(x, W.W_value));
      const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(hd)).add(mask);  // (heads, T, T)
      const z = tf.matMul(tf.softmax(scores), v).transpose([1, 0, 2]).reshape([T, d]);
      return tf.matMul(z, W.W_out).add(W.b_out);
    });
    const out = y.dataSync();
    y.dispose();
    return out;
  };
}

async function ortPeer(modelBytes, T, d) {
  const session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return async (X) => {
    const result = await session.run({ X: new ort.Tensor('float32', X, [1, T, d]) });
    return result.Y.data;
  };
}

/** Loads another build of our module (a classic script defining createAttentionCore, like ours). */
function loadBaseline(url) {
  const ours = window.createAttentionCore;
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => { const create = window.createAttentionCore; window.createAttentionCore = ours; resolve(create()); };
    script.onerror = () => reject(new Error(`cannot load the baseline ${url}`));
    document.head.append(script);
  });
}

async function measureJson(core) {
  const inputs = [[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64], [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]];
  const requests = {
    'causal, T=6, d=3, steps': { mechanism: 'causal', inputs, d_out: 2, steps: true },
    'multihead, T=6, d=3→4, 2 heads, steps': { mechanism: 'multihead', inputs, d_out: 4, num_heads: 2, steps: true },
  };
  const out = {};
  // Batches of 20 requests, because the page's clock ticks in 0.1 ms steps (no cross-origin isolation).
  for (const [name, request] of Object.entries(requests)) {
    const perRequest = [];
    for (let batch = 0; batch < 60; batch++) {
      const t0 = now();
      for (let i = 0; i < 20; i++) {
        const response = JSON.parse(core.run(JSON.stringify(request)));
        if (response.error) throw new Error(JSON.stringify(response.error));
      }
      if (batch >= 10) perRequest.push((now() - t0) / 20);
    }
    const sorted = [...perRequest].sort((a, b) => a - b);
    out[name] = { median_ms: median(perRequest), p90_ms: sorted[Math.floor(0.9 * sorted.length)] };
  }
  return out;
}

async function run() {
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  if (tf.wasm.setThreadsCount) tf.wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  const core = await createAttentionCore();
  const baseline = baselineUrl ? await loadBaseline(baselineUrl) : null;
  const report = { env: { userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, ort: ort.env.versions?.web, tfjs: tf.version?.tfjs, tfBackend: tf.getBackend() }, sizes: [] };
  log(`peers ready: ort ${report.env.ort}, tfjs ${report.env.tfjs} (${report.env.tfBackend})`);
  report.json = await measureJson(core);
  log(`JSON path: ${JSON.stringify(report.json)}`);

  for (const [T, d, heads] of sizes) {
    const w = { W_query: uniform(d * d, 1, -1 / Math.sqrt(d), 1 / Math.sqrt(d)), W_key: uniform(d * d, 2, -1 / Math.sqrt(d), 1 / Math.sqrt(d)),
      W_value: uniform(d * d, 3, -1 / Math.sqrt(d), 1 / Math.sqrt(d)), W_out: uniform(d * d, 4, -1 / Math.sqrt(d), 1 / Math.sqrt(d)),
      b_out: uniform(d, 5, -1 / Math.sqrt(d), 1 / Math.sqrt(d)) };
    const X = uniform(T * d, 6 + T, -1, 1);
    const flops = 8 * T * d * d + 2 * d * T * (T + 1);
    const ours = new core.FastAttention(d, heads);
    ours.set_weights(w.W_query, w.W_key, w.W_value, w.W_out, w.b_out);
    const out = new Float32Array(T * d);
    const before = baseline && new baseline.FastAttention(d, heads);
    if (before) before.set_weights(w.W_query, w.W_key, w.W_value, w.W_out, w.b_out);
    const peers = {
      'ours (FastAttention)': async (x) => ours.forward(x, T),
      'ours, forward_into': async (x) => { ours.forward_into(x, T, out); return out; },
      ...(before ? { 'ours, baseline': async (x) => before.forward(x, T) } : {}),
      'onnxruntime-web, fused Attention': null,
      'onnxruntime-web, plain operators': await ortPeer(plainAttentionModel(T, d, heads, w), T, d),
      'tfjs-backend-wasm': (() => { const f = tfjsPeer(T, d, heads, w); return async (x) => f(x); })(),
      'plain JavaScript': async (x) => plainJs(x, T, d, heads, w),
    };
    const notes = {};
    try {
      peers['onnxruntime-web, fused Attention'] = await ortPeer(fusedAttentionModel(T, d, heads, w), T, d);
    } catch (e) {
      delete peers['onnxruntime-web, fused Attention'];
      notes['onnxruntime-web, fused Attention'] = `not available: ${String(e.message || e).slice(0, 200)}`;
    }
    if (peerFilter) for (const name of Object.keys(peers)) if (!name.startsWith('ours') && !peerFilter.some((part) => name.includes(part))) delete peers[name];
    // agreement and warm-up (tier-up of every peer's wasm)
    const reference = await peers['ours (FastAttention)'](X);
    const maxDiff = {};
    for (const [name, peer] of Object.entries(peers)) {
      const y = await peer(X);
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - reference[i]));
      maxDiff[name] = y.length === reference.length ? worst : Infinity;
      if (!name.startsWith('plain JavaScript')) await peer(X);
    }
    // Repetitions per sample, so that a sample lasts at least 5 ms: the clock ticks in 0.1 ms steps.
    const names = Object.keys(peers);
    const reps = {};
    for (const name of names) {
      reps[name] = 1;
      for (;;) {
        const t0 = now();
        for (let i = 0; i < reps[name]; i++) await peers[name](X);
        if (now() - t0 >= 5 || reps[name] >= 4096) break;
        reps[name] *= 2;
      }
    }
    // Interleaved rounds: one sample of each peer per round, the order rotating.
    const big = T * d * d > 1e8;
    const rounds = big ? 9 : 25, slowRounds = big ? 3 : rounds;
    const times = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        if (name === 'plain JavaScript' && r >= slowRounds) continue;
        collectGarbage();
        const t0 = now();
        for (let i = 0; i < reps[name]; i++) await peers[name](X);
        times[name].push((now() - t0) / reps[name]);
      }
    }
    const copy = [];  // what copying the input in and the output out costs, alone
    for (let r = 0; r < 20; r++) {
      const t0 = now();
      for (let i = 0; i < 50; i++) { const a = new Float32Array(T * d); a.set(X); out.set(a); }
      copy.push((now() - t0) / 50);
    }
    const result = { T, d_model: d, num_heads: heads, gflop: flops / 1e9, peers: {}, notes, copy_ms: median(copy) };
    for (const name of names) result.peers[name] = { median_ms: median(times[name]), samples: times[name].length, reps: reps[name], max_abs_diff: maxDiff[name] };
    report.sizes.push(result);
    log(`(${T}, ${d}, ${heads}) done: ${JSON.stringify(result)}`);
    ours.delete();
    if (before) before.delete();
  }
  return report;
}

run().then((report) => { window.benchReport = report; log('done'); }, (e) => { window.benchError = String(e && e.stack || e); log(`failed: ${window.benchError}`); });
