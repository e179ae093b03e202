/**
 * Transient callbacks: a parameter declared `callback({ args, returns })` takes a plain JS
 * function, which C may call during that one call, with no JSCallback to make or close.
 *
 * ```ts
 * const libc = dlopen('libc.so.6', {
 *   qsort: { args: ['ptr', 'usize', 'usize', callback({ args: ['ptr', 'ptr'], returns: 'i32' })] },
 * });
 * libc.symbols.qsort(numbers, numbers.length, 4, (a, b) => read.i32(a) - read.i32(b));
 * ```
 *
 * A JSCallback's code is never freed (src/callback.c: C may keep the pointer), so one per call
 * would grow without bound. Instead each parameter position of a `callback()` type has ONE
 * JSCallback, made on its first call, whose function runs the function on top of a stack: the
 * call pushes the caller's function and pops it when it returns. Calls on the JS thread nest
 * strictly, so the top is always the function of the innermost running call that passed one: a
 * callback that calls the same C function again pushes its own and finds the outer one back
 * after. A pointer C kept and calls after the call finds the stack empty: it runs nothing, C gets
 * zero, and the error goes where a JSCallback's errors go (docs/threads.md).
 *
 * An `.async` call outlives the JS frame and interleaves with other calls, so it cannot use the
 * stack: it takes a threadsafe JSCallback of its own from the parameter's pool (callable from
 * the pool thread and from threads C starts) and gives it back when it settles. The pool is as
 * large as the most `.async` calls ever in flight at once, not as the number of calls.
 */
