// Struct results under ArkFFI's pointer contract (docs/memory-management.md): a result stays
// valid until releasePtr(p) or exit, whatever happens meanwhile; its address works wherever
// ArkFFI takes a pointer; releasing twice or releasing a foreign address does nothing; results
// left unreleased past 100,000 or 64 MiB make one warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { array, CString, dlopen, JSCallback, ptr, read, readMemory, releasePtr, Struct, toArrayBuffer } from 'arkffi';
import { root, testlib } from './helpers.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const Complex = Struct({ re: 'f64', im: 'f64' });
const Rgb = Struct({ a: 'u8', b: 'u8', c: 'u8' });
const Page = Struct({ bytes: array('u8', 4096) });
const lib = dlopen(testlib, {
  complex_new: { args: ['f64', 'f64'], returns: Complex },
  complex_add: { args: [Complex, Complex], returns: Complex },
  complex_digits: { args: ['ptr'], returns: 'f64' },
  complex_around: { args: ['ptr', 'f64', 'f64'], returns: Complex },
  rgb_new: { args: ['u8', 'u8', 'u8'], returns: Rgb },
  page_fill: { args: ['u8'], returns: Page },
  greeting: { returns: 'ptr' },
});
const s = lib.symbols;

/** Buffer memory in use once the collector has freed what it can. */
async function bufferBytes() {
  gc();
  await sleep(10);
  gc();
  return process.memoryUsage().arrayBuffers;
}

test('a struct result stays valid until releasePtr: kept 250 ms, 20,000 more results, garbage, gc', async () => {
  const p = s.complex_new(3, 2);
  await sleep(250);
  const more = [];
  for (let i = 0; i < 20_000; i++) more.push(s.complex_new(i, -i));
  // Garbage of the kinds the engine recycles: buffers, arrays, strings.
  let junk = 0;
  for (let i = 0; i < 2000; i++) junk += new ArrayBuffer(16 * 1024).byteLength + new Array(100).fill(i).length + String(i).repeat(50).length;
  assert.ok(junk > 0);
  gc();
  gc();
  assert.deepEqual(Complex.fromPtr(p), { re: 3, im: 2 });
  more.forEach((q, i) => assert.deepEqual(Complex.fromPtr(q), { re: i, im: -i }));
  assert.equal(new Set([p, ...more]).size, more.length + 1, 'every held result has its own address');
  assert.ok(more.every((q) => releasePtr(q) === true));
  assert.equal(releasePtr(p), true);
});

test('a held result\'s address works wherever ArkFFI takes a pointer', () => {
  const p = s.complex_new(3, 2);
  assert.equal(typeof p, 'number');
  assert.equal(s.complex_digits(p), 32, 'C reads it through a struct pointer');
  assert.equal(s.complex_digits(BigInt(p)), 32);
  assert.deepEqual(Complex.fromPtr(p), { re: 3, im: 2 });
  assert.deepEqual(Complex.fromPtr(BigInt(p)), { re: 3, im: 2 });
  assert.equal(Complex.get(p, 'im'), 2);
  const sum = s.complex_add(p, BigInt(p));
  assert.deepEqual(Complex.fromPtr(sum), { re: 6, im: 4 }, 'a struct argument by address');
  assert.equal(releasePtr(sum), true);
  assert.equal(read.f64(p, 0), 3);
  assert.equal(read.f64(p, 8), 2);
  assert.deepEqual([...new Float64Array(readMemory(p, 16))], [3, 2]);
  assert.deepEqual([...new Float64Array(toArrayBuffer(p, 0, 16))], [3, 2]);
  Complex.set(p, 're', 4);
  assert.equal(s.complex_digits(p), 42, 'set() writes the held result in place');
  assert.deepEqual(Complex.fromPtr(p), { re: 4, im: 2 });
  assert.equal(releasePtr(p), true);
});

