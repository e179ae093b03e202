// The memory-ownership contract (docs/memory-management.md), one test per row of its tables: who
// allocates, who frees, and, measured rather than assumed, that nothing leaks or is freed early.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { array, CString, dlopen, ffi, inout, out, pointer, ptr, read, readMemory, releasePtr, Struct, structReturnRetention } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

// node --test cannot pass --expose-gc to a test file; the flag can still be set at run time.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** Memory in use after a full collection. */
function memory() {
  gc();
  gc();
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rss, heap: heapUsed, buffers: arrayBuffers };
}

const MB = 1024 * 1024;
const Vec3 = Struct({ x: 'f32', y: 'f32', z: 'f32' });
const Quad = Struct({ a: 'f64', b: 'f64', c: 'f64', d: 'f64' });
const Page = Struct({ bytes: array('u8', 4096) });
const Named = Struct({ name: 'cstring', id: 'i32' });
const Config = Struct({ name: 'cstring', version: 'i32', flags: array('u8', 4), origin: Vec3 });

const lib = dlopen(testlib, {
  add_f64: { args: ['f64', 'f64'], returns: 'f64' },
  add_i32: { args: ['i32', 'i32'], returns: 'i32' },
  str_len: { args: ['cstring'], returns: 'usize' },
  str_echo: { args: ['cstring'], returns: 'cstring' },
  greeting: { returns: 'ptr' },
  vec3f_fill: { args: ['ptr', 'f32', 'f32', 'f32'], returns: 'void' },
  vec3f_dot: { args: [Vec3, Vec3], returns: 'f32' },
  quad_scale: { args: [Quad, 'f64'], returns: Quad },
  page_fill: { args: ['u8'], returns: Page },
  named_make: { args: ['i32'], returns: Named, structReturn: 'object' },
  config_static: { returns: 'ptr' },
});
const s = lib.symbols;
const greetingText = dlopen(testlib, { greeting: { returns: 'cstring' } }).symbols.greeting;

/** Runs fn with other safety-net bounds, then restores the defaults. */
function withRetention(bounds, fn) {
  const saved = structReturnRetention();
  structReturnRetention(bounds);
  try {
    return fn();
  } finally {
    structReturnRetention(saved);
  }
}

test('primitive arguments and results: passed by value, nothing allocated', () => {
  const run = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += s.add_i32(i & 0xffff, 1) + s.add_f64(0.5, 0.25);
    return sum;
  };
  let expected = 0;
  for (let i = 0; i < 1_000_000; i++) expected += (i & 0xffff) + 1 + 0.75;
  run(100_000);
  const before = memory();
  assert.equal(run(1_000_000), expected);
  const after = memory();
  assert.ok(after.heap - before.heap < 2 * MB, `heap grew by ${after.heap - before.heap} bytes`);
  assert.ok(after.rss - before.rss < 16 * MB, `RSS grew by ${after.rss - before.rss} bytes`);
});

test('string arguments: copied for the call, freed after it, by every API', () => {
  // test/strings.test.mjs proves this for dlopen() symbols; here the raw bridge and the
  // dlopen() path in one run, each with a string long enough to take the heap copy.
  const h = ffi.load(testlib);
  ffi.defineFunction(h, 'str_len', 's', 'l');
  const heavy = 'z'.repeat(4000);
  assert.equal(s.str_echo(heavy), heavy, 'C sees a complete copy');
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      assert.equal(s.str_len(heavy), 4000);
      assert.equal(ffi.callBySig(h, 'str_len', [], [heavy]), 4000);
    }
  };
  run(50_000);
  const before = memory();
  run(500_000);
  const after = memory();
  ffi.close(h);
  // A leak of the copies alone would be 4 GB.
  assert.ok(after.rss - before.rss < 32 * MB, `RSS grew by ${after.rss - before.rss} bytes`);
});

test('string results: C owns them, ArkFFI only reads', () => {
  const first = s.greeting();
  assert.equal(s.greeting(), first, 'the same C memory every time');
  assert.equal(greetingText(), 'hello, ArkFFI');
  assert.equal(greetingText(), 'hello, ArkFFI');
  const h = ffi.load(testlib);
  assert.equal(ffi.callString(h, 'greeting'), 'hello, ArkFFI');
  ffi.close(h);
  assert.equal(new CString(first).toString(), 'hello, ArkFFI');
  // Reading freed nothing: the C string is still there, byte for byte.
  assert.equal(read.u8(first, 0), 'h'.charCodeAt(0));
  assert.equal(new CString(first).toString(), 'hello, ArkFFI');
});

