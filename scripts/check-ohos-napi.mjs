// Checks that the built addon imports only the Node-API functions OpenHarmony's NDK exports
// (ohos/libnapi.ndk.json), so that the same C core builds for OpenHarmony's NAPI. Lists every
// napi_* / node_api_* symbol the addon imports; exits 1 naming those OpenHarmony lacks.
//
//   node scripts/check-ohos-napi.mjs [path/to/arkffi.node]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Exported only from this API level on (ohos/README.md).
const SINCE = { napi_add_finalizer: 11 };

/** The napi_* / node_api_* symbols that the shared object at `path` imports, sorted. */
export function importedNapi(path) {
  const nm = execFileSync('nm', ['-D', '--undefined-only', path], { encoding: 'utf8' });
  const names = nm.split('\n').map((line) => line.trim().split(/\s+/).pop() ?? '');
  return [...new Set(names.filter((n) => /^(napi|node_api)_\w+$/.test(n)))].sort();
}

/** The symbols of OpenHarmony's NDK list. */
export function ohosNapi() {
  const list = JSON.parse(readFileSync(join(root, 'ohos', 'libnapi.ndk.json'), 'utf8'));
  return new Set(list.map((entry) => entry.name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const addon = process.argv[2] ?? join(root, 'build', 'Release', 'arkffi.node');
  const imported = importedNapi(addon);
  const ohos = ohosNapi();
  const missing = imported.filter((name) => !ohos.has(name));
  for (const name of imported) {
    const note = !ohos.has(name) ? '  NOT EXPORTED BY OPENHARMONY' : SINCE[name] ? `  (API level ${SINCE[name]}+)` : '';
    console.log(`${name}${note}`);
  }
  console.log(`${imported.length} Node-API symbols imported; ${missing.length} missing from OpenHarmony's NDK`);
  if (missing.length > 0) process.exitCode = 1;
}
