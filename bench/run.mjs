// `npm run bench`: times every workload of bench/workloads.json through three contenders in one
// process: a hand-written Node-API addon (the baseline), koffi, and ArkFFI.
//
// Method (see bench/README.md): check one call's result, warm up at least 300 ms, then 5 timed
// repetitions of n calls, the contenders taking turns in slices within each repetition so that machine
// drift hits them alike; report the median ns per call (per callback invocation for `callback`
// and `callback_thread`). An `async` workload's calls return Promises, each awaited in turn.
// Then the time to bind a 100-function library, and ArkFFI's memory use over 10M calls.
// BENCH_QUICK=1 divides every n by 20; BENCH_ONLY=id,id runs only those workloads and writes no
// results file; BENCH_BASELINE=dir adds the ArkFFI built in another checkout (dir/dist, dir/build)
// as a fourth contender, to compare two commits in one run. A wrong result makes the exit status 1, after printing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { build } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ark = require('../dist/index.js');
const baselineDir = process.env.BENCH_BASELINE;
const baseline = baselineDir ? require(join(baselineDir, 'dist', 'index.js')) : undefined;
const scale = process.env.BENCH_QUICK === '1' ? 20 : 1;
const WARMUP_MS = 300;
const REPETITIONS = 5;
const SLICES = 20;
const CONTENDERS = ['handwritten', 'koffi', 'arkffi', ...(baseline ? ['baseline'] : [])];
const TITLES = { handwritten: 'hand-written', koffi: 'koffi', arkffi: 'ArkFFI', baseline: 'baseline' };

// What each workload calls. All in benchlib but two; `callback` calls call_n, `callback_thread`
// call_n_thread (the same calls, made from a thread of benchlib's own); the vec3_add_* workloads
// call vec3_add and differ in the form of the result.
const LIBRARY = { atoi: 'libc.so.6', cos: 'libm.so.6' };
const SYMBOL = { callback: 'call_n', callback_thread: 'call_n_thread', vec3_add_ptr: 'vec3_add', vec3_add_buffer: 'vec3_add' };
// The hand-written addon's function for each workload, where it is not named after the workload.
// For vec3_add_ptr a hand binding has no pointer contract: it returns the {x, y, z} object, as
// for vec3_add; for vec3_add_buffer it returns a new ArrayBuffer of the result's bytes.
const HANDWRITTEN = { callback: 'call_n', callback_thread: 'call_n_thread', vec3_add_ptr: 'vec3_add' };
const bytes = Uint8Array.from({ length: 1024 }, (_, i) => i & 255);
const increment = (x) => x + 1;
const ARGS = {
  noop: [],
  add_i32: [2, 3],
  add_f64: [1.5, 2.25],
  add_i64: [2 ** 40, 3],
  mix8: [1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5],
  c_strlen: ['hello world'],
  sum_bytes: [bytes, 1024],
  vec3_add: [{ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 }],
  vec3_add_ptr: [{ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 }],
  vec3_add_buffer: [{ x: 1, y: 2, z: 3 }, { x: 4, y: 5, z: 6 }],
  hello: [],
  callback: [increment, 1000],
  callback_thread: [increment, 1000],
  atoi: ['12345'],
  cos: [0.5],
};

const KOFFI_PROTOTYPES = {
  noop: 'void noop(void)',
  add_i32: 'int32_t add_i32(int32_t a, int32_t b)',
  add_f64: 'double add_f64(double a, double b)',
  add_i64: 'int64_t add_i64(int64_t a, int64_t b)',
  mix8: 'double mix8(int32_t a, double b, int64_t c, float d, uint8_t e, double f, int32_t g, double h)',
  c_strlen: 'size_t c_strlen(const char *s)',
  sum_bytes: 'uint32_t sum_bytes(const uint8_t *p, size_t n)',
  vec3_add: 'Vec3 vec3_add(Vec3 a, Vec3 b)',
  vec3_add_ptr: 'Vec3 vec3_add(Vec3 a, Vec3 b)',
  hello: 'const char *hello(void)',
  callback: 'int32_t call_n(IntCallback *cb, int32_t n)',
  callback_thread: 'int32_t call_n_thread(IntCallback *cb, int32_t n)',
  atoi: 'int atoi(const char *s)',
  cos: 'double cos(double x)',
};

