/**
 * The native addon and the shape of what it exports. Internal: nothing here is public API.
 */
import { join } from 'node:path';
import { types } from 'node:util';

/** An opaque library handle owned by the addon. */
export interface NativeLibrary {
  readonly __brand: 'NativeLibrary';
}

/** A type as the addon understands it: a type name, or an array of member types (a struct). */
export type NativeTypeDesc = string | readonly NativeTypeDesc[] | readonly number[];

export interface NativeTypeInfo {
  kind: string;
  size: number;
  align: number;
  offsets?: number[];
}

/** A shared native call entry (see src/call.c for its calling contract). */
export type NativeEntry = (...refs: unknown[]) => unknown;

/**
 * Every number of the shared slot buffer, from src/protocol.h (where each is explained), and what
 * the fast path takes. The TypeScript layer writes none of these numbers itself.
 */
export interface NativeLayout {
  /** Slot of the result (and of a callback dispatcher's answer). */
  readonly slotResult: number;
  /** Slot of the called function's name (the bits of its record's address). */
  readonly slotFn: number;
  /** Slot of the call info: passed-references mask (general path), or reference kinds and string flags (fast path). */
  readonly slotCall: number;
  /** Slot of argument 0; argument i is slotArgs + i. */
  readonly slotArgs: number;
  readonly maxArgs: number;
  /** Register images: fastRegs integer registers from slotFastInt, as many vector registers from slotFastSse. */
  readonly fastRegs: number;
  readonly slotFastInt: number;
  readonly slotFastSse: number;
  /** The define report region: slotDef + defId, defName, defEntry, and defSlots + i for argument i. */
  readonly slotDef: number;
  readonly defId: number;
  readonly defName: number;
  readonly defEntry: number;
  readonly defSlots: number;
  readonly defCount: number;
  /** What defEntry holds: no fast entry, invokeFast, or plainEntries[k] as entryPlain + k. */
  readonly entryNone: number;
  readonly entryFast: number;
  readonly entryPlain: number;
  /** The struct result region: structBytes bytes from slot slotStruct. */
  readonly slotStruct: number;
  readonly structBytes: number;
  /** The arena's slot: int32 words arenaTop and arenaMark of it. */
  readonly slotArena: number;
  readonly arenaTop: number;
  readonly arenaMark: number;
  readonly slotCount: number;
  /** The arena: arenaSize bytes from byte arenaOffset; strings up to arenaString bytes are copied in. */
  readonly arenaOffset: number;
  readonly arenaSize: number;
  readonly arenaString: number;
  /** General path's call info: more references than passedMaxRefs are written as passedAll. */
  readonly passedMaxRefs: number;
  readonly passedAll: number;
  /** Fast path's call info: refBits bits per reference, one of the ref* codes. */
  readonly refBits: number;
  readonly refNone: number;
  readonly refString: number;
  readonly refObject: number;
  readonly refOther: number;
  /** Fast path's call info: from bit stringFlagsShift, stringBits bits per string argument. */
  readonly stringFlagsShift: number;
  readonly stringBits: number;
  readonly stringNew: number;
  readonly stringAgain: number;
  readonly fastIntRegs: number;
  readonly fastSseRegs: number;
}

/**
 * What define() reports (in the slot buffer, see src/define.c describe_fn): the table id, the
 * definition's name (the number whose bits are its address, which a wrapper writes to slot
 * slotFn), and on the fast path the entry a wrapper calls when it passes no references (an index
 * into the fast entries) and each argument's register slot.
 */
export interface NativeDefinition {
  readonly id: number;
  readonly address: number;
  readonly entry: number;
  readonly fastSlots: readonly number[] | null;
}

/** A JSCallback's native record (src/callback.c): opaque, owned by the addon. */
export interface NativeCallback {
  readonly __brand: 'NativeCallback';
}

/** What callbackCreate() makes: the record, and the C function pointer that calls the dispatcher. */
export interface NativeCallbackInfo {
  readonly record: NativeCallback;
  readonly ptr: number;
}

