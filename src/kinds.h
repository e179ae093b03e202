/*
 * kinds.h - the C type kinds: what a kind is (ak_kind, ak_type, ak_value), its row in the table
 * of kinds (kinds.c), and the conversions between a kind's C value and a JS number, which the
 * call path inlines. Everything that depends on which kind a value is lives here or in a row:
 * the rest of the core asks the row, and switches on no kind.
 */
#ifndef ARKFFI_KINDS_H
#define ARKFFI_KINDS_H

#include <assert.h>
#include <ffi.h>
#include "napi.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 2^53 - 1: integers up to this magnitude are exact as JS numbers. */
#define AK_SAFE_INT 9007199254740991LL

/* A libffi result narrower than a word is widened to a whole word, whose first bytes hold the
 * value only on a little-endian machine; the conversions below read results that way. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "every supported target is little-endian");
_Static_assert(sizeof(void *) <= sizeof(uint64_t), "an address fits 64 bits");

/* The canonical C types. Every accepted type name resolves to one of these. */
typedef enum {
  AK_VOID,
  AK_BOOL,
  AK_I8,
  AK_U8,
  AK_I16,
  AK_U16,
  AK_I32,
  AK_U32,
  AK_I64,
  AK_U64,
  AK_I64_BIG, /* int64_t, always returned as a BigInt */
  AK_U64_BIG, /* uint64_t, always returned as a BigInt */
  /* Integers whose bytes are big-endian (network order): the C value is the byte-swapped
   * integer, the JS value the integer itself. */
  AK_I16_BE,
  AK_U16_BE,
  AK_I32_BE,
  AK_U32_BE,
  AK_I64_BE,
  AK_U64_BE,
  AK_F32,
  AK_F64,
  AK_PTR,
  AK_CSTRING,
  AK_CSTRING16,  /* char16_t *: UTF-16 text */
  AK_CSTRING32,  /* char32_t *: UTF-32 text (and wchar_t * where wchar_t is 4 bytes) */
  AK_NAPI_ENV,   /* napi_env: the environment of the call, whatever JS passed */
  AK_NAPI_VALUE, /* napi_value: the JS value itself, as its handle */
  AK_STRUCT,     /* by value; layout in ak_type.fields */
  AK_KIND_COUNT
} ak_kind;

typedef struct ak_type ak_type;

/* A type descriptor. Scalars are static singletons; structs are built per definition and owned
 * by it (see ak_type_free). */
struct ak_type {
  ak_kind kind;
  size_t size;
  size_t align;
  ffi_type *ffi; /* the libffi type; for structs it points to `ffi_struct` */
  ffi_type ffi_struct;
  ffi_type **elements; /* NULL-terminated, for libffi */
  ak_type **fields;    /* struct members, `nfields` of them */
  size_t nfields;
};

/* One converted argument or result. */
typedef union {
  ffi_arg word; /* libffi widens small integer results to this */
  int8_t i8;
  uint8_t u8;
  int16_t i16;
  uint16_t u16;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f32;
  double f64;
  void *ptr;
} ak_value;

struct ak_fn;
struct ak_frame;

/* One row per kind, in ak_kind's order (lib/kinds.ts mirrors the rows). A member is NULL for a
 * kind it does not apply to. */
typedef struct {
  const char *name; /* canonical: what the TypeScript layer and messages call it */
  ak_type type;     /* the scalar's descriptor (a struct's is built per definition) */
  /* Its JS values may need the engine (BigInts, strings, buffers): calls and callbacks pass them
   * as Node-API values rather than through the slot buffer. */
  bool ref;
  /* The type a variadic argument of the kind is promoted to (C's default argument promotions). */
  ak_kind promoted;
  /* Its bytes are in the order the machine's are not: the fast path, whose register images come
   * straight from the slots' doubles (call.c, int_image), does not take it as an argument. */
  bool swapped;
  /* A kind whose C value is the engine's own (napi_env, napi_value): the C value for the JS
   * value passed as the argument (the environment itself; the value's handle), valid during the
   * call. Only synchronous calls on the JS thread take such a kind: not the fast path, .async,
   * callbacks nor struct fields, since no other thread may use Node-API. */
  void *(*engine)(napi_env env, napi_value value);
  /* The bytes of a code unit of the NUL-terminated text a value of the kind points to (text.c);
   * 0 when it is no string. */
  uint8_t unit;
  /* A result or callback argument at p that no number holds exactly (ak_kind_to_number said
   * no) as its JS value: a BigInt, a string or null. */
  napi_value (*to_js)(napi_env env, const void *p);
  /* A reference value (a BigInt, a pointer value) that a callback answered, as the C value;
   * false when it is not one of the kind's. */
  bool (*from_js)(napi_env env, napi_value value, void *out);
  /* Argument i of a call given as a Node-API value, converted into the frame (convert.c);
   * false with the error about it thrown. */
  bool (*arg)(napi_env env, const struct ak_fn *fn, struct ak_frame *f, uint32_t i,
              napi_value value);
  /* Memory (read() and write(), memory.c): the value at p as JS, and a value the TypeScript
   * layer checked stored at p (false when it is not of the kind's JS type); NULL for the kinds
   * memory functions do not take. */
  napi_value (*read)(napi_env env, const void *p);
  bool (*write)(napi_env env, napi_value value, void *p);
} ak_kind_row;