// Vec3 travels as the other contenders' does: {x, y, z} objects in, an {x, y, z} object out;
// vec3_add_ptr takes the default structReturn, ArkFFI's pointer contract (see `decode` below),
// and vec3_add_buffer returns the result's ArrayBuffer.
/** The definitions of the workloads for an ArkFFI module `mod` (this checkout's, or the baseline). */
function arkffiDefinitions(mod) {
  const VEC3 = mod.Struct({ x: 'f64', y: 'f64', z: 'f64' });
  return {
    VEC3,
    noop: { returns: 'void' },
    add_i32: { args: ['i32', 'i32'], returns: 'i32' },
    add_f64: { args: ['f64', 'f64'], returns: 'f64' },
    add_i64: { args: ['i64', 'i64'], returns: 'i64' },
    mix8: { args: ['i32', 'f64', 'i64', 'f32', 'u8', 'f64', 'i32', 'f64'], returns: 'f64' },
    c_strlen: { args: ['cstring'], returns: 'usize' },
    sum_bytes: { args: ['ptr', 'usize'], returns: 'u32' },
    vec3_add: { args: [VEC3, VEC3], returns: VEC3, structReturn: 'object' },
    vec3_add_ptr: { args: [VEC3, VEC3], returns: VEC3 },
    vec3_add_buffer: { args: [VEC3, VEC3], returns: VEC3, structReturn: 'buffer' },
    hello: { returns: 'cstring' },
    callback: { args: ['ptr', 'i32'], returns: 'i32' },
    callback_thread: { args: ['ptr', 'i32'], returns: 'i32' },
    atoi: { args: ['cstring'], returns: 'i32' },
    cos: { args: ['f64'], returns: 'f64' },
  };
}
const ARKFFI_DEFINITIONS = arkffiDefinitions(ark);

/**
 * The contenders. Each binds a workload to { fn, args, decode? }: the timed call is
 * `decode(fn(...args))`, awaited for an async workload. Binding throws if the contender cannot
 * express the workload.
 *
 * `callback_thread` is call_n_thread, which waits for a thread of its own that calls the callback:
 * every contender makes that call on the libuv pool, so that the JS thread is free to run the
 * callbacks handed to it. hand-written: its own async work and a napi_threadsafe_function; koffi:
 * its `.async` form (which takes a Node.js-style callback; koffi queues calls of a registered
 * callback from other threads to the JS thread); ArkFFI: `.async`, with a threadsafe JSCallback.
 */
function contenders(paths) {
  const addon = require(paths.handwritten);

  // Declares the type names that the prototypes use.
  koffi.struct('Vec3', { x: 'double', y: 'double', z: 'double' });
  const IntCallback = koffi.proto('int32_t IntCallback(int32_t x)');
  const koffiIncrement = koffi.register(increment, koffi.pointer(IntCallback));
  const koffiLibs = new Map();
  function koffiLoad(path) {
    if (!koffiLibs.has(path)) koffiLibs.set(path, koffi.load(path));
    return koffiLibs.get(path);
  }

  return {
    handwritten: (id) => ({ fn: addon[HANDWRITTEN[id] ?? id], args: ARGS[id] }),
    koffi: (id) => {
      if (id === 'vec3_add_buffer') throw new Error('koffi returns a struct by value as an object only');
      const fn = koffiLoad(LIBRARY[id] ?? paths.benchlib).func(KOFFI_PROTOTYPES[id]);
      switch (id) {
        case 'callback':
          return { fn, args: [koffiIncrement, ARGS[id][1]] };
        case 'callback_thread': {
          const promised = (cb, n) =>
            new Promise((resolve, reject) => fn.async(cb, n, (err, r) => (err ? reject(err) : resolve(r))));
          return { fn: promised, args: [koffiIncrement, ARGS[id][1]] };
        }
        default:
          return { fn, args: ARGS[id] };
      }
    },
    arkffi: arkffiContender(ark, paths),
    ...(baseline ? { baseline: arkffiContender(baseline, paths) } : {}),
  };
}

/** The ArkFFI contender for the module `ark` (this checkout's, or the baseline's). */
function arkffiContender(ark, paths) {
  const defs = arkffiDefinitions(ark);
  return (id) => {
    const name = SYMBOL[id] ?? id;
    const fn = ark.dlopen(LIBRARY[id] ?? paths.benchlib, { [name]: defs[id] }).symbols[name];
    switch (id) {
      case 'callback': {
        const callback = new ark.JSCallback(increment, { args: ['i32'], returns: 'i32' });
        return { fn, args: [callback.ptr, ARGS[id][1]] };
      }
      case 'callback_thread': {
        const callback = new ark.JSCallback(increment, { args: ['i32'], returns: 'i32', threadsafe: true });
        // Unreferenced, so that it does not hold the process open after the run: each pending
        // .async call keeps the event loop going while it runs.
        callback.unref();
        return { fn: fn.async, args: [callback.ptr, ARGS[id][1]] };
      }
      case 'vec3_add_ptr': {
        // The seed's path: read the result ArkFFI holds, then let it go (releasePtr as an
        // `import { releasePtr } from 'arkffi'` binds it, not a getter on the CommonJS exports).
        const { releasePtr } = ark;
        const decode = (p) => {
          const v = defs.VEC3.fromPtr(p);
          releasePtr(p);
          return v;
        };
        return { fn, args: ARGS[id], decode };
      }
      default:
        return { fn, args: ARGS[id] };
    }
  };
}

