// Where code generation from strings is off (node --disallow-code-generation-from-strings, or a
// strict Content-Security-Policy in Electron), ArkFFI makes its wrappers, callback dispatchers
// and struct readers and writers of closures (lib/emit.ts): the suite's core files must pass
// there unchanged. ARKFFI_DEBUG_CODEGEN=1 prints every function ArkFFI generates, so a run with
// it that prints none shows the flag reached every test process and nothing was generated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers.mjs';

const FLAG = '--disallow-code-generation-from-strings';
const GENERATED = 'arkffi generated:';
// Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing;
// with the flag in NODE_OPTIONS too, for the processes the tests start themselves.
const { NODE_TEST_CONTEXT, ...inherited } = process.env;
const env = { ...inherited, ARKFFI_DEBUG_CODEGEN: '1' };
const flagged = { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${FLAG}`.trim() };

// Calls of scalars, strings, pointers and memory, structs and struct results, callbacks,
// variadic functions, asynchronous calls, and the errors of each.
const CORE = [
  'scalars', 'strings', 'strings-wide', 'signatures', 'checks', 'results', 'errno', 'memory', 'ownership', 'library', 'bridge',
  'named', 'prototype', 'disposable', 'memory-write', 'structs', 'struct-results', 'struct-value-fuzz', 'callbacks', 'callback-errors', 'async', 'libffi-bugs',
].map((name) => join(root, 'test', `${name}.test.mjs`));

const program = `
const { dlopen } = require(${JSON.stringify(join(root, 'dist', 'index.js'))});
const { symbols } = dlopen('libc.so.6', { abs: { args: ['i32'], returns: 'i32' } });
console.log(symbols.abs(-7));
`;

test('ARKFFI_DEBUG_CODEGEN=1 prints the wrappers it generates, and there are none under the flag', () => {
  const generated = spawnSync(process.execPath, ['-e', program], { env, encoding: 'utf8' });
  assert.equal(generated.status, 0, generated.stderr);
  assert.equal(generated.stdout, '7\n');
  // The fast wrapper where the ABI file has a fast path (x86-64, AArch64), else or under
  // ARKFFI_GENERAL_PATH=1 the general one.
  const path = ['x64', 'arm64'].includes(process.arch) && process.env.ARKFFI_GENERAL_PATH !== '1' ? 'fast' : 'general';
  assert.match(generated.stderr, new RegExp(`arkffi generated: ${path} wrapper \\(i32\\) -> i32\n[^]*slots\\[\\d+\\] = arg0;`));
  const closures = spawnSync(process.execPath, [FLAG, '-e', program], { env, encoding: 'utf8' });
  assert.equal(closures.status, 0, closures.stderr);
  assert.equal(closures.stdout, '7\n');
  assert.equal(closures.stderr, '');
});

test(`the core test files pass under ${FLAG}, with nothing generated`, () => {
  const run = spawnSync(process.execPath, [FLAG, '--test', '--test-concurrency=2', ...CORE], {
    env: flagged,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const failures = run.stdout.split('\n').filter((line) => line.startsWith('not ok'));
  assert.equal(run.status, 0, `${failures.join('\n')}\n${run.stderr}`);
  assert.match(run.stdout, /^# fail 0$/m);
  assert.doesNotMatch(run.stdout, /^# pass 0$/m);
  assert.ok(!run.stdout.includes(GENERATED), 'a function was generated under the flag');
});
