/**
 * Results freed for you: `returns: disposable('cstring', 'g_free')` reads the C string a function
 * returns and then frees it with the function named (looked up in the same library, and so in its
 * dependencies, libc's `free` among them), a CFunction or a JS function given the address, so that
 * `g_strdup_printf`, `mpz_get_str` or `strdup` leak nothing (koffi's `disposable`).
 */
import { describe, ffiError } from './errors';
import { TEXT_READERS } from './memory';
import type { Pointer } from './memory';

/** How a disposable result is freed: a C function's name, a CFunction, or a JS function. */
export type Free = string | ((address: Pointer) => unknown);

/**
 * The result types that can be disposable: C strings (UTF-8, UTF-16, UTF-32), read into JS before
 * the memory is freed.
 */
export type DisposableKind = 'cstring' | 'cstring16' | 'cstring32';

// The disposable types, by identity: asking a value for its class could run a Proxy's trap.
const disposables = new WeakSet<object>();

/** A result type whose C memory is freed right after the result is read into JS. */
export class DisposableType<T extends DisposableKind = DisposableKind> {
  /** The type the result is read as. */
  readonly type: T;
  /** What frees it. */
  readonly free: Free;

  /** Made by disposable(). */
  constructor(type: T, free: Free) {
    if (typeof type !== 'string' || !Object.hasOwn(TEXT_READERS, type)) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `disposable(): the type must be 'cstring', 'cstring16' or 'cstring32', got ${describe(type)}`,
      );
    }
    if (typeof free !== 'function' && (typeof free !== 'string' || free === '')) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `disposable(): free must be a C function's name, a CFunction or a function, got ${describe(free)}`,
      );
    }
    this.type = type;
    this.free = free;
    disposables.add(this);
    Object.freeze(this);
  }
}

/** `disposable('cstring', 'free')`: a C string result that is freed once read. */
export function disposable<const T extends DisposableKind>(type: T, free: Free): DisposableType<T> {
  return new DisposableType(type, free);
}

/** Whether `value` is a disposable type (a brand check: no user code runs). */
export function isDisposable(value: unknown): value is DisposableType {
  return typeof value === 'object' && value !== null && disposables.has(value);
}

/**
 * What turns the address a disposable result comes back as into the result: the string (null for
 * NULL), after the memory is given to `free`. `byName` makes the C function of a name.
 */
export function disposer(
  type: DisposableType,
  byName: (name: string) => (address: Pointer) => unknown,
): (p: Pointer) => string | null {
  const free = typeof type.free === 'string' ? byName(type.free) : type.free;
  const read = TEXT_READERS[type.type];
  return (p) => {
    if (p === 0 || p === 0n) return null;
    try {
      return read(p);
    } finally {
      free(p);
    }
  };
}
