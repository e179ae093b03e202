// The demo's scenarios as tests: real system libraries (libc, libm, zlib, SQLite) driven through
// the public API, each result checked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants as zconst, crc32, deflateSync, inflateSync } from 'node:zlib';
import { CString, dlopen, JSCallback, ptr, read, releasePtr, Struct } from 'arkffi';

test('libc: strlen, getpid, snprintf, strtol with its end pointer, clock_gettime, div', () => {
  const Timespec = Struct({ tv_sec: 'i64', tv_nsec: 'long' });
  const DivT = Struct({ quot: 'int', rem: 'int' });
  const { symbols: c } = dlopen(null, {
    strlen: { args: ['cstring'], returns: 'usize' },
    getpid: { returns: 'i32' },
    snprintf: { args: ['ptr', 'usize', 'cstring'], returns: 'i32', variadic: true },
    strtol: { args: ['ptr', 'ptr', 'i32'], returns: 'long' },
    clock_gettime: { args: ['i32', 'ptr'], returns: 'i32' },
    div: { args: ['int', 'int'], returns: DivT },
  });
  assert.equal(c.strlen('ünïcode'), 9);
  assert.equal(c.getpid(), process.pid);
  const out = Buffer.alloc(32);
  assert.equal(c.snprintf(out, 32, '%05.1f|%x', 'f64', 3.14159, 'u32', 255), 8);
  assert.equal(out.toString('latin1', 0, 8), '003.1|ff');
  const text = Buffer.from('  -0x1F rest\0');
  const end = new BigUint64Array(1);
  assert.equal(c.strtol(text, end, 16), -31);
  assert.equal(Number(end[0]) - ptr(text), 7);
  assert.equal(new CString(Number(end[0])).toString(), ' rest');
  const ts = Timespec.create();
  assert.equal(c.clock_gettime(0, ts), 0);
  assert.ok(Math.abs(Timespec.get(ts, 'tv_sec') - Date.now() / 1000) < 5);
  const p = c.div(-17, 5);
  assert.deepEqual(DivT.fromPtr(p), { quot: -3, rem: -2 });
  assert.equal(releasePtr(p), true);
});

test('libc: qsort sorts a JS array through a JS comparator', () => {
  const { symbols: c } = dlopen(null, { qsort: { args: ['ptr', 'usize', 'usize', 'callback'], returns: 'void' } });
  const data = Int32Array.from({ length: 200 }, (_, i) => (i * 7919) % 1000 - 500);
  const cmp = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
  c.qsort(data, data.length, 4, cmp);
  cmp.close();
  assert.deepEqual([...data], [...data].sort((x, y) => x - y));
});

test('libm: cos, pow and frexp with its out-parameter', () => {
  const { symbols: m } = dlopen('libm.so.6', {
    cos: { args: ['f64'], returns: 'f64' },
    pow: { args: ['f64', 'f64'], returns: 'f64' },
    frexp: { args: ['f64', 'ptr'], returns: 'f64' },
  });
  assert.equal(m.cos(0), 1);
  assert.equal(m.pow(3, 4), 81);
  const e = new Int32Array(1);
  assert.equal(m.frexp(-3, e), -0.75);
  assert.equal(e[0], 2);
});

test('zlib: crc32 agrees with Node, compress2 output inflates in Node, uncompress restores', () => {
  const { symbols: z } = dlopen('libz.so.1', {
    zlibVersion: { returns: 'cstring' },
    crc32: { args: ['ulong', 'ptr', 'u32'], returns: 'ulong' },
    compress2: { args: ['ptr', 'ptr', 'ptr', 'ulong', 'i32'], returns: 'i32' },
    uncompress: { args: ['ptr', 'ptr', 'ptr', 'ulong'], returns: 'i32' },
  });
  assert.match(z.zlibVersion(), /^1\.\d+/);
  const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
  assert.equal(z.crc32(0, data, data.length), crc32(data));
  const packed = Buffer.alloc(6000);
  const packedLen = new BigUint64Array([6000n]);
  assert.equal(z.compress2(packed, packedLen, data, data.length, 6), 0);
  const zdata = packed.subarray(0, Number(packedLen[0]));
  assert.ok(inflateSync(zdata).equals(data), 'Node inflates what zlib compressed');
  const back = Buffer.alloc(data.length);
  const backLen = new BigUint64Array([BigInt(back.length)]);
  const nodePacked = deflateSync(data, { level: zconst.Z_BEST_COMPRESSION });
  assert.equal(z.uncompress(back, backLen, nodePacked, nodePacked.length), 0);
  assert.ok(back.equals(data), 'zlib restores what Node compressed');
});

