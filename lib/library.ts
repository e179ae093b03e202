/**
 * Libraries and their symbols: dlopen(), Library, CFunction() and linkSymbols().
 *
 * Every open library lives in one registry, keyed by the BigInt handle that ArkFFI's raw bridge
 * (`ffi.load`) hands out, so `lib.close()` and `ffi.close(lib.handle)` are the same act.
 */
import { fileURLToPath } from 'node:url';
import { describe, ffiError, reword, type ErrorCode } from './errors';
import { native, type NativeLibrary } from './native';
import { structReader, withStructs } from './struct-calls';
import type { AsyncCallOf, CallOf, FFIFunction, FFIFunctionAt } from './typing';
import { makeFunction, makeVariadic, markFunction, type CallGuard } from './wrapper';

/**
 * A callable C function typed from its definition `D`: parameters from `args`, the result from
 * `returns` (and `structReturn`), with `.async` taking the same arguments.
 */
export type FFICallable<D extends FFIFunction = FFIFunction> = CallOf<D> & {
  /** The same call on the libuv thread pool: a Promise of the result; errors reject it. */
  readonly async: AsyncCallOf<D>;
};

/** The callables of a set of definitions, one per name, each typed from its definition. */
export type Symbols<Fns extends Record<string, FFIFunction>> = { readonly [K in keyof Fns]: FFICallable<Fns[K]> };

/** A library in the registry. */
export interface LoadedLibrary {
  readonly handle: bigint;
  readonly native: NativeLibrary;
  readonly path: string;
  closed: boolean;
}

const registry = new Map<bigint, LoadedLibrary>();
let lastHandle = 0n;

/**
 * dlopen()s a library; the error on failure carries the loader's own reason as its message.
 * `fnName` names the caller in the one error of ArkFFI's own, a path C would cut short.
 */
