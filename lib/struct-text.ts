/**
 * JS strings in a struct's string members (`cstring`, `cstring16`, `cstring32`). The member holds
 * an address, so the text needs an owner: while create() or createArray() writes a new struct's
 * ArrayBuffer, that buffer owns the text its members are given, which then lives as long as the
 * buffer does. Anywhere else (set() on C memory or an existing buffer, a struct passed by value)
 * there is no owner, and a string is refused, as a pointer to memory nobody keeps would dangle.
 */
const kept = new WeakMap<ArrayBufferLike, Uint8Array[]>();
let owner: ArrayBufferLike | null = null;

/** Runs `write` with `buffer` as the owner of the text its string members are given. */
export function owningText<T>(buffer: ArrayBuffer, write: () => T): T {
  const outer = owner;
  owner = buffer;
  try {
    return write();
  } finally {
    owner = outer;
  }
}

/** `text` as NUL-terminated code units of `unit` bytes (1: UTF-8, 2: UTF-16, 4: UTF-32). */
function encode(text: string, unit: number): Uint8Array {
  if (unit === 1) return Buffer.from(`${text}\0`, 'utf8');
  if (unit === 2) return Buffer.from(`${text}\0`, 'utf16le');
  // A lone surrogate becomes U+FFFD, as in a call's UTF-32 argument.
  const points = Array.from(text, (c) => {
    const p = c.codePointAt(0) as number;
    return p >= 0xd800 && p <= 0xdfff ? 0xfffd : p;
  });
  return new Uint8Array(Uint32Array.from([...points, 0]).buffer);
}

/**
 * The text for a string member written into `view`, owned by the struct being created: its
 * bytes, kept as long as that struct's buffer, or undefined where nothing owns it.
 */
export function ownedText(view: DataView, text: string, unit: number): Uint8Array | undefined {
  if (owner === null || view.buffer !== owner) return undefined;
  const bytes = encode(text, unit);
  const list = kept.get(owner);
  if (list === undefined) kept.set(owner, [bytes]);
  else list.push(bytes);
  return bytes;
}
