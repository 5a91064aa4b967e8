// Keyboard-only use of the site (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7, 2.4.11): on the contents page and
// every lesson, Tab from the top of the page reaches every visible, enabled control (a roving group
// such as a heatmap grid, the stepper's chips or a radio group counts once), focus is always drawn
// and on screen, Tab comes back round to the start (no trap), Shift+Tab walks the same way back, and
// the skip link lands in the lesson. Then every kind of control is operated with keys alone (arrows,
// Space, Enter, typing) and the lesson recomputes and shows the core's numbers, recomputed here by
// the same wasm core in node. No click and no page.focus(): only page.keyboard.
// Usage: ATTN_SITE=build/site node --test --test-concurrency=1 tests/web/keyboard.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { act, closeSuite, flat, lastRequest, LESSONS, openSuite, settled, texts } from './helpers.mjs';

let site, browser, run;
before(async () => ({ site, browser, run } = await openSuite()));
after(() => closeSuite({ site, browser }));

/** Opens a page at a laptop's size, recording page errors and console errors. */
async function open(name, media = {}) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia(media);
  const [file, hash = ''] = name.split('#');
  await page.goto(site.url + (file === 'index' ? 'index.html' : `lessons/${file}.html`) + (hash && '#' + hash));
  if (file !== 'index') await settled(page);
  await page.evaluate(INSTALL);
  return { page, problems };
}

// Test-side helpers installed in the page (window.__kbd): what a control is, which tab stop stands
// for it, and what the focused element looks like. A roving group (a heatmap grid, the stepper's
// chips, its C++/PyTorch tabs, radio buttons of one name) is one tab stop: any of its members
// reached counts for all.
const INSTALL = () => {
  let next = 0;
  const id = (el) => (el.__kbdId ??= ++next);
  const CONTROLS = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex^="-"]), [role=slider], [role=gridcell]';
  const unit = (el) => {
    const group = el.closest('[role=grid], .step-nav, [role=tablist]');
    if (group) return group;
    if (el.matches('input[type=radio][name]')) return (el.form || document).querySelector(`input[type=radio][name="${el.name}"]`);
    return el;
  };
  const name = (el) => {
    const u = unit(el);
    const label = u.getAttribute('aria-label') || u.getAttribute('aria-labelledby') && document.getElementById(u.getAttribute('aria-labelledby').split(' ')[0])?.textContent ||
      (u.labels && u.labels[0] && u.labels[0].textContent) || u.textContent || u.value || '';
    const where = u.closest('[id]');
    return `${u.tagName.toLowerCase()}${u.id ? '#' + u.id : ''}${u.getAttribute('role') ? '[role=' + u.getAttribute('role') + ']' : ''} "${label.trim().replace(/\s+/g, ' ').slice(0, 50)}"` +
      (!u.id && where ? ` in #${where.id}` : '');
  };
  // What stays the same when a control is drawn again: its id, else its tab stop's name.
  const key = (el) => el.id ? '#' + el.id : name(unit(el));
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('[hidden], [inert]');
  // Every visible, enabled control of the page, as tab stops: { id: name }.
  const controls = () => {
    const out = {};
    for (const el of document.querySelectorAll(CONTROLS)) {
      if (!shown(el) || el.matches(':disabled')) continue;
      out[id(unit(el))] = name(el);
    }
    return out;
  };
  // Is the focus drawn? An outline or a box shadow on the element; a focused SVG point draws a
  // thick stroke on its circles instead (an outline would box the label as well).
  const drawn = (el) => {
    const s = getComputedStyle(el);
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) return `outline ${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}`;
    if (s.boxShadow && s.boxShadow !== 'none') return `box-shadow ${s.boxShadow}`;
    if (el instanceof SVGElement) {
      const ring = [...el.querySelectorAll('circle')].find((c) => { const t = getComputedStyle(c); return t.stroke !== 'none' && parseFloat(t.strokeWidth) >= 2; });
      if (ring) return `stroke ${getComputedStyle(ring).strokeWidth}`;
    }
    return null;
  };
  // The focused element: its tab stop, its name, how its focus is drawn, whether it is on screen
  // and not hidden under something else (the point at the middle of its visible part hits it).
  const focused = () => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { id: 0, name: 'the page' };
    const r = el.getBoundingClientRect();
    const x0 = Math.max(0, r.left), x1 = Math.min(innerWidth, r.right), y0 = Math.max(0, r.top), y1 = Math.min(innerHeight, r.bottom);
    const onScreen = x1 > x0 && y1 > y0;
    const hit = onScreen ? document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2) : null;
    // Only a fixed or sticky box can cover a control scrolled into view (a banner, a header);
    // whatever else the point hits is laid out beside it (KaTeX's invisible struts reach over lines).
    let cover = onScreen && hit && !el.contains(hit) && !hit.contains(el) ? hit : null;
    while (cover && !/fixed|sticky/.test(getComputedStyle(cover).position)) cover = cover.parentElement;
    const covered = cover ? name(cover) : null;
    return { id: id(unit(el)), name: name(el), key: key(el), drawn: drawn(el), onScreen, covered, inMain: !!el.closest('main'), tag: el.tagName.toLowerCase(),
      closedSummary: el.tagName === 'SUMMARY' && !el.parentElement.open };
  };
  window.__kbd = { controls, focused, nameOf: (selector) => key(document.querySelector(selector)) };
};

