// Typed pointer parameters: pointer(type, count?), out(), inout(), arrays of strings as char **,
// readCStringArray(). Against test/native/pointers.c and real libc/libm calls; the whole file
// runs again on the general call path (ARKFFI_GENERAL_PATH=1) in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  dlopen,
  inout,
  JSCallback,
  opaque,
  out,
  pointer,
  ptr,
  read,
  readCStringArray,
  Struct,
} from '../dist/index.mjs';
import { root, testlib, throwsCode } from './helpers.mjs';

const Point = Struct({ x: 'i32', y: 'i32', weight: 'f64' });

const lib = dlopen(testlib, {
  ptr_fill_ints: { args: [out(pointer('i32')), 'i32'] },
  ptr_swap: { args: [inout(pointer('i32')), inout(pointer('i32'))] },
  ptr_sum: { args: [pointer('i32'), 'i32'], returns: 'i32' },
  ptr_is_null: { args: [out(pointer('i32'))], returns: 'i32' },
  ptr_double_all: { args: [inout(pointer('f64')), 'i32'] },
  ptr_move_point: { args: [inout(pointer(Point))] },
  ptr_origin: { args: [out(pointer(Point))] },
  ptr_sum_points: { args: [pointer(Point), 'i32'], returns: 'i32' },
  ptr_u64_max: { args: [out(pointer('u64'))] },
  ptr_count_args: { args: ['char **'], returns: 'i32' },
  ptr_join_args: 'void ptr_join_args(const char *const argv[], int n, char *out)',
  ptr_make_list: { returns: 'ptr' },
  ptr_name_each: { args: [out(pointer('cstring')), 'i32'] },
  ptr_reverse_each: { args: [inout(pointer('cstring'))] },
  ptr_map_ints: { args: [inout(pointer('i32')), 'i32', 'ptr'] },
});
const s = lib.symbols;
const fillFour = dlopen(testlib, { ptr_fill_ints: { args: [out(pointer('i32', 4)), 'i32'] } }).symbols.ptr_fill_ints;
const countConst = dlopen(testlib, { ptr_count_args: { args: ['const char *const *'], returns: 'i32' } }).symbols
  .ptr_count_args;

/** The NUL-terminated text ptr_join_args wrote into `buf`. */
const joined = (buf) => buf.toString('utf8', 0, buf.indexOf(0));

test('out(pointer(scalar)): C fills the array it is given, element by element', () => {
  const values = [null, null, null];
  s.ptr_fill_ints(values, 3);
  assert.deepEqual(values, [10, 20, 30]);
  // koffi's one-element array for a single out value.
  const one = [null];
  s.ptr_fill_ints(one, 1);
  assert.deepEqual(one, [10]);
  const big = [0];
  s.ptr_u64_max(big);
  assert.deepEqual(big, [2n ** 64n - 1n]);
  // A count gives the memory its length: an empty array grows to it.
  const grown = [];
  fillFour(grown, 4);
  assert.deepEqual(grown, [10, 20, 30, 40]);
});

test('out memory starts zeroed: the array is not read', () => {
  const values = ['not', 'read'];
  s.ptr_fill_ints(values, 0);
  assert.deepEqual(values, [0, 0]);
});

test('inout(pointer(scalar)): values go in and C’s come back', () => {
  const a = [1];
  const b = [2];
  s.ptr_swap(a, b);
  assert.deepEqual([a, b], [[2], [1]]);
  const v = [1.5, -2, 0.25];
  s.ptr_double_all(v, 3);
  assert.deepEqual(v, [3, -4, 0.5]);
});

test('pointer(scalar): an array, a TypedArray in place, a buffer, an address, null', () => {
  assert.equal(s.ptr_sum([1, 2, 3], 3), 6);
  assert.equal(s.ptr_sum(new Int32Array([4, 5]), 2), 9);
  const bytes = new Int32Array([7, 8]).buffer;
  assert.equal(s.ptr_sum(bytes, 2), 15);
  assert.equal(s.ptr_sum(ptr(bytes), 2), 15);
  assert.equal(s.ptr_sum(null, 0), 0);
  // A hole is a zero element, as in a C initializer.
  assert.equal(s.ptr_sum([1, , 3], 3), 4); // eslint-disable-line no-sparse-arrays
  // A TypedArray used in place: C's writes land in it.
  const typed = new Float64Array([1, 2]);
  s.ptr_double_all(typed, 2);
  assert.deepEqual([...typed], [2, 4]);
  assert.equal(s.ptr_is_null(null), 1);
});

