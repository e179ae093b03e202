// One child process of the misuse catalogue: runs the cases named on its command line, in order,
// and reports each outcome as one line `MISUSE <json>` on stdout. After every case it makes sanity
// calls (scalars, a buffer, a string, a struct, a callback) that prove the process still works
// and the shared argument slots hold what the next call writes. The parent (runner.mjs) detects a
// crash or a hang from the exit status and a timeout.
//
// Run without case names (as `node --test test/` does with every file under test/), it does nothing.
import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

async function main(names) {
  const arkffi = await import('arkffi');
  const { testlib } = await import('../helpers.mjs');
  const { cases } = await import(process.env.ARKFFI_MISUSE_CASES ?? './cases.mjs');
  const byName = new Map(cases.map((c) => [c.name, c]));
  const ctx = makeContext(arkffi, testlib);
  const { s } = ctx;
  const doubler = new arkffi.JSCallback((x) => x * 2, { args: ['i32'], returns: 'i32' });

  /** Throws unless the library still answers as it should; names the first call that did not. */
  function sanity() {
    const checks = [
      ['mis_add3(1, 2n, 3.5)', () => s.mis_add3(1, 2n, 3.5), 6],
      ['mis_sum_u8([1, 2, 3])', () => s.mis_sum_u8(new Uint8Array([1, 2, 3]), 3), 6],
      ["mis_strlen('hello')", () => s.mis_strlen('hello'), 5],
      ['mis_pair_sum({ a: 1, b: 2.5 })', () => s.mis_pair_sum({ a: 1, b: 2.5 }), 3.5],
      ['mis_apply(doubler, 20)', () => s.mis_apply(doubler, 20), 41],
    ];
    for (const [what, call, want] of checks) {
      const got = call();
      if (got !== want) throw new Error(`sanity call ${what} returned ${String(got)}, not ${want}`);
    }
  }

  // An exception that escapes a case (a callback's error rethrown on a later tick) belongs to the
  // case that was running: it is recorded there, not allowed to end the process.
  let stray = [];
  process.on('uncaughtException', (err) => stray.push(err));
  process.on('unhandledRejection', (err) => stray.push(err));

  for (const name of names) {
    const c = byName.get(name);
    ctx.hits.length = 0;
    stray = [];
    let outcome;
    try {
      if (c === undefined) throw new Error(`no case named ${name}`);
      outcome = await settle(c, ctx);
    } catch (err) {
      outcome = { thrown: err };
    }
    // Let errors deferred to the next ticks surface while this case is still the current one.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
    let problem = c === undefined ? `no case named ${name}` : judge(c.expect, outcome);
    if (problem === null && ctx.hits.length > 0) problem = `user code ran inside ArkFFI: ${ctx.hits.join(', ')}`;
    if (problem === null && stray.length > 0) problem = `an error escaped the case: ${describeError(stray[0])}`;
    if (problem === null) {
      try {
        sanity();
      } catch (err) {
        problem = `the process does not work afterwards: ${describeError(err)}`;
      }
    }
    process.stdout.write(`MISUSE ${JSON.stringify({ name, ok: problem === null, problem })}\n`);
  }
  process.stdout.write('MISUSE {"done":true}\n');
}

/** Runs one case: { value } if it returned (or its Promise resolved), { thrown } otherwise. */
async function settle(c, ctx) {
  try {
    const result = c.code(ctx);
    return { value: c.async ? await result : result };
  } catch (err) {
    return { thrown: err };
  }
}

/** Why `outcome` does not meet `expect`, or null if it does. */
function judge(expect, outcome) {
  if (expect.any !== undefined) {
    const problems = expect.any.map((e) => judge(e, outcome));
    return problems.includes(null) ? null : problems.join('; or ');
  }
  if ('value' in expect) {
    if ('thrown' in outcome) return `expected the value ${show(expect.value)}, but it threw ${describeError(outcome.thrown)}`;
    if (!isDeepStrictEqual(outcome.value, expect.value)) return `expected ${show(expect.value)}, got ${show(outcome.value)}`;
    return null;
  }
  if (!('thrown' in outcome)) return `expected an error ${expect.code ?? expect.message}, but it returned ${show(outcome.value)}`;
  const err = outcome.thrown;
  if (expect.message instanceof RegExp && !(err instanceof Error && expect.message.test(err.message))) {
    return `expected an error matching ${expect.message}, got ${describeError(err)}`;
  }
  if (expect.code !== undefined) {
    const codes = [expect.code].flat();
    const classes = [expect.name].flat();
    if (!(err instanceof Error) || !codes.includes(err.code) || (expect.name !== undefined && !classes.includes(err.name))) {
      return `expected ${classes.join('|')} ${codes.join('|')}, got ${describeError(err)}`;
    }
    // An error about a call names the function it was about (issue section 8).
    if (expect.names !== undefined && !err.message.includes(expect.names)) {
      return `the message does not name ${expect.names}: ${describeError(err)}`;
    }
  }
  return null;
}

