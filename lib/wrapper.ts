/**
 * Generated call wrappers: the JS half of every call.
 *
 * For each definition we generate, once, a small function specialised to its signature. It
 * checks the argument count and every argument's JS type and range, writes the function's address and
 * the argument values into the shared slot buffer, passes only engine values (strings, buffers)
 * to the native entry, and reads the result back from the result slot. Nothing in it runs user
 * code (no coercions, no property reads, no `instanceof`: brand checks that neither a Proxy's
 * traps nor a getter can intercept), so no nested call can run between the writes to the shared
 * slots and the native call that reads them, and the native entry reads every slot before it
 * calls C. Only engine values reach the native side: a Proxy or any other object is refused
 * here. The calling contract is documented in src/call.c.
 *
 * Two shapes of wrapper:
 *  - general: arguments as doubles in their slots, the rest as Node-API arguments; libffi calls.
 *  - fast (signatures whose arguments all travel in registers): each argument is written as the
 *    exact 64-bit image of its register, and short ASCII strings are copied into the arena by
 *    the wrapper itself, so most calls make no per-argument Node-API call at all.
 */
import { types } from 'node:util';
import { callbackAddress } from './callback';
import { ffiError, INT_LIMITS, throwArg, throwClosed, throwCount } from './errors';
import { native, type NativeDefinition, type NativeLibrary } from './native';
import { resolveType, typeKey, type ResolvedType, type TypeSpec } from './types';

const L = native.layout;
const F = new Float64Array(native.slots);
const I32 = new Int32Array(native.slots);
const U8 = new Uint8Array(native.slots);

/** The address a StructBytesAt names, else -1. Runs no user code. */
let structBytesAddress: (x: object) => number;

/**
 * Names memory ArkFFI owns that holds a struct argument's bytes, so a call can pass its address
 * without the engine probing a buffer. Internal: user code passes buffers, never bare addresses,
 * for a struct by value.
 */
