// write.*, alloc() and free(), sizeof/alignof/offsetof: C memory written from JS as C lays it out,
// checked against the C test library's own block and libc, and what each refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alias, alignof, alloc, array, dlopen, free, offsetof, opaque, read, sizeof, Struct, write } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const { scalar_block } = dlopen(testlib, { scalar_block: { returns: 'ptr' } }).symbols;
const libc = dlopen(null, {
  memcmp: { args: ['ptr', 'ptr', 'size_t'], returns: 'int' },
  strlen: { args: ['ptr'], returns: 'size_t' },
}).symbols;

// scalars_t of test/native/testlib.c, field by field.
const Scalars = Struct({
  i8: 'i8', u8: 'u8', i16: 'i16', u16: 'u16', i32: 'i32', u32: 'u32', i64: 'i64', u64: 'u64', f32: 'f32', f64: 'f64', ptr: 'ptr',
});

test('write.* stores every type as C does: the bytes equal the C library block of the same values', () => {
  const p = alloc(sizeof(Scalars));
  const at = (f) => offsetof(Scalars, f);
  write.i8(p, at('i8'), -5);
  write.u8(p, at('u8'), 250);
  write.i16(p, at('i16'), -1234);
  write.u16(p, at('u16'), 65000);
  write.i32(p, at('i32'), -123456789);
  write.u32(p, at('u32'), 4000000000);
  write.i64(p, at('i64'), -1234567890123456789n);
  write.u64(p, at('u64'), 18000000000000000000n);
  write.f32(p, at('f32'), 1.5);
  write.f64(p, at('f64'), 2.25);
  write.ptr(p, at('ptr'), 0x1234);
  // The padding is zero in both: alloc() zeroes, and the C block is a static.
  assert.equal(libc.memcmp(p, scalar_block(), sizeof(Scalars)), 0);
  assert.equal(read.u64(p, at('u64')), 18000000000000000000n);
  free(p);
});

test('write.* into a JS buffer stays inside it; values are checked as arguments are', () => {
  const b = new ArrayBuffer(16);
  write.i64(b, 8, -(2 ** 53 - 1));
  assert.equal(read.i64(b, 8), -(2n ** 53n - 1n));
  write.ptr(b, 0, null);
  assert.equal(read.ptr(b, 0), 0);
  write.ptr(b, 0, -1);
  assert.equal(read.ptr(b, 0), 2n ** 64n - 1n);
  write.intptr(b, 0, 2n ** 63n);
  assert.equal(read.intptr(b, 0), 2n ** 63n);
  const offset = throwsCode(assert, () => write.i32(b, 13, 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(offset.message, 'write.i32(): argument 2 (byteOffset) must be at most 12: the buffer has 16 bytes and the write takes 4, got the number 13');
  const range = throwsCode(assert, () => write.u8(b, 0, 256), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(range.message, 'write.u8(): argument 3 (value) must be an integer in [0, 255], got the number 256');
  assert.equal(range.argIndex, 2);
  throwsCode(assert, () => write.f64(b, 0, '1'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => write.u64(b, 0, -1n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => write.i64(b, 0, 2 ** 60), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => write.ptr(b, 0, 2n ** 64n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => write.i32(null, 0, 1), Error, 'ERR_ARKFFI_NULL_POINTER');
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  throwsCode(assert, () => write.u8(detached, 0, 1), TypeError, 'ERR_ARKFFI_DETACHED');
  // Nothing was written by a refused call.
  assert.equal(read.intptr(b, 0), 2n ** 63n);
  assert.equal(read.i64(b, 8), -(2n ** 53n - 1n));
});

test('alloc() gives zeroed C memory that C uses; free() takes back only what alloc() gave', () => {
  const p = alloc(6);
  assert.equal(read.u32(p, 0), 0);
  for (const [i, c] of [...'hello'].entries()) write.u8(p, i, c.charCodeAt(0));
  assert.equal(libc.strlen(p), 5);
  free(p);
  throwsCode(assert, () => free(p), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => free(scalar_block()), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  for (const bad of [0, -1, 1.5, '8', 2 ** 53]) throwsCode(assert, () => alloc(bad), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('sizeof, alignof and offsetof answer as the C compiler lays types out', () => {
  assert.deepEqual(['i8', 'i16', 'int', 'long long', 'f32', 'double', 'ptr', 'const char *', 'size_t'].map(sizeof), [1, 2, 4, 8, 4, 8, 8, 8, 8]);
  assert.equal(sizeof(Scalars), 56);
  assert.equal(alignof(Scalars), 8);
  const Pos = Struct({ x: 'u8', y: 'f64' });
  const Rec = Struct({ tag: 'u16', pos: alias('POS', Pos), list: array('u32', 3), file: opaque('FILE') });
  assert.equal(offsetof(Pos, 'y'), 8);
  assert.equal(offsetof(Rec, 'pos'), 8);
  assert.equal(offsetof(Rec, 'pos.y'), 16);
  assert.equal(offsetof(Rec, 'list'), 24);
  assert.equal(offsetof(Rec, 'file'), 40);
  assert.equal(sizeof(Rec), 48);
  assert.equal(sizeof(array('u16', 5)), 10);
  assert.equal(alignof(array('u16', 5)), 2);
  assert.equal(sizeof(opaque('FILE')), 8);
  throwsCode(assert, () => offsetof(Rec, 'nope'), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  throwsCode(assert, () => offsetof(Rec, 'tag.x'), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  throwsCode(assert, () => offsetof(new Proxy(Rec, {}), 'tag'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => sizeof('void'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => sizeof('nope'), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
});
