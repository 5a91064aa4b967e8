// The SCORM 1.2 packages (tools/export: build/export/scorm/<lesson>.zip) on a course platform: a
// player page holds scorm-again's Scorm12API (the SCORM run-time many platforms' players use) as
// window.API, reads each package's imsmanifest.xml to find the SCO to launch, and frames it, as a
// platform does. The status and score it records must match what the test's learner did; outside a
// platform (no API, or a page that is not a package) the lesson behaves as it always did.
// Usage: node --test tests/web/scorm.test.mjs   (needs bash tools/build and bash tools/export first;
// ATTN_SITE and ATTN_EXPORT point at other folders)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '../../tools/serve.mjs';
import { LESSONS, launch, readZip, root, settled } from './helpers.mjs';
import { SUSPEND_MAX, packRecords, unpackRecords } from '../../web/js/ui/scorm.js';

const exported = path.resolve(root, process.env.ATTN_EXPORT || 'build/export');
const ADLCP = 'http://www.adlnet.org/xsd/adlcp_rootv1p2';

// The platform: a player page with the run-time API and a frame for the SCO. It records every call
// the SCO makes, and launches a package the way a player does, from its manifest: the default
// organization's item, the resource it points to, that resource's href.
const PLAYER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>player</title><link rel="icon" href="data:,">
<script src="scorm12.min.js"></script>
<script>
  window.calls = [];
  window.API = new Scorm12API({ autocommit: false, logLevel: 5 });
  ['LMSInitialize', 'LMSSetValue', 'LMSCommit', 'LMSFinish'].forEach((name) =>
    window.API.on(name, (element, value) => window.calls.push(name === 'LMSSetValue' ? [name, element, value] : [name])));
  window.manifest = async (dir) => {
    const text = await (await fetch(dir + '/imsmanifest.xml')).text();
    const doc = new DOMParser().parseFromString(text, 'application/xml');
    if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror').textContent };
    const ns = doc.documentElement.namespaceURI;
    const one = (parent, name) => parent.getElementsByTagNameNS(ns, name)[0] || null;
    const orgs = one(doc, 'organizations');
    const org = [...doc.getElementsByTagNameNS(ns, 'organization')].find((o) => o.getAttribute('identifier') === orgs.getAttribute('default'));
    const item = org && one(org, 'item');
    const res = item && [...doc.getElementsByTagNameNS(ns, 'resource')].find((r) => r.getAttribute('identifier') === item.getAttribute('identifierref'));
    return {
      root: doc.documentElement.localName, ns,
      schema: one(doc, 'schema')?.textContent, schemaversion: one(doc, 'schemaversion')?.textContent,
      org: !!org, orgTitle: org && one(org, 'title')?.textContent, itemTitle: item && one(item, 'title')?.textContent,
      type: res?.getAttribute('type'), scormtype: res?.getAttributeNS('${ADLCP}', 'scormtype'),
      href: res?.getAttribute('href'), files: res ? [...res.getElementsByTagNameNS(ns, 'file')].map((f) => f.getAttribute('href')) : [],
    };
  };
  window.launch = async (dir) => {
    const m = await window.manifest(dir);
    document.getElementById('sco').src = dir + '/' + m.href;
    return m;
  };
