// Transient callbacks (lib/transient.ts): a plain JS function passed for a callback() parameter,
// for one call: results, exceptions, nesting and re-entrancy, a pointer C kept and calls later,
// threads, .async calls, both call paths, flat memory over a million calls, libc's qsort and
// bsearch, and a JSCallback as a function-pointer struct field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { callback, CFunction, dlopen, JSCallback, read, Struct } from 'arkffi';
import { root, testlib, throwsCode } from './helpers.mjs';

const intFn = callback({ args: ['i32'], returns: 'i32' });
const lib = dlopen(testlib, {
  tr_apply: { args: [intFn, 'i32'], returns: 'i32' },
  tr_apply_twice: { args: [intFn, 'i32'], returns: 'i32' },
  tr_compose: { args: [intFn, intFn, 'i32'], returns: 'i32' },
  tr_for_each: { args: ['ptr', 'i32', callback({ args: ['i32'] })], returns: 'void' },
  tr_keep: { args: [intFn], returns: 'void' },
  tr_call_kept: { args: ['i32'], returns: 'i32' },
  tr_call_kept_during: { args: [callback({ args: ['i32'], returns: 'i32' }), 'i32'], returns: 'i32' },
  tr_apply_on_thread: { args: [intFn, 'i32'], returns: 'i32' },
  tr_run_ops: { args: ['ptr'], returns: 'i32' },
}).symbols;

/** Runs `fn` with JSCallback.onError collecting what it receives; returns [result, errors]. */
function withHook(fn) {
  const errors = [];
  JSCallback.onError = (err) => void errors.push(err);
  try {
    return [fn(), errors];
  } finally {
    JSCallback.onError = null;
  }
}

test('a plain function runs for the call: results, a void visitor, two callbacks in one call', () => {
  assert.equal(lib.tr_apply((x) => x * 2, 21), 42);
  const seen = [];
  lib.tr_for_each(Int32Array.of(3, 1, 4), 3, (v) => void seen.push(v));
  assert.deepEqual(seen, [3, 1, 4]);
  // Each position has its own pointer: f and g are told apart.
  assert.equal(
    lib.tr_compose((x) => x + 1, (x) => x * 10, 4),
    41,
  );
});

