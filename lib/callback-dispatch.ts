/**
 * Callback dispatchers: what the native side (src/callback.c) calls for each invocation of a
 * JSCallback. A dispatcher reads the arguments from the shared slot buffer (and the references
 * it is passed), calls the user's function, checks its result against the declared return type
 * and writes it back, or returns it when it is no number (a BigInt, a buffer). It catches what
 * the function throws, so C always gets a value. One is generated per distinct signature
 * (lib/emit.ts), or made of closures with the same checks where code generation is off.
 */
import { layout, slotReader, slots } from './call-runtime';
import { codeGeneration, compileFunction, Source } from './emit';
import { kindRow, type SmallInt } from './kinds';
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
const { asIntN, asUintN } = BigInt;
const { isInteger, isSafeInteger } = Number;

/** Whether `value` is an ArrayBuffer, a SharedArrayBuffer or a view. */
export function isBuffer(value: unknown): boolean {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)
  );
}

/** The kinds whose arguments reach the dispatcher as a parameter (a reference), not only a slot. */
const REF_KINDS: ReadonlySet<string> = new Set(['i64', 'u64', 'ptr', 'bigint64', 'biguint64', 'cstring', 'struct']);

/** Argument i as the dispatcher passes it on, as code; `ref` is its parameter, if it has one. */
function argCode(kind: string, i: number, ref: string): string {
  const slot = `slots[${layout.slotArgs + i}]`;
  switch (kind) {
    case 'bool':
      return `${slot} !== 0`;
    case 'i64':
    case 'u64':
    case 'ptr':
      // The slot holds the value when it is a safe integer; the parameter is then undefined.
      return `(${ref} === undefined ? ${slot} : ${ref})`;
    case 'bigint64':
    case 'biguint64':
    case 'cstring':
    case 'struct':
      return ref;
    default:
      return slot;
  }
}

/** The statements that check the function's result and hand it to C. */
function resultCode(ret: ResolvedType): string {
  const kind = ret.info.kind;
  const out = `slots[${layout.slotResult}]`;
  const safe = (unsigned: boolean): string =>
    `typeof result === 'number' && Number.isSafeInteger(result)${unsigned ? ' && result >= 0' : ''}`;
  switch (kind) {
    case 'bool':
      return `if (typeof result === 'boolean') ${out} = result ? 1 : 0; else if (typeof result === 'number') ${out} = result !== 0 ? 1 : 0; else refuse(result);`;
    case 'f32':
    case 'f64':
      return `if (typeof result === 'number') ${out} = result; else refuse(result);`;
    case 'i64':
    case 'bigint64':
      return `if (${safe(false)}) ${out} = result; else if (typeof result === 'bigint' && BigInt.asIntN(64, result) === result) return result; else refuse(result);`;
    case 'u64':
    case 'biguint64':
      return `if (${safe(true)}) ${out} = result; else if (typeof result === 'bigint' && BigInt.asUintN(64, result) === result) return result; else refuse(result);`;
    case 'ptr':
    case 'cstring':
      return (
        `if (${safe(false)}) ${out} = result; else if (result === null) ${out} = 0; ` +
        `else if (typeof result === 'bigint' && (BigInt.asUintN(64, result) === result || BigInt.asIntN(64, result) === result)) return result; ` +
        `else if (isBuffer(result)) return result; else refuse(result);`
      );
    case 'struct':
      return `if (isBuffer(result) && result.byteLength >= ${ret.info.size}) return result; refuse(result);`;
    default:
      return `if (typeof result === 'number' && ${(kindRow(kind).int as SmallInt).test('result')}) ${out} = result; else refuse(result);`;
  }
}

/** The generated dispatcher factory of a signature. */
function compileDispatcher(args: readonly ResolvedType[], ret: ResolvedType): DispatcherFactory {
  let refs = 0;
  const params: string[] = [];
  const values = args.map((t, i) => {
    const ref = REF_KINDS.has(t.info.kind) ? `ref${refs++}` : '';
    if (ref !== '') params.push(ref);
    return argCode(t.info.kind, i, ref);
  });
  const call = `fn(${values.join(', ')})`;
  const src = new Source();
  // Strict: the user's function sees `this` undefined, and V8 skips the receiver conversion.
  src.block(`return function dispatch(${params.join(', ')}) {`, () => {
    if (ret.info.kind === 'void') {
      src.line(`try { ${call}; } catch (err) { fail(err); }`);
      return;
    }
    src.line('let result;');
    src.line(`try { result = ${call}; } catch (err) { slots[${layout.slotResult}] = 0; fail(err); return; }`);
    src.line(resultCode(ret));
  });
  const what = `callback dispatcher (${args.map((t) => t.info.kind).join(', ')}) -> ${ret.info.kind}`;
  const factory = compileFunction<
    (slots: Float64Array, isBuffer: (v: unknown) => boolean, ...rest: Parameters<DispatcherFactory>) => Dispatcher
  >(what, ['slots', 'isBuffer', 'fn', 'fail', 'refuse'], src);
  return (fn, fail, refuse) => factory(slots, isBuffer, fn, fail, refuse);
}

/**
 * Checks the function's result as resultCode does: writes a number to the result slot and
 * answers undefined, answers a value C takes as it is, or refuses the result.
 */
function resultChecker(ret: ResolvedType): (result: unknown, refuse: (value: unknown) => void) => unknown {
  const { kind, size } = ret.info;
  const out = layout.slotResult;
  const set = (value: number): undefined => {
    slots[out] = value;
    return undefined;
  };
  const safe = (r: unknown, unsigned: boolean): r is number =>
    typeof r === 'number' && isSafeInteger(r) && (!unsigned || r >= 0);
  switch (kind) {
    case 'bool':
      return (r, refuse) =>
        typeof r === 'boolean' ? set(r ? 1 : 0) : typeof r === 'number' ? set(r !== 0 ? 1 : 0) : refuse(r);
    case 'f32':
    case 'f64':
      return (r, refuse) => (typeof r === 'number' ? set(r) : refuse(r));
    case 'i64':
    case 'bigint64':
    case 'u64':
    case 'biguint64': {
      const unsigned = kind === 'u64' || kind === 'biguint64';
      const exact = unsigned ? (r: bigint) => asUintN(64, r) === r : (r: bigint) => asIntN(64, r) === r;
      return (r, refuse) => (safe(r, unsigned) ? set(r) : typeof r === 'bigint' && exact(r) ? r : refuse(r));
    }
    case 'ptr':
    case 'cstring':
      return (r, refuse) => {
        if (safe(r, false)) return set(r);
        if (r === null) return set(0);
        if (typeof r === 'bigint' && (asUintN(64, r) === r || asIntN(64, r) === r)) return r;
        return isBuffer(r) ? r : refuse(r);
      };
    case 'struct':
      return (r, refuse) => (isBuffer(r) && (r as ArrayBuffer).byteLength >= size ? r : refuse(r));
    default: {
      const { min, max } = kindRow(kind).int as SmallInt;
      return (r, refuse) => (typeof r === 'number' && isInteger(r) && r >= min && r <= max ? set(r) : refuse(r));
    }
  }
}

/** The dispatcher factory of a signature made of closures, for where code generation is off. */
function closureDispatcher(args: readonly ResolvedType[], ret: ResolvedType): DispatcherFactory {
  let refs = 0;
  const readers = args.map((t, i) => {
    const read = slotReader(t.info.kind, layout.slotArgs + i);
    return { read, ref: REF_KINDS.has(t.info.kind) ? refs++ : -1 };
  });
  const check = ret.info.kind === 'void' ? null : resultChecker(ret);
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
