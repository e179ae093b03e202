// Struct-layout fuzz: 10,000 random layouts (nested structs, arrays of every element type,
// unions, packed and #pragma pack structs), each compared with the C compiler's sizeof, _Alignof
// and offsetof of every field. All the layouts go into one C file, compiled and run once.
// ARKFFI_FUZZ_SEED=<n> draws another set; a failure names its seed and the C that disagrees.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { C_PRELUDE, cDefinition, cDefinitionTree, cLayoutEntries, fuzzSeed, genRecord, makeRng, PROFILES, schemaLayout, schemaOf } from './fuzz/gen.mjs';

const LAYOUTS = 10_000;

test(`${LAYOUTS} random layouts match the C compiler's sizeof, _Alignof and offsetof`, (t) => {
  const seed = fuzzSeed();
  const rng = makeRng(seed);
  const records = []; // every record, nested ones before the records that hold them
  const tops = [];
  for (let i = 0; i < LAYOUTS; i++) tops.push(genRecord(rng, PROFILES.layout, records, 'L'));

  const entries = records.flatMap(cLayoutEntries);
  const source = `${C_PRELUDE}${records.map(cDefinition).join('\n')}\n` +
    `static const uint32_t table[] = {\n${entries.join(',\n')}\n};\n` +
    'int main(void) { return fwrite(table, sizeof table, 1, stdout) == 1 ? 0 : 1; }\n';
  const dir = mkdtempSync(join(tmpdir(), 'arkffi-layout-fuzz-'));
  let table;
  try {
    writeFileSync(join(dir, 'layouts.c'), source);
    execFileSync(process.env.CC || 'cc', ['-std=c11', '-O0', '-w', '-o', join(dir, 'layouts'), join(dir, 'layouts.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const out = execFileSync(join(dir, 'layouts'), { maxBuffer: 64 * 1024 * 1024 });
    table = new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(table.length, entries.length, `seed ${seed}: the C table has ${table.length} entries, expected ${entries.length}`);

  const cache = new Map();
  const failures = [];
  let at = 0;
  for (const record of records) {
    const schema = schemaOf(record, cache);
    const ours = schemaLayout(schema);
    const gcc = Array.from(table.subarray(at, at + ours.length));
    at += ours.length;
    if (ours.some((v, i) => v !== gcc[i])) {
      failures.push(`${cDefinitionTree(record)}\n  C: size ${gcc[0]}, align ${gcc[1]}, offsets ${gcc.slice(2).join(' ')}\n` +
        `  ArkFFI: size ${ours[0]}, align ${ours[1]}, offsets ${ours.slice(2).join(' ')}`);
    }
  }
  assert.equal(at, table.length);
  assert.equal(tops.length, LAYOUTS);
  t.diagnostic(`seed ${seed}: ${LAYOUTS} layouts, ${records.length} records with the nested ones, ${entries.length} values compared`);
  // What the draw covered, so a generator change that stops covering a shape fails here.
  const count = (pred) => records.filter(pred).length;
  assert.ok(count((r) => r.union) > 1000 && count((r) => r.packed) > 1000 && count((r) => r.pack !== undefined) > 1000, `seed ${seed}: too few unions or packed structs`);
  assert.ok(count((r) => r.fields.some((f) => f.type.t === 'array' && f.type.elem.t === 'array')) > 500, `seed ${seed}: too few 2-D arrays`);
  assert.ok(count((r) => r.fields.some((f) => f.type.t === 'record')) > 1000, `seed ${seed}: too few nested records`);
  assert.deepEqual(failures.slice(0, 5), [], `seed ${seed} (ARKFFI_FUZZ_SEED=${seed}): ${failures.length} of ${records.length} layouts differ from the C compiler`);
});
