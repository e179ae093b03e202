/**
 * Typed pointer parameters: pointer(type, count?), out(...) and inout(...), and arrays of strings
 * as a `char **` (pointer('cstring'), and the C spellings `char **`, `const char *const *`,
 * `char *argv[]`). Each is an argument adapter (arg-adapters.ts): the C function takes a `ptr`,
 * and the call converts the JS value into temporary memory before it and, for out and inout,
 * writes C's values back into the JS value after it. readCStringArray() reads a `char **` back.
 *
 * The memory is a JS ArrayBuffer sized exactly, kept by the call (by `.async` until the Promise
 * settles) and left to the garbage collector after: a pointer C keeps beyond the call dangles.
 *
 * Values are read and written without running user code: no Proxy, getter, setter or valueOf.
 */
import { endianness } from 'node:os';
import { types } from 'node:util';
import { adapter, type ArgAdapter, type Prepared } from './arg-adapters';
import { describe, ffiError, ownProperty, type ArkFFIError } from './errors';
import { kindRow, type KindRow } from './kinds';
import { ptr, read, readCString, type PointerLike } from './memory';
import { underlying, type AliasType, type OpaqueType } from './named';
import { StructSchema, structReaderOf, structWriter } from './struct';
import { codecOf, isBufferLike, isPlainObject, type Codec } from './struct-fields';
import { resolveType } from './types';
import type { FieldInputValue, FieldTypeName, FieldValue, StructInput, StructValue } from './typing';

/** Whether C only reads the memory (in), only writes it (out), or both (inout). */
export type Direction = 'in' | 'out' | 'inout';

/**
 * What a pointer parameter can point to: a scalar type (`cstring`: a string), a struct, a handle
 * type (`out(pointer(sqlite3))` for a `sqlite3 **`), an alias of one.
 */
export type PointeeType = FieldTypeName | StructSchema<any> | OpaqueType<string> | AliasType<string, any>;

type IsString<T> = T extends 'cstring' | 'CString' | 's' | 'char *' | 'char*' | 'const char *' | 'const char*'
  ? true
  : false;

/** What an `in` pointer to `T` takes besides an address: the value or values it points to. */
type InValue<T> =
  T extends StructSchema<infer F>
    ? StructInput<F> | readonly StructInput<F>[]
    : IsString<T> extends true
      ? readonly (string | null)[]
      : readonly Exclude<FieldInputValue<T>, ArrayBufferLike | ArrayBufferView>[];

/** What an `out` pointer to `T` takes: what the call writes back into (a hole or null is a placeholder). */
type OutValue<T> =
  T extends StructSchema<infer F>
    ? StructInput<F> | (StructValue<F> | null | undefined)[]
    : IsString<T> extends true
      ? (string | null | undefined)[]
      : (FieldValue<T> | null | undefined)[];

/** What an `inout` pointer to `T` takes: values to pass, in something the call writes back into. */
type InoutValue<T> =
  T extends StructSchema<infer F>
    ? StructInput<F> | (StructInput<F> | undefined)[]
    : IsString<T> extends true
      ? (string | null)[]
      : (Exclude<FieldInputValue<T>, ArrayBufferLike | ArrayBufferView> | undefined)[];

/** What a pointer parameter to `T` passed `D` takes: a buffer (in place), null, or values to convert. */
export type PointerValue<T, D extends Direction> = D extends 'in'
  ? PointerLike | InValue<T>
  : null | ArrayBufferLike | ArrayBufferView | (D extends 'out' ? OutValue<T> : InoutValue<T>);

/** A pointer parameter: see pointer(), out() and inout(). */
export interface PointerParam<T extends PointeeType = PointeeType, D extends Direction = Direction> extends ArgAdapter<
  PointerValue<T, D>
> {
  /** The type pointed to. */
  readonly pointee: T;
  /** How many elements C reads or writes; undefined: as many as the value has. */
  readonly count: number | undefined;
  readonly direction: D;
}

