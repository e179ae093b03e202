/**
 * Struct members that C headers declare beyond a plain type: a member with an alignment of its
 * own (`__attribute__((aligned(n)))`, a field descriptor `{ type, align }`), a flexible array
 * member (`double data[]`, flexibleArray()) and a pointer to a struct, the struct's own type or
 * one declared later (`struct node *next`, pointerTo()). The layout and the conversions are in
 * struct.ts; this file holds the member types and their type-level part.
 */
import { ffiError } from './errors';
import { TEXT_READERS, type Pointer } from './memory';
import { underlying } from './named';
import type { FieldList, FieldType, MemberType, StructSchema } from './struct';
import { resolveType } from './types';
import type { StructValue } from './typing';

/**
 * A field with an alignment of its own: `{ type: 'i32', align: 16 }` is
 * `int x __attribute__((aligned(16)))`. As in C, `align` (a power of two) only raises the
 * field's alignment, except in a packed struct, where it is the field's alignment; a
 * `#pragma pack(n)` (`pack: n`) still caps it at n.
 */
export interface FieldDescriptor<T extends MemberType = MemberType> {
  /** The field's type: anything a field can be but another descriptor. */
  readonly type: T;
  /** `__attribute__((aligned(align)))`: a power of two. */
  readonly align?: number;
}

/**
 * A flexible array member, `E name[]`: the last field of a struct, taking no bytes of `sizeof`;
 * its elements follow at the field's offset, as many as the memory holds. See flexibleArray().
 */
export class FlexibleArrayType<E extends FieldType = FieldType> {
  /** `element`: the element type. */
  constructor(readonly element: E) {}
}

/**
 * `flexibleArray(type)` is a flexible array member `type name[]`: `Struct({ n: 'int', data:
 * flexibleArray('f64') })` is `struct { int n; double data[]; }`. It must be the last field of a
 * struct (not a union), and such a struct is passed by pointer only. `create(values, { count })`
 * allocates room for `count` elements, `fromPtr(source, { count })` reads that many, and
 * `getElement()`/`setElement()` reach one element by index.
 */
export function flexibleArray<const E extends FieldType>(element: E): FlexibleArrayType<E> {
  return new FlexibleArrayType(element);
}

/**
 * What a struct pointer field points at: `'self'` for the struct whose field it is (`struct
 * node *next` inside `struct node`), a StructSchema, or a function returning one, for a struct
 * declared later (called when the pointer is followed, not before).
 */
export type PointerTarget = 'self' | StructSchema<any> | (() => StructSchema<any>);

/** A pointer to a struct, `struct T *`: an address like a `'ptr'` field; see pointerTo(). */
export class PointerType<T extends PointerTarget = PointerTarget> {
  /** `target`: what the pointer points at, as given to pointerTo(). */
  constructor(readonly target: T) {}
}

/**
 * `pointerTo(target)` is a field `struct T *name`: it reads as the address (a StructPointer:
 * a number, or a BigInt beyond 2^53; 0 for NULL) and takes what a `'ptr'` field takes.
 * `schema.follow(source, field)` reads the struct it points at with the target's schema, or
 * gives null for NULL. `pointerTo('self')` points at the struct the field is in;
 * `pointerTo(() => Later)` at a struct declared further down.
 */
export function pointerTo<const T extends PointerTarget>(target: T): PointerType<T> {
  return new PointerType(target);
}

declare const pointsAt: unique symbol;

/**
 * The address of a struct of schema `S`, as a pointer field reads it: a number (or a BigInt
 * beyond 2^53) that the type system knows points at an `S`; any function taking an address
 * takes it, `S.fromPtr(p)` among them.
 */
export type StructPointer<S = StructSchema> = (number | bigint) & { readonly [pointsAt]?: S };

/** The schema a pointer target names, inside the struct whose fields are `F`. */
export type PointeeOf<T, F extends FieldList = FieldList> = T extends 'self'
  ? StructSchema<F>
  : T extends () => infer S
    ? S
    : T;

/**
 * A field type as the struct with fields `F` sees it: a pointer to `'self'` (alone or in a
 * descriptor) is a pointer to `StructSchema<F>`.
 */
export type MemberOf<T, F extends FieldList> = [T] extends [
  PointerType<'self'> | { readonly type: PointerType<'self'> },
]
  ? PointerType<StructSchema<F>>
  : T;

type Pairs = readonly (readonly [string, unknown])[];

/** The type of field `K` as written in the field list `F`. */
type FieldTypeOf<F extends FieldList, K> = F extends Pairs
  ? Extract<F[number], readonly [K, unknown]>[1]
  : K extends keyof F
    ? F[K]
    : never;

/** What `follow(source, K)` gives: the pointed struct as read, or null for NULL. */
export type FollowOf<F extends FieldList, K> = FieldList extends F
  ? Record<string, any> | null
  : MemberOf<FieldTypeOf<F, K>, F> extends PointerType<infer T>
    ? PointeeOf<T, F> extends StructSchema<infer G>
      ? StructValue<G> | null
      : never
    : never;

/** How many elements of a flexible array member to read, and where the struct starts. */
export interface ReadOptions {
  /** The bytes from `source` to the struct. Default 0. */
  readonly byteOffset?: number;
  /** How many elements of the flexible array member to read. Default 0. */
  readonly count?: number;
}

/** How many elements of a flexible array member to make room for in create(). */
export interface CreateOptions {
  /** Default: as many as `values` gives for the member (0 if none). */
  readonly count?: number;
}

/** How the text of a member of `type` reads: its string kind's reader, or undefined for another type. */
export function textReader(type: unknown): ((address: Pointer) => string) | undefined {
  const named = underlying(type);
  if (typeof named !== 'string') return undefined;
  const { kind } = resolveType(named, 'readString()').info;
  return Object.hasOwn(TEXT_READERS, kind) ? TEXT_READERS[kind as keyof typeof TEXT_READERS] : undefined;
}

/** The error of readString() on a member that is no string (`title`: the struct's, for messages). */
export function notText(title: string, field: string): Error {
  return ffiError(
    TypeError,
    'ERR_ARKFFI_INVALID_ARG_TYPE',
    `readString() ${title}: field '${field}' is not a string member (cstring, cstring16, cstring32)`,
  );
}
