// Loading libraries, resolving symbols, closing, and the errors of each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { dlopen, ffi, Library } from 'arkffi';
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
