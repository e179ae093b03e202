// JSCallback: JS functions behind real C function pointers, called on the JS thread during a
// foreign call and from other threads; conversions both ways, errors, close(), liveness, the raw
// bridge, workers and async calls.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CFunction, dlopen, ffi, JSCallback, ptr, read, Struct } from 'arkffi';
import { root, testlib, throwsCode } from './helpers.mjs';
import sloppyReceiver from './sloppy.cjs';

const lib = dlopen(testlib, {
  cb_call_i32: { args: ['ptr', 'i32'], returns: 'i32' },
  cb_call_n: { args: ['function', 'i32'], returns: 'i64' },
  cb_all_args: { args: ['ptr'], returns: 'f64' },
  cb_many: { args: ['ptr'], returns: 'f64' },
  ...Object.fromEntries(
    ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'cstring'].map((k) => [`cb_ret_${k}`, { args: ['ptr'], returns: 'i64' }]),
  ),
  cb_ret_u64: { args: ['ptr'], returns: 'biguint64' },
  cb_ret_f32: { args: ['ptr'], returns: 'f64' },
  cb_ret_f64: { args: ['ptr'], returns: 'f64' },
  cb_ret_bool: { args: ['ptr'], returns: 'i32' },
  cb_ret_ptr: { args: ['ptr'], returns: 'u64' },
  cb_ret_void: { args: ['ptr'], returns: 'void' },
  cb_struct_args: { args: ['ptr', 'f64', 'f64'], returns: 'f64' },
  cb_struct_ret: { args: ['ptr', 'f64'], returns: 'f64' },
  cb_triple_ret: { args: ['ptr'], returns: 'i64' },
  cb_store: { args: ['ptr'], returns: 'void' },
  cb_call_stored: { args: ['i32'], returns: 'i32' },
  cb_call_stored_on_thread: { args: ['i32'], returns: 'i32' },
  cb_threads_start: { args: ['ptr', 'i32', 'i32', 'ptr'], returns: 'i32' },
  cb_threads_void_start: { args: ['ptr', 'i32', 'i32', 'ptr'], returns: 'i32' },
  cb_strings_start: { args: ['ptr', 'i32'], returns: 'i32' },
  cb_later: { args: ['ptr', 'i32', 'i32'], returns: 'i32' },
  cb_later_state: { returns: 'i32' },
  cb_later_result: { returns: 'i32' },
});
const s = lib.symbols;
const libc = dlopen('libc.so.6', { qsort: { args: ['ptr', 'usize', 'usize', 'ptr'], returns: 'void' } });

const I32 = { args: ['i32'], returns: 'i32' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once pred() holds; rejects after `ms`. */
async function until(pred, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(2);
  }
}

/** Runs `code` (CommonJS) in a child Node.js process from the package root. */
function runChild(code, options = {}) {
  return spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 20000, ...options });
}

/** Collects the errors a hook receives, for the duration of fn. */
async function withHook(fn) {
  const seen = [];
  JSCallback.onError = (err, cb) => seen.push({ err, cb });
  try {
    await fn(seen);
  } finally {
    JSCallback.onError = null;
  }
  return seen;
}

test('qsort sorts typed arrays with JS comparators, passed as the object or as .ptr', () => {
  const ints = Int32Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) - 500);
  const cmpInt = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
  libc.symbols.qsort(ints, ints.length, 4, cmpInt);
  assert.deepEqual([...ints], [...ints].sort((a, b) => a - b));

  // A threadsafe callback called on the JS thread runs right there: no hand-off, no deadlock.
  const doubles = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 1000);
  const expected = [...doubles].sort((a, b) => a - b);
  const cmpDouble = new JSCallback((a, b) => Math.sign(read.f64(a) - read.f64(b)), {
    args: ['ptr', 'ptr'],
    returns: 'i32',
    threadsafe: true,
  });
  libc.symbols.qsort(doubles, doubles.length, 8, cmpDouble.ptr);
  assert.deepEqual([...doubles], expected);
  cmpInt.close();
  cmpDouble.close();
});

