// Type tests that must compile: signatures inferred from definitions, checked type by type.
// Compiled by test/typing.test.mjs (tsc -p test/types), never run: only the types are tested.
import {
  alias, allowedLibraries, allowLibraries, array, disposable, AsyncCFunction, callBySigAsArrayBuffer, CFunction, CString, dlopen, ffi, FFIType,
  inout, JSCallback, Library, linkSymbols, opaque, out, pointer, read, readCStringArray, Struct, StructSchema, toBuffer, Union, flexibleArray, pointerTo, PointerType,
} from 'arkffi';
import type {
  AsyncCFunctionCallable, CFunctionCallable, FFICallable, FFIFunction, FunctionPointer, Handle, JSCallbackDefinition, NodeBuffer,
  OpenOptions, Pointer, PointerArg, PointerLike, StructInput, StructValue, TypeName, StructPointer,
} from 'arkffi';

/** true when A and B are the same type (not merely assignable to each other). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when T is true. */
type Assert<T extends true> = T;
/** A callable's parameters and result, for comparing with Equal. */
type Sig<F extends (...args: never[]) => unknown> = [Parameters<F>, ReturnType<F>];

/** What every pointer parameter takes. */
type PointerIn = number | bigint | null | ArrayBufferLike | ArrayBufferView | FunctionPointer | JSCallback;
/** What a cstring parameter takes: a string, null, a CString or a buffer (not an address). */
type CStringIn = string | null | CString | ArrayBufferLike | ArrayBufferView;
/** What a pointer comes back as: a number, or a BigInt beyond 2^53 (MAP_FAILED). */
type PointerOut = number | bigint;

// Every spelling of a type: FFIType members, bun:ffi names, one-letter codes, C spellings. Plain
// object literals infer literal types: no `as const`.
const lib = dlopen(null, {
  members: { args: [FFIType.i32, FFIType.double, FFIType.bool, FFIType.u64, FFIType.ptr, FFIType.CString], returns: FFIType.void },
  bun: { args: ['i8', 'u16', 'f32', 'i64_fast', 'usize', 'function', 'cstring'], returns: 'u32' },
  codes: { args: ['i', 'l', 'd', 'f', 'c', 'b', 's', 'p', 'k'], returns: 'v' },
  spelled: { args: ['int', 'long', 'size_t', 'double', 'unsigned', 'uintptr_t', 'short'], returns: 'int64_t' },
  nothing: {},
  bigs: { args: ['bigint64', 'biguint64'], returns: 'biguint64' },
  truth: { args: ['bool'], returns: 'b' },
  text: { args: ['s'], returns: 'cstring' },
  address: { args: ['buffer', 'function', 'callback'], returns: 'pointer' },
  pair: { args: [['f64', 'f64']], returns: ['f64', 'f64'] },
  two: { returns: '2' },
  size: { returns: 'usize' },
  printf: { args: ['cstring'], returns: 'int', variadic: true },
});
const s = lib.symbols;

type _Spellings = [
  Assert<Equal<Sig<typeof s.members>, [[number, number, boolean | number, number | bigint, PointerIn, CStringIn], void]>>,
  Assert<Equal<Sig<typeof s.bun>, [[number, number, number, number | bigint, number | bigint, PointerIn, CStringIn], number]>>,
  Assert<Equal<Sig<typeof s.codes>, [[number, number | bigint, number, number, number, boolean | number, CStringIn, PointerIn, PointerIn], void]>>,
  Assert<Equal<Sig<typeof s.spelled>, [[number, number | bigint, number | bigint, number, number, number | bigint, number], number | bigint]>>,
  Assert<Equal<Sig<typeof s.nothing>, [[], void]>>,
  Assert<Equal<Sig<typeof s.bigs>, [[number | bigint, number | bigint], bigint]>>,
  Assert<Equal<Sig<typeof s.truth>, [[boolean | number], boolean]>>,
  Assert<Equal<Sig<typeof s.text>, [[CStringIn], string | null]>>,
  Assert<Equal<Sig<typeof s.address>, [[PointerIn, PointerIn, PointerIn], PointerOut]>>,
  Assert<Equal<Sig<typeof s.pair>, [[ArrayBufferLike | ArrayBufferView], ArrayBuffer]>>,
  Assert<Equal<Sig<typeof s.two>, [[], ArrayBuffer]>>,
  // .async: the same parameters, a Promise of the result.
  Assert<Equal<Sig<typeof s.size.async>, [[], Promise<number | bigint>]>>,
  Assert<Equal<Sig<typeof s.text.async>, [[CStringIn], Promise<string | null>]>>,
  Assert<Equal<Sig<typeof s.nothing.async>, [[], Promise<void>]>>,
  Assert<Equal<PointerArg, PointerIn>>,
];

