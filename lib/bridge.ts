/**
 * `ffi`: ArkFFI's raw bridge, with its names, argument shapes and error texts, so code written
 * against it runs unchanged. Signatures are strings of one-letter codes (`'ids'`) or arrays of
 * type names; numbers and strings travel in separate arrays, each in signature order.
 *
 * One deliberate difference from the dlopen() API, kept for ArkFFI compatibility: a raw call
 * whose return code is `'s'` returns the pointer as a number (read it with `ffi.readCString`).
 */
import { findCallback, JSCallback, type JSCallbackDefinition } from './callback';
import { describe, ffiError, ownList, reword, throwArg } from './errors';
import {
  closeLibrary,
  findLibrary,
  functionAddress,
  openLibrary,
  symbolAddress,
  type LoadedLibrary,
  type OpenOptions,
} from './library';
import { errno, ptr, readCString, readMemory } from './memory';
import type { NativeLibrary } from './native';
import { isTypeName, resolveType } from './types';
import { makeFunction, type Callable } from './wrapper';

type ArgTypes = string | readonly string[];

/** A signature and the values of one raw call: numbers and strings apart, as ArkFFI passed them. */
type RawCall = [argTypes: ArgTypes, returnType: string, numArgs?: readonly unknown[], strArgs?: readonly unknown[]];
/** The arguments of callMixed and callAsync: a library and a function's name, then a RawCall. */
type MixedCall = [handle: bigint, funcName: string, ...RawCall];
/** The arguments of callPtr and callPtrAsync: a function's address, then a RawCall. */
type PointerCall = [address: number | bigint, ...RawCall];

interface RawFunction {
  /** Per argument: whether it is a `cstring`, taken from strArgs. */
  readonly strings: readonly boolean[];
  /** The return type as given, and whether it is a struct by value (its bytes, an ArrayBuffer). */
  readonly returnType: string;
  readonly returnsStruct: boolean;
  readonly address: number | bigint;
  readonly call: Callable;
}

const defined = new WeakMap<LoadedLibrary, Map<string, RawFunction>>();
const byShape = new Map<string, RawFunction>();

function library(handle: unknown): LoadedLibrary {
  const entry = findLibrary(handle);
  if (entry === undefined) throw ffiError(Error, 'ERR_ARKFFI_CLOSED', 'unknown or closed library handle');
  return entry;
}

/**
 * A signature string as type names. ArkFFI's form has one code a character (`'ids'`). ArkFFI code
 * also built signatures by concatenating FFIType members (`FFIType.int32 + FFIType.int32`), whose
 * values here are names (`'i32i32'`): a string that is not all codes is split into the names it
 * concatenates, at each position the longest name after which the rest splits too.
 */
function splitSignature(name: string, sig: string): string[] {
  const chars = [...sig];
  if (chars.every(isTypeName)) return chars;
  // tails[i]: a split of sig.slice(i), or null where there is none; built from the end.
  const tails: (string[] | null)[] = new Array<string[] | null>(sig.length + 1).fill(null);
  tails[sig.length] = [];
  for (let i = sig.length - 1; i >= 0; i--) {
    for (let end = sig.length; end > i && tails[i] === null; end--) {
      const rest = tails[end];
      const token = sig.slice(i, end);
      if (rest !== null && isTypeName(token)) tails[i] = [token, ...rest];
    }
  }
  if (tails[0] === null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_UNKNOWN_TYPE',
      `${name}: argTypes ${JSON.stringify(sig)} is neither type codes nor type names run together`,
    );
  }
  return tails[0];
}

function codesOf(name: string, argTypes: ArgTypes): string[] {
  if (typeof argTypes === 'string') return splitSignature(name, argTypes);
  if (Array.isArray(argTypes)) return [...argTypes];
  throw ffiError(
    TypeError,
    'ERR_ARKFFI_INVALID_ARG_TYPE',
    'argTypes must be a string of type codes or an array of type names',
  );
}

