// Builds the benchmark's native parts into bench/build/ (ignored by git through the root
// .gitignore's `build/`):
//
//   benchlib.so       the C library every contender calls (bench/benchlib.c)
//   handwritten.node  the hand-written Node-API baseline (bench/handwritten.c), linked against
//                     benchlib.so and finding it beside itself through an $ORIGIN rpath
//
// The Node-API headers come from the `node-api-headers` npm package, so nothing is downloaded.
// Run directly (`node bench/build.mjs`) or through build() from bench/run.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const outDir = join(here, 'build');
const cc = process.env.CC || 'cc';
const flags = ['-O3', '-std=c11', '-fPIC', '-shared', '-Wall', '-Wextra', '-Wno-unused-parameter'];

function compile(args) {
  execFileSync(cc, [...flags, ...args], { stdio: 'inherit' });
}

/** Compiles both artifacts and returns their paths. */
export function build() {
  mkdirSync(outDir, { recursive: true });
  const benchlib = join(outDir, 'benchlib.so');
  const handwritten = join(outDir, 'handwritten.node');
  // The soname makes the addon record a bare `benchlib.so` dependency, which its rpath resolves.
  compile(['-Wl,-soname,benchlib.so', join(here, 'benchlib.c'), '-o', benchlib]);
  compile([
    `-I${require('node-api-headers').include_dir}`,
    join(here, 'handwritten.c'), '-o', handwritten,
    benchlib, '-Wl,-rpath,$ORIGIN', '-lm',
  ]);
  return { benchlib, handwritten };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { benchlib, handwritten } = build();
  console.log(`bench: built ${benchlib} and ${handwritten}`);
}
