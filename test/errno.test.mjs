// errno: captured right after the C function returns.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { dlopen, errno, ffi } from 'arkffi';
import { testlib } from './helpers.mjs';

const libc = dlopen(null, {
  open: { args: ['cstring', 'i32'], returns: 'i32' },
  close: { args: ['i32'], returns: 'i32' },
  strtol: { args: ['cstring', 'ptr', 'i32'], returns: 'long' },
  getpid: { returns: 'i32' },
});

test('open() of a missing file reports ENOENT', () => {
  assert.equal(libc.symbols.open('/nonexistent/arkffi-test', 0), -1);
  assert.equal(errno(), constants.errno.ENOENT);
  assert.equal(ffi.errno(), constants.errno.ENOENT);
});

test('errno survives the runtime work between the call and the read', async () => {
  assert.equal(libc.symbols.close(-1), -1);
  // Node.js does its own system calls here; the saved value must not change.
  await new Promise((resolve) => setTimeout(resolve, 10));
  JSON.stringify({ a: [1, 2, 3] });
  assert.equal(errno(), constants.errno.EBADF);
});

test('errno is cleared before each call, so successful calls read 0', () => {
  libc.symbols.open('/nonexistent/arkffi-test', 0);
  assert.notEqual(errno(), 0);
  libc.symbols.getpid();
  assert.equal(errno(), 0);
  // strtol reports overflow only through errno: the cleared value makes that check work.
  assert.equal(libc.symbols.strtol('99999999999999999999999', null, 10), 2n ** 63n - 1n);
  assert.equal(errno(), constants.errno.ERANGE);
  assert.equal(libc.symbols.strtol('42', null, 10), 42);
  assert.equal(errno(), 0);
});

test('a library function that sets errno is seen exactly', () => {
  const lib = dlopen(testlib, { set_errno: { args: ['i32'], returns: 'i32' } });
  lib.symbols.set_errno(12345);
  assert.equal(errno(), 12345);
});

test('errno(value) sets errno for the next call only, and errno() reads it until then', async () => {
  const lib = dlopen(testlib, {
    errno_on_entry: { returns: 'i32' },
    errno_on_entry_then: { args: ['i32'], returns: 'i32' },
  });
  const { errno_on_entry, errno_on_entry_then } = lib.symbols;
  assert.equal(errno(constants.errno.EINTR), constants.errno.EINTR);
  assert.equal(errno(), constants.errno.EINTR);
  assert.equal(errno_on_entry(), constants.errno.EINTR);
  assert.equal(errno(), constants.errno.EINTR, 'the call left errno as it found it');
  assert.equal(errno_on_entry(), 0, 'the value was for one call');
  // A call on the thread pool starts with the value too, and reports what it left.
  errno(-7);
  assert.equal(await errno_on_entry_then.async(33), -7);
  assert.equal(errno(), 33);
  assert.equal(errno_on_entry(), 0);
  lib.close();
});

test('errno(value) refuses what no int holds, naming the argument', () => {
  assert.throws(() => errno('5'), { name: 'TypeError', code: 'ERR_ARKFFI_INVALID_ARG_TYPE', message: /errno\(\): argument 1 \(value\)/ });
  assert.throws(() => errno(2 ** 31), { name: 'RangeError', code: 'ERR_ARKFFI_OUT_OF_RANGE' });
  assert.throws(() => errno(1.5), { name: 'RangeError', code: 'ERR_ARKFFI_OUT_OF_RANGE' });
  assert.equal(errno(0), 0);
});