test('struct pointers as arguments: qsort over a Struct array, the comparator reading with fromPtr', async () => {
  const Item = Struct({ id: 'i32', score: 'f64', flags: 'u8' });
  const items = Array.from({ length: 300 }, (_, i) => ({ id: i, score: ((i * 7919) % 101) / 4, flags: i & 0xff }));
  // By score, then id: a total order, so the sorted array is fully determined.
  const order = (x, y) => Math.sign(x.score - y.score) || x.id - y.id;
  const expected = [...items].sort(order);
  const byScore = (a, b) => order(Item.fromPtr(a), Item.fromPtr(b));
  for (const threadsafe of [false, true]) {
    const cmp = new JSCallback(byScore, { args: ['ptr', 'ptr'], returns: 'i32', threadsafe });
    const array = Item.createArray(items);
    libc.symbols.qsort(array, items.length, Item.size, cmp);
    assert.deepEqual(Item.fromArray(array, items.length), expected);
    if (threadsafe) {
      // On a pool thread: each comparison is handed to this thread while qsort waits for it.
      const again = Item.createArray(items);
      await libc.symbols.qsort.async(again, items.length, Item.size, cmp);
      assert.deepEqual(Item.fromArray(again, items.length), expected);
    }
    cmp.close();
  }
});

test('ptr is a real function pointer, threadsafe or not; handles are positive ids', () => {
  for (const threadsafe of [false, true]) {
    const cb = new JSCallback((x) => x + 1, { ...I32, threadsafe });
    assert.equal(typeof cb.ptr, 'number');
    assert.ok(cb.ptr > 65536);
    assert.equal(cb.threadsafe, threadsafe);
    assert.ok(cb.getHandle() > 0);
    assert.notEqual(cb.getHandle(), cb.ptr);
    assert.equal(s.cb_call_i32(cb.ptr, 41), 42);
    assert.equal(s.cb_call_i32(cb, 41), 42);
    // A CFunction over the pointer calls through C into JS, and is itself a pointer argument.
    const viaC = CFunction({ ptr: cb.ptr, ...I32 });
    assert.equal(viaC(1), 2);
    assert.equal(s.cb_call_i32(viaC, 9), 10);
    cb.close();
  }
});

test('every scalar argument type arrives as JS sees it, including stack-passed ones', () => {
  let got;
  const cb = new JSCallback((...args) => ((got = args), 42.5), {
    args: ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'i64', 'u64', 'f32', 'f64', 'bool', 'ptr', 'cstring', 'cstring', 'bigint64'],
    returns: 'f64',
  });
  assert.equal(s.cb_all_args(cb), 42.5);
  assert.deepEqual(got, [
    -8, 200, -1600, 60000, -2000000000, 4000000000,
    -9007199254740991, -9007199254740993n, 18446744073709551615n,
    1.5, -2.25, true, 0x1234, 'héllo', null, -9223372036854775808n,
  ]);
  cb.close();

  const many = new JSCallback((...a) => a.reduce((acc, v, i) => acc + v * (i + 1), 0), {
    args: [...Array(10).fill('f64'), ...Array(10).fill('i32')],
    returns: 'f64',
  });
  const values = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(s.cb_many(many), values.reduce((acc, v, i) => acc + v * (i + 1), 0));
  many.close();
});

test('results convert by the declared type, at full width', () => {
  const ret = (returns, value) => new JSCallback(() => value, { returns });
  const cases = [
    ['i8', -128, -128], ['u8', 255, 255], ['i16', -32768, -32768], ['u16', 65535, 65535],
    ['i32', -(2 ** 31), -(2 ** 31)], ['u32', 2 ** 32 - 1, 2 ** 32 - 1],
    ['i64', -(2 ** 53) + 1, -(2 ** 53) + 1], ['i64', -(2n ** 63n), -(2n ** 63n)],
  ];
  for (const [kind, value, expected] of cases) {
    const cb = ret(kind, value);
    assert.equal(s[`cb_ret_${kind}`](cb), expected, `${kind} ${value}`);
    cb.close();
  }
  const checks = [
    [ret('u64', 2n ** 64n - 1n), s.cb_ret_u64, 2n ** 64n - 1n],
    [ret('u64', 7), s.cb_ret_u64, 7n],
    [ret('f32', 0.1), s.cb_ret_f32, Math.fround(0.1)],
    [ret('f64', -0.1), s.cb_ret_f64, -0.1],
    [ret('bool', true), s.cb_ret_bool, 1],
    [ret('bool', 0), s.cb_ret_bool, 0],
    [ret('ptr', 0x1234), s.cb_ret_ptr, 0x1234],
    [ret('ptr', null), s.cb_ret_ptr, 0],
    [ret('ptr', 0x5678n), s.cb_ret_ptr, 0x5678],
    [ret('cstring', null), s.cb_ret_cstring, -1],
  ];
  for (const [cb, fn, expected] of checks) {
    assert.equal(fn(cb), expected);
    cb.close();
  }
  const text = Buffer.from('four\0');
  const buffers = [ret('ptr', text), ret('cstring', text)];
  assert.equal(s.cb_ret_ptr(buffers[0]), ptr(text));
  assert.equal(s.cb_ret_cstring(buffers[1]), 4);
  buffers.forEach((cb) => cb.close());

  let ran = false;
  const v = new JSCallback(() => ((ran = true), 'ignored'), { returns: 'void' });
  assert.equal(s.cb_ret_void(v), undefined);
  assert.ok(ran);
  v.close();
});

