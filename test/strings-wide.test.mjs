// UTF-16 and UTF-32 strings (char16_t *, char32_t *, and wchar_t *, which is UTF-32 on Linux): JS
// strings in (copied, NUL-terminated, freed after the call), JS strings out, in callbacks, read
// from memory, freed for you; and real round trips: wchar_t through libc, UTF-16 through ICU.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { array, disposable, dlopen, JSCallback, out, pointer, ptr, readCString16, readCString32, sizeof, Struct } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  u16_len: { args: ['cstring16'], returns: 'usize' },
  u32_len: 'size_t u32_len(const char32_t *s)',
  u16_units: { args: ['char16_t *', 'ptr', 'usize'], returns: 'void' },
  u32_units: { args: ['str32', 'ptr', 'usize'], returns: 'void' },
  u16_hello: { returns: 'cstring16' },
  u32_hello: 'const char32_t *u32_hello(void)',
  u16_null: { returns: 'string16' },
  u16_lone_surrogate: { returns: 'cstring16' },
  u32_out_of_range: { returns: 'cstring32' },
  u16_dup: { args: ['cstring16'], returns: disposable('cstring16', 'free') },
  u32_dup: { args: ['cstring32'], returns: disposable('cstring32', 'free') },
  u16_call: { args: ['ptr', 'cstring16'], returns: 'usize' },
  u32_from_callback: { args: ['ptr'], returns: 'usize' },
});
const s = lib.symbols;

/** The code units C received, as hex. */
function units(fn, value) {
  const out = Buffer.alloc(256);
  fn(value, out, out.length);
  return out.toString('utf8', 0, out.indexOf(0));
}

test('JS strings arrive as NUL-terminated UTF-16 and UTF-32, surrogate pairs joined for UTF-32', () => {
  assert.equal(s.u16_len(''), 0);
  assert.equal(s.u16_len('héllo'), 5);
  assert.equal(s.u16_len('😀'), 2); // a surrogate pair: two UTF-16 units
  assert.equal(s.u32_len('😀'), 1); // one code point
  assert.equal(units(s.u16_units, 'a€😀'), '61,20ac,d83d,de00');
  assert.equal(units(s.u32_units, 'a€😀'), '61,20ac,1f600');
  // A lone surrogate in a JS string has no UTF-32 form: it becomes U+FFFD.
  assert.equal(units(s.u32_units, 'a\ud800b'), '61,fffd,62');
  assert.equal(units(s.u16_units, 'a\ud800b'), '61,d800,62', 'UTF-16 passes it as it is');
  const long = 'ж'.repeat(5000) + '😀';
  assert.equal(s.u16_len(long), 5002);
  assert.equal(s.u32_len(long), 5001);
});

test('.async calls copy wide strings for the pool thread and read wide results', async () => {
  assert.equal(await s.u32_len.async('ж😀'.repeat(1000)), 2000);
  assert.equal(await s.u16_dup.async('async ж'), 'async ж');
});

test('results come back as JS strings, NULL as null; invalid text as U+FFFD', () => {
  assert.equal(s.u16_hello(), 'héllo 🌍');
  assert.equal(s.u32_hello(), 'héllo 🌍');
  assert.equal(s.u16_null(), null);
  assert.equal(s.u16_lone_surrogate(), 'a\ud800b', 'UTF-16 from C keeps what a JS string can hold');
  assert.equal(s.u32_out_of_range(), 'a\ufffd\ufffdb');
});

