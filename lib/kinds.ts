/**
 * The table of C type kinds: one row per kind the addon resolves a type name to (src/types.c,
 * `ak_kind`), with everything the TypeScript layer knows of it: the C type, the range of a small
 * integer, what an argument takes and what a callback's result must be (for messages), how calls
 * and callbacks convert its values (lib/kind-conversions.ts), and how a struct field of the kind
 * reads and writes its bytes. Adding a type is adding a row here and in the C table; the compiler
 * checks that every kind has one, and the load that the addon's kinds are these, in its order.
 */
import { endianness } from 'node:os';
import { types } from 'node:util';
import {
  BOOL,
  FLOAT,
  int64Conversions,
  isBuffer,
  NAPI_ENV,
  NAPI_VALUE,
  POINTER,
  smallIntConversions,
  STRING,
  STRUCT,
  VOID,
  WIDE_STRING,
  type Conversions,
} from './kind-conversions';
import { native } from './native';
import { ownedText } from './struct-text';

/** The canonical kinds, in the addon's enum order. */
export type Kind =
  | 'void'
  | 'bool'
  | 'i8'
  | 'u8'
  | 'i16'
  | 'u16'
  | 'i32'
  | 'u32'
  | 'i64'
  | 'u64'
  | 'bigint64'
  | 'biguint64'
  | 'i16_be'
  | 'u16_be'
  | 'i32_be'
  | 'u32_be'
  | 'i64_be'
  | 'u64_be'
  | 'f32'
  | 'f64'
  | 'ptr'
  | 'cstring'
  | 'cstring16'
  | 'cstring32'
  | 'napi_env'
  | 'napi_value'
  | 'struct';

/** Why a value was refused: `range` when it has an accepted JS type but is out of range. */
export interface Problem {
  readonly range: boolean;
  readonly text: string;
}

/** Refuses a struct field's value: names the field `path`, says `problem`, shows `value`. */
export type RefuseField = (path: string, problem: string, value: unknown, range?: boolean) => never;

/** How a struct field of one kind reads and writes its bytes. */
export interface FieldAccess {
  read(view: DataView, at: number): unknown;
  /** Validates `value`, naming the field `path` if it is refused, and writes it at `at`. */
  write(view: DataView, at: number, value: unknown, path: string): void;
}

/** An integer kind of at most 32 bits. */
export interface SmallInt {
  readonly min: number;
  readonly max: number;
  /** Code that is true when the number `v` (an expression read once) is in range. */
  readonly test: (v: string) => string;
}

export interface KindRow extends Conversions {
  /** The C type, for messages. */
  readonly c: string;
  /**
   * Whether a value of the kind may cross as a Node-API value (a reference: a BigInt, a string, a
   * buffer) rather than as a double in its slot; src/kinds.c's `ref`.
   */
  readonly ref: boolean;
  /** For integers of at most 32 bits: their range. */
  readonly int?: SmallInt;
  /** A plain JS number both ways, which a typed array of the kind reads and writes as C does. */
  readonly number: boolean;
  /**
   * Whether `value` is a plain value of the kind: a number, BigInt, boolean or null as the kind
   * takes them (calls take more for pointers and strings: buffers, functions, JS strings).
   */
  readonly accepts: (value: unknown) => boolean;
  /** Why `value` (described as `got`; `hint` says what to do instead) is no argument of the kind. */
  readonly refuse: (value: unknown, got: string, hint: string) => Problem;
  /** What a callback's result of the kind must be; `size` is a struct's. */
  readonly returns: (size: number) => string;
  /**
   * Whether a refused callback result is a RangeError rather than a TypeError: a value of an
   * accepted JS type out of range, a buffer too short.
   */
  readonly rangeResult: (value: unknown) => boolean;
  /**
   * What `write.*` hands the addon for a value of the kind it has checked: a number for the kinds
   * up to 32 bits and the floats, a BigInt for the rest, as C casts it; undefined: no `write.*`.
   */
  readonly toMemory?: (value: unknown) => unknown;
  /** How a struct field of the kind reads and writes its `size` bytes; undefined: no field. */
  readonly field?: (size: number, refuse: RefuseField) => FieldAccess;
}

// C memory holds values in the machine's byte order.
const LE = endianness() === 'LE';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Get = (view: DataView, at: number) => number;
type Set = (view: DataView, at: number, value: number) => void;

const typeError = (text: string): Problem => ({ range: false, text });
const rangeError = (text: string): Problem => ({ range: true, text });

