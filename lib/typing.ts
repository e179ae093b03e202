/**
 * The type level of definitions: which JS values each C type takes and gives back, so that
 * dlopen(), CFunction(), AsyncCFunction(), linkSymbols(), JSCallback and StructSchema infer every
 * signature from the definitions themselves. Types only: nothing in this file exists at run time.
 *
 * The name table mirrors the addon's (src/types.c), which stays the authority at run time; the
 * tests in test/types/ prove what compiles and what does not.
 */
import type { ArgAdapter } from './arg-adapters';
import type { PointeeType, PointerParam } from './pointer-args';
import type { JSCallback } from './callback';
import type { DisposableType } from './disposable';
import type { CString, PointerLike } from './memory';
import type { AliasType, Handle, OpaqueType } from './named';
import type { ArrayType, FieldList, StructSchema } from './struct';
import type { StructReturn } from './struct-calls';
import type {
  FieldDescriptor,
  FlexibleArrayType,
  MemberOf,
  PointeeOf,
  PointerType,
  StructPointer,
} from './struct-members';
import type { NativeDescribed } from './types';

/**
 * How values of one group of C types cross: `arg` is what a call takes, `result` what it
 * returns; `fieldIn`/`fieldOut` the same for a struct field of that type; `received` is what a
 * JSCallback's function gets for a parameter, `returned` what it may return to C.
 */
interface Conversions {
  void: { arg: never; result: void; fieldIn: never; fieldOut: never; received: never; returned: void };
  bool: {
    arg: boolean | number;
    result: boolean;
    fieldIn: boolean | number;
    fieldOut: boolean;
    received: boolean;
    returned: boolean | number;
  };
  /** Integers of at most 32 bits and floating point: exact in a JS number. */
  number: { arg: number; result: number; fieldIn: number; fieldOut: number; received: number; returned: number };
  /** 64-bit integers: numbers while exact (|v| <= 2^53 - 1), BigInts beyond. */
  int64: {
    arg: number | bigint;
    result: number | bigint;
    fieldIn: number | bigint;
    fieldOut: number | bigint;
    received: number | bigint;
    returned: number | bigint;
  };
  /** bigint64/biguint64: 64-bit integers that always come back as BigInts. */
  bigint: {
    arg: number | bigint;
    result: bigint;
    fieldIn: number | bigint;
    fieldOut: bigint;
    received: bigint;
    returned: number | bigint;
  };
  /**
   * `void *`: results are addresses, numbers while exact and BigInts beyond 2^53 (`MAP_FAILED`,
   * tagged pointers); a struct keeps a pointer field as such an address.
   */
  ptr: {
    arg: PointerArg;
    result: number | bigint;
    fieldIn: PointerLike;
    fieldOut: number | bigint;
    received: number | bigint;
    returned: PointerLike;
  };
  /**
   * `const char *` (and `char16_t *`, `char32_t *`, `wchar_t *`): JS strings in and out of calls.
   * A struct field reads as its address (a number, or a BigInt beyond 2^53; readString() gives
   * the text) and takes a string in create() and createArray(), whose struct keeps the text; a
   * callback's result is an address too: a string put there would point at memory nobody keeps.
   */
  cstring: {
    arg: StringArg;
    result: string | null;
    fieldIn: PointerLike | string;
    fieldOut: number | bigint;
    received: string | null;
    returned: PointerLike;
  };
  /**
   * `char **`: what a `ptr` takes, or an array of strings (and nulls) passed as a NULL-terminated
   * `char **` for the call; otherwise a `ptr`.
   */
  strings: {
    arg: PointerArg | readonly (string | null)[];
    result: number | bigint;
    fieldIn: PointerLike;
    fieldOut: number | bigint;
    received: number | bigint;
    returned: PointerLike;
  };
  /** napi_env: the caller passes null or undefined; C receives the environment of the call. */
  napiEnv: {
    arg: null | undefined;
    result: never;
    fieldIn: never;
    fieldOut: never;
    received: never;
    returned: never;
  };
  /** napi_value: any JS value, which C receives as its handle; a result is the JS value C returned. */
  napiValue: {
    arg: unknown;
    result: unknown;
    fieldIn: never;
    fieldOut: never;
    received: never;
    returned: never;
  };
  /** ArkFFI's return code '2': a struct of two doubles by value, as its bytes. */
  bytes: {
    arg: ArrayBufferLike | ArrayBufferView;
    result: ArrayBuffer;
    fieldIn: never;
    fieldOut: never;
    received: ArrayBuffer;
    returned: ArrayBufferLike | ArrayBufferView;
  };
}

