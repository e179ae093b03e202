// Pointers and C memory: pointer arguments of every JS form, ptr(), read.*, toArrayBuffer(),
// readMemory().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlopen, ffi, ptr, read, readMemory, toArrayBuffer, toBuffer } from 'arkffi';
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