const focused = (page) => page.evaluate(() => window.__kbd.focused());
const controls = (page) => page.evaluate(() => window.__kbd.controls());

/**
 * Presses `key` until the focus has come back round to where it started (or `max` presses):
 * returns the tab stops met, in order. Checks on the way that every focus is drawn and on screen,
 * and opens every closed <details> it meets with Enter, so that what is inside is walked too.
 */
async function walk(page, key, start, max) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    if (f.id === start) return { seen, back: true };
    if (f.id === 0) { seen.push(f); continue; }  // past the last control, out to the browser
    assert.ok(f.drawn, `the focus on ${f.name} is not drawn (no outline, no box shadow)`);
    assert.ok(f.onScreen, `${f.name} has the focus but is not scrolled into the window`);
    assert.equal(f.covered, null, `${f.name} has the focus but is hidden under ${f.covered}`);
    if (f.closedSummary) await page.keyboard.press('Enter');
    seen.push(f);
  }
  return { seen, back: false };
}

// A view other than the default, so that the address holds something the skip link must keep.
const VIEW = { index: '', '06-what-attention-costs': '#num_heads=8' };
// When a page is done changing on its own: lesson 8 trained, and measured what each head carries.
const QUIET = { '08-watch-attention-learn': () => document.body.dataset.train === 'trained' && !!document.querySelector('#carry-table tbody') };

