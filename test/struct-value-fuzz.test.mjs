// By-value fuzz: 520 random struct types (floats only, small integers, mixed, nested, arrays,
// unions and packed structs on x86-64; 1 to 256 bytes), each with a generated C function that
// takes it by value among random scalars and other structs and returns it changed field by
// field, and one that hands the same arguments to a callback and returns what it returns.
// Each runs four ways: a call, an .async call, a JSCallback called during a call, and a
// threadsafe JSCallback called from an .async call's thread; every field is compared exactly.
// ARKFFI_FUZZ_SEED=<n> draws another set; a failure names its seed, the C types and the call.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dlopen, JSCallback, releasePtr } from 'arkffi';
import {
  C_PRELUDE, cDefinition, cDefinitionTree, cLayoutEntries, compareValue, cValueFunctions, digestValue, fuzzSeed, genRecord, genValue,
  makeRng, PROFILES, scalarBits, SCALARS, scalarValue, schemaLayout, schemaOf, xformValue,
} from './fuzz/gen.mjs';

// [profile, count, smallest size, largest size]. ArkFFI passes unions and packed structs by value
// where an ABI file classifies them (x86-64, AArch64, RISC-V 64; the portable one refuses them),
// and other platforms draw naturally aligned structs.
const POOL = [['floats', 100, 1, 32], ['ints', 100, 1, 16], ['mixed', 120, 1, 32], ['general', 160, 1, 64], ['general', 40, 65, 256]];
const EXTRA_SCALARS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'bool', 'ptr'];
const MODES = ['object', 'pointer', 'buffer'];
const abiShapes = ['x64', 'arm64', 'riscv64'].includes(process.arch);

const seed = fuzzSeed();
const rng = makeRng(seed);
const cache = new Map();
const records = []; // every record, nested ones first
const types = []; // the pool: the records passed by value
for (const [name, count, min, max] of POOL) {
  for (let made = 0; made < count;) {
    const start = records.length;
    const node = genRecord(rng, PROFILES[name], records, 'V', 0, abiShapes);
    const size = schemaOf(node, cache).size;
    if (size >= min && size <= max) {
      types.push(node);
      made++;
    } else {
      records.length = start; // not used: drop it and its nested records
    }
  }
}

// One function pair per type: its parameters, in a random order, are the struct `a`, 1 to 6
// scalars and 0 to 2 more structs of the pool. fz_call_<i> folds everything but `a` into a
// digest k in [0, 127] and returns xf(a, k); fz_back_<i> returns cb(its parameters).
const fns = types.map((node, i) => {
  const params = [{ node, main: true }];
  for (let n = rng.int(1, 6); n > 0; n--) params.push({ node: { t: 'scalar', name: rng.pick(EXTRA_SCALARS) } });
  for (let n = rng.int(0, 2); n > 0; n--) params.push({ node: rng.pick(types) });
  for (let j = params.length - 1; j > 0; j--) {
    const o = rng.int(0, j);
    [params[j], params[o]] = [params[o], params[j]];
  }
  return { i, node, params, mode: MODES[i % MODES.length] };
});

const cType = (p) => (p.node.t === 'scalar' ? SCALARS[p.node.name].c : p.node.cname);
const ffiType = (p) => schemaOf(p.node, cache);

