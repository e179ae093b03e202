// Buffers that JS detaches, shrinks or writes while an `.async` call uses them. C works on a
// copy of each ArrayBuffer's bytes that the call owns, and its changes land when the call
// completes, as far as the buffer still has the bytes; a SharedArrayBuffer is used in place.
// The scenarios that used to free or unmap memory under C run in child processes (under the
// sanitizer build too, which `npm run test:sanitize` passes on), so a crash fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { dlopen, ptr } from 'arkffi';
import { root, testlib } from './helpers.mjs';

const defs = {
  slow_fill: { args: ['ptr', 'usize', 'u8', 'i32'], returns: 'ptr' },
  slow_move: { args: ['ptr', 'ptr', 'usize', 'i32'], returns: 'ptr' },
  byte_distance: { args: ['ptr', 'ptr'], returns: 'i64' },
  keep_pointer: { args: ['ptr'], returns: 'void' },
  kept_pointer: { returns: 'ptr' },
  slow_strlen: { args: ['cstring', 'i32'], returns: 'usize' },
};
const lib = dlopen(testlib, defs);
const s = lib.symbols;

/**
 * Runs `body` (an async ES module body with `s`, the symbols above, and `gc` in scope) in a child
 * process and returns what it printed as JSON. The child must exit normally: a crash, a
 * sanitizer report or a hang fails here.
 */
