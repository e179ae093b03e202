// Libraries that Node itself embeds (zlib, OpenSSL), and dlopen()'s options { deep, global, lazy }.
// Node exports its own zlib and OpenSSL symbols; a system copy opened without RTLD_DEEPBIND binds
// its internal calls to Node's. Each library scenario runs in its own child process, so that the
// first open of a library in the process is the one tested (the loader keeps the flags of the
// first open), and so that a crash shows as a failed test.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { dlopen, ffi } from 'arkffi';
import { opensslErrors, zlibStream } from './children.mjs';
import { root, testBuildDir, testlib, throwsCode } from './helpers.mjs';

const cc = process.env.CC || 'cc';
// Under the sanitizer suite this process runs with ASan preloaded, which makes deep binding
// impossible (see the last tests); the library scenarios then run in children without it.
const plainEnv = { ...process.env };
if (/asan/.test(plainEnv.LD_PRELOAD ?? '')) {
  delete plainEnv.LD_PRELOAD;
  delete plainEnv.ARKFFI_ADDON;
}

/** Runs an ES module's source in a child process; returns the JSON it printed. */
function child(source, args = [], env = plainEnv) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source, ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.signal, null, `the child died (${args.join(' ')}): ${result.stderr}`);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test('zlib: streaming deflateInit_/deflate/deflateEnd and inflate round-trip 300 KiB through z_stream structs', () => {
  const out = child(zlibStream);
  assert.equal(out.inputBytes, 307200);
  assert.equal(out.totalIn, 307200);
  assert.ok(out.packedBytes > 1000 && out.packedBytes < out.inputBytes / 4, `packed to ${out.packedBytes} bytes`);
  assert.ok(out.deflateCalls > 40 && out.inflateCalls > 60, 'many calls of each, each on a chunk');
  assert.equal(out.roundTrip, true);
  assert.equal(out.nodeAgrees, true, "Node's own inflate reads the system zlib's stream");
});

test('zlib through the raw bridge: ffi.load binds deep by default, so deflateInit_/deflate/deflateEnd work', () => {
  const script = `
    import { ffi } from 'arkffi';
    const z = ffi.load('libz.so.1');
    ffi.defineFunction(z, 'deflateInit_', 'pisi', 'i');
    ffi.defineFunction(z, 'deflate', 'pi', 'i');
    ffi.defineFunction(z, 'deflateEnd', 'p', 'i');
    const stream = new Uint8Array(112);
    const input = Buffer.alloc(100000, 'xyz');
    const out = Buffer.alloc(10000);
    const init = ffi.callBySig(z, 'deflateInit_', [stream, 9, 112], ['1.2.13']);
    const view = new DataView(stream.buffer);
    view.setBigUint64(0, BigInt(ffi.ptr(input)), true);
    view.setUint32(8, input.length, true);
    view.setBigUint64(24, BigInt(ffi.ptr(out)), true);
    view.setUint32(32, out.length, true);
    const deflate = ffi.callBySig(z, 'deflate', [stream, 4]);
    const packed = out.subarray(0, Number(view.getBigUint64(40, true))).toString('base64');
    console.log(JSON.stringify({ init, deflate, end: ffi.callBySig(z, 'deflateEnd', [stream]), packed }));`;
  const out = child(script);
  assert.deepEqual([out.init, out.deflate, out.end], [0, 1, 0]);
  assert.ok(inflateSync(Buffer.from(out.packed, 'base64')).equals(Buffer.alloc(100000, 'xyz')));
});

test("OpenSSL: a failing PEM_read_bio_X509 leaves its error in libcrypto's own queue", () => {
  const out = child(opensslErrors);
  assert.match(out.version, /^OpenSSL 3\./);
  assert.equal(out.cert, 0);
  assert.notEqual(out.code, 0, 'ERR_get_error sees the error');
  assert.match(out.message, /^error:[0-9A-F]{8}:PEM routines::no start line$/);
  assert.equal(out.next, 0, 'and the queue is empty once it is read');
});

// A Node.js built against the system's OpenSSL (Debian's nodejs is) has no copy of its own: there
// is one error queue, and plain binding finds it too.
const ownOpenssl = !process.config.variables.node_shared_openssl;

test("{ deep: false } opens as plain dlopen: libcrypto's errors then go to Node's copy of the queue", () => {
  const out = child(opensslErrors, ['{"deep":false}']);
  assert.equal(out.cert, 0);
  if (ownOpenssl) {
    assert.equal(out.code, 0, 'the trap that deep binding avoids');
    assert.equal(out.message, 'error:00000000:lib(0)::reason(0)');
  } else {
    assert.match(out.message, /PEM routines::no start line$/, "one OpenSSL: Node's queue is libcrypto's");
  }
});

