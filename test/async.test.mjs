// Asynchronous calls: `.async` on every symbol, AsyncCFunction, ffi.callAsync/callPtrAsync. The
// call runs on the thread pool; arguments stay alive until it completes; errors reject.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as esm from 'arkffi';
import { AsyncCFunction, callAsync, callPtrAsync, dlopen, errno, ffi, JSCallback, linkSymbols } from 'arkffi';
import { slowdown, testlib } from './helpers.mjs';

// node --test cannot pass --expose-gc to a test file; the flag can still be set at run time.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const defs = {
  add_i32: { args: ['i32', 'i32'], returns: 'i32' },
  add_i64: { args: ['i64', 'i64'], returns: 'i64' },
  echo_f32: { args: ['f32'], returns: 'f32' },
  echo_u64: { args: ['u64'], returns: 'u64' },
  is_positive: { args: ['i32'], returns: 'bool' },
  greeting: { returns: 'cstring' },
  touch: { returns: 'void' },
  slow_strlen: { args: ['cstring', 'i32'], returns: 'usize' },
  slow_sum: { args: ['ptr', 'usize', 'i32'], returns: 'u32' },
  thread_id: { returns: 'biguint64' },
  complex_add: { args: [['f64', 'f64'], ['f64', 'f64']], returns: ['f64', 'f64'] },
  sum_variadic: { args: ['i32'], returns: 'f64', variadic: true },
  get_adder: { returns: 'ptr' },
};
const lib = dlopen(testlib, defs);
const s = lib.symbols;

test('.async resolves with the result converted as for a sync call', async () => {
  assert.equal(await s.add_i32.async(20, 22), 42);
  assert.equal(await s.add_i64.async(2n ** 62n, 1n), 2n ** 62n + 1n);
  assert.equal(await s.echo_f32.async(1.1), Math.fround(1.1));
  assert.equal(await s.echo_u64.async(2n ** 64n - 1n), 2n ** 64n - 1n);
  assert.equal(await s.is_positive.async(3), true);
  assert.equal(await s.greeting.async(), 'hello, ArkFFI');
  assert.equal(await s.touch.async(), undefined);
  assert.equal(await s.sum_variadic.async(2, 'f64', 1.25, 'f64', 2), 3.25);
  const r = await s.complex_add.async(new Float64Array([1, 2]), new Float64Array([3, 4]));
  assert.deepEqual([...new Float64Array(r)], [4, 6]);
});

test('the call runs on another thread and the JS thread stays free', async () => {
  const main = s.thread_id();
  const [pool, ticks] = await Promise.all([
    s.thread_id.async(),
    new Promise((resolve) => {
      let n = 0;
      const t = setInterval(() => ++n === 3 && (clearInterval(t), resolve(n)), 1);
    }),
  ]);
  assert.notEqual(pool, main);
  assert.equal(ticks, 3);
});

/** Runs full garbage collections, letting finalization callbacks run between them. */
async function collect() {
  for (let i = 0; i < 4; i++) {
    gc();
    await nextTurn();
  }
}