test('a buffer holding NUL-terminated wide text passes in place; one without the NUL is refused', () => {
  const text = Buffer.from('hi😀\0', 'utf16le');
  assert.equal(s.u16_len(text), 4);
  const u32 = new Uint32Array([0x68, 0x1f600, 0]);
  assert.equal(s.u32_len(u32), 2);
  throwsCode(assert, () => s.u16_len(Buffer.from('hi', 'utf16le')), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  // A zero byte is no NUL for UTF-16: the unit must be zero.
  throwsCode(assert, () => s.u16_len(Buffer.from([0x41, 0x00, 0x00, 0x42])), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('wrong values are refused with the argument named', () => {
  const err = throwsCode(assert, () => s.u16_len(42), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /u16_len\(\): argument 1 \(cstring16\)/);
  throwsCode(assert, () => s.u32_len({}), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.u32_len(Symbol('x')), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('disposable wide results are read, then freed', () => {
  assert.equal(s.u16_dup('copy ж😀'), 'copy ж😀');
  assert.equal(s.u32_dup('copy ж😀'), 'copy ж😀');
  for (let i = 0; i < 20000; i++) s.u16_dup('x'.repeat(64));
});

test('callbacks receive wide strings as JS strings and return them as pointers', () => {
  let seen;
  const cb = new JSCallback((text) => ((seen = text), text.length), { args: ['cstring16'], returns: 'usize' });
  assert.equal(s.u16_call(cb.ptr, 'héllo 😀'), 8);
  assert.equal(seen, 'héllo 😀');
  cb.close();
  const keep = new Uint32Array([0x61, 0x62, 0x63, 0]);
  const back = new JSCallback(() => keep, { returns: 'cstring32' });
  assert.equal(s.u32_from_callback(back.ptr), 3);
  back.close();
  const none = new JSCallback(() => null, { returns: 'cstring32' });
  assert.equal(s.u32_from_callback(none.ptr), 2n ** 64n - 1n, 'null is NULL');
  none.close();
});

test('readCString16 and readCString32 read wide text at an address, bounded like readCString', () => {
  const u16 = Buffer.from('wide ж\0rest', 'utf16le');
  assert.equal(readCString16(u16), 'wide ж');
  assert.equal(readCString16(ptr(u16)), 'wide ж');
  assert.equal(readCString16(u16, 2), 'ide ж');
  assert.equal(readCString16(u16, 0, 4), 'wi', 'byteLength bounds the read');
  assert.equal(readCString16(0), '');
  const u32 = new Uint32Array([0x1f600, 0x41, 0]);
  assert.equal(readCString32(u32), '😀A');
  assert.equal(readCString32(new Uint32Array([0x41, 0x42])), 'AB', 'a buffer bounds the read');
  throwsCode(assert, () => readCString16('x'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

test('wchar_t strings through libc: wcslen, wcstombs and mbstowcs', () => {
  const libc = dlopen(null, {
    wcslen: 'size_t wcslen(const wchar_t *s)',
    wcstombs: 'size_t wcstombs(char *dest, const wchar_t *src, size_t n)',
    mbstowcs: 'size_t mbstowcs(wchar_t *dest, const char *src, size_t n)',
    setlocale: 'char *setlocale(int category, const char *locale)',
  });
  assert.equal(sizeof('wchar_t'), 4, 'wchar_t is 4 bytes on Linux');
  assert.equal(libc.symbols.wcslen('héllo 😀'), 7);
  // In a UTF-8 locale, wcstombs writes the multibyte (UTF-8) form.
  const LC_ALL = 6;
  const saved = libc.symbols.setlocale(LC_ALL, null);
  assert.ok(libc.symbols.setlocale(LC_ALL, 'C.UTF-8'), 'the C.UTF-8 locale exists');
  try {
    const out = Buffer.alloc(32);
    const n = libc.symbols.wcstombs(out, 'héllo 😀', out.length);
    assert.equal(out.toString('utf8', 0, n), 'héllo 😀');
    const wide = new Uint32Array(16);
    const m = libc.symbols.mbstowcs(wide, 'ж😀', wide.length);
    assert.equal(m, 2);
    assert.equal(readCString32(wide), 'ж😀');
  } finally {
    libc.symbols.setlocale(LC_ALL, saved);
  }
  libc.close();
});

test('string members take JS strings in create(), kept as long as the struct; readString() reads them back', () => {
  const Record = Struct({ title: 'cstring16', name: array('u16', 8), id: 'i32' });
  const C = dlopen(testlib, {
    u16_record_title_len: { args: ['ptr'], returns: 'usize' },
    u16_record_fill: { args: ['ptr'], returns: 'void' },
    u16_record_size: { returns: 'usize' },
  }).symbols;
  assert.equal(Record.size, C.u16_record_size());
  const made = Record.create({ title: 'Été 😀', id: 1 });
  globalThis.gc?.();
  assert.equal(C.u16_record_title_len(made), 6, 'C reads the UTF-16 copy the struct keeps (the emoji is two units)');
  assert.equal(Record.readString(made, 'title'), 'Été 😀');
  // Text C wrote, and NULL.
  const filled = Record.create();
  assert.equal(Record.readString(filled, 'title'), null);
  C.u16_record_fill(filled);
  assert.equal(Record.readString(filled, 'title'), 'Été');
  assert.equal(Record.get(filled, 'id'), 7);
  // UTF-8 and UTF-32 members, and an array of structs.
  const Mixed = Struct({ utf8: 'cstring', utf32: 'cstring32' });
  const list = Mixed.createArray([{ utf8: 'a€', utf32: 'ж😀' }, { utf8: null, utf32: 'b' }]);
  assert.equal(Mixed.readString(list, 'utf8'), 'a€');
  assert.equal(Mixed.readString(list, 'utf32'), 'ж😀');
  assert.equal(Mixed.readString(new Uint8Array(list, Mixed.size), 'utf8'), null);
  assert.equal(Mixed.readString(new Uint8Array(list, Mixed.size), 'utf32'), 'b');
  // Nothing owns text written into an existing struct: refused, and nothing is written.
  const err = throwsCode(assert, () => Record.set(made, 'title', 'new'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  assert.match(err.message, /only in create\(\) and createArray\(\)/);
  assert.equal(Record.readString(made, 'title'), 'Été 😀');
  throwsCode(assert, () => Record.readString(made, 'id'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
});

/** ICU's common library, whichever major version the system has (72 in Debian 12, 76 in Debian 13). */
function openIcu() {
  for (let major = 100; major >= 50; major--) {
    let lib;
    try {
      lib = dlopen(`libicuuc.so.${major}`, {
        [`u_strToUpper_${major}`]: {
          args: ['ptr', 'i32', 'cstring16', 'i32', 'cstring', out(pointer('i32'))],
          returns: 'i32',
        },
        [`u_strlen_${major}`]: { args: ['cstring16'], returns: 'i32' },
        [`u_errorName_${major}`]: { args: ['i32'], returns: 'cstring' },
      }).symbols;
    } catch (err) {
      if (err.code === 'ERR_ARKFFI_DLOPEN' && /No such file/.test(err.message)) continue;
      throw err;
    }
    return {
      u_strToUpper: lib[`u_strToUpper_${major}`],
      u_strlen: lib[`u_strlen_${major}`],
      u_errorName: lib[`u_errorName_${major}`],
    };
  }
  throw new Error('no libicuuc.so.<major> on this system (Debian: libicu72 or later)');
}

test("UTF-16 through ICU (libicuuc): u_strToUpper's full case mapping, its status as an out parameter", () => {
  const icu = openIcu();
  const dest = new Uint16Array(64);
  const status = [-1];
  const n = icu.u_strToUpper(dest, dest.length, 'straße ǆ ﬁ 😀', -1, 'en', status);
  assert.deepEqual(status, [0]);
  assert.equal(icu.u_errorName(status[0]), 'U_ZERO_ERROR');
  assert.equal(readCString16(dest), 'STRASSE Ǆ FI 😀', 'ß becomes SS and the ligature FI: lengths change');
  assert.equal(n, 15);
  assert.equal(icu.u_strlen('ж😀'), 3, 'UTF-16 code units');
  // Too small a buffer: ICU says so through the status, and how long the result would be.
  const short = [0];
  assert.equal(icu.u_strToUpper(new Uint16Array(2), 2, 'straße', -1, 'en', short), 7);
  assert.equal(icu.u_errorName(short[0]), 'U_BUFFER_OVERFLOW_ERROR');
});
