// The package face: ESM and CommonJS entries export the same objects.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as esm from 'arkffi';

const require = createRequire(import.meta.url);
const REQUIRED = [
  'dlopen', 'Library', 'FFIType', 'CString', 'CFunction', 'ptr', 'read', 'toArrayBuffer', 'suffix', 'ffi',
  // ArkFFI's ffi.ts exports, re-exported from the root.
  'releasePtr', 'callAsync', 'callPtrAsync', 'callBySigAsArrayBuffer',
];
// The 19 functions of ArkFFI's native bridge.
const BRIDGE = [
  'load', 'close', 'defineFunction', 'callBySig', 'callMixed', 'callString', 'readCString', 'callPtr', 'getSymbolPtr',
  'createCallback', 'destroyCallback', 'invokeCallback', 'getCallbackThreadsafe', 'getCallbackPtr', 'callCallbackThreadSafe',
  'ptr', 'readMemory', 'callAsync', 'callPtrAsync',
];

test('ESM and CommonJS export the same API', () => {
  const cjs = require('arkffi');
  for (const name of REQUIRED) {
    assert.notEqual(esm[name], undefined, `ESM export ${name}`);
    assert.equal(esm[name], cjs[name], `same ${name} from both module systems`);
  }
  assert.equal(BRIDGE.length, 19);
  for (const name of BRIDGE) assert.equal(typeof esm.ffi[name], 'function', `ffi.${name}`);
  assert.equal(esm.suffix, 'so');
});

test('the quick start from the README runs as written', async () => {
  const { dlopen, FFIType, suffix } = await import('arkffi');
  const libm = dlopen(`libm.${suffix}.6`, {
    cos: { args: [FFIType.double], returns: FFIType.double },
  });
  assert.equal(libm.symbols.cos(0.5), 0.8775825618903728);
  libm.close();
});
