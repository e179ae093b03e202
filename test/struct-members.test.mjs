// Struct members beyond a plain type: members with an alignment of their own, flexible array
// members and pointers to structs (the struct's own type, and one declared later). Layouts are
// compared with gcc's sizeof/_Alignof/offsetof (test/native/struct_members.c), and the structs
// go to and from C functions by pointer and, where C allows, by value.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  alignof, array, CString, dlopen, flexibleArray, offsetof, pointerTo, ptr, read, releasePtr, sizeof, Struct, StructSchema, Union,
} from 'arkffi';
import { root, testlib, throwsCode } from './helpers.mjs';

const CI8 = Struct({ c: 'char', i: { type: 'i32', align: 8 } });
const CI2 = Struct({ c: 'char', i: { type: 'i32', align: 2 } });
const A16 = Struct({ a: { type: 'i32', align: 16 } });
const FF = Struct({ x: 'f32', y: { type: 'f32', align: 8 } });
const AlPacked = Struct({ c: 'char', i: { type: 'i32', align: 2 }, z: 'char' }, { packed: true });
const AlPack2 = Struct({ c: 'char', i: { type: 'i32', align: 8 } }, { pack: 2 });
const AlBig = Struct({ c: 'char', v: { type: array('i32', 3), align: 32 }, in: { type: CI8, align: 16 } });
const CD16 = Struct({ c: 'char', d: { type: 'f64', align: 16 } });

const Doubles = Struct({ n: 'i32', data: flexibleArray('f64') });
const Tail = Struct({ x: 'f64', c: 'char', tail: flexibleArray('char') });
const FlPoint = Struct({ x: 'u16', y: 'u16' });
const Points = Struct({ kind: 'u8', count: 'u32', points: flexibleArray(FlPoint) });

const Node = Struct({ v: 'i32', next: pointerTo('self') }, { name: 'node' });
const Tree = Struct({ left: pointerTo(() => Leaf), right: pointerTo(() => Leaf), depth: 'i16' });
const Leaf = Struct({ weight: 'f64', label: 'cstring' });

const lib = dlopen(testlib, {
  ...Object.fromEntries(
    ['ci8', 'ci2', 'a16', 'ff', 'packed', 'pack2', 'big', 'cd16', 'doubles', 'tail', 'points', 'node', 'tree'].map((n) => [
      `sm_layout_${n}`,
      { returns: 'ptr' },
    ]),
  ),
  sm_ci8_bump: { args: [CI8, 'f64', 'i32'], returns: CI8, structReturn: 'object' },
  sm_ci8_sum: { args: ['ptr'], returns: 'i64' },
  sm_a16_scale: { args: [A16, 'f64'], returns: A16, structReturn: 'object' },
  sm_a16_after: { args: [A16, 'f64'], returns: 'f64' },
  sm_ff_swap: { args: [FF], returns: FF, structReturn: 'object' },
  sm_packed_bump: { args: [AlPacked], returns: AlPacked, structReturn: 'object' },
  sm_pack2_bump: { args: [AlPack2], returns: AlPack2, structReturn: 'object' },
  sm_big_sum: { args: ['ptr'], returns: 'i64' },
  sm_doubles_sum: { args: ['ptr'], returns: 'f64' },
  sm_doubles_make: { args: ['i32', 'f64'], returns: 'ptr' },
  sm_doubles_double: { args: ['ptr'], returns: 'void' },
  sm_points_sum: { args: ['ptr'], returns: 'u32' },
  sm_free: { args: ['ptr'], returns: 'void' },
  sm_list: { args: ['i32'], returns: 'ptr' },
  sm_list_sum: { args: ['ptr'], returns: 'i64' },
  sm_list_reverse: { args: ['ptr'], returns: 'ptr' },
  sm_node_make: { args: ['i32', 'ptr'], returns: Node, structReturn: 'object' },
  sm_tree_make: { returns: 'ptr' },
});
const s = lib.symbols;

/** gcc's {sizeof, _Alignof, offsets...} from an sm_layout_* function. */
function gcc(name) {
  const p = s[`sm_layout_${name}`]();
  const count = Number(read.u64(p, 16));
  const at = (k) => Number(read.u64(p, 8 * k));
  return { size: at(0), align: at(1), offsets: Array.from({ length: count }, (_, k) => at(3 + k)) };
}

const layouts = {
  ci8: CI8, ci2: CI2, a16: A16, ff: FF, packed: AlPacked, pack2: AlPack2, big: AlBig, cd16: CD16,
  doubles: Doubles, tail: Tail, points: Points, node: Node, tree: Tree,
};

