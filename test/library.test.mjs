// Loading libraries, resolving symbols, closing, and the errors of each.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { AsyncCFunction, CFunction, dlopen, ffi, Library, linkSymbols } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const add = { add_i32: { args: ['i32', 'i32'], returns: 'i32' } };

test('dlopen takes a path, a file URL, a bare name or null', () => {
  assert.equal(dlopen(testlib, add).symbols.add_i32(1, 2), 3);
  assert.equal(dlopen(pathToFileURL(testlib), add).symbols.add_i32(3, 4), 7);
  const libm = dlopen('libm.so.6', { cos: { args: ['f64'], returns: 'f64' }, pow: { args: ['f64', 'f64'], returns: 'f64' } });
  assert.equal(libm.symbols.cos(0), 1);
  assert.equal(libm.symbols.pow(2, 10), 1024);
  const self = dlopen(null, { abs: { args: ['i32'], returns: 'i32' }, getpid: { returns: 'i32' } });
  assert.equal(self.symbols.abs(-5), 5);
  assert.equal(self.symbols.getpid(), process.pid);
});

test('a library that cannot load throws with the loader reason', () => {
  const err = throwsCode(assert, () => dlopen('/nonexistent/libnothing.so', {}), Error, 'ERR_ARKFFI_DLOPEN');
  assert.match(err.message, /libnothing\.so: cannot open shared object file: No such file or directory/);
  const bad = throwsCode(assert, () => dlopen(import.meta.filename ?? new URL(import.meta.url).pathname, {}), Error, 'ERR_ARKFFI_DLOPEN');
  assert.match(bad.message, /invalid ELF header|file too short/);
  throwsCode(assert, () => dlopen(42, {}), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('a missing symbol throws naming it', () => {
  const err = throwsCode(assert, () => dlopen(testlib, { no_such_function: { returns: 'void' } }), Error, 'ERR_ARKFFI_SYMBOL_NOT_FOUND');
  assert.match(err.message, /symbol 'no_such_function' not found/);
  assert.match(err.message, /undefined symbol: no_such_function/);
});

test('bad definitions throw at definition time', () => {
  throwsCode(assert, () => dlopen(testlib, { add_i32: 5 }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => dlopen(testlib, { add_i32: { args: 'ii' } }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => dlopen(testlib, null), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
});

test('linkSymbols(5), CFunction(5) and other non-objects throw coded TypeErrors naming what they got', () => {
  const cases = [
    [() => linkSymbols(5), /^linkSymbols\(\): the definitions must be an object like \{ name: \{ args, returns, ptr \} \}, got the number 5$/],
    [() => linkSymbols(null), /^linkSymbols\(\): .*, got null$/],
    [() => linkSymbols(undefined), /^linkSymbols\(\): .*, got undefined$/],
    [() => linkSymbols('abs'), /^linkSymbols\(\): .*, got the string "abs"$/],
    [() => linkSymbols([{ ptr: 1 }]), /^linkSymbols\(\): .*, got an instance of Array$/],
    [() => linkSymbols({ f: 5 }), /^linkSymbols\(\): f: a definition must be an object like \{ args: \[\.\.\.\], returns: \.\.\. \}, got the number 5$/],
    [() => dlopen(testlib, 5), /^dlopen\(\): the definitions must be an object like \{ name: \{ args, returns \} \}, got the number 5$/],
    [() => dlopen(testlib, [add.add_i32]), /^dlopen\(\): .*, got an instance of Array$/],
    [() => dlopen(testlib, { add_i32: [] }), /^dlopen\(\): add_i32: a definition must be an object .*, got an instance of Array$/],
    [() => CFunction(5), /^CFunction: a definition must be an object .*, got the number 5$/],
    [() => CFunction(null), /^CFunction: a definition must be an object .*, got null$/],
    [() => AsyncCFunction('x'), /a definition must be an object .*, got the string "x"$/],
  ];
  for (const [fn, message] of cases) {
    const err = throwsCode(assert, fn, TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
    assert.match(err.message, message);
  }
  // Nothing was opened or linked on the way, and a good call still works.
  const abs = dlopen(null, { abs: { args: ['i32'], returns: 'i32' } }).getSymbolPtr('abs');
  assert.equal(linkSymbols({ abs: { args: ['i32'], returns: 'i32', ptr: abs } }).symbols.abs(-3), 3);
});

test('close() is idempotent and closed symbols throw ERR_ARKFFI_CLOSED', () => {
  const lib = dlopen(testlib, add);
  const fn = lib.symbols.add_i32;
  assert.equal(lib.closed, false);
  lib.close();
  lib.close();
  assert.equal(lib.closed, true);
  const err = throwsCode(assert, () => fn(1, 2), Error, 'ERR_ARKFFI_CLOSED');
  assert.equal(err.message, 'add_i32(): the library is closed');
  throwsCode(assert, () => lib.getSymbolPtr('add_i32'), Error, 'ERR_ARKFFI_CLOSED');
  // The raw bridge sees the same state.
  throwsCode(assert, () => ffi.getSymbolPtr(lib.handle, 'add_i32'), Error, 'ERR_ARKFFI_CLOSED');
});

test('Library implements Symbol.dispose', () => {
  const lib = dlopen(testlib, add);
  assert.ok(lib instanceof Library);
  assert.equal(typeof lib[Symbol.dispose], 'function');
  {
    // What `using lib = dlopen(...)` does at the end of the block.
    lib[Symbol.dispose]();
  }
  throwsCode(assert, () => lib.symbols.add_i32(1, 1), Error, 'ERR_ARKFFI_CLOSED');
});

test('getSymbolPtr returns the same address the loader resolves', () => {
  const lib = dlopen(testlib, { get_adder: { returns: 'ptr' }, ...add });
  assert.equal(lib.getSymbolPtr('add_i32'), lib.symbols.get_adder());
  assert.equal(ffi.getSymbolPtr(lib.handle, 'add_i32'), lib.symbols.get_adder());
  throwsCode(assert, () => lib.getSymbolPtr('nope'), Error, 'ERR_ARKFFI_SYMBOL_NOT_FOUND');
});

test('two handles of one library close independently', () => {
  const a = dlopen(testlib, add);
  const b = dlopen(testlib, add);
  a.close();
  assert.equal(b.symbols.add_i32(2, 2), 4);
  b.close();
});

test('a NULL function address is refused when the function is defined, naming it', () => {
  const cases = [
    [() => CFunction({ args: [], returns: 'i32', ptr: 0 }), 'CFunction(): ptr is NULL (0): there is no function to call'],
    [() => CFunction({ args: [], returns: 'i32', ptr: 0n }), 'CFunction(): ptr is NULL (0): there is no function to call'],
    [() => AsyncCFunction({ args: [], returns: 'i32', ptr: 0 }), 'AsyncCFunction(): ptr is NULL (0): there is no function to call'],
    [() => linkSymbols({ add: { args: ['i32', 'i32'], returns: 'i32', ptr: 0 } }),
      'linkSymbols(): add.ptr is NULL (0): there is no function to call'],
    [() => dlopen(testlib, { add_i32: { args: ['i32', 'i32'], returns: 'i32', ptr: 0 } }),
      'dlopen(): add_i32.ptr is NULL (0): there is no function to call'],
  ];
  for (const [fn, message] of cases) assert.equal(throwsCode(assert, fn, Error, 'ERR_ARKFFI_NULL_POINTER').message, message);
  const nan = throwsCode(assert, () => CFunction({ args: [], returns: 'i32', ptr: NaN }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(nan.message, 'CFunction(): ptr must be a safe integer or a BigInt of at most 64 bits, got the number NaN');
  throwsCode(assert, () => CFunction({ args: [], returns: 'i32', ptr: 2n ** 64n }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  const text = throwsCode(assert, () => linkSymbols({ f: { returns: 'i32', ptr: '0x10' } }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  assert.equal(text.message, 'linkSymbols(): f.ptr must be a function address (a number or a BigInt), got the string "0x10"');
  // A real address still works, as a number or a BigInt.
  const lib = dlopen(testlib, { get_adder: { returns: 'ptr' } });
  const address = lib.symbols.get_adder();
  assert.equal(CFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: BigInt(address) })(20, 22), 42);
});

test('a library path containing NUL is refused, not cut short', () => {
  const err = throwsCode(assert, () => dlopen(`${testlib}\0.bak`, add), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /^dlopen\(\): the library path contains a NUL character/);
  const raw = throwsCode(assert, () => ffi.load('libm.so.6\0'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(raw.message, /^ffi\.load\(\): /);
});

test('more arguments than a call can carry throw ERR_ARKFFI_TOO_MANY_ARGS', () => {
  const err = throwsCode(assert, () => dlopen(testlib, { add_i32: { args: Array(2000).fill('i32'), returns: 'i32' } }),
    RangeError, 'ERR_ARKFFI_TOO_MANY_ARGS');
  assert.match(err.message, /^add_i32: at most \d+ arguments$/);
});

test('a dlopen that fails on a definition unloads the library again', () => {
  // A private copy, so that nothing else in this process holds the library loaded.
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-'));
  const copy = join(dir, 'libarkffi_unload.so');
  copyFileSync(testlib, copy);
  try {
    const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes(copy);
    const lib = dlopen(copy, add);
    assert.equal(mapped(), true);
    lib.close();
    assert.equal(mapped(), false);
    throwsCode(assert, () => dlopen(copy, { ...add, no_such_function: {} }), Error, 'ERR_ARKFFI_SYMBOL_NOT_FOUND');
    assert.equal(mapped(), false);
    throwsCode(assert, () => dlopen(copy, { add_i32: { args: ['i33'] } }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
    assert.equal(mapped(), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
