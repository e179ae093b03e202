// C strings: JS strings in (copied, NUL-terminated, freed), JS strings out, CString reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CString, dlopen, FFIType, ptr, readCString } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  str_len: { args: [FFIType.CString], returns: 'usize' },
  str_is_null: { args: ['cstring'], returns: 'bool' },
  str_echo: { args: ['cstring'], returns: 'cstring' },
  str_cmp: { args: ['cstring', 'cstring'], returns: 'i32' },
  str_concat3: { args: ['cstring', 'cstring', 'cstring'], returns: 'cstring' },
  greeting: { returns: FFIType.CString },
  null_string: { returns: 'cstring' },
  utf8_string: { returns: 'cstring' },
});
const s = lib.symbols;

test('JS strings arrive as NUL-terminated UTF-8', () => {
  assert.equal(s.str_len('hello world'), 11);
  assert.equal(s.str_len(''), 0);
  assert.equal(s.str_len('é'), 2);
  assert.equal(s.str_len('€😀'), 7);
  assert.equal(s.str_echo('héllo € 😀'), 'héllo € 😀');
  assert.equal(s.str_cmp('abc', 'abc'), 0);
  assert.ok(s.str_cmp('abc', 'abd') < 0);
});

test('long strings and many strings per call are copied whole', () => {
  const long = 'x'.repeat(3000) + 'é'.repeat(300);
  assert.equal(s.str_len(long), 3600);
  assert.equal(s.str_echo(long), long);
  // Three strings that together overflow the on-stack area: the later ones go to the heap.
  const a = 'a'.repeat(700), b = 'b'.repeat(700), c = '€'.repeat(400);
  assert.equal(s.str_concat3(a, b, c), `${a}|${b}|${c}`);
  // Around the boundary where a stack copy could be cut short mid-character.
  for (let n = 1000; n < 1030; n++) {
    const str = 'a'.repeat(n) + '😀';
    assert.equal(s.str_len(str), n + 4, `length ${n}`);
  }
});

test('null passes NULL; a buffer holding a NUL-terminated string passes as is; an address is refused', () => {
  assert.equal(s.str_is_null(null), true);
  assert.equal(s.str_is_null('x'), false);
  const bytes = Buffer.from('from a buffer\0');
  assert.equal(s.str_len(bytes), 13);
  // An address would let C read anywhere: a `ptr` parameter takes one.
  const err = throwsCode(assert, () => s.str_len(ptr(bytes)), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /declare the parameter 'ptr'/);
  throwsCode(assert, () => s.str_len(undefined), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.str_len(true), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('cstring results are JS strings, null for NULL', () => {
  assert.equal(s.greeting(), 'hello, ArkFFI');
  assert.equal(s.null_string(), null);
  assert.equal(s.utf8_string(), 'héllo € 😀');
});

test('CString reads C memory, byteLength limits the read, 0 reads as empty', () => {
  const addr = dlopen(testlib, { greeting: { returns: 'ptr' } }).symbols.greeting();
  const str = new CString(addr);
  assert.equal(str.toString(), 'hello, ArkFFI');
  assert.equal(str.length, 13);
  assert.equal(`${str}!`, 'hello, ArkFFI!');
  assert.equal(str.ptr, addr);
  assert.equal(new CString(addr, 7).toString(), 'ArkFFI');
  assert.equal(new CString(addr, 0, 5).toString(), 'hello');
  assert.equal(new CString(addr, 7, 3).toString(), 'Ark');
  assert.equal(new CString(addr, 0, 100).toString(), 'hello, ArkFFI');
  assert.equal(new CString(0).toString(), '');
  assert.equal(readCString(addr), 'hello, ArkFFI');
  assert.equal(readCString(addr, 7, 3), 'Ark');
});

test('string arguments are freed after the call: no growth over a million calls', () => {
  const heavy = 'y'.repeat(2000); // takes the heap path
  const light = 'hello world'; // takes the stack path
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      s.str_len(heavy);
      s.str_len(light);
    }
  };
  run(100_000); // warm up, let the allocator reach its steady state
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  run(1_000_000);
  globalThis.gc?.();
  const grown = process.memoryUsage().rss - before;
  // A leak of the 2 KB copies alone would be 2 GB; allow allocator and JIT noise.
  assert.ok(grown < 32 * 1024 * 1024, `RSS grew by ${grown} bytes`);
});

test('CString: NULL reads as empty whatever the offset; a negative byteLength sets no limit', () => {
  const addr = dlopen(testlib, { greeting: { returns: 'ptr' } }).symbols.greeting();
  assert.equal(new CString(0, 5).toString(), '');
  assert.equal(new CString(0n, 8, 3).toString(), '');
  // ArkFFI's default byteLength, -1: read up to the NUL.
  const whole = new CString(addr, 0, -1);
  assert.equal(whole.toString(), 'hello, ArkFFI');
  assert.equal(whole.byteLength, 13);
  const tail = new CString(addr, 7, -1);
  assert.equal(tail.toString(), 'ArkFFI');
  assert.equal(tail.byteLength, 6);
  assert.equal(new CString(addr, 7, 3).byteLength, 3);
});

test('CString rejects what is not an address, offset or length, naming the argument', () => {
  const addr = dlopen(testlib, { greeting: { returns: 'ptr' } }).symbols.greeting();
  const address = throwsCode(assert, () => new CString(1.5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(address.argIndex, 0);
  assert.equal(address.message,
    'new CString(): argument 1 (address) must be a safe integer or a BigInt of at most 64 bits, got the number 1.5');
  const offset = throwsCode(assert, () => new CString(addr, NaN), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(offset.argIndex, 1);
  assert.equal(offset.message, 'new CString(): argument 2 (byteOffset) must be a safe integer, got the number NaN');
  const length = throwsCode(assert, () => new CString(addr, 0, 2.5), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  assert.equal(length.argIndex, 2);
  throwsCode(assert, () => new CString('text'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('a NUL inside a JS string ends the C string, as in C', () => {
  assert.equal(s.str_len('ab\0cd'), 2);
  assert.equal(s.str_echo('ab\0cd'), 'ab');
  assert.equal(s.str_len('\0'), 0);
});
