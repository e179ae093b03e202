/**
 * Libraries and their symbols: dlopen(), Library, CFunction() and linkSymbols().
 *
 * Every open library lives in one registry, keyed by the BigInt handle that ArkFFI's raw bridge
 * (`ffi.load`) hands out, so `lib.close()` and `ffi.close(lib.handle)` are the same act.
 */
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
import { checkOpen, checkOpened, checkSymbolFile, realFile, restricted } from './access';
import { adaptCall, isAdapter, nativeArgs, type Adapted } from './arg-adapters';
import { describe, ffiError, ownList, ownProperty, reword, type ArkFFIError, type ErrorCode } from './errors';
import { withStringArrays } from './pointer-args';
import { disposer, isDisposable } from './disposable';
import type { Pointer } from './memory';
import { underlying } from './named';
import { prototypeDefinition } from './prototype';
import { native, type NativeLibrary } from './native';
import { structReader, withStructs } from './struct-calls';
import type {
  AsyncCallOf,
  CallOf,
  Definition,
  DefinitionOf,
  FFIFunction,
  FFIFunctionAt,
  ParamTypeSpec,
} from './typing';
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
export type Symbols<Fns extends Record<string, Definition>> = {
  readonly [K in keyof Fns]: FFICallable<DefinitionOf<Fns[K]>>;
};

/**
 * How dlopen() and ffi.load() open a library (koffi's names). Each is a boolean; unknown keys and
 * other values are refused.
 */
export interface OpenOptions {
  /**
   * RTLD_DEEPBIND: the library's own calls between its functions, and to its dependencies, bind
   * inside it first rather than to a same-named symbol of the process. The default where it is
   * safe (glibc, no sanitizer or replacement malloc in the process): Node exports its own zlib and
   * OpenSSL, and a system libz or libcrypto opened without it calls into Node's copies. Pass
   * `deep: false` for a library that must see the process's definitions (a malloc it replaces).
   */
  readonly deep?: boolean;
  /** RTLD_GLOBAL: its symbols serve libraries opened later. Default false (RTLD_LOCAL). */
  readonly global?: boolean;
  /** RTLD_LAZY: bind functions on first call rather than at load (RTLD_NOW). Default false. */
  readonly lazy?: boolean;
  /**
   * With path `null`: opens the process's own symbols even under Node's permission model or an
   * allowLibraries() list, which otherwise refuse them (they reach libc and all loaded code).
   */
  readonly processSymbols?: boolean;
}

const OPTION_NAMES = ['deep', 'global', 'lazy', 'processSymbols'] as const;

/** The checked options: each one's value, undefined where not given. */
type CheckedOptions = Record<(typeof OPTION_NAMES)[number], boolean | undefined>;

/**
 * Reads `options` without running any code of the program's (no Proxy traps, no getters): only
 * own data properties of an ordinary object count, and each must be a known boolean.
 */
function checkOptions(fnName: string, options: unknown): CheckedOptions {
  const out: CheckedOptions = { deep: undefined, global: undefined, lazy: undefined, processSymbols: undefined };
  if (options === undefined) return out;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || types.isProxy(options)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_OPTION',
      `${fnName}(): options must be a plain object like { deep, global, lazy }, got ${types.isProxy(options) ? 'a Proxy' : describe(options)}`,
    );
  }
  for (const key of Reflect.ownKeys(options)) {
    const known = (OPTION_NAMES as readonly (string | symbol)[]).includes(key);
    if (!known) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_OPTION',
        `${fnName}(): unknown option ${String(typeof key === 'string' ? JSON.stringify(key) : key)}; the options are ${OPTION_NAMES.join(', ')}`,
      );
    }
    const desc = Object.getOwnPropertyDescriptor(options, key)!;
    if (!('value' in desc)) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_OPTION',
        `${fnName}(): option ${String(key)} must be a data property, not an accessor`,
      );
    }
    if (desc.value === undefined) continue;
    if (typeof desc.value !== 'boolean') {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_OPTION',
        `${fnName}(): option ${String(key)} must be a boolean, got ${describe(desc.value)}`,
      );
    }
    out[key as keyof CheckedOptions] = desc.value;
  }
  return out;
}

let loaderInfo: ReturnType<typeof native.loader> | undefined;