/** How one element of the pointed-to memory converts. */
interface Element {
  readonly size: number;
  /** The C type pointed to, for messages. */
  readonly c: string;
  /** A TypedArray that holds such elements as C does, which then passes in place. */
  readonly typed?: (value: unknown) => boolean;
  /** Checks and writes `value`; throws a message without the argument's name, which the caller adds. */
  write(view: DataView, at: number, value: unknown): void;
  read(view: DataView, at: number): unknown;
  readonly schema?: StructSchema;
}

// The TypedArray brand checks of the scalar kinds (no user code runs in them).
const TYPED: Record<string, (value: unknown) => boolean> = {
  bool: types.isUint8Array,
  i8: types.isInt8Array,
  u8: types.isUint8Array,
  i16: types.isInt16Array,
  u16: types.isUint16Array,
  i32: types.isInt32Array,
  u32: types.isUint32Array,
  f32: types.isFloat32Array,
  f64: types.isFloat64Array,
  i64: types.isBigInt64Array,
  bigint64: types.isBigInt64Array,
  u64: types.isBigUint64Array,
  biguint64: types.isBigUint64Array,
};

const POINTER_SIZE = resolveType('ptr', 'pointer()').info.size;

function invalidType(message: string): never {
  throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `pointer(): ${message}`);
}

/** A scalar element, checked as a call argument of its kind is. */
function scalarElement(kind: string, codec: Codec, row: KindRow): Element {
  return {
    size: codec.size,
    c: row.c,
    typed: TYPED[kind] ?? (kind === 'ptr' && POINTER_SIZE === 8 ? types.isBigUint64Array : undefined),
    write(view, at, value) {
      if (!row.accepts(value)) {
        const { range, text } = row.refuse(value, describe(value), '');
        throw range
          ? ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', text)
          : ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', text);
      }
      codec.write(view, at, value, '');
    },
    read: (view, at) => codec.read(view, at),
  };
}

function structElement(schema: StructSchema): Element {
  const writeStruct = structWriter(schema);
  const readStruct = structReaderOf(schema);
  return {
    size: schema.size,
    c: schema.kind,
    schema,
    write: (view, at, value) => writeStruct(new DataView(view.buffer, view.byteOffset + at, schema.size), value),
    read: (view, at) => readStruct(view, at),
  };
}

/** The element of `type`, or 'string' for a `char *` (an array of strings has its own layout). */
function elementOf(type: unknown): Element | 'string' {
  const t = underlying(type);
  if (typeof t === 'object' && t !== null && !types.isProxy(t) && t instanceof StructSchema) return structElement(t);
  if (typeof t !== 'string')
    invalidType(`the type pointed to must be a type name or a StructSchema, got ${describe(t)}`);
  const { info } = resolveType(t, 'pointer()');
  if (info.kind === 'cstring') return 'string';
  const codec = codecOf(t, 'pointer()');
  return scalarElement(info.kind, codec, kindRow(info.kind));
}

/** One call's refusal of its argument: "fn(): argument 2 (out int32_t *) ...". */
function refusal(fnName: string, index: number, title: string, err: unknown): ArkFFIError {
  const { code, message } = err as ArkFFIError;
  const Class = err instanceof RangeError ? RangeError : TypeError;
  const again = ffiError(
    Class,
    code ?? 'ERR_ARKFFI_INVALID_ARG_TYPE',
    `${fnName}(): argument ${index + 1} (${title}) ${message}`,
  );
  again.argIndex = index;
  return again;
}

const typeError = (text: string): ArkFFIError => ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', text);
const rangeError = (text: string): ArkFFIError => ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', text);

/** Reads the own data element `k` of a non-Proxy array, refusing an accessor. */
function elementAt(list: object, k: number): unknown {
  return ownProperty(list, k, (problem) => {
    throw typeError(problem);
  });
}

/**
 * Refuses an array the call could not write `n` elements back into: frozen, not extensible
 * where it must grow, or with an accessor or read-only element in the way.
 */
