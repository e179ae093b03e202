// The native entries check the function a call names in the slot buffer, in release builds too:
// JS code that overwrites the slot gets ERR_ARKFFI_INTERNAL, not a crash or a call of garbage.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { testlib } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { dlopen, FFIType } = require('../dist/index.js');
const { native } = require('../dist/native.js');

const lib = dlopen(testlib, {
  add_i32: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  echo_u64: { args: [FFIType.u64], returns: FFIType.u64 },
});
const slots = new Float64Array(native.slots, 0, native.layout.slotCount);
const bits = new BigUint64Array(native.slots, 0, native.layout.slotCount);
const { slotFn } = native.layout;

// What a wrapper wrote for add_i32: the name of a live record.
assert.equal(lib.symbols.add_i32(2, 3), 5);
const live = bits[slotFn];

const entries = [
  ['invoke', () => native.invoke()],
  ['invokeFast', () => native.invokeFast()],
  ['invokeFastRefs', () => native.invokeFastRefs()],
  ['invokeAsync', () => native.invokeAsync()],
  ...native.plainEntries.map((entry, i) => [`plainEntries[${i}]`, () => entry()]),
];

const corrupt = [
  ['zero', (s) => (s[slotFn] = 0)],
  ['a small integer', (s) => (s[slotFn] = 1)],
  ['an ordinary number', (s) => (s[slotFn] = 12345.678)],
  ['NaN', (s) => (s[slotFn] = NaN)],
  ['inside a live record', (s, b) => (b[slotFn] = live + 8n)],
  ['a free record of the table', (s, b) => (b[slotFn] = live + 256n * 50n)],
  ['just below the table', (s, b) => (b[slotFn] = live - 256n * 100000n)],
];

for (const [what, write] of corrupt) {
  test(`a slot naming ${what} is refused by every entry`, () => {
    for (const [name, call] of entries) {
      write(slots, bits);
      assert.throws(call, (err) => err.code === 'ERR_ARKFFI_INTERNAL', name);
    }
  });
}

test('the functions still work after a refused call', async () => {
  assert.equal(lib.symbols.add_i32(20, 22), 42);
  assert.equal(lib.symbols.echo_u64(2n ** 60n + 1n), 2n ** 60n + 1n);
  assert.equal(await lib.symbols.add_i32.async(1, 2), 3);
});