</script></head>
<body><iframe id="sco" title="the lesson" style="width: 1100px; height: 900px; border: 0"></iframe></body></html>`;

let lms, server, url, browser;
before(async () => {
  for (const name of LESSONS) {
    if (!fs.existsSync(path.join(exported, 'scorm', `${name}.zip`))) throw new Error(`${name}.zip is missing: run bash tools/export first`);
  }
  lms = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-lms-'));
  fs.copyFileSync(path.join(root, 'node_modules/scorm-again/dist/scorm12.min.js'), path.join(lms, 'scorm12.min.js'));
  fs.writeFileSync(path.join(lms, 'player.html'), PLAYER);
  // unpacked as a platform does on upload
  for (const name of LESSONS) {
    fs.mkdirSync(path.join(lms, 'course', name), { recursive: true });
    for (const [file, data] of readZip(path.join(exported, 'scorm', `${name}.zip`))) fs.writeFileSync(path.join(lms, 'course', name, file), data);
  }
  // the hosted site beside the courses, same origin: a lesson that is no package, in the same player
  fs.cpSync(path.resolve(root, process.env.ATTN_SITE || 'build/site'), path.join(lms, 'site'), { recursive: true });
  ({ server, url } = await serve({ root: lms, port: 0, quiet: true }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
  if (lms) fs.rmSync(lms, { recursive: true, force: true });
});

/** A fresh player (and fresh storage, so no earlier test's answers count). */
async function player() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${url}player.html`);
  await page.evaluate(() => localStorage.clear());
  return { page, errors };
}