test('string and buffer arguments stay alive and unchanged until the call completes, across GCs', async () => {
  const collected = [];
  const registry = new FinalizationRegistry((what) => collected.push(what));
  // The calls outlast the collections below (longer where the suite runs emulated, and GCs are slow).
  const ms = 200 * slowdown;
  for (let round = 0; round < 3; round++) {
    // A string is copied into the call, so the engine may do as it likes with its own.
    let str = 'x'.repeat(5000 + round) + 'é';
    const pending = s.slow_strlen.async(str, ms);
    str = null;
    // Only the call refers to the buffer: collected, its memory would be freed under C's reads.
    let bytes = new Uint8Array(1 << 20).fill(3 + round);
    let settled = false;
    const sum = s.slow_sum.async(bytes, bytes.length, ms).finally(() => (settled = true));
    registry.register(bytes, `buffer ${round}`);
    bytes = null;
    await collect();
    // Garbage of the same size, to take over any memory a wrongly collected buffer had.
    const litter = Array.from({ length: 8 }, () => new Uint8Array(1 << 20).fill(0xee));
    // A call that completed settles its Promise (a microtask) before any finalizer (a task) runs.
    assert.ok(settled || !collected.includes(`buffer ${round}`), 'collected while the call used it');
    assert.ok(!settled || slowdown > 1, `the ${ms} ms call outlasted the collections`);
    assert.equal(await pending, 5002 + round);
    assert.equal(await sum, (1 << 20) * (3 + round));
    assert.equal(litter.length, 8);
  }
  // Once the calls are done, nothing keeps their arguments: the collections above were real.
  // (Finalizers run when the engine gets to them: on a loaded machine, after a few more rounds.)
  for (let i = 0; i < 50 && collected.length < 3; i++) await collect();
  assert.deepEqual(collected.sort(), ['buffer 0', 'buffer 1', 'buffer 2']);
  const short = await Promise.all(['a', 'bb', 'ccc'].map((t) => s.slow_strlen.async(t, 5)));
  assert.deepEqual(short, [1, 2, 3]);
});

test('bad arguments and closed libraries reject instead of throwing', async () => {
  const typeErr = s.add_i32.async(1, 'x');
  assert.ok(typeErr instanceof Promise);
  await assert.rejects(typeErr, { name: 'TypeError', code: 'ERR_ARKFFI_INVALID_ARG_TYPE', argIndex: 1 });
  await assert.rejects(s.add_i32.async(1), { code: 'ERR_ARKFFI_ARG_COUNT' });
  await assert.rejects(s.add_i64.async(2n ** 64n, 1), { name: 'RangeError', code: 'ERR_ARKFFI_OUT_OF_RANGE' });
  await assert.rejects(s.sum_variadic.async(1, 'f64'), { code: 'ERR_ARKFFI_ARG_COUNT' });
  const other = dlopen(testlib, { add_i32: defs.add_i32 });
  other.close();
  await assert.rejects(other.symbols.add_i32.async(1, 2), { code: 'ERR_ARKFFI_CLOSED' });
});

