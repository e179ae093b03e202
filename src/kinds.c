/*
 * kinds.c - the table of C type kinds: one row per ak_kind (kinds.h says what each member
 * means) with its canonical name, its descriptor (size, alignment, libffi type), whether its JS
 * values may need the engine, how a value of it converts each way, and how memory holds it.
 * lib/kinds.ts mirrors the rows in the same order, checked when the TypeScript layer loads.
 * Adding a type is adding a row here and there, and a case to the conversions of kinds.h.
 */
#include "arkffi.h"

#include <assert.h>
#include <string.h>

/* Reading memory: the address need not be aligned for the type, hence memcpy. */
#define AK_READER(name, ctype, make)                                                               \
  static napi_value read_##name(napi_env env, const void *p) {                                     \
    ctype v;                                                                                       \
    napi_value out = NULL;                                                                         \
    memcpy(&v, p, sizeof v);                                                                       \
    make;                                                                                          \
    return out;                                                                                    \
  }
AK_READER(i8, int8_t, napi_create_int32(env, v, &out))
AK_READER(u8, uint8_t, napi_create_uint32(env, v, &out))
AK_READER(i16, int16_t, napi_create_int32(env, v, &out))
AK_READER(u16, uint16_t, napi_create_uint32(env, v, &out))
AK_READER(i32, int32_t, napi_create_int32(env, v, &out))
AK_READER(u32, uint32_t, napi_create_uint32(env, v, &out))
AK_READER(i64, int64_t, out = ak_make_i64(env, v))
AK_READER(u64, uint64_t, out = ak_make_u64(env, v))
AK_READER(bigint64, int64_t, napi_create_bigint_int64(env, v, &out))
AK_READER(biguint64, uint64_t, napi_create_bigint_uint64(env, v, &out))
AK_READER(f32, float, napi_create_double(env, v, &out))
AK_READER(f64, double, napi_create_double(env, v, &out))
AK_READER(ptr, uintptr_t, out = ak_make_u64(env, v))
AK_READER(i16_be, uint16_t, napi_create_int32(env, (int16_t)__builtin_bswap16(v), &out))
AK_READER(u16_be, uint16_t, napi_create_uint32(env, __builtin_bswap16(v), &out))
AK_READER(i32_be, uint32_t, napi_create_int32(env, (int32_t)__builtin_bswap32(v), &out))
AK_READER(u32_be, uint32_t, napi_create_uint32(env, __builtin_bswap32(v), &out))
AK_READER(i64_be, uint64_t, out = ak_make_i64(env, (int64_t)__builtin_bswap64(v)))
AK_READER(u64_be, uint64_t, out = ak_make_u64(env, __builtin_bswap64(v)))
/* read.i64_be and read.u64_be give BigInts, as read.i64 and read.u64 do. */
AK_READER(bigint64_be, uint64_t, napi_create_bigint_int64(env, (int64_t)__builtin_bswap64(v), &out))
AK_READER(biguint64_be, uint64_t, napi_create_bigint_uint64(env, __builtin_bswap64(v), &out))

/* Writing memory from a value the TypeScript layer has checked: a number for the kinds up to 32
 * bits and the floats; a BigInt that fits for the 64-bit integers and pointers. */
#define AK_NUMBER_WRITER(name, ctype)                                                              \
  static bool write_##name(napi_env env, napi_value value, void *p) {                              \
    double d = 0;                                                                                  \
    if (napi_get_value_double(env, value, &d) != napi_ok) return false;                            \
    ctype v = (ctype)d;                                                                            \
    memcpy(p, &v, sizeof v);                                                                       \
    return true;                                                                                   \
  }
#define AK_BIGINT_WRITER(name, ctype, get)                                                         \
  static bool write_##name(napi_env env, napi_value value, void *p) {                              \
    ctype v = 0;                                                                                   \
    bool lossless = false;                                                                         \
    if (get(env, value, &v, &lossless) != napi_ok || !lossless) return false;                      \
    memcpy(p, &v, sizeof v);                                                                       \
    return true;                                                                                   \
  }
