import { dlopen } from 'arkffi';
import { testlib } from './helpers.mjs';
const s = dlopen(testlib, { sum_bytes: { args: ['ptr', 'usize'], returns: 'u32' }, slow_fill: { args: ['ptr', 'usize', 'u8', 'i32'], returns: 'ptr' } }).symbols;
const out = [];
for (const size of [16, 4096, 65536, 1 << 20, 16 << 20]) {
  const buf = new Uint8Array(size).fill(1);
  for (const [name, call] of [['read', () => s.sum_bytes.async(buf, size)], ['write', () => s.slow_fill.async(buf, size, 2, 0)]]) {
    const n = size >= 16 << 20 ? 10 : size >= 1 << 20 ? 50 : 3000;
    for (let w = 0; w < Math.min(n, 200); w++) await call();
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < n; r++) await call();
    out.push(`${name} ${size}: ${(Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(1)} us`);
  }
}
console.log(out.join('\n'));
