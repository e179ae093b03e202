// Pointers and buffers: any ArrayBuffer, TypedArray, Buffer or DataView passes as a pointer to its
// data (its byte offset applied); ptr() gives that address; read.* and toArrayBuffer() read C
// memory.
//
//   node examples/pointers.mjs
import assert from 'node:assert/strict';
import { dlopen, ptr, read, toArrayBuffer } from 'arkffi';

const libc = dlopen(null, {
  memset: { args: ['ptr', 'i32', 'usize'], returns: 'ptr' },
  memcpy: { args: ['ptr', 'ptr', 'usize'], returns: 'ptr' },
  // long strtol(const char *nptr, char **endptr, int base): endptr is an out-parameter
  strtol: { args: ['cstring', 'ptr', 'i32'], returns: 'long' },
});
const { memset, memcpy, strtol } = libc.symbols;

const bytes = new Uint8Array(8);
memset(bytes.subarray(2, 6), 0x2a, 4); // the view's offset is applied: bytes 2..5
console.log(`memset on a subarray: [${bytes}]`);
assert.deepEqual([...bytes], [0, 0, 42, 42, 42, 42, 0, 0]);

const src = new Float64Array([1.5, 2.5]);
const dst = new Float64Array(2);
memcpy(dst, src, src.byteLength);
console.log(`memcpy of two doubles: [${dst}]`);

// An out-parameter pointer: a buffer with room for one pointer that strtol fills in. The input
// is memory we own, so the end pointer stays meaningful after the call.
const input = Buffer.from('1234 and the rest\0');
const end = new BigUint64Array(1);
const value = strtol(input, end, 10);
const consumed = read.ptr(end) - ptr(input);
console.log(`strtol read ${value}, consuming ${consumed} bytes; the rest: "${input.toString('utf8', consumed, input.length - 1)}"`);
assert.equal(value, 1234);
assert.equal(consumed, 4);

// C memory as an ArrayBuffer, without copying.
const view = new Uint8Array(toArrayBuffer(ptr(bytes), 2, 4));
console.log(`a view of 4 bytes at an address: [${view}]`);

libc.close();
