#!/usr/bin/env node
// The first view of a lesson: how long after navigation the first number the core computed is on the
// screen, and how many bytes the page transferred until then. Several builds of the site are measured
// in one run, interleaved (the machine is shared and noisy: compare them as ratios, never across runs),
// served over HTTP and opened from disk, each load in a fresh browser context (a cold cache).
//
// Usage: node bench/first-view.mjs [--site name=dir ...] [--rounds 7] [--lessons 02-…,03-…]
//   default: one site, build/site, named "now". For a before/after, build the old commit's site into
//   another folder (ATTN_SITE=build/site-before node tools/build-web.mjs in a checkout of it) and pass
//   --site before=build/site-before --site after=build/site.
// "The first number": the first table cell or .num element holding a decimal number that appears after
// DOMContentLoaded (the page's own prose is parsed before then; the core's numbers come after).
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from '../tools/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function options(argv) {
  const o = { sites: [], rounds: 7, lessons: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], value = () => argv[++i];
    if (a === '--site') {
      const [name, dir] = value().split('=');
      o.sites.push({ name, dir: path.resolve(root, dir) });
    } else if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--lessons') o.lessons = value().split(',');
    else throw new Error(`first-view: unknown argument ${a}`);
  }
  if (!o.sites.length) o.sites.push({ name: 'now', dir: path.join(root, 'build/site') });
  return o;
}

// Runs in the page before its first script: notes when the first computed number appears.
function watchFirstNumber() {
  const NUMBER = /-?\d+\.\d+/;
  let ready = false;
  window.__firstNumber = null;
  document.addEventListener('DOMContentLoaded', () => { ready = true; });
  const isNumber = (n) => n.nodeType === 1 && (n.matches('td, .num') ? NUMBER.test(n.textContent)
    : !!Array.prototype.find.call(n.querySelectorAll('td, .num'), (c) => NUMBER.test(c.textContent)));
  new MutationObserver((records, observer) => {
    if (!ready) return;
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (isNumber(n)) {
          const resources = performance.getEntriesByType('resource');
          const nav = performance.getEntriesByType('navigation')[0];
          window.__firstNumber = {
            ms: performance.now(),
            bytes: (nav ? nav.transferSize : 0) + resources.reduce((s, e) => s + e.transferSize, 0),
            files: resources.map((e) => [e.name.replace(/^.*\//, ''), e.transferSize]),
          };
          observer.disconnect();
          return;
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function main() {
  const o = options(process.argv.slice(2));
  const lessonsDir = path.join(o.sites[0].dir, 'lessons');
  const lessons = o.lessons || fs.readdirSync(lessonsDir).filter((f) => f.endsWith('.html')).map((f) => f.replace(/\.html$/, ''));
  for (const s of o.sites) s.server = await serve({ root: s.dir, port: 0, quiet: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const samples = {};  // `${lesson} ${mode} ${site}` -> [{ ms, bytes }]
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const lesson of lessons) {
        for (const mode of ['served', 'file']) {
          // rotate the order each round, so no build always goes first
          const order = o.sites.map((_, i) => o.sites[(i + round) % o.sites.length]);
          for (const s of order) {
            const url = mode === 'served' ? `${s.server.url}lessons/${lesson}.html`
              : pathToFileURL(path.join(s.dir, 'lessons', `${lesson}.html`)).href;
            const context = await browser.newContext();
            const page = await context.newPage();
            await page.addInitScript(watchFirstNumber);
            await page.goto(url);
            const first = await page.waitForFunction(() => window.__firstNumber, null, { timeout: 30000 }).then((h) => h.jsonValue());
            await context.close();
            (samples[`${lesson} ${mode} ${s.name}`] ||= []).push(first);
            if (round === 0 && mode === 'served' && lesson === lessons[0]) {
              const big = first.files.filter(([, b]) => b > 20000).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KB`);
              console.log(`${s.name}: ${lesson} transfers ${(first.bytes / 1024).toFixed(0)} KB before its first number (${big.join(', ')})`);
            }
          }
        }
      }
    }
  } finally {
    await browser.close();
    for (const s of o.sites) s.server.server.close();
  }
  const names = o.sites.map((s) => s.name);
  const head = ['lesson', 'mode', ...names.map((n) => `${n} ms`), ...names.map((n) => `${n} KB`)];
  if (names.length > 1) head.push(`${names[0]} / ${names.at(-1)}`);
  console.log(`\nmedians of ${o.rounds} cold loads each, interleaved; time from navigation to the first computed number\n`);
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const lesson of lessons) {
    for (const mode of ['served', 'file']) {
      const ms = names.map((n) => median(samples[`${lesson} ${mode} ${n}`].map((x) => x.ms)));
      const kb = names.map((n) => mode === 'file' ? '-' : (median(samples[`${lesson} ${mode} ${n}`].map((x) => x.bytes)) / 1024).toFixed(0));
      const row = [lesson, mode, ...ms.map((m) => m.toFixed(0)), ...kb];
      if (names.length > 1) row.push((ms[0] / ms.at(-1)).toFixed(2));
      console.log(`| ${row.join(' | ')} |`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