/** The open flags (see NativeAddon.open) for checked options. */
function openFlags(fnName: string, path: string | null, options: CheckedOptions): number {
  const loader = (loaderInfo ??= native.loader());
  if (options.processSymbols === true && path !== null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_OPTION',
      `${fnName}(): option processSymbols applies only to the path null, got the path ${JSON.stringify(path)}`,
    );
  }
  if (options.deep === true && !loader.deep) {
    throw ffiError(
      Error,
      'ERR_ARKFFI_INVALID_OPTION',
      `${fnName}(): option deep: true needs RTLD_DEEPBIND, which this platform's loader lacks`,
    );
  }
  if (options.deep === true && loader.sanitizer) {
    throw ffiError(
      Error,
      'ERR_ARKFFI_INVALID_OPTION',
      `${fnName}(): option deep: true cannot be honoured: a sanitizer runtime is loaded, and it aborts the process on RTLD_DEEPBIND`,
    );
  }
  // The process's own symbols are not one library: deep binding means nothing there.
  const deep = path !== null && (options.deep ?? loader.deepDefault);
  return (deep ? 1 : 0) | (options.global === true ? 2 : 0) | (options.lazy === true ? 4 : 0);
}

/** A library in the registry. */
export interface LoadedLibrary {
  readonly handle: bigint;
  readonly native: NativeLibrary;
  readonly path: string;
  /** Under a restriction: the real path of the file opened ('' for the process's own symbols). */
  readonly file: string;
  closed: boolean;
}

const registry = new Map<bigint, LoadedLibrary>();
let lastHandle = 0n;

/**
 * dlopen()s a library; the error on failure carries the loader's own reason as its message.
 * `fnName` names the caller in ArkFFI's own errors: a path C would cut short, bad options, and
 * a library that Node's permission model or the program's allow list refuses.
 */
export function openLibrary(path: string | null, fnName: string, options?: unknown): LoadedLibrary {
  if (typeof path === 'string' && path.includes('\0')) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${fnName}(): the library path contains a NUL character, where C would end it: ${JSON.stringify(path)}`,
    );
  }
  if (typeof path !== 'string' && path !== null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${fnName}(): the library path must be a string, a file URL, or null for the running process, got ${describe(path)}`,
    );
  }
  const checked = checkOptions(fnName, options);
  const flags = openFlags(fnName, path, checked);
  checkOpen(fnName, path, checked.processSymbols === true, () => (path === null ? null : native.loadedFile(path)));
  const lib = native.open(path, flags);
  let file = '';
  if (path !== null && restricted()) {
    try {
      const opened = native.libraryFile(lib);
      checkOpened(fnName, path, opened);
      file = realFile(opened === '' ? path : opened);
    } catch (err) {
      native.close(lib);
      throw err;
    }
  }
  const entry: LoadedLibrary = { handle: ++lastHandle, native: lib, path: path ?? '<process>', file, closed: false };
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
export function symbolAddress(entry: LoadedLibrary, name: string, fnName = 'getSymbolPtr'): number {
  if (typeof name !== 'string') {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `a symbol name must be a string, got ${typeof name}`);
  }
  const address = native.symbol(entry.native, name);
  // A library's handle reaches its dependencies too (libc among them): under a restriction, the
  // file that defines the symbol must be one that may be opened.
  if (entry.file !== '' && restricted()) checkSymbolFile(fnName, name, entry.file, native.symbolFile(address));
  return address;
}

/**
 * Checks a function address given in JS (a definition's `ptr`, an argument of ffi.callPtr), which
 * `where` names in messages: an integral address of at most 64 bits, and not NULL, which is
 * refused here, before anything can call it. A value of another type throws `typeCode`.
 */
export function functionAddress(where: string, value: unknown, typeCode: ErrorCode): number | bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw ffiError(
      TypeError,
      typeCode,
      `${where} must be a function address (a number or a BigInt), got ${describe(value)}`,
    );
  }
  const exact =
    typeof value === 'number'
      ? Number.isSafeInteger(value)
      : BigInt.asUintN(64, value) === value || BigInt.asIntN(64, value) === value;
  if (!exact) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `${where} must be a safe integer or a BigInt of at most 64 bits, got ${describe(value)}`,
    );
  }
  if (value == 0)
    throw ffiError(Error, 'ERR_ARKFFI_NULL_POINTER', `${where} is NULL (0): there is no function to call`);
  return value;
}

/** Throws ERR_ARKFFI_INVALID_DEFINITION: `message` says what is wrong. */
function invalidDefinition(message: string): never {
  throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', message);
}

/**
 * The definitions argument of `fnName`, read without running user code: one checked copy of each
 * definition (see definitionOf), by name. A Proxy, an accessor and anything but an object of
 * definitions (a number, an array...) are refused with ERR_ARKFFI_INVALID_DEFINITION.
 */
