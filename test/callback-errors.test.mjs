// Where a callback's exception goes, and exits that never hang (docs/threads.md, "Errors"):
// rethrown from the call from JS that C runs the callback in, on either path and for either kind
// of callback code (trampoline, libffi closure); rejecting the `.async` call whose thread waits;
// to the hooks where nothing waits. process.exit() and uncaught errors while C threads call
// threadsafe callbacks, and lib.close() inside a callback, run in child processes with timeouts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dlopen, JSCallback, read } from 'arkffi';
import { root, slowdown, testlib } from './helpers.mjs';

const lib = dlopen(testlib, {
  cb_call_i32: { args: ['ptr', 'i32'], returns: 'i32' },
  cb_visit: { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
  cb_visit_wide: { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
  cb_visit_f64: { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
  cb_visit_triple: { args: ['ptr', 'i32', 'ptr'], returns: 'i64' },
  cb_ret_void: { args: ['ptr'], returns: 'void' },
  cb_ret_i64: { args: ['ptr'], returns: 'i64' },
  cb_store: { args: ['ptr'], returns: 'void' },
  cb_call_stored: { args: ['i32'], returns: 'i32' },
  cb_threads_join: { args: ['ptr', 'i32', 'i32'], returns: 'i64' },
});
const s = lib.symbols;
const libc = dlopen('libc.so.6', { qsort: { args: ['ptr', 'usize', 'usize', 'ptr'], returns: 'void' } });
const I32 = { args: ['i32'], returns: 'i32' };

/** Collects what the global hook receives during fn. */
async function withHook(fn) {
  const seen = [];
  JSCallback.onError = (err) => seen.push(err);
  try {
    await fn();
  } finally {
    JSCallback.onError = null;
  }
  return seen;
}

/** Runs `code` (ES module) in a child process; a hang shows as a null status (killed). */
function runChild(code, timeout = 20000) {
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout });
  return { ...child, ms: Date.now() - started };
}

/** A visitor whose callback throws at call `at` of `n`, with what C received at each call. */
function throwAt(visit, make, n, at, kind = Int32Array) {
  const boom = new Error(`thrown at ${at}`);
  const ran = [];
  const cb = make((x) => {
    ran.push(x);
    if (x === at) throw boom;
    return x + 100;
  });
  const out = new kind(n).fill(-1);
  let caught;
  try {
    visit(cb, n, out);
  } catch (err) {
    caught = err;
  }
  cb.close();
  return { boom, caught, ran, out: [...out] };
}

test('a callback that throws inside a call from JS: the call rethrows the same error object when C returns', async () => {
  const seen = await withHook(() => {
    // A trampoline (fast path) or a libffi closure (general path, and wide signatures always).
    const makes = {
      cb_visit: (f) => new JSCallback(f, I32),
      cb_visit_wide: (f) => new JSCallback(f, { args: Array(8).fill('i32'), returns: 'i32' }),
      cb_visit_f64: (f) => new JSCallback(f, { args: ['f64'], returns: 'f64' }),
    };
    for (const [name, make] of Object.entries(makes)) {
      const { boom, caught, ran, out } = throwAt(s[name], make, 6, 2, name === 'cb_visit_f64' ? Float64Array : Int32Array);
      assert.equal(caught, boom, name);
      // C got the zero value for the throwing call and every later one, which ran no JS.
      assert.deepEqual(ran, [0, 1, 2], name);
      assert.deepEqual(out, [100, 101, 0, 0, 0, 0], name);
    }
  });
  assert.deepEqual(seen, []); // a waiting call took every error: the hooks saw none

  // Struct results (a closure whose result C receives in memory) get zeroed bytes.
  const sums = new BigInt64Array(3).fill(-1n);
  let n = 0;
  const triple = new JSCallback(() => {
    if (++n === 2) throw new RangeError('no triple');
    return new BigInt64Array([1n, 2n, 3n]);
  }, { returns: ['i64', 'i64', 'i64'] });
  assert.throws(() => s.cb_visit_triple(triple, 3, sums), { name: 'RangeError', message: 'no triple' });
  assert.deepEqual([...sums], [6n, 0n, 0n]);
  assert.equal(n, 2);
  triple.close();

  // void callbacks, and results that would be BigInts.
  const v = new JSCallback(() => {
    throw new Error('void');
  }, { returns: 'void' });
  assert.throws(() => s.cb_ret_void(v), { message: 'void' });
  const big = new JSCallback(() => {
    throw new Error('i64');
  }, { returns: 'i64' });
  assert.throws(() => s.cb_ret_i64(big), { message: 'i64' });
  v.close();
  big.close();
});

test('any thrown value is rethrown as it is, and the callback works again in the next call', () => {
  for (const value of [42, 'text', null, undefined, Symbol.for('x'), { plain: true }]) {
    const cb = new JSCallback(() => {
      throw value;
    }, I32);
    let caught = 'nothing';
    try {
      s.cb_call_i32(cb, 1);
    } catch (err) {
      caught = err;
    }
    assert.equal(caught, value);
    cb.close();
  }
  let fail = true;
  const cb = new JSCallback((x) => {
    if (fail) throw new Error('once');
    return x * 2;
  }, I32);
  assert.throws(() => s.cb_call_i32(cb, 4), { message: 'once' });
  fail = false;
  assert.equal(s.cb_call_i32(cb, 4), 8);
  cb.close();
});

test('qsort: a comparator that throws is caught by the caller; the array stays a permutation', () => {
  const values = Int32Array.from({ length: 64 }, (_, i) => (i * 37) % 64);
  let calls = 0;
  const cmp = new JSCallback((a, b) => {
    if (++calls === 10) throw new TypeError('cannot compare');
    return read.i32(a) - read.i32(b);
  }, { args: ['ptr', 'ptr'], returns: 'i32' });
  assert.throws(() => libc.symbols.qsort(values, values.length, 4, cmp), { name: 'TypeError', message: 'cannot compare' });
  assert.equal(calls, 10); // no JS ran for the rest of the sort
  assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 64 }, (_, i) => i));
  cmp.close();
});

