// The misuse catalogue: what a real user could write wrong, each case with what ArkFFI does about
// it. A case is { name, code(ctx), expect, async? }. code runs in a child process (child.mjs) with
// ctx = { A (the arkffi module), lib, s (its symbols: testlib.c's echo_* and misuse.c's mis_*),
// Pair (a struct { a: i32, b: f64 }), spy(), getter(), convertible(), detached(), privateLib(),
// hit(), testlib }. expect is { code, name } for an error of that code and class (`names`: a text
// its message must hold), { message } for an error whose message matches, { value } for a
// defined result (deep strict equality), or { any: [expect, ...] } where the issue allows several.
// A Proxy trap, getter, valueOf or toJSON that runs inside ArkFFI fails any case (ctx.hits).
//
// This module only builds data: importing it runs nothing.

export const cases = [];

function add(name, code, expect, extra = {}) {
  cases.push({ name, code, expect, ...extra });
}

const err = (code, name, names) => ({ code, name, ...(names ? { names } : {}) });
const typeErr = (names) => err('ERR_ARKFFI_INVALID_ARG_TYPE', 'TypeError', names);
const rangeErr = (names) => err('ERR_ARKFFI_OUT_OF_RANGE', 'RangeError', names);
const countErr = (names) => err('ERR_ARKFFI_ARG_COUNT', 'TypeError', names);
const detachedErr = (names) => err('ERR_ARKFFI_DETACHED', 'TypeError', names);
const closedErr = (names) => err('ERR_ARKFFI_CLOSED', 'Error', names);
const defErr = () => err('ERR_ARKFFI_INVALID_DEFINITION', 'TypeError');
const unknownType = () => err('ERR_ARKFFI_UNKNOWN_TYPE', 'TypeError');
const value = (v) => ({ value: v });

// ---------------------------------------------------------------------------------------------
// Scalars: every type, with values of every wrong JS type and each edge of its range.

/** Values no numeric parameter takes, and the class they must be refused with. */
const notNumbers = [
  ['string', () => '1'],
  ['empty string', () => ''],
  ['object', () => ({})],
  ['array', () => [1]],
  ['symbol', () => Symbol('x')],
  ['undefined', () => undefined],
  ['null', () => null],
  ['boxed number', () => new Number(1)],
  ['function', () => () => 1],
  ['Date', () => new Date(0)],
];

const ints = {
  i8: [-128, 127],
  u8: [0, 255],
  i16: [-32768, 32767],
  u16: [0, 65535],
  i32: [-2147483648, 2147483647],
  u32: [0, 4294967295],
};

for (const [kind, [min, max]] of Object.entries(ints)) {
  const fn = `echo_${kind}`;
  add(`${kind}: min ${min}`, ({ s }) => s[fn](min), value(min));
  add(`${kind}: max ${max}`, ({ s }) => s[fn](max), value(max));
  add(`${kind}: -0 is 0`, ({ s }) => s[fn](-0), value(0));
  add(`${kind}: min - 1`, ({ s }) => s[fn](min - 1), rangeErr(fn));
  add(`${kind}: max + 1`, ({ s }) => s[fn](max + 1), rangeErr(fn));
  add(`${kind}: fractional 1.5`, ({ s }) => s[fn](1.5), rangeErr(fn));
  add(`${kind}: NaN`, ({ s }) => s[fn](NaN), rangeErr(fn));
  add(`${kind}: Infinity`, ({ s }) => s[fn](Infinity), rangeErr(fn));
  add(`${kind}: -Infinity`, ({ s }) => s[fn](-Infinity), rangeErr(fn));
  add(`${kind}: huge 2^64`, ({ s }) => s[fn](2 ** 64), rangeErr(fn));
  add(`${kind}: BigInt 1n`, ({ s }) => s[fn](1n), typeErr(fn));
  add(`${kind}: boolean true`, ({ s }) => s[fn](true), typeErr(fn));
  for (const [what, make] of notNumbers) add(`${kind}: ${what}`, ({ s }) => s[fn](make()), typeErr(fn));
  add(`${kind}: valueOf/toPrimitive object is not converted`, ({ s, convertible }) => s[fn](convertible(1)), typeErr(fn));
  add(`${kind}: Proxy runs no trap`, ({ s, spy }) => s[fn](spy({})), typeErr(fn));
}

const bigs = {
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};
for (const [kind, [min, max]] of Object.entries(bigs)) {
  const fn = `echo_${kind}`;
  add(`${kind}: BigInt min`, ({ s }) => s[fn](min), value(min === 0n ? 0 : min));
  add(`${kind}: BigInt max`, ({ s }) => s[fn](max), value(max));
  add(`${kind}: BigInt min - 1`, ({ s }) => s[fn](min - 1n), rangeErr(fn));
  add(`${kind}: BigInt max + 1`, ({ s }) => s[fn](max + 1n), rangeErr(fn));
  add(`${kind}: BigInt huge 2^200`, ({ s }) => s[fn](2n ** 200n), rangeErr(fn));
  add(`${kind}: small BigInt is a number`, ({ s }) => s[fn](42n), value(42));
  add(`${kind}: max safe integer number`, ({ s }) => s[fn](Number.MAX_SAFE_INTEGER), value(Number.MAX_SAFE_INTEGER));
  add(`${kind}: unsafe number 2^53`, ({ s }) => s[fn](2 ** 53), rangeErr(fn));
  add(`${kind}: fractional 0.5`, ({ s }) => s[fn](0.5), rangeErr(fn));
  add(`${kind}: NaN`, ({ s }) => s[fn](NaN), rangeErr(fn));
  add(`${kind}: Infinity`, ({ s }) => s[fn](Infinity), rangeErr(fn));
  add(`${kind}: -0 is 0`, ({ s }) => s[fn](-0), value(0));
  add(`${kind}: boolean false`, ({ s }) => s[fn](false), typeErr(fn));
  for (const [what, make] of notNumbers) add(`${kind}: ${what}`, ({ s }) => s[fn](make()), typeErr(fn));
  add(`${kind}: valueOf/toPrimitive object is not converted`, ({ s, convertible }) => s[fn](convertible(1n)), typeErr(fn));
  add(`${kind}: Proxy runs no trap`, ({ s, spy }) => s[fn](spy({})), typeErr(fn));
}
add('i64: -1 number', ({ s }) => s.echo_i64(-1), value(-1));
add('u64: -1 number', ({ s }) => s.echo_u64(-1), rangeErr('echo_u64'));
add('u64: -1n', ({ s }) => s.echo_u64(-1n), rangeErr('echo_u64'));
add('i64: BigInt out of range message names the range', ({ s }) => s.echo_i64(2n ** 63n),
  { code: 'ERR_ARKFFI_OUT_OF_RANGE', name: 'RangeError', message: /echo_i64.*2\^63 - 1\].*9223372036854775808n/ });
add('bigint64 result is always a BigInt', ({ A, testlib }) => A.dlopen(testlib, { echo_i64: { args: ['bigint64'], returns: 'bigint64' } }).symbols.echo_i64(5), value(5n));
add('biguint64 argument takes a number', ({ A, testlib }) => A.dlopen(testlib, { echo_u64: { args: ['biguint64'], returns: 'biguint64' } }).symbols.echo_u64(7), value(7n));
add('biguint64 argument refuses -1n', ({ A, testlib }) => A.dlopen(testlib, { echo_u64: { args: ['biguint64'], returns: 'u64' } }).symbols.echo_u64(-1n), rangeErr('echo_u64'));

// bool: booleans, and numbers as C converts them.
add('bool: true', ({ s }) => s.echo_bool(true), value(true));
add('bool: false', ({ s }) => s.echo_bool(false), value(false));
add('bool: 0 is false', ({ s }) => s.echo_bool(0), value(false));
add('bool: -0 is false', ({ s }) => s.echo_bool(-0), value(false));
add('bool: 2 is true', ({ s }) => s.echo_bool(2), value(true));
add('bool: NaN is true, as in C', ({ s }) => s.echo_bool(NaN), value(true));
add('bool: 0.5 is true', ({ s }) => s.echo_bool(0.5), value(true));
add('bool: BigInt 1n', ({ s }) => s.echo_bool(1n), typeErr('echo_bool'));
add('bool: string "true"', ({ s }) => s.echo_bool('true'), typeErr('echo_bool'));
add('bool: null', ({ s }) => s.echo_bool(null), typeErr('echo_bool'));
add('bool: undefined', ({ s }) => s.echo_bool(undefined), typeErr('echo_bool'));
add('bool: object', ({ s }) => s.echo_bool({}), typeErr('echo_bool'));
add('bool: symbol', ({ s }) => s.echo_bool(Symbol.iterator), typeErr('echo_bool'));
add('bool: boxed Boolean', ({ s }) => s.echo_bool(new Boolean(true)), typeErr('echo_bool'));
add('bool: Proxy runs no trap', ({ s, spy }) => s.echo_bool(spy({})), typeErr('echo_bool'));

// Floating point: every number is a value; nothing else is.
for (const kind of ['f32', 'f64']) {
  const fn = `echo_${kind}`;
  add(`${kind}: 1.5`, ({ s }) => s[fn](1.5), value(1.5));
  add(`${kind}: NaN`, ({ s }) => s[fn](NaN), value(NaN));
  add(`${kind}: Infinity`, ({ s }) => s[fn](Infinity), value(Infinity));
  add(`${kind}: -Infinity`, ({ s }) => s[fn](-Infinity), value(-Infinity));
  add(`${kind}: -0 stays -0`, ({ s }) => s[fn](-0), value(-0));
  add(`${kind}: BigInt 1n`, ({ s }) => s[fn](1n), typeErr(fn));
  add(`${kind}: boolean`, ({ s }) => s[fn](false), typeErr(fn));
  for (const [what, make] of notNumbers) add(`${kind}: ${what}`, ({ s }) => s[fn](make()), typeErr(fn));
  add(`${kind}: valueOf/toPrimitive object is not converted`, ({ s, convertible }) => s[fn](convertible(2.5)), typeErr(fn));
  add(`${kind}: Proxy runs no trap`, ({ s, spy }) => s[fn](spy({})), typeErr(fn));
}
add('f32: 1e40 rounds to Infinity', ({ s }) => s.echo_f32(1e40), value(Infinity));
add('f32: 0.1 rounds to a float', ({ s }) => s.echo_f32(0.1), value(0.10000000149011612));
add('f32: smallest subnormal double is 0', ({ s }) => s.echo_f32(5e-324), value(0));
add('f64: largest double', ({ s }) => s.echo_f64(Number.MAX_VALUE), value(Number.MAX_VALUE));

// ---------------------------------------------------------------------------------------------
// Pointers.

add('ptr: null is 0', ({ s }) => s.echo_ptr(null), value(0));
add('ptr: 0', ({ s }) => s.echo_ptr(0), value(0));
add('ptr: 0n', ({ s }) => s.echo_ptr(0n), value(0));
add('ptr: a number address', ({ s }) => s.echo_ptr(0x1234), value(0x1234));
add('ptr: 2^64 - 1 comes back as a BigInt', ({ s }) => s.echo_ptr(2n ** 64n - 1n), value(2n ** 64n - 1n));
add('ptr: 2^64 is out of range', ({ s }) => s.echo_ptr(2n ** 64n), rangeErr('echo_ptr'));
add('ptr: fractional', ({ s }) => s.echo_ptr(1.5), rangeErr('echo_ptr'));
add('ptr: NaN', ({ s }) => s.echo_ptr(NaN), rangeErr('echo_ptr'));
add('ptr: Infinity', ({ s }) => s.echo_ptr(Infinity), rangeErr('echo_ptr'));
add('ptr: unsafe number 2^60', ({ s }) => s.echo_ptr(2 ** 60), rangeErr('echo_ptr'));
add('ptr: string', ({ s }) => s.echo_ptr('0x10'), typeErr('echo_ptr'));
add('ptr: undefined', ({ s }) => s.echo_ptr(undefined), typeErr('echo_ptr'));
add('ptr: boolean', ({ s }) => s.echo_ptr(true), typeErr('echo_ptr'));
add('ptr: plain object', ({ s }) => s.echo_ptr({}), typeErr('echo_ptr'));
add('ptr: array', ({ s }) => s.echo_ptr([1, 2]), typeErr('echo_ptr'));
add('ptr: symbol', ({ s }) => s.echo_ptr(Symbol('p')), typeErr('echo_ptr'));
add('ptr: plain function', ({ s }) => s.echo_ptr(() => 1), typeErr('echo_ptr'));
add('ptr: ArrayBuffer is its address', ({ A, s }) => {
  const ab = new ArrayBuffer(8);
  return s.echo_ptr(ab) === A.ptr(ab);
}, value(true));
add('ptr: a view passes its own offset', ({ A, s }) => {
  const u8 = new Uint8Array(16);
  return s.echo_ptr(u8.subarray(4)) - A.ptr(u8);
}, value(4));
add('ptr: DataView', ({ A, s }) => {
  const ab = new ArrayBuffer(16);
  return s.echo_ptr(new DataView(ab, 8)) - A.ptr(ab);
}, value(8));
add('ptr: SharedArrayBuffer', ({ A, s }) => {
  const sab = new SharedArrayBuffer(8);
  return s.echo_ptr(sab) === A.ptr(sab);
}, value(true));
add('ptr: empty ArrayBuffer is refused or passes', ({ s }) => typeof s.echo_ptr(new ArrayBuffer(0)), { any: [value('number'), typeErr('echo_ptr')] });
add('ptr: detached ArrayBuffer', ({ s, detached }) => s.echo_ptr(detached()), detachedErr('echo_ptr'));
add('ptr: view of a detached buffer', ({ s, detached }) => s.echo_ptr(detached((ab) => new Uint8Array(ab))), detachedErr('echo_ptr'));
add('ptr: DataView of a detached buffer', ({ s, detached }) => s.echo_ptr(detached((ab) => new DataView(ab))), detachedErr('echo_ptr'));
add('ptr: detached buffer to C that reads it', ({ s, detached }) => s.mis_sum_u8(detached((ab) => new Uint8Array(ab)), 16), detachedErr('mis_sum_u8'));
add('ptr: detached buffer to C that writes it', ({ s, detached }) => s.mis_fill(detached(), 16, 1), detachedErr('mis_fill'));
add('ptr: fixed view past a shrunk resizable buffer', ({ s }) => {
  const rab = new ArrayBuffer(16, { maxByteLength: 64 });
  const view = new Uint8Array(rab, 0, 16);
  rab.resize(4);
  return s.mis_sum_u8(view, 16);
}, detachedErr('mis_sum_u8'));
add('ptr: length-tracking view of a resizable buffer', ({ s }) => {
  const rab = new ArrayBuffer(4, { maxByteLength: 64 });
  const view = new Uint8Array(rab);
  view.set([1, 2, 3, 4]);
  rab.resize(2);
  return s.mis_sum_u8(view, view.length);
}, value(3));
add('ptr: resizable buffer shrunk to 0', ({ s }) => {
  const rab = new ArrayBuffer(8, { maxByteLength: 8 });
  rab.resize(0);
  return typeof s.echo_ptr(rab);
}, { any: [value('number'), typeErr('echo_ptr')] });
add('ptr: Proxy of an ArrayBuffer runs no trap', ({ s, spy }) => s.echo_ptr(spy(new ArrayBuffer(8))), typeErr('echo_ptr'));
add('ptr: Proxy of a Uint8Array runs no trap', ({ s, spy }) => s.echo_ptr(spy(new Uint8Array(8))), typeErr('echo_ptr'));
add('ptr: Proxy claiming SharedArrayBuffer.prototype runs no trap', ({ s, spy }) =>
  s.mis_fill(spy(Object.create(SharedArrayBuffer.prototype)), 8, 0), typeErr('mis_fill'));
