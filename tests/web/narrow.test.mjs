// Phones (360 to 390 px wide): nothing of a lesson is cut off on the right. A formula, heatmap,
// matrix, stepper or code box wider than the space it has must scroll inside its own box
// (overflow-x auto or scroll), never push the page wider nor be clipped by an ancestor.
// Usage: node --test tests/web/narrow.test.mjs   (needs build/site)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSuite, launch, LESSONS, settled, startSite, NO_STEPPER } from './helpers.mjs';

let site, browser;
before(async () => { site = await startSite(); browser = await launch(); });
after(() => closeSuite({ site, browser }));

// What must fit: display formulas, heatmaps, matrices, the stepper and its parts, code boxes, the
// book's printed tensors.
const BOXES = ['.formula', '.katex-display', '.heatmap', '.hm-grid', 'table.matrix', '.stepper', '.step-body', '.step-nav',
  '.step-controls', 'figure.code', 'figure.code pre', 'pre.book-print'].join(', ');

/**
 * Runs in the page: every box of `selector` that is drawn must lie inside each of its ancestors up
 * to the first one that scrolls sideways (the box then scrolls there, and that scroller must fit
 * in turn). Returns one line per box that does not, naming it, its width and the ancestor.
 * @param {string} selector
 */
function overflowing(selector) {
  const name = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '') + (typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '');
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const problems = [];
  const checked = new Set();
  const check = (box) => {
    if (checked.has(box)) return;
    checked.add(box);
    const r = box.getBoundingClientRect();
    for (let a = box.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (scrolls(a)) { check(a); return; }  // the box scrolls inside a: a must fit
      const ar = a.getBoundingClientRect();
      if (r.right > ar.right + 1 || r.left < ar.left - 1) {
        const section = box.closest('section');
        problems.push(`${name(box)} (${Math.round(r.width)} px wide) sticks out of ${name(a)} (${Math.round(ar.width)} px)` +
          ` without a scroll${section ? ` in section #${section.id}` : ''}`);
        return;
      }
    }
  };
  if (document.documentElement.scrollWidth > innerWidth) problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${innerWidth} px window`);
  for (const box of document.querySelectorAll(selector)) {
    if (box.getClientRects().length && !box.closest('[hidden]')) check(box);
  }
  return problems;
}

async function openAt(width, lesson) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.goto(`${site.url}lessons/${lesson}.html`);
  await settled(page);
  // open what is folded away, so that it is measured too
  await page.$$eval('details', (all) => all.forEach((d) => { d.open = true; }));
  return page;
}

for (const width of [360, 390]) {
  test(`at ${width} px no formula, heatmap, stepper or code box of any lesson is wider than its container without a scroll`, async () => {
    for (const lesson of LESSONS) {
      const page = await openAt(width, lesson);
      const problems = await page.evaluate(overflowing, BOXES);
      assert.deepEqual(problems, [], `${lesson} at ${width} px:\n${problems.join('\n')}`);
      // and the boxes checked are there: formulas, the stepper and its C++
      const counts = await page.evaluate(() => ['.katex', '.stepper', 'figure.code pre'].map((s) => document.querySelectorAll(s).length));
      // lesson 8 has no stepper (NO_STEPPER): its code boxes and heatmaps are checked all the same
      assert.ok(counts.every((n, i) => n > 0 || (i === 1 && NO_STEPPER.includes(lesson))), `${lesson}: nothing to check (${counts})`);
      await page.close();
    }
  });
}

test('the check finds a box that sticks out, one clipped by an ancestor, and a page made wider', async () => {
  const page = await openAt(360, '02-simplified-self-attention');
  assert.deepEqual(await page.evaluate(overflowing, BOXES), []);
  // a formula that does not scroll and is wider than its card
  await page.evaluate(() => {
    const wide = document.createElement('div');
    wide.className = 'formula injected-wide';
    wide.style.cssText = 'overflow: visible; width: 900px';
    wide.textContent = 'Ω = X Xᵀ';
    document.getElementById('matrix').appendChild(wide);
  });
  let problems = await page.evaluate(overflowing, BOXES);
  assert.ok(problems.some((p) => /div\.formula\.injected-wide \(900 px wide\) sticks out of section#matrix/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /the page is \d+ px wide in a 360 px window/.test(p)), problems.join('\n'));

  // a heatmap clipped (overflow hidden) instead of scrolled: the page stays 360 px wide, the check still fails
  await page.evaluate(() => {
    document.querySelector('.injected-wide').remove();
    const grid = document.querySelector('#weights-heatmap .hm-grid');
    const clip = document.createElement('div');
    clip.style.overflow = 'hidden';
    grid.parentElement.insertBefore(clip, grid);
    clip.appendChild(grid);
    grid.style.minWidth = '700px';
  });
  problems = await page.evaluate(overflowing, BOXES);
  assert.ok(!problems.some((p) => /the page is/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /div\.hm-grid \(\d+ px wide\) sticks out of div /.test(p)), problems.join('\n'));

  // the same heatmap in a box that scrolls passes
  await page.evaluate(() => { document.querySelector('#weights-heatmap .hm-grid').parentElement.style.overflowX = 'auto'; });
  assert.deepEqual(await page.evaluate(overflowing, BOXES), []);
  await page.close();
});

test('at 360 px the stepper\'s controls wrap inside it and a formula of several parts wraps between them', async () => {
  const page = await openAt(360, '01-why-attention');
  const fits = await page.evaluate(() => {
    const stepper = document.querySelector('.stepper').getBoundingClientRect();
    const controls = document.querySelector('.step-controls').getBoundingClientRect();
    const parts = [...document.querySelectorAll('#bahdanau .formula-parts > .formula')].map((f) => f.getBoundingClientRect());
    return { inside: controls.right <= stepper.right + 1, rows: new Set(parts.map((p) => Math.round(p.top))).size, count: parts.length };
  });
  assert.ok(fits.inside, 'the Previous / Next row sticks out of the stepper');
  assert.equal(fits.count, 3);
  assert.ok(fits.rows > 1, 'the Bahdanau formula\'s three parts stay on one line at 360 px');
  await page.close();
});