function smallInt(min: number, max: number, test: SmallInt['test'], get: Get, set: Set): KindRow {
  const int = { min, max, test };
  const accepts = (value: unknown): boolean =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  return {
    ...smallIntConversions(int, accepts),
    c: `${min < 0 ? '' : 'u'}int${Math.log2(max - min + 1)}_t`,
    ref: false,
    int,
    number: true,
    accepts,
    refuse: (value, got) =>
      typeof value === 'number'
        ? rangeError(`must be an integer in [${min}, ${max}], got ${got}`)
        : typeError(`must be a number, got ${got}`),
    returns: () => `an integer in [${min}, ${max}]`,
    rangeResult: (value) => typeof value === 'number',
    toMemory: (value) => value,
    field: smallIntField(int, get, set),
  };
}

/**
 * A big-endian integer of at most 32 bits: its plain kind's row, but for its C type (for
 * messages) and its field, whose bytes are in big-endian order. A typed array would read its
 * elements in the machine's order, so it is no plain `number` kind.
 */
function bigEndian(row: KindRow, type: 'Int16' | 'Uint16' | 'Int32' | 'Uint32'): KindRow {
  const get = DataView.prototype[`get${type}`];
  const set = DataView.prototype[`set${type}`];
  return {
    ...row,
    c: `${row.c} (big-endian)`,
    number: false,
    field: smallIntField(
      row.int!,
      (view, at) => get.call(view, at, false),
      (view, at, x) => set.call(view, at, x, false),
    ),
  };
}

function smallIntField({ min, max }: SmallInt, get: Get, set: Set): KindRow['field'] {
  return (_size: number, refuse: RefuseField) => ({
    read: get,
    write(view, at, value, path) {
      if (typeof value !== 'number') refuse(path, 'must be a number', value);
      if (!Number.isInteger(value) || value < min || value > max)
        refuse(path, `must be an integer in [${min}, ${max}]`, value, true);
      set(view, at, value);
    },
  });
}

/**
 * A 64-bit integer: a number while exact (unless `alwaysBig`), a BigInt beyond; in a struct, its
 * bytes are in the machine's order, or big-endian with `bigEndianBytes`.
 */
function int64(signed: boolean, alwaysBig: boolean, bigEndianBytes = false): KindRow {
  const little = LE && !bigEndianBytes;
  const min = signed ? -(2n ** 63n) : 0n;
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  const range = signed ? '[-2^63, 2^63 - 1]' : '[0, 2^64 - 1]';
  return {
    ...int64Conversions(signed, alwaysBig),
    c: (signed ? 'int64_t' : 'uint64_t') + (bigEndianBytes ? ' (big-endian)' : ''),
    ref: true,
    number: false,
    accepts: (value) =>
      (typeof value === 'bigint' && value >= min && value <= max) ||
      (Number.isSafeInteger(value) && (signed || (value as number) >= 0)),
    refuse(value, got) {
      if (typeof value === 'bigint') return rangeError(`must be a BigInt in ${range}, got ${got}`);
      if (typeof value !== 'number') return typeError(`must be a number or a BigInt, got ${got}`);
      const why = !Number.isInteger(value)
        ? 'must be an integer'
        : !signed && value < 0
          ? 'must not be negative'
          : 'must be a safe integer (pass a BigInt beyond 2^53)';
      return rangeError(`${why}, got ${got}`);
    },
    returns: () =>
      signed
        ? `a safe integer or a BigInt in [-(2^63), 2^63 - 1]`
        : `a safe integer or a BigInt in ${range}, not negative`,
    rangeResult: (value) => typeof value === 'number' || typeof value === 'bigint',
    toMemory: signed
      ? (value) => BigInt(value as number | bigint)
      : (value) => BigInt.asUintN(64, BigInt(value as number | bigint)),
    field: (_size: number, refuse: RefuseField) => ({
      read(view, at) {
        const v = signed ? view.getBigInt64(at, little) : view.getBigUint64(at, little);
        return alwaysBig || v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
      },
      write(view, at, value, path) {
        let v: bigint;
        if (typeof value === 'bigint') v = value;
        else if (typeof value !== 'number') refuse(path, 'must be a number or a BigInt', value);
        else if (Number.isSafeInteger(value)) v = BigInt(value);
        else refuse(path, 'must be an integer (a BigInt beyond 2^53)', value, true);
        if (v < min || v > max) refuse(path, `must be in [${min}, ${max}]`, value, true);
        if (signed) view.setBigInt64(at, v, little);
        else view.setBigUint64(at, v, little);
      },
    }),
  };
}

function float(c: string, get: Get, set: Set): KindRow {
  return {
    ...FLOAT,
    c,
    ref: false,
    number: true,
    accepts: (value) => typeof value === 'number',
    refuse: (_value, got) => typeError(`must be a number, got ${got}`),
    returns: () => 'a number',
    rangeResult: () => false,
    toMemory: (value) => value,
    field: (_size: number, refuse: RefuseField) => ({
      read: get,
      write(view, at, value, path) {
        if (typeof value !== 'number') refuse(path, 'must be a number', value);
        set(view, at, value);
      },
    }),
  };
}

