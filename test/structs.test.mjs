// Structs: layouts proved against the C compiler, encoding and decoding every field type,
// structs by value in every ABI class, struct pointers, and the errors of each.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { constants as bufferConstants } from 'node:buffer';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import * as esm from 'arkffi';
import {
  array, AsyncCFunction, CFunction, CString, dlopen, FFIType, JSCallback, linkSymbols, ptr, read, readCString, releasePtr, Struct, StructSchema, Union,
} from 'arkffi';
import { charIsSigned, root, testlib, throwsCode } from './helpers.mjs';

// The structs of test/native/structs.c, field for field.
const Mixed = Struct({ c: 'char', d: 'f64', s: 'i16', i: 'i32', c2: 'char' });
const Small = Struct({ a: 'u8', b: 'u16', c: 'u8' });
const Bools = Struct({ a: 'bool', b: 'i32', c: 'bool', d: 'bool' });
const Nested = Struct({ tag: 'char', m: Mixed, s: 'short', sm: Small });
const Arrays = Struct({
  name: array('char', 5),
  v: array('f64', 3),
  h: array('u16', 3),
  items: array(Small, 2),
  grid: array(array('f32', 3), 2),
  last: 'char',
});
const Value = Union({ b: 'u8', i: 'i32', d: 'f64', s: array('char', 13) });
const Tagged = Struct({ kind: 'char', value: Value, tail: 'i16' });
const Packed = Struct({ c: 'char', i: 'i32', d: 'f64', h: 'u16', sm: Small }, { packed: true });
const Pack2 = Struct({ c: 'char', i: 'i32', d: 'f64', e: 'char' }, { pack: 2 });
const HoldsPacked = Struct({ c: 'char', p: Packed, q: 'i64' });
const Pointers = Struct({ name: 'cstring', id: 'i32', data: 'ptr', big: 'u64', neg: 'i64', f: 'f32' });

const Pair = Struct({ a: 'i32', b: 'i32' });
const MixedIF = Struct({ i: 'i32', f: 'f32' });
const Vec3 = Struct({ x: 'f32', y: 'f32', z: 'f32' });
const Complex = Struct({ re: 'f64', im: 'f64' });
const Quad = Struct({ a: 'f64', b: 'f64', c: 'f64', d: 'f64' });
const Big = Struct({ id: 'i64', values: array('f64', 4), tag: array('u8', 8), flags: 'u16' });
const Vertex = Struct({ pos: Vec3, rgba: array('u8', 4) });
const Status = Struct({ ok: 'bool', code: 'u8', delta: 'i16' });
const Wide = Struct({ a: 'i64', b: 'u64' });
const Named = Struct({ name: FFIType.CString, id: 'i32' });
const Point = Struct({ x: 'f64', y: 'f64', id: 'i32' });
const Config = Struct({ name: 'cstring', version: 'i32', flags: array('u8', 4), origin: Vec3 });
const IntOrFloat = Union({ i: 'i32', f: 'f32' });
const ElementArrays = Struct({ names: array('cstring', 3), ptrs: array('ptr', 2), flags: array('bool', 3), values: array(IntOrFloat, 2) });

const layouts = {
  layout_mixed: Mixed,
  layout_small: Small,
  layout_bools: Bools,
  layout_nested: Nested,
  layout_arrays: Arrays,
  layout_union: Value,
  layout_tagged: Tagged,
  layout_packed: Packed,
  layout_pack2: Pack2,
  layout_holds_packed: HoldsPacked,
  layout_pointers: Pointers,
  layout_element_arrays: ElementArrays,
};

const lib = dlopen(testlib, {
  ...Object.fromEntries(Object.keys(layouts).map((name) => [name, { returns: 'ptr' }])),
  fill_mixed: { args: ['ptr'], returns: 'void' },
  fill_arrays: { args: ['ptr'], returns: 'void' },
  fill_tagged: { args: ['ptr'], returns: 'void' },
  fill_packed: { args: ['ptr'], returns: 'void' },
  sum_mixed: { args: ['ptr'], returns: 'f64' },
  sum_arrays: { args: ['ptr'], returns: 'f64' },
  sum_packed: { args: ['ptr'], returns: 'f64' },
  pointers_check: { args: ['ptr'], returns: 'i32' },
  scalar_block: { returns: 'ptr' },
  pair_swap: { args: [Pair], returns: Pair, structReturn: 'object' },
  pair_sum: { args: [Pair], returns: 'i64' },
  mixed_if_scale: { args: [MixedIF, 'i32'], returns: MixedIF, structReturn: 'object' },
  vec3f_cross: { args: [Vec3, Vec3], returns: Vec3 },
  vec3f_dot: { args: [Vec3, Vec3], returns: 'f32' },
  complex_add: { args: [Complex, Complex], returns: Complex, structReturn: 'object' },
  quad_scale: { args: [Quad, 'f64'], returns: Quad, structReturn: 'object' },
  big_make: { args: ['i64', 'f64', 'cstring'], returns: Big },
  big_sum: { args: [Big], returns: 'f64' },
  big_bump: { args: [Big], returns: Big, structReturn: 'object' },
  vertex_shift: { args: [Vertex, 'f32'], returns: Vertex, structReturn: 'object' },
  status_flip: { args: [Status], returns: Status, structReturn: 'object' },
  wide_next: { args: [Wide], returns: Wide, structReturn: 'object' },
  named_make: { args: ['i32'], returns: Named, structReturn: 'object' },
  named_check: { args: [Named], returns: 'i64' },
  vec3f_fill: { args: ['ptr', 'f32', 'f32', 'f32'], returns: 'void' },
  points_sum: { args: ['ptr', 'usize'], returns: 'f64' },
  points_scale: { args: ['ptr', 'usize', 'f64'], returns: 'void' },
  config_static: { returns: 'ptr' },
  config_version: { args: ['ptr'], returns: 'i32' },
  element_arrays_fill: { args: ['ptr'], returns: 'void' },
  element_arrays_check: { args: ['ptr'], returns: 'f64' },
  fill_points: { args: ['ptr', 'usize'], returns: 'void' },
});
const s = lib.symbols;

/** {sizeof, _Alignof, field count, offsetof...} as the C compiler computed them. */
function cLayout(fn) {
  const p = fn();
  const count = Number(read.u64(p, 16));
  return Array.from({ length: 3 + count }, (_, k) => Number(read.u64(p, 8 * k)));
}

test('the struct API is exported from the package root, the same objects for ESM and CommonJS', () => {
  const cjs = createRequire(import.meta.url)('arkffi');
  for (const name of ['Struct', 'StructSchema', 'Union', 'array', 'ArrayType', 'releasePtr', 'structReturnRetention']) {
    assert.equal(typeof esm[name], 'function', name);
    assert.equal(esm[name], cjs[name], name);
  }
  assert.ok(Struct({ a: 'i32' }) instanceof cjs.StructSchema);
});

