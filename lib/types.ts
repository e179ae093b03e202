/**
 * Type names. `FFIType` keeps every member name ArkFFI had, each now bound to its real C type;
 * definitions may also use bun:ffi's names, ArkFFI's one-letter codes and common C spellings.
 * The addon resolves every name (src/types.c), so platform-dependent names (char, long, usize)
 * always match the C compiler. A StructSchema is a type too: it describes itself to the addon.
 */
import { types } from 'node:util';
import { describe as show, ffiError, reword } from './errors';
import { native, type NativeTypeDesc, type NativeTypeInfo } from './native';
import type { TypeName } from './typing';

/**
 * The type names of ArkFFI (its member names) and bun:ffi. Values are type-name strings, so a
 * member and its string are interchangeable in definitions: `FFIType.i32 === 'i32'`, and a
 * definition written with members is typed exactly like one written with strings.
 */
export const FFIType = Object.freeze({
  // Integers
  /** `char`, signed or not as the platform's: a number. */
  char: 'char',
  /** `int8_t`: a number. */
  int8_t: 'i8',
  /** `int8_t`: a number. */
  i8: 'i8',
  /** `uint8_t`: a number. */
  uint8_t: 'u8',
  /** `uint8_t`: a number. */
  u8: 'u8',
  /** `int16_t`: a number. */
  int16_t: 'i16',
  /** `int16_t`: a number. */
  i16: 'i16',
  /** `uint16_t`: a number. */
  uint16_t: 'u16',
  /** `uint16_t`: a number. */
  u16: 'u16',
  /** `int32_t`: a number. */
  int: 'i32',
  /** `int32_t`: a number. */
  int32: 'i32',
  /** `int32_t`: a number. */
  int32_t: 'i32',
  /** `int32_t`: a number. */
  i32: 'i32',
  /** `uint32_t`: a number, never negative. */
  uint32_t: 'u32',
  /** `uint32_t`: a number, never negative. */
  u32: 'u32',
  /** `int64_t`: takes a number or a BigInt; gives a number while exact, else a BigInt. */
  int64: 'i64',
  /** `int64_t`: takes a number or a BigInt; gives a number while exact, else a BigInt. */
  int64_t: 'i64',
  /** `int64_t`: takes a number or a BigInt; gives a number while exact, else a BigInt. */
  i64: 'i64',
  /** `uint64_t`: takes a number or a BigInt; gives a number while exact, else a BigInt. */
  uint64_t: 'u64',
  /** `uint64_t`: takes a number or a BigInt; gives a number while exact, else a BigInt. */
  u64: 'u64',
  /** bun:ffi's `int64_t` that is a number while exact: the same as `i64` here. */
  i64_fast: 'i64_fast',
  /** bun:ffi's `uint64_t` that is a number while exact: the same as `u64` here. */
  u64_fast: 'u64_fast',
  /** `int64_t` returned as a BigInt always. */
  bigint64: 'bigint64',
  /** `uint64_t` returned as a BigInt always. */
  biguint64: 'biguint64',
  /** `size_t`: as `u64` on 64-bit platforms. */
  usize: 'usize',
  /** `ssize_t`: as `i64` on 64-bit platforms. */
  isize: 'isize',
  // Floating point
  /** `float`: a number, passed as a real 32-bit float. */
  float: 'f32',
  /** `float`: a number, passed as a real 32-bit float. */
  f32: 'f32',
  /** `double`: a number. */
  double: 'f64',
  /** `double`: a number. */
  f64: 'f64',
  // Others
  /** `bool`: takes a boolean or a number; gives a boolean. */
  bool: 'bool',
  /** `void`: a result type only; the call gives undefined. */
  void: 'void',
  /** `void *`: takes an address, null, a buffer or a function pointer; gives the address. */
  ptr: 'ptr',
  /** `void *`, as `ptr`. */
  pointer: 'ptr',
  /** `void *` to memory a buffer holds, as `ptr`. */
  buffer: 'buffer',
  /** A C function pointer, as `ptr` (a CFunction or its address). */
  function: 'function',
  /** A C function pointer, as `ptr` (a JSCallback's or a CFunction's address). */
  callback: 'callback',
  /** Node-API's `napi_env`: the caller passes null, and C receives the environment of the call. */
  napi_env: 'napi_env',
  /** Node-API's `napi_value`: any JS value, which C receives as its handle (valid during the call). */
  napi_value: 'napi_value',
  /** `const char *`: takes a JS string (copied for the call) or a pointer; gives a string or null. */
  CString: 'cstring',
  /** `const char *`: takes a JS string (copied for the call) or a pointer; gives a string or null. */
  cstring: 'cstring',
} as const satisfies Record<string, TypeName>);