test('const char* struct fields: fromPtr gives the address, C keeps the memory', () => {
  const config = Config.fromPtr(s.config_static());
  assert.equal(typeof config.name, 'number');
  assert.equal(new CString(config.name).toString(), 'arkffi-config');
  const a = s.named_make(2);
  const b = s.named_make(2);
  assert.equal(a.name, b.name, 'both point at the same static string');
  assert.equal(releasePtr(a.name), false, 'not ArkFFI memory: ignored');
  assert.equal(new CString(a.name).toString(), 'two');
  assert.equal(new CString(Config.fromPtr(s.config_static()).name).toString(), 'arkffi-config');
});

test('user-created buffers stay the user\'s: C writes into them, ArkFFI keeps no reference', async () => {
  const collected = new Set();
  const registry = new FinalizationRegistry((tag) => collected.add(tag));
  (() => {
    const out = Vec3.create();
    s.vec3f_fill(out, 1, 2, 3); // a T* argument
    assert.deepEqual([...new Float32Array(out)], [1, 2, 3], 'the user\'s buffer holds what C wrote');
    assert.equal(s.vec3f_dot(out, Vec3.create({ x: 1, y: 1, z: 1 })), 6); // a by-value argument
    registry.register(out, 'pointer argument');
    const byValue = Vec3.create({ x: 2 });
    assert.equal(s.vec3f_dot(byValue, byValue), 4);
    registry.register(byValue, 'by-value argument');
  })();
  for (let i = 0; i < 20 && collected.size < 2; i++) {
    gc();
    await sleep(10);
  }
  assert.deepEqual([...collected].sort(), ['by-value argument', 'pointer argument']);
});

test('struct results: held by ArkFFI until releasePtr, then collected', () => {
  const before = memory();
  const results = Array.from({ length: 500 }, (_, i) => s.page_fill(i & 0xff));
  const held = memory();
  // Nothing in JS references ArkFFI's result memory, yet all 500 pages are alive and intact.
  assert.ok(held.buffers - before.buffers >= 480 * 4096, `held ${held.buffers - before.buffers} bytes`);
  results.forEach((p, i) => {
    assert.equal(read.u8(p, 4095), i & 0xff);
    assert.equal(Page.get(p, 'bytes')[0], i & 0xff);
  });
  assert.ok(results.every((p) => releasePtr(p) === true));
  const released = memory();
  // What stays is one spare slab (64 KiB) for the next results.
  assert.ok(released.buffers - before.buffers <= 64 * 1024, `${released.buffers - before.buffers} bytes still held`);
});