for (const name of ['index', ...LESSONS]) {
  test(`${name}: Tab reaches every control with its focus drawn, comes back round, Shift+Tab walks back, the skip link works`, async () => {
    const { page, problems } = await open(name + (VIEW[name] ?? '#seed=7'));
    // a page that trains changes its controls as it goes: walk it once it has stopped
    if (QUIET[name]) await page.waitForFunction(QUIET[name], null, { timeout: 60000 });
    const hash = await page.evaluate(() => location.hash);
    await page.keyboard.press('Tab');
    const first = await focused(page);
    assert.match(first.name, /^a .*"Skip to/, 'the first tab stop is the skip link');
    assert.ok(first.drawn && first.onScreen, 'the skip link shows when it has the focus');

    const count = Object.keys(await controls(page)).length;
    const forward = await walk(page, 'Tab', first.id, 2 * count + 10);
    const stops = forward.seen.filter((f) => f.id);
    assert.ok(forward.back, `Tab never came back to the skip link (a keyboard trap?): the last stops were ${stops.slice(-6).map((f) => f.name).join(' → ')}`);

    // Every control is reached (the walk opened the closed <details>, so their contents count too).
    const all = await controls(page);
    const reached = new Set([first.id, ...stops.map((f) => f.id)]);
    const missed = Object.keys(all).filter((k) => !reached.has(Number(k))).map((k) => all[k]);
    assert.deepEqual(missed, [], `${name}: controls the keyboard never reaches`);
    assert.ok(Object.keys(all).length >= (name === 'index' ? 8 : 20), `${name}: only ${Object.keys(all).length} controls found`);

    // Shift+Tab walks the same stops back, in the reverse order.
    const backward = await walk(page, 'Shift+Tab', first.id, 2 * stops.length + 10);
    assert.ok(backward.back, 'Shift+Tab never came back to the skip link');
    assert.deepEqual(backward.seen.filter((f) => f.id).map((f) => f.name), stops.map((f) => f.name).reverse(), 'Shift+Tab does not walk the Tab order back');

    // The skip link (the focus is back on it): Enter, and the next Tab is inside <main>, past the
    // site navigation; a lesson's address still holds its view.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const next = await focused(page);
    assert.ok(next.inMain, `after the skip link, Tab went to ${next.name}, outside <main>`);
    if (name !== 'index') {
      // the page puts the view back on hashchange, which fires after the key press: give it a moment
      await page.waitForFunction((h) => location.hash === h, hash, { timeout: 2000 }).catch(() => {});
      assert.equal(await page.evaluate(() => location.hash), hash, 'the skip link changed the address, which holds the view');
    }
    assert.deepEqual(problems, []);
    console.log(`# ${name}: ${Object.keys(all).length} tab stops, all reached; ${stops.length} Tab presses round`);
    await page.close();
  });
}

// ---- operating every kind of control ------------------------------------------------------------

// Per lesson: the request that draws the main numbers, where they are shown, and which part of the
// core's response they are (as in robustness.test.mjs), so that after every key the page is checked
// against the core.
const SPEC = {
  '01-why-attention': { mechanism: 'additive', where: (r) => r.steps === true, shown: '#attn-bars .bar-value', expect: (res) => res.attn_weights[0], inputs: 'rnn_encoder' },
  '02-simplified-self-attention': { mechanism: 'simplified', where: (r) => r.steps === true, shown: '#weights-heatmap .hm-cell', expect: (res) => res.attn_weights },
  '03-trainable-weights': { mechanism: 'self_attention', shown: '#context-matrix td', expect: (res) => res.context_vecs },
  '04-causal-attention': { mechanism: 'causal', shown: '#route-b .hm-cell', expect: (res) => res.attn_weights },
  '05-multi-head': { mechanism: 'multihead', shown: '#m-context td', expect: (res) => res.context_vecs },
  '06-what-attention-costs': { mechanism: 'multihead', where: (r) => r.steps === true },
  '07-transformer-block': { mechanism: 'transformer_block', where: (r) => r.steps === true, shown: '#m-ff-out td', expect: (res) => res.steps.find((s) => s.name === 'ff').value },
  // lesson 8 checks its settings with a train request of no steps; the model facts are the core's
  '08-watch-attention-learn': { mechanism: 'train', where: (r) => r.steps === 0, facts: '#model-facts' },
};


/**
 * The lesson shows the core's numbers for the request it sent last: its main numbers, and the
 * step the stepper shows. `what` names the key that led here, for the message.
 */
async function agrees(page, name, what) {
  const spec = SPEC[name];
  const req = await lastRequest(page, spec.mechanism, spec.where);
  const res = run(req);
  assert.ok(!res.error, `${name}, after ${what}: the core refused the page's request: ${res.error?.message}`);
  if (spec.shown) assert.deepEqual(await texts(page, spec.shown), flat(spec.expect(res)), `${name}, after ${what}: ${spec.shown} is not the core's answer`);
  if (spec.facts) {
    // the session opens after the check: wait for the facts of this model
    const count = res.model.parameter_count.toLocaleString('en');
    await page.waitForFunction(([sel, c]) => document.querySelector(sel).textContent.includes(`with ${c} weights`), [spec.facts, count]);
  }
  if (!(await page.$('#stepper'))) return req;
  const step = await page.textContent('#stepper .step-title');
  const value = res.steps.find((s) => s.name === step)?.value;
  assert.ok(value, `${name}: the stepper shows ${step}, a step the core did not return`);
  // the stepper's table prints NaN or −∞ where the core returned null
  assert.deepEqual((await texts(page, '#stepper .step-value td')).map((t) => t.replace('NaN', '−∞')), flat(value), `${name}, after ${what}: the stepper's ${step} is not the core's`);
  return req;
}

/** Presses Tab until the focus is on an element matching `selector` (from wherever it is now). */
async function tabTo(page, selector, max = 150) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return page.evaluate(() => window.__kbd.focused());
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reaches ${selector}`);
}

/**
 * Reaches a control with Tab and presses `keys` (strings for page.keyboard.press, or {type: text});
 * the lesson must recompute (body data-runs grows), show the core's numbers, and keep the focus
 * where it was (a redraw must not drop it to the top of the page), or where `focusTo` says.
 */
async function operate(page, name, selector, keys, { focusTo } = {}) {
  const before = await tabTo(page, selector);
  const what = `${keys.map((k) => k.type ? `typing ${k.type}` : k).join(', ')} on ${before.name}`;
  await act(page, async () => {
    for (const k of keys) await (k.type ? page.keyboard.type(k.type) : page.keyboard.press(k));
  });
  const now = await focused(page);
  assert.equal(now.key, focusTo ? (await page.evaluate((s) => window.__kbd.nameOf(s), focusTo)) : before.key, `${name}: after ${what}, the focus moved to ${now.name}`);
  assert.ok(now.drawn, `${name}: after ${what}, the focus is no longer drawn`);
  return { req: await agrees(page, name, what), what };
}

const value = (page, selector) => page.$eval(selector, (el) => el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value);

/** A range, a number field or a select: the arrow key that moves it away from the end it is at. */
async function stepKey(page, selector, up = 'ArrowRight', down = 'ArrowLeft') {
  const atEnd = await page.$eval(selector, (el) => el.tagName === 'SELECT' ? el.selectedIndex === el.options.length - 1 : Number(el.value) >= Number(el.max));
  return atEnd ? down : up;
}

/** A value control moved by its arrow keys: its value changes and reaches the core's request. */
async function arrows(page, name, selector, field, opts = {}) {
  const was = await value(page, selector);
  const key = opts.key || await stepKey(page, selector, ...(opts.tagName === 'SELECT' || opts.select ? ['ArrowDown', 'ArrowUp'] : []));
  const { req } = await operate(page, name, selector, [key]);
  const now = await value(page, selector);
  assert.notEqual(now, was, `${name}: ${key} on ${selector} changed nothing`);
  if (field) {
    const [mechanism, key2, map = Number] = field;
    const sent = mechanism === SPEC[name].mechanism ? req : await lastRequest(page, mechanism);
    assert.equal(sent[key2], map(now), `${name}: ${selector} = ${now} but the core was sent ${key2} = ${sent[key2]}`);
  }
}

/** A radio group: the arrow key checks the next radio, and the lesson follows. */
async function radios(page, name, group) {
  const checked = () => page.$eval(group, (g) => g.querySelector('input[type=radio]:checked')?.value);
  const was = await checked();
  await operate(page, name, `${group} input[type=radio]`, ['ArrowDown']);
  assert.notEqual(await checked(), was, `${name}: ArrowDown in ${group} checked nothing new`);
}

/** A checkbox: Space toggles it, and the request follows. */
async function checkbox(page, name, selector, field) {
  const was = await value(page, selector);
  const { req } = await operate(page, name, selector, ['Space']);
  assert.equal(await value(page, selector), !was, `${name}: Space did not toggle ${selector}`);
  const sent = field[0] === SPEC[name].mechanism ? req : await lastRequest(page, field[0]);
  assert.equal(sent[field[1]], !was, `${name}: ${selector} toggled but the core was sent ${field[1]} = ${sent[field[1]]}`);
}

/** The sentence: typed and sent with Enter; the table lists the core's tokens of it. */
async function sentence(page, name) {
  await operate(page, name, '#sentence', [{ type: 'Your cat starts a journey' }, 'Enter']);
  const embed = run({ mechanism: 'embed', text: 'Your cat starts a journey', d_in: name === '01-why-attention' || name === '07-transformer-block' ? 4 : 3, seed: 123 });
  assert.deepEqual(await texts(page, '#embedding-table tbody th'), embed.tokens, `${name}: the typed sentence was not computed`);
}

/**
 * The embedding table: a number typed into a cell and left with Tab goes to the core and the
 * focus is on the next cell after the redraw; the next one is typed and confirmed with Enter.
 */
async function cells(page, name) {
  const cell = (row, dim) => `#embedding-table input[data-row="${row}"][data-dim="${dim}"]`;
  const sent = async () => (await lastRequest(page, SPEC[name].inputs || SPEC[name].mechanism)).inputs[1];
  await operate(page, name, cell(1, 0), [{ type: '0.9' }, 'Tab'], { focusTo: cell(1, 1) });
  assert.equal((await sent())[0], 0.9, `${name}: the typed 0.9 did not reach the core`);
  await operate(page, name, cell(1, 1), [{ type: '-0.25' }, 'Enter']);
  assert.equal((await sent())[1], -0.25, `${name}: the typed −0.25 did not reach the core`);
  assert.match(page.url(), /emb=/);
  await operate(page, name, '#reset-embeddings', ['Enter']);
  assert.doesNotMatch(page.url(), /emb=/, `${name}: Undo my edits (Enter) left the edits`);
}