/** The lesson's frame, once it computed and its moments are built. */
async function sco(page) {
  await page.waitForFunction(() => {
    const doc = document.getElementById('sco').contentDocument;
    return !!doc && !!doc.body && doc.body.dataset.status === 'ready' && doc.querySelectorAll('.act').length >= 5;
  }, null, { timeout: 20000 });
  return page.frames().find((f) => /\/(course|site)\//.test(f.url()));
}

/** What the platform holds, and what it was told (cmi.core.exit and session_time are write-only: the last value set). */
const cmi = (page) => page.evaluate(() => {
  const last = (element) => window.calls.filter((c) => c[1] === element).map((c) => c[2]).pop();
  return {
    status: API.cmi.core.lesson_status, raw: API.cmi.core.score.raw, min: API.cmi.core.score.min, max: API.cmi.core.score.max,
    exit: last('cmi.core.exit'), session: last('cmi.core.session_time'), terminated: API.isTerminated(),
    calls: window.calls.map((c) => c.join(' ')),
  };
});

test('each zip is a SCORM 1.2 package: imsmanifest.xml at its root and the single-file lesson it launches', async () => {
  const { page } = await player();
  for (const name of LESSONS) {
    const listing = [...readZip(path.join(exported, 'scorm', `${name}.zip`)).keys()].sort();
    assert.deepEqual(listing, [`${name}.html`, 'imsmanifest.xml'].sort(), `${name}.zip holds ${listing.join(', ')}`);
    const m = await page.evaluate((dir) => window.manifest(dir), `course/${name}`);
    assert.equal(m.error, undefined, `${name}: the manifest does not parse: ${m.error}`);
    assert.equal(m.root, 'manifest');
    assert.equal(m.ns, 'http://www.imsproject.org/xsd/imscp_rootv1p1p2');
    assert.equal(m.schema, 'ADL SCORM');
    assert.equal(m.schemaversion, '1.2');
    assert.ok(m.org, `${name}: organizations' default names no organization`);
    assert.equal(m.type, 'webcontent');
    assert.equal(m.scormtype, 'sco');
    assert.equal(m.href, `${name}.html`);
    assert.deepEqual(m.files, [`${name}.html`]);
    // the title a platform lists is the lesson's own
    const title = /<title>([^<]*)<\/title>/.exec(fs.readFileSync(path.join(lms, 'course', name, `${name}.html`), 'utf8'))[1];
    assert.equal(m.orgTitle, title);
    assert.equal(m.itemTitle, title);
  }
  await page.close();
});

test('lesson 4 on the platform: opened is incomplete; every item answered is completed with the learner\'s score', async () => {
  const { page, errors } = await player();
  const m = await page.evaluate(() => window.launch('course/04-causal-attention'));
  assert.equal(m.href, '04-causal-attention.html');
  const frame = await sco(page);
  assert.equal(await frame.getAttribute('body', 'data-platform'), 'scorm12');

  let now = await cmi(page);
  assert.equal(now.status, 'incomplete');
  assert.equal(now.raw, '', 'a score before any answer');
  assert.ok(now.calls[0] === 'LMSInitialize', `the first call was ${now.calls[0]}`);
  assert.ok(now.calls.includes('LMSCommit'));

  // one right guess: 1 of 5 items right, 20 %
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw, now.min, now.max], ['incomplete', '20', '0', '100']);

  // a wrong guess, a skipped reveal, a solved exercise, a skipped exercise: 2 of 5 right
  await frame.fill('#predict-kept input.act-number', '0.38');
  await frame.click('#predict-kept .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-kept').dataset.state === 'revealed');
  assert.equal(await frame.getAttribute('#predict-kept', 'data-correct'), 'false');
  await frame.click('#predict-journey .act-buttons button:not(.primary)');
  await frame.waitForFunction(() => document.getElementById('predict-journey').dataset.state === 'skipped');
  for (const [j, v] of ['1', '1', '1', '1'].entries()) await frame.fill(`#exercise-mask-c0-${j}`, v);
  await frame.click('#exercise-mask .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('exercise-mask').dataset.state === 'solved');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['incomplete', '40'], 'four of five done is not complete');
  await frame.click('#exercise-ignore .act-buttons button:not(.primary)');
  await frame.waitForFunction(() => document.getElementById('exercise-ignore').dataset.state === 'skipped');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw, now.min, now.max], ['completed', '40', '0', '100']);

  // a second right answer after the first one counts nothing more (the first guess stands)
  assert.equal(now.terminated, false);
  // the learner leaves: the session is finished, completed, nothing to resume
  await page.evaluate(() => { document.getElementById('sco').src = 'about:blank'; });
  await page.waitForFunction(() => window.calls.some((c) => c[0] === 'LMSFinish'));
  now = await cmi(page);
  assert.equal(now.terminated, true);
  assert.equal(now.status, 'completed');
  assert.equal(now.exit, '');
  assert.match(now.session, /^\d{2,4}:\d{2}:\d{2}$/);
  assert.equal(now.calls.filter((c) => c === 'LMSFinish').length, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a learner who leaves part way: the attempt stays incomplete and suspended, with the score so far', async () => {
  const { page, errors } = await player();
  await page.evaluate(() => window.launch('course/07-transformer-block'));
  const frame = await sco(page);
  await frame.fill('#exercise-gelu-c0-0', '-0.75');
  await frame.click('#exercise-gelu .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('exercise-gelu').dataset.state === 'solved');
  await page.evaluate(() => { document.getElementById('sco').src = 'about:blank'; });
  await page.waitForFunction(() => window.calls.some((c) => c[0] === 'LMSFinish'));
  const now = await cmi(page);
  assert.deepEqual([now.status, now.raw, now.exit, now.terminated], ['incomplete', '20', 'suspend', true]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson completed in an earlier session stays completed when opened again, its score not lowered', async () => {
  const { page, errors } = await player();
  await page.evaluate(() => API.loadFromJSON({ core: { lesson_status: 'completed', score: { raw: '60', min: '0', max: '100' } } }, 'cmi'));
  assert.equal(await page.evaluate(() => API.cmi.core.lesson_status), 'completed');
  await page.evaluate(() => window.launch('course/05-multi-head'));
  const frame = await sco(page);
  let now = await cmi(page);
  assert.ok(now.calls.includes('LMSInitialize'));
  assert.equal(now.status, 'completed');
  assert.ok(!now.calls.includes('LMSSetValue cmi.core.lesson_status incomplete'), now.calls.join('; '));
  // in this browser the earlier answers are not stored: one right answer (20 %) keeps the 60
  await frame.fill('#predict-head-dim input.act-number', '64');
  await frame.click('#predict-head-dim .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-head-dim').dataset.state === 'revealed');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['completed', '60']);
  // and a better one replaces it: 4 of 5 right
  await frame.check('#predict-shape input[value="(6, 2)"]');
  await frame.click('#predict-shape .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-shape').dataset.state === 'revealed');
  await frame.click('#predict-params .act-buttons button:not(.primary)');
  await frame.waitForFunction(() => document.getElementById('predict-params').dataset.state === 'skipped');
  await frame.fill('#exercise-budget-c0-0', '384');
  await frame.fill('#exercise-budget-c0-1', '8');
  await frame.click('#exercise-budget .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('exercise-budget').dataset.state === 'solved');
  assert.equal((await cmi(page)).raw, '60', '3 of 5 right does not beat 60');
  await frame.fill('#exercise-heads-c0-0', '-2.4');
  await frame.fill('#exercise-heads-c0-1', '2.2');
  await frame.fill('#exercise-heads-c1-0', '0.2');
  await frame.fill('#exercise-heads-c1-1', '-4.9');
  await frame.fill('#exercise-heads-c2-0', '-2.9');
  await frame.fill('#exercise-heads-c2-1', '4.2');
  for (const [i, row] of [[-4.2, 2.6], [-4.6, -2.1], [-3.6, 2.2]].entries()) {
    await frame.fill(`#exercise-heads-c${i}-2`, String(row[0]));
    await frame.fill(`#exercise-heads-c${i}-3`, String(row[1]));
  }
  await frame.click('#exercise-heads .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('exercise-heads').dataset.state === 'solved');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['completed', '80']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson passed earlier stays passed; only the page going for good finishes the session, once', async () => {
  const { page, errors } = await player();
  await page.evaluate(() => API.loadFromJSON({ core: { lesson_status: 'passed', score: { raw: '80', min: '0', max: '100' } } }, 'cmi'));
  await page.evaluate(() => window.launch('course/04-causal-attention'));
  const frame = await sco(page);
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  let now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['passed', '80']);
  assert.ok(!now.calls.some((c) => /^LMSSetValue cmi\.core\.lesson_status (completed|incomplete)$/.test(c)), now.calls.join('; '));
  // kept in the back-forward cache, or a leave the learner may still cancel: the session goes on
  await frame.evaluate(() => {
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    window.dispatchEvent(new Event('beforeunload', { cancelable: true }));
  });
  now = await cmi(page);
  assert.equal(now.terminated, false);
  assert.ok(!now.calls.includes('LMSFinish'), now.calls.join('; '));
  // the page goes for good: one LMSFinish, the status still passed
  await page.evaluate(() => { document.getElementById('sco').src = 'about:blank'; });
  await page.waitForFunction(() => window.calls.some((c) => c[0] === 'LMSFinish'));
  now = await cmi(page);
  assert.deepEqual([now.terminated, now.status, now.exit], [true, 'passed', '']);
  assert.equal(now.calls.filter((c) => c === 'LMSFinish').length, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

// Another learner on this computer answered all of lesson 4 right on the hosted site (or in an
// earlier attempt): their records sit in the browser's storage of the platform's origin.
const OTHER_LEARNER = JSON.stringify({
  '04-causal-attention': Object.fromEntries([['masked-row-sum', 'prediction'], ['kept-weight', 'prediction'], ['journey-dropped', 'prediction'],
    ['mask-row-sum', 'exercise'], ['ignore-first', 'exercise']].map(([id, kind]) => [id, { kind, correct: true, skipped: false }])),
});
const storage = (page) => page.evaluate(() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])));

