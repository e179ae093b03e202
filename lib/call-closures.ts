/**
 * Call wrappers made of closures, for where code generation from strings is off (lib/emit.ts).
 * Each is the general shape of lib/call-codegen.ts: the same checks in the same order, the same
 * errors and the same results, through invoke() (or invokeAsync()); slower. Like generated code,
 * a call runs no user code: the arguments come as a rest parameter and go to the native entry
 * with Reflect.apply over an array whose every element is its own (no Proxy, getter or setter on
 * Array.prototype is reached), and every global is captured at load.
 */
import type { WrapperFactory, WrapperShape } from './call-codegen';
import { argConversion, argCount, argError, layout, runtime, slots } from './call-runtime';
import { throwClosed, throwCount } from './errors';
import { kindRow } from './kinds';
import { native } from './native';

const apply = Reflect.apply;
const { invoke, invokeAsync } = native;

/** The factory of closure wrappers for one shape of definition (see compileWrapper). */
export function closureWrapper(shape: WrapperShape): WrapperFactory {
  const { kinds, guarded, async } = shape;
  const count = kinds.length;
  const expected = argCount(count);
  let nrefs = 0;
  const refPositions = kinds.map((kind) => (kindRow(kind).ref ? nrefs++ : -1));
  // Each argument's check and store, as the general generated code makes them.
  const takes = kinds.map((kind) => argConversion(kind).takes(runtime));
  const pass = kinds.map((kind, i) => argConversion(kind).pass(runtime, layout.slotArgs + i));
  const result = kindRow(shape.returns).result;
  return (name, guard, address, readStruct) => {
    // Reused by every call, each element its own: filled, handed to the entry, then cleared.
    const refs: unknown[] = refPositions.flatMap((k) => (k < 0 ? [] : [undefined]));
    const read = result.reader(slots, layout.slotResult, readStruct);
    const call = (args: unknown[]): unknown => {
      if (guarded && (guard as { readonly closed: boolean }).closed) throwClosed(name, 'function');
      if (args.length !== count) throwCount(name, expected, args.length);
      let passed = 0;
      for (let i = 0; i < count; i++) {
        const v = args[i];
        if (!takes[i](v)) argError(name, i, kinds[i], v);
        const ref = pass[i](v);
        const k = refPositions[i];
        if (k < 0) continue;
        refs[k] = ref;
        if (ref !== undefined) passed += 2 ** k;
      }
      slots[layout.slotFn] = address;
      // Which references are passed, one bit each (or all), as the generated code says.
      if (nrefs > 0) slots[layout.slotCall] = nrefs > layout.passedMaxRefs ? layout.passedAll : passed;
      try {
        return async ? apply(invokeAsync, undefined, refs) : read(apply(invoke, undefined, refs));
      } finally {
        for (let k = 0; k < nrefs; k++) refs[k] = undefined;
      }
    };
    const wrapper = async
      ? {
          [name]: function (...args: unknown[]): unknown {
            try {
              return call(args);
            } catch (err) {
              return Promise.reject(err);
            }
          },
        }[name]
      : {
          [name]: function (...args: unknown[]): unknown {
            return call(args);
          },
        }[name];
    return Object.defineProperty(wrapper, 'length', { value: count });
  };
}
