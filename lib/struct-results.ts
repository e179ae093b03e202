/**
 * Struct results held for ArkFFI's pointer contract: the memory behind the default
 * `structReturn: 'pointer'`, releasePtr(), the warning when results pile up, and the opt-in
 * bounded retention.
 *
 * A result's bytes live in a cell of a slab: an ArrayBuffer ArkFFI allocates once and keeps,
 * cut into cells of one size. A call copies the result into a free cell and returns the cell's
 * address; the cell stays the result's until releasePtr() gives it back (or the program exits),
 * and only then may a later result reuse it. A slab's backing store never moves, and a slab is
 * dropped only once none of its cells is held, so a held address is always readable memory.
 * Nothing is allocated per call: no ArrayBuffer, no Map entry. fromPtr() finds the slab of an
 * address (the most recent one, else a binary search) and reads through the slab's DataView.
 *
 * Everything here is per JS realm's module instance, so each worker thread has its own slabs.
 */
import { ffiError } from './errors';
import { native } from './native';

/** The opt-in bounds of structReturnRetention(). */
export interface StructReturnRetention {
  /** How many unreleased results are always kept. Default Infinity: all, until releasePtr. */
  readonly calls: number;
  /** How long any unreleased result is kept at least, in milliseconds. Default 100. */
  readonly ms: number;
}

/** A slab is at least this large; a larger cell gets a slab of its own, rounded up to this. */
const SLAB_BYTES = 64 * 1024;
/** Results up to this many bytes are copied word by word. */
const SMALL_RESULT = 256;
/** Held results beyond either bound make one warning. */
export const PILING_RESULTS = 100_000;
export const PILING_BYTES = 64 * 1024 * 1024;
export const PILING_CODE = 'ARKFFI_STRUCT_RESULTS_PILING';

/** The slabs of one cell size. */
interface SizeClass {
  readonly cell: number;
  /** Slabs with a free cell; the last one is allocated from. */
  readonly open: Slab[];
  /** How many of its slabs hold nothing (one is kept as a spare, the others dropped). */
  empty: number;
}

/** An ArrayBuffer of `count` cells of `cls.cell` bytes at address `base`. */
interface Slab {
  readonly cls: SizeClass;
  readonly base: number;
  /** base + count * cell: the end of the cells. */
  readonly end: number;
  readonly count: number;
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  /** Per cell: 1 while held. */
  readonly live: Uint8Array;
  /** Released cells, a stack of indices, `top` of them. */
  readonly free: Int32Array;
  top: number;
  /** Cells from here on were never used. */
  bump: number;
  held: number;
  /** In cls.open. */
  isOpen: boolean;
  /** Per cell, while retention is bounded: the number of the result it holds (see `queue`). */
  serial: Float64Array | null;
}

const classes = new Map<number, SizeClass>();
/** Every slab, by base address. */
const slabs: Slab[] = [];
/** The slab of the latest allocation or lookup: fromPtr and releasePtr of a fresh result hit it. */
let recent: Slab | null = null;
let heldCount = 0;
let heldBytes = 0;
let warned = false;

let retention: StructReturnRetention = Object.freeze({ calls: Infinity, ms: 100 });
let bounded = false;
/** While bounded: the held results, oldest first, as (address, serial, time) triples from `head`. */
let queue: number[] = [];
let head = 0;
let serials = 0;

/** The size class of a schema of `size` bytes and `alignment`: cells keep both. */
export function sizeClass(size: number, alignment: number): SizeClass {
  const align = Math.max(8, alignment);
  const cell = Math.ceil(Math.max(size, 1) / align) * align;
  let cls = classes.get(cell);
  if (cls === undefined) {
    cls = { cell, open: [], empty: 0 };
    classes.set(cell, cls);
  }
  return cls;
}

function newSlab(cls: SizeClass): Slab {
  const bytes = Math.ceil(Math.max(cls.cell, SLAB_BYTES) / SLAB_BYTES) * SLAB_BYTES;
  const count = Math.floor(bytes / cls.cell);
  const buffer = new ArrayBuffer(bytes);
  const base = native.ptr(buffer);
  // V8 allocates backing stores with malloc, aligned for any scalar; cells keep that alignment.
  if (base % 16 !== 0) throw new Error(`arkffi: a result slab at ${base} is not 16-byte aligned`);
  const slab: Slab = {
    cls,
    base,
    end: base + count * cls.cell,
    count,
    view: new DataView(buffer),
    bytes: new Uint8Array(buffer),
    words: new Int32Array(buffer),
    live: new Uint8Array(count),
    free: new Int32Array(count),
    top: 0,
    bump: 0,
    held: 0,
    isOpen: true,
    serial: bounded ? new Float64Array(count) : null,
  };
  let i = slabs.length;
  while (i > 0 && slabs[i - 1].base > base) i--;
  slabs.splice(i, 0, slab);
  cls.open.push(slab);
  cls.empty++;
  return slab;
}

