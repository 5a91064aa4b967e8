#!/usr/bin/env node
// Screenshots of the contents page and every lesson at desktop (1280) and phone (360) widths,
// into build/screenshots/, for a person to look at. Usage: node tests/web/screenshots.mjs [lesson-prefix]
import fs from 'node:fs';
import path from 'node:path';
import { LESSONS, launch, root, settled, startSite } from './helpers.mjs';

const only = process.argv[2];
const out = path.join(root, 'build/screenshots');
fs.mkdirSync(out, { recursive: true });
const { server, url } = await startSite();
const { context, close } = await launch();
try {
  const pages = ['index', ...LESSONS].filter((n) => !only || n.startsWith(only));
  for (const name of pages) {
    for (const [label, width] of [['desktop', 1280], ['phone', 360]]) {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`${name} ${label} console ${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => console.log(`${name} ${label} page error: ${e.message}`));
      await page.setViewportSize({ width, height: 900 });
      await page.goto(url + (name === 'index' ? 'index.html' : `lessons/${name}.html`));
      if (name !== 'index') await settled(page);
      // a lesson that trains (8): shot once its model is trained, every part drawn
      await page.waitForFunction(() => !document.body.dataset.train || !['running', 'idle'].includes(document.body.dataset.train), null, { timeout: 90000 });
      const file = path.join(out, `${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(file);
      await page.close();
    }
  }
} finally {
  await close();
  server.close();
}
