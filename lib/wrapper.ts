/**
 * Call wrappers: the JS half of every call, made once per definition.
 *
 * define() prepares the native side of a definition; its wrapper is then generated for its
 * shape (lib/call-codegen.ts), or, where code generation from strings is off, made of closures
 * with the same checks and results (lib/call-closures.ts). Both call the runtime helpers of
 * lib/call-runtime.ts.
 */
import { compileWrapper, type WrapperFactory, type WrapperShape } from './call-codegen';
import { closureWrapper } from './call-closures';
import { layout, slotBytes, slots, STRUCT_RESULT_OFFSET } from './call-runtime';
import { codeGeneration } from './emit';
import { throwCount } from './errors';
import { native, type NativeDefinition, type NativeLibrary } from './native';
import { resolveType, typeKey, type ResolvedType, type TypeSpec } from './types';

export { markFunction, StructBytesAt } from './call-runtime';

/** Set when a definition's function must refuse calls after `close()` (CFunction). */
export interface CallGuard {
  closed: boolean;
}

export interface Signature {
  name: string;
  args: readonly TypeSpec[];
  returns: TypeSpec;
  /**
   * For a struct result: what a synchronous call returns, given what the native entry returned:
   * undefined when it left the bytes in the slot buffer's struct result region (read them at once), or an
   * ArrayBuffer. By default, an ArrayBuffer of the bytes.
   */
  readStruct?: (result: ArrayBuffer | undefined) => unknown;
}

/** The struct result region of the slot buffer, where the native entry leaves struct bytes (see Signature). */
export const structResultBytes: Uint8Array = slotBytes.subarray(
  STRUCT_RESULT_OFFSET,
  STRUCT_RESULT_OFFSET + layout.structBytes,
);

type StructReader = (result: ArrayBuffer | undefined) => unknown;
const factories = new Map<string, WrapperFactory>();

/**
 * The wrapper for definition `def` of a function whose parameters are `args`: the fast shape
 * when the definition has fast slots, else the general one; or, with `async`, the general shape
 * calling invokeAsync, which returns a Promise and rejects rather than throws.
 */
