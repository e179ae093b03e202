// Type tests: the type-level name table matches the addon's; tsc compiles test/types (pass.ts;
// fail.ts, whose every @ts-expect-error line must fail; dispose.ts); each failure in fail.ts is
// the error it names; the examples of docs/typescript.md type-check; `using` closes a library;
// ErrorCode covers every code thrown.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { root, toolNode } from './helpers.mjs';

const run = promisify(execFile);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const types = join(root, 'test', 'types');

/** Runs tsc; resolves with its exit code and its diagnostics as [file, line, code] triples. */
async function compile(args) {
  let code = 0;
  let out;
  try {
    ({ stdout: out } = await run(toolNode, [tsc, '--pretty', 'false', ...args], { cwd: root }));
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    ({ code, stdout: out } = err);
  }
  const diagnostics = [...out.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
  return { code, out, diagnostics };
}

// fail.ts without its directives (each replaced by a comment, so lines keep their numbers), and
// what each of them promised: line -> error code.
const failSource = readFileSync(join(types, 'fail.ts'), 'utf8').split('\n');
const promised = new Map();
const bare = failSource.map((line, i) => {
  const m = /^(\s*)\/\/ @ts-expect-error (TS\d+)/.exec(line);
  if (m === null) return line;
  promised.set(i + 2, m[2]);
  return `${m[1]}// expects ${m[2]}`;
});
// The `ts` blocks of docs/typescript.md, compiled along with it (as docs-1.ts, ...).
const guide = readFileSync(join(root, 'docs', 'typescript.md'), 'utf8');
const examples = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

const bareDir = join(root, 'build', 'typing-bare');
mkdirSync(bareDir, { recursive: true });
writeFileSync(join(bareDir, 'fail.ts'), bare.join('\n'));
examples.forEach((code, i) => writeFileSync(join(bareDir, `docs-${i + 1}.ts`), code));
writeFileSync(
  join(bareDir, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../test/types/tsconfig.json',
    compilerOptions: { rootDir: '.', noEmit: true },
    files: ['fail.ts', ...examples.map((_, i) => `docs-${i + 1}.ts`)],
  }),
);

// Both compilations start at once; the project's also emits build/typing/dispose.js.
const project = compile(['-p', types]);
const withoutDirectives = compile(['-p', bareDir]);
const bareFail = 'build/typing-bare/fail.ts';

test('every type name the addon accepts is typed, as the kind it resolves to', () => {
  // The addon's names: its canonical kind names (src/kinds.c) and its aliases (src/types.c).
  const c = readFileSync(join(root, 'src', 'types.c'), 'utf8');
  const rows = readFileSync(join(root, 'src', 'kinds.c'), 'utf8');
  const canonical = [...rows.matchAll(/\[AK_\w+\] = \{"(\w+)"/g)].map((m) => m[1]).filter((n) => n !== 'struct');
  const aliases = [...c.matchAll(/\{"([\w ]+)", (?:AK_\w+|sizeof[^}]*)\}/g)].map((m) => m[1]);
  // The type level's: the TypeNames table (name: group) in the shipped typings.
  const table = /interface TypeNames \{([\s\S]*?)\n\}/.exec(readFileSync(join(root, 'dist', 'typing.d.ts'), 'utf8'))[1];
  // Pointer spellings with a '*' are the table's too, checked below like the others.
  const groups = new Map([...table.matchAll(/^\s+'?([\w ]+?|[\w ]+\*)'?: '(\w+)';/gm)].map((m) => [m[1], m[2]]));
  assert.ok(canonical.length >= 16 && aliases.length >= 50);
  // '2' is ArkFFI's return code for two doubles, which the TypeScript layer expands itself.
  const named = [...groups.keys()].filter((n) => n !== '2' && !n.endsWith('*'));
  assert.deepEqual(named.sort(), [...canonical, ...aliases].sort());
  const { resolveType } = createRequire(import.meta.url)(join(root, 'dist', 'types.js'));
  // long and size_t are 64-bit on the platforms ArkFFI targets (x86-64 and AArch64 Linux).
  const kinds = {
    void: ['void'], bool: ['bool'], number: ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'f32', 'f64', 'i16_be', 'u16_be', 'i32_be', 'u32_be'],
    int64: ['i64', 'u64', 'i64_be', 'u64_be'],
    bigint: ['bigint64', 'biguint64'], ptr: ['ptr'], cstring: ['cstring', 'cstring16', 'cstring32'], bytes: ['struct'],
    napiEnv: ['napi_env'], napiValue: ['napi_value'],
  };
  for (const [name, group] of groups) {
    assert.ok(kinds[group].includes(resolveType(name, 'test').info.kind), `${name} is typed as ${group}`);
  }
});

