/**
 * Parameters that convert their JS value around the call: a typed pointer filled from a JS value
 * and read back after it, an array of strings as a `char **`, a plain JS function as a
 * callback. Each is a parameter type made by its own module (an ArgAdapter); the C function
 * declares what the adapter passes (most often a pointer), and the callable that defineCallable
 * builds prepares each such argument before the call and finishes it after, however the call
 * ends.
 *
 * The adapters are recognised by identity (a WeakSet): asking a value for its class could run a
 * Proxy's trap.
 */
import type { ParamTypeSpec } from './typing';

/** One call's argument, prepared: what the C function gets, and what to do once it returned. */
export interface Prepared {
  /** What the inner call passes for the parameter. */
  readonly pass: unknown;
  /** Runs after the call, whether it returned or threw (read back an out value, free memory). */
  readonly after?: () => void;
}

/**
 * What an adapter parameter knows: how to turn a JS value into an argument and back. `V` is the
 * JS value a call passes for it, which TypeScript infers the parameter's type from.
 */
export interface ArgAdapter<V = unknown> {
  /** Type-level only, never set: what a call passes for the parameter. */
  readonly takes?: V;
  /** The parameter type the C function is declared with (what `prepare` passes). */
  readonly native: ParamTypeSpec;
  /**
   * Converts `value`, passed for argument `index` (0-based) of function `fnName`, throwing a
   * coded error that names both when the parameter refuses it. `async`: the call runs on the
   * thread pool, and `after` runs when it settles.
   */
  prepare(value: unknown, fnName: string, index: number, async: boolean): Prepared;
}

const adapters = new WeakSet<object>();

/** Marks `adapter` as a parameter type; returns it. */
export function adapter<T extends ArgAdapter>(value: T): T {
  adapters.add(value);
  return value;
}

/** Whether `type` is an adapter parameter type (a brand check: no user code runs). */
export function isAdapter(type: unknown): type is ArgAdapter {
  return typeof type === 'object' && type !== null && adapters.has(type);
}

/** The callable, synchronous and `.async`, of a definition whose parameters include adapters. */
export interface Adapted {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): Promise<unknown>;
}

/**
 * Wraps `call`, made for `args` with each adapter replaced by its native type, so that every
 * adapter argument is prepared before the call and finished after it.
 */
export function adaptCall(name: string, args: readonly unknown[], call: Adapted): Adapted {
  const at = args.flatMap((type, i) => (isAdapter(type) ? [[i, type] as const] : []));
  function prepareAll(values: unknown[], async: boolean): Array<() => void> {
    const afters: Array<() => void> = [];
    try {
      for (const [i, type] of at) {
        const prepared = type.prepare(values[i], name, i, async);
        values[i] = prepared.pass;
        if (prepared.after !== undefined) afters.push(prepared.after);
      }
    } catch (err) {
      finish(afters);
      throw err;
    }
    return afters;
  }
  function finish(afters: Array<() => void>): void {
    for (let k = afters.length - 1; k >= 0; k--) afters[k]();
  }
  const fn = (...values: unknown[]): unknown => {
    const afters = prepareAll(values, false);
    try {
      return call(...values);
    } finally {
      finish(afters);
    }
  };
  const async = (...values: unknown[]): Promise<unknown> => {
    let afters: Array<() => void>;
    let pending: Promise<unknown>;
    // A refused argument rejects the Promise, as the inner `.async` does for its own arguments.
    try {
      afters = prepareAll(values, true);
    } catch (err) {
      return Promise.reject(err);
    }
    try {
      pending = call.async(...values);
    } catch (err) {
      finish(afters);
      return Promise.reject(err);
    }
    return pending.finally(() => finish(afters));
  };
  Object.defineProperties(fn, { name: { value: name }, async: { value: async } });
  return fn as Adapted;
}

/** The definition's parameter types as the C function declares them. */
export function nativeArgs(args: readonly unknown[]): ParamTypeSpec[] {
  return args.map((type) => (isAdapter(type) ? type.native : (type as ParamTypeSpec)));
}