function cSource() {
  const lines = [C_PRELUDE];
  for (const r of records) lines.push(cDefinition(r), cValueFunctions(r));
  const entries = records.flatMap(cLayoutEntries);
  lines.push(`static const uint32_t layout[] = {\n${entries.join(',\n')}\n};`,
    'uint32_t fz_layout(uint32_t i) { return i < sizeof layout / sizeof layout[0] ? layout[i] : UINT32_MAX; }');
  for (const { i, node, params } of fns) {
    const decl = params.map((p, j) => `${cType(p)} p${j}`).join(', ');
    const fold = params.map((p, j) => {
      if (p.main) return '';
      const bits = p.node.t === 'scalar'
        ? (SCALARS[p.node.name].float ? `(uint64_t)(int64_t)(p${j} * 4.0)` : SCALARS[p.node.name].ptr ? `(uint64_t)(uintptr_t)p${j}`
          : SCALARS[p.node.name].int?.[1] ? `(uint64_t)(int64_t)p${j}` : `(uint64_t)p${j}`)
        : `dg_${p.node.cname}(p${j})`;
      return `h = h * 31u + ${bits}; `;
    }).join('');
    const main = params.findIndex((p) => p.main);
    lines.push(`${node.cname} fz_call_${i}(${decl}) { uint64_t h = 0; ${fold}return xf_${node.cname}(p${main}, (int32_t)(h & 127u)); }`,
      `typedef ${node.cname} (*fz_fn_${i})(${params.map(cType).join(', ')});`,
      `${node.cname} fz_back_${i}(fz_fn_${i} cb, ${decl}) { return cb(${params.map((_, j) => `p${j}`).join(', ')}); }`);
  }
  return lines.join('\n') + '\n';
}

