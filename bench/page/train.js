// The training comparison, in one page: the small GPT trained by our core (the Trainer's step,
// bench/wasm_train.cpp) and by TensorFlow.js's wasm backend (bench/tfjs_gpt.js), single thread,
// float32, from the same initial weights on the same batches. Steps are timed in interleaved
// samples (one of each peer per round, the order alternating) and reported as medians.
const params = new URLSearchParams(location.search);
/** [vocab, T, emb_dim, n_heads, n_layers, batch] */
const configs = JSON.parse(params.get('configs') || '[[16,16,32,2,2,32],[16,32,64,4,2,32],[64,64,128,4,2,16]]');
const tiny = params.get('tiny') === '1';
const withBaseline = params.get('baseline') === '1';
const log = (line) => { console.log(line); document.getElementById('log').textContent += `\n${line}`; };
const now = () => performance.now();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1] : NaN; };
const collectGarbage = () => { if (typeof window.gc === 'function') window.gc(); };
// the Trainer's defaults (core/include/attn/train.hpp, TrainConfig)
const optimizer = { lr: 3e-3, warmup: 20, clip: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 };

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

/**
 * Batches of the induction task, for any vocabulary: a prefix of P distinct tokens (P from 3 to
 * 7, at most the vocabulary) repeated to T + 1 tokens; the target of position t is token t + 1,
 * scored from t = P − 1 on (before, the next token cannot be known). A fixed generator (an LCG),
 * so every peer and every run sees the same batches.
 */
function inductionBatches(count, batch, T, vocab, seed) {
  let s = seed >>> 0;
  const below = (n) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return Math.floor((s / 2 ** 32) * n); };
  const out = [];
  for (let k = 0; k < count; k++) {
    const tokens = new Int32Array(batch * T), targets = new Int32Array(batch * T);
    for (let b = 0; b < batch; b++) {
      const P = Math.min(vocab, 3 + below(5));
      const symbols = Array.from({ length: vocab }, (_, i) => i);
      for (let i = 0; i < P; i++) { const j = i + below(vocab - i); [symbols[i], symbols[j]] = [symbols[j], symbols[i]]; }
      for (let t = 0; t < T; t++) {
        tokens[b * T + t] = symbols[t % P];
        targets[b * T + t] = t >= P - 1 ? symbols[(t + 1) % P] : -1;
      }
    }
    out.push({ tokens, targets });
  }
  return out;
}

/** Our step in one instance of the bench module: the batch copied in, one step, its loss. */
function oursPeer(m, [V, T, C, H, L, B]) {
  const b = m._train_create(V, T, C, H, L, B, 1, optimizer.lr, optimizer.warmup, optimizer.clip);
  if (!b) throw new Error(`ours: configuration (${V}, ${T}, ${C}, ${H}, ${L}, ${B}) refused`);
  const tokens = m._train_tokens(b) >> 2, targets = m._train_targets(b) >> 2;
  return {
    parameters: () => m.HEAPF32.slice(m._train_parameters(b) >> 2, (m._train_parameters(b) >> 2) + m._train_parameter_count(b)),
    step: (batch) => {
      m.HEAP32.set(batch.tokens, tokens);
      m.HEAP32.set(batch.targets, targets);
      return m._train_step(b);
    },
    phases: () => [0, 1, 2].map((p) => m._train_phase_ms(b, p)),
    dispose: () => m._train_destroy(b),
  };
}

