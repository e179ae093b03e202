/**
 * Structs through calls: what a StructSchema in a definition's `args` or `returns` adds to the
 * generated call wrapper. The wrapper itself passes struct bytes (an ArrayBuffer or view) and
 * returns a new ArrayBuffer; this layer lets a struct argument also be a plain object or an
 * address, and turns the result into what `structReturn` asks for.
 */
import { types } from 'node:util';
import { ffiError, type ArkFFIError } from './errors';
import { native } from './native';
import { numberLayout, StructSchema, structReaderOf, structWriter, type NumberField } from './struct';
import { isBufferLike } from './struct-fields';
import { heldSlab, holdCopy, holder, sizeClass } from './struct-results';
import type { TypeSpec } from './types';
import { codeGeneration, compileFunction, Source } from './emit';
import { kindRow } from './kinds';
import { StructBytesAt, structResultBytes, type Callable } from './wrapper';

/**
 * What a function returning a StructSchema gives back:
 *  - 'pointer' (default, ArkFFI's contract): the address of a result ArkFFI holds; read it with
 *    `Schema.fromPtr(p)`, then `releasePtr(p)`;
 *  - 'object': the decoded JS object (nothing is held);
 *  - 'buffer': the result's own ArrayBuffer (use `Schema.get`/`fromPtr` on it).
 */
export type StructReturn = 'pointer' | 'object' | 'buffer';

interface StructSignature {
  readonly args: readonly TypeSpec[];
  readonly returns: TypeSpec;
  readonly structReturn: unknown;
}

/** Memory reused by every call at one argument position for a struct given as an object. */
interface Scratch {
  readonly view: DataView;
  readonly at: StructBytesAt;
  readonly write: (view: DataView, values: unknown) => void;
}

/**
 * Converts one struct argument to what the wrapper takes: its bytes, or their address. A plain
 * object is encoded into `scratch`, memory reused by every call at this position: libffi copies
 * a struct argument before the C function runs, so the bytes are free again by the time anything
 * else (a nested call from a callback included) could write them.
 */
function structArg(name: string, index: number, schema: StructSchema, scratch: Scratch, value: unknown): unknown {
  // Cheap checks first; a buffer from another realm still reaches the struct writer, which copies it.
  // (A brand check: `instanceof` would run a Proxy's getPrototypeOf trap.)
  if (isBufferLike(value)) return value;
  try {
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (value < 0)
        throw ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', `an address cannot be negative, got ${value}`);
      // A held result is ArkFFI's memory: passed by its address, as scratch memory is.
      if (heldSlab(value, 0, schema.size) !== undefined) return new StructBytesAt(value as number);
      return native.toArrayBuffer(value, 0, schema.size);
    }
    if (typeof value === 'object' && value !== null) {
      scratch.write(scratch.view, value);
      return scratch.at;
    }
  } catch (err) {
    const { code, message } = err as ArkFFIError;
    const again = ffiError(
      err instanceof RangeError ? RangeError : err instanceof TypeError ? TypeError : Error,
      code,
      `${name}(): argument ${index + 1} (struct): ${message}`,
    );
    again.argIndex = index;
    throw again;
  }
  return value; // the wrapper refuses it with its usual error
}

const shared = new DataView(structResultBytes.buffer);

// What generated code asks an argument object, captured at load: a global replaced later is not run.
const primordials = {
  OP: Object.prototype,
  proto: Object.getPrototypeOf,
  own: Object.getOwnPropertyDescriptor,
  isProxy: types.isProxy,
  bytes: isBufferLike,
};

/*
 * Structs of plain-number fields (numberLayout) have code generated for each definition: their
 * fields are read from the argument objects and written to scratch memory, and a result is read
 * back, as typed-array elements written out one by one. The general path (structArg and the
 * schema's own reader) stays for every other value and gives the errors; where code generation
 * is off (lib/emit.ts) it takes every value, with the same results.
 */

/** The typed array of each number kind, by the name generated code gives it. */
const ARRAYS: Record<
  string,
  [string, { new (buffer: ArrayBufferLike): ArrayLike<number>; BYTES_PER_ELEMENT: number }]
> = {
  i8: ['I8', Int8Array],
  u8: ['U8', Uint8Array],
  i16: ['I16', Int16Array],
  u16: ['U16', Uint16Array],
  i32: ['I32', Int32Array],
  u32: ['U32', Uint32Array],
  f32: ['F32', Float32Array],
  f64: ['F64', Float64Array],
};

/** Typed arrays of every number kind over `buffer`, by their generated names. */
function viewsOf(buffer: ArrayBufferLike): Record<string, ArrayLike<number>> {
  return Object.fromEntries(Object.values(ARRAYS).map(([view, Type]) => [view, new Type(buffer)]));
}

const VIEW_NAMES = Object.values(ARRAYS)
  .map(([view]) => view)
  .join(', ');

/** The element holding field `f` of a struct `base` bytes into the viewed buffer, as code. */
function cell(f: NumberField, base: number): string {
  const [view, Type] = ARRAYS[f.kind];
  return `${view}[${(base + f.offset) / Type.BYTES_PER_ELEMENT}]`;
}