function checkWritableList(list: unknown[], n: number): void {
  if (Object.isFrozen(list) && n > 0)
    throw typeError('must be an array the call can write back into, got a frozen array');
  for (let k = 0; k < n; k++) {
    const d = Object.getOwnPropertyDescriptor(list, k);
    if (d === undefined ? !Object.isExtensible(list) : !('value' in d) || d.writable !== true) {
      throw typeError(
        `must be an array the call can write back into: element ${k} is ${d === undefined ? 'missing and the array cannot grow' : 'read-only or an accessor'}`,
      );
    }
  }
}

/** Refuses a struct object the call could not set the fields of. */
function checkWritableObject(o: object, schema: StructSchema): void {
  if (!isPlainObject(o)) throw typeError(`must be a plain object of fields, got ${describe(o)}`);
  for (const name of schema.fieldNames) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d === undefined ? !Object.isExtensible(o) : !('value' in d) || d.writable !== true) {
      throw typeError(
        `must be an object the call can set the fields of: field '${name}' is ${d === undefined ? 'missing and the object cannot take it' : 'read-only or an accessor'}`,
      );
    }
  }
}

/** Sets `o[key]` to `value` as a data property, without running a setter (own or inherited). */
function put(o: object, key: PropertyKey, value: unknown): void {
  const d = Object.getOwnPropertyDescriptor(o, key);
  Object.defineProperty(
    o,
    key,
    d === undefined ? { value, writable: true, enumerable: true, configurable: true } : { value },
  );
}

/** Copies a struct read back into the object passed: each field set to C's value. */
function setFields(o: object, fields: object): void {
  for (const key of Object.keys(fields)) put(o, key, (fields as Record<string, unknown>)[key]);
}

/** Writes the values of `list` into new memory for `n` elements (out: none, zeroed). */
function runOf(elem: Element, list: unknown[], n: number, direction: Direction): Prepared {
  const buffer = new ArrayBuffer(n * elem.size);
  const view = new DataView(buffer);
  if (direction !== 'out') {
    const length = Math.min(n, list.length);
    for (let k = 0; k < length; k++) {
      const item = elementAt(list, k);
      // A hole (or undefined) is a zero element, as in a C initializer.
      if (item === undefined) continue;
      try {
        elem.write(view, k * elem.size, item);
      } catch (err) {
        throw Object.assign(err as Error, { message: `element ${k} ${(err as Error).message}` });
      }
    }
  }
  if (direction === 'in') return { pass: buffer };
  return {
    pass: buffer,
    after: () => {
      for (let k = 0; k < n; k++) put(list, k, elem.read(view, k * elem.size));
    },
  };
}

/**
 * An array of `n` strings (or nulls) as C's `char **`: n pointers and a NULL after them, then
 * each string's UTF-8 bytes and NUL, all in one buffer. Out: the pointers are NULL, and after
 * the call each becomes the string C's pointer points to (null for NULL).
 */
function stringsOf(list: unknown[], n: number, direction: Direction): Prepared {
  const texts: (string | null)[] = [];
  let bytes = (n + 1) * POINTER_SIZE;
  for (let k = 0; k < n; k++) {
    const item = direction === 'out' || k >= list.length ? null : elementAt(list, k);
    if (item !== null && typeof item !== 'string')
      throw typeError(`element ${k} must be a string or null, got ${describe(item)}`);
    if (item !== null && item.includes('\0'))
      throw typeError(`element ${k} contains a NUL character, where C would end it`);
    texts.push(item);
    if (item !== null) bytes += Buffer.byteLength(item) + 1;
  }
  const buffer = new ArrayBuffer(bytes);
  const view = new DataView(buffer);
  const chars = Buffer.from(buffer);
  const base = ptr(buffer);
  let at = (n + 1) * POINTER_SIZE;
  texts.forEach((text, k) => {
    if (text === null) return;
    writePointer(view, k * POINTER_SIZE, base + at);
    at += chars.write(text, at, 'utf8') + 1;
  });
  if (direction === 'in') return { pass: buffer };
  return {
    pass: buffer,
    after: () => {
      for (let k = 0; k < n; k++) {
        const p = read.ptr(buffer, k * POINTER_SIZE);
        put(list, k, p === 0 ? null : readCString(p));
      }
    },
  };
}