extern const ak_kind_row ak_kinds[AK_KIND_COUNT];
const char *ak_kind_name(ak_kind kind);
const ak_type *ak_scalar_type(ak_kind kind);
/* Inline: callbacks ask per call. */
static inline bool ak_kind_is_ref(ak_kind kind) {
  return ak_kinds[kind].ref;
}
/* What a number in the result slot means as a JS value: undefined for void, a boolean for bool,
 * else the number itself. */
napi_value ak_kind_number_to_js(napi_env env, ak_kind kind, double d);

/* The C value at p (unaligned; a libffi result's widened word) as the number that holds it
 * exactly: false for a kind whose values need a JS value (BigInts, strings, structs) and for a
 * 64-bit integer beyond 2^53. Inlined where a constant kind folds it to a load. */
static inline bool ak_kind_to_number(ak_kind kind, const void *p, double *out) {
  ak_value v;
  switch (kind) {
  case AK_VOID:
    return true;
/* The small integers, as X(kind, member, C type): a C bool is read as its byte, since C may pass
 * any non-zero value for true. */
#define AK_READ_NUMBER(kind, member, expr)                                                         \
  case kind:                                                                                       \
    memcpy(&v.member, p, sizeof v.member);                                                         \
    *out = expr;                                                                                   \
    return true;
    AK_READ_NUMBER(AK_BOOL, u8, v.u8 != 0)
    AK_READ_NUMBER(AK_I8, i8, v.i8)
    AK_READ_NUMBER(AK_U8, u8, v.u8)
    AK_READ_NUMBER(AK_I16, i16, v.i16)
    AK_READ_NUMBER(AK_U16, u16, v.u16)
    AK_READ_NUMBER(AK_I32, i32, v.i32)
    AK_READ_NUMBER(AK_U32, u32, v.u32)
    AK_READ_NUMBER(AK_F32, f32, v.f32)
    AK_READ_NUMBER(AK_F64, f64, v.f64)
    AK_READ_NUMBER(AK_I16_BE, u16, (int16_t)__builtin_bswap16(v.u16))
    AK_READ_NUMBER(AK_U16_BE, u16, __builtin_bswap16(v.u16))
    AK_READ_NUMBER(AK_I32_BE, u32, (int32_t)__builtin_bswap32(v.u32))
    AK_READ_NUMBER(AK_U32_BE, u32, __builtin_bswap32(v.u32))
#undef AK_READ_NUMBER
  case AK_I64:
    memcpy(&v.i64, p, sizeof v.i64);
    if (v.i64 < -AK_SAFE_INT || v.i64 > AK_SAFE_INT) return false;
    *out = (double)v.i64;
    return true;
  case AK_U64:
    memcpy(&v.u64, p, sizeof v.u64);
    if (v.u64 > (uint64_t)AK_SAFE_INT) return false;
    *out = (double)v.u64;
    return true;
  case AK_I64_BE:
  case AK_U64_BE:
    memcpy(&v.u64, p, sizeof v.u64);
    v.u64 = __builtin_bswap64(v.u64);
    return ak_kind_to_number(kind == AK_I64_BE ? AK_I64 : AK_U64, &v, out);
  case AK_PTR:
    memcpy(&v.ptr, p, sizeof v.ptr);
    if ((uintptr_t)v.ptr > (uint64_t)AK_SAFE_INT) return false;
    *out = (double)(uintptr_t)v.ptr;
    return true;
  case AK_I64_BIG:
  case AK_U64_BIG:
  case AK_CSTRING:
  case AK_CSTRING16:
  case AK_CSTRING32:
  case AK_NAPI_ENV:
  case AK_NAPI_VALUE:
  case AK_STRUCT:
  case AK_KIND_COUNT:
    return false;
  }
  return false;
}