AK_NUMBER_WRITER(i8, int8_t)
AK_NUMBER_WRITER(u8, uint8_t)
AK_NUMBER_WRITER(i16, int16_t)
AK_NUMBER_WRITER(u16, uint16_t)
AK_NUMBER_WRITER(i32, int32_t)
AK_NUMBER_WRITER(u32, uint32_t)
AK_NUMBER_WRITER(f32, float)
AK_NUMBER_WRITER(f64, double)
AK_BIGINT_WRITER(i64, int64_t, napi_get_value_bigint_int64)
AK_BIGINT_WRITER(u64, uint64_t, napi_get_value_bigint_uint64)

/* The big-endian integers: the plain integer's write, then its bytes swapped in place. */
#define AK_SWAPPED_WRITER(name, plain, utype, swap)                                                \
  static bool write_##name(napi_env env, napi_value value, void *p) {                              \
    utype v;                                                                                       \
    if (!write_##plain(env, value, p)) return false;                                               \
    memcpy(&v, p, sizeof v);                                                                       \
    v = swap(v);                                                                                   \
    memcpy(p, &v, sizeof v);                                                                       \
    return true;                                                                                   \
  }
AK_SWAPPED_WRITER(i16_be, i16, uint16_t, __builtin_bswap16)
AK_SWAPPED_WRITER(u16_be, u16, uint16_t, __builtin_bswap16)
AK_SWAPPED_WRITER(i32_be, i32, uint32_t, __builtin_bswap32)
AK_SWAPPED_WRITER(u32_be, u32, uint32_t, __builtin_bswap32)
AK_SWAPPED_WRITER(i64_be, i64, uint64_t, __builtin_bswap64)
AK_SWAPPED_WRITER(u64_be, u64, uint64_t, __builtin_bswap64)
#undef AK_SWAPPED_WRITER

static bool write_ptr(napi_env env, napi_value value, void *p) {
  uint64_t bits = 0;
  bool lossless = false;
  if (napi_get_value_bigint_uint64(env, value, &bits, &lossless) != napi_ok || !lossless)
    return false;
  uintptr_t address = (uintptr_t)bits;
  memcpy(p, &address, sizeof address);
  return true;
}

/* A string result or callback argument: the text at the address at p, or null. */
#define AK_TEXT_TO_JS(name, unit)                                                                  \
  static napi_value name(napi_env env, const void *p) {                                            \
    const void *s;                                                                                 \
    napi_value out = NULL;                                                                         \
    memcpy(&s, p, sizeof s);                                                                       \
    if (s == NULL) {                                                                               \
      napi_get_null(env, &out);                                                                    \
      return out;                                                                                  \
    }                                                                                              \
    return ak_text_to_js(env, s, unit, ak_text_units(s, unit, SIZE_MAX));                          \
  }
AK_TEXT_TO_JS(cstring_to_js, 1)
AK_TEXT_TO_JS(cstring16_to_js, 2)
AK_TEXT_TO_JS(cstring32_to_js, 4)
#undef AK_TEXT_TO_JS

/* A pointer a callback answered: any value ak_pointer_parse takes. */
static bool pointer_from_js(napi_env env, napi_value value, void *out) {
  return ak_pointer_parse(env, value, out) == AK_PTR_OK;
}

/* The engine's kinds: the environment of the call, and a JS value's own handle (a missing one is
 * undefined); a napi_value result is the value C returned (NULL, as after a throw: undefined). */
static void *engine_env(napi_env env, napi_value value) {
  (void)value;
  return env;
}

static void *engine_value(napi_env env, napi_value value) {
  if (value == NULL) napi_get_undefined(env, &value);
  return value;
}

static napi_value handle_to_js(napi_env env, const void *p) {
  napi_value value;
  memcpy(&value, p, sizeof value);
  return engine_value(env, value);
}