function rawFunction(
  name: string,
  address: number | bigint,
  lib: NativeLibrary | null,
  argTypes: ArgTypes,
  returnType: string,
): RawFunction {
  const codes = codesOf(name, argTypes);
  const returns = returnType === 's' ? 'ptr' : returnType;
  return {
    strings: codes.map((code, i) => resolveType(code, `${name}: argument ${i + 1}`).info.kind === 'cstring'),
    returnType,
    returnsStruct: resolveType(returns, `${name}: return type`).info.kind === 'struct',
    address,
    call: makeFunction({ name, args: codes, returns }, address, lib),
  };
}

/**
 * The arguments of `fn` in order: 'cstring' ones from strArgs, the rest from numArgs. A string
 * argument must be a string or null: any other value would reach C as a `char *`.
 */
function arrange(
  name: string,
  fn: RawFunction,
  givenNum?: readonly unknown[],
  givenStr?: readonly unknown[],
): unknown[] {
  // The lists are copied first, running no user code (a Proxy, a getter, an inherited element).
  const list = (given: unknown, what: string): unknown[] =>
    given === undefined
      ? []
      : ownList(given, (problem) => {
          throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `${name}(): ${what} ${problem}`);
        });
  const numArgs = list(givenNum, 'numArgs');
  const strArgs = list(givenStr, 'strArgs');
  const args: unknown[] = [];
  let n = 0;
  let s = 0;
  for (const isString of fn.strings) {
    if (!isString) {
      args.push(numArgs[n++]);
      continue;
    }
    const value = strArgs[s];
    if (s < strArgs.length && typeof value !== 'string' && value !== null) {
      const err = ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `${name}(): argument ${args.length + 1} (cstring), strArgs[${s}], must be a string or null, got ${describe(value)}`,
      );
      err.argIndex = args.length;
      throw err;
    }
    args.push(value);
    s++;
  }
  if (n !== numArgs.length || s !== strArgs.length) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_ARG_COUNT',
      `${name}(): expects ${n} number and ${s} string arguments, got ${numArgs.length} and ${strArgs.length}`,
    );
  }
  return args;
}

/** The function registered as `funcName` for the library `handle`. */
function registered(handle: unknown, funcName: string): RawFunction {
  const fn = defined.get(library(handle))?.get(funcName);
  if (fn === undefined) {
    throw ffiError(Error, 'ERR_ARKFFI_NOT_DEFINED', `Function '${funcName}' not defined. Call defineFunction first.`);
  }
  return fn;
}

function callRaw(name: string, fn: RawFunction, numArgs?: readonly unknown[], strArgs?: readonly unknown[]): unknown {
  return fn.call(...arrange(name, fn, numArgs, strArgs));
}

/** callRaw on the thread pool; every failure, even finding the function, rejects. */
function callRawAsync(
  name: string,
  find: () => RawFunction,
  numArgs?: readonly unknown[],
  strArgs?: readonly unknown[],
): Promise<any> {
  try {
    const fn = find();
    return fn.call.async(...arrange(name, fn, numArgs, strArgs));
  } catch (err) {
    return Promise.reject(err);
  }
}

function cached(key: string, make: () => RawFunction): RawFunction {
  let fn = byShape.get(key);
  if (fn === undefined) {
    fn = make();
    byShape.set(key, fn);
  }
  return fn;
}

