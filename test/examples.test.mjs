// Every program in examples/ runs to completion (each asserts its own results), so the examples
// never rot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { root } from './helpers.mjs';

const run = promisify(execFile);
const dir = join(root, 'examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.mjs') || f.endsWith('.cjs'));

test('there are examples', () => assert.ok(examples.length >= 8));

for (const file of examples) {
  test(`examples/${file} runs`, async () => {
    const { stdout } = await run(process.execPath, [join(dir, file)], { cwd: root });
    assert.ok(stdout.trim().split('\n').length >= 2, stdout);
  });
}
