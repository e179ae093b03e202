/**
 * Pointers and C memory: ptr(), read.*, write.*, alloc() and free(), toArrayBuffer(), toBuffer(),
 * CString, errno().
 *
 * Pointers are JS numbers, or BigInts beyond 2^53. Reads go through the addon and refuse NULL;
 * any other numeric address is trusted, as in C. A JS buffer given as the address bounds every
 * read and view by its length at that moment: offsets stay from 0 to its end, lengths within it.
 */
import { constants } from 'node:buffer';
import { describe, ffiError, reword, type ArkFFIError } from './errors';
import { KINDS, type Kind } from './kinds';
import { kindIndex, native } from './native';

/**
 * A pointer as ArkFFI gives it back: the address, a number while it is a safe integer (every
 * ordinary user-space address) and a BigInt beyond 2^53 (`MAP_FAILED`, tagged pointers).
 */
export type Pointer = number | bigint;
/**
 * A pointer as ArkFFI takes it: an address (number or BigInt), `null`, or a buffer (ArrayBuffer,
 * SharedArrayBuffer or any view), whose memory is used in place.
 */
export type PointerLike = number | bigint | null | ArrayBufferLike | ArrayBufferView;

/** The longest ArrayBuffer Node.js makes; V8 would abort the process on a longer one. */
export const MAX_BYTES = constants.MAX_LENGTH;

/**
 * Rethrows an error of the addon's memory functions, which name the argument at fault (and set
 * argIndex), with the function the caller called and the value it passed.
 */
function fail(fnName: string, err: unknown, args: readonly unknown[]): never {
  const index = err instanceof Error ? (err as ArkFFIError).argIndex : undefined;
  if (index === undefined) throw err;
  const got = (err as ArkFFIError).code === 'ERR_ARKFFI_NULL_POINTER' ? '' : `, got ${describe(args[index])}`;
  reword(err, `${fnName}(): ${(err as Error).message}${got}`);
}

/** Refuses a byte length beyond the longest ArrayBuffer, before the addon tries to make one. */
function checkLength(fnName: string, index: number, byteLength: unknown): void {
  if (typeof byteLength === 'number' && byteLength > MAX_BYTES) {
    const err = ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `${fnName}(): argument ${index + 1} (byteLength) must be at most ${MAX_BYTES}, the longest ArrayBuffer, got ${describe(byteLength)}`,
    );
    err.argIndex = index;
    throw err;
  }
}

/**
 * The address of a buffer's first byte (a view's byte offset included), plus `byteOffset`, which
 * is from 0 to the buffer's byteLength (its end).
 */
export function ptr(view: ArrayBufferLike | ArrayBufferView, byteOffset = 0): number {
  try {
    return native.ptr(view, byteOffset);
  } catch (err) {
    fail('ptr', err, [view, byteOffset]);
  }
}

/** The reader of one type: `read.<name>` reads a `kind` (by default, the type `name`). */
function reader<T>(name: string, kind = name): (address: PointerLike, byteOffset?: number) => T {
  const index = kindIndex(kind);
  const fnName = `read.${name}`;
  return (address, byteOffset = 0) => {
    try {
      return native.read(address, byteOffset, index) as T;
    } catch (err) {
      fail(fnName, err, [address, byteOffset]);
    }
  };
}

/**
 * Reads one value from C memory at `address + byteOffset` (bun:ffi's `read`). 64-bit integers
 * come back as BigInt, pointers as numbers (BigInts beyond 2^53). `byteOffset` is a safe integer,
 * negative to read before a numeric `address`; in a JS buffer the value must lie within it.
 */
export const read = Object.freeze({
  /** Reads an `int8_t`. */
  i8: reader<number>('i8'),
  /** Reads a `uint8_t`. */
  u8: reader<number>('u8'),
  /** Reads an `int16_t`. */
  i16: reader<number>('i16'),
  /** Reads a `uint16_t`. */
  u16: reader<number>('u16'),
  /** Reads an `int32_t`. */
  i32: reader<number>('i32'),
  /** Reads a `uint32_t`. */
  u32: reader<number>('u32'),
  /** Reads an `int64_t`, as a BigInt. */
  i64: reader<bigint>('i64', 'bigint64'),
  /** Reads a `uint64_t`, as a BigInt. */
  u64: reader<bigint>('u64', 'biguint64'),
  /** Reads a big-endian (network order) `int16_t`. */
  i16_be: reader<number>('i16_be'),
  /** Reads a big-endian `uint16_t`. */
  u16_be: reader<number>('u16_be'),
  /** Reads a big-endian `int32_t`. */
  i32_be: reader<number>('i32_be'),
  /** Reads a big-endian `uint32_t`. */
  u32_be: reader<number>('u32_be'),
  /** Reads a big-endian `int64_t`, as a BigInt. */
  i64_be: reader<bigint>('i64_be'),
  /** Reads a big-endian `uint64_t`, as a BigInt. */
  u64_be: reader<bigint>('u64_be'),
  /** Reads a `float`. */
  f32: reader<number>('f32'),
  /** Reads a `double`. */
  f64: reader<number>('f64'),
  /** Reads a pointer, as its address: a number, or a BigInt beyond 2^53. */
  ptr: reader<Pointer>('ptr'),
  /** Reads a pointer, as its address (bun:ffi's name): a number, or a BigInt beyond 2^53. */
  intptr: reader<Pointer>('intptr', 'ptr'),
});