/** Every type name a definition accepts, and the group whose conversions it follows. */
interface TypeNames {
  void: 'void';
  v: 'void';
  bool: 'bool';
  b: 'bool';
  char: 'number';
  c: 'number';
  i8: 'number';
  u8: 'number';
  i16: 'number';
  u16: 'number';
  i32: 'number';
  u32: 'number';
  i: 'number';
  int: 'number';
  int8: 'number';
  int8_t: 'number';
  uint8: 'number';
  uint8_t: 'number';
  int16: 'number';
  int16_t: 'number';
  uint16: 'number';
  uint16_t: 'number';
  int32: 'number';
  int32_t: 'number';
  uint32: 'number';
  uint32_t: 'number';
  schar: 'number';
  uchar: 'number';
  short: 'number';
  ushort: 'number';
  uint: 'number';
  unsigned: 'number';
  f32: 'number';
  f64: 'number';
  f: 'number';
  d: 'number';
  float: 'number';
  double: 'number';
  float32: 'number';
  float64: 'number';
  i64: 'int64';
  u64: 'int64';
  l: 'int64';
  int64: 'int64';
  int64_t: 'int64';
  uint64: 'int64';
  uint64_t: 'int64';
  i64_fast: 'int64';
  u64_fast: 'int64';
  longlong: 'int64';
  ulonglong: 'int64';
  // As wide as the platform's long and size_t: 64 bits on 64-bit Linux, never wider.
  long: 'int64';
  ulong: 'int64';
  usize: 'int64';
  isize: 'int64';
  size_t: 'int64';
  ssize_t: 'int64';
  intptr_t: 'int64';
  uintptr_t: 'int64';
  bigint64: 'bigint';
  biguint64: 'bigint';
  // Integers in a given byte order: the JS value is the integer; C's bytes are in that order.
  i16_le: 'number';
  int16_le: 'number';
  int16_le_t: 'number';
  u16_le: 'number';
  uint16_le: 'number';
  uint16_le_t: 'number';
  i32_le: 'number';
  int32_le: 'number';
  int32_le_t: 'number';
  u32_le: 'number';
  uint32_le: 'number';
  uint32_le_t: 'number';
  i64_le: 'int64';
  int64_le: 'int64';
  int64_le_t: 'int64';
  u64_le: 'int64';
  uint64_le: 'int64';
  uint64_le_t: 'int64';
  i16_be: 'number';
  int16_be: 'number';
  int16_be_t: 'number';
  u16_be: 'number';
  uint16_be: 'number';
  uint16_be_t: 'number';
  i32_be: 'number';
  int32_be: 'number';
  int32_be_t: 'number';
  u32_be: 'number';
  uint32_be: 'number';
  uint32_be_t: 'number';
  i64_be: 'int64';
  int64_be: 'int64';
  int64_be_t: 'int64';
  u64_be: 'int64';
  uint64_be: 'int64';
  uint64_be_t: 'int64';
  ptr: 'ptr';
  pointer: 'ptr';
  buffer: 'ptr';
  function: 'ptr';
  callback: 'ptr';
  napi_env: 'napiEnv';
  napi_value: 'napiValue';
  p: 'ptr';
  k: 'ptr';
  cstring: 'cstring';
  CString: 'cstring';
  s: 'cstring';
  // UTF-16 and UTF-32 strings take and give JS strings as C strings do; wchar_t is UTF-32 on Linux.
  cstring16: 'cstring';
  cstring32: 'cstring';
  str16: 'cstring';
  string16: 'cstring';
  str32: 'cstring';
  string32: 'cstring';
  wstring: 'cstring';
  char16_t: 'number';
  char32_t: 'number';
  wchar_t: 'number';
  '2': 'bytes';
  // C spellings of more than one word (the addon takes any spacing, and ignores const/volatile).
  'signed char': 'number';
  'unsigned char': 'number';
  'short int': 'number';
  'signed short': 'number';
  'signed short int': 'number';
  'unsigned short': 'number';
  'unsigned short int': 'number';
  signed: 'number';
  'signed int': 'number';
  'unsigned int': 'number';
  'long int': 'int64';
  'signed long': 'int64';
  'signed long int': 'int64';
  'unsigned long': 'int64';
  'unsigned long int': 'int64';
  'long long': 'int64';
  'long long int': 'int64';
  'signed long long': 'int64';
  'signed long long int': 'int64';
  'unsigned long long': 'int64';
  'unsigned long long int': 'int64';
  ptrdiff_t: 'int64';
  off_t: 'int64';
  _Bool: 'bool';
  // A pointer to char is a C string; every other pointer spelling is a `ptr` (PointerSpelling).
  'char *': 'cstring';
  'char*': 'cstring';
  'const char *': 'cstring';
  'const char*': 'cstring';
  'char const *': 'cstring';
  'char16_t *': 'cstring';
  'const char16_t *': 'cstring';
  'char32_t *': 'cstring';
  'const char32_t *': 'cstring';
  'wchar_t *': 'cstring';
  'const wchar_t *': 'cstring';
}

