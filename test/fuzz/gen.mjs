// The struct fuzz's generator: random C layouts (nested structs, arrays, unions, packed and
// #pragma pack structs) drawn from a seeded PRNG, written out both as C source and as ArkFFI
// schemas, plus the values, transforms and digests the by-value round trips compare exactly.
//
// Everything here is a pure function of the seed, so a failure reproduces from the seed alone:
// ARKFFI_FUZZ_SEED=<seed> npm test.
import { array, Struct, Union } from 'arkffi';

/** The seed of the default run; ARKFFI_FUZZ_SEED (decimal or 0x hex) explores others. */
export const DEFAULT_SEED = 0x5eed0010;

export function fuzzSeed() {
  const text = process.env.ARKFFI_FUZZ_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`ARKFFI_FUZZ_SEED must be an integer in [0, 2^32 - 1], got ${JSON.stringify(text)}`);
  }
  return seed;
}

/** sfc32 seeded through splitmix32: small, fast, and the same sequence on every platform. */
export function makeRng(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const rng = {
    u32,
    /** An integer in [lo, hi], hi - lo < 2^32. */
    int: (lo, hi) => lo + Math.floor((u32() / 2 ** 32) * (hi - lo + 1)),
    chance: (p) => u32() < p * 2 ** 32,
    pick: (list) => list[rng.int(0, list.length - 1)],
    /** A BigInt of `bits` random bits (bits <= 64). */
    bits: (bits) => ((BigInt(u32()) << 32n) | BigInt(u32())) & ((1n << BigInt(bits)) - 1n),
  };
  return rng;
}

const charSigned = process.arch === 'x64' || process.arch === 'ia32';

// ArkFFI's scalar field types with their C spelling. `int` is [bits, signed]; `wide` marks the
// 64-bit types that read as a number while exact, `big` those that always read as a BigInt.
export const SCALARS = {
  i8: { c: 'int8_t', int: [8, true] },
  u8: { c: 'uint8_t', int: [8, false] },
  char: { c: 'char', int: [8, charSigned] },
  schar: { c: 'signed char', int: [8, true] },
  uchar: { c: 'unsigned char', int: [8, false] },
  i16: { c: 'int16_t', int: [16, true] },
  u16: { c: 'uint16_t', int: [16, false] },
  short: { c: 'short', int: [16, true] },
  ushort: { c: 'unsigned short', int: [16, false] },
  i32: { c: 'int32_t', int: [32, true] },
  u32: { c: 'uint32_t', int: [32, false] },
  int: { c: 'int', int: [32, true] },
  uint: { c: 'unsigned int', int: [32, false] },
  i64: { c: 'int64_t', int: [64, true], wide: true },
  u64: { c: 'uint64_t', int: [64, false], wide: true },
  long: { c: 'long', int: [64, true], wide: true },
  ulong: { c: 'unsigned long', int: [64, false], wide: true },
  longlong: { c: 'long long', int: [64, true], wide: true },
  size_t: { c: 'size_t', int: [64, false], wide: true },
  isize: { c: 'intptr_t', int: [64, true], wide: true },
  bigint64: { c: 'int64_t', int: [64, true], big: true },
  biguint64: { c: 'uint64_t', int: [64, false], big: true },
  f32: { c: 'float', float: 32 },
  f64: { c: 'double', float: 64 },
  bool: { c: 'bool', bool: true },
  ptr: { c: 'void *', ptr: true },
  cstring: { c: 'const char *', ptr: true },
};
const SCALAR_NAMES = Object.keys(SCALARS);
const INT_NAMES = SCALAR_NAMES.filter((n) => SCALARS[n].int);
const FLOAT_NAMES = ['f32', 'f64'];

/*
 * A type is a node:
 *   { t: 'scalar', name }                      an ArkFFI scalar type name
 *   { t: 'array', elem, len }                  elem name[len]
 *   { t: 'record', cname, union, packed, pack, fields: [{ name, type, c }], active }
 * `c` is a field's transform constant (by-value only); `active` is the union member the
 * by-value round trips write and check (the others share its bytes).
 */