// Every form a parameter takes, as values.
const u8 = new Uint8Array(4);
const add = CFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: lib.getSymbolPtr('abs') });
s.members(1, 0.5, true, 2n ** 60n, u8, 'text');
s.members(-1, 1, 0, 7, null, null);
s.members(0, 0, false, 0, Buffer.alloc(8), Buffer.from('text\0'));
s.members(0, 0, false, 0, new DataView(new ArrayBuffer(8)), new CString(12345));
s.members(0, 0, false, 0, new ArrayBuffer(8), new ArrayBuffer(8));
s.members(0, 0, false, 0, new SharedArrayBuffer(8), u8);
s.address(add, 0n, add.ptr);
s.pair(new Float64Array([1, 2]));
const count: number = s.printf('%d %s %f %p\n', 'i32', 42, 'cstring', 'cat', 'f64', 4.5, 'ptr', u8);
const plain: number = s.printf('plain\n');
const values: unknown[] = [];
s.printf('%d\n', ...values); // spread arguments are checked when the call runs
const later: Promise<number> = s.printf.async('%d\n', 'i64', 2n ** 60n);

// Definitions written ahead: `as const`, `satisfies`, and FFIType members keep their literal types.
const defs = {
  strlen: { args: [FFIType.cstring], returns: FFIType.usize },
  getpid: { returns: 'i32' },
} as const satisfies Record<string, FFIFunction>;
const libc: Library<typeof defs> = dlopen(null, defs);
const { strlen, getpid } = libc.symbols;
type _Ahead = [
  Assert<Equal<Sig<typeof strlen>, [[CStringIn], number | bigint]>>,
  Assert<Equal<Sig<typeof getpid>, [[], number]>>,
];

// Definitions typed only as FFIFunction still compile: their calls are checked when they run.
const loose: Record<string, FFIFunction> = { abs: { args: ['i32'], returns: 'i32' } };
const anyCall = dlopen(null, loose).symbols.abs(1, 'anything');
type _Loose = [Assert<Equal<Sig<Library['symbols'][string]>, [any[], unknown]>>, Assert<Equal<typeof anyCall, unknown>>];
// ... and every typed library, symbol and function pointer is also a loose one.
const libraries: Library[] = [lib, libc, dlopen(null, loose)];
const callables: FFICallable[] = [s.members, s.printf, strlen, add];
const pointers: [CFunctionCallable, AsyncCFunctionCallable] = [add, AsyncCFunction({ returns: 'i32', ptr: add.ptr })];