test('every layout is gcc\'s: sizeof, _Alignof and each offsetof', () => {
  for (const [name, schema] of Object.entries(layouts)) {
    const { size, align, offsets } = gcc(name);
    assert.deepEqual(
      { size: schema.size, align: schema.alignment, offsets: [...schema.fieldOffsets] },
      { size, align, offsets },
      name,
    );
    assert.equal(sizeof(schema), size, name);
    assert.equal(alignof(schema), align, name);
    schema.fieldNames.forEach((field, i) => assert.equal(offsetof(schema, field), offsets[i], `${name}.${field}`));
  }
});

test('aligned members: the descriptor is kept as given, and reads and writes as its type', () => {
  assert.deepEqual(CI8.fieldTypes[1], { type: 'i32', align: 8 });
  const b = CI8.create({ c: 7, i: -5 });
  assert.deepEqual(CI8.fromPtr(b), { c: 7, i: -5 });
  assert.equal(new DataView(b).getInt32(8, true), -5);
  assert.equal(s.sm_ci8_sum(b), 2);
  const big = AlBig.create({ c: 1, v: [2, 3, 4], in: { c: 5, i: 6 } });
  assert.equal(s.sm_big_sum(big), 21);
  assert.deepEqual(AlBig.fromPtr(big), { c: 1, v: [2, 3, 4], in: { c: 5, i: 6 } });
  // offsetof() reaches through a descriptor into the nested struct.
  assert.equal(offsetof(AlBig, 'in.i'), AlBig.fieldOffsets[2] + CI8.fieldOffsets[1]);
  // The aligned type in a union pads it as in C.
  const U = Union({ c: 'char', i: { type: 'i32', align: 16 } });
  assert.deepEqual([U.size, U.alignment], [16, 16]);
});