/** The names of the table: every spelling but the pointer ones PointerSpelling adds. */
type TableName = keyof TypeNames;

/**
 * A C pointer spelling, `int *`, `const void *`, `char **`: a `ptr` (a pointer to char excepted,
 * in the table as a `cstring`). The addon takes any spacing and qualifiers; these are the usual.
 */
type PointerSpelling = `${'' | 'const '}${Exclude<TableName, '2'>}${' *' | '*' | ' **' | '**'}`;

/** The spellings of `char **` that take an array of strings (see lib/pointer-args.ts). */
type StringArraySpelling = `${'' | 'const '}char ${'**' | '*const *' | '* const *'}` | `${'' | 'const '}char**`;

/** A type name: an `FFIType` member, a bun:ffi name, an ArkFFI one-letter code or a C spelling. */
export type TypeName = TableName | PointerSpelling | StringArraySpelling;

/** The conversions group of a type name. */
type GroupName<N extends TypeName> = N extends StringArraySpelling
  ? 'strings'
  : N extends TableName
    ? TypeNames[N]
    : 'ptr';

/** The type names of `void`, which has no values: a result type only. */
export type VoidTypeName = { [N in TableName]: TypeNames[N] extends 'void' ? N : never }[TableName];

/** The type names a struct field can have: every scalar, not void nor a by-value struct code. */
export type FieldTypeName =
  | { [N in TableName]: TypeNames[N] extends 'void' | 'bytes' | 'napiEnv' | 'napiValue' ? never : N }[TableName]
  | PointerSpelling;

/**
 * A type in a definition: a type name, an array of member types for a struct passed or returned
 * by value (its bytes travel as an ArrayBuffer or view), or a StructSchema.
 */
export type TypeSpec = VoidTypeName | ParamTypeSpec;

/** A type a parameter (or a member of a struct by value) can have: any TypeSpec but void. */
export type ParamTypeSpec = Exclude<TypeName, VoidTypeName> | readonly ParamTypeSpec[] | NativeDescribed;

/** A parameter of a function definition: any ParamTypeSpec, or one converted around the call. */
export type DefinitionParam = ParamTypeSpec | ArgAdapter;

