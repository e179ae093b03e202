/**
 * Struct field codecs: how each scalar C type inside a struct is read from and written to its
 * bytes. Conversions and range checks are those of call arguments and results, so a value that
 * a call would refuse is refused in a struct too, with the field's name. Used by struct.ts.
 */
import { types } from 'node:util';
import { describe, ffiError, ownProperty } from './errors';
import { kindRow } from './kinds';
import type { NativeTypeDesc } from './native';
import { fieldPointer } from './transient';
import { resolveType } from './types';

/** A scalar inside a struct, at its offset from the start of the outermost struct. */
export interface Leaf {
  readonly at: number;
  readonly size: number;
  readonly align: number;
  /** f32 or f64: what the ABIs put in floating-point registers. */
  readonly float: boolean;
  /** Inside a union, at any depth (RISC-V passes such a struct by the integer rules alone). */
  readonly inUnion: boolean;
}

/** How one field's value travels between JS and its bytes. */
export interface Codec {
  readonly size: number;
  readonly align: number;
  /** True for structs and arrays, whose writes replace several values at once. */
  readonly composite: boolean;
  /**
   * True when libffi, given members(), lays the type out as the schema does: no union and no
   * packing that moves a field, at any depth.
   */
  readonly natural: boolean;
  read(view: DataView, at: number): unknown;
  /** Validates `value`, naming the field `path` if it is refused, and writes it at `at`. */
  write(view: DataView, at: number, value: unknown, path: string): void;
  /** Appends this type's libffi members to `out`; throws, naming `where`, if it has none. */
  members(out: NativeTypeDesc[], where: string): void;
  /** Appends every scalar in this type, which starts `at` bytes into the outermost struct. */
  leaves(out: Leaf[], at: number): void;
  /**
   * The kind of a scalar that is a plain JS number both ways (i8 ... u32, f32, f64), which a
   * typed array of that kind reads and writes as this codec does; undefined for the rest.
   */
  readonly number?: string;
  /** A flexible array member (`T name[]`, size 0): the codec of its elements. */
  readonly flexible?: Codec;
  /** A struct that ends in a flexible array member: refused as a field or array element. */
  readonly variable?: boolean;
}

export function isBufferLike(value: unknown): value is ArrayBufferLike | ArrayBufferView {
  return types.isAnyArrayBuffer(value) || ArrayBuffer.isView(value);
}

/**
 * True for an object literal or an Object.create(null), from this realm or another: the only
 * objects whose properties are a struct's fields. A Date, a Map or an array has no enumerable
 * fields, and taking one as "all fields missing" would silently write zeros.
 */
export function isPlainObject(value: object): boolean {
  // Asking a Proxy for its prototype would run its trap.
  if (types.isProxy(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Another realm's Object.prototype is the only other prototype whose own prototype is null.
  return (
    proto === Object.prototype || proto === null || (!types.isProxy(proto) && Object.getPrototypeOf(proto) === null)
  );
}

/**
 * The own data property `key` of `o`, a non-Proxy object: undefined when there is none (an
 * inherited property is not a field); throws for a getter or setter, which a struct conversion
 * never runs. `where` names the struct or field for the message.
 */
export function ownValue(o: object, key: string, where: string): unknown {
  return ownProperty(o, key, (problem) => {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `${where}: ${problem}`);
  });
}

/** Refuses a Proxy where a struct takes values: its traps would run. */
export function refuseProxy(value: unknown, where: string): void {
  if ((typeof value === 'object' || typeof value === 'function') && value !== null && types.isProxy(value)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${where} must not be a Proxy (its traps would run): pass a plain object`,
    );
  }
}

export function zero(view: DataView, at: number, size: number): void {
  // Small structs are the common case, and a loop beats allocating a Uint8Array to fill.
  if (size <= 64) {
    for (let k = 0; k < size; k++) view.setUint8(at + k, 0);
    return;
  }
  new Uint8Array(view.buffer, view.byteOffset + at, size).fill(0);
}

/** A value, described for an error message. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}...` : value);
    case 'bigint':
      return `${value}n`;
    case 'object':
      return !types.isProxy(value) && Array.isArray(value) ? 'an array' : describe(value);
    case 'function':
      return describe(value);
    default:
      return String(value);
  }
}

function refuse(path: string, problem: string, value: unknown, range = false): never {
  const message = `field '${path}' ${problem}, got ${show(value)}`;
  throw range
    ? ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', message)
    : ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', message);
}

const scalars = new Map<string, Codec>();

/**
 * The codec of a scalar field type, given by any name a definition accepts. `where` names the
 * field for errors ("Struct(): field 'x'").
 */
export function codecOf(type: unknown, where: string): Codec {
  if (typeof type !== 'string') {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `${where}: a field type must be a type name, a StructSchema or array(), got ${show(type)}`,
    );
  }
  const { info } = resolveType(type, where);
  let codec = scalars.get(info.kind);
  if (codec === undefined) {
    const row = kindRow(info.kind);
    if (row.field === undefined) {
      const why =
        info.kind === 'void'
          ? 'a field cannot be void'
          : 'a nested struct is a StructSchema, not a list of member types';
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: ${why}`);
    }
    const { kind, size, align } = info;
    const float = kind === 'f32' || kind === 'f64';
    const access = row.field(size, refuse);
    codec = {
      ...access,
      // A function-pointer field takes a JSCallback or a CFunction: their address.
      ...(kind === 'ptr' && { write: (view, at, value, path) => access.write(view, at, fieldPointer(value), path) }),
      size,
      align,
      composite: false,
      natural: true,
      members: (out) => void out.push(kind),
      leaves: (out, at) => void out.push({ at, size, align, float, inUnion: false }),
      number: row.number ? kind : undefined,
    };
    scalars.set(kind, codec);
  }
  return codec;
}