// C memory holds pointers in the machine's byte order.
const LE = endianness() === 'LE';

function writePointer(view: DataView, at: number, address: number): void {
  if (POINTER_SIZE === 8) view.setBigUint64(at, BigInt(address), LE);
  else view.setUint32(at, address, LE);
}

/** The memory for one struct given as an object (out: zeroed; after: its fields set). */
function structOf(elem: Element, o: object, n: number, direction: Direction): Prepared {
  const schema = elem.schema as StructSchema;
  if (direction !== 'in') checkWritableObject(o, schema);
  const buffer = new ArrayBuffer(n * elem.size);
  const view = new DataView(buffer);
  if (direction !== 'out') elem.write(view, 0, o);
  if (direction === 'in') return { pass: buffer };
  return { pass: buffer, after: () => setFields(o, elem.read(view, 0) as object) };
}

class Pointer implements ArgAdapter {
  readonly native = 'ptr';
  readonly #elem: Element | 'string';
  readonly #title: string;

  constructor(
    readonly pointee: PointeeType,
    readonly count: number | undefined,
    readonly direction: Direction,
  ) {
    this.#elem = elementOf(pointee);
    const c = this.#elem === 'string' ? 'char **' : `${this.#elem.c} *`;
    this.#title = direction === 'in' ? c : `${direction} ${c}`;
    Object.freeze(this);
    adapter(this);
  }

  prepare(value: unknown, fnName: string, index: number): Prepared {
    try {
      return this.#prepare(value);
    } catch (err) {
      throw refusal(fnName, index, this.#title, err);
    }
  }

  #prepare(value: unknown): Prepared {
    const elem = this.#elem;
    if (value === null) return { pass: null };
    if (isBufferLike(value)) return { pass: this.#buffer(value) };
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (this.direction !== 'in') {
        throw typeError(
          `must be ${this.#expects()}, got ${describe(value)}: an address cannot be written back (declare the parameter pointer(...) without ${this.direction}() to pass one)`,
        );
      }
      if (typeof value === 'number' && !Number.isSafeInteger(value)) {
        throw typeError(
          `takes a number as an address, got ${describe(value)}: to pass a value, give it in an array ([${value}])`,
        );
      }
      return { pass: value };
    }
    if (typeof value === 'object' && types.isProxy(value))
      throw typeError('must not be a Proxy (its traps would run): pass its target');
    if (Array.isArray(value)) {
      const length = value.length;
      const n = this.count ?? length;
      if (length > n) throw rangeError(`holds ${n} elements, got an array of ${length}`);
      if (this.direction !== 'in') checkWritableList(value, n);
      return elem === 'string' ? stringsOf(value, n, this.direction) : runOf(elem, value, n, this.direction);
    }
    if (elem !== 'string' && elem.schema !== undefined && typeof value === 'object') {
      return structOf(elem, value as object, this.count ?? 1, this.direction);
    }
    throw typeError(`must be ${this.#expects()}, got ${describe(value)}`);
  }

  /** A buffer passed in place: refused if it is too short for `count` or holds other elements. */
  #buffer(value: ArrayBufferLike | ArrayBufferView): unknown {
    const elem = this.#elem;
    const typed = elem !== 'string' && elem.typed;
    const bytes = types.isAnyArrayBuffer(value) || types.isDataView(value) || types.isUint8Array(value);
    if (typed && !bytes && !typed(value)) throw typeError(`must hold ${elem.c} elements: got ${describe(value)}`);
    const size = elem === 'string' ? POINTER_SIZE : elem.size;
    if (this.count !== undefined && value.byteLength < this.count * size) {
      throw rangeError(
        `must have room for ${this.count} elements (${this.count * size} bytes), got ${value.byteLength} bytes`,
      );
    }
    return value;
  }

  #expects(): string {
    const elem = this.#elem;
    const what =
      elem === 'string'
        ? 'an array of strings'
        : elem.schema !== undefined
          ? 'an object of fields, an array of them'
          : 'an array of numbers';
    return this.direction === 'in' ? `${what}, a buffer, an address or null` : `${what}, a buffer or null`;
  }
}