/** How a generator draws: probabilities, limits and which scalars it may use. */
export const PROFILES = {
  // The layout fuzz: anything, larger and deeper.
  layout: { fields: [1, 8], depth: 3, nest: 0.14, array: 0.16, array2: 0.25, len: [1, 4], union: 0.15, packed: 0.12, pack: 0.12, scalars: SCALAR_NAMES },
  // Register-sized structs of floats only (HFAs on AArch64, SSE classes on x86-64).
  floats: { fields: [1, 4], depth: 2, nest: 0.15, array: 0.2, array2: 0.1, len: [1, 4], union: 0, packed: 0, pack: 0, scalars: FLOAT_NAMES, homogeneous: 0.7 },
  // Small integer structs (one or two general-purpose registers).
  ints: { fields: [1, 5], depth: 2, nest: 0.1, array: 0.15, array2: 0.1, len: [1, 5], union: 0.1, packed: 0.1, pack: 0.05, scalars: INT_NAMES.concat('bool') },
  // Mixed ints and floats, the classic {i32, f32} shapes.
  mixed: { fields: [2, 5], depth: 2, nest: 0.15, array: 0.15, array2: 0.1, len: [1, 3], union: 0.1, packed: 0.1, pack: 0.05, scalars: ['i8', 'u8', 'i16', 'i32', 'u32', 'i64', 'f32', 'f64', 'bool', 'ptr'] },
  // Everything, nested, within 64 bytes.
  general: { fields: [1, 7], depth: 3, nest: 0.2, array: 0.15, array2: 0.2, len: [1, 4], union: 0.15, packed: 0.12, pack: 0.1, scalars: SCALAR_NAMES },
};

/** Draws one record type (and the records it uses, appended to `out` before it). */
export function genRecord(rng, profile, out, prefix, depth = 0, allowAbi = true) {
  const count = rng.int(...profile.fields);
  const isUnion = allowAbi && rng.chance(profile.union);
  let packed = false, pack;
  if (allowAbi && rng.chance(profile.packed)) packed = true;
  else if (allowAbi && rng.chance(profile.pack)) pack = rng.pick([1, 2, 4, 8, 16]);
  const homogeneous = profile.homogeneous !== undefined && rng.chance(profile.homogeneous) ? rng.pick(profile.scalars) : undefined;
  const scalar = () => ({ t: 'scalar', name: homogeneous ?? rng.pick(profile.scalars) });
  const fields = [];
  for (let i = 0; i < count; i++) {
    let type = depth < profile.depth && rng.chance(profile.nest)
      ? genRecord(rng, profile, out, prefix, depth + 1, allowAbi)
      : scalar();
    if (rng.chance(profile.array)) {
      type = { t: 'array', elem: type, len: rng.int(...profile.len) };
      if (rng.chance(profile.array2)) type = { t: 'array', elem: type, len: rng.int(...profile.len) };
    }
    fields.push({ name: `f${i}`, type, c: 0n });
  }
  const node = { t: 'record', cname: `${prefix}${out.length}`, union: isUnion, packed, pack, fields, active: 0 };
  node.active = isUnion ? rng.int(0, count - 1) : 0;
  for (const field of fields) {
    const leaf = leafOf(field.type);
    if (leaf.t === 'scalar') field.c = constantFor(rng, leaf.name);
  }
  out.push(node);
  return node;
}

function leafOf(type) {
  while (type.t === 'array') type = type.elem;
  return type;
}

// A transform constant below the type's sign bit, so `v ^ (c ^ k)` (k < 128) stays in range.
function constantFor(rng, name) {
  const s = SCALARS[name];
  if (s.int) return rng.bits(s.int[0] - 1);
  if (s.ptr) return rng.bits(40);
  return 0n;
}

// ---------------------------------------------------------------------------------------------
// C source

function declarator(type, name) {
  const dims = [];
  while (type.t === 'array') {
    dims.push(`[${type.len}]`);
    type = type.elem;
  }
  const base = type.t === 'scalar' ? SCALARS[type.name].c : type.cname;
  return `${base} ${name}${dims.join('')}`;
}

/** The C definition of a record (its nested records must be defined before it). */
export function cDefinition(node) {
  const kw = node.union ? 'union' : 'struct';
  const attr = node.packed ? ' __attribute__((packed))' : '';
  const body = node.fields.map((f) => `${declarator(f.type, f.name)};`).join(' ');
  const def = `typedef ${kw}${attr} { ${body} } ${node.cname};`;
  return node.pack === undefined ? def : `#pragma pack(push, ${node.pack})\n${def}\n#pragma pack(pop)`;
}

/** The C definitions of `node` and every record it uses, in definition order. */
export function cDefinitionTree(node) {
  const seen = new Set();
  const lines = [];
  const visit = (n) => {
    if (n.t === 'array') return visit(n.elem);
    if (n.t !== 'record' || seen.has(n)) return;
    seen.add(n);
    for (const f of n.fields) visit(f.type);
    lines.push(cDefinition(n));
  };
  visit(node);
  return lines.join('\n');
}