import { adapter, type ArgAdapter, type Prepared } from './arg-adapters';
import { pointerOf, REFUSED } from './call-runtime';
import { JSCallback, type JSCallbackDefinition } from './callback';
import { describe, ffiError, isReadable, ownList, ownProperty } from './errors';
import { resolveType } from './types';
import type { Pointer, PointerLike } from './memory';
import type { CallbackFunction, CallbackSignature } from './typing';

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * A CFunction as a `callback()` parameter types it: by its address. Without a call signature
 * (which PointerArg's FunctionPointer has), the union leaves one, so TypeScript infers a plain
 * function's parameters from the callback's signature.
 */
export interface FunctionAddress {
  readonly ptr: Pointer;
}

/** What a `callback()` parameter takes: a function of its signature, or any C function pointer. */
export type CallbackArg<D extends CallbackSignature> = CallbackFunction<D> | PointerLike | JSCallback | FunctionAddress;

/** A parameter type that takes a JS function for the duration of the call (see callback()). */
export interface CallbackParam<D extends CallbackSignature = CallbackSignature> extends ArgAdapter<CallbackArg<D>> {
  /** The signature C calls the function with. */
  readonly signature: D;
}

/** The error a call of an expired transient callback reports: C kept it past its call. */
function expired(where: string): Error {
  return ffiError(
    Error,
    'ERR_ARKFFI_CLOSED',
    `${where}: C called the function passed there after that call returned, and got zero; pass a JSCallback for a pointer C keeps`,
  );
}

/** A threadsafe callback of an `.async` call, and the function it runs while the call lasts. */
class Lent {
  run: AnyFunction | null = null;
  readonly cb: JSCallback;

  constructor(make: (run: AnyFunction) => JSCallback, where: () => string) {
    this.cb = make((...args) => {
      const run = this.run;
      if (run === null) throw expired(where());
      return run(...args);
    });
    // Idle in the pool, it must not keep the process alive; a pending call does that meanwhile.
    this.cb.unref();
  }
}

/** One parameter position's callbacks: the stack of the synchronous calls, the `.async` pool. */
class Position {
  readonly #signature: CallbackSignature;
  /** The call that passed a function last, which an expired call most likely comes from. */
  #fnName = '';
  #index = 0;
  readonly #stack: AnyFunction[] = [];
  #sync: Prepared | null = null;
  readonly #idle: Lent[] = [];

  constructor(signature: CallbackSignature) {
    this.#signature = signature;
  }

  #make(run: AnyFunction, threadsafe: boolean): JSCallback {
    // A JSCallback's errors name it by its function's name: here, the parameter it serves.
    Object.defineProperty(run, 'name', { value: this.#where });
    return new JSCallback(run as never, { ...this.#signature, threadsafe } as JSCallbackDefinition);
  }

  /** Argument `index` of `fnName`, for errors. */
  at(fnName: string, index: number): void {
    // Kept as given, formatted only for an error: this runs on every call.
    this.#fnName = fnName;
    this.#index = index;
  }

  get #where(): string {
    return `${this.#fnName}() argument ${this.#index + 1}`;
  }

  /** The synchronous call's argument: the shared pointer, with `fn` on top of the stack. */
  sync(fn: AnyFunction): Prepared {
    if (this.#sync === null) {
      const stack = this.#stack;
      const cb = this.#make((...args) => {
        const top = stack[stack.length - 1];
        if (top === undefined) throw expired(this.#where);
        return top(...args);
      }, false);
      // The same answer for every call: nothing is allocated per call.
      this.#sync = Object.freeze({ pass: cb.ptr, after: () => void stack.pop() });
    }
    this.#stack.push(fn);
    return this.#sync;
  }

  /** An `.async` call's argument: a threadsafe pointer of its own until the call settles. */
  async(fn: AnyFunction): Prepared {
    const lent =
      this.#idle.pop() ??
      new Lent(
        (run) => this.#make(run, true),
        () => this.#where,
      );
    lent.run = fn;
    return {
      pass: lent.cb.ptr,
      after: () => {
        lent.run = null;
        this.#idle.push(lent);
      },
    };
  }
}

function invalid(message: string): Error {
  return ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `callback(): ${message}`);
}

/** A checked copy of the signature, read without running user code; its types are resolved. */
function signatureOf(def: unknown): CallbackSignature {
  if (!isReadable(def) || typeof def === 'function')
    throw invalid(`the definition must be an object like { args: [...], returns: ... }, got ${describe(def)}`);
  for (const key of Reflect.ownKeys(def)) {
    if (key !== 'args' && key !== 'returns') {
      throw invalid(
        `unknown key ${String(key)}: a transient callback has only args and returns (threads: see docs/threads.md)`,
      );
    }
  }
  const refuse = (problem: string): never => {
    throw invalid(problem);
  };
  const args = ownProperty(def, 'args', refuse);
  const returns = ownProperty(def, 'returns', refuse);
  const list = args === undefined ? [] : ownList(args, (problem) => refuse(`args ${problem}`), 'an array of types');
  list.forEach((type, i) => resolveType(type as never, `callback(): argument ${i + 1}`));
  resolveType((returns ?? 'void') as never, 'callback(): return type');
  return Object.freeze({ args: Object.freeze(list), returns: returns ?? 'void' }) as CallbackSignature;
}

/**
 * A parameter type for a C function pointer with the signature `{ args, returns }`. The call
 * takes a plain JS function there, which C may call until the call returns (an `.async` call:
 * until it settles); a JSCallback, a CFunction or any other pointer value is passed as it is.
 * Throws ERR_ARKFFI_INVALID_DEFINITION or ERR_ARKFFI_UNKNOWN_TYPE for a bad signature.
 */
export function callback<const D extends CallbackSignature>(def: D): CallbackParam<D> {
  const signature = signatureOf(def) as D;
  const positions = new Map<number, Position>();
  return adapter({
    native: 'ptr',
    signature,
    prepare(value: unknown, fnName: string, index: number, async: boolean): Prepared {
      // A CFunction is a function too: it has an address, and passes it.
      if (typeof value !== 'function' || pointerOf(value) !== REFUSED) return { pass: value };
      // Per position: one C function may take two callbacks, and C tells them apart by pointer.
      let position = positions.get(index);
      if (position === undefined) positions.set(index, (position = new Position(signature)));
      position.at(fnName, index);
      return async ? position.async(value as AnyFunction) : position.sync(value as AnyFunction);
    },
  });
}

/**
 * What a pointer struct field stores for `value`: a JSCallback's or a CFunction's address, else
 * `value` itself for the field to check (a plain function is refused there: a struct outlives
 * any one call).
 */
export function fieldPointer(value: unknown): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  const p = pointerOf(value);
  return p === REFUSED ? value : p;
}