function checkCount(count: unknown): number | undefined {
  if (count === undefined) return undefined;
  if (!Number.isSafeInteger(count) || (count as number) < 1) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `pointer(): the count must be a positive integer, got ${describe(count)}`,
    );
  }
  return count as number;
}

/**
 * A parameter that points to `type`: `pointer('i32')` is an `int32_t *`, `pointer(Point)` a
 * `struct Point *`, `pointer('cstring')` a `char **`. A call passes an address, a buffer (in
 * place) or null as `ptr` does, or the values pointed to, which it copies into memory kept for
 * the call: an array for a run of elements (a scalar is a one-element array), an object for a
 * struct, an array of strings (and nulls) for a `char **`, which C gets NULL-terminated.
 *
 * @param count how many elements C reads (or writes): the memory has that many, an array may
 *   have fewer (the rest are zero), a buffer must have room for them. By default, as many as
 *   the value has. (koffi's second argument is a pointer depth; this one is a length.)
 */
export function pointer<const T extends PointeeType>(type: T, count?: number): PointerParam<T, 'in'> {
  return new Pointer(type, checkCount(count), 'in') as unknown as PointerParam<T, 'in'>;
}

function redirect<T extends PointeeType, D extends Direction>(
  fnName: D,
  type: PointerParam<T, 'in'>,
): PointerParam<T, D> {
  const given: unknown = type;
  if (
    !(typeof given === 'object' && given !== null && !types.isProxy(given) && given instanceof Pointer) ||
    given.direction !== 'in'
  ) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `${fnName}(): takes a pointer(...) type, got ${describe(type)}`,
    );
  }
  return new Pointer(given.pointee, given.count, fnName) as unknown as PointerParam<T, D>;
}

/**
 * An output parameter: C writes the pointed-to values and the call writes them back into the
 * array (element by element) or struct object (field by field) it was given. The memory starts
 * zeroed: the value's contents are not read. `out(pointer('int'))` takes `[0]` (or `[null]`) and
 * leaves C's int in element 0. Refuses what cannot be written back (an address, a frozen object).
 */
export function out<T extends PointeeType>(type: PointerParam<T, 'in'>): PointerParam<T, 'out'> {
  return redirect('out', type);
}

/** Like out(), but the values are also passed in: C reads them, then the call writes C's back. */
export function inout<T extends PointeeType>(type: PointerParam<T, 'in'>): PointerParam<T, 'inout'> {
  return redirect('inout', type);
}

// The parameter that `char **` and its other spellings stand for in a definition.
let stringArray: ArgAdapter | undefined;

/**
 * A definition's parameters with each spelling of `char **` (`const char **`, `char *const *`)
 * replaced by pointer('cstring'), which takes an array of strings besides what a `ptr` takes.
 */
export function withStringArrays(args: readonly unknown[]): readonly unknown[] {
  const isStrings = (t: unknown): boolean =>
    typeof t === 'string' && t.replace(/\b(?:const|volatile)\b|\s+/g, '') === 'char**';
  if (!args.some(isStrings)) return args;
  stringArray ??= pointer('cstring');
  return args.map((t) => (isStrings(t) ? stringArray : t));
}

/**
 * The strings of a `char **` at `address`: up to its NULL pointer, or exactly `count` of them,
 * where a NULL element is null. The strings are copied; the memory stays C's.
 */
export function readCStringArray(address: PointerLike, count?: number): (string | null)[] {
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
    const err = ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `readCStringArray(): argument 2 (count) must be a non-negative integer, got ${describe(count)}`,
    );
    err.argIndex = 1;
    throw err;
  }
  const list: (string | null)[] = [];
  try {
    for (let k = 0; count === undefined || k < count; k++) {
      const p = read.ptr(address, k * POINTER_SIZE);
      if (p == 0 && count === undefined) break;
      list.push(p == 0 ? null : readCString(p));
    }
  } catch (err) {
    throw Object.assign(err as Error, {
      message: (err as Error).message.replace(/^read\.ptr\(\)/, 'readCStringArray()'),
    });
  }
  return list;
}