test('nested calls: each error reaches the call that waits for the callback that threw', () => {
  const inner = new JSCallback((x) => {
    throw new TypeError(`inner ${x}`);
  }, I32);
  // The outer callback catches what the nested call rethrows, and answers C itself.
  const catching = new JSCallback((x) => {
    try {
      s.cb_call_i32(inner, x);
    } catch (err) {
      return err.message.length;
    }
    return -1;
  }, I32);
  assert.equal(s.cb_call_i32(catching, 7), 'inner 7'.length);
  // Not caught: it leaves the outer callback, and the outer call rethrows it.
  const passing = new JSCallback((x) => s.cb_call_i32(inner, x), I32);
  assert.throws(() => s.cb_call_i32(passing, 5), { name: 'TypeError', message: 'inner 5' });
  // After a caught nested error, the outer call's later callbacks run JS as usual.
  const out = new Int32Array(3);
  let n = 0;
  const mixed = new JSCallback((x) => {
    n++;
    try {
      s.cb_call_i32(inner, x);
    } catch {
      return x + 10;
    }
    return -1;
  }, I32);
  assert.equal(s.cb_visit(mixed, 3, out), 3);
  assert.deepEqual([...out], [10, 11, 12]);
  assert.equal(n, 3);
  for (const cb of [inner, catching, passing, mixed]) cb.close();
});

test('a bad result is rethrown too, naming the callback, its signature, the expected type and the value', () => {
  const cb = new JSCallback(function score(x) {
    return x === 1 ? 'high' : x;
  }, I32);
  const out = new Int32Array(3);
  assert.throws(() => s.cb_visit(cb, 3, out), {
    name: 'TypeError',
    code: 'ERR_ARKFFI_INVALID_RETURN',
    message: 'JSCallback score(i32) -> i32: the result must be an integer in [-2147483648, 2147483647], got the string "high"',
  });
  assert.deepEqual([...out], [0, 0, 0]);
  cb.close();
});