/** A C function address as a value: a CFunction (or anything callable with a `ptr`). */
export interface FunctionPointer {
  (...args: never[]): unknown;
  /** The function's address, which is what C receives. */
  readonly ptr: number | bigint;
}

/**
 * What a pointer parameter takes: an address (number or BigInt), `null`, a buffer (its memory is
 * passed in place), a JSCallback, or a function with an address (a CFunction).
 */
export type PointerArg = PointerLike | FunctionPointer | JSCallback;

/**
 * What a `cstring` parameter takes: a JS string (copied for the call), null, a CString, or a
 * buffer holding a NUL-terminated string. Not an address: declare `ptr` to pass one.
 */
export type StringArg = string | null | CString | ArrayBufferLike | ArrayBufferView;

type Group<T extends TypeName> = Conversions[GroupName<T>];

/** The TypedArrays that an array() field takes besides plain arrays. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** A type with every alias resolved to the type it names (a handle type stays: its values are branded). */
type Unaliased<T> = T extends AliasType<string, infer U> ? Unaliased<U> : T;

/**
 * The values of `T` if it is a handle type, else `Else`: a `Handle<N>` as C gives one, or also
 * `null` (`Null`) where the value goes to C, which takes NULL for any pointer.
 */
type HandleOr<T, Null extends null, Else> = T extends OpaqueType<infer N> ? Handle<N> | Null : Else;

/** What a parameter of type `T` takes. */
export type ArgValue<T> = ArgValueOf<Unaliased<T>>;

type ArgValueOf<T> = T extends TypeName
  ? Group<T>['arg']
  : T extends ArgAdapter<infer V>
    ? V
    : HandleOr<
        T,
        null,
        T extends StructSchema<infer F>
          ? StructInput<F> | ArrayBufferLike | ArrayBufferView | number | bigint
          : T extends readonly unknown[]
            ? ArrayBufferLike | ArrayBufferView
            : unknown
      >;

/**
 * What a call with result type `T` returns; for a StructSchema, what `structReturn` (`Mode`)
 * asks for: the held result's address by default.
 */
export type ResultValue<T, Mode = undefined> = ResultValueOf<Unaliased<T>, Mode>;

type ResultValueOf<T, Mode> = T extends TypeName
  ? Group<T>['result']
  : T extends DisposableType<infer K>
    ? Group<K>['result']
    : HandleOr<
        T,
        never,
        T extends StructSchema<infer F>
          ? Mode extends 'object'
            ? StructValue<F>
            : Mode extends 'buffer'
              ? ArrayBuffer
              : number
          : T extends readonly unknown[]
            ? ArrayBuffer
            : unknown
      >;

/** A struct field's value as read (fromPtr, get): nested structs as objects, arrays as arrays. */
export type FieldValue<T> = FieldValueOf<Unaliased<Described<T>>>;

/** A field descriptor `{ type, align }` is its type. */
type Described<T> = T extends FieldDescriptor<infer U> ? U : T;

type FieldValueOf<T> = T extends FieldTypeName
  ? Group<T>['fieldOut']
  : HandleOr<
      T,
      never,
      T extends StructSchema<infer F>
        ? StructValue<F>
        : T extends ArrayType<infer E> | FlexibleArrayType<infer E>
          ? FieldValue<E>[]
          : T extends PointerType<infer P>
            ? StructPointer<PointeeOf<P>>
            : unknown
    >;

/** What a struct field of type `T` takes when written (create, set). */
export type FieldInputValue<T> = FieldInputValueOf<Unaliased<Described<T>>>;

type FieldInputValueOf<T> = T extends FieldTypeName
  ? Group<T>['fieldIn']
  : HandleOr<
      T,
      null,
      T extends StructSchema<infer F>
        ? StructInput<F> | ArrayBufferLike | ArrayBufferView
        : T extends ArrayType<infer E> | FlexibleArrayType<infer E>
          ? readonly FieldInputValue<E>[] | TypedArray
          : T extends PointerType
            ? PointerLike
            : unknown
    >;