test('releasePtr: a second release, an address inside a result or a foreign address is ignored', () => {
  const p = s.complex_new(1, 2);
  const q = s.complex_new(5, 6);
  assert.equal(releasePtr(p + 8), false, 'inside a result, not its start');
  assert.equal(releasePtr(p + 1), false);
  assert.equal(releasePtr(s.greeting()), false, 'C memory');
  assert.equal(releasePtr(ptr(new ArrayBuffer(16))), false, 'a JS buffer');
  assert.equal(releasePtr(0), false);
  assert.equal(releasePtr(null), false);
  assert.equal(releasePtr(-8), false);
  assert.equal(releasePtr(2 ** 53), false);
  assert.equal(releasePtr(p), true);
  assert.equal(releasePtr(p), false, 'a second release');
  assert.equal(releasePtr(BigInt(p)), false);
  assert.deepEqual(Complex.fromPtr(q), { re: 5, im: 6 }, 'the other result is untouched');
  // A released cell may hold a later result; a held one never does.
  const later = Array.from({ length: 100 }, (_, i) => s.complex_new(i, i));
  assert.ok(!later.includes(q));
  assert.deepEqual(Complex.fromPtr(q), { re: 5, im: 6 });
  assert.equal(releasePtr(BigInt(q)), true);
  assert.ok(later.every((r) => releasePtr(r)));
  assert.equal(new CString(s.greeting()).toString(), 'hello, ArkFFI', 'C memory untouched by the releases');
});

test('struct calls made by a callback during a struct call get results of their own', () => {
  const inner = [];
  const cb = new JSCallback(() => {
    inner.push(s.complex_new(7, 8));
    inner.push(s.complex_around(null, 5, 6));
  }, { returns: 'void' });
  const outer = s.complex_around(cb.ptr, 1, 2);
  cb.close();
  assert.deepEqual(Complex.fromPtr(outer), { re: 1, im: 2 });
  assert.deepEqual(inner.map((p) => Complex.fromPtr(p)), [{ re: 7, im: 8 }, { re: 5, im: 6 }]);
  assert.equal(new Set([outer, ...inner]).size, 3);
  assert.ok([outer, ...inner].every((p) => releasePtr(p)));
});

test('results of any size and from .async calls are held the same way', async () => {
  const rgb = Array.from({ length: 300 }, (_, i) => s.rgb_new(i & 0xff, (i * 3) & 0xff, 7));
  rgb.forEach((p, i) => assert.deepEqual(Rgb.fromPtr(p), { a: i & 0xff, b: (i * 3) & 0xff, c: 7 }));
  const pages = Array.from({ length: 40 }, (_, i) => s.page_fill(i));
  pages.forEach((p, i) => {
    assert.equal(read.u8(p, 0), i);
    assert.equal(read.u8(p, 4095), i);
  });
  const fromAsync = await Promise.all(Array.from({ length: 20 }, (_, i) => s.complex_new.async(i, 1)));
  fromAsync.forEach((p, i) => assert.deepEqual(Complex.fromPtr(p), { re: i, im: 1 }));
  assert.equal(s.complex_digits(fromAsync[3]), 31);
  assert.ok([...rgb, ...pages, ...fromAsync].every((p) => releasePtr(p)));
});

test('with releasePtr, a million results reuse the same memory', async () => {
  const run = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = s.complex_new(i, 1);
      sum += Complex.fromPtr(p).re;
      releasePtr(p);
    }
    return sum;
  };
  run(10_000);
  const before = await bufferBytes();
  assert.equal(run(1_000_000), (999_999 * 1_000_000) / 2);
  const after = await bufferBytes();
  assert.ok(after - before < 64 * 1024, `${after - before} more buffer bytes`);
});

test('results released after a pile-up give their memory back, but one spare slab', async () => {
  const before = await bufferBytes();
  const held = Array.from({ length: 2000 }, (_, i) => s.page_fill(i & 0xff));
  const piled = await bufferBytes();
  // The spare slab already there (16 pages) takes the first ones.
  assert.ok(piled - before >= (2000 - 16) * 4096, `${piled - before} bytes held for 2000 pages`);
  held.forEach((p, i) => assert.equal(read.u8(p, 100), i & 0xff));
  assert.ok(held.every((p) => releasePtr(p)));
  const released = await bufferBytes();
  assert.ok(released - before <= 64 * 1024, `${released - before} bytes still held`);
});

