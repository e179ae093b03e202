// Any signature: many arguments (most on the stack), mixed classes, variadic functions, struct
// returns in registers, and calls through bare function pointers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFunction, dlopen, FFIType, linkSymbols, ptr } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  mixed32: {
    args: Array.from({ length: 4 }, () => ['i32', 'f64', 'i64', 'f32', 'u8', 'f64', 'i16', 'ptr']).flat(),
    returns: 'f64',
  },
  many_doubles: { args: Array(12).fill('f64'), returns: 'f64' },
  many_ints: { args: Array(10).fill('i32'), returns: 'i64' },
  sum_variadic: { args: ['i32'], returns: 'f64', variadic: true },
  get_adder: { returns: 'ptr' },
  complex_add: { args: [['f64', 'f64'], ['f64', 'f64']], returns: ['f64', 'f64'] },
});
const s = lib.symbols;

test('32 mixed arguments arrive in order, including those passed on the stack', () => {
  const values = [];
  let expected = 0;
  for (let i = 0; i < 32; i++) {
    const kind = i % 8;
    // Values exact in every type: f32 gets halves, u8 small, pointers plain integers.
    const v = kind === 3 ? i + 0.5 : kind === 1 || kind === 5 ? i * 1.25 : kind === 2 ? 2 ** 40 + i : i + 1;
    values.push(v);
    expected += v * (i + 1);
  }
  assert.equal(s.mixed32(...values), expected);
});

test('register files overflow onto the stack for doubles and integers', () => {
  const d = Array.from({ length: 12 }, (_, i) => i + 0.5);
  assert.equal(s.many_doubles(...d), d.reduce((acc, v, i) => acc + v * (i + 1), 0));
  const n = Array.from({ length: 10 }, (_, i) => (i % 2 ? -1 : 1) * (1000 + i));
  assert.equal(s.many_ints(...n), n.reduce((acc, v, i) => acc + v * (i + 1), 0));
});

test('variadic functions take (type, value) pairs after the fixed arguments', () => {
  assert.equal(s.sum_variadic(3, 'f64', 1.5, 'f64', 2.5, 'double', 4), 8);
  assert.equal(s.sum_variadic(0), 0);
  // float variadics are promoted to double, as C does.
  assert.equal(s.sum_variadic(2, 'f32', 0.5, FFIType.float, 0.25), 0.75);
  throwsCode(assert, () => s.sum_variadic(1, 'f64'), TypeError, 'ERR_ARKFFI_ARG_COUNT');
  throwsCode(assert, () => s.sum_variadic(1, 'nope', 1), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  throwsCode(assert, () => s.sum_variadic(1, 'f64', 'x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test("libc's own snprintf formats every kind of variadic argument", () => {
  const libc = dlopen(null, { snprintf: { args: ['ptr', 'usize', 'cstring'], returns: 'i32', variadic: true } });
  const buf = Buffer.alloc(128);
  const n = libc.symbols.snprintf(buf, buf.length, '%d|%u|%lld|%s|%.3f|%c|%p', 'i32', -42, 'u32', 4000000000, 'i64', 2n ** 62n, 'cstring', 'héllo', 'f64', Math.PI, 'i32', 65, 'ptr', 0x1000);
  const text = buf.toString('utf8', 0, n);
  assert.equal(text, `-42|4000000000|${2n ** 62n}|héllo|3.142|A|0x1000`);
  // Truncation reports the length it wanted, as C's snprintf does.
  const small = Buffer.alloc(4);
  assert.equal(libc.symbols.snprintf(small, 4, '%s', 'cstring', 'abcdef'), 6);
  assert.equal(small.toString('latin1', 0, 3), 'abc');
  assert.equal(small[3], 0);
});

test('CFunction calls any function address with any signature', () => {
  const addr = s.get_adder();
  assert.ok(addr > 65536);
  const add = CFunction({ args: ['i32', 'i32'], returns: 'i32', ptr: addr });
  assert.equal(add(20, 22), 42);
  assert.equal(add.ptr, addr);
  assert.equal(CFunction({ args: [FFIType.int32, FFIType.int32], returns: FFIType.int32, ptr: BigInt(addr) })(1, 2), 3);
  add.close();
  throwsCode(assert, () => add(1, 2), Error, 'ERR_ARKFFI_CLOSED');
  const sym = lib.getSymbolPtr('many_ints');
  const viaPtr = CFunction({ args: Array(10).fill('i32'), returns: 'i64', ptr: sym });
  assert.equal(viaPtr(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 55);
  throwsCode(assert, () => CFunction({ args: [], returns: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
});

test('linkSymbols binds several addresses at once', () => {
  const linked = linkSymbols({ add: { args: ['i32', 'i32'], returns: 'i32', ptr: s.get_adder() } });
  assert.equal(linked.symbols.add(2, 2), 4);
  linked.close();
  throwsCode(assert, () => linked.symbols.add(2, 2), Error, 'ERR_ARKFFI_CLOSED');
});

test('a {double, double} struct passes and returns by value', () => {
  const a = new Float64Array([1.5, -2]);
  const b = new Float64Array([0.25, 10]);
  const r = s.complex_add(a, b);
  assert.ok(r instanceof ArrayBuffer);
  assert.deepEqual([...new Float64Array(r)], [1.75, 8]);
  // ArkFFI's return code '2' means the same.
  const two = dlopen(testlib, { complex_add: { args: [['f64', 'f64'], ['f64', 'f64']], returns: '2' } });
  assert.deepEqual([...new Float64Array(two.symbols.complex_add(a.buffer, b))], [1.75, 8]);
  throwsCode(assert, () => s.complex_add(new Float64Array(1), b), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.complex_add(1, b), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.ok(ptr(a) > 0);
});