function definitionsOf(fnName: string, defs: unknown, shape: string): [string, FFIFunction][] {
  if (typeof defs !== 'object' || defs === null || types.isProxy(defs) || Array.isArray(defs)) {
    invalidDefinition(
      `${fnName}(): the definitions must be an object like ${shape}, got ${describe(defs)}${
        types.isProxy(defs) ? ' (a Proxy is not taken: its traps would run)' : ''
      }`,
    );
  }
  return Object.keys(defs).map((name) => {
    const def = ownProperty(defs, name, (problem) => invalidDefinition(`${fnName}(): the definitions: ${problem}`));
    const where = `${fnName}(): ${name}`;
    return [name, typeof def === 'string' ? prototypeDefinition(where, name, def) : definitionOf(where, def)];
  });
}

/** The keys a function definition may have. */
const DEFINITION_KEYS = ['args', 'returns', 'variadic', 'ptr', 'structReturn'] as const;

/**
 * A checked copy of the function definition `def`, read without running user code: own data
 * properties only (a getter is refused, never run; an inherited key does not count), `args`
 * copied from a plain array. `where` names it in messages. Everything after this reads the copy.
 */
export function definitionOf(where: string, def: unknown): FFIFunction {
  if (typeof def !== 'object' || def === null || types.isProxy(def) || Array.isArray(def)) {
    invalidDefinition(
      `${where}: a definition must be an object like { args: [...], returns: ... }, got ${describe(def)}${
        types.isProxy(def) ? ' (a Proxy is not taken: its traps would run)' : ''
      }`,
    );
  }
  const refuse = (problem: string): never => invalidDefinition(`${where}: ${problem}`);
  const out: Record<string, unknown> = {};
  for (const key of DEFINITION_KEYS) {
    const value = ownProperty(def, key, refuse);
    if (value !== undefined) out[key] = value;
  }
  // Named types (handles, aliases) are what they name from here on.
  if (out.args !== undefined) {
    out.args = ownList(out.args, (problem) => invalidDefinition(`${where}: args ${problem}`), 'an array of types').map(
      underlying,
    );
  }
  if (out.returns !== undefined) out.returns = underlying(out.returns);
  return out as FFIFunction;
}

/** The C function of `name` that frees a disposable result, when there is no library to look in. */
function noLibrary(where: string): (name: string) => never {
  return (name) =>
    invalidDefinition(
      `${where}: a disposable result freed by name ('${name}') needs a library to look it up in: pass a CFunction instead`,
    );
}

/**
 * Builds the callable for one definition. `freeByName` makes the C function that frees a
 * disposable result, given its name.
 */
export function defineCallable(
  name: string,
  def: FFIFunction,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
  freeByName: (name: string) => (address: Pointer) => unknown = noLibrary(name),
): FFICallable {
  // A `char **` parameter takes an array of strings too (see withStringArrays).
  const withStrings = def.args === undefined ? def.args : withStringArrays(def.args);
  if (withStrings !== def.args) def = { ...def, args: withStrings as FFIFunction['args'] };
  if (isDisposable(def.returns)) {
    // The function returns the address; the callable reads the result and frees it.
    const take = disposer(def.returns, freeByName);
    const call = defineCallable(name, { ...def, returns: 'ptr' }, address, lib, guard);
    const fn = (...args: unknown[]): unknown => take(call(...args) as Pointer);
    const async = (...args: unknown[]): Promise<unknown> => (call.async(...args) as Promise<Pointer>).then(take);
    Object.defineProperties(fn, { name: { value: name }, async: { value: async } });
    return fn as FFICallable;
  }
  if (def.args?.some(isAdapter)) {
    // The C function takes what each adapter passes; the callable prepares and finishes them.
    const call = defineCallable(name, { ...def, args: nativeArgs(def.args) }, address, lib, guard, freeByName);
    return adaptCall(name, def.args, call as unknown as Adapted) as unknown as FFICallable;
  }
  const returns = def.returns ?? 'void';
  // No adapter is left (see above): each parameter is a plain type.
  const args = (def.args ?? []) as readonly ParamTypeSpec[];
  const sig = { name, args, returns, readStruct: structReader(name, returns, def.structReturn) };
  const call = def.variadic === true ? makeVariadic(sig, address, lib, guard) : makeFunction(sig, address, lib, guard);
  return withStructs(name, { ...sig, structReturn: def.structReturn }, call);
}

/**
 * A loaded library and its callable symbols, typed from the definitions given to dlopen().
 * `using lib = dlopen(...)` closes it at the end of the block.
 */
export class Library<Fns extends Record<string, Definition> = Record<string, FFIFunction>> {
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
    return symbolAddress(entry, name, 'dlopen');
  } catch (err) {
    if ((err as ArkFFIError).code !== 'ERR_ARKFFI_SYMBOL_NOT_FOUND') throw err;
    reword(err, `dlopen(): symbol '${name}' not found in ${entry.path}: ${(err as Error).message}`);
  }
}