/**
 * A function running `iterations` timed calls. Each (workload, contender) pair gets its own
 * generated function, so V8's feedback at the call site stays monomorphic, as in a program that
 * calls each binding from its own place, and no contender pays for another's call shapes.
 */
function makeLoop(contender, id, { fn, args, decode }, async) {
  const params = args.map((_, i) => `a${i}`);
  const invoke = `${async ? 'await ' : ''}fn(${params.join(', ')})`;
  const call = decode ? `decode(${invoke})` : invoke;
  const source = `return ${async ? 'async ' : ''}function ${contender}_${id}(iterations) {
    let r;
    for (let i = 0; i < iterations; i++) r = ${call};
    return r;
  };`;
  return new Function('fn', 'decode', ...params, source)(fn, decode, ...args);
}

// The only array expectation is a Vec3, which every contender returns as {x, y, z}, or as an
// ArrayBuffer of its three doubles (vec3_add_buffer).
function matches(result, expect) {
  if (expect === null) return result === undefined;
  if (result instanceof ArrayBuffer) return result.byteLength === 24 && new Float64Array(result).every((v, i) => v === expect[i]);
  if (Array.isArray(expect)) return ['x', 'y', 'z'].every((key, i) => result?.[key] === expect[i]);
  return result === expect;
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

// An async loop returns a Promise, awaited here; awaiting a sync loop's result costs one tick per
// loop run, not per call.
async function warmUp(loop, iterations) {
  const chunk = Math.max(1, Math.floor(iterations / 20));
  const end = performance.now() + WARMUP_MS;
  while (performance.now() < end) await loop(chunk);
}

/** Median ns per unit of each loop, the loops taking turns (in rotating order) slice by slice. */
async function measure(loops, iterations, unitsPerIteration) {
  for (const loop of loops) await warmUp(loop, iterations);
  const samples = loops.map(() => []);
  // Each repetition's n calls run in SLICES slices, the contenders taking turns slice by slice,
  // so that a burst of machine noise (tens of milliseconds here) falls on all of them alike.
  const slices = Math.min(SLICES, iterations);
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const ns = loops.map(() => 0n);
    for (let s = 0; s < slices; s++) {
      const part = Math.floor(iterations / slices) + (s < iterations % slices ? 1 : 0);
      for (let k = 0; k < loops.length; k++) {
        const j = (k + rep + s) % loops.length;
        const start = process.hrtime.bigint();
        await loops[j](part);
        ns[j] += process.hrtime.bigint() - start;
      }
    }
    ns.forEach((t, j) => samples[j].push(Number(t) / (iterations * unitsPerIteration)));
  }
  return samples.map(median);
}

/** One row per workload: per contender ns, 'unsupported' or 'wrong'. */
async function runWorkloads(workloads, bind, notes) {
  const rows = [];
  for (const w of workloads) {
    const row = { id: w.id, label: w.label, n: Math.round(w.n / scale) };
    const ready = [];
    for (const c of CONTENDERS) {
      let loop;
      try {
        loop = makeLoop(c, w.id, bind[c](w.id), w.async === true);
      } catch (err) {
        row[c] = 'unsupported';
        notes.push(`${TITLES[c]} ${w.id}: unsupported (${err.message})`);
        continue;
      }
      const result = await loop(1);
      if (matches(result, w.expect)) {
        ready.push([c, loop]);
      } else {
        row[c] = 'wrong';
        notes.push(`${TITLES[c]} ${w.id}: returned ${String(result)}, expected ${JSON.stringify(w.expect)}`);
      }
    }
    const batch = w.batch ?? 1;
    const ns = await measure(ready.map(([, loop]) => loop), Math.max(1, Math.round(row.n / batch)), batch);
    ready.forEach(([c], i) => (row[c] = ns[i]));
    console.error(`bench: ${w.id} done`);
    rows.push(row);
  }
  return rows;
}