test('layouts match the C compiler: size, alignment and every field offset', () => {
  for (const [fn, schema] of Object.entries(layouts)) {
    const mine = [schema.size, schema.alignment, schema.fieldNames.length, ...schema.fieldOffsets];
    assert.deepEqual(mine, cLayout(s[fn]), fn);
  }
  // The numbers themselves, so a wrong compiler could not hide a wrong layout.
  assert.deepEqual([Mixed.size, Mixed.alignment, ...Mixed.fieldOffsets], [32, 8, 0, 8, 16, 20, 24]);
  assert.deepEqual([Small.size, Small.alignment, ...Small.fieldOffsets], [6, 2, 0, 2, 4]);
  assert.deepEqual([Arrays.size, ...Arrays.fieldOffsets], [80, 0, 8, 32, 38, 52, 76]);
  assert.deepEqual([Value.size, Value.alignment, Value.kind], [16, 8, 'union']);
  assert.deepEqual([Packed.size, Packed.alignment, Packed.pack, ...Packed.fieldOffsets], [21, 1, 1, 0, 1, 5, 13, 15]);
  assert.deepEqual([Pack2.size, Pack2.alignment, ...Pack2.fieldOffsets], [16, 2, 0, 2, 6, 14]);
});

test('every scalar type name the core accepts works as a field, sized by the addon', () => {
  // scalars_t of testlib.c, spelled with a different alias for each field.
  const Scalars = Struct([
    ['i8', 'int8_t'], ['u8', FFIType.u8], ['i16', 'short'], ['u16', 'uint16_t'], ['i32', 'i'], ['u32', 'uint'],
    ['i64', 'int64_t'], ['u64', 'usize'], ['f32', 'f'], ['f64', FFIType.double], ['ptr', 'pointer'],
  ]);
  assert.equal(Scalars.size, 56);
  assert.deepEqual(Scalars.fromPtr(s.scalar_block()), {
    i8: -5, u8: 250, i16: -1234, u16: 65000, i32: -123456789, u32: 4000000000,
    i64: -1234567890123456789n, u64: 18000000000000000000n, f32: 1.5, f64: 2.25, ptr: 0x1234,
  });
  const Platform = Struct({ l: 'long', z: 'size_t', c: 'char', b: 'bool', k: 'callback', s: 's' });
  assert.deepEqual([Platform.size, ...Platform.fieldOffsets], [40, 0, 8, 16, 17, 24, 32]);
  assert.deepEqual(Platform.fieldTypes, ['long', 'size_t', 'char', 'bool', 'callback', 's']);
  assert.deepEqual(Platform.fieldNames, ['l', 'z', 'c', 'b', 'k', 's']);
});

test('fromPtr reads each field from its own bytes and skips padding', () => {
  const m = Mixed.create();
  s.fill_mixed(m); // fills the padding with 0xAA
  const expected = { c: 120, d: -2.5, s: -300, i: 123456, c2: 121 };
  assert.deepEqual(Mixed.fromPtr(m), expected);
  assert.deepEqual(Mixed.fromPtr(ptr(m)), expected, 'from its address');
  assert.deepEqual(Mixed.fromPtr(new Uint8Array(m)), expected, 'from a view');

  const a = Arrays.create();
  s.fill_arrays(a);
  assert.deepEqual(Arrays.fromPtr(a), {
    name: [97, 98, 99, 100, 0],
    v: [0.5, 1.5, 2.5],
    h: [60000, 60001, 60002],
    items: [{ a: 1, b: 1000, c: 250 }, { a: 2, b: 2000, c: 251 }],
    grid: [[0, 0.25, 0.5], [0.75, 1, 1.25]],
    last: 122,
  });

  const t = Tagged.create();
  s.fill_tagged(t);
  const decoded = Tagged.fromPtr(t);
  assert.equal(decoded.kind, 100);
  assert.equal(decoded.tail, -7);
  // A union reads every member from the same bytes: 6.25 is 0x4019000000000000.
  assert.deepEqual(decoded.value, { b: 0, i: 0, d: 6.25, s: [0, 0, 0, 0, 0, 0, 0x19, 0x40, 0, 0, 0, 0, 0] });

  const p = Packed.create();
  s.fill_packed(p);
  assert.deepEqual(Packed.fromPtr(p), { c: 112, i: -99, d: 1e100, h: 65535, sm: { a: 7, b: 777, c: 77 } });
});

test('create lays values out where C reads them', () => {
  assert.equal(s.sum_mixed(Mixed.create({ c: 1, d: 0.5, s: -2, i: 1000, c2: 3 })), 1 + 0.5 - 2 + 1000 + 3);
  const values = {
    name: [65, 66],
    v: [1, 2, 3.5],
    h: new Uint16Array([10, 20, 30]),
    items: [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }],
    grid: [[0.5, 1, 1.5], [2, 2.5]],
    last: 7,
  };
  assert.equal(s.sum_arrays(Arrays.create(values)), 65 + 66 + 6.5 + 60 + 21 + 7.5 + 7);
  assert.equal(s.sum_packed(Packed.create({ c: 1, i: -2, d: 0.25, h: 40000, sm: { a: 5, b: 6, c: 7 } })), 1 - 2 + 0.25 + 40000 + 18);
  const name = Buffer.from('named\0');
  const buf = Pointers.create({ name, id: 7, data: null, big: 2n ** 64n - 1n, neg: -(2n ** 63n), f: 0.25 });
  assert.equal(s.pointers_check(buf), 1);
  assert.equal(Pointers.get(buf, 'name'), ptr(name));
  assert.equal(new CString(Pointers.get(buf, 'name')).toString(), 'named');
  // Round trip through JS, nested buffers copied in as bytes (ArkFFI's way of nesting).
  const nested = Nested.create({ tag: 9, m: Mixed.create({ i: 5 }), sm: { b: 600 } });
  assert.deepEqual(Nested.fromPtr(nested), { tag: 9, m: { c: 0, d: 0, s: 0, i: 5, c2: 0 }, s: 0, sm: { a: 0, b: 600, c: 0 } });
});

