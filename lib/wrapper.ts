/**
 * Generated call wrappers: the JS half of every call.
 *
 * For each definition we generate, once, a small function specialised to its signature. It
 * checks the argument count and every argument's JS type and range, writes numbers into the
 * shared slot buffer, passes only engine values (strings, buffers, BigInts) to the native entry,
 * and reads the result back from slot 0. Nothing in it runs user code (no coercions), so all
 * validation completes before the first slot write matters, and the native entry reads every
 * slot before it calls C. The calling contract is documented in src/call.c.
 */
import { throwArg, throwClosed, throwCount } from './errors';
import { native, type NativeEntry, type NativeLibrary } from './native';
import { resolveType, type ResolvedType, type TypeSpec } from './types';

const F = new Float64Array(native.slots);
const helpers = Object.freeze({ arg: throwArg, count: throwCount, closed: throwClosed });

/** Set when a definition's function must refuse calls after `close()` (CFunction). */
export interface CallGuard {
  closed: boolean;
}

export interface Signature {
  name: string;
  args: readonly TypeSpec[];
  returns: TypeSpec;
}

const INT_TEST: Record<string, (a: string) => string> = {
  i8: (a) => `((${a} << 24) >> 24) === ${a}`,
  u8: (a) => `(${a} & 0xff) === ${a}`,
  i16: (a) => `((${a} << 16) >> 16) === ${a}`,
  u16: (a) => `(${a} & 0xffff) === ${a}`,
  i32: (a) => `(${a} | 0) === ${a}`,
  u32: (a) => `(${a} >>> 0) === ${a}`,
};

/** The statements that validate argument i and store it; `refs` collects Node-API arguments. */
function argCode(i: number, kind: string, refs: string[]): string {
  const a = `a${i}`;
  const slot = `F[${i + 1}]`;
  const fail = `E.arg(N, ${i}, '${kind}', ${a})`;
  const ref = (): string => {
    refs.push(`r${i}`);
    return `r${i}`;
  };
  switch (kind) {
    case 'i8':
    case 'u8':
    case 'i16':
    case 'u16':
    case 'i32':
    case 'u32':
      return `if (typeof ${a} !== 'number' || !(${INT_TEST[kind](a)})) ${fail}; ${slot} = ${a};`;
    case 'f32':
    case 'f64':
      return `if (typeof ${a} !== 'number') ${fail}; ${slot} = ${a};`;
    case 'bool':
      return (
        `if (typeof ${a} === 'boolean') ${slot} = ${a} ? 1 : 0; ` +
        `else if (typeof ${a} === 'number') ${slot} = ${a} !== 0 ? 1 : 0; else ${fail};`
      );
    case 'i64':
    case 'bigint64':
    case 'u64':
    case 'biguint64': {
      const r = ref();
      const sign = kind === 'u64' || kind === 'biguint64' ? ` || ${a} < 0` : '';
      return (
        `let ${r}; if (typeof ${a} === 'number') { if (!Number.isSafeInteger(${a})${sign}) ${fail}; ${slot} = ${a}; } ` +
        `else if (typeof ${a} === 'bigint') ${r} = ${a}; else ${fail};`
      );
    }
    case 'ptr': {
      const r = ref();
      return (
        `let ${r}; if (typeof ${a} === 'number') { if (!Number.isSafeInteger(${a})) ${fail}; ${slot} = ${a}; } ` +
        `else if (${a} === null) ${slot} = 0; ` +
        `else if (typeof ${a} === 'bigint' || typeof ${a} === 'object') ${r} = ${a}; else ${fail};`
      );
    }
    case 'cstring': {
      const r = ref();
      return (
        `let ${r}; if (typeof ${a} === 'string') ${r} = ${a}; ` +
        `else if (${a} === null) ${slot} = 0; ` +
        `else if (typeof ${a} === 'number') { if (!Number.isSafeInteger(${a})) ${fail}; ${slot} = ${a}; } ` +
        `else if (typeof ${a} === 'bigint' || typeof ${a} === 'object') ${r} = ${a}; else ${fail};`
      );
    }
    case 'struct': {
      const r = ref();
      return `if (typeof ${a} !== 'object' || ${a} === null) ${fail}; const ${r} = ${a};`;
    }
    default:
      throw new Error(`arkffi: no argument conversion for kind '${kind}'`);
  }
}

/** The statements that call the entry and return the converted result. */
function returnCode(kind: string, call: string): string {
  switch (kind) {
    case 'void':
      return `${call}; return undefined;`;
    case 'bool':
      return `${call}; return F[0] !== 0;`;
    case 'i64':
    case 'u64':
    case 'ptr':
      return `const r = ${call}; return r === undefined ? F[0] : r;`;
    case 'bigint64':
    case 'biguint64':
    case 'cstring':
    case 'struct':
      return `return ${call};`;
    default:
      return `${call}; return F[0];`;
  }
}

function jsName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[A-Za-z_$]/.test(safe) ? safe : `_${safe}`;
}

/** Generates the wrapper for a native entry whose parameters are `args`. */
function generate(
  name: string,
  args: readonly ResolvedType[],
  ret: ResolvedType,
  entry: NativeEntry,
  guard: CallGuard | null,
): (...args: unknown[]) => unknown {
  const params = args.map((_, i) => `a${i}`);
  const refs: string[] = [];
  const body: string[] = [];
  if (guard !== null) body.push(`if (G.closed) E.closed(N, 'function');`);
  body.push(`if (arguments.length !== ${args.length}) E.count(N, '${args.length} argument${args.length === 1 ? '' : 's'}', arguments.length);`);
  args.forEach((t, i) => body.push(argCode(i, t.info.kind, refs)));
  body.push(returnCode(ret.info.kind, `entry(${refs.join(', ')})`));
  const source = `return function ${jsName(name)}(${params.join(', ')}) {\n  ${body.join('\n  ')}\n};`;
  return new Function('E', 'F', 'entry', 'N', 'G', source)(helpers, F, entry, name, guard);
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
): (...args: unknown[]) => unknown {
  const { args, ret } = resolveAll(sig);
  const entry = native.define(address, lib, args.map((t) => t.desc), ret.desc, -1, sig.name);
  return generate(sig.name, args, ret, entry, guard);
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
): (...args: unknown[]) => unknown {
  const { args: fixed, ret } = resolveAll(sig);
  const shapes = new Map<string, (...args: unknown[]) => unknown>();
  const nfixed = fixed.length;
  const fn = (...all: unknown[]): unknown => {
    if (all.length < nfixed || (all.length - nfixed) % 2 !== 0) {
      throwCount(sig.name, `${nfixed} fixed argument${nfixed === 1 ? '' : 's'} then (type, value) pairs`, all.length);
    }
    const types: TypeSpec[] = [];
    const values = all.slice(0, nfixed);
    for (let i = nfixed; i < all.length; i += 2) {
      types.push(all[i] as TypeSpec);
      values.push(all[i + 1]);
    }
    const key = types.join('\0');
    let call = shapes.get(key);
    if (call === undefined) {
      const vars = types.map((t, i) => resolveType(t, `${sig.name}: variadic argument ${nfixed + i + 1}`));
      const all = [...fixed, ...vars];
      const entry = native.define(address, lib, all.map((t) => t.desc), ret.desc, nfixed, sig.name);
      call = generate(sig.name, all, ret, entry, guard);
      shapes.set(key, call);
    }
    return call(...values);
  };
  Object.defineProperty(fn, 'name', { value: sig.name });
  return fn;
}
