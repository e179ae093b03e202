import { types } from 'node:util';
import { kindRow } from './kinds';

/**
 * Errors thrown by ArkFFI. Every one carries a stable `code` (ERR_ARKFFI_...), and errors about a
 * call argument also carry `argIndex` (0-based); the message names the function and the argument.
 */

/** The stable codes of ArkFFI's errors, one per kind of failure. */
export type ErrorCode =
  | 'ERR_ARKFFI_INVALID_ARG_TYPE'
  | 'ERR_ARKFFI_OUT_OF_RANGE'
  | 'ERR_ARKFFI_ARG_COUNT'
  | 'ERR_ARKFFI_CLOSED'
  | 'ERR_ARKFFI_DETACHED'
  | 'ERR_ARKFFI_DLOPEN'
  | 'ERR_ARKFFI_SYMBOL_NOT_FOUND'
  | 'ERR_ARKFFI_NOT_DEFINED'
  | 'ERR_ARKFFI_UNKNOWN_TYPE'
  | 'ERR_ARKFFI_INVALID_TYPE'
  | 'ERR_ARKFFI_INVALID_DEFINITION'
  | 'ERR_ARKFFI_NULL_POINTER'
  | 'ERR_ARKFFI_INVALID_RETURN'
  | 'ERR_ARKFFI_UNKNOWN_FIELD'
  | 'ERR_ARKFFI_TOO_MANY_ARGS'
  | 'ERR_ARKFFI_NO_MEMORY'
  | 'ERR_ARKFFI_INTERNAL'
  | 'ERR_ARKFFI_INVALID_HANDLE'
  | 'ERR_ARKFFI_INVALID_OPTION'
  | 'ERR_ARKFFI_ACCESS_DENIED';

/** The shape of every error ArkFFI throws. */
export interface ArkFFIError extends Error {
  /** What went wrong, stable across versions. */
  code: ErrorCode;
  /** The 0-based index of the call argument at fault, if an argument is. */
  argIndex?: number;
}

type ErrorClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

export function ffiError(Class: ErrorClass, code: ErrorCode, message: string): ArkFFIError {
  const err = new Class(message) as ArkFFIError;
  err.code = code;
  return err;
}

/** Rethrows a native error with a new message, keeping its class, code and argIndex. */
export function reword(err: unknown, message: string): never {
  if (err instanceof Error && typeof (err as ArkFFIError).code === 'string') {
    const again = ffiError(err.constructor as ErrorClass, (err as ArkFFIError).code, message);
    const index = (err as ArkFFIError).argIndex;
    if (index !== undefined) again.argIndex = index;
    throw again;
  }
  throw err;
}

/** An own data property of `o`, read without running user code; undefined for anything else. */
function ownData(o: object, key: PropertyKey): unknown {
  if (types.isProxy(o)) return undefined;
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

/** Throws the error for a value refused, given why. */
export type Refuse = (problem: string) => never;

/**
 * The own data property `key` of `o`, a non-Proxy object, read without running user code:
 * undefined when `o` has none of its own (the prototype chain is not consulted), and `refuse`
 * for an accessor, whose getter is never run. Every check of a definition or a struct value
 * reads objects through this.
 */
export function ownProperty(o: object, key: PropertyKey, refuse: Refuse): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return undefined;
  if (!('value' in d)) refuse(`'${String(key)}' is an accessor (get/set): give the value as a plain data property`);
  return d.value;
}

/** An object that checks may read with ownProperty: not null, not a Proxy (its traps would run). */
export function isReadable(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && !types.isProxy(value);
}

/**
 * The elements of `list`, a non-Proxy array, copied through ownProperty (a hole is undefined);
 * anything else is refused with `refuse`, saying it must be `kind`. Runs no user code.
 */
export function ownList(list: unknown, refuse: Refuse, kind = 'an array'): unknown[] {
  if (!isReadable(list) || !Array.isArray(list)) {
    refuse(
      `must be ${kind}, got ${typeof list === 'object' && list !== null && types.isProxy(list) ? 'a Proxy (its traps would run)' : describe(list)}`,
    );
  }
  const length = ownProperty(list, 'length', refuse) as number;
  const out: unknown[] = [];
  for (let i = 0; i < length; i++) out.push(ownProperty(list, i, refuse));
  return out;
}

/** The name of the class `value` is an instance of, found without running user code. */
function className(value: object): string | undefined {
  if (ArrayBuffer.isView(value)) return types.isDataView(value) ? 'DataView' : typedArrayName(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null) return undefined;
  const ctor = ownData(proto, 'constructor');
  if (typeof ctor !== 'function') return undefined;
  const name = ownData(ctor, 'name');
  return typeof name === 'string' && name !== '' ? name : undefined;
}

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)?.get;
const typedArrayName = (view: object): string => (typedArrayTag?.call(view) as string | undefined) ?? 'TypedArray';

/**
 * A short description of a rejected value, for messages. Runs no user code: no getter, no
 * Proxy trap, no toString.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return `the number ${value}`;
    case 'bigint':
      return `the BigInt ${value}n`;
    case 'string':
      return value.length > 32 ? `a string of length ${value.length}` : `the string ${JSON.stringify(value)}`;
    case 'object': {
      if (types.isProxy(value)) return 'a Proxy';
      const name = className(value);
      return name === undefined ? 'an object' : `an instance of ${name}`;
    }
    case 'function':
      return types.isProxy(value) ? 'a Proxy of a function' : 'a function';
    default:
      return typeof value;
  }
}

/** What to do instead of passing `value`, for the values users pass by mistake. */
function hint(value: unknown): string {
  if (typeof value === 'object' && value !== null && types.isProxy(value))
    return ': a Proxy is not taken, pass its target';
  if (typeof value === 'function')
    return ': a plain function passed where a callback is expected: wrap it in new JSCallback(...)';
  return '';
}

/** Why `value` is not acceptable for an argument of `kind`: [error class, code, problem]. */
function diagnose(kind: string, value: unknown): [ErrorClass, ErrorCode, string] {
  const { range, text } = kindRow(kind).refuse(value, describe(value), hint(value));
  return range ? [RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', text] : [TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', text];
}

/** Throws the error for a rejected argument. Called only from generated wrappers. */
export function throwArg(fnName: string, index: number, kind: string, value: unknown): never {
  const [Class, code, problem] = diagnose(kind, value);
  const err = ffiError(Class, code, `${fnName}(): argument ${index + 1} (${kind}) ${problem}`);
  err.argIndex = index;
  throw err;
}

export function throwCount(fnName: string, expected: string, got: number): never {
  throw ffiError(TypeError, 'ERR_ARKFFI_ARG_COUNT', `${fnName}(): expects ${expected}, got ${got}`);
}

export function throwClosed(fnName: string, what: string): never {
  throw ffiError(Error, 'ERR_ARKFFI_CLOSED', `${fnName}(): the ${what} is closed`);
}
