/**
 * How calls and callbacks convert the values of each kind: the conversions the rows of the kind
 * table (lib/kinds.ts) carry. Each is written twice, alike: as source text for the code generated
 * once per signature (lib/call-codegen.ts, lib/callback-dispatch.ts), and as closures for where
 * code generation is off (lib/call-closures.ts, the closure dispatchers). Both are chosen by kind
 * when a wrapper or dispatcher is made: a call looks up no row (but to explain a refused argument).
 *
 * What the closures reach at run time comes in as a parameter (CallRuntime, from
 * lib/call-runtime.ts), so this file imports nothing of the call layer, which imports the table.
 */
import { native } from './native';
import type { SmallInt } from './kinds';

const layout = native.layout;
const { asIntN, asUintN } = BigInt;
const { isInteger, isSafeInteger } = Number;
const isView = ArrayBuffer.isView;

/** The conversions a call wrapper reaches out of line for a pointer, a string or a struct. */
export type OutOfLine = 'pointerOf' | 'stringOf' | 'structOf';

/** What the closure conversions of call arguments use: lib/call-runtime.ts's `runtime`. */
export interface CallRuntime extends Readonly<Record<OutOfLine, (a: unknown) => unknown>> {
  /** The shared slot buffer, as doubles. */
  readonly slots: Float64Array;
  /** What the out-of-line conversions answer for a value the parameter refuses. */
  readonly REFUSED: object;
}

/** The names the generated code of a call gives one argument. */
export interface ArgCode {
  /** The parameter holding it. */
  readonly value: string;
  /** Its slot, as an expression to assign. */
  readonly store: string;
  /** The variable passing it as a reference to the native entry; null for a kind without. */
  readonly ref: string | null;
}

/** General path: the argument's names, and the statement that throws its error. */
export interface GeneralArgCode extends ArgCode {
  readonly refuse: string;
}

/** Fast path: the argument's names, and how it is marked when passed as a reference. */
export interface FastArgCode extends ArgCode {
  /** The bits in `refKinds` (the call info) that say it is passed as a reference of `code` (AK_REF_*). */
  readonly refKind: (code: number) => number;
  /** For a string argument: the block that copies it into the arena, or else passes it on. */
  readonly copyString: () => string;
}

/**
 * How a fast wrapper takes an argument. It goes to its register slot as one double (C makes the
 * register image from it: one 8-byte store per argument, which the native side's 8-byte load
 * forwards from without a stall), or is named as a reference for the native side. A plain
 * number has its test (`refusedIf`), all tests run first, and its `code` stores it once none
 * failed; any other argument's `code` tests, stores, passes a reference (setting its bits in
 * `refKinds`) and flags a refusal in `refused` itself. Either way the wrapper throws for a
 * refused argument after the tests (throwBadArg).
 */
export interface FastArg {
  readonly refusedIf?: string;
  readonly code: string;
}

/** How a call takes an argument of a kind. */
export interface CallArg {
  /** General path: the statement that checks the argument and stores it in its slot or reference. */
  readonly general: (c: GeneralArgCode) => string;
  /** Fast path (see FastArg); undefined for a kind that never travels in a register. */
  readonly fast?: (c: FastArgCode) => FastArg;
  /**
   * Whether the parameter takes `v`: the rule the generated checks encode. It calls the globals
   * they call (`Number.isSafeInteger`) where they call them, so that it always agrees with them
   * on an argument a fast wrapper refused (throwBadArg).
   */
  readonly takes: (rt: CallRuntime) => (v: unknown) => boolean;
  /**
   * Closures: stores a value the parameter takes in slot `slot` and answers undefined, or answers
   * the reference that passes it, as the general generated code does.
   */
  readonly pass: (rt: CallRuntime, slot: number) => (v: unknown) => unknown;
}

/** What a call's closure wrapper does with a struct result (see WrapperFactory). */
export type ReadStruct = ((result: ArrayBuffer | undefined) => unknown) | undefined;

/** How a call's result of a kind comes back from the native entry. */
export interface CallResult {
  /** The statements that make the entry call `call` and return its result (`result`: its slot). */
  readonly code: (call: string, result: string) => string;
  /** Closures: the result, given what the entry returned. Made once per wrapper. */
  readonly reader: (slots: Float64Array, slot: number, readStruct: ReadStruct) => (returned: unknown) => unknown;
}