const dir = mkdtempSync(join(tmpdir(), 'arkffi-value-fuzz-'));
const libPath = join(dir, 'libfuzz.so');
writeFileSync(join(dir, 'fuzz.c'), cSource());
execFileSync(process.env.CC || 'cc', ['-std=c11', '-O1', '-w', '-fPIC', '-shared', '-o', libPath, join(dir, 'fuzz.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
const defs = { fz_layout: { args: ['u32'], returns: 'u32' } };
for (const f of fns) {
  const args = f.params.map(ffiType);
  defs[`fz_call_${f.i}`] = { args, returns: ffiType({ node: f.node }), structReturn: f.mode };
  defs[`fz_back_${f.i}`] = { args: ['function', ...args], returns: ffiType({ node: f.node }), structReturn: f.mode };
}
const lib = dlopen(libPath, defs);
after(() => {
  lib.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A call's arguments: each struct as an object or as a buffer of its bytes, by turns. */
function drawCall(f) {
  const values = f.params.map((p) => (p.node.t === 'scalar' ? scalarValue(rng, p.node.name) : genValue(rng, p.node)));
  const args = values.map((v, j) => (f.params[j].node.t === 'record' && rng.chance(0.4) ? ffiType(f.params[j]).create(v) : v));
  let h = 0n;
  f.params.forEach((p, j) => {
    if (!p.main) h = BigInt.asUintN(64, h * 31n + (p.node.t === 'scalar' ? scalarBits(p.node.name, values[j]) : digestValue(p.node, values[j])));
  });
  const main = f.params.findIndex((p) => p.main);
  return { values, args, k: Number(h & 127n), expected: xformValue(f.node, values[main], Number(h & 127n)) };
}

/** An .async call copies its struct arguments when it is made: overwrite the buffers passed. */
function scribble(call) {
  for (const arg of call.args) if (arg instanceof ArrayBuffer) new Uint8Array(arg).fill(0xa5);
}

/** The struct a call returned in the definition's structReturn mode, as an object. */
function decode(f, result) {
  const schema = ffiType({ node: f.node });
  if (f.mode === 'object') return result;
  const value = schema.fromPtr(result);
  if (f.mode === 'pointer') assert.equal(releasePtr(result), true);
  return value;
}

function context(f, how, call) {
  const sig = `${f.node.cname} fz_call_${f.i}(${f.params.map(cType).join(', ')}), structReturn '${f.mode}'`;
  const types = [...new Set(f.params.filter((p) => p.node.t === 'record').map((p) => cDefinitionTree(p.node)))].join('\n');
  return `seed ${seed} (ARKFFI_FUZZ_SEED=${seed}), ${how}: ${sig}\n${types}\nk = ${call.k}`;
}

function check(f, how, call, got, failures, runs) {
  const errors = [];
  if (runs !== undefined && call.runs !== runs) errors.push(`the callback ran ${call.runs ?? 0} times, expected ${runs}`);
  compareValue(f.node, got, call.expected, 'result', errors);
  if (errors.length > 0) failures.push(`${context(f, how, call)}\n  ${errors.slice(0, 8).join('\n  ')}`);
}

/** A JSCallback with fz_call's signature that checks what C passed it and returns xf(a, k). */
function callbackFor(f, call, how, failures, threadsafe) {
  const schema = ffiType({ node: f.node });
  return new JSCallback((...got) => {
    call.runs = (call.runs ?? 0) + 1;
    const errors = [];
    f.params.forEach((p, j) => {
      const received = p.node.t === 'record' ? ffiType(p).fromPtr(got[j]) : got[j];
      compareValue(p.node, received, call.values[j], `argument ${j}`, errors);
    });
    if (errors.length > 0) failures.push(`${context(f, `${how}, in the callback`, call)}\n  ${errors.slice(0, 8).join('\n  ')}`);
    return schema.create(call.expected);
  }, { args: f.params.map(ffiType), returns: schema, threadsafe });
}

test('the by-value types have the C compiler\'s layout', () => {
  const entries = records.flatMap((r) => schemaLayout(schemaOf(r, cache)));
  const failures = [];
  let at = 0;
  for (const r of records) {
    const ours = schemaLayout(schemaOf(r, cache));
    const gcc = ours.map((_, j) => lib.symbols.fz_layout(at + j));
    at += ours.length;
    if (ours.some((v, j) => v !== gcc[j])) failures.push(`${cDefinitionTree(r)}\n  C: ${gcc.join(' ')}\n  ArkFFI: ${ours.join(' ')}`);
  }
  assert.equal(at, entries.length);
  assert.equal(lib.symbols.fz_layout(at), 0xffffffff);
  assert.deepEqual(failures.slice(0, 5), [], `seed ${seed}: ${failures.length} by-value layouts differ from the C compiler`);
});

test(`${types.length} struct types by value: a call and an .async call each, every field exact`, async (t) => {
  const count = (pred) => types.filter(pred).length;
  t.diagnostic(`seed ${seed}: ${types.length} types (${count((n) => schemaOf(n, cache).size <= 16)} of at most 16 bytes, ` +
    `${count((n) => n.union)} unions, ${count((n) => n.packed || n.pack !== undefined)} packed), ${records.length} records in all`);
  if (abiShapes) assert.ok(count((t) => t.union) >= 30 && count((t) => t.packed || t.pack !== undefined) >= 30, `seed ${seed}: too few unions or packed structs`);
  assert.ok(count((t) => schemaOf(t, cache).size <= 16) >= 250 && count((t) => schemaOf(t, cache).size > 64) >= 40);
  const failures = [];
  const pending = [];
  for (const f of fns) {
    const call = drawCall(f);
    check(f, 'call', call, decode(f, lib.symbols[`fz_call_${f.i}`](...call.args)), failures);
    const later = drawCall(f);
    pending.push(lib.symbols[`fz_call_${f.i}`].async(...later.args).then((r) => check(f, '.async call', later, decode(f, r), failures)));
    scribble(later);
  }
  await Promise.all(pending);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${2 * fns.length} round trips failed`);
});

test(`${types.length} struct types by value through a JSCallback, during a call and from an .async call's thread`, async () => {
  const failures = [];
  for (const f of fns) {
    const call = drawCall(f);
    const cb = callbackFor(f, call, 'callback', failures, false);
    check(f, 'callback', call, decode(f, lib.symbols[`fz_back_${f.i}`](cb, ...call.args)), failures, 1);
    cb.close();
  }
  const pending = fns.map((f) => {
    const call = drawCall(f);
    const cb = callbackFor(f, call, 'threadsafe callback', failures, true);
    const done = lib.symbols[`fz_back_${f.i}`].async(cb, ...call.args).then((r) => {
      check(f, 'threadsafe callback', call, decode(f, r), failures, 1);
      cb.close();
    });
    scribble(call);
    return done;
  });
  await Promise.all(pending);
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${2 * fns.length} round trips failed`);
});