test('SQLite: prepared inserts, step/column reads, exec with a JS row callback, errmsg', () => {
  const { symbols: s } = dlopen('libsqlite3.so.0', {
    sqlite3_open: { args: ['cstring', 'ptr'], returns: 'i32' },
    sqlite3_close: { args: ['ptr'], returns: 'i32' },
    sqlite3_errmsg: { args: ['ptr'], returns: 'cstring' },
    sqlite3_exec: { args: ['ptr', 'cstring', 'callback', 'ptr', 'ptr'], returns: 'i32' },
    sqlite3_prepare_v2: { args: ['ptr', 'cstring', 'i32', 'ptr', 'ptr'], returns: 'i32' },
    sqlite3_bind_int64: { args: ['ptr', 'i32', 'i64'], returns: 'i32' },
    sqlite3_bind_text: { args: ['ptr', 'i32', 'cstring', 'i32', 'ptr'], returns: 'i32' },
    sqlite3_step: { args: ['ptr'], returns: 'i32' },
    sqlite3_reset: { args: ['ptr'], returns: 'i32' },
    sqlite3_column_int64: { args: ['ptr', 'i32'], returns: 'i64' },
    sqlite3_column_text: { args: ['ptr', 'i32'], returns: 'cstring' },
    sqlite3_finalize: { args: ['ptr'], returns: 'i32' },
  });
  const slot = new BigUint64Array(1);
  assert.equal(s.sqlite3_open(':memory:', slot), 0);
  const db = read.ptr(slot);
  assert.equal(s.sqlite3_exec(db, 'CREATE TABLE t (id INTEGER, big INTEGER, label TEXT)', null, null, null), 0);
  assert.equal(s.sqlite3_prepare_v2(db, 'INSERT INTO t VALUES (?, ?, ?)', -1, slot, null), 0);
  const ins = read.ptr(slot);
  const rows = [[1, 2n ** 60n, 'one'], [2, -5, 'δύο'], [3, 2 ** 40, null]];
  for (const [id, big, label] of rows) {
    s.sqlite3_bind_int64(ins, 1, id);
    s.sqlite3_bind_int64(ins, 2, big);
    s.sqlite3_bind_text(ins, 3, label, -1, -1);
    assert.equal(s.sqlite3_step(ins), 101);
    s.sqlite3_reset(ins);
  }
  s.sqlite3_finalize(ins);
  assert.equal(s.sqlite3_prepare_v2(db, 'SELECT id, big, label FROM t ORDER BY id', -1, slot, null), 0);
  const sel = read.ptr(slot);
  const back = [];
  while (s.sqlite3_step(sel) === 100) back.push([s.sqlite3_column_int64(sel, 0), s.sqlite3_column_int64(sel, 1), s.sqlite3_column_text(sel, 2)]);
  s.sqlite3_finalize(sel);
  assert.deepEqual(back, rows);
  const labels = [];
  const onRow = new JSCallback((_, n, values) => {
    labels.push(read.ptr(values) === 0 ? null : new CString(read.ptr(values)).toString());
    return n === 1 ? 0 : 1;
  }, { args: ['ptr', 'i32', 'ptr', 'ptr'], returns: 'i32' });
  assert.equal(s.sqlite3_exec(db, 'SELECT label FROM t ORDER BY id DESC', onRow, null, null), 0);
  onRow.close();
  assert.deepEqual(labels, [null, 'δύο', 'one']);
  assert.equal(s.sqlite3_exec(db, 'INSERT INTO nowhere VALUES (1)', null, null, null), 1);
  assert.equal(s.sqlite3_errmsg(db), 'no such table: nowhere');
  assert.equal(s.sqlite3_close(db), 0);
});
