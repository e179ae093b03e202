// Which libraries may be opened (docs/security.md): under Node's permission model, and under the
// program's own allow list (allowLibraries(), ARKFFI_ALLOW_LIBRARIES). Each scenario runs in its
// own process, since both restrictions last for the life of the process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowLibraries, allowedLibraries } from 'arkffi';
import { root, testBuildDir, testlib, throwsCode } from './helpers.mjs';

// Under qemu-user (scripts/emulate.sh) the target's libraries lie under the emulator's prefix,
// where its loader finds them.
const multiarch = { x64: 'x86_64', arm64: 'aarch64', riscv64: 'riscv64' }[process.arch];
const zlib = realpathSync(['', process.env.QEMU_LD_PREFIX ?? '']
  .flatMap((prefix) => [`/lib/${multiarch}-linux-gnu`, `/usr/lib/${multiarch}-linux-gnu`, '/lib64', '/usr/lib64', '/lib', '/usr/lib']
    .map((d) => `${prefix}${d}/libz.so.1`))
  .find((f) => existsSync(f)));

// A scratch directory outside the project: a symlink to zlib, and a copy of the test library.
const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'arkffi-access-')));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
symlinkSync(zlib, join(scratch, 'libz-link.so'));
copyFileSync(testlib, join(scratch, 'libcopy.so'));

/** What a child reports for each attempt: the value it got, or the error's code and message. */
const attempt = `
const out = {};
globalThis.attempt = (name, fn) => {
  try { out[name] = { value: fn() }; } catch (err) { out[name] = { code: err.code, message: err.message }; }
};
process.on('exit', () => console.log(JSON.stringify(out)));
`;