// Structs: values typed from the fields, nested structs as objects, arrays as arrays.
const Vec2 = Struct({ x: 'f32', y: 'f32' });
const Shape = Struct({
  id: 'u64',
  tag: 'bigint64',
  name: 'cstring',
  data: 'ptr',
  ok: 'bool',
  origin: Vec2,
  corners: array(Vec2, 4),
  grid: array(array('u8', 3), 3),
  kind: FFIType.char,
});
type ShapeValue = {
  id: number | bigint;
  tag: bigint;
  name: PointerOut;
  data: PointerOut;
  ok: boolean;
  origin: { x: number; y: number };
  corners: { x: number; y: number }[];
  grid: number[][];
  kind: number;
};
const shape = Shape.create({ id: 1n, name: Buffer.from('box\0'), ok: 1, origin: { x: 1 }, corners: [{ x: 0, y: 0 }], grid: [new Uint8Array(3)] });
const decoded = Shape.fromPtr(shape);
type _Struct = [
  Assert<Equal<typeof decoded, ShapeValue>>,
  Assert<Equal<ReturnType<typeof Shape.fromArray>, ShapeValue[]>>,
  Assert<Equal<ReturnType<typeof Shape.get<'origin'>>, { x: number; y: number }>>,
  Assert<Equal<StructValue<{ a: 'i32' }>, { a: number }>>,
  Assert<Equal<StructInput<{ a: 'i32'; p: 'ptr' }>, { a?: number; p?: number | bigint | null | ArrayBufferLike | ArrayBufferView }>>,
];
const x: number = Shape.get(shape, 'origin').x;
Shape.set(shape, 'tag', 5);
Shape.set(shape, 'data', null);
Shape.set(shape, 'origin', new ArrayBuffer(8));
Shape.createArray([{ id: 1 }, {}]);
Shape.create();

// Fields as [name, type] pairs, unions, and the untyped schema that every schema is.
const Row = Struct([['1', 'u8'], ['0', 'i32']]);
const Bits = Union({ f: 'f32', u: 'u32' });
type _Pairs = [
  Assert<Equal<ReturnType<typeof Row.fromPtr>, { 1: number; 0: number }>>,
  Assert<Equal<ReturnType<typeof Bits.fromPtr>, { f: number; u: number }>>,
];
const schemas: StructSchema[] = [Row, Bits, Shape];
const anyValue: Record<string, any> = schemas[0].fromPtr(0);
const Packed = new StructSchema({ a: 'char', b: 'i32' }, { packed: true });
const packedB: number = Packed.fromPtr(0).b;

// Structs through calls: arguments take objects, buffers or addresses; results by structReturn.
const structs = dlopen(null, {
  byPointer: { args: [Vec2], returns: Vec2 },
  byObject: { args: [Vec2, 'i32'], returns: Vec2, structReturn: 'object' },
  byBuffer: { returns: Vec2, structReturn: 'buffer' },
  explicit: { returns: Vec2, structReturn: 'pointer' },
});
type VecIn = { x?: number; y?: number } | ArrayBufferLike | ArrayBufferView | number | bigint;
type _Calls = [
  Assert<Equal<Sig<typeof structs.symbols.byPointer>, [[VecIn], number]>>,
  Assert<Equal<Sig<typeof structs.symbols.byObject>, [[VecIn, number], { x: number; y: number }]>>,
  Assert<Equal<Sig<typeof structs.symbols.byBuffer>, [[], ArrayBuffer]>>,
  Assert<Equal<Sig<typeof structs.symbols.explicit>, [[], number]>>,
  Assert<Equal<Sig<typeof structs.symbols.byObject.async>, [[VecIn, number], Promise<{ x: number; y: number }>]>>,
];
const p: number = structs.symbols.byPointer({ x: 1, y: 2 });
structs.symbols.byPointer(p);
structs.symbols.byPointer(Vec2.create());

