/**
 * Type names. `FFIType` keeps every member name ArkFFI had, each now bound to its real C type;
 * definitions may also use bun:ffi's names, ArkFFI's one-letter codes and common C spellings.
 * The addon resolves every name (src/types.c), so platform-dependent names (char, long, usize)
 * always match the C compiler.
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

/**
 * Anything a definition accepts as a type: a type name, or an array of member types for a struct
 * passed or returned by value (its bytes travel as an ArrayBuffer or ArrayBufferView).
 */
export type TypeSpec = string | readonly TypeSpec[];

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

const cache = new Map<string, ResolvedType>();

/** Resolves a type once; an unknown name throws ERR_ARKFFI_UNKNOWN_TYPE naming `where`. */
function describe(spec: TypeSpec, where: string): NativeTypeDesc {
  if (typeof spec === 'string') return ALIASES[spec] ?? spec;
  if (Array.isArray(spec)) return spec.map((member: TypeSpec) => describe(member, where));
  throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: a type must be a type name or an array of member types, got ${typeof spec}`);
}

export function resolveType(spec: TypeSpec, where: string): ResolvedType {
  const key = typeof spec === 'string' ? spec : JSON.stringify(spec);
  let hit = key === undefined ? undefined : cache.get(key);
  if (hit === undefined) {
    const desc = describe(spec, where);
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
    if (key !== undefined) cache.set(key, hit);
  }
  return hit;
}