async function run() {
  await loadScript('/build/tfjs_train.js');
  await loadScript('/build/wasm_train.js');
  const createOurs = window.createTrainBench;
  const ours = await createOurs();
  let baseline = null;
  if (withBaseline) {
    await loadScript('/build/wasm_train_baseline.js');
    baseline = await window.createTrainBenchBaseline();
  }
  const { tf, setWasmPaths, createTfjsGpt } = window.tfTrain;
  setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await tf.setBackend('wasm');
  await tf.ready();
  const report = { env: { userAgent: navigator.userAgent, tfjs: tf.version_core, tfBackend: tf.getBackend(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') }, configs: [] };
  log(`tfjs-core ${report.env.tfjs} (${report.env.tfBackend}, simd ${report.env.simd})`);

  for (const config of configs) {
    const [V, T, C, H, L, B] = config;
    const peers = { ours: oursPeer(ours, config) };
    if (baseline) peers['ours, baseline'] = oursPeer(baseline, config);
    const flat = peers.ours.parameters();
    const shape = { vocab: V, T, emb_dim: C, n_heads: H, n_layers: L, batch: B };
    peers.tfjs = createTfjsGpt(tf, shape, flat, optimizer, { gradients: 'explicit' });
    peers['tfjs, autograd'] = createTfjsGpt(tf, shape, flat, optimizer, { gradients: 'autograd' });
    const batches = inductionBatches(8, B, T, V, 7 + T);
    const names = Object.keys(peers);
    // The same first steps, from the same weights on the same batches: the losses must agree.
    const agreeSteps = 3;
    const losses = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < agreeSteps; i++) for (const n of names) losses[n].push(peers[n].step(batches[i % batches.length]));
    // warm-up (tier-up of every peer's wasm), then steps per sample so that a sample lasts long enough
    const stepsDone = Object.fromEntries(names.map((n) => [n, agreeSteps]));
    const runSteps = (n, count) => {
      let last = 0;
      for (let i = 0; i < count; i++) last = peers[n].step(batches[stepsDone[n]++ % batches.length]);
      return last;
    };
    const minSample = tiny ? 10 : 200;
    const reps = {};
    for (const n of names) {
      const warm = now();
      do runSteps(n, 1); while (now() - warm < (tiny ? 50 : 1500));  // V8 tiers up tfjs's JavaScript too
      reps[n] = 1;
      for (;;) {
        const t0 = now();
        runSteps(n, reps[n]);
        if (now() - t0 >= minSample || reps[n] >= 256) break;
        reps[n] *= 2;
      }
    }
    // Many short rounds: the machine is shared, and a round's peers see about the same load, so
    // the median of the rounds' ratios is steadier than the ratio of the medians.
    const rounds = tiny ? 3 : 15;
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const phases = Object.fromEntries(names.filter((n) => n.startsWith('ours')).map((n) => [n, [0, 0, 0]]));
    let lastLoss = {};
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(k + r) % names.length];
        collectGarbage();
        const before = phases[n] ? peers[n].phases() : null;
        const t0 = now();
        lastLoss[n] = runSteps(n, reps[n]);
        times[n].push((now() - t0) / reps[n]);
        if (before) peers[n].phases().forEach((ms, p) => { phases[n][p] += ms - before[p]; });
      }
    }
    const result = { vocab: V, T, emb_dim: C, n_heads: H, n_layers: L, batch: B, parameters: flat.length, peers: {} };
    if (params.get('debug')) result.debug = { flat: Array.from(flat), tokens: Array.from(batches[0].tokens), targets: Array.from(batches[0].targets) };
    for (const n of names) {
      result.peers[n] = { median_ms: median(times[n]), steps_per_s: 1000 / median(times[n]), samples: times[n].length, reps: reps[n],
        first_losses: losses[n], last_loss: lastLoss[n], steps: stepsDone[n] };
      if (phases[n]) {
        const total = phases[n].reduce((a, b) => a + b, 0);
        result.peers[n].phase_share = { forward: phases[n][0] / total, backward: phases[n][1] / total, update: phases[n][2] / total };
      }
    }
    // per round: our step time over each other peer's
    for (const n of names.filter((k) => k !== 'ours')) result.peers[n].round_ratio = median(times[n].map((t, r) => t / times.ours[r]));
    report.configs.push(result);
    log(`(${config.join(', ')}) done: ${JSON.stringify(result)}`);
    for (const n of names) peers[n].dispose();
  }
  report.trainer = await timeTrainer(ours);
  return report;
}

/**
 * The module's own Trainer (wasm/bindings.cpp), step(n), against our step above at the Trainer's
 * configuration: the task fixes vocabulary and T (induction: 10 letters, T 16), so it is timed
 * at (10, 16, 32, 2 heads, 2 layers, batch 32), next to the bench step there: the table's "ours"
 * is the Trainer's speed, batch drawing from the task and the embind call included.
 */
async function timeTrainer(bench) {
  try {
    await loadScript('/dist/attention_core.js');
  } catch {
    return { note: 'build/wasm/dist/attention_core.js not found: the wasm Trainer not timed' };
  }
  const core = await window.createAttentionCore();
  if (!core.Trainer) return { note: 'this build of the module has no Trainer' };
  const config = { task: 'induction', emb_dim: 32, n_heads: 2, n_layers: 2, batch: 32, seed: 1 };
  const trainer = new core.Trainer(JSON.stringify(config));
  const info = JSON.parse(trainer.info());
  const V = info.vocab.length, T = info.seq_len;
  const peer = oursPeer(bench, [V, T, 32, 2, 2, 32]);
  const batches = inductionBatches(8, 32, T, V, 11);
  let k = 0;
  const first = trainer.step(1)[0];
  const steps = tiny ? 2 : 16;
  const time = { trainer: [], ours: [] };
  const warm = now();
  do { trainer.step(steps); for (let i = 0; i < steps; i++) peer.step(batches[k++ % 8]); } while (now() - warm < (tiny ? 50 : 1500));
  for (let r = 0; r < (tiny ? 3 : 15); r++) {
    for (const n of r % 2 ? ['trainer', 'ours'] : ['ours', 'trainer']) {
      collectGarbage();
      const t0 = now();
      if (n === 'trainer') trainer.step(steps);
      else for (let i = 0; i < steps; i++) peer.step(batches[k++ % 8]);
      time[n].push((now() - t0) / steps);
    }
  }
  trainer.delete();
  peer.dispose();
  return { config: [V, T, 32, 2, 2, 32], task: info.task, first_loss: first, steps_per_s: 1000 / median(time.trainer),
    ours_steps_per_s: 1000 / median(time.ours), round_ratio: median(time.trainer.map((t, r) => t / time.ours[r])) };
}

run().then((report) => { window.benchReport = report; log('done'); }, (e) => { window.benchError = String(e && e.stack || e); log(`failed: ${window.benchError}`); });
