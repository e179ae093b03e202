/**
 * Generated call wrappers: the JS half of every call, as source text.
 *
 * For each shape of definition we generate, once, a factory of small functions specialised to
 * its signature. A wrapper checks the argument count and every argument's JS type and range,
 * writes the function's address and the argument values into the shared slot buffer, passes only
 * engine values (strings, buffers) to the native entry, and reads the result back from the result
 * slot. It runs no user code (see lib/call-runtime.ts). The calling contract is documented in
 * src/call.c.
 *
 * Two shapes of wrapper:
 *  - general: arguments as doubles in their slots, the rest as Node-API arguments; libffi calls.
 *  - fast (signatures whose arguments all travel in registers): each argument is written as the
 *    exact 64-bit image of its register, and short ASCII strings are copied into the arena by
 *    the wrapper itself, so most calls make no per-argument Node-API call at all.
 *
 * Slot indices and bit codes are written into the source as numbers (they are the same in every
 * process, and an index the engine sees as a constant costs nothing); addresses and the values
 * of the environment come in as named parameters.
 */
import { compileFunction, Source } from './emit';
import { throwClosed, throwCount } from './errors';
import type { FastArg } from './kind-conversions';
import { kindRow } from './kinds';
import { native } from './native';
import {
  ARENA_BASE,
  ARENA_MARK_WORD,
  ARENA_TOP_WORD,
  arenaString,
  argConversion,
  argCount,
  argError,
  layout,
  pointerOf,
  REFUSED,
  slots,
  slotWords,
  stringOf,
  structOf,
  throwBadArg,
} from './call-runtime';

/** Everything generated code reaches, passed in as one frozen object (see wrapperSource). */
const env = Object.freeze({
  slots,
  slotWords,
  argError,
  throwCount,
  throwClosed,
  throwBadArg,
  arenaString,
  pointerOf,
  stringOf,
  structOf,
  REFUSED,
  invoke: native.invoke,
  invokeFastRefs: native.invokeFastRefs,
  invokeAsync: native.invokeAsync,
  // The entry a fast wrapper calls when it passes no references: the one define() names.
  fastEntries: Object.freeze([native.invokeFast, ...native.plainEntries]),
  ARENA_BASE,
  ARENA_SIZE: layout.arenaSize,
});
const ENV_NAMES = Object.keys(env).join(', ');

// How a fast wrapper marks reference argument `position` it passes, in the call info slot, so C
// needs no Node-API call to find out what it is (src/protocol.h, AK_REF_*).
const refCode = (code: number, position: number): number => code * 2 ** (layout.refBits * position);

// What a fast wrapper did with string argument j, in the call info slot (src/protocol.h,
// AK_STRING_*; src/call.c, arena_strings): copied a new string, or made room for the last one again.
const stringCode = (code: number, j: number): number => code * 2 ** (layout.stringFlagsShift + layout.stringBits * j);

/** What a definition's wrappers are specialised to; definitions of one shape share a factory. */
export interface WrapperShape {
  /** The kind of each argument. */
  readonly kinds: readonly string[];
  /** The kind of the result. */
  readonly returns: string;
  /** Each argument's register slot on the fast path, or null for the general path. */
  readonly fastSlots: readonly number[] | null;
  /** The fast entry define() chose (an index into the fast entries). */
  readonly entry: number;
  /** Whether calls must check a CallGuard (a CFunction, refused after close()). */
  readonly guarded: boolean;
  /** The general shape calling invokeAsync: returns a Promise, rejects rather than throws. */
  readonly async: boolean;
}

/** Makes the wrapper of one definition of a shape. */
export type WrapperFactory = (
  name: string,
  guard: { readonly closed: boolean } | null,
  address: number,
  readStruct: ((result: ArrayBuffer | undefined) => unknown) | undefined,
) => (...args: unknown[]) => unknown;

/** How the generated code names one argument and what it carries. */
interface ArgPlan {
  readonly index: number;
  readonly kind: string;
  /** The parameter holding it. */
  readonly value: string;
  /** The slot it is written to. */
  readonly slot: number;
  /** The variable passing it as a reference to the native entry, if it can be one. */
  readonly ref: string | null;
  /** Its position among the references. */
  readonly refPosition: number;
  /** Its position among the string arguments of a fast shape, or -1. */
  readonly string: number;
}