/** The raw function at a function address for ffi.callPtr (`fnName`): NULL is refused. */
function pointerFunction(fnName: string, address: unknown, argTypes: ArgTypes, returnType: string): RawFunction {
  const checked = functionAddress(`${fnName}(): argument 1 (ptr)`, address, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  return cached(`${checked}\0\0${String(argTypes)}\0${returnType}`, () =>
    rawFunction('callPtr', checked, null, argTypes, returnType),
  );
}

function dlsym(entry: LoadedLibrary, name: string, prefix: string): number {
  try {
    return symbolAddress(entry, name, 'ffi');
  } catch (err) {
    reword(err, `${prefix}${(err as Error).message}`);
  }
}

/** The raw function `name` of a library with this signature, made once per shape; `address` finds it. */
function rawFor(
  entry: LoadedLibrary,
  name: string,
  argTypes: ArgTypes,
  returnType: string,
  address: () => number | bigint,
): RawFunction {
  return cached(`${entry.handle}\0${name}\0${String(argTypes)}\0${returnType}`, () =>
    rawFunction(name, address(), entry.native, argTypes, returnType),
  );
}

/**
 * ArkFFI's raw bridge: `load`, `defineFunction`, `callBySig`, `callMixed`, `callPtr`, callbacks
 * and the rest, with ArkFFI's argument shapes and error texts, so code written for it runs as is.
 */
export const ffi = Object.freeze({
  /**
   * dlopen()s a library; returns its handle. Throws dlerror()'s text. `options` as for dlopen()
   * (`{ deep, global, lazy, processSymbols }`, deep binding by default where safe).
   */
  load(libName: string | null, options?: OpenOptions): bigint {
    return openLibrary(libName, 'ffi.load', options).handle;
  },
  /** dlclose()s the library. Unknown or already closed handles are ignored. */
  close(handle: bigint): void {
    const entry = findLibrary(handle);
    if (entry !== undefined) closeLibrary(entry);
  },
  /** Registers `funcName` with its signature for callBySig. */
  defineFunction(handle: bigint, funcName: string, argTypes: ArgTypes, returnType: string): void {
    const entry = library(handle);
    const address = dlsym(entry, funcName, 'dlsym failed: ');
    let fns = defined.get(entry);
    if (fns === undefined) defined.set(entry, (fns = new Map()));
    fns.set(funcName, rawFunction(funcName, address, entry.native, argTypes, returnType));
  },
  /**
   * Calls a function registered with defineFunction on the thread pool, with the signature given
   * here. Returns a Promise; errors reject it.
   */
  callAsync(...[handle, funcName, argTypes, returnType, numArgs, strArgs]: MixedCall): Promise<any> {
    return callRawAsync(
      funcName,
      () => {
        const entry = library(handle);
        const { address } = registered(handle, funcName);
        return rawFor(entry, funcName, argTypes, returnType, () => address);
      },
      numArgs,
      strArgs,
    );
  },
  /** Calls a function registered with defineFunction. */
  callBySig(handle: bigint, funcName: string, numArgs?: readonly unknown[], strArgs?: readonly unknown[]): any {
    return callRaw(funcName, registered(handle, funcName), numArgs, strArgs);
  },
  /** Looks up and calls in one step. */
  callMixed(...[handle, funcName, argTypes, returnType, numArgs, strArgs]: MixedCall): any {
    const entry = library(handle);
    const fn = rawFor(entry, funcName, argTypes, returnType, () => dlsym(entry, funcName, 'dlsym failed: '));
    return callRaw(funcName, fn, numArgs, strArgs);
  },
  /** Calls `const char *funcName(void)` and returns the string (null for NULL). */
  callString(handle: bigint, funcName: string): string | null {
    const entry = library(handle);
    const fn = cached(`${entry.handle}\0${funcName}\0\0cstring`, () =>
      rawFunction(funcName, dlsym(entry, funcName, ''), entry.native, [], 'cstring'),
    );
    return fn.call() as string | null;
  },
  /** The NUL-terminated string at `ptr`; '' for 0. */
  readCString(address: number): string {
    return readCString(address);
  },
  /** The address of a symbol. Throws dlerror()'s text. */
  getSymbolPtr(handle: bigint, funcName: string): number {
    return dlsym(library(handle), funcName, '');
  },
  /** Calls the function at `ptr` with the given signature. */
  callPtr(...[address, argTypes, returnType, numArgs, strArgs]: PointerCall): any {
    return callRaw('callPtr', pointerFunction('callPtr', address, argTypes, returnType), numArgs, strArgs);
  },
  /** callPtr on the thread pool: returns a Promise; errors (a NULL address too) reject it. */
  callPtrAsync(...[address, argTypes, returnType, numArgs, strArgs]: PointerCall): Promise<any> {
    return callRawAsync(
      'callPtrAsync',
      () => pointerFunction('callPtrAsync', address, argTypes, returnType),
      numArgs,
      strArgs,
    );
  },
  /** The address of a buffer's data. */
  ptr(buffer: ArrayBufferLike | ArrayBufferView): number {
    return ptr(buffer);
  },
  /** A copy of `byteLength` bytes at `ptr`. */
  readMemory(address: number, byteLength: number): ArrayBuffer {
    return readMemory(address, byteLength);
  },
  /** The errno left by the most recent call. */
  errno(): number {
    return errno();
  },
  /**
   * Makes a JSCallback and returns its handle. The signature is honoured (ArkFFI ignored it), so
   * pass the real one: `createCallback(fn, 'ii', 'i')`.
   */
  createCallback(
    callback: (...args: any[]) => any,
    argTypes: ArgTypes,
    returnType: string,
    threadsafe?: boolean,
  ): number {
    const args = typeof callback === 'function' ? codesOf('createCallback', argTypes) : [];
    // Raw type codes are plain strings: JSCallback checks them when it resolves them.
    const def = { args, returns: returnType, threadsafe: threadsafe === true } as JSCallbackDefinition;
    return new JSCallback(callback, def).getHandle();
  },
  /** Closes the callback. Unknown or already closed handles are ignored. */
  destroyCallback(handle: number): void {
    findCallback(handle)?.close();
  },
  /** Calls the callback's function directly, with the arguments unchanged. */
  invokeCallback(handle: number, ...args: unknown[]): any {
    const callback = findCallback(handle);
    if (callback === undefined) throw ffiError(Error, 'ERR_ARKFFI_CLOSED', 'invalid or closed callback handle');
    return callback.call(...args);
  },
  /** The callback's C function pointer; 0 for an unknown or closed handle. */
  getCallbackPtr(handle: number): number {
    return findCallback(handle)?.ptr ?? 0;
  },
  /** Whether the callback is threadsafe; false for an unknown or closed handle. */
  getCallbackThreadsafe(handle: number): boolean {
    return findCallback(handle)?.threadsafe ?? false;
  },
  /**
   * ArkFFI's check of a threadsafe callback: calls its function with one `int32_t` argument and
   * discards the result. ArkFFI queued the call through the callback's threadsafe function; here
   * it runs at once, on this thread (the callback's own JS thread, where a queued call would run
   * too), and an exception the function throws propagates to the caller. C code on other threads
   * reaches the threadsafe path through `cb.ptr`.
   */
  callCallbackThreadSafe(handle: number, arg: number): void {
    const callback = findCallback(handle);
    if (callback === undefined) throw ffiError(Error, 'ERR_ARKFFI_CLOSED', 'invalid or closed callback handle');
    if (!callback.threadsafe)
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_HANDLE', 'callback is not threadsafe or TSFN is null');
    if (typeof arg !== 'number' || (arg | 0) !== arg) throwArg('ffi.callCallbackThreadSafe', 1, 'i32', arg);
    callback.call(arg);
  },
});

/**
 * ArkFFI's `callBySigAsArrayBuffer`: ffi.callBySig for a function registered with a struct return
 * type (ArkFFI's return code `'2'`, or an array of member types), giving the struct's bytes.
 * Throws ERR_ARKFFI_INVALID_TYPE, before calling, for a function registered with another return type.
 */
export function callBySigAsArrayBuffer(
  handle: bigint,
  funcName: string,
  numArgs?: readonly unknown[],
  strArgs?: readonly unknown[],
): ArrayBuffer {
  const fn = registered(handle, funcName);
  if (!fn.returnsStruct) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `callBySigAsArrayBuffer(): '${funcName}' returns '${fn.returnType}', not a struct (return code '2')`,
    );
  }
  return callRaw(funcName, fn, numArgs, strArgs) as ArrayBuffer;
}