type Pairs = readonly (readonly [string, unknown])[];

/** A struct read into JS: each field name with its value. Untyped fields give `Record<string, any>`. */
export type StructValue<F extends FieldList = FieldList> = FieldList extends F
  ? Record<string, any>
  : F extends Pairs
    ? { [P in F[number] as P[0]]: FieldValue<MemberOf<P[1], F>> }
    : { -readonly [K in keyof F]: FieldValue<MemberOf<F[K], F>> };

/** Every field with what it takes when written. */
export type StructFieldInputs<F extends FieldList = FieldList> = FieldList extends F
  ? Record<string, unknown>
  : F extends Pairs
    ? { [P in F[number] as P[0]]: FieldInputValue<MemberOf<P[1], F>> }
    : { -readonly [K in keyof F]: FieldInputValue<MemberOf<F[K], F>> };

/** What StructSchema.create() takes: any of the fields; missing ones are zero. */
export type StructInput<F extends FieldList = FieldList> = Partial<StructFieldInputs<F>>;

/** The field names of a struct. */
export type FieldName<F extends FieldList = FieldList> = keyof StructValue<F> & string;

/** What field `K` takes when written alone (StructSchema.set()). */
export type FieldInputOf<F extends FieldList, K> = K extends keyof StructFieldInputs<F>
  ? StructFieldInputs<F>[K]
  : never;

// C prototypes at the type level, parsed as lib/prototype.ts parses them at run time.
type Blank = ' ' | '\t' | '\n';
type Trim<S extends string> = S extends `${Blank}${infer R}` ? Trim<R> : S extends `${infer R}${Blank}` ? Trim<R> : S;
type IdentifierChar =
  | 'a'
  | 'b'
  | 'c'
  | 'd'
  | 'e'
  | 'f'
  | 'g'
  | 'h'
  | 'i'
  | 'j'
  | 'k'
  | 'l'
  | 'm'
  | 'n'
  | 'o'
  | 'p'
  | 'q'
  | 'r'
  | 's'
  | 't'
  | 'u'
  | 'v'
  | 'w'
  | 'x'
  | 'y'
  | 'z'
  | 'A'
  | 'B'
  | 'C'
  | 'D'
  | 'E'
  | 'F'
  | 'G'
  | 'H'
  | 'I'
  | 'J'
  | 'K'
  | 'L'
  | 'M'
  | 'N'
  | 'O'
  | 'P'
  | 'Q'
  | 'R'
  | 'S'
  | 'T'
  | 'U'
  | 'V'
  | 'W'
  | 'X'
  | 'Y'
  | 'Z'
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '_';
type DropName<S extends string> = S extends `${infer R}${IdentifierChar}` ? DropName<R> : S;
/** The type of a declaration (`const char *s` is `const char *`): the whole text if it names one. */
type DeclaredType<S extends string> = Trim<S> extends TypeName ? Trim<S> : Trim<DropName<Trim<S>>>;
/**
 * A parameter's type: an array parameter (`char *argv[]`) is a pointer, as C adjusts it; one
 * marked `_Out_` or `_Inout_` is an out() or inout() pointer.
 */
type ParamType<S extends string> =
  Trim<S> extends `_Out_ ${infer R}`
    ? Directed<CType<R>, 'out'>
    : Trim<S> extends `_Inout_ ${infer R}`
      ? Directed<CType<R>, 'inout'>
      : CType<S>;
type CType<S extends string> = Trim<S> extends `${infer E}[${string}]` ? PointerTo<DeclaredType<E>> : DeclaredType<S>;
/** The out() or inout() parameter of a pointer spelling `T`, to what it points to. */
type Directed<T extends string, D extends 'out' | 'inout'> = T extends `${infer E}*`
  ? PointerParam<Extract<Unqualified<Trim<E>>, PointeeType>, D>
  : never;
