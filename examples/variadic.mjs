// Variadic functions: declare the fixed parameters with `variadic: true`, then pass each variadic
// argument as a (type, value) pair. C cannot tell `%d` from `%f`, so the types are explicit.
//
//   node examples/variadic.mjs
import assert from 'node:assert/strict';
import { dlopen } from 'arkffi';

const libc = dlopen(null, {
  // int snprintf(char *str, size_t size, const char *format, ...)
  snprintf: { args: ['ptr', 'usize', 'cstring'], returns: 'i32', variadic: true },
});
const { snprintf } = libc.symbols;

const buf = Buffer.alloc(128);
const n = snprintf(buf, buf.length, '%s is %d years and %.2f months; big: %llu; char: %c',
  'cstring', 'ArkFFI', 'i32', 1, 'f64', 2.5, 'u64', 2n ** 63n, 'i32', 0x41);
const text = buf.toString('utf8', 0, n);
console.log(text);
assert.equal(text, `ArkFFI is 1 years and 2.50 months; big: ${2n ** 63n}; char: A`);

// The same format with other variadic types is another call shape, prepared once and cached.
const m = snprintf(buf, buf.length, '%f + %f', 'f32', 0.5, 'double', 0.25);
console.log(buf.toString('utf8', 0, m));

// snprintf returns the length it wanted: a short buffer truncates, as in C.
const small = Buffer.alloc(4);
console.log(`wanted ${snprintf(small, small.length, '%s', 'cstring', 'truncated')} bytes, got "${small.toString('utf8', 0, 3)}"`);

libc.close();
