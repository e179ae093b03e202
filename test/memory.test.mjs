// Pointers and C memory: pointer arguments of every JS form (SharedArrayBuffer included), ptr(),
// read.*, toArrayBuffer(), readMemory(), and what they refuse: NULL, bad offsets and lengths.
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { test } from 'node:test';
import { dlopen, ffi, ptr, read, readCString, readMemory, toArrayBuffer, toBuffer } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  sum_bytes: { args: ['ptr', 'usize'], returns: 'u32' },
  fill_bytes: { args: ['buffer', 'usize', 'u8'], returns: 'void' },
  address_of: { args: ['ptr'], returns: 'ptr' },
  echo_ptr: { args: ['ptr'], returns: 'ptr' },
  scalar_block: { returns: 'ptr' },
  greeting: { returns: 'ptr' },
});
const s = lib.symbols;

test('a pointer argument takes every buffer form at its data address, offset applied once', () => {
  const ab = new ArrayBuffer(64);
  const bytes = new Uint8Array(ab);
  bytes.forEach((_, i) => (bytes[i] = i));
  const base = s.address_of(ab);
  assert.equal(base, ptr(ab));
  assert.equal(s.address_of(bytes), base);
  assert.equal(s.address_of(new Uint8Array(ab, 10)), base + 10);
  assert.equal(s.address_of(new Int32Array(ab, 8, 2)), base + 8);
  assert.equal(s.address_of(new Float64Array(ab, 16)), base + 16);
  assert.equal(s.address_of(new BigUint64Array(ab, 24, 1)), base + 24);
  assert.equal(s.address_of(new DataView(ab, 5)), base + 5);
  assert.equal(ptr(new DataView(ab, 5)), base + 5);
  assert.equal(ptr(new Uint16Array(ab, 6)), base + 6);
  assert.equal(ptr(bytes, 3), base + 3);
  const buf = Buffer.from('abc');
  assert.equal(s.address_of(buf), ptr(buf));
  assert.equal(s.sum_bytes(new Uint8Array(ab, 10, 3), 3), 10 + 11 + 12);
});