test('a new attempt on a shared computer starts empty: another learner\'s stored answers are not reported', async () => {
  const { page, errors } = await player();
  await page.evaluate((v) => localStorage.setItem('attention-lab.progress.v1', v), OTHER_LEARNER);
  const stored = await storage(page);
  await page.evaluate(() => window.launch('course/04-causal-attention'));
  const frame = await sco(page);
  let now = await cmi(page);
  assert.equal(now.status, 'incomplete');
  assert.ok(now.raw === '' || now.raw === '0', `the score of a fresh attempt is ${now.raw}`);
  assert.ok(!now.calls.includes('LMSSetValue cmi.core.lesson_status completed'), now.calls.join('; '));
  // this learner's own answer is what counts: 1 of 5 right
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['incomplete', '20']);
  assert.match(await frame.textContent('#answers'), /1 of 5 done, 1 right\.$/);
  await page.evaluate(() => { document.getElementById('sco').src = 'about:blank'; });
  await page.waitForFunction(() => window.calls.some((c) => c[0] === 'LMSFinish'));
  // the packaged session wrote nothing into the browser's storage, nor changed what was there
  assert.deepEqual(await storage(page), stored);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the answers live in the platform: cmi.suspend_data after each answer, restored when the attempt resumes', async () => {
  const first = await player();
  await first.page.evaluate(() => window.launch('course/04-causal-attention'));
  let frame = await sco(first.page);
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  const suspend = await first.page.evaluate(() => API.cmi.suspend_data);
  assert.ok(suspend.length > 0 && suspend.length <= 4096, `suspend_data: ${suspend}`);
  assert.match(suspend, /masked-row-sum/);
  let now = await cmi(first.page);
  assert.deepEqual([now.status, now.raw], ['incomplete', '20']);
  // written, then committed
  const written = now.calls.findIndex((c) => c.startsWith('LMSSetValue cmi.suspend_data '));
  assert.ok(written >= 0 && now.calls.indexOf('LMSCommit', written) > written, now.calls.join('; '));
  await first.page.evaluate(() => { document.getElementById('sco').src = 'about:blank'; });
  await first.page.waitForFunction(() => window.calls.some((c) => c[0] === 'LMSFinish'));
  assert.equal((await cmi(first.page)).exit, 'suspend');
  assert.deepEqual(await storage(first.page), {}, 'the packaged session wrote into localStorage');
  assert.deepEqual(first.errors, []);
  await first.page.close();

  // the learner comes back (another day, another computer): the platform gives the attempt's
  // suspend_data and nothing else; the browser's storage is empty
  const { page, errors } = await player();
  await page.evaluate((s) => API.loadFromJSON({ suspend_data: s, core: { entry: 'resume', lesson_status: 'incomplete' } }, 'cmi'), suspend);
  await page.evaluate(() => window.launch('course/04-causal-attention'));
  frame = await sco(page);
  assert.match(await frame.textContent('#answers'), /1 of 5 done, 1 right/);
  assert.equal(await frame.getAttribute('#route-a', 'data-veiled-by'), null, 'the answered guess still veils its results');
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['incomplete', '20']);
  // the rest of the lesson skipped: completed, the first answer still counted
  for (let i = 0; i < 4; i++) {
    await frame.click('.act:not(#predict-row-sum):is([data-state=asking], [data-state=open]) .act-buttons button:not(.primary):not([hidden])');
    await frame.waitForFunction((n) => document.querySelectorAll('.act[data-state=skipped]').length === n, i + 1);
  }
  now = await cmi(page);
  assert.deepEqual([now.status, now.raw], ['completed', '20']);
  assert.deepEqual(await storage(page), {});
  assert.deepEqual(errors, []);
  await page.close();
});

