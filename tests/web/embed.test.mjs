// Embedding: a host page on another origin embeds lessons in <iframe sandbox="allow-scripts">, with the
// site served under its strict CSP. The lesson computes in the opaque-origin frame, posts its height,
// and the host script sizes the frame; embed=1 drops the site around the lesson; state, hide and lock
// parameters apply (unknown ids are noticed); messages sent to the lesson change nothing; the Embed
// button's snippet reproduces the view; the link under an embedded lesson opens it whole.
// Usage: node --test tests/web/embed.test.mjs   (needs bash tools/build first)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { act, closeSuite, fmt, LESSONS, openSuite, settled, texts, watch } from './helpers.mjs';

const LESSON2 = 'lessons/02-simplified-self-attention.html';
let suite, site, hostUrl, hostPages, browser, run;  // the host: a course site on another origin

before(async () => {
  suite = await openSuite({ csp: true, host: true });
  ({ site, browser, run } = suite);
  ({ url: hostUrl, pages: hostPages } = suite.host);
});
after(() => closeSuite(suite));

/** A host page with the given body, recording the height messages it receives (and who sent them). */
function hostPage(name, body) {
  hostPages.set(`/${name}`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title></head><body>
<h1>A course page</h1>
${body}
<script>
  window.heights = [];
  addEventListener('message', function (e) {
    var frame = document.querySelector('iframe');
    if (e.data && e.data.type === 'attention-lab:height') heights.push({ height: e.data.height, origin: e.origin, fromFrame: e.source === frame.contentWindow });
  });
</script>
</body></html>`);
  return hostUrl + name;
}

/** Opens a host page and waits until the embedded lesson computed; returns the page and the lesson's frame. */
async function openHost(url) {
  const page = await browser.context.newPage();
  const problems = await watch(page);
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url().slice(0, 120)}`));
  await page.goto(url);
  let frame;
  await page.waitForFunction(() => document.querySelector('iframe'));
  for (let i = 0; i < 100 && !frame; i++) {
    frame = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(site.url));
    if (!frame) await page.waitForTimeout(100);
  }
  assert.ok(frame, 'the lesson frame did not load');
  await settled(frame);
  return { page, frame, problems };
}

const visible = (frame, selector) => frame.$eval(selector, (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length));

