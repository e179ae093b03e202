// Results freed for you: a disposable C string result is read into JS, then its memory freed by the
// function the definition names, a CFunction or a JS function; nothing leaks over a million calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CFunction, disposable, DisposableType, dlopen, ffi, read } from 'arkffi';
import { throwsCode } from './helpers.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

test("GLib's g_strdup_printf result is read and freed by g_free", () => {
  const glib = dlopen('libglib-2.0.so.0', {
    g_strdup_printf: { args: ['cstring'], returns: disposable('cstring', 'g_free'), variadic: true },
    g_strdup: { args: ['cstring'], returns: disposable('cstring', 'g_free') },
  }).symbols;
  assert.equal(glib.g_strdup_printf('%s has %d legs', 'cstring', 'a cat', 'i32', 4), 'a cat has 4 legs');
  assert.equal(glib.g_strdup(null), null);
});

test('libc strdup freed by free, a million times, leaves memory flat', async () => {
  const { strdup } = dlopen(null, { strdup: { args: ['cstring'], returns: disposable('cstring', 'free') } }).symbols;
  const text = 'x'.repeat(200);
  assert.equal(strdup(text), text);
  assert.equal(await strdup.async('async'), 'async');
  for (let i = 0; i < 100_000; i++) strdup(text);
  gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 1_000_000; i++) strdup(text);
  gc();
  // 200 MB would leak without the free; allocator noise stays far below 32 MiB.
  assert.ok(process.memoryUsage().rss - before < 32 * 2 ** 20, `RSS grew by ${process.memoryUsage().rss - before} bytes`);
});

test('a JS function or a CFunction may free the result; each sees the address once', () => {
  const libc = dlopen(null, { free: { args: ['ptr'], returns: 'void' } });
  const freePtr = ffi.getSymbolPtr(libc.handle, 'free');
  const seen = [];
  const viaJs = dlopen(null, {
    strdup: { args: ['cstring'], returns: disposable('cstring', (p) => (seen.push(read.u8(p, 0)), libc.symbols.free(p))) },
  }).symbols;
  assert.equal(viaJs.strdup('hi'), 'hi');
  assert.deepEqual(seen, ['h'.charCodeAt(0)]);
  const viaC = dlopen(null, {
    strdup: { args: ['cstring'], returns: disposable('cstring', CFunction({ ptr: freePtr, args: ['ptr'], returns: 'void' })) },
  }).symbols;
  assert.equal(viaC.strdup('there'), 'there');
});

test('disposable types are checked: a string result, a free function that exists', () => {
  throwsCode(assert, () => disposable('ptr', 'free'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => disposable('cstring', ''), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => disposable('cstring', 5), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const missing = throwsCode(
    assert,
    () => dlopen(null, { strdup: { args: ['cstring'], returns: disposable('cstring', 'no_such_free') } }),
    Error,
    'ERR_ARKFFI_SYMBOL_NOT_FOUND',
  );
  assert.match(missing.message, /^dlopen\(\): strdup: the free function 'no_such_free' is not in /);
  // An address has no library to look a name up in.
  throwsCode(assert, () => CFunction({ ptr: 4096, returns: disposable('cstring', 'free') }), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  throwsCode(assert, () => dlopen(null, { strlen: { args: [disposable('cstring', 'free')], returns: 'i32' } }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  const d = disposable('cstring', 'free');
  assert.ok(d instanceof DisposableType && Object.isFrozen(d));
});
