// Pointers and C memory: pointer arguments of every JS form (SharedArrayBuffer included), ptr(),
// read.*, toArrayBuffer(), readMemory(), and what they refuse: NULL, bad offsets and lengths, and
// any read or view past the end of a JS buffer given as the address.
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CString, dlopen, ffi, ptr, read, readCString, readMemory, toArrayBuffer, toBuffer } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  sum_bytes: { args: ['ptr', 'usize'], returns: 'u32' },
  fill_bytes: { args: ['buffer', 'usize', 'u8'], returns: 'void' },
  address_of: { args: ['ptr'], returns: 'ptr' },
  echo_ptr: { args: ['ptr'], returns: 'ptr' },
  scalar_block: { returns: 'ptr' },
  greeting: { returns: 'ptr' },
  complex_add: { args: [['f64', 'f64'], ['f64', 'f64']], returns: ['f64', 'f64'] },
});
const s = lib.symbols;

// node --test cannot pass --expose-gc to a test file; the flag can still be set at run time.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

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
  assert.equal(readers.length, 18);
  for (const [name, reader] of readers) {
    for (const [address, offset] of [[0, 5], [null, 8], [0n, 16], [0, -8]]) {
      const err = throwsCode(assert, () => reader(address, offset), Error, 'ERR_ARKFFI_NULL_POINTER');
      assert.equal(err.argIndex, 0);
      assert.equal(err.message, `read.${name}(): argument 1 (address) is NULL, where there is no memory`);
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

test('read.* on a JS buffer stays within it, a view\'s byte offset included', () => {
  const ab = new ArrayBuffer(8);
  new DataView(ab).setFloat64(0, 1.5, true);
  assert.equal(read.f64(ab, 0), 1.5);
  const past = throwsCode(assert, () => read.f64(ab, 8), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(past.argIndex, 1);
  assert.equal(past.message, 'read.f64(): argument 2 (byteOffset) must be at most 0: the buffer has 8 bytes and the read takes 8, got the number 8');
  throwsCode(assert, () => read.u32(ab, 5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(read.u32(ab, 4), new DataView(ab).getUint32(4, true));
  const short = throwsCode(assert, () => read.i64(new Uint8Array(4)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(short.argIndex, 0);
  assert.equal(short.message, 'read.i64(): argument 1 (address) is a buffer of 4 bytes, fewer than the read takes (8), got an instance of Uint8Array');
  // A view ends where it ends, not where its ArrayBuffer does.
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i);
  const tail = bytes.subarray(12, 14);
  assert.equal(read.u8(tail, 1), 13);
  throwsCode(assert, () => read.u8(tail, 2), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => read.u16(new DataView(bytes.buffer, 12, 2), 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => read.ptr(new SharedArrayBuffer(4)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => read.u8(new ArrayBuffer(0)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  // Before a JS buffer there is nothing of it: negative offsets are refused; a raw address may
  // still take one, as in C.
  for (const offset of [-1, -8, 17]) {
    const err = throwsCode(assert, () => read.u8(bytes, offset), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.equal(err.message, `read.u8(): argument 2 (byteOffset) must be from 0 to 16, the buffer's byteLength, got the number ${offset}`);
  }
  assert.equal(read.u8(ptr(bytes, 4), -1), 3);
});

test('readMemory, toArrayBuffer and toBuffer on a JS buffer: lengths past its end are refused', () => {
  const buf16 = new ArrayBuffer(16);
  new Uint8Array(buf16).fill(4);
  const over = throwsCode(assert, () => readMemory(buf16, 4096), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(over.argIndex, 1);
  assert.equal(over.message, 'readMemory(): argument 2 (byteLength) must be at most 16, the bytes the buffer has from offset 0, got the number 4096');
  assert.deepEqual([...new Uint8Array(readMemory(buf16, 16))], new Array(16).fill(4));
  assert.equal(readMemory(new Uint8Array(buf16, 16), 0).byteLength, 0);
  const view = throwsCode(assert, () => toArrayBuffer(buf16, 0, 4096), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(view.message, 'toArrayBuffer(): argument 3 (byteLength) must be at most 16, the bytes the buffer has from offset 0, got the number 4096');
  throwsCode(assert, () => toArrayBuffer(buf16, 8, 9), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => toBuffer(new Uint8Array(buf16, 4, 4), 0, 5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => toArrayBuffer(buf16, 17), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  // Within the buffer: a live view of its bytes.
  const live = new Uint8Array(toArrayBuffer(buf16, 8, 8));
  live[0] = 99;
  assert.equal(new Uint8Array(buf16)[8], 99);
  assert.equal(toBuffer(new Uint8Array(buf16, 4, 4), 1).length, 3);
  // Without a length, the string ends at its NUL or at the end of the buffer.
  assert.equal(toArrayBuffer(new Uint8Array([65, 66, 0, 67])).byteLength, 2);
  assert.equal(toBuffer(new Uint8Array([65, 66, 67])).toString(), 'ABC');
  assert.equal(toArrayBuffer(new ArrayBuffer(0)).byteLength, 0);
});

test('a view that toArrayBuffer makes of a JS buffer keeps that buffer alive', async () => {
  const collected = [];
  const registry = new FinalizationRegistry((what) => collected.push(what));
  let source = new Uint8Array(1 << 16).fill(7);
  registry.register(source, 'source');
  let view = new Uint8Array(toArrayBuffer(source, 0, 1 << 16));
  source = null;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const litter = Array.from({ length: 16 }, () => new Uint8Array(1 << 16).fill(0xee));
  assert.deepEqual(collected, []);
  assert.ok(view.every((x) => x === 7));
  assert.equal(litter.length, 16);
  view = null;
  for (let i = 0; i < 6 && collected.length === 0; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(collected, ['source']);
});

test('readCString and CString on a JS buffer stop at its end when it holds no NUL', () => {
  const abc = new Uint8Array([65, 66, 67]);
  assert.equal(readCString(abc), 'ABC');
  assert.equal(readCString(abc, 1), 'BC');
  assert.equal(readCString(abc, 3), '');
  assert.equal(readCString(new Uint8Array([65, 0, 66])), 'A');
  assert.equal(readCString(Buffer.from('hello, world').subarray(0, 5)), 'hello');
  const str = new CString(abc);
  assert.equal(String(str), 'ABC');
  assert.equal(str.byteLength, 3);
  assert.equal(String(new CString(abc, 1, -1)), 'BC');
  assert.equal(String(new CString(abc, 0, 2)), 'AB');
  // A byteLength past the end of the buffer claims bytes it does not have.
  const err = throwsCode(assert, () => readCString(abc, 1, 5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(err.argIndex, 2);
  assert.equal(err.message, 'readCString(): argument 3 (byteLength) must be at most 2, the bytes the buffer has from offset 1, got the number 5');
  const named = throwsCode(assert, () => new CString(abc, 0, 4), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(named.message, /^new CString\(\): argument 3 \(byteLength\)/);
  throwsCode(assert, () => readCString(abc, 4), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => readCString(abc, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(ffi.readCString(abc), 'ABC');
});

test('ptr(buffer, byteOffset) names a byte of the buffer or its end, nothing else', () => {
  const bytes = new Uint8Array(new ArrayBuffer(32), 8, 16);
  assert.equal(ptr(bytes, 16), ptr(bytes) + 16);
  for (const offset of [17, -1, 2 ** 40]) {
    const err = throwsCode(assert, () => ptr(bytes, offset), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.equal(err.argIndex, 1);
    assert.equal(err.message, `ptr(): argument 2 (byteOffset) must be from 0 to 16, the buffer's byteLength, got the number ${offset}`);
  }
});

test('a resizable buffer bounds reads and struct arguments by its length now', () => {
  const ab = new ArrayBuffer(16, { maxByteLength: 64 });
  const tracking = new Uint8Array(ab);
  const dv = new DataView(ab);
  dv.setFloat64(0, 1, true);
  dv.setFloat64(8, 2, true);
  assert.deepEqual([...new Float64Array(s.complex_add(ab, ab))], [2, 4]);
  ab.resize(8);
  for (const address of [ab, tracking, dv]) {
    throwsCode(assert, () => read.u32(address, 5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    throwsCode(assert, () => readMemory(address, 9), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.equal(read.f64(address), 1);
  }
  throwsCode(assert, () => s.complex_add(ab, ab), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  // A fixed-length view that the buffer no longer covers has no memory: it is refused as a
  // detached one is, wherever a pointer is taken.
  const fixed = new Uint8Array(ab, 4, 4);
  ab.resize(6);
  throwsCode(assert, () => read.u8(fixed), TypeError, 'ERR_ARKFFI_DETACHED');
  throwsCode(assert, () => s.echo_ptr(fixed), TypeError, 'ERR_ARKFFI_DETACHED');
  ab.resize(64);
  assert.equal(read.u8(tracking, 63), 0);
  assert.equal(readMemory(ab, 64).byteLength, 64);
  dv.setFloat64(0, 3, true);
  assert.deepEqual([...new Float64Array(s.complex_add(ab, ab))], [6, 0]);
});