/** The slab whose cells contain `address`, if any. */
function slabAt(address: number): Slab | undefined {
  const r = recent;
  if (r !== null && address >= r.base && address < r.end) return r;
  let lo = 0;
  let hi = slabs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const slab = slabs[mid];
    if (address < slab.base) hi = mid - 1;
    else if (address >= slab.end) lo = mid + 1;
    else return (recent = slab);
  }
  return undefined;
}

function warnPiling(name: string): void {
  warned = true;
  process.emitWarning(
    `ArkFFI holds ${heldCount} struct results (${heldBytes} bytes) that were never released; the latest came from ${name}(). ` +
      'Call releasePtr(p) once a result is read with Schema.fromPtr(p), or declare the function with ' +
      "structReturn: 'object' to get plain objects that ArkFFI does not hold.",
    { code: PILING_CODE },
  );
}

/** The offset in its slab of the cell allocate() took last. */
let allocated = 0;

/**
 * Takes a free cell of `cls` for a result of function `name`; returns the slab, the cell being
 * at `slab.base + allocated`. A cell is free only if never used or given back by releasePtr.
 */
function allocate(cls: SizeClass, name: string): Slab {
  const open = cls.open;
  const slab = open.length > 0 ? open[open.length - 1] : newSlab(cls);
  const index = slab.top > 0 ? slab.free[--slab.top] : slab.bump++;
  if (slab.top === 0 && slab.bump === slab.count) {
    open.pop();
    slab.isOpen = false;
  }
  if (slab.held++ === 0) cls.empty--;
  slab.live[index] = 1;
  recent = slab;
  allocated = index * cls.cell;
  heldCount++;
  heldBytes += cls.cell;
  if (!warned && (heldCount > PILING_RESULTS || heldBytes > PILING_BYTES)) warnPiling(name);
  if (bounded) track(slab, index);
  return slab;
}

/**
 * The reader of a result for the pointer contract: it copies the `src` bytes (where the native
 * entry left them) into a cell of `cls` and returns the cell's address.
 */
export function holder(cls: SizeClass, src: Uint8Array, name: string): () => number {
  // Small results copy as 32-bit words (exact bits), faster than a TypedArray set() call.
  if (src.byteLength % 4 === 0 && src.byteLength <= SMALL_RESULT) {
    const from = new Int32Array(src.buffer, src.byteOffset, src.byteLength / 4);
    const n = from.length;
    return () => {
      const slab = allocate(cls, name);
      const to = slab.words;
      const at = allocated >> 2;
      for (let k = 0; k < n; k++) to[at + k] = from[k];
      return slab.base + allocated;
    };
  }
  return () => {
    const slab = allocate(cls, name);
    slab.bytes.set(src, allocated);
    return slab.base + allocated;
  };
}

/** Holds a copy of the struct bytes in `buffer` (an .async result) and returns the address. */
export function holdCopy(cls: SizeClass, buffer: ArrayBuffer, name: string): number {
  const slab = allocate(cls, name);
  slab.bytes.set(new Uint8Array(buffer), allocated);
  return slab.base + allocated;
}

function release(slab: Slab, index: number): void {
  slab.live[index] = 0;
  slab.free[slab.top++] = index;
  heldCount--;
  heldBytes -= slab.cls.cell;
  const cls = slab.cls;
  if (!slab.isOpen) {
    cls.open.push(slab);
    slab.isOpen = true;
  }
  if (--slab.held > 0) return;
  // Keep one empty slab per size as a spare, so that a loop of results and releases does not
  // make and drop a slab each time round; let the garbage collector have the others.
  if (cls.empty++ === 0) return;
  cls.empty--;
  cls.open.splice(cls.open.indexOf(slab), 1);
  slabs.splice(slabs.indexOf(slab), 1);
  if (recent === slab) recent = null;
}

/**
 * The slab holding `length` bytes at `address` + `byteOffset` when `address` is in a held
 * result's slab (internal, for fromPtr and friends), else undefined.
 */
export function heldSlab(
  address: unknown,
  byteOffset: unknown,
  length: number,
): { readonly base: number; readonly view: DataView } | undefined {
  if (typeof address !== 'number' || typeof byteOffset !== 'number') return undefined;
  const slab = slabAt(address);
  return slab !== undefined &&
    Number.isSafeInteger(byteOffset) &&
    byteOffset >= 0 &&
    address + byteOffset + length <= slab.end
    ? slab
    : undefined;
}

