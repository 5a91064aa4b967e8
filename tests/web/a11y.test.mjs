// Accessibility of the site (WCAG 2.2 AA): axe-core finds no violation on the contents page and on
// every lesson, in the light and the dark theme, after the page has been used (a control changed,
// the stepper stepped, a heatmap cell focused, a table opened, an export panel and the PyTorch
// program and tab opened); the heatmap palette keeps its order without hue and its printed numbers
// readable; nothing moves when reduced motion is asked for.
// Usage: node --test tests/web/a11y.test.mjs   (needs the built site, see helpers.mjs)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { LESSONS, act, launch, settled, startSite } from './helpers.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// What to use on each lesson: a control operated from the keyboard, and a heatmap (if any).
const USE = {
  '01-why-attention': { control: '#k', key: 'ArrowRight', heatmap: '#alignment' },
  '02-simplified-self-attention': { control: '#query', key: 'ArrowDown', heatmap: '#weights-heatmap' },
  '03-trainable-weights': { control: '#d_out', key: 'ArrowRight', heatmap: '#weights-heatmap' },
  '04-causal-attention': { control: '#p', key: 'ArrowRight', heatmap: '#route-b' },
  '05-multi-head': { control: '#num_heads', key: 'ArrowRight', heatmap: '#head-maps' },
  '06-what-attention-costs': { control: '#tmax', key: 'ArrowLeft' },
  '07-transformer-block': { control: '#layers', key: 'ArrowRight', heatmap: '#pe-heatmap' },
  '08-watch-attention-learn': { control: '#n_heads', key: 'ArrowLeft', heatmap: '#head-maps' },
};

let site, browser;
before(async () => {
  site = await startSite();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  site?.server.close();
});

const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

async function open(name, media) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.emulateMedia(media);
  await page.goto(site.url + (name === 'index' ? 'index.html' : `lessons/${name}.html`));
  if (name !== 'index') await settled(page);
  return { page, errors };
}

/** Uses a lesson the way a learner would, from the keyboard, each step recomputing it. */
async function use(page, name) {
  const u = USE[name];
  await page.focus(u.control);
  const value = await page.inputValue(u.control);
  await act(page, () => page.keyboard.press(u.key));
  assert.notEqual(await page.inputValue(u.control), value, `${name}: ${u.key} on ${u.control} changed nothing`);
  if (await page.$('.step-controls')) {
    await page.focus('.step-controls .btn:last-child');
    await act(page, () => page.keyboard.press('Enter'));
  }
  // a lesson that trains (8): check it once training stopped, with every part drawn
  await page.waitForFunction(() => !document.body.dataset.train || (document.body.dataset.train !== 'running' && document.body.dataset.train !== 'idle'), null, { timeout: 60000 });
  if (u.heatmap) {
    await page.focus(`${u.heatmap} .hm-cell[tabindex="0"]`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /: [−\d.]+/);
    await page.click(`${u.heatmap} .hm-toggle`);
    assert.equal(await page.getAttribute(`${u.heatmap} .hm-toggle`, 'aria-expanded'), 'true');
  }
  // the stepper's export panel with its CSV shown, the PyTorch program and the PyTorch tab, so
  // that axe checks them too
  if (await page.$('#stepper')) {
    await page.click('#stepper details.export summary');
    await page.click('#stepper details.export >> text=Copy CSV');
    await page.waitForSelector('#stepper details.export textarea');
    await page.click('#stepper .step-bar >> text=Copy as PyTorch');
    await page.click('#stepper [role=tab][data-tab=torch]');
    assert.equal(await page.getAttribute('#stepper [role=tab][data-tab=torch]', 'aria-selected'), 'true');
  } else {
    // lesson 8 has no stepper: its probe's PyTorch program, and a moment revealed, an exercise checked
    await page.click('#copy-pytorch');
    await page.waitForSelector('#pytorch-program textarea', { timeout: 60000 });
    await page.click('#predict-loss .act-buttons >> text=Skip: show me');
    await page.waitForFunction(() => document.getElementById('predict-loss').dataset.state === 'skipped', null, { timeout: 60000 });
    await page.click('#exercise-fast .act-buttons >> text=Check with the core');
    await page.waitForFunction(() => !['open', 'busy'].includes(document.getElementById('exercise-fast').dataset.state), null, { timeout: 60000 });
  }
  await frames(page);
}

function report(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 5).map((n) =>
    `    ${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\s+/g, ' ')}`).join('\n')).join('\n');
}

