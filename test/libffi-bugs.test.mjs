// Signatures the system's libffi passes wrongly (before 3.4.7, x86-64): a struct of 9 to 16 bytes
// whose first eightbyte goes in r9 after a floating-point argument took xmm0. ArkFFI calls them
// without libffi (src/direct.c), on the general path and from .async calls too; the fuzz found
// them (test/struct-value-fuzz.test.mjs, seeds 1, 4 and 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { array, dlopen, Struct, Union } from 'arkffi';
import { testlib } from './helpers.mjs';

const IntsFloats = Struct({ a: 'i32', b: 'i32', c: 'f32', d: 'f32' });
const IntsFloat = Struct({ a: 'i32', b: 'i32', c: 'f32' });
const IntOrFloats = Union({ i: 'i32', f: array('f32', 4) });

const lib = dlopen(testlib, {
  after_r9_16: { args: ['f64', 'i64', 'i64', 'i64', 'i64', 'i64', IntsFloats], returns: 'f64' },
  after_r9_12: { args: ['f32', 'i32', 'i32', 'i32', 'i32', 'i32', IntsFloat, 'f64'], returns: 'f64' },
  after_r9_union: { args: ['f64', 'f64', 'ptr', 'i64', 'i64', 'i64', 'i64', IntOrFloats], returns: 'f64' },
});
const { after_r9_16, after_r9_12, after_r9_union } = lib.symbols;

const floats = Float32Array.of(1.5, 2.5, 3.25, 4.75);
const unionInt = new Int32Array(floats.buffer)[0];
const cases = [
  [after_r9_16, [0.5, 1, 2, 3, 4, 5, { a: 7, b: 9, c: 0.25, d: 0.125 }], 500 + 55 + 70 + 900 + 0.25 + 0.25],
  [after_r9_12, [0.75, 1, 2, 3, 4, 5, { a: 7, b: 9, c: 0.5 }, 8.5], 750 + 55 + 70 + 900 + 0.5 + 34],
  [after_r9_union, [0.5, 0.25, 8, 2, 3, 4, 5, { f: floats }], 500 + 125 + 1 + 4 + 9 + 16 + 25 + unionInt * 10 + 3.25 + 9.5],
];

test('a 9-16-byte struct starting in r9 after a floating-point argument arrives whole, and the float too', () => {
  for (const [fn, args, expected] of cases) assert.equal(fn(...args), expected, fn.name);
});

test('the same signatures called with .async, from a worker thread', async () => {
  for (const [fn, args, expected] of cases) assert.equal(await fn.async(...args), expected, fn.name);
});

// The bug is in libffi's x86-64 classifier: elsewhere libffi passes such a variadic call rightly.
test('declared variadic, such a signature is refused on x86-64 rather than passed wrongly: only libffi calls variadics', () => {
  const variadic = dlopen(testlib, {
    after_r9_16: { args: ['f64', 'i64', 'i64', 'i64', 'i64', 'i64', IntsFloats], returns: 'f64', variadic: true },
  });
  const call = () => variadic.symbols.after_r9_16(...cases[0][1]);
  if (process.arch === 'x64') {
    assert.throws(call, (err) =>
      err instanceof TypeError && err.code === 'ERR_ARKFFI_INVALID_TYPE' && /after_r9_16: the system's libffi passes this signature wrongly/.test(err.message));
  } else {
    assert.equal(call(), cases[0][2]);
  }
  variadic.close();
});
