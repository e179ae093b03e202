/**
 * What a call wrapper calls at run time, generated (lib/call-codegen.ts) or made of closures
 * (lib/call-closures.ts): the views of the shared slot buffer, the conversions of the arguments
 * a wrapper does not take inline (pointerOf, stringOf, structOf), the copy of short strings into
 * the arena, and the errors for refused arguments. Nothing here runs user code (no coercions, no
 * property reads, no `instanceof`: brand checks that neither a Proxy's traps nor a getter can
 * intercept), so no nested call can run between the writes to the shared slots and the native
 * call that reads them.
 */
import { types } from 'node:util';
import { callbackAddress } from './callback';
import { ffiError, throwArg, throwCount } from './errors';
import type { CallArg, CallRuntime } from './kind-conversions';
import { kindRow } from './kinds';
import { native } from './native';

/** The numbers of the native side's layout: slot indices, the arena's offset and size. */
export const layout = native.layout;
/** The shared slot buffer, as doubles (arguments, the result, the function called). */
export const slots = new Float64Array(native.slots);
/** The same buffer as 32-bit integers (the arena's top and mark). */
export const slotWords = new Int32Array(native.slots);
/** The same buffer as bytes: the arena, and the struct result region. */
export const slotBytes = new Uint8Array(native.slots);
/** The indices in slotWords of the arena's top and the call's mark. */
const WORDS_PER_SLOT = Float64Array.BYTES_PER_ELEMENT / Int32Array.BYTES_PER_ELEMENT;
export const ARENA_TOP_WORD = layout.slotArena * WORDS_PER_SLOT + layout.arenaTop;
export const ARENA_MARK_WORD = layout.slotArena * WORDS_PER_SLOT + layout.arenaMark;
/** The byte offset in the slot buffer where the native entry leaves a struct result. */
export const STRUCT_RESULT_OFFSET = layout.slotStruct * Float64Array.BYTES_PER_ELEMENT;
/** The address of the first byte of the string arena. */
export const ARENA_BASE = native.ptr(native.slots) + layout.arenaOffset;

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

/** What pointerOf, stringOf and structOf answer for a value that the parameter refuses. */
export const REFUSED: object = Object.freeze({});

/**
 * What a `ptr` parameter passes for `a`, any value but a safe integer or a view (the wrappers
 * take those inline): an address as a number (for the slot), a value the native side converts
 * (a BigInt, a buffer; a CFunction's BigInt address), or REFUSED. Pure, and runs no user code.
 */
export function pointerOf(a: unknown): unknown {
  if (a === null) return 0;
  switch (typeof a) {
    case 'object': {
      const p = callbackAddress(a);
      if (p > 0) return p;
      // A closed JSCallback (p === 0) or a Proxy of anything: refused (argError tells which).
      if (p === 0 || isProxy(a)) return REFUSED;
      if (ArrayBuffer.isView(a)) return a;
      return isAnyArrayBuffer(a) ? a : REFUSED;
    }
    case 'bigint':
      return a;
    case 'function':
      return functionAddresses.get(a) ?? REFUSED;
    default:
      return REFUSED;
  }
}

/**
 * What a `cstring` parameter passes for `a`, any value but a JS string: null (0), a CString's
 * (any String object's) text, a buffer (C reads the string in it: the native side checks for
 * its NUL), or REFUSED. A number is refused: an address goes to a `ptr` parameter.
 */
export function stringOf(a: unknown): unknown {
  if (a === null) return 0;
  if (typeof a !== 'object' || isProxy(a)) return REFUSED;
  if (ArrayBuffer.isView(a)) return a;
  if (isStringObject(a)) return stringValue(a);
  return isAnyArrayBuffer(a) ? a : REFUSED;
}

/**
 * What a struct parameter passes for `a`: the address a StructBytesAt names (a number, for the
 * slot), a buffer holding the bytes, or REFUSED.
 */
export function structOf(a: unknown): unknown {
  if (typeof a !== 'object' || a === null || isProxy(a)) return REFUSED;
  const at = structBytesAddress(a);
  if (at >= 0) return at;
  if (ArrayBuffer.isView(a)) return a;
  return isAnyArrayBuffer(a) ? a : REFUSED;
}

/**
 * Throws the error for argument `index` of `fnName`, refused for a parameter of `kind`: a closed
 * JSCallback is ERR_ARKFFI_CLOSED, the rest as throwArg says.
 */
export function argError(fnName: string, index: number, kind: string, value: unknown): never {
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

/*
 * The out-of-line parts of fast wrappers. V8 inlines a function into its caller only while its
 * bytecode is small (460 bytes in Node.js 20), and a wrapper that is not inlined costs a call,
 * loads of everything it closes over, and checks the caller already made. So a wrapper keeps
 * only the common case of each argument inline, and these shared helpers, small enough to be
 * inlined themselves, take the rest.
 */

/**
 * Copies the ASCII string `s` into the arena at `top`, NUL-terminated, and writes its address to
 * slot `slot`. Answers the new top, or -1 (nothing written) when the string is not ASCII or does
 * not fit: the native side then converts it.
 */
export function arenaString(s: string, top: number, slot: number): number {
  const n = s.length;
  // Longer strings go to the native UTF-8 conversion, which is faster for them.
  if (n > layout.arenaString || top + n >= layout.arenaSize) return -1;
  const at = layout.arenaOffset + top;
  for (let k = 0; k < n; k++) {
    const c = charCodeAt(s, k);
    if (c > 127) return -1;
    slotBytes[at + k] = c;
  }
  slotBytes[at + n] = 0;
  slots[slot] = ARENA_BASE + top;
  return top + n + 1;
}

/** What the closure conversions of arguments reach (lib/kind-conversions.ts). */
export const runtime: CallRuntime = Object.freeze({ slots, REFUSED, pointerOf, stringOf, structOf });

/** How a call takes an argument of `kind`: its row's conversion, which every kind but void has. */
export function argConversion(kind: string): CallArg {
  const arg = kindRow(kind).arg;
  if (arg === undefined) throw new Error(`arkffi: no argument conversion for kind '${kind}'`);
  return arg;
}

/** "1 argument", "2 arguments": what a function expects, for the count error. */
export function argCount(n: number): string {
  return `${n} argument${n === 1 ? '' : 's'}`;
}

/**
 * Throws the error of the first argument a fast wrapper refused (it flags any, then calls this
 * once: one call site instead of one per argument keeps the wrapper small).
 */
export function throwBadArg(name: string, kinds: readonly string[], args: ArrayLike<unknown>): never {
  if (args.length !== kinds.length) throwCount(name, argCount(kinds.length), args.length);
  for (let i = 0; i < kinds.length; i++)
    if (!argConversion(kinds[i]).takes(runtime)(args[i])) argError(name, i, kinds[i], args[i]);
  throw new Error(`arkffi: ${name}(): an argument was refused, but none is wrong`);
}
