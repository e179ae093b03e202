/**
 * C structs, unions and fixed-length arrays described in JS: StructSchema, Struct(), Union() and
 * array(). A schema computes the C layout (the platform ABI's natural alignment, or an explicit
 * packing), encodes JS objects into ArrayBuffers laid out as C would, and decodes C memory into
 * JS objects. How field values convert is in struct-fields.ts; structs crossing calls are in
 * struct-calls.ts.
 */
import { types as jsTypes } from 'node:util';
import { ffiError, reword } from './errors';
import { MAX_BYTES } from './memory';
import { native, type NativeTypeDesc, type NativeTypeInfo } from './native';
import { isBufferLike, isPlainObject, ownValue, refuseProxy, show, zero, type Codec } from './struct-fields';
import { compileFlat, type Compiled } from './struct-compiled';
import {
  arrayCodec,
  codecs,
  depths,
  elementCount,
  fieldCodec,
  flexibleCodec,
  layoutMembers,
  nestedDepth,
  readList,
} from './struct-codecs';
import { fitsInBuffer, viewOf } from './struct-memory';
import { owningText } from './struct-text';
import { entriesOf, memberOf, packingOf, roundUp, structTitle } from './struct-definition';
import { heldSlab } from './struct-results';
import type { AliasType, OpaqueType } from './named';
import { markDescribed, toNativeType, type NativeDescribed } from './types';
import {
  FlexibleArrayType,
  PointerType,
  notText,
  textReader,
  type CreateOptions,
  type FieldDescriptor,
  type FollowOf,
  type ReadOptions,
} from './struct-members';
import type { FieldInputOf, FieldName, FieldTypeName, StructInput, StructValue } from './typing';

/**
 * A field's type: a scalar type name, a nested schema (struct or union), an array(), a
 * flexibleArray(), a pointerTo(), or one of them with an alignment of its own (`{ type, align }`).
 */
export type FieldType = MemberType | FieldDescriptor<MemberType>;

/** A field's type other than a descriptor `{ type, align }`. */
export type MemberType =
  | FieldTypeName
  | StructSchema<any>
  | ArrayType<any>
  | OpaqueType<string>
  | AliasType<string, any>
  | FlexibleArrayType<any>
  | PointerType<any>;

/**
 * The fields in declaration order: an object `{ name: type }`, or `[name, type]` pairs. Pairs
 * are needed for names that look like array indices ('0', '1'), which JS objects reorder.
 */
export type FieldList = Readonly<Record<string, FieldType>> | readonly (readonly [string, FieldType])[];

/** How a struct is laid out: packed, `#pragma pack(n)`, or as a union. */
export interface StructOptions {
  /** `__attribute__((packed))`: every field at alignment 1, and the struct too. */
  readonly packed?: boolean;
  /** `#pragma pack(n)`: no field is aligned beyond n bytes (1, 2, 4, 8 or 16). */
  readonly pack?: number;
  /** Lay the fields out as a C union, all at offset 0. Union() sets this. */
  readonly union?: boolean;
  /** The C tag (`'node'` for `struct node`), for messages only. */
  readonly name?: string;
}

/** Where a struct is: an ArrayBuffer or view holding it, or its address in C memory. */
export type StructSource = ArrayBufferLike | ArrayBufferView | number | bigint;

/** A fixed-length C array field, `T name[length]` of element type `E`; see array(). */
export class ArrayType<E extends FieldType = FieldType> {
  /** The element type. */
  readonly element: E;
  /** The number of elements. */
  readonly length: number;