test('closing a library while its calls run waits for them before unloading it', async () => {
  // A private copy, so that this handle is the library's only one and close() really unloads.
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-'));
  try {
    const copy = join(dir, 'libcopy.so');
    copyFileSync(testlib, copy);
    const own = dlopen(copy, { slow_strlen: defs.slow_strlen });
    const inflight = [own.symbols.slow_strlen.async('abc', 100), own.symbols.slow_strlen.async('abcd', 50)];
    own.close();
    assert.deepEqual(await Promise.all(inflight), [3, 4]);
    await assert.rejects(own.symbols.slow_strlen.async('a', 0), { code: 'ERR_ARKFFI_CLOSED' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('10,000 concurrent calls all complete with correct results', async () => {
  const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => s.add_i64.async(i, 2 ** 40)));
  results.forEach((r, i) => assert.equal(r, i + 2 ** 40));
});

test('errno of an asynchronous call is readable once it settles', async () => {
  const libc = dlopen(null, { open: { args: ['cstring', 'i32'], returns: 'i32' } });
  assert.equal(await libc.symbols.open.async('/nonexistent/arkffi', 0), -1);
  assert.equal(errno(), constants.errno.ENOENT);
});

test('AsyncCFunction, ffi.callAsync and ffi.callPtrAsync keep ArkFFI shapes', async () => {
  const addr = s.get_adder();
  const add = AsyncCFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: addr });
  assert.equal(await add(2, 3), 5);
  assert.equal(add.ptr, addr);
  add.close();
  await assert.rejects(add(2, 3), { code: 'ERR_ARKFFI_CLOSED' });

  const h = ffi.load(testlib);
  await assert.rejects(ffi.callAsync(h, 'add_i32', 'ii', 'i', [1, 2], []), { code: 'ERR_ARKFFI_NOT_DEFINED' });
  ffi.defineFunction(h, 'add_i32', 'ii', 'i');
  assert.equal(await ffi.callAsync(h, 'add_i32', 'ii', 'i', [40, 2], []), 42);
  assert.equal(await callAsync(h, 'add_i32', 'ii', 'i', [1, 2], []), 3);
  ffi.defineFunction(h, 'slow_strlen', 'si', 'l');
  assert.equal(await ffi.callAsync(h, 'slow_strlen', 'si', 'l', [1], ['four']), 4);
  assert.equal(await ffi.callPtrAsync(addr, 'ii', 'i', [7, 8], []), 15);
  assert.equal(await callPtrAsync(addr, 'ii', 'i', [1, 1], []), 2);
  await assert.rejects(ffi.callPtrAsync(addr, 'ii', 'i', [1], []), { code: 'ERR_ARKFFI_ARG_COUNT' });
  ffi.close(h);
  await assert.rejects(ffi.callAsync(h, 'add_i32', 'ii', 'i', [1, 2], []), { code: 'ERR_ARKFFI_CLOSED' });
});

test('linkSymbols() symbols have .async too, and reject once closed', async () => {
  const linked = linkSymbols({
    add: { args: ['i32', 'i32'], returns: 'i32', ptr: s.get_adder() },
    slowStrlen: { ...defs.slow_strlen, ptr: lib.getSymbolPtr('slow_strlen') },
    complexAdd: { ...defs.complex_add, ptr: lib.getSymbolPtr('complex_add') },
    threadId: { ...defs.thread_id, ptr: lib.getSymbolPtr('thread_id') },
  });
  const l = linked.symbols;
  assert.equal(await l.add.async(40, 2), 42);
  assert.equal(await l.slowStrlen.async('héllo', 5), 6);
  const r = await l.complexAdd.async(new Float64Array([1, 2]), new Float64Array([3, 4]));
  assert.deepEqual([...new Float64Array(r)], [4, 6]);
  assert.notEqual(await l.threadId.async(), l.threadId());
  await assert.rejects(l.add.async(1, 'x'), { code: 'ERR_ARKFFI_INVALID_ARG_TYPE' });
  // A call in flight when close() comes still completes; later ones reject.
  const inflight = l.slowStrlen.async('four', 50);
  linked.close();
  assert.equal(await inflight, 4);
  await assert.rejects(l.add.async(1, 2), { code: 'ERR_ARKFFI_CLOSED' });
});

test('CommonJS: JSCallback, AsyncCFunction, callAsync and callPtrAsync are exported and work', async () => {
  const require = createRequire(import.meta.url);
  const cjs = require('arkffi');
  for (const name of ['JSCallback', 'AsyncCFunction', 'callAsync', 'callPtrAsync']) {
    assert.equal(typeof cjs[name], 'function', name);
    assert.equal(cjs[name], esm[name], name);
  }
  assert.equal(cjs.callAsync, cjs.ffi.callAsync);
  assert.equal(cjs.callPtrAsync, cjs.ffi.callPtrAsync);

  const cjsLib = cjs.dlopen(testlib, { cb_call_n: { args: ['ptr', 'i32'], returns: 'i64' } });
  const cb = new cjs.JSCallback((x) => 2 * x, { args: ['i32'], returns: 'i32', threadsafe: true });
  assert.ok(cb instanceof JSCallback);
  assert.equal(cjsLib.symbols.cb_call_n(cb, 10), 90);
  assert.equal(await cjsLib.symbols.cb_call_n.async(cb, 100), 9900);
  cb.close();
  cjsLib.close();

  const add = cjs.AsyncCFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: s.get_adder() });
  assert.equal(await add(20, 22), 42);
  add.close();
  const h = cjs.ffi.load(testlib);
  cjs.ffi.defineFunction(h, 'add_i32', 'ii', 'i');
  assert.equal(await cjs.callAsync(h, 'add_i32', 'ii', 'i', [3, 4], []), 7);
  cjs.ffi.close(h);
  assert.equal(await cjs.callPtrAsync(s.get_adder(), 'ii', 'i', [5, 6], []), 11);
});
