// libm: plain doubles in and out, and an out-parameter (frexp writes the exponent through an
// int *).
//
//   node examples/libm.mjs
import assert from 'node:assert/strict';
import { dlopen, FFIType } from 'arkffi';

const libm = dlopen('libm.so.6', {
  cos: { args: [FFIType.double], returns: FFIType.double },
  pow: { args: [FFIType.double, FFIType.double], returns: FFIType.double },
  // double frexp(double x, int *exp): x = fraction * 2^exp, fraction in [0.5, 1)
  frexp: { args: [FFIType.double, FFIType.ptr], returns: FFIType.double },
});
const { cos, pow, frexp } = libm.symbols;

console.log(`cos(0.5) = ${cos(0.5)}`);
console.log(`pow(2, 10) = ${pow(2, 10)}`);
assert.equal(pow(2, 10), 1024);

// An `int *` out-parameter: an Int32Array of one element is an int the callee can write.
const exp = new Int32Array(1);
const fraction = frexp(48, exp);
console.log(`frexp(48) = ${fraction} * 2^${exp[0]}`);
assert.equal(fraction * 2 ** exp[0], 48);

libm.close();