function planArgs(shape: WrapperShape): ArgPlan[] {
  let refs = 0;
  let strings = 0;
  return shape.kinds.map((kind, index) => {
    const isRef = kindRow(kind).ref;
    return {
      index,
      kind,
      value: `arg${index}`,
      slot: shape.fastSlots === null ? layout.slotArgs + index : shape.fastSlots[index],
      ref: isRef ? `ref${refs}` : null,
      refPosition: isRef ? refs++ : -1,
      string: shape.fastSlots !== null && kind === 'cstring' ? strings++ : -1,
    };
  });
}

/** General path: the statement that validates an argument and stores it as a double. */
function generalArg({ index, kind, value, slot, ref }: ArgPlan): string {
  const refuse = `argError(name, ${index}, '${kind}', ${value})`;
  return argConversion(kind).general({ value, store: `slots[${slot}]`, ref, refuse });
}

/** Fast path: how an argument is taken (see FastArg). */
function fastArg({ kind, value: a, slot, ref, refPosition, string: j }: ArgPlan): FastArg {
  const fast = argConversion(kind).fast;
  if (fast === undefined) throw new Error(`arkffi: no fast argument conversion for kind '${kind}'`);
  const refKind = (code: number): number => refCode(code, refPosition);
  // A string: the same one as last time needs only room in the arena (the native side has its
  // bytes, src/call.c arena_strings); a new one is copied there and remembered once the call is
  // sure to reach the native side.
  const copyString = (): string =>
    [
      `if (typeof ${a} === 'string') {`,
      `  if (${a} === lastCopy${j} && arenaTop + lastCopyBytes${j} <= ARENA_SIZE) {`,
      `    slots[${slot}] = ARENA_BASE + arenaTop; arenaTop += lastCopyBytes${j}; stringFlags |= ${stringCode(layout.stringAgain, j)};`,
      '  } else {',
      `    const top = arenaString(${a}, arenaTop, ${slot});`,
      `    if (top < 0) { ${ref} = ${a}; refKinds |= ${refKind(layout.refString)}; }`,
      `    else { copy${j} = ${a}; copyBytes${j} = top - arenaTop; arenaTop = top; stringFlags |= ${stringCode(layout.stringNew, j)}; }`,
      '  }',
      '}',
    ].join('\n');
  return fast({ value: a, store: `slots[${slot}]`, ref, refKind, copyString });
}

/** The statements that call the entry (`call`) and return the converted result. */
function resultCode(kind: string, call: string): string {
  return kindRow(kind).result.code(call, `slots[${layout.slotResult}]`);
}

/** General shape: checks and stores each argument in turn, says which references it passes. */
function generalBody(src: Source, plans: readonly ArgPlan[], refs: readonly string[]): void {
  src.line(
    `if (arguments.length !== ${plans.length}) throwCount(name, '${argCount(plans.length)}', arguments.length);`,
  );
  if (refs.length > 0) src.line(`let ${refs.join(', ')};`);
  for (const plan of plans) src.line(generalArg(plan));
  src.line(`slots[${layout.slotFn}] = address;`);
  // Which references are passed, one bit each (or all), so C looks only at those
  // (src/call.c, ak_passed_refs).
  if (refs.length > 0) {
    const mask =
      refs.length > layout.passedMaxRefs
        ? `${layout.passedAll}`
        : refs.map((r, k) => `(${r} !== undefined ? ${2 ** k} : 0)`).join(' + ');
    src.line(`slots[${layout.slotCall}] = ${mask};`);
  }
}

/**
 * Fast shape: tests every argument before it stores any (see fastArg), copies short strings into
 * the arena, and answers the call that passes the references (if any).
 */
