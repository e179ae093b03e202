/// <reference lib="esnext.disposable" preserve="true" />
// Library and JSCallback are Disposable (`using lib = dlopen(...)`): the reference above makes
// Symbol.dispose known to projects whose `lib` stops at ES2022, as Node 20 has it at run time.
/**
 * ArkFFI: call exported C functions in shared libraries from JavaScript.
 *
 * ```ts
 * import { dlopen, FFIType } from 'arkffi';
 * const libm = dlopen('libm.so.6', { cos: { args: [FFIType.double], returns: FFIType.double } });
 * libm.symbols.cos(0.5); // 0.8775825618903728
 * ```
 */
export { dlopen, Library, CFunction, linkSymbols } from './library';
export type { FFICallable, Symbols, CFunctionCallable, LinkedSymbols, OpenOptions } from './library';
export { allowLibraries, allowedLibraries } from './access';
export { array, ArrayType, Struct, StructSchema, Union } from './struct';
export type { FieldList, FieldType, StructOptions, StructSource } from './struct';
export { flexibleArray, FlexibleArrayType, pointerTo, PointerType } from './struct-members';
export type { CreateOptions, FieldDescriptor, PointerTarget, ReadOptions, StructPointer } from './struct-members';
export { alignof, offsetof, sizeof } from './layout';
export { releasePtr, structReturnRetention } from './struct-results';
export type { StructReturnRetention } from './struct-results';
export type { StructReturn } from './struct-calls';
export { disposable, DisposableType } from './disposable';
export type { Free } from './disposable';
export { alias, AliasType, opaque, OpaqueType } from './named';
export type { Handle } from './named';
export { FFIType } from './types';
export type { FFITypeName } from './types';
export type {
  ArgsOf,
  ArgValue,
  AsyncCallOf,
  CallbackArgsOf,
  CallbackArgValue,
  CallbackFunction,
  CallbackResultValue,
  CallbackReturnOf,
  CallbackSignature,
  CallOf,
  FFIFunction,
  FFIFunctionAt,
  FieldInputOf,
  FieldInputValue,
  FieldName,
  FieldTypeName,
  FieldValue,
  FunctionPointer,
  ParamTypeSpec,
  PointerArg,
  ResultValue,
  ReturnOf,
  StructFieldInputs,
  StructInput,
  StructValue,
  TypedArray,
  TypeName,
  TypeSpec,
  VariadicCall,
  VariadicPairs,
  VoidTypeName,
} from './typing';
export {
  alloc,
  CString,
  errno,
  free,
  ptr,
  read,
  readCString,
  readCString16,
  readCString32,
  readMemory,
  suffix,
  toArrayBuffer,
  toBuffer,
  write,
} from './memory';
export type { NodeBuffer, Pointer, PointerLike } from './memory';
export { callBySigAsArrayBuffer, ffi } from './bridge';
export { JSCallback } from './callback';
export { inout, out, pointer, readCStringArray } from './pointer-args';
export type { Direction, PointeeType, PointerParam, PointerValue } from './pointer-args';
export type { CallbackErrorHook, JSCallbackDefinition } from './callback';
export { callback } from './transient';
export type { CallbackArg, CallbackParam, FunctionAddress } from './transient';
export { AsyncCFunction, callAsync, callPtrAsync } from './async';
export type { AsyncCFunctionCallable } from './async';
export type { ArkFFIError, ErrorCode } from './errors';
