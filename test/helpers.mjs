// Shared test set-up: builds the C test library from test/native/testlib.c (once; concurrent
// test processes race harmlessly through an atomic rename) and exposes paths.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'test', 'native', 'testlib.c');
export const testlib = join(root, 'build', 'test', 'libarkffi_test.so');

function stale() {
  return !existsSync(testlib) || statSync(testlib).mtimeMs < statSync(source).mtimeMs;
}

if (stale()) {
  mkdirSync(dirname(testlib), { recursive: true });
  const tmp = `${testlib}.${process.pid}.tmp`;
  execFileSync(process.env.CC || 'cc', ['-std=c11', '-O1', '-g', '-fPIC', '-shared', '-o', tmp, source], { stdio: 'inherit' });
  renameSync(tmp, testlib);
}

/** Asserts that fn throws an error of class `Class` with `code`, and returns it. */
export function throwsCode(assert, fn, Class, code) {
  let caught;
  assert.throws(fn, (err) => {
    caught = err;
    return err instanceof Class && err.code === code;
  });
  return caught;
}
