// Runs the whole test suite against the addon built with AddressSanitizer and
// UndefinedBehaviorSanitizer (build/sanitize/arkffi.node). Any report fails the run.
//
// Node itself is not instrumented, so the ASan runtime is preloaded; leak detection is off
// because the Node.js process keeps memory alive at exit by design.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.CC || 'cc';

execFileSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs')], {
  stdio: 'inherit',
  env: { ...process.env, ARKFFI_SANITIZE: '1' },
});
const runtime = execFileSync(cc, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', join(root, 'test')], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ARKFFI_ADDON: join(root, 'build', 'sanitize', 'arkffi.node'),
    LD_PRELOAD: runtime,
    // A small quarantine keeps RSS meaningful for the tests that measure memory growth; an
    // allocation too large fails as libc's does (NULL), which alloc() turns into its error.
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1:quarantine_size_mb=8:allocator_may_return_null=1',
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  },
});
process.exit(result.status ?? 1);
