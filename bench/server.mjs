// A tiny static server for the benchmark page, on 127.0.0.1 only:
//   /                → bench/page/          (the page and its scripts)
//   /node_modules/…  → bench/node_modules/  (onnxruntime-web, TensorFlow.js: nothing from a CDN)
//   /dist/…          → build/wasm/dist/     (our module; ATTN_WASM_DIST picks another build)
//   /dist-b/…        → $ATTN_WASM_DIST_B    (a second build of ours, the baseline of a change; if set)
//   /build/…         → build/bench/         (the training comparison's builds: bench/train.mjs)
import http from 'node:http';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const roots = [
  ['/node_modules/', path.join(here, 'node_modules')],
  ['/dist/', wasmDist()],
  ...(process.env.ATTN_WASM_DIST_B ? [['/dist-b/', path.resolve(here, '..', process.env.ATTN_WASM_DIST_B)]] : []),
  ['/build/', path.join(here, '..', 'build', 'bench')],
  ['/', path.join(here, 'page')],
];
/** The folder of attention_core.js + .wasm: ATTN_WASM_DIST (relative to the repository) or build/wasm/dist. */
export function wasmDist() {
  return path.resolve(here, '..', process.env.ATTN_WASM_DIST || 'build/wasm/dist');
}
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

export function startServer(port = 0) {
  const server = http.createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const [prefix, dir] = roots.find(([p]) => url.startsWith(p));
    const file = path.join(dir, url === '/' ? 'index.html' : url.slice(prefix.length));
    if (!file.startsWith(dir)) { response.writeHead(403).end(); return; }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      response.writeHead(404).end(`not found: ${url}`);
      return;
    }
    response.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/**
 * Serves the benchmark, opens `pagePath?query` in headless Chromium (Debian's, a fresh profile,
 * garbage collection exposed so the page collects between samples, outside the timing), and
 * resolves to the page's window.benchReport (rejects with its window.benchError). The page's
 * console goes to stderr (errors only when quiet).
 */
export async function reportFromPage(pagePath, query, { quiet = false, timeout = 1_800_000 } = {}) {
  const { chromium } = await import('playwright-core');
  const server = await startServer();
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'attn-bench-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'],
  });
  try {
    const page = await context.newPage();
    page.on('console', (m) => { if (!quiet || m.type() === 'error') console.error(`  page: ${m.text().slice(0, 300)}`); });
    page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}${pagePath}?${query}`);
    await page.waitForFunction(() => window.benchReport || window.benchError, null, { timeout, polling: 500 });
    const error = await page.evaluate(() => window.benchError);
    if (error) throw new Error(error);
    return await page.evaluate(() => window.benchReport);
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startServer(Number(process.argv[2] || 8137));
  console.log(`bench page at http://127.0.0.1:${server.address().port}/`);
}
