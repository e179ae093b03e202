// Asynchronous calls: every symbol has `.async(...)`, which runs the call on the libuv thread pool
// and returns a Promise; the JS thread stays free meanwhile. Errors reject the Promise.
//
//   node examples/async.mjs
import assert from 'node:assert/strict';
import { dlopen } from 'arkffi';

const libc = dlopen(null, {
  usleep: { args: ['u32'], returns: 'i32' },
  strlen: { args: ['cstring'], returns: 'usize' },
});
const { usleep, strlen } = libc.symbols;

let ticks = 0;
const timer = setInterval(() => ticks++, 5);
const started = Date.now();
await Promise.all([usleep.async(100_000), usleep.async(100_000), usleep.async(100_000)]);
clearInterval(timer);
console.log(`three 100 ms sleeps on the pool took ${Date.now() - started < 250 ? 'under 250' : 'over 250'} ms; the event loop ticked meanwhile: ${ticks > 5}`);

console.log(`strlen.async("hello") = ${await strlen.async('hello')}`);
await strlen.async(true).catch((err) => console.log(`a bad argument rejects: ${err.code}`));

libc.close();
assert.ok(ticks > 5);