test('a JSCallback, a CFunction or an address is passed as it is', () => {
  const cb = new JSCallback((x) => x - 1, { args: ['i32'], returns: 'i32' });
  try {
    assert.equal(lib.tr_apply(cb, 10), 9);
    assert.equal(lib.tr_apply(cb.ptr, 10), 9);
    assert.equal(lib.tr_apply(CFunction({ ptr: cb.ptr, args: ['i32'], returns: 'i32' }), 10), 9);
    throwsCode(assert, () => lib.tr_apply('x => x', 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  } finally {
    cb.close();
  }
  throwsCode(assert, () => lib.tr_apply(cb, 1), Error, 'ERR_ARKFFI_CLOSED');
});

test('an exception thrown by the function leaves the call, and the next call works', () => {
  const boom = new RangeError('boom');
  let calls = 0;
  assert.throws(
    () =>
      lib.tr_apply_twice(() => {
        calls++;
        throw boom;
      }, 1),
    (err) => err === boom,
  );
  assert.equal(calls, 1, 'after the error, the second call in C ran no JS');
  const bad = throwsCode(assert, () => lib.tr_apply(() => 'text', 1), TypeError, 'ERR_ARKFFI_INVALID_RETURN');
  assert.match(bad.message, /tr_apply\(\) argument 1\(i32\) -> i32/);
  assert.equal(lib.tr_apply((x) => x + 1, 1), 2);
});

test('nested and re-entrant calls each reach their own function', () => {
  // f calls tr_apply_twice again with a function of its own, while the outer call is running.
  const outer = (x) => lib.tr_apply_twice((y) => y + 1, x) * 10;
  assert.equal(lib.tr_apply_twice(outer, 1), ((1 + 2) * 10 + 2) * 10);
  const depth = (n) => (n === 0 ? 0 : lib.tr_apply((x) => depth(x - 1) + 1, n));
  // 100 deep: each level is a C call and a callback on the JS stack (JSCallback reaches as deep).
  assert.equal(depth(100), 100);
  assert.equal(
    lib.tr_compose((x) => lib.tr_compose((a) => a * 2, (b) => b + 3, x), (x) => x - 1, 5),
    14,
  );
});

test('a pointer C kept and calls after the call runs nothing, returns 0 and reports ERR_ARKFFI_CLOSED', () => {
  let ran = 0;
  lib.tr_keep((x) => (ran++, x));
  // No call that takes a pointer waits for it: the error goes to the hooks.
  const [result, errors] = withHook(() => lib.tr_call_kept(5));
  assert.equal(result, 0);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'ERR_ARKFFI_CLOSED');
  assert.match(errors[0].message, /^tr_keep\(\) argument 1: C called the function passed there after that call returned/);
  // Called during a call that takes a (different) callback: that call throws it.
  const err = throwsCode(assert, () => lib.tr_call_kept_during((x) => x, 5), Error, 'ERR_ARKFFI_CLOSED');
  assert.match(err.message, /^tr_keep\(\) argument 1/);
  assert.equal(ran, 0);
  // During a later call that passed a function for the same parameter, the pointer is that
  // call's (documented: the calls share it).
  const same = dlopen(testlib, { tr_call_kept_during: { args: [intFn, 'i32'], returns: 'i32' } }).symbols;
  assert.equal(same.tr_call_kept_during((x) => x * 100, 5), 500);
  assert.equal(ran, 0);
});

test('threads: a synchronous call refuses calls from another thread, .async calls take them', async () => {
  // During a synchronous call the JS thread is blocked in it: a call from another thread gets 0
  // and a warning on stderr (the children below check both). An .async call leaves it free.
  let ran = 0;
  assert.equal(await lib.tr_apply_on_thread.async((x) => (ran++, x * 3), 7), 21);
  assert.equal(await lib.tr_apply.async((x) => (ran++, x + 1), 1), 2);
  assert.equal(ran, 2);
  // Calls in flight at once each have their own pointer, and get their own function.
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => lib.tr_apply_on_thread.async((x) => x + i, 100)),
  );
  assert.deepEqual(results, Array.from({ length: 8 }, (_, i) => 100 + i));
  const boom = new Error('async boom');
  await assert.rejects(
    lib.tr_apply.async(() => {
      throw boom;
    }, 1),
    (err) => err === boom,
  );
  // From a thread C started, no call waits for it: the hooks get it.
  const seen = [];
  JSCallback.onError = (err) => void seen.push(err);
  try {
    const result = await lib.tr_apply_on_thread.async(() => {
      throw boom;
    }, 1);
    assert.equal(result, 0);
  } finally {
    JSCallback.onError = null;
  }
  assert.deepEqual(seen, [boom]);
});

test('.async calls reuse their pool: memory stays flat over many calls', async () => {
  const round = async (n) => {
    for (let i = 0; i < n; i += 4)
      await Promise.all([0, 1, 2, 3].map((k) => lib.tr_apply.async((x) => x + k, i)));
  };
  await round(2000);
  const before = process.memoryUsage().rss;
  await round(20000);
  const grown = (process.memoryUsage().rss - before) / 2 ** 20;
  assert.ok(grown < 20, `rss grew by ${grown.toFixed(1)} MB over 20000 .async calls`);
});

test('1,000,000 calls with a new function each leave memory flat', () => {
  const calls = 1_000_000;
  let sum = 0;
  for (let i = 0; i < 50_000; i++) sum += lib.tr_apply((x) => x + i, 1);
  const before = process.memoryUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) sum += lib.tr_apply((x) => x + i, 1);
  const ms = performance.now() - start;
  const after = process.memoryUsage();
  const rss = (after.rss - before.rss) / 2 ** 20;
  const external = (after.external - before.external) / 2 ** 20;
  assert.ok(sum > 0);
  assert.ok(rss < 20, `rss grew by ${rss.toFixed(1)} MB`);
  assert.ok(external < 20, `external memory grew by ${external.toFixed(1)} MB`);
  console.log(`# ${calls} transient calls: ${((ms * 1e6) / calls).toFixed(0)} ns each, rss ${rss.toFixed(1)} MB`);
});