  /**
   * `array(element, length)`. Throws ERR_ARKFFI_OUT_OF_RANGE unless `length` is a positive
   * integer and the array fits in an ArrayBuffer.
   */
  constructor(element: E, length: number) {
    if (!Number.isSafeInteger(length) || length < 1) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `array(): the length must be a positive integer, got ${show(length)}`,
      );
    }
    this.element = element;
    this.length = length;
    const elem = fieldCodec(element, 'array(): the element type');
    if (!fitsInBuffer(elem.size * length)) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `array(): ${length} elements of ${elem.size} bytes are more than an ArrayBuffer holds (${MAX_BYTES} bytes)`,
      );
    }
    const depth = nestedDepth([elem], 'array()');
    const codec = arrayCodec(elem, length);
    depths.set(codec, depth);
    codecs.set(this, codec);
  }
}

/**
 * A fixed-length array field: `array('u8', 16)` is `uint8_t x[16]`, `array(Point, 3)` is
 * `struct Point x[3]`, `array(array('f32', 4), 4)` is `float m[4][4]`. It reads as a JS array
 * and takes any array or TypedArray of at most `length` elements (the rest are zeroed).
 */
export function array<const E extends FieldType>(element: E, length: number): ArrayType<E> {
  return new ArrayType(element, length);
}

/** A field of a struct whose every field is a plain number (see numberLayout). */
export interface NumberField {
  readonly name: string;
  readonly offset: number;
  /** i8 ... u32, f32 or f64. */
  readonly kind: string;
}

const numberLayouts = new WeakMap<StructSchema<any>, readonly NumberField[] | null>();

/** What a pointerTo() field points at must be 'self', a StructSchema or a function. */
function checkTarget(type: FieldType, where: string): void {
  if (typeof type !== 'object' || type === null || jsTypes.isProxy(type) || !(type instanceof PointerType)) return;
  const target: unknown = type.target;
  if (target === 'self' || (typeof target === 'function' && !jsTypes.isProxy(target))) return;
  if (typeof target === 'object' && target !== null && !jsTypes.isProxy(target) && target instanceof StructSchema)
    return;
  throw ffiError(
    TypeError,
    'ERR_ARKFFI_INVALID_TYPE',
    `${where}: pointerTo() takes 'self', a StructSchema or a function returning one, got ${show(target)}`,
  );
}

const defineProperty = Reflect.defineProperty;

/** Defines `key` of `o` as an own data property: no setter or getter of a prototype is reached. */
function defineField(o: object, key: string, value: unknown): void {
  // A descriptor with no prototype: no `get` or `set` that Object.prototype was given is read.
  const field = { __proto__: null, value, writable: true, enumerable: true, configurable: true };
  defineProperty(o, key, field as PropertyDescriptor);
}

/**
 * The description of a C struct or union: its layout, and conversions to and from its bytes.
 * `F` is the field list as written, from which create() and set() type what they take and
 * fromPtr() and get() what they give back. A schema is also a type for definitions: a struct
 * passed or returned by value.
 */
export class StructSchema<const F extends FieldList = FieldList> implements NativeDescribed {
  /** 'struct', or 'union' when every field starts at offset 0. */
  readonly kind: 'struct' | 'union';
  /** The packing in force (1 for packed), or undefined for the ABI's natural alignment. */
  readonly pack: number | undefined;
  /** The field names, in declaration order. */
  readonly fieldNames: readonly string[];
  /** The field types as given. */
  readonly fieldTypes: readonly FieldType[];
  /** Each field's byte offset from the start of the struct. */
  readonly fieldOffsets: readonly number[];
  /** sizeof: the fields plus padding, a multiple of `alignment`. */
  readonly size: number;
  /** _Alignof: the largest field alignment (after packing). */
  readonly alignment: number;
  readonly #fields: readonly Codec[];
  readonly #index: ReadonlyMap<string, number>;
  /** See Codec.natural: a pack that moves no field leaves a struct natural. */
  readonly #natural: boolean;
  /** The index of the flexible array member, or -1. */
  readonly #flexible: number;
  /** Each field's pointerTo() type, as the field was declared (undefined for other fields). */
  readonly #pointers: readonly (PointerType | undefined)[];
  /** The struct, for messages: `struct node`, or its kind and first field names. */
  readonly #tag: string;
  #desc: NativeTypeDesc | undefined;
  #compiled: Compiled | null | undefined;

