// Every C scalar type, both directions, exactly; and the errors for values a type cannot take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { dlopen, FFIType, JSCallback } from 'arkffi';
import { charIsSigned, root, testlib, throwsCode } from './helpers.mjs';

const { native } = createRequire(import.meta.url)(join(root, 'dist', 'native.js'));

const echo = (type) => ({ args: [type], returns: type });
const lib = dlopen(testlib, {
  echo_i8: echo('i8'),
  echo_u8: echo('u8'),
  echo_i16: echo('i16'),
  echo_u16: echo('u16'),
  echo_i32: echo('i32'),
  echo_u32: echo('u32'),
  echo_i64: echo('i64'),
  echo_u64: echo('u64'),
  echo_f32: echo('f32'),
  echo_f64: echo('f64'),
  echo_bool: echo('bool'),
  echo_char: echo(FFIType.char),
  echo_size: echo(FFIType.usize),
  echo_long: echo('long'),
  u8_max: { returns: FFIType.uint8_t },
  u16_max: { returns: FFIType.u16 },
  u32_max: { returns: FFIType.uint32_t },
  u64_max: { returns: FFIType.uint64_t },
  i64_min: { returns: FFIType.int64_t },
  i8_min: { returns: FFIType.int8_t },
  third_f32: { returns: FFIType.float },
  is_positive: { args: [FFIType.int], returns: FFIType.bool },
  f32_bits: { args: [FFIType.f32], returns: FFIType.i32 },
  bool_as_int: { args: [FFIType.bool], returns: FFIType.i32 },
  u8_widened: { args: [FFIType.u8], returns: FFIType.u32 },
  touch: { returns: FFIType.void },
  touch_count: { returns: FFIType.int32 },
});
const s = lib.symbols;

test('integers of every width round-trip at their limits', () => {
  for (const [fn, values] of [
    [s.echo_i8, [-128, -1, 0, 127]],
    [s.echo_u8, [0, 1, 200, 255]],
    [s.echo_i16, [-32768, -1, 32767]],
    [s.echo_u16, [0, 40000, 65535]],
    [s.echo_i32, [-2147483648, -1, 0, 2147483647]],
    [s.echo_u32, [0, 2147483648, 4294967295]],
  ]) {
    for (const v of values) assert.equal(fn(v), v, `${fn.name}(${v})`);
  }
});

test('unsigned results are never negative', () => {
  assert.equal(s.u8_max(), 255);
  assert.equal(s.u16_max(), 65535);
  assert.equal(s.u32_max(), 4294967295);
  assert.equal(s.u64_max(), 18446744073709551615n);
  assert.equal(s.i8_min(), -128);
});

test('64-bit values: numbers while safe, BigInt beyond, never rounded', () => {
  assert.equal(s.echo_i64(2 ** 40), 2 ** 40);
  assert.equal(s.echo_i64(-(2 ** 53) + 1), -(2 ** 53) + 1);
  assert.equal(typeof s.echo_i64(Number.MAX_SAFE_INTEGER), 'number');
  assert.equal(s.echo_i64(2n ** 53n), 2n ** 53n);
  assert.equal(s.echo_i64(2n ** 63n - 1n), 2n ** 63n - 1n);
  assert.equal(s.echo_i64(-(2n ** 63n)), -(2n ** 63n));
  assert.equal(s.i64_min(), -(2n ** 63n));
  assert.equal(s.echo_u64(2n ** 64n - 1n), 2n ** 64n - 1n);
  assert.equal(s.echo_u64(12345n), 12345, 'a small BigInt comes back as a number');
  assert.equal(s.echo_size(2 ** 33), 2 ** 33);
  assert.equal(s.echo_long(-(2 ** 40)), -(2 ** 40));
});

test('bigint64 and biguint64 always return BigInt', () => {
  const big = dlopen(testlib, { echo_i64: echo('bigint64'), echo_u64: echo(FFIType.biguint64) }).symbols;
  assert.equal(big.echo_i64(5), 5n);
  assert.equal(big.echo_u64(2n ** 64n - 1n), 2n ** 64n - 1n);
});

test('floats are real 32-bit floats in both directions', () => {
  assert.equal(s.third_f32(), Math.fround(1 / 3));
  assert.equal(s.echo_f32(1.1), Math.fround(1.1));
  assert.equal(s.f32_bits(1.5), 0x3fc00000);
  assert.equal(s.f32_bits(-2), 0xc0000000 | 0);
  assert.equal(s.echo_f64(0.1 + 0.2), 0.1 + 0.2);
  assert.ok(Number.isNaN(s.echo_f64(NaN)));
  assert.equal(s.echo_f64(-Infinity), -Infinity);
  assert.ok(Object.is(s.echo_f64(-0), -0));
});

