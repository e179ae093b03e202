// Argument checks that no JS value can subvert: no user code (Proxy traps, getters, toJSON) runs
// inside a call's checks or a definition, closed and detached things are refused with a code,
// a C string parameter takes only strings and NUL-terminated buffers, and errors say what was
// wrong. The reproductions that crashed or corrupted memory run in child processes, once on each
// path (fast, and general with ARKFFI_GENERAL_PATH=1), so a crash fails the test instead of
// ending the run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CFunction, CString, dlopen, ffi, JSCallback, linkSymbols, ptr, Struct } from 'arkffi';
import { root, testlib, throwsCode } from './helpers.mjs';

const seven = ['ptr', 'i32', 'usize', 'i32', 'i32', 'i32', 'i32'];
const defs = {
  fill7: { args: seven, returns: 'void' },
  echo7_n: { args: seven, returns: 'usize' },
  fill3: { args: ['ptr', 'i32', 'usize'], returns: 'void' },
  echo3_n: { args: ['ptr', 'i32', 'usize'], returns: 'usize' },
  ptr_value: { args: ['ptr'], returns: 'usize' },
  apply_unary: { args: ['ptr', 'i32'], returns: 'i32' },
  vstrlen: { args: ['i32'], returns: 'usize', variadic: true },
  sum_variadic: { args: ['i32'], returns: 'f64', variadic: true },
  str_len: { args: ['cstring'], returns: 'usize' },
  echo_i64: { args: ['i64'], returns: 'i64' },
  echo_u64: { args: ['u64'], returns: 'u64' },
  echo_ptr: { args: ['ptr'], returns: 'ptr' },
};
const lib = dlopen(testlib, defs);
const s = lib.symbols;

/**
 * Runs `body` (CommonJS, with `s` the test library's symbols) in a child process on each path and
 * returns the JSON each printed last. A crash, a hang or an exception fails the test.
 */
