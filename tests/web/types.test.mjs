// The page code's types: tsc --noEmit over web/js and web/lessons (JavaScript modules with JSDoc
// types, checkJs, strict; tsconfig.json) reports nothing. First proves that the checker reads the
// page code and fires on a type error, so a broken config cannot pass silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './helpers.mjs';

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** Runs tsc with these arguments from the project's root: { status, output }. */
function run(args, cwd = root) {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd, encoding: 'utf8', timeout: 300000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

test('tsc reads the page code and reports a type error', () => {
  const listed = run(['-p', 'tsconfig.json', '--listFilesOnly']);
  assert.equal(listed.status, 0, listed.output);
  for (const file of ['web/js/engine/page.js', 'web/js/state.js', 'web/js/render/chart.js', 'web/lessons/06-what-attention-costs.js', 'web/types/globals.d.ts']) {
    assert.ok(listed.output.split('\n').some((line) => line.endsWith(file)), `tsc does not read ${file}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-types-'));
  try {
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: path.join(root, 'tsconfig.json'), include: ['probe.js'] }));
    fs.writeFileSync(path.join(dir, 'probe.js'), "/** @type {number} */\nexport const count = 'three';\n");
    const probe = run(['-p', path.join(dir, 'tsconfig.json')], dir);
    assert.notEqual(probe.status, 0);
    assert.match(probe.output, /probe\.js.*error TS2322/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the page code type-checks with no diagnostic', () => {
  const { status, output } = run(['-p', 'tsconfig.json']);
  assert.equal(output, '', `tsc:\n${output}`);
  assert.equal(status, 0);
});