export class StructBytesAt {
  static {
    // A brand check, for the same reason as callbackAddress (lib/callback.ts).
    structBytesAddress = (x) => (#at in x ? x.#at : -1);
  }

  readonly #at: number;

  constructor(readonly address: number) {
    this.#at = address;
  }
}

const { isAnyArrayBuffer, isProxy, isStringObject } = types;
const stringValue = Function.prototype.call.bind(String.prototype.valueOf) as (s: object) => string;

/** The addresses of CFunctions, which a pointer parameter takes (see markFunction). */
const functionAddresses = new WeakMap<object, number | bigint>();

/** Makes the callable `fn` pass `address` where a pointer goes (a CFunction). Internal. */
export function markFunction(fn: object, address: number | bigint): void {
  functionAddresses.set(fn, address);
}

/** What pointerOf answers for a value that no pointer or string parameter takes. */
const BAD: object = Object.freeze({});

/**
 * What a `ptr` parameter passes for `a`, any value but a safe integer or a view (the wrappers
 * take those inline): an address as a number (for the slot), a value the native side converts
 * (a BigInt, a buffer; a CFunction's BigInt address), or BAD. Pure, and runs no user code.
 */
function pointerOf(a: unknown): unknown {
  if (a === null) return 0;
  switch (typeof a) {
    case 'object': {
      const p = callbackAddress(a);
      if (p > 0) return p;
      // A closed JSCallback (p === 0) or a Proxy of anything: refused (argError tells which).
      if (p === 0 || isProxy(a)) return BAD;
      if (ArrayBuffer.isView(a)) return a;
      return isAnyArrayBuffer(a) ? a : BAD;
    }
    case 'bigint':
      return a;
    case 'function':
      return functionAddresses.get(a) ?? BAD;
    default:
      return BAD;
  }
}

/**
 * What a `cstring` parameter passes for `a`, any value but a JS string: null (0), a CString's
 * (any String object's) text, a buffer (C reads the string in it: the native side checks for
 * its NUL), or BAD. A number is refused: an address goes to a `ptr` parameter.
 */
function stringOf(a: unknown): unknown {
  if (a === null) return 0;
  if (typeof a !== 'object' || isProxy(a)) return BAD;
  if (ArrayBuffer.isView(a)) return a;
  if (isStringObject(a)) return stringValue(a);
  return isAnyArrayBuffer(a) ? a : BAD;
}

/**
 * What a struct parameter passes for `a`: the address a StructBytesAt names (a number, for the
 * slot), a buffer holding the bytes, or BAD.
 */
function structOf(a: unknown): unknown {
  if (typeof a !== 'object' || a === null || isProxy(a)) return BAD;
  const at = structBytesAddress(a);
  if (at >= 0) return at;
  if (ArrayBuffer.isView(a)) return a;
  return isAnyArrayBuffer(a) ? a : BAD;
}

/**
 * Throws the error for argument `index` of `fnName`, refused for a parameter of `kind`: a closed
 * JSCallback is ERR_ARKFFI_CLOSED, the rest as throwArg says.
 */
function argError(fnName: string, index: number, kind: string, value: unknown): never {
  if (
    (kind === 'ptr' || kind === 'cstring') &&
    typeof value === 'object' &&
    value !== null &&
    callbackAddress(value) === 0
  ) {
    const err = ffiError(
      Error,
      'ERR_ARKFFI_CLOSED',
      `${fnName}(): argument ${index + 1} (${kind}) is a closed JSCallback: C would get a NULL function pointer`,
    );
    err.argIndex = index;
    throw err;
  }
  throwArg(fnName, index, kind, value);
}

/**
 * String.prototype.charCodeAt, uncurried. A wrapper inlined into a caller's loop follows a call
 * into native code, after which V8 no longer trusts `str.charCodeAt` to be the builtin and falls
 * back to a generic property load on every character; a direct reference avoids the lookup.
 */
const charCodeAt = Function.prototype.call.bind(String.prototype.charCodeAt) as (s: string, i: number) => number;

/** Everything generated code reaches, passed in as one frozen object. */
const env = Object.freeze({
  E: Object.freeze({ arg: argError, count: throwCount, closed: throwClosed }),
  F,
  I32,
  A: arenaString,
  B: throwBadArg,
  P: pointerOf,
  Q: stringOf,
  T: structOf,
  BAD,
  invoke: native.invoke,
  // The entry a fast wrapper calls when it passes no references: the one define() names.
  fastEntries: Object.freeze([native.invokeFast, ...native.plainEntries]),
  fastRefs: native.invokeFastRefs,
  invokeAsync: native.invokeAsync,
});

// How a fast wrapper marks each reference argument it passes (see fastArg).
const REF_STRING = 1;
const REF_OBJECT = 2;
const REF_OTHER = 3;
const ARENA_BASE = native.ptr(native.slots) + L.arenaOffset;

/*
 * The out-of-line parts of fast wrappers. V8 inlines a function into its caller only while its
 * bytecode is small (460 bytes in Node.js 20), and a wrapper that is not inlined costs a call,
 * loads of everything it closes over, and checks the caller already made. So a wrapper keeps
 * only the common case of each argument inline, and these shared helpers, small enough to be
 * inlined themselves, take the rest.
 */

// What a fast wrapper did with each string argument, 2 bits each from bit 16 of the result slot
// (src/call.c, arena_strings): copied a new string, or made room for the last one again.
const STRING_NEW = 1 << 16;
const STRING_AGAIN = 2 << 16;

/**
 * Copies the ASCII string `s` into the arena at `top`, NUL-terminated, and writes its address to
 * slot `slot`. Answers the new top, or -1 (nothing written) when the string is not ASCII or does
 * not fit: the native side then converts it.
 */
function arenaString(s: string, top: number, slot: number): number {
  const n = s.length;
  // Longer strings go to the native UTF-8 conversion, which is faster for them.
  if (n > L.arenaString || top + n >= L.arenaSize) return -1;
  const at = L.arenaOffset + top;
  for (let k = 0; k < n; k++) {
    const c = charCodeAt(s, k);
    if (c > 127) return -1;
    U8[at + k] = c;
  }
  U8[at + n] = 0;
  F[slot] = ARENA_BASE + top;
  return top + n + 1;
}

/** Whether a fast wrapper takes `v` for a parameter of kind `kind` (mirrors fastArg). */
function takes(kind: string, v: unknown): boolean {
  const safe = typeof v === 'number' && Number.isSafeInteger(v);
  switch (kind) {
    case 'f32':
    case 'f64':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean' || typeof v === 'number';
    case 'i64':
    case 'bigint64':
      return safe || typeof v === 'bigint';
    case 'u64':
    case 'biguint64':
      return (safe && (v as number) >= 0) || typeof v === 'bigint';
    case 'cstring':
      return typeof v === 'string' || stringOf(v) !== BAD;
    case 'ptr':
      return safe || pointerOf(v) !== BAD;
    default: {
      const [lo, hi] = INT_LIMITS[kind];
      return Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
    }
  }
}

/** "1 argument", "2 arguments": what a function expects, for the count error. */
function argCount(n: number): string {
  return `${n} argument${n === 1 ? '' : 's'}`;
}

/**
 * Throws the error of the first argument a fast wrapper refused (it flags any, then calls this
 * once: one call site instead of one per argument keeps the wrapper small).
 */
function throwBadArg(name: string, kinds: readonly string[], args: ArrayLike<unknown>): never {
  if (args.length !== kinds.length) throwCount(name, argCount(kinds.length), args.length);
  for (let i = 0; i < kinds.length; i++) if (!takes(kinds[i], args[i])) argError(name, i, kinds[i], args[i]);
  throw new Error(`arkffi: ${name}(): an argument was refused, but none is wrong`);
}

/** Set when a definition's function must refuse calls after `close()` (CFunction). */
export interface CallGuard {
  closed: boolean;
}

export interface Signature {
  name: string;
  args: readonly TypeSpec[];
  returns: TypeSpec;
  /**
   * For a struct result: what a synchronous call returns, given what the native entry returned:
   * undefined when it left the bytes at the start of the slot buffer (read them at once), or an
   * ArrayBuffer. By default, an ArrayBuffer of the bytes.
   */
  readStruct?: (result: ArrayBuffer | undefined) => unknown;
}

/** The struct bytes the native entry left at the start of the slot buffer (see Signature). */
export const structResultBytes: Uint8Array = U8;

/** The test, as code, that the number `a` fits an integer kind of at most 32 bits. */
export const INT_TEST: Record<string, (a: string) => string> = {
  i8: (a) => `((${a} << 24) >> 24) === ${a}`,
  u8: (a) => `(${a} & 0xff) === ${a}`,
  i16: (a) => `((${a} << 16) >> 16) === ${a}`,
  u16: (a) => `(${a} & 0xffff) === ${a}`,
  i32: (a) => `(${a} | 0) === ${a}`,
  u32: (a) => `(${a} >>> 0) === ${a}`,
};

/** Generated-code fragments shared by both wrapper shapes. */
interface Arg {
  /** the argument variable */
  a: string;
  /** the statement that rejects it */
  fail: string;
  /** names (declaring it once) the variable that carries it as a Node-API argument */
  ref: () => string;
}

/** General path: the statements that validate argument i and store it as a double. */
function generalArg(i: number, kind: string, { a, fail, ref }: Arg): string {
  const slot = `F[${L.slotArgs + i}]`;
  switch (kind) {
    case 'i8':
    case 'u8':
    case 'i16':
    case 'u16':
    case 'i32':
    case 'u32':
      return `if (typeof ${a} !== 'number' || !(${INT_TEST[kind](a)})) ${fail}; ${slot} = ${a};`;
    case 'f32':
    case 'f64':
      return `if (typeof ${a} !== 'number') ${fail}; ${slot} = ${a};`;
    case 'bool':
      return (
        `if (typeof ${a} === 'boolean') ${slot} = ${a} ? 1 : 0; ` +
        `else if (typeof ${a} === 'number') ${slot} = ${a} !== 0 ? 1 : 0; else ${fail};`
      );
    case 'i64':
    case 'bigint64':
    case 'u64':
    case 'biguint64': {
      const r = ref();
      const sign = kind === 'u64' || kind === 'biguint64' ? ` || ${a} < 0` : '';
      return (
        `if (typeof ${a} === 'number') { if (!Number.isSafeInteger(${a})${sign}) ${fail}; ${slot} = ${a}; } ` +
        `else if (typeof ${a} === 'bigint') ${r} = ${a}; else ${fail};`
      );
    }
    case 'ptr':
    case 'cstring':
    case 'struct': {
      // The common cases inline; the rest through pointerOf, stringOf or structOf: an address
      // for the slot, a value for the native side, or a refusal.
      const r = ref();
      const of = kind === 'ptr' ? 'P' : kind === 'cstring' ? 'Q' : 'T';
      const first =
        kind === 'ptr'
          ? `if (typeof ${a} === 'number' && Number.isSafeInteger(${a})) ${slot} = ${a}; else `
          : kind === 'cstring'
            ? `if (typeof ${a} === 'string') ${r} = ${a}; else `
            : '';
      return (
        `${first}if (ArrayBuffer.isView(${a})) ${r} = ${a}; ` +
        `else { const c = ${of}(${a}); if (typeof c === 'number') ${slot} = c; else if (c === BAD) ${fail}; else ${r} = c; }`
      );
    }
    default:
      throw new Error(`arkffi: no argument conversion for kind '${kind}'`);
  }
}

/**
 * Fast path: how argument i is taken. It goes to its register slot as one double (C makes the
 * register image from it: one 8-byte store per argument, which the native side's 8-byte load
 * forwards from without a stall), or is named as a reference for the native side. A plain
 * number has its test (`bad`, true when refused), all tests run first, and its `code` stores
 * it once none failed; any other argument's `code` tests, stores and flags a refusal in `bad`
 * itself. Either way the wrapper throws for a refused argument after the tests (throwBadArg).
 */
function fastArg(
  slot: number,
  kind: string,
  { a, ref }: Arg,
  refKinds: string[],
  string: number,
): { bad?: string; code: string } {
  const out = `F[${slot}]`;
  // Each reference argument tells the native side what it is, 2 bits per reference in the mask
  // `m`, so C needs no Node-API call to find out (src/call.c, REF_*).
  const position = (): number => {
    const r = ref();
    if (!refKinds.includes(r)) refKinds.push(r);
    return refKinds.indexOf(r);
  };
  const asRef = (code: number): string => `{ ${ref()} = ${a}; m |= ${code * 4 ** position()}; }`;
  switch (kind) {
    case 'i8':
    case 'u8':
    case 'i16':
    case 'u16':
    case 'i32':
    case 'u32':
      return { bad: `typeof ${a} !== 'number' || !(${INT_TEST[kind](a)})`, code: `${out} = ${a};` };
    case 'f32':
    case 'f64':
      return { bad: `typeof ${a} !== 'number'`, code: `${out} = ${a};` };
    case 'bool':
      // C's conversion: any number but 0 is true, NaN included.
      return {
        bad: `typeof ${a} !== 'boolean' && typeof ${a} !== 'number'`,
        code: `${out} = ${a} !== false && ${a} !== 0 ? 1 : 0;`,
      };
    case 'i64':
    case 'bigint64':
    case 'u64':
    case 'biguint64': {
      const unsigned = kind === 'u64' || kind === 'biguint64';
      return {
        code:
          `if (typeof ${a} === 'number' && Number.isSafeInteger(${a})${unsigned ? ` && ${a} >= 0` : ''}) ${out} = ${a}; ` +
          `else if (typeof ${a} === 'bigint') ${asRef(REF_OTHER)} else bad = true;`,
      };
    }
    case 'ptr':
    case 'cstring': {
      // A string: the same one as last time needs only room in the arena (the native side has
      // its bytes, src/call.c arena_strings); a new one is copied there and remembered (S, N)
      // once the call is sure to reach the native side.
      const j = string;
      const str =
        kind === 'cstring'
          ? `if (typeof ${a} === 'string') { ` +
            `if (${a} === S${j} && top + N${j} <= ${L.arenaSize}) { ${out} = ${ARENA_BASE} + top; top += N${j}; sf |= ${STRING_AGAIN << (2 * j)}; } ` +
            `else { const t = A(${a}, top, ${slot}); if (t < 0) ${asRef(REF_STRING)} ` +
            `else { s${j} = ${a}; n${j} = t - top; top = t; sf |= ${STRING_NEW << (2 * j)}; } } } else `
          : '';
      // A number is an address only for a `ptr` parameter (stringOf refuses one).
      const number =
        kind === 'ptr' ? `if (typeof ${a} === 'number' && Number.isSafeInteger(${a})) ${out} = ${a}; else ` : '';
      return {
        code:
          `${str}${number}if (ArrayBuffer.isView(${a})) ${asRef(REF_OBJECT)} ` +
          `else { const c = ${kind === 'ptr' ? 'P' : 'Q'}(${a}); if (typeof c === 'number') ${out} = c; else if (c === BAD) bad = true; ` +
          `else { ${ref()} = c; m |= ${REF_OTHER * 4 ** position()}; } }`,
      };
    }
    default:
      throw new Error(`arkffi: no fast argument conversion for kind '${kind}'`);
  }
}

/** The statements that call the entry and return the converted result. */
function returnCode(kind: string, call: string): string {
  const R = `F[${L.slotResult}]`;
  switch (kind) {
    case 'void':
      return `${call}; return undefined;`;
    case 'bool':
      return `${call}; return ${R} !== 0;`;
    case 'i64':
    case 'u64':
    case 'ptr':
      return `const r = ${call}; return r === undefined ? ${R} : r;`;
    case 'struct':
      // The bytes are at the start of the slot buffer (r undefined), or in a new ArrayBuffer.
      return `return S(${call});`;
    case 'cstring':
      // undefined: the same bytes as the last string result, which L holds (src/call.c).
      return `const r = ${call}; return r === undefined ? L : (L = r);`;
    case 'bigint64':
    case 'biguint64':
      return `return ${call};`;
    default:
      return `${call}; return ${R};`;
  }
}

type StructReader = (result: ArrayBuffer | undefined) => unknown;
type Factory = (
  env: object,
  name: string,
  guard: CallGuard | null,
  address: number,
  readStruct: StructReader | undefined,
) => (...args: unknown[]) => unknown;
const factories = new Map<string, Factory>();

/**
 * Generates a wrapper for definition `def` of a function whose parameters are `args`: the fast
 * shape when the definition has fast slots, else the general one; or, with `async`, the general
 * shape calling invokeAsync, which returns a Promise and rejects rather than throws.
 */
function generate(
  name: string,
  args: readonly ResolvedType[],
  ret: ResolvedType,
  def: NativeDefinition,
  guard: CallGuard | null,
  readStruct: StructReader | undefined,
  async = false,
): (...args: unknown[]) => unknown {
  // Definitions of the same shape share one compiled factory; each gets its own closure over its
  // name, guard and address. Compiling is what makes defining slow, so this keeps dlopen cheap.
  const fastSlots = async ? null : def.fastSlots;
  const kinds = args.map((t) => t.info.kind).join();
  const shape = async ? 'async' : fastSlots === null ? 'general' : `${def.entry}:${fastSlots.join()}`;
  const key = `${shape}|${guard !== null}|${ret.info.kind}|${kinds}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = compile(args, ret, fastSlots, def.entry, guard !== null, async);
    factories.set(key, factory);
  }
  return factory(env, name, guard, def.address, readStruct);
}

/** Compiles the factory of wrappers for one shape of definition (see generate). */
function compile(
  args: readonly ResolvedType[],
  ret: ResolvedType,
  fastSlots: readonly number[] | null,
  entry: number,
  guarded: boolean,
  async: boolean,
): Factory {
  const params = args.map((_, i) => `a${i}`);
  const refs: string[] = [];
  const refOrder: string[] = [];
  const body: string[] = [];
  const head: string[] = [];
  if (guarded) head.push(`if (G.closed) E.closed(N, 'function');`);
  const countWrong = `arguments.length !== ${args.length}`;
  if (fastSlots === null) head.push(`if (${countWrong}) E.count(N, '${argCount(args.length)}', arguments.length);`);
  const tests = [countWrong];
  const stores: string[] = [];
  let strings = 0;
  args.forEach((t, i) => {
    const arg: Arg = {
      a: `a${i}`,
      fail: `E.arg(N, ${i}, '${t.info.kind}', a${i})`,
      ref: () => {
        if (!refs.includes(`r${i}`)) refs.push(`r${i}`);
        return `r${i}`;
      },
    };
    if (fastSlots === null) {
      body.push(generalArg(i, t.info.kind, arg));
      return;
    }
    const { bad, code } = fastArg(fastSlots[i], t.info.kind, arg, refOrder, t.info.kind === 'cstring' ? strings++ : -1);
    if (bad === undefined) {
      body.push(code);
    } else {
      tests.push(bad);
      stores.push(code);
    }
  });
  // Fast shapes test every argument before they store any (see fastArg).
  if (fastSlots !== null) body.unshift(`let bad = ${tests.join(' || ')};`);
  if (fastSlots !== null) body.push(`if (bad) B(N, K, arguments);`, ...stores);
  // The new strings are remembered only now that the call cannot fail before the native side
  // remembers their bytes too.
  for (let j = 0; j < strings; j++) body.push(`if (s${j} !== undefined) { S${j} = s${j}; N${j} = n${j}; }`);
  if (strings > 0) body.unshift(`let sf = 0${Array.from({ length: strings }, (_, j) => `, s${j}, n${j}`).join('')};`);
  body.unshift(...refs.map((r) => `let ${r};`));
  // Strings copied into the arena: publish the new top and the mark to return to (src/arkffi.h).
  const usesArena = fastSlots !== null && args.some((t) => t.info.kind === 'cstring');
  if (usesArena) {
    body.unshift(`const mark = I32[${2 * L.slotArena}]; let top = mark;`);
    body.push(`I32[${2 * L.slotArena + 1}] = mark; I32[${2 * L.slotArena}] = top;`);
  }
  body.push(`F[${L.slotFn}] = FN;`);
  // General shapes say in the result slot which references they pass, one bit each (-1: all),
  // so C looks only at those (src/call.c, ak_passed_refs).
  if (fastSlots === null && refs.length > 0) {
    const mask = refs.length > 52 ? '-1' : refs.map((r, k) => `(${r} !== undefined ? ${2 ** k} : 0)`).join(' + ');
    body.push(`F[${L.slotResult}] = ${mask};`);
  }
  let text: string;
  if (async) {
    body.push(`return invokeAsync(${refs.join(', ')});`);
    text = `try {\n    ${[...head, ...body].join('\n    ')}\n  } catch (err) {\n    return Promise.reject(err);\n  }`;
  } else {
    let call: string;
    if (fastSlots === null) {
      call = `invoke(${refs.join(', ')})`;
    } else if (strings > 0) {
      // The reference mask and the string flags go to the result slot together.
      body.unshift('let m = 0;');
      body.push(`F[${L.slotResult}] = m | sf;`);
      call = `(m !== 0 ? fastRefs(${refs.join(', ')}) : fast())`;
    } else if (refs.length === 0) {
      call = 'fast()';
    } else {
      body.unshift('let m = 0;');
      call = `(m !== 0 ? (F[${L.slotResult}] = m, fastRefs(${refs.join(', ')})) : fast())`;
    }
    body.push(returnCode(ret.info.kind, call));
    text = [...head, ...body].join('\n  ');
  }
  // Strict: a sloppy function that reads `arguments` aliases its parameters to it, which keeps
  // the engine from knowing what they hold.
  const source =
    `'use strict';\n` +
    `const { E, F, I32, A, B, P, Q, T, BAD, invoke, fastRefs, invokeAsync } = env;\n` +
    `const K = ${JSON.stringify(args.map((t) => t.info.kind))};\n` +
    `const fast = env.fastEntries[${fastSlots === null ? 0 : entry}];\n` +
    `let L${Array.from({ length: strings }, (_, j) => `, S${j}, N${j}`).join('')};\n` +
    // A computed key names each wrapper after its C function (stack traces show it) as it is
    // made, where redefining `name` afterwards would cost more than making the wrapper.
    `return { [N]: function (${params.join(', ')}) {\n  ${text}\n} }[N];`;
  return new Function('env', 'N', 'G', 'FN', 'S', source) as Factory;
}

/** A generated callable: the synchronous call, with the same call on the thread pool. */
export type Callable = ((...args: unknown[]) => unknown) & {
  /** The same call, run on the libuv thread pool; settles with the result, rejects on errors. */
  readonly async: (...args: unknown[]) => Promise<unknown>;
};

/** What the define() just made reported in the slot buffer (see NativeDefinition). */
function definition(nargs: number): NativeDefinition {
  const entry = F[L.defEntry];
  let fastSlots: number[] | null = null;
  if (entry >= 0) {
    fastSlots = new Array<number>(nargs);
    for (let i = 0; i < nargs; i++) fastSlots[i] = F[L.defSlots + i];
  }
  return { id: F[L.defId], address: F[L.defName], entry, fastSlots };
}

/** Defines the native side and generates the wrappers, whose lifetimes then own the definition. */
function build(
  sig: Signature,
  args: readonly ResolvedType[],
  ret: ResolvedType,
  address: number | bigint,
  lib: NativeLibrary | null,
  fixedCount: number,
  guard: CallGuard | null,
): Callable {
  native.define(
    address,
    lib,
    args.map((t) => t.desc),
    ret.desc,
    fixedCount,
    sig.name,
  );
  const def = definition(args.length);
  const size = ret.info.size;
  const readStruct =
    ret.info.kind !== 'struct'
      ? undefined
      : (sig.readStruct ?? ((r: ArrayBuffer | undefined) => r ?? U8.slice(0, size).buffer));
  const fn = generate(sig.name, args, ret, def, guard, readStruct) as Callable;
  native.adopt(fn, def.id);
  // The `.async` wrapper is made on the first asynchronous call: most programs call most
  // functions synchronously, and making it up front would double the cost of defining one.
  let onPool: ((...values: unknown[]) => unknown) | undefined;
  (fn as { async: Callable['async'] }).async = (...values) => {
    if (onPool === undefined) {
      onPool = generate(sig.name, args, ret, def, guard, undefined, true);
      native.adopt(onPool, def.id);
    }
    return onPool(...values) as Promise<unknown>;
  };
  return fn;
}

function resolveAll(sig: Signature): { args: ResolvedType[]; ret: ResolvedType } {
  const args = sig.args.map((t, i) => resolveType(t, `${sig.name}: argument ${i + 1}`));
  const ret = resolveType(sig.returns, `${sig.name}: return type`);
  return { args, ret };
}

/** A callable for the function at `address` with a fixed signature. */
export function makeFunction(
  sig: Signature,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
): Callable {
  const { args, ret } = resolveAll(sig);
  return build(sig, args, ret, address, lib, -1, guard);
}

/**
 * A callable for a variadic function. The fixed arguments come first, as declared; each
 * variadic argument follows as a (type, value) pair: `printf('%d %s', 'i32', 42, 'cstring', 'x')`.
 * Each distinct list of variadic types is prepared once and cached.
 */
export function makeVariadic(
  sig: Signature,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
): Callable {
  const { args: fixed, ret } = resolveAll(sig);
  const shapes = new Map<string, Callable>();
  const nfixed = fixed.length;
  /** The callable for this call's variadic types, and the argument values in order. */
  const shape = (all: unknown[]): [Callable, unknown[]] => {
    if (all.length < nfixed || (all.length - nfixed) % 2 !== 0) {
      throwCount(sig.name, `${nfixed} fixed argument${nfixed === 1 ? '' : 's'} then (type, value) pairs`, all.length);
    }
    const specs: TypeSpec[] = [];
    const values = all.slice(0, nfixed);
    for (let i = nfixed; i < all.length; i += 2) {
      specs.push(all[i] as TypeSpec);
      values.push(all[i + 1]);
    }
    const where = (i: number): string => `${sig.name}: variadic argument ${nfixed + i + 1}`;
    // Keyed by what the types describe (never by serialising a user's object: no toJSON runs).
    const key = specs.map((t, i) => typeKey(t, where(i))).join('\0');
    let call = shapes.get(key);
    if (call === undefined) {
      const vars = specs.map((t, i) => resolveType(t, where(i)));
      call = build(sig, [...fixed, ...vars], ret, address, lib, nfixed, guard);
      shapes.set(key, call);
    }
    return [call, values];
  };
  const fn = (...all: unknown[]): unknown => {
    const [call, values] = shape(all);
    return call(...values);
  };
  const async = (...all: unknown[]): Promise<unknown> => {
    try {
      const [call, values] = shape(all);
      return call.async(...values);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  Object.defineProperties(fn, { name: { value: sig.name }, async: { value: async } });
  return fn as Callable;
}
