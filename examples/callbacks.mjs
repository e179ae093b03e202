// Callbacks: a JS function becomes a C function pointer with JSCallback. Here libc's qsort sorts
// a JS-owned array of doubles in place, calling a JS comparator, synchronously, during the call.
// A parameter declared callback({ args, returns }) takes a plain function for the one call.
//
//   node examples/callbacks.mjs
import assert from 'node:assert/strict';
import { callback, dlopen, JSCallback, ptr, read } from 'arkffi';

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

// A transient callback: the parameter's type says the signature, and each call passes a plain
// function, which C may call until the call returns. Nothing to create or close, and a million
// such calls use no more memory than one (docs/threads.md, "A plain function for one call").
const compare = callback({ args: ['ptr', 'ptr'], returns: 'i32' });
const sorting = dlopen(null, {
  qsort: { args: ['ptr', 'usize', 'usize', compare], returns: 'void' },
  bsearch: { args: ['ptr', 'ptr', 'usize', 'usize', compare], returns: 'ptr' },
});
const numbers = Int32Array.of(30, 10, 50, 20, 40);
sorting.symbols.qsort(numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b));
console.log(`qsort with a plain function: [${numbers.join(', ')}]`);
assert.deepEqual([...numbers], [10, 20, 30, 40, 50]);
const found = sorting.symbols.bsearch(Int32Array.of(40), numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b));
const index = (found - ptr(numbers)) / numbers.BYTES_PER_ELEMENT;
console.log(`bsearch with a plain function: 40 is at index ${index}`);
assert.equal(index, 3);
sorting.close();