// Function pointers: CFunction, AsyncCFunction and linkSymbols infer like dlopen().
const asyncAdd = AsyncCFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: add.ptr });
const linked = linkSymbols({
  add: { args: ['i32', 'i32'], returns: 'i32', ptr: add.ptr },
  vec: { args: ['f64'], returns: Vec2, structReturn: 'object', ptr: BigInt(add.ptr) },
});
type _Pointers = [
  Assert<Equal<Sig<typeof add>, [[number, number], number]>>,
  Assert<Equal<Sig<typeof add.async>, [[number, number], Promise<number>]>>,
  Assert<Equal<typeof add.ptr, number | bigint>>,
  Assert<Equal<Sig<typeof asyncAdd>, [[number, number], Promise<number>]>>,
  Assert<Equal<Sig<typeof linked.symbols.add>, [[number, number], number]>>,
  Assert<Equal<Sig<typeof linked.symbols.vec>, [[number], { x: number; y: number }]>>,
];
add.close();
asyncAdd.close();
linked.close();

// Callbacks: the function's parameters are typed from `args`, its result from `returns`, and a
// callback goes wherever a pointer does.
const compare = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
const sorter = dlopen(null, { qsort: { args: ['ptr', 'usize', 'usize', 'callback'], returns: 'void' } });
sorter.symbols.qsort(new Int32Array(4), 4, 4, compare);
sorter.symbols.qsort(new Int32Array(4), 4, 4, compare.ptr);
const every = new JSCallback(
  (i, l, big, flag, address, text, d, bytes, vec) =>
    flag && text !== null ? address : Float64Array.of(i, Number(l), Number(big), d, bytes.byteLength, vec.byteLength),
  { args: ['i32', 'i64', 'bigint64', 'bool', 'ptr', 'cstring', 'f64', ['f64', 'f64'], Vec2], returns: 'cstring', threadsafe: true },
);
const ignoring = new JSCallback(() => 'a result C never sees', { returns: 'void' });
const pair = new JSCallback((k: number) => Float64Array.of(k, k + 1), { args: ['f64'], returns: ['f64', 'f64'] });
const wideResult = new JSCallback(() => 2n ** 63n - 1n, { returns: 'u64_fast' });
type _Callbacks = [
  Assert<Equal<Sig<typeof compare.call>, [[PointerOut, PointerOut], number]>>,
  Assert<Equal<
    Sig<typeof every.call>,
    [[number, number | bigint, bigint, boolean, PointerOut, string | null, number, ArrayBuffer, ArrayBuffer], PointerLike]
  >>,
  Assert<Equal<Sig<typeof ignoring.call>, [[], void]>>,
  Assert<Equal<Sig<typeof pair.call>, [[number], ArrayBufferLike | ArrayBufferView]>>,
  Assert<Equal<Sig<typeof wideResult.call>, [[], number | bigint]>>,
];
const looseDef: JSCallbackDefinition = { args: ['i32'], returns: 'i32' };
const loosely = new JSCallback((...args) => args.length, looseDef);
const callbacks: JSCallback[] = [compare, every, ignoring, pair, loosely];
using disposed = new JSCallback(() => true, { returns: 'bool' });

// Type names are a union of literals; FFIType members belong to it.
const names: TypeName[] = [FFIType.int, 'usize', 'k', 'ssize_t', '2'];

// Pointers read from memory, a CString's address and the raw bridge's additions.
const text = new CString(0);
type _Memory = [
  Assert<Equal<Pointer, PointerOut>>,
  Assert<Equal<ReturnType<typeof read.ptr>, PointerOut>>,
  Assert<Equal<ReturnType<typeof read.intptr>, PointerOut>>,
  Assert<Equal<ReturnType<typeof read.u64>, bigint>>,
  Assert<Equal<typeof text.ptr, PointerOut>>,
  Assert<Equal<ConstructorParameters<typeof CString>, [address: PointerOut, byteOffset?: number, byteLength?: number]>>,
  Assert<Equal<ReturnType<typeof callBySigAsArrayBuffer>, ArrayBuffer>>,
  Assert<Equal<Sig<typeof ffi.callCallbackThreadSafe>, [[handle: number, arg: number], void]>>,
];
const mapped = read.ptr(text.ptr, 8);
const offsetAddress: number | bigint = typeof mapped === 'bigint' ? mapped + 8n : mapped + 8;