/** The writer of one type: `write.<name>` writes a `kind` (by default, the type `name`). */
function writer<T>(
  name: string,
  kind: Kind = name as Kind,
): (address: PointerLike, byteOffset: number, value: T) => void {
  const index = kindIndex(kind);
  const row = KINDS[kind];
  const { toMemory } = row;
  if (toMemory === undefined) throw new Error(`arkffi: the kind '${kind}' has no write.*`);
  const fnName = `write.${name}`;
  return (address, byteOffset, value) => {
    if (!row.accepts(value)) {
      const { range, text } = row.refuse(value, describe(value), '');
      const err = range
        ? ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', `${fnName}(): argument 3 (value) ${text}`)
        : ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `${fnName}(): argument 3 (value) ${text}`);
      err.argIndex = 2;
      throw err;
    }
    try {
      native.write(address, byteOffset, index, toMemory(value));
    } catch (err) {
      fail(fnName, err, [address, byteOffset, value]);
    }
  };
}

/**
 * Writes one value into C memory at `address + byteOffset`, as `read` reads it: the value is
 * checked as a call argument of the type is (an integer in range, a number, an address), and in a
 * JS buffer it must lie within it. 64-bit integers take a number (a safe integer) or a BigInt.
 */
export const write = Object.freeze({
  /** Writes an `int8_t`. */
  i8: writer<number>('i8'),
  /** Writes a `uint8_t`. */
  u8: writer<number>('u8'),
  /** Writes an `int16_t`. */
  i16: writer<number>('i16'),
  /** Writes a `uint16_t`. */
  u16: writer<number>('u16'),
  /** Writes an `int32_t`. */
  i32: writer<number>('i32'),
  /** Writes a `uint32_t`. */
  u32: writer<number>('u32'),
  /** Writes an `int64_t`. */
  i64: writer<number | bigint>('i64'),
  /** Writes a `uint64_t`. */
  u64: writer<number | bigint>('u64'),
  /** Writes a big-endian (network order) `int16_t`. */
  i16_be: writer<number>('i16_be'),
  /** Writes a big-endian `uint16_t`. */
  u16_be: writer<number>('u16_be'),
  /** Writes a big-endian `int32_t`. */
  i32_be: writer<number>('i32_be'),
  /** Writes a big-endian `uint32_t`. */
  u32_be: writer<number>('u32_be'),
  /** Writes a big-endian `int64_t`. */
  i64_be: writer<number | bigint>('i64_be'),
  /** Writes a big-endian `uint64_t`. */
  u64_be: writer<number | bigint>('u64_be'),
  /** Writes a `float`. */
  f32: writer<number>('f32'),
  /** Writes a `double`. */
  f64: writer<number>('f64'),
  /** Writes a pointer: an address (number or BigInt) or null. */
  ptr: writer<Pointer | null>('ptr'),
  /** Writes a pointer (bun:ffi's name for read.intptr): an address or null. */
  intptr: writer<Pointer | null>('intptr', 'ptr'),
});

// The addresses alloc() handed out and free() has not taken back, with their sizes.
const allocated = new Map<Pointer, number>();

/**
 * `byteLength` bytes of zeroed memory from the C heap, for C to use as long as the program
 * needs: give it back with free(). The address is ArkFFI's to free, not C's.
 */
export function alloc(byteLength: number): Pointer {
  let p: Pointer;
  try {
    p = native.alloc(byteLength);
  } catch (err) {
    fail('alloc', err, [byteLength]);
  }
  allocated.set(p, byteLength);
  return p;
}

/**
 * Gives back memory alloc() returned. Any other address (one C allocated, one freed already) is
 * refused with ERR_ARKFFI_INVALID_ARG_TYPE: freeing it would corrupt the C heap.
 */
export function free(address: Pointer): void {
  if (!allocated.delete(address)) {
    const err = ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `free(): argument 1 (address) must be an address alloc() returned and free() has not taken back, got ${describe(address)}`,
    );
    err.argIndex = 0;
    throw err;
  }
  native.free(address);
}

/**
 * An ArrayBuffer over C memory, without copying. Without `byteLength` the memory is read as a
 * NUL-terminated string and the buffer ends before the NUL. The memory stays owned by C. Over a
 * JS buffer the view stays within it (without `byteLength`, it ends at a NUL or the buffer's
 * end) and keeps the buffer from being collected while the view lives.
 */
export function toArrayBuffer(address: PointerLike, byteOffset = 0, byteLength?: number): ArrayBuffer {
  checkLength('toArrayBuffer', 2, byteLength);
  try {
    return native.toArrayBuffer(address, byteOffset, byteLength);
  } catch (err) {
    fail('toArrayBuffer', err, [address, byteOffset, byteLength]);
  }
}

