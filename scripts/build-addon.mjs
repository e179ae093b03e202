// Builds the native addon from src/*.c with the system C compiler.
//
// No node-gyp: the Node-API headers come from the `node-api-headers` npm package and libffi from
// the system (Debian: libffi-dev), so a build never downloads anything.
//
//   node scripts/build-addon.mjs              -> build/Release/arkffi.node
//   ARKFFI_SANITIZE=1 node scripts/...        -> build/sanitize/arkffi.node (ASan + UBSan)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const sanitize = process.env.ARKFFI_SANITIZE === '1';
const cc = process.env.CC || 'cc';

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', [...args, 'libffi'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  } catch {
    return null;
  }
}

const ffiCflags = pkgConfig(['--cflags']) ?? [];
const ffiLibs = pkgConfig(['--libs']) ?? ['-lffi'];
const napiInclude = require('node-api-headers').include_dir;

const outDir = join(root, 'build', sanitize ? 'sanitize' : 'Release');
mkdirSync(outDir, { recursive: true });
const sources = readdirSync(join(root, 'src')).filter((f) => f.endsWith('.c')).sort().map((f) => join(root, 'src', f));

const flags = [
  '-std=c11', '-D_GNU_SOURCE', '-DNAPI_VERSION=8', '-fPIC', '-shared', '-fvisibility=hidden',
  '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror=implicit-function-declaration',
  `-I${napiInclude}`, ...ffiCflags,
  ...(sanitize ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'] : ['-O2', '-DNDEBUG']),
];
// Node-API symbols are resolved from the host process at load time.
const tmp = join(outDir, `arkffi.node.${process.pid}.tmp`);
const args = [...flags, ...sources, '-o', tmp, ...ffiLibs, '-ldl', '-lpthread'];
try {
  execFileSync(cc, args, { stdio: 'inherit' });
} catch (err) {
  console.error(`\narkffi: building the addon failed (${cc} ${args.join(' ')}).`);
  console.error('arkffi: it needs a C11 compiler and libffi (Debian: apt-get install gcc libffi-dev).');
  process.exit(1);
}
renameSync(tmp, join(outDir, 'arkffi.node'));
console.log(`arkffi: built ${join(outDir, 'arkffi.node')}`);