test('where no call waits (a pointer C kept, called by a function taking none), the hooks get the error', async () => {
  const boom = new Error('late');
  const cb = new JSCallback(() => {
    throw boom;
  }, I32);
  s.cb_store(cb);
  const seen = await withHook(() => assert.equal(s.cb_call_stored(1), 0));
  assert.deepEqual(seen, [boom]);
  // A callback that runs inside such a call, itself inside a waiting call, is not straight
  // under the waiting call: its error goes to the hooks, and the outer call goes on.
  const outer = new JSCallback((x) => s.cb_call_stored(x) + 5, I32);
  const nested = await withHook(() => assert.equal(s.cb_call_i32(outer, 1), 5));
  assert.deepEqual(nested, [boom]);
  cb.close();
  outer.close();
});

test('.async: a threadsafe callback that throws on the call\'s thread rejects that call with the error', async () => {
  const boom = new Error('from the pool');
  let ran = 0;
  const cb = new JSCallback((x) => {
    ran++;
    if (x === 3) throw boom;
    return 1;
  }, { ...I32, threadsafe: true });
  const out = new Int32Array(8).fill(-1);
  const seen = await withHook(async () => {
    await assert.rejects(s.cb_visit.async(cb, 8, out), (err) => err === boom);
  });
  assert.deepEqual(seen, []);
  assert.equal(ran, 4); // later calls of the same .async call got 0 without running JS
  assert.deepEqual([...out], [1, 1, 1, 0, 0, 0, 0, 0]);
  // The callback is fine for the next call.
  assert.equal(await s.cb_visit.async(cb, 2, null), 2);
  // Threads that C starts are foreign threads: their errors go to the hooks.
  const thread = new JSCallback((x) => {
    if (x === 0) throw new Error('foreign');
    return 1;
  }, { ...I32, threadsafe: true });
  const foreign = await withHook(async () => assert.equal(await s.cb_threads_join.async(thread, 2, 3), 5));
  assert.deepEqual(foreign.map((e) => e.message), ['foreign']);
  cb.close();
  thread.close();
});

const exitScript = (action, extra = '') => `
  import { dlopen, JSCallback } from 'arkffi';
  const lib = dlopen(${JSON.stringify(testlib)}, {
    cb_visit: { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
    cb_threads_join: { args: ['ptr', 'i32', 'i32'], returns: 'i64' },
  });
  let n = 0;
  const cb = new JSCallback((x) => {
    if (++n === 50 && ${JSON.stringify(action)} === 'exit in callback') process.exit(0);
    return 1;
  }, { args: ['i32'], returns: 'i32', threadsafe: true });
  ${extra}
  // Pool threads and threads C starts, each making far more calls than the test waits for.
  lib.symbols.cb_visit.async(cb, 1e6, null).then((r) => console.log('pool done', r));
  lib.symbols.cb_threads_join.async(cb, 3, 1e5).then((r) => console.log('threads done', r));
  setTimeout(() => {
    if (${JSON.stringify(action)} === 'exit') process.exit(0);
    if (${JSON.stringify(action)} === 'throw') throw new Error('uncaught while C waits');
    if (${JSON.stringify(action)} === 'exitCode') { process.exitCode = 3; process.exit(); }
  }, 100);
`;

