/**
 * Type names. `FFIType` keeps every member name ArkFFI had, each now bound to its real C type;
 * definitions may also use bun:ffi's names, ArkFFI's one-letter codes and common C spellings.
 * The addon resolves every name (src/types.c), so platform-dependent names (char, long, usize)
 * always match the C compiler. A StructSchema is a type too: it describes itself to the addon.
 */
import { ffiError, reword } from './errors';
import { native, type NativeTypeDesc, type NativeTypeInfo } from './native';

/**
 * The type names of ArkFFI (its member names) and bun:ffi. Values are type-name strings, so a
 * member and its string are interchangeable in definitions: `FFIType.i32 === 'i32'`.
 */
export const FFIType = Object.freeze({
  // Integers
  char: 'char',
  int8_t: 'i8',
  i8: 'i8',
  uint8_t: 'u8',
  u8: 'u8',
  int16_t: 'i16',
  i16: 'i16',
  uint16_t: 'u16',
  u16: 'u16',
  int: 'i32',
  int32: 'i32',
  int32_t: 'i32',
  i32: 'i32',
  uint32_t: 'u32',
  u32: 'u32',
  int64: 'i64',
  int64_t: 'i64',
  i64: 'i64',
  uint64_t: 'u64',
  u64: 'u64',
  i64_fast: 'i64_fast',
  u64_fast: 'u64_fast',
  /** int64_t returned as a BigInt always. */
  bigint64: 'bigint64',
  /** uint64_t returned as a BigInt always. */
  biguint64: 'biguint64',
  usize: 'usize',
  isize: 'isize',
  // Floating point
  float: 'f32',
  f32: 'f32',
  double: 'f64',
  f64: 'f64',
  // Others
  bool: 'bool',
  void: 'void',
  ptr: 'ptr',
  pointer: 'ptr',
  buffer: 'buffer',
  function: 'function',
  callback: 'callback',
  napi_env: 'napi_env',
  napi_value: 'napi_value',
  CString: 'cstring',
  cstring: 'cstring',
} as const);

export type FFITypeName = (typeof FFIType)[keyof typeof FFIType];

/** The method by which a type object (a StructSchema) gives the addon its struct description. */
export const toNativeType: unique symbol = Symbol('arkffi.toNativeType');

/**
 * A type object that describes itself to the addon. Implemented by StructSchema; kept as an
 * interface so this file does not depend on struct.ts.
 */
export interface NativeDescribed {
  /** The addon's description; throws ERR_ARKFFI_INVALID_TYPE, naming `where`, if there is none. */
  [toNativeType](where: string): NativeTypeDesc;
}

/**
 * Anything a definition accepts as a type: a type name, an array of member types for a struct
 * passed or returned by value (its bytes travel as an ArrayBuffer or ArrayBufferView), or a
 * StructSchema.
 */
export type TypeSpec = string | readonly TypeSpec[] | NativeDescribed;

/** A type resolved for code generation. */
export interface ResolvedType {
  /** The spelling the user wrote. */
  readonly spec: TypeSpec;
  /** What the addon receives. */
  readonly desc: NativeTypeDesc;
  readonly info: NativeTypeInfo;
}

// ArkFFI's return code '2': two doubles returned in registers, delivered as a 16-byte ArrayBuffer.
const ALIASES: Record<string, NativeTypeDesc> = { '2': ['f64', 'f64'] };

// Names are cached as written (the hot path); composite types by their description, so equal
// structs share one entry whatever objects spelled them.
const byName = new Map<string, ResolvedType>();
const byDesc = new Map<string, ResolvedType>();

function isDescribed(spec: unknown): spec is NativeDescribed {
  return typeof spec === 'object' && spec !== null && typeof (spec as NativeDescribed)[toNativeType] === 'function';
}

function describe(spec: TypeSpec, where: string): NativeTypeDesc {
  if (typeof spec === 'string') return ALIASES[spec] ?? spec;
  if (Array.isArray(spec)) return spec.map((member: TypeSpec) => describe(member, where));
  if (isDescribed(spec)) return spec[toNativeType](where);
  throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE',
    `${where}: a type must be a type name, an array of member types or a StructSchema, got ${typeof spec}`);
}

/** Resolves a type once; an unknown name throws ERR_ARKFFI_UNKNOWN_TYPE naming `where`. */
export function resolveType(spec: TypeSpec, where: string): ResolvedType {
  const named = typeof spec === 'string';
  let hit = named ? byName.get(spec) : undefined;
  if (hit !== undefined) return hit;
  const desc = describe(spec, where);
  const cache = named ? byName : byDesc;
  const key = named ? spec : JSON.stringify(desc);
  hit = cache.get(key);
  if (hit === undefined) {
    let info: NativeTypeInfo;
    try {
      info = native.typeInfo(desc);
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_ARKFFI_UNKNOWN_TYPE') {
        throw ffiError(TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE', `${where}: ${(err as Error).message}`);
      }
      reword(err, `${where}: ${(err as Error).message}`);
    }
    hit = { spec, desc, info };
    cache.set(key, hit);
  }
  return hit;
}