// Generated code this large is no faster than the general path.
const MAX_INLINE_FIELDS = 32;
const slotViews = viewsOf(structResultBytes.buffer);
const resultAt = structResultBytes.byteOffset;

/** A reader of a number struct in the struct result region, as the schema's own would read it. */
function inlineReader(layout: readonly NumberField[]): () => unknown {
  const fields = layout.map((f) => `${JSON.stringify(f.name)}: ${cell(f, resultAt)}`).join(', ');
  const src = new Source().line(`const { ${VIEW_NAMES} } = views;`).line(`return () => ({ ${fields} });`);
  const what = `struct result reader { ${layout.map((f) => f.name).join(', ')} }`;
  return compileFunction<(views: object) => () => unknown>(what, ['views'], src)(slotViews);
}

interface StructPosition {
  readonly i: number;
  readonly schema: StructSchema;
  readonly scratch: Scratch;
}

/**
 * The source of inlineFront's call: given the typed arrays over the scratch memory (`views`), the
 * StructBytesAt of each struct in it (`addresses`), what it asks objects (`primordials`), `call`
 * and `slow`, the function a definition's callers call.
 */
function inlineFrontSource(
  nargs: number,
  structs: readonly StructPosition[],
  layouts: readonly (readonly NumberField[])[],
  bases: readonly number[],
): Source {
  const params = Array.from({ length: nargs }, (_, k) => `arg${k}`);
  const flags: string[] = [];
  const objects: string[] = [];
  const reads: string[] = [];
  const counts: string[] = [];
  const tests: string[] = [];
  const writes: string[] = [];
  const passed = [...params];
  structs.forEach(({ i }, s) => {
    const a = `arg${i}`;
    const o = `isObject${s}`;
    const layout = layouts[s];
    // isObject<s>: the argument is a plain object; else it must be struct bytes, which pass as they are
    // (as structArg passes them).
    flags.push(`${o} = typeof ${a} === 'object' && ${a} !== null && !isProxy(${a}) && proto(${a}) === OP`);
    objects.push(`(${o} || bytes(${a}))`);
    counts.push(`let keys${s} = 0; if (${o}) for (const _ in ${a}) keys${s}++;`);
    const fieldTests = [`keys${s} === ${layout.length}`];
    const fieldWrites: string[] = [];
    layout.forEach((f, j) => {
      const v = `field${s}_${j}`;
      reads.push(`${v} = ${o} ? own(${a}, ${JSON.stringify(f.name)})?.value : 0`);
      fieldTests.push(`typeof ${v} === 'number'`);
      const int = kindRow(f.kind).int;
      if (int !== undefined) fieldTests.push(int.test(v));
      fieldWrites.push(`${cell(f, bases[s])} = ${v};`);
    });
    tests.push(`(!${o} || (${fieldTests.join(' && ')}))`);
    writes.push(`if (${o}) { ${fieldWrites.join(' ')} }`);
    passed[i] = `${o} ? scratch${s} : ${a}`;
  });
  // The keys are counted to refuse unknown fields (and fields inherited from Object.prototype).
  // Strict, as the call wrappers are: `arguments` must not alias the parameters.
  const src = new Source();
  src.line(`const { ${VIEW_NAMES} } = views;`);
  src.line(`const [${structs.map((_, s) => `scratch${s}`).join(', ')}] = addresses;`);
  src.line('const { OP, proto, own, isProxy, bytes } = primordials;');
  src.block(
    `return function (${params.join(', ')}) {`,
    () => {
      src.block(`if (arguments.length === ${nargs}) {`, () => {
        src.line(`const ${flags.join(', ')};`);
        src.block(`if (${objects.join(' && ')}) {`, () => {
          src.line(`const ${reads.join(', ')};`);
          for (const count of counts) src.line(count);
          src.block(`if (${tests.join(' && ')}) {`, () => {
            for (const write of writes) src.line(write);
            src.line(`return call(${passed.join(', ')});`);
          });
        });
      });
      src.line('return slow.apply(undefined, arguments);');
    },
    '};',
  );
  return src;
}

/**
 * The call for a definition whose struct arguments are all number structs: a plain object with
 * exactly the fields, each a number the field takes, is written to scratch memory here and
 * passed by address, and struct bytes (a buffer or view, as `create()` makes) pass as they are;
 * any other call goes to `slow`, which gives the errors. The object is
 * asked only what runs no user code: that it is no Proxy (whose traps would run), then its
 * prototype, its keys and each field's own descriptor (a getter's descriptor has no value, so
 * an accessor goes to `slow` unrun). Every field is checked before any is written.
 */
