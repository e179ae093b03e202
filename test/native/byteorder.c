/* Integers in big-endian (network) byte order, for test/byteorder.test.mjs: functions whose
 * uint16_t/uint32_t/uint64_t values hold their integers' bytes most significant first, a packet
 * header in network order, and callbacks that take and return such values. */
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* The integer whose big-endian bytes are the bytes of v, and back: a byte swap on this
 * little-endian machine, written out so that the test does not rely on the swap it tests. */
static uint64_t from_be(const void *v, size_t n) {
  const uint8_t *b = v;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++)
    x = x << 8 | b[i];
  return x;
}

static void to_be(uint64_t x, void *v, size_t n) {
  uint8_t *b = v;
  for (size_t i = n; i-- > 0; x >>= 8)
    b[i] = (uint8_t)x;
}

/* As X(name, C type, bytes): NAME_value(v) is the integer the big-endian argument v holds, as a
 * plain result; NAME_of(x) is the plain integer x as a big-endian result. */
#define BE_FUNCTIONS(name, ctype, n)                                                               \
  EXPORT ctype name##_value(ctype v) {                                                             \
    return (ctype)from_be(&v, n);                                                                  \
  }                                                                                                \
  EXPORT ctype name##_of(ctype x) {                                                                \
    ctype v;                                                                                       \
    to_be((uint64_t)x, &v, n);                                                                     \
    return v;                                                                                      \
  }
BE_FUNCTIONS(be16, uint16_t, 2)
BE_FUNCTIONS(be16s, int16_t, 2)
BE_FUNCTIONS(be32, uint32_t, 4)
BE_FUNCTIONS(be32s, int32_t, 4)
BE_FUNCTIONS(be64, uint64_t, 8)
BE_FUNCTIONS(be64s, int64_t, 8)
#undef BE_FUNCTIONS

/* A big-endian value in, the same value plus one out: both sides in network order. */
EXPORT uint32_t be32_next(uint32_t v) {
  uint32_t out;
  to_be(from_be(&v, 4) + 1, &out, 4);
  return out;
}

/* A packet header, its multi-byte fields in network order. */
typedef struct {
  uint8_t version;
  uint8_t flags;
  uint16_t length;   /* big-endian */
  uint32_t sequence; /* big-endian */
  uint64_t stamp;    /* big-endian */
  int16_t offset;    /* big-endian */
} packet_header;

EXPORT void packet_fill(packet_header *h, uint16_t length, uint32_t sequence, uint64_t stamp,
                        int16_t offset) {
  memset(h, 0, sizeof *h);
  h->version = 4;
  h->flags = 0x21;
  to_be(length, &h->length, 2);
  to_be(sequence, &h->sequence, 4);
  to_be(stamp, &h->stamp, 8);
  to_be((uint64_t)(int64_t)offset, &h->offset, 2);
}

/* The header's sequence number plus its length, as plain integers. */
EXPORT uint64_t packet_sum(const packet_header *h) {
  return from_be(&h->sequence, 4) + from_be(&h->length, 2);
}

EXPORT packet_header packet_make(uint32_t sequence) {
  packet_header h;
  packet_fill(&h, 20, sequence, 1, -2);
  return h;
}

/* Callbacks: C hands a big-endian 0x1234 and 2^40 + 5, and reads back the callbacks' answers as
 * plain integers. */
EXPORT uint32_t be_callback16(uint16_t (*cb)(uint16_t)) {
  uint16_t v, r;
  to_be(0x1234, &v, 2);
  r = cb(v);
  return (uint32_t)from_be(&r, 2);
}
EXPORT int32_t be_callback32s(int32_t (*cb)(int32_t)) {
  int32_t v, r;
  to_be((uint64_t)(int64_t)-100000, &v, 4);
  r = cb(v);
  return (int32_t)from_be(&r, 4);
}
EXPORT uint64_t be_callback64(uint64_t (*cb)(uint64_t)) {
  uint64_t v, r;
  to_be((1ULL << 40) + 5, &v, 8);
  r = cb(v);
  return from_be(&r, 8);
}
