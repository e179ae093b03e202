// napi_env and napi_value (test/native/napi_calls.c): a napi_env parameter gives C the
// environment of the call (the caller passes null or undefined), a napi_value parameter the JS
// value's own handle, and a napi_value result is the JS value C returned, so C can use Node-API
// during the call. .async, callbacks and struct fields refuse them; `npm run test:general` runs
// this file on the general path too (these calls always take it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlopen, JSCallback, Struct } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  js_typeof: { args: ['napi_env', 'napi_value'], returns: 'i32' },
  make_pair: { args: ['napi_env', 'napi_value', 'napi_value'], returns: 'napi_value' },
  sum_array: 'double sum_array(napi_env env, napi_value arr)',
  describe_property: { args: ['napi_env', 'napi_value', 'cstring'], returns: 'napi_value' },
  identity: { args: ['napi_value'], returns: 'napi_value' },
  throw_from_c: { args: ['napi_env', 'cstring'], returns: 'napi_value' },
  call_js: { args: ['napi_env', 'napi_value', 'napi_value'], returns: 'napi_value' },
  env_is_set: { args: ['napi_env'], returns: 'i32' },
});
const s = lib.symbols;

test('C receives the environment and the values themselves', () => {
  // napi_valuetype: undefined 0, null 1, boolean 2, number 3, string 4, symbol 5, object 6, function 7, bigint 9.
  assert.deepEqual(
    [undefined, null, true, 1.5, 'x', Symbol('s'), {}, () => 0, 1n].map((v) => s.js_typeof(null, v)),
    [0, 1, 2, 3, 4, 5, 6, 7, 9],
  );
  assert.equal(s.js_typeof(undefined, [1, 2]), 6);
  assert.equal(s.sum_array(null, [1, 2, 3.5]), 6.5);
  assert.ok(Number.isNaN(s.sum_array(null, 'not an array')));
  assert.equal(s.env_is_set(null), 1);
});

test('a napi_value result is the JS value C returned', () => {
  const a = { name: 'a' };
  const pair = s.make_pair(null, a, 'b');
  assert.deepEqual(pair, [a, 'b']);
  assert.equal(pair[0], a, 'the same object, not a copy');
  const obj = { x: 1 };
  assert.equal(s.identity(obj), obj);
  assert.equal(s.identity(undefined), undefined);
  assert.equal(s.describe_property(null, { color: 'red' }, 'color'), 'color=red');
  assert.equal(s.describe_property(null, { color: 5 }, 'color'), undefined, 'NULL is undefined');
});

test('C may call back into JS, and an exception C throws is the call\'s', () => {
  assert.equal(s.call_js(null, (x) => x * 2, 21), 42);
  assert.deepEqual(s.call_js(null, (p) => s.make_pair(null, p, p), 'n'), ['n', 'n']);
  const err = throwsCode(assert, () => s.throw_from_c(null, 'from C'), Error, 'E_FROM_C');
  assert.equal(err.message, 'from C');
  assert.throws(() => s.call_js(null, () => { throw new RangeError('inner'); }, 0), RangeError);
});

test('a napi_env parameter takes null or undefined only', () => {
  throwsCode(assert, () => s.js_typeof(0, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.js_typeof({}, 1), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.js_typeof(null), TypeError, 'ERR_ARKFFI_ARG_COUNT');
});

test('.async, callbacks and struct fields refuse napi_env and napi_value', async () => {
  await assert.rejects(async () => s.js_typeof.async(null, 1), { code: 'ERR_ARKFFI_INVALID_TYPE' });
  await assert.rejects(async () => s.identity.async(1), { code: 'ERR_ARKFFI_INVALID_TYPE' });
  throwsCode(assert, () => new JSCallback(() => 0, { args: ['napi_value'], returns: 'i32' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => new JSCallback(() => 0, { args: [], returns: 'napi_value' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  throwsCode(assert, () => new JSCallback(() => 0, { args: ['napi_env'], returns: 'void' }), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
  assert.throws(() => Struct({ v: 'napi_value' }), { code: 'ERR_ARKFFI_INVALID_TYPE' });
  assert.throws(() => dlopen(testlib, { identity: { args: [['napi_value', 'i32']], returns: 'i32' } }), {
    code: 'ERR_ARKFFI_INVALID_TYPE',
  });
  assert.throws(() => dlopen(testlib, { env_is_set: { args: [], returns: 'napi_env' } }), { code: 'ERR_ARKFFI_INVALID_TYPE' });
});

test('a pointer to napi_value is a plain pointer', () => {
  const out = dlopen(testlib, { env_is_set: { args: ['napi_env *'], returns: 'i32' } }).symbols;
  assert.equal(out.env_is_set(null), 0);
});
