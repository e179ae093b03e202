// Type tests that must fail: each `@ts-expect-error TSnnnn` line is followed by a line that tsc
// rejects with that error. tsc -p test/types fails on a directive whose line compiles, and
// test/typing.test.mjs compiles this file without the directives to check each error's code.
import { alias, array, AsyncCFunction, callback, CFunction, CString, dlopen, ffi, FFIType, flexibleArray, inout, JSCallback, linkSymbols, opaque, out, pointer, pointerTo, read, Struct, Union } from 'arkffi';
import type { StructPointer } from 'arkffi';

const Vec2 = Struct({ x: 'f32', y: 'f32' });
const lib = dlopen(null, {
  abs: { args: ['i32'], returns: 'i32' },
  llabs: { args: ['i64'], returns: 'i64' },
  strlen: { args: ['cstring'], returns: 'usize' },
  getenv: { args: ['cstring'], returns: 'cstring' },
  isnan: { args: ['f64'], returns: 'bool' },
  memset: { args: ['ptr', 'i32', 'usize'], returns: 'ptr' },
  abort: {},
  printf: { args: ['cstring'], returns: 'i32', variadic: true },
  vec: { args: [Vec2], returns: Vec2 },
  vecObject: { returns: Vec2, structReturn: 'object' },
  pair: { args: [['f64', 'f64']], returns: ['f64', 'f64'] },
});
const s = lib.symbols;

// Arity.
// @ts-expect-error TS2554 too few arguments
s.abs();
// @ts-expect-error TS2554 too many arguments
s.abs(1, 2);
// @ts-expect-error TS2554 a function without args takes none
s.abort(0);

// Argument types.
// @ts-expect-error TS2345 a string for an i32
s.abs('1');
// @ts-expect-error TS2345 a BigInt for a 32-bit integer
s.abs(1n);
// @ts-expect-error TS2345 a string for an i64
s.llabs('1');
// @ts-expect-error TS2345 a boolean for an f64
s.isnan(true);
// @ts-expect-error TS2345 a string for a pointer
s.memset('buffer', 0, 4);
// @ts-expect-error TS2345 undefined for a pointer
s.memset(undefined, 0, 4);
const record = { address: 1 };
// @ts-expect-error TS2345 a plain object for a pointer
s.memset(record, 0, 4);
// @ts-expect-error TS2345 a function without an address for a pointer
s.memset(() => 0, 0, 4);
// @ts-expect-error TS2345 a boolean for a cstring
s.strlen(true);
// @ts-expect-error TS2345 an address for a cstring: declare the parameter 'ptr'
s.strlen(1024);
// @ts-expect-error TS2345 a number array for a struct by value
s.pair([1, 2]);
// @ts-expect-error TS2353 an unknown field in a struct argument
s.vec({ x: 1, z: 2 });
// @ts-expect-error TS2322 a string in a struct argument's f32 field
s.vec({ x: '1' });
// @ts-expect-error TS2345 wrong arguments for .async too
void s.abs.async('1');

// Results.
// @ts-expect-error TS2322 a 64-bit result may be a BigInt
const wide: number = s.strlen('x');
// @ts-expect-error TS2322 a cstring result may be null
const text: string = s.getenv('HOME');
// @ts-expect-error TS2322 a bool result is a boolean
const flag: number = s.isnan(1);
// @ts-expect-error TS2322 a pointer result may be a BigInt (beyond 2^53)
const address: number = s.memset(null, 0, 0);
// @ts-expect-error TS2322 a pointer read from memory may be a BigInt
const readAddress: number = read.ptr(new BigUint64Array(1));
// @ts-expect-error TS2322 a CString's address may be a BigInt
const stringAddress: number = new CString(0).ptr;
// @ts-expect-error TS1345 a void result cannot be tested
if (s.abort()) s.abort();
// @ts-expect-error TS2322 a struct result is a pointer by default
const notObject: { x: number } = s.vec({});
// @ts-expect-error TS2322 structReturn 'object' gives the object
const notPointer: number = s.vecObject();
// @ts-expect-error TS2322 .async gives a Promise
const notAwaited: number = s.abs.async(1);

