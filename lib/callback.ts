/**
 * JSCallback: a JavaScript function behind a real C function pointer.
 *
 * ```ts
 * const cmp = new JSCallback((a, b) => read.i32(a) - read.i32(b), { args: ['ptr', 'ptr'], returns: 'i32' });
 * libc.symbols.qsort(array, array.length, 4, cmp); // or cmp.ptr
 * cmp.close();
 * ```
 *
 * The native side (src/callback.c) gives each callback a static trampoline or a libffi closure,
 * which calls a "dispatcher" generated here for the signature: it reads the arguments from the
 * shared slot buffer, calls the user's function, checks the result against the declared return
 * type and writes it back. The dispatcher catches everything the function throws, so C always
 * gets a value: the result, or zero after a reported error. How errors are reported, and what
 * happens with threads, event-loop liveness and close(), is described in docs/threads.md.
 */
import { describe, ffiError, isReadable, ownList, ownProperty } from './errors';
import { dispatcherFactory, type UserFunction } from './callback-dispatch';
import { kindRow } from './kinds';
import { native, type NativeCallback } from './native';
import { resolveType, type ResolvedType } from './types';
import type { CallbackArgsOf, CallbackFunction, CallbackReturnOf, CallbackSignature } from './typing';

/** Receives an error thrown by a callback's function, or a result of the wrong type or range. */
export type CallbackErrorHook = (error: unknown, callback: JSCallback) => void;

/** How a callback is declared: its signature (`args`, `returns`) and how C may call it. */
export interface JSCallbackDefinition extends CallbackSignature {
  /**
   * The pointer may be called from any thread: calls from other threads run on this JS thread
   * while the C caller waits. Such a callback keeps the event loop alive until close() or unref().
   */
  readonly threadsafe?: boolean;
  /**
   * Threadsafe `void` callbacks only: `false` lets a caller on another thread continue at once
   * (fire-and-forget) instead of waiting for the function to finish. Default: true.
   */
  readonly blocking?: boolean;
  /** This callback's error hook; without it, JSCallback.onError; without that, uncaught. */
  readonly onError?: CallbackErrorHook;
}

const L = native.layout;
const F = new Float64Array(native.slots);

/** How errors name a callback: its function's name and its signature, `cmp(ptr, ptr) -> i32`. */
function callbackLabel(fn: UserFunction, args: readonly ResolvedType[], ret: ResolvedType): string {
  const name = typeof fn.name === 'string' && fn.name !== '' ? fn.name : '<anonymous>';
  return `JSCallback ${name}(${args.map((t) => t.info.kind).join(', ')}) -> ${ret.info.kind}`;
}

/** The error for a result the declared return type cannot take. */
function resultError(label: string, ret: ResolvedType, value: unknown): Error {
  const row = kindRow(ret.info.kind);
  return ffiError(
    row.rangeResult(value) ? RangeError : TypeError,
    'ERR_ARKFFI_INVALID_RETURN',
    `${label}: the result must be ${row.returns(ret.info.size)}, got ${describe(value)}`,
  );
}

function rethrow(err: unknown): never {
  throw err;
}

/**
 * Hands a callback's error to the JS code that waits for the callback: the call from JS that C
 * is running it in rethrows it when C returns, an `.async` call whose thread waits for it
 * rejects with it. Where nothing waits, the error goes to its hook; without one, it is rethrown
 * as an uncaught exception.
 */
function report(callback: JSCallback, hook: CallbackErrorHook | undefined, err: unknown): void {
  if (native.callbackThrew(err)) return;
  const handler = hook ?? JSCallback.onError;
  if (typeof handler === 'function') {
    try {
      handler(err, callback);
      return;
    } catch (hookError) {
      err = hookError;
    }
  }
  // Not thrown here: C is still on the stack, waiting for a value.
  process.nextTick(rethrow, err);
}

let exitHooked = false;

/**
 * Node.js joins its thread pool before it exits (process.exit(), an uncaught exception), after
 * the 'exit' event and without running the event loop again: a pool thread blocked on a
 * threadsafe callback would wait forever. At that event every waiting C thread gets zero, and
 * later calls from other threads get zero at once.
 */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => native.callbackShutdown());
}

let lastHandle = 0;
const byHandle = new Map<number, JSCallback>();

/** The open callback behind a handle from getHandle(), or undefined. */
export function findCallback(handle: unknown): JSCallback | undefined {
  return typeof handle === 'number' ? byHandle.get(handle) : undefined;
}

function invalid(message: string): Error {
  return ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `JSCallback: ${message}`);
}

/** The keys a callback definition may have. */
const CALLBACK_KEYS = ['args', 'returns', 'threadsafe', 'blocking', 'onError'] as const;

/**
 * A checked copy of a JSCallback definition, read without running user code: own data
 * properties only (a getter is refused, never run; an inherited key does not count), `args`
 * copied from a plain array, a Proxy refused.
 */
function callbackDefinition(def: unknown): JSCallbackDefinition {
  if (!isReadable(def) || typeof def === 'function') {
    throw invalid(
      `the second argument must be a definition like { args: [...], returns: ... }, got ${describe(def)}${
        typeof def === 'object' && def !== null ? ' (a Proxy is not taken: its traps would run)' : ''
      }`,
    );
  }
  const refuse = (problem: string): never => {
    throw invalid(problem);
  };
  const out: Record<string, unknown> = {};
  for (const key of CALLBACK_KEYS) {
    const value = ownProperty(def, key, refuse);
    if (value !== undefined) out[key] = value;
  }
  if (out.args !== undefined) out.args = ownList(out.args, (problem) => refuse(`args ${problem}`), 'an array of types');
  if (out.onError !== undefined && typeof out.onError !== 'function')
    throw invalid(`onError must be a function, got ${describe(out.onError)}`);
  for (const key of ['threadsafe', 'blocking'] as const) {
    if (out[key] !== undefined && typeof out[key] !== 'boolean')
      throw invalid(`${key} must be a boolean, got ${describe(out[key])}`);
  }
  return out as JSCallbackDefinition;
}

