// Every view can leave the page (render/export.js): on every lesson, served under the strict CSP,
// each heatmap and chart downloads as a PNG (decoded here: its size, and colour on it) and as an SVG
// (parsed: its cells and their numbers, or its lines and points), and every matrix, heatmap and
// chart downloads as CSV whose numbers are the ones the page prints (and the core's, in full). In a
// sandboxed frame, where downloads and the clipboard may be refused, the same text and picture are
// shown to select; from disk (file://) the downloads work too.
// Usage: node --test tests/web/export.test.mjs   (needs bash tools/build and bash tools/export first)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeSuite, fmt, lastRequest, LESSONS, NO_STEPPER, openSuite, root, settled, site as siteDir, watch } from './helpers.mjs';

const exported = path.resolve(root, process.env.ATTN_EXPORT || 'build/export');
// Lesson 6 draws its charts once it has measured: a small sweep.
// lesson 8 opened paused (auto=0): a page that trains redraws its maps while the test reads them
const VIEW = { '06-what-attention-costs': '#tmax=64&d_model=32&num_heads=2', '08-watch-attention-learn': '#auto=0' };

let suite, site, hostUrl, hostPages, browser, run;  // the host: a course site on another origin

before(async () => {
  suite = await openSuite({ csp: true, host: true });
  ({ site, browser, run } = suite);
  ({ url: hostUrl, pages: hostPages } = suite.host);
});
after(() => closeSuite(suite));