test('struct results: the opt-in bounded retention keeps each one for its bounds, then lets it go', async () => {
  assert.deepEqual(structReturnRetention(), { calls: Infinity, ms: 100 }, 'by default every result is held until releasePtr');
  const q = Quad.create({ a: 1, b: 2, c: 3, d: 4 });
  withRetention({ calls: 100, ms: 0 }, () => {
    const p = s.quad_scale(q, 2);
    for (let i = 0; i < 99; i++) s.quad_scale(q, 3);
    assert.deepEqual(Quad.fromPtr(p), { a: 2, b: 4, c: 6, d: 8 });
    assert.equal(releasePtr(p), true, 'held for 99 further results');
    const dropped = s.quad_scale(q, 2);
    const later = Array.from({ length: 101 }, () => s.quad_scale(q, 3));
    assert.ok(later.includes(dropped), 'let go after 100 further results: its memory holds a later one');
  });
  withRetention({ calls: 0, ms: 60_000 }, () => {
    const ps = Array.from({ length: 1000 }, () => s.quad_scale(q, 1));
    assert.ok(ps.every((p) => releasePtr(p) === true), 'held while younger than ms');
  });
  // Results held before the bounds were set count from when they were set.
  const early = s.quad_scale(q, 1);
  withRetention({ calls: 0, ms: 0 }, () => {
    assert.equal(releasePtr(early), false, 'bounds apply at once to the results already held');
  });
  structReturnRetention({ calls: 0, ms: 50 });
  try {
    const p = s.quad_scale(q, 1);
    await sleep(80);
    s.quad_scale(q, 1);
    assert.equal(releasePtr(p), false, 'dropped once older than ms and beyond calls');
  } finally {
    structReturnRetention({ calls: Infinity, ms: 100 });
  }
  // Tight bounds hold memory to the bound: 20,000 forgotten 4 KiB pages, 256 kept, in slabs
  // of 16 pages (plus slack for unrelated buffers).
  withRetention({ calls: 256, ms: 0 }, () => {
    const before = memory();
    for (let i = 0; i < 20_000; i++) s.page_fill(1);
    const after = memory();
    assert.ok(after.buffers - before.buffers <= 320 * 4096, `${after.buffers - before.buffers} bytes held`);
  });
  withRetention({ calls: 0, ms: 0 }, () => {}); // lets the last 256 go
  throwsCode(assert, () => structReturnRetention({ calls: -1 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => structReturnRetention({ calls: 1.5 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => structReturnRetention({ ms: NaN }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => structReturnRetention(5), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

/** memory(), once the collector's concurrent sweeping of buffers has caught up. */
async function settledMemory() {
  memory();
  await sleep(10);
  return memory();
}

test('struct results: forgotten ones are all kept; released ones are reused, so memory stays flat', async () => {
  const run = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = s.quad_scale(Quad.create({ a: 1, b: 2, c: 3, d: 4 }), 2);
      sum += Quad.get(p, 'd');
      releasePtr(p);
    }
    return sum;
  };
  run(10_000);
  const base = await settledMemory();
  assert.equal(run(1_000_000), 8_000_000);
  const after = await settledMemory();
  assert.ok(after.buffers - base.buffers < 64 * 1024, `${after.buffers - base.buffers} buffer bytes more`);
  assert.ok(after.heap - base.heap < 4 * MB, `heap grew by ${after.heap - base.heap} bytes`);
  // 50,000 forgotten results: all kept, about 32 bytes each, and all intact after gc.
  const kept = Array.from({ length: 50_000 }, (_, i) => s.quad_scale(Quad.create({ a: i, b: 0, c: 0, d: 0 }), 1));
  await sleep(150);
  const piled = await settledMemory();
  assert.ok(piled.buffers - base.buffers >= 50_000 * Quad.size - 64 * 1024, `${piled.buffers - base.buffers} bytes for 50,000 results`);
  assert.ok(kept.every((p, i) => Quad.get(p, 'a') === i));
  assert.ok(kept.every((p) => releasePtr(p)));
  const released = await settledMemory();
  assert.ok(released.buffers - base.buffers <= 64 * 1024, `${released.buffers - base.buffers} bytes still held`);
});

test('struct results with structReturn \'object\' or \'buffer\': handed over, nothing held, collected', async () => {
  const pageFill = (structReturn) => dlopen(testlib, { page_fill: { args: ['u8'], returns: Page, structReturn } }).symbols.page_fill;
  const symbols = { page_object: pageFill('object'), page_buffer: pageFill('buffer') };
  const page = symbols.page_object(7);
  assert.equal(page.bytes.length, 4096);
  assert.ok(page.bytes.every((b) => b === 7));
  const buffer = symbols.page_buffer(9);
  assert.ok(buffer instanceof ArrayBuffer && buffer.byteLength === 4096);
  assert.equal(releasePtr(ptr(buffer)), false, 'not held by ArkFFI: releasePtr ignores it');
  // Dropped results are collected: a FinalizationRegistry sees the buffer go...
  const collected = new Set();
  const registry = new FinalizationRegistry((tag) => collected.add(tag));
  (() => {
    registry.register(symbols.page_buffer(1), 'buffer');
    registry.register(symbols.page_object(1), 'object');
  })();
  for (let i = 0; i < 20 && collected.size < 2; i++) {
    gc();
    await sleep(10);
  }
  assert.deepEqual([...collected].sort(), ['buffer', 'object']);
  // ...and 20,000 results of each kind (80 MB of pages apiece) leave memory where it was.
  const run = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += symbols.page_object(i & 0xff).bytes[4095] + new Uint8Array(symbols.page_buffer(1))[0];
    return sum;
  };
  run(1000);
  const before = memory();
  assert.equal(run(20_000), Array.from({ length: 20_000 }, (_, i) => (i & 0xff) + 1).reduce((a, b) => a + b));
  const after = memory();
  assert.ok(after.buffers - before.buffers < 4 * MB, `${after.buffers - before.buffers} buffer bytes held`);
  assert.ok(after.heap - before.heap < 8 * MB, `heap grew by ${after.heap - before.heap} bytes`);
});

test('readMemory results: a copy in a new ArrayBuffer, collected once dropped', () => {
  const source = new Uint8Array(64 * 1024).fill(3);
  const copy = readMemory(ptr(source), source.length);
  source[0] = 4;
  assert.equal(new Uint8Array(copy)[0], 3, 'a copy: later writes to the source do not show');
  assert.notEqual(ptr(copy), ptr(source));
  const run = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += new Uint8Array(readMemory(ptr(source), source.length))[1];
    return sum;
  };
  run(1000);
  const before = memory();
  // 20,000 copies of 64 KiB: 1.3 GB if any were kept.
  assert.equal(run(20_000), 60_000);
  const after = memory();
  assert.ok(after.buffers - before.buffers < 4 * MB, `${after.buffers - before.buffers} buffer bytes held`);
  assert.ok(after.rss - before.rss < 64 * MB, `RSS grew by ${after.rss - before.rss} bytes`);
});

test('releasePtr ignores pointers it does not hold', () => {
  assert.equal(releasePtr(s.greeting()), false);
  assert.equal(releasePtr(ptr(new ArrayBuffer(8))), false);
  assert.equal(releasePtr(0), false);
  assert.equal(releasePtr(null), false);
  const p = s.quad_scale(Quad.create(), 1);
  assert.equal(releasePtr(BigInt(p)), true);
  assert.equal(releasePtr(p), false, 'a second release is ignored');
  throwsCode(assert, () => releasePtr('0x10'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('getSymbolPtr and ptr(): addresses only, nothing allocated', () => {
  const buf = new Float64Array(4);
  const sym = lib.getSymbolPtr('add_i32');
  const h = ffi.load(testlib);
  const run = (n) => {
    let same = 0;
    for (let i = 0; i < n; i++) {
      if (lib.getSymbolPtr('add_i32') === sym && ffi.getSymbolPtr(h, 'add_i32') === sym) same++;
      if (ptr(buf) === ffi.ptr(buf)) same++;
    }
    return same;
  };
  run(100_000);
  const before = memory();
  assert.equal(run(1_000_000), 2_000_000);
  const after = memory();
  ffi.close(h);
  assert.ok(after.heap - before.heap < 2 * MB, `heap grew by ${after.heap - before.heap} bytes`);
  assert.ok(after.rss - before.rss < 16 * MB, `RSS grew by ${after.rss - before.rss} bytes`);
});

test('pointer(), out(), inout() and char ** values: one ArrayBuffer per argument, collected after the call', async () => {
  const P = Struct({ x: 'i32', y: 'i32', weight: 'f64' });
  const s = dlopen(testlib, {
    ptr_fill_ints: { args: [out(pointer('i32')), 'i32'] },
    ptr_move_point: { args: [inout(pointer(P))] },
    ptr_count_args: { args: ['char **'], returns: 'i32' },
  }).symbols;
  const ints = new Array(256).fill(0);
  const point = { x: 0, y: 0, weight: 1 };
  const argv = Array.from({ length: 16 }, (_, i) => `argument ${i}`);
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      s.ptr_fill_ints(ints, 256);
      s.ptr_move_point(point);
      s.ptr_count_args(argv);
    }
  };
  run(20_000);
  await s.ptr_fill_ints.async(ints, 256);
  const before = memory();
  run(100_000);
  for (let i = 0; i < 200; i++) await s.ptr_fill_ints.async(ints, 256);
  const after = memory();
  assert.equal(ints[255], 2560);
  assert.ok(after.buffers - before.buffers < 2 * MB, `ArrayBuffers grew by ${after.buffers - before.buffers} bytes`);
  assert.ok(after.rss - before.rss < 32 * MB, `RSS grew by ${after.rss - before.rss} bytes`);
});

test('close() calls dlclose: the library leaves the address space', () => {
  // A copy under a unique name, so no other handle in this process keeps it loaded.
  const copy = join(tmpdir(), `arkffi-close-${process.pid}.so`);
  copyFileSync(testlib, copy);
  const mapped = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(copy)).length;
  try {
    assert.equal(mapped(), 0);
    const a = dlopen(copy, { add_i32: { args: ['i32', 'i32'], returns: 'i32' } });
    const b = dlopen(copy, {});
    assert.equal(a.symbols.add_i32(1, 2), 3);
    assert.ok(mapped() > 0, 'mapped while open');
    a.close();
    assert.ok(mapped() > 0, 'still mapped: the loader counts the second handle');
    b.close();
    assert.equal(mapped(), 0, 'unmapped after the last close()');
    const h = ffi.load(copy);
    assert.ok(mapped() > 0);
    ffi.close(h);
    assert.equal(mapped(), 0, 'ffi.close() too');
  } finally {
    rmSync(copy, { force: true });
  }
});