function fastBody(src: Source, plans: readonly ArgPlan[], refs: readonly string[]): string {
  const strings = plans.filter((p) => p.string >= 0).map((p) => p.string);
  const args = plans.map((plan) => fastArg(plan));
  if (refs.length > 0) src.line(`let ${refs.join(', ')};`).line('let refKinds = 0;');
  if (strings.length > 0) {
    src.line(`let stringFlags = 0${strings.map((j) => `, copy${j}, copyBytes${j}`).join('')};`);
    // Strings copied into the arena go from its top; the mark is where the native side returns to.
    src.line(`const arenaMark = slotWords[${ARENA_TOP_WORD}];`).line('let arenaTop = arenaMark;');
  }
  const tests = args.flatMap((arg) => (arg.refusedIf === undefined ? [] : [arg.refusedIf]));
  src.line(`let refused = ${[`arguments.length !== ${plans.length}`, ...tests].join(' || ')};`);
  for (const arg of args) if (arg.refusedIf === undefined) src.line(arg.code);
  src.line('if (refused) throwBadArg(name, kinds, arguments);');
  for (const arg of args) if (arg.refusedIf !== undefined) src.line(arg.code);
  // The new strings are remembered only now that the call cannot fail before the native side
  // remembers their bytes too; then the arena's new top and mark are published (src/arkffi.h).
  for (const j of strings)
    src.line(`if (copy${j} !== undefined) { lastCopy${j} = copy${j}; lastCopyBytes${j} = copyBytes${j}; }`);
  if (strings.length > 0)
    src.line(`slotWords[${ARENA_MARK_WORD}] = arenaMark;`).line(`slotWords[${ARENA_TOP_WORD}] = arenaTop;`);
  src.line(`slots[${layout.slotFn}] = address;`);
  const passRefs = `invokeFastRefs(${refs.join(', ')})`;
  if (refs.length === 0) return 'fast()';
  if (strings.length === 0) return `(refKinds !== 0 ? (slots[${layout.slotCall}] = refKinds, ${passRefs}) : fast())`;
  // The reference kinds and the string flags go to the call info slot together.
  src.line(`slots[${layout.slotCall}] = refKinds | stringFlags;`);
  return `(refKinds !== 0 ? ${passRefs} : fast())`;
}

/**
 * The source of the factory of wrappers for one shape: given `env`, the wrapper of one
 * definition (see WrapperFactory).
 */
function wrapperSource(shape: WrapperShape): Source {
  const plans = planArgs(shape);
  const refs = plans.flatMap((p) => (p.ref === null ? [] : [p.ref]));
  const strings = plans.flatMap((p) => (p.string < 0 ? [] : [p.string]));
  const src = new Source();
  src.line(`const { ${ENV_NAMES} } = env;`);
  src.line(`const kinds = ${JSON.stringify(shape.kinds)};`);
  src.line(`const fast = fastEntries[${shape.fastSlots === null ? layout.entryFast : shape.entry}];`);
  // Per wrapper: the last string result, and the last string copied at each string argument.
  src.line(`let lastString${strings.map((j) => `, lastCopy${j}, lastCopyBytes${j}`).join('')};`);
  const body = (): void => {
    if (shape.guarded) src.line(`if (guard.closed) throwClosed(name, 'function');`);
    if (shape.async) {
      generalBody(src, plans, refs);
      src.line(`return invokeAsync(${refs.join(', ')});`);
    } else if (shape.fastSlots === null) {
      generalBody(src, plans, refs);
      src.line(resultCode(shape.returns, `invoke(${refs.join(', ')})`));
    } else {
      src.line(resultCode(shape.returns, fastBody(src, plans, refs)));
    }
  };
  // A computed key names each wrapper after its C function (stack traces show it) as it is
  // made, where redefining `name` afterwards would cost more than making the wrapper.
  const open = `return { [name]: function (${plans.map((p) => p.value).join(', ')}) {`;
  if (!shape.async) return src.block(open, body, '} }[name];');
  return src.block(
    open,
    () =>
      src
        .block('try {', body, '} catch (err) {')
        .indent(() => src.line('return Promise.reject(err);'))
        .line('}'),
    '} }[name];',
  );
}

/** Compiles the factory of wrappers for one shape of definition. */
export function compileWrapper(shape: WrapperShape): WrapperFactory {
  const path = shape.async ? 'async' : shape.fastSlots === null ? 'general' : 'fast';
  const what = `${path} wrapper (${shape.kinds.join(', ')}) -> ${shape.returns}`;
  const factory = compileFunction<(env: object, ...rest: Parameters<WrapperFactory>) => ReturnType<WrapperFactory>>(
    what,
    ['env', 'name', 'guard', 'address', 'readStruct'],
    wrapperSource(shape),
  );
  return (name, guard, address, readStruct) => factory(env, name, guard, address, readStruct);
}