test("libc's qsort and bsearch with plain JS comparators", () => {
  const compare = callback({ args: ['ptr', 'ptr'], returns: 'i32' });
  const libc = dlopen('libc.so.6', {
    qsort: { args: ['ptr', 'usize', 'usize', compare], returns: 'void' },
    bsearch: { args: ['ptr', 'ptr', 'usize', 'usize', compare], returns: 'ptr' },
  }).symbols;
  const numbers = Int32Array.from({ length: 100 }, (_, i) => (i * 37) % 101);
  libc.qsort(numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b));
  assert.deepEqual([...numbers], [...numbers].sort((a, b) => a - b));
  const key = Int32Array.of(numbers[42]);
  const found = libc.bsearch(key, numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b));
  assert.equal(read.i32(found), numbers[42]);
  assert.equal(libc.bsearch(Int32Array.of(-5), numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b)), 0);
});

test('a function-pointer struct field takes a JSCallback or a CFunction, not a plain function', () => {
  const Ops = Struct({ op: 'ptr', x: 'i32' });
  const triple = new JSCallback((x) => x * 3, { args: ['i32'], returns: 'i32' });
  try {
    assert.equal(lib.tr_run_ops(Ops.create({ op: triple, x: 7 })), 21);
    const fn = CFunction({ ptr: triple.ptr, args: ['i32'], returns: 'i32' });
    assert.equal(lib.tr_run_ops(Ops.create({ op: fn, x: 2 })), 6);
    assert.equal(Ops.fromPtr(Ops.create({ op: triple, x: 0 })).op, triple.ptr);
    // A struct outlives any one call: a plain function needs a JSCallback.
    throwsCode(assert, () => Ops.create({ op: (x) => x, x: 1 }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  } finally {
    triple.close();
  }
});

test('callback() definitions: only args and returns, of known types', () => {
  throwsCode(assert, () => callback('i32'), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => callback({ args: ['i32'], threadsafe: true }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => callback({ args: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => callback({ args: ['int42'] }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  const getter = {
    get returns() {
      throw new Error('ran');
    },
  };
  throwsCode(assert, () => callback(getter), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  assert.deepEqual(callback({ args: ['ptr'], returns: 'i32' }).signature, { args: ['ptr'], returns: 'i32' });
});

// Both call paths, in children: the same calls, and the warning of a synchronous call whose C
// calls back from another thread.
const child = `
  import { callback, dlopen, JSCallback } from 'arkffi';
  const intFn = callback({ args: ['i32'], returns: 'i32' });
  const lib = dlopen(${JSON.stringify(testlib)}, {
    tr_apply: { args: [intFn, 'i32'], returns: 'i32' },
    tr_apply_twice: { args: [intFn, 'i32'], returns: 'i32' },
    tr_keep: { args: [intFn], returns: 'void' },
    tr_call_kept: { args: ['i32'], returns: 'i32' },
    tr_apply_on_thread: { args: [intFn, 'i32'], returns: 'i32' },
  }).symbols;
  const out = [lib.tr_apply((x) => x * 2, 21), lib.tr_apply_twice((x) => lib.tr_apply((y) => y + 1, x), 1)];
  try { lib.tr_apply(() => { throw new Error('thrown'); }, 1); } catch (err) { out.push(err.message); }
  lib.tr_keep((x) => x);
  JSCallback.onError = (err) => out.push(err.code);
  out.push(lib.tr_call_kept(3));
  let ran = false;
  out.push(lib.tr_apply_on_thread(() => (ran = true, 1), 1), ran);
  console.log(out.join(' '));
`;

for (const general of ['0', '1']) {
  test(`both call paths: ARKFFI_GENERAL_PATH=${general}`, () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20000,
      env: { ...process.env, ARKFFI_GENERAL_PATH: general },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '42 3 thrown ERR_ARKFFI_CLOSED 0 0 false\n');
    assert.match(run.stderr, /a JSCallback that is not threadsafe was called from another/);
  });
}
