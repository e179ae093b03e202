// The misuse catalogue (test/misuse/cases.mjs): several hundred things a user could get wrong,
// each run in a child process so that a crash or a hang is caught and named, each expecting a
// coded error or a defined result, and each followed by calls proving the process still works.
// Runs on the path and build the suite runs on (ARKFFI_GENERAL_PATH, the sanitizer's env).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import './helpers.mjs';
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