test('a lesson in a sandboxed frame on another origin computes, posts its height and the host script fits the frame', async () => {
  const url = hostPage('fit.html', `<iframe sandbox="allow-scripts" title="lesson 2" src="${site.url}${LESSON2}?embed=1" style="width:100%;height:200px;border:0"></iframe>
<script src="${site.url}embed/attention-lab-embed.js"></script>`);
  const { page, frame, problems } = await openHost(url);
  assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame is not sandboxed');
  assert.equal((await texts(frame, '#z-vector .num')).join(', '), '0.4419, 0.6515, 0.5683');

  // the last message carries the lesson's full height, and the frame got exactly that height
  await page.waitForFunction(() => heights.length > 0 && document.querySelector('iframe').offsetHeight > 1000);
  const body = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
  await page.waitForFunction((h) => Math.abs(heights[heights.length - 1].height - h) <= 2, body);
  const got = await page.evaluate(() => heights);
  assert.ok(got.every((m) => m.origin === 'null' && m.fromFrame), JSON.stringify(got));
  const last = got[got.length - 1].height;
  assert.equal(await page.evaluate(() => document.querySelector('iframe').offsetHeight), last);
  assert.ok(await frame.evaluate(() => document.documentElement.scrollHeight <= innerHeight + 1), 'the frame still scrolls');

  // the height follows the lesson: a longer sentence makes a longer page, and a new message
  await act(frame, async () => {
    await frame.fill('#sentence', 'Your journey starts with one step and then another step and one more after that');
    await frame.click('#sentence-form button[type=submit]');
  });
  await page.waitForFunction((h) => heights[heights.length - 1].height > h, last);
  const grown = await page.evaluate(() => heights[heights.length - 1].height);
  await page.waitForFunction((h) => document.querySelector('iframe').offsetHeight === h, grown);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lesson 7 in a sandboxed frame 360 px wide computes the core\'s numbers, nothing wider than the frame', async () => {
  const url = hostPage('lesson7.html', `<iframe sandbox="allow-scripts" title="lesson 7" src="${site.url}lessons/07-transformer-block.html?embed=1" style="width:360px;height:900px;border:0"></iframe>`);
  const { page, frame, problems } = await openHost(url);
  assert.equal(await frame.evaluate(() => self.origin), 'null', 'the frame is not sandboxed');
  assert.equal(await visible(frame, '.site-header'), false);
  const req = (await frame.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t))
    .filter((r) => r.mechanism === 'transformer_block' && r.steps === true).pop();
  assert.deepEqual(await texts(frame, '#m-ff-out td'), run(req).steps.find((s) => s.name === 'ff').value.flat().map((x) => fmt(x)));
  assert.ok(await frame.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the lesson is wider than the frame');
  assert.deepEqual(problems, []);
  await page.close();
});

test('embed=1 shows only the lesson; state, hide and lock parameters apply, unknown ids are noticed', async () => {
  const params = 'embed=1&q=3&hide=matrix,steps,nonsense&lock=seed,query,embedding-table,sentence-form,bogus';
  const url = hostPage('params.html', `<iframe sandbox="allow-scripts" title="lesson 2" src="${site.url}${LESSON2}?${params}" style="width:100%;height:900px;border:0"></iframe>`);
  const { page, frame, problems } = await openHost(url);
  for (const sel of ['.site-header', '.site-footer', '.pager', '#embed-button']) assert.equal(await visible(frame, sel), false, `${sel} is shown`);
  assert.equal(await visible(frame, '#matrix'), false);
  assert.equal(await visible(frame, '#steps'), false);
  assert.equal(await visible(frame, '#scores'), true);
  assert.equal(await visible(frame, 'h1'), true);

  // the state: query 3, computed by the core
  assert.equal(await frame.inputValue('#query'), '3');
  const req = (await frame.evaluate(() => AttnTest.recentRequests())).map((t) => JSON.parse(t)).filter((r) => r.mechanism === 'simplified').pop();
  assert.equal((await texts(frame, '#z-vector .num')).join(', '), run(req).context_vecs[3].map((x) => fmt(x)).join(', '));

  // locked: the controls are disabled, the table and the form inert; the rest still works
  assert.deepEqual(await frame.evaluate(() => [
    document.getElementById('seed').disabled, document.getElementById('query').disabled,
    document.getElementById('embedding-table').inert, document.getElementById('sentence-form').inert,
    document.getElementById('xd').disabled,
  ]), [true, true, true, true, false]);
  await assert.rejects(frame.fill('#embedding-table input[data-row="0"][data-dim="0"]', '0.9', { timeout: 500 }));
  await act(frame, () => frame.selectOption('#xd', '3'));

  // the way out: a link under the lesson to the whole page, set up as now, without embed, hide and lock
  const link = await frame.evaluate(() => {
    const a = document.getElementById('full-lesson-link');
    a.focus();
    return { href: a.href, target: a.target, rel: a.rel, text: a.textContent, last: a.closest('main').lastElementChild.contains(a) };
  });
  assert.deepEqual([link.target, link.rel, link.text, link.last], ['_blank', 'noopener', 'Open the full lesson in a new tab', true]);
  assert.ok(link.href.startsWith(`${site.url}${LESSON2}#`), link.href);
  const linked = new URLSearchParams(link.href.split('#')[1]);
  assert.deepEqual([linked.get('q'), linked.get('xd'), linked.has('embed'), linked.has('hide'), linked.has('lock')], ['3', '3', false, false, false]);
  // this frame has no allow-popups: the browser refuses the tab, the page shows the address instead,
  // and the lesson carries on
  const opened = [];
  page.context().on('page', (p) => opened.push(p.url()));
  await frame.click('#full-lesson-link');
  assert.equal(await frame.textContent('#full-lesson-status'), `This page does not let the lesson open a tab. Its address: ${link.href}`);
  await act(frame, () => frame.selectOption('#xd', '2'));
  assert.deepEqual(opened, []);
  const refused = problems.findIndex((p) => /Blocked opening .*allow-popups/.test(p));  // Chromium's own message
  assert.ok(refused >= 0, problems.join(' | '));
  problems.splice(refused, 1);

  const notices = await texts(frame, '#notices .notice');
  assert.equal(notices.length, 2, notices.join(' | '));
  assert.match(notices.join(' '), /hide="nonsense"/);
  assert.match(notices.join(' '), /lock="bogus"/);
  assert.equal(await visible(frame, '#notices'), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('in a frame sandboxed with allow-popups, the link opens the full lesson in a tab of its own', async () => {
  const sandbox = 'allow-scripts allow-popups allow-popups-to-escape-sandbox';
  const url = hostPage('popups.html', `<iframe sandbox="${sandbox}" title="lesson 2" src="${site.url}${LESSON2}#embed=1&q=2" style="width:100%;height:900px;border:0"></iframe>`);
  const { page, frame, problems } = await openHost(url);
  const [full] = await Promise.all([page.context().waitForEvent('page'), frame.click('#full-lesson-link')]);
  await settled(full);
  assert.ok(full.url().startsWith(`${site.url}${LESSON2}#`), full.url());
  assert.equal(await full.inputValue('#query'), '2');
  assert.equal(await visible(full, '.site-header'), true);
  assert.equal(await frame.textContent('#full-lesson-status'), '');
  assert.deepEqual(problems, []);
  await full.close();
  await page.close();
});

test('messages sent to an embedded lesson change nothing', async () => {
  const url = hostPage('commands.html', `<iframe sandbox="allow-scripts" title="lesson 2" src="${site.url}${LESSON2}?embed=1&q=2" style="width:100%;height:900px;border:0"></iframe>`);
  const { page, frame, problems } = await openHost(url);
  const snapshot = () => frame.evaluate(() => ({
    url: location.href, runs: document.body.dataset.runs, status: document.body.dataset.status,
    main: document.querySelector('main').textContent, header: getComputedStyle(document.querySelector('.site-header')).display,
    query: document.getElementById('query').value, seedDisabled: document.getElementById('seed').disabled,
  }));
  const before = await snapshot();
  // a listener of the test's own counts the deliveries, so the messages surely arrived
  await frame.evaluate(() => { window.delivered = 0; addEventListener('message', () => { window.delivered++; }); });
  const commands = [
    { type: 'attention-lab:set', state: { q: 0 } }, { type: 'attention-lab:height', height: 5 }, { type: 'attention-lab:embed', embed: 0 },
    { q: 0, sentence: 'hello' }, 'q=0', '#q=0&embed=0', JSON.stringify({ type: 'set', hide: 'input' }), { type: 'lock', lock: 'all' }, null, 42,
  ];
  await page.evaluate((list) => { const w = document.querySelector('iframe').contentWindow; list.forEach((m) => w.postMessage(m, '*')); }, commands);
  await frame.waitForFunction((n) => window.delivered === n, commands.length);
  await page.waitForTimeout(300);  // anything a message could have started has had time to show
  assert.deepEqual(await snapshot(), before);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Embed button gives a snippet of the current view that a host page can paste', async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  await page.goto(`${site.url}${LESSON2}?hide=steps`);
  await settled(page);
  assert.equal(await visible(page, '.site-header'), true, 'the site header is missing outside embed mode');
  assert.equal(await page.$('#full-lesson-link'), null, 'the link out of a frame is shown outside embed mode');
  await act(page, () => page.selectOption('#query', '4'));
  await page.click('#embed-button');
  const snippet = await page.inputValue('#embed-snippet');
  assert.equal(await page.getAttribute('#embed-snippet', 'readonly'), '');
  assert.match(await page.textContent('#embed-status'), /Copied|copy it yourself/);
  const iframe = snippet.match(/<iframe src="([^"]+)" title="([^"]+)"[^>]* allow="fullscreen"[^>]*><\/iframe>/);
  assert.ok(iframe, snippet);
  const src = iframe[1].replaceAll('&amp;', '&');
  assert.ok(src.startsWith(`${site.url}${LESSON2}#`), src);
  const params = new URLSearchParams(src.split('#')[1]);
  assert.equal(params.get('embed'), '1');
  assert.equal(params.get('q'), '4');
  assert.equal(params.get('hide'), 'steps');
  assert.match(iframe[2], /Simplified self-attention/);
  assert.match(snippet, new RegExp(`<script src="${site.url}embed/attention-lab-embed.js" defer></script>`));
  await page.click('#embed-button');
  assert.equal(await page.isVisible('#embed-panel'), false, 'the button does not close the panel');
  assert.deepEqual(problems, []);
  await page.close();

  // pasted as it is into a page of another origin, it shows that view, sized by the host script
  const host = await openHost(hostPage('pasted.html', snippet));
  assert.equal(await host.frame.inputValue('#query'), '4');
  assert.equal(await visible(host.frame, '#steps'), false);
  assert.equal(await visible(host.frame, '.site-header'), false);
  await host.page.waitForFunction(() => document.querySelector('iframe').getAttribute('data-attention-lab-height'));
  // its link opens the whole lesson in a new tab, at the same view
  const [full] = await Promise.all([host.page.context().waitForEvent('page'), host.frame.click('#full-lesson-link')]);
  await settled(full);
  assert.ok(full.url().startsWith(`${site.url}${LESSON2}#`), full.url());
  assert.equal(await full.inputValue('#query'), '4');
  assert.equal(await visible(full, '.site-header'), true);
  assert.equal(await visible(full, '#steps'), true);
  await full.close();
  assert.deepEqual(host.problems, []);
  await host.page.close();
});

/** The results veiled (blurred until a prediction is answered) and shown: drawn, not in a hidden section. */
const blurred = (page) => page.$$eval('.veiled', (els) => els.filter((e) => e.getClientRects().length).map((e) => `#${e.id} (by ${e.getAttribute('data-veiled-by')})`));
/** ... and of those, the ones a moment the learner cannot answer (hidden, or inert) veils: blurred for good. */
const stuck = (page) => page.$$eval('.veiled', (els) => els.filter((e) => e.getClientRects().length && e.getAttribute('data-veiled-by').split(' ').some((id) => {
  const m = document.querySelector(`[data-moment="${id}"]`);
  return !m || !m.getClientRects().length || !!m.closest('[inert]');
})).map((e) => `#${e.id} (by ${e.getAttribute('data-veiled-by')})`));

test('a prediction hidden or locked by the link leaves no result of a shown section blurred', async () => {
  const page = await browser.context.newPage();
  const problems = await watch(page);
  await page.goto(`${site.url}${LESSON2}`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await settled(page);
  assert.ok((await blurred(page)).length > 0, 'nothing is veiled before an answer: the test shows nothing');
  // hide=scores: the predictions guarding the softmax bars of the next section are out of reach
  await page.goto(`${site.url}${LESSON2}?embed=1&hide=scores`);
  await settled(page);
  assert.equal(await visible(page, '#bars-softmax'), true);
  assert.deepEqual(await stuck(page), []);
  assert.equal(await page.$('#bars-softmax.veiled'), null);
  assert.deepEqual(await blurred(page), ['#context-matrix (by z-shape)'], 'the shape\'s moment, shown and answerable, lost its veil');
  // lock=all: no prediction can be answered, so none veils anything
  await page.goto(`${site.url}${LESSON2}?embed=1&lock=all`);
  await settled(page);
  assert.equal(await page.$eval('#predict-top', (n) => n.inert), true);
  assert.deepEqual(await blurred(page), []);
  // a prediction still in reach keeps its veil: hide=matrix hides only the shape's moment and its matrix
  await page.goto(`${site.url}${LESSON2}?embed=1&hide=matrix`);
  await settled(page);
  assert.ok((await blurred(page)).some((t) => t.startsWith('#bars-softmax')), 'the answerable moment lost its veil');
  assert.deepEqual(problems, []);
  await page.close();
});

test('every lesson declares its panels and controls; hiding all but one and lock=all leave a working lesson', async () => {
  for (const name of LESSONS) {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await page.goto(`${site.url}lessons/${name}.html`);
    await settled(page);
    const panels = await page.$$eval('[data-panel]', (els) => els.map((e) => e.id));
    assert.ok(panels.includes('steps') && panels.includes('intro') && panels.length >= 4, `${name}: panels ${panels}`);
    assert.equal(new Set(panels).size, panels.length);
    const hidden = panels.filter((id) => id !== 'input');
    await page.goto(`${site.url}lessons/${name}.html?embed=1&lock=all&hide=${hidden.join(',')},nope`);
    await settled(page);
    for (const id of hidden) assert.equal(await visible(page, `#${id}`), false, `${name}: #${id} is shown`);
    const unlocked = await page.$$eval('main input, main select, main textarea, main button, main fieldset, [data-lockable]', (els) =>
      els.filter((e) => e.id && e.id !== 'embed-button' && !e.disabled && !e.inert).map((e) => e.id));
    assert.deepEqual(unlocked, [], `${name}: not locked`);
    assert.deepEqual(await stuck(page), [], `${name}: blurred for good`);
    assert.match((await texts(page, '#notices .notice')).join(' '), /hide="nope"/);
    assert.equal(await page.evaluate(() => document.body.dataset.status), 'ready');
    assert.deepEqual(problems, []);
    await page.close();
  }
});
