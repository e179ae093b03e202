// Callbacks: a JS function becomes a C function pointer with JSCallback. Here libc's qsort sorts
// a JS-owned array of doubles in place, calling a JS comparator, synchronously, during the call.
//
//   node examples/callbacks.mjs
import assert from 'node:assert/strict';
import { dlopen, JSCallback, read } from 'arkffi';

const libc = dlopen(null, {
  // void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *))
  qsort: { args: ['ptr', 'usize', 'usize', 'callback'], returns: 'void' },
});

const values = new Float64Array([3.5, -1, 42, 0, 7.25, -8]);
let calls = 0;
// compar gets two pointers into the array; it returns <0, 0 or >0.
const byValue = new JSCallback(
  (a, b) => {
    calls++;
    return Math.sign(read.f64(a) - read.f64(b));
  },
  { args: ['ptr', 'ptr'], returns: 'i32' },
);

libc.symbols.qsort(values, values.length, values.BYTES_PER_ELEMENT, byValue);
console.log(`qsort with a JS comparator (${calls} calls): [${values.join(', ')}]`);
assert.deepEqual([...values], [-8, -1, 0, 3.5, 7.25, 42]);

// cb.ptr is a real C function pointer: the same callback passed by address sorts descending here.
const descending = new JSCallback((a, b) => Math.sign(read.f64(b) - read.f64(a)), { args: ['ptr', 'ptr'], returns: 'i32' });
libc.symbols.qsort(values, values.length, 8, descending.ptr);
console.log(`descending, through cb.ptr: [${values.join(', ')}]`);
assert.deepEqual([...values], [42, 7.25, 3.5, 0, -1, -8]);

byValue.close();
descending.close();
libc.close();