function describeError(err) {
  if (err instanceof Error) return `${err.name}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
  return `the non-Error ${show(err)}`;
}

function show(value) {
  if (typeof value === 'bigint') return `${value}n`;
  if (Object.is(value, -0)) return '-0';
  try {
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** What every case receives. */
function makeContext(arkffi, testlib) {
  const hits = [];
  const copies = [];
  const hit = (what) => hits.push(what);
  const lib = arkffi.dlopen(testlib, definitions);
  const Pair = arkffi.Struct({ a: 'i32', b: 'f64' });
  const withPair = arkffi.dlopen(testlib, {
    mis_pair_sum: { args: [Pair], returns: 'f64' },
    mis_pair_sum_p: { args: ['ptr'], returns: 'f64' },
    mis_pair_make: { args: ['i32', 'f64'], returns: Pair, structReturn: 'object' },
  });
  return {
    A: arkffi,
    testlib,
    lib,
    s: { ...lib.symbols, ...withPair.symbols },
    Pair,
    hits,
    hit,
    /** A Proxy around target whose every trap records that it ran. */
    spy(target = {}, label = 'proxy') {
      const traps = {};
      for (const trap of Object.getOwnPropertyNames(Reflect)) {
        traps[trap] = (...args) => {
          hit(`${label} ${trap}`);
          return Reflect[trap](...args);
        };
      }
      return new Proxy(target, traps);
    },
    /** An object whose property `key` is a getter recording that it ran, and returns value. */
    getter(key, value, base = {}) {
      return Object.defineProperty(base, key, {
        enumerable: true,
        configurable: true,
        get() {
          hit(`getter ${key}`);
          return value;
        },
      });
    },
    /** An object every conversion hook of which records that it ran. */
    convertible(value = 1) {
      return {
        valueOf: () => (hit('valueOf'), value),
        toString: () => (hit('toString'), String(value)),
        toJSON: () => (hit('toJSON'), value),
        [Symbol.toPrimitive]: () => (hit('Symbol.toPrimitive'), value),
      };
    },
    /**
     * The test library opened from a copy of its file, which nothing else in the process has
     * open: closing it unmaps its code. The copy is deleted when the process exits.
     */
    privateLib(defs) {
      const copy = join(tmpdir(), `arkffi-misuse-${process.pid}-${copies.length}.so`);
      copyFileSync(testlib, copy);
      if (copies.push(copy) === 1) process.on('exit', () => copies.forEach((f) => rmSync(f, { force: true })));
      return arkffi.dlopen(copy, defs);
    },
    /** An ArrayBuffer (or the view `make` builds on it) whose memory was transferred away. */
    detached(make = (ab) => ab) {
      const ab = new ArrayBuffer(16);
      const view = make(ab);
      structuredClone(ab, { transfer: [ab] });
      return view;
    },
  };
}

const definitions = {
  echo_bool: { args: ['bool'], returns: 'bool' },
  echo_i8: { args: ['i8'], returns: 'i8' },
  echo_u8: { args: ['u8'], returns: 'u8' },
  echo_i16: { args: ['i16'], returns: 'i16' },
  echo_u16: { args: ['u16'], returns: 'u16' },
  echo_i32: { args: ['i32'], returns: 'i32' },
  echo_u32: { args: ['u32'], returns: 'u32' },
  echo_i64: { args: ['i64'], returns: 'i64' },
  echo_u64: { args: ['u64'], returns: 'u64' },
  echo_f32: { args: ['f32'], returns: 'f32' },
  echo_f64: { args: ['f64'], returns: 'f64' },
  echo_ptr: { args: ['ptr'], returns: 'ptr' },
  mis_add3: { args: ['i32', 'i64', 'f64'], returns: 'i32' },
  mis_strlen: { args: ['cstring'], returns: 'i64' },
  mis_sum_u8: { args: ['ptr', 'usize'], returns: 'i32' },
  mis_fill: { args: ['ptr', 'usize', 'u8'], returns: 'void' },
  mis_sleep_fill: { args: ['ptr', 'usize', 'u8', 'i32'], returns: 'void' },
  mis_vsum: { args: ['i32'], returns: 'i32', variadic: true },
  mis_apply: { args: ['callback', 'i32'], returns: 'i32' },
  mis_apply_n: { args: ['callback', 'i32'], returns: 'i32' },
  mis_apply_str: { args: ['callback', 'cstring'], returns: 'i64' },
};

const names = process.argv.slice(2);
if (names.length > 0) await main(names);