add('ptr: object faking a view with getters runs none', ({ s, getter }) =>
  s.echo_ptr(getter('buffer', new ArrayBuffer(8), getter('byteLength', 8, Object.create(Uint8Array.prototype)))), typeErr('echo_ptr'));
add('ptr: a JSCallback is its pointer', ({ A, s }) => {
  const cb = new A.JSCallback((x) => x, { args: ['i32'], returns: 'i32' });
  const same = s.echo_ptr(cb) === cb.ptr;
  cb.close();
  return same;
}, value(true));
add('ptr: a CFunction is its address', ({ A, s, lib }) => {
  const f = A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  return s.echo_ptr(f) === f.ptr;
}, value(true));
add('ptr: a closed JSCallback', ({ A, s }) => {
  const cb = new A.JSCallback((x) => x, { args: ['i32'], returns: 'i32' });
  cb.close();
  return s.echo_ptr(cb);
}, closedErr('echo_ptr'));

// ---------------------------------------------------------------------------------------------
// C strings.

add('cstring: ascii', ({ s }) => s.mis_strlen('abc'), value(3));
add('cstring: empty', ({ s }) => s.mis_strlen(''), value(0));
add('cstring: null is NULL', ({ s }) => s.mis_strlen(null), value(-1));
add('cstring: a NUL ends it', ({ s }) => s.mis_strlen('ab\0cd'), value(2));
add('cstring: UTF-8 bytes', ({ s }) => s.mis_strlen('é€😀'), value(9));
add('cstring: lone surrogate becomes U+FFFD', ({ s }) => s.mis_strlen('\ud800'), value(3));
add('cstring: 100 KB string', ({ s }) => s.mis_strlen('x'.repeat(100_000)), value(100_000));
add('cstring: a buffer holding a NUL-terminated string', ({ s }) => s.mis_strlen(Buffer.from('abcd\0')), value(4));
add('cstring: a CString', ({ A, s }) => {
  const buf = Buffer.from('hello\0');
  return s.mis_strlen(new A.CString(A.ptr(buf)));
}, value(5));
add('cstring: a number is refused, hinting ptr', ({ s }) => s.mis_strlen(5),
  { code: 'ERR_ARKFFI_INVALID_ARG_TYPE', name: 'TypeError', message: /mis_strlen.*ptr/ });