/** How a value of a kind that the native side hands to JS is read: a callback's argument. */
export interface Received {
  /** As code: from the slot expression `slot`, or as its reference `ref` (a parameter). */
  readonly code: (slot: string, ref: string) => string;
  /** Closures: from slot `slot`, or as the reference passed instead. */
  readonly reader: (slots: Float64Array, slot: number) => (ref: unknown) => unknown;
}

/** How a callback's result of a kind is checked and handed to C. */
export interface CallbackResult {
  /**
   * The statements that check `result` and write it to `out` (the result slot) or return it when
   * it is no number, else call `refuse(result)`; `size` is a struct's.
   */
  readonly code: (out: string, size: number) => string;
  /** Closures: the same check; writes slot `out` and answers undefined, answers the value, or refuses. */
  readonly check: (
    slots: Float64Array,
    out: number,
    size: number,
  ) => (result: unknown, refuse: (value: unknown) => void) => unknown;
}

/** How values of one kind cross calls and callbacks; one missing is where the kind cannot be. */
export interface Conversions {
  /** How a call takes an argument of the kind (none: void). */
  readonly arg?: CallArg;
  /** How a call's result of the kind is read back. */
  readonly result: CallResult;
  /** How a callback receives an argument of the kind. */
  readonly callbackArg: Received;
  /** How a callback's result of the kind is checked and handed to C (none: void, nothing to hand). */
  readonly callbackResult?: CallbackResult;
}

/** Whether `value` is an ArrayBuffer, a SharedArrayBuffer or a view. */
export function isBuffer(value: unknown): boolean {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)
  );
}

/** A value the native side hands over in its slot, as it is (a number). */
const inSlot: Received = { code: (slot) => slot, reader: (slots, slot) => () => slots[slot] };
/** A 64-bit value: the slot holds it when it is a safe integer; the reference is then undefined. */
const inSlotOrRef: Received = {
  code: (slot, ref) => `(${ref} === undefined ? ${slot} : ${ref})`,
  reader: (slots, slot) => (ref) => (ref === undefined ? slots[slot] : ref),
};
/** A value the native side always hands over as a reference (a BigInt, a string, a buffer). */
const asRef: Received = { code: (_slot, ref) => ref, reader: () => (ref) => ref };

/** A number result, read from the result slot. */
const numberResult: CallResult = {
  code: (call, result) => `${call};\nreturn ${result};`,
  reader: inSlot.reader,
};
/** A 64-bit result: from the result slot when the entry returned undefined, else what it returned. */
const inSlotOrRefResult: CallResult = {
  code: (call, result) => `const returned = ${call};\nreturn returned === undefined ? ${result} : returned;`,
  reader: inSlotOrRef.reader,
};

/** Stores a number, which the parameter took, in its slot. */
const passNumber: CallArg['pass'] =
  ({ slots }, slot) =>
  (v) => {
    slots[slot] = v as number;
    return undefined;
  };

/** Writes `value` to slot `out`, for C, and answers undefined: no value to return. */
const setter =
  (slots: Float64Array, out: number) =>
  (value: number): undefined => {
    slots[out] = value;
    return undefined;
  };

/** An integer of at most 32 bits: a number in its range, as `takes` (the row's `accepts`) tells. */
export function smallIntConversions(int: SmallInt, takes: (v: unknown) => boolean): Conversions {
  const { min, max, test } = int;
  return {
    arg: {
      general: ({ value: a, store, refuse }) =>
        `if (typeof ${a} !== 'number' || !(${test(a)})) ${refuse}; ${store} = ${a};`,
      fast: ({ value: a, store }) => ({
        refusedIf: `typeof ${a} !== 'number' || !(${test(a)})`,
        code: `${store} = ${a};`,
      }),
      takes: () => takes,
      pass: passNumber,
    },
    result: numberResult,
    callbackArg: inSlot,
    callbackResult: {
      code: (out) => `if (typeof result === 'number' && ${test('result')}) ${out} = result; else refuse(result);`,
      check: (slots, out) => {
        const set = setter(slots, out);
        return (r, refuse) => (typeof r === 'number' && isInteger(r) && r >= min && r <= max ? set(r) : refuse(r));
      },
    },
  };
}

/** A float or a double: any number. */
export const FLOAT: Conversions = {
  arg: {
    general: ({ value: a, store, refuse }) => `if (typeof ${a} !== 'number') ${refuse}; ${store} = ${a};`,
    fast: ({ value: a, store }) => ({ refusedIf: `typeof ${a} !== 'number'`, code: `${store} = ${a};` }),
    takes: () => (v) => typeof v === 'number',
    pass: passNumber,
  },
  result: numberResult,
  callbackArg: inSlot,
  callbackResult: {
    code: (out) => `if (typeof result === 'number') ${out} = result; else refuse(result);`,
    check: (slots, out) => {
      const set = setter(slots, out);
      return (r, refuse) => (typeof r === 'number' ? set(r) : refuse(r));
    },
  },
};