/** A movable point (role=slider): the arrow keys move it, the core gets the new coordinates. */
async function point(page, name, selector) {
  const where = () => page.$eval(selector, (g) => g.getAttribute('aria-valuetext'));
  const was = await where();
  await operate(page, name, selector, ['ArrowUp']);
  await operate(page, name, selector, ['ArrowRight']);
  assert.notEqual(await where(), was, `${name}: the arrow keys did not move ${selector}`);
}

/** The stepper: Next and Previous with Enter, the chips with the arrow keys, Home and End. */
async function stepper(page, name) {
  const title = () => page.textContent('#stepper .step-title');
  const first = await title();
  await operate(page, name, '#stepper .step-controls .btn:last-child', ['Enter']);
  const second = await title();
  assert.notEqual(second, first, `${name}: Enter on Next → did not step`);
  await operate(page, name, '#stepper .step-controls .btn:first-child', ['Enter']);
  assert.equal(await title(), first, `${name}: Enter on ← Previous did not step back`);
  await operate(page, name, '#stepper .step-chip', ['ArrowRight']);
  assert.equal(await title(), second, `${name}: ArrowRight on the chips did not step`);
  const chip = () => page.evaluate(() => document.activeElement.getAttribute('aria-current'));
  assert.equal(await chip(), 'step', `${name}: the focus is not on the chip of the step shown`);
  // (the second step is not the first one, so Home moves; then End does)
  const chips = await texts(page, '#stepper .step-chip');
  await operate(page, name, '#stepper .step-chip', ['Home']);
  assert.equal(await title(), chips[0].replace(/^\d+ · /, ''), `${name}: Home did not go to the first step`);
  await operate(page, name, '#stepper .step-chip', ['End']);
  assert.equal(await title(), chips[chips.length - 1].replace(/^\d+ · /, ''), `${name}: End did not go to the last step`);
}