/** The values of `FFIType`: the canonical spellings of the type names. */
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
 * A type as the run time takes it: any string (unknown names throw when resolved), an array of
 * member types for a struct passed or returned by value, or a StructSchema. Internal: the public
 * definitions are checked against the stricter TypeSpec of typing.ts, which knows every name;
 * the raw bridge builds its signatures from strings.
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

// The type objects (StructSchemas), by identity: a property lookup on a user's object could run
// a getter or a Proxy trap, which a definition never does.
const described = new WeakSet<object>();

/** Makes `type` a type object that definitions take. Internal (StructSchema's constructor). */
export function markDescribed(type: NativeDescribed): void {
  described.add(type);
}

/** How deep member lists may nest: far beyond any C struct, short of any stack's end. */
export const MAX_NESTING = 256;

function invalidType(where: string, problem: string): never {
  throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: ${problem}`);
}

/**
 * The addon's description of `spec`, reading a list of member types only through its own data
 * elements: no Proxy trap, getter or overridden method runs. `path` is the member's position
 * ("2.1": member 1 of member 2).
 */
function describe(spec: TypeSpec, where: string, depth = 0, path = ''): NativeTypeDesc {
  if (typeof spec === 'string') return ALIASES[spec] ?? spec;
  const at = path === '' ? '' : ` (member ${path})`;
  if (typeof spec === 'object' && spec !== null && !types.isProxy(spec)) {
    if (described.has(spec)) return (spec as NativeDescribed)[toNativeType](where);
    if (Array.isArray(spec)) {
      if (depth >= MAX_NESTING) {
        invalidType(
          where,
          `member types nest deeper than ${MAX_NESTING} levels${at}: is a list one of its own members?`,
        );
      }
      const list = spec as readonly TypeSpec[];
      const out: NativeTypeDesc[] = [];
      for (let i = 0; i < list.length; i++) {
        const element = Object.getOwnPropertyDescriptor(list, i);
        const name = path === '' ? `${i + 1}` : `${path}.${i + 1}`;
        if (element === undefined || !('value' in element)) {
          invalidType(
            where,
            `member ${name} of the member types is ${element === undefined ? 'missing (a hole)' : 'a getter'}: give a plain list`,
          );
        }
        out.push(describe(element.value as TypeSpec, where, depth + 1, name));
      }
      return out;
    }
  }
  const proxy = typeof spec === 'object' && spec !== null && types.isProxy(spec) ? ' (a Proxy is not taken)' : '';
  return invalidType(
    where,
    `a type must be a type name, an array of member types or a StructSchema${at}, got ${show(spec)}${proxy}`,
  );
}

export { describe as describeType };

/**
 * The addon's description of `spec` as a string: equal for equal types, whatever objects spell
 * them. Runs no user code (see describe).
 */
export function typeKey(spec: TypeSpec, where: string): string {
  return typeof spec === 'string' ? spec : JSON.stringify(describe(spec, where));
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

/** Whether `name` names a type, asked without throwing. */
export function isTypeName(name: string): boolean {
  try {
    resolveType(name, 'a type name');
    return true;
  } catch {
    return false;
  }
}
