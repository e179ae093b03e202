// Wide strings: wchar_t (UTF-32 on Linux), char16_t and char32_t text to and from JS strings,
// through libc's own wide-character functions.
//
//   node examples/wide-strings.mjs
import assert from 'node:assert/strict';
import { dlopen, readCString32, sizeof } from 'arkffi';

const libc = dlopen(null, {
  wcslen: 'size_t wcslen(const wchar_t *s)',
  wcscmp: 'int wcscmp(const wchar_t *a, const wchar_t *b)',
  wcstombs: 'size_t wcstombs(char *dest, const wchar_t *src, size_t n)',
  mbstowcs: 'size_t mbstowcs(wchar_t *dest, const char *src, size_t n)',
  setlocale: 'char *setlocale(int category, const char *locale)',
});
const { wcslen, wcscmp, wcstombs, mbstowcs, setlocale } = libc.symbols;

console.log(`wchar_t is ${sizeof('wchar_t')} bytes here`);
// A JS string reaches C as a NUL-terminated wchar_t copy: one unit per code point on Linux.
assert.equal(wcslen('héllo 😀'), 7);
assert.equal(wcscmp('abc', 'abd') < 0, true);

// The multibyte conversions need a UTF-8 locale (LC_ALL is 6 in glibc).
const LC_ALL = 6;
const saved = setlocale(LC_ALL, null);
setlocale(LC_ALL, 'C.UTF-8');
try {
  // wchar_t -> UTF-8 bytes, into a buffer C fills.
  const bytes = Buffer.alloc(64);
  const n = wcstombs(bytes, 'Grüße 🌍', bytes.length);
  console.log(`wcstombs: ${n} bytes: ${bytes.toString('utf8', 0, n)}`);
  assert.equal(bytes.toString('utf8', 0, n), 'Grüße 🌍');
  // UTF-8 -> wchar_t, read back from the array C filled.
  const wide = new Uint32Array(32);
  const m = mbstowcs(wide, 'Привет 🌍', wide.length);
  console.log(`mbstowcs: ${m} wide characters: ${readCString32(wide)}`);
  assert.equal(readCString32(wide), 'Привет 🌍');
} finally {
  setlocale(LC_ALL, saved);
}
libc.close();
