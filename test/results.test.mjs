// Results: what each result kind becomes in JS, through the fast entries and the general path
// alike (CI runs this file both ways), and the reuse of a C string result whose bytes repeat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlopen, JSCallback } from '../dist/index.mjs';
import { testlib, throwsCode } from './helpers.mjs';

test('a C string result is the string of its bytes at each call, whatever the pointer did', () => {
  const lib = dlopen(testlib, {
    echo_ptr: { args: ['ptr'], returns: 'cstring' },
    str_echo: { args: ['cstring'], returns: 'cstring' },
  });
  const { echo_ptr, str_echo } = lib.symbols;
  const b = Buffer.from('abc\0');
  assert.equal(echo_ptr(b), 'abc');
  assert.equal(echo_ptr(b), 'abc');
  b[0] = 0x78; // the same pointer, other bytes
  assert.equal(echo_ptr(b), 'xbc');
  b[3] = 0x64; // longer: the NUL moved
  b.writeUInt8(0, 2);
  assert.equal(echo_ptr(b), 'xb');
  assert.equal(echo_ptr(null), null);
  assert.equal(echo_ptr(b), 'xb');
  assert.equal(echo_ptr(0), null);
  const long = 'y'.repeat(300);
  assert.equal(str_echo(long), long);
  assert.equal(str_echo(long), long);
  assert.equal(str_echo('é€😀'), 'é€😀');
  assert.equal(str_echo('é€😀'), 'é€😀');
  assert.equal(str_echo(''), '');
  assert.equal(str_echo(''), '');
  assert.equal(str_echo('a'), 'a');
  lib.close();
});

test('a string result made around a nested call of the same function is its own', () => {
  const lib = dlopen(testlib, { str_after: { args: ['ptr', 'cstring'], returns: 'cstring' } });
  const { str_after } = lib.symbols;
  const seen = [];
  for (const [outer, inner] of [['outer', 'inner'], ['same', 'same'], ['x', 'y'], ['y', 'y']]) {
    const cb = new JSCallback(() => seen.push(str_after(null, inner)), { args: [], returns: 'void' });
    assert.equal(str_after(cb, outer), outer);
    assert.equal(str_after(null, outer), outer);
    cb.close();
  }
  assert.deepEqual(seen, ['inner', 'same', 'y', 'y']);
  lib.close();
});

test('a string argument is the string given at each call, whatever C did with the last one', () => {
  const lib = dlopen(testlib, {
    str_scribble: { args: ['cstring'], returns: 'i32' },
    str_len: { args: ['cstring'], returns: 'usize' },
    str_concat3: { args: ['cstring', 'cstring', 'cstring'], returns: 'cstring' },
    first_char_after: { args: ['ptr', 'cstring'], returns: 'i32' },
  });
  const { str_scribble, str_len, str_concat3, first_char_after } = lib.symbols;
  // C writes over the string it was given: the next call with the same string sees it whole.
  for (let i = 0; i < 3; i++) assert.equal(str_scribble('abc'), 97);
  // Another call's strings take the same place in between.
  assert.equal(str_len('abc'), 3);
  assert.equal(str_len('a much longer string'), 20);
  assert.equal(str_len('abc'), 3);
  assert.equal(str_scribble('abc'), 97);
  assert.equal(str_len('abc'), 3);
  // Several strings per call, repeated and not.
  assert.equal(str_concat3('a', 'b', 'c'), 'a|b|c');
  assert.equal(str_concat3('a', 'b', 'c'), 'a|b|c');
  assert.equal(str_concat3('a', 'bb', 'c'), 'a|bb|c');
  assert.equal(str_concat3('x', 'bb', 'c'), 'x|bb|c');
  assert.equal(str_concat3('', 'é', 'c'), '|é|c');
  assert.equal(str_concat3('', 'é', 'c'), '|é|c');
  assert.equal(str_concat3('a\0b', 'c', 'd'), 'a|c|d');
  // A nested call of the same function, with another string, while the outer one is running.
  const seen = [];
  const cb = new JSCallback(() => seen.push(first_char_after(null, 'xyz')), { args: [], returns: 'void' });
  assert.equal(first_char_after(cb, 'abc'), 97);
  assert.equal(first_char_after(cb, 'abc'), 97);
  assert.equal(first_char_after(null, 'xyz'), 120);
  assert.deepEqual(seen, [120, 120]);
  cb.close();
  lib.close();
});

test('results of every common kind, near their limits', () => {
  const lib = dlopen(testlib, {
    touch: { returns: 'void' },
    add_i32: { args: ['i32', 'i32'], returns: 'i32' },
    add_f64: { args: ['f64', 'f64'], returns: 'f64' },
    echo_size: { args: ['usize'], returns: 'usize' },
    u64_max: { returns: 'u64' },
    echo_ptr: { args: ['ptr'], returns: 'ptr' },
  });
  const { touch, add_i32, add_f64, echo_size, u64_max, echo_ptr } = lib.symbols;
  assert.equal(touch(), undefined);
  assert.equal(add_i32(2 ** 31 - 2, 1), 2 ** 31 - 1);
  assert.equal(add_i32(2 ** 31 - 1, 1), -(2 ** 31));
  assert.equal(add_f64(0.1, 0.2), 0.1 + 0.2);
  assert.equal(add_f64(-0, -0), -0);
  assert.equal(echo_size(2 ** 53 - 1), 2 ** 53 - 1);
  assert.equal(echo_size(2n ** 53n), 2n ** 53n);
  assert.equal(u64_max(), 2n ** 64n - 1n);
  assert.equal(echo_ptr(2 ** 53 - 1), 2 ** 53 - 1);
  assert.equal(echo_ptr(2n ** 63n), 2n ** 63n);
  lib.close();
  for (const call of [touch, () => add_i32(1, 2), () => add_f64(1, 2), () => echo_size(1), u64_max]) {
    throwsCode(assert, call, Error, 'ERR_ARKFFI_CLOSED');
  }
});