export function openLibrary(path: string | null, fnName: string): LoadedLibrary {
  if (typeof path === 'string' && path.includes('\0')) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${fnName}(): the library path contains a NUL character, where C would end it: ${JSON.stringify(path)}`);
  }
  const lib = native.open(path);
  const entry: LoadedLibrary = { handle: ++lastHandle, native: lib, path: path ?? '<process>', closed: false };
  registry.set(entry.handle, entry);
  return entry;
}

/** The open library behind a raw handle, or undefined. */
export function findLibrary(handle: unknown): LoadedLibrary | undefined {
  return typeof handle === 'bigint' ? registry.get(handle) : undefined;
}

export function closeLibrary(entry: LoadedLibrary): void {
  if (entry.closed) return;
  entry.closed = true;
  registry.delete(entry.handle);
  native.close(entry.native);
}

/** The address of `name`; throws ERR_ARKFFI_SYMBOL_NOT_FOUND whose message is dlerror()'s. */
export function symbolAddress(entry: LoadedLibrary, name: string): number {
  if (typeof name !== 'string') {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `a symbol name must be a string, got ${typeof name}`);
  }
  return native.symbol(entry.native, name);
}

/**
 * Checks a function address given in JS (a definition's `ptr`, an argument of ffi.callPtr), which
 * `where` names in messages: an integral address of at most 64 bits, and not NULL, which is
 * refused here, before anything can call it. A value of another type throws `typeCode`.
 */
export function functionAddress(where: string, value: unknown, typeCode: ErrorCode): number | bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw ffiError(TypeError, typeCode, `${where} must be a function address (a number or a BigInt), got ${describe(value)}`);
  }
  const exact = typeof value === 'number'
    ? Number.isSafeInteger(value)
    : BigInt.asUintN(64, value) === value || BigInt.asIntN(64, value) === value;
  if (!exact) {
    throw ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      `${where} must be a safe integer or a BigInt of at most 64 bits, got ${describe(value)}`);
  }
  if (value == 0) throw ffiError(Error, 'ERR_ARKFFI_NULL_POINTER', `${where} is NULL (0): there is no function to call`);
  return value;
}

function checkDefinition(name: string, def: unknown): FFIFunction {
  if (typeof def !== 'object' || def === null) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `${name}: a definition must be an object like { args: [...], returns: ... }`);
  }
  const args = (def as FFIFunction).args;
  if (args !== undefined && !Array.isArray(args)) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `${name}: args must be an array of types`);
  }
  return def as FFIFunction;
}

/** Builds the callable for one definition. */
export function defineCallable(
  name: string,
  def: FFIFunction,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
): FFICallable {
  const returns = def.returns ?? 'void';
  const sig = { name, args: def.args ?? [], returns, readStruct: structReader(name, returns, def.structReturn) };
  const call = def.variadic === true ? makeVariadic(sig, address, lib, guard) : makeFunction(sig, address, lib, guard);
  return withStructs(name, { ...sig, structReturn: def.structReturn }, call);
}

/**
 * A loaded library and its callable symbols, typed from the definitions given to dlopen().
 * `using lib = dlopen(...)` closes it at the end of the block.
 */
export class Library<Fns extends Record<string, FFIFunction> = Record<string, FFIFunction>> {
  /** One callable per definition, named as in the definitions, each typed from its definition. */
  readonly symbols: Symbols<Fns>;
  /** The raw-bridge handle (`ffi.close(handle)`, `ffi.getSymbolPtr(handle, name)`). */
  readonly handle: bigint;

  /** Made by dlopen(). */
  constructor(handle: bigint, symbols: Symbols<Fns>) {
    this.handle = handle;
    this.symbols = symbols;
  }

  /** True once the library is closed. */
  get closed(): boolean {
    return findLibrary(this.handle) === undefined;
  }

  /**
   * The address of an exported symbol (any name, declared or not), for CFunction or for passing
   * to C. Throws ERR_ARKFFI_SYMBOL_NOT_FOUND if there is none, ERR_ARKFFI_CLOSED after close().
   */
  getSymbolPtr(name: string): number {
    const entry = findLibrary(this.handle);
    if (entry === undefined) throw ffiError(Error, 'ERR_ARKFFI_CLOSED', `getSymbolPtr(): the library is closed`);
    return symbolAddress(entry, name);
  }

  /**
   * dlclose()s the library. Idempotent. Afterwards every symbol throws ERR_ARKFFI_CLOSED
   * instead of running code that may be unmapped.
   */
  close(): void {
    const entry = findLibrary(this.handle);
    if (entry !== undefined) closeLibrary(entry);
  }

  /** close(), for `using lib = dlopen(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The address a dlopen() definition calls: its own `ptr`, or else its symbol's. */
function definedAddress(entry: LoadedLibrary, name: string, def: FFIFunction): number | bigint {
  if (def.ptr !== undefined) return functionAddress(`dlopen(): ${name}.ptr`, def.ptr, 'ERR_ARKFFI_INVALID_DEFINITION');
  try {
    return symbolAddress(entry, name);
  } catch (err) {
    reword(err, `dlopen(): symbol '${name}' not found in ${entry.path}: ${(err as Error).message}`);
  }
}

/**
 * Opens a shared library and binds the functions described in `defs`. Each symbol's parameter
 * and result types are inferred from its definition, written with `FFIType` members, bun:ffi
 * names, ArkFFI one-letter codes or C spellings (no `as const` needed):
 *
 * ```ts
 * const libc = dlopen(null, { strlen: { args: ['cstring'], returns: 'usize' } });
 * libc.symbols.strlen('hello'); // (arg: string | PointerLike) => number | bigint
 * ```
 *
 * @param path a file path, a bare name the loader searches for (`'libm.so.6'`), a file URL,
 *   or `null` for the symbols already loaded in the process (libc, ...).
 * @param defs one definition per function to bind, by its exported name.
 * @throws the loader's own reason if the library cannot load; ERR_ARKFFI_SYMBOL_NOT_FOUND for a
 *   missing symbol; ERR_ARKFFI_UNKNOWN_TYPE or ERR_ARKFFI_INVALID_DEFINITION for a bad definition.
 */
export function dlopen<const Fns extends Record<string, FFIFunction>>(path: string | URL | null, defs: Fns): Library<Fns> {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  if (typeof defs !== 'object' || defs === null) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', 'dlopen(): the definitions must be an object');
  }
  const entry = openLibrary(file, 'dlopen');
  try {
    const symbols: Record<string, FFICallable> = {};
    for (const name of Object.keys(defs)) {
      const def = checkDefinition(name, defs[name]);
      symbols[name] = defineCallable(name, def, definedAddress(entry, name, def), entry.native);
    }
    return new Library<Fns>(entry.handle, Object.freeze(symbols) as Symbols<Fns>);
  } catch (err) {
    closeLibrary(entry);
    throw err;
  }
}

/** A C function at a known address (see CFunction()), typed from its definition `D`. */
export type CFunctionCallable<D extends FFIFunction = FFIFunctionAt> = FFICallable<D> & {
  /** The function's address. */
  readonly ptr: number | bigint;
  /** After close() the function throws ERR_ARKFFI_CLOSED. */
  close(): void;
};

/**
 * Wraps a function pointer (from getSymbolPtr, a struct, a C callback table...) as a callable,
 * typed from the definition like a dlopen() symbol. The callable can itself be passed wherever a
 * pointer goes.
 *
 * @param def the signature, as for dlopen(), and `ptr`, the address to call.
 */
export function CFunction<const D extends FFIFunctionAt>(def: D): CFunctionCallable<D> {
  return functionAt('CFunction', def) as unknown as CFunctionCallable<D>;
}

/** CFunction(), its errors naming `caller`, the API that makes it. Internal. */
export function functionAt(caller: string, def: unknown): CFunctionCallable<FFIFunctionAt> {
  const checked = checkDefinition(caller, def);
  const address = functionAddress(`${caller}(): ptr`, checked.ptr, 'ERR_ARKFFI_INVALID_DEFINITION');
  const guard: CallGuard = { closed: false };
  const fn = defineCallable(caller, checked, address, null, guard);
  markFunction(fn, address);
  Object.defineProperties(fn, {
    ptr: { value: address, enumerable: true },
    close: { value: () => void (guard.closed = true) },
  });
  return fn as unknown as CFunctionCallable<FFIFunctionAt>;
}

/** What linkSymbols() returns. */
export interface LinkedSymbols<Fns extends Record<string, FFIFunction>> {
  /** One callable per definition, each typed from its definition. */
  readonly symbols: Symbols<Fns>;
  /** After close() every symbol throws ERR_ARKFFI_CLOSED. */
  close(): void;
}

/**
 * bun:ffi's linkSymbols: like dlopen(), but every definition names its own `ptr`, so no library
 * is opened. Symbols are typed from their definitions.
 */
export function linkSymbols<const Fns extends Record<string, FFIFunctionAt>>(defs: Fns): LinkedSymbols<Fns> {
  const guard: CallGuard = { closed: false };
  const symbols: Record<string, FFICallable> = {};
  for (const name of Object.keys(defs)) {
    const def = checkDefinition(name, defs[name]);
    if (def.ptr === undefined) {
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `linkSymbols(): ${name} needs a ptr`);
    }
    const address = functionAddress(`linkSymbols(): ${name}.ptr`, def.ptr, 'ERR_ARKFFI_INVALID_DEFINITION');
    symbols[name] = defineCallable(name, def, address, null, guard);
  }
  return { symbols: Object.freeze(symbols) as Symbols<Fns>, close: () => void (guard.closed = true) };
}