/** Opens a page, recording CSP violations, console errors and page errors. */
async function open(url) {
  const page = await browser.context.newPage();
  const problems = await watch(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  return { page, problems };
}

/** RFC 4180 CSV, as export.js writes it: rows of fields (a <textarea> gives its CRLF back as LF). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      row.push(field); rows.push(row); row = []; field = '';
      if (c === '\r') i++;
    } else field += c;
  }
  assert.equal(row.length + field.length, 0, 'the CSV does not end with a line break');
  return rows;
}

/** A CSV number as the page prints it, with as many decimals as the printed text has. */
function printed(fieldText, shown) {
  if (fieldText === '-inf') return '−∞';
  if (fieldText === 'nan') return 'NaN';
  const x = Number(fieldText);
  assert.ok(Number.isFinite(x), `not a number in the CSV: ${fieldText}`);
  const decimals = (shown.split('.')[1] || '').length;
  return fmt(x, decimals);
}

/** The export panels of the page: what each belongs to, and the numbers it prints there. */
const panels = (page) => page.$$eval('details.export', (all) => all.map((d, index) => {
  const parent = d.parentElement;
  const kind = parent.matches('figure.heatmap') ? 'heatmap' : parent.querySelector(':scope > .chart-box') ? 'chart' : 'matrix';
  const cells = kind === 'heatmap' ? [...parent.querySelectorAll('.hm-cell')]
    : kind === 'matrix' ? [...parent.querySelectorAll(':scope > .matrix-scroll td, :scope > .slices td')] : [];
  const rowLabels = kind === 'heatmap' ? [...parent.querySelectorAll('.hm-row')].map((n) => n.textContent)
    : [...parent.querySelectorAll(':scope > .matrix-scroll tbody th, :scope > .slices tbody th')].map((n) => n.textContent);
  const buttons = [...d.querySelectorAll('button')].map((b) => b.textContent);
  const visible = !!d.getClientRects().length;
  return { index, kind, name: d.dataset.export, cells: cells.map((c) => c.textContent), rowLabels, buttons, visible,
    points: kind === 'chart' ? parent.querySelectorAll('svg.chart g.pt').length : 0,
    lines: kind === 'chart' ? parent.querySelectorAll('svg.chart path.line').length : 0 };
}));

/** Opens export panel `index` and downloads what `label` saves: the file's bytes and name. */
async function download(page, index, label) {
  const menu = page.locator('details.export').nth(index);
  if (!(await menu.evaluate((d) => d.open))) await menu.locator('summary').click();
  const [file] = await Promise.all([page.waitForEvent('download'), menu.getByRole('button', { name: label, exact: true }).click()]);
  return { bytes: fs.readFileSync(await file.path()), name: file.suggestedFilename() };
}

/** Decodes a PNG in the browser: its size, and how much of it is coloured (not the background). */
const decodePng = (page, bytes) => page.evaluate(async (b64) => {
  const img = new Image();
  img.src = `data:image/png;base64,${b64}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const bg = data.slice(0, 3).join(',');
  const colours = new Set();
  let other = 0;
  for (let i = 0; i < data.length; i += 4) {
    const c = `${data[i]},${data[i + 1]},${data[i + 2]}`;
    if (c !== bg) other++;
    if (colours.size < 5000) colours.add(c);
  }
  return { width: img.naturalWidth, height: img.naturalHeight, coloured: other / (data.length / 4), colours: colours.size };
}, bytes.toString('base64'));

/** Parses an SVG in the browser: its size, its cells (heatmap: row, column, text) and a chart's lines and points (in the chart's own <svg>, not its key). */
const parseSvg = (page, text) => page.evaluate((src) => {
  const doc = new DOMParser().parseFromString(src, 'image/svg+xml');
  if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror').textContent };
  const root = doc.documentElement;
  return {
    tag: root.tagName, width: Number(root.getAttribute('width')), height: Number(root.getAttribute('height')),
    cells: [...doc.querySelectorAll('g.cell')].map((g) => g.querySelector('text').textContent),
    rowLabels: [...doc.querySelectorAll('text.row-label')].map((t) => t.textContent),
    lines: doc.querySelectorAll('svg svg path.line').length, points: doc.querySelectorAll('svg svg g.pt').length,
  };
}, text);

/** The CSV of a heatmap or matrix against its printed cells: labels and every number. */
function checkCsv(csv, panel, where) {
  const rows = parseCsv(csv);
  const threeD = rows[0][0] === 'head';
  const body = rows.slice(1);
  const skip = threeD ? 2 : 1;
  const numbers = body.flatMap((r) => r.slice(skip));
  assert.equal(numbers.length, panel.cells.length, `${where}: the CSV has ${numbers.length} numbers, the page prints ${panel.cells.length}`);
  numbers.forEach((n, k) => assert.equal(printed(n, panel.cells[k]), panel.cells[k], `${where}: number ${k} of the CSV`));
  if (panel.rowLabels.length) assert.deepEqual(body.map((r) => r[skip - 1]), panel.rowLabels, `${where}: the row labels`);
  assert.equal(new Set(rows.map((r) => r.length)).size, 1, `${where}: ragged CSV`);
  return rows;
}

for (const name of LESSONS) {
  test(`${name}: every heatmap and chart saves as PNG and SVG, every matrix as CSV with the page's numbers`, async () => {
    const { page, problems } = await open(`${site.url}lessons/${name}.html${VIEW[name] || ''}`);
    await settled(page);
    if (name === '06-what-attention-costs') {
      await page.click('#measure');
      await page.waitForFunction(() => document.body.dataset.sweep === 'done', null, { timeout: 60000 });
    }
    const all = (await panels(page)).filter((p) => p.visible);
    // every lesson with a stepper shows its steps' matrices; lesson 8 shows heatmaps and charts only
    if (!NO_STEPPER.includes(name)) assert.ok(all.some((p) => p.kind === 'matrix'), `${name}: no matrix to export`);
    const pictures = ['heatmap', 'chart'].map((kind) => all.find((p) => p.kind === kind)).filter(Boolean);
    assert.ok(pictures.length, `${name}: no heatmap or chart to export`);
    for (const p of all) {
      assert.deepEqual(p.buttons, p.kind === 'matrix' ? ['Download CSV', 'Copy CSV'] : ['Download PNG', 'Download SVG', 'Download CSV', 'Copy CSV'], `${name}: ${p.name}`);
    }

    for (const p of pictures) {
      const where = `${name}: ${p.kind} “${p.name}”`;
      const svg = await download(page, p.index, 'Download SVG');
      assert.match(svg.name, new RegExp(`^${name}_[a-z0-9_-]+\\.svg$`));
      const parsed = await parseSvg(page, svg.bytes.toString('utf8'));
      assert.equal(parsed.error, undefined, `${where}: the SVG does not parse: ${parsed.error}`);
      assert.equal(parsed.tag, 'svg');
      if (p.kind === 'heatmap') {
        // a map that prints no numbers in its cells (lesson 8's heads) has the SVG's cells counted
        if (p.cells.every((c) => c === '')) assert.equal(parsed.cells.length, p.cells.length, `${where}: the SVG's cells`);
        else assert.deepEqual(parsed.cells, p.cells, `${where}: the SVG's cells`);
        assert.deepEqual(parsed.rowLabels, p.rowLabels, `${where}: the SVG's row labels`);
      } else {
        assert.equal(parsed.points, p.points, `${where}: the SVG's points`);
        assert.equal(parsed.lines, p.lines, `${where}: the SVG's lines`);
        assert.ok(p.points + p.lines > 0);
      }
      const png = await download(page, p.index, 'Download PNG');
      assert.deepEqual([...png.bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${where}: not a PNG`);
      const img = await decodePng(page, png.bytes);
      assert.equal(img.width, 2 * parsed.width, `${where}: the PNG is drawn at twice the SVG's size`);
      assert.equal(img.height, 2 * parsed.height);
      // a heatmap is mostly cells; a chart mostly its background, with lines and points on it
      assert.ok(img.coloured > (p.kind === 'heatmap' ? 0.3 : 0.02) && img.colours > 20, `${where}: the PNG looks blank (${JSON.stringify(img)})`);
    }

    for (const p of all) {
      const csv = (await download(page, p.index, 'Download CSV')).bytes.toString('utf8');
      if (p.kind === 'chart') {
        const rows = parseCsv(csv);
        assert.equal(rows[0][0], 'series');
        assert.ok(rows.length > 1 && rows.slice(1).every((r) => r.length === 3 && Number.isFinite(Number(r[1])) && Number.isFinite(Number(r[2]))), `${name}: chart CSV`);
      } else if (p.cells.length && p.cells.every((c) => c === '')) {
        const numbers = parseCsv(csv).slice(1).flatMap((r) => r.slice(1));
        assert.ok(numbers.length === p.cells.length && numbers.every((n) => Number.isFinite(Number(n))), `${name}: ${p.name}: CSV`);
      } else checkCsv(csv, p, `${name}: ${p.kind} “${p.name}”`);
    }
    assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
    await page.close();
  });
}

test('the CSV keeps every digit of the core: lesson 2\'s weights, lesson 4\'s −∞ and the 3-d heads of lesson 5', async () => {
  const { page, problems } = await open(`${site.url}lessons/02-simplified-self-attention.html`);
  await settled(page);
  const all = await panels(page);
  const weights = all.find((p) => p.kind === 'heatmap');
  const rows = parseCsv((await download(page, weights.index, 'Download CSV')).bytes.toString('utf8'));
  const res = run(await lastRequest(page, 'simplified'));
  assert.deepEqual(rows.slice(1).map((r) => r.slice(1).map(Number)), res.attn_weights);
  assert.deepEqual(rows[0], ['query \\ key', 'Your', 'journey', 'starts', 'with', 'one', 'step']);
  await page.close();

  const l4 = await open(`${site.url}lessons/04-causal-attention.html`);
  await settled(l4.page);
  const masked = (await panels(l4.page)).find((p) => p.name.startsWith('(b) scaled scores'));
  const scores = parseCsv((await download(l4.page, masked.index, 'Download CSV')).bytes.toString('utf8'));
  assert.deepEqual(scores[1].slice(2), ['-inf', '-inf', '-inf', '-inf', '-inf']);
  await l4.page.close();

  const l5 = await open(`${site.url}lessons/05-multi-head.html#step=queries_split`);
  await settled(l5.page);
  const split = (await panels(l5.page)).find((p) => p.name === 'step queries_split');
  const heads = parseCsv((await download(l5.page, split.index, 'Download CSV')).bytes.toString('utf8'));
  assert.equal(heads[0][0], 'head');
  const step = run(await lastRequest(l5.page, 'multihead', (r) => r.steps)).steps.find((s) => s.name === 'queries_split');
  assert.deepEqual(heads.slice(1).map((r) => r.slice(2).map(Number)), step.value.flat());
  assert.deepEqual(heads.slice(1).map((r) => r[0]), step.value.flatMap((h, i) => h.map(() => String(i + 1))));
  assert.deepEqual([...problems, ...l4.problems, ...l5.problems], []);
  await l5.page.close();
});

test('in a sandboxed frame the CSV, the picture and the PyTorch program are shown to select, under the CSP', async () => {
  hostPages.set('/frame.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title></head><body>
<iframe sandbox="allow-scripts" title="lesson 2" src="${site.url}lessons/02-simplified-self-attention.html?embed=1" style="width:100%;height:900px;border:0"></iframe></body></html>`);
  const { page, problems } = await open(`${hostUrl}frame.html`);
  let frame;
  for (let i = 0; i < 100 && !frame; i++) {
    frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(site.url));
    if (!frame) await page.waitForTimeout(100);
  }
  await settled(frame);
  assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame is not sandboxed');
  const heat = frame.locator('#weights-heatmap details.export');
  await heat.locator('summary').click();
  await heat.getByRole('button', { name: 'Download CSV', exact: true }).click();
  const shown = heat.locator('.export-shown');
  await shown.locator('textarea').waitFor();
  assert.match(await shown.locator('p').textContent(), /may block downloads/);
  const cells = await frame.$$eval('#weights-heatmap .hm-cell', (n) => n.map((c) => c.textContent));
  const rows = parseCsv(await shown.locator('textarea').inputValue());
  assert.deepEqual(rows.slice(1).flatMap((r) => r.slice(1)).map((x, k) => printed(x, cells[k])), cells);

  await heat.getByRole('button', { name: 'Download PNG', exact: true }).click();
  await shown.locator('img').waitFor();
  const src = await shown.locator('img').getAttribute('src');
  assert.match(src, /^data:image\/png;base64,/);
  const img = await decodePng(page, Buffer.from(src.split(',')[1], 'base64'));
  assert.ok(img.coloured > 0.1 && img.width > 200, JSON.stringify(img));

  await frame.click('#steps .step-bar >> text=Copy as PyTorch');
  const program = await frame.locator('.step-program textarea').inputValue();
  assert.match(program, /^# .*\n[\s\S]*import torch\n[\s\S]*context_vecs = attn_weights @ inputs/);
  await frame.locator('.step-program .export-status:not(:empty)').waitFor();
  assert.deepEqual(problems, []);
  await page.close();
});

test('from disk (file://) the downloads work too: the site, and a single-file lesson under its own CSP', async () => {
  const single = path.join(exported, '03-trainable-weights.html');
  assert.ok(fs.existsSync(single), `${path.relative(root, single)} is missing: run bash tools/export`);
  for (const file of [path.join(siteDir, 'lessons/03-trainable-weights.html'), single]) {
    const { page, problems } = await open(pathToFileURL(file).href);
    await settled(page);
    const all = await panels(page);
    const chart = all.find((p) => p.kind === 'chart');
    const png = await download(page, chart.index, 'Download PNG');
    assert.ok((await decodePng(page, png.bytes)).coloured > 0.02, file);
    const heat = all.find((p) => p.kind === 'heatmap');
    const svg = await parseSvg(page, (await download(page, heat.index, 'Download SVG')).bytes.toString('utf8'));
    assert.deepEqual(svg.cells, heat.cells, file);
    const matrix = all.find((p) => p.kind === 'matrix' && p.visible);
    checkCsv((await download(page, matrix.index, 'Download CSV')).bytes.toString('utf8'), matrix, file);
    assert.deepEqual(problems, [], file);
    await page.close();
  }
});