/**
 * Node's `Buffer` where its types are present (@types/node), else the `Uint8Array` it extends:
 * so the typings compile in a project without @types/node, and lose nothing in one with it.
 */
export type NodeBuffer = typeof globalThis extends { Buffer: { alloc(size: number): infer B } } ? B : Uint8Array;

/** Like toArrayBuffer(), as a Node.js Buffer. */
export function toBuffer(address: PointerLike, byteOffset = 0, byteLength?: number): NodeBuffer {
  checkLength('toBuffer', 2, byteLength);
  try {
    return Buffer.from(native.toArrayBuffer(address, byteOffset, byteLength));
  } catch (err) {
    fail('toBuffer', err, [address, byteOffset, byteLength]);
  }
}

/** A copy of `byteLength` bytes of C memory, or of a JS buffer that has them, in a new ArrayBuffer. */
export function readMemory(address: PointerLike, byteLength: number): ArrayBuffer {
  checkLength('readMemory', 1, byteLength);
  try {
    return native.readMemory(address, byteLength);
  } catch (err) {
    fail('readMemory', err, [address, byteLength]);
  }
}

/**
 * The NUL-terminated UTF-8 string at `address + byteOffset`, at most `byteLength` bytes of it;
 * `''` for address 0 (whatever the offset). In a JS buffer the string also ends at the buffer's
 * end, NUL or not, and a `byteLength` past that end is refused.
 */
export function readCString(address: PointerLike, byteOffset = 0, byteLength?: number): string {
  return readText('readCString', 1, address, byteOffset, byteLength);
}

/**
 * The NUL-terminated UTF-16 string (`char16_t *`) at `address + byteOffset`, bounded as
 * readCString's; an unpaired surrogate stays as it is (a JS string can hold one).
 */
export function readCString16(address: PointerLike, byteOffset = 0, byteLength?: number): string {
  return readText('readCString16', 2, address, byteOffset, byteLength);
}

/**
 * The NUL-terminated UTF-32 string (`char32_t *`, and `wchar_t *` on Linux) at
 * `address + byteOffset`, bounded as readCString's; a value that is no code point reads as U+FFFD.
 */
export function readCString32(address: PointerLike, byteOffset = 0, byteLength?: number): string {
  return readText('readCString32', 4, address, byteOffset, byteLength);
}

/** The readers of the string kinds' text, by kind: UTF-8, UTF-16, UTF-32. */
export const TEXT_READERS: Readonly<Record<'cstring' | 'cstring16' | 'cstring32', (address: PointerLike) => string>> = {
  cstring: (address) => readCString(address),
  cstring16: (address) => readCString16(address),
  cstring32: (address) => readCString32(address),
};

/** Text of `unit`-byte code units at an address, up to a zero unit, for `fnName`. */
function readText(fnName: string, unit: number, address: PointerLike, byteOffset: number, byteLength?: number): string {
  try {
    return native.readCString(address, byteOffset, byteLength, unit);
  } catch (err) {
    fail(fnName, err, [address, byteOffset, byteLength]);
  }
}

/**
 * A C string read into JS. It is a `String` (use it wherever a string goes) that also remembers
 * where it came from. `byteLength` limits the read: it stops at the first NUL or after that many
 * bytes; a negative `byteLength` (ArkFFI's default, -1) sets no limit. Address 0 reads as `''`.
 * The C memory is only read, never freed.
 */
export class CString extends String {
  /** The address the string was read from (before `byteOffset`). */
  readonly ptr: Pointer;
  /** Where the string starts, in bytes from `ptr`. */
  readonly byteOffset: number;
  /** The `byteLength` given, or else the string's length in UTF-8 bytes (without the NUL). */
  readonly byteLength: number;

  /** Reads the string at `address + byteOffset`, at most `byteLength` bytes. */
  constructor(address: Pointer, byteOffset = 0, byteLength?: number) {
    const limit = typeof byteLength === 'number' && byteLength < 0 ? undefined : byteLength;
    let text: string;
    try {
      text = native.readCString(address, byteOffset, limit);
    } catch (err) {
      fail('new CString', err, [address, byteOffset, byteLength]);
    }
    super(text);
    this.ptr = address;
    this.byteOffset = byteOffset;
    this.byteLength = limit ?? Buffer.byteLength(text);
  }
}

/**
 * The `errno` that the most recent C call on this thread left. ArkFFI sets errno to 0 before
 * each call and saves it right after the function returns, before Node.js runs any code.
 *
 * `errno(value)` sets it: errno() answers `value` until the next call, and that call (only that
 * one) starts with errno set to `value` instead of 0, for C code that reads errno before it sets
 * it. Returns `value`.
 */
export function errno(value?: number): number {
  if (value === undefined) return native.errno();
  if (typeof value !== 'number')
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `errno(): argument 1 (value) must be a number, got ${describe(value)}`,
    );
  if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1)
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `errno(): argument 1 (value) must be an integer in [-2^31, 2^31 - 1], got ${describe(value)}`,
    );
  return native.errno(value);
}

/** The shared-library file suffix of this platform, without the dot: 'so', 'dylib' or 'dll'. */
export const suffix: string = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