test('pointer(struct): an object in, fields set back for out and inout; arrays of structs', () => {
  const p = { x: 1, y: 2, weight: 1.5 };
  s.ptr_move_point(p);
  assert.deepEqual(p, { x: 2, y: 1, weight: 3 });
  const o = {};
  s.ptr_origin(o);
  assert.deepEqual(o, { x: 7, y: -7, weight: 0.5 });
  assert.equal(s.ptr_sum_points({ x: 5, y: 6 }, 1), 11);
  assert.equal(s.ptr_sum_points([{ x: 1, y: 2 }, { x: 3 }, {}], 3), 6);
  assert.equal(s.ptr_sum_points(Point.create({ x: 1, y: 1 }), 1), 2);
  // An out array of structs gets a new object per element.
  const list = [null];
  s.ptr_origin(list);
  assert.deepEqual(list, [{ x: 7, y: -7, weight: 0.5 }]);
});

test('write-back runs no setter: fields are defined as data, an inherited setter is bypassed', () => {
  let hits = 0;
  const proto = Object.create(null);
  Object.defineProperty(proto, 'x', { set: () => hits++ });
  const o = Object.create(proto);
  s.ptr_origin(o);
  assert.deepEqual({ ...o }, { x: 7, y: -7, weight: 0.5 });
  const grown = [];
  Object.defineProperty(Array.prototype, '2', { set: () => hits++, configurable: true });
  try {
    fillFour(grown, 4);
  } finally {
    delete Array.prototype[2];
  }
  assert.equal(hits, 0);
  assert.deepEqual(grown, [10, 20, 30, 40]);
});

test('char **: an array of strings and nulls, NULL-terminated, in any spelling', () => {
  assert.equal(s.ptr_count_args(['a', 'bb', 'ccc']), 3);
  assert.equal(s.ptr_count_args([]), 0);
  assert.equal(countConst(['x', 'y']), 2);
  const buf = Buffer.alloc(64);
  s.ptr_join_args(['x', null, 'zé', ''], 4, buf);
  assert.equal(joined(buf), 'x|(null)|zé||');
  // Plain pointers still pass: a buffer of pointers, an address, null.
  const table = new BigUint64Array(1);
  assert.equal(s.ptr_count_args(table), 0);
  assert.equal(s.ptr_count_args(ptr(table)), 0);
  // pointer('cstring') is the same parameter.
  const viaPointer = dlopen(testlib, { ptr_count_args: { args: [pointer('cstring')], returns: 'i32' } });
  assert.equal(viaPointer.symbols.ptr_count_args(['one']), 1);
});

test('out and inout char **: C’s pointers read back as strings', () => {
  const names = [null, null, null];
  s.ptr_name_each(names, 3);
  assert.deepEqual(names, ['alpha', 'beta', null]);
  const words = ['abc', 'hello', ''];
  s.ptr_reverse_each(words);
  assert.deepEqual(words, ['cba', 'olleh', '']);
});