// Definitions.
// @ts-expect-error TS2322 an unknown type name
dlopen(null, { f: { args: ['i33'] } });
// @ts-expect-error TS2322 an unknown result type name
dlopen(null, { f: { returns: 'integer' } });
// @ts-expect-error TS2820 void is not a parameter type (TypeScript suggests the pointer spelling void *)
dlopen(null, { f: { args: ['void'] } });
// @ts-expect-error TS2322 an unknown member type of a struct by value
dlopen(null, { f: { args: [['f64', 'f65']] } });
// @ts-expect-error TS2322 structReturn takes 'pointer', 'object' or 'buffer'
dlopen(null, { f: { returns: Vec2, structReturn: 'copy' } });
// @ts-expect-error TS2322 a number is not a type
dlopen(null, { f: { args: [1] } });
// @ts-expect-error TS2322 args is a list
dlopen(null, { f: { args: 'i32' } });
const widened = { f: { args: ['i32'] as string[] } };
// @ts-expect-error TS2345 a string that is not a literal type name
dlopen(null, widened);

// Variadic calls: (type, value) pairs after the fixed arguments.
// @ts-expect-error TS2345 a value that its type name does not take
s.printf('%d\n', 'i32', 'forty-two');
// @ts-expect-error TS2345 a type name without its value
s.printf('%d\n', 'i32');
// @ts-expect-error TS2345 an unknown variadic type name
s.printf('%d\n', 'int32_tt', 42);
// @ts-expect-error TS2345 a value without its type name
s.printf('%d\n', 42);
// @ts-expect-error TS2345 the fixed arguments still come first
s.printf(true, 'i32', 1);

// Function pointers.
const add = CFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: lib.getSymbolPtr('abs') });
// @ts-expect-error TS2554 arity of a CFunction
add(1);
// @ts-expect-error TS2345 CFunction needs ptr
CFunction({ args: ['i32'], returns: 'i32' });
const addLater = AsyncCFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: add.ptr });
// @ts-expect-error TS2322 an AsyncCFunction gives a Promise
const sum: number = addLater(1, 2);
// @ts-expect-error TS2322 linkSymbols needs ptr in every definition
linkSymbols({ add: { args: ['i32'], returns: 'i32' } });
const linked = linkSymbols({ add: { args: ['i32', 'i32'], returns: 'i32', ptr: add.ptr } });
// @ts-expect-error TS2345 argument types of linked symbols
linked.symbols.add(1, '2');
// @ts-expect-error TS2339 only the declared symbols exist
linked.symbols.sub(1, 2);
// @ts-expect-error TS2339 only the declared symbols exist
s.strcmp('a', 'b');

// Callbacks.
// @ts-expect-error TS2322 an i32 callback returns a number
new JSCallback(() => 'one', { returns: 'i32' });
// @ts-expect-error TS2322 a cstring result is an address: a JS string would have no owner
new JSCallback(() => 'text', { returns: 'cstring' });
// @ts-expect-error TS18047 a cstring parameter may be null
new JSCallback((text) => text.length, { args: ['cstring'], returns: 'i32' });
// @ts-expect-error TS2345 a function that wants more parameters than C passes
new JSCallback((a: number, b: number) => a + b, { args: ['i32'], returns: 'i32' });
// @ts-expect-error TS2345 a parameter of the wrong type
new JSCallback((a: string) => a.length, { args: ['i32'], returns: 'i32' });
// @ts-expect-error TS2322 an unknown type name
new JSCallback(() => 0, { args: ['i33'], returns: 'i32' });
// @ts-expect-error TS2345 a ptr parameter may be a BigInt (beyond 2^53)
new JSCallback((p: number) => p & 1, { args: ['ptr'], returns: 'i32' });
const twice = new JSCallback((x) => x * 2, { args: ['i32'], returns: 'i32' });
// @ts-expect-error TS2345 call() takes the declared parameters
twice.call('2');
// @ts-expect-error TS2345 a callback is a pointer, not an integer
s.abs(twice);