test('ErrorCode lists every code the addon and the TypeScript layer throw, and the API reference documents each', () => {
  const thrown = new Set();
  for (const dir of ['src', 'lib']) {
    for (const file of readdirSync(join(root, dir)).filter((f) => /\.(c|ts)$/.test(f))) {
      for (const m of readFileSync(join(root, dir, file), 'utf8').matchAll(/ERR_ARKFFI_[A-Z][A-Z_]*/g)) thrown.add(m[0]);
    }
  }
  const union = /export type ErrorCode = ([^;]*);/.exec(readFileSync(join(root, 'dist', 'errors.d.ts'), 'utf8'))[1];
  const typed = new Set([...union.matchAll(/'(ERR_ARKFFI_\w+)'/g)].map((m) => m[1]));
  assert.ok(thrown.has('ERR_ARKFFI_TOO_MANY_ARGS') && thrown.has('ERR_ARKFFI_INVALID_HANDLE'));
  assert.deepEqual([...thrown].sort(), [...typed].sort());
  const reference = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  for (const code of typed) assert.match(reference, new RegExp(`\\| \`${code}\` \\|`), code);
});

test('test/types compiles: pass.ts checks, and every @ts-expect-error line of fail.ts fails', async () => {
  const { code, out } = await project;
  assert.equal(out, '');
  assert.equal(code, 0);
});

test('each line fail.ts expects to fail fails with the error it names, and no other line does', async () => {
  assert.ok(promised.size >= 60, `fail.ts has ${promised.size} expected failures`);
  const { code, diagnostics } = await withoutDirectives;
  assert.notEqual(code, 0);
  const found = new Map();
  for (const [file, line, error] of diagnostics) {
    if (file === bareFail) found.set(line, [...new Set([...(found.get(line) ?? []), error])]);
  }
  const wanted = new Map([...promised].map(([line, error]) => [line, [error]]));
  assert.deepEqual(new Map([...found].sort((a, b) => a[0] - b[0])), wanted);
});

test('docs/typescript.md: every example type-checks', async () => {
  assert.ok(examples.length >= 4, 'the guide has examples');
  const { diagnostics, out } = await withoutDirectives;
  assert.deepEqual(diagnostics.filter(([file]) => file !== bareFail), [], out);
});

test('`using lib = dlopen(...)` compiles, and closes the library at the end of its block', async () => {
  assert.equal((await project).code, 0);
  const { stdout } = await run(process.execPath, [join(root, 'build', 'typing', 'dispose.js')], { cwd: root });
  assert.deepEqual(JSON.parse(stdout), { length: 10, openInside: true, closedAfter: true, afterCall: 'ERR_ARKFFI_CLOSED' });
});

// A new user's project: strict, target es2022 (whose lib has no Symbol.dispose), no @types/node
// anywhere up its tree, skipLibCheck false, and arkffi installed as npm would (package.json and
// the files it lists that hold typings). The shipped typings must compile there as they are.
const consumer = `import { CString, dlopen, FFIType, JSCallback, ptr, Struct, toBuffer, type Pointer } from 'arkffi';
const libm = dlopen('libm.so.6', { cos: { args: [FFIType.double], returns: FFIType.double } }, { deep: true });
const c: number = libm.symbols.cos(0);
const bytes = toBuffer(ptr(new Uint8Array(4)), 0, 4);
const first: number | undefined = bytes[0];
const view: Uint8Array = bytes;
const Point = Struct({ x: 'f64', y: 'f64' });
const p: { x: number; y: number } = Point.fromPtr(Point.create({ x: 1, y: 2 }));
{
  using lib = dlopen(null, { getpid: { returns: 'i32' } }, { processSymbols: true });
  using cb = new JSCallback((a: number) => a + 1, { args: ['i32'], returns: 'i32' });
  void lib.symbols.getpid();
  void cb;
}
const s: Pointer = new CString(0).ptr;
export { c, first, view, p, s };
`;

for (const [label, compilerOptions, pkg] of [
  ['nodenext, CommonJS', { module: 'nodenext', moduleResolution: 'nodenext' }, {}],
  ['nodenext, ES module', { module: 'nodenext', moduleResolution: 'nodenext' }, { type: 'module' }],
  ['commonjs, node10 resolution', { module: 'commonjs', moduleResolution: 'node10' }, {}],
]) {
  test(`a strict es2022 project without @types/node compiles against the shipped typings (${label})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arkffi-consumer-'));
    try {
      assert.ok(!existsSync(join(tmpdir(), 'node_modules')), 'no node_modules above the project');
      const installed = join(dir, 'node_modules', 'arkffi');
      mkdirSync(installed, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      writeFileSync(join(installed, 'package.json'), JSON.stringify(manifest));
      assert.ok(manifest.files.includes('dist/'));
      cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ...pkg }));
      writeFileSync(join(dir, 'main.ts'), consumer);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, ...compilerOptions },
        files: ['main.ts'],
      }));
      let out = '';
      let code = 0;
      try {
        ({ stdout: out } = await run(toolNode, [tsc, '--pretty', 'false', '-p', dir], { cwd: dir }));
      } catch (err) {
        ({ code, stdout: out } = err);
      }
      assert.equal(out, '');
      assert.equal(code, 0);
      // The project really has no Node types: naming Buffer is an error there.
      writeFileSync(join(dir, 'main.ts'), `${consumer}\nconst b: Buffer | undefined = undefined;\n`);
      const again = await run(toolNode, [tsc, '--pretty', 'false', '-p', dir], { cwd: dir }).then(() => '', (err) => err.stdout);
      assert.match(again, /main\.ts\(\d+,\d+\): error TS2580: Cannot find name 'Buffer'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