test('missing fields are zero, shorter arrays are zero-padded, unknown fields throw', () => {
  assert.deepEqual(Small.fromPtr(Small.create({ b: 7 })), { a: 0, b: 7, c: 0 });
  assert.deepEqual(Small.fromPtr(Small.create()), { a: 0, b: 0, c: 0 });
  assert.deepEqual(Small.fromPtr(Small.create({ a: undefined, c: 1 })), { a: 0, b: 0, c: 1 });
  assert.deepEqual(Arrays.fromPtr(Arrays.create({ v: [9] })).v, [9, 0, 0]);
  const err = throwsCode(assert, () => Small.create({ a: 1, bb: 2 }), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  assert.match(err.message, /'bb'/);
  const deep = throwsCode(assert, () => Nested.create({ sm: { z: 1 } }), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  assert.match(deep.message, /'sm\.z'/);
  throwsCode(assert, () => Arrays.create({ v: [1, 2, 3, 4] }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Small.create(5), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('get and set touch only their own field bytes', () => {
  const cases = [
    [Mixed, 'c', charIsSigned ? -1 : 255, 0, 1], [Mixed, 'd', 1.5, 8, 8], [Mixed, 's', -2, 16, 2], [Mixed, 'i', 77, 20, 4], [Mixed, 'c2', 5, 24, 1],
    [Small, 'a', 1, 0, 1], [Small, 'b', 513, 2, 2], [Small, 'c', 255, 4, 1],
    [Bools, 'a', true, 0, 1], [Bools, 'c', false, 8, 1], [Bools, 'd', 1, 9, 1],
    [Packed, 'i', 3, 1, 4], [Packed, 'h', 9, 13, 2], [Packed, 'sm', { a: 1, b: 2, c: 3 }, 15, 6],
    [Nested, 'sm', { a: 1 }, 42, 6], [Arrays, 'h', [1], 32, 6], [Tagged, 'value', { b: 1 }, 8, 16],
  ];
  for (const [schema, field, value, offset, size] of cases) {
    const bytes = new Uint8Array(schema.size).fill(0xaa);
    schema.set(bytes, field, value);
    bytes.forEach((byte, k) => {
      if (k < offset || k >= offset + size) assert.equal(byte, 0xaa, `${field}: byte ${k} changed`);
    });
    assert.deepEqual(schema.get(bytes, field), schema.fromPtr(schema.create({ [field]: value }))[field], field);
  }
  // A nested write replaces the whole sub-struct: its missing fields become zero.
  const n = Nested.create({ sm: { a: 1, b: 2, c: 3 } });
  Nested.set(n, 'sm', { c: 9 });
  assert.deepEqual(Nested.get(n, 'sm'), { a: 0, b: 0, c: 9 });
  // A refused write leaves every byte as it was.
  const before = [...new Uint8Array(n)];
  throwsCode(assert, () => Nested.set(n, 'sm', { a: 5, b: 'x' }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.deepEqual([...new Uint8Array(n)], before);
  // get/set work through a view at an offset, and on C memory by address.
  const two = new ArrayBuffer(2 * Small.size);
  Small.set(new DataView(two, Small.size), 'b', 300);
  assert.deepEqual(Small.fromArray(two, 2), [{ a: 0, b: 0, c: 0 }, { a: 0, b: 300, c: 0 }]);
  assert.equal(Small.get(ptr(two, Small.size), 'b'), 300);
});

test('wrong values throw, naming the field', () => {
  const bad = (schema, values, Class, code, pattern) => {
    const err = throwsCode(assert, () => schema.create(values), Class, code);
    assert.match(err.message, pattern);
  };
  bad(Small, { a: 256 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'a' must be an integer in \[0, 255\], got 256/);
  bad(Small, { b: -1 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'b'/);
  bad(Mixed, { i: 1.5 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'i'/);
  bad(Mixed, { i: '1' }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'i' must be a number, got "1"/);
  bad(Mixed, { d: 1n }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'd'/);
  bad(Bools, { a: 'yes' }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'a' must be a boolean or a number/);
  bad(Wide, { a: 2 ** 53 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'a'.*BigInt/);
  bad(Wide, { a: 2n ** 63n }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'a'/);
  bad(Wide, { b: -1 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'b'/);
  bad(Wide, { b: 2n ** 64n }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'b'/);
  // A string member takes a JS string only where the new struct keeps the text (create()).
  const named = Pointers.create({ name: 'text' });
  assert.equal(Pointers.readString(named, 'name'), 'text');
  assert.throws(() => Pointers.set(named, 'name', 'other'), { code: 'ERR_ARKFFI_INVALID_ARG_TYPE', message: /field 'name' takes a string only in create\(\)/ });
  bad(Pointers, { data: {} }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'data' must be a pointer/);
  bad(Pointers, { data: 0.5 }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'data'/);
  bad(Nested, { m: { d: 'x' } }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'm\.d'/);
  bad(Arrays, { items: [{}, { b: -1 }] }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'items\[1\]\.b'/);
  bad(Arrays, { v: 5 }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'v' must be an array/);
  bad(Nested, { m: Mixed.create().slice(0, 8) }, RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /field 'm' needs 32 bytes/);
  bad(Tagged, { value: { b: 1, i: 2 } }, TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /a union takes one member, got 2 for 'value'/);
  const get = throwsCode(assert, () => Small.get(Small.create(), 'nope'), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  assert.match(get.message, /get\(\): no field "nope"/);
  throwsCode(assert, () => Small.set(Small.create(), 'nope', 1), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  throwsCode(assert, () => Small.set(Small.create(), 'a', undefined), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => Mixed.fromPtr(new ArrayBuffer(8)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Mixed.fromPtr(Mixed.create(), 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Mixed.fromPtr(0), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => Mixed.fromPtr(null), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => Mixed.fromPtr('0x10'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('64-bit fields and pointers read as numbers while exact, BigInts beyond', () => {
  const w = Wide.create({ a: -5, b: 2 ** 53 - 1 });
  assert.deepEqual(Wide.fromPtr(w), { a: -5, b: 2 ** 53 - 1 });
  Wide.set(w, 'a', -(2n ** 63n));
  Wide.set(w, 'b', 2n ** 64n - 1n);
  assert.deepEqual(Wide.fromPtr(w), { a: -(2n ** 63n), b: 2n ** 64n - 1n });
  const Always = Struct({ a: 'bigint64', b: 'biguint64' });
  assert.deepEqual(Always.fromPtr(Always.create({ a: 1, b: 2 })), { a: 1n, b: 2n });
  const P = Struct({ p: 'ptr' });
  assert.equal(P.get(P.create({ p: 0x1000n }), 'p'), 0x1000);
  assert.equal(P.get(P.create({ p: -1 }), 'p'), 2n ** 64n - 1n); // two's complement, as C casts
});

test('schemas are validated when they are made', () => {
  // Integer-like keys would be reordered by JS (ArkFFI bug 21): refused, and pairs keep order.
  const err = throwsCode(assert, () => Struct({ b: 'u8', 1: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(err.message, /field '1' looks like an array index/);
  const ordered = Struct([['1', 'u8'], ['0', 'i32']]);
  assert.deepEqual([ordered.fieldNames, ordered.fieldOffsets, ordered.size], [['1', '0'], [0, 4], 8]);
  assert.ok(ordered instanceof StructSchema);
  assert.ok(new StructSchema({ a: 'i32' }) instanceof StructSchema);
  throwsCode(assert, () => Struct({}), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct([['a', 'i32'], ['a', 'u8']]), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct([['a']]), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct({ v: 'void' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct({ v: ['f64', 'f64'] }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const unknown = throwsCode(assert, () => Struct({ v: 'int128' }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.match(unknown.message, /^Struct\(\): field 'v'.*int128/);
  throwsCode(assert, () => Struct({ a: 'i32' }, { pack: 3 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Struct({ a: 'i32' }, { packed: true, pack: 4 }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct({ a: 'i32' }, { pakced: true }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct({ a: 'i32' }, { packed: 'yes' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.deepEqual(Struct({ x1: 'u8', 4294967295: 'u8' }).fieldNames, ['x1', '4294967295'], 'not an index: kept in order');
  throwsCode(assert, () => array('u8', 0), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => array('nope', 2), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.deepEqual([array(Small, 3).length, array(Small, 3).element], [3, Small]);
});

test('unions: one member written, every member read from the same bytes', () => {
  const v = Value.create({ i: 0x01020304 });
  assert.deepEqual(Value.fromPtr(v), {
    b: 4, i: 0x01020304, d: new Float64Array(new Int32Array([0x01020304, 0]).buffer)[0],
    s: [4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  });
  Value.set(v, 'b', 0xff); // writes one byte over the int
  assert.equal(Value.get(v, 'i'), 0x010203ff);
  const IntOrFloat = Union([['i', 'u32'], ['f', 'f32']]);
  assert.equal(IntOrFloat.size, 4);
  assert.equal(IntOrFloat.get(IntOrFloat.create({ f: 1 }), 'i'), 0x3f800000);
});

test('small structs by value: {int32, int32}, {int32, float}, {float x3}, {double, double}', () => {
  assert.deepEqual(s.pair_swap({ a: -1, b: 2 ** 31 - 1 }), { a: 2 ** 31 - 1, b: -1 });
  assert.equal(s.pair_sum({ a: 2 ** 31 - 1, b: 2 ** 31 - 1 }), 2 ** 32 - 2);
  assert.deepEqual(s.mixed_if_scale({ i: 7, f: 1.5 }, 3), { i: 21, f: 4.5 });
  const cross = s.vec3f_cross({ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 });
  assert.deepEqual(Vec3.fromPtr(cross), { x: -3, y: 6, z: -3 });
  assert.equal(releasePtr(cross), true);
  assert.equal(s.vec3f_dot({ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 }), 32);
  assert.deepEqual(s.complex_add({ re: 1.5, im: -2 }, Complex.create({ re: 0.25, im: 10 })), { re: 1.75, im: 8 });
});

test('large structs by value (memory class), as argument and as result', () => {
  assert.deepEqual(s.quad_scale({ a: 1, b: 2, c: 3, d: 4 }, 0.5), { a: 0.5, b: 1, c: 1.5, d: 2 });
  const p = s.big_make(2 ** 40, 0.25, 'tagged!');
  const big = Big.fromPtr(p);
  releasePtr(p);
  assert.deepEqual(big, { id: 2 ** 40, values: [0.25, 1.25, 2.25, 3.25], tag: [...Buffer.from('tagged!\0')], flags: 0xbeef });
  assert.equal(s.big_sum(big), 2 ** 40 + 7 + 0xbeef + 7);
  assert.deepEqual(s.big_bump(big), { id: 2 ** 40 + 1, values: [0.5, 2.5, 4.5, 6.5], tag: big.tag, flags: 0xbeef ^ 0xffff });
});

test('structs holding nested structs, arrays, bools, 64-bit values and char* by value', () => {
  assert.deepEqual(s.vertex_shift({ pos: { x: 1, y: 2, z: 3 }, rgba: [0, 100, 200, 255] }, 0.5),
    { pos: { x: 1.5, y: 2, z: 3 }, rgba: [255, 155, 55, 0] });
  assert.deepEqual(s.status_flip({ ok: true, code: 41, delta: -5 }), { ok: false, code: 42, delta: 5 });
  assert.deepEqual(s.wide_next({ a: 10, b: 20 }), { a: 9, b: 21 });
  assert.deepEqual(s.wide_next({ a: -(2n ** 62n), b: 2n ** 63n }), { a: -(2n ** 62n) - 1n, b: 2n ** 63n + 1n });
  const named = s.named_make(1);
  assert.equal(named.id, 1);
  assert.equal(typeof named.name, 'number');
  assert.equal(new CString(named.name).toString(), 'one');
  const text = Buffer.from('abc\0');
  assert.equal(s.named_check({ name: text, id: 7 }), 3007);
  assert.equal(s.named_check({ name: ptr(text), id: 8 }), 3008);
});

test('a struct argument takes a buffer, a view, a plain object or an address', () => {
  const held = new Int32Array([9, 10]);
  assert.equal(s.pair_sum(Pair.create({ a: 1, b: 2 })), 3);
  assert.equal(s.pair_sum(new Int32Array([5, 6])), 11);
  assert.equal(s.pair_sum(new DataView(new Int32Array([0, 3, 4]).buffer, 4)), 7);
  assert.equal(s.pair_sum({ a: 7, b: 8 }), 15);
  assert.equal(s.pair_sum(ptr(held)), 19);
  assert.equal(s.pair_sum(BigInt(ptr(held))), 19);
  // Two plain objects in one call each get their own bytes.
  assert.deepEqual(s.complex_add({ re: 1, im: 2 }, { re: 10, im: 20 }), { re: 11, im: 22 });
  const field = throwsCode(assert, () => s.pair_sum({ a: 1.5 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(field.argIndex, 0);
  assert.match(field.message, /^pair_sum\(\): argument 1 \(struct\): field 'a'/);
  throwsCode(assert, () => s.pair_sum({ z: 1 }), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  throwsCode(assert, () => s.pair_sum(0), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => s.pair_sum('x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.pair_sum(new Int32Array(1)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.pair_sum(), TypeError, 'ERR_ARKFFI_ARG_COUNT');
});

test('structReturn: pointer (default), object or buffer', () => {
  const defs = (structReturn) => ({ vec3f_cross: { args: [Vec3, Vec3], returns: Vec3, structReturn } });
  const a = { x: 1, y: 0, z: 0 };
  const b = { x: 0, y: 1, z: 0 };
  const p = dlopen(testlib, defs(undefined)).symbols.vec3f_cross(a, b);
  assert.equal(typeof p, 'number');
  assert.deepEqual(Vec3.fromPtr(p), { x: 0, y: 0, z: 1 });
  assert.equal(releasePtr(p), true);
  assert.deepEqual(dlopen(testlib, defs('object')).symbols.vec3f_cross(a, b), { x: 0, y: 0, z: 1 });
  const buf = dlopen(testlib, defs('buffer')).symbols.vec3f_cross(a, b);
  assert.ok(buf instanceof ArrayBuffer);
  assert.deepEqual([...new Float32Array(buf)], [0, 0, 1]);
  assert.equal(Vec3.get(buf, 'z'), 1);
  throwsCode(assert, () => dlopen(testlib, defs('copy')), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => dlopen(testlib, { pair_sum: { args: [Pair], returns: 'i64', structReturn: 'object' } }),
    TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
});

test('create and struct arguments take plain objects and buffers from any realm, nothing else', () => {
  // A flat struct (the compiled writer) and a nested one (the general writer) alike.
  for (const [schema, bytes, decoded] of [[Pair, [3, 4], { a: 3, b: 4 }], [Nested, null, null]]) {
    const raw = bytes === null ? schema.create({ tag: 5, sm: { b: 6 } }) : new Int32Array(bytes).buffer;
    const expected = decoded ?? schema.fromPtr(raw);
    assert.deepEqual(schema.fromPtr(schema.create(raw)), expected, 'an ArrayBuffer');
    assert.deepEqual(schema.fromPtr(schema.create(new Uint8Array(raw))), expected, 'a view');
    const foreign = vm.runInNewContext('(bytes) => { const b = new ArrayBuffer(bytes.length); new Uint8Array(b).set(bytes); return b; }')(new Uint8Array(raw));
    assert.deepEqual(schema.fromPtr(schema.create(foreign)), expected, 'an ArrayBuffer of another realm');
    for (const bad of [new Date(), new Map(), [], new (class Point {})()]) {
      const err = throwsCode(assert, () => schema.create(bad), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
      assert.match(err.message, /^create\(\) struct \{ .* \}: the value must be a plain object of fields or a buffer of its bytes, got /);
    }
    throwsCode(assert, () => schema.create(new ArrayBuffer(schema.size - 1)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  }
  assert.deepEqual(Pair.fromPtr(Pair.create(vm.runInNewContext('({ a: 1, b: 2 })'))), { a: 1, b: 2 });
  assert.deepEqual(Pair.fromPtr(Pair.create(Object.assign(Object.create(null), { b: 9 }))), { a: 0, b: 9 });
  const field = throwsCode(assert, () => Nested.create({ sm: new Date() }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(field.message, /^create\(\) struct \{ tag, m, s, sm \}: field 'sm' must be a plain object of fields or a buffer of its bytes, got an instance of Date/);
  const short = throwsCode(assert, () => Pair.create(new Uint8Array(4)), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(short.message, /^create\(\) struct \{ a, b \}: the value needs 8 bytes, the buffer has 4/);
  // As arguments: a foreign buffer is copied, a Date refused with the argument's position.
  assert.equal(s.pair_sum(vm.runInNewContext('new Int32Array([3, 4]).buffer')), 7);
  assert.equal(s.pair_sum(vm.runInNewContext('new Int32Array([5, 6])')), 11);
  assert.equal(s.pair_sum(vm.runInNewContext('({ a: 7, b: 8 })')), 15);
  const arg = throwsCode(assert, () => s.pair_sum(new Date()), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(arg.message, /^pair_sum\(\): argument 1 \(struct\): the value must be a plain object/);
  throwsCode(assert, () => s.pair_sum([1, 2]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('sizes no ArrayBuffer can hold are refused when the type is made', () => {
  const max = bufferConstants.MAX_LENGTH;
  const nested = throwsCode(assert, () => array(array('u8', 2 ** 30), 2 ** 30), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(nested.message, /^array\(\): 1073741824 elements of 1073741824 bytes are more than an ArrayBuffer holds/);
  throwsCode(assert, () => array('f64', Math.floor(max / 8) + 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(array('u8', max).length, max, 'the largest ArrayBuffer is allowed');
  const half = array('u8', max / 2);
  assert.equal(Struct({ a: half, b: half }).size, max);
  const struct = throwsCode(assert, () => Struct({ a: half, b: half, c: 'u8' }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(struct.message, /with field 'c' the struct is more than an ArrayBuffer holds/);
  const aligned = throwsCode(assert, () => Struct([['a', array('u8', max - 1)], ['b', 'u16']]), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(aligned.message, /field 'b'/);
});

test('lengths and addresses no ArrayBuffer can hold are refused before reading', () => {
  const pts = Point.createArray([{ x: 1 }, { x: 2 }]);
  const err = throwsCode(assert, () => Point.fromArray(ptr(pts), 2 ** 40), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(err.message, /^fromArray\(\): \d+ bytes are more than an ArrayBuffer holds/);
  throwsCode(assert, () => Point.fromArray(pts, 2 ** 40), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.deepEqual(Point.fromArray(ptr(pts), 2).map((p) => p.x), [1, 2]);
  for (const address of [-8, -1n, -(2 ** 40)]) {
    const neg = throwsCode(assert, () => Point.fromPtr(address), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.match(neg.message, /^fromPtr\(\): an address cannot be negative/);
    throwsCode(assert, () => Point.get(address, 'x'), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    throwsCode(assert, () => Point.set(address, 'x', 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    const arg = throwsCode(assert, () => s.pair_sum(address), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
    assert.match(arg.message, /^pair_sum\(\): argument 1 \(struct\): an address cannot be negative/);
  }
});

test('arrays of strings, pointers, bools and unions, written by C and by JS', () => {
  const e = ElementArrays.create();
  s.element_arrays_fill(e);
  const got = ElementArrays.fromPtr(e);
  assert.deepEqual(got.names.map((p) => new CString(p).toString()), ['alpha', 'beta', 'gamma']);
  assert.deepEqual(got.ptrs, [0, ptr(e)]);
  assert.deepEqual(got.flags, [true, false, true]);
  assert.equal(got.values[0].i, -7);
  assert.equal(got.values[1].f, 2.5);
  // JS writes the same kinds of elements; the C side checks every one.
  const ab = Buffer.from('ab\0');
  const abcd = Buffer.from('abcd\0');
  const mine = ElementArrays.create({ names: [ab, null, abcd], flags: [1, false], values: [{ i: 40 }, { f: 0.5 }] });
  ElementArrays.set(mine, 'ptrs', [null, mine]);
  assert.equal(s.element_arrays_check(mine), 2 + 0 * 100 + 4 * 10000 + 1e7 + 1e8 + 40 + 0.5);
  // Strings in an array member: the new struct keeps their text.
  const texts = ElementArrays.create({ names: ['text', null, 'é'] });
  assert.deepEqual(ElementArrays.get(texts, 'names').map((p) => (p === 0 ? null : readCString(p))), ['text', null, 'é']);
  throwsCode(assert, () => ElementArrays.create({ values: [{ i: 1, f: 1 }] }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

// By value, unions and packed structs are classified by the ABI files of x86-64 System V, AArch64
// and RISC-V 64 (src/abi_*.c); the portable one, where libffi decides alone, refuses them.
test('a pack that moves no field passes by value as the unpacked struct', () => {
  const Pack8 = Struct({ c: 'char', d: 'f64' }, { pack: 8 });
  assert.deepEqual([Pack8.size, Pack8.alignment, ...Pack8.fieldOffsets], [16, 8, 0, 8]);
  const { pack8_next } = dlopen(testlib, { pack8_next: { args: [Pack8], returns: Pack8, structReturn: 'object' } }).symbols;
  assert.deepEqual(pack8_next({ c: 1, d: 2.5 }), { c: 2, d: 5 });
});

// The comments in the next two tests give x86-64's classes; AArch64 and RISC-V 64 put the same
// values where their rules say (HFAs, the integer convention, flattening), with the same results.
test('unions by value: in the registers the ABI gives the union', () => {
  const Real = Union({ f: 'f32', d: 'f64' });
  const FI3 = Union({ f: array('f32', 3), i: 'i32' });
  const BigU = Union({ d: array('f64', 3), i: 'i64' });
  const Scaled = Struct({ scale: 'f32', value: IntOrFloat });
  const o = 'object';
  const u = dlopen(testlib, {
    iof_scale: { args: ['f64', IntOrFloat, 'i32'], returns: IntOrFloat, structReturn: o },
    real_add: { args: ['i32', Real, Real], returns: Real, structReturn: o },
    fi3_rotate: { args: [FI3, 'f64'], returns: FI3, structReturn: o },
    value_scaled: { args: [Value, 'f64'], returns: 'f64' },
    value_text: { args: ['char'], returns: Value, structReturn: o },
    big_u_scale: { args: [BigU, 'f64'], returns: BigU, structReturn: o },
    scaled_apply: { args: ['f64', Scaled, 'i32'], returns: 'f64' },
    tagged_bump: { args: [Tagged], returns: Tagged, structReturn: o },
  }).symbols;
  // 4 bytes holding an int: a general register, between a double and an int.
  assert.equal(u.iof_scale(2, { i: 21 }, 0).i, 42);
  assert.equal(u.iof_scale(0.5, { f: 5 }, 1).f, 2.5);
  // float or double: SSE registers, after an int.
  assert.equal(u.real_add(1, { d: 1.5 }, { d: 2.25 }).d, 3.75);
  assert.equal(u.real_add(0, { f: 1.5 }, Real.create({ f: 2.25 })).f, 3.75);
  // A general register for the first eightbyte (the int overlaps it), SSE for the second.
  assert.deepEqual(u.fi3_rotate({ f: [1, 2, 3] }, 2).f, [4, 6, 2]);
  // 16 bytes with chars in both eightbytes: two general registers.
  assert.equal(u.value_scaled({ d: 2.5 }, 2), 5);
  assert.equal(u.value_scaled({ s: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 0), 9);
  assert.deepEqual(u.value_text(65).s, [...Buffer.from('AAAAAAAAAAAA'), 0]);
  // 24 bytes: memory.
  assert.deepEqual(u.big_u_scale({ d: [1, 2, 3] }, 3).d, [3, 6, 9]);
  // A union inside a struct: its int makes the shared eightbyte a general register.
  assert.equal(u.scaled_apply(2, { scale: 3, value: { i: 5 } }, 0), 11);
  assert.equal(u.scaled_apply(2, { scale: 3, value: { f: 0.5 } }, 1), 6.5);
  assert.deepEqual(u.tagged_bump({ kind: 1, value: { d: 1.5 }, tail: 9 }), { kind: 2, value: Value.fromPtr(Value.create({ d: 3 })), tail: 10 });
});

test('packed structs by value: where the ABI puts them, aligned or not', () => {
  const PackedPair = Struct({ a: 'i32', b: 'i32' }, { packed: true });
  const PackedDI = Struct({ d: 'f64', i: 'i32' }, { packed: true });
  const PackedVec3 = Struct({ x: 'f32', y: 'f32', z: 'f32' }, { packed: true });
  const Packed5 = Struct({ c: 'char', i: 'i32' }, { packed: true });
  const Packed9 = Struct({ c: 'char', d: 'f64' }, { packed: true });
  const HoldsPair1 = Struct({ tag: 'char', p: PackedPair });
  const HoldsPair4 = Struct({ n: 'i32', p: PackedPair });
  assert.deepEqual([PackedDI.size, PackedDI.alignment, Packed5.size, HoldsPair1.size, HoldsPair4.size], [12, 1, 5, 9, 12]);
  const o = 'object';
  const p = dlopen(testlib, {
    packed_pair_swap: { args: ['f64', PackedPair, 'i32'], returns: PackedPair, structReturn: o },
    packed_di_scale: { args: [PackedDI, 'i32'], returns: PackedDI, structReturn: o },
    packed_vec3_scale: { args: [PackedVec3, 'f32'], returns: PackedVec3, structReturn: o },
    packed5_bump: { args: ['i32', Packed5, 'i32'], returns: Packed5, structReturn: o },
    packed9_sum: { args: ['f64', Packed9, 'i32'], returns: 'f64' },
    packed_bump: { args: [Packed], returns: Packed, structReturn: o },
    pack2_sum: { args: [Pack2, 'f64'], returns: 'f64' },
    holds_pair1_sum: { args: ['f64', HoldsPair1, 'i32'], returns: 'i64' },
    holds_pair4_next: { args: [HoldsPair4], returns: HoldsPair4, structReturn: o },
  }).symbols;
  // Every field aligned: registers as for the unpacked struct, only the size differs.
  assert.deepEqual(p.packed_pair_swap(100, { a: 1, b: 2 }, 3), { a: 106, b: 3 });
  assert.deepEqual(p.packed_di_scale({ d: 1.5, i: 7 }, 2), { d: 3, i: 14 });
  assert.deepEqual(p.packed_vec3_scale({ x: 1, y: 2, z: 3 }, 2), { x: 2, y: 4, z: 6 });
  assert.deepEqual(p.holds_pair4_next({ n: 1, p: { a: 2, b: 3 } }), { n: 2, p: { a: 3, b: 4 } });
  // A misaligned field: memory, however small the struct.
  assert.deepEqual(p.packed5_bump(2, { c: 10, i: 1000 }, 3), { c: 12, i: 3000 });
  assert.equal(p.packed9_sum(1, { c: 2, d: 1.5 }, 4), 9);
  assert.equal(p.holds_pair1_sum(100, { tag: 1, p: { a: 2, b: 3 } }, 10), 151);
  assert.equal(p.pack2_sum({ c: 1, i: 2, d: 3.5, e: 4 }, 2), 21);
  assert.deepEqual(p.packed_bump({ c: 1, i: 2, d: 3, h: 4, sm: { a: 5, b: 6, c: 7 } }), { c: 2, i: 1, d: 6, h: 5, sm: { a: 5, b: 7, c: 7 } });
  // The same through a callback: libffi's closure reads the struct where the call put it.
  const cb = new JSCallback((bytes, k) => {
    const v = Packed5.fromPtr(bytes);
    return Packed5.create({ c: v.c + k, i: v.i * k });
  }, { args: [Packed5, 'i32'], returns: Packed5 });
  const viaCallback = CFunction({ args: [Packed5, 'i32'], returns: Packed5, ptr: cb.ptr, structReturn: 'object' });
  assert.deepEqual(viaCallback({ c: 1, i: -4 }, 3), { c: 4, i: -12 });
  cb.close();
});

test('the portable ABI file, where libffi decides alone, refuses unions and packed structs by value', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-portable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs')], {
    env: { ...process.env, ARKFFI_ABI: 'portable', ARKFFI_BUILD_DIR: dir, ARKFFI_SANITIZE: '' },
    stdio: 'pipe',
  });
  const script = `import { dlopen, Struct, Union } from 'arkffi';
    const out = [];
    for (const type of [Union({ i: 'i32', f: 'f32' }), Struct({ c: 'char', i: 'i32' }, { packed: true })]) {
      try { dlopen(${JSON.stringify(testlib)}, { pair_sum: { args: [type], returns: 'i64' } }); out.push('defined'); }
      catch (err) { out.push(err.code + ': ' + err.message); }
    }
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root, env: { ...process.env, ARKFFI_ADDON: join(dir, 'arkffi.node') }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const [union, packed] = JSON.parse(run.stdout);
  for (const message of [union, packed]) {
    assert.match(message, /^ERR_ARKFFI_INVALID_TYPE: pair_sum: argument 1: this union, packed or aligned struct cannot be passed by value on this platform/);
    assert.match(message, /pass a pointer to it instead$/);
  }
});

test('more shapes by value: {u8, f64}, {f32, f64, i8}, {char[3]}, float[2][2], an array of structs', () => {
  const TaggedD = Struct({ tag: 'u8', value: 'f64' });
  const FDC = Struct({ f: 'f32', d: 'f64', c: 'i8' });
  const Chars3 = Struct({ s: array('char', 3) });
  const Mat2 = Struct({ m: array(array('f32', 2), 2) });
  const Smalls = Struct({ items: array(Small, 2), n: 'i32' });
  assert.deepEqual([TaggedD.size, FDC.size, Chars3.size, Mat2.size, Smalls.size], [16, 24, 3, 16, 16]);
  const o = 'object';
  const v = dlopen(testlib, {
    tagged_d_next: { args: [TaggedD], returns: TaggedD, structReturn: o },
    fdc_scale: { args: [FDC, 'f64'], returns: FDC, structReturn: o },
    chars3_upper: { args: [Chars3], returns: Chars3, structReturn: o },
    mat2_transpose: { args: [Mat2], returns: Mat2, structReturn: o },
    smalls_reverse: { args: [Smalls], returns: Smalls, structReturn: o },
  }).symbols;
  assert.deepEqual(v.tagged_d_next({ tag: 255 - 1, value: 3 }), { tag: 255, value: 1.5 });
  assert.deepEqual(v.fdc_scale({ f: 1.5, d: -2, c: -3 }, 4), { f: 6, d: -8, c: -12 });
  assert.deepEqual(v.chars3_upper({ s: [...Buffer.from('aZ!')] }).s, [...Buffer.from('AZ!')]);
  assert.deepEqual(v.mat2_transpose({ m: [[1, 2], [3, 4]] }), { m: [[1, 3], [2, 4]] });
  assert.deepEqual(v.smalls_reverse({ items: [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }], n: 7 }),
    { items: [{ a: 4, b: 5, c: 6 }, { a: 1, b: 2, c: 3 }], n: -7 });
});

test('a 400,000-byte array field passes by value', () => {
  const Blob = Struct({ xs: array(array('u8', 200000), 2) });
  const { blob_sum } = dlopen(testlib, { blob_sum: { args: [Blob], returns: 'u64' } }).symbols;
  const bytes = new Uint8Array(Blob.size).fill(1);
  bytes[0] = 200;
  bytes[Blob.size - 1] = 7;
  assert.equal(blob_sum(bytes), Blob.size - 2 + 207);
  assert.equal(blob_sum({ xs: [[5], [0, 6]] }), 11);
});

test('linkSymbols takes StructSchema arguments', () => {
  const linked = linkSymbols({
    pair_sum: { args: [Pair], returns: 'i64', ptr: lib.getSymbolPtr('pair_sum') },
    pair_swap: { args: [Pair], returns: Pair, ptr: lib.getSymbolPtr('pair_swap'), structReturn: 'object' },
  });
  assert.equal(linked.symbols.pair_sum({ a: 40, b: 2 }), 42);
  assert.equal(linked.symbols.pair_sum(Pair.create({ a: -1, b: -2 })), -3);
  assert.deepEqual(linked.symbols.pair_swap({ a: 1, b: 2 }), { a: 2, b: 1 });
});

test('CFunction takes StructSchema arguments and results', () => {
  const dot = CFunction({ args: [Vec3, Vec3], returns: 'f32', ptr: lib.getSymbolPtr('vec3f_dot') });
  assert.equal(dot({ x: 1, y: 2, z: 3 }, { x: 1, y: 1, z: 1 }), 6);
  const swap = CFunction({ args: [Pair], returns: Pair, ptr: lib.getSymbolPtr('pair_swap'), structReturn: 'object' });
  assert.deepEqual(swap({ a: 1, b: 2 }), { a: 2, b: 1 });
  assert.equal(swap.name, 'CFunction');
});

test('.async converts struct arguments and results as the synchronous call does', async () => {
  assert.deepEqual(await s.pair_swap.async({ a: 1, b: 2 }), { a: 2, b: 1 });
  const p = await s.vec3f_cross.async({ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 });
  assert.deepEqual(Vec3.fromPtr(p), { x: -3, y: 6, z: -3 });
  assert.equal(releasePtr(p), true);
  // Many calls in flight, each argument encoded into the same reused memory: each call's bytes
  // are copied when it is submitted.
  const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => s.pair_sum.async({ a: i, b: 1000 })));
  assert.deepEqual(sums, Array.from({ length: 50 }, (_, i) => i + 1000));
  await assert.rejects(s.pair_sum.async({ a: 1.5 }), (err) => err.code === 'ERR_ARKFFI_OUT_OF_RANGE' && err.argIndex === 0);
  const big = AsyncCFunction({ args: [Big], returns: Big, ptr: lib.getSymbolPtr('big_bump'), structReturn: 'object' });
  assert.deepEqual(await big({ id: 1, values: [1, 2, 3, 4], flags: 1 }), { id: 2, values: [2, 4, 6, 8], tag: [0, 0, 0, 0, 0, 0, 0, 0], flags: 0xfffe });
});

test('pointers to structs: out-parameters, arrays of structs, C-owned structs', () => {
  const out = Vec3.create();
  s.vec3f_fill(out, 1, 2.5, -3);
  assert.deepEqual(Vec3.fromPtr(out), { x: 1, y: 2.5, z: -3 });
  const raw = new ArrayBuffer(Vec3.size);
  s.vec3f_fill(ptr(raw), 4, 5, 6);
  assert.deepEqual(Vec3.fromPtr(raw), { x: 4, y: 5, z: 6 });

  const pts = Point.createArray([{ x: 1, y: 2, id: 3 }, { x: 4, y: 5, id: 6 }, { x: 7, y: 8, id: 9 }]);
  assert.equal(pts.byteLength, 3 * Point.size);
  assert.equal(s.points_sum(pts, 3), 45);
  s.points_scale(pts, 3, 2);
  assert.deepEqual(Point.fromArray(pts, 3), [{ x: 2, y: 4, id: 103 }, { x: 8, y: 10, id: 106 }, { x: 14, y: 16, id: 109 }]);
  assert.deepEqual(Point.fromPtr(pts, 2 * Point.size), { x: 14, y: 16, id: 109 });
  assert.deepEqual(Point.fromPtr(ptr(pts), Point.size), { x: 8, y: 10, id: 106 });
  assert.deepEqual(Point.fromArray(ptr(pts), 1, Point.size), [{ x: 8, y: 10, id: 106 }]);
  assert.deepEqual(Point.fromArray(pts, 0), []);
  throwsCode(assert, () => Point.fromArray(pts, 4), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  // A callee that fills a whole array it did not allocate.
  const filled = new ArrayBuffer(4 * Point.size);
  s.fill_points(filled, 4);
  assert.deepEqual(Point.fromArray(filled, 4), [0, 1, 2, 3].map((k) => ({ x: k, y: k / 2, id: k * 10 })));

  const cfg = s.config_static();
  const config = Config.fromPtr(cfg);
  assert.deepEqual({ ...config, name: undefined }, { name: undefined, version: 3, flags: [1, 0, 1, 1], origin: { x: 0.5, y: -1.5, z: 2 } });
  assert.equal(new CString(config.name).toString(), 'arkffi-config');
  // set() on an address writes C's memory in place.
  Config.set(cfg, 'version', 4);
  assert.equal(s.config_version(cfg), 4);
  Config.set(cfg, 'version', 3);
  assert.equal(Config.get(cfg, 'version'), 3);
});

// The guides' examples run as written: each `js` block as a module of this package, and every
// `console.log(...); // value` line must print that value.
for (const guide of ['structs.md', 'memory-management.md']) {
  const text = readFileSync(join(root, 'docs', guide), 'utf8');
  const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  const dir = join(root, 'build', 'docs');
  test(`docs/${guide}: every example prints what its comments say`, () => {
    assert.ok(blocks.length >= 4);
    mkdirSync(dir, { recursive: true });
    blocks.forEach((code, i) => {
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]);
      const file = join(dir, `${guide.replace('.md', '')}-${i + 1}.mjs`);
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
      assert.deepEqual(out, expected, `example ${i + 1}`);
    });
  });
}

/** Every Proxy trap, each recording its name in `log` before doing the default. */
function recordingTraps(log) {
  const names = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set'];
  return Object.fromEntries(names.map((n) => [n, (...a) => (log.push(n), Reflect[n](...a))]));
}

test('packing a struct runs no getter and no Proxy trap: both are refused with a code', () => {
  const P = Struct({ x: 'i32', y: 'f64' });
  const Nested = Struct({ p: P, list: array('u8', 4) });
  let runs = 0;
  const getter = { x: 1, get y() { runs++; return 2; } };
  const err = throwsCode(assert, () => P.create(getter), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /'y' is an accessor/);
  throwsCode(assert, () => Nested.create({ p: getter }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  const list = Object.defineProperty([1, 2], 1, { get() { runs++; return 2; } });
  throwsCode(assert, () => Nested.create({ list }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  const log = [];
  const proxy = new Proxy({ x: 1, y: 2 }, recordingTraps(log));
  const refused = throwsCode(assert, () => P.create(proxy), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(refused.message, /must not be a Proxy/);
  throwsCode(assert, () => Nested.create({ p: proxy }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => Nested.create({ list: new Proxy([1], recordingTraps(log)) }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(runs, 0);
  assert.deepEqual(log, []);
  // A getter on Object.prototype (a polluted prototype) is no field, and is never read.
  Object.defineProperty(Object.prototype, 'y', { get() { runs++; return 5; }, configurable: true });
  try {
    assert.deepEqual(P.fromPtr(P.create({ x: 3 })), { x: 3, y: 0 });
  } finally {
    delete Object.prototype.y;
  }
  assert.equal(runs, 0);
  assert.deepEqual(Nested.fromPtr(Nested.create({ p: { x: 1, y: 2 }, list: [1, , 3] })), { p: { x: 1, y: 2 }, list: [1, 0, 3, 0] });
});

test('a struct argument to a call runs no getter or Proxy trap and reads no inherited field', () => {
  let runs = 0;
  const getter = Object.defineProperty({ a: 1 }, 'b', { enumerable: true, get() { runs++; return 2; } });
  const err = throwsCode(assert, () => s.pair_sum(getter), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /^pair_sum\(\): argument 1 \(struct\): .*'b' is an accessor/);
  const log = [];
  throwsCode(assert, () => s.pair_sum(new Proxy({ a: 1, b: 2 }, recordingTraps(log))), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.pair_swap(Object.create({ a: 1, b: 2 })), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.equal(runs, 0);
  assert.deepEqual(log, []);
  // The same call site then still takes a plain object and struct bytes, in either order.
  assert.equal(s.pair_sum({ a: 3, b: 4 }), 7);
  assert.equal(s.pair_sum(Pair.create({ a: 5, b: 6 })), 11);
  assert.deepEqual(s.pair_swap(Pair.create({ a: 1, b: 2 })), { a: 2, b: 1 });
});

test('a struct definition reads its fields and options without running getters or traps', () => {
  let runs = 0;
  const fields = { x: 'i32', get y() { runs++; return 'f64'; } };
  throwsCode(assert, () => Struct(fields), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const log = [];
  throwsCode(assert, () => Struct(new Proxy({ x: 'i32' }, recordingTraps(log))), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct([new Proxy(['x', 'i32'], recordingTraps(log))]), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => Struct({ x: 'i32' }, { get packed() { runs++; return true; } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(runs, 0);
  assert.deepEqual(log, []);
  assert.equal(Struct([['a', 'u8'], ['b', 'u32']], { packed: true }).size, 5);
});

test('structs and arrays nested 100,000 deep are refused with a coded error, not a stack overflow', () => {
  let t = Struct({ v: 'u8' });
  let made = 0;
  const err = throwsCode(assert, () => {
    for (let k = 0; k < 100000; k++, made++) t = k % 2 === 0 ? Struct({ inner: t }) : array(t, 1);
  }, TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(err.message, /nest deeper than 256 levels/);
  assert.equal(made, 255);
  // The deepest struct that was made still converts.
  const deepest = t instanceof StructSchema ? t : Struct({ last: t });
  assert.equal(deepest.create().byteLength, 1);
});