/** Runs `code` (CommonJS, with `lib`, `Complex`, `Page` and `warnings` defined) in a child process. */
function runChild(code) {
  const prelude = `
    const { array, dlopen, releasePtr, Struct } = require('arkffi');
    const Complex = Struct({ re: 'f64', im: 'f64' });
    const Page = Struct({ bytes: array('u8', 4096) });
    const lib = dlopen(${JSON.stringify(testlib)}, {
      complex_new: { args: ['f64', 'f64'], returns: Complex },
      page_fill: { args: ['u8'], returns: Page },
    }).symbols;
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
  `;
  const child = spawnSync(process.execPath, ['-e', prelude + code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

const PILING = /ArkFFI holds \d+ struct results \(\d+ bytes\) that were never released; the latest came from (\w+)\(\)/;

test('more than 100,000 unreleased results: one warning with a code, naming the function and the remedies', () => {
  const out = runChild(`
    const kept = [];
    for (let i = 0; i < 100_000; i++) kept.push(lib.complex_new(i, 0));
    setImmediate(() => {
      const before = warnings.length;
      for (let i = 0; i < 150_000; i++) kept.push(lib.complex_new(i, 1));
      setImmediate(() => {
        const intact = kept.every((p, i) => Complex.fromPtr(p).re === (i < 100_000 ? i : i - 100_000));
        console.log(JSON.stringify({ before, warnings, intact }));
      });
    });
  `);
  assert.equal(out.before, 0, 'no warning at 100,000 held results');
  assert.equal(out.warnings.length, 1, 'one warning, however many more pile up');
  const [w] = out.warnings;
  assert.equal(w.code, 'ARKFFI_STRUCT_RESULTS_PILING');
  assert.equal(w.message.match(PILING)?.[1], 'complex_new');
  assert.match(w.message, /releasePtr\(p\)/);
  assert.match(w.message, /structReturn: 'object'/);
  assert.ok(out.intact, 'every result still reads back');
});

test('more than 64 MiB of unreleased results: the same single warning', () => {
  const out = runChild(`
    const kept = [];
    for (let i = 0; i < 16_384; i++) kept.push(lib.page_fill(1));
    setImmediate(() => {
      const before = warnings.length;
      for (let i = 0; i < 2000; i++) kept.push(lib.page_fill(2));
      // Released and piled up again: still the one warning.
      kept.splice(0).forEach((p) => releasePtr(p));
      for (let i = 0; i < 20_000; i++) kept.push(lib.page_fill(3));
      setImmediate(() => console.log(JSON.stringify({ before, warnings, count: kept.length })));
    });
  `);
  assert.equal(out.before, 0, 'no warning at 64 MiB');
  assert.equal(out.warnings.length, 1);
  assert.equal(out.warnings[0].code, 'ARKFFI_STRUCT_RESULTS_PILING');
  assert.equal(out.warnings[0].message.match(PILING)?.[1], 'page_fill');
});

test('worker threads hold their own results; a worker exiting leaves the main thread\'s intact', async () => {
  const p = s.complex_new(3, 2);
  const body = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { dlopen, releasePtr, Struct } = require('arkffi');
    const Complex = Struct({ re: 'f64', im: 'f64' });
    const lib = dlopen(workerData.testlib, {
      complex_new: { args: ['f64', 'f64'], returns: Complex },
      complex_digits: { args: ['ptr'], returns: 'f64' },
    }).symbols;
    const kept = Array.from({ length: 5000 }, (_, i) => lib.complex_new(workerData.id, i));
    let ok = kept.every((q, i) => Complex.fromPtr(q).re === workerData.id && Complex.fromPtr(q).im === i);
    ok &&= lib.complex_digits(kept[7]) === workerData.id * 10 + 7;
    ok &&= releasePtr(workerData.foreign) === false;
    ok &&= kept.every((q) => releasePtr(q));
    parentPort.postMessage({ ok, first: kept[0] });
  `;
  const results = await Promise.all([1, 2, 3].map((id) => new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: { testlib, id, foreign: p } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  assert.ok(results.every((r) => r.ok));
  assert.equal(new Set(results.map((r) => r.first)).size, 3, 'each worker has its own memory');
  gc();
  assert.deepEqual(Complex.fromPtr(p), { re: 3, im: 2 });
  assert.equal(s.complex_digits(p), 32);
  assert.equal(releasePtr(p), true);
});