test('structs by value: arguments arrive as ArrayBuffers, results are taken from buffers', () => {
  const args = new JSCallback(
    (p, t) => {
      const [x, y] = new Float64Array(p);
      const [a, b, c] = new BigInt64Array(t);
      return x * 10 + y + Number(a + b + c) * 100;
    },
    { args: [['f64', 'f64'], ['i64', 'i64', 'i64']], returns: 'f64' },
  );
  assert.equal(s.cb_struct_args(args, 3, 4), 34 + 200);
  const point = new JSCallback((k) => Float64Array.of(k, k + 1), { args: ['f64'], returns: ['f64', 'f64'] });
  assert.equal(s.cb_struct_ret(point, 2), 2003);
  const triple = new JSCallback(() => BigInt64Array.of(1n, 2n, 3n).buffer, { returns: ['i64', 'i64', 'i64'] });
  assert.equal(s.cb_triple_ret(triple), 123);
  [args, point, triple].forEach((cb) => cb.close());
});

test('a callback may call C that calls back again (nested), without disturbing either call', () => {
  const inner = new JSCallback((x) => x * 3, I32);
  const outer = new JSCallback((x) => s.cb_call_i32(inner, x) + 1, I32);
  assert.equal(s.cb_call_n(outer, 100), 3 * 4950 + 100);
  inner.close();
  outer.close();
});

