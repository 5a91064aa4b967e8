// Builds bench/wasm_kernels.cpp with em++ (the module's compile flags) and runs it in headless
// Chromium (default) or Node: the micro-kernel's rate in L1, the two products of the forward,
// and the whole forward, so the attention part is the rest.
// Usage: node bench/wasm_kernels.mjs [--node] [--out DIR] [--flags "-O3 …"] [--sizes 512x768x12,…]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const out = path.resolve(root, option('--out', 'build/wasm-kernels'));
const flags = option('--flags', '-O3 -msimd128').split(/\s+/).filter(Boolean);
const sizes = option('--sizes', '512x768x12,1024x768x12').split(',').map((s) => s.split('x').map(Number));

// em++ must see only the header-only libraries, never /usr/include (see the top CMakeLists.txt).
const include = path.join(out, 'include');
mkdirSync(include, { recursive: true });
for (const lib of ['xtensor', 'xtl']) {
  try { execFileSync('ln', ['-sfn', `/usr/include/${lib}`, path.join(include, lib)]); } catch { /* already there */ }
}
const js = path.join(out, 'wasm_kernels.js');
execFileSync('em++', [...flags, '-std=c++17', '-DNDEBUG', '-fexceptions', '-isystem', include, '-I', path.join(root, 'core/include'),
  '-I', path.join(root, 'core/src'), path.join(root, 'bench/wasm_kernels.cpp'), path.join(root, 'core/src/fused.cpp'), path.join(root, 'core/src/tensor.cpp'),
  '-sMODULARIZE=1', '-sEXPORT_NAME=createKernels', '-sSINGLE_FILE=1', '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=web,node',
  '-sEXPORTED_FUNCTIONS=_time_gemm,_time_forward,_kernel_gflops,_strassen_steps', '-o', js],
{ stdio: 'inherit', env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });

/** Runs in the page (or Node): every measurement, as lines of text. */
async function measure(sizes) {
  const m = await createKernels();
  const lines = [];
  // The best of several calls: the first ones may run in V8's baseline tier.
  const best = (f) => Math.min(...Array.from({ length: 4 }, f));
  // Row counts interleaved, the best of four rounds each: which register tile V8 runs fastest.
  for (const k of [64, 256]) {
    const rates = { 4: [], 5: [], 6: [] };
    for (let round = 0; round < 4; round++) for (const rows of [4, 5, 6]) rates[rows].push(m._kernel_gflops(rows, k, 16, 1 << 20 >> Math.log2(k)));
    lines.push(`micro-kernel in L1, depth ${k}: ` + Object.entries(rates).map(([rows, r]) => `${rows}×8 ${Math.max(...r).toFixed(1)}`).join(', ') + ' GFLOP/s');
  }
  for (const [T, d, heads] of sizes) {
    // the products as the forward takes them, and without the Strassen step for comparison
    const strassen = m._strassen_steps(T, d);  // the same for Z·W_out at these sizes
    const qkv = best(() => m._time_gemm(T, d, 3 * d, 3, strassen)), o = best(() => m._time_gemm(T, d, d, 3, strassen));
    const all = best(() => m._time_forward(T, d, heads, 3));
    const blocked = strassen ? best(() => m._time_gemm(T, d, 3 * d, 3, 0)) + best(() => m._time_gemm(T, d, d, 3, 0)) : qkv + o;
    const rate = (flop, ms) => (flop / ms / 1e6).toFixed(1);
    const attention = all - qkv - o, attentionFlop = 2 * d * T * (T + 1);
    lines.push(`(${T}, ${d}, ${heads}): forward ${all.toFixed(1)} ms (${rate(8 * T * d * d + attentionFlop, all)} GFLOP/s) = ` +
      `X·W_qkv ${qkv.toFixed(1)} ms (${rate(6 * T * d * d, qkv)}) + Z·W_out ${o.toFixed(1)} ms (${rate(2 * T * d * d, o)}) + ` +
      `heads and the rest ${attention.toFixed(1)} ms (${rate(attentionFlop, attention)})` +
      (strassen ? `; the products with ${strassen} Strassen step(s) (GFLOP/s counted as for the plain product), ${blocked.toFixed(1)} ms without` : ''));
  }
  return lines;
}

let lines;
if (args.includes('--node')) {
  globalThis.createKernels = createRequire(import.meta.url)(js);
  lines = await measure(sizes);
} else {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'attn-kernels-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    // A cross-origin-isolated page: its clock ticks in 5 µs steps instead of 100 µs.
    const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    await page.route('http://localhost:9/**', (route) => (route.request().url().endsWith('.js')
      ? route.fulfill({ path: js, contentType: 'text/javascript', headers: isolated })
      : route.fulfill({ body: '<!doctype html><script src="k.js"></script>', contentType: 'text/html', headers: isolated })));
    await page.goto('http://localhost:9/');
    lines = await page.evaluate(`(${measure.toString()})(${JSON.stringify(sizes)})`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
for (const line of lines) console.log(line);