/**
 * A pointer field (also a `char *`): read as an address number, written from an address, null,
 * or a buffer (its address: the buffer must stay alive while C uses the struct).
 */
/**
 * The field of a pointer kind; `unit`, for a string kind, is the bytes of its code unit: such a
 * field takes a JS string where the struct being created owns its text (lib/struct-text.ts).
 */
function pointerField(unit = 0): KindRow['field'] {
  return (size: number, refuse: RefuseField) => {
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
        else if (types.isAnyArrayBuffer(value) || ArrayBuffer.isView(value)) v = BigInt(native.ptr(value));
        else if (typeof value === 'number') refuse(path, 'must be an integral address', value, true);
        else if (unit !== 0 && typeof value === 'string') {
          const text = ownedText(view, value, unit);
          if (text === undefined) {
            refuse(
              path,
              "takes a string only in create() and createArray(), whose struct keeps the text: elsewhere pass an address or a buffer you keep alive, e.g. Buffer.from('text\\0')",
              value,
            );
          }
          v = BigInt(native.ptr(text));
        } else refuse(path, 'must be a pointer (number, BigInt, null, ArrayBuffer or ArrayBufferView)', value);
        if (v < min || v > max) refuse(path, `must be an address of at most ${bits} bits`, value, true);
        const bitsOf = BigInt.asUintN(bits, v);
        if (size === 8) view.setBigUint64(at, bitsOf, LE);
        else view.setUint32(at, Number(bitsOf), LE);
      },
    };
  };
}

/** An address as a plain value: null, a safe integer, or a BigInt of at most 64 bits. */
const isAddress = (value: unknown): boolean =>
  value === null ||
  Number.isSafeInteger(value) ||
  (typeof value === 'bigint' && (BigInt.asUintN(64, value) === value || BigInt.asIntN(64, value) === value));
const POINTER_RESULT = 'a pointer (a number, BigInt, null, ArrayBuffer or ArrayBufferView)';
const pointerRange = (value: unknown): boolean => typeof value === 'number' || typeof value === 'bigint';

/**
 * A C string of some encoding: its conversions, its C type, and what it takes (for messages). A
 * JS string cannot become a string result of a callback: nothing would own its memory after the
 * return, so that is a pointer.
 */
function textKind(conversions: Conversions, c: string, unit: number, takes: string): KindRow {
  return {
    ...conversions,
    c,
    ref: true,
    number: false,
    accepts: isAddress,
    refuse: (value, got, hint) =>
      typeError(
        `must be ${takes}, got ${got}${
          typeof value === 'number' || typeof value === 'bigint'
            ? ": to pass an address, declare the parameter 'ptr'"
            : hint
        }`,
      ),
    returns: () => POINTER_RESULT,
    rangeResult: pointerRange,
    field: pointerField(unit),
  };
}

/**
 * A kind of Node-API's own (napi_env, napi_value), for synchronous calls only: no callback
 * result, struct field nor memory. `ref`: its values pass as references (the native side takes
 * each value's handle); `accepts` and `takes`: what an argument may be, and that for messages.
 */
function engineKind(
  conversions: Conversions,
  c: string,
  ref: boolean,
  accepts: (value: unknown) => boolean,
  takes: string,
): KindRow {
  return {
    ...conversions,
    c,
    ref,
    number: false,
    accepts,
    refuse: (_value, got) => typeError(`must be ${takes}, got ${got}`),
    returns: () => 'nothing',
    rangeResult: () => false,
  };
}

// The plain integers of 16 and 32 bits, whose rows the big-endian ones start from.
const I16 = smallInt(
  -32768,
  32767,
  (v) => `((${v} << 16) >> 16) === ${v}`,
  (view, at) => view.getInt16(at, LE),
  (view, at, x) => view.setInt16(at, x, LE),
);
const U16 = smallInt(
  0,
  65535,
  (v) => `(${v} & 0xffff) === ${v}`,
  (view, at) => view.getUint16(at, LE),
  (view, at, x) => view.setUint16(at, x, LE),
);
const I32 = smallInt(
  -2147483648,
  2147483647,
  (v) => `(${v} | 0) === ${v}`,
  (view, at) => view.getInt32(at, LE),
  (view, at, x) => view.setInt32(at, x, LE),
);
const U32 = smallInt(
  0,
  4294967295,
  (v) => `(${v} >>> 0) === ${v}`,
  (view, at) => view.getUint32(at, LE),
  (view, at, x) => view.setUint32(at, x, LE),
);