function inChild(body) {
  const code = [
    `import { dlopen, ptr } from 'arkffi';`,
    `const s = dlopen(${JSON.stringify(testlib)}, ${JSON.stringify(defs)}).symbols;`,
    `const out = await (async () => { ${body} })();`,
    `console.log(JSON.stringify(out));`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(child.signal, null, `the child died of ${child.signal}:\n${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

/** Fills the heap with fresh buffers, so that freed memory is reused before C writes to it. */
const litter = `const litter = Array.from({ length: 64 }, () => new Uint8Array(1 << 16).fill(0xee));`;

test('an ArrayBuffer detached while an .async call fills it: no crash, the write is dropped', () => {
  const out = inChild(`
    let ab = new ArrayBuffer(1 << 16);
    const pending = s.slow_fill.async(ab, 1 << 16, 7, 200);
    // Transferred, then collected: its memory is freed while C is still asleep.
    structuredClone(ab, { transfer: [ab] });
    gc();
    ${litter}
    await pending;
    return { length: ab.byteLength, litter: litter.every((b) => b.every((x) => x === 0xee)) };
  `);
  assert.deepEqual(out, { length: 0, litter: true });
});

test('the buffer of a view transferred during the call keeps the bytes it had; C wrote only its copy', () => {
  const out = inChild(`
    const ab = new ArrayBuffer(4096);
    new Uint8Array(ab).fill(1);
    const view = new Uint8Array(ab, 1024, 1024);
    const pending = s.slow_fill.async(view, view.length, 7, 150);
    const moved = structuredClone(ab, { transfer: [ab] });
    await pending;
    return { view: view.length, moved: new Uint8Array(moved).every((x) => x === 1) };
  `);
  assert.deepEqual(out, { view: 0, moved: true });
});

test('a resizable ArrayBuffer shrunk to 0 while C fills it: no crash, nothing lands', () => {
  const out = inChild(`
    const ab = new ArrayBuffer(1 << 20, { maxByteLength: 1 << 20 });
    const pending = s.slow_fill.async(new Uint8Array(ab), 1 << 20, 7, 200);
    ab.resize(0);
    await pending;
    const length = ab.byteLength;
    ab.resize(1 << 20);
    return { length, zero: new Uint8Array(ab).every((x) => x === 0) };
  `);
  assert.deepEqual(out, { length: 0, zero: true });
});

test('a resizable ArrayBuffer shrunk to half: C\'s writes land in the half it still has', () => {
  const out = inChild(`
    const ab = new ArrayBuffer(8192, { maxByteLength: 8192 });
    const pending = s.slow_fill.async(ab, 8192, 7, 150);
    ab.resize(4096);
    await pending;
    const kept = new Uint8Array(ab).every((x) => x === 7);
    ab.resize(8192);
    return { kept, grown: new Uint8Array(ab, 4096).every((x) => x === 0) };
  `);
  assert.deepEqual(out, { kept: true, grown: true });
});

test('a buffer shrunk and grown back before the call settles gets all of C\'s writes', async () => {
  const ab = new ArrayBuffer(4096, { maxByteLength: 8192 });
  const pending = s.slow_fill.async(ab, 4096, 9, 100);
  ab.resize(16);
  ab.resize(8192);
  await pending;
  const bytes = new Uint8Array(ab);
  assert.ok(bytes.subarray(0, 4096).every((x) => x === 9));
  assert.ok(bytes.subarray(4096).every((x) => x === 0));
});

test('what JS writes during the call stays where C changed nothing', async () => {
  const bytes = new Uint8Array(64);
  const pending = s.slow_fill.async(bytes, 32, 7, 100);
  // C sees the bytes as they were when the call started, and writes only the first 32.
  bytes[40] = 5;
  bytes[10] = 5;
  await pending;
  assert.equal(bytes[40], 5);
  assert.equal(bytes[10], 7);
  assert.deepEqual([...bytes.subarray(0, 32)], new Array(32).fill(7));
  assert.equal(bytes.subarray(32).reduce((a, b) => a + b), 5);
});

test('views of one buffer share one copy: distances and overlapping moves are as in a sync call', async () => {
  const ab = new ArrayBuffer(32);
  const a = new Uint8Array(ab, 4, 8);
  const b = new DataView(ab, 20, 4);
  assert.equal(await s.byte_distance.async(a, b), 16);
  assert.equal(await s.byte_distance.async(ab, new Uint8Array(ab, 31)), 31);
  const sync = Uint8Array.from({ length: 32 }, (_, i) => i);
  const async = sync.slice();
  s.slow_move(sync.subarray(2), sync, 16, 0);
  await s.slow_move.async(async.subarray(2), async, 16, 0);
  assert.deepEqual(async, sync);
});

test('a pointer result into a copy is the same byte of the JS buffer', async () => {
  const bytes = new Uint8Array(16);
  assert.equal(await s.slow_fill.async(bytes.subarray(4), 4, 1, 0), ptr(bytes, 4));
  assert.equal(await s.slow_fill.async(bytes.buffer, 0, 1, 0), ptr(bytes));
});

test('a SharedArrayBuffer is used in place; an ArrayBuffer only for the call', async () => {
  const shared = new SharedArrayBuffer(16);
  await s.keep_pointer.async(shared);
  assert.equal(s.kept_pointer(), ptr(shared));
  // C got a copy, freed when the call completed: a pointer C keeps names no byte of the buffer.
  const plain = new ArrayBuffer(16);
  await s.keep_pointer.async(plain);
  assert.notEqual(s.kept_pointer(), ptr(plain));
  // A raw address is trusted and passed as it is: the caller keeps the buffer alive and sized.
  await s.keep_pointer.async(ptr(plain));
  assert.equal(s.kept_pointer(), ptr(plain));
  s.keep_pointer(null);
});

test('a string in a buffer is read from the copy, which ends with a NUL', async () => {
  const text = Buffer.from('hello\0');
  assert.equal(await s.slow_strlen.async(text, 0), 5);
  const transferred = new TextEncoder().encode('detached\0');
  const pending = s.slow_strlen.async(transferred, 100);
  structuredClone(transferred.buffer, { transfer: [transferred.buffer] });
  assert.equal(await pending, 8);
});

test('many concurrent calls on one buffer all land', async () => {
  const bytes = new Uint8Array(256);
  await Promise.all(Array.from({ length: 256 }, (_, i) => s.slow_fill.async(bytes.subarray(i, i + 1), 1, i, 0)));
  assert.deepEqual([...bytes], Array.from({ length: 256 }, (_, i) => i));
});
