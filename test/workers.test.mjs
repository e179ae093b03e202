// The addon is context-aware: it loads in worker threads, several at once, each with its own
// state (slot buffer, errno, libraries).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { root, testlib } from './helpers.mjs';

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

/**
 * Runs `code` (CommonJS) in a child Node.js process from the package root, with a fourth stdio
 * pipe (fd 3) for cb_on_signal. Once the child prints `worker exited`, one byte on fd 3 lets its C
 * thread make the late call; once it reports that call, closing stdin lets the child end.
 */
function runLateCallChild(code, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!signalled && stdout.includes('worker exited')) {
        signalled = true;
        child.stdio[3].end('g');
      }
      if (stdout.includes('late call returned')) child.stdin.end();
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill(), 20000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

test('only workers load ArkFFI: when the last exits, a C thread may still call its callback', async () => {
  // The main thread never loads arkffi, so Node.js unloads the addon with the worker: the
  // callback's code must stay mapped (the addon pins itself) and answer 0, closed.
  const code = `
    const { Worker } = require('node:worker_threads');
    process.stdin.resume(); // alive until the test has seen the late call
    const worker = new Worker(\`
      const { workerData } = require('node:worker_threads');
      const { dlopen, JSCallback } = require('arkffi');
      const lib = dlopen(workerData, { cb_on_signal: { args: ['ptr', 'i32', 'i32', 'i32'], returns: 'i32' } });
      const cb = new JSCallback((x) => x + 1, { args: ['i32'], returns: 'i32', threadsafe: true });
      if (lib.symbols.cb_on_signal(cb, 41, 3, 1) !== 0) throw new Error('no thread');
      cb.close();
    \`, { eval: true, workerData: ${JSON.stringify(testlib)} });
    worker.on('exit', (code) => console.log('worker exited with ' + code));
    process.on('exit', () => console.log('arkffi loaded by the main thread: ' +
      Object.keys(require.cache).some((f) => /arkffi\\.node$|[/]dist[/]/.test(f))));`;
  for (const general of ['0', '1']) {
    for (let round = 0; round < 3; round++) {
      const child = await runLateCallChild(code, { ARKFFI_GENERAL_PATH: general });
      assert.equal(child.signal, null, child.stderr);
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout, 'worker exited with 0\nlate call returned 0\narkffi loaded by the main thread: false\n');
    }
  }
});

/** Runs `code` (CommonJS) in a child Node.js process from the package root. */
function runChild(code, env) {
  return spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 30000, env: { ...process.env, ...env } });
}

test("a worker's callbacks stay safe to call after it exits: libffi closures return 0", () => {
  // The worker stores one callback's pointer in C and exits, closing its callbacks or leaving
  // that to its teardown; the main thread then calls the pointer, from its thread and another.
  const code = (count) => `
    const { once } = require('node:events');
    const { Worker } = require('node:worker_threads');
    const { dlopen } = require('arkffi');
    const testlib = ${JSON.stringify(testlib)};
    const lib = dlopen(testlib, {
      cb_call_stored: { args: ['i32'], returns: 'i32' },
      cb_call_stored_on_thread: { args: ['i32'], returns: 'i32' },
    });
    const body = \`
      const { parentPort, workerData } = require('node:worker_threads');
      const { dlopen, JSCallback } = require('arkffi');
      const lib = dlopen(workerData.testlib, {
        cb_store: { args: ['ptr'], returns: 'void' },
        cb_call_stored: { args: ['i32'], returns: 'i32' },
      });
      const cbs = Array.from({ length: workerData.count }, (_, i) => new JSCallback((x) => x + i, { args: ['i32'], returns: 'i32' }));
      lib.symbols.cb_store(cbs[cbs.length - 1]);
      parentPort.postMessage(lib.symbols.cb_call_stored(1));
      if (workerData.close) cbs.forEach((cb) => cb.close());
    \`;
    (async () => {
      for (let round = 0; round < 4; round++) {
        const worker = new Worker(body, { eval: true, workerData: { testlib, count: ${count}, close: round % 2 === 1 } });
        const [[inWorker], [exitCode]] = await Promise.all([once(worker, 'message'), once(worker, 'exit')]);
        console.log(inWorker, exitCode, lib.symbols.cb_call_stored(5), lib.symbols.cb_call_stored_on_thread(5));
      }
    })();`;
  // Every callback is a libffi closure on the general path; on the fast path those beyond the
  // process's 512 integer-result trampolines are.
  for (const [general, count] of [['1', 1], ['0', 600]]) {
    const child = runChild(code(count), { ARKFFI_GENERAL_PATH: general });
    assert.equal(child.signal, null, child.stderr);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, `${count} 0 0 0\n`.repeat(4), `general path ${general}`);
  }
});

test('C threads calling a callback while its worker tears down never touch freed memory', () => {
  // Two C threads call a callback that is not threadsafe (each call returns 0 at once) in a loop,
  // racing the worker's teardown; the main thread stops them once the worker has gone. Under the
  // sanitizer run a read of a freed record fails the child.
  const code = `
    const { once } = require('node:events');
    const { Worker } = require('node:worker_threads');
    const { dlopen } = require('arkffi');
    const testlib = ${JSON.stringify(testlib)};
    const lib = dlopen(testlib, { cb_hammer_calls: { returns: 'i64' }, cb_hammer_stop: { returns: 'i64' } });
    const body = \`
      const { parentPort, workerData } = require('node:worker_threads');
      const { dlopen, JSCallback } = require('arkffi');
      const lib = dlopen(workerData.testlib, {
        cb_hammer_start: { args: ['ptr'], returns: 'i32' },
        cb_hammer_calls: { returns: 'i64' },
      });
      const cb = new JSCallback((x) => x + 1, { args: ['i32'], returns: 'i32' });
      if (lib.symbols.cb_hammer_start(cb) !== 0) throw new Error('no threads');
      while (lib.symbols.cb_hammer_calls() < 1000);
      if (workerData.close) cb.close();
    \`;
    (async () => {
      for (let round = 0; round < 8; round++) {
        const worker = new Worker(body, { eval: true, workerData: { testlib, close: round % 2 === 1 } });
        const [exitCode] = await once(worker, 'exit');
        const before = lib.symbols.cb_hammer_calls();
        const nonzero = lib.symbols.cb_hammer_stop();
        console.log(exitCode, before >= 1000, nonzero);
      }
    })();`;
  for (const general of ['0', '1']) {
    const child = runChild(code, { ARKFFI_GENERAL_PATH: general });
    assert.equal(child.signal, null, child.stderr);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, '0 true 0\n'.repeat(8), `general path ${general}`);
  }
});
