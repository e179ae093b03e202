// The misuse catalogue (test/misuse/cases.mjs): several hundred things a user could get wrong,
// each run in a child process so that a crash or a hang is caught and named, each expecting a
// coded error or a defined result, and each followed by calls proving the process still works.
// Runs on the path and build the suite runs on (ARKFFI_GENERAL_PATH, the sanitizer's env).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { slowdown } from './helpers.mjs';
import { cases } from './misuse/cases.mjs';
import { pending } from './misuse/pending.mjs';
import { runCases } from './misuse/runner.mjs';

test('the misuse catalogue has at least 300 cases, each named once', () => {
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  const names = new Set(cases.map((c) => c.name));
  assert.equal(names.size, cases.length);
  for (const name of pending) assert.ok(names.has(name), `pending.mjs names no case "${name}"`);
});

test('every misuse case ends in its coded error or defined result, and the process works afterwards', async (t) => {
  const skipped = new Set(pending);
  const run = cases.filter((c) => !skipped.has(c.name));
  const results = await runCases(run.map((c) => c.name));
  t.diagnostic(`${run.length} cases run, ${pending.length} pending (test/misuse/pending.mjs)`);
  const failures = run.filter((c) => !results.get(c.name).ok).map((c) => `${c.name}: ${results.get(c.name).problem}`);
  assert.deepEqual(failures, []);
});

test('the runner tells a wrong result, a crash, a hang, a late error, a trap and a broken process apart', async () => {
  const { cases: selftest } = await import('./misuse/selftest-cases.mjs');
  const sanitized = process.env.LD_PRELOAD?.includes('asan') === true;
  const results = await runCases(selftest.map((c) => c.name), {
    casesModule: pathToFileURL(new URL('./misuse/selftest-cases.mjs', import.meta.url).pathname).href,
    timeoutMs: (sanitized ? 15_000 : 3_000) * slowdown,
  });
  const problem = (name) => results.get(name).problem ?? '';
  assert.equal(results.get('fine').ok, true);
  assert.equal(results.get('fine again').ok, true);
  assert.match(problem('wrong value'), /^expected 6, got 5$/);
  assert.match(problem('crash'), /^the process crashed \(SIGSEGV\)/);
  assert.equal(results.get('crash').isolated, true);
  assert.match(problem('hang'), /^the process hung \(killed after \d+ ms\)/);
  assert.match(problem('late error'), /^an error escaped the case: Error: late$/);
  assert.match(problem('trap'), /^user code ran inside ArkFFI: proxy get$/);
  assert.match(problem('breaks the library'), /^the process does not work afterwards: Error: sanity call mis_add3/);
});
