// Text is text: hostile text typed into every field of every page, and put into every URL parameter a
// lesson's state knows (plus unknown ones, the hash, `emb=` edits named by a payload, and embed.js's
// embed/hide/lock), runs nothing and is shown literally. "Runs nothing": no dialog, no `window.__xss`
// set by a payload, no element a payload could have made (an on* attribute, a javascript: address, an
// <img>/<iframe>/<object>/<embed>/<style>, a <script> without a src on the site), watched by a
// MutationObserver from before the first script so that even a node added and removed again is seen,
// no console error. "Literally": the notices quote the parameter's text, refused cells quote what was
// typed, and the tokens in the table, the token select and the heatmap/bar labels are the core's
// tokens of the payload. Afterwards the lesson still computes: a normal change shows the core's numbers,
// recomputed here by the same wasm core in node. Served without the CSP on purpose, so that an injected
// handler would run (the CSP is a second wall, tested in csp.test.mjs).
// Usage: ATTN_SITE=build/site node --test --test-concurrency=1 tests/web/xss.test.mjs   (after bash tools/build)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { act, closeSuite, flat, lastRequest, LESSONS, openSuite, root, settled, texts } from './helpers.mjs';

// Each one, were it parsed as HTML, would set window.__xss or open a dialog (or at least make an element).
// No quotes inside the handlers: a page that quoted the text (JSON.stringify) and then parsed it as HTML
// would still run them.
const PAYLOADS = [
  '<img src=x onerror=window.__xss=1;alert(1)>',
  '<script>window.__xss=2;alert(2)</script>',
  '"><svg onload=window.__xss=3;alert(3)>',
  "'><iframe src=javascript:parent.__xss=4;alert(4)></iframe>",
  '<a href=javascript:alert(5)>&lt;b&gt;&amp;</a>',
  '<details open ontoggle=window.__xss=6;alert(6)>x</details>',
  '</textarea><style>*{}</style><input autofocus onfocus=window.__xss=7;alert(7)>',
];

let site, browser, run;
before(async () => ({ site, browser, run } = await openSuite()));
after(() => closeSuite({ site, browser }));

/**
 * Runs in every page before its scripts: records each element that only a payload could have made,
 * as it is added or given an attribute (window.__hostile), and offers the same check of the whole page.
 */
function watchForInjection() {
  const TAGS = ['img', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'style', 'video', 'audio', 'portal'];
  const hostile = (el) => {
    const tag = el.localName;
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) return `${tag} with ${a.name}`;
      if (/^\s*javascript:/i.test(a.value)) return `${tag} with a javascript: ${a.name}`;
    }
    if (TAGS.includes(tag)) return tag;
    if (tag === 'script' && (!el.src || new URL(el.src).origin !== location.origin)) return 'script without a src on the site';
    return null;
  };
  const found = [], seen = new WeakSet();
  const checkOne = (el) => {
    const why = !seen.has(el) && hostile(el);
    if (why) { seen.add(el); found.push(`${why}: ${el.outerHTML.slice(0, 120)}`); }
  };
  const check = (node) => {
    if (node.nodeType !== 1) return;
    [node, ...node.querySelectorAll('*')].forEach(checkOne);
  };
  window.__hostile = found;
  window.__scanHostile = () => { const before = found.length; check(document.documentElement); return found.splice(before); };
  new MutationObserver((records) => records.forEach((r) => {
    if (r.type === 'attributes') checkOne(r.target); else r.addedNodes.forEach(check);
  })).observe(document, { childList: true, subtree: true, attributes: true });
}