/**
 * Internal: the C function pointer of `x` if it is a JSCallback (0 once closed), else -1. Runs no
 * user code.
 */
export let callbackAddress: (x: object) => number;

/**
 * A JavaScript function that C can call through `ptr`, from this thread or (threadsafe) any. The
 * function's parameters are typed from the definition's `args`, its result from `returns`.
 */
export class JSCallback<const D extends JSCallbackDefinition = JSCallbackDefinition> {
  static {
    // A private-field brand check: runs no user code, whatever `x` is (a Proxy's traps, a
    // subclass's `ptr` getter), which the call path's checks rely on (lib/wrapper.ts).
    callbackAddress = (x) => (#record in x ? (x.#record === null ? 0 : x.#ptr) : -1);
  }

  /**
   * The error hook of callbacks that have no `onError` of their own. When neither is set, an
   * error is rethrown as an uncaught exception on the next tick; C receives zero either way.
   */
  static onError: CallbackErrorHook | null = null;

  /** Whether C may call `ptr` from other threads. */
  readonly threadsafe: boolean;
  #record: NativeCallback | null;
  readonly #fn: UserFunction;
  readonly #ptr: number;
  readonly #handle: number;
  #refs: number;

  /**
   * Makes the C function pointer for `callback`. Throws ERR_ARKFFI_INVALID_DEFINITION for a bad
   * definition, ERR_ARKFFI_UNKNOWN_TYPE for an unknown type name.
   */
  constructor(callback: CallbackFunction<D>, given: D) {
    if (typeof callback !== 'function') {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `JSCallback: the first argument must be the function to call, got ${describe(callback)}`,
      );
    }
    const def = callbackDefinition(given);
    const args = (def.args ?? []).map((t, i) => resolveType(t, `JSCallback: argument ${i + 1}`));
    const ret = resolveType(def.returns ?? 'void', 'JSCallback: return type');
    const threadsafe = def.threadsafe === true;
    const blocking = def.blocking !== false;
    if (!blocking && (!threadsafe || ret.info.kind !== 'void')) {
      throw invalid(
        `blocking: false is for threadsafe callbacks returning void (a caller that does not wait gets no result), got threadsafe: ${threadsafe} and returns: ${ret.info.kind}`,
      );
    }
    const label = callbackLabel(callback, args, ret);
    const hook = def.onError;
    const dispatch = dispatcherFactory(args, ret)(
      callback,
      (err) => report(this, hook, err),
      (value) => {
        F[L.slotResult] = 0;
        report(this, hook, resultError(label, ret, value));
      },
    );
    if (threadsafe) hookExit();
    const created = native.callbackCreate(
      dispatch,
      args.map((t) => t.desc),
      ret.desc,
      threadsafe,
      blocking,
    );
    this.threadsafe = threadsafe;
    this.#record = created.record;
    this.#fn = callback;
    this.#ptr = created.ptr;
    this.#handle = ++lastHandle;
    this.#refs = threadsafe ? 1 : 0;
    byHandle.set(this.#handle, this);
  }

  /** The C function pointer; 0 after close() (a copy C kept stays safe to call: it returns 0). */
  get ptr(): number {
    return this.#record === null ? 0 : this.#ptr;
  }

  /** A positive id for ffi.invokeCallback and the other raw-bridge functions; 0 after close(). */
  getHandle(): number {
    return this.#record === null ? 0 : this.#handle;
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.#record === null;
  }

  /**
   * Calls the function directly from JS, with the arguments unchanged, and returns its result.
   * `this` is undefined in it, as in a call from C (ArkFFI passed the global object).
   */
  call(...args: CallbackArgsOf<D>): CallbackReturnOf<D> {
    if (this.#record === null) throw ffiError(Error, 'ERR_ARKFFI_CLOSED', 'invalid or closed callback handle');
    // A plain call: `this.#fn(...)` would make this JSCallback the receiver.
    const fn = this.#fn;
    return fn(...args);
  }

  /**
   * Counts one more reason to keep the event loop alive for this threadsafe callback; returns the
   * count. A threadsafe callback starts at 1; other callbacks never keep the process alive (0).
   */
  ref(): number {
    if (this.#record === null || !this.threadsafe) return 0;
    if (this.#refs++ === 0) native.callbackRef(this.#record, true);
    return this.#refs;
  }

  /** Undoes one ref(); at 0 the callback no longer keeps the event loop alive. Returns the count. */
  unref(): number {
    if (this.#record === null || this.#refs === 0) return 0;
    if (--this.#refs === 0) native.callbackRef(this.#record, false);
    return this.#refs;
  }

  /**
   * Releases the function. Idempotent. The pointer stays valid for C but inert: calls return 0
   * (for a struct result, zeroed bytes) without running JavaScript.
   */
  close(): void {
    if (this.#record === null) return;
    native.callbackClose(this.#record);
    this.#record = null;
    this.#refs = 0;
    byHandle.delete(this.#handle);
  }

  /** close(), for `using cb = new JSCallback(...)`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