test('a call that calls back millions of times keeps memory bounded, nested calls included', () => {
  // Callbacks of one call share a bounded allowance of handles in the call's own scope, then
  // each opens its own (src/arkffi.h, AK_CB_HANDLES): the handles must not pile up. Were they to,
  // 4M calls would hold some 50 MiB of them by the end of the call; the peak is measured inside.
  let peak = 0;
  const probe = (x) => {
    if ((x & 0xfffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    return x & 1;
  };
  const plain = new JSCallback(probe, I32);
  const nested = new JSCallback((x) => s.cb_call_i32(plain, x), I32);
  const before = process.memoryUsage().rss;
  assert.equal(s.cb_call_n(plain, 4_000_000), 2_000_000);
  assert.equal(s.cb_call_n(nested, 2_000_000), 1_000_000);
  const grown = (peak - before) / 2 ** 20;
  assert.ok(grown < 24, `rss grew ${grown.toFixed(1)} MiB during 6M callbacks`);
  plain.close();
  nested.close();
});

test('no fixed limit: a thousand callbacks at once, each its own function', () => {
  const cbs = Array.from({ length: 1000 }, (_, i) => new JSCallback((x) => x + i, I32));
  assert.equal(new Set(cbs.map((cb) => cb.ptr)).size, 1000);
  cbs.forEach((cb, i) => assert.equal(s.cb_call_i32(cb, 1), 1 + i));
  cbs.forEach((cb) => cb.close());
});

test('call() runs the function directly, with the values unchanged', () => {
  const cb = new JSCallback((...args) => args, I32);
  const obj = {};
  const out = cb.call('text', 1.5, obj, 10n, undefined);
  assert.deepEqual(out, ['text', 1.5, obj, 10n, undefined]);
  assert.equal(out[2], obj);
  cb.close();
  throwsCode(assert, () => cb.call(1), Error, 'ERR_ARKFFI_CLOSED');
  assert.throws(() => cb.call(1), { message: 'invalid or closed callback handle' });
});

test('the function gets `this` undefined, whether C, call() or ffi.invokeCallback calls it', () => {
  const receivers = [];
  const strict = new JSCallback(function (x) {
    receivers.push(this);
    return x + 1;
  }, I32);
  assert.equal(s.cb_call_i32(strict, 1), 2);
  assert.equal(strict.call(2), 3);
  assert.equal(ffi.invokeCallback(strict.getHandle(), 3), 4);
  assert.deepEqual(receivers, [undefined, undefined, undefined]);
  strict.close();

  // Sloppy-mode code turns an undefined `this` into the global object, in each case alike.
  const sloppy = sloppyReceiver(receivers);
  const h = ffi.createCallback(sloppy, ['i32'], 'i32');
  assert.equal(s.cb_call_i32(ffi.getCallbackPtr(h), 4), 4);
  assert.equal(ffi.invokeCallback(h, 5), 5);
  assert.equal(receivers.length, 5);
  assert.ok(receivers.slice(3).every((r) => r === globalThis));
  ffi.destroyCallback(h);
});

test('an exception no call waits for goes to the hook (per callback, else JSCallback.onError); C receives zero', async () => {
  // cb_call_stored takes no pointer: C calls a pointer it kept from an earlier call, which has
  // returned, so no JS frame waits for the callback (see docs/threads.md, "Errors").
  const own = [];
  const boom = new Error('boom');
  const cb = new JSCallback(
    (x) => {
      if (x === 13) throw boom;
      return x;
    },
    { ...I32, onError: (err, which) => own.push([err, which]) },
  );
  s.cb_store(cb);
  assert.equal(s.cb_call_stored(13), 0);
  assert.equal(s.cb_call_stored(12), 12); // still usable
  assert.deepEqual(own, [[boom, cb]]);
  cb.close();

  const seen = await withHook(() => {
    const f = new JSCallback(() => {
      throw new TypeError('from the global hook');
    }, I32);
    s.cb_store(f);
    assert.equal(s.cb_call_stored(1), 0);
    f.close();
  });
  assert.deepEqual(seen.map(({ err }) => err.message), ['from the global hook']);
});

test('a result the return type cannot take is reported (ERR_ARKFFI_INVALID_RETURN); C receives zero', async () => {
  const bad = [
    ['i32', 2 ** 31, RangeError], ['i32', 1.5, RangeError], ['i32', '7', TypeError], ['u8', -1, RangeError],
    ['u64', -1, RangeError], ['i64', 2n ** 63n, RangeError], ['bool', undefined, TypeError],
    ['cstring', 'a JS string', TypeError], ['ptr', {}, TypeError], ['f64', 1n, TypeError],
  ];
  // The call that runs the callback rethrows the error when C returns.
  const errors = [];
  const seen = await withHook(() => {
    for (const [kind, value] of bad) {
      const cb = new JSCallback(() => value, { returns: kind });
      const fn = s[`cb_ret_${kind}`] ?? s.cb_ret_i64;
      assert.throws(() => fn(cb), (err) => errors.push(err) > 0, `${kind} ${String(value)}`);
      cb.close();
    }
    const small = new JSCallback(function makePoint() {
      return new Float64Array(1);
    }, { args: ['f64'], returns: ['f64', 'f64'] });
    assert.throws(() => s.cb_struct_ret(small, 1), (err) => errors.push(err) > 0);
    small.close();
  });
  assert.equal(seen.length, 0);
  assert.equal(errors.length, bad.length + 1);
  errors.forEach((err, i) => {
    assert.equal(err.code, 'ERR_ARKFFI_INVALID_RETURN');
    if (i < bad.length) assert.ok(err instanceof bad[i][2], err.message);
  });
  assert.match(errors[0].message, /^JSCallback <anonymous>\(\) -> i32: the result must be an integer in \[-2147483648, 2147483647\], got the number 2147483648$/);
  assert.match(errors.at(-1).message, /^JSCallback makePoint\(f64\) -> struct: the result must be an ArrayBuffer or ArrayBufferView of at least 16 bytes, got /);

  // With no call waiting, C receives zero and the hook gets the error.
  const late = await withHook(() => {
    const cb = new JSCallback(() => 1.5, I32);
    s.cb_store(cb);
    assert.equal(s.cb_call_stored(1), 0);
    cb.close();
  });
  assert.equal(late.length, 1);
  assert.equal(late[0].err.code, 'ERR_ARKFFI_INVALID_RETURN');
});

test('without a hook an error becomes an uncaught exception, after C got zero', () => {
  const script = (extra) => `
    const { dlopen, JSCallback } = require('arkffi');
    ${extra}
    const lib = dlopen(${JSON.stringify(testlib)}, {
      cb_store: { args: ['ptr'], returns: 'void' },
      cb_call_stored: { args: ['i32'], returns: 'i32' },
    });
    const cb = new JSCallback(() => { throw new Error('boom from a callback'); }, { args: ['i32'], returns: 'i32' });
    lib.symbols.cb_store(cb);
    console.log('C got ' + lib.symbols.cb_call_stored(1));
    console.log('the foreign call finished');
    cb.close();`;
  const plain = runChild(script(''));
  assert.equal(plain.status, 1);
  assert.equal(plain.stdout, 'C got 0\nthe foreign call finished\n');
  assert.match(plain.stderr, /boom from a callback/);

  const handled = runChild(script(`process.on('uncaughtException', (e) => console.log('uncaught: ' + e.message));`));
  assert.equal(handled.status, 0, handled.stderr);
  assert.equal(handled.stdout, 'C got 0\nthe foreign call finished\nuncaught: boom from a callback\n');

  // A hook that throws is itself reported as uncaught.
  const failingHook = runChild(script(`JSCallback.onError = () => { throw new Error('the hook failed'); };`));
  assert.equal(failingHook.status, 1);
  assert.match(failingHook.stderr, /the hook failed/);
});

test('after close() the pointer is inert: late calls return 0, from this thread or another', () => {
  for (const threadsafe of [false, true]) {
    let calls = 0;
    const cb = new JSCallback((x) => (calls++, x + 1), { ...I32, threadsafe });
    s.cb_store(cb);
    assert.equal(s.cb_call_stored(1), 2);
    const handle = cb.getHandle();
    cb.close();
    cb.close(); // harmless
    assert.equal(cb.closed, true);
    assert.equal(cb.ptr, 0);
    assert.equal(cb.getHandle(), 0);
    assert.equal(s.cb_call_stored(5), 0);
    assert.equal(s.cb_call_stored_on_thread(5), 0);
    assert.equal(calls, 1);
    assert.equal(ffi.getCallbackPtr(handle), 0);
  }
});

test('a callback that is not threadsafe, called from another thread, returns 0 and warns once', () => {
  const child = runChild(`
    const { dlopen, JSCallback } = require('arkffi');
    const lib = dlopen(${JSON.stringify(testlib)}, {
      cb_store: { args: ['ptr'], returns: 'void' },
      cb_call_stored_on_thread: { args: ['i32'], returns: 'i32' },
    });
    const cb = new JSCallback((x) => x + 1, { args: ['i32'], returns: 'i32' });
    lib.symbols.cb_store(cb);
    console.log(lib.symbols.cb_call_stored_on_thread(1), lib.symbols.cb_call_stored_on_thread(2));
    cb.close();`);
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, '0 0\n');
  assert.equal(child.stderr.match(/not threadsafe was called from another thread/g)?.length, 1);
});

/** Starts `nthreads` C threads calling `fn` `iterations` times each; resolves with done's total. */
function threadRound(fn, nthreads, iterations, options = {}) {
  return new Promise((resolve, reject) => {
    const cb = new JSCallback(fn, { ...I32, threadsafe: true, ...options });
    const done = new JSCallback(
      (total) => {
        cb.close();
        done.close();
        resolve(total);
      },
      { args: ['i64'], returns: 'void', threadsafe: true },
    );
    if (s.cb_threads_start(cb, nthreads, iterations, done) !== 0) reject(new Error('threads did not start'));
  });
}

test('threadsafe: 8 threads x 2000 calls each, 20 rounds, every result right', async () => {
  const nthreads = 8;
  const iterations = 2000;
  const n = nthreads * iterations;
  for (let round = 0; round < 20; round++) {
    let calls = 0;
    const seen = new Uint8Array(n);
    const total = await threadRound((x) => {
      calls++;
      seen[x]++;
      return 2 * x + 1;
    }, nthreads, iterations);
    assert.equal(total, n * n); // the sum of the first n odd numbers
    assert.equal(calls, n);
    assert.ok(seen.every((c) => c === 1));
  }
});

test('threadsafe: errors thrown for calls from other threads are reported; those calls get 0', async () => {
  const seen = await withHook(async () => {
    const total = await threadRound((x) => {
      if (x % 10 === 0) throw new Error(`no ${x}`);
      return 1;
    }, 4, 100);
    assert.equal(total, 400 - 40);
  });
  assert.equal(seen.length, 40);
});

test('threadsafe void callbacks can be fire-and-forget (blocking: false): every call arrives', async () => {
  for (let round = 0; round < 5; round++) {
    const nthreads = 4;
    const iterations = 1000;
    const n = nthreads * iterations;
    let calls = 0;
    let sum = 0;
    const cb = new JSCallback((x) => {
      calls++;
      sum += x;
    }, { args: ['i32'], returns: 'void', threadsafe: true, blocking: false });
    let finished = false;
    const done = new JSCallback(() => void (finished = true), { args: ['i64'], returns: 'void', threadsafe: true });
    assert.equal(s.cb_threads_void_start(cb, nthreads, iterations, done), 0);
    // The calls are queued, not waited for: count them until all have run.
    await until(() => finished && calls === n);
    assert.equal(sum, (n * (n - 1)) / 2);
    cb.close();
    done.close();
  }
});

test('fire-and-forget calls copy their C strings: the caller may reuse its buffer at once', async () => {
  for (const blocking of [false, true]) {
    const got = [];
    const cb = new JSCallback((text, i) => void (got[i] = text), { args: ['cstring', 'i32'], returns: 'void', threadsafe: true, blocking });
    assert.equal(s.cb_strings_start(cb, 500), 0);
    await until(() => got.length === 500 && !got.includes(undefined));
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => `item ${i}`));
    cb.close();
  }
});