// Structs.
const Shape = Struct({ id: 'u64', name: 'cstring', origin: Vec2, corners: array(Vec2, 4), raw: array('u8', 4) });
// @ts-expect-error TS2353 an unknown field
Shape.create({ idd: 1 });
// @ts-expect-error TS2322 a cstring field takes a string or an address, not a boolean
Shape.create({ name: true });
// @ts-expect-error TS2322 a nested struct takes its fields
Shape.create({ origin: { x: 'left' } });
// @ts-expect-error TS2322 an array field takes an array of its element
Shape.create({ corners: [1, 2] });
// @ts-expect-error TS2322 an array field of u8 takes numbers
Shape.create({ raw: ['a'] });
// @ts-expect-error TS2345 get() names a field
Shape.get(0, 'width');
// @ts-expect-error TS2345 set() takes the field's type
Shape.set(0, 'id', 'one');
// @ts-expect-error TS2339 fromPtr() has only the declared fields
Shape.fromPtr(0).width;
// @ts-expect-error TS2322 a u64 field reads as number | bigint
const id: number = Shape.fromPtr(0).id;
// @ts-expect-error TS2322 a cstring field reads as an address
const name: string = Shape.fromPtr(0).name;
// @ts-expect-error TS2322 ... which may be a BigInt
const nameAddress: number = Shape.fromPtr(0).name;
// @ts-expect-error TS2322 an unknown field type
Struct({ a: 'i33' });
// @ts-expect-error TS2820 a field cannot be void (TypeScript suggests void *)
Struct({ a: FFIType.void });
// @ts-expect-error TS2322 a struct by value is a StructSchema in a field, not a list of types
Struct({ a: ['f64', 'f64'] });
// @ts-expect-error TS2322 an unknown type in [name, type] pairs
Struct([['a', 'i33']]);
// @ts-expect-error TS2345 array() takes a field type
array('i33', 4);
// @ts-expect-error TS2322 an aligned member's descriptor needs a field type
Struct({ a: { type: 'i33', align: 8 } });
// @ts-expect-error TS2322 an aligned member reads as its type
const alignedText: string = Struct({ a: { type: 'i32', align: 8 } }).fromPtr(0).a;
// @ts-expect-error TS2322 a flexible array member takes an array of its element
Struct({ n: 'int', data: flexibleArray('f64') }).create({ data: ['x'] });
const ListNode = Struct({ v: 'int', next: pointerTo('self') });
const OtherNode = Struct({ w: 'f64', next: pointerTo('self') });
// @ts-expect-error TS2322 a pointer member is a pointer to its own struct, not to another
const otherNext: StructPointer<typeof OtherNode> = ListNode.fromPtr(0).next;
// @ts-expect-error TS2339 a followed pointer has the fields of its target
ListNode.follow(0, 'next')?.w;
// @ts-expect-error TS2345 pointerTo() takes 'self', a schema or a function returning one
pointerTo('other');
const Bits = Union({ f: 'f32', u: 'u32' });
// @ts-expect-error TS2322 a union's members keep their types
Bits.create({ u: -1n });

// @ts-expect-error TS2322 an open option is a boolean
dlopen('libz.so.1', {}, { deep: 1 });
// @ts-expect-error TS2561 there are only the known options
dlopen('libz.so.1', {}, { deeper: true });
// @ts-expect-error TS2322 ffi.load takes the same options
ffi.load('libz.so.1', { lazy: 'yes' });

// A `const char *` takes a string, not an address; an `unsigned int` a number, not a string.
const spelled = dlopen(null, {
  strlen: { args: ['const char *'], returns: 'size_t' },
  abs: { args: ['unsigned int'], returns: 'int' },
}).symbols;
// @ts-expect-error TS2345 a C string parameter refuses a number
spelled.strlen(5);
// @ts-expect-error TS2345 an unsigned int parameter refuses a string
spelled.abs('3');

