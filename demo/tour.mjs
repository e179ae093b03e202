// `npm run demo`: a tour of ArkFFI driving C libraries nobody here wrote: libc, libm, zlib and
// SQLite, and C threads calling into a worker. Each stop is one of the programs in examples/,
// which use only the public API; run any of them alone with `node examples/<name>.mjs`.
import { dlopen } from 'arkffi';

const stops = [
  ['libc: strlen, getenv, strerror, strstr (strings)', 'strings.mjs'],
  ['libc: snprintf (a variadic function)', 'variadic.mjs'],
  ['libc: qsort over JS numbers with a JS comparator (callbacks)', 'callbacks.mjs'],
  ['libc: memset, memcpy, strtol with an out-parameter (pointers and buffers)', 'pointers.mjs'],
  ['libc: clock_gettime, gmtime_r, strftime, div (structs)', 'structs.mjs'],
  ['libc: usleep and strlen on the thread pool (async calls)', 'async.mjs'],
  ['libm: cos, pow, frexp', 'libm.mjs'],
  ['zlib: crc32, compress2 / uncompress, zlibVersion', 'zlib.mjs'],
  ['SQLite: an in-memory database, prepared statements, sqlite3_exec with a JS callback', 'sqlite.mjs'],
  ['pthreads: C threads calling a JS function in a worker (threadsafe callbacks)', 'threads.mjs'],
];

const libc = dlopen(null, { getpid: { returns: 'i32' } });
console.log(`ArkFFI tour, process ${libc.symbols.getpid()} (libc's getpid; Node says ${process.pid})`);
libc.close();

for (const [title, file] of stops) {
  console.log(`\n== ${title}  [examples/${file}]`);
  await import(new URL(`../examples/${file}`, import.meta.url));
}
console.log('\nEvery call above went from JavaScript straight into the system\'s own C libraries.');