// With @types/node present, toBuffer() gives a Node Buffer (its methods included), not merely
// the Uint8Array a project without @types/node sees.
type _NodeBuffer = [Assert<Equal<NodeBuffer, Buffer<ArrayBuffer>>>, Assert<Equal<ReturnType<typeof toBuffer>, Buffer<ArrayBuffer>>>];
const firstByte: number = toBuffer(0, 0, 1).readUInt8(0);

// dlopen's and ffi.load's options, and the allow list.
const options: OpenOptions = { deep: false, global: true, lazy: true };
const opened = dlopen('libz.so.1', { zlibVersion: { returns: 'cstring' } }, options);
const self = dlopen(null, { getpid: { returns: 'i32' } }, { processSymbols: true });
const rawHandle: bigint = ffi.load('libz.so.1', { deep: true });
allowLibraries(['/usr/lib', new URL('file:///opt/lib/')]);
const allowed: string[] | null = allowedLibraries();

// C spellings: multi-word names, pointer spellings (a pointer to char is a string).
{
  const c = dlopen(null, {
    strlen: { args: ['const char *'], returns: 'size_t' },
    strtoul: { args: ['const char *', 'char **', 'int'], returns: 'unsigned long' },
    abs: { args: ['unsigned int'], returns: 'int' },
    memset: { args: ['void *', 'int', 'size_t'], returns: 'void *' },
  }).symbols;
  const n: number | bigint = c.strlen('abc');
  const u: number | bigint = c.strtoul('ff', null, 16);
  const a: number = c.abs(3);
  const p: number | bigint | null = c.memset(new Uint8Array(4), 0, 4);
  void [n, u, a, p];
}

// Handle types and aliases: a handle is a branded address; an alias is its type.
{
  const FILE = opaque('FILE');
  const DWORD = alias('DWORD', 'u32');
  const c = dlopen(null, {
    fopen: { args: ['cstring', 'cstring'], returns: FILE },
    fclose: { args: [FILE], returns: 'int' },
    abs: { args: [DWORD], returns: DWORD },
  }).symbols;
  const f: Handle<'FILE'> = c.fopen('/dev/null', 'r');
  const closed: number = c.fclose(f);
  const n: number = c.abs(3);
  const H = Struct({ file: FILE, flags: DWORD });
  const v: { file: Handle<'FILE'>; flags: number } = H.fromPtr(H.create({ file: f, flags: 1 }));
  const back: Handle<'FILE'> | null = FILE.read(new BigUint64Array(1));
  void [closed, n, v, back];
}

// C prototypes as definitions: the parameters and the result are typed from the string.
{
  const c = dlopen(null, {
    atoi: 'int atoi(const char *s)',
    strlen: 'size_t strlen(const char *);',
    getpid: 'int getpid(void)',
    strtoul: 'unsigned long strtoul(const char *nptr, char **endptr, int base)',
    snprintf: 'int snprintf(char *buf, size_t n, const char *fmt, ...)',
    puts: { args: ['cstring'], returns: 'int' },
  }).symbols;
  const a: number = c.atoi('42');
  const n: number | bigint = c.strlen('abc');
  const pid: number = c.getpid();
  const u: number | bigint = c.strtoul('ff', null, 16);
  const w: number = c.snprintf(new Uint8Array(8), 8, '%d', 'i32', 5);
  const q: number = c.puts('x');
  void [a, n, pid, u, w, q];
}

// A disposable result is what its type gives: a C string result is a string (or null).
{
  const c = dlopen(null, { strdup: { args: ['cstring'], returns: disposable('cstring', 'free') } }).symbols;
  const copy: string | null = c.strdup('text');
  void copy;
}