type Unqualified<T extends string> = T extends `const ${infer R}` ? Trim<R> : T;
type PointerTo<T extends string> = T extends `${string}*` ? `${T}*` : `${T} *`;
type SplitParams<S extends string> = S extends `${infer A},${infer B}` ? [A, ...SplitParams<B>] : [S];
type DeclaredTypes<L extends string[]> = { [I in keyof L]: ParamType<L[I]> };
type PrototypeParams<L extends string[]> = L extends [...infer Fixed extends string[], infer Last extends string]
  ? Trim<Last> extends '...'
    ? { args: DeclaredTypes<Fixed>; variadic: true }
    : { args: DeclaredTypes<L> }
  : { args: [] };

/**
 * The definition a C prototype declares: `'int atoi(const char *s)'` is
 * `{ args: ['const char *'], returns: 'int' }`. Parameter names are optional; `...` is variadic.
 */
export type PrototypeDefinition<S extends string> = S extends `${infer Head}(${infer Params})${string}`
  ? Typed<
      { returns: DeclaredType<Head> } & (Trim<Params> extends '' | 'void'
        ? { args: [] }
        : PrototypeParams<SplitParams<Params>>)
    >
  : FFIFunction;

/** A parsed definition, or an untyped one where the prototype names a type this table lacks. */
type Typed<D> = D extends FFIFunction ? D : FFIFunction;

/** A definition as dlopen() takes it: the object form, or a C prototype. */
export type Definition = FFIFunction | string;

/** The object form of a definition. */
export type DefinitionOf<D> = D extends string ? PrototypeDefinition<D> : D extends FFIFunction ? D : never;

/** How one C function is declared. */
export interface FFIFunction {
  /** Parameter types, in order. Default: none. */
  readonly args?: readonly DefinitionParam[];
  /** Result type. Default: void. A disposable() type is freed once read. */
  readonly returns?: TypeSpec | DisposableType;
  /**
   * The function is variadic (`printf`): `args` lists the fixed parameters, and each call passes
   * its variadic arguments as (type, value) pairs after them.
   */
  readonly variadic?: boolean;
  /** Call this address instead of looking the name up (CFunction, linkSymbols). */
  readonly ptr?: number | bigint;
  /**
   * When `returns` is a StructSchema, what a call gives back: 'pointer' (the default, ArkFFI's
   * contract: read it with `Schema.fromPtr(p)`, then `releasePtr(p)`), 'object' (the decoded
   * struct) or 'buffer' (its ArrayBuffer).
   */
  readonly structReturn?: StructReturn;
}

/** A definition with the address to call: what CFunction(), AsyncCFunction() and linkSymbols() take. */
export type FFIFunctionAt = FFIFunction & { readonly ptr: number | bigint };

/**
 * The parameters of a definition, as a tuple. A definition whose `args` is not a literal list
 * (typed only as FFIFunction) takes any arguments, checked when the call runs; `any` rather than
 * `unknown`, so that every typed symbol is also such a loose one (`Library` holds any library).
 */
export type ArgsOf<D extends FFIFunction> = ParamsOf<D, 'call'>;

/**
 * The parameter values of `D`'s `args`: what a call passes (`call`) or what a callback's function
 * receives (`callback`); any, when `args` is not a literal list.
 */
type ParamsOf<
  D extends { readonly args?: readonly unknown[] },
  Side extends 'call' | 'callback',
> = 'args' extends keyof D ? ValuesOf<Exclude<D['args'], undefined>, Side> : [];

type ValuesOf<A extends readonly unknown[], Side> = number extends A['length']
  ? any[]
  : { -readonly [I in keyof A]: Side extends 'call' ? ArgValue<A[I]> : CallbackArgValue<A[I]> };

/**
 * What `D` returns when called (`call`), or what a callback's function may return (`callback`);
 * `unknown` if `returns` is not a literal type.
 */
type ResultOf<D extends { readonly returns?: unknown }, Side extends 'call' | 'callback'> = 'returns' extends keyof D
  ? TypeSpec extends D['returns']
    ? unknown
    : Side extends 'call'
      ? ResultValue<Exclude<D['returns'], undefined>, D extends FFIFunction ? D['structReturn'] : undefined>
      : CallbackResultValue<Exclude<D['returns'], undefined>>
  : void;

