// The JavaScript examples of the README, the getting-started guide and the API reference run as
// written: each block is run as a module of this package, and every `console.log(...); // value`
// line must print that value.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers.mjs';

const pages = ['README.md', 'docs/getting-started.md', 'docs/api.md'];
const blocks = pages.flatMap((page) =>
  [...readFileSync(join(root, page), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m, i) => ({ page, i, code: m[1] })),
);
const dir = join(root, 'build', 'readme');
mkdirSync(dir, { recursive: true });

test('the pages have examples', () => {
  assert.ok(blocks.length >= 7);
});

blocks.forEach(({ page, i, code }) => {
  test(`${page} example ${i + 1} prints what its comments say`, () => {
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]);
    const file = join(dir, `${page.replace(/\W/g, '_')}-${i + 1}.${code.includes('require(') ? 'cjs' : 'mjs'}`);
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(out, expected);
  });
});
