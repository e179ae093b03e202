// SQLite (libsqlite3.so.0, Debian's libsqlite3-0) driven from JavaScript: an in-memory database,
// a table filled through a prepared statement with bound parameters, rows read back with
// sqlite3_step / sqlite3_column_*, sqlite3_exec with a JS row callback, and errors reported
// through sqlite3_errmsg.
//
//   node examples/sqlite.mjs
import assert from 'node:assert/strict';
import { CString, dlopen, JSCallback, read } from 'arkffi';

const SQLITE_OK = 0;
const SQLITE_ROW = 100;
const SQLITE_DONE = 101;
const SQLITE_TRANSIENT = -1; // (sqlite3_destructor_type)-1: SQLite copies the bound text

const lib = dlopen('libsqlite3.so.0', {
  sqlite3_libversion: { returns: 'cstring' },
  sqlite3_open: { args: ['cstring', 'ptr'], returns: 'i32' },
  sqlite3_close: { args: ['ptr'], returns: 'i32' },
  sqlite3_errmsg: { args: ['ptr'], returns: 'cstring' },
  sqlite3_exec: { args: ['ptr', 'cstring', 'function', 'ptr', 'ptr'], returns: 'i32' },
  sqlite3_prepare_v2: { args: ['ptr', 'cstring', 'i32', 'ptr', 'ptr'], returns: 'i32' },
  sqlite3_bind_int: { args: ['ptr', 'i32', 'i32'], returns: 'i32' },
  sqlite3_bind_double: { args: ['ptr', 'i32', 'f64'], returns: 'i32' },
  sqlite3_bind_text: { args: ['ptr', 'i32', 'cstring', 'i32', 'ptr'], returns: 'i32' },
  sqlite3_step: { args: ['ptr'], returns: 'i32' },
  sqlite3_reset: { args: ['ptr'], returns: 'i32' },
  sqlite3_column_int: { args: ['ptr', 'i32'], returns: 'i32' },
  sqlite3_column_double: { args: ['ptr', 'i32'], returns: 'f64' },
  sqlite3_column_text: { args: ['ptr', 'i32'], returns: 'cstring' },
  sqlite3_finalize: { args: ['ptr'], returns: 'i32' },
  sqlite3_free: { args: ['ptr'], returns: 'void' },
});
const sql = lib.symbols;

console.log(`SQLite ${sql.sqlite3_libversion()}`);

// `sqlite3 **ppDb`: a slot for one pointer, which SQLite fills.
const out = new BigUint64Array(1);
assert.equal(sql.sqlite3_open(':memory:', out), SQLITE_OK);
const db = read.ptr(out);

function check(rc, what) {
  if (rc !== SQLITE_OK && rc !== SQLITE_DONE && rc !== SQLITE_ROW) {
    throw new Error(`${what}: ${sql.sqlite3_errmsg(db)}`);
  }
}

check(sql.sqlite3_exec(db, 'CREATE TABLE cats (name TEXT, legs INTEGER, kg REAL)', null, null, null), 'create');

check(sql.sqlite3_prepare_v2(db, 'INSERT INTO cats VALUES (?, ?, ?)', -1, out, null), 'prepare');
const insert = read.ptr(out);
for (const [name, legs, kg] of [['Tom', 4, 4.5], ['Felix', 4, 3.25], ['Mèo', 3, 5]]) {
  check(sql.sqlite3_bind_text(insert, 1, name, -1, SQLITE_TRANSIENT), 'bind');
  check(sql.sqlite3_bind_int(insert, 2, legs), 'bind');
  check(sql.sqlite3_bind_double(insert, 3, kg), 'bind');
  assert.equal(sql.sqlite3_step(insert), SQLITE_DONE);
  sql.sqlite3_reset(insert);
}
sql.sqlite3_finalize(insert);

check(sql.sqlite3_prepare_v2(db, 'SELECT name, legs, kg FROM cats ORDER BY kg', -1, out, null), 'prepare');
const select = read.ptr(out);
const rows = [];
while (sql.sqlite3_step(select) === SQLITE_ROW) {
  rows.push([sql.sqlite3_column_text(select, 0), sql.sqlite3_column_int(select, 1), sql.sqlite3_column_double(select, 2)]);
}
sql.sqlite3_finalize(select);
console.log('rows by weight:', JSON.stringify(rows));
assert.deepEqual(rows, [['Felix', 4, 3.25], ['Tom', 4, 4.5], ['Mèo', 3, 5]]);

// sqlite3_exec calls `int callback(void *arg, int ncols, char **values, char **names)` per row,
// here a JS function; it runs synchronously, inside the exec call.
const seen = [];
const onRow = new JSCallback(
  (_arg, ncols, values) => {
    const row = [];
    for (let i = 0; i < ncols; i++) row.push(new CString(read.ptr(values, i * 8)).toString());
    seen.push(row.join(' has '));
    return 0; // non-zero would abort the query
  },
  { args: ['ptr', 'i32', 'ptr', 'ptr'], returns: 'i32' },
);
check(sql.sqlite3_exec(db, "SELECT name, legs FROM cats WHERE legs = 4 ORDER BY name", onRow, null, null), 'exec');
onRow.close();
console.log('exec callback saw:', seen.join(', '));
assert.deepEqual(seen, ['Felix has 4', 'Tom has 4']);

// Errors come back as codes; sqlite3_errmsg explains them, and sqlite3_exec can hand back its own
// message, which we must free with sqlite3_free.
const errmsg = new BigUint64Array(1);
const rc = sql.sqlite3_exec(db, 'SELECT * FROM dogs', null, null, errmsg);
console.log(`a bad query: rc=${rc}, ${sql.sqlite3_errmsg(db)}; exec said "${new CString(read.ptr(errmsg))}"`);
assert.notEqual(rc, SQLITE_OK);
assert.equal(sql.sqlite3_errmsg(db), 'no such table: dogs');
sql.sqlite3_free(read.ptr(errmsg));

sql.sqlite3_close(db);
lib.close();
