/**
 * Call wrappers made of closures, for where code generation from strings is off (lib/emit.ts).
 * Each is the general shape of lib/call-codegen.ts: the same checks in the same order, the same
 * errors and the same results, through invoke() (or invokeAsync()); slower. Like generated code,
 * a call runs no user code: the arguments come as a rest parameter and go to the native entry
 * with Reflect.apply over an array whose every element is its own (no Proxy, getter or setter on
 * Array.prototype is reached), and every global is captured at load.
 */
import { REF_KINDS, type WrapperFactory, type WrapperShape } from './call-codegen';
import {
  argCount,
  argError,
  layout,
  pointerOf,
  REFUSED,
  slotReader,
  slots,
  stringOf,
  structOf,
  takes,
} from './call-runtime';
import { throwClosed, throwCount } from './errors';
import { native } from './native';

const apply = Reflect.apply;
const isView = ArrayBuffer.isView;
const { invoke, invokeAsync } = native;

/** Whether a parameter of kind `kind` takes `v` (as the generated checks decide). */
function accepts(kind: string, v: unknown): boolean {
  return kind === 'struct' ? structOf(v) !== REFUSED : takes(kind, v);
}

/**
 * Stores the accepted argument `v` of kind `kind` in slot `slot` and answers undefined, or answers
 * the value that passes it as a reference, as the general generated code does.
 */
function pass(kind: string, v: unknown, slot: number): unknown {
  if (typeof v === 'number') slots[slot] = kind === 'bool' ? (v !== 0 ? 1 : 0) : v;
  else if (typeof v === 'boolean') slots[slot] = v ? 1 : 0;
  else if (typeof v === 'bigint' || typeof v === 'string' || isView(v)) return v;
  else {
    const passed = kind === 'ptr' ? pointerOf(v) : kind === 'cstring' ? stringOf(v) : structOf(v);
    if (typeof passed !== 'number') return passed;
    slots[slot] = passed;
  }
  return undefined;
}

/** What a synchronous call returns, given what the native entry returned (see returnCode). */
function resultReader(
  kind: string,
  readStruct: ((result: ArrayBuffer | undefined) => unknown) | undefined,
): (returned: unknown) => unknown {
  switch (kind) {
    case 'void':
      return () => undefined;
    case 'struct':
      return readStruct as (returned: unknown) => unknown;
    case 'cstring': {
      // undefined: the same bytes as the last string result (src/call.c).
      let lastString: unknown;
      return (returned) => (returned === undefined ? lastString : (lastString = returned));
    }
    default:
      return slotReader(kind, layout.slotResult);
  }
}

/** The factory of closure wrappers for one shape of definition (see compileWrapper). */
export function closureWrapper(shape: WrapperShape): WrapperFactory {
  const { kinds, guarded, async } = shape;
  const count = kinds.length;
  const expected = argCount(count);
  let nrefs = 0;
  const refPositions = kinds.map((kind) => (REF_KINDS.has(kind) ? nrefs++ : -1));
  return (name, guard, address, readStruct) => {
    // Reused by every call, each element its own: filled, handed to the entry, then cleared.
    const refs: unknown[] = refPositions.flatMap((k) => (k < 0 ? [] : [undefined]));
    const read = resultReader(shape.returns, readStruct);
    const call = (args: unknown[]): unknown => {
      if (guarded && (guard as { readonly closed: boolean }).closed) throwClosed(name, 'function');
      if (args.length !== count) throwCount(name, expected, args.length);
      let passed = 0;
      for (let i = 0; i < count; i++) {
        const kind = kinds[i];
        const v = args[i];
        if (!accepts(kind, v)) argError(name, i, kind, v);
        const ref = pass(kind, v, layout.slotArgs + i);
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