test('threadsafe: a thread calls back after the starting call returned; the test awaits it', async () => {
  for (let round = 0; round < 20; round++) {
    let cb;
    const value = await new Promise((resolve, reject) => {
      cb = new JSCallback((x) => (resolve(x), x * 2), { ...I32, threadsafe: true });
      if (s.cb_later(cb, 21 + round, 5) !== 0) reject(new Error('thread did not start'));
    });
    assert.equal(value, 21 + round);
    await until(() => s.cb_later_state() === 2);
    assert.equal(s.cb_later_result(), 2 * (21 + round));
    cb.close();
  }
});

test('threadsafe callbacks from the thread pool: async calls that call back do not deadlock', async () => {
  const cb = new JSCallback((x) => x + 1, { ...I32, threadsafe: true });
  const results = await Promise.all(Array.from({ length: 8 }, () => s.cb_call_n.async(cb, 500)));
  assert.deepEqual(results, Array(8).fill((499 * 500) / 2 + 500));
  cb.close();
});

test('ref()/unref() count like Deno; only threadsafe callbacks keep the process alive', async () => {
  const ts = new JSCallback(() => 0, { ...I32, threadsafe: true });
  assert.equal(ts.ref(), 2);
  assert.equal(ts.unref(), 1);
  assert.equal(ts.unref(), 0);
  assert.equal(ts.unref(), 0);
  assert.equal(ts.ref(), 1);
  ts.close();
  assert.equal(ts.ref(), 0);
  const plain = new JSCallback(() => 0, I32);
  assert.equal(plain.ref(), 0);
  plain.close();

  /** A process that makes such a callback and does nothing else; `exited` settles when it exits. */
  const start = (threadsafe, after = '') => {
    const code = `const { JSCallback } = require('arkffi');
      const cb = new JSCallback(() => 0, { args: ['i32'], returns: 'i32', threadsafe: ${threadsafe} });
      ${after}`;
    const child = spawn(process.execPath, ['-e', code], { cwd: root, stdio: 'ignore' });
    return { child, exited: new Promise((resolve) => child.on('exit', resolve)) };
  };
  const referenced = start(true);
  const unreferenced = start(true, 'cb.unref();');
  const notThreadsafe = start(false);
  // The two that nothing keeps alive exit however slow the machine is; the referenced one, started
  // with them, is still running well after they are gone.
  await Promise.all([unreferenced.exited, notThreadsafe.exited]);
  const stillRunning = await Promise.race([
    referenced.exited.then(() => false),
    new Promise((resolve) => setTimeout(() => resolve(true), 1000)),
  ]);
  referenced.child.kill();
  assert.equal(stillRunning, true);
});

