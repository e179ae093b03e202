// zlib (libz.so.1, Debian's zlib1g) driven from JavaScript: a checksum, a compress/uncompress
// round trip through length out-parameters, and the library's version string.
//
//   node examples/zlib.mjs
import assert from 'node:assert/strict';
import { crc32 as nodeCrc32 } from 'node:zlib';
import { dlopen } from 'arkffi';

const Z_OK = 0;
const z = dlopen('libz.so.1', {
  zlibVersion: { returns: 'cstring' },
  // uLong crc32(uLong crc, const Bytef *buf, uInt len)
  crc32: { args: ['ulong', 'ptr', 'u32'], returns: 'ulong' },
  // uLong compressBound(uLong sourceLen)
  compressBound: { args: ['ulong'], returns: 'ulong' },
  // int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level)
  compress2: { args: ['ptr', 'ptr', 'ptr', 'ulong', 'i32'], returns: 'i32' },
  // int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen)
  uncompress: { args: ['ptr', 'ptr', 'ptr', 'ulong'], returns: 'i32' },
});
const { symbols: zlib } = z;

console.log(`zlib ${zlib.zlibVersion()}`);

const text = Buffer.from('ArkFFI calls C. '.repeat(64));
const crc = zlib.crc32(0, text, text.length);
console.log(`crc32 of ${text.length} bytes: 0x${crc.toString(16)} (node:zlib agrees: ${crc === nodeCrc32(text)})`);
assert.equal(crc, nodeCrc32(text));

// A `uLongf *` out-parameter is one unsigned long the callee reads and overwrites: a
// BigUint64Array of length 1 is exactly that (unsigned long is 64 bits on this platform).
const packed = Buffer.alloc(zlib.compressBound(text.length));
const packedLen = new BigUint64Array([BigInt(packed.length)]);
assert.equal(zlib.compress2(packed, packedLen, text, text.length, 9), Z_OK);
console.log(`compress2: ${text.length} bytes -> ${packedLen[0]} bytes`);

const unpacked = Buffer.alloc(text.length);
const unpackedLen = new BigUint64Array([BigInt(unpacked.length)]);
assert.equal(zlib.uncompress(unpacked, unpackedLen, packed, Number(packedLen[0])), Z_OK);
console.log(`uncompress: ${unpackedLen[0]} bytes, identical: ${unpacked.equals(text)}`);
assert.ok(unpacked.equals(text));

z.close();
