// Named types: opaque handle types and aliases, as a C header declares them. At run time a handle
// is a pointer and an alias is its type; both work in definitions, callbacks and struct fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alias, AliasType, dlopen, JSCallback, opaque, OpaqueType, Struct } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const sqlite3 = opaque('sqlite3');
const sqlite3_stmt = opaque('sqlite3_stmt');
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;

test('an SQLite binding with handle types: open, prepare, step, read, finalize, close', () => {
  const { symbols: s } = dlopen('libsqlite3.so.0', {
    sqlite3_open: { args: ['const char *', 'void *'], returns: 'int' },
    sqlite3_prepare_v2: { args: [sqlite3, 'const char *', 'int', 'void *', 'void *'], returns: 'int' },
    sqlite3_step: { args: [sqlite3_stmt], returns: 'int' },
    sqlite3_column_int: { args: [sqlite3_stmt, 'int'], returns: 'int' },
    sqlite3_column_text: { args: [sqlite3_stmt, 'int'], returns: 'const char *' },
    sqlite3_finalize: { args: [sqlite3_stmt], returns: 'int' },
    sqlite3_close: { args: [sqlite3], returns: 'int' },
  });
  const out = new BigUint64Array(1);
  assert.equal(s.sqlite3_open(':memory:', out), 0);
  const db = sqlite3.read(out);
  assert.notEqual(db, null);
  assert.equal(s.sqlite3_prepare_v2(db, "SELECT 6 * 7, 'forty-two'", -1, out, null), 0);
  const stmt = sqlite3_stmt.read(out);
  assert.equal(s.sqlite3_step(stmt), SQLITE_ROW);
  assert.equal(s.sqlite3_column_int(stmt, 0), 42);
  assert.equal(s.sqlite3_column_text(stmt, 1), 'forty-two');
  assert.equal(s.sqlite3_step(stmt), SQLITE_DONE);
  assert.equal(s.sqlite3_finalize(stmt), 0);
  assert.equal(s.sqlite3_close(db), 0);
  // A NULL handle reads as null.
  assert.equal(sqlite3.read(new BigUint64Array(1)), null);
});

test('an alias is its type everywhere: arguments, results, callbacks, struct fields, other aliases', () => {
  const DWORD = alias('DWORD', 'u32');
  const SIZE = alias('SIZE', alias('size_type', 'size_t'));
  const libc = dlopen(null, { strlen: { args: ['cstring'], returns: SIZE }, abs: { args: [DWORD], returns: DWORD } });
  assert.equal(libc.symbols.strlen('abcd'), 4);
  assert.equal(libc.symbols.abs(5), 5);
  throwsCode(assert, () => libc.symbols.abs(-1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  const Point = Struct({ x: 'f64', y: 'f64' });
  const POINT = alias('POINT', Point);
  const Rec = Struct({ at: POINT, flags: DWORD, file: opaque('FILE') });
  assert.equal(Rec.size, 32);
  assert.deepEqual(Rec.fromPtr(Rec.create({ at: { x: 1, y: 2 }, flags: 7, file: 4096 })), { at: { x: 1, y: 2 }, flags: 7, file: 4096 });
  const INT = alias('INT', 'int');
  const cb = new JSCallback((n) => n + 1, { args: [INT], returns: INT });
  const { cb_call_i32 } = dlopen(testlib, { cb_call_i32: { args: ['callback', INT], returns: INT } }).symbols;
  assert.equal(cb_call_i32(cb, 41), 42);
  cb.close();
  assert.ok(DWORD instanceof AliasType && sqlite3 instanceof OpaqueType);
  assert.equal(DWORD.name, 'DWORD');
  assert.ok(Object.isFrozen(DWORD) && Object.isFrozen(sqlite3));
});

test('a named type must have a C name and a known type', () => {
  for (const bad of ['', 'not a name', '3d', 5, null]) {
    throwsCode(assert, () => opaque(bad), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
    throwsCode(assert, () => alias(bad, 'i32'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  }
  const err = throwsCode(assert, () => alias('X', 'nope'), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.equal(err.message, "alias('X'): unknown type 'nope'");
  throwsCode(assert, () => alias('X', new Proxy({}, {})), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  // An alias of void is a result type only, as void is.
  const VOID = alias('VOID', 'void');
  throwsCode(assert, () => dlopen(null, { abs: { args: [VOID], returns: 'int' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.equal(dlopen(null, { getpid: { returns: VOID } }).symbols.getpid(), undefined);
});
