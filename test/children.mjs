// The programs that test/embedded.test.mjs runs in child processes (node --input-type=module,
// options as JSON in argv[1]). They live here as text because every script under test/ is a test
// file to node --test.

/** Streams 300 KiB through the system zlib's deflate and inflate, z_stream by z_stream, in small
 * chunks, and prints what came out. */
export const zlibStream = `
import { inflateSync } from 'node:zlib';
import { dlopen, ptr, Struct } from 'arkffi';

const ZStream = Struct({
  next_in: 'ptr', avail_in: 'u32', total_in: 'ulong', next_out: 'ptr', avail_out: 'u32', total_out: 'ulong',
  msg: 'ptr', state: 'ptr', zalloc: 'ptr', zfree: 'ptr', opaque: 'ptr', data_type: 'i32', adler: 'ulong', reserved: 'ulong',
});
const options = process.argv[1] ? JSON.parse(process.argv[1]) : undefined;
const { symbols: z } = dlopen('libz.so.1', {
  zlibVersion: { returns: 'cstring' },
  deflateInit_: { args: ['ptr', 'i32', 'cstring', 'i32'], returns: 'i32' },
  deflate: { args: ['ptr', 'i32'], returns: 'i32' },
  deflateEnd: { args: ['ptr'], returns: 'i32' },
  inflateInit_: { args: ['ptr', 'cstring', 'i32'], returns: 'i32' },
  inflate: { args: ['ptr', 'i32'], returns: 'i32' },
  inflateEnd: { args: ['ptr'], returns: 'i32' },
}, options);
const Z_NO_FLUSH = 0, Z_FINISH = 4, Z_OK = 0, Z_STREAM_END = 1;

/** Runs \`step\` over \`input\` in 7 KiB pieces, collecting output 5 KiB at a time. */
function pump(stream, input, step) {
  const view = new DataView(stream);
  const set = (field, value) => {
    const offset = ZStream.fieldOffsets[ZStream.fieldNames.indexOf(field)];
    if (field.startsWith('avail_')) view.setUint32(offset, value, true);
    else view.setBigUint64(offset, BigInt(value), true);
  };
  const out = [];
  const chunk = Buffer.alloc(5 * 1024);
  const codes = [];
  for (let at = 0, done = false; !done;) {
    const piece = input.subarray(at, Math.min(at + 7 * 1024, input.length));
    at += piece.length;
    const last = at >= input.length;
    set('next_in', piece.length ? ptr(piece) : 0);
    set('avail_in', piece.length);
    do {
      set('next_out', ptr(chunk));
      set('avail_out', chunk.length);
      const rc = step(stream, last ? Z_FINISH : Z_NO_FLUSH);
      codes.push(rc);
      if (rc !== Z_OK && rc !== Z_STREAM_END && rc !== -5) throw new Error(\`zlib returned \${rc}\`);
      out.push(Buffer.from(chunk.subarray(0, chunk.length - ZStream.get(stream, 'avail_out'))));
      if (rc === Z_STREAM_END) done = true;
    } while (!done && ZStream.get(stream, 'avail_out') === 0);
    if (last && !done) throw new Error('the stream did not end with its input');
  }
  return { data: Buffer.concat(out), calls: codes.length };
}

const input = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => ((i * 2654435761) >>> 24) & (i % 97 < 60 ? 0x0f : 0xff)));
const version = z.zlibVersion();
const d = ZStream.create();
if (z.deflateInit_(d, 6, version, ZStream.size) !== Z_OK) throw new Error('deflateInit_ failed');
const packed = pump(d, input, z.deflate);
const totalIn = ZStream.get(d, 'total_in');
if (z.deflateEnd(d) !== Z_OK) throw new Error('deflateEnd failed');
const i = ZStream.create();
if (z.inflateInit_(i, version, ZStream.size) !== Z_OK) throw new Error('inflateInit_ failed');
const unpacked = pump(i, packed.data, z.inflate);
if (z.inflateEnd(i) !== Z_OK) throw new Error('inflateEnd failed');
console.log(JSON.stringify({
  inputBytes: input.length,
  totalIn: Number(totalIn),
  packedBytes: packed.data.length,
  deflateCalls: packed.calls,
  inflateCalls: unpacked.calls,
  roundTrip: unpacked.data.equals(input),
  nodeAgrees: inflateSync(packed.data).equals(input),
}));
`;

/** Makes libcrypto fail (PEM_read_bio_X509 on text that is no certificate) and prints what its
 * error queue then holds. */
export const opensslErrors = `
import { dlopen } from 'arkffi';

const options = process.argv[1] ? JSON.parse(process.argv[1]) : undefined;
const { symbols: c } = dlopen('libcrypto.so.3', {
  OpenSSL_version: { args: ['i32'], returns: 'cstring' },
  BIO_new_mem_buf: { args: ['ptr', 'i32'], returns: 'ptr' },
  BIO_free: { args: ['ptr'], returns: 'i32' },
  PEM_read_bio_X509: { args: ['ptr', 'ptr', 'ptr', 'ptr'], returns: 'ptr' },
  ERR_get_error: { returns: 'ulong' },
  ERR_error_string_n: { args: ['ulong', 'ptr', 'usize'], returns: 'void' },
}, options);
const text = Buffer.from('this is not a certificate\\n');
const bio = c.BIO_new_mem_buf(text, text.length);
const cert = c.PEM_read_bio_X509(bio, null, null, null);
const code = c.ERR_get_error();
const message = Buffer.alloc(256);
c.ERR_error_string_n(code, message, message.length);
const next = c.ERR_get_error();
c.BIO_free(bio);
console.log(JSON.stringify({
  version: c.OpenSSL_version(0),
  cert,
  code: Number(code),
  message: message.toString('latin1', 0, message.indexOf(0)),
  next: Number(next),
}));
`;
