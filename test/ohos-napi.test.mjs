// The C core imports only Node-API functions that OpenHarmony's NDK exports (ohos/), checked on
// the built addon by scripts/check-ohos-napi.mjs, which CI also runs on its own.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importedNapi, ohosNapi } from '../scripts/check-ohos-napi.mjs';
import { root } from './helpers.mjs';

const checker = join(root, 'scripts', 'check-ohos-napi.mjs');
const addon = process.env.ARKFFI_ADDON ?? join(root, 'build', 'Release', 'arkffi.node');

test('every Node-API function the addon imports is one OpenHarmony exports', () => {
  const imported = importedNapi(addon);
  assert.ok(imported.includes('napi_define_properties') && imported.length > 40, imported.join(' '));
  const ohos = ohosNapi();
  assert.deepEqual(imported.filter((name) => !ohos.has(name)), []);
  const run = spawnSync(process.execPath, [checker, addon], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`${imported.length} Node-API symbols imported; 0 missing`));
});

test('the addon loads with every import bound at once (RTLD_NOW): it needs nothing beyond Node.js, libc and libffi', () => {
  // Node.js binds an addon lazily, so a missing symbol (a libatomic helper, say) would otherwise
  // surface only when the code that calls it first runs.
  const program = `process.dlopen({ exports: {} }, ${JSON.stringify(addon)}, require('node:os').constants.dlopen.RTLD_NOW);
console.log('loaded');`;
  const run = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8' });
  assert.equal(run.stderr, '');
  assert.equal(run.stdout, 'loaded\n');
  const needed = execFileSync('readelf', ['-d', addon], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => /\(NEEDED\).*\[(.*)\]/.exec(line)?.[1] ?? []);
  // glibc's parts and libffi; a sanitizer build adds its runtimes.
  const allowed = /^(libc\.so\.6|ld-linux[-\w]*\.so\.\d|libffi\.so\.\d+|lib(a|ub)san\.so\.\d+)$/;
  assert.deepEqual(needed.filter((lib) => !allowed.test(lib)), [], needed.join(' '));
});

test('the checker fails on a library importing a function OpenHarmony lacks, and names it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-ohos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'newer.c');
  writeFileSync(
    source,
    'typedef struct env *napi_env;\n' +
      'int node_api_symbol_for(napi_env, const char *, unsigned long, void **);\n' +
      'int napi_typeof(napi_env, void *, int *);\n' +
      'int use(napi_env e) { void *v; int t; return node_api_symbol_for(e, "x", 1, &v) + napi_typeof(e, v, &t); }\n',
  );
  const lib = join(dir, 'newer.so');
  execFileSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-o', lib, source]);
  assert.deepEqual(importedNapi(lib), ['napi_typeof', 'node_api_symbol_for']);
  const run = spawnSync(process.execPath, [checker, lib], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /node_api_symbol_for {2}NOT EXPORTED BY OPENHARMONY/);
  assert.match(run.stdout, /2 Node-API symbols imported; 1 missing/);
});

test('the core builds as for OpenHarmony (its header, napi_module_register, the portable ABI), within its Node-API', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-ohos-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Stands in for the NDK's header, which declares the same Node-API as node_api.h.
  mkdirSync(join(dir, 'include', 'napi'), { recursive: true });
  writeFileSync(join(dir, 'include', 'napi', 'native_api.h'), '#include <node_api.h>\n');
  execFileSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs')], {
    env: { ...process.env, ARKFFI_ABI: 'portable', ARKFFI_BUILD_DIR: dir, ARKFFI_SANITIZE: '', CFLAGS: `${process.env.CFLAGS ?? ''} -D__OHOS__ -I${join(dir, 'include')}` },
    stdio: 'pipe',
  });
  const built = join(dir, 'arkffi.node');
  const imported = importedNapi(built);
  assert.ok(imported.includes('napi_module_register'), 'registers as OpenHarmony loads modules');
  const ohos = ohosNapi();
  assert.deepEqual(imported.filter((name) => !ohos.has(name)), []);
});