  /**
   * Lays out `fields` as C would. Throws ERR_ARKFFI_INVALID_TYPE for an unknown or void field
   * type, a field named twice, a field name that looks like an array index in an object (give
   * [name, type] pairs instead), or bad options.
   */
  constructor(fields: F, options: StructOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `Struct(): the options must be an object, got ${show(options)}`,
      );
    }
    const { pack, packed, tag } = packingOf(options);
    const isUnion = options.union === true;
    const entries = entriesOf(fields);
    const title = structTitle(
      isUnion ? 'union' : 'struct',
      tag,
      entries.map(([name]) => name),
    );
    if (entries.length === 0) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `Struct(): a ${isUnion ? 'union' : 'struct'} needs at least one field`,
      );
    }
    const names: string[] = [];
    const types: FieldType[] = [];
    const offsets: number[] = [];
    const fieldCodecs: Codec[] = [];
    const index = new Map<string, number>();
    let end = 0;
    let alignment = 1;
    let natural = !isUnion;
    let flexible = -1;
    const pointers: (PointerType | undefined)[] = [];
    for (const [name, type] of entries) {
      if (typeof name !== 'string' || name === '' || name === '__proto__' || index.has(name)) {
        const why = index.has(name) ? 'is declared twice' : 'is not a usable field name';
        throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): field ${show(name)} ${why}`);
      }
      const member = `Struct(): ${title}: field '${name}'`;
      const own = memberOf(type, member);
      checkTarget(own.type, member);
      pointers.push(!jsTypes.isProxy(own.type) && own.type instanceof PointerType ? own.type : undefined);
      const codec =
        !jsTypes.isProxy(own.type) && own.type instanceof FlexibleArrayType
          ? flexibleCodec(fieldCodec(own.type.element, `${member}: the element type`))
          : fieldCodec(own.type, own.align === undefined ? `Struct(): field '${name}'` : member);
      if (codec.flexible !== undefined) {
        const why = isUnion
          ? 'a union cannot have a flexible array member'
          : names.length !== entries.length - 1
            ? 'a flexible array member must be the last field'
            : names.length === 0
              ? 'a flexible array member needs a field before it'
              : undefined;
        if (why !== undefined) throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${member}: ${why}`);
        flexible = names.length;
      }
      // gcc: aligned(n) raises a field's alignment (in a packed struct it is the alignment), and
      // #pragma pack(n) caps the result.
      const raised = packed ? (own.align ?? 1) : Math.max(codec.align, own.align ?? 1);
      const align = pack === undefined || packed ? raised : Math.min(raised, pack);
      const offset = isUnion ? 0 : roundUp(end, align);
      end = Math.max(end, offset + codec.size);
      alignment = Math.max(alignment, align);
      if (!fitsInBuffer(roundUp(end, alignment))) {
        throw ffiError(
          RangeError,
          'ERR_ARKFFI_OUT_OF_RANGE',
          `Struct(): with field '${name}' the ${isUnion ? 'union' : 'struct'} is more than an ArrayBuffer holds (${MAX_BYTES} bytes)`,
        );
      }
      natural &&= codec.natural && align === codec.align;
      index.set(name, names.length);
      names.push(name);
      types.push(type);
      offsets.push(offset);
      fieldCodecs.push(codec);
    }
    this.kind = isUnion ? 'union' : 'struct';
    this.pack = pack;
    this.fieldNames = Object.freeze(names);
    this.fieldTypes = Object.freeze(types);
    this.fieldOffsets = Object.freeze(offsets);
    this.size = roundUp(end, alignment);
    this.alignment = alignment;
    this.#fields = fieldCodecs;
    this.#index = index;
    this.#natural = natural;
    this.#flexible = flexible;
    this.#pointers = pointers;
    this.#tag = title;
    const depth = nestedDepth(fieldCodecs, 'Struct()');
    const codec = this.#codec();
    depths.set(codec, depth);
    codecs.set(this, codec);
    markDescribed(this);
    // Plain-number fields at offsets their typed arrays can index (always so unless packed).
    const numbers = fieldCodecs.every((codec, i) => codec.number !== undefined && offsets[i] % codec.size === 0);
    numberLayouts.set(
      this,
      isUnion || !numbers
        ? null
        : names.map((name, i) => ({ name, offset: offsets[i], kind: fieldCodecs[i].number as string })),
    );
  }

  /**
   * A new ArrayBuffer holding the struct as C lays it out, from a plain object of fields or a
   * copy of the bytes in a buffer or view. Fields missing from `values` (or undefined) are zero,
   * as in a C initializer; an unknown field name, or any other kind of object, throws.
   */
  create(values: StructInput<F> | ArrayBufferLike | ArrayBufferView = {}, options?: CreateOptions): ArrayBuffer {
    let size = this.size;
    if (options !== undefined || this.#flexible >= 0) {
      const given = this.#flexibleGiven(values);
      const count = this.#countOf(options, 'create()', given);
      size = this.#sizeFor(count, 'create()');
    }
    const buffer = new ArrayBuffer(size);
    try {
      owningText(buffer, () => this.#write(new DataView(buffer), 0, values, ''));
    } catch (err) {
      this.#fail('create()', err);
    }
    return buffer;
  }

  /** Rethrows an error of `method` naming this schema: "create() struct { x, y }: ...". */
  #fail(method: string, err: unknown): never {
    reword(err, `${method} ${this.#title()}: ${(err as Error).message}`);
  }

  /** A C array of these structs, `values.length * size` bytes, for a `T *` with a count. */
  createArray(values: readonly StructInput<F>[]): ArrayBuffer {
    if (typeof values !== 'object' || values === null || jsTypes.isProxy(values) || !Array.isArray(values)) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `createArray() ${this.#title()}: expects an array of objects, got ${show(values)}${jsTypes.isProxy(values) ? ' (a Proxy is not taken)' : ''}`,
      );
    }
    const buffer = new ArrayBuffer(this.size * values.length);
    const view = new DataView(buffer);
    try {
      owningText(buffer, () => {
        for (let k = 0; k < values.length; k++)
          this.#write(view, k * this.size, ownValue(values, `${k}`, 'the array'), `[${k}]`);
      });
    } catch (err) {
      this.#fail('createArray()', err);
    }
    return buffer;
  }

  /**
   * Reads the struct at `source` (an address, or a buffer holding it), `byteOffset` bytes in.
   * Nested structs read as objects, arrays as arrays, 64-bit integers and pointers as numbers
   * while exact and BigInts beyond.
   */
  fromPtr(source: StructSource, byteOffset: number | ReadOptions = 0): StructValue<F> {
    let count = 0;
    if (typeof byteOffset === 'object' && byteOffset !== null) {
      const options = byteOffset;
      count = this.#countOf(options, 'fromPtr()', 0);
      byteOffset = (ownValue(options, 'byteOffset', 'fromPtr(): the options') ?? 0) as number;
    }
    const size = count === 0 ? this.size : this.#sizeFor(count, 'fromPtr()');
    // A held struct result (or other bytes in its slab) reads in place.
    const held = heldSlab(source, byteOffset, size);
    if (held !== undefined)
      return this.#read(held.view, (source as number) - held.base + byteOffset, count) as StructValue<F>;
    return this.#read(viewOf(source, byteOffset, size, 'fromPtr()'), 0, count) as StructValue<F>;
  }

  /**
   * The bytes a struct with `count` elements in its flexible array member takes: the member's
   * offset plus the elements, and at least `size` (as `malloc(sizeof(T) + count * sizeof(E))`
   * would give, less the padding the elements may fill).
   */
  sizeFor(count: number): number {
    return this.#sizeFor(this.#checkCount(count, 'sizeFor()'), 'sizeFor()');
  }

  /** Reads element `index` of the flexible array member of the struct at `source`. */
  getElement(source: StructSource, index: number): unknown {
    const [elem, at] = this.#element(index, 'getElement()');
    return elem.read(viewOf(source, at, elem.size, 'getElement()'), 0);
  }

  /** Writes element `index` of the flexible array member of the struct at `target`, in place. */
  setElement(target: StructSource, index: number, value: unknown): void {
    const [elem, at] = this.#element(index, 'setElement()');
    const name = this.fieldNames[this.#flexible];
    this.#put(viewOf(target, at, elem.size, 'setElement()', true), 0, elem, value, `${name}[${index}]`, 'setElement()');
  }

  /**
   * Reads the struct that the pointerTo() field `field` of the struct at `source` points at, with
   * the pointer's target schema (this one for `'self'`); null where the pointer is NULL.
   */
  follow<K extends FieldName<F>>(source: StructSource, field: K): FollowOf<F, K> {
    const i = this.#lookup(field, 'follow()');
    const type = this.#pointers[i];
    if (type === undefined) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `follow() ${this.#title()}: field '${field}' is not a pointerTo() field`,
      );
    }
    const address = this.get(source, field) as unknown as number | bigint;
    if (address == 0) return null as FollowOf<F, K>;
    const target: unknown = type.target;
    const schema = target === 'self' ? this : typeof target === 'function' ? (target as () => unknown)() : target;
    if (jsTypes.isProxy(schema) || !(schema instanceof StructSchema)) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `follow() ${this.#title()}: field '${field}': its pointerTo() function returned ${show(schema)}, not a StructSchema`,
      );
    }
    return schema.fromPtr(address) as FollowOf<F, K>;
  }

  /** The flexible array member's element codec and where element `index` starts. */
  #element(index: number, method: string): [Codec, number] {
    if (this.#flexible < 0) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `${method} ${this.#title()}: this ${this.kind} has no flexible array member`,
      );
    }
    if (!Number.isSafeInteger(index) || index < 0) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method} ${this.#title()}: the index must be a non-negative integer, got ${show(index)}`,
      );
    }
    const elem = this.#fields[this.#flexible].flexible as Codec;
    const at = this.fieldOffsets[this.#flexible] + index * elem.size;
    if (!fitsInBuffer(at + elem.size)) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method} ${this.#title()}: index ${index} is out of reach`,
      );
    }
    return [elem, at];
  }

  /** How many elements `values` gives the flexible array member (0 for none, or a buffer). */
  #flexibleGiven(values: unknown): number {
    if (this.#flexible < 0 || typeof values !== 'object' || values === null || !isPlainObject(values)) return 0;
    return elementCount(ownValue(values, this.fieldNames[this.#flexible], 'the value'));
  }

  /** The `count` of `options` (an object or undefined), checked; `fallback` where none is given. */
  #countOf(options: unknown, method: string, fallback: number): number {
    if (options === undefined) return fallback;
    if (typeof options !== 'object' || options === null || jsTypes.isProxy(options) || !isPlainObject(options)) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `${method} ${this.#title()}: the options must be a plain object, got ${show(options)}`,
      );
    }
    const count = ownValue(options, 'count', `${method}: the options`);
    if (count === undefined) return fallback;
    if (this.#flexible < 0) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `${method} ${this.#title()}: count is for a flexible array member, and this ${this.kind} has none`,
      );
    }
    return this.#checkCount(count, method);
  }

  #checkCount(count: unknown, method: string): number {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method} ${this.#title()}: count must be a non-negative integer, got ${show(count)}`,
      );
    }
    return count;
  }

  #sizeFor(count: number, method: string): number {
    if (this.#flexible < 0) return this.size;
    const step = (this.#fields[this.#flexible].flexible as Codec).size;
    const bytes = Math.max(this.size, this.fieldOffsets[this.#flexible] + count * step);
    if (!fitsInBuffer(bytes)) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `${method} ${this.#title()}: ${count} elements are more than an ArrayBuffer holds (${MAX_BYTES} bytes)`,
      );
    }
    return bytes;
  }

  /** Reads `count` consecutive structs (a C array) from `source`, `byteOffset` bytes in. */
  fromArray(source: StructSource, count: number, byteOffset = 0): StructValue<F>[] {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw ffiError(
        RangeError,
        'ERR_ARKFFI_OUT_OF_RANGE',
        `fromArray(): count must be a non-negative integer, got ${show(count)}`,
      );
    }
    const view = viewOf(source, byteOffset, this.size * count, 'fromArray()');
    return Array.from({ length: count }, (_, k) => this.#read(view, k * this.size) as StructValue<F>);
  }

  /** Reads one field of the struct at `target`. */
  /** The text the string member `field` (cstring, cstring16, cstring32) at `source` points to; null for NULL. */
  readString<K extends FieldName<F>>(source: StructSource, field: K): string | null {
    const read = textReader(declaredType(this.fieldTypes[this.#lookup(field, 'readString()')]));
    if (read === undefined) throw notText(this.#title(), field);
    const address = this.get(source, field) as unknown as number | bigint;
    return address == 0 ? null : read(address);
  }

  get<K extends FieldName<F>>(target: StructSource, field: K): StructValue<F>[K] {
    const i = this.#lookup(field, 'get()');
    return this.#fields[i].read(viewOf(target, 0, this.size, 'get()'), this.fieldOffsets[i]) as StructValue<F>[K];
  }

  /**
   * Writes one field of the struct at `target`, touching only that field's bytes. A nested
   * struct or array is replaced whole (its missing parts become zero); on error nothing changes.
   */
  set<K extends FieldName<F>>(target: StructSource, field: K, value: FieldInputOf<F, K>): void {
    const i = this.#lookup(field, 'set()');
    const codec = this.#fields[i];
    if (codec.flexible !== undefined) {
      // The elements given, written in place one by one (each checked before it is written).
      const count = elementCount(value);
      const view = viewOf(target, 0, this.#sizeFor(count, 'set()'), 'set()', true);
      try {
        codec.write(view, this.fieldOffsets[i], value, field);
      } catch (err) {
        this.#fail('set()', err);
      }
      return;
    }
    this.#put(viewOf(target, 0, this.size, 'set()', true), this.fieldOffsets[i], codec, value, field, 'set()');
  }

  /** Writes `value` at `at` with `codec`; a composite is written whole or, on error, not at all. */
  #put(view: DataView, at: number, codec: Codec, value: unknown, path: string, method: string): void {
    try {
      if (!codec.composite) {
        codec.write(view, at, value, path);
        return;
      }
      const scratch = new Uint8Array(codec.size);
      codec.write(new DataView(scratch.buffer), 0, value, path);
      new Uint8Array(view.buffer, view.byteOffset + at, codec.size).set(scratch);
    } catch (err) {
      this.#fail(method, err);
    }
  }

  /** The addon's description, for passing this struct by value. */
  [toNativeType](where: string): NativeTypeDesc {
    if (this.#flexible >= 0) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `${where}: ${this.#title()} ends in the flexible array member '${this.fieldNames[this.#flexible]}' and cannot be passed by value: pass a pointer to it`,
      );
    }
    if (this.alignment > 16) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `${where}: ${this.#title()} is aligned to ${this.alignment} bytes, and ArkFFI passes structs aligned to at most 16 by value: pass a pointer to it`,
      );
    }
    if (this.#desc === undefined) {
      const members: NativeTypeDesc[] = [];
      if (this.#natural) this.#members(members, where);
      else layoutMembers(members, codecs.get(this) as Codec, this.size, this.alignment);
      let info: NativeTypeInfo;
      try {
        info = native.typeInfo(members);
      } catch (err) {
        reword(err, `${where}: ${(err as Error).message}`);
      }
      if (info.size !== this.size || info.align !== this.alignment) {
        throw new Error(
          `arkffi: libffi lays this struct out in ${info.size} bytes (align ${info.align}), ` +
            `StructSchema in ${this.size} (align ${this.alignment})`,
        );
      }
      this.#desc = members;
    }
    return this.#desc;
  }

  #lookup(field: string, method: string): number {
    const i = this.#index.get(field);
    if (i === undefined) {
      throw ffiError(TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD', `${method}: no field ${show(field)} in this ${this.kind}`);
    }
    return i;
  }

  /** Reads the struct at `at`, with `count` elements of its flexible array member if it has one. */
  #read(view: DataView, at: number, count = 0): Record<string, unknown> {
    const fast = this.#fast();
    if (fast !== null) return fast.read(view, at);
    const out: Record<string, unknown> = {};
    // Each field defined as the compiled reader's object literal defines it: an assignment would
    // reach a setter or a getter-only property that Object.prototype was given.
    for (let i = 0; i < this.#fields.length; i++) {
      const codec = this.#fields[i];
      const value =
        codec.flexible === undefined
          ? codec.read(view, at + this.fieldOffsets[i])
          : readList(codec.flexible, view, at + this.fieldOffsets[i], count);
      defineField(out, this.fieldNames[i], value);
    }
    return out;
  }

  /**
   * Writes a plain object of fields, or copies the bytes of a buffer or view, as the struct at
   * `at`. `path` names the struct inside an outer one ('' for the outermost).
   */
  #write(view: DataView, at: number, value: unknown, path: string): void {
    refuseProxy(value, this.#named(path));
    if (typeof value === 'object' && value !== null) {
      if (isPlainObject(value)) {
        const fast = this.#fast();
        if (fast === null || path !== '' || !fast.write(view, at, value))
          this.#writeFields(view, at, value as Record<string, unknown>, path);
        return;
      }
      if (isBufferLike(value)) {
        const bytes = ArrayBuffer.isView(value)
          ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
          : new Uint8Array(value);
        if (bytes.length < this.size) {
          throw ffiError(
            RangeError,
            'ERR_ARKFFI_OUT_OF_RANGE',
            `${this.#named(path)} needs ${this.size} bytes, the buffer has ${bytes.length}`,
          );
        }
        new Uint8Array(view.buffer, view.byteOffset + at, this.size).set(bytes.subarray(0, this.size));
        return;
      }
    }
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${this.#named(path)} must be a plain object of fields or a buffer of its bytes, got ${show(value)}`,
    );
  }

  /** `field 'path'`, or for the outermost struct its kind and first field names. */
  #named(path: string): string {
    return path === '' ? 'the value' : `field '${path}'`;
  }

  /** The schema, for messages: its tag, or its kind and first field names. */
  #title(): string {
    return this.#tag;
  }

  #writeFields(view: DataView, at: number, record: Record<string, unknown>, path: string): void {
    const prefix = path === '' ? '' : `${path}.`;
    let given = 0;
    const where = this.#named(path);
    for (const key of Object.keys(record)) {
      if (!this.#index.has(key)) {
        throw ffiError(TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD', `no field '${prefix}${key}' in this ${this.kind}`);
      }
      if (ownValue(record, key, where) !== undefined) given++;
    }
    if (this.kind === 'union' && given > 1) {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_ARG_TYPE',
        `a union takes one member, got ${given}${path === '' ? '' : ` for '${path}'`}`,
      );
    }
    zero(view, at, this.size);
    for (let i = 0; i < this.#fields.length; i++) {
      const name = this.fieldNames[i];
      // Own data properties only: an inherited one is no field, and a getter never runs.
      const field = ownValue(record, name, where);
      if (field !== undefined) this.#fields[i].write(view, at + this.fieldOffsets[i], field, prefix + name);
    }
  }

  /**
   * Compiled reader and writer for a struct whose fields are all scalars, built on first use:
   * one function each with the field names and offsets written out, instead of a loop over the
   * field list. The writer takes the common case only (a plain object with no unknown keys) and
   * answers false otherwise, leaving validation messages to the general path.
   */
  #fast(): Compiled | null {
    if (this.#compiled === undefined) {
      const flat = this.kind === 'struct' && this.#fields.every((codec) => !codec.composite);
      this.#compiled = flat ? compileFlat(this.fieldNames, this.fieldOffsets, this.#fields, this.size) : null;
    }
    return this.#compiled;
  }

  /** libffi's members for a natural struct (no union or moved field at any depth). */
  #members(out: NativeTypeDesc[], where: string): void {
    this.#fields.forEach((codec, i) => codec.members(out, `${where}, field '${this.fieldNames[i]}'`));
  }

  #codec(): Codec {
    return {
      size: this.size,
      align: this.alignment,
      composite: true,
      natural: this.#natural,
      variable: this.#flexible >= 0,
      read: (view, at) => this.#read(view, at),
      write: (view, at, value, path) => this.#write(view, at, value, path),
      members: (out, where) => {
        const inner: NativeTypeDesc[] = [];
        this.#members(inner, where);
        out.push(inner);
      },
      leaves: (out, at) => {
        const start = out.length;
        this.#fields.forEach((codec, i) => codec.leaves(out, at + this.fieldOffsets[i]));
        if (this.kind === 'union') for (let k = start; k < out.length; k++) out[k] = { ...out[k], inUnion: true };
      },
    };
  }
}