test('bad options are refused with ERR_ARKFFI_INVALID_OPTION naming the option and the value', () => {
  const add = { add_i32: { args: ['i32', 'i32'], returns: 'i32' } };
  const cases = [
    [{ deep: 1 }, /option deep must be a boolean, got the number 1/],
    [{ global: 'yes' }, /option global must be a boolean, got the string "yes"/],
    [{ lazy: null }, /option lazy must be a boolean, got null/],
    [{ deeper: true }, /unknown option "deeper"; the options are deep, global, lazy, processSymbols/],
    [{ [Symbol('x')]: true }, /unknown option Symbol\(x\)/],
    [null, /options must be a plain object like \{ deep, global, lazy \}, got null/],
    [5, /options must be a plain object .*, got the number 5/],
    [[true], /options must be a plain object .*, got an instance of Array/],
    [{ processSymbols: true }, /processSymbols applies only to the path null, got the path /],
  ];
  for (const [options, message] of cases) {
    for (const open of [() => dlopen(testlib, add, options), () => ffi.load(testlib, options)]) {
      const err = throwsCode(assert, open, TypeError, 'ERR_ARKFFI_INVALID_OPTION');
      assert.match(err.message, message);
      assert.match(err.message, /^(dlopen|ffi\.load)\(\): /);
    }
  }
  // Reading options runs none of the program's code: no getter, no Proxy trap.
  let ran = 0;
  const getter = { get deep() { ran++; return true; } };
  assert.match(throwsCode(assert, () => dlopen(testlib, add, getter), TypeError, 'ERR_ARKFFI_INVALID_OPTION').message,
    /option deep must be a data property, not an accessor/);
  const proxy = new Proxy({}, { ownKeys() { ran++; return []; }, get() { ran++; return true; } });
  assert.match(throwsCode(assert, () => dlopen(testlib, add, proxy), TypeError, 'ERR_ARKFFI_INVALID_OPTION').message, /got a Proxy/);
  assert.equal(ran, 0);
  // Good options, and undefined values, open as usual.
  const lib = dlopen(testlib, add, { deep: false, global: false, lazy: undefined });
  assert.equal(lib.symbols.add_i32(2, 3), 5);
  const handle = ffi.load(testlib, {});
  assert.equal(ffi.callMixed(handle, 'add_i32', 'ii', 'i', [4, 5]), 9);
});

// Two libraries: needer calls provided(), which only provider defines.
const libDir = join(testBuildDir, 'options');
function buildPair() {
  mkdirSync(libDir, { recursive: true });
  writeFileSync(join(libDir, 'provider.c'), 'int provided(void) { return 42; }\n');
  writeFileSync(join(libDir, 'needer.c'), 'int provided(void);\nint own(void) { return 7; }\nint call_provided(void) { return provided() + 1; }\n');
  for (const name of ['provider', 'needer']) {
    execFileSync(cc, ['-shared', '-fPIC', '-o', join(libDir, `lib${name}.so`), join(libDir, `${name}.c`)]);
  }
  return { provider: join(libDir, 'libprovider.so'), needer: join(libDir, 'libneeder.so') };
}

test('{ lazy } defers binding to the first call; { global } lets later libraries bind to a library', () => {
  const { provider, needer } = buildPair();
  const script = `
    import { dlopen } from 'arkffi';
    const defs = { own: { returns: 'i32' }, call_provided: { returns: 'i32' } };
    const out = {};
    try { dlopen(${JSON.stringify(needer)}, defs); } catch (e) { out.now = [e.code, e.message]; }
    out.lazyOwn = dlopen(${JSON.stringify(needer)}, defs, { lazy: true }).symbols.own();
    dlopen(${JSON.stringify(provider)}, { provided: { returns: 'i32' } }, { global: true });
    out.afterGlobal = dlopen(${JSON.stringify(needer)}, defs).symbols.call_provided();
    console.log(JSON.stringify(out));`;
  const out = child(script);
  assert.equal(out.now[0], 'ERR_ARKFFI_DLOPEN');
  assert.match(out.now[1], /undefined symbol: provided/);
  assert.equal(out.lazyOwn, 7);
  assert.equal(out.afterGlobal, 43);
});

const asan = (() => {
  try {
    return execFileSync(cc, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();

test('under a sanitizer runtime, the default is plain binding and { deep: true } is refused, not fatal', (t) => {
  assert.ok(asan !== null && asan.startsWith('/'), `the compiler has libasan: ${asan}`);
  const env = { ...plainEnv, LD_PRELOAD: asan, ASAN_OPTIONS: 'detect_leaks=0:verify_asan_link_order=0' };
  // Under qemu-user, Node.js itself fails at start with the runtime preloaded, before any ArkFFI
  // (arm64: SIGSEGV; riscv64: an allocator CHECK in the runtime).
  const bare = spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8', timeout: 30_000 });
  if (bare.status !== 0) {
    t.skip(`Node.js cannot start under this sanitizer runtime here (${bare.signal ?? `exit ${bare.status}`})`);
    return;
  }
  const script = `
    import { dlopen } from 'arkffi';
    let refused;
    try { dlopen('libz.so.1', {}, { deep: true }); } catch (e) { refused = [e.code, e.message]; }
    const z = dlopen('libz.so.1', { zlibVersion: { returns: 'cstring' } }).symbols.zlibVersion();
    console.log(JSON.stringify({ refused, z }));`;
  const out = child(script, [], env);
  assert.equal(out.refused[0], 'ERR_ARKFFI_INVALID_OPTION');
  assert.match(out.refused[1], /dlopen\(\): option deep: true cannot be honoured: a sanitizer runtime is loaded/);
  assert.match(out.z, /^1\./);
  assert.equal(child(opensslErrors, [], env).code === 0, ownOpenssl, 'plain binding by default');
});

test('with a replacement malloc preloaded, the default is plain binding; { deep: true } is still honoured', () => {
  mkdirSync(libDir, { recursive: true });
  const src = join(libDir, 'mymalloc.c');
  writeFileSync(src, '#include <stddef.h>\nvoid *__libc_malloc(size_t);\nvoid *malloc(size_t n) { return __libc_malloc(n); }\n');
  const lib = join(libDir, 'libmymalloc.so');
  execFileSync(cc, ['-shared', '-fPIC', '-o', lib, src]);
  const env = { ...plainEnv, LD_PRELOAD: lib };
  assert.equal(child(opensslErrors, [], env).code === 0, ownOpenssl, 'the default does not split the allocator');
  assert.notEqual(child(opensslErrors, ['{"deep":true}'], env).code, 0, 'explicit deep binding');
});