/** Runs `body` (an ES module, with arkffi's exports and attempt() in scope) in a child. */
function child(body, { node = [], env = {} } = {}) {
  const source = `import * as arkffi from 'arkffi';
const { dlopen, ffi, allowLibraries, allowedLibraries } = arkffi;
${attempt}
${body}`;
  const result = spawnSync(process.execPath, [...node, '--input-type=module', '-e', source], {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000,
  });
  assert.equal(result.signal, null, `the child died: ${result.stderr}`);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

// Reading the package, the addon, the test library and the scratch directory is allowed; the
// system's libraries are not (not even an emulated system's, kept under build/cross).
const addonDir = process.env.ARKFFI_ADDON ? dirname(process.env.ARKFFI_ADDON) : join(root, 'build', 'Release');
const permitted = ['--experimental-permission', '--allow-addons',
  ...[join(root, 'package.json'), `${join(root, 'dist')}/`, `${addonDir}/`, `${testBuildDir}/`, `${scratch}/`]
    .map((path) => `--allow-fs-read=${path}`)];

const sum = `{ add_i32: { args: ['i32', 'i32'], returns: 'i32' } }`;

test('permission model: a library the process may not read is refused before it is opened, by path, bare name or symlink', () => {
  const out = child(`
attempt('bare', () => dlopen('libz.so.1', { zlibVersion: { returns: 'cstring' } }));
attempt('path', () => dlopen(${JSON.stringify(zlib)}, { zlibVersion: { returns: 'cstring' } }));
attempt('link', () => dlopen(${JSON.stringify(join(scratch, 'libz-link.so'))}, { zlibVersion: { returns: 'cstring' } }));
attempt('raw', () => ffi.load('libz.so.1'));
attempt('missing', () => dlopen('libnot-a-library-anywhere.so.9', {}));
attempt('loaded', () => typeof process.permission.has);
`, { node: permitted });
  for (const name of ['bare', 'path', 'link', 'raw']) {
    assert.equal(out[name].code, 'ERR_ARKFFI_ACCESS_DENIED', `${name}: ${JSON.stringify(out[name])}`);
    assert.match(out[name].message, /permission model does not allow reading/);
    assert.ok(out[name].message.includes(zlib), `${name} names the real file: ${out[name].message}`);
  }
  assert.match(out.bare.message, /^dlopen\(\): refused to open "libz\.so\.1"/);
  assert.match(out.link.message, /libz-link\.so/, 'the symlink as given is named too');
  assert.match(out.raw.message, /^ffi\.load\(\)/);
  // Where the permission model hides whether a file exists, the loader's first place to look counts.
  assert.equal(out.missing.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(out.missing.message, /permission model does not allow reading \/.*\/libnot-a-library-anywhere\.so\.9$/);
  assert.deepEqual(out.loaded, { value: 'function' });
});

test('permission model: an allowed library opens and calls; its handle does not reach the denied libc', () => {
  const out = child(`
const lib = dlopen(${JSON.stringify(testlib)}, ${sum});
attempt('call', () => lib.symbols.add_i32(40, 2));
attempt('copy', () => dlopen(${JSON.stringify(join(scratch, 'libcopy.so'))}, ${sum}).symbols.add_i32(-5, 3));
attempt('libcSymbol', () => dlopen(${JSON.stringify(testlib)}, { getpid: { returns: 'i32' } }));
const h = ffi.load(${JSON.stringify(testlib)});
attempt('rawLibc', () => ffi.getSymbolPtr(h, 'system'));
attempt('rawOwn', () => ffi.getSymbolPtr(h, 'add_i32') > 0);
`, { node: permitted });
  assert.deepEqual(out.call, { value: 42 });
  assert.deepEqual(out.copy, { value: -2 });
  assert.equal(out.libcSymbol.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(out.libcSymbol.message, /refused to bind 'getpid' from .*libarkffi_test\.so, defined in .*libc\.so\.6/);
  assert.equal(out.rawLibc.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(out.rawLibc.message, /'system'/);
  assert.deepEqual(out.rawOwn, { value: true });
});

test("permission model: the process's own symbols need processSymbols: true", () => {
  const out = child(`
attempt('null', () => dlopen(null, { getpid: { returns: 'i32' } }));
attempt('rawNull', () => ffi.load(null));
attempt('optedIn', () => dlopen(null, { getpid: { returns: 'i32' } }, { processSymbols: true }).symbols.getpid() === process.pid);
attempt('rawOptedIn', () => typeof ffi.load(null, { processSymbols: true }));
`, { node: permitted });
  assert.equal(out.null.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(out.null.message, /own symbols \(null\).*processSymbols: true/);
  assert.equal(out.rawNull.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.deepEqual(out.optedIn, { value: true });
  assert.deepEqual(out.rawOptedIn, { value: 'bigint' });
});

test('without a restriction everything opens, the process symbols included', () => {
  assert.equal(allowedLibraries(), null);
  const out = child(`
attempt('z', () => typeof dlopen('libz.so.1', { zlibVersion: { returns: 'cstring' } }).symbols.zlibVersion());
attempt('null', () => dlopen(null, { getpid: { returns: 'i32' } }).symbols.getpid() === process.pid);
`);
  assert.deepEqual(out, { z: { value: 'string' }, null: { value: true } });
});

test('allowLibraries(): narrows to files and directories, symlinks followed, and only ever narrows', () => {
  const out = child(`
attempt('before', () => allowedLibraries());
allowLibraries([${JSON.stringify(dirname(testlib))}, ${JSON.stringify(scratch + '/')}]);
attempt('list', () => allowedLibraries());
attempt('inDir', () => dlopen(${JSON.stringify(testlib)}, ${sum}).symbols.add_i32(1, 2));
attempt('zlib', () => dlopen('libz.so.1', {}));
attempt('missing', () => dlopen('libnot-a-library-anywhere.so.9', {}));
attempt('link', () => dlopen(${JSON.stringify(join(scratch, 'libz-link.so'))}, {}));
attempt('null', () => dlopen(null, {}));
attempt('nullOptIn', () => dlopen(null, { getpid: { returns: 'i32' } }, { processSymbols: true }).symbols.getpid() > 0);
allowLibraries([${JSON.stringify(join(scratch, 'libcopy.so'))}, ${JSON.stringify(dirname(zlib))}]);
attempt('narrowed', () => allowedLibraries());
attempt('copy', () => dlopen(${JSON.stringify(join(scratch, 'libcopy.so'))}, ${sum}).symbols.add_i32(2, 2));
attempt('outOfBoth', () => dlopen(${JSON.stringify(testlib)}, {}));
attempt('zlibStill', () => dlopen('libz.so.1', {}));
allowLibraries([${JSON.stringify(dirname(testlib))}]);
attempt('empty', () => allowedLibraries());
attempt('widen', () => dlopen(${JSON.stringify(testlib)}, {}));
`);
  assert.deepEqual(out.before, { value: null });
  assert.deepEqual(out.list, { value: [dirname(testlib) + '/', scratch + '/'] });
  assert.deepEqual(out.inDir, { value: 3 });
  for (const name of ['zlib', 'link', 'null', 'outOfBoth', 'zlibStill', 'widen']) {
    assert.equal(out[name].code, 'ERR_ARKFFI_ACCESS_DENIED', `${name}: ${JSON.stringify(out[name])}`);
  }
  assert.match(out.zlib.message, /is not in the libraries the program allows/);
  assert.equal(out.missing.code, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(out.missing.message, /not in LD_LIBRARY_PATH, ld\.so\.cache or the system directories, so its file cannot be checked; pass its path/);
  assert.ok(out.link.message.includes(zlib), 'the symlink is judged by its target');
  assert.deepEqual(out.nullOptIn, { value: true });
  assert.deepEqual(out.narrowed, { value: [join(scratch, 'libcopy.so')] });
  assert.deepEqual(out.copy, { value: 4 });
  assert.deepEqual(out.empty, { value: [] });
});

test('allowLibraries(): the narrowing holds in worker threads, which have their own ArkFFI', () => {
  const out = child(`
import { Worker } from 'node:worker_threads';
allowLibraries([${JSON.stringify(dirname(testlib))}]);
const worker = new Worker(\`
  import { dlopen, allowedLibraries } from 'arkffi';
  import { parentPort } from 'node:worker_threads';
  const result = {};
  try { dlopen('libz.so.1', {}); result.zlib = 'opened'; } catch (err) { result.zlib = err.code; }
  result.sum = dlopen(${JSON.stringify(testlib).replace(/\\/g, '\\\\')}, ${sum}).symbols.add_i32(20, 22);
  result.list = allowedLibraries();
  parentPort.postMessage(result);
\`, { eval: true });
worker.on('message', (m) => attempt('worker', () => m));
`);
  assert.deepEqual(out.worker, { value: { zlib: 'ERR_ARKFFI_ACCESS_DENIED', sum: 42, list: [dirname(testlib) + '/'] } });
});

test('ARKFFI_ALLOW_LIBRARIES sets the first allow list; a relative entry is refused', () => {
  const out = child(`
attempt('list', () => allowedLibraries());
attempt('inList', () => dlopen(${JSON.stringify(testlib)}, ${sum}).symbols.add_i32(5, 5));
attempt('zlib', () => dlopen('libz.so.1', {}));
`, { env: { ARKFFI_ALLOW_LIBRARIES: `${testlib}:${scratch}` } });
  assert.deepEqual(out.list, { value: [testlib, scratch + '/'] });
  assert.deepEqual(out.inList, { value: 10 });
  assert.equal(out.zlib.code, 'ERR_ARKFFI_ACCESS_DENIED');

  const bad = spawnSync(process.execPath, ['--input-type=module', '-e', "import 'arkffi'"], {
    cwd: root, env: { ...process.env, ARKFFI_ALLOW_LIBRARIES: 'build/test' }, encoding: 'utf8',
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /ARKFFI_ALLOW_LIBRARIES: every entry must be an absolute path, got "build\/test"/);
});

test('allowLibraries(): refuses what is not a list of paths, running no user code', () => {
  let trapped = 0;
  const proxy = new Proxy([testlib], { get: () => { trapped++; return testlib; }, getOwnPropertyDescriptor: () => { trapped++; } });
  throwsCode(assert, () => allowLibraries(proxy), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  const getter = [];
  Object.defineProperty(getter, 0, { get: () => { trapped++; return testlib; }, enumerable: true });
  throwsCode(assert, () => allowLibraries(getter), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  class Sneaky extends URL {
    get href() { trapped++; return 'file:///'; }
  }
  throwsCode(assert, () => allowLibraries([new Sneaky('https://example.com/')]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  for (const bad of ['', 'a\0b', 5, null, undefined, {}]) {
    throwsCode(assert, () => allowLibraries([bad]), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  }
  throwsCode(assert, () => allowLibraries('/usr/lib'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  // A path that cannot be resolved (a symlink loop) cannot be judged: refused, naming the entry.
  const loop = join(scratch, 'loop');
  symlinkSync(loop, loop);
  const err = throwsCode(assert, () => allowLibraries([testlib, loop]), Error, 'ERR_ARKFFI_ACCESS_DENIED');
  assert.match(err.message, /^allowLibraries\(\): paths\[1\]: /);
  assert.equal(trapped, 0);
  assert.equal(allowedLibraries(), null, 'nothing refused narrowed the list');
});