// Struct members beyond a plain type: aligned members read as their type, a flexible array
// member as an array, a pointer to a struct as a StructPointer of that schema.
{
  const Aligned = Struct({ c: 'char', i: { type: 'i32', align: 8 }, v: { type: array('f32', 4), align: 16 } });
  type _Aligned = Assert<Equal<StructValue<{ c: 'char'; i: { type: 'i32'; align: 8 } }>, { c: number; i: number }>>;
  const a = Aligned.fromPtr(Aligned.create({ i: 1, v: new Float32Array(4) }));
  const i: number = a.i;
  const v: number[] = a.v;

  const Doubles = Struct({ n: 'int', data: flexibleArray('f64') });
  const d = Doubles.fromPtr(Doubles.create({ n: 2, data: [1, 2] }, { count: 2 }), { count: 2 });
  const data: number[] = d.data;
  const bytes: number = Doubles.sizeFor(4);
  const element: unknown = Doubles.getElement(0, 1);
  Doubles.setElement(0, 1, 2.5);
  Doubles.set(0, 'data', new Float64Array(2));

  const Node = Struct({ v: 'int', next: pointerTo('self') });
  const node = Node.fromPtr(0);
  type _Node = Assert<Equal<typeof node.next, StructPointer<typeof Node>>>;
  const next: StructPointer<typeof Node> = node.next;
  const address: number | bigint = node.next;
  const following = Node.fromPtr(node.next);
  const followed: StructValue<{ v: 'int'; next: PointerType<'self'> }> | null = Node.follow(0, 'next');
  type _Followed = Assert<Equal<ReturnType<typeof Node.follow<'next'>>, { v: number; next: StructPointer<typeof Node> } | null>>;
  const value: number | undefined = followed?.v;
  Node.create({ v: 1, next: Node.create() });
  Node.create({ next: null });

  const Tree = Struct([['left', pointerTo(() => Leaf)], ['depth', 'i16']]);
  const Leaf = Struct({ weight: 'f64' });
  const left: StructPointer<typeof Leaf> = Tree.fromPtr(0).left;
  const weight: number | undefined = Tree.follow(0, 'left')?.weight;
  const Named = Struct({ p: pointerTo(Leaf) }, { name: 'named' });
  const leaf: StructPointer<typeof Leaf> = Named.fromPtr(0).p;
  void [i, v, data, bytes, element, next, address, following, value, left, weight, leaf];
}

