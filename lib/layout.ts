/**
 * C's layout operators: sizeof(type), alignof(type) and offsetof(schema, field), answered for
 * every type a struct field can have, as the C compiler lays it out.
 */
import { types } from 'node:util';
import { describe, ffiError } from './errors';
import { underlying } from './named';
import { declaredType, StructSchema, typeLayout, type FieldType } from './struct';

/** `sizeof(type)`: the bytes a value of `type` takes (a type name, StructSchema, array(), handle or alias). */
export function sizeof(type: FieldType): number {
  return typeLayout(type, 'sizeof()').size;
}

/** `_Alignof(type)`: the alignment C gives a value of `type`, in bytes. */
export function alignof(type: FieldType): number {
  return typeLayout(type, 'alignof()').align;
}

/**
 * `offsetof(struct, field)`: where the field `field` of a StructSchema starts, in bytes. A dotted
 * path (`'pos.y'`) names a field of a nested struct, as C's offsetof does.
 */
export function offsetof(schema: StructSchema, field: string): number {
  if (typeof schema !== 'object' || schema === null || types.isProxy(schema) || !(schema instanceof StructSchema)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `offsetof(): argument 1 must be a StructSchema, got ${describe(schema)}`,
    );
  }
  if (typeof field !== 'string') {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `offsetof(): argument 2 must be a field name, got ${describe(field)}`,
    );
  }
  let at = 0;
  let struct: unknown = schema;
  for (const name of field.split('.')) {
    const i = struct instanceof StructSchema ? struct.fieldNames.indexOf(name) : -1;
    if (i < 0) {
      throw ffiError(TypeError, 'ERR_ARKFFI_UNKNOWN_FIELD', `offsetof(): no field '${field}' in this ${schema.kind}`);
    }
    const parent = struct as StructSchema;
    at += parent.fieldOffsets[i];
    struct = underlying(declaredType(parent.fieldTypes[i]));
  }
  return at;
}
