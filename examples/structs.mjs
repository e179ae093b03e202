// Structs: described once with Struct(), passed by pointer (C fills them) and by value (C returns
// them), read back as JS objects.
//
//   node examples/structs.mjs
import assert from 'node:assert/strict';
import { dlopen, releasePtr, Struct } from 'arkffi';

// struct timespec { time_t tv_sec; long tv_nsec; }
const Timespec = Struct({ tv_sec: 'i64', tv_nsec: 'long' });
// div_t div(int numerator, int denominator): a struct returned by value
const DivT = Struct({ quot: 'int', rem: 'int' });
// struct tm, to format a time with strftime
const Tm = Struct({
  tm_sec: 'int', tm_min: 'int', tm_hour: 'int', tm_mday: 'int', tm_mon: 'int', tm_year: 'int',
  tm_wday: 'int', tm_yday: 'int', tm_isdst: 'int', tm_gmtoff: 'long', tm_zone: 'cstring',
});
const CLOCK_REALTIME = 0;

const libc = dlopen(null, {
  clock_gettime: { args: ['i32', 'ptr'], returns: 'i32' },
  div: { args: ['int', 'int'], returns: DivT },
  ldiv: { args: ['long', 'long'], returns: Struct({ quot: 'long', rem: 'long' }), structReturn: 'object' },
  gmtime_r: { args: ['ptr', 'ptr'], returns: 'ptr' },
  strftime: { args: ['ptr', 'usize', 'cstring', 'ptr'], returns: 'usize' },
});
const { clock_gettime, div, ldiv, gmtime_r, strftime } = libc.symbols;

// By pointer: create() gives an ArrayBuffer laid out as C would; C fills it in place.
const ts = Timespec.create();
assert.equal(clock_gettime(CLOCK_REALTIME, ts), 0);
const now = Timespec.fromPtr(ts);
console.log(`clock_gettime: ${now.tv_sec} s + ${now.tv_nsec} ns since 1970`);
assert.ok(Math.abs(now.tv_sec - Date.now() / 1000) < 5);

// A struct C fills, then hands to another C function.
const tm = Tm.create();
gmtime_r(new BigInt64Array([BigInt(now.tv_sec)]), tm);
const text = Buffer.alloc(64);
const n = strftime(text, text.length, '%Y-%m-%d %H:%M:%S UTC', tm);
console.log(`gmtime_r + strftime: ${text.toString('utf8', 0, n)} (year field: ${Tm.get(tm, 'tm_year') + 1900})`);

// By value, ArkFFI's contract: the call returns a pointer to a result ArkFFI holds; read it with
// fromPtr(), then let it go with releasePtr().
const p = div(17, 5);
const q = DivT.fromPtr(p);
releasePtr(p);
console.log(`div(17, 5) = { quot: ${q.quot}, rem: ${q.rem} }`);
assert.deepEqual(q, { quot: 3, rem: 2 });

// Or ask for the decoded object directly.
console.log(`ldiv(-7, 2) =`, ldiv(-7, 2));
assert.deepEqual(ldiv(-7, 2), { quot: -3, rem: -1 });

libc.close();
