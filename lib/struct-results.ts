/**
 * Struct results held for ArkFFI's pointer contract: releasePtr() and the safety net.
 *
 * A function whose `returns` is a StructSchema hands back the address of an ArrayBuffer holding
 * the result; ArkFFI keeps that buffer alive here, keyed by its address, until releasePtr().
 * A number cannot be tracked by the garbage collector, so a forgotten releasePtr() would hold
 * the buffer forever. The safety net bounds that: a result is dropped once more than `calls`
 * results are held *and* it is older than `ms` milliseconds. Every result therefore stays
 * readable for at least `calls` further struct results and at least `ms` milliseconds, and
 * forgotten results hold at most `calls` buffers plus those of the last `ms` milliseconds.
 */
import { ffiError } from './errors';
import { native } from './native';

/** The safety net's bounds. */
export interface StructReturnRetention {
  /** How many unreleased results are always kept. Default 4096; Infinity keeps all (ArkFFI). */
  readonly calls: number;
  /** How long any unreleased result is kept at least, in milliseconds. Default 100. */
  readonly ms: number;
}

interface Held {
  readonly address: number;
  /** null once released. */
  buffer: ArrayBuffer | null;
  readonly time: number;
}

// Held results by address, and in age order. A Map alone would do both, but dropping a Map's
// oldest entries one at a time makes each later iteration walk the deleted slots: a queue keeps
// eviction O(1). Released entries stay in the queue (marked) until they reach its head or the
// queue is compacted.
const held = new Map<number, Held>();
let queue: (Held | undefined)[] = [];
let head = 0;
let retention: StructReturnRetention = Object.freeze({ calls: 4096, ms: 100 });

function evict(now: number): void {
  while (head < queue.length) {
    const entry = queue[head] as Held;
    if (entry.buffer !== null) {
      if (held.size <= retention.calls || now - entry.time < retention.ms) break;
      held.delete(entry.address);
    }
    queue[head++] = undefined;
  }
  // Compact when the dropped prefix outgrows the rest, or when released entries pile up behind
  // a long-lived one: each compaction is paid for by as many earlier results, O(1) amortised.
  const span = queue.length - head;
  if ((head > 1024 && head > span) || span > 2 * held.size + 1024) {
    queue = queue.slice(head).filter((entry) => (entry as Held).buffer !== null);
    head = 0;
  }
}

/** Keeps a struct result alive and returns its address. */
export function retain(buffer: ArrayBuffer): number {
  const address = native.ptr(buffer);
  const now = performance.now();
  const entry: Held = { address, buffer, time: now };
  // An address is reused only after its buffer was let go, but never count a stale entry twice.
  const stale = held.get(address);
  if (stale !== undefined) stale.buffer = null;
  held.set(address, entry);
  queue.push(entry);
  evict(now);
  return address;
}

/** The buffer of a held struct result at `address`, if there is one. */
export function heldBuffer(address: number | bigint): ArrayBuffer | undefined {
  return held.get(Number(address))?.buffer ?? undefined;
}

/**
 * Lets a struct result go (it is garbage collected later). Returns true if `address` was a held
 * result; any other address, or null, is ignored and returns false.
 */
export function releasePtr(address: number | bigint | null): boolean {
  if (address === null) return false;
  if (typeof address !== 'number' && typeof address !== 'bigint') {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', `releasePtr(): expects a pointer number, got ${typeof address}`);
  }
  const entry = held.get(Number(address));
  if (entry === undefined) return false;
  entry.buffer = null;
  held.delete(entry.address);
  return true;
}

function bound(name: keyof StructReturnRetention, value: unknown, integer: boolean): number {
  const ok = typeof value === 'number' && value >= 0 && (value === Infinity || (integer ? Number.isSafeInteger(value) : Number.isFinite(value)));
  if (!ok) {
    throw ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE',
      `structReturnRetention(): ${name} must be a non-negative ${integer ? 'integer' : 'number'} or Infinity, got ${String(value)}`);
  }
  return value as number;
}

/**
 * Reads, and with an argument changes, the safety net's bounds; returns the bounds in force.
 * New bounds apply at once: `structReturnRetention({ calls: 0, ms: 0 })` drops every held result.
 */
export function structReturnRetention(bounds: Partial<StructReturnRetention> = {}): StructReturnRetention {
  if (typeof bounds !== 'object' || bounds === null) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE', 'structReturnRetention(): expects an object like { calls, ms }');
  }
  const calls = bounds.calls === undefined ? retention.calls : bound('calls', bounds.calls, true);
  const ms = bounds.ms === undefined ? retention.ms : bound('ms', bounds.ms, false);
  retention = Object.freeze({ calls, ms });
  evict(performance.now());
  return retention;
}
