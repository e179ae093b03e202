// The raw bridge `ffi`: ArkFFI's names, argument shapes and error texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ffi } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

test('load, defineFunction, callBySig with numbers and strings in separate arrays', () => {
  const h = ffi.load(testlib);
  assert.equal(typeof h, 'bigint');
  ffi.defineFunction(h, 'add_i32', 'ii', 'i');
  assert.equal(ffi.callBySig(h, 'add_i32', [2, 3], []), 5);
  ffi.defineFunction(h, 'add_f64', 'dd', 'd');
  assert.equal(ffi.callBySig(h, 'add_f64', [1.5, 2.25], []), 3.75);
  ffi.defineFunction(h, 'str_cmp', 'ss', 'i');
  assert.equal(ffi.callBySig(h, 'str_cmp', [], ['same', 'same']), 0);
  // 'ids'-style mixing: strings are taken from strArgs in order, numbers from numArgs.
  ffi.defineFunction(h, 'fill_bytes', 'pli', 'v');
  const buf = new Uint8Array(4);
  assert.equal(ffi.callBySig(h, 'fill_bytes', [ffi.ptr(buf), 4, 3], []), undefined);
  assert.deepEqual([...buf], [3, 3, 3, 3]);
  ffi.defineFunction(h, 'echo_f32', 'f', 'f');
  assert.equal(ffi.callBySig(h, 'echo_f32', [0.1], []), Math.fround(0.1));
  ffi.defineFunction(h, 'is_positive', ['i32'], 'bool');
  assert.equal(ffi.callBySig(h, 'is_positive', [3], []), true);
  ffi.close(h);
});

test('callMixed, callPtr, callString, getSymbolPtr, readCString', () => {
  const h = ffi.load(testlib);
  assert.equal(ffi.callMixed(h, 'add_i64', 'll', 'l', [2 ** 40, 5], []), 2 ** 40 + 5);
  assert.equal(ffi.callMixed(h, 'str_len', 's', 'l', [], ['four']), 4);
  const add = ffi.getSymbolPtr(h, 'add_i32');
  assert.equal(typeof add, 'number');
  assert.equal(ffi.callPtr(add, 'ii', 'i', [40, 2], []), 42);
  assert.equal(ffi.callString(h, 'greeting'), 'hello, ArkFFI');
  assert.equal(ffi.callString(h, 'null_string'), null);
  // A raw 's' return is the pointer, as in ArkFFI; readCString reads it.
  const p = ffi.callMixed(h, 'greeting', '', 's', [], []);
  assert.equal(typeof p, 'number');
  assert.equal(ffi.readCString(p), 'hello, ArkFFI');
  assert.equal(ffi.readCString(0), '');
  // '2': two doubles returned in registers, as a 16-byte ArrayBuffer.
  ffi.defineFunction(h, 'complex_add', [['f64', 'f64'], ['f64', 'f64']], '2');
  const r = ffi.callBySig(h, 'complex_add', [new Float64Array([1, 2]), new Float64Array([3, 4])], []);
  assert.deepEqual([...new Float64Array(r)], [4, 6]);
  ffi.close(h);
  ffi.close(h); // harmless twice
});

test("ArkFFI's error texts", () => {
  const missing = throwsCode(assert, () => ffi.load('/nonexistent/libx.so'), Error, 'ERR_ARKFFI_DLOPEN');
  assert.equal(missing.message, '/nonexistent/libx.so: cannot open shared object file: No such file or directory');
  const h = ffi.load(testlib);
  const sym = throwsCode(assert, () => ffi.defineFunction(h, 'nope', 'i', 'i'), Error, 'ERR_ARKFFI_SYMBOL_NOT_FOUND');
  assert.match(sym.message, /^dlsym failed: .*undefined symbol: nope$/);
  const plain = throwsCode(assert, () => ffi.getSymbolPtr(h, 'nope'), Error, 'ERR_ARKFFI_SYMBOL_NOT_FOUND');
  assert.match(plain.message, /^\/.*undefined symbol: nope$/);
  const undef = throwsCode(assert, () => ffi.callBySig(h, 'echo_i32', [1], []), Error, 'ERR_ARKFFI_NOT_DEFINED');
  assert.equal(undef.message, "Function 'echo_i32' not defined. Call defineFunction first.");
  ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  throwsCode(assert, () => ffi.callBySig(h, 'echo_i32', [1, 2], []), TypeError, 'ERR_ARKFFI_ARG_COUNT');
  throwsCode(assert, () => ffi.callBySig(h, 'echo_i32', ['1'], []), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => ffi.defineFunction(h, 'echo_i32', 'q', 'i'), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  ffi.close(h);
  throwsCode(assert, () => ffi.callBySig(h, 'echo_i32', [1], []), Error, 'ERR_ARKFFI_CLOSED');
});
