/**
 * Asynchronous calls: AsyncCFunction and the package-root forms of ffi.callAsync/callPtrAsync.
 *
 * Every symbol of a library also has `.async(...)` (lib/wrapper.ts). The call runs on the libuv
 * thread pool; its arguments are converted before it leaves the JS thread: strings copied,
 * ArrayBuffers' bytes copied for C and C's changes put back when the call completes (so a buffer
 * detached or shrunk meanwhile frees nothing C uses), SharedArrayBuffers kept alive and used in
 * place. The Promise settles with the result converted as for a synchronous call.
 * Errors, including bad arguments and closed libraries, reject the Promise.
 */
import { ffi } from './bridge';
import { functionAt } from './library';
import type { AsyncCallOf, FFIFunction, FFIFunctionAt } from './typing';

/**
 * An asynchronous C function at a known address (see AsyncCFunction()): the parameters of its
 * definition `D`, and a Promise of its result.
 */
export type AsyncCFunctionCallable<D extends FFIFunction = FFIFunctionAt> = AsyncCallOf<D> & {
  /** The function's address. */
  readonly ptr: number | bigint;
  /** After close() the function's Promises reject with ERR_ARKFFI_CLOSED. */
  close(): void;
};

/**
 * Like CFunction(), but every call runs on the thread pool and returns a Promise of the result;
 * typed from the definition like a dlopen() symbol.
 */
export function AsyncCFunction<const D extends FFIFunctionAt>(def: D): AsyncCFunctionCallable<D> {
  // Untyped inside: the arguments pass through unchanged, checked by the call itself.
  const sync = functionAt('AsyncCFunction', def);
  const fn = (...args: unknown[]): Promise<unknown> => sync.async(...args);
  Object.defineProperties(fn, {
    ptr: { value: sync.ptr, enumerable: true },
    close: { value: () => sync.close() },
  });
  return fn as unknown as AsyncCFunctionCallable<D>;
}

/**
 * ffi.callAsync: calls a function registered with ffi.defineFunction on the thread pool; a Promise
 * of the result.
 */
export const callAsync = ffi.callAsync;
/** ffi.callPtrAsync: calls a function address on the thread pool; a Promise of the result. */
export const callPtrAsync = ffi.callPtrAsync;