// Typed pointers: pointer(type) takes an address or buffer, or the values pointed to; out() and
// inout() take what the call writes back into.
{
  const Point = Struct({ x: 'i32', y: 'i32' });
  const p = dlopen(null, {
    sum: { args: [pointer('i32'), 'i32'], returns: 'i32' },
    fill: { args: [out(pointer('i32')), 'i32'] },
    swap: { args: [inout(pointer('int')), inout(pointer('int'))] },
    wide: { args: [out(pointer('u64'))] },
    move: { args: [inout(pointer(Point))] },
    origin: { args: [out(pointer(Point))] },
    points: { args: [pointer(Point), 'i32'], returns: 'i32' },
    names: { args: [out(pointer('cstring'))] },
    argv: { args: [pointer('cstring')], returns: 'i32' },
    spelled: { args: ['char **', 'const char *const *'], returns: 'i32' },
    execv: 'int execv(const char *path, char *const argv[])',
    strtol: { args: ['ptr', out(pointer('ptr')), 'i32'], returns: 'long' },
  }).symbols;
  type _sum = Assert<Equal<Parameters<typeof p.sum>[0], PointerLike | readonly number[]>>;
  type _fill = Assert<Equal<Parameters<typeof p.fill>[0], null | ArrayBufferLike | ArrayBufferView | (number | null | undefined)[]>>;
  type _move = Assert<Equal<Parameters<typeof p.move>[0], null | ArrayBufferLike | ArrayBufferView | StructInput<{ x: 'i32'; y: 'i32' }> | (StructInput<{ x: 'i32'; y: 'i32' }> | undefined)[]>>;
  type _names = Assert<Equal<Parameters<typeof p.names>[0], null | ArrayBufferLike | ArrayBufferView | (string | null | undefined)[]>>;
  type _argv = Assert<Equal<Parameters<typeof p.execv>[1], PointerIn | readonly (string | null)[]>>;
  const n: number = p.sum([1, 2, 3], 3) + p.sum(new Int32Array(3), 3) + p.sum(null, 0) + p.sum(0x1000, 1);
  const values: number[] = [0, 0];
  p.fill(values, 2);
  p.fill([null], 1);
  p.swap([1], [2]);
  const big: (number | bigint | null)[] = [null];
  p.wide(big);
  const at = { x: 1, y: 2 };
  p.move(at);
  p.origin({});
  const m: number = p.points([{ x: 1 }, { y: 2 }], 2) + p.points({ x: 1, y: 2 }, 1);
  const list: (string | null)[] = [null, null];
  p.names(list);
  const k: number = p.argv(['a', null]) + p.spelled(['a'], new BigUint64Array(1)) + p.execv('/bin/true', ['true']);
  const end: (number | bigint | null)[] = [null];
  const v: number | bigint = p.strtol(Buffer.from('12\0'), end, 10);
  const strings: (string | null)[] = readCStringArray(0x1000, 2);
  const sal = dlopen(null, {
    frexp: 'double frexp(double x, _Out_ int *exp)',
    pipe: 'int pipe(_Out_ int fds[2])',
    swap: 'void swap(_Inout_ const long *a, _Inout_ long *b)',
  }).symbols;
  type _frexp = Assert<Equal<Parameters<typeof sal.frexp>[1], null | ArrayBufferLike | ArrayBufferView | (number | null | undefined)[]>>;
  type _swap = Assert<Equal<Parameters<typeof sal.swap>[0], null | ArrayBufferLike | ArrayBufferView | (number | bigint | undefined)[]>>;
  const mantissa: number = sal.frexp(48, [null]) + sal.pipe([]);
  const Db = opaque('db');
  const db = dlopen(null, { open: { args: ['cstring', out(pointer(Db))], returns: 'int' } }).symbols;
  type _db = Assert<Equal<Parameters<typeof db.open>[1], null | ArrayBufferLike | ArrayBufferView | (Handle<'db'> | null | undefined)[]>>;
  void [n, m, k, v, strings, mantissa];
}

// Integers in a given byte order: the plain kinds' JS types.
const ordered = dlopen(null, {
  htons: { args: ['u16'], returns: 'u16_be' },
  ntohl: { args: ['uint32_be_t'], returns: 'u32' },
  be64: { args: ['i64_be', 'int16_be', 'u32_le'], returns: 'u64_be' },
}).symbols;
type _ByteOrder = [
  Assert<Equal<Sig<typeof ordered.htons>, [[number], number]>>,
  Assert<Equal<Sig<typeof ordered.ntohl>, [[number], number]>>,
  Assert<Equal<Sig<typeof ordered.be64>, [[number | bigint, number, number], number | bigint]>>,
  Assert<Equal<StructValue<{ length: 'u16_be'; stamp: 'u64_be' }>, { length: number; stamp: number | bigint }>>,
  Assert<Equal<ReturnType<typeof read.u64_be>, bigint>>,
];

// napi_env and napi_value: null or undefined for the environment, any JS value for a value.
const napi = dlopen(null, {
  pair: { args: ['napi_env', 'napi_value', 'napi_value'], returns: 'napi_value' },
  kind: 'int js_typeof(napi_env env, napi_value v)',
  out: { args: ['napi_value *'], returns: 'void' },
}).symbols;
type _Napi = [
  Assert<Equal<Sig<typeof napi.pair>, [[null | undefined, unknown, unknown], unknown]>>,
  Assert<Equal<Sig<typeof napi.kind>, [[null | undefined, unknown], number]>>,
  Assert<Equal<Sig<typeof napi.out>, [[PointerIn], void]>>,
];
