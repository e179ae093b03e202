/**
 * Struct field codecs: how each scalar C type inside a struct is read from and written to its
 * bytes. Conversions and range checks are those of call arguments and results, so a value that
 * a call would refuse is refused in a struct too, with the field's name. Used by struct.ts.
 */
import { endianness } from 'node:os';
import { types } from 'node:util';
import { describe, ffiError, ownProperty } from './errors';
import { native, type NativeTypeDesc } from './native';
import { resolveType } from './types';

/** A scalar inside a struct, at its offset from the start of the outermost struct. */
export interface Leaf {
  readonly at: number;
  readonly size: number;
  readonly align: number;
  /** f32 or f64: what the x86-64 ABI puts in SSE registers. */
  readonly float: boolean;
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
}

const NUMBER_KINDS = new Set(['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'f32', 'f64']);

// C memory holds values in the machine's byte order.
const LE = endianness() === 'LE';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

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

type Access = Pick<Codec, 'read' | 'write'>;
type Setter = (view: DataView, at: number, value: number) => void;

function smallInt(min: number, max: number, read: Codec['read'], set: Setter): Access {
  return {
    read,
    write(view, at, value, path) {
      if (typeof value !== 'number') refuse(path, 'must be a number', value);
      if (!Number.isInteger(value) || value < min || value > max)
        refuse(path, `must be an integer in [${min}, ${max}]`, value, true);
      set(view, at, value);
    },
  };
}

/** A 64-bit integer: a number while exact (unless `alwaysBig`), a BigInt beyond. */
function int64(signed: boolean, alwaysBig: boolean): Access {
  const min = signed ? -(2n ** 63n) : 0n;
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  return {
    read(view, at) {
      const v = signed ? view.getBigInt64(at, LE) : view.getBigUint64(at, LE);
      return alwaysBig || v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
    },
    write(view, at, value, path) {
      let v: bigint;
      if (typeof value === 'bigint') v = value;
      else if (typeof value !== 'number') refuse(path, 'must be a number or a BigInt', value);
      else if (Number.isSafeInteger(value)) v = BigInt(value);
      else refuse(path, 'must be an integer (a BigInt beyond 2^53)', value, true);
      if (v < min || v > max) refuse(path, `must be in [${min}, ${max}]`, value, true);
      if (signed) view.setBigInt64(at, v, LE);
      else view.setBigUint64(at, v, LE);
    },
  };
}

/**
 * A pointer (also a `char *`): read as an address number, written from an address, null, or a
 * buffer (its address: the buffer must stay alive while C uses the struct).
 */
function pointer(size: number, isString: boolean): Access {
  const bits = size * 8;
  const min = -(2n ** BigInt(bits - 1));
  const max = 2n ** BigInt(bits) - 1n;
  return {
    read(view, at) {
      const v = size === 8 ? view.getBigUint64(at, LE) : BigInt(view.getUint32(at, LE));
      return v > MAX_SAFE ? v : Number(v);
    },
    write(view, at, value, path) {
      let v: bigint;
      if (value === null) v = 0n;
      else if (typeof value === 'bigint') v = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
      else if (isBufferLike(value)) v = BigInt(native.ptr(value));
      else if (typeof value === 'number') refuse(path, 'must be an integral address', value, true);
      else if (isString && typeof value === 'string') {
        refuse(
          path,
          "takes an address, not a string: encode it into a buffer you keep alive, e.g. Buffer.from('text\\0')",
          value,
        );
      } else refuse(path, 'must be a pointer (number, BigInt, null, ArrayBuffer or ArrayBufferView)', value);
      if (v < min || v > max) refuse(path, `must be an address of at most ${bits} bits`, value, true);
      const bitsOf = BigInt.asUintN(bits, v);
      if (size === 8) view.setBigUint64(at, bitsOf, LE);
      else view.setUint32(at, Number(bitsOf), LE);
    },
  };
}

function float(get: Codec['read'], set: Setter): Access {
  return {
    read: get,
    write(view, at, value, path) {
      if (typeof value !== 'number') refuse(path, 'must be a number', value);
      set(view, at, value);
    },
  };
}

const bool: Access = {
  read: (view, at) => view.getUint8(at) !== 0,
  write(view, at, value, path) {
    if (typeof value === 'boolean') view.setUint8(at, value ? 1 : 0);
    else if (typeof value === 'number') view.setUint8(at, value !== 0 ? 1 : 0);
    else refuse(path, 'must be a boolean or a number', value);
  },
};

function access(kind: string, size: number): Access | undefined {
  switch (kind) {
    case 'bool':
      return bool;
    case 'i8':
      return smallInt(
        -128,
        127,
        (v, at) => v.getInt8(at),
        (v, at, x) => v.setInt8(at, x),
      );
    case 'u8':
      return smallInt(
        0,
        255,
        (v, at) => v.getUint8(at),
        (v, at, x) => v.setUint8(at, x),
      );
    case 'i16':
      return smallInt(
        -32768,
        32767,
        (v, at) => v.getInt16(at, LE),
        (v, at, x) => v.setInt16(at, x, LE),
      );
    case 'u16':
      return smallInt(
        0,
        65535,
        (v, at) => v.getUint16(at, LE),
        (v, at, x) => v.setUint16(at, x, LE),
      );
    case 'i32':
      return smallInt(
        -2147483648,
        2147483647,
        (v, at) => v.getInt32(at, LE),
        (v, at, x) => v.setInt32(at, x, LE),
      );
    case 'u32':
      return smallInt(
        0,
        4294967295,
        (v, at) => v.getUint32(at, LE),
        (v, at, x) => v.setUint32(at, x, LE),
      );
    case 'i64':
      return int64(true, false);
    case 'u64':
      return int64(false, false);
    case 'bigint64':
      return int64(true, true);
    case 'biguint64':
      return int64(false, true);
    case 'f32':
      return float(
        (v, at) => v.getFloat32(at, LE),
        (v, at, x) => v.setFloat32(at, x, LE),
      );
    case 'f64':
      return float(
        (v, at) => v.getFloat64(at, LE),
        (v, at, x) => v.setFloat64(at, x, LE),
      );
    case 'ptr':
      return pointer(size, false);
    case 'cstring':
      return pointer(size, true);
    default:
      return undefined;
  }
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
    const conv = access(info.kind, info.size);
    if (conv === undefined) {
      const why =
        info.kind === 'void'
          ? 'a field cannot be void'
          : 'a nested struct is a StructSchema, not a list of member types';
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: ${why}`);
    }
    const { kind, size, align } = info;
    const float = kind === 'f32' || kind === 'f64';
    codec = {
      ...conv,
      size,
      align,
      composite: false,
      natural: true,
      members: (out) => void out.push(kind),
      leaves: (out, at) => void out.push({ at, size, align, float }),
      number: NUMBER_KINDS.has(kind) ? kind : undefined,
    };
    scalars.set(kind, codec);
  }
  return codec;
}
