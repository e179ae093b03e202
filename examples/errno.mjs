// errno: what the last C call left, read right after it returned; and set for the next call.
//
//   node examples/errno.mjs
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { dlopen, errno } from 'arkffi';

const libc = dlopen(null, {
  strtol: 'long strtol(const char *s, char **end, int base)',
  // glibc's %m prints strerror(errno): it reads errno as the call finds it.
  snprintf: { args: ['ptr', 'usize', 'cstring'], returns: 'i32', variadic: true },
});
const { strtol, snprintf } = libc.symbols;

// strtol reports overflow only through errno; ArkFFI starts each call with errno = 0.
assert.equal(strtol("99999999999999999999", null, 10), 2n ** 63n - 1n);
assert.equal(errno(), constants.errno.ERANGE);
console.log(`strtol overflow: errno ${errno()} (ERANGE)`);
strtol('42', null, 10);
assert.equal(errno(), 0);

// errno(value) sets errno for the next call (only that one), for C code that reads it first.
errno(constants.errno.ENOENT);
const buf = Buffer.alloc(64);
const n = snprintf(buf, buf.length, 'open: %m');
console.log(buf.toString('utf8', 0, n));
assert.equal(buf.toString('utf8', 0, n), 'open: No such file or directory');

libc.close();