/** Opens a page with the watch installed, recording dialogs, console errors and page errors. */
async function open(url, { wait = true } = {}) {
  const page = await browser.context.newPage();
  const problems = [];
  await page.addInitScript(watchForInjection);
  page.on('dialog', (d) => { problems.push(`dialog: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text().slice(0, 200)}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await go(page, problems, url, wait);
  return { page, problems };
}

async function go(page, problems, url, wait = true) {
  await page.goto('about:blank');  // a new hash alone would not load the page again
  problems.length = 0;  // each load is judged on its own
  await page.goto(site.url + url);
  if (wait) await settled(page);
}

/** Nothing ran and nothing was made: no dialog, error, __xss, or injected element (seen or still there). */
async function clean(page, problems, where, { wait = false } = {}) {
  if (wait) await page.waitForTimeout(100);  // an onerror of a broken <img> fires a moment after it is made
  const made = await page.evaluate(() => [...window.__hostile, ...window.__scanHostile()]);
  const ran = [];
  for (const frame of page.frames()) ran.push(await frame.evaluate(() => window.__xss).catch(() => undefined));
  assert.deepEqual({ made, ran: ran.filter((x) => x !== undefined), problems }, { made: [], ran: [], problems: [] },
    `${where}: elements a payload made, window.__xss set by a payload, dialogs and errors`);
}

const visible = (page, selector) => page.isVisible(selector);

// Per lesson: the request behind the main numbers, where they are shown and which part of the core's
// response they are. Lesson 6 shows lesson 5's example in its stepper (its times are measurements).
const withSteps = (r) => r.steps === true;
const SHOWN = {
  '01-why-attention': { mechanism: 'additive', where: withSteps, shown: '#attn-bars .bar-value', expect: (res) => res.attn_weights[0] },
  '02-simplified-self-attention': { mechanism: 'simplified', where: withSteps, shown: '#weights-heatmap .hm-cell', expect: (res) => res.attn_weights },
  '03-trainable-weights': { mechanism: 'self_attention', shown: '#context-matrix td', expect: (res) => res.context_vecs },
  '04-causal-attention': { mechanism: 'causal', shown: '#route-b .hm-cell', expect: (res) => res.attn_weights },
  '05-multi-head': { mechanism: 'multihead', shown: '#m-context td', expect: (res) => res.context_vecs },
  '06-what-attention-costs': { mechanism: 'multihead', where: withSteps, shown: '#stepper .step-value td', expect: (res) => res.steps.find((s) => s.name === 'attn_weights').value },
  '07-transformer-block': { mechanism: 'transformer_block', where: withSteps, shown: '#m-ff-out td', expect: (res) => res.steps.find((s) => s.name === 'ff').value },
};

/** The lesson's main numbers are the core's answer to the request the page sent. */
async function agrees(page, name) {
  const spec = SHOWN[name];
  const res = run(await lastRequest(page, spec.mechanism, spec.where));
  assert.ok(!res.error, `${name}: the core refused the page's request: ${res.error?.message}`);
  const shown = await texts(page, spec.shown);
  assert.ok(shown.length > 0, `${name}: nothing shown in ${spec.shown}`);
  assert.deepEqual(shown, flat(spec.expect(res)), `${name}: ${spec.shown} is not the core's answer`);
  return shown;
}

async function setValue(page, selector, value, event) {
  await page.$eval(selector, (el, [v, ev]) => { el.value = v; el.dispatchEvent(new Event(ev, { bubbles: true })); }, [value, event]);
}

/** It keeps computing: a normal change recomputes, and what is shown is the core's answer. */
async function stillComputes(page, name) {
  if (name === '08-watch-attention-learn') {
    // a new seed is checked by the core and builds that model: the facts are the core's
    for (const seed of ['3', '4']) {
      await act(page, () => setValue(page, '#seed', seed, 'input'));
      const req = await lastRequest(page, 'train', (r) => r.steps === 0);
      assert.equal(req.seed, Number(seed));
      const res = run(req);
      assert.ok(!res.error, `${name}: the core refused the page's request: ${res.error?.message}`);
      const count = res.model.parameter_count.toLocaleString('en');
      await page.waitForFunction((c) => document.getElementById('model-facts').textContent.includes(`with ${c} weights`), count);
    }
    return;
  }
  const before = await agrees(page, name);
  if (name === '06-what-attention-costs') {
    // the example is fixed; the sizes are the core's to check: refused, then taken
    await act(page, () => setValue(page, '#num_heads', '3', 'input'));
    assert.match(await page.textContent('#size-error'), /num_heads|divide/);
    await act(page, () => setValue(page, '#num_heads', '8', 'input'));
    assert.ok(!(await visible(page, '#size-error')), 'a good num_heads is still refused');
    assert.ok(await page.isEnabled('#measure'), 'Measure stays disabled');
    await agrees(page, name);
    return;
  }
  const cell = '#embedding-table input[data-row="0"][data-dim="0"]';
  await act(page, async () => setValue(page, cell, (await page.inputValue(cell)) === '0.90' ? '0.8' : '0.9', 'change'));
  assert.notDeepEqual(await agrees(page, name), before, `${name}: a normal change did not update the numbers`);
}

/** The core's tokens of a sentence, as far as a lesson draws them (its display limit). */
async function coreTokens(page, sentence) {
  const limit = await page.evaluate(() => AttnTest.DISPLAY_LIMIT);
  return run({ mechanism: 'embed', text: sentence, d_in: 3, seed: 123 }).tokens.slice(0, limit);
}

/**
 * Tokens are shown as text: the table's row headers and the token select are exactly the core's
 * tokens, and every heatmap or bar label holding a character of markup is one of them; the markup
 * characters of the sentence show up as labels.
 */
async function showsTokens(page, tokens, where) {
  assert.deepEqual(await texts(page, '#embedding-table tbody th'), tokens, `${where}: the table's tokens`);
  if (await page.$('#query')) {
    assert.deepEqual(await texts(page, '#query option'), tokens.map((t, i) => `${i + 1}: \u2068${t}\u2069`), `${where}: the token select`);
  }
  const labels = await texts(page, '.hm-row, .hm-col, .bar-label, .rnn-cell .tok, .matrix th');
  const markup = labels.filter((l) => /[<>"'&=]/.test(l));
  // a label may name a token with its place first: lesson 1's bottleneck bars read "h3 <token>"
  const token = (/** @type {string} */ l) => l.replace(/^h\d+ /, '');
  assert.deepEqual(markup.filter((l) => !tokens.includes(token(l))), [], `${where}: labels that are not the core's tokens`);
  for (const t of tokens.filter((t) => /^[<>"]$/.test(t))) assert.ok(markup.includes(t), `${where}: the token ${t} is not shown as a label`);
}

// Every field a learner can type text or numbers into (ranges, selects, boxes and buttons take none).
const FIELDS = 'input:not([type]), input[type=text], input[type=search], input[type=number], input[type=url], input[type=email], input[type=tel], textarea';

/**
 * Types a payload into every field a learner can reach (closed <details> opened first) and submits it:
 * Enter (which submits the sentence form), then leaving the field (which commits a cell). Fields are
 * found again after each one, since a new sentence or seed redraws the table. Cells past the first
 * row of the table get their payload in one go in the page (value + the change event, what typing
 * ends with), to keep the test short; refused cells must quote the payload. Returns how many fields.
 */
async function typeEverywhere(page, problems, name) {
  await page.$$eval('main details:not([open])', (all) => all.forEach((d) => { d.open = true; }));
  // what each field is, found again after each one typed into
  const list = () => page.$$eval(FIELDS, (els) => els.map((el) => ({
    type: el.type, id: el.id, row: el.dataset.row === undefined ? -1 : Number(el.dataset.row),
    usable: !el.readOnly && !el.disabled && el.checkVisibility(),
  })));
  let typed = 0, skipped = 0;
  for (let i = 0, fields = await list(); i < fields.length; i++, fields = await list()) {
    const info = fields[i];
    if (!info.usable) skipped++;
    if (!info.usable || info.row > 0) continue;
    const field = page.locator(FIELDS).nth(i);
    const payload = PAYLOADS[typed++ % PAYLOADS.length];
    const runsBefore = Number(await page.evaluate(() => document.body.dataset.runs));
    await field.click();
    if (info.type === 'number') {
      // the browser keeps only what a number can hold of it; the rest is refused at the keyboard
      await page.keyboard.press('Control+A');
      await page.keyboard.type(payload);
    } else {
      await field.fill(payload);
    }
    await page.keyboard.press('Enter');
    await field.evaluate((el) => el.blur());
    await clean(page, problems, `${name}, typed into field ${i} (${info.id || info.type})`);
    if (info.id === 'sentence') {
      await settled(page, runsBefore + 1);
      assert.equal(await page.inputValue('#sentence'), payload, 'the sentence field changed what was typed');
      assert.ok(!(await visible(page, '#sentence-error')), `${name}: ${await page.textContent('#sentence-error')}`);
      await showsTokens(page, await coreTokens(page, payload), `${name}, sentence ${payload}`);
    } else {
      await settled(page);  // a number that reached the state recomputes (and may redraw the table)
    }
    if (info.row === 0) {
      const said = await page.textContent('#embedding-table-error');
      assert.ok(said.includes(JSON.stringify(payload.slice(0, 30))), `${name}: the refused cell does not quote ${payload}: ${said}`);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
    }
  }
  // the other rows of the table
  const refused = await page.$$eval('#embedding-table input[data-row]:not([data-row="0"])', (cells, payloads) => cells.map((cell, k) => {
    const payload = payloads[k % payloads.length];
    cell.focus();
    cell.value = payload;
    cell.dispatchEvent(new Event('input', { bubbles: true }));
    cell.blur();
    cell.dispatchEvent(new Event('change', { bubbles: true }));
    return { payload, said: document.getElementById('embedding-table-error').textContent, invalid: cell.getAttribute('aria-invalid') };
  }), PAYLOADS);
  typed += refused.length;
  await clean(page, problems, `${name}, typed into the other rows of the table`, { wait: true });
  for (const { payload, said, invalid } of refused) {
    assert.ok(said.includes(JSON.stringify(payload.slice(0, 30))), `${name}: the refused cell does not quote ${payload}: ${said}`);
    assert.equal(invalid, 'true');
  }
  await settled(page);
  return { typed, skipped };
}

// ---- the URL ----------------------------------------------------------------------------------

/** The lesson's state schema, read from its createState call (state.js's create): [{ key, type, free }]. */
function schemaOf(name) {
  const source = fs.readFileSync(path.join(root, 'web/lessons', `${name}.js`), 'utf8');
  const block = source.match(/createState\(\{\n([\s\S]*?)\n\s*\}\);/);
  assert.ok(block, `${name}: no createState({ … }) found`);
  const keys = [...block[1].matchAll(/^\s*(\w+): \{ type: '(\w+)'(.*)$/gm)].map(([, key, type, rest]) => ({ key, type, free: type === 'string' && !/pattern:/.test(rest) }));
  assert.ok(keys.length >= 4, `${name}: the schema was not read (${keys.map((k) => k.key)})`);
  return keys;
}

/**
 * `emb=` edits named by payloads: `<` (a token of the sentence, with a number the core refuses), `img` (taken), one that is no token, and broken
 * percent-escapes; rows as wide as the lesson's embeddings (lesson 7's are 4 wide by default, the others' 3).
 */
const embFor = (name) => {
  const row = (...xs) => (name === '07-transformer-block' ? [...xs, 0.4] : xs).join(',');
  return `${encodeURIComponent('<')}=${row(1e300, 0, 0)};img=${row(0.1, 0.2, 0.3)};${encodeURIComponent(PAYLOADS[2])}=${row(1, 2, 3)};%E0%A4%A=1;${PAYLOADS[1]}`;
};
const SENTENCE = PAYLOADS[0];

/**
 * Every parameter of the schema holding a payload (the sentence one whose tokens include < and img;
 * `emb` the edits above), an unknown parameter named by a payload, and embed/hide/lock. Returns the
 * parameters and the texts the notices must quote.
 */
function hostileParams(name) {
  const params = new URLSearchParams();
  const quoted = [];
  schemaOf(name).forEach(({ key, free }, i) => {
    const value = key === 'sentence' ? SENTENCE : key === 'emb' ? embFor(name) : PAYLOADS[i % PAYLOADS.length];
    params.set(key, value);
    if (!free) quoted.push(`${key}=${JSON.stringify(value)}`);
  });
  params.set(PAYLOADS[1], '1');
  quoted.push(JSON.stringify(PAYLOADS[1].slice(0, 40)));
  params.set('embed', PAYLOADS[0]);
  quoted.push(`embed=${JSON.stringify(PAYLOADS[0].slice(0, 40))}`);
  for (const [key, payload] of [['hide', PAYLOADS[2]], ['lock', PAYLOADS[4]]]) {
    params.set(key, payload);
    quoted.push(`${key}=${JSON.stringify(payload)}`);
  }
  return { params, quoted };
}

/** The notices quote each bad parameter as it was written, and are plain text (no element inside). */
async function noticesQuote(page, quoted, where) {
  const said = await texts(page, '#notices .notice');
  for (const q of quoted) assert.ok(said.some((n) => n.includes(q)), `${where}: no notice quotes ${q}:\n${said.join('\n')}`);
  assert.equal(await page.$$eval('#notices .notice *', (n) => n.length), 0, `${where}: a notice holds elements`);
  assert.ok(await visible(page, '#notices'), `${where}: the notices are hidden`);
}

/** The lesson took the free text parameters as text: the sentence as typed, `emb` edits by token. */
async function tookText(page, name, schema, where) {
  const keys = schema.map((s) => s.key);
  if (keys.includes('sentence')) {
    assert.equal(await page.inputValue('#sentence'), SENTENCE, `${where}: the sentence from the link`);
    await showsTokens(page, await coreTokens(page, SENTENCE), where);
  }
  if (keys.includes('emb')) {
    const said = await page.textContent('#embedding-table-error');
    assert.ok(said.includes('the edited embedding of \u2068<\u2069 (the core:'), `${where}: the refused edit of < is not said: ${said}`);
    const rows = await page.$$eval('#embedding-table tbody tr', (trs) => trs.map((tr) => [tr.querySelector('th').textContent, tr.lastElementChild.textContent]));
    assert.deepEqual(rows.filter(([, from]) => from === 'edited').map(([t]) => t), ['img'], `${where}: the edits taken`);
  }
}

/** The embed snippet of the view is exactly one frame and one script, whatever hide/lock hold. */
async function snippetIsSafe(page, where) {
  await page.click('#embed-button');
  const snippet = await page.inputValue('#embed-snippet');
  const parsed = await page.evaluate((html) => {
    const doc = new DOMParser().parseFromString(html, 'text/html');  // inert: nothing in it runs
    const all = [...doc.body.querySelectorAll('*'), ...doc.head.querySelectorAll('*')];
    return {
      tags: all.map((el) => el.localName).sort(),
      handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
      src: doc.querySelector('iframe')?.getAttribute('src'),
      expected: AttnTest.embedUrl(),
    };
  }, snippet);
  assert.deepEqual(parsed.tags, ['iframe', 'script'], `${where}: the snippet is not one frame and one script: ${snippet}`);
  assert.deepEqual(parsed.handlers, [], `${where}: ${snippet}`);
  assert.equal(parsed.src, parsed.expected, `${where}: the frame's address is not the view's`);
  const view = new URLSearchParams(new URL(parsed.src).hash.slice(1));
  assert.equal(view.get('hide'), PAYLOADS[2], `${where}: hide= did not survive as text`);
  assert.equal(view.get('embed'), '1');
  await page.click('#embed-button');
}

// ---- the tests ----------------------------------------------------------------------------------

for (const name of LESSONS) {
  test(`${name}: hostile text typed into every field and put into every URL parameter runs nothing and shows as text`, async (t) => {
    const { page, problems } = await open(`lessons/${name}.html`);
    try {
      await t.test('typed into every field', async () => {
        const { typed, skipped } = await typeEverywhere(page, problems, name);
        assert.ok(typed >= 1, `${name}: no field found by ${FIELDS}`);
        console.log(`# ${name}: ${typed} fields typed into (${skipped} hidden or read-only)`);
        await stillComputes(page, name);
        await clean(page, problems, `${name}, after typing`, { wait: true });
      });

      const schema = schemaOf(name);
      const { params, quoted } = hostileParams(name);
      // the raw link puts its payload into the stepper's step= (lesson 8, which has none: its task=)
      const rawKey = schema.some((k) => k.key === 'step') ? 'step' : schema[0].key;
      for (const [label, url] of [
        ['the query', `lessons/${name}.html?${params}`],
        ['the hash', `lessons/${name}.html#${params}`],
        // unencoded, as pasted: the browser escapes what it must; a hash with no key=value form
        ['raw text', `lessons/${name}.html?${rawKey}=${PAYLOADS[1]}&${PAYLOADS[0]}#${PAYLOADS[2]}`],
      ]) {
        await t.test(`in ${label}`, async () => {
          await go(page, problems, url);
          await clean(page, problems, `${name}, ${label} (loaded)`, { wait: true });
          if (label === 'raw text') {
            const said = (await texts(page, '#notices .notice')).join('\n');
            assert.ok(said.includes(`${rawKey}=${JSON.stringify(PAYLOADS[1])}`), `${name}: ${rawKey}= is not quoted:\n${said}`);
            assert.ok(said.includes('"<img src"'), `${name}: the unknown key is not quoted:\n${said}`);
          } else {
            await noticesQuote(page, quoted, `${name}, ${label}`);
            await tookText(page, name, schema, `${name}, ${label}`);
            if (label === 'the hash') await snippetIsSafe(page, name);
          }
          await stillComputes(page, name);
          await clean(page, problems, `${name}, ${label} (after a change)`);
        });
      }
    } finally {
      await page.close();
    }
  });
}

test('the contents page: payloads in the query and the hash run nothing', async () => {
  const { page, problems } = await open(`index.html?lesson=${encodeURIComponent(PAYLOADS[0])}&${encodeURIComponent(PAYLOADS[1])}=1#${encodeURIComponent(PAYLOADS[2])}`, { wait: false });
  await page.waitForLoadState('load');
  assert.equal((await page.$$('.lesson-list a')).length, LESSONS.length, 'the contents are not shown');
  assert.equal(await page.locator(FIELDS).count(), 0, 'the contents page has a field this test does not type into');
  await clean(page, problems, 'index.html', { wait: true });
  await page.close();
});
