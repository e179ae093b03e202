/**
 * Where a struct's bytes are: the DataView that create(), fromPtr(), get() and set() work on, for
 * a JS buffer, an address in the memory of held struct results, or other C memory.
 */
import { ffiError, reword } from './errors';
import { MAX_BYTES } from './memory';
import { native } from './native';
import { isBufferLike, show } from './struct-fields';
import { heldSlab } from './struct-results';
import type { StructSource } from './struct';

// Every struct is made, read and passed as an ArrayBuffer, so none may be larger than one.
export const fitsInBuffer = (bytes: number): boolean => Number.isSafeInteger(bytes) && bytes <= MAX_BYTES;

/**
 * A DataView of `length` bytes of the struct memory at `source` + `byteOffset`. An address in
 * the memory of held struct results is viewed in place; other C memory is copied, or, when
 * `live`, viewed in place (a view of C memory is costlier to make than a copy).
 */
export function viewOf(
  source: StructSource,
  byteOffset: number,
  length: number,
  method: string,
  live = false,
): DataView {
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `${method}: byteOffset must be a non-negative integer, got ${show(byteOffset)}`,
    );
  }
  if (typeof source === 'number' || typeof source === 'bigint') {
    const held = heldSlab(Number(source), byteOffset, length);
    if (held !== undefined) return new DataView(held.view.buffer, Number(source) - held.base + byteOffset, length);
    if (source == 0) throw ffiError(Error, 'ERR_ARKFFI_NULL_POINTER', `${method}: cannot read a struct at NULL`);
    if (source < 0) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method}: an address cannot be negative, got ${show(source)}`,
      );
    }
    // The bytes are copied into (or viewed as) one ArrayBuffer: refuse what none can hold
    // before asking V8 for it, which would end the process.
    if (!fitsInBuffer(length)) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method}: ${length} bytes are more than an ArrayBuffer holds (${MAX_BYTES})`,
      );
    }
    try {
      if (live) return new DataView(native.toArrayBuffer(source, byteOffset, length));
      const address = typeof source === 'bigint' ? source + BigInt(byteOffset) : source + byteOffset;
      return new DataView(native.readMemory(address, length));
    } catch (err) {
      reword(err, `${method}: ${(err as Error).message}`);
    }
  }
  if (source === null) throw ffiError(Error, 'ERR_ARKFFI_NULL_POINTER', `${method}: cannot read a struct at NULL`);
  if (!isBufferLike(source)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${method}: expects an address or a buffer, got ${show(source)}`,
    );
  }
  const base = ArrayBuffer.isView(source) ? source.byteOffset : 0;
  if (byteOffset + length > source.byteLength) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `${method}: needs ${length} bytes at offset ${byteOffset}, the buffer has ${source.byteLength}`,
    );
  }
  return new DataView(ArrayBuffer.isView(source) ? source.buffer : source, base + byteOffset, length);
}