test('cmi.suspend_data: compact, read back as written, never past SCORM 1.2\'s 4096 characters', (t) => {
  const entries = {
    'masked-row-sum': { kind: 'prediction', correct: true, skipped: false },
    'kept-weight': { kind: 'prediction', correct: false, skipped: false },
    'journey-dropped': { kind: 'prediction', correct: false, skipped: true },
    'mask-row-sum': { kind: 'exercise', correct: true, skipped: false },
    'ignore-first': { kind: 'exercise', correct: false, skipped: true },
  };
  const text = packRecords(entries);
  assert.ok(text.length < 150, `${text.length} characters: ${text}`);
  assert.deepEqual(unpackRecords(text), entries);
  // a first attempt, or data that is not ours, gives no records and does not throw
  for (const foreign of ['', 'bookmark=page3', '{"v":2,"r":{"a":"pr"}}', '{"v":1,"r":{"a":"xx","b":7,"c":"es"}}', 'null', '[]']) {
    assert.deepEqual(unpackRecords(foreign), foreign.includes('"c":"es"') ? { c: { kind: 'exercise', correct: false, skipped: true } } : {}, foreign);
  }
  // more than fits: the first records are kept, the text stays within the cap, a warning says so
  const warn = t.mock.method(console, 'warn', () => {});
  const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`an-item-with-a-long-name-${i}`, { kind: 'exercise', correct: true, skipped: false }]));
  const cut = packRecords(many);
  assert.ok(cut.length <= SUSPEND_MAX && cut.length > SUSPEND_MAX - 50, `${cut.length} characters`);
  const kept = Object.keys(unpackRecords(cut));
  assert.ok(kept.length > 50 && kept.length < 300, `${kept.length} kept`);
  assert.deepEqual(kept, Object.keys(many).slice(0, kept.length));
  assert.equal(warn.mock.callCount(), 1);
  assert.match(warn.mock.calls[0].arguments[0], /do not fit in cmi\.suspend_data/);
});

