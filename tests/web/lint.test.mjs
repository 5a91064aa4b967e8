// The lint rule of the site (eslint.config.mjs): no HTML built from data, no string run as code, in
// the page scripts (web/js, web/lessons, web/embed) and the tools (tools/*.mjs). Runs ESLint's API
// on the files, and first proves that the rules fire, so a broken config cannot pass silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PATTERNS = ['web/js/**/*.js', 'web/lessons/**/*.js', 'web/embed/**/*.js', 'tools/*.mjs'];

function listing(results) {
  return results.flatMap((r) => r.messages.map((m) =>
    `${path.relative(root, r.filePath)}:${m.line}:${m.column} ${m.ruleId || 'parse'}: ${m.message}`));
}

test('the rules catch HTML from data and strings run as code', async () => {
  const eslint = new ESLint({ cwd: root });
  const bad = [
    ['node.innerHTML = text;', 'no-unsanitized/property'],
    ['node.outerHTML = text;', 'no-unsanitized/property'],
    ['node.insertAdjacentHTML("beforeend", text);', 'no-unsanitized/method'],
    ['document.write(text);', 'no-unsanitized/method'],
    ['eval(text);', 'no-eval'],
    ['setTimeout("run(" + text + ")", 0);', 'no-implied-eval'],
    ['var f = new Function("x", text);', 'no-new-func'],
  ];
  for (const [code, rule] of bad) {
    for (const file of ['web/js/probe.js', 'web/lessons/probe.js', 'web/embed/probe.js']) {
      const [result] = await eslint.lintText(`var text = location.hash, node = document.body;\n${code}\n`, { filePath: path.join(root, file) });
      assert.ok(result.messages.some((m) => m.ruleId === rule), `${file}: "${code}" is not reported by ${rule}: ${listing([result]).join('; ')}`);
    }
  }
  const [tool] = await eslint.lintText('const text = process.argv[2];\neval(text);\n', { filePath: path.join(root, 'tools/probe.mjs') });
  assert.ok(tool.messages.some((m) => m.ruleId === 'no-eval'), 'tools/*.mjs are not linted');
  // Text is fine: textContent and createTextNode are how the pages show data.
  const [good] = await eslint.lintText('var node = document.body;\nnode.textContent = location.hash;\nnode.appendChild(document.createTextNode(location.search));\n', { filePath: path.join(root, 'web/js/probe.js') });
  assert.deepEqual(listing([good]), []);
});

test('no page script or tool builds HTML from data or runs a string as code', async () => {
  const eslint = new ESLint({ cwd: root, errorOnUnmatchedPattern: false });
  const results = await eslint.lintFiles(PATTERNS);
  const files = results.map((r) => path.relative(root, r.filePath));
  for (const dir of ['web/js/', 'web/lessons/', 'web/embed/', 'tools/']) {
    assert.ok(files.some((f) => f.startsWith(dir)), `no file linted in ${dir}`);
  }
  const problems = listing(results);
  assert.deepEqual(problems, [], `${problems.length} problem(s):\n${problems.join('\n')}`);
});
