/**
 * The codecs of struct fields that hold more than one scalar: nested schemas and arrays (fixed and
 * flexible), registered per type object, and how deep they nest. Scalars' codecs are in
 * struct-fields.ts; the schemas that use these are in struct.ts.
 */
import { types as jsTypes } from 'node:util';
import { ffiError } from './errors';
import { underlying } from './named';
import { codecOf, ownValue, refuseProxy, show, zero, type Codec, type Leaf } from './struct-fields';
import { PointerType } from './struct-members';
import type { NativeTypeDesc } from './native';
import { MAX_NESTING } from './types';
import type { FieldType } from './struct';

// The codec of every schema and array type, kept out of their public shape.
export const codecs = new WeakMap<object, Codec>();

// How many schemas and arrays each codec nests (a scalar's: 0). Reading, writing and describing
// a struct recurse once per level, so nesting is bounded where a stack overflow would be.
export const depths = new WeakMap<Codec, number>();
export const depthOf = (codec: Codec): number => depths.get(codec) ?? 0;

/** The depth of a codec over `inner`, refused beyond MAX_NESTING levels. */
export function nestedDepth(inner: readonly Codec[], what: string): number {
  const depth = 1 + Math.max(0, ...inner.map(depthOf));
  if (depth > MAX_NESTING) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `${what}: structs and arrays nest deeper than ${MAX_NESTING} levels`,
    );
  }
  return depth;
}

/**
 * The codec of a field type. A struct ending in a flexible array member is refused as a field or
 * an element unless `alone` (sizeof and alignof take it).
 */
export function fieldCodec(field: FieldType, where: string, alone = false): Codec {
  // A named type (a handle, an alias) is what it names.
  const type = underlying(field);
  if (typeof type === 'object' && type !== null) {
    const codec = codecs.get(type);
    if (codec !== undefined) {
      if (codec.variable === true && !alone) {
        throw ffiError(
          TypeError,
          'ERR_ARKFFI_INVALID_TYPE',
          `${where}: a struct that ends in a flexible array member cannot be a field or an array element (C puts nothing after it): use a pointer`,
        );
      }
      return codec;
    }
    // A struct pointer is an address, whatever it points at.
    if (!jsTypes.isProxy(type) && type instanceof PointerType) return codecOf('ptr', where);
  }
  return codecOf(type, where);
}

export function arrayCodec(elem: Codec, length: number): Codec {
  const step = elem.size;
  const size = step * length;
  return {
    size,
    align: elem.align,
    composite: true,
    natural: elem.natural,
    read: (view, at) => readList(elem, view, at, length),
    write(view, at, value, path) {
      const list = listOf(value, path);
      if (list.length > length) {
        throw ffiError(
          RangeError,
          'ERR_ARKFFI_OUT_OF_RANGE',
          `field '${path}' holds ${length} elements, got ${list.length}`,
        );
      }
      zero(view, at, size);
      writeList(elem, view, at, value, path);
    },
    members(out, path) {
      const one: NativeTypeDesc[] = [];
      elem.members(one, path);
      // One push per member: spreading a large array's members would overflow the stack.
      for (let k = 0; k < length; k++) for (const member of one) out.push(member);
    },
    leaves(out, at) {
      for (let k = 0; k < length; k++) elem.leaves(out, at + k * step);
    },
  };
}

export function readList(elem: Codec, view: DataView, at: number, length: number): unknown[] {
  const out = new Array(length);
  for (let k = 0; k < length; k++) out[k] = elem.read(view, at + k * elem.size);
  return out;
}

/** `value` as the elements of an array field: an array or a TypedArray, else refused. */
export function listOf(value: unknown, path: string): ArrayLike<unknown> {
  refuseProxy(value, `field '${path}'`);
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !jsTypes.isDataView(value))) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `field '${path}' must be an array or a TypedArray, got ${show(value)}`,
    );
  }
  return value as ArrayLike<unknown>;
}

/** How many elements an array field's value gives: 0 for what listOf refuses (a Proxy's traps never run). */
export function elementCount(value: unknown): number {
  if (jsTypes.isProxy(value) || !(Array.isArray(value) || (ArrayBuffer.isView(value) && !jsTypes.isDataView(value))))
    return 0;
  return (value as ArrayLike<unknown>).length;
}

/** Writes the elements of `value` (checked by listOf) one after another from `at`. */
export function writeList(elem: Codec, view: DataView, at: number, value: unknown, path: string): void {
  const list = value as ArrayLike<unknown>;
  const isArray = Array.isArray(value);
  // An array's elements are read as own data only (a getter never runs); a hole is zero.
  for (let k = 0; k < list.length; k++) {
    const item = isArray ? ownValue(list, `${k}`, `field '${path}'`) : list[k];
    if (item !== undefined) elem.write(view, at + k * elem.size, item, `${path}[${k}]`);
  }
}

/**
 * A flexible array member's codec: no bytes of its own (size 0), the alignment of its elements.
 * Its elements are written from `at` as far as the view reaches; reading one takes a count,
 * which the schema gives (see StructSchema.#read), so read() alone gives none.
 */
export function flexibleCodec(elem: Codec): Codec {
  return {
    size: 0,
    align: elem.align,
    composite: true,
    natural: false,
    flexible: elem,
    read: () => [],
    write(view, at, value, path) {
      const list = listOf(value, path);
      const room = Math.floor((view.byteLength - at) / elem.size);
      if (list.length > room) {
        throw ffiError(
          RangeError,
          'ERR_ARKFFI_OUT_OF_RANGE',
          `field '${path}' has room for ${room} elements here, got ${list.length} (give create() a count)`,
        );
      }
      writeList(elem, view, at, value, path);
    },
    members(_out, where) {
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: a flexible array member has no by-value type`);
    },
    leaves: () => {},
  };
}

/**
 * The description of a struct or union libffi cannot lay out itself (a union, or packing that
 * moves a field): "=size/align", then every scalar in it as [offset, size, alignment, isFloat,
 * inUnion].
 * The addon's ABI file classifies it as the ABI classifies the real type (src/abi.h,
 * ak_abi_layout_members), or refuses it where it cannot.
 */
export function layoutMembers(out: NativeTypeDesc[], codec: Codec, size: number, align: number): void {
  out.push(`=${size}/${align}`);
  const leaves: Leaf[] = [];
  codec.leaves(leaves, 0);
  for (const leaf of leaves) out.push([leaf.at, leaf.size, leaf.align, leaf.float ? 1 : 0, leaf.inUnion ? 1 : 0]);
}