/* A number that JS put in a slot, which the TypeScript layer checked is of the kind and in its
 * range, as the C value (a cast converts it exactly). Pointers and C strings come as addresses;
 * a negative one is a two's-complement address, as C would cast it. Not for void or structs. */
static inline void ak_kind_from_number(ak_kind kind, double d, ak_value *v) {
  switch (kind) {
  case AK_BOOL:
    v->u8 = d != 0;
    return;
#define AK_WRITE_NUMBER(kind, member, ctype)                                                       \
  case kind:                                                                                       \
    v->member = (ctype)d;                                                                          \
    return;
    AK_WRITE_NUMBER(AK_I8, i8, int8_t)
    AK_WRITE_NUMBER(AK_U8, u8, uint8_t)
    AK_WRITE_NUMBER(AK_I16, i16, int16_t)
    AK_WRITE_NUMBER(AK_U16, u16, uint16_t)
    AK_WRITE_NUMBER(AK_I32, i32, int32_t)
    AK_WRITE_NUMBER(AK_U32, u32, uint32_t)
    AK_WRITE_NUMBER(AK_F32, f32, float)
    AK_WRITE_NUMBER(AK_F64, f64, double)
#undef AK_WRITE_NUMBER
  case AK_I64:
  case AK_I64_BIG:
    v->i64 = (int64_t)d;
    return;
  case AK_U64:
  case AK_U64_BIG:
    v->u64 = (uint64_t)d;
    return;
  /* The byte-order integers: the integer's bytes swapped, from its two's complement. */
  case AK_I16_BE:
  case AK_U16_BE:
    v->u16 = __builtin_bswap16((uint16_t)(int32_t)d);
    return;
  case AK_I32_BE:
  case AK_U32_BE:
    v->u32 = __builtin_bswap32((uint32_t)(int64_t)d);
    return;
  case AK_I64_BE:
    v->u64 = __builtin_bswap64((uint64_t)(int64_t)d);
    return;
  case AK_U64_BE:
    v->u64 = __builtin_bswap64((uint64_t)d);
    return;
  case AK_PTR:
  case AK_CSTRING:
  case AK_CSTRING16:
  case AK_CSTRING32:
    v->ptr = (void *)(intptr_t)(int64_t)d;
    return;
  case AK_VOID:
  case AK_NAPI_ENV:
  case AK_NAPI_VALUE:
  case AK_STRUCT:
  case AK_KIND_COUNT:
    break;
  }
  assert(!"no number is a value of this kind");
}

/* The 64-bit image of a scalar as C widens it in a register or a libffi result word: signed
 * integers sign-extended, unsigned ones and a float's bits zero-extended. */
static inline uint64_t ak_kind_image(ak_kind kind, const ak_value *v) {
  uint32_t bits;
  switch (kind) {
#define AK_IMAGE(kind, expr)                                                                       \
  case kind:                                                                                       \
    return expr;
    AK_IMAGE(AK_BOOL, v->u8)
    AK_IMAGE(AK_U8, v->u8)
    AK_IMAGE(AK_I8, (uint64_t)(int64_t)v->i8)
    AK_IMAGE(AK_U16, v->u16)
    AK_IMAGE(AK_I16, (uint64_t)(int64_t)v->i16)
    AK_IMAGE(AK_U32, v->u32)
    AK_IMAGE(AK_I32, (uint64_t)(int64_t)v->i32)
    AK_IMAGE(AK_F32, (memcpy(&bits, &v->f32, sizeof bits), bits))
    /* The swapped bytes are the C value, widened as its C type is. */
    AK_IMAGE(AK_U16_BE, v->u16)
    AK_IMAGE(AK_I16_BE, (uint64_t)(int64_t)v->i16)
    AK_IMAGE(AK_U32_BE, v->u32)
    AK_IMAGE(AK_I32_BE, (uint64_t)(int64_t)v->i32)
#undef AK_IMAGE
  case AK_I64:
  case AK_I64_BE:
  case AK_U64_BE:
  case AK_U64:
  case AK_I64_BIG:
  case AK_U64_BIG:
  case AK_F64:
  case AK_PTR:
  case AK_CSTRING:
  case AK_CSTRING16:
  case AK_CSTRING32:
  case AK_NAPI_ENV:
  case AK_NAPI_VALUE:
    return v->u64;
  case AK_VOID:
  case AK_STRUCT:
  case AK_KIND_COUNT:
    break;
  }
  assert(!"only a scalar has a register image");
  return 0;
}

#endif