/**
 * A heatmap: one tab stop; the arrows, Home and End move cell by cell, each focused cell's name is
 * its reading and its text the number printed there; "Show as table" opens and closes with Enter
 * and Space, and the focus stays on it.
 */
async function heatmap(page, name, id) {
  await tabTo(page, `${id} [role=gridcell][tabindex="0"]`);
  const at = () => page.evaluate(() => {
    const c = document.activeElement, row = c.parentElement, grid = c.closest('[role=grid]');
    const rows = [...grid.querySelectorAll('[role=row]')].filter((r) => r.querySelector('[role=gridcell]'));
    return { i: rows.indexOf(row), j: [...row.querySelectorAll('[role=gridcell]')].indexOf(c), n: rows.length, m: row.querySelectorAll('[role=gridcell]').length,
      label: c.getAttribute('aria-label'), text: c.textContent, readout: c.closest('figure').querySelector('.readout').textContent, tabbable: grid.querySelectorAll('[tabindex="0"]').length };
  });
  const start = await at();
  const moves = [['ArrowRight', (s) => [s.i, Math.min(s.j + 1, s.m - 1)]], ['ArrowDown', (s) => [Math.min(s.i + 1, s.n - 1), s.j]],
    ['End', (s) => [s.i, s.m - 1]], ['ArrowLeft', (s) => [s.i, s.m - 2]], ['Home', (s) => [s.i, 0]], ['Control+End', (s) => [s.n - 1, s.m - 1]],
    ['ArrowUp', (s) => [s.n - 2, s.m - 1]], ['Control+Home', () => [0, 0]]];
  let s = start;
  for (const [key, to] of moves) {
    const want = to(s);
    await page.keyboard.press(key);
    s = await at();
    assert.deepEqual([s.i, s.j], want, `${name} ${id}: ${key} went to the wrong cell`);
    assert.equal(s.tabbable, 1, `${name} ${id}: the grid has ${s.tabbable} tab stops after ${key}`);
    assert.equal(s.readout, s.label, `${name} ${id}: the readout does not say the focused cell`);
    if (s.text) assert.ok(s.label.endsWith(': ' + s.text) || s.label.endsWith(': ' + s.text + ' (masked)'), `${name} ${id}: the cell reads "${s.label}" but prints ${s.text}`);
    else assert.match(s.label, /: [−\d.]+$/, `${name} ${id}: the cell reads "${s.label}"`);
    const f = await focused(page);
    assert.ok(f.drawn && f.onScreen, `${name} ${id}: the focused cell is not drawn on screen`);
  }
  assert.ok(start.n >= 2 && start.m >= 2, `${name} ${id}: a ${start.n}×${start.m} grid`);
  // Tab leaves the grid for its table toggle (past a scroll box, if the grid scrolls).
  const toggle = `${id} .hm-toggle`;
  await tabTo(page, toggle, 3);
  const expanded = () => page.$eval(toggle, (b) => ({ open: b.getAttribute('aria-expanded'), shown: !document.getElementById(b.getAttribute('aria-controls')).hidden }));
  await page.keyboard.press('Enter');
  assert.deepEqual(await expanded(), { open: 'true', shown: true }, `${name} ${id}: Enter did not open the table`);
  // the table holds what the cells print, or (cells too small to print) what they read out
  const cellsShown = await page.$$eval(`${id} .hm-cell`, (cells) => cells.map((c) => c.textContent || c.getAttribute('aria-label').split(': ').pop()));
  assert.deepEqual((await texts(page, `${id} .hm-table tbody td`)).map((t) => t.replace(' masked', '')), cellsShown);
  await page.keyboard.press('Space');
  assert.deepEqual(await expanded(), { open: 'false', shown: false }, `${name} ${id}: Space did not close the table`);
  assert.ok((await page.evaluate(() => document.activeElement.matches('.hm-toggle'))), `${name} ${id}: the focus left the toggle`);
}