/** Whether `address` is a held struct result (the start of its cell). */
export function isHeld(address: number): boolean {
  const slab = slabAt(address);
  if (slab === undefined) return false;
  const index = (address - slab.base) / slab.cls.cell;
  return Number.isInteger(index) && slab.live[index] === 1;
}

/**
 * Lets a struct result go: its cell may hold a later result. Returns true if `address` was a held
 * result; any other address (a second release, C's memory, 0) or null is ignored and returns false.
 */
export function releasePtr(address: number | bigint | null): boolean {
  if (address === null) return false;
  if (typeof address !== 'number' && typeof address !== 'bigint') {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `releasePtr(): expects a pointer number, got ${typeof address}`,
    );
  }
  const a = Number(address);
  const slab = slabAt(a);
  if (slab === undefined) return false;
  const index = (a - slab.base) / slab.cls.cell;
  if (!Number.isInteger(index) || slab.live[index] !== 1) return false;
  release(slab, index);
  return true;
}

/** Bounded retention: notes the result in cell `index` of `slab` as the newest, then evicts. */
function track(slab: Slab, index: number): void {
  const serial = ++serials;
  (slab.serial as Float64Array)[index] = serial;
  const now = performance.now();
  queue.push(slab.base + index * slab.cls.cell, serial, now);
  evict(now);
}

/** The slab and index of a queued result that is still held, or undefined. */
function queued(address: number, serial: number): [Slab, number] | undefined {
  const slab = slabAt(address);
  if (slab === undefined) return undefined;
  const index = (address - slab.base) / slab.cls.cell;
  return slab.live[index] === 1 && slab.serial !== null && slab.serial[index] === serial ? [slab, index] : undefined;
}

/** Lets go of the oldest results while more than `calls` are held and they are older than `ms`. */
function evict(now: number): void {
  while (head < queue.length) {
    const entry = queued(queue[head], queue[head + 1]);
    if (entry !== undefined) {
      if (heldCount <= retention.calls || now - queue[head + 2] < retention.ms) break;
      release(entry[0], entry[1]);
    }
    head += 3;
  }
  // Compact once the dropped prefix outgrows the rest, or released entries pile up behind a
  // long-lived one: each compaction is paid for by as many earlier results.
  const span = (queue.length - head) / 3;
  if ((head > 3072 && head > 3 * span) || span > 2 * heldCount + 1024) {
    const kept: number[] = [];
    for (let k = head; k < queue.length; k += 3) {
      if (queued(queue[k], queue[k + 1]) !== undefined) kept.push(queue[k], queue[k + 1], queue[k + 2]);
    }
    queue = kept;
    head = 0;
  }
}

function bound(name: keyof StructReturnRetention, value: unknown, integer: boolean): number {
  const ok =
    typeof value === 'number' &&
    value >= 0 &&
    (value === Infinity || (integer ? Number.isSafeInteger(value) : Number.isFinite(value)));
  if (!ok) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `structReturnRetention(): ${name} must be a non-negative ${integer ? 'integer' : 'number'} or Infinity, got ${String(value)}`,
    );
  }
  return value as number;
}

/**
 * Reads, and with an argument changes, the opt-in bounds on held results; returns the bounds in
 * force. By default (`calls: Infinity`) a result is held until releasePtr. With finite `calls`, a
 * result is let go once more than `calls` results are held and it is older than `ms`
 * milliseconds; results already held count from now. New bounds apply at once:
 * `structReturnRetention({ calls: 0, ms: 0 })` lets every held result go.
 */
export function structReturnRetention(bounds: Partial<StructReturnRetention> = {}): StructReturnRetention {
  if (typeof bounds !== 'object' || bounds === null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      'structReturnRetention(): expects an object like { calls, ms }',
    );
  }
  const calls = bounds.calls === undefined ? retention.calls : bound('calls', bounds.calls, true);
  const ms = bounds.ms === undefined ? retention.ms : bound('ms', bounds.ms, false);
  retention = Object.freeze({ calls, ms });
  const now = performance.now();
  if (calls === Infinity) {
    bounded = false;
    queue = [];
    head = 0;
  } else if (!bounded) {
    bounded = true;
    for (const slab of slabs) {
      slab.serial = new Float64Array(slab.count);
      for (let i = 0; i < slab.bump; i++) {
        if (slab.live[i] === 1) {
          slab.serial[i] = ++serials;
          queue.push(slab.base + i * slab.cls.cell, serials, now);
        }
      }
    }
  }
  if (bounded) evict(now);
  return retention;
}