test('the raw bridge: createCallback, invokeCallback, getCallbackPtr, getCallbackThreadsafe, destroyCallback', () => {
  const h = ffi.createCallback((x) => (typeof x === 'string' ? `${x}!` : x * 2), 'i', 'i');
  assert.ok(h > 0);
  assert.equal(ffi.getCallbackThreadsafe(h), false);
  const p = ffi.getCallbackPtr(h);
  assert.ok(p > 65536);
  assert.equal(s.cb_call_i32(p, 21), 42);
  assert.equal(ffi.invokeCallback(h, 'unchanged'), 'unchanged!');
  assert.equal(ffi.invokeCallback(h, 4), 8);
  ffi.destroyCallback(h);
  ffi.destroyCallback(h);
  assert.equal(ffi.getCallbackPtr(h), 0);
  assert.equal(ffi.getCallbackThreadsafe(h), false);
  assert.throws(() => ffi.invokeCallback(h, 1), { code: 'ERR_ARKFFI_CLOSED', message: 'invalid or closed callback handle' });
  assert.throws(() => ffi.createCallback(42, 'i', 'i'), {
    code: 'ERR_ARKFFI_INVALID_ARG_TYPE',
    message: 'JSCallback: the first argument must be the function to call, got the number 42',
  });

  const t = ffi.createCallback((a, b) => a + b, ['i32', 'i32'], 'i32', true);
  assert.equal(ffi.getCallbackThreadsafe(t), true);
  assert.equal(CFunction({ ptr: ffi.getCallbackPtr(t), args: ['i32', 'i32'], returns: 'i32' })(2, 3), 5);
  ffi.destroyCallback(t);
});