export const C_PRELUDE = '#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n';

/** The table entries gcc computes for a record: sizeof, _Alignof, then each offsetof. */
export function cLayoutEntries(node) {
  return [`sizeof(${node.cname})`, `_Alignof(${node.cname})`, ...node.fields.map((f) => `offsetof(${node.cname}, ${f.name})`)];
}

// ---------------------------------------------------------------------------------------------
// ArkFFI schemas

/** The ArkFFI field type of a node; records are built once and kept in `cache`. */
export function schemaOf(node, cache) {
  if (node.t === 'scalar') return node.name;
  if (node.t === 'array') return array(schemaOf(node.elem, cache), node.len);
  let schema = cache.get(node);
  if (schema === undefined) {
    const pairs = node.fields.map((f) => [f.name, schemaOf(f.type, cache)]);
    const options = node.packed ? { packed: true } : node.pack !== undefined ? { pack: node.pack } : {};
    schema = node.union ? Union(pairs, options) : Struct(pairs, options);
    cache.set(node, schema);
  }
  return schema;
}

/** How ArkFFI laid a record out, in the order of cLayoutEntries. */
export function schemaLayout(schema) {
  return [schema.size, schema.alignment, ...schema.fieldOffsets];
}

// ---------------------------------------------------------------------------------------------
// Values, transforms and digests, computed the same way in C and in JS

const U64 = (v) => BigInt.asUintN(64, v);

/** A random value of a scalar type that survives every transform exactly. */
export function scalarValue(rng, name) {
  const s = SCALARS[name];
  if (s.bool) return rng.chance(0.5);
  if (s.ptr) return rng.chance(0.1) ? 0 : Number(rng.bits(47));
  if (s.float === 32) return rng.int(-16384, 16384) / 4; // |v| <= 2^12 in quarters: f32-exact after v * 2 + k
  if (s.float === 64) return (rng.int(-(2 ** 20), 2 ** 20) * 2 ** 20 + rng.int(0, 2 ** 20 - 1)) / 1024;
  const [bits, signed] = s.int;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const edge = rng.int(0, 9);
  let v = edge === 0 ? min : edge === 1 ? max : edge === 2 ? 0n : signed ? BigInt.asIntN(bits, rng.bits(bits)) : rng.bits(bits);
  if (edge === 3 && signed) v = -1n;
  // 64-bit integers go in as a number while exact, some as BigInt; the always-BigInt types as BigInt.
  if (s.big || (bits === 64 && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) || rng.chance(0.3)))) return v;
  return Number(v);
}

/** A random value of any node: a union writes only its active member. */
export function genValue(rng, node) {
  if (node.t === 'scalar') return scalarValue(rng, node.name);
  if (node.t === 'array') return Array.from({ length: node.len }, () => genValue(rng, node.elem));
  if (node.union) {
    const f = node.fields[node.active];
    return { [f.name]: genValue(rng, f.type) };
  }
  return Object.fromEntries(node.fields.map((f) => [f.name, genValue(rng, f.type)]));
}

function xformScalar(name, c, v, k) {
  const s = SCALARS[name];
  if (s.bool) return v !== ((k & 1) === 1);
  if (s.float) return v * 2 + k;
  if (s.ptr) return Number(BigInt(v) ^ c ^ BigInt(k));
  const r = BigInt(v) ^ c ^ BigInt(k);
  return s.big || (s.wide && !Number.isSafeInteger(Number(r))) ? r : Number(r);
}

function xformNode(type, c, v, k) {
  if (type.t === 'scalar') return xformScalar(type.name, c, v, k);
  if (type.t === 'array') return v.map((e) => xformNode(type.elem, c, e, k));
  return xformValue(type, v, k);
}

/** The record C's xf_<name>(v, k) returns: each field changed in a way of its own. */
export function xformValue(node, v, k) {
  const out = {};
  for (const f of activeFields(node)) out[f.name] = xformNode(f.type, f.c, v[f.name], k);
  return out;
}

function activeFields(node) {
  return node.union ? [node.fields[node.active]] : node.fields;
}

/** A scalar as the uint64_t that C's digests fold in. */
export function scalarBits(name, v) {
  const s = SCALARS[name];
  if (s.bool) return v ? 1n : 0n;
  if (s.float) return U64(BigInt(Math.trunc(v * 4)));
  return U64(BigInt(v));
}