function generate(
  name: string,
  args: readonly ResolvedType[],
  ret: ResolvedType,
  def: NativeDefinition,
  guard: CallGuard | null,
  readStruct: StructReader | undefined,
  async = false,
): (...args: unknown[]) => unknown {
  // Definitions of the same shape share one factory; each gets its own closure over its name,
  // guard and address. Compiling is what makes defining slow, so this keeps dlopen cheap.
  const fastSlots = async || !codeGeneration ? null : def.fastSlots;
  const kinds = args.map((t) => t.info.kind);
  const path = async ? 'async' : fastSlots === null ? 'general' : `${def.entry}:${fastSlots.join()}`;
  const key = `${path}|${guard !== null}|${ret.info.kind}|${kinds.join()}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    const shape: WrapperShape = {
      kinds,
      returns: ret.info.kind,
      fastSlots,
      entry: def.entry,
      guarded: guard !== null,
      async,
    };
    factory = codeGeneration ? compileWrapper(shape) : closureWrapper(shape);
    factories.set(key, factory);
  }
  return factory(name, guard, def.address, readStruct);
}

/** A generated callable: the synchronous call, with the same call on the thread pool. */
export type Callable = ((...args: unknown[]) => unknown) & {
  /** The same call, run on the libuv thread pool; settles with the result, rejects on errors. */
  readonly async: (...args: unknown[]) => Promise<unknown>;
};

/** What the define() just made reported in the slot buffer (see NativeDefinition). */
function definition(nargs: number): NativeDefinition {
  const report = layout.slotDef;
  const entry = slots[report + layout.defEntry];
  let fastSlots: number[] | null = null;
  if (entry !== layout.entryNone) {
    fastSlots = new Array<number>(nargs);
    for (let i = 0; i < nargs; i++) fastSlots[i] = slots[report + layout.defSlots + i];
  }
  return { id: slots[report + layout.defId], address: slots[report + layout.defName], entry, fastSlots };
}

/** Defines the native side and generates the wrappers, whose lifetimes then own the definition. */
function build(
  sig: Signature,
  args: readonly ResolvedType[],
  ret: ResolvedType,
  address: number | bigint,
  lib: NativeLibrary | null,
  fixedCount: number,
  guard: CallGuard | null,
): Callable {
  native.define(
    address,
    lib,
    args.map((t) => t.desc),
    ret.desc,
    fixedCount,
    sig.name,
  );
  const def = definition(args.length);
  const size = ret.info.size;
  const readStruct =
    ret.info.kind !== 'struct'
      ? undefined
      : (sig.readStruct ?? ((r: ArrayBuffer | undefined) => r ?? structResultBytes.slice(0, size).buffer));
  const fn = generate(sig.name, args, ret, def, guard, readStruct) as Callable;
  native.adopt(fn, def.id);
  // The `.async` wrapper is made on the first asynchronous call: most programs call most
  // functions synchronously, and making it up front would double the cost of defining one.
  let onPool: ((...values: unknown[]) => unknown) | undefined;
  (fn as { async: Callable['async'] }).async = (...values) => {
    if (onPool === undefined) {
      onPool = generate(sig.name, args, ret, def, guard, undefined, true);
      native.adopt(onPool, def.id);
    }
    return onPool(...values) as Promise<unknown>;
  };
  return fn;
}

function resolveAll(sig: Signature): { args: ResolvedType[]; ret: ResolvedType } {
  const args = sig.args.map((t, i) => resolveType(t, `${sig.name}: argument ${i + 1}`));
  const ret = resolveType(sig.returns, `${sig.name}: return type`);
  return { args, ret };
}

/** A callable for the function at `address` with a fixed signature. */
export function makeFunction(
  sig: Signature,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
): Callable {
  const { args, ret } = resolveAll(sig);
  return build(sig, args, ret, address, lib, -1, guard);
}

/**
 * A callable for a variadic function. The fixed arguments come first, as declared; each
 * variadic argument follows as a (type, value) pair: `printf('%d %s', 'i32', 42, 'cstring', 'x')`.
 * Each distinct list of variadic types is prepared once and cached.
 */
export function makeVariadic(
  sig: Signature,
  address: number | bigint,
  lib: NativeLibrary | null,
  guard: CallGuard | null = null,
): Callable {
  const { args: fixed, ret } = resolveAll(sig);
  const shapes = new Map<string, Callable>();
  const nfixed = fixed.length;
  /** The callable for this call's variadic types, and the argument values in order. */
  const shape = (all: unknown[]): [Callable, unknown[]] => {
    if (all.length < nfixed || (all.length - nfixed) % 2 !== 0) {
      throwCount(sig.name, `${nfixed} fixed argument${nfixed === 1 ? '' : 's'} then (type, value) pairs`, all.length);
    }
    const specs: TypeSpec[] = [];
    const values = all.slice(0, nfixed);
    for (let i = nfixed; i < all.length; i += 2) {
      specs.push(all[i] as TypeSpec);
      values.push(all[i + 1]);
    }
    const where = (i: number): string => `${sig.name}: variadic argument ${nfixed + i + 1}`;
    // Keyed by what the types describe (never by serialising a user's object: no toJSON runs).
    const key = specs.map((t, i) => typeKey(t, where(i))).join('\0');
    let call = shapes.get(key);
    if (call === undefined) {
      const vars = specs.map((t, i) => resolveType(t, where(i)));
      call = build(sig, [...fixed, ...vars], ret, address, lib, nfixed, guard);
      shapes.set(key, call);
    }
    return [call, values];
  };
  const fn = (...all: unknown[]): unknown => {
    const [call, values] = shape(all);
    return call(...values);
  };
  const async = (...all: unknown[]): Promise<unknown> => {
    try {
      const [call, values] = shape(all);
      return call.async(...values);
    } catch (err) {
      return Promise.reject(err);
    }
  };
  Object.defineProperties(fn, { name: { value: sig.name }, async: { value: async } });
  return fn as Callable;
}
