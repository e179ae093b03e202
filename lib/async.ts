/**
 * Asynchronous calls: AsyncCFunction and the package-root forms of ffi.callAsync/callPtrAsync.
 *
 * Every symbol of a library also has `.async(...)` (lib/wrapper.ts). The call runs on the libuv
 * thread pool; its arguments are converted (strings copied, buffers kept alive) before it leaves
 * the JS thread, and the Promise settles with the result converted as for a synchronous call.
 * Errors, including bad arguments and closed libraries, reject the Promise.
 */
import { ffi } from './bridge';
import { CFunction, type FFIFunction } from './library';

/** An asynchronous C function at a known address. */
export type AsyncCFunctionCallable = ((...args: any[]) => Promise<any>) & {
  /** The function's address. */
  readonly ptr: number | bigint;
  /** After close() the function's Promises reject with ERR_ARKFFI_CLOSED. */
  close(): void;
};

/** Like CFunction(), but every call runs on the thread pool and returns a Promise. */
export function AsyncCFunction(def: FFIFunction & { readonly ptr: number | bigint }): AsyncCFunctionCallable {
  const sync = CFunction(def);
  const fn = (...args: unknown[]): Promise<unknown> => sync.async(...args);
  Object.defineProperties(fn, {
    ptr: { value: sync.ptr, enumerable: true },
    close: { value: () => sync.close() },
  });
  return fn as AsyncCFunctionCallable;
}

/** ffi.callAsync: calls a function registered with ffi.defineFunction on the thread pool. */
export const callAsync = ffi.callAsync;
/** ffi.callPtrAsync: calls a function address on the thread pool. */
export const callPtrAsync = ffi.callPtrAsync;