function inlineFront(
  nargs: number,
  structs: readonly StructPosition[],
  call: Callable,
  slow: (...values: unknown[]) => unknown,
): ((...values: unknown[]) => unknown) | null {
  const layouts = structs.map(({ schema }) => numberLayout(schema));
  const fields = layouts.reduce((n, l) => n + (l?.length ?? Infinity), 0);
  if (!codeGeneration || structs.length === 0 || fields > MAX_INLINE_FIELDS) return null;
  // Each struct at a multiple of 8 bytes, the largest alignment of a number field.
  let size = 0;
  const bases = structs.map(({ schema }) => {
    const base = size;
    size += Math.ceil(schema.size / 8) * 8;
    return base;
  });
  const scratch = new ArrayBuffer(size);
  const address = native.ptr(scratch);
  const at = bases.map((base) => new StructBytesAt(address + base));
  const src = inlineFrontSource(nargs, structs, layouts as NumberField[][], bases);
  const what = `struct arguments of (${Array.from({ length: nargs }, (_, k) => (structs.some(({ i }) => i === k) ? 'struct' : '_')).join(', ')})`;
  return compileFunction<(...params: unknown[]) => (...values: unknown[]) => unknown>(
    what,
    ['views', 'addresses', 'primordials', 'call', 'slow'],
    src,
  )(viewsOf(scratch), at, primordials, call, slow);
}

/**
 * How a synchronous call of function `name` turns a StructSchema result into what
 * `structReturn` asks for, given what the native entry returned: undefined when the bytes wait at
 * the struct result region of the slot buffer (read them before anything else runs), or an
 * ArrayBuffer of them.
 */
export function structReader(
  name: string,
  returns: unknown,
  mode: unknown,
): ((result: ArrayBuffer | undefined) => unknown) | undefined {
  if (!(returns instanceof StructSchema)) return undefined;
  const bytes = structResultBytes.subarray(0, returns.size);
  const read = structReaderOf(returns);
  const layout = numberLayout(returns);
  switch (mode ?? 'pointer') {
    case 'object': {
      if (codeGeneration && layout !== null && layout.length <= MAX_INLINE_FIELDS) {
        const inline = inlineReader(layout);
        return (r) => (r === undefined ? inline() : returns.fromPtr(r));
      }
      return (r) => (r === undefined ? read(shared, resultAt) : returns.fromPtr(r));
    }
    case 'buffer':
      return (r) => r ?? bytes.slice().buffer;
    default: {
      const cls = sizeClass(returns.size, returns.alignment);
      const hold = holder(cls, bytes, name);
      return (r) => (r === undefined ? hold() : holdCopy(cls, r, name));
    }
  }
}

function resultOf(name: string, schema: StructSchema, mode: StructReturn): (buffer: ArrayBuffer) => unknown {
  switch (mode) {
    case 'pointer': {
      const cls = sizeClass(schema.size, schema.alignment);
      return (buffer) => holdCopy(cls, buffer, name);
    }
    case 'object':
      return (buffer) => schema.fromPtr(buffer);
    case 'buffer':
      return (buffer) => buffer;
  }
}

/**
 * Wraps `call` (and its `.async`) when its declared arguments or result include a StructSchema;
 * otherwise returns it unchanged. Struct values among variadic arguments are passed unconverted.
 */
export function withStructs(name: string, sig: StructSignature, call: Callable): Callable {
  const returns = sig.returns instanceof StructSchema ? sig.returns : null;
  const mode = sig.structReturn ?? 'pointer';
  if (mode !== 'pointer' && mode !== 'object' && mode !== 'buffer') {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_DEFINITION',
      `${name}: structReturn must be 'pointer', 'object' or 'buffer'`,
    );
  }
  if (sig.structReturn !== undefined && returns === null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_DEFINITION',
      `${name}: structReturn needs a StructSchema as the return type`,
    );
  }
  if (returns === null && !sig.args.some((t) => t instanceof StructSchema)) return call;
  const structs = sig.args.flatMap((t, i) => {
    if (!(t instanceof StructSchema)) return [];
    const buffer = new ArrayBuffer(t.size);
    const scratch = { view: new DataView(buffer), at: new StructBytesAt(native.ptr(buffer)), write: structWriter(t) };
    return [{ i, schema: t, scratch }];
  });
  const result = returns === null ? null : resultOf(name, returns, mode);
  // The native side copies struct bytes before the call returns, asynchronous calls included,
  // so both forms can share the scratch memory.
  const convert = (values: unknown[]): void => {
    for (const { i, schema, scratch } of structs)
      if (i < values.length) values[i] = structArg(name, i, schema, scratch, values[i]);
  };
  // The synchronous call already gives the result structReturn asks for (see structReader).
  const slow = (...values: unknown[]): unknown => {
    convert(values);
    return call(...values);
  };
  const fn = inlineFront(sig.args.length, structs, call, slow) ?? slow;
  const async = (...values: unknown[]): Promise<unknown> => {
    try {
      convert(values);
    } catch (err) {
      return Promise.reject(err);
    }
    const pending = call.async(...values);
    return result === null ? pending : pending.then((r) => result(r as ArrayBuffer));
  };
  Object.defineProperties(fn, { name: { value: name }, async: { value: async } });
  return fn as Callable;
}