/** A bool: a boolean or a number, any number but 0 true (NaN included), as C converts. */
export const BOOL: Conversions = {
  arg: {
    general: ({ value: a, store, refuse }) =>
      `if (typeof ${a} === 'boolean') ${store} = ${a} ? 1 : 0; ` +
      `else if (typeof ${a} === 'number') ${store} = ${a} !== 0 ? 1 : 0; else ${refuse};`,
    fast: ({ value: a, store }) => ({
      refusedIf: `typeof ${a} !== 'boolean' && typeof ${a} !== 'number'`,
      code: `${store} = ${a} !== false && ${a} !== 0 ? 1 : 0;`,
    }),
    takes: () => (v) => typeof v === 'boolean' || typeof v === 'number',
    pass:
      ({ slots }, slot) =>
      (v) => {
        slots[slot] = typeof v === 'number' ? (v !== 0 ? 1 : 0) : v ? 1 : 0;
        return undefined;
      },
  },
  result: {
    code: (call, result) => `${call};\nreturn ${result} !== 0;`,
    reader: (slots, slot) => () => slots[slot] !== 0,
  },
  callbackArg: { code: (slot) => `${slot} !== 0`, reader: (slots, slot) => () => slots[slot] !== 0 },
  callbackResult: {
    code: (out) =>
      `if (typeof result === 'boolean') ${out} = result ? 1 : 0; else if (typeof result === 'number') ${out} = result !== 0 ? 1 : 0; else refuse(result);`,
    check: (slots, out) => {
      const set = setter(slots, out);
      return (r, refuse) =>
        typeof r === 'boolean' ? set(r ? 1 : 0) : typeof r === 'number' ? set(r !== 0 ? 1 : 0) : refuse(r);
    },
  },
};

/** Code that is true when `result` is a safe integer (not negative, if `unsigned`). */
const safeResult = (unsigned: boolean): string =>
  `typeof result === 'number' && Number.isSafeInteger(result)${unsigned ? ' && result >= 0' : ''}`;

/**
 * A 64-bit integer: a safe integer in its slot, or a BigInt as a reference (the native side
 * checks its range); a result a number while exact (unless `alwaysBig`), a BigInt beyond.
 */
export function int64Conversions(signed: boolean, alwaysBig: boolean): Conversions {
  const safe = (r: unknown): boolean => typeof r === 'number' && isSafeInteger(r) && (signed || r >= 0);
  const exact = signed ? (r: bigint) => asIntN(64, r) === r : (r: bigint) => asUintN(64, r) === r;
  return {
    arg: {
      general: ({ value: a, store, ref, refuse }) =>
        `if (typeof ${a} === 'number') { if (!Number.isSafeInteger(${a})${signed ? '' : ` || ${a} < 0`}) ${refuse}; ${store} = ${a}; } ` +
        `else if (typeof ${a} === 'bigint') ${ref} = ${a}; else ${refuse};`,
      fast: ({ value: a, store, ref, refKind }) => ({
        code: [
          `if (typeof ${a} === 'number' && Number.isSafeInteger(${a})${signed ? '' : ` && ${a} >= 0`}) ${store} = ${a};`,
          `else if (typeof ${a} === 'bigint') { ${ref} = ${a}; refKinds |= ${refKind(layout.refOther)}; }`,
          'else refused = true;',
        ].join('\n'),
      }),
      takes: () => (v) =>
        (typeof v === 'number' && Number.isSafeInteger(v) && (signed || v >= 0)) || typeof v === 'bigint',
      pass:
        ({ slots }, slot) =>
        (v) => {
          if (typeof v !== 'number') return v;
          slots[slot] = v;
          return undefined;
        },
    },
    result: alwaysBig ? { code: (call) => `return ${call};`, reader: asRef.reader } : inSlotOrRefResult,
    callbackArg: alwaysBig ? asRef : inSlotOrRef,
    callbackResult: {
      code: (out) =>
        `if (${safeResult(!signed)}) ${out} = result; else if (typeof result === 'bigint' && BigInt.${signed ? 'asIntN' : 'asUintN'}(64, result) === result) return result; else refuse(result);`,
      check: (slots, out) => {
        const set = setter(slots, out);
        return (r, refuse) => (safe(r) ? set(r as number) : typeof r === 'bigint' && exact(r) ? r : refuse(r));
      },
    },
  };
}

