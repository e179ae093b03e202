// C strings: JS strings go in as NUL-terminated UTF-8 (copied for the call, then freed), `cstring`
// results come back as JS strings, and CString reads strings that C owns.
//
//   node examples/strings.mjs
import assert from 'node:assert/strict';
import { CString, dlopen } from 'arkffi';

const libc = dlopen(null, {
  strlen: { args: ['cstring'], returns: 'usize' },
  strstr: { args: ['cstring', 'cstring'], returns: 'ptr' }, // a pointer into the first argument
  getenv: { args: ['cstring'], returns: 'cstring' }, // C owns it: read, never free
  strerror: { args: ['i32'], returns: 'cstring' },
});
const { strlen, strstr, getenv, strerror } = libc.symbols;

console.log(`strlen("héllo") = ${strlen('héllo')} bytes of UTF-8`);
assert.equal(strlen('héllo'), 6);

console.log(`getenv("HOME") = ${getenv('HOME')}; getenv("ARKFFI_NO_SUCH_VAR") = ${getenv('ARKFFI_NO_SUCH_VAR')}`);
assert.equal(getenv('ARKFFI_NO_SUCH_VAR'), null);
console.log(`strerror(2) = ${strerror(2)}`);

// A string argument lives only for the call, so a pointer C returns into it is only good during
// the call. To keep one, pass memory you own: here a Buffer holding the text and its NUL.
const haystack = Buffer.from('needle in a haystack\0');
const at = strstr(haystack, 'hay');
const found = new CString(at);
console.log(`strstr found "${found}" at byte ${at - strstr(haystack, 'needle')}`);
assert.equal(found.toString(), 'haystack');

// CString's byteLength limits the read.
console.log(`the first 3 bytes: "${new CString(at, 0, 3)}"`);

libc.close();
