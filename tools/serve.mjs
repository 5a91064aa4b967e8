#!/usr/bin/env node
// A tiny static file server for build/site: correct MIME types (application/wasm for .wasm, so
// the browser compiles the module while it streams), no directory listings, nothing outside the root.
// Usage: node tools/serve.mjs [--root build/site] [--port 8000] [--host 127.0.0.1] [--csp]
// Port 0 picks a free port; the address is printed as "serving <root> at http://host:port/".
// --csp (serve({ csp: true })) sends the strict Content-Security-Policy the hosted site is built for.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.map': 'application/json; charset=utf-8',
};

/**
 * The Content-Security-Policy of the hosted site: scripts only from the site itself, no eval and no
 * inline script or event handler; 'wasm-unsafe-eval' lets WebAssembly compile (and nothing else).
 * connect-src allows data: because the single-file module (used by sandboxed frames, whose origin is
 * opaque) reads its inline wasm through fetch of a data: URL. No frame-ancestors: lessons are meant
 * to be embedded anywhere.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Starts the server; resolves to { server, url }. csp: send the CSP header with every page. */
export function serve({ root, port = 8000, host = '127.0.0.1', quiet = false, csp = false }) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let file = path.join(base, pathname);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.stat(file, (err, stat) => {
      if (!err && stat.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, { Location: pathname + '/' }).end();
          return;
        }
        file = path.join(file, 'index.html');
      }
      fs.readFile(file, (readErr, body) => {
        if (readErr) {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
          if (!quiet) console.log(`404 ${pathname}`);
          return;
        }
        const headers = {
          'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
          'Content-Length': body.length,
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
          // Public static files: a lesson embedded in a sandboxed frame has an opaque origin, and its
          // fonts (always fetched with CORS) load only with this header.
          'Access-Control-Allow-Origin': '*',
        };
        if (csp) headers['Content-Security-Policy'] = CSP;
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
      resolve({ server, url });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const root = opt('root', 'build/site');
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`serve: ${root}/index.html is missing: build the site first (bash tools/build)`);
    process.exit(1);
  }
  const port = Number(opt('port', process.env.PORT || 8000));
  const csp = args.includes('--csp');
  serve({ root, port, host: opt('host', '127.0.0.1'), csp }).then(({ url }) => {
    console.log(`serving ${root} at ${url}${csp ? ' with the strict CSP' : ''}  (Ctrl-C to stop)`);
  }, (err) => {
    console.error(`serve: cannot listen on port ${port}: ${err.message}`);
    process.exit(1);
  });
}