test('readCStringArray: up to the NULL, or count entries with nulls', () => {
  const list = s.ptr_make_list();
  assert.deepEqual(readCStringArray(list), ['alpha', 'beta', 'gamma']);
  assert.deepEqual(readCStringArray(list, 4), ['alpha', 'beta', 'gamma', null]);
  assert.deepEqual(readCStringArray(list, 0), []);
  throwsCode(assert, () => readCStringArray(0), Error, 'ERR_ARKFFI_NULL_POINTER');
  throwsCode(assert, () => readCStringArray(list, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('.async: the memory lives until the Promise settles, then values are written back', async () => {
  const values = [0, 0, 0];
  const pending = s.ptr_fill_ints.async(values, 3);
  assert.deepEqual(values, [0, 0, 0]);
  await pending;
  assert.deepEqual(values, [10, 20, 30]);
  const p = { x: 1, y: 1, weight: 1 };
  await s.ptr_move_point.async(p);
  assert.deepEqual(p, { x: 2, y: 0, weight: 2 });
  assert.equal(await s.ptr_count_args.async(['a', 'b']), 2);
  await assert.rejects(s.ptr_fill_ints.async(5, 1), { code: 'ERR_ARKFFI_INVALID_ARG_TYPE' });
});

test('a callback that throws: the call rethrows, the memory is released, later calls work', () => {
  const cb = new JSCallback(
    (v) => {
      if (v === 3) throw new Error('three');
      return v * 2;
    },
    { args: ['i32'], returns: 'i32' },
  );
  try {
    const v = [1, 3, 5];
    assert.throws(() => s.ptr_map_ints(v, 3, cb), /three/);
    const w = [1, 2];
    s.ptr_map_ints(w, 2, cb);
    assert.deepEqual(w, [2, 4]);
  } finally {
    cb.close();
  }
});

test('memory stays flat over 200k calls', () => {
  const values = [0, 0, 0, 0];
  const strings = ['a', 'bc', 'def'];
  const round = () => {
    for (let k = 0; k < 50_000; k++) {
      s.ptr_fill_ints(values, 4);
      s.ptr_count_args(strings);
    }
  };
  round();
  global.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  for (let r = 0; r < 3; r++) round();
  global.gc?.();
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 8 * 1024 * 1024, `arrayBuffers grew by ${grown} bytes`);
});

test('refusals: each names the function and argument, and runs no user code', () => {
  const check = (fn, Class, code, text) => {
    const err = throwsCode(assert, fn, Class, code);
    assert.match(err.message, text);
    return err;
  };
  const e = check(() => s.ptr_fill_ints(5, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /^ptr_fill_ints\(\): argument 1 \(out int32_t \*\)/);
  assert.equal(e.argIndex, 0);
  check(() => s.ptr_swap([1], Object.freeze([2])), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /argument 2 .*frozen/);
  check(() => s.ptr_move_point(Object.freeze({ x: 1 })), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /field 'x'/);
  check(() => s.ptr_move_point(new Proxy({}, {})), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /Proxy/);
  check(() => s.ptr_sum(new Proxy([1], {}), 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /Proxy/);
  check(() => s.ptr_sum(['1'], 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /element 0 must be a number/);
  check(() => s.ptr_sum([2 ** 31], 1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /element 0 must be an integer/);
  check(() => s.ptr_sum(1.5, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /\[1\.5\]/);
  check(() => s.ptr_sum(new Float64Array(1), 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /int32_t elements/);
  check(() => fillFour(new Int32Array(3), 4), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /room for 4/);
  check(() => fillFour([1, 2, 3, 4, 5], 4), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', /holds 4 elements/);
  check(() => s.ptr_count_args(['a', 1]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /element 1 must be a string or null/);
  check(() => s.ptr_count_args(['a\0b']), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /NUL/);
  const getter = [1];
  Object.defineProperty(getter, 0, { get: () => assert.fail('getter ran') });
  check(() => s.ptr_sum(getter, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /accessor/);
  check(() => s.ptr_swap(getter, [1]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', /read-only or an accessor/);
  // Types refused where the parameter is declared.
  throwsCode(assert, () => pointer('void'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => pointer({}), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => pointer('i32', 0), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => out('i32'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => inout(out(pointer('i32'))), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
});

// Real libc and libm calls a program would make.
const libc = dlopen(null, {
  strtol: { args: ['ptr', out(pointer('ptr')), 'i32'], returns: 'long' },
  qsort: { args: [inout(pointer('i32')), 'usize', 'usize', 'ptr'] },
  pipe: { args: [out(pointer('int', 2))], returns: 'int' },
  write: { args: ['int', 'ptr', 'usize'], returns: 'isize' },
  read: { args: ['int', 'ptr', 'usize'], returns: 'isize' },
  close: { args: ['int'], returns: 'int' },
});

test('libc strtol: the end pointer comes back through out(pointer(ptr))', () => {
  const text = Buffer.from('1234 rest\0');
  const end = [null];
  assert.equal(libc.symbols.strtol(text, end, 10), 1234);
  assert.equal(end[0] - ptr(text), 4);
  assert.equal(libc.symbols.strtol(text, null, 10), 1234);
});

test('libm frexp: the exponent comes back through out(pointer(int))', () => {
  const frexp = dlopen('libm.so.6', { frexp: { args: ['double', out(pointer('int'))], returns: 'double' } });
  const exp = [0];
  assert.equal(frexp.symbols.frexp(48, exp), 0.75);
  assert.deepEqual(exp, [6]);
  frexp.close();
});

test('libc posix_memalign: a handle comes back through out(pointer(opaque))', () => {
  const Block = opaque('block');
  const c = dlopen(null, {
    posix_memalign: { args: [out(pointer(Block)), 'usize', 'usize'], returns: 'int' },
    free: { args: [Block] },
  }).symbols;
  const block = [null];
  assert.equal(c.posix_memalign(block, 64, 128), 0);
  assert.equal(typeof block[0], 'number');
  assert.equal(block[0] % 64, 0);
  c.free(block[0]);
});

test('libc qsort: an inout int array sorted in place by a JS comparator', () => {
  const cmp = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
  try {
    const v = [5, -1, 3, 3, 0];
    libc.symbols.qsort(v, v.length, 4, cmp);
    assert.deepEqual(v, [-1, 0, 3, 3, 5]);
  } finally {
    cmp.close();
  }
});

test('libc pipe: int fds[2] through out(pointer(int, 2))', () => {
  const fds = [];
  assert.equal(libc.symbols.pipe(fds), 0);
  assert.equal(fds.length, 2);
  const [r, w] = fds;
  assert.equal(libc.symbols.write(w, Buffer.from('hi'), 2), 2);
  const got = Buffer.alloc(2);
  assert.equal(libc.symbols.read(r, got, 2), 2);
  assert.equal(got.toString(), 'hi');
  libc.symbols.close(r);
  libc.symbols.close(w);
});

test('prototypes: _Out_ and _Inout_ mark out() and inout() pointers; an array length is the count', () => {
  const m = dlopen('libm.so.6', { frexp: 'double frexp(double x, _Out_ int *exp)' }).symbols;
  const exp = [null];
  assert.equal(m.frexp(0.5, exp), 0.5);
  assert.deepEqual(exp, [0]);
  const c = dlopen(null, {
    pipe: 'int pipe(_Out_ int fds[2])',
    close: 'int close(int fd)',
    strtol: 'long strtol(const void *s, _Out_ char **end, int base)',
  }).symbols;
  const fds = [];
  assert.equal(c.pipe(fds), 0);
  assert.equal(fds.length, 2);
  fds.forEach((fd) => c.close(fd));
  // The end pointer points into memory the program keeps, so it reads back as the rest.
  const text = Buffer.from('42 left\0');
  const end = [null];
  assert.equal(c.strtol(text, end, 10), 42);
  assert.deepEqual(end, [' left']);
  const t = dlopen(testlib, { ptr_swap: 'void ptr_swap(_Inout_ int *a, _Inout_ int *b)' }).symbols;
  const a = [1];
  const b = [2];
  t.ptr_swap(a, b);
  assert.deepEqual([a, b], [[2], [1]]);
  throwsCode(assert, () => dlopen(null, { abs: 'int abs(_Out_ int x)' }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
});

test('libc execv: the prototype with char *const argv[] takes an array of strings', { skip: !existsSync('/bin/sh') }, () => {
  // The child replaces itself with sh, which writes its arguments to a file (Node's stdout is no
  // longer writable to the program exec'd).
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-execv-'));
  const file = join(dir, 'args');
  const index = join(root, 'dist', 'index.mjs');
  const script = `import { dlopen } from ${JSON.stringify(index)};
const { execv } = dlopen(null, { execv: 'int execv(const char *path, char *const argv[])' }).symbols;
execv('/bin/sh', ['sh', '-c', 'printf "%s|" "$@" > "$0"', ${JSON.stringify(file)}, 'hello', 'wörld', '']);
process.exit(3);`;
  try {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(readFileSync(file, 'utf8'), 'hello|wörld||');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

if (process.env.ARKFFI_GENERAL_PATH !== '1') {
  test('the general call path passes the same tests', () => {
    const child = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], {
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, ARKFFI_GENERAL_PATH: '1' },
    });
    assert.equal(child.status, 0, child.stdout + child.stderr);
  });
}