/**
 * The general path's argument of a pointer, a string or a struct: the common cases inline
 * (`first`, then a view as a reference), the rest through `helper`: an address for the slot, a
 * value for the native side, or a refusal.
 */
const generalOutOfLine =
  (helper: OutOfLine, first: (c: GeneralArgCode) => string): CallArg['general'] =>
  (c) =>
    [
      `${first(c)}if (ArrayBuffer.isView(${c.value})) ${c.ref} = ${c.value};`,
      'else {',
      `  const passed = ${helper}(${c.value});`,
      `  if (typeof passed === 'number') ${c.store} = passed;`,
      `  else if (passed === REFUSED) ${c.refuse};`,
      `  else ${c.ref} = passed;`,
      '}',
    ].join('\n');

/** The fast path's counterpart of generalOutOfLine, after the cases a fast wrapper takes inline. */
const fastOutOfLine = (helper: OutOfLine, c: FastArgCode): string[] => [
  'else {',
  `  const passed = ${helper}(${c.value});`,
  `  if (typeof passed === 'number') ${c.store} = passed;`,
  '  else if (passed === REFUSED) refused = true;',
  `  else { ${c.ref} = passed; refKinds |= ${c.refKind(layout.refOther)}; }`,
  '}',
];

/** The fast path's case of a view, passed as a reference the native side reads in place. */
const fastView = (c: FastArgCode): string =>
  `else if (ArrayBuffer.isView(${c.value})) { ${c.ref} = ${c.value}; refKinds |= ${c.refKind(layout.refObject)}; }`;

/**
 * The closures' counterpart: a number (an address) to the slot, a BigInt, a string or a view as
 * the reference, the rest through `helper`.
 */
const passOutOfLine =
  (helper: OutOfLine): CallArg['pass'] =>
  (rt, slot) => {
    const { slots } = rt;
    const of = rt[helper];
    return (v) => {
      if (typeof v === 'number') slots[slot] = v;
      else if (typeof v === 'bigint' || typeof v === 'string' || isView(v)) return v;
      else {
        const passed = of(v);
        if (typeof passed !== 'number') return passed;
        slots[slot] = passed;
      }
      return undefined;
    };
  };

/** Code that is true when `result` is a BigInt of at most 64 bits (an address as C casts it). */
const ADDRESS_BIGINT =
  "typeof result === 'bigint' && (BigInt.asUintN(64, result) === result || BigInt.asIntN(64, result) === result)";

/**
 * A callback's result for a pointer (also a `char *`): an address or null in the slot, a BigInt
 * or a buffer returned. A JS string cannot become a `char *`: nothing would own its memory.
 */
const pointerCallbackResult: CallbackResult = {
  code: (out) =>
    `if (${safeResult(false)}) ${out} = result; else if (result === null) ${out} = 0; ` +
    `else if (${ADDRESS_BIGINT}) return result; ` +
    `else if (isBuffer(result)) return result; else refuse(result);`,
  check: (slots, out) => {
    const set = setter(slots, out);
    return (r, refuse) => {
      if (typeof r === 'number' && isSafeInteger(r)) return set(r);
      if (r === null) return set(0);
      if (typeof r === 'bigint' && (asUintN(64, r) === r || asIntN(64, r) === r)) return r;
      return isBuffer(r) ? r : refuse(r);
    };
  },
};

/** A pointer: an address (a number, a BigInt, null), a buffer, a JSCallback or a CFunction. */
export const POINTER: Conversions = {
  arg: {
    general: generalOutOfLine(
      'pointerOf',
      ({ value: a, store }) => `if (typeof ${a} === 'number' && Number.isSafeInteger(${a})) ${store} = ${a};\nelse `,
    ),
    // A number is an address only for a `ptr` parameter (stringOf refuses one).
    fast: (c) => ({
      code: [
        `if (typeof ${c.value} === 'number' && Number.isSafeInteger(${c.value})) ${c.store} = ${c.value};`,
        fastView(c),
        ...fastOutOfLine('pointerOf', c),
      ].join('\n'),
    }),
    takes:
      ({ pointerOf, REFUSED }) =>
      (v) =>
        (typeof v === 'number' && Number.isSafeInteger(v)) || pointerOf(v) !== REFUSED,
    pass: passOutOfLine('pointerOf'),
  },
  result: inSlotOrRefResult,
  callbackArg: inSlotOrRef,
  callbackResult: pointerCallbackResult,
};