test('every lesson\'s package reports to the platform: opened incomplete, completed once every item is done', async () => {
  for (const name of LESSONS) {
    const { page, errors } = await player();
    await page.evaluate((n) => window.launch(`course/${n}`), name);
    const frame = await sco(page);
    assert.equal((await cmi(page)).status, 'incomplete', name);
    // lesson 8's moments ask about a trained model: a skip is refused until its first model is trained
    if (name === '08-watch-attention-learn') await frame.waitForFunction(() => document.body.dataset.train === 'trained', null, { timeout: 240000 });
    const items = await frame.$$eval('.act', (nodes) => nodes.length);
    // the learner skips every reveal and every exercise: all done, none right
    for (let i = 0; i < items; i++) {
      const button = await frame.$('.act:is([data-state=asking], [data-state=open]) .act-buttons button:not(.primary):not([hidden])');
      assert.ok(button, `${name}: no item left to skip after ${i} of ${items}`);
      await button.click();
      await frame.waitForFunction((n) => document.querySelectorAll('.act[data-state=skipped]').length === n, i + 1);
    }
    const now = await cmi(page);
    assert.deepEqual([now.status, now.raw, now.max], ['completed', '0', '100'], name);
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});

test('a platform whose API throws does not stop the lesson', async () => {
  const { page, errors } = await player();
  await page.evaluate(() => { API.LMSSetValue = () => { throw new Error('the platform is down'); }; });
  await page.evaluate(() => window.launch('course/04-causal-attention'));
  const frame = await sco(page);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  assert.equal(await frame.getAttribute('#predict-row-sum', 'data-correct'), 'true');
  assert.ok(warnings.some((w) => /SCORM: the platform's API failed: .*the platform is down/.test(w)), warnings.join('; '));
  assert.deepEqual(errors, []);
  await page.close();
});

test('outside a platform nothing changes: the package alone, and a hosted lesson in the player', async () => {
  // the packaged lesson opened on its own: no API anywhere, it computes as always
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${url}course/04-causal-attention/04-causal-attention.html`);
  await settled(page);
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'ready');
  assert.equal(await page.getAttribute('body', 'data-platform'), null);
  await page.fill('#predict-row-sum input.act-number', '1');
  await page.click('#predict-row-sum .act-buttons .primary');
  await page.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  assert.deepEqual(errors, []);
  await page.close();

  // a lesson of the hosted site is no package: framed by a player with an API, it never calls it
  const { page: p2, errors: e2 } = await player();
  await p2.evaluate(() => { document.getElementById('sco').src = 'site/lessons/04-causal-attention.html'; });
  const frame = await sco(p2);
  assert.equal(await frame.getAttribute('body', 'data-platform'), null);
  await frame.fill('#predict-row-sum input.act-number', '1');
  await frame.click('#predict-row-sum .act-buttons .primary');
  await frame.waitForFunction(() => document.getElementById('predict-row-sum').dataset.state === 'revealed');
  assert.deepEqual((await cmi(p2)).calls, []);
  assert.deepEqual(e2, []);
  await p2.close();
});