/** The Embed button: Enter opens its panel (the snippet is next in the tab order), Enter closes it. */
async function embed(page, name) {
  await tabTo(page, '#embed-button');
  const state = () => page.evaluate(() => ({ expanded: document.getElementById('embed-button').getAttribute('aria-expanded'), shown: !!document.getElementById('embed-panel') && !document.getElementById('embed-panel').hidden }));
  await page.keyboard.press('Enter');
  assert.deepEqual(await state(), { expanded: 'true', shown: true }, `${name}: Enter on Embed did not open its panel`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'embed-snippet', `${name}: Tab from Embed does not go to the snippet`);
  assert.match(await page.evaluate(() => document.activeElement.value), /<iframe src="[^"]*embed=1/);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  assert.deepEqual(await state(), { expanded: 'false', shown: false }, `${name}: Enter on Embed did not close its panel`);
}

/** A plain button operated with Enter, that recomputes (the timeline, a target word). */
async function button(page, name, selector) {
  await operate(page, name, selector, ['Enter']);
}

// What to operate on each lesson, in the order of the page (so that Tab walks forward to each).
const OPERATE = {
  '01-why-attention': async (page, name) => {
    await embed(page, name);
    await button(page, name, '#timeline button[aria-pressed="false"]');
    assert.equal(await page.$$eval('.era:not([hidden])', (n) => n.length), 1);
    await sentence(page, name);
    await arrows(page, name, '#seed', ['embed', 'seed'], { key: 'ArrowUp' });
    await arrows(page, name, '#rseed', ['rnn_encoder', 'seed'], { key: 'ArrowUp' });
    await tabTo(page, 'summary');
    await page.keyboard.press('Enter');
    assert.ok(await page.$eval('summary', (s) => s.parentElement.open), 'Enter did not open the embeddings');
    await cells(page, name);
    await button(page, name, '#targets button[aria-pressed="false"]');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-pressed')), 'true', 'the target word pressed with Enter is not the one shown');
    await radios(page, name, '#att-weights');
    await arrows(page, name, '#k');
    await point(page, name, '#attn-scatter [role=slider]');
    assert.match(page.url(), /dec=/);
    await heatmap(page, name, '#alignment');
    await stepper(page, name);
  },
  '02-simplified-self-attention': async (page, name) => {
    await embed(page, name);
    await sentence(page, name);
    await cells(page, name);
    await arrows(page, name, '#seed', ['embed', 'seed'], { key: 'ArrowUp' });
    await arrows(page, name, '#xd', null, { select: true });
    await arrows(page, name, '#yd', null, { select: true });
    await point(page, name, '#scatter [role=slider]');
    await arrows(page, name, '#query', null, { select: true });
    await heatmap(page, name, '#weights-heatmap');
    await stepper(page, name);
  },
  '03-trainable-weights': async (page, name) => {
    await embed(page, name);
    await sentence(page, name);
    await cells(page, name);
    await radios(page, name, '#weights-source');
    await arrows(page, name, '#wseed', ['self_attention', 'seed'], { key: 'ArrowUp' });
    await arrows(page, name, '#d_out', ['self_attention', 'd_out']);
    await checkbox(page, name, '#scale', ['self_attention', 'scale']);
    await arrows(page, name, '#query', null, { select: true });
    await heatmap(page, name, '#weights-heatmap');
    await arrows(page, name, '#dk', ['scaling_demo', 'd_k', (e) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024][e]]);
    await stepper(page, name);
  },
  '04-causal-attention': async (page, name) => {
    await embed(page, name);
    await sentence(page, name);
    await cells(page, name);
    await radios(page, name, '#weights-source');
    await arrows(page, name, '#d_out', ['causal', 'd_out']);
    await heatmap(page, name, '#route-b');
    await arrows(page, name, '#p', ['causal', 'dropout']);
    await arrows(page, name, '#wseed', ['causal', 'seed'], { key: 'ArrowUp' });
    await radios(page, name, '#mode');
    await stepper(page, name);
  },
  '05-multi-head': async (page, name) => {
    await embed(page, name);
    await sentence(page, name);
    await cells(page, name);
    await arrows(page, name, '#num_heads', ['multihead', 'num_heads'], { key: 'ArrowLeft' });
    await arrows(page, name, '#d_out', ['multihead', 'd_out']);
    await radios(page, name, '#weights-source');
    await arrows(page, name, '#p', ['multihead', 'dropout']);
    await checkbox(page, name, '#causal', ['multihead', 'causal']);
    await heatmap(page, name, '#head-maps');
    await arrows(page, name, '#ph', ['parameter_count', 'num_heads'], { key: 'ArrowUp' });
    await checkbox(page, name, '#pbias', ['parameter_count', 'qkv_bias']);
    await stepper(page, name);
  },
  '06-what-attention-costs': async (page, name) => {
    await embed(page, name);
    await arrows(page, name, '#tmax', null, { key: 'ArrowLeft' });
    assert.match(page.url(), /tmax=724/);
    await arrows(page, name, '#d_model', null, { select: true });
    // 5 heads do not divide d_model = 128: the page says so next to the field and Measure is off;
    // ArrowDown goes back to 4.
    await arrows(page, name, '#num_heads', null, { key: 'ArrowUp' });
    assert.ok(await page.isVisible('#size-error') && await page.isDisabled('#measure'), 'num_heads 5 with d_model 128: no message, or Measure still on');
    await arrows(page, name, '#num_heads', null, { key: 'ArrowDown' });
    assert.ok(await page.isEnabled('#measure'));
    // Measure with Enter starts the sweep, and Cancel (enabled while it runs) is the next stop.
    await tabTo(page, '#measure');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel', 'Tab from Measure does not reach Cancel while a sweep runs');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /Cancelled/.test(document.getElementById('sweep-status').textContent), null, { timeout: 10000 });
    await stepper(page, name);
  },
  '07-transformer-block': async (page, name) => {
    await embed(page, name);
    await sentence(page, name);
    await cells(page, name);
    await arrows(page, name, '#seed', ['embed', 'seed'], { key: 'ArrowUp' });
    // one head first, so that any emb_dim divides
    await arrows(page, name, '#n_heads', ['transformer_block', 'n_heads'], { key: 'ArrowLeft' });
    await arrows(page, name, '#emb_dim', null, { key: 'ArrowRight' });
    await arrows(page, name, '#wseed', ['transformer_block', 'seed'], { key: 'ArrowUp' });
    await radios(page, name, '#order');
    await radios(page, name, '#act');
    await button(page, name, '#shuffle-button');
    await operate(page, name, '#pe', ['Space']);
    assert.equal((await lastRequest(page, 'transformer_block', (r) => r.causal === false)).positional, 'sinusoidal', 'the positions checkbox did not reach the core');
    await heatmap(page, name, '#pe-heatmap');
    await arrows(page, name, '#tok', null, { select: true });
    await arrows(page, name, '#gamma', null);
    await checkbox(page, name, '#res', ['transformer_block', 'residual']);
    await button(page, name, '#block-diagram button[aria-pressed="false"]');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-pressed')), 'true', 'the box pressed with Enter is not the one shown');
    await arrows(page, name, '#layers', ['gpt', 'n_layers']);
    await arrows(page, name, '#temp', ['gpt', 'temperature']);
    await stepper(page, name);
  },
  '08-watch-attention-learn': async (page, name) => {
    await embed(page, name);
    await arrows(page, name, '#task', ['train', 'task', String], { select: true });
    await arrows(page, name, '#n_layers', ['train', 'n_layers']);
    await arrows(page, name, '#n_heads', ['train', 'n_heads'], { key: 'ArrowLeft' });
    await arrows(page, name, '#emb_dim', ['train', 'emb_dim'], { select: true });
    await arrows(page, name, '#lr', ['train', 'lr'], { select: true });
    await arrows(page, name, '#seed', ['train', 'seed'], { key: 'ArrowUp' });
    // back to two layers and two heads, a model that learns the task, for the training controls
    await arrows(page, name, '#n_layers', ['train', 'n_layers'], { key: 'ArrowRight' });
    await arrows(page, name, '#n_heads', ['train', 'n_heads'], { key: 'ArrowRight' });
    await training(page, name);
  },
};

