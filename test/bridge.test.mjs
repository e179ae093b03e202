// The raw bridge `ffi`: ArkFFI's names, argument shapes and error texts; callBySigAsArrayBuffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callBySigAsArrayBuffer, callPtrAsync, ffi, FFIType, JSCallback } from 'arkffi';
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

test('strArgs take strings or null only: a number is not taken for a char *', () => {
  const h = ffi.load(testlib);
  const err = throwsCode(assert, () => ffi.callMixed(h, 'str_len', 's', 'l', [], [5]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(err.argIndex, 0);
  assert.equal(err.message, 'str_len(): argument 1 (cstring), strArgs[0], must be a string or null, got the number 5');
  ffi.defineFunction(h, 'str_cmp', 'ss', 'i');
  const second = throwsCode(assert, () => ffi.callBySig(h, 'str_cmp', [], ['a', 7n]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(second.argIndex, 1);
  throwsCode(assert, () => ffi.callMixed(h, 'str_len', 's', 'l', [], [Buffer.from('x\0')]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(ffi.callMixed(h, 'str_is_null', 's', 'b', [], [null]), true);
  assert.equal(ffi.callMixed(h, 'str_len', 's', 'l', [], ['four']), 4);
  ffi.close(h);
});

test('callPtr and callPtrAsync refuse a NULL or malformed function address before calling', async () => {
  const zero = throwsCode(assert, () => ffi.callPtr(0, 'ii', 'i', [1, 2], []), Error, 'ERR_ARKFFI_NULL_POINTER');
  assert.equal(zero.message, 'callPtr(): argument 1 (ptr) is NULL (0): there is no function to call');
  throwsCode(assert, () => ffi.callPtr(0n, '', 'i', [], []), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => ffi.callPtr(NaN, '', 'i', [], []), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => ffi.callPtr('0x10', '', 'i', [], []), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  await assert.rejects(ffi.callPtrAsync(0, 'ii', 'i', [1, 2], []), {
    code: 'ERR_ARKFFI_NULL_POINTER',
    message: 'callPtrAsync(): argument 1 (ptr) is NULL (0): there is no function to call',
  });
  await assert.rejects(callPtrAsync(0n, '', 'v', [], []), { code: 'ERR_ARKFFI_NULL_POINTER' });
});

test('signatures built by concatenating FFIType members split into their names', () => {
  const h = ffi.load(testlib);
  assert.equal(FFIType.int32 + FFIType.int32, 'i32i32');
  assert.equal(ffi.callMixed(h, 'add_i32', FFIType.int32 + FFIType.int32, FFIType.int32, [40, 2], []), 42);
  assert.equal(ffi.callMixed(h, 'add_f64', FFIType.double + FFIType.f64, FFIType.double, [1.5, 2], []), 3.5);
  assert.equal(ffi.callMixed(h, 'add_i64', FFIType.int64 + FFIType.i64, FFIType.i64, [2 ** 40, 1], []), 2 ** 40 + 1);
  ffi.defineFunction(h, 'str_concat3', FFIType.CString + FFIType.cstring + FFIType.CString, FFIType.CString);
  assert.equal(ffi.callBySig(h, 'str_concat3', [], ['a', 'b', 'c']), 'a|b|c');
  ffi.defineFunction(h, 'fill_bytes', FFIType.ptr + FFIType.usize + FFIType.u8, FFIType.void);
  const buf = new Uint8Array(3);
  ffi.callBySig(h, 'fill_bytes', [buf, 3, 7], []);
  assert.deepEqual([...buf], [7, 7, 7]);
  // One code a character still reads as before, and a string that is neither throws.
  assert.equal(ffi.callMixed(h, 'add_i32', 'ii', 'i', [1, 2], []), 3);
  const bad = throwsCode(assert, () => ffi.callMixed(h, 'add_i32', 'i32x', 'i', [1, 2], []), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.equal(bad.message, 'add_i32: argTypes "i32x" is neither type codes nor type names run together');
  ffi.close(h);
});

test("'c' is ArkFFI's int8_t in the raw bridge too", () => {
  const h = ffi.load(testlib);
  assert.equal(ffi.callMixed(h, 'echo_i8', 'c', 'c', [-100], []), -100);
  throwsCode(assert, () => ffi.callMixed(h, 'echo_i8', 'c', 'c', [200], []), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  ffi.close(h);
});

test('callBySigAsArrayBuffer returns the struct bytes of a function registered with return code 2', () => {
  const h = ffi.load(testlib);
  ffi.defineFunction(h, 'complex_add', [['f64', 'f64'], ['f64', 'f64']], '2');
  const bytes = callBySigAsArrayBuffer(h, 'complex_add', [new Float64Array([1, 2]), new Float64Array([3, 4])], []);
  assert.ok(bytes instanceof ArrayBuffer);
  assert.deepEqual([...new Float64Array(bytes)], [4, 6]);
  ffi.defineFunction(h, 'add_i32', 'ii', 'i');
  const scalar = throwsCode(assert, () => callBySigAsArrayBuffer(h, 'add_i32', [1, 2], []), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(scalar.message, "callBySigAsArrayBuffer(): 'add_i32' returns 'i', not a struct (return code '2')");
  const undef = throwsCode(assert, () => callBySigAsArrayBuffer(h, 'echo_i32', [1], []), Error, 'ERR_ARKFFI_NOT_DEFINED');
  assert.equal(undef.message, "Function 'echo_i32' not defined. Call defineFunction first.");
  ffi.close(h);
  throwsCode(assert, () => callBySigAsArrayBuffer(h, 'complex_add', [], []), Error, 'ERR_ARKFFI_CLOSED');
});

test("callCallbackThreadSafe calls a threadsafe callback with one int, with ArkFFI's errors", () => {
  const seen = [];
  const cb = new JSCallback((x) => (seen.push(x), x + 1), { args: ['i32'], returns: 'i32', threadsafe: true });
  const handle = cb.getHandle();
  assert.equal(ffi.callCallbackThreadSafe(handle, 41), undefined);
  assert.equal(ffi.callCallbackThreadSafe(handle, -7), undefined);
  assert.deepEqual(seen, [41, -7]);
  // Also for a callback made through the raw bridge.
  const raw = ffi.createCallback((x) => seen.push(x * 10), 'i', 'i', true);
  ffi.callCallbackThreadSafe(raw, 3);
  assert.deepEqual(seen, [41, -7, 30]);
  ffi.destroyCallback(raw);
  const range = throwsCode(assert, () => ffi.callCallbackThreadSafe(handle, 2 ** 31), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(range.argIndex, 1);
  throwsCode(assert, () => ffi.callCallbackThreadSafe(handle, '1'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  const plain = new JSCallback(() => 0, { args: ['i32'], returns: 'i32' });
  const notSafe = throwsCode(assert, () => ffi.callCallbackThreadSafe(plain.getHandle(), 1), TypeError, 'ERR_ARKFFI_INVALID_HANDLE');
  assert.equal(notSafe.message, 'callback is not threadsafe or TSFN is null');
  plain.close();
  cb.close();
  const closed = throwsCode(assert, () => ffi.callCallbackThreadSafe(handle, 1), Error, 'ERR_ARKFFI_CLOSED');
  assert.equal(closed.message, 'invalid or closed callback handle');
  throwsCode(assert, () => ffi.callCallbackThreadSafe(123456, 1), Error, 'ERR_ARKFFI_CLOSED');
  assert.deepEqual(seen, [41, -7, 30]);
});

test('ffi.readMemory, ffi.readCString and ffi.ptr on a JS buffer stay within it', () => {
  const buf16 = new Uint8Array(16).fill(0x41);
  const err = throwsCode(assert, () => ffi.readMemory(buf16, 4096), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(err.argIndex, 1);
  assert.equal(ffi.readMemory(buf16, 16).byteLength, 16);
  assert.equal(ffi.readCString(buf16), 'A'.repeat(16));
  assert.equal(ffi.ptr(buf16.subarray(16)), ffi.ptr(buf16) + 16);
});

test('ffi.callAsync takes a buffer it may not keep: a transfer during the call is harmless', async () => {
  const h = ffi.load(testlib);
  ffi.defineFunction(h, 'slow_fill', 'plci', 'p');
  const bytes = new Uint8Array(4096);
  const done = ffi.callAsync(h, 'slow_fill', ['p', 'l', 'u8', 'i'], 'p', [bytes, 4096, 5, 100], []);
  const moved = new Uint8Array(structuredClone(bytes.buffer, { transfer: [bytes.buffer] }));
  await done;
  assert.equal(bytes.length, 0);
  assert.ok(moved.every((x) => x === 0));
  const kept = new Uint8Array(64);
  assert.equal(await ffi.callAsync(h, 'slow_fill', ['p', 'l', 'u8', 'i'], 'p', [kept, 64, 5, 0], []), ffi.ptr(kept));
  assert.ok(kept.every((x) => x === 5));
  ffi.close(h);
});
