// The addon is context-aware: it loads in worker threads, several at once, each with its own
// state (slot buffer, errno, libraries).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { testlib } from './helpers.mjs';

const body = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { dlopen, errno } = require('arkffi');
  const lib = dlopen(workerData.testlib, {
    add_i64: { args: ['i64', 'i64'], returns: 'i64' },
    str_len: { args: ['cstring'], returns: 'usize' },
    set_errno: { args: ['i32'], returns: 'i32' },
  });
  let sum = 0;
  for (let i = 0; i < 20000; i++) sum = lib.symbols.add_i64(sum, i);
  lib.symbols.set_errno(workerData.id);
  const len = lib.symbols.str_len('worker ' + workerData.id);
  const myErrno = (lib.symbols.set_errno(workerData.id + 100), errno());
  lib.close();
  parentPort.postMessage({ sum, len, myErrno });
`;

function runWorker(id) {
  return new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: { testlib, id } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('four workers at once each call C with their own state', async () => {
  const results = await Promise.all([1, 2, 3, 4].map(runWorker));
  results.forEach((r, i) => {
    assert.equal(r.sum, (19999 * 20000) / 2);
    assert.equal(r.len, `worker ${i + 1}`.length);
    assert.equal(r.myErrno, i + 101);
  });
});

test('workers can come and go repeatedly', async () => {
  for (let round = 0; round < 3; round++) {
    const r = await runWorker(round);
    assert.equal(r.sum, (19999 * 20000) / 2);
  }
});
