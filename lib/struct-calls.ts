/**
 * Structs through calls: what a StructSchema in a definition's `args` or `returns` adds to the
 * generated call wrapper. The wrapper itself passes struct bytes (an ArrayBuffer or view) and
 * returns a new ArrayBuffer; this layer lets a struct argument also be a plain object or an
 * address, and turns the result into what `structReturn` asks for.
 */
import { ffiError, type ArkFFIError } from './errors';
import { native } from './native';
import { StructSchema, structReaderOf, structWriter } from './struct';
import { heldBuffer, retain } from './struct-results';
import type { TypeSpec } from './types';
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
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value;
  try {
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (value < 0) throw ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', `an address cannot be negative, got ${value}`);
      return heldBuffer(value) ?? native.toArrayBuffer(value, 0, schema.size);
    }
    if (typeof value === 'object' && value !== null) {
      scratch.write(scratch.view, value);
      return scratch.at;
    }
  } catch (err) {
    const { code, message } = err as ArkFFIError;
    const again = ffiError(err instanceof RangeError ? RangeError : err instanceof TypeError ? TypeError : Error, code,
      `${name}(): argument ${index + 1} (struct): ${message}`);
    again.argIndex = index;
    throw again;
  }
  return value; // the wrapper refuses it with its usual error
}

const shared = new DataView(structResultBytes.buffer);

/**
 * How a synchronous call turns a StructSchema result into what `structReturn` asks for, given
 * what the native entry returned: undefined when the bytes wait at the start of the slot buffer
 * (read them before anything else runs), or an ArrayBuffer of them.
 */
export function structReader(returns: unknown, mode: unknown): ((result: ArrayBuffer | undefined) => unknown) | undefined {
  if (!(returns instanceof StructSchema)) return undefined;
  const copy = (): ArrayBuffer => structResultBytes.slice(0, returns.size).buffer;
  const read = structReaderOf(returns);
  switch (mode ?? 'pointer') {
    case 'object':
      return (r) => (r === undefined ? read(shared, 0) : returns.fromPtr(r));
    case 'buffer':
      return (r) => r ?? copy();
    default:
      return (r) => retain(r ?? copy());
  }
}

function resultOf(schema: StructSchema, mode: StructReturn): (buffer: ArrayBuffer) => unknown {
  switch (mode) {
    case 'pointer': return retain;
    case 'object': return (buffer) => schema.fromPtr(buffer);
    case 'buffer': return (buffer) => buffer;
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
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `${name}: structReturn must be 'pointer', 'object' or 'buffer'`);
  }
  if (sig.structReturn !== undefined && returns === null) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `${name}: structReturn needs a StructSchema as the return type`);
  }
  const structs = sig.args.flatMap((t, i) => {
    if (!(t instanceof StructSchema)) return [];
    const buffer = new ArrayBuffer(t.size);
    const scratch = { view: new DataView(buffer), at: new StructBytesAt(native.ptr(buffer)), write: structWriter(t) };
    return [{ i, schema: t, scratch }];
  });
  if (structs.length === 0 && returns === null) return call;
  const result = returns === null ? null : resultOf(returns, mode);
  // The native side copies struct bytes before the call returns, asynchronous calls included,
  // so both forms can share the scratch memory.
  const convert = (values: unknown[]): void => {
    for (const { i, schema, scratch } of structs) if (i < values.length) values[i] = structArg(name, i, schema, scratch, values[i]);
  };
  // The synchronous call already gives the result structReturn asks for (see structReader).
  const fn = (...values: unknown[]): unknown => {
    convert(values);
    return call(...values);
  };
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
