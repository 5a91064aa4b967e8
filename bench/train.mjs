// tools/bench's training comparison: the small GPT trained by our core and by TensorFlow.js's
// wasm backend in one headless Chromium page (bench/page/train.html), and the table.
// Builds, into build/bench/: wasm_train.js (bench/wasm_train.cpp and the core's training
// sources, em++ with the module's flags) and tfjs_train.js (esbuild: @tensorflow/tfjs-core with
// its gradients, the wasm backend, bench/tfjs_gpt.js).
// Usage: node bench/train.mjs [--tiny] [--json out.json] [--configs V×T×C×heads×layers×batch,…]
//                             [--baseline GIT-REF]
//   ATTN_BENCH_DEBUG=1: the tfjs bundle unminified and the first weights and batch in the JSON report
//   --baseline REF  also our step as the core's training sources were at REF ("ours, baseline"),
//                   timed in the same page: before/after ratios of a change from one run
// Checks (exit 2 on failure, timings never judged): from the same weights on the same batches,
// every peer's first loss is finite and near ln(vocab), and the peers' first three losses agree.
// Two TensorFlow.js peers (bench/tfjs_gpt.js): "autograd", the model as a TensorFlow.js user
// writes it, whose backward runs transposed products (the issue's peer: 41, 6.0 and 1.3 steps/s),
// and "explicit", each product's gradients through an explicit transpose (faster at the larger
// configurations). Measured 2026-12-01 on the 2-core machine at load 0.7, steps/s (ours × peer):
// (16, 16, 32, 2, 2, 32): ours 276, autograd 14.4 (19.2×), explicit 17.3 (16.0×);
// (16, 32, 64, 4, 2, 32): ours 50.5, autograd 3.6 (14.0×), explicit 6.8 (7.4×);
// (64, 64, 128, 4, 2, 16): ours 15.0, autograd 1.0 (15.7×), explicit 3.2 (4.7×).
// Our step: ~2/5 forward, ~3/5 backward, 1% clip + AdamW; products ~80% of it in wasm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportFromPage } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const out = path.join(root, 'build', 'bench');
const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const jsonOut = option('--json');
const baselineRef = option('--baseline');

/** --configs 16x16x32x2x2x32,…: (vocab, T, emb_dim, n_heads, n_layers, batch) */
function parseConfigs(text) {
  const configs = text.split(',').map((s) => s.split(/[x×]/).map(Number));
  if (!configs.every((c) => c.length === 6 && c.every((n) => Number.isInteger(n) && n >= 1) && c[2] % c[3] === 0)) {
    console.error(`bench: --configs wants vocab×T×emb_dim×heads×layers×batch (heads dividing emb_dim), got "${text}"`);
    process.exit(1);
  }
  return configs;
}
const configs = tiny ? [[8, 6, 8, 2, 2, 4]]
  : option('--configs') ? parseConfigs(option('--configs'))
    : [[16, 16, 32, 2, 2, 32], [16, 32, 64, 4, 2, 32], [64, 64, 128, 4, 2, 16]];
// tfjs-wasm's steps/s at the three configurations as issue 14 measured them, and the targets
const issue = { '16,16,32,2,2,32': [41, 5], '16,32,64,4,2,32': [6.0, 10], '64,64,128,4,2,16': [1.3, 10] };

mkdirSync(out, { recursive: true });
// em++ must see only the header-only libraries, never /usr/include (see the top CMakeLists.txt).
const include = path.join(out, 'include');
mkdirSync(include, { recursive: true });
for (const lib of ['xtensor', 'xtl']) {
  if (!existsSync(path.join(include, lib))) execFileSync('ln', ['-sfn', `/usr/include/${lib}`, path.join(include, lib)]);
}
const coreSources = ['core/src/train_model.cpp', 'core/src/train.cpp', 'core/src/train_tasks.cpp', 'core/src/random.cpp'];
const coreHeaders = ['core/src/train_ops.hpp', 'core/src/kernels.hpp', 'core/src/kernels/simd.hpp', 'core/src/kernels/gemm.hpp',
  'core/src/kernels/exp2.hpp', 'core/src/kernels/strassen.hpp', 'core/include/attn/train.hpp', 'core/include/attn/train_tasks.hpp',
  'core/include/attn/random.hpp'];
const newest = (files) => Math.max(...files.map((f) => (existsSync(f) ? statSync(f).mtimeMs : Infinity)));