test('bool is true/false out, and accepts booleans or numbers in', () => {
  assert.equal(s.is_positive(5), true);
  assert.equal(s.is_positive(-5), false);
  assert.equal(s.echo_bool(true), true);
  assert.equal(s.echo_bool(false), false);
  assert.equal(s.bool_as_int(true), 1);
  assert.equal(s.bool_as_int(0), 0);
  assert.equal(s.bool_as_int(7), 1);
});

test('char has the platform C char signedness and void returns undefined', () => {
  assert.equal(s.echo_char(charIsSigned ? -3 : 253), charIsSigned ? -3 : 253);
  const before = s.touch_count();
  assert.equal(s.touch(), undefined);
  assert.equal(s.touch_count(), before + 1);
  assert.equal(s.u8_widened(255), 255);
});

test('one-letter ArkFFI codes and bun:ffi names are accepted', () => {
  const l = dlopen(testlib, {
    add_i32: { args: ['i', 'i'], returns: 'i' },
    add_f64: { args: ['d', 'd'], returns: 'd' },
    add_i64: { args: ['l', 'l'], returns: 'l' },
    echo_f32: { args: ['f'], returns: 'f' },
    echo_bool: { args: ['b'], returns: 'b' },
    echo_ptr: { args: ['p'], returns: 'p' },
    str_len: { args: ['s'], returns: 'usize' },
    echo_i8: { args: ['c'], returns: 'c' },
  }).symbols;
  assert.equal(l.add_i32(2, 3), 5);
  assert.equal(l.add_f64(1.5, 2.25), 3.75);
  assert.equal(l.add_i64(2 ** 40, 3), 2 ** 40 + 3);
  assert.equal(l.echo_f32(0.5), 0.5);
  assert.equal(l.echo_bool(true), true);
  assert.equal(l.echo_ptr(4096), 4096);
  assert.equal(l.str_len('abc'), 3);
  assert.equal(l.echo_i8(-7), -7);
  // 'c' is ArkFFI's int8_t, not the platform's char (unsigned on AArch64): 200 does not fit.
  assert.equal(native.typeInfo('c').kind, 'i8');
  assert.equal(l.echo_i8(-128), -128);
  const wide = throwsCode(assert, () => l.echo_i8(200), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(wide.message, 'echo_i8(): argument 1 (i8) must be an integer in [-128, 127], got the number 200');
  // 'k' is a callback: a JSCallback or its address.
  const twice = new JSCallback((x) => x * 2, { args: ['i32'], returns: 'i32' });
  const k = dlopen(testlib, { cb_call_i32: { args: ['k', 'i'], returns: 'i' } }).symbols;
  assert.equal(k.cb_call_i32(twice, 21), 42);
  assert.equal(k.cb_call_i32(twice.ptr, -4), -8);
  twice.close();
  const bun = dlopen(testlib, {
    echo_u16: { args: ['uint16_t'], returns: 'uint16_t' },
    echo_i64: { args: ['i64_fast'], returns: 'i64_fast' },
    echo_u64: { args: ['u64_fast'], returns: 'u64_fast' },
    str_len: { args: ['cstring'], returns: 'usize' },
  }).symbols;
  assert.equal(bun.echo_u16(65535), 65535);
  assert.equal(bun.echo_i64(-5), -5);
  assert.equal(bun.echo_u64(2n ** 60n), 2n ** 60n);
  assert.equal(bun.str_len('four'), 4);
});

test('C spellings name the type C has: words in any spacing, const ignored, pointers', () => {
  // LP64, as on every Linux ArkFFI builds for: long and size_t are 64 bits.
  const kinds = {
    'unsigned int': 'u32', unsigned: 'u32', 'signed int': 'i32', signed: 'i32', 'short int': 'i16',
    'unsigned short': 'u16', 'signed char': 'i8', 'unsigned char': 'u8', 'long int': 'i64',
    'unsigned long': 'u64', 'long long': 'i64', 'unsigned long long int': 'u64', 'long  long': 'i64',
    size_t: 'u64', ssize_t: 'i64', intptr_t: 'i64', uintptr_t: 'u64', ptrdiff_t: 'i64', off_t: 'i64',
    _Bool: 'bool', 'const int': 'i32', 'volatile unsigned': 'u32', 'const char *': 'cstring',
    'char*': 'cstring', 'char const *': 'cstring', 'const char * const': 'cstring', 'void *': 'ptr',
    'const void*': 'ptr', 'int *': 'ptr', 'char **': 'ptr', 'unsigned char *': 'ptr', 'char * *': 'ptr',
  };
  for (const [name, kind] of Object.entries(kinds)) assert.equal(native.typeInfo(name).kind, kind, name);
  for (const bad of ['int x', '* int', 'const', 'unsigned float', 'char * p', 'struct foo *', 'int[4]']) {
    throwsCode(assert, () => native.typeInfo(bad), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  }
  const libc = dlopen(null, {
    strlen: { args: ['const char *'], returns: 'size_t' },
    strtoul: { args: ['const char *', 'char **', 'int'], returns: 'unsigned long' },
    llabs: { args: ['long long'], returns: 'long long int' },
    abs: { args: ['signed int'], returns: 'int' },
  }).symbols;
  assert.equal(libc.strlen('hello'), 5);
  assert.equal(libc.strtoul('ff', null, 16), 255);
  assert.equal(libc.llabs(-(2 ** 40)), 2 ** 40);
  assert.equal(libc.abs(-7), 7);
  const u = dlopen(testlib, { echo_u32: { args: ['unsigned int'], returns: 'unsigned int' } }).symbols;
  throwsCode(assert, () => u.echo_u32(-1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(u.echo_u32(2 ** 32 - 1), 2 ** 32 - 1);
});

test('every FFIType member resolves to a usable type', () => {
  for (const [name, value] of Object.entries(FFIType)) {
    const def = value === 'void' ? { returns: value } : { args: [value], returns: 'void' };
    assert.doesNotThrow(() => dlopen(testlib, { touch: def }), name);
  }
});

test('an unknown type name throws at definition time', () => {
  const err = throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: ['int33'], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.match(err.message, /echo_i32: argument 1: unknown type 'int33'/);
  throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: ['i32'], returns: 'nope' } }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  // A NUL inside a name does not cut it short to a known one.
  const nul = throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: ['i\0x'], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.equal(nul.message, "echo_i32: argument 1: unknown type 'i\\0...': a NUL in the name");
  throwsCode(assert, () => dlopen(testlib, { echo_i32: { args: ['void'], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
});

test('out-of-range and non-integral integers throw RangeError naming the argument', () => {
  const cases = [
    [s.echo_i8, 128], [s.echo_i8, -129], [s.echo_u8, 256], [s.echo_u8, -1], [s.echo_i16, 32768],
    [s.echo_u16, 65536], [s.echo_i32, 2 ** 31], [s.echo_u32, -1], [s.echo_u32, 2 ** 32],
    [s.echo_i32, 1.5], [s.echo_i32, NaN], [s.echo_i32, Infinity], [s.echo_u64, -1],
    [s.echo_i64, 2 ** 53], [s.echo_i64, 0.5],
  ];
  for (const [fn, v] of cases) {
    const err = throwsCode(assert, () => fn(v), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.equal(err.argIndex, 0);
    assert.match(err.message, new RegExp(`^${fn.name}\\(\\): argument 1 `));
  }
  throwsCode(assert, () => s.echo_i64(2n ** 63n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.echo_u64(-1n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.echo_u64(2n ** 64n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('wrong JS types throw TypeError with the argument index', () => {
  const cases = [
    [s.echo_i32, '1'], [s.echo_i32, 1n], [s.echo_i32, null], [s.echo_i32, undefined], [s.echo_f64, '1.5'],
    [s.echo_f64, 1n], [s.echo_bool, 'true'], [s.echo_i64, '5'], [s.echo_u8, true], [s.echo_f32, {}],
  ];
  for (const [fn, v] of cases) {
    const err = throwsCode(assert, () => fn(v), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
    assert.equal(err.argIndex, 0);
  }
  const add = dlopen(testlib, { add_i32: { args: ['i32', 'i32'], returns: 'i32' } }).symbols.add_i32;
  const err = throwsCode(assert, () => add(1, 'x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(err.argIndex, 1);
  assert.equal(err.message, 'add_i32(): argument 2 (i32) must be a number, got the string "x"');
});

test('bool and f32 arguments convert numbers as C does', () => {
  // C's conversion to bool: anything but 0 is true, NaN included.
  assert.equal(s.bool_as_int(0), 0);
  assert.equal(s.bool_as_int(-0), 0);
  assert.equal(s.bool_as_int(NaN), 1);
  assert.equal(s.bool_as_int(0.25), 1);
  assert.equal(s.echo_bool(NaN), true);
  // double to float: rounded to the nearest float, out of range to an infinity.
  assert.equal(s.echo_f32(1e40), Infinity);
  assert.equal(s.echo_f32(-1e40), -Infinity);
  assert.equal(s.echo_f32(0.1), 0.10000000149011612);
  assert.ok(Number.isNaN(s.echo_f32(NaN)));
});

test('a wrong argument count throws, and the process lives on', () => {
  const err = throwsCode(assert, () => s.echo_i32(), TypeError, 'ERR_ARKFFI_ARG_COUNT');
  assert.equal(err.message, 'echo_i32(): expects 1 argument, got 0');
  throwsCode(assert, () => s.echo_i32(1, 2), TypeError, 'ERR_ARKFFI_ARG_COUNT');
  assert.equal(s.echo_i32(9), 9);
});