/** What a call of a definition returns (`unknown` if `returns` is not a literal type). */
export type ReturnOf<D extends FFIFunction> = ResultOf<D, 'call'>;

/**
 * The variadic arguments after the fixed ones, as they should be for what the call passed (`V`):
 * (type, value) pairs, each value of what its type name takes. A pair that does not fit comes out
 * different from what was passed, so the compiler reports it; arguments spread from an array
 * are not checked (the call checks them when it runs).
 */
export type VariadicPairs<V extends readonly unknown[]> = V extends readonly []
  ? []
  : V extends readonly [infer T, infer X, ...infer Rest]
    ? T extends ParamTypeSpec
      ? [T, ArgValue<T>, ...VariadicPairs<Rest>]
      : [ParamTypeSpec, X, ...VariadicPairs<Rest>]
    : V extends readonly [infer T]
      ? [T, T extends ParamTypeSpec ? ArgValue<T> : unknown]
      : readonly unknown[];

// `T`, hidden from inference (a conditional type is resolved only once `T` is known): the
// arguments alone infer a call's variadic part, which is then checked against this.
type Checked<T> = [T][T extends unknown ? 0 : never];

/**
 * A variadic function's call: the fixed parameters `P`, then (type, value) pairs, e.g.
 * `printf('%d %s', 'i32', 42, 'cstring', 'text')`.
 */
export interface VariadicCall<P extends readonly unknown[], R> {
  <const V extends readonly unknown[]>(...args: [...P, ...V] & Checked<[...P, ...VariadicPairs<V>]>): R;
}

/** The synchronous call of a definition, without `.async`. */
export type CallOf<D extends FFIFunction> = D['variadic'] extends true
  ? VariadicCall<ArgsOf<D>, ReturnOf<D>>
  : (...args: ArgsOf<D>) => ReturnOf<D>;

/** The same call on the thread pool, settling with the result. */
export type AsyncCallOf<D extends FFIFunction> = D['variadic'] extends true
  ? VariadicCall<ArgsOf<D>, Promise<ReturnOf<D>>>
  : (...args: ArgsOf<D>) => Promise<ReturnOf<D>>;

/** What a JSCallback's function receives for a parameter of type `T` (structs: their bytes). */
export type CallbackArgValue<T> = CallbackArgValueOf<Unaliased<T>>;

type CallbackArgValueOf<T> = T extends TypeName
  ? Group<T>['received']
  : HandleOr<T, never, T extends NativeDescribed | readonly unknown[] ? ArrayBuffer : unknown>;

/** What a JSCallback's function may return for result type `T` (structs: their bytes). */
export type CallbackResultValue<T> = CallbackResultValueOf<Unaliased<T>>;

type CallbackResultValueOf<T> = T extends TypeName
  ? Group<T>['returned']
  : HandleOr<T, null, T extends NativeDescribed | readonly unknown[] ? ArrayBufferLike | ArrayBufferView : unknown>;

/** The signature part of a callback's definition. */
export interface CallbackSignature {
  /** Parameter types, in order. Default: none. */
  readonly args?: readonly ParamTypeSpec[];
  /** Result type. Default: void. */
  readonly returns?: TypeSpec;
}

/** The parameters a callback's function receives, as a tuple (any, if `args` is not literal). */
export type CallbackArgsOf<D extends CallbackSignature> = ParamsOf<D, 'callback'>;

/** What a callback's function may return (`unknown` if `returns` is not a literal type). */
export type CallbackReturnOf<D extends CallbackSignature> = ResultOf<D, 'callback'>;

/** The function a JSCallback with definition `D` runs: parameters from `args`, result from `returns`. */
export type CallbackFunction<D extends CallbackSignature> = (...args: CallbackArgsOf<D>) => CallbackReturnOf<D>;
