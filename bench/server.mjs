// A tiny static server for the benchmark page, on 127.0.0.1 only:
//   /                → bench/page/          (the page and its scripts)
//   /node_modules/…  → bench/node_modules/  (onnxruntime-web, TensorFlow.js: nothing from a CDN)
//   /dist/…          → build/wasm/dist/     (our module; ATTN_WASM_DIST picks another build)
//   /dist-b/…        → $ATTN_WASM_DIST_B    (a second build of ours, the baseline of a change; if set)
//   /build/…         → build/bench/         (the training comparison's builds: bench/train.mjs)
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startServer(Number(process.argv[2] || 8137));
  console.log(`bench page at http://127.0.0.1:${server.address().port}/`);
}