/** A C string: a JS string, null, a CString, or a buffer holding a NUL-terminated string. */
export const STRING: Conversions = {
  arg: {
    general: generalOutOfLine('stringOf', ({ value: a, ref }) => `if (typeof ${a} === 'string') ${ref} = ${a};\nelse `),
    // A short string is copied by the wrapper itself; see copyString in lib/call-codegen.ts.
    fast: (c) => ({
      code: [`${c.copyString()} ${fastView(c)}`, ...fastOutOfLine('stringOf', c)].join('\n'),
    }),
    takes:
      ({ stringOf, REFUSED }) =>
      (v) =>
        typeof v === 'string' || stringOf(v) !== REFUSED,
    pass: passOutOfLine('stringOf'),
  },
  result: {
    // undefined: the same bytes as the last string result, which lastString holds (src/call.c).
    code: (call) => `const returned = ${call};\nreturn returned === undefined ? lastString : (lastString = returned);`,
    reader: () => {
      let lastString: unknown;
      return (returned) => (returned === undefined ? lastString : (lastString = returned));
    },
  },
  callbackArg: asRef,
  callbackResult: pointerCallbackResult,
};

/**
 * A UTF-16 or UTF-32 string (`char16_t *`, `char32_t *`): a JS string, which the native side
 * converts into a copy freed after the call, null, or a buffer holding NUL-terminated text. The
 * wrapper copies none itself (its arena holds UTF-8): a string goes to the native side as it is.
 */
export const WIDE_STRING: Conversions = {
  arg: {
    general: STRING.arg!.general,
    fast: (c) => ({
      code: [
        `if (typeof ${c.value} === 'string') { ${c.ref} = ${c.value}; refKinds |= ${c.refKind(layout.refOther)}; }`,
        fastView(c),
        ...fastOutOfLine('stringOf', c),
      ].join('\n'),
    }),
    takes: STRING.arg!.takes,
    pass: STRING.arg!.pass,
  },
  // Always a JS string or null from the native side: no number holds one.
  result: { code: (call) => `return ${call};`, reader: asRef.reader },
  callbackArg: asRef,
  callbackResult: pointerCallbackResult,
};

/** A struct by value: its bytes, in a buffer (or memory ArkFFI owns); never in registers here. */
export const STRUCT: Conversions = {
  arg: {
    general: generalOutOfLine('structOf', () => ''),
    takes:
      ({ structOf, REFUSED }) =>
      (v) =>
        structOf(v) !== REFUSED,
    pass: passOutOfLine('structOf'),
  },
  result: {
    // The bytes are in the struct result region of the slot buffer (undefined), or in a new ArrayBuffer.
    code: (call) => `return readStruct(${call});`,
    reader: (_slots, _slot, readStruct) => readStruct as (returned: unknown) => unknown,
  },
  callbackArg: asRef,
  callbackResult: {
    code: (_out, size) => `if (isBuffer(result) && result.byteLength >= ${size}) return result; refuse(result);`,
    check: (_slots, _out, size) => (r, refuse) =>
      isBuffer(r) && (r as ArrayBuffer).byteLength >= size ? r : refuse(r),
  },
};

/** void: a result only, and nothing to read. */
export const VOID: Conversions = {
  result: { code: (call) => `${call};\nreturn undefined;`, reader: () => () => undefined },
  // The addon refuses a void parameter when the callback is made, after its dispatcher is.
  callbackArg: { code: () => 'undefined', reader: () => () => undefined },
};

/**
 * The engine's kinds (napi_env, napi_value), which only synchronous calls take (the addon
 * refuses them in .async, callbacks and struct fields). The native side gives C the environment
 * of the call, or the JS value's own handle: a value passes as its reference, never in a slot.
 */
const engineResult: CallResult = { code: (call) => `return ${call};`, reader: asRef.reader };

/** napi_env: the caller passes null or undefined, and C receives the environment. */
export const NAPI_ENV: Conversions = {
  arg: {
    general: ({ value: a, refuse }) => `if (${a} !== null && ${a} !== undefined) ${refuse};`,
    takes: () => (v) => v === null || v === undefined,
    pass: () => () => undefined,
  },
  result: engineResult,
  callbackArg: asRef,
};

/** napi_value: any JS value, which C receives as its handle; a result is the value C returned. */
export const NAPI_VALUE: Conversions = {
  arg: {
    general: ({ value: a, ref }) => `${ref} = ${a};`,
    takes: () => () => true,
    pass: () => (v) => v,
  },
  result: engineResult,
  callbackArg: asRef,
};