/** Lesson 8's buttons and slider, once its training stopped: each does what it says, from the keyboard. */
async function training(page, name) {
  const step = () => page.$eval('#progress-line', (p) => Number(p.dataset.step));
  await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 60000 });
  const before = await step();
  await tabTo(page, '#step-once');
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => Number(document.getElementById('progress-line').dataset.step) === n + 1, before);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'step-once', `${name}: Step lost the focus`);
  await tabTo(page, '#reset');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('progress-line').dataset.step === '0' && document.body.dataset.train === 'paused');
  // (Pause is off while paused: two steps back from Reset, past Step, is Train)
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'train', `${name}: Shift+Tab from Reset does not reach Train`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.body.dataset.train === 'running');
  // Train disables itself as training starts: the focus goes on to Pause, and back to Train once paused
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pause', `${name}: the focus did not go from Train to Pause while training`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.body.dataset.train), 'paused', `${name}: Enter on Pause did not pause`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'train', `${name}: the focus did not go from Pause back to Train`);
  // the replay slider: ArrowLeft goes back one snapshot
  await tabTo(page, '#snapshot');
  const shown = () => page.textContent('#snapshot-out');
  const was = await shown();
  await page.keyboard.press('ArrowLeft');
  assert.notEqual(await shown(), was, `${name}: ArrowLeft on the replay slider showed the same snapshot`);
  await heatmap(page, name, '#probe-l0-h0');
  // the learner's sequence: its first token typed over (a token of the task's own), predicted with Enter;
  // then "The probe" with Enter puts the probe back and predicts it
  const predicted = (words) => page.waitForFunction((w) => [...document.querySelectorAll('#prediction tbody tr:nth-child(2) td')].map((td) => td.textContent).join(' ') === w.join(' '), words);
  const probe = (await page.inputValue('#sequence')).trim().split(/\s+/);
  await tabTo(page, '#sequence');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(probe.slice(1).join(' '));
  await page.keyboard.press('Enter');
  await predicted(probe.slice(1));
  await tabTo(page, '#probe-sequence');
  await page.keyboard.press('Enter');
  await predicted(probe);
  // a head switched off with Space
  await tabTo(page, '#head-2-1');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /off, the held-out token accuracy is/.test(document.getElementById('ablate-result').textContent));
}

for (const name of LESSONS) {
  test(`${name}: every kind of control works from the keyboard, and the lesson shows the core's numbers after each`, async () => {
    const { page, problems } = await open(name);
    await agrees(page, name, 'loading');
    await OPERATE[name](page, name);
    assert.deepEqual(problems, []);
    await page.close();
  });
}
