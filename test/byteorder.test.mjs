// Integers in a given byte order (i16_be ... u64_be, the _le ones and koffi's spellings): as
// arguments, results, callback arguments and results, struct fields (a packet header in network
// order), read.*/write.*, .async; libc's htons, htonl and ntohl declared with big-endian types.
// `npm run test:general` runs it again on the general path (ARKFFI_GENERAL_PATH=1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlopen, JSCallback, read, Struct, write } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

const lib = dlopen(testlib, {
  be16_value: { args: ['u16_be'], returns: 'u16' },
  be16s_value: { args: ['i16_be'], returns: 'i16' },
  be32_value: { args: ['uint32_be_t'], returns: 'u32' },
  be32s_value: { args: ['int32_be'], returns: 'i32' },
  be64_value: { args: ['u64_be'], returns: 'u64' },
  be64s_value: { args: ['i64_be'], returns: 'i64' },
  be16_of: { args: ['u16'], returns: 'u16_be' },
  be16s_of: { args: ['i16'], returns: 'i16_be' },
  be32_of: { args: ['u32'], returns: 'u32_be' },
  be32s_of: { args: ['i32'], returns: 'i32_be' },
  be64_of: { args: ['u64'], returns: 'u64_be' },
  be64s_of: { args: ['i64'], returns: 'int64_be_t' },
  be32_next: { args: ['u32_be'], returns: 'u32_be' },
  packet_fill: { args: ['ptr', 'u16', 'u32', 'u64', 'i16'], returns: 'void' },
  packet_sum: { args: ['ptr'], returns: 'u64' },
  be_callback16: { args: ['ptr'], returns: 'u32' },
  be_callback32s: { args: ['ptr'], returns: 'i32' },
  be_callback64: { args: ['ptr'], returns: 'u64' },
});
const s = lib.symbols;

test('a big-endian argument reaches C as its integer in network order', () => {
  assert.equal(s.be16_value(0x1234), 0x1234);
  assert.equal(s.be16s_value(-2), -2);
  assert.equal(s.be16s_value(0x7f01), 0x7f01);
  assert.equal(s.be32_value(0xdeadbeef), 0xdeadbeef);
  assert.equal(s.be32s_value(-123456789), -123456789);
  assert.equal(s.be64_value(2 ** 53 - 1), 2 ** 53 - 1);
  assert.equal(s.be64_value(0x0102030405060708n), 0x0102030405060708n);
  assert.equal(s.be64_value(2n ** 64n - 2n), 2n ** 64n - 2n);
  assert.equal(s.be64s_value(-5), -5);
  assert.equal(s.be64s_value(-(2n ** 63n)), -(2n ** 63n));
});

test('a big-endian result comes back as its integer', () => {
  assert.equal(s.be16_of(0xabcd), 0xabcd);
  assert.equal(s.be16s_of(-300), -300);
  assert.equal(s.be32_of(0x80000001), 0x80000001);
  assert.equal(s.be32s_of(-1), -1);
  assert.equal(s.be32s_of(-2147483648), -2147483648);
  assert.equal(s.be64_of(1234567890123), 1234567890123);
  assert.equal(s.be64_of(2n ** 63n + 7n), 2n ** 63n + 7n, 'a BigInt beyond 2^53');
  assert.equal(s.be64s_of(-(2n ** 60n)), -(2n ** 60n));
  assert.equal(s.be64s_of(-42), -42);
  assert.equal(s.be32_next(41), 42);
});