for (const scheme of ['light', 'dark']) {
  test(`axe finds no WCAG 2.2 AA violation in the ${scheme} theme, on every page after using it`, async () => {
    let checked = 0;
    for (const name of ['index', ...LESSONS]) {
      const { page, errors } = await open(name, { colorScheme: scheme });
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = bg.match(/\d+/g).map(Number);
      assert.equal((r + g + b) / 3 < 128, scheme === 'dark', `${name}: the ${scheme} theme is not applied (body ${bg})`);
      if (name === 'index') {
        await page.focus('.lesson-list a');
      } else {
        await use(page, name);
      }
      const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
      assert.ok(result.passes.length >= 10, `${name}: axe ran too few checks (${result.passes.length})`);
      assert.deepEqual(result.violations, [], `${name} (${scheme}):\n${report(result.violations)}`);
      assert.deepEqual(errors, [], `${name}: ${errors.join('; ')}`);
      checked++;
      await page.close();
    }
    assert.equal(checked, LESSONS.length + 1);
  });
}

/** Relative luminance (WCAG) of a CSS rgb() colour. */
function luminance(css) {
  const lin = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}
const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };

test('heatmaps: lightness follows the value (readable without hue), numbers printed at 4.5:1, masked cells say so', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page } = await open('04-causal-attention', { colorScheme: scheme });
    for (const id of ['#route-b', '#route-b-scores']) {
      const cells = await page.$$eval(`${id} .hm-cell`, (nodes) => nodes.map((n) => {
        const s = getComputedStyle(n);
        return { text: n.textContent, label: n.getAttribute('aria-label'), bg: s.backgroundColor, fg: s.color, masked: n.classList.contains('null') };
      }));
      assert.equal(cells.length, 36);
      const shaded = cells.filter((c) => !c.masked).map((c) => ({ ...c, v: Number(c.text.replace('−', '-')) }));
      shaded.sort((a, b) => a.v - b.v);
      for (let i = 1; i < shaded.length; i++) {
        if (shaded[i].v > shaded[i - 1].v) assert.ok(luminance(shaded[i].bg) >= luminance(shaded[i - 1].bg), `${id}: ${shaded[i].v} is darker than ${shaded[i - 1].v}`);
      }
      for (const c of shaded) assert.ok(contrast(c.fg, c.bg) >= 4.5, `${id} ${c.label}: contrast ${contrast(c.fg, c.bg).toFixed(2)}`);
      const masked = cells.filter((c) => c.masked);
      if (id === '#route-b-scores') {
        assert.equal(masked.length, 15, 'the 15 cells above the diagonal are masked');
        for (const c of masked) {
          assert.equal(c.text, '−∞');
          assert.match(c.label, /−∞ \(masked\)$/);
        }
      }
    }
    // the table alternative: real headers for every row and column, and the same numbers
    await page.click('#route-b-scores .hm-toggle');
    const table = await page.$eval('#route-b-scores .hm-table table', (t) => ({
      cols: [...t.querySelectorAll('thead th[scope=col]')].map((th) => th.textContent),
      rows: [...t.querySelectorAll('tbody th[scope=row]')].map((th) => th.textContent),
      cells: [...t.querySelectorAll('tbody td')].map((td) => td.textContent),
    }));
    const grid = await page.$$eval('#route-b-scores .hm-cell', (n) => n.map((c) => c.textContent));
    assert.deepEqual(table.cols.slice(1), await page.$$eval('#route-b-scores .hm-col', (n) => n.map((c) => c.textContent)));
    assert.deepEqual(table.rows, await page.$$eval('#route-b-scores .hm-row', (n) => n.map((c) => c.textContent)));
    assert.deepEqual(table.cells.map((t) => t.replace(' masked', '')), grid);
    await page.close();
  }
});

test('reduced motion: no transition or animation runs, while without it the contents page does animate', async () => {
  const animations = async (reducedMotion) => {
    const { page } = await open('index', { reducedMotion });
    await page.hover('.lesson-list li:nth-child(2) a');
    const running = await page.evaluate(() => document.getAnimations().length);
    await page.close();
    return running;
  };
  assert.ok(await animations('no-preference') > 0, 'without the preference the cards transition (so the check below can fail)');
  assert.equal(await animations('reduce'), 0);
  for (const name of ['index', ...LESSONS]) {
    const { page } = await open(name, { reducedMotion: 'reduce' });
    if (name !== 'index') await use(page, name);
    const moving = await page.evaluate(() => {
      const seconds = (list) => Math.max(...list.split(',').map((t) => parseFloat(t) * (/ms$/.test(t.trim()) ? 0.001 : 1)));
      const found = [];
      for (const el of document.querySelectorAll('*')) {
        for (const pseudo of [null, '::before', '::after']) {
          const s = getComputedStyle(el, pseudo);
          if (seconds(s.transitionDuration) > 0.01 || (s.animationName !== 'none' && seconds(s.animationDuration) > 0.01)) found.push(el.tagName + '.' + el.className + (pseudo || ''));
        }
      }
      return { found, running: document.getAnimations().length, smooth: getComputedStyle(document.documentElement).scrollBehavior };
    });
    assert.deepEqual(moving.found, [], `${name}: elements that would move`);
    assert.equal(moving.running, 0, `${name}: animations running`);
    assert.equal(moving.smooth, 'auto');
    await page.close();
  }
});
