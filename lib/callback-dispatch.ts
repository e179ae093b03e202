/**
 * Callback dispatchers: what the native side (src/callback.c) calls for each invocation of a
 * JSCallback. A dispatcher reads the arguments from the shared slot buffer (and the references
 * it is passed), calls the user's function, checks its result against the declared return type
 * and writes it back, or returns it when it is no number (a BigInt, a buffer). It catches what
 * the function throws, so C always gets a value. One is generated per distinct signature
 * (lib/emit.ts), or made of closures with the same checks where code generation is off.
 */
import { layout, slots } from './call-runtime';
import { codeGeneration, compileFunction, Source } from './emit';
import { isBuffer } from './kind-conversions';
import { kindRow } from './kinds';
import type { ResolvedType } from './types';

export type UserFunction = (...args: any[]) => any;
export type Dispatcher = (...refs: unknown[]) => unknown;
/** Makes the dispatcher of one callback: its function, and what reports an error or a bad result. */
export type DispatcherFactory = (
  fn: UserFunction,
  fail: (err: unknown) => void,
  refuse: (value: unknown) => void,
) => Dispatcher;

const apply = Reflect.apply;

/** The generated dispatcher factory of a signature. */
function compileDispatcher(args: readonly ResolvedType[], ret: ResolvedType): DispatcherFactory {
  let refs = 0;
  const params: string[] = [];
  const values = args.map((t, i) => {
    const ref = kindRow(t.info.kind).ref ? `ref${refs++}` : '';
    if (ref !== '') params.push(ref);
    return kindRow(t.info.kind).callbackArg.code(`slots[${layout.slotArgs + i}]`, ref);
  });
  const result = kindRow(ret.info.kind).callbackResult;
  const call = `fn(${values.join(', ')})`;
  const src = new Source();
  // Strict: the user's function sees `this` undefined, and V8 skips the receiver conversion.
  src.block(`return function dispatch(${params.join(', ')}) {`, () => {
    if (result === undefined) {
      src.line(`try { ${call}; } catch (err) { fail(err); }`);
      return;
    }
    src.line('let result;');
    src.line(`try { result = ${call}; } catch (err) { slots[${layout.slotResult}] = 0; fail(err); return; }`);
    src.line(result.code(`slots[${layout.slotResult}]`, ret.info.size));
  });
  const what = `callback dispatcher (${args.map((t) => t.info.kind).join(', ')}) -> ${ret.info.kind}`;
  const factory = compileFunction<
    (slots: Float64Array, isBuffer: (v: unknown) => boolean, ...rest: Parameters<DispatcherFactory>) => Dispatcher
  >(what, ['slots', 'isBuffer', 'fn', 'fail', 'refuse'], src);
  return (fn, fail, refuse) => factory(slots, isBuffer, fn, fail, refuse);
}

/** The dispatcher factory of a signature made of closures, for where code generation is off. */
function closureDispatcher(args: readonly ResolvedType[], ret: ResolvedType): DispatcherFactory {
  let refs = 0;
  const readers = args.map((t, i) => {
    const read = kindRow(t.info.kind).callbackArg.reader(slots, layout.slotArgs + i);
    return { read, ref: kindRow(t.info.kind).ref ? refs++ : -1 };
  });
  const check = kindRow(ret.info.kind).callbackResult?.check(slots, layout.slotResult, ret.info.size) ?? null;
  return (fn, fail, refuse) => {
    // Reused by every invocation, each element its own: filled, passed to fn, then cleared.
    const values: unknown[] = readers.map(() => undefined);
    return function dispatch(...passed: unknown[]): unknown {
      for (let i = 0; i < readers.length; i++) {
        const { read, ref } = readers[i];
        values[i] = read(ref >= 0 && ref < passed.length ? passed[ref] : undefined);
      }
      let result: unknown;
      try {
        result = apply(fn, undefined, values);
      } catch (err) {
        if (check !== null) slots[layout.slotResult] = 0;
        fail(err);
        return undefined;
      } finally {
        for (let i = 0; i < values.length; i++) values[i] = undefined;
      }
      return check === null ? undefined : check(result, refuse);
    };
  };
}

const factories = new Map<string, DispatcherFactory>();

/** The dispatcher factory for a signature, made once per distinct signature. */
export function dispatcherFactory(args: readonly ResolvedType[], ret: ResolvedType): DispatcherFactory {
  const key = `${args.map((t) => t.info.kind).join(',')}:${ret.info.kind}:${ret.info.size}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = codeGeneration ? compileDispatcher(args, ret) : closureDispatcher(args, ret);
    factories.set(key, factory);
  }
  return factory;
}