test('the big-endian kinds check their range as the plain ones', () => {
  throwsCode(assert, () => s.be16_value(65536), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.be16s_value(-32769), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.be32_value(-1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.be32s_value('1'), TypeError, 'ERR_ARKFFI_INVALID_ARG_TYPE');
  throwsCode(assert, () => s.be64_value(-1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
  throwsCode(assert, () => s.be64_value(2n ** 64n), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('the little-endian names are the plain kinds on this machine', () => {
  const le = dlopen(testlib, {
    be32_value: { args: ['u32_le'], returns: 'uint32_le_t' },
    be16_value: { args: ['uint16_le'], returns: 'u16' },
    be64_value: { args: ['int64_le_t'], returns: 'u64_le' },
  }).symbols;
  // The plain integer's bytes, read by C as big-endian: swapped.
  assert.equal(le.be32_value(0x01020304), 0x04030201);
  assert.equal(le.be16_value(0x0102), 0x0201);
  assert.equal(le.be64_value(1), 2n ** 56n);
});

test('.async converts big-endian arguments and results', async () => {
  assert.equal(await s.be32_value.async(0x11223344), 0x11223344);
  assert.equal(await s.be64_of.async(2n ** 63n + 7n), 2n ** 63n + 7n);
  assert.equal(await s.be16s_of.async(-2), -2);
  assert.equal(await s.be32_next.async(9), 10);
});

test('callbacks receive and return big-endian integers as their values', () => {
  let seen;
  const cb16 = new JSCallback((v) => ((seen = v), v + 1), { args: ['u16_be'], returns: 'u16_be' });
  assert.equal(s.be_callback16(cb16.ptr), 0x1235);
  assert.equal(seen, 0x1234);
  const cb32 = new JSCallback((v) => ((seen = v), v * 2), { args: ['i32_be'], returns: 'i32_be' });
  assert.equal(s.be_callback32s(cb32.ptr), -200000);
  assert.equal(seen, -100000);
  const cb64 = new JSCallback((v) => ((seen = v), BigInt(v) + 2n ** 60n), { args: ['u64_be'], returns: 'u64_be' });
  assert.equal(s.be_callback64(cb64.ptr), 2n ** 40n + 5n + 2n ** 60n);
  assert.equal(seen, 2 ** 40 + 5);
  const small = new JSCallback(() => 7, { args: ['u64_be'], returns: 'uint64_be_t' });
  assert.equal(s.be_callback64(small.ptr), 7, 'a number answer');
  for (const cb of [cb16, cb32, cb64, small]) cb.close();
});

const Header = Struct({
  version: 'u8',
  flags: 'u8',
  length: 'u16_be',
  sequence: 'u32_be',
  stamp: 'u64_be',
  offset: 'i16_be',
});

test('struct fields in network order', () => {
  assert.equal(Header.size, 24);
  const buf = new ArrayBuffer(Header.size);
  s.packet_fill(buf, 1500, 0xa1b2c3d4, 2 ** 40 + 3, -2);
  const bytes = new Uint8Array(buf);
  assert.deepEqual([...bytes.subarray(2, 8)], [0x05, 0xdc, 0xa1, 0xb2, 0xc3, 0xd4]);
  assert.deepEqual(Header.fromPtr(buf), {
    version: 4,
    flags: 0x21,
    length: 1500,
    sequence: 0xa1b2c3d4,
    stamp: 2 ** 40 + 3,
    offset: -2,
  });
  const made = Header.create({ version: 1, length: 20, sequence: 7, stamp: 2n ** 63n, offset: 300 });
  assert.deepEqual([...new Uint8Array(made).subarray(2, 4)], [0, 20]);
  assert.equal(s.packet_sum(made), 27);
  assert.equal(Header.get(made, 'stamp'), 2n ** 63n);
  Header.set(made, 'sequence', 0x01020304);
  assert.deepEqual([...new Uint8Array(made).subarray(4, 8)], [1, 2, 3, 4]);
  assert.throws(() => Header.create({ length: 70000 }), RangeError);
});

test('a struct result with big-endian fields; a header made in JS read by C', () => {
  const byValue = dlopen(testlib, {
    packet_make: { args: ['u32'], returns: Header, structReturn: 'object' },
  }).symbols;
  assert.deepEqual(byValue.packet_make(99), { version: 4, flags: 0x21, length: 20, sequence: 99, stamp: 1, offset: -2 });
  assert.equal(s.packet_sum(Header.create({ length: 3, sequence: 0xffffffff })), 0xffffffff + 3);
});

test('read.* and write.* in network order', () => {
  const buf = new ArrayBuffer(16);
  const bytes = new Uint8Array(buf);
  write.u16_be(buf, 0, 0x1234);
  write.i32_be(buf, 2, -2);
  write.u64_be(buf, 8, 0x0102030405060708n);
  assert.deepEqual([...bytes.subarray(0, 6)], [0x12, 0x34, 0xff, 0xff, 0xff, 0xfe]);
  assert.deepEqual([...bytes.subarray(8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(read.u16_be(buf, 0), 0x1234);
  assert.equal(read.i16_be(buf, 2), -1);
  assert.equal(read.i32_be(buf, 2), -2);
  assert.equal(read.u32_be(buf, 2), 0xfffffffe);
  assert.equal(read.u64_be(buf, 8), 0x0102030405060708n);
  write.i64_be(buf, 8, -3);
  assert.equal(read.i64_be(buf, 8), -3n);
  write.i16_be(buf, 0, -32768);
  write.u32_be(buf, 2, 7);
  assert.deepEqual([...bytes.subarray(0, 6)], [0x80, 0, 0, 0, 0, 7]);
  throwsCode(assert, () => write.u16_be(buf, 0, -1), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test("libc's htons, htonl and ntohl with big-endian types", () => {
  const libc = dlopen('libc.so.6', {
    htons: { args: ['u16'], returns: 'u16_be' },
    htonl: { args: ['u32'], returns: 'u32_be' },
    ntohl: { args: ['u32_be'], returns: 'u32' },
    ntohs: { args: ['uint16_be_t'], returns: 'u16' },
  }).symbols;
  // htons gives the network-order value; read back as big-endian it is the integer passed.
  assert.equal(libc.htons(0x1234), 0x1234);
  assert.equal(libc.htonl(0xc0a80001), 0xc0a80001);
  assert.equal(libc.ntohl(0x7f000001), 0x7f000001);
  assert.equal(libc.ntohs(8080), 8080);
  // The plain declaration shows the swap.
  const plain = dlopen('libc.so.6', { htons: { args: ['u16'], returns: 'u16' } }).symbols;
  assert.equal(plain.htons(0x1234), 0x3412);
});