test('process.exit() or an uncaught error while C threads wait for threadsafe callbacks: the process exits', () => {
  for (const [action, status] of [['exit', 0], ['exit in callback', 0], ['throw', 1], ['exitCode', 3]]) {
    const child = runChild(exitScript(action));
    assert.equal(child.signal, null, `${action}: hung (killed after ${child.ms} ms)`);
    assert.equal(child.status, status, `${action}: ${child.stderr}`);
    assert.ok(child.ms < 15000, `${action}: took ${child.ms} ms`);
    assert.doesNotMatch(child.stdout, /done/); // the calls were still running
    if (action === 'throw') assert.match(child.stderr, /uncaught while C waits/);
  }
  // An 'exit' listener of the program's own still runs, and may still call callbacks itself.
  const own = runChild(exitScript('exit', `process.on('exit', () => console.log('own listener ' + cb.call(1)));`));
  assert.equal(own.signal, null, 'hung');
  assert.equal(own.status, 0, own.stderr);
  assert.equal(own.stdout, 'own listener 1\n');
});

test('lib.close() inside a callback a function of that library runs: C returns normally, the library is unloaded after', () => {
  for (const general of [false, true]) {
    const copy = join(tmpdir(), `arkffi-close-${process.pid}-${general}.so`);
    copyFileSync(testlib, copy); // its own file: no other handle keeps it loaded
    try {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
        import { readFileSync } from 'node:fs';
        import { dlopen, JSCallback } from 'arkffi';
        const lib = dlopen(${JSON.stringify(copy)}, {
          cb_visit: { args: ['ptr', 'i32', 'ptr'], returns: 'i32' },
          cb_call_i32: { args: ['ptr', 'i32'], returns: 'i32' },
        });
        const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(copy)});
        const out = new Int32Array(4);
        const cb = new JSCallback((x) => {
          if (x === 1) lib.close();
          return x * 10;
        }, { args: ['i32'], returns: 'i32' });
        console.log('visited ' + lib.symbols.cb_visit(cb, 4, out) + ' ' + out.join(','));
        try { lib.symbols.cb_call_i32(cb, 1); } catch (err) { console.log(err.code); }
        console.log('mapped ' + mapped());
        // The unload waits for the event loop, which may run a timer first: poll until a deadline.
        const deadline = Date.now() + ${10_000 * slowdown};
        const later = () => mapped() && Date.now() < deadline ? setTimeout(later, 10) : console.log('mapped later ' + mapped());
        later();
      `], { cwd: root, encoding: 'utf8', timeout: 20000 * slowdown, env: { ...process.env, ARKFFI_GENERAL_PATH: general ? '1' : '0' } });
      assert.equal(child.signal, null, child.stderr);
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout, 'visited 4 0,10,20,30\nERR_ARKFFI_CLOSED\nmapped true\nmapped later false\n');
    } finally {
      rmSync(copy, { force: true });
    }
  }
});

test('JSCallback definitions: each error names what is wrong and the value received', () => {
  const cases = [
    [() => new JSCallback(42, I32), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', 'JSCallback: the first argument must be the function to call, got the number 42'],
    [() => new JSCallback(() => 0, 'i32'), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', 'JSCallback: the second argument must be a definition like { args: [...], returns: ... }, got the string "i32"'],
    [() => new JSCallback(() => 0, { args: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', 'JSCallback: args must be an array of types, got the string "i32"'],
    [() => new JSCallback(() => 0, { onError: 1 }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', 'JSCallback: onError must be a function, got the number 1'],
    [() => new JSCallback(() => 0, { threadsafe: 'yes' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', 'JSCallback: threadsafe must be a boolean, got the string "yes"'],
    [() => new JSCallback(() => 0, { ...I32, threadsafe: true, blocking: false }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION',
      'JSCallback: blocking: false is for threadsafe callbacks returning void (a caller that does not wait gets no result), got threadsafe: true and returns: i32'],
    [() => new JSCallback(() => 0, { args: ['void'] }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', 'JSCallback: argument 1 must be a value type, got void (only returns may be void)'],
    [() => new JSCallback(() => 0, { args: Array(2000).fill('i32') }), RangeError, 'ERR_ARKFFI_TOO_MANY_ARGS', 'JSCallback: args may list at most 1021 types, got 2000'],
  ];
  for (const [fn, Class, code, message] of cases) assert.throws(fn, (err) => err instanceof Class && err.code === code && err.message === message, message);
});