#define AK_SCALAR(kind, ctype, ffi) .type = {kind, sizeof(ctype), _Alignof(ctype), &ffi}
#define AK_MEMORY(name)             .read = read_##name, .write = write_##name

const ak_kind_row ak_kinds[AK_KIND_COUNT] = {
    [AK_VOID] = {"void", {AK_VOID, 0, 1, &ffi_type_void}, .promoted = AK_VOID},
    [AK_BOOL] = {"bool", AK_SCALAR(AK_BOOL, bool, ffi_type_uint8), .promoted = AK_I32},
    [AK_I8] = {"i8", AK_SCALAR(AK_I8, int8_t, ffi_type_sint8), .promoted = AK_I32, AK_MEMORY(i8)},
    [AK_U8] = {"u8", AK_SCALAR(AK_U8, uint8_t, ffi_type_uint8), .promoted = AK_I32, AK_MEMORY(u8)},
    [AK_I16] = {"i16", AK_SCALAR(AK_I16, int16_t, ffi_type_sint16), .promoted = AK_I32,
                AK_MEMORY(i16)},
    [AK_U16] = {"u16", AK_SCALAR(AK_U16, uint16_t, ffi_type_uint16), .promoted = AK_I32,
                AK_MEMORY(u16)},
    [AK_I32] = {"i32", AK_SCALAR(AK_I32, int32_t, ffi_type_sint32), .promoted = AK_I32,
                AK_MEMORY(i32)},
    [AK_U32] = {"u32", AK_SCALAR(AK_U32, uint32_t, ffi_type_uint32), .promoted = AK_U32,
                AK_MEMORY(u32)},
    /* 64-bit integers and pointers: a number while exact, else a BigInt, which the engine
     * converts. */
    [AK_I64] = {"i64", AK_SCALAR(AK_I64, int64_t, ffi_type_sint64), .ref = true, .promoted = AK_I64,
                .to_js = read_i64, .from_js = write_i64, .arg = ak_arg_int64, AK_MEMORY(i64)},
    [AK_U64] = {"u64", AK_SCALAR(AK_U64, uint64_t, ffi_type_uint64), .ref = true,
                .promoted = AK_U64, .to_js = read_u64, .from_js = write_u64, .arg = ak_arg_uint64,
                AK_MEMORY(u64)},
    [AK_I64_BIG] = {"bigint64", AK_SCALAR(AK_I64_BIG, int64_t, ffi_type_sint64), .ref = true,
                    .promoted = AK_I64_BIG, .to_js = read_bigint64, .from_js = write_i64,
                    .arg = ak_arg_int64, .read = read_bigint64, .write = write_i64},
    [AK_U64_BIG] = {"biguint64", AK_SCALAR(AK_U64_BIG, uint64_t, ffi_type_uint64), .ref = true,
                    .promoted = AK_U64_BIG, .to_js = read_biguint64, .from_js = write_u64,
                    .arg = ak_arg_uint64, .read = read_biguint64, .write = write_u64},
    /* The byte-order integers convert as their plain ones, their bytes swapped (kinds.h). A
     * 16-bit one as a variadic argument is not promoted: C's int would hold other bytes, and
     * libffi refuses the signature. */
    [AK_I16_BE] = {"i16_be", AK_SCALAR(AK_I16_BE, int16_t, ffi_type_sint16), .swapped = true,
                   .promoted = AK_I16_BE, AK_MEMORY(i16_be)},
    [AK_U16_BE] = {"u16_be", AK_SCALAR(AK_U16_BE, uint16_t, ffi_type_uint16), .swapped = true,
                   .promoted = AK_U16_BE, AK_MEMORY(u16_be)},
    [AK_I32_BE] = {"i32_be", AK_SCALAR(AK_I32_BE, int32_t, ffi_type_sint32), .swapped = true,
                   .promoted = AK_I32_BE, AK_MEMORY(i32_be)},
    [AK_U32_BE] = {"u32_be", AK_SCALAR(AK_U32_BE, uint32_t, ffi_type_uint32), .swapped = true,
                   .promoted = AK_U32_BE, AK_MEMORY(u32_be)},
    [AK_I64_BE] = {"i64_be", AK_SCALAR(AK_I64_BE, int64_t, ffi_type_sint64), .ref = true,
                   .swapped = true, .promoted = AK_I64_BE, .to_js = read_i64_be,
                   .from_js = write_i64_be, .arg = ak_arg_int64_be, .read = read_bigint64_be,
                   .write = write_i64_be},
    [AK_U64_BE] = {"u64_be", AK_SCALAR(AK_U64_BE, uint64_t, ffi_type_uint64), .ref = true,
                   .swapped = true, .promoted = AK_U64_BE, .to_js = read_u64_be,
                   .from_js = write_u64_be, .arg = ak_arg_int64_be, .read = read_biguint64_be,
                   .write = write_u64_be},
    [AK_F32] = {"f32", AK_SCALAR(AK_F32, float, ffi_type_float), .promoted = AK_F64,
                AK_MEMORY(f32)},
    [AK_F64] = {"f64", AK_SCALAR(AK_F64, double, ffi_type_double), .promoted = AK_F64,
                AK_MEMORY(f64)},
    [AK_PTR] = {"ptr", AK_SCALAR(AK_PTR, void *, ffi_type_pointer), .ref = true, .promoted = AK_PTR,
                .to_js = read_ptr, .from_js = pointer_from_js, .arg = ak_arg_pointer,
                AK_MEMORY(ptr)},
    [AK_CSTRING] = {"cstring", AK_SCALAR(AK_CSTRING, char *, ffi_type_pointer), .ref = true,
                    .promoted = AK_CSTRING, .unit = 1, .to_js = cstring_to_js,
                    .from_js = pointer_from_js, .arg = ak_arg_cstring},
    [AK_CSTRING16] = {"cstring16", AK_SCALAR(AK_CSTRING16, uint16_t *, ffi_type_pointer),
                      .ref = true, .promoted = AK_CSTRING16, .unit = 2, .to_js = cstring16_to_js,
                      .from_js = pointer_from_js, .arg = ak_arg_wide_string},
    [AK_CSTRING32] = {"cstring32", AK_SCALAR(AK_CSTRING32, uint32_t *, ffi_type_pointer),
                      .ref = true, .promoted = AK_CSTRING32, .unit = 4, .to_js = cstring32_to_js,
                      .from_js = pointer_from_js, .arg = ak_arg_wide_string},
    [AK_NAPI_ENV] = {"napi_env", AK_SCALAR(AK_NAPI_ENV, napi_env, ffi_type_pointer),
                     .promoted = AK_NAPI_ENV, .engine = engine_env},
    [AK_NAPI_VALUE] = {"napi_value", AK_SCALAR(AK_NAPI_VALUE, napi_value, ffi_type_pointer),
                       .ref = true, .promoted = AK_NAPI_VALUE, .engine = engine_value,
                       .to_js = handle_to_js},
    /* A struct's descriptor is built per definition (types.c), and its bytes convert as a
     * buffer wherever they go; this row names the kind. */
    [AK_STRUCT] = {"struct", {AK_STRUCT, 0, 1, NULL}, .ref = true, .promoted = AK_STRUCT},
};

napi_value ak_kind_number_to_js(napi_env env, ak_kind kind, double d) {
  napi_value out = NULL;
  if (kind == AK_VOID)
    napi_get_undefined(env, &out);
  else if (kind == AK_BOOL)
    napi_get_boolean(env, d != 0, &out);
  else
    napi_create_double(env, d, &out);
  return out;
}

const char *ak_kind_name(ak_kind kind) {
  assert(kind < AK_KIND_COUNT);
  return ak_kinds[kind].name;
}

const ak_type *ak_scalar_type(ak_kind kind) {
  assert(kind < AK_KIND_COUNT && kind != AK_STRUCT);
  return &ak_kinds[kind].type;
}