test('bad definitions throw at construction', () => {
  throwsCode(assert, () => new JSCallback(42, I32), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => new JSCallback(() => 0), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => new JSCallback(() => 0, { args: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => new JSCallback(() => 0, { args: ['nope'] }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  throwsCode(assert, () => new JSCallback(() => 0, { args: ['void'] }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => new JSCallback(() => 0, { ...I32, threadsafe: true, blocking: false }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => new JSCallback(() => 0, { returns: 'void', blocking: false }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => new JSCallback(() => 0, { ...I32, onError: 1 }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
});

test('workers: threadsafe callbacks in a worker; terminating it releases a waiting C thread', async () => {
  const body = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { dlopen, JSCallback } = require('arkffi');
    const lib = dlopen(workerData.testlib, {
      cb_threads_start: { args: ['ptr', 'i32', 'i32', 'ptr'], returns: 'i32' },
      cb_later: { args: ['ptr', 'i32', 'i32'], returns: 'i32' },
    });
    if (workerData.mode === 'sum') {
      const cb = new JSCallback((x) => x + workerData.id, { args: ['i32'], returns: 'i32', threadsafe: true });
      const done = new JSCallback((total) => {
        cb.close();
        done.close();
        parentPort.postMessage(total);
      }, { args: ['i64'], returns: 'void', threadsafe: true });
      lib.symbols.cb_threads_start(cb, 4, 500, done);
    } else {
      const cb = new JSCallback((x) => x, { args: ['i32'], returns: 'i32', threadsafe: true });
      lib.symbols.cb_later(cb, 7, 20);
      parentPort.postMessage('busy');
      for (;;); // never returns to the event loop: the call from C stays queued
    }`;
  const sums = await Promise.all([1, 2, 3].map((id) => new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: { testlib, id, mode: 'sum' } });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  const n = 4 * 500;
  assert.deepEqual(sums, [1, 2, 3].map((id) => (n * (n - 1)) / 2 + n * id));

  const w = new Worker(body, { eval: true, workerData: { testlib, mode: 'busy' } });
  await new Promise((resolve) => w.once('message', resolve));
  await sleep(100);
  assert.equal(s.cb_later_state(), 1); // the C thread is waiting for the busy worker
  await w.terminate();
  await until(() => s.cb_later_state() === 2);
  assert.equal(s.cb_later_result(), 0);
});

test('docs/threads.md: every example prints what its comments say', () => {
  const guide = readFileSync(join(root, 'docs', 'threads.md'), 'utf8');
  const blocks = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 3);
  const dir = join(root, 'build', 'docs-threads');
  mkdirSync(dir, { recursive: true });
  blocks.forEach((code, i) => {
    const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]);
    const file = join(dir, `example${i + 1}.mjs`);
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(out, expected, `example ${i + 1}`);
  });
});