/** The C function `free(void *)` of a name in the library (its dependencies included), for `fnName`'s result. */
function freeIn(entry: LoadedLibrary, fnName: string): (name: string) => (address: Pointer) => unknown {
  return (name) => {
    let address: number;
    try {
      address = globalSymbol(name) ?? symbolAddress(entry, name, 'dlopen');
    } catch (err) {
      if ((err as ArkFFIError).code !== 'ERR_ARKFFI_SYMBOL_NOT_FOUND') throw err;
      reword(
        err,
        `dlopen(): ${fnName}: the free function '${name}' is not in ${entry.path}: ${(err as Error).message}`,
      );
    }
    return defineCallable(name, { args: ['ptr'], returns: 'void' }, address, entry.native) as (
      address: Pointer,
    ) => unknown;
  };
}

/** The running process's handle (its global scope), opened once when first needed; never closed. */
let processScope: NativeLibrary | undefined;

/**
 * `name` as the library's own calls to it resolve: in the process's global scope first (the
 * program, what it preloads, the libraries opened with `global: true`), so that `free` is the one
 * that goes with the `malloc` the library calls, also under a preloaded allocator (jemalloc,
 * ASan). Undefined when it is not there, or when allowLibraries() restricts which files' symbols
 * may be used (the library's own scope is then searched, and checked, instead).
 */
function globalSymbol(name: string): number | undefined {
  if (restricted()) return undefined;
  processScope ??= native.open(null, 0);
  try {
    return native.symbol(processScope, name);
  } catch {
    return undefined;
  }
}

/** URL.prototype.href's getter: a brand check (it throws for anything but a URL) that runs no user code. */
const urlHref = Object.getOwnPropertyDescriptor(URL.prototype, 'href')?.get as (this: unknown) => string;

/**
 * The path `path` names: a file URL's file, else `path` itself, found without running user code
 * (`instanceof URL` would run a Proxy's getPrototypeOf trap). A Proxy is refused.
 */
function libraryPath(fnName: string, path: unknown): unknown {
  if (typeof path !== 'object' || path === null) return path;
  if (types.isProxy(path)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${fnName}(): the library path must be a string, a file URL, or null for the running process, got a Proxy (its traps would run)`,
    );
  }
  let href: string;
  try {
    href = Reflect.apply(urlHref, path, []);
  } catch {
    return path; // not a URL: openLibrary refuses it
  }
  return fileURLToPath(href);
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
 * @param options how to open it: `{ deep, global, lazy }` (see OpenOptions; by default deep
 *   binding where safe, so that a system zlib or OpenSSL does not call into Node's copies), and
 *   `processSymbols` for `null` under a restriction (docs/security.md).
 * @throws the loader's own reason if the library cannot load; ERR_ARKFFI_SYMBOL_NOT_FOUND for a
 *   missing symbol; ERR_ARKFFI_UNKNOWN_TYPE or ERR_ARKFFI_INVALID_DEFINITION for a bad definition;
 *   ERR_ARKFFI_INVALID_OPTION for bad options; ERR_ARKFFI_ACCESS_DENIED for a library that Node's
 *   permission model or allowLibraries() refuses.
 */
export function dlopen<const Fns extends Record<string, Definition>>(
  path: string | URL | null,
  defs: Fns,
  options?: OpenOptions,
): Library<Fns> {
  const file = libraryPath('dlopen', path);
  const checked = definitionsOf('dlopen', defs, '{ name: { args, returns } }');
  const entry = openLibrary(file as string | null, 'dlopen', options);
  try {
    const symbols: Record<string, FFICallable> = {};
    for (const [name, def] of checked)
      symbols[name] = defineCallable(
        name,
        def,
        definedAddress(entry, name, def),
        entry.native,
        null,
        freeIn(entry, name),
      );
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
  const checked = definitionOf(caller, def);
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
  const checked = definitionsOf('linkSymbols', defs, '{ name: { args, returns, ptr } }');
  const guard: CallGuard = { closed: false };
  const symbols: Record<string, FFICallable> = {};
  for (const [name, def] of checked) {
    if (def.ptr === undefined) {
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `linkSymbols(): ${name} needs a ptr`);
    }
    const address = functionAddress(`linkSymbols(): ${name}.ptr`, def.ptr, 'ERR_ARKFFI_INVALID_DEFINITION');
    symbols[name] = defineCallable(name, def, address, null, guard);
  }
  return { symbols: Object.freeze(symbols) as Symbols<Fns>, close: () => void (guard.closed = true) };
}