add('cstring: a buffer without a NUL is refused', ({ s }) => s.mis_strlen(Buffer.from('abcd')),
  { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_OUT_OF_RANGE'], names: 'mis_strlen' });
add('cstring: a detached buffer', ({ s, detached }) => s.mis_strlen(detached()), detachedErr('mis_strlen'));
add('cstring: undefined', ({ s }) => s.mis_strlen(undefined), typeErr('mis_strlen'));
add('cstring: boolean', ({ s }) => s.mis_strlen(true), typeErr('mis_strlen'));
add('cstring: object', ({ s }) => s.mis_strlen({}), typeErr('mis_strlen'));
add('cstring: array of chars', ({ s }) => s.mis_strlen(['a', 'b']), typeErr('mis_strlen'));
add('cstring: symbol', ({ s }) => s.mis_strlen(Symbol('s')), typeErr('mis_strlen'));
add('cstring: toString object is not converted', ({ s, convertible }) => s.mis_strlen(convertible('abc')), typeErr('mis_strlen'));
add('cstring: Proxy runs no trap', ({ s, spy }) => s.mis_strlen(spy({})), typeErr('mis_strlen'));
add('cstring: Proxy of a String object runs no trap', ({ s, spy }) => s.mis_strlen(spy(new String('abc'))), typeErr('mis_strlen'));

// UTF-16 and UTF-32 strings (test/native/strings_wide.c).
const u16 = (A, testlib) => A.dlopen(testlib, { u16_len: { args: ['cstring16'], returns: 'usize' } }).symbols.u16_len;
const u32 = (A, testlib) => A.dlopen(testlib, { u32_len: 'size_t u32_len(const char32_t *s)' }).symbols.u32_len;
add('cstring16: a surrogate pair is two units', ({ A, testlib }) => u16(A, testlib)('😀'), value(2));
add('cstring32: a surrogate pair is one code point', ({ A, testlib }) => u32(A, testlib)('😀'), value(1));
add('cstring32: a lone surrogate becomes one U+FFFD', ({ A, testlib }) => u32(A, testlib)('a\ud800'), value(2));
add('cstring16: a number is refused, hinting ptr', ({ A, testlib }) => u16(A, testlib)(5),
  { code: 'ERR_ARKFFI_INVALID_ARG_TYPE', name: 'TypeError', message: /u16_len.*ptr/ });
add('cstring16: a buffer with a zero byte but no zero unit', ({ A, testlib }) => u16(A, testlib)(Buffer.from([65, 0, 0, 66])), rangeErr('u16_len'));
add('cstring32: an odd-length buffer without a zero unit', ({ A, testlib }) => u32(A, testlib)(Buffer.from([65, 0, 0])), rangeErr('u32_len'));
add('cstring32: a detached buffer', ({ A, testlib, detached }) => u32(A, testlib)(detached()), detachedErr('u32_len'));
add('cstring16: Proxy runs no trap', ({ A, testlib, spy }) => u16(A, testlib)(spy({})), typeErr('u16_len'));
add('cstring16: toString object is not converted', ({ A, testlib, convertible }) => u16(A, testlib)(convertible('abc')), typeErr('u16_len'));
add('cstring16: the async call takes a string too', ({ A, testlib }) => u16(A, testlib).async('héllo'), value(5), { async: true });
add('readCString16: a string address', ({ A }) => A.readCString16('abc'), typeErr('readCString16'));
add('readCString32: past the buffer', ({ A }) => A.readCString32(new Uint32Array(2), 0, 64), rangeErr('readCString32'));
add('disposable: an unknown kind', ({ A }) => A.disposable('cstring8', 'free'), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('string member: a JS string in create() is kept', ({ A }) => {
  const R = A.Struct({ s: 'cstring' });
  return R.readString(R.create({ s: 'kept' }), 's');
}, value('kept'));
add('string member: set() refuses a string (nothing would own it)', ({ A }) => {
  const R = A.Struct({ s: 'cstring16' });
  return R.set(R.create(), 's', 'x');
}, typeErr());
add('string member: a Proxy string holder runs no trap', ({ A, spy }) => A.Struct({ s: 'cstring' }).create(spy({ s: 'x' })), typeErr());
add('readString: not a string member', ({ A }) => A.Struct({ n: 'i32' }).readString(new ArrayBuffer(4), 'n'), typeErr());
add('readString: an unknown field', ({ A }) => A.Struct({ n: 'cstring' }).readString(new ArrayBuffer(8), 'm'), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError'));

// Integers in big-endian order (test/native/byteorder.c): the plain kinds' ranges and types.
const be = (A, testlib, fn, def) => A.dlopen(testlib, { [fn]: def }).symbols[fn];
const be16 = (A, testlib) => be(A, testlib, 'be16_value', { args: ['u16_be'], returns: 'u16' });
const be64 = (A, testlib) => be(A, testlib, 'be64s_value', { args: ['i64_be'], returns: 'i64' });
add('u16_be: max', ({ A, testlib }) => be16(A, testlib)(65535), value(65535));
add('u16_be: out of range', ({ A, testlib }) => be16(A, testlib)(65536), rangeErr('be16_value'));
add('u16_be: a BigInt', ({ A, testlib }) => be16(A, testlib)(1n), typeErr('be16_value'));
add('u16_be: a numeric string', ({ A, testlib }) => be16(A, testlib)('1'), typeErr('be16_value'));
add('i64_be: min BigInt', ({ A, testlib }) => be64(A, testlib)(-(2n ** 63n)), value(-(2n ** 63n)));
add('i64_be: beyond 2^63', ({ A, testlib }) => be64(A, testlib)(2n ** 63n), rangeErr('be64s_value'));
add('i64_be: an unsafe number', ({ A, testlib }) => be64(A, testlib)(2 ** 60), rangeErr('be64s_value'));
add('i64_be: async beyond 2^63', ({ A, testlib }) => be64(A, testlib).async(2n ** 63n), rangeErr('be64s_value'), { async: true });
add('u16_be: a callback answers out of range', ({ A, testlib }) => {
  const call = be(A, testlib, 'be_callback16', { args: ['ptr'], returns: 'u32' });
  const cb = new A.JSCallback(() => 70000, { args: ['u16_be'], returns: 'u16_be' });
  try { return call(cb.ptr); } finally { cb.close(); }
}, err('ERR_ARKFFI_INVALID_RETURN', 'RangeError'));
add('write.u32_be: negative', ({ A }) => A.write.u32_be(new ArrayBuffer(4), 0, -1), rangeErr('write.u32_be'));
add('read.i64_be: past the buffer', ({ A }) => A.read.i64_be(new ArrayBuffer(4), 0), rangeErr('read.i64_be'));
add('struct u16_be field: out of range', ({ A }) => A.Struct({ n: 'u16_be' }).create({ n: -1 }), rangeErr());
add('variadic i16_be is refused', ({ A, testlib }) =>
  A.dlopen(testlib, { be16_value: { args: ['u16_be'], returns: 'u16', variadic: true } }).symbols.be16_value(1, 'u16_be', 2),
err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));

// napi_env and napi_value (test/native/napi_calls.c): synchronous calls on the JS thread only.
const jsTypeof = (A, testlib) => be(A, testlib, 'js_typeof', { args: ['napi_env', 'napi_value'], returns: 'i32' });
add('napi_env: null gives the environment', ({ A, testlib }) => jsTypeof(A, testlib)(null, 'x'), value(4));
add('napi_env: an address is refused', ({ A, testlib }) => jsTypeof(A, testlib)(1, 'x'), typeErr('js_typeof'));
add('napi_env: a Proxy runs no trap', ({ A, testlib, spy }) => jsTypeof(A, testlib)(spy({}), 'x'), typeErr('js_typeof'));
add('napi_value: a Proxy passes as itself', ({ A, testlib, spy }) => jsTypeof(A, testlib)(null, spy({})), value(6));
add('napi_value: .async is refused', ({ A, testlib }) => jsTypeof(A, testlib).async(null, 1),
  err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'), { async: true });
add('napi_value: a callback argument is refused', ({ A }) => new A.JSCallback(() => 0, { args: ['napi_value'], returns: 'i32' }),
  err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('napi_value: a struct field is refused', ({ A }) => A.Struct({ v: 'napi_value' }), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('napi_env: a result is refused', ({ A, testlib }) => be(A, testlib, 'env_is_set', { args: [], returns: 'napi_env' }),
  err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));

// ---------------------------------------------------------------------------------------------
// Argument counts.

add('count: none for one', ({ s }) => s.echo_i32(), countErr('echo_i32'));
add('count: two for one', ({ s }) => s.echo_i32(1, 2), countErr('echo_i32'));
add('count: two for three', ({ s }) => s.mis_add3(1, 2), countErr('mis_add3'));
add('count: four for three', ({ s }) => s.mis_add3(1, 2, 3, 4), countErr('mis_add3'));
add('count: 1000 for three', ({ s }) => s.mis_add3(...new Array(1000).fill(1)), countErr('mis_add3'));
add('count: spread of a sparse array', ({ s }) => s.mis_add3(...[1, , 3]), typeErr('mis_add3'));
add('count: struct function with none', ({ s }) => s.mis_pair_sum(), countErr('mis_pair_sum'));
add('count: async with too few rejects', ({ s }) => s.mis_add3.async(1), countErr('mis_add3'), { async: true });
add('variadic: no arguments', ({ s }) => s.mis_vsum(), countErr('mis_vsum'));
add('variadic: a type without its value', ({ s }) => s.mis_vsum(1, 'i32'), countErr('mis_vsum'));
add('variadic: pairs sum', ({ s }) => s.mis_vsum(3, 'i32', 1, 'i32', 2, 'i32', 3), value(6));
add('variadic: unknown type name', ({ s }) => s.mis_vsum(1, 'nope', 1), unknownType());
add('variadic: void type', ({ s }) => s.mis_vsum(1, 'void', 1), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('variadic: number where the type goes', ({ s }) => s.mis_vsum(1, 5, 1), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_UNKNOWN_TYPE', 'ERR_ARKFFI_INVALID_TYPE'], name: 'TypeError' });
add('variadic: wrong value for its type', ({ s }) => s.mis_vsum(1, 'i32', 'x'), typeErr('mis_vsum'));
add('variadic: out-of-range value', ({ s }) => s.mis_vsum(1, 'i32', 2 ** 31), rangeErr('mis_vsum'));
add('variadic: cstring with a number', ({ s }) => s.mis_vsum(1, 'cstring', 5), typeErr('mis_vsum'));
add('variadic: toJSON type object is not called', ({ s, convertible }) => s.mis_vsum(1, convertible('i32'), 5),
  { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_UNKNOWN_TYPE', 'ERR_ARKFFI_INVALID_TYPE'], name: 'TypeError' });
add('variadic: Proxy type object runs no trap', ({ s, spy }) => s.mis_vsum(1, spy(['i32']), 5),
  { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_UNKNOWN_TYPE', 'ERR_ARKFFI_INVALID_TYPE', 'ERR_ARKFFI_INVALID_DEFINITION'], name: 'TypeError' });
add('variadic: Proxy value runs no trap', ({ s, spy }) => s.mis_vsum(1, 'i32', spy({})), typeErr('mis_vsum'));
add('variadic: fixed argument wrong', ({ s }) => s.mis_vsum('x'), typeErr('mis_vsum'));

// ---------------------------------------------------------------------------------------------
// Definitions.

/** A type that is not a type name: refused as unknown, malformed or unusable, always a TypeError. */
const badType = { code: ['ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_UNKNOWN_TYPE', 'ERR_ARKFFI_INVALID_TYPE'], name: 'TypeError' };
const openDef = (def) => ({ A, testlib }) => A.dlopen(testlib, { echo_i32: def });
add('def: unknown argument type', openDef({ args: ['int33'], returns: 'i32' }), unknownType());
add('def: unknown return type', openDef({ args: ['i32'], returns: 'nope' }), unknownType());
add('def: empty type name', openDef({ args: [''], returns: 'i32' }), unknownType());
add('def: type name split by a space', openDef({ args: ['i 32'], returns: 'i32' }), unknownType());
add('def: prototype key as type name', openDef({ args: ['constructor'], returns: 'i32' }), badType);
add('def: __proto__ as type name', openDef({ args: ['__proto__'], returns: 'i32' }), badType);
add('def: void argument', openDef({ args: ['void'], returns: 'i32' }), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('def: args a string', openDef({ args: 'i32', returns: 'i32' }), defErr());
add('def: args an object', openDef({ args: { 0: 'i32' }, returns: 'i32' }), defErr());
add('def: args a number', openDef({ args: 1, returns: 'i32' }), defErr());
add('def: number as a type', openDef({ args: [5], returns: 'i32' }), badType);
add('def: null as a type', openDef({ args: [null], returns: 'i32' }), badType);
add('def: hole in args', openDef({ args: [, 'i32'], returns: 'i32' }), badType);
add('def: returns a number', openDef({ args: ['i32'], returns: 5 }), badType);
add('def: returns an array of arrays of nothing', openDef({ args: ['i32'], returns: [] }), { code: ['ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_INVALID_TYPE'], name: 'TypeError' });
add('def: a number', openDef(5), defErr());
add('def: null', openDef(null), defErr());
add('def: a string', openDef('i32'), defErr());
add('def: a function', openDef(() => {}), defErr());
add('def: variadic not a boolean', (c) => typeof openDef({ args: ['i32'], returns: 'i32', variadic: 'yes' })(c).symbols.echo_i32,
  { any: [defErr(), value('function')] });
add('def: structReturn unknown', ({ A, testlib, Pair }) => A.dlopen(testlib, { mis_pair_make: { args: ['i32', 'f64'], returns: Pair, structReturn: 'copy' } }), defErr());
add('def: ptr 0', openDef({ args: ['i32'], returns: 'i32', ptr: 0 }), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('def: ptr a string', openDef({ args: ['i32'], returns: 'i32', ptr: '0x10' }), defErr());
add('def: ptr fractional', openDef({ args: ['i32'], returns: 'i32', ptr: 1.5 }), rangeErr());
add('def: 1022 arguments', openDef({ args: new Array(1022).fill('i32'), returns: 'i32' }), err('ERR_ARKFFI_TOO_MANY_ARGS', 'RangeError'));
add('def: a million arguments', openDef({ args: new Array(1_000_000).fill('i32'), returns: 'i32' }), err('ERR_ARKFFI_TOO_MANY_ARGS', 'RangeError'));
add('def: missing symbol', ({ A, testlib }) => A.dlopen(testlib, { mis_no_such: { returns: 'void' } }), err('ERR_ARKFFI_SYMBOL_NOT_FOUND', 'Error', 'mis_no_such'));
add('def: defs a number', ({ A, testlib }) => A.dlopen(testlib, 5), defErr());
add('def: defs null', ({ A, testlib }) => A.dlopen(testlib, null), defErr());
add('def: defs a string', ({ A, testlib }) => A.dlopen(testlib, 'echo_i32'), defErr());
add('def: no defs is an empty library', ({ A, testlib }) => Object.keys(A.dlopen(testlib, {}).symbols).length, value(0));
add('def: Proxy definition runs no trap', ({ A, testlib, spy }) => A.dlopen(testlib, { echo_i32: spy({ args: ['i32'], returns: 'i32' }) }), defErr());
add('def: Proxy defs object runs no trap', ({ A, testlib, spy }) => A.dlopen(testlib, spy({ echo_i32: { args: ['i32'], returns: 'i32' } })), defErr());
add('def: Proxy args list runs no trap', ({ A, testlib, spy }) => A.dlopen(testlib, { echo_i32: { args: spy(['i32']), returns: 'i32' } }), defErr());
// A getter is never run: the definition is refused, or the accessor is taken as absent.
add('def: getter for args is not run', ({ A, testlib, getter }) => typeof A.dlopen(testlib, { echo_i32: getter('args', ['i32'], { returns: 'i32' }) }).symbols.echo_i32,
  { any: [defErr(), value('function')] });
add('def: getter for returns is not run', ({ A, testlib, getter }) => typeof A.dlopen(testlib, { echo_i32: getter('returns', 'i32', { args: ['i32'] }) }).symbols.echo_i32,
  { any: [defErr(), value('function')] });
add('def: type object with toString is not converted', ({ A, testlib, convertible }) => A.dlopen(testlib, { echo_i32: { args: [convertible('i32')], returns: 'i32' } }), badType);
add('def: self-recursive member list', ({ A, testlib }) => {
  const members = ['f64'];
  members.push(members);
  return A.dlopen(testlib, { mis_pair_sum: { args: [members], returns: 'f64' } });
}, { code: ['ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_INVALID_TYPE'], name: 'TypeError' });
add('def: 100,000-deep member list', ({ A, testlib }) => {
  let t = 'f64';
  for (let i = 0; i < 100_000; i++) t = [t];
  return A.dlopen(testlib, { mis_pair_sum: { args: [t], returns: 'f64' } });
}, { code: ['ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_INVALID_TYPE'], name: ['TypeError', 'RangeError'] });
add('def: member list with an unknown type', ({ A, testlib }) => A.dlopen(testlib, { mis_pair_sum: { args: [['i32', 'nope']], returns: 'f64' } }), unknownType());
add('def: member list as a return works', ({ A, testlib }) => {
  const f = A.dlopen(testlib, { mis_pair_make: { args: ['i32', 'f64'], returns: ['i32', 'f64'] } }).symbols.mis_pair_make;
  return f(1, 2) instanceof ArrayBuffer || typeof f(1, 2);
}, { any: [value(true), value('number')] });
add('dlopen: path a number', ({ A }) => A.dlopen(42, {}), typeErr());
add('dlopen: path an object', ({ A }) => A.dlopen({}, {}), typeErr());
add('dlopen: path a symbol', ({ A }) => A.dlopen(Symbol('lib'), {}), typeErr());
add('dlopen: path with a NUL', ({ A, testlib }) => A.dlopen(`${testlib}\0x`, {}), typeErr());
add('dlopen: path that does not exist', ({ A }) => A.dlopen('/nonexistent/libmisuse.so', {}), err('ERR_ARKFFI_DLOPEN', 'Error', 'libmisuse'));
add('dlopen: path a directory', ({ A }) => A.dlopen('/tmp', {}), err('ERR_ARKFFI_DLOPEN', 'Error'));
add('dlopen: path a non-ELF file', ({ A, testlib }) => A.dlopen(testlib.replace(/[^/]+$/, '../../package.json'), {}), err('ERR_ARKFFI_DLOPEN', 'Error'));
add('dlopen: path a Proxy runs no trap', ({ A, spy }) => A.dlopen(spy(new String('/x.so')), {}), typeErr());
add('dlopen: path with toString is not converted', ({ A, convertible }) => A.dlopen(convertible('/x.so'), {}), typeErr());
add('dlopen: path an http URL', ({ A }) => A.dlopen(new URL('http://example.com/lib.so'), {}), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_DLOPEN', 'ERR_INVALID_URL_SCHEME'] });
const optionErr = err('ERR_ARKFFI_INVALID_OPTION', 'TypeError');
add('dlopen options: deep not a boolean', ({ A, testlib }) => A.dlopen(testlib, {}, { deep: 'yes' }), optionErr);
add('dlopen options: global a number', ({ A, testlib }) => A.dlopen(testlib, {}, { global: 1 }), optionErr);
add('dlopen options: lazy null', ({ A, testlib }) => A.dlopen(testlib, {}, { lazy: null }), optionErr);
add('dlopen options: a number', ({ A, testlib }) => A.dlopen(testlib, {}, 5), optionErr);
add('dlopen options: a string', ({ A, testlib }) => A.dlopen(testlib, {}, 'deep'), optionErr);
add('dlopen options: unknown option', ({ A, testlib }) => A.dlopen(testlib, {}, { deepbind: true }), optionErr);
add('dlopen options: getter is not run', ({ A, testlib, getter }) => A.dlopen(testlib, {}, getter('deep', true)), optionErr);
// deep: true is refused under a sanitizer runtime (test/embedded.test.mjs), so this case asks for deep: false.
add('dlopen options: valid ones work', ({ A, testlib }) => A.dlopen(testlib, { echo_i32: { args: ['i32'], returns: 'i32' } }, { deep: false, lazy: true, global: false }).symbols.echo_i32(7), value(7));

// ---------------------------------------------------------------------------------------------
// Struct schemas and struct values.

const schemaErr = { code: ['ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_INVALID_TYPE', 'ERR_ARKFFI_UNKNOWN_TYPE'], name: 'TypeError' };
add('schema: no fields', ({ A }) => A.Struct({}), schemaErr);
add('schema: empty pair list', ({ A }) => A.Struct([]), schemaErr);
add('schema: duplicate field in a pair list', ({ A }) => A.Struct([['a', 'i32'], ['a', 'f64']]), schemaErr);
add('schema: unknown field type', ({ A }) => A.Struct({ a: 'i33' }), unknownType());
add('schema: void field', ({ A }) => A.Struct({ a: 'void' }), schemaErr);
add('schema: number as field type', ({ A }) => A.Struct({ a: 4 }), schemaErr);
add('schema: null as field type', ({ A }) => A.Struct({ a: null }), schemaErr);
add('schema: fields a number', ({ A }) => A.Struct(5), schemaErr);
add('schema: fields null', ({ A }) => A.Struct(null), schemaErr);
add('schema: fields a string', ({ A }) => A.Struct('a:i32'), schemaErr);
add('schema: pair with a non-string name', ({ A }) => A.Struct([[1, 'i32']]), schemaErr);
add('schema: malformed pair', ({ A }) => A.Struct([['a']]), schemaErr);
add('schema: array of negative length', ({ A }) => A.Struct({ a: A.array('i32', -1) }), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_DEFINITION'] });
add('schema: array of fractional length', ({ A }) => A.array('i32', 1.5), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_DEFINITION'] });
add('schema: array of NaN length', ({ A }) => A.array('i32', NaN), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_DEFINITION'] });
add('schema: array length a string', ({ A }) => A.array('i32', '4'), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_OUT_OF_RANGE'] });
add('schema: huge array 2^40 elements', ({ A }) => A.Struct({ a: A.array('f64', 2 ** 40) }).size, { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_DEFINITION', 'ERR_ARKFFI_NO_MEMORY'] });
add('schema: array of an unknown type', ({ A }) => A.array('nope', 2), unknownType());
add('schema: array of void', ({ A }) => A.array('void', 2), schemaErr);
add('schema: pack 3', ({ A }) => A.Struct({ a: 'i32' }, { pack: 3 }), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_DEFINITION'] });
add('schema: options a number', ({ A }) => A.Struct({ a: 'i32' }, 5), schemaErr);
add('schema: packed not a boolean', ({ A }) => A.Struct({ a: 'i32' }, { packed: 'yes' }), schemaErr);
add('schema: Proxy field list runs no trap', ({ A, spy }) => A.Struct(spy({ a: 'i32' })), schemaErr);
add('schema: getter field is not run', ({ A, getter }) => A.Struct(getter('a', 'i32')), schemaErr);
add('schema: Proxy pair list runs no trap', ({ A, spy }) => A.Struct(spy([['a', 'i32']])), schemaErr);
add('schema: Proxy nested schema runs no trap', ({ A, spy }) => A.Struct({ a: spy(A.Struct({ x: 'i32' })) }), schemaErr);
add('schema: Proxy array type runs no trap', ({ A, spy }) => A.Struct({ a: spy(A.array('i32', 2)) }), schemaErr);
add('schema: a schema works', ({ A }) => A.Struct({ a: 'u8', b: 'f64' }).size, value(16));

// Struct members beyond a plain type: aligned members, flexible array members, struct pointers.
// Each refusal names the struct (its tag, given as { name }) and the member.
const memberErr = (names) => err('ERR_ARKFFI_INVALID_TYPE', 'TypeError', names);
add('member: align not a power of two', ({ A }) => A.Struct({ a: { type: 'i32', align: 12 } }, { name: 's' }), rangeErr("struct s: field 'a'"));
add('member: align zero', ({ A }) => A.Struct({ a: { type: 'i32', align: 0 } }, { name: 's' }), rangeErr("struct s: field 'a'"));
add('member: align a string', ({ A }) => A.Struct({ a: { type: 'i32', align: '16' } }, { name: 's' }), rangeErr("struct s: field 'a'"));
add('member: align beyond gcc', ({ A }) => A.Struct({ a: { type: 'i32', align: 2 ** 30 } }, { name: 's' }), rangeErr("struct s: field 'a'"));
add('member: descriptor without a type', ({ A }) => A.Struct({ a: { align: 8 } }, { name: 's' }), memberErr("struct s: field 'a'"));
add('member: descriptor with an unknown key', ({ A }) => A.Struct({ a: { type: 'i32', alignment: 8 } }, { name: 's' }), memberErr("struct s: field 'a'"));
add('member: descriptor in a descriptor', ({ A }) => A.Struct({ a: { type: { type: 'i32' }, align: 8 } }, { name: 's' }), memberErr("struct s: field 'a'"));
add('member: descriptor getter is not run', ({ A, getter }) => A.Struct({ a: getter('type', 'i32') }, { name: 's' }), memberErr("struct s: field 'a'"));
add('member: Proxy descriptor runs no trap', ({ A, spy }) => A.Struct({ a: spy({ type: 'i32', align: 8 }) }), schemaErr);
add('member: descriptor as an array element', ({ A }) => A.array({ type: 'i32', align: 8 }, 2), schemaErr);
add('member: aligned member works', ({ A }) => A.Struct({ c: 'char', i: { type: 'i32', align: 16 } }).size, value(32));
add('member: struct aligned to 32 by value', ({ A, testlib }) => A.dlopen(testlib, { mis_pair_sum_p: { args: [A.Struct({ a: { type: 'i32', align: 32 } }, { name: 's' })], returns: 'f64' } }), memberErr('struct s'));
add('member: flexible array not last', ({ A }) => A.Struct({ data: A.flexibleArray('f64'), n: 'i32' }, { name: 's' }), memberErr("struct s: field 'data'"));
add('member: flexible array alone', ({ A }) => A.Struct({ data: A.flexibleArray('f64') }, { name: 's' }), memberErr("struct s: field 'data'"));
add('member: flexible array in a union', ({ A }) => A.Union({ n: 'i32', data: A.flexibleArray('f64') }, { name: 'u' }), memberErr("union u: field 'data'"));
add('member: flexible array of void', ({ A }) => A.Struct({ n: 'i32', data: A.flexibleArray('void') }, { name: 's' }), memberErr("struct s: field 'data'"));
add('member: flexible struct as a field', ({ A }) => A.Struct({ f: A.Struct({ n: 'i32', d: A.flexibleArray('u8') }), x: 'i32' }), memberErr("field 'f'"));
add('member: flexible struct as an array element', ({ A }) => A.array(A.Struct({ n: 'i32', d: A.flexibleArray('u8') }), 2), memberErr());
add('member: flexible struct by value', ({ A, testlib }) => A.dlopen(testlib, { mis_pair_sum_p: { args: [A.Struct({ n: 'i32', d: A.flexibleArray('u8') }, { name: 's' })], returns: 'f64' } }), memberErr("struct s ends in the flexible array member 'd'"));
add('member: flexible struct as a result', ({ A, testlib }) => A.dlopen(testlib, { mis_pair_make: { args: ['i32', 'f64'], returns: A.Struct({ n: 'i32', d: A.flexibleArray('u8') }, { name: 's' }) } }), memberErr("struct s ends in the flexible array member 'd'"));
add('member: flexible create count negative', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({}, { count: -1 }), rangeErr('count'));
add('member: flexible create count NaN', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({}, { count: NaN }), rangeErr('count'));
add('member: flexible create count huge', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('f64') }).create({}, { count: 2 ** 50 }), rangeErr('elements are more than an ArrayBuffer holds'));
add('member: flexible elements beyond the count', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({ d: [1, 2, 3] }, { count: 2 }), rangeErr("field 'd'"));
add('member: flexible element out of range', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({ d: [256] }), rangeErr("field 'd[0]'"));
add('member: flexible getElement beyond a buffer', ({ A }) => { const S = A.Struct({ n: 'i32', d: A.flexibleArray('u8') }); return S.getElement(S.create({}, { count: 1 }), 1); }, rangeErr());
add('member: flexible getElement at NULL', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).getElement(0, 0), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('member: count without a flexible array', ({ A }) => A.Struct({ n: 'i32' }).create({}, { count: 1 }), typeErr('count'));
add('member: flexible elements a Proxy run no trap', ({ A, spy }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({ d: spy([1, 2]) }), typeErr("field 'd'"));
add('member: flexible set() of a Proxy runs no trap', ({ A, spy }) => { const S = A.Struct({ n: 'i32', d: A.flexibleArray('u8') }); return S.set(S.create({}, { count: 2 }), 'd', spy([1, 2])); }, typeErr("field 'd'"));
add('member: count options a Proxy runs no trap', ({ A, spy }) => A.Struct({ n: 'i32', d: A.flexibleArray('u8') }).create({}, spy({ count: 1 })), typeErr());
add('member: flexible create with elements works', ({ A }) => A.Struct({ n: 'i32', d: A.flexibleArray('f64') }).create({ d: [1, 2] }).byteLength, value(24));
add('member: pointerTo a number', ({ A }) => A.Struct({ p: A.pointerTo(5) }, { name: 's' }), memberErr("struct s: field 'p'"));
add('member: pointerTo an unknown word', ({ A }) => A.Struct({ p: A.pointerTo('this') }, { name: 's' }), memberErr("struct s: field 'p'"));
add('member: pointerTo a Proxy schema runs no trap', ({ A, spy }) => A.Struct({ p: A.pointerTo(spy(A.Struct({ x: 'i32' }))) }, { name: 's' }), memberErr("struct s: field 'p'"));
add('member: follow a function giving no schema', ({ A }) => { const S = A.Struct({ p: A.pointerTo(() => 'nope') }, { name: 's' }); return S.follow(S.create({ p: S.create() }), 'p'); }, memberErr("struct s: field 'p'"));
add('member: follow a field that is no pointer', ({ A }) => { const S = A.Struct({ v: 'i32', p: A.pointerTo('self') }, { name: 's' }); return S.follow(S.create(), 'v'); }, typeErr("field 'v'"));
add('member: follow NULL is null', ({ A }) => { const S = A.Struct({ v: 'i32', p: A.pointerTo('self') }); return S.follow(S.create(), 'p'); }, value(null));
add('member: a pointer member takes no string', ({ A }) => { const S = A.Struct({ v: 'i32', p: A.pointerTo('self') }); return S.create({ p: 'next' }); }, typeErr("field 'p'"));
add('member: struct name not an identifier', ({ A }) => A.Struct({ a: 'i32' }, { name: 'my struct' }), schemaErr);
add('schema: a union by value is refused or works', ({ A, testlib }) => {
  const U = A.Union({ a: 'i32', b: 'f64' });
  return typeof A.dlopen(testlib, { mis_pair_sum_p: { args: [U], returns: 'f64' } }).symbols.mis_pair_sum_p;
}, { any: [value('function'), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError')] });

add('struct arg: object', ({ s }) => s.mis_pair_sum({ a: 2, b: 0.5 }), value(2.5));
add('struct arg: missing fields are zero', ({ s }) => s.mis_pair_sum({ a: 2 }), value(2));
add('struct arg: bytes of the struct', ({ s, Pair }) => s.mis_pair_sum(Pair.create({ a: 1, b: 1 })), value(2));
add('struct arg: extra field', ({ s }) => s.mis_pair_sum({ a: 1, b: 1, c: 3 }), { any: [value(2), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError')] });
add('struct arg: wrong field type', ({ s }) => s.mis_pair_sum({ a: 'x', b: 1 }), typeErr());
add('struct arg: field out of range', ({ s }) => s.mis_pair_sum({ a: 2 ** 31, b: 1 }), rangeErr());
add('struct arg: field fractional', ({ s }) => s.mis_pair_sum({ a: 0.5, b: 1 }), rangeErr());
add('struct arg: field a BigInt', ({ s }) => s.mis_pair_sum({ a: 1n, b: 1 }), typeErr());
add('struct arg: float field a string', ({ s }) => s.mis_pair_sum({ a: 1, b: '1' }), typeErr());
add('struct arg: null', ({ s }) => s.mis_pair_sum(null), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_NULL_POINTER'] });
add('struct arg: undefined', ({ s }) => s.mis_pair_sum(undefined), typeErr('mis_pair_sum'));
add('struct arg: a string', ({ s }) => s.mis_pair_sum('{"a":1}'), typeErr('mis_pair_sum'));
add('struct arg: a symbol', ({ s }) => s.mis_pair_sum(Symbol('p')), typeErr('mis_pair_sum'));
add('struct arg: a buffer too short', ({ s }) => s.mis_pair_sum(new ArrayBuffer(4)), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_OUT_OF_RANGE'], names: 'mis_pair_sum' });
add('struct arg: a detached buffer', ({ s, detached }) => s.mis_pair_sum(detached()), detachedErr('mis_pair_sum'));
add('struct arg: Proxy runs no trap', ({ s, spy }) => s.mis_pair_sum(spy({ a: 1, b: 2 })), typeErr('mis_pair_sum'));
add('struct arg: getter field is not run', ({ s, getter }) => s.mis_pair_sum(getter('a', 1, { b: 2 })), { any: [typeErr('mis_pair_sum'), value(2)] });
add('struct arg: field valueOf is not called', ({ s, convertible }) => s.mis_pair_sum({ a: convertible(1), b: 2 }), typeErr('mis_pair_sum'));
add('struct arg: field a Proxy runs no trap', ({ s, spy }) => s.mis_pair_sum({ a: 1, b: spy({}) }), typeErr('mis_pair_sum'));
add('struct arg: inherited field is not read', ({ s, getter }) => s.mis_pair_sum(Object.create(getter('a', 5))), { any: [value(0), typeErr('mis_pair_sum')] });
add('struct arg: by pointer, a struct buffer', ({ s, Pair }) => s.mis_pair_sum_p(Pair.create({ a: 3, b: 0.25 })), value(3.25));
add('struct arg: async with a bad field rejects', ({ s }) => s.mis_pair_sum.async({ a: 'x' }), typeErr(), { async: true });
add('struct result: object', ({ s }) => s.mis_pair_make(4, 0.5), value({ a: 4, b: 0.5 }));
add('struct result: bad argument', ({ s }) => s.mis_pair_make('4', 0.5), typeErr('mis_pair_make'));
add('struct result: pointer, read and released', ({ A, testlib, Pair }) => {
  const f = A.dlopen(testlib, { mis_pair_make: { args: ['i32', 'f64'], returns: Pair } }).symbols.mis_pair_make;
  const p = f(6, 0.5);
  const v = Pair.fromPtr(p);
  return [v, A.releasePtr(p), A.releasePtr(p)];
}, value([{ a: 6, b: 0.5 }, true, false]));
add('struct result: buffer', ({ A, testlib, Pair }) => {
  const f = A.dlopen(testlib, { mis_pair_make: { args: ['i32', 'f64'], returns: Pair, structReturn: 'buffer' } }).symbols.mis_pair_make;
  return Pair.fromPtr(f(1, 2));
}, value({ a: 1, b: 2 }));
add('releasePtr: a foreign address is ignored', ({ A }) => A.releasePtr(0x12345678), value(false));
add('releasePtr: null is ignored', ({ A }) => A.releasePtr(null), value(false));
add('releasePtr: a Proxy runs no trap', ({ A, spy }) => A.releasePtr(spy({})), { any: [value(false), typeErr()] });

const P = ({ Pair }) => Pair;
add('schema.create: wrong field type', (c) => P(c).create({ a: 'x' }), typeErr());
add('schema.create: out of range', (c) => P(c).create({ a: 2 ** 40 }), rangeErr());
add('schema.create: Proxy runs no trap', (c) => P(c).create(c.spy({ a: 1 })), typeErr());
add('schema.create: getter is not run', (c) => P(c).fromPtr(P(c).create(c.getter('b', 1))), { any: [typeErr(), value({ a: 0, b: 0 })] });
add('schema.create: a number', (c) => P(c).create(5), typeErr());
add('schema.create: nothing is all zero', (c) => P(c).fromPtr(P(c).create()), value({ a: 0, b: 0 }));
add('schema.fromPtr: buffer too short', (c) => P(c).fromPtr(new ArrayBuffer(8)), rangeErr());
add('schema.fromPtr: offset past the end', (c) => P(c).fromPtr(new ArrayBuffer(16), 8), rangeErr());
add('schema.fromPtr: negative offset in a buffer', (c) => P(c).fromPtr(new ArrayBuffer(32), -8), rangeErr());
add('schema.fromPtr: fractional offset', (c) => P(c).fromPtr(new ArrayBuffer(32), 0.5), rangeErr());
add('schema.fromPtr: detached buffer', (c) => P(c).fromPtr(c.detached()), { any: [detachedErr(), rangeErr()] });
add('schema.fromPtr: NULL', (c) => P(c).fromPtr(0), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('schema.fromPtr: null', (c) => P(c).fromPtr(null), { code: ['ERR_ARKFFI_NULL_POINTER', 'ERR_ARKFFI_INVALID_ARG_TYPE'] });
add('schema.fromPtr: a string', (c) => P(c).fromPtr('0x1000'), typeErr());
add('schema.fromPtr: a Proxy runs no trap', (c) => P(c).fromPtr(c.spy(new ArrayBuffer(16))), typeErr());
add('schema.fromArray: count past the buffer', (c) => P(c).fromArray(new ArrayBuffer(32), 1000), rangeErr());
add('schema.fromArray: negative count', (c) => P(c).fromArray(new ArrayBuffer(32), -1), rangeErr());
add('schema.fromArray: count a string', (c) => P(c).fromArray(new ArrayBuffer(32), '2'), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_OUT_OF_RANGE'] });
add('schema.get: unknown field', (c) => P(c).get(new ArrayBuffer(16), 'z'), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError'));
add('schema.get: prototype name as field', (c) => P(c).get(new ArrayBuffer(16), 'constructor'), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError'));
add('schema.get: buffer too short', (c) => P(c).get(new ArrayBuffer(4), 'b'), rangeErr());
add('schema.set: wrong type', (c) => P(c).set(new ArrayBuffer(16), 'a', 'x'), typeErr());
add('schema.set: unknown field', (c) => P(c).set(new ArrayBuffer(16), 'z', 1), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError'));
add('schema.set: valueOf is not called', (c) => P(c).set(new ArrayBuffer(16), 'b', c.convertible(1)), typeErr());
add('schema.set: buffer too short', (c) => P(c).set(new ArrayBuffer(4), 'b', 1), rangeErr());
add('schema.set: detached buffer', (c) => P(c).set(c.detached(), 'a', 1), { any: [detachedErr(), rangeErr()] });
add('schema.createArray: not an array', (c) => P(c).createArray(5), typeErr());
add('schema.createArray: a bad element', (c) => P(c).createArray([{ a: 1 }, { a: 'x' }]), typeErr());
add('schema.createArray: Proxy list runs no trap', (c) => P(c).createArray(c.spy([{ a: 1 }])), typeErr());
add('array field: too many elements', ({ A }) => A.Struct({ v: A.array('u8', 2) }).create({ v: [1, 2, 3] }), rangeErr());
add('array field: a string', ({ A }) => A.Struct({ v: A.array('u8', 2) }).create({ v: 'ab' }), typeErr());
add('array field: element out of range', ({ A }) => A.Struct({ v: A.array('u8', 2) }).create({ v: [1, 256] }), rangeErr());

// ---------------------------------------------------------------------------------------------
// Closed things.

add('closed library: call', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { echo_i32: { args: ['i32'], returns: 'i32' } });
  lib.close();
  return lib.symbols.echo_i32(1);
}, closedErr('echo_i32'));
add('closed library: async call rejects', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { echo_i32: { args: ['i32'], returns: 'i32' } });
  lib.close();
  return lib.symbols.echo_i32.async(1);
}, closedErr('echo_i32'), { async: true });
add('closed library: close twice', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, {});
  lib.close();
  lib.close();
  return lib.closed;
}, value(true));
add('closed library: getSymbolPtr', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, {});
  lib.close();
  return lib.getSymbolPtr('echo_i32');
}, closedErr());
add('closed library: variadic call', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { mis_vsum: { args: ['i32'], returns: 'i32', variadic: true } });
  lib.close();
  return lib.symbols.mis_vsum(1, 'i32', 1);
}, closedErr('mis_vsum'));
add('closed library: struct call', ({ A, testlib, Pair }) => {
  const lib = A.dlopen(testlib, { mis_pair_sum: { args: [Pair], returns: 'f64' } });
  lib.close();
  return lib.symbols.mis_pair_sum({ a: 1 });
}, closedErr('mis_pair_sum'));
add('closed library: through ffi.close', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { echo_i32: { args: ['i32'], returns: 'i32' } });
  A.ffi.close(lib.handle);
  return lib.symbols.echo_i32(1);
}, closedErr('echo_i32'));
add('closed library: getSymbolPtr address kept and called after close', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, {});
  const f = A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  lib.close();
  return f(3);
}, value(3));
add('closed CFunction: call', ({ A, lib }) => {
  const f = A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  f.close();
  return f(1);
}, closedErr());
add('closed CFunction: close twice', ({ A, lib }) => {
  const f = A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  f.close();
  f.close();
  return 'ok';
}, value('ok'));
add('closed CFunction: async', ({ A, lib }) => {
  const f = A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  f.close();
  return f.async(1);
}, closedErr(), { async: true });
add('closed AsyncCFunction: call rejects', ({ A, lib }) => {
  const f = A.AsyncCFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' });
  f.close();
  return f(1);
}, closedErr(), { async: true });

const cb = (A, fn = (x) => x * 3) => new A.JSCallback(fn, { args: ['i32'], returns: 'i32' });
add('closed JSCallback: passed to C', ({ A, s }) => {
  const c = cb(A);
  c.close();
  return s.mis_apply(c, 2);
}, closedErr('mis_apply'));
add('closed JSCallback: passed to an async call', ({ A, s }) => {
  const c = cb(A);
  c.close();
  return s.mis_apply.async(c, 2);
}, closedErr('mis_apply'), { async: true });
add('closed JSCallback: its old pointer returns 0', ({ A, s }) => {
  const c = cb(A);
  const p = c.ptr;
  c.close();
  return s.mis_apply(p, 2);
}, value(1));
add('closed JSCallback: close twice', ({ A }) => {
  const c = cb(A);
  c.close();
  c.close();
  return [c.closed, c.ptr];
}, value([true, 0]));
add('closed JSCallback: call()', ({ A }) => {
  const c = cb(A);
  c.close();
  return c.call(1);
}, closedErr());
add('closed JSCallback: as a variadic pointer', ({ A, s }) => {
  const c = cb(A);
  c.close();
  return s.mis_vsum(1, 'ptr', c);
}, closedErr('mis_vsum'));
for (const [what, make] of [...notNumbers.filter(([w]) => w !== 'null' && w !== 'function'), ['BigInt of 65 bits', () => 2n ** 64n], ['NaN', () => NaN], ['fraction', () => 0.5]]) {
  const expect = typeof make() === 'number' || typeof make() === 'bigint' ? rangeErr('mis_apply') : typeErr('mis_apply');
  add(`callback parameter: ${what}`, ({ s }) => s.mis_apply(make(), 1), expect);
}
add('callback parameter: Proxy of a JSCallback runs no trap', ({ A, s, spy }) => s.mis_apply(spy(cb(A)), 1), typeErr('mis_apply'));
add('callback parameter: object with a ptr getter runs none', ({ A, s, getter }) => s.mis_apply(getter('ptr', cb(A).ptr), 1), typeErr('mis_apply'));
add('callback parameter: a CFunction of the right shape', ({ A, s, lib }) => s.mis_apply(A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' }), 4), value(5));
add('callback parameter: its address as a number', ({ A, s }) => s.mis_apply(cb(A).ptr, 2), value(7));
add('struct pointer: a view at an offset', ({ s, Pair }) => {
  const bytes = new Uint8Array(32);
  bytes.set(new Uint8Array(Pair.create({ a: 2, b: 0.5 })), 16);
  return s.mis_pair_sum_p(bytes.subarray(16));
}, value(2.5));
add('struct pointer: an object is not a pointer', ({ s }) => s.mis_pair_sum_p({ a: 1, b: 2 }), typeErr('mis_pair_sum_p'));
add('struct pointer: a detached buffer', ({ s, detached }) => s.mis_pair_sum_p(detached()), detachedErr('mis_pair_sum_p'));
add('JSCallback: open one works', ({ A, s }) => s.mis_apply(cb(A), 2), value(7));
add('JSCallback: a plain function for a callback parameter', ({ s }) => s.mis_apply((x) => x, 2),
  { code: 'ERR_ARKFFI_INVALID_ARG_TYPE', name: 'TypeError', message: /mis_apply.*JSCallback/ });
add('JSCallback: not a function', ({ A }) => new A.JSCallback(5, { args: [], returns: 'void' }), { code: 'ERR_ARKFFI_INVALID_ARG_TYPE', name: 'TypeError', message: /JSCallback/ });
add('JSCallback: definition a number', ({ A }) => new A.JSCallback(() => {}, 5), defErr());
add('JSCallback: no definition', ({ A }) => new A.JSCallback(() => {}), defErr());
add('JSCallback: unknown argument type', ({ A }) => new A.JSCallback(() => {}, { args: ['nope'] }), unknownType());
add('JSCallback: void argument', ({ A }) => new A.JSCallback(() => {}, { args: ['void'] }), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('JSCallback: args a string', ({ A }) => new A.JSCallback(() => {}, { args: 'i' }), defErr());
add('JSCallback: onError not a function', ({ A }) => new A.JSCallback(() => {}, { onError: 5 }), defErr());
add('JSCallback: Proxy definition runs no trap', ({ A, spy }) => new A.JSCallback(() => {}, spy({ args: [], returns: 'void' })), defErr());
add('JSCallback: getter for args is not run', ({ A, getter }) => typeof new A.JSCallback(() => {}, getter('args', ['i32'])).ptr, { any: [defErr(), value('number')] });
add('JSCallback: 1022 arguments', ({ A }) => new A.JSCallback(() => {}, { args: new Array(1022).fill('i32') }), err('ERR_ARKFFI_TOO_MANY_ARGS', 'RangeError'));
add('JSCallback: blocking false on a non-threadsafe one', ({ A }) => new A.JSCallback(() => {}, { blocking: false }), defErr());
add('JSCallback: returns a string for i32: rethrown from the call that ran it', ({ A, s }) => {
  let code;
  const c = new A.JSCallback(() => 'x', { args: ['i32'], returns: 'i32', onError: (e) => (code = e.code) });
  return [s.mis_apply(c, 1), code];
}, err('ERR_ARKFFI_INVALID_RETURN', 'TypeError'));
add('JSCallback: returns out of range: rethrown from the call that ran it', ({ A, s }) => {
  let code;
  const c = new A.JSCallback(() => 2 ** 40, { args: ['i32'], returns: 'i32', onError: (e) => (code = e.code) });
  return [s.mis_apply(c, 1), code];
}, err('ERR_ARKFFI_INVALID_RETURN', 'RangeError'));
add('JSCallback: returns a Proxy: no trap, C gets 0', ({ A, s, spy }) => {
  let code;
  const c = new A.JSCallback(() => spy({}), { args: ['i32'], returns: 'i32', onError: (e) => (code = e.code) });
  return [s.mis_apply(c, 1), code];
}, err('ERR_ARKFFI_INVALID_RETURN', 'TypeError'));
add('JSCallback: returns a valueOf object: not called', ({ A, s, convertible }) => {
  let code;
  const c = new A.JSCallback(() => convertible(5), { args: ['i32'], returns: 'i32', onError: (e) => (code = e.code) });
  return [s.mis_apply(c, 1), code];
}, err('ERR_ARKFFI_INVALID_RETURN', 'TypeError'));
add('JSCallback: bad return message names the callback', ({ A, s }) => {
  let message;
  const c = new A.JSCallback(function answer() {
    return 'x';
  }, { args: ['i32'], returns: 'i32' });
  try {
    s.mis_apply(c, 1);
  } catch (e) {
    message = e.message;
  }
  return /answer/.test(message);
}, value(true));
add('JSCallback: throws inside a sync call: the caller catches it', ({ A, s }) => {
  const c = new A.JSCallback(() => {
    throw new Error('boom');
  }, { args: ['i32'], returns: 'i32' });
  return s.mis_apply(c, 1);
}, { message: /^boom$/ });
add('JSCallback: throws on a later invocation: the caller catches it', ({ A, s }) => {
  const c = new A.JSCallback((i) => {
    if (i === 2) throw new RangeError('third');
    return i;
  }, { args: ['i32'], returns: 'i32' });
  return s.mis_apply_n(c, 5);
}, { message: /^third$/ });
add('JSCallback: throws a non-Error: the caller catches it', ({ A, s }) => {
  const c = new A.JSCallback(() => {
    throw 42;
  }, { args: ['i32'], returns: 'i32' });
  try {
    s.mis_apply(c, 1);
    return 'returned';
  } catch (e) {
    return e;
  }
}, value(42));
add('JSCallback: throws with an onError hook: the hook gets it', ({ A, s }) => {
  let got;
  const c = new A.JSCallback(() => {
    throw new Error('hooked');
  }, { args: ['i32'], returns: 'i32', onError: (e) => (got = e.message) });
  return [s.mis_apply(c, 1), got];
}, { any: [value([1, 'hooked']), { message: /^hooked$/ }] });

// ---------------------------------------------------------------------------------------------
// Re-entrant calls from inside callbacks.

add('reentrant: a callback calls another function', ({ A, s }) => {
  const c = cb(A, (x) => s.mis_add3(x, 10n, 0.5));
  return s.mis_apply(c, 5);
}, value(16));
add('reentrant: a callback calls the same function', ({ A, s }) => {
  const inner = cb(A, (x) => x * 2);
  const outer = cb(A, (x) => s.mis_apply(inner, x));
  return s.mis_apply(outer, 5);
}, value(12));
add('reentrant: 50 levels deep', ({ A, s }) => {
  const c = cb(A, (x) => (x === 0 ? 0 : s.mis_apply(c, x - 1)));
  return s.mis_apply(c, 50);
}, value(51));
add('reentrant: nested call keeps the outer arguments', ({ A, s }) => {
  const c = cb(A, (x) => {
    s.mis_add3(123456, 7n, 8);
    s.mis_vsum(2, 'i32', 9, 'i32', 9);
    return x;
  });
  return s.mis_apply(c, 5);
}, value(6));
add('reentrant: strings across a nested call', ({ A, s }) => {
  const c = new A.JSCallback((str) => {
    s.mis_strlen('a much longer string that takes the same scratch space');
    return BigInt(s.mis_strlen(str));
  }, { args: ['cstring'], returns: 'i64' });
  return s.mis_apply_str(c, 'short');
}, value(5));
add('reentrant: struct call inside a callback', ({ A, s }) => {
  const c = cb(A, (x) => s.mis_pair_sum({ a: x, b: 0 }));
  return s.mis_apply(c, 9);
}, value(10));
add('reentrant: a callback closes itself', ({ A, s }) => {
  const c = cb(A, (x) => {
    c.close();
    return x;
  });
  return [s.mis_apply(c, 4), c.closed];
}, value([5, true]));
add('reentrant: a callback closes the library running it', ({ A, testlib, s }) => {
  const lib = A.dlopen(testlib, { mis_apply: { args: ['callback', 'i32'], returns: 'i32' } });
  const c = cb(A, (x) => {
    lib.close();
    return x;
  });
  return [lib.symbols.mis_apply(c, 4), lib.closed, s.echo_i32(1)];
}, value([5, true, 1]));
add('reentrant: a callback unmaps the library running it', ({ A, privateLib }) => {
  const lib = privateLib({ mis_apply: { args: ['callback', 'i32'], returns: 'i32' } });
  const c = cb(A, (x) => {
    lib.close();
    return x;
  });
  return [lib.symbols.mis_apply(c, 4), lib.closed];
}, value([5, true]));
add('reentrant: unmapping close in a nested callback', ({ A, privateLib }) => {
  const lib = privateLib({ mis_apply: { args: ['callback', 'i32'], returns: 'i32' } });
  const inner = cb(A, (x) => {
    lib.close();
    return x;
  });
  const outer = cb(A, (x) => lib.symbols.mis_apply(inner, x));
  return lib.symbols.mis_apply(outer, 1);
}, value(3));
add('reentrant: a callback closes the library; the next call throws', ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { mis_apply: { args: ['callback', 'i32'], returns: 'i32' } });
  const c = cb(A, (x) => {
    lib.close();
    return x;
  });
  lib.symbols.mis_apply(c, 4);
  return lib.symbols.mis_apply(c, 4);
}, closedErr('mis_apply'));
add('reentrant: Proxy whose trap calls ArkFFI runs no trap', ({ s, spy }) =>
  s.mis_fill(new Proxy({ length: 8 }, { getPrototypeOf() {
    s.mis_sum_u8(null, 0);
    return SharedArrayBuffer.prototype;
  } }), 8, 0), typeErr('mis_fill'));
add('reentrant: getter that calls ArkFFI during struct packing', ({ s, hit }) =>
  s.mis_pair_sum(Object.defineProperty({ b: 1 }, 'a', { enumerable: true, get() {
    hit('getter a');
    s.mis_add3(123456, 0n, 0);
    return 1;
  } })), { any: [typeErr('mis_pair_sum'), value(1)] });
add('reentrant: async call from a callback', ({ A, s }) => {
  let promise;
  const c = cb(A, (x) => {
    promise = s.echo_i32.async(x * 10);
    return x;
  });
  s.mis_apply(c, 4);
  return promise;
}, value(40), { async: true });

// ---------------------------------------------------------------------------------------------
// Async calls.

add('async: good call', ({ s }) => s.mis_add3.async(1, 2n, 3), value(6), { async: true });
add('async: wrong type rejects', ({ s }) => s.echo_i32.async('x'), typeErr('echo_i32'), { async: true });
add('async: out of range rejects', ({ s }) => s.echo_u8.async(256), rangeErr('echo_u8'), { async: true });
add('async: Proxy argument runs no trap', ({ s, spy }) => s.echo_i32.async(spy({})), typeErr('echo_i32'), { async: true });
add('async: detached buffer rejects', ({ s, detached }) => s.mis_sum_u8.async(detached(), 16), detachedErr('mis_sum_u8'), { async: true });
add('async: string argument', ({ s }) => s.mis_strlen.async('hello'), value(5), { async: true });
add('async: many at once', ({ s }) => Promise.all(Array.from({ length: 64 }, (_, i) => s.echo_i32.async(i))).then((r) => r.reduce((a, b) => a + b)), value(2016), { async: true });
add('async: buffer detached while C uses it', async ({ s }) => {
  const ab = new ArrayBuffer(1 << 24);
  const call = s.mis_sleep_fill.async(new Uint8Array(ab), ab.byteLength, 7, 50);
  try {
    structuredClone(ab, { transfer: [ab] });
  } catch {
    // Refusing the detach is one of the two defined outcomes.
  }
  globalThis.gc?.();
  await call;
  return 'settled';
}, value('settled'), { async: true });
add('async: resizable buffer shrunk while C uses it', async ({ s }) => {
  const rab = new ArrayBuffer(1 << 24, { maxByteLength: 1 << 24 });
  const call = s.mis_sleep_fill.async(new Uint8Array(rab, 0, 1 << 24), 1 << 24, 7, 50);
  try {
    rab.resize(0);
  } catch {
    // Refusing the resize is one of the two defined outcomes.
  }
  globalThis.gc?.();
  await call;
  return 'settled';
}, value('settled'), { async: true });
add('async: library closed while a call runs', async ({ A, testlib }) => {
  const lib = A.dlopen(testlib, { mis_sleep_fill: { args: ['ptr', 'usize', 'u8', 'i32'], returns: 'void' } });
  const buf = new Uint8Array(4);
  const call = lib.symbols.mis_sleep_fill.async(buf, 4, 9, 30);
  lib.close();
  await call;
  return [...buf];
}, value([9, 9, 9, 9]), { async: true });

// ---------------------------------------------------------------------------------------------
// Raw memory helpers on JS buffers and on addresses.

const ab8 = () => new Float64Array([1.5]).buffer;
const buf16 = () => new Uint8Array(16).fill(65);
add('read.f64: inside the buffer', ({ A }) => A.read.f64(ab8(), 0), value(1.5));
add('read.f64: past the end of the buffer', ({ A }) => A.read.f64(ab8(), 8), rangeErr('read.f64'));
add('read.f64: straddling the end', ({ A }) => A.read.f64(ab8(), 4), rangeErr('read.f64'));
add('read.u8: last byte', ({ A }) => A.read.u8(buf16(), 15), value(65));
add('read.u8: one past the end', ({ A }) => A.read.u8(buf16(), 16), rangeErr('read.u8'));
add('read.u8: negative offset into a buffer', ({ A }) => A.read.u8(buf16(), -1), rangeErr('read.u8'));
add('read.i32: a view applies its offset and bounds', ({ A }) => A.read.i32(buf16().subarray(12), 4), rangeErr('read.i32'));
add('read.i64: past the end', ({ A }) => A.read.i64(new ArrayBuffer(8), 1), rangeErr('read.i64'));
add('read.u64: inside', ({ A }) => A.read.u64(new BigUint64Array([5n]).buffer, 0), value(5n));
add('read.ptr: past the end', ({ A }) => A.read.ptr(new ArrayBuffer(4), 0), rangeErr('read.ptr'));
add('read.f32: huge offset', ({ A }) => A.read.f32(buf16(), 2 ** 40), rangeErr('read.f32'));
add('read.u8: detached buffer', ({ A, detached }) => A.read.u8(detached(), 0), { any: [detachedErr('read.u8'), err('ERR_ARKFFI_NULL_POINTER', 'Error')] });
add('read.u8: empty buffer', ({ A }) => A.read.u8(new ArrayBuffer(0), 0), { any: [rangeErr('read.u8'), err('ERR_ARKFFI_NULL_POINTER', 'Error')] });
add('read.u8: NULL', ({ A }) => A.read.u8(0), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('read.u8: null', ({ A }) => A.read.u8(null), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('read.u8: a string', ({ A }) => A.read.u8('0x1000'), typeErr());
add('read.u8: fractional address', ({ A }) => A.read.u8(1.5), rangeErr());
add('read.u8: fractional offset', ({ A }) => A.read.u8(buf16(), 0.5), rangeErr());
add('read.u8: offset a string', ({ A }) => A.read.u8(buf16(), '1'), typeErr());
add('read.u8: Proxy runs no trap', ({ A, spy }) => A.read.u8(spy(new ArrayBuffer(8)), 0), typeErr());
add('read.u8: offset valueOf is not called', ({ A, convertible }) => A.read.u8(buf16(), convertible(0)), typeErr());
add('read.u8: shrunk resizable buffer', ({ A }) => {
  const rab = new ArrayBuffer(16, { maxByteLength: 16 });
  rab.resize(2);
  return A.read.u8(rab, 8);
}, rangeErr('read.u8'));
add('write.u32: NULL', ({ A }) => A.write.u32(null, 0, 1), err('ERR_ARKFFI_NULL_POINTER', 'Error', 'write.u32'));
add('write.u32: past the buffer', ({ A }) => A.write.u32(buf16(), 13, 1), rangeErr('write.u32'));
add('write.u32: negative offset into a buffer', ({ A }) => A.write.u32(buf16(), -1, 1), rangeErr('write.u32'));
add('write.u8: value out of range', ({ A }) => A.write.u8(buf16(), 0, 256), rangeErr('write.u8'));
add('write.u8: value valueOf is not called', ({ A, convertible }) => A.write.u8(buf16(), 0, convertible(1)), typeErr('write.u8'));
add('write.u8: Proxy address runs no trap', ({ A, spy }) => A.write.u8(spy(new ArrayBuffer(8)), 0, 1), typeErr());
add('write.u8: detached buffer', ({ A, detached }) => A.write.u8(detached(), 0, 1), detachedErr('write.u8'));
add('write.f64: a string value', ({ A }) => A.write.f64(buf16(), 0, '1'), typeErr('write.f64'));
add('write.i64: unsafe number', ({ A }) => A.write.i64(buf16(), 0, 2 ** 60), rangeErr('write.i64'));
add('write.ptr: a 65-bit BigInt', ({ A }) => A.write.ptr(buf16(), 0, 2n ** 64n), rangeErr('write.ptr'));
add('write.u8: shrunk resizable buffer', ({ A }) => {
  const rab = new ArrayBuffer(16, { maxByteLength: 16 });
  rab.resize(2);
  return A.write.u8(rab, 8, 1);
}, rangeErr('write.u8'));
add('free: an address alloc did not give', ({ A, s }) => A.free(s.echo_ptr(4096)), typeErr('free'));
add('free: twice', ({ A }) => {
  const p = A.alloc(8);
  A.free(p);
  return A.free(p);
}, typeErr('free'));
add('free: a buffer', ({ A }) => A.free(new ArrayBuffer(8)), typeErr('free'));
add('alloc: zero bytes', ({ A }) => A.alloc(0), rangeErr('alloc'));
add('alloc: more than the heap has', ({ A }) => A.alloc(2 ** 52), err('ERR_ARKFFI_NO_MEMORY', 'Error', 'alloc'));
add('alloc: a string length', ({ A }) => A.alloc('8'), rangeErr('alloc'));
add('sizeof: void', ({ A }) => A.sizeof('void'), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('sizeof: Proxy runs no trap', ({ A, spy }) => A.sizeof(spy({})), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('offsetof: Proxy schema runs no trap', ({ A, spy }) => A.offsetof(spy(A.Struct({ a: 'i32' })), 'a'), typeErr('offsetof'));
add('offsetof: unknown field', ({ A }) => A.offsetof(A.Struct({ a: 'i32' }), 'b'), err('ERR_ARKFFI_UNKNOWN_FIELD', 'TypeError', 'offsetof'));
add('readMemory: whole buffer', ({ A }) => A.readMemory(buf16(), 16).byteLength, value(16));
add('readMemory: past the buffer', ({ A }) => A.readMemory(buf16(), 4096), rangeErr('readMemory'));
add('readMemory: 17 of 16', ({ A }) => A.readMemory(buf16(), 17), rangeErr('readMemory'));
add('readMemory: a view bounds by its own length', ({ A }) => A.readMemory(buf16().subarray(8), 9), rangeErr('readMemory'));
add('readMemory: negative length', ({ A }) => A.readMemory(buf16(), -1), rangeErr('readMemory'));
add('readMemory: length a string', ({ A }) => A.readMemory(buf16(), '4'), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_ARG_TYPE'] });
add('readMemory: no length', ({ A }) => A.readMemory(buf16()), rangeErr('readMemory'));
add('readMemory: detached', ({ A, detached }) => A.readMemory(detached(), 1), { any: [detachedErr('readMemory'), err('ERR_ARKFFI_NULL_POINTER', 'Error')] });
add('readMemory: NULL with 0 bytes is empty', ({ A }) => A.readMemory(0, 0).byteLength, value(0));
add('readMemory: NULL with 1 byte', ({ A }) => A.readMemory(0, 1), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('readMemory: beyond MAX_LENGTH', ({ A }) => A.readMemory(buf16(), 2 ** 53), rangeErr('readMemory'));
add('readCString: a buffer with a NUL', ({ A }) => A.readCString(Buffer.from('hi\0there')), value('hi'));
add('readCString: a buffer without a NUL stays inside it', ({ A }) => A.readCString(Buffer.from('abcd')),
  { any: [value('abcd'), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_ARG_TYPE'] }] });
add('readCString: offset past the buffer', ({ A }) => A.readCString(Buffer.from('ab\0'), 8), rangeErr('readCString'));
add('readCString: length past the buffer', ({ A }) => A.readCString(Buffer.from('abc'), 0, 100), { any: [value('abc'), rangeErr('readCString')] });
add('readCString: bounded length', ({ A }) => A.readCString(Buffer.from('abcdef'), 1, 3), value('bcd'));
add('readCString: NULL is empty', ({ A }) => A.readCString(0), value(''));
add('readCString: detached', ({ A, detached }) => A.readCString(detached()), { any: [detachedErr('readCString'), value('')] });
add('readCString: a symbol', ({ A }) => A.readCString(Symbol('s')), typeErr('readCString'));
add('readCString: a Proxy runs no trap', ({ A, spy }) => A.readCString(spy(Buffer.from('a\0'))), typeErr('readCString'));
add('CString: a buffer without a NUL stays inside it', ({ A }) => String(new A.CString(Buffer.from('wxyz'))),
  { any: [value('wxyz'), { code: ['ERR_ARKFFI_OUT_OF_RANGE', 'ERR_ARKFFI_INVALID_ARG_TYPE'] }] });
add('CString: a buffer with a NUL', ({ A }) => String(new A.CString(Buffer.from('ok\0no'))), value('ok'));
add('CString: NULL is empty', ({ A }) => String(new A.CString(0)), value(''));
add('CString: offset past the buffer', ({ A }) => new A.CString(Buffer.from('ab\0'), 10), rangeErr('CString'));
add('CString: a string', ({ A }) => new A.CString('abc'), typeErr('CString'));
add('CString: a detached buffer', ({ A, detached }) => String(new A.CString(detached())), { any: [detachedErr('CString'), value('')] });
add('toArrayBuffer: inside the buffer', ({ A }) => A.toArrayBuffer(buf16(), 0, 16).byteLength, value(16));
add('toArrayBuffer: past the buffer', ({ A }) => A.toArrayBuffer(buf16(), 0, 4096), rangeErr('toArrayBuffer'));
add('toArrayBuffer: offset and length past the end', ({ A }) => A.toArrayBuffer(buf16(), 8, 9), rangeErr('toArrayBuffer'));
add('toArrayBuffer: negative offset into a buffer', ({ A }) => A.toArrayBuffer(buf16(), -8, 8), rangeErr('toArrayBuffer'));
add('toArrayBuffer: NUL-terminated read stays inside the buffer', ({ A }) => A.toArrayBuffer(buf16()).byteLength,
  { any: [value(16), rangeErr('toArrayBuffer'), typeErr('toArrayBuffer')] });
add('toArrayBuffer: detached', ({ A, detached }) => A.toArrayBuffer(detached(), 0, 1), { any: [detachedErr('toArrayBuffer'), err('ERR_ARKFFI_NULL_POINTER', 'Error')] });
add('toArrayBuffer: NULL', ({ A }) => A.toArrayBuffer(0, 0, 8), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('toArrayBuffer: length fractional', ({ A }) => A.toArrayBuffer(buf16(), 0, 1.5), rangeErr('toArrayBuffer'));
add('toBuffer: past the buffer', ({ A }) => A.toBuffer(buf16(), 0, 4096), rangeErr('toBuffer'));
add('toBuffer: inside', ({ A }) => A.toBuffer(buf16(), 4, 2).toString(), value('AA'));
add('ptr(): detached', ({ A, detached }) => A.ptr(detached()), detachedErr('ptr'));
add('ptr(): detached view', ({ A, detached }) => A.ptr(detached((ab) => new Float32Array(ab))), detachedErr('ptr'));
add('ptr(): a number', ({ A }) => A.ptr(1234), typeErr('ptr'));
add('ptr(): a string', ({ A }) => A.ptr('abc'), typeErr('ptr'));
add('ptr(): null', ({ A }) => A.ptr(null), typeErr('ptr'));
add('ptr(): offset fractional', ({ A }) => A.ptr(new ArrayBuffer(8), 0.5), rangeErr('ptr'));
add('ptr(): offset a string', ({ A }) => A.ptr(new ArrayBuffer(8), '1'), typeErr('ptr'));
add('ptr(): Proxy runs no trap', ({ A, spy }) => A.ptr(spy(new ArrayBuffer(8))), typeErr('ptr'));
add('ptr(): object faking a view runs no getter', ({ A, getter }) => A.ptr(getter('buffer', new ArrayBuffer(8), Object.create(DataView.prototype))), typeErr('ptr'));
add('ptr(): a view in range', ({ A }) => {
  const u8 = new Uint8Array(8);
  return A.ptr(u8.subarray(2)) - A.ptr(u8);
}, value(2));
add('errno: after a call is a number', ({ A, s }) => (s.echo_i32(1), typeof A.errno()), value('number'));
add('errno(value): a string', ({ A }) => A.errno('5'), typeErr('errno'));
add('errno(value): a BigInt', ({ A }) => A.errno(5n), typeErr('errno'));
add('errno(value): beyond an int', ({ A }) => A.errno(2 ** 31), rangeErr('errno'));
add('errno(value): NaN', ({ A }) => A.errno(NaN), rangeErr('errno'));
add('errno(value): an object with valueOf runs no user code', ({ A, getter }) => A.errno({ valueOf: () => { throw new Error('ran'); } }), typeErr('errno'));
add('errno(value): only the next call starts with it', ({ A, s }) => (A.errno(3), s.echo_i32(1), s.echo_i32(1), A.errno()), value(0));

// ---------------------------------------------------------------------------------------------
// linkSymbols, CFunction and the raw bridge.

add('linkSymbols: a number', ({ A }) => A.linkSymbols(5), defErr());
add('linkSymbols: null', ({ A }) => A.linkSymbols(null), defErr());
add('linkSymbols: a string', ({ A }) => A.linkSymbols('echo_i32'), defErr());
add('linkSymbols: definition without ptr', ({ A }) => A.linkSymbols({ f: { args: ['i32'], returns: 'i32' } }), defErr());
add('linkSymbols: ptr 0', ({ A }) => A.linkSymbols({ f: { ptr: 0, returns: 'void' } }), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('linkSymbols: works', ({ A, lib }) => A.linkSymbols({ f: { ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' } }).symbols.f(8), value(8));
add('linkSymbols: Proxy defs run no trap', ({ A, spy }) => A.linkSymbols(spy({})), defErr());
add('CFunction: no ptr', ({ A }) => A.CFunction({ args: ['i32'], returns: 'i32' }), defErr());
add('CFunction: ptr null', ({ A }) => A.CFunction({ ptr: null, returns: 'void' }), { code: ['ERR_ARKFFI_NULL_POINTER', 'ERR_ARKFFI_INVALID_DEFINITION'] });
add('CFunction: ptr NaN', ({ A }) => A.CFunction({ ptr: NaN, returns: 'void' }), rangeErr());
add('CFunction: ptr 2^60', ({ A }) => A.CFunction({ ptr: 2 ** 60, returns: 'void' }), rangeErr());
add('CFunction: a number', ({ A }) => A.CFunction(5), defErr());
add('CFunction: bad argument', ({ A, lib }) => A.CFunction({ ptr: lib.getSymbolPtr('echo_i32'), args: ['i32'], returns: 'i32' })('x'), typeErr());
add('getSymbolPtr: missing', ({ lib }) => lib.getSymbolPtr('mis_none'), err('ERR_ARKFFI_SYMBOL_NOT_FOUND', 'Error'));
add('getSymbolPtr: a number', ({ lib }) => lib.getSymbolPtr(5), typeErr());
add('getSymbolPtr: a Proxy runs no trap', ({ lib, spy }) => lib.getSymbolPtr(spy(new String('echo_i32'))), typeErr());

add('ffi.load: a number', ({ A }) => A.ffi.load(5), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_DLOPEN'] });
add('ffi.load: missing file', ({ A }) => A.ffi.load('/nonexistent/libx.so'), err('ERR_ARKFFI_DLOPEN', 'Error'));
add('ffi.close: unknown handle is ignored', ({ A }) => A.ffi.close(987654321n), value(undefined));
add('ffi.close: twice is ignored', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.close(h);
  A.ffi.close(h);
  return 'ok';
}, value('ok'));
add('ffi.defineFunction: missing symbol', ({ A, testlib }) => A.ffi.defineFunction(A.ffi.load(testlib), 'mis_none', 'i', 'i'), { message: /dlsym failed/ });
add('ffi.defineFunction: unknown code', ({ A, testlib }) => A.ffi.defineFunction(A.ffi.load(testlib), 'echo_i32', 'z', 'i'), unknownType());
add('ffi.defineFunction: closed handle', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.close(h);
  return A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
}, closedErr());
add('ffi.callBySig: not defined', ({ A, testlib }) => A.ffi.callBySig(A.ffi.load(testlib), 'echo_u16', [1], []), err('ERR_ARKFFI_NOT_DEFINED', 'Error'));
add('ffi.callBySig: works', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  return A.ffi.callBySig(h, 'echo_i32', [9], []);
}, value(9));
add('ffi.callBySig: too few numbers', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'mis_add3', 'ild', 'i');
  return A.ffi.callBySig(h, 'mis_add3', [1], []);
}, countErr());
add('ffi.callBySig: numArgs not an array', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  return A.ffi.callBySig(h, 'echo_i32', 9, []);
}, { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_ARG_COUNT'], name: 'TypeError' });
add('ffi.callBySig: numArgs a Proxy runs no trap', ({ A, testlib, spy }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  return A.ffi.callBySig(h, 'echo_i32', spy([9]), []);
}, typeErr());
add('ffi.callBySig: a string where a number goes', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  return A.ffi.callBySig(h, 'echo_i32', ['9'], []);
}, typeErr());
add('ffi.callMixed: a number in strArgs', ({ A, testlib }) => A.ffi.callMixed(A.ffi.load(testlib), 'mis_strlen', 's', 'l', [], [5]), typeErr());
add('ffi.callMixed: a good string', ({ A, testlib }) => A.ffi.callMixed(A.ffi.load(testlib), 'mis_strlen', 's', 'l', [], ['four']), value(4));
add('ffi.callMixed: missing strArgs', ({ A, testlib }) => A.ffi.callMixed(A.ffi.load(testlib), 'mis_strlen', 's', 'l', [], []), { code: ['ERR_ARKFFI_ARG_COUNT', 'ERR_ARKFFI_INVALID_ARG_TYPE'] });
add('ffi.callPtr: NULL', ({ A }) => A.ffi.callPtr(0, 'i', 'i', [1], []), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('ffi.callPtr: a string address', ({ A }) => A.ffi.callPtr('0x10', 'i', 'i', [1], []), { code: ['ERR_ARKFFI_INVALID_ARG_TYPE', 'ERR_ARKFFI_INVALID_HANDLE'] });
add('ffi.callPtrAsync: NULL rejects', ({ A }) => A.ffi.callPtrAsync(0, 'i', 'i', [1], []), err('ERR_ARKFFI_NULL_POINTER', 'Error'), { async: true });
add('ffi.callAsync: not defined rejects', ({ A, testlib }) => A.ffi.callAsync(A.ffi.load(testlib), 'echo_u32', 'i', 'i', [1], []), { code: ['ERR_ARKFFI_NOT_DEFINED', 'ERR_ARKFFI_SYMBOL_NOT_FOUND'] }, { async: true });
add('ffi.readMemory: past a JS buffer', ({ A }) => A.ffi.readMemory(new ArrayBuffer(16), 4096), rangeErr());
add('ffi.readCString: a string', ({ A }) => A.ffi.readCString('abc'), typeErr());
add('ffi.readCString: NULL is empty', ({ A }) => A.ffi.readCString(0), value(''));
add('ffi.ptr: detached', ({ A, detached }) => A.ffi.ptr(detached()), detachedErr());
add('ffi.callCallbackThreadSafe: unknown handle', ({ A }) => A.ffi.callCallbackThreadSafe(987654, 1), closedErr());
add('ffi.callCallbackThreadSafe: not threadsafe', ({ A }) => {
  const c = cb(A);
  return A.ffi.callCallbackThreadSafe(c.getHandle(), 1);
}, err('ERR_ARKFFI_INVALID_HANDLE', 'TypeError'));
add('ffi.invokeCallback: closed handle', ({ A }) => {
  const c = cb(A);
  const h = c.getHandle();
  c.close();
  return A.ffi.invokeCallback(h, 1);
}, closedErr());
add('ffi.destroyCallback: twice', ({ A }) => {
  const c = cb(A);
  const h = c.getHandle();
  A.ffi.destroyCallback(h);
  A.ffi.destroyCallback(h);
  return c.closed;
}, { any: [value(true), closedErr()] });
add('callBySigAsArrayBuffer: non-struct function', ({ A, testlib }) => {
  const h = A.ffi.load(testlib);
  A.ffi.defineFunction(h, 'echo_i32', 'i', 'i');
  return A.callBySigAsArrayBuffer(h, 'echo_i32', [1], []);
}, err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));

// ---------------------------------------------------------------------------------------------
// Transient callbacks: a plain function for a callback() parameter (lib/transient.ts).

const transient = (A, testlib, extra = {}) => {
  const intFn = A.callback({ args: ['i32'], returns: 'i32' });
  return A.dlopen(testlib, {
    tr_apply: { args: [intFn, 'i32'], returns: 'i32' },
    tr_keep: { args: [intFn], returns: 'void' },
    tr_call_kept: { args: ['i32'], returns: 'i32' },
    ...extra,
  }).symbols;
};
add('transient: a plain function runs for the call', ({ A, testlib }) => transient(A, testlib).tr_apply((x) => x + 1, 41), value(42));
add('transient: a string is no function', ({ A, testlib }) => transient(A, testlib).tr_apply('x => x', 1), typeErr('tr_apply'));
add('transient: an object is no function', ({ A, testlib }) => transient(A, testlib).tr_apply({ call: () => 1 }, 1), typeErr('tr_apply'));
add('transient: the function throws, the call rethrows', ({ A, testlib }) => transient(A, testlib).tr_apply(() => {
  throw new RangeError('transient boom');
}, 1), { message: /transient boom/ });
add('transient: a result of the wrong type', ({ A, testlib }) => transient(A, testlib).tr_apply(() => 'no', 1),
  err('ERR_ARKFFI_INVALID_RETURN', 'TypeError', 'tr_apply'));
add('transient: a closed JSCallback', ({ A, testlib }) => {
  const c = cb(A);
  c.close();
  return transient(A, testlib).tr_apply(c, 1);
}, closedErr('tr_apply'));
add('transient: a pointer C kept returns 0 and reports', ({ A, testlib }) => {
  const s = transient(A, testlib);
  s.tr_keep((x) => x);
  const codes = [];
  A.JSCallback.onError = (e) => void codes.push(e.code);
  try {
    return [s.tr_call_kept(7), ...codes];
  } finally {
    A.JSCallback.onError = null;
  }
}, value([0, 'ERR_ARKFFI_CLOSED']));
add('transient: .async with a throwing function rejects', ({ A, testlib }) => transient(A, testlib).tr_apply.async(() => {
  throw new RangeError('async transient boom');
}, 1), { message: /async transient boom/ }, { async: true });
add('transient: a plain function in a pointer struct field', ({ A }) => A.Struct({ op: 'ptr' }).create({ op: (x) => x }), typeErr('op'));
add('transient: definition a string', ({ A }) => A.callback('i32'), defErr());
add('transient: definition with threadsafe', ({ A }) => A.callback({ args: ['i32'], threadsafe: true }), defErr());
add('transient: definition with an unknown type', ({ A }) => A.callback({ args: ['nope'] }), unknownType());
add('transient: Proxy definition runs no trap', ({ A, spy }) => A.callback(spy({ args: ['i32'], returns: 'i32' })), defErr());
add('transient: getter for args is not run', ({ A, getter }) => A.callback(getter('args', ['i32'], { returns: 'i32' })), defErr());
add('transient: Proxy args list runs no trap', ({ A, spy }) => A.callback({ args: spy(['i32']) }), defErr());
// Typed pointers (pointer(), out(), inout(), char **): values that cannot be converted or written
// back are refused naming the function and argument, and no Proxy trap or getter runs.

/** The pointer functions of test/native/pointers.c, with the parameter types given. */
const ptrLib = (A, testlib) => {
  const P = A.Struct({ x: 'i32', y: 'i32', weight: 'f64' });
  return A.dlopen(testlib, {
    ptr_sum: { args: [A.pointer('i32'), 'i32'], returns: 'i32' },
    ptr_fill_ints: { args: [A.out(A.pointer('i32')), 'i32'] },
    ptr_swap: { args: [A.inout(A.pointer('i32')), A.inout(A.pointer('i32'))] },
    ptr_move_point: { args: [A.inout(A.pointer(P))] },
    ptr_origin: { args: [A.out(A.pointer(P))] },
    ptr_count_args: { args: ['char **'], returns: 'i32' },
    ptr_name_each: { args: [A.out(A.pointer('cstring')), 'i32'] },
  }).symbols;
};
add('pointer: an array of numbers', ({ A, testlib }) => ptrLib(A, testlib).ptr_sum([1, 2, 3], 3), value(6));
add('pointer: a string element', ({ A, testlib }) => ptrLib(A, testlib).ptr_sum(['1'], 1), typeErr('ptr_sum(): argument 1'));
add('pointer: an element out of range', ({ A, testlib }) => ptrLib(A, testlib).ptr_sum([2 ** 31], 1), rangeErr('ptr_sum(): argument 1'));
add('pointer: a fractional number is no address', ({ A, testlib }) => ptrLib(A, testlib).ptr_sum(1.5, 1), typeErr('ptr_sum'));
add('pointer: a Float64Array for an int32_t *', ({ A, testlib }) => ptrLib(A, testlib).ptr_sum(new Float64Array(1), 1), typeErr('ptr_sum'));
add('pointer: a Proxy of an array runs no trap', ({ A, testlib, spy }) => ptrLib(A, testlib).ptr_sum(spy([1]), 1), typeErr('ptr_sum'));
add('pointer: a getter element is not run', ({ A, testlib, getter }) => ptrLib(A, testlib).ptr_sum(getter('0', 1, [0]), 1), typeErr('ptr_sum'));
add('pointer: a valueOf element is not converted', ({ A, testlib, convertible }) => ptrLib(A, testlib).ptr_sum([convertible(1)], 1), typeErr('ptr_sum'));
add('out: a number cannot be written back', ({ A, testlib }) => ptrLib(A, testlib).ptr_fill_ints(5, 1), typeErr('ptr_fill_ints(): argument 1 (out int32_t *)'));
add('out: a frozen array', ({ A, testlib }) => ptrLib(A, testlib).ptr_fill_ints(Object.freeze([0]), 1), typeErr('ptr_fill_ints'));
add('out: a string', ({ A, testlib }) => ptrLib(A, testlib).ptr_fill_ints('x', 1), typeErr('ptr_fill_ints'));
add('out: null passes NULL', ({ A, testlib }) => ptrLib(A, testlib).ptr_fill_ints(null, 0), value(undefined));
add('out: a getter element is neither run nor overwritten', ({ A, testlib, getter }) => ptrLib(A, testlib).ptr_fill_ints(getter('0', 1, [0]), 1), typeErr('ptr_fill_ints'));
add('inout: a Proxy runs no trap', ({ A, testlib, spy }) => ptrLib(A, testlib).ptr_swap(spy([1]), [2]), typeErr('ptr_swap(): argument 1'));
add('inout: a non-extensible array that must grow', ({ A, testlib }) => {
  const s = A.dlopen(testlib, { ptr_fill_ints: { args: [A.out(A.pointer('i32', 2)), 'i32'] } }).symbols;
  return s.ptr_fill_ints(Object.preventExtensions([]), 2);
}, typeErr('ptr_fill_ints'));
add('inout struct: a frozen object', ({ A, testlib }) => ptrLib(A, testlib).ptr_move_point(Object.freeze({ x: 1 })), typeErr('ptr_move_point'));
add('inout struct: a Proxy runs no trap', ({ A, testlib, spy }) => ptrLib(A, testlib).ptr_move_point(spy({ x: 1 })), typeErr('ptr_move_point'));
add('inout struct: a getter field is not run', ({ A, testlib, getter }) => ptrLib(A, testlib).ptr_move_point(getter('x', 1)), typeErr('ptr_move_point'));
add('out struct: a Date is no object of fields', ({ A, testlib }) => ptrLib(A, testlib).ptr_origin(new Date(0)), typeErr('ptr_origin'));
add('out struct: fields set on a plain object', ({ A, testlib }) => {
  const o = {};
  ptrLib(A, testlib).ptr_origin(o);
  return o;
}, value({ x: 7, y: -7, weight: 0.5 }));
add('char **: an array of strings', ({ A, testlib }) => ptrLib(A, testlib).ptr_count_args(['a', 'b']), value(2));
add('char **: a number element', ({ A, testlib }) => ptrLib(A, testlib).ptr_count_args(['a', 1]), typeErr('ptr_count_args(): argument 1 (char **)'));
add('char **: a string with a NUL', ({ A, testlib }) => ptrLib(A, testlib).ptr_count_args(['a\0b']), typeErr('ptr_count_args'));
add('char **: a String object is no string', ({ A, testlib }) => ptrLib(A, testlib).ptr_count_args([new String('a')]), typeErr('ptr_count_args'));
add('char **: a Proxy runs no trap', ({ A, testlib, spy }) => ptrLib(A, testlib).ptr_count_args(spy(['a'])), typeErr('ptr_count_args'));
add('char **: a single string is no array', ({ A, testlib }) => ptrLib(A, testlib).ptr_count_args('a'), typeErr('ptr_count_args'));
add('out char **: read back as strings', ({ A, testlib }) => {
  const names = [null, null];
  ptrLib(A, testlib).ptr_name_each(names, 2);
  return names;
}, value(['alpha', null]));
add('out char **: a frozen array', ({ A, testlib }) => ptrLib(A, testlib).ptr_name_each(Object.freeze([null]), 1), typeErr('ptr_name_each'));
add('pointer(): an unknown type', ({ A }) => A.pointer('nope'), unknownType());
add('pointer(): a count of 0', ({ A }) => A.pointer('i32', 0), rangeErr('pointer()'));
add('pointer(): a Proxy type runs no trap', ({ A, spy }) => A.pointer(spy({})), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('out(): not a pointer type', ({ A }) => A.out('i32'), err('ERR_ARKFFI_INVALID_TYPE', 'TypeError'));
add('readCStringArray: NULL', ({ A }) => A.readCStringArray(0), err('ERR_ARKFFI_NULL_POINTER', 'Error'));
add('readCStringArray: a negative count', ({ A }) => A.readCStringArray(new BigUint64Array(1), -1), rangeErr('readCStringArray'));
add('readCStringArray: a buffer of pointers, NULL-terminated', ({ A }) => A.readCStringArray(new BigUint64Array(2)), value([]));
add('.async: a refused pointer argument rejects', ({ A, testlib }) => ptrLib(A, testlib).ptr_fill_ints.async(5, 1), typeErr('ptr_fill_ints'), { async: true });
add('prototype: _Out_ on a parameter that is no pointer', ({ A }) => A.dlopen(null, { abs: 'int abs(_Out_ int x)' }), defErr());
add('prototype: _Out_ int * refuses a number', ({ A }) => A.dlopen('libm.so.6', { frexp: 'double frexp(double x, _Out_ int *exp)' }).symbols.frexp(1, 0), typeErr('frexp(): argument 2 (out int32_t *)'));
add('prototype: char *const argv[] refuses a number element', ({ A }) => A.dlopen(null, { execv: 'int execv(const char *path, char *const argv[])' }).symbols.execv('/nonexistent', [1]), typeErr('execv(): argument 2 (char **)'));