export interface NativeAddon {
  readonly slots: ArrayBuffer;
  readonly kinds: readonly string[];
  readonly layout: NativeLayout;
  typeInfo(desc: NativeTypeDesc): NativeTypeInfo;
  /** `flags`: 1 RTLD_DEEPBIND, 2 RTLD_GLOBAL, 4 RTLD_LAZY (else RTLD_LOCAL, RTLD_NOW). */
  open(path: string | null, flags: number): NativeLibrary;
  /** What this process's loader can do; see src/library.c ak_js_loader. */
  loader(): { readonly deep: boolean; readonly deepDefault: boolean; readonly sanitizer: boolean };
  /** The file the loader opened for a library ('' for the running process). */
  libraryFile(lib: NativeLibrary): string;
  /** The file whose mapping holds an address, or null. */
  symbolFile(address: number): string | null;
  /** The file of an already loaded library that dlopen(name) would reuse, or null. */
  loadedFile(name: string): string | null;
  /** Adds an allow list (JSON of its entries) to those in force in the whole process. */
  narrowLibraries(list: string): void;
  /** The allow lists in force in the process, oldest first; see src/access.c. */
  libraryLimits(): string[];
  /** `path` with symlinks followed by the C library, or null if it does not exist. */
  realPath(path: string): string | null;
  close(lib: NativeLibrary): boolean;
  symbol(lib: NativeLibrary, name: string): number;
  define(
    address: number | bigint,
    lib: NativeLibrary | null,
    args: readonly NativeTypeDesc[],
    returns: NativeTypeDesc,
    fixedCount: number,
    name: string,
  ): void;
  adopt(wrapper: object, id: number): void;
  invoke: NativeEntry;
  invokeFast: NativeEntry;
  invokeFastRefs: NativeEntry;
  readonly plainEntries: readonly NativeEntry[];
  invokeAsync: NativeEntry;
  errno(value?: number): number;
  callbackCreate(
    dispatch: (...refs: unknown[]) => unknown,
    args: readonly NativeTypeDesc[],
    returns: NativeTypeDesc,
    threadsafe: boolean,
    blocking: boolean,
  ): NativeCallbackInfo;
  callbackClose(record: NativeCallback): void;
  callbackRef(record: NativeCallback, ref: boolean): void;
  /** Called by a dispatcher with what it caught: true if a waiting call took it (callback.c). */
  callbackThrew(error: unknown): boolean;
  /** At the process's 'exit' event: threads waiting for threadsafe callbacks get zero. */
  callbackShutdown(): void;
  ptr(view: ArrayBufferLike | ArrayBufferView, byteOffset?: number): number;
  setSharedView(view: (value: object) => Uint8Array | undefined, outOfBounds: (view: object) => boolean): void;
  read(address: unknown, byteOffset: number, kind: number): number | bigint;
  write(address: unknown, byteOffset: number, kind: number, value: unknown): void;
  alloc(byteLength: number): number | bigint;
  free(address: number | bigint): void;
  /** `unit`: the bytes of a code unit, 1 (UTF-8, the default), 2 (UTF-16) or 4 (UTF-32). */
  readCString(address: unknown, byteOffset?: number, maxBytes?: number, unit?: number): string;
  readMemory(address: unknown, byteLength: number): ArrayBuffer;
  toArrayBuffer(address: unknown, byteOffset?: number, byteLength?: number): ArrayBuffer;
}

// ARKFFI_ADDON selects another build of the addon (the sanitizer build in CI).
const addonPath = process.env.ARKFFI_ADDON || join(__dirname, '..', 'build', 'Release', 'arkffi.node');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require(addonPath);

// How the addon sees into a SharedArrayBuffer where Node-API gives no address of one: a brand
// check and a constructor captured now, so no user code (a Proxy trap, a replaced global) runs.
const { isSharedArrayBuffer } = types;
const SharedView = Uint8Array;
// A view past the end of its shrunk resizable buffer: %TypedArray%.prototype.at and DataView's
// byteLength getter throw for one (and for a detached one), and run no user code.
const typedArrayAt = Object.getPrototypeOf(Uint8Array.prototype).at as (this: unknown, i: number) => unknown;
const dataViewLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength')?.get as (
  this: unknown,
) => number;
const { isDataView } = types;
const apply = Reflect.apply;
native.setSharedView(
  (value) => (isSharedArrayBuffer(value) ? new SharedView(value) : undefined),
  (view) => {
    try {
      if (isDataView(view)) apply(dataViewLength, view, []);
      else apply(typedArrayAt, view, [0]);
      return false;
    } catch {
      return true;
    }
  },
);

/** The index of a canonical kind name in the addon's enum. */
export function kindIndex(kind: string): number {
  const i = native.kinds.indexOf(kind);
  if (i < 0) throw new Error(`arkffi: the addon has no kind '${kind}'`);
  return i;
}