function inChild(body) {
  const code = `
    const arkffi = require('./dist/index.js');
    const { dlopen, JSCallback, ptr } = arkffi;
    const s = dlopen(${JSON.stringify(testlib)}, ${JSON.stringify(defs)}).symbols;
    const codeOf = (f) => { try { f(); return 'no error'; } catch (e) { return e.code ?? String(e); } };
    ${body}`;
  return [{}, { ARKFFI_GENERAL_PATH: '1' }].map((extra) => {
    const child = spawnSync(process.execPath, ['-e', code], {
      cwd: root, encoding: 'utf8', timeout: 30000, env: { ...process.env, ...extra },
    });
    const where = extra.ARKFFI_GENERAL_PATH ? 'general path' : 'fast path';
    assert.equal(child.signal, null, `${where}: killed by ${child.signal}\n${child.stderr}`);
    assert.equal(child.status, 0, `${where}: exit ${child.status}\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').at(-1));
  });
}

/** Every Proxy trap, each recording its name in `log` before doing the default. */
function recordingTraps(log) {
  const names = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set', 'apply'];
  return Object.fromEntries(names.map((n) => [n, (...a) => (log.push(n), Reflect[n](...a))]));
}

test("a Proxy's getPrototypeOf trap cannot make a nested call overwrite the outer call's slots (7 arguments)", () => {
  // On the old main the nested echo7_n left 2**26 in the size slot: C wrote 64 MiB into 8 bytes.
  for (const result of inChild(`
    let trapped = 0;
    const proxy = new Proxy({ length: 8 }, { getPrototypeOf() {
      trapped++; s.echo7_n(null, 0, 2 ** 26, 0, 0, 0, 0); return SharedArrayBuffer.prototype; } });
    const code = codeOf(() => s.fill7(proxy, 0, 8, 0, 0, 0, 0));
    console.log(JSON.stringify({ trapped, code, after: s.echo7_n(null, 0, 5, 0, 0, 0, 0) }));`)) {
    assert.deepEqual(result, { trapped: 0, code: 'ERR_ARKFFI_INVALID_ARG_TYPE', after: 5 });
  }
});

test('the same nested call from a trap cannot corrupt a fast-path call (3 arguments)', () => {
  for (const result of inChild(`
    let trapped = 0;
    const proxy = new Proxy(new Uint8Array(8), { getPrototypeOf() {
      trapped++; s.echo3_n(null, 0, 2 ** 26); return Uint8Array.prototype; } });
    const code = codeOf(() => s.fill3(proxy, 0, 8));
    console.log(JSON.stringify({ trapped, code, after: s.echo3_n(null, 0, 5) }));`)) {
    assert.deepEqual(result, { trapped: 0, code: 'ERR_ARKFFI_INVALID_ARG_TYPE', after: 5 });
  }
});

test("C never receives another call's argument: a nested call from a trap or getter cannot run", () => {
  for (const result of inChild(`
    const seen = [];
    const proxy = new Proxy({}, { getPrototypeOf() { seen.push(s.echo7_n(null, 0, 123456, 0, 0, 0, 0)); return null; } });
    const code = codeOf(() => s.echo7_n(proxy, 0, 5, 0, 0, 0, 0));
    // A JSCallback subclass whose ptr getter calls C: the call reads the callback's own address.
    class Sneaky extends JSCallback { get ptr() { seen.push(s.echo3_n(null, 0, 123456)); return 0; } }
    const cb = new Sneaky((x) => x * 3, { args: ['i32'], returns: 'i32' });
    const applied = s.apply_unary(cb, 5);
    console.log(JSON.stringify({ seen, code, applied, plain: s.echo7_n(null, 0, 5, 0, 0, 0, 0) }));`)) {
    assert.deepEqual(result, { seen: [], code: 'ERR_ARKFFI_INVALID_ARG_TYPE', applied: 15, plain: 5 });
  }
});

test('a Proxy passed as a pointer runs none of its traps, and the error says it is a Proxy', () => {
  for (const target of [{}, new Uint8Array(4), new ArrayBuffer(4), () => 0]) {
    const log = [];
    const proxy = new Proxy(target, recordingTraps(log));
    const err = throwsCode(assert, () => s.echo_ptr(proxy), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
    assert.match(err.message, /^echo_ptr\(\): argument 1 \(ptr\) .*got a Proxy/);
    throwsCode(assert, () => s.echo7_n(proxy, 0, 1, 0, 0, 0, 0), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
    throwsCode(assert, () => s.str_len(proxy), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
    throwsCode(assert, () => ptr(proxy), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
    assert.deepEqual(log, []);
  }
});

test('an object with getters, or an ordinary object, is refused as a pointer without reading it', () => {
  let reads = 0;
  const sneaky = { get ptr() { reads++; return 8; }, get byteLength() { reads++; return 8; }, get constructor() { reads++; return Object; } };
  const err = throwsCode(assert, () => s.echo_ptr(sneaky), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /got an instance of Object/);
  throwsCode(assert, () => s.echo7_n(sneaky, 0, 1, 0, 0, 0, 0), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  // A function with a ptr property is not a CFunction: its getter is never read either.
  const fn = Object.defineProperty(() => 0, 'ptr', { get() { reads++; return 8; } });
  throwsCode(assert, () => s.echo_ptr(fn), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(reads, 0);
});

test('a variadic type object is never serialised or trapped: toJSON and Proxy traps do not run', () => {
  let calls = 0;
  const typeWithToJSON = { toJSON() { calls++; return 'f64'; } };
  const err = throwsCode(assert, () => s.sum_variadic(1, typeWithToJSON, 5), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(err.message, /sum_variadic: variadic argument 2: a type must be/);
  const log = [];
  throwsCode(assert, () => s.sum_variadic(1, new Proxy(['f64'], recordingTraps(log)), 5), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const getter = Object.defineProperty([], 0, { get() { calls++; return 'f64'; }, enumerable: true });
  throwsCode(assert, () => s.sum_variadic(1, getter, 5), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(calls, 0);
  assert.deepEqual(log, []);
  // Plain variadic types still work, and equal member lists share one prepared shape.
  assert.equal(s.sum_variadic(2, 'f64', 1.5, 'f64', 2), 3.5);
});

test('a definition reads member lists without running getters or traps', () => {
  let reads = 0;
  const members = Object.defineProperty(['f64'], 1, { get() { reads++; return 'f64'; }, enumerable: true });
  throwsCode(assert, () => dlopen(testlib, { complex_add: { args: [members, members], returns: ['f64', 'f64'] } }),
    TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const log = [];
  throwsCode(assert, () => dlopen(testlib, { complex_add: { args: [new Proxy(['f64', 'f64'], recordingTraps(log)), ['f64', 'f64']], returns: ['f64', 'f64'] } }),
    TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(reads, 0);
  assert.deepEqual(log, []);
});

/** An object whose `key` is an enumerable getter that counts its reads in `reads.n`. */
function withGetter(reads, key, value, base = {}) {
  return Object.defineProperty(base, key, { enumerable: true, configurable: true, get() { reads.n++; return value; } });
}

test('a Proxy as a definition, the definitions, an args list or a library path is refused and runs no trap', () => {
  const log = [];
  const spy = (target) => new Proxy(target, recordingTraps(log));
  const good = { args: ['i32', 'i32'], returns: 'i32' };
  const refusals = [
    [() => dlopen(testlib, { add_i32: spy({ ...good }) }), 'ERR_ARKFFI_INVALID_DEFINITION', /^dlopen\(\): add_i32: a definition .*got a Proxy/],
    [() => dlopen(testlib, spy({ add_i32: good })), 'ERR_ARKFFI_INVALID_DEFINITION', /^dlopen\(\): the definitions .*got a Proxy/],
    [() => dlopen(testlib, { add_i32: { args: spy(['i32', 'i32']), returns: 'i32' } }), 'ERR_ARKFFI_INVALID_DEFINITION', /^dlopen\(\): add_i32: args must be an array of types, got a Proxy/],
    [() => dlopen(spy(new String(testlib)), {}), 'ERR_ARKFFI_INVALID_ARG_TYPE', /^dlopen\(\): the library path .*got a Proxy/],
    [() => dlopen(spy(new URL(`file://${testlib}`)), {}), 'ERR_ARKFFI_INVALID_ARG_TYPE', /^dlopen\(\): the library path .*got a Proxy/],
    [() => linkSymbols(spy({})), 'ERR_ARKFFI_INVALID_DEFINITION', /^linkSymbols\(\): the definitions .*got a Proxy/],
    [() => CFunction(spy({ ...good, ptr: 8 })), 'ERR_ARKFFI_INVALID_DEFINITION', /^CFunction: a definition .*got a Proxy/],
    [() => new JSCallback(() => 0, spy({ args: [], returns: 'void' })), 'ERR_ARKFFI_INVALID_DEFINITION', /^JSCallback: the second argument .*got a Proxy/],
    [() => new JSCallback(() => 0, { args: spy(['i32']), returns: 'void' }), 'ERR_ARKFFI_INVALID_DEFINITION', /^JSCallback: args must be an array of types, got a Proxy/],
  ];
  for (const [fn, code, message] of refusals) {
    const err = throwsCode(assert, fn, TypeError, code);
    assert.match(err.message, message);
  }
  assert.deepEqual(log, []);
  // A file URL (not a Proxy) still opens, read through URL's own brand check.
  assert.equal(dlopen(new URL(`file://${testlib}`), { add_i32: good }).symbols.add_i32(2, 3), 5);
});

test('a getter in a definition is refused and never run; an inherited key is not read', () => {
  const reads = { n: 0 };
  const address = dlopen(testlib, {}).getSymbolPtr('add_i32');
  const refusals = [
    [() => dlopen(testlib, { add_i32: withGetter(reads, 'args', ['i32', 'i32'], { returns: 'i32' }) }), /^dlopen\(\): add_i32: 'args' is an accessor/],
    [() => dlopen(testlib, { add_i32: withGetter(reads, 'returns', 'i32', { args: ['i32', 'i32'] }) }), /^dlopen\(\): add_i32: 'returns' is an accessor/],
    [() => dlopen(testlib, withGetter(reads, 'add_i32', { args: ['i32', 'i32'], returns: 'i32' })), /^dlopen\(\): the definitions: 'add_i32' is an accessor/],
    [() => dlopen(testlib, { add_i32: { args: withGetter(reads, 1, 'i32', ['i32']), returns: 'i32' } }), /^dlopen\(\): add_i32: args '1' is an accessor/],
    [() => linkSymbols({ f: withGetter(reads, 'ptr', address, { args: ['i32', 'i32'], returns: 'i32' }) }), /^linkSymbols\(\): f: 'ptr' is an accessor/],
    [() => CFunction(withGetter(reads, 'ptr', address, { args: ['i32', 'i32'], returns: 'i32' })), /^CFunction: 'ptr' is an accessor/],
    [() => new JSCallback(() => 0, withGetter(reads, 'args', ['i32'])), /^JSCallback: 'args' is an accessor/],
    [() => new JSCallback(() => 0, withGetter(reads, 'onError', () => {})), /^JSCallback: 'onError' is an accessor/],
  ];
  for (const [fn, message] of refusals) {
    const err = throwsCode(assert, fn, TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
    assert.match(err.message, message);
  }
  // A definition's prototype is not consulted: inherited args and returns are absent, and the
  // getter behind them never runs (the function takes no arguments and returns void).
  const inherited = Object.create(withGetter(reads, 'args', ['i32', 'i32'], withGetter(reads, 'returns', 'i32')));
  const fn = dlopen(testlib, { add_i32: inherited }).symbols.add_i32;
  assert.equal(fn(), undefined);
  // A hole in args is a missing type, not a read of Array.prototype.
  throwsCode(assert, () => dlopen(testlib, { add_i32: { args: [, 'i32'], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(reads.n, 0);
});

test('ffi.callBySig reads its argument lists without running a trap or a getter', () => {
  const log = [];
  const reads = { n: 0 };
  const h = ffi.load(testlib);
  ffi.defineFunction(h, 'add_i32', 'ii', 'i');
  let err = throwsCode(assert, () => ffi.callBySig(h, 'add_i32', new Proxy([1, 2], recordingTraps(log)), []), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /^add_i32\(\): numArgs must be an array, got a Proxy/);
  err = throwsCode(assert, () => ffi.callBySig(h, 'add_i32', withGetter(reads, 1, 2, [1]), []), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /^add_i32\(\): numArgs '1' is an accessor/);
  assert.deepEqual(log, []);
  assert.equal(reads.n, 0);
  assert.equal(ffi.callBySig(h, 'add_i32', [1, 2], []), 3);
  ffi.close(h);
});

test('a closed JSCallback passed again throws ERR_ARKFFI_CLOSED on both paths', () => {
  for (const result of inChild(`
    const cb = new JSCallback((x) => x + 1, { args: ['i32'], returns: 'i32' });
    const before = s.apply_unary(cb, 2);
    cb.close();
    const fast = codeOf(() => s.apply_unary(cb, 2));
    const general = codeOf(() => s.fill7(cb, 0, 0, 0, 0, 0, 0));
    let message = '';
    try { s.apply_unary(cb, 2); } catch (e) { message = e.message; }
    console.log(JSON.stringify({ before, fast, general, message }));`)) {
    assert.equal(result.before, 3);
    assert.equal(result.fast, 'ERR_ARKFFI_CLOSED');
    assert.equal(result.general, 'ERR_ARKFFI_CLOSED');
    assert.match(result.message, /^apply_unary\(\): argument 1 \(ptr\) is a closed JSCallback/);
  }
});

test('a plain function where a callback is expected is refused with a hint to wrap it in JSCallback', () => {
  const err = throwsCode(assert, () => s.apply_unary((x) => x, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /^apply_unary\(\): argument 1 \(ptr\) .*got a function: .*wrap it in new JSCallback\(\.\.\.\)/);
  assert.equal(err.argIndex, 0);
  // A CFunction is a function with an address: it passes that address.
  const address = s.ptr_value(Buffer.alloc(1));
  assert.ok(address > 0);
  const inc = new JSCallback((x) => x + 1, { args: ['i32'], returns: 'i32' });
  const fn = CFunction({ args: ['i32'], returns: 'i32', ptr: inc.ptr });
  assert.equal(s.apply_unary(fn, 41), 42);
  assert.equal(s.ptr_value(fn), inc.ptr);
  inc.close();
});

test('a detached ArrayBuffer or view passed as a pointer is a TypeError with a code, on both paths and from ptr()', () => {
  for (const result of inChild(`
    const ab = new ArrayBuffer(8);
    const views = [new Uint8Array(ab), new Float64Array(ab), new DataView(ab), Buffer.from(ab)];
    structuredClone(ab, { transfer: [ab] });
    const out = {};
    for (const [i, v] of [ab, ...views].entries()) {
      out['fast' + i] = codeOf(() => s.fill3(v, 1, 8));
      out['general' + i] = codeOf(() => s.fill7(v, 1, 8, 0, 0, 0, 0));
      out['ptr' + i] = codeOf(() => ptr(v));
      out['value' + i] = codeOf(() => s.ptr_value(v));
      out['string' + i] = codeOf(() => s.str_len(v));
    }
    let message = '';
    try { s.fill3(views[0], 1, 8); } catch (e) { message = e.message + ' ' + (e instanceof TypeError); }
    // An empty buffer that is not detached is still a pointer: NULL, as before.
    out.empty = s.ptr_value(new Uint8Array(0));
    console.log(JSON.stringify({ out, message }));`)) {
    for (const [key, code] of Object.entries(result.out)) {
      if (key === 'empty') assert.equal(code, 0);
      else assert.equal(code, 'ERR_ARKFFI_DETACHED', key);
    }
    assert.match(result.message, /^fill3\(\): argument 1 \(ptr\) is a detached ArrayBuffer.* true$/);
  }
});

test('a cstring parameter refuses a plain number with a hint to declare ptr, fixed and variadic', () => {
  for (const result of inChild(`
    const messages = [];
    const codes = [];
    for (const f of [() => s.str_len(5), () => s.str_len(5n), () => s.vstrlen(1, 'cstring', 5)]) {
      try { f(); codes.push('no error'); } catch (e) { codes.push(e.code); messages.push(e.message); }
    }
    console.log(JSON.stringify({ codes, messages, ok: s.vstrlen(2, 'cstring', 'abc', 'cstring', 'de') }));`)) {
    assert.deepEqual(result.codes, Array(3).fill('ERR_ARKFFI_INVALID_ARG_TYPE'));
    assert.match(result.messages[0], /^str_len\(\): argument 1 \(cstring\) .*got the number 5: to pass an address, declare the parameter 'ptr'/);
    assert.match(result.messages[2], /^vstrlen\(\): argument 2 \(cstring\) .*got the number 5/);
    assert.equal(result.ok, 5);
  }
});

test('a cstring parameter takes a string, null, a CString or a buffer holding a NUL-terminated string', () => {
  assert.equal(s.str_len('hello'), 5);
  const text = Buffer.from('hey\0junk');
  assert.equal(s.str_len(text), 3);
  assert.equal(s.str_len(text.buffer.slice(text.byteOffset, text.byteOffset + text.length)), 3);
  assert.equal(s.str_len(new CString(ptr(text))), 3);
  assert.equal(s.vstrlen(1, 'cstring', new CString(ptr(text))), 3);
  // No NUL inside the buffer: C would read past it.
  const err = throwsCode(assert, () => s.str_len(Buffer.from('abc')), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(err.message, /^str_len\(\): argument 1 \(cstring\) is a buffer of 3 bytes without a NUL/);
  throwsCode(assert, () => s.vstrlen(1, 'cstring', new Uint8Array(4).fill(65)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.str_len(new Uint8Array(0)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('a BigInt out of range for a 64-bit parameter names the range and the value', () => {
  const err = throwsCode(assert, () => s.echo_i64(2n ** 64n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(err.message, 'echo_i64(): argument 1 (i64) must be a BigInt in [-2^63, 2^63 - 1], got the BigInt 18446744073709551616n');
  assert.equal(err.argIndex, 0);
  const neg = throwsCode(assert, () => s.echo_u64(-1n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(neg.message, 'echo_u64(): argument 1 (u64) must be a BigInt in [0, 2^64 - 1], got the BigInt -1n');
  const huge = throwsCode(assert, () => s.echo_i64(10n ** 100n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(huge.message, /got the BigInt 1000000000\d*\.\.\.n$/);
});

test('a self-recursive or 100,000-deep member list throws a coded error, not a stack overflow', () => {
  const self = ['i32'];
  self.push(self);
  const err = throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: [self], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(err.message, /^echo_i32: argument 1: member types nest deeper than 256 levels/);
  let deep = ['i32'];
  for (let k = 0; k < 100000; k++) deep = [deep];
  throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: [deep], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => s.sum_variadic(1, deep, 1), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  // Deep but reasonable nesting still works.
  let nested = ['f64', 'f64'];
  for (let k = 0; k < 20; k++) nested = [nested];
  assert.equal(dlopen(testlib, { complex_add: { args: [nested, nested], returns: ['f64', 'f64'] } }).symbols.complex_add !== undefined, true);
});

test('a StructSchema is still a type for variadic and fixed definitions', () => {
  const Pair = Struct({ re: 'f64', im: 'f64' });
  const { complex_add } = dlopen(testlib, { complex_add: { args: [Pair, Pair], returns: Pair } }).symbols;
  const r = complex_add({ re: 1, im: 2 }, { re: 3, im: 4 });
  assert.deepEqual(Pair.fromPtr(r), { re: 4, im: 6 });
});
