// tools/bench: serves bench/page, opens it in headless Chromium (Debian's, never downloaded),
// waits for the report and prints the table.
// Usage: node bench/run.mjs [--tiny] [--json out.json] [--sizes T×d×heads,…]
//        [--peers name,…]  (only the peers whose names contain one of these, besides ours)
//   ATTN_WASM_DIST=build/<folder>/dist benchmarks another wasm build (default build/wasm/dist);
//   ATTN_WASM_DIST_B=<folder> adds that build as the peer "ours, baseline" (before/after a change).
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportFromPage, wasmDist } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const jsonOut = option('--json');
/** --sizes 512x768x12,1024x768x12: (T, d_model, heads) triples, to measure a few sizes only. */
function parseSizes(text) {
  const sizes = text.split(',').map((s) => s.split(/[x×]/).map(Number));
  if (!sizes.every((s) => s.length === 3 && s.every((n) => Number.isInteger(n) && n >= 1) && s[1] % s[2] === 0)) {
    console.error(`bench: --sizes wants T×d_model×heads triples (heads dividing d_model), got "${text}"`);
    process.exit(1);
  }
  return sizes;
}
const sizes = tiny ? [[6, 4, 2]] : option('--sizes') ? parseSizes(option('--sizes')) : [[6, 4, 2], [128, 256, 4], [512, 768, 12], [1024, 768, 12]];
if (!existsSync(path.join(wasmDist(), 'attention_core.js'))) {
  console.error(`bench: ${path.relative(process.cwd(), wasmDist())}/attention_core.js is missing: run tools/build first`);
  process.exit(1);
}

const query = new URLSearchParams({ sizes: JSON.stringify(sizes) });
if (process.env.ATTN_WASM_DIST_B) query.set('baseline', '/dist-b/attention_core.js');
if (option('--peers')) query.set('peers', option('--peers'));
const report = await reportFromPage('/', query, { quiet: tiny, timeout: tiny ? 240_000 : 1_800_000 });

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
console.log(`\nCausal multi-head attention forward, single thread, float32, headless Chromium (${report.env.userAgent.match(/Chrome\/[\d.]+/)?.[0]}),`);
console.log(`our module from ${path.relative(path.resolve(here, '..'), wasmDist())}, onnxruntime-web ${report.env.ort}, tfjs ${report.env.tfjs} (${report.env.tfBackend}); medians of interleaved samples,\na garbage collection before each.`);
console.log('GFLOP = 8·T·d² (projections) + 2·d·T·(T+1) (causal scores and values). "ours ×" = our median time');
console.log('(FastAttention.forward, copies in and out included) as a speed-up over the peer. GFLOP/s counts the same');
console.log('operations for every peer; from d = 256 (and T = 64) up, our projections take Strassen steps and multiply less.\n');
let agree = true;
for (const size of report.sizes) {
  console.log(`(T, d_model, heads) = (${size.T}, ${size.d_model}, ${size.num_heads}): ${fmt(size.gflop, 6)} GFLOP; copying in and out alone ${fmt(size.copy_ms, 4)} ms`);
  const ours = size.peers['ours (FastAttention)'].median_ms;
  const rows = [['peer', 'median ms', 'GFLOP/s', 'ours ×', 'samples×reps', 'max |Δ| vs ours']];
  for (const [name, p] of Object.entries(size.peers)) {
    rows.push([name, fmt(p.median_ms, 4), fmt(size.gflop / (p.median_ms / 1e3), 2), name === 'ours (FastAttention)' ? '' : fmt(p.median_ms / ours, 2), `${p.samples}×${p.reps}`, p.max_abs_diff.toExponential(1)]);
    if (!(p.max_abs_diff <= 1e-4)) agree = false;
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  rows.forEach((r, i) => {
    console.log('  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  });
  for (const [name, note] of Object.entries(size.notes)) console.log(`  ${name}: ${note}`);
  console.log();
}
console.log('JSON path at lesson sizes (JSON.stringify + run + JSON.parse; 50 batches of 20 requests):');
for (const [name, t] of Object.entries(report.json)) console.log(`  ${name}: median ${fmt(t.median_ms, 4)} ms, p90 ${fmt(t.p90_ms, 4)} ms`);
console.log(agree ? '\nall peers agree with ours within 1e-4' : '\nDISAGREEMENT: some peer differs from ours by more than 1e-4');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
process.exit(agree ? 0 : 2);
