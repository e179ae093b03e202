// Out and in/out parameters, typed pointers and arrays of strings: pointer(type), out(), inout()
// and `char **`. C writes through the pointer; ArkFFI writes its values back into the JS array or
// object after the call.
//
//   node examples/out-params.mjs
import assert from 'node:assert/strict';
import { dlopen, inout, JSCallback, out, pointer, ptr, read, readCStringArray, Struct } from 'arkffi';

// double frexp(double x, int *exp): a scalar out value is a one-element array.
const libm = dlopen('libm.so.6', { frexp: { args: ['double', out(pointer('int'))], returns: 'double' } });
const exp = [null];
const mantissa = libm.symbols.frexp(48, exp);
console.log(`frexp(48) = ${mantissa} * 2^${exp[0]}`);
assert.deepEqual([mantissa, exp[0]], [0.75, 6]);

const libc = dlopen(null, {
  // int pipe(int fds[2]): a count sizes the memory, and the empty array grows to two elements.
  pipe: { args: [out(pointer('int', 2))], returns: 'int' },
  close: { args: ['int'], returns: 'int' },
  // qsort sorts the array in place: inout passes the values and reads them back.
  qsort: { args: [inout(pointer('i32')), 'usize', 'usize', 'ptr'] },
  // int getsubopt(char **optionp, char *const *tokens, char **valuep): the tokens are a
  // NULL-terminated array of strings; optionp is advanced in place; valuep points into the input.
  getsubopt: { args: [inout(pointer('ptr')), 'char *const *', out(pointer('cstring'))], returns: 'int' },
  // int gettimeofday(struct timeval *tv, void *tz): a struct out parameter sets the object's fields.
  gettimeofday: { args: [out(pointer(Struct({ tv_sec: 'long', tv_usec: 'long' }))), 'ptr'], returns: 'int' },
});
const { pipe, close, qsort, getsubopt, gettimeofday } = libc.symbols;

const fds = [];
assert.equal(pipe(fds), 0);
console.log(`pipe() gave file descriptors ${fds.join(' and ')}`);
fds.forEach((fd) => close(fd));

const ascending = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
const numbers = [42, -7, 19, 0];
qsort(numbers, numbers.length, 4, ascending);
ascending.close();
console.log(`qsort: [${numbers}]`);
assert.deepEqual(numbers, [-7, 0, 19, 42]);

// The options live in a buffer we keep: getsubopt writes NULs into it and points into it.
const options = Buffer.from('ro,size=64,bogus\0');
const cursor = [ptr(options)];
const tokens = ['ro', 'rw', 'size'];
const parsed = [];
while (read.u8(cursor[0]) !== 0) {
  const value = [null];
  const index = getsubopt(cursor, tokens, value);
  parsed.push(index < 0 ? `unknown option ${value[0]}` : `${tokens[index]}${value[0] === null ? '' : `=${value[0]}`}`);
}
console.log(`getsubopt: ${parsed.join(', ')}`);
assert.deepEqual(parsed, ['ro', 'size=64', 'unknown option bogus']);

const now = {};
assert.equal(gettimeofday(now, null), 0);
console.log(`gettimeofday: ${now.tv_sec} s since the epoch`);
assert.ok(now.tv_sec > 1_600_000_000);

// Reading a NULL-terminated char ** back: here one we made ourselves, in a buffer of pointers.
const words = [Buffer.from('alpha\0'), Buffer.from('beta\0')];
const list = new BigUint64Array([...words.map((w) => BigInt(ptr(w))), 0n]);
console.log(`readCStringArray: ${JSON.stringify(readCStringArray(list))}`);
assert.deepEqual(readCStringArray(list), ['alpha', 'beta']);
