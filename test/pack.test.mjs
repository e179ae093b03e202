// The published package: `npm pack` builds dist/ and packs what an install needs; the tarball
// installs into an empty project (its install script compiles the addon there), runs the README's
// quick start from a .mjs and a .cjs file, and type-checks .ts and .mts files that use it.
//
// The package is packed from a copy of the repository, so that rebuilding dist/ cannot disturb
// the tests running meanwhile; the copy borrows the repository's node_modules for the build.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { root, toolNode } from './helpers.mjs';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'arkffi-pack-'));
const copy = join(work, 'package');
const app = join(work, 'app');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The consumer's code loads the addon its install built, not one this run points at.
const { ARKFFI_ADDON, ...consumerEnv } = process.env;
const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];

// The README's quick start: the `js` blocks of its "Quick start" section, ESM then CommonJS.
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const [esmStart, cjsStart] = [...quickStart.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const printed = (code) => [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]);

let packed; // npm pack's report: { filename, files: [{ path }] }

before(async () => {
  cpSync(root, copy, {
    recursive: true,
    filter: (path) => !/^(\.git|node_modules|build|dist)(\/|$)|\.tgz$/.test(relative(root, path)),
  });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  // Building dist/ loads the API once (to name the ESM exports), hence an addon.
  const env = { ...process.env, ARKFFI_ADDON: ARKFFI_ADDON ?? join(root, 'build', 'Release', 'arkffi.node') };
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work, ...quiet], { cwd: copy, env });
  [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  mkdirSync(app);
  await run(npm, ['init', '-y', ...quiet], { cwd: app, env: consumerEnv });
  await run(npm, ['install', join(work, packed.filename), ...quiet], { cwd: app, env: consumerEnv });
});

after(() => rmSync(work, { recursive: true, force: true }));

test('npm pack builds dist/ and packs the typings, the C sources and the addon build script', () => {
  assert.equal(packed.filename, `arkffi-${pkg.version}.tgz`);
  const files = new Set(packed.files.map((f) => f.path));
  const needed = [
    'package.json', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/typing.d.ts',
    'scripts/build-addon.mjs', 'src/arkffi.h', 'src/types.c',
  ];
  for (const file of needed) assert.ok(files.has(file), `the package has ${file}`);
  assert.ok([...files].every((f) => !f.startsWith('test/') && !f.startsWith('lib/')), 'no tests or TypeScript sources');
});

test('the installed package runs the README quick start from .mjs and .cjs', async () => {
  assert.ok(esmStart?.includes("from 'arkffi'") && cjsStart?.includes("require('arkffi')"), 'the README has both quick starts');
  for (const [file, code] of [['quickstart.mjs', esmStart], ['quickstart.cjs', cjsStart]]) {
    writeFileSync(join(app, file), code);
    const { stdout } = await run(process.execPath, [file], { cwd: app, env: consumerEnv });
    assert.deepEqual(stdout.trim().split('\n'), printed(code), file);
  }
});

test('the installed package type-checks from .ts (CommonJS) and .mts (ESM), strict', async () => {
  const typed = `
const libm = dlopen(\`libm.\${suffix}.6\`, { cos: { args: [FFIType.double], returns: FFIType.double } });
const c: number = libm.symbols.cos(0.5);
// @ts-expect-error a string is not a double
libm.symbols.cos('0.5');
const Point = Struct({ x: 'i32', y: 'i64' });
const y: number | bigint = Point.fromPtr(Point.create({ x: 1, y: 2n })).y;
{
  using libc = dlopen(null, { strlen: { args: ['cstring'], returns: 'usize' } });
  const n: number | bigint = libc.symbols.strlen('hello');
  console.log(c, y, n);
}
`;
  writeFileSync(join(app, 'check.ts'), `import { dlopen, FFIType, Struct, suffix } from 'arkffi';\n${typed}`);
  writeFileSync(join(app, 'check.mts'), `import arkffi, { FFIType, Struct, suffix } from 'arkffi';\nconst { dlopen } = arkffi;\n${typed}`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // The project has no @types/node of its own; it borrows the repository's.
  const args = ['--strict', '--noEmit', '--module', 'nodenext', '--target', 'es2022', '--types', 'node',
    '--typeRoots', join(root, 'node_modules', '@types'), 'check.ts', 'check.mts'];
  const { stdout } = await run(toolNode, [tsc, '--pretty', 'false', ...args], { cwd: app });
  assert.equal(stdout, '');
});
