/**
 * Pointers and C memory: ptr(), read.*, toArrayBuffer(), toBuffer(), CString, errno().
 *
 * Pointers are JS numbers. Reads go through the addon and refuse NULL; any other address is
 * trusted, as in C.
 */
import { kindIndex, native } from './native';

/** A pointer as ArkFFI gives it back: the address, a number. */
export type Pointer = number;
/**
 * A pointer as ArkFFI takes it: an address (number or BigInt), `null`, or a buffer, whose memory
 * is used in place.
 */
export type PointerLike = number | bigint | null | ArrayBufferLike | ArrayBufferView;

/** The address of a buffer's first byte (a view's byte offset included), plus `byteOffset`. */
export function ptr(view: ArrayBufferLike | ArrayBufferView, byteOffset = 0): Pointer {
  return native.ptr(view, byteOffset);
}

const K = {
  i8: kindIndex('i8'),
  u8: kindIndex('u8'),
  i16: kindIndex('i16'),
  u16: kindIndex('u16'),
  i32: kindIndex('i32'),
  u32: kindIndex('u32'),
  i64: kindIndex('bigint64'),
  u64: kindIndex('biguint64'),
  f32: kindIndex('f32'),
  f64: kindIndex('f64'),
  ptr: kindIndex('ptr'),
};

/**
 * Reads one value from C memory at `address + byteOffset` (bun:ffi's `read`). 64-bit integers
 * come back as BigInt, pointers as numbers.
 */
export const read = Object.freeze({
  /** Reads an `int8_t`. */
  i8: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.i8) as number,
  /** Reads a `uint8_t`. */
  u8: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.u8) as number,
  /** Reads an `int16_t`. */
  i16: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.i16) as number,
  /** Reads a `uint16_t`. */
  u16: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.u16) as number,
  /** Reads an `int32_t`. */
  i32: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.i32) as number,
  /** Reads a `uint32_t`. */
  u32: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.u32) as number,
  /** Reads an `int64_t`, as a BigInt. */
  i64: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.i64) as bigint,
  /** Reads a `uint64_t`, as a BigInt. */
  u64: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.u64) as bigint,
  /** Reads a `float`. */
  f32: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.f32) as number,
  /** Reads a `double`. */
  f64: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.f64) as number,
  /** Reads a pointer, as its address. */
  ptr: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.ptr) as number,
  /** Reads a pointer, as its address (bun:ffi's name). */
  intptr: (address: PointerLike, byteOffset = 0) => native.read(address, byteOffset, K.ptr) as number,
});

/**
 * An ArrayBuffer over C memory, without copying. Without `byteLength` the memory is read as a
 * NUL-terminated string and the buffer ends before the NUL. The memory stays owned by C.
 */
export function toArrayBuffer(address: PointerLike, byteOffset = 0, byteLength?: number): ArrayBuffer {
  return native.toArrayBuffer(address, byteOffset, byteLength);
}

/** Like toArrayBuffer(), as a Node.js Buffer. */
export function toBuffer(address: PointerLike, byteOffset = 0, byteLength?: number): Buffer {
  return Buffer.from(native.toArrayBuffer(address, byteOffset, byteLength));
}

/** A copy of `byteLength` bytes of C memory, in a new ArrayBuffer. */
export function readMemory(address: PointerLike, byteLength: number): ArrayBuffer {
  return native.readMemory(address, byteLength);
}

/** The NUL-terminated UTF-8 string at `address`; `''` for address 0. */
export function readCString(address: PointerLike, byteOffset = 0, maxBytes?: number): string {
  return native.readCString(address, byteOffset, maxBytes);
}

/**
 * A C string read into JS. It is a `String` (use it wherever a string goes) that also remembers
 * where it came from. `byteLength` limits the read: it stops at the first NUL or after that many
 * bytes. Address 0 reads as `''`. The C memory is only read, never freed.
 */
export class CString extends String {
  /** The address the string was read from (before `byteOffset`). */
  readonly ptr: number;
  /** Where the string starts, in bytes from `ptr`. */
  readonly byteOffset: number;
  /** The `byteLength` given, or else the string's length in UTF-8 bytes (without the NUL). */
  readonly byteLength: number;

  /** Reads the string at `address + byteOffset`, at most `byteLength` bytes. */
  constructor(address: number, byteOffset = 0, byteLength?: number) {
    const text = native.readCString(address, byteOffset, byteLength);
    super(text);
    this.ptr = address;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength ?? Buffer.byteLength(text);
  }
}

/**
 * The `errno` that the most recent C call on this thread left. ArkFFI sets errno to 0 before
 * each call and saves it right after the function returns, before Node.js runs any code.
 */
export function errno(): number {
  return native.errno();
}

/** The shared-library file suffix of this platform, without the dot: 'so', 'dylib' or 'dll'. */
export const suffix: string = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