test('aligned members by value: the ABI sees the layout gcc gives', () => {
  assert.deepEqual(s.sm_ci8_bump({ c: 1, i: 5 }, 3, 2), { c: 2, i: 13 });
  // The second eightbyte is padding alone: it takes no register, so x is the first double.
  assert.equal(s.sm_a16_after({ a: 5 }, 0.5), 5.5);
  assert.deepEqual(s.sm_a16_scale({ a: 5 }, 3), { a: 15 });
  assert.deepEqual(s.sm_ff_swap({ x: 1.5, y: -2 }), { x: -2, y: 1.5 });
  assert.deepEqual(s.sm_packed_bump({ c: 1, i: 1000, z: 9 }), { c: 2, i: 2000, z: 10 });
  assert.deepEqual(s.sm_pack2_bump({ c: 1, i: 1 }), { c: 2, i: 101 });
  const cd16 = { sm_cd16_half: { args: [CD16, 'i32'], returns: CD16 } };
  if (process.arch === 'riscv64') {
    // RISC-V passes c and d in a0 and fa0 (the padding does not count), and libffi passes any
    // struct over 16 bytes by reference: it cannot make this call, so ArkFFI refuses it.
    const e = throwsCode(assert, () => dlopen(testlib, cd16), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
    assert.match(e.message, /sm_cd16_half: argument 1: .*cannot be passed by value on this platform/);
  } else {
    const p = dlopen(testlib, cd16).symbols.sm_cd16_half({ c: 3, d: 5 }, 4);
    assert.deepEqual(CD16.fromPtr(p), { c: 7, d: 2.5 });
    releasePtr(p);
  }
});

test('aligned members by value on the thread pool too', async () => {
  assert.deepEqual(await s.sm_ci8_bump.async({ c: 1, i: 5 }, 3, 2), { c: 2, i: 13 });
  assert.equal(await s.sm_a16_after.async({ a: 1 }, 0.25), 1.25);
});

test('a struct aligned beyond 16 bytes passes by pointer only', () => {
  const e = throwsCode(assert, () => dlopen(testlib, { sm_big_sum: { args: [AlBig], returns: 'i64' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(e.message, /aligned to 32 bytes/);
});

test('flexible array members: create with a count, C reads the elements', () => {
  const b = Doubles.create({ n: 3, data: [1.5, 2.5, 3] });
  assert.equal(b.byteLength, 8 + 3 * 8);
  assert.equal(s.sm_doubles_sum(b), 7);
  // Room for more elements than given; the rest are zero.
  const room = Doubles.create({ n: 4, data: [1] }, { count: 4 });
  assert.equal(room.byteLength, Doubles.sizeFor(4));
  Doubles.setElement(room, 3, 10);
  assert.equal(s.sm_doubles_sum(room), 11);
  assert.deepEqual(Doubles.fromPtr(room, { count: 4 }), { n: 4, data: [1, 0, 0, 10] });
  assert.deepEqual(Doubles.fromPtr(room), { n: 4, data: [] });
  // The elements start inside the trailing padding: sizeof stays the minimum.
  assert.deepEqual([Tail.sizeFor(0), Tail.sizeFor(7), Tail.sizeFor(8)], [16, 16, 17]);
  const t = Tail.create({ x: 1, c: 2, tail: [...Buffer.from('hi\0')] });
  assert.deepEqual(Tail.fromPtr(t, { count: 3 }).tail, [104, 105, 0]);
});

test('flexible array members: structs as elements, read and written by index', () => {
  const b = Points.create({ kind: 1, count: 2, points: [{ x: 1, y: 2 }, { x: 3, y: 4 }] });
  assert.equal(s.sm_points_sum(b), 1 + 1002 + 3004);
  assert.deepEqual(Points.getElement(b, 1), { x: 3, y: 4 });
  Points.setElement(b, 0, { x: 5 });
  assert.equal(s.sm_points_sum(b), 1 + 5000 + 3004);
  Points.set(b, 'points', [{ y: 9 }]);
  assert.deepEqual(Points.fromPtr(b, { count: 2 }).points, [{ x: 0, y: 9 }, { x: 3, y: 4 }]);
});

test('flexible array members in C memory: read at an address, written in place', () => {
  const p = s.sm_doubles_make(5, 0.5);
  try {
    const { n } = Doubles.fromPtr(p);
    assert.deepEqual(Doubles.fromPtr(p, { count: n }), { n: 5, data: [0, 0.5, 1, 1.5, 2] });
    assert.equal(Doubles.getElement(p, 4), 2);
    Doubles.setElement(p, 0, 7);
    s.sm_doubles_double(p);
    assert.deepEqual(Doubles.fromPtr(p, { count: 2, byteOffset: 0 }).data, [14, 1]);
  } finally {
    s.sm_free(p);
  }
});

test('flexible array members: too many elements for the memory, bad counts and indices', () => {
  const b = Doubles.create({ n: 1 }, { count: 1 });
  let e = throwsCode(assert, () => Doubles.set(b, 'data', [1, 2]), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  e = throwsCode(assert, () => Doubles.setElement(b, 1, 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Doubles.fromPtr(b, { count: 2 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  e = throwsCode(assert, () => Doubles.create({ data: [1, 2, 3] }, { count: 2 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.match(e.message, /field 'data' has room for 2 elements/);
  throwsCode(assert, () => Doubles.create({}, { count: -1 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Doubles.create({}, { count: 1.5 }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Doubles.getElement(b, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Doubles.sizeFor(2 ** 60), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => Doubles.create({}, 3), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => CI8.create({}, { count: 2 }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => CI8.getElement(CI8.create(), 0), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => Doubles.create({ data: 'abc' }), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('a flexible array member must be last, in a struct, after a field; such a struct is passed by pointer', () => {
  const cases = [
    [() => Struct({ data: flexibleArray('f64'), n: 'i32' }, { name: 'bad' }), /struct bad: field 'data': a flexible array member must be the last field/],
    [() => Struct({ data: flexibleArray('f64') }), /struct \{ data \}: field 'data': a flexible array member needs a field before it/],
    [() => Union({ n: 'i32', data: flexibleArray('f64') }), /union \{ n, data \}: field 'data': a union cannot have a flexible array member/],
    [() => Struct({ inner: Doubles, x: 'i32' }), /field 'inner': a struct that ends in a flexible array member cannot be a field/],
    [() => array(Doubles, 2), /flexible array member cannot be a field or an array element/],
    [() => array(flexibleArray('u8'), 2), /a field type must be/],
    [() => Struct({ n: 'i32', data: flexibleArray('void') }), /field 'data': the element type/],
  ];
  for (const [fn, message] of cases) assert.match(throwsCode(assert, fn, TypeError, 'ERR_ARKFFI_INVALID_TYPE').message, message);
  const e = throwsCode(assert, () => dlopen(testlib, { sm_doubles_sum: { args: [Doubles], returns: 'f64' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(e.message, /flexible array member 'data' and cannot be passed by value/);
});

test('self-referential structs: a list built in C, followed from JS', () => {
  const head = s.sm_list(4);
  const values = [];
  for (let p = head; p !== 0; p = Node.fromPtr(p).next) values.push(Node.fromPtr(p).v);
  assert.deepEqual(values, [1, 2, 3, 4]);
  assert.deepEqual(Node.follow(head, 'next'), { v: 2, next: Number(head) + 2 * Node.size });
  let node = Node.fromPtr(head);
  const seen = [node.v];
  for (let n = Node.follow(head, 'next'); n !== null; n = Node.follow(Node.create(n), 'next')) seen.push(n.v);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  const last = s.sm_list_reverse(head);
  assert.equal(Node.fromPtr(last).v, 4);
  assert.equal(s.sm_list_sum(last), 10);
  assert.equal(Node.follow(head, 'next'), null);
  node = s.sm_node_make(9, head);
  assert.deepEqual(node, { v: 9, next: head });
});

test('self-referential structs: a list built in JS, walked by C', () => {
  const c = Node.create({ v: 30 });
  const b = Node.create({ v: 20, next: c });
  const a = Node.create({ v: 10, next: b });
  assert.equal(s.sm_list_sum(a), 60);
  assert.equal(Node.fromPtr(a).next, ptr(b));
  assert.deepEqual(Node.follow(a, 'next'), { v: 20, next: ptr(c) });
  Node.set(b, 'next', null);
  assert.equal(s.sm_list_sum(a), 30);
});

test('pointers to a struct declared later resolve when followed', () => {
  const t = s.sm_tree_make();
  const tree = Tree.fromPtr(t);
  assert.equal(tree.depth, 3);
  const left = Tree.follow(t, 'left');
  assert.equal(left.weight, 1.5);
  assert.equal(new CString(left.label).toString(), 'left');
  assert.equal(new CString(Tree.follow(t, 'right').label).toString(), 'right');
  assert.deepEqual(Leaf.fromPtr(tree.right).weight, 2.25);
});

test('pointer members: wrong targets and fields are refused with the struct and member named', () => {
  let e = throwsCode(assert, () => Struct({ p: pointerTo('other') }, { name: 'n' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(e.message, /struct n: field 'p': pointerTo\(\) takes 'self'/);
  const Bad = Struct({ v: 'i32', p: pointerTo(() => 42) }, { name: 'bad' });
  const b = Bad.create({ p: Bad.create() });
  e = throwsCode(assert, () => Bad.follow(b, 'p'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.match(e.message, /follow\(\) struct bad: field 'p': its pointerTo\(\) function returned 42/);
  e = throwsCode(assert, () => Bad.follow(b, 'v'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(e.message, /field 'v' is not a pointerTo\(\) field/);
  throwsCode(assert, () => Bad.follow(b, 'nope'), TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD');
  assert.equal(Bad.follow(Bad.create(), 'p'), null);
  assert.ok(Node.fieldTypes[1].target === 'self' && Bad instanceof StructSchema);
});

test('aligned member descriptors: bad ones are refused with the struct and member named', () => {
  const cases = [
    [() => Struct({ a: { type: 'i32', align: 3 } }, { name: 's' }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /struct s: field 'a': align must be a power of two/],
    [() => Struct({ a: { type: 'i32', align: 0 } }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /struct \{ a \}: field 'a': align/],
    [() => Struct({ a: { type: 'i32', align: 2 ** 29 } }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /align/],
    [() => Struct({ a: { type: 'i32', align: '8' } }), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /align/],
    [() => Struct({ a: { type: 'i32', aligned: 8 } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', /field 'a': unknown key 'aligned'/],
    [() => Struct({ a: { align: 8 } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', /field 'a': a field descriptor needs a type/],
    [() => Struct({ a: { type: { type: 'i32' } } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', /cannot be a descriptor/],
    [() => Struct({ a: { type: 'i33', align: 8 } }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE', /field 'a'/],
    [() => Struct({ a: { get type() { return 'i32'; } } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', /accessor/],
    [() => Struct({ a: 'i32' }, { name: 'not a name' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE', /name must be a C identifier/],
  ];
  for (const [fn, Class, code, message] of cases) assert.match(throwsCode(assert, fn, Class, code).message, message);
  // align 1 and one below the natural alignment change nothing, as in gcc.
  assert.deepEqual(Struct({ c: 'char', d: { type: 'f64', align: 1 } }).fieldOffsets, [0, 8]);
});

// The API reference's example of these members runs as written (docs/structs.md's run with the
// struct tests): every `console.log(...); // value` line prints that value.
test('docs/api.md: the struct members example prints what its comments say', () => {
  const text = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const [code] = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).filter((c) => c.includes('flexibleArray'));
  const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]);
  mkdirSync(join(root, 'build', 'docs'), { recursive: true });
  const file = join(root, 'build', 'docs', 'api-struct-members.mjs');
  writeFileSync(file, code);
  assert.deepEqual(execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n'), expected);
  assert.equal(expected.length, 3);
});