export const KINDS: Readonly<Record<Kind, KindRow>> = {
  void: {
    ...VOID,
    c: 'void',
    ref: false,
    number: false,
    accepts: () => false,
    refuse: (_value, got) => typeError(`cannot take ${got}`),
    returns: () => 'undefined',
    rangeResult: () => false,
  },
  bool: {
    ...BOOL,
    c: 'bool',
    ref: false,
    number: false,
    accepts: (value) => typeof value === 'boolean' || typeof value === 'number',
    refuse: (_value, got) => typeError(`must be a boolean or a number, got ${got}`),
    returns: () => 'a boolean or a number',
    rangeResult: () => false,
    field: (_size: number, refuse: RefuseField) => ({
      read: (view, at) => view.getUint8(at) !== 0,
      write(view, at, value, path) {
        if (typeof value === 'boolean') view.setUint8(at, value ? 1 : 0);
        else if (typeof value === 'number') view.setUint8(at, value !== 0 ? 1 : 0);
        else refuse(path, 'must be a boolean or a number', value);
      },
    }),
  },
  i8: smallInt(
    -128,
    127,
    (v) => `((${v} << 24) >> 24) === ${v}`,
    (view, at) => view.getInt8(at),
    (view, at, x) => view.setInt8(at, x),
  ),
  u8: smallInt(
    0,
    255,
    (v) => `(${v} & 0xff) === ${v}`,
    (view, at) => view.getUint8(at),
    (view, at, x) => view.setUint8(at, x),
  ),
  i16: I16,
  u16: U16,
  i32: I32,
  u32: U32,
  i64: int64(true, false),
  u64: int64(false, false),
  bigint64: int64(true, true),
  biguint64: int64(false, true),
  // Integers in big-endian (network) order: the JS value is the integer, C's the swapped bytes.
  i16_be: bigEndian(I16, 'Int16'),
  u16_be: bigEndian(U16, 'Uint16'),
  i32_be: bigEndian(I32, 'Int32'),
  u32_be: bigEndian(U32, 'Uint32'),
  i64_be: int64(true, false, true),
  u64_be: int64(false, false, true),
  f32: float(
    'float',
    (view, at) => view.getFloat32(at, LE),
    (view, at, x) => view.setFloat32(at, x, LE),
  ),
  f64: float(
    'double',
    (view, at) => view.getFloat64(at, LE),
    (view, at, x) => view.setFloat64(at, x, LE),
  ),
  ptr: {
    ...POINTER,
    c: 'void *',
    ref: true,
    number: false,
    accepts: isAddress,
    refuse: (value, got, hint) =>
      typeof value === 'number' || typeof value === 'bigint'
        ? rangeError(`must be an integral address of at most 64 bits, got ${got}`)
        : typeError(
            `must be a pointer (number, BigInt, null, ArrayBuffer, ArrayBufferView, JSCallback or CFunction), got ${got}${hint}`,
          ),
    returns: () => POINTER_RESULT,
    rangeResult: pointerRange,
    // An address as C casts it: a negative one is its two's complement.
    toMemory: (value) => BigInt.asUintN(64, BigInt((value as number | bigint | null) ?? 0)),
    field: pointerField(),
  },
  cstring: textKind(STRING, 'const char *', 1, 'a string, null, a CString or a buffer holding a NUL-terminated string'),
  cstring16: textKind(
    WIDE_STRING,
    'const char16_t *',
    2,
    'a string, null or a buffer holding NUL-terminated UTF-16 text',
  ),
  cstring32: textKind(
    WIDE_STRING,
    'const char32_t *',
    4,
    'a string, null or a buffer holding NUL-terminated UTF-32 text',
  ),
  napi_env: engineKind(
    NAPI_ENV,
    'napi_env',
    false,
    (v) => v === null || v === undefined,
    'null or undefined (C receives the environment of the call)',
  ),
  napi_value: engineKind(NAPI_VALUE, 'napi_value', true, () => true, 'any JS value'),
  struct: {
    ...STRUCT,
    c: 'struct',
    ref: true,
    number: false,
    accepts: () => false,
    refuse: (_value, got) => typeError(`cannot take ${got}`),
    returns: (size) => `an ArrayBuffer or ArrayBufferView of at least ${size} bytes`,
    // A number is refused as out of range too, as ArkFFI always has.
    rangeResult: (value) => typeof value === 'number' || isBuffer(value),
  },
};

/** The row of a kind the addon named; throws an internal error for one this table lacks. */
export function kindRow(kind: string): KindRow {
  if (!Object.hasOwn(KINDS, kind)) throw new Error(`arkffi: the kind table has no row for '${kind}'`);
  return KINDS[kind as Kind];
}

// The addon's kinds must be this table's, in its order: a row missing on either side fails at load.
{
  const rows = Object.keys(KINDS);
  if (native.kinds.length !== rows.length || native.kinds.some((k, i) => k !== rows[i])) {
    throw new Error(
      `arkffi: the addon's kinds (${native.kinds.join(', ')}) differ from the kind table (${rows.join(', ')})`,
    );
  }
}