// Handles of different opaque types are kept apart, and from plain numbers.
const sqlite3 = opaque('sqlite3');
const sqlite3_stmt = opaque('sqlite3_stmt');
const DWORD = alias('DWORD', 'u32');
const db = dlopen(null, {
  open: { returns: sqlite3 },
  finalize: { args: [sqlite3_stmt], returns: 'int' },
  close: { args: [sqlite3], returns: DWORD },
}).symbols;
const handle = db.open();
// @ts-expect-error TS2345 a sqlite3 * is not a sqlite3_stmt *
db.finalize(handle);
// @ts-expect-error TS2345 a plain number is no handle
db.close(1234);
// @ts-expect-error TS2322 an alias of u32 gives a number, not a string
const dword: string = db.close(handle);

const proto = dlopen(null, { atoi: 'int atoi(const char *s)', getpid: 'int getpid(void)' }).symbols;
// @ts-expect-error TS2345 a prototype's const char * parameter refuses a number
proto.atoi(5);
// @ts-expect-error TS2554 int getpid(void) takes no argument
proto.getpid(1);
// @ts-expect-error TS2322 a prototype's int result is a number
const pidText: string = proto.getpid();

// Integers in a given byte order.
const ordered = dlopen(null, { ntohs: { args: ['u16_be'], returns: 'u16' }, be64: { args: ['u64_be'], returns: 'i64' } }).symbols;
// @ts-expect-error TS2345 a BigInt for a 16-bit big-endian integer
ordered.ntohs(1n);
// @ts-expect-error TS2345 a string for a 64-bit big-endian integer
ordered.be64('1');

// napi_env takes null or undefined, and is a parameter like any other.
const napi = dlopen(null, { kind: { args: ['napi_env', 'napi_value'], returns: 'i32' } }).symbols;
// @ts-expect-error TS2345 a pointer for a napi_env
napi.kind(0, 'x');
// @ts-expect-error TS2554 the napi_env parameter is not left out
napi.kind('x');

export { address, alignedText, dword, otherNext, pidText, flag, id, name, notAwaited, notObject, nameAddress, notPointer, readAddress, stringAddress, sum, text, wide };

// A callback() parameter takes a function of its signature, or a pointer value: nothing else.
{
  const intFn = callback({ args: ['i32'], returns: 'i32' });
  const t = dlopen(null, { apply: { args: [intFn, 'i32'], returns: 'i32' } }).symbols;
  // @ts-expect-error TS2345 the function must return a number
  t.apply(() => 'text', 1);
  // @ts-expect-error TS2345 its parameter is a number, not a string
  t.apply((s: string) => s.length, 1);
  // @ts-expect-error TS2345 a string is no callback
  t.apply('x => x', 1);
  // @ts-expect-error TS2339 the function's parameter is a number
  t.apply((x) => x.length, 1);
  // @ts-expect-error TS2322 callback() takes types, as JSCallback does
  callback({ args: ['i33'], returns: 'i32' });
}
const Pt = Struct({ x: 'i32', y: 'i32' });
const pt = dlopen(null, {
  sum: { args: [pointer('i32')], returns: 'i32' },
  fill: { args: [out(pointer('i32'))] },
  swap: { args: [inout(pointer('i32'))] },
  move: { args: [inout(pointer(Pt))] },
  argv: { args: ['char **'] },
}).symbols;
// @ts-expect-error TS2322 an int32_t * takes numbers, not strings
pt.sum(['1']);
// @ts-expect-error TS2345 an out parameter cannot write back into a number
pt.fill(5);
// @ts-expect-error TS2345 an out parameter cannot write back into a readonly array
pt.fill([0] as readonly number[]);
// @ts-expect-error TS2322 an inout int32_t * takes numbers
pt.swap(['x']);
// @ts-expect-error TS2353 a struct pointer takes the struct's fields only
pt.move({ z: 1 });
// @ts-expect-error TS2322 a char ** takes strings and nulls
pt.argv([1]);
// @ts-expect-error TS2345 out() takes a pointer(...) type
out('i32');
const sal = dlopen(null, { frexp: 'double frexp(double x, _Out_ int *exp)' }).symbols;
// @ts-expect-error TS2345 an _Out_ parameter cannot write back into a number
sal.frexp(1, 0);

