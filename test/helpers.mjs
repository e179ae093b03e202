// Shared test set-up: builds the C test library from test/native/*.c (once; concurrent test
// processes race harmlessly through an atomic rename) and exposes paths.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'test', 'native');
const sources = readdirSync(nativeDir).filter((f) => f.endsWith('.c')).map((f) => join(nativeDir, f));
// Per architecture: a suite run under emulation (scripts/emulate.sh) shares the checkout.
export const testBuildDir = join(root, 'build', 'test', process.arch);
/** How many times slower than native this runs: scripts/emulate.sh sets it under qemu-user. */
export const slowdown = Number(process.env.ARKFFI_TEST_SLOWDOWN) || 1;
/** Whether C's plain char is signed here, as the platform's ABI says (unsigned on Arm and RISC-V). */
export const charIsSigned = !['arm', 'arm64', 'riscv64', 'ppc64', 's390x'].includes(process.arch);
export const testlib = join(testBuildDir, 'libarkffi_test.so');
/**
 * The Node.js that runs tools whose output does not depend on the architecture (tsc): the host's
 * under emulation (scripts/emulate.sh), where tsc on an emulated Node.js takes minutes per run.
 */
export const toolNode = process.env.ARKFFI_TEST_TOOL_NODE || process.execPath;

function stale() {
  if (!existsSync(testlib)) return true;
  const built = statSync(testlib).mtimeMs;
  // The sources and the headers they share (layout.h).
  const headers = readdirSync(nativeDir).filter((f) => f.endsWith('.h')).map((f) => join(nativeDir, f));
  return [...sources, ...headers].some((f) => statSync(f).mtimeMs > built);
}

if (stale()) {
  mkdirSync(dirname(testlib), { recursive: true });
  const tmp = `${testlib}.${process.pid}.tmp`;
  // napi_calls.c includes node_api.h; Node-API's symbols resolve in the process that loads it.
  const napiHeaders = createRequire(import.meta.url)('node-api-headers').include_dir;
  execFileSync(
    process.env.CC || 'cc',
    ['-std=c11', '-O1', '-g', '-fPIC', '-shared', '-pthread', '-I', napiHeaders, '-o', tmp, ...sources],
    { stdio: 'inherit' },
  );
  renameSync(tmp, testlib);
}

/** Asserts that fn throws an error of class `Class` with `code`, and returns it. */
export function throwsCode(assert, fn, Class, code) {
  let caught;
  assert.throws(fn, (err) => {
    caught = err;
    return err instanceof Class && err.code === code;
  });
  return caught;
}
