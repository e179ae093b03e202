// Type tests of transient callbacks (lib/transient.ts) that must compile: a callback() parameter
// takes a function typed from its signature, or any pointer value. Compiled by
// test/typing.test.mjs, never run.
import { callback, CFunction, dlopen, JSCallback, read } from 'arkffi';
import type { CallbackArg, CallbackParam, FunctionAddress, PointerLike } from 'arkffi';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

const intFn = callback({ args: ['i32'], returns: 'i32' });
const compare = callback({ args: ['ptr', 'ptr'], returns: 'i32' });
const c = dlopen(null, {
  apply: { args: [intFn, 'i32'], returns: 'i32' },
  visit: { args: ['ptr', 'i32', callback({ args: ['i32'] })], returns: 'void' },
  qsort: { args: ['ptr', 'usize', 'usize', compare], returns: 'void' },
  named: { args: [callback({ args: ['cstring', 'f64', 'i64'], returns: 'bool' })], returns: 'void' },
}).symbols;

type IntFnArg = Parameters<typeof c.apply>[0];
type _intFn = Assert<Equal<IntFnArg, ((x: number) => number) | PointerLike | JSCallback | FunctionAddress>>;
type _param = Assert<Equal<typeof intFn, CallbackParam<{ readonly args: readonly ['i32']; readonly returns: 'i32' }>>>;
type _arg = Assert<Equal<CallbackArg<{ args: ['i32']; returns: 'i32' }>, IntFnArg>>;

// The function's parameters are inferred from the signature.
const doubled: number = c.apply((x) => x * 2, 21);
c.visit(Int32Array.of(1, 2), 2, (v) => void v.toFixed());
c.qsort(Int32Array.of(2, 1), 2, 4, (a, b) => read.i32(a) - read.i32(b));
c.named((text, f, wide) => text !== null && f > 0 && (typeof wide === 'number' || typeof wide === 'bigint'));
const later: Promise<number> = c.apply.async((x) => x + 1, 1);

// Any pointer value is passed as it is.
const cb = new JSCallback((x) => x, { args: ['i32'], returns: 'i32' });
c.apply(cb, 1);
c.apply(cb.ptr, 1);
c.apply(CFunction({ ptr: cb.ptr, args: ['i32'], returns: 'i32' }), 1);
c.apply(null, 1);

export { doubled, later };