/** Milliseconds to open benchlib and bind f000..f099, median of 5 after one untimed run. */
function timeBind100(benchlib) {
  const names = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, '0')}`);
  const arkDefs = Object.fromEntries(names.map((name) => [name, { args: ['i32'], returns: 'i32' }]));
  const contenders = {
    koffi: () => {
      const lib = koffi.load(benchlib);
      const fns = names.map((name) => lib.func(`int32_t ${name}(int32_t x)`));
      return { check: fns[42](7), close: () => lib.unload() };
    },
    arkffi: () => {
      const lib = ark.dlopen(benchlib, arkDefs);
      return { check: lib.symbols.f042(7), close: () => lib.close() };
    },
  };
  const result = {};
  for (const [name, open] of Object.entries(contenders)) {
    const times = [];
    for (let rep = 0; rep <= REPETITIONS; rep++) {
      const start = performance.now();
      const { check, close } = open();
      const ms = performance.now() - start;
      close();
      if (check !== 7) throw new Error(`${name}: f042(7) returned ${check}`);
      if (rep > 0) times.push(ms);
    }
    result[name] = median(times);
  }
  return result;
}

/** ArkFFI's rss and heapUsed before and after 10M add_i32 and 10M c_strlen calls, each after a gc. */
function memoryCheck(benchlib) {
  const { add_i32, c_strlen } = ark.dlopen(benchlib, {
    add_i32: ARKFFI_DEFINITIONS.add_i32,
    c_strlen: ARKFFI_DEFINITIONS.c_strlen,
  }).symbols;
  const calls = Math.round(10_000_000 / scale);
  globalThis.gc();
  const before = process.memoryUsage();
  for (let i = 0; i < calls; i++) add_i32(2, 3);
  for (let i = 0; i < calls; i++) c_strlen('hello world');
  globalThis.gc();
  const after = process.memoryUsage();
  return { calls, before: { rss: before.rss, heapUsed: before.heapUsed }, after: { rss: after.rss, heapUsed: after.heapUsed } };
}

function environment() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
  return {
    cpu: cpuinfo ? cpuinfo[1] : cpus()[0].model,
    cores: cpus().length,
    node: process.version,
    koffi: koffi.version,
    date: new Date().toISOString(),
    quick: scale !== 1,
  };
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ns = (v) => (typeof v === 'number' ? v.toFixed(1) : v);
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' ? `${(a / b).toFixed(2)}x` : '-');
const mb = (n) => (n / 2 ** 20).toFixed(1).replace(/^-0\.0$/, '0.0');

function report(env, rows, bind100, memory, notes) {
  const results = table(
    ['workload', 'hand-written', 'koffi', 'ArkFFI', 'ArkFFI/hand-written', 'ArkFFI/koffi', ...(baseline ? ['baseline', 'ArkFFI/baseline'] : [])],
    rows.map((r) => [
      r.id,
      ns(r.handwritten),
      ns(r.koffi),
      ns(r.arkffi),
      ratio(r.arkffi, r.handwritten),
      ratio(r.arkffi, r.koffi),
      ...(baseline ? [ns(r.baseline), ratio(r.arkffi, r.baseline)] : []),
    ]),
  );
  const bind = table(['contender', 'ms'], Object.entries(bind100).map(([c, ms]) => [TITLES[c], ms.toFixed(2)]));
  const mem = table(
    ['', 'before (MiB)', 'after (MiB)', 'change (MiB)'],
    ['rss', 'heapUsed'].map((k) => [k, mb(memory.before[k]), mb(memory.after[k]), mb(memory.after[k] - memory.before[k])]),
  );
  return `# ArkFFI benchmark

- CPU: ${env.cpu} (${env.cores} cores)
- Node.js: ${env.node}, koffi: ${env.koffi}
- Date: ${env.date}${env.quick ? '\n- BENCH_QUICK=1: n divided by 20' : ''}

## Calls: median ns per call (per callback invocation for \`callback\` and \`callback_thread\`)

Workloads: bench/workloads.json. Lower is better; a ratio below 1 means ArkFFI is faster.

${results}
${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
## Binding a 100-function library (open benchlib, bind f000..f099), median

${bind}

## ArkFFI memory over ${memory.calls.toLocaleString('en-US')} add_i32 and as many c_strlen calls (after gc)

${mem}
`;
}

function writeAtomically(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main() {
  const paths = build();
  const only = process.env.BENCH_ONLY?.split(',');
  const { workloads } = JSON.parse(readFileSync(join(here, 'workloads.json'), 'utf8'));
  const env = environment();
  const notes = [];
  const rows = await runWorkloads(workloads.filter((w) => only === undefined || only.includes(w.id)), contenders(paths), notes);
  const bind100 = timeBind100(paths.benchlib);
  const memory = memoryCheck(paths.benchlib);

  const markdown = report(env, rows, bind100, memory, notes);
  console.log(markdown);
  if (only !== undefined) return;
  writeAtomically(join(here, 'results', 'latest.md'), markdown);
  writeAtomically(join(here, 'results', 'latest.json'), `${JSON.stringify({ ...env, workloads: rows, bind100ms: bind100, memory, notes }, null, 2)}\n`);
  if (rows.some((r) => CONTENDERS.some((c) => r[c] === 'wrong'))) process.exitCode = 1;
}

// The memory check needs gc(): rerun this script under --expose-gc when it is missing.
if (typeof globalThis.gc === 'function') {
  await main();
} else {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