test('a pointer argument takes numbers, BigInts and null', () => {
  assert.equal(s.echo_ptr(0x1000), 0x1000);
  assert.equal(s.echo_ptr(0x1000n), 0x1000);
  assert.equal(s.echo_ptr(null), 0);
  assert.equal(s.echo_ptr(0xffff_ffff_ffff_fff0n), 0xffff_ffff_ffff_fff0n);
  throwsCode(assert, () => s.echo_ptr(undefined), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.echo_ptr('0x10'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.echo_ptr({}), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.echo_ptr(1.5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.echo_ptr(2n ** 64n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('C writes into JS buffers in place', () => {
  const data = new Uint8Array(1024).map((_, i) => i & 255);
  assert.equal(s.sum_bytes(data, data.length), 130560);
  const out = Buffer.alloc(8);
  s.fill_bytes(out.subarray(2), 4, 7);
  assert.deepEqual([...out], [0, 0, 7, 7, 7, 7, 0, 0]);
});

test('read.* reads every scalar type, at an offset, from C memory', () => {
  const p = s.scalar_block();
  // Offsets of scalars_t in testlib.c (x86-64 and AArch64 agree).
  assert.equal(read.i8(p, 0), -5);
  assert.equal(read.u8(p, 1), 250);
  assert.equal(read.i16(p, 2), -1234);
  assert.equal(read.u16(p, 4), 65000);
  assert.equal(read.i32(p, 8), -123456789);
  assert.equal(read.u32(p, 12), 4000000000);
  assert.equal(read.i64(p, 16), -1234567890123456789n);
  assert.equal(read.u64(p, 24), 18000000000000000000n);
  assert.equal(read.f32(p, 32), 1.5);
  assert.equal(read.f64(p, 40), 2.25);
  assert.equal(read.ptr(p, 48), 0x1234);
  const local = new Float64Array([6.5]);
  assert.equal(read.f64(ptr(local)), 6.5);
  assert.equal(read.f64(local), 6.5);
  throwsCode(assert, () => read.u8(0), Error, 'ERR_ARKFFI_NULL_POINTER');
});

test('toArrayBuffer views C memory without copying; readMemory copies', () => {
  const p = s.greeting();
  const view = toArrayBuffer(p);
  assert.equal(Buffer.from(view).toString(), 'hello, ArkFFI');
  assert.equal(Buffer.from(toArrayBuffer(p, 7, 3)).toString(), 'Ark');
  assert.equal(toBuffer(p, 0, 5).toString(), 'hello');
  // A view sees later writes; a copy does not.
  const js = new Uint8Array(4);
  const live = new Uint8Array(toArrayBuffer(ptr(js), 0, 4));
  const copy = new Uint8Array(readMemory(ptr(js), 4));
  s.fill_bytes(js, 4, 9);
  assert.deepEqual([...live], [9, 9, 9, 9]);
  assert.deepEqual([...copy], [0, 0, 0, 0]);
  assert.equal(readMemory(p, 5).byteLength, 5);
  assert.equal(new TextDecoder().decode(ffi.readMemory(p, 5)), 'hello');
  assert.equal(readMemory(0, 0).byteLength, 0);
  throwsCode(assert, () => readMemory(0, 4), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => toArrayBuffer(0, 0, 4), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => readMemory(p, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('ptr() rejects what has no address', () => {
  throwsCode(assert, () => ptr({}), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => ptr(5), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('a NULL address refuses reads whatever the byte offset; readCString reads it as empty', () => {
  const readers = Object.entries(read);
  assert.equal(readers.length, 12);
  for (const [name, reader] of readers) {
    for (const [address, offset] of [[0, 5], [null, 8], [0n, 16], [0, -8]]) {
      const err = throwsCode(assert, () => reader(address, offset), Error, 'ERR_ARKFFI_NULL_POINTER');
      assert.equal(err.argIndex, 0);
      assert.equal(err.message, `read.${name}(): argument 1 (address) is NULL, where there is no memory to read`);
    }
  }
  // An offset that takes a real address to 0 is refused too.
  const landed = throwsCode(assert, () => read.u8(1, -1), Error, 'ERR_ARKFFI_NULL_POINTER');
  assert.equal(landed.argIndex, 1);
  throwsCode(assert, () => toArrayBuffer(0, 8), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => toArrayBuffer(null, 8, 4), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => toBuffer(0n, 8, 4), Error, 'ERR_ARKFFI_NULL_POINTER');
  assert.equal(readCString(null, 8), '');
  assert.equal(readCString(0, 8, 4), '');
  assert.equal(readCString(0n, 1), '');
});

test('byte offsets are safe integers: non-integers, NaN and strings throw, naming the argument', () => {
  const bytes = new Uint8Array([10, 20, 30, 40]);
  assert.equal(read.u8(bytes, 3), 40);
  assert.equal(read.u8(ptr(bytes, 2), -1), 20);
  for (const offset of [1.5, NaN, Infinity, -0.5, 2 ** 53]) {
    const err = throwsCode(assert, () => read.u8(bytes, offset), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.equal(err.argIndex, 1);
    assert.match(err.message, /^read\.u8\(\): argument 2 \(byteOffset\) must be a safe integer, got the number /);
    throwsCode(assert, () => ptr(bytes, offset), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    throwsCode(assert, () => readCString(bytes, offset), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    throwsCode(assert, () => toArrayBuffer(bytes, offset, 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  }
  const named = throwsCode(assert, () => ptr(bytes, 'x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(named.message, 'ptr(): argument 2 (byteOffset) must be a number, got the string "x"');
  throwsCode(assert, () => read.u8(bytes, 1n), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('errors of the memory functions name the function, the argument and the value', () => {
  const p = s.greeting();
  const cases = [
    [() => readMemory(p), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      'readMemory(): argument 2 (byteLength) must be a non-negative safe integer, got undefined'],
    [() => readMemory(p, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      'readMemory(): argument 2 (byteLength) must be a non-negative safe integer, got the number -1'],
    [() => read.u8('x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE',
      'read.u8(): argument 1 (address) must be a pointer: a number, BigInt, null, ArrayBuffer, SharedArrayBuffer or ArrayBufferView, got the string "x"'],
    [() => read.f64(1.5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      'read.f64(): argument 1 (address) must be a safe integer or a BigInt of at most 64 bits, got the number 1.5'],
    [() => toArrayBuffer(p, 0, 'five'), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      'toArrayBuffer(): argument 3 (byteLength) must be a non-negative safe integer, got the string "five"'],
    [() => readCString(p, 0, 0.5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      'readCString(): argument 3 (byteLength) must be a non-negative safe integer, got the number 0.5'],
    [() => ptr({}), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE',
      'ptr(): argument 1 (view) must be an ArrayBuffer, SharedArrayBuffer, TypedArray, Buffer or DataView, got an instance of Object'],
  ];
  for (const [fn, Class, code, message] of cases) assert.equal(throwsCode(assert, fn, Class, code).message, message);
});

test('lengths beyond the longest ArrayBuffer throw instead of aborting the process', () => {
  const p = s.greeting();
  const lengths = [constants.MAX_LENGTH + 1, 2 ** 40].filter((n) => n > constants.MAX_LENGTH);
  for (const n of lengths) {
    for (const [name, index, fn] of [
      ['readMemory', 1, () => readMemory(p, n)],
      ['toArrayBuffer', 2, () => toArrayBuffer(p, 0, n)],
      ['toBuffer', 2, () => toBuffer(p, 0, n)],
    ]) {
      const err = throwsCode(assert, fn, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
      assert.equal(err.argIndex, index);
      assert.equal(err.message,
        `${name}(): argument ${index + 1} (byteLength) must be at most ${constants.MAX_LENGTH}, the longest ArrayBuffer, got the number ${n}`);
    }
  }
  // The process is still here, and a real read still works.
  assert.equal(Buffer.from(readMemory(p, 5)).toString(), 'hello');
});

test('a SharedArrayBuffer is a pointer like any ArrayBuffer, in calls and in reads', async () => {
  const shared = new SharedArrayBuffer(16);
  const bytes = new Uint8Array(shared);
  bytes.set([1, 2, 3, 4]);
  const base = ptr(shared);
  assert.equal(typeof base, 'number');
  assert.equal(ptr(bytes), base);
  assert.equal(ptr(shared, 4), base + 4);
  assert.equal(s.address_of(shared), base);
  assert.equal(await s.address_of.async(shared), base);
  assert.equal(s.sum_bytes(shared, 4), 10);
  s.fill_bytes(shared, 2, 9);
  assert.deepEqual([...bytes.subarray(0, 4)], [9, 9, 3, 4]);
  assert.equal(read.u8(shared, 3), 4);
  assert.deepEqual([...new Uint8Array(readMemory(shared, 4))], [9, 9, 3, 4]);
  assert.equal(ffi.ptr(shared), base);
});

test('read.ptr gives a BigInt for an address beyond 2^53, as pointer results do', () => {
  const table = new BigUint64Array([0x1000n, 2n ** 64n - 1n, 2n ** 53n]);
  assert.equal(read.ptr(table), 0x1000);
  assert.equal(read.ptr(table, 8), 2n ** 64n - 1n);
  assert.equal(read.intptr(table, 16), 2n ** 53n);
  // MAP_FAILED from a function returning a pointer.
  assert.equal(s.echo_ptr(-1n), 2n ** 64n - 1n);
});