/** em++ with the module's flags (core/CMakeLists.txt: -O3 -msimd128; -fexceptions), one file. */
function buildOurs(coreRoot, js, exportName) {
  const inputs = [path.join(here, 'wasm_train.cpp'), ...[...coreSources, ...coreHeaders].map((f) => path.join(coreRoot, f))];
  if (existsSync(js) && statSync(js).mtimeMs > newest(inputs)) return;
  console.error(`bench: em++ ${path.relative(root, js)}`);
  execFileSync('em++', ['-O3', '-msimd128', '-std=c++17', '-DNDEBUG', '-fexceptions', '-isystem', include,
    '-I', path.join(coreRoot, 'core/include'), '-I', path.join(coreRoot, 'core/src'), inputs[0],
    ...coreSources.map((f) => path.join(coreRoot, f)),
    '-sMODULARIZE=1', `-sEXPORT_NAME=${exportName}`, '-sSINGLE_FILE=1', '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=web',
    '-sEXPORTED_FUNCTIONS=_train_create,_train_destroy,_train_parameters,_train_parameter_count,_train_tokens,_train_targets,_train_step,_train_phase_ms',
    '-o', js], { stdio: 'inherit', env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
}
buildOurs(root, path.join(out, 'wasm_train.js'), 'createTrainBench');
if (baselineRef) {
  const src = path.join(out, 'baseline-src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${root}" archive "${baselineRef}" core | tar -x -C "${src}"`], { stdio: 'inherit' });
  rmSync(path.join(out, 'wasm_train_baseline.js'), { force: true });
  buildOurs(src, path.join(out, 'wasm_train_baseline.js'), 'createTrainBenchBaseline');
}
const bundle = path.join(out, 'tfjs_train.js');
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest([path.join(here, 'tfjs_entry.js'), path.join(here, 'tfjs_gpt.js')])) {
  const esbuild = await import('esbuild');  // the repository's devDependency (node_modules at the top)
  await esbuild.build({ entryPoints: [path.join(here, 'tfjs_entry.js')], bundle: true, format: 'iife', minify: !process.env.ATTN_BENCH_DEBUG,
    platform: 'browser', target: 'es2020', outfile: bundle, logLevel: 'warning' });
}

const query = new URLSearchParams({ configs: JSON.stringify(configs), tiny: tiny ? '1' : '0', baseline: baselineRef ? '1' : '0' });
if (process.env.ATTN_BENCH_DEBUG) query.set('debug', '1');
const report = await reportFromPage('/train.html', query, { quiet: tiny, timeout: tiny ? 300_000 : 1_800_000 });

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const pct = (x) => `${Math.round(100 * x)}%`;
console.log(`\nTraining the small GPT (GELU, learned positions, no qkv bias), single thread, float32, headless Chromium (${report.env.userAgent.match(/Chrome\/[\d.]+/)?.[0]}):`);
console.log(`a step = forward, backward, global-norm clip, AdamW, loss read back; the same weights and induction batches for`);
console.log(`every peer. Ours: the Trainer's step on Gpt<float> (bench/wasm_train.cpp, the module's flags); tfjs: tfjs-core`);
console.log(`${report.env.tfjs} with the wasm backend (simd ${report.env.simd}, threads off), our model in bench/tfjs_gpt.js, twice:`);
console.log(`"autograd", as a TensorFlow.js user writes it (the backward's transposed products are autograd's, the issue's peer),`);
console.log(`and "explicit", each product's gradients by an explicit transpose and a plain product (a stronger peer). Medians`);
console.log(`of interleaved samples, a garbage collection before each. "ours ×": the ratio of the medians (in brackets, the`);
console.log(`median of the rounds' ratios: steadier on a shared machine, each round's peers seeing about the same load).`);
console.log(`GFLOP/s: ours, a step counted as three forwards' products (stepFlops).\n`);
/**
 * A step's floating-point operations, counted as 3 forwards (the backward does two products for
 * each of the forward's): every product's 2·n·k·m, the attention's two products whole (no causal
 * halving), the rest (norms, softmax, GELU, AdamW: a few percent) left out.
 */
function stepFlops({ vocab: V, T, emb_dim: C, n_heads: H, n_layers: L, batch: B }) {
  const N = B * T, F = 4 * C, hd = C / H;
  const forward = 2 * N * (L * (4 * C * C + 2 * C * F) + C * V) + L * B * H * 2 * (2 * T * T * hd);
  return 3 * forward;
}
const rows = [['(V, T, C, heads, layers, batch)', 'params', 'tfjs autograd/s', 'tfjs explicit/s', ...(baselineRef ? ['baseline steps/s'] : []),
  'ours steps/s', 'GFLOP/s', 'ours × autograd', 'ours × explicit', ...(baselineRef ? ['vs baseline'] : []), 'target', 'issue tfjs', 'ours: fwd / bwd / update']];
let agree = true;
const problems = [];
for (const c of report.configs) {
  const key = [c.vocab, c.T, c.emb_dim, c.n_heads, c.n_layers, c.batch].join(',');
  const ours = c.peers.ours, tfjs = c.peers.tfjs, autograd = c.peers['tfjs, autograd'], base = c.peers['ours, baseline'];
  const share = ours.phase_share;
  const ratio = (peer) => `${fmt(ours.steps_per_s / peer.steps_per_s, 1)} (${fmt(peer.round_ratio, 1)})`;
  rows.push([`(${key.replaceAll(',', ', ')})`, String(c.parameters), fmt(autograd.steps_per_s, 1), fmt(tfjs.steps_per_s, 1),
    ...(base ? [fmt(base.steps_per_s, 1)] : []), fmt(ours.steps_per_s, 1), fmt(ours.steps_per_s * stepFlops(c) / 1e9, 1), ratio(autograd), ratio(tfjs),
    ...(base ? [`${fmt(ours.steps_per_s / base.steps_per_s, 3)} (${fmt(base.round_ratio, 3)})`] : []), issue[key] ? `${issue[key][1]}×` : '',
    issue[key] ? String(issue[key][0]) : '', `${pct(share.forward)} / ${pct(share.backward)} / ${pct(share.update)}`]);
  // the checks: losses finite, the first near ln(vocab), the first three the same for every peer
  for (const [name, p] of Object.entries(c.peers)) {
    if (!p.first_losses.every(Number.isFinite) || !Number.isFinite(p.last_loss)) problems.push(`${key} ${name}: a loss is not finite (${p.first_losses}, last ${p.last_loss})`);
    if (!(Math.abs(p.first_losses[0] - Math.log(c.vocab)) < 0.05 * Math.log(c.vocab))) problems.push(`${key} ${name}: first loss ${p.first_losses[0]}, not near ln(${c.vocab}) = ${Math.log(c.vocab).toFixed(4)}`);
    p.first_losses.forEach((loss, i) => {
      const rel = Math.abs(loss - ours.first_losses[i]) / Math.abs(ours.first_losses[i]);
      const tolerance = i === 0 ? 1e-5 : 1e-3;  // the first step from identical weights; later ones after float-rounded updates
      if (!(rel <= tolerance)) problems.push(`${key} ${name}: loss ${i + 1} is ${loss}, ours ${ours.first_losses[i]} (relative ${rel.toExponential(1)} > ${tolerance})`);
    });
  }
}
const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
rows.forEach((r, i) => {
  console.log('  ' + r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  '));
  if (i === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
});
console.log('\nfirst three losses (same weights, same batches):');
for (const c of report.configs) {
  console.log(`  (${c.vocab}, ${c.T}, ${c.emb_dim}, ${c.n_heads}, ${c.n_layers}, ${c.batch}): ln V = ${Math.log(c.vocab).toFixed(6)}; ` +
    Object.entries(c.peers).map(([n, p]) => `${n} ${p.first_losses.map((x) => x.toFixed(6)).join(' ')}`).join('; '));
}
const tr = report.trainer;
if (tr.note) console.log(`\nthe wasm Trainer: ${tr.note}`);
else {
  console.log(`\nthe module's Trainer, step(n), task ${tr.task} at (${tr.config.join(', ')}): ${fmt(tr.steps_per_s, 1)} steps/s; our step above at`);
  console.log(`the same configuration ${fmt(tr.ours_steps_per_s, 1)} steps/s (Trainer time over ours, median of rounds: ${fmt(tr.round_ratio, 3)})`);
  if (!(Number.isFinite(tr.first_loss) && Math.abs(tr.first_loss - Math.log(tr.config[0])) < 0.05 * Math.log(tr.config[0])))
    problems.push(`the Trainer's first loss ${tr.first_loss} is not near ln(${tr.config[0]})`);
}
if (problems.length) { agree = false; for (const p of problems) console.log(`PROBLEM: ${p}`); }
console.log(agree ? '\ntraining peers agree (first losses finite, near ln V, the same within 1e-5 / 1e-3)' : '\nDISAGREEMENT in the training comparison');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
process.exit(agree ? 0 : 2);