function digestNode(type, v, h) {
  if (type.t === 'scalar') return U64(h * 31n + scalarBits(type.name, v));
  if (type.t === 'array') {
    for (const e of v) h = digestNode(type.elem, e, h);
    return h;
  }
  return U64(h * 31n + digestValue(type, v));
}

/** The record's digest, as C's dg_<name>(v) computes it. */
export function digestValue(node, v) {
  let h = 0n;
  for (const f of activeFields(node)) h = digestNode(f.type, v[f.name], h);
  return h;
}

// C for the same: a statement over `v.<path>` for each field, with loops for arrays.
function cLeafBits(name, expr) {
  const s = SCALARS[name];
  if (s.float) return `(uint64_t)(int64_t)(${expr} * 4.0)`;
  if (s.ptr) return `(uint64_t)(uintptr_t)${expr}`;
  if (s.int && s.int[1]) return `(uint64_t)(int64_t)${expr}`;
  return `(uint64_t)${expr}`;
}

function cLoops(type, path, body) {
  let depth = 0;
  let open = '';
  while (type.t === 'array') {
    open += `for (int i${depth} = 0; i${depth} < ${type.len}; i${depth}++) `;
    path += `[i${depth}]`;
    depth++;
    type = type.elem;
  }
  return open + body(type, path);
}

function cXformLeaf(name, c, expr) {
  const s = SCALARS[name];
  if (s.bool) return `(bool)(${expr} ^ (k & 1))`;
  if (s.float === 32) return `${expr} * 2.0f + (float)k`;
  if (s.float === 64) return `${expr} * 2.0 + (double)k`;
  if (s.ptr) return `(${s.c})((uintptr_t)${expr} ^ (uintptr_t)(UINT64_C(${c}) ^ (uint64_t)k))`;
  return `(${s.c})(${expr} ^ (${s.c})(UINT64_C(${c}) ^ (uint64_t)k))`;
}

/** C's xf_<name> and dg_<name> for a record (those of its nested records come first). */
export function cValueFunctions(node) {
  const n = node.cname;
  const xf = [], dg = [];
  for (const f of activeFields(node)) {
    xf.push(cLoops(f.type, `.${f.name}`, (leaf, path) =>
      leaf.t === 'scalar' ? `r${path} = ${cXformLeaf(leaf.name, f.c, `v${path}`)};` : `r${path} = xf_${leaf.cname}(v${path}, k);`));
    dg.push(cLoops(f.type, `.${f.name}`, (leaf, path) =>
      leaf.t === 'scalar' ? `h = h * 31u + ${cLeafBits(leaf.name, `v${path}`)};` : `h = h * 31u + dg_${leaf.cname}(v${path});`));
  }
  return `static ${n} xf_${n}(${n} v, int32_t k) { ${n} r = v; ${xf.join(' ')} return r; }\n` +
    `static uint64_t dg_${n}(${n} v) { uint64_t h = 0; ${dg.join(' ')} return h; }`;
}

// ---------------------------------------------------------------------------------------------
// Comparing a decoded value with the expected one

/** Pushes a line to `errors` for each scalar of `want` that `got` does not hold exactly. */
export function compareValue(type, got, want, path, errors) {
  if (type.t === 'scalar') {
    const s = SCALARS[type.name];
    let ok;
    if (s.bool || s.float) ok = got === want;
    else if (s.big) ok = typeof got === 'bigint' && got === BigInt(want);
    else if (s.wide) {
      // A 64-bit integer reads as a number while exact, as a BigInt beyond.
      const w = BigInt(want);
      const exact = w >= BigInt(Number.MIN_SAFE_INTEGER) && w <= BigInt(Number.MAX_SAFE_INTEGER);
      ok = exact ? got === Number(w) : got === w;
    } else ok = typeof got === 'number' && got === Number(want);
    if (!ok) errors.push(`${path}: got ${show(got)}, expected ${show(want)} (${type.name})`);
    return;
  }
  if (got === null || typeof got !== 'object') {
    errors.push(`${path}: got ${show(got)}, expected ${type.t === 'array' ? 'an array' : 'an object'}`);
    return;
  }
  if (type.t === 'array') {
    if (!Array.isArray(got) || got.length !== type.len) {
      errors.push(`${path}: got ${show(got)}, expected an array of ${type.len}`);
      return;
    }
    for (let i = 0; i < type.len; i++) compareValue(type.elem, got[i], want[i], `${path}[${i}]`, errors);
    return;
  }
  for (const f of activeFields(type)) compareValue(f.type, got[f.name], want[f.name], `${path}.${f.name}`, errors);
}

export function show(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch {
    return Object.prototype.toString.call(v);
  }
}
