// Builds the native addon from src/*.c with the system C compiler.
//
// No node-gyp: the Node-API headers come from the `node-api-headers` npm package and libffi from
// the system (Debian: libffi-dev), so a build never downloads anything.
//
//   node scripts/build-addon.mjs              -> build/Release/arkffi.node
//   ARKFFI_SANITIZE=1 node scripts/...        -> build/sanitize/arkffi.node (ASan + UBSan)
//   ARKFFI_BUILD_DIR=dir node scripts/...     -> dir/arkffi.node
// CC picks the compiler (a cross compiler builds for its target) and CFLAGS adds flags.
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

const outDir = process.env.ARKFFI_BUILD_DIR || join(root, 'build', sanitize ? 'sanitize' : 'Release');
mkdirSync(outDir, { recursive: true });

// The calling convention's file (src/abi.h): x86-64 System V, little-endian AArch64 and RISC-V
// 64 have their own, every other target the portable one, where libffi decides. Chosen by the
// compiler's target, so that a cross-compiling CC gets the file of the machine it builds for;
// ARKFFI_ABI=portable forces the portable one (to test it on any machine).
function targetAbi() {
  if (process.env.ARKFFI_ABI) return process.env.ARKFFI_ABI;
  const target = execFileSync(cc, ['-dumpmachine'], { encoding: 'utf8' }).trim();
  if (/mingw|windows|cygwin|msys/.test(target)) return 'portable';
  if (/^(x86_64|amd64)-/.test(target)) return 'x64_sysv';
  if (/^(aarch64|arm64)-/.test(target)) return 'aarch64';
  if (/^riscv64/.test(target)) return 'riscv64';
  return 'portable';
}
const abi = targetAbi();
const abiFiles = readdirSync(join(root, 'src')).filter((f) => f.startsWith('abi_') && f.endsWith('.c'));
if (!abiFiles.includes(`abi_${abi}.c`)) {
  console.error(`arkffi: no ABI file src/abi_${abi}.c (there are ${abiFiles.join(', ')})`);
  process.exit(1);
}
const sources = readdirSync(join(root, 'src'))
  .filter((f) => f.endsWith('.c') && (!f.startsWith('abi_') || f === `abi_${abi}.c`))
  .sort()
  .map((f) => join(root, 'src', f));

const flags = [
  '-std=c11', '-D_GNU_SOURCE', '-DNAPI_VERSION=8', '-fPIC', '-shared', '-fvisibility=hidden',
  '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror=implicit-function-declaration',
  `-I${napiInclude}`, ...ffiCflags, `-DAK_ABI_HEADER="abi_${abi}.h"`,
  ...(sanitize ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'] : ['-O2', '-DNDEBUG']),
  ...(process.env.CFLAGS ?? '').split(/\s+/).filter(Boolean),
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
console.log(`arkffi: built ${join(outDir, 'arkffi.node')} (ABI: ${abi})`);
