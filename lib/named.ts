/**
 * Types with names of their own, as a C header declares them: opaque handle types
 * (`typedef struct sqlite3 sqlite3;`, used only through `sqlite3 *`) and typedefs of other types
 * (`typedef uint32_t DWORD;`). Both are type objects a definition, a JSCallback and a struct field
 * take. At run time a handle is a plain pointer and an alias is its type: neither costs anything
 * per call. In TypeScript a handle is a branded address, so that a `sqlite3 *` is not taken where a
 * `sqlite3_stmt *` is.
 */
import { describe, ffiError } from './errors';
import { read, type PointerLike } from './memory';
import type { NativeTypeDesc } from './native';
import { describeType, markDescribed, resolveType, toNativeType, type NativeDescribed, type TypeSpec } from './types';

declare const handleOf: unique symbol;

/**
 * The address of a C object of the opaque type `Name`, as a C function returned it: a number (or
 * a BigInt beyond 2^53) that TypeScript keeps apart from other handles and plain numbers.
 */
export type Handle<Name extends string> = (number | bigint) & { readonly [handleOf]: Name };

// The named types, by identity: asking a value for its class could run a Proxy's trap.
const handles = new WeakSet<object>();
const aliases = new WeakSet<object>();

// A C identifier: what a header could have declared.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(fn: string, name: unknown): void {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `${fn}(): the name must be a C identifier, got ${describe(name)}`,
    );
  }
}

/**
 * An opaque C type, known only by name. As a parameter, result or field type it stands for a
 * pointer to it (`sqlite3 *`), which is the only way C code hands one over.
 */
export class OpaqueType<Name extends string = string> implements NativeDescribed {
  /** The C type's name. */
  readonly name: Name;

  /** Made by opaque(). */
  constructor(name: Name) {
    checkName('opaque', name);
    this.name = name;
    handles.add(this);
    markDescribed(this);
    Object.freeze(this);
  }

  /**
   * The handle C stored at `address` (plus `byteOffset`), as for an out parameter `sqlite3 **`
   * filled by the call: null for NULL.
   */
  read(address: PointerLike, byteOffset = 0): Handle<Name> | null {
    const p = read.ptr(address, byteOffset);
    return p === 0 ? null : (p as Handle<Name>);
  }

  [toNativeType](): NativeTypeDesc {
    return 'ptr';
  }
}

/** Declares the opaque C type `name`: `const sqlite3 = opaque('sqlite3')`. */
export function opaque<const Name extends string>(name: Name): OpaqueType<Name> {
  return new OpaqueType(name);
}

/** Another name for a type, as a C `typedef` gives one: it is that type wherever it is used. */
export class AliasType<Name extends string = string, T extends TypeSpec = TypeSpec> implements NativeDescribed {
  /** The alias. */
  readonly name: Name;
  /** The type it names. */
  readonly type: T;
  readonly #desc: NativeTypeDesc;

  /** Made by alias(). */
  constructor(name: Name, type: T) {
    checkName('alias', name);
    const where = `alias('${name}')`;
    resolveType(type, where);
    this.name = name;
    this.type = type;
    this.#desc = describeType(type, where);
    aliases.add(this);
    markDescribed(this);
    Object.freeze(this);
  }

  [toNativeType](): NativeTypeDesc {
    return this.#desc;
  }
}

/**
 * Declares `name` as another name for `type` (a type name, a StructSchema, a handle type, another
 * alias): `const DWORD = alias('DWORD', 'u32')`.
 */
export function alias<const Name extends string, const T extends TypeSpec>(name: Name, type: T): AliasType<Name, T> {
  return new AliasType(name, type);
}

/**
 * What a named type stands for wherever types are taken: an alias's type (through every alias),
 * `ptr` for a handle type; any other type as it is. Runs no user code: named types are known by
 * identity, and frozen.
 */
export function underlying(type: unknown): unknown {
  let t = type;
  while (typeof t === 'object' && t !== null && aliases.has(t)) t = (t as AliasType).type;
  return typeof t === 'object' && t !== null && handles.has(t) ? 'ptr' : t;
}