/**
 * The fields of a struct (not a union) whose every field is a plain number at an offset its
 * typed array can index, or null. Internal: the call path writes and reads such structs with
 * typed arrays, in code generated for each definition.
 */
export function numberLayout(schema: StructSchema<any>): readonly NumberField[] | null {
  return numberLayouts.get(schema) ?? null;
}

/**
 * A function that writes `values` (an object of fields, or bytes) over the whole struct at the
 * start of `view`. Internal: the call path encodes struct arguments with it into reused memory.
 */
export function structWriter(schema: StructSchema<any>): (view: DataView, values: unknown) => void {
  const codec = codecs.get(schema) as Codec;
  return (view, values) => codec.write(view, 0, values, '');
}

/** Reads the struct at `at` in `view` as an object. Internal: the call path decodes results. */
export function structReaderOf(schema: StructSchema<any>): (view: DataView, at: number) => unknown {
  const codec = codecs.get(schema) as Codec;
  return (view, at) => codec.read(view, at);
}

/**
 * `new StructSchema(fields, options)`: a C struct, its values typed from the fields (no
 * `as const` needed).
 *
 * ```ts
 * const Point = Struct({ x: 'f64', y: 'f64' });
 * Point.fromPtr(Point.create({ x: 1 })); // { x: number; y: number }
 * ```
 */
export function Struct<const F extends FieldList>(fields: F, options?: StructOptions): StructSchema<F> {
  return new StructSchema(fields, options);
}

/**
 * A C union: every field at offset 0, size the largest field's rounded up to the alignment.
 * Writing one takes at most one member (checked when it runs).
 */
export function Union<const F extends FieldList>(
  fields: F,
  options: Omit<StructOptions, 'union'> = {},
): StructSchema<F> {
  return new StructSchema(fields, { ...options, union: true });
}

/** The type of a field as declared: a descriptor's `type`, any other type itself. */
export function declaredType(type: FieldType): FieldType {
  return memberOf(type, 'offsetof()').type;
}

/** The size and alignment of any type a field can have, as the C compiler lays it out. */
export function typeLayout(type: FieldType, where: string): { size: number; align: number } {
  const { size, align } = fieldCodec(type, where, true);
  return { size, align };
}
