/*
 * memory.c - pointers, C strings and raw memory.
 *
 * Pointers cross into JS as numbers (user-space addresses fit in 53 bits). Everything here reads
 * memory the caller names; ArkFFI cannot know whether an address is valid, but it refuses the
 * one it can recognise as invalid, NULL, instead of crashing.
 */
#include "arkffi.h"

#include <stdlib.h>
#include <string.h>

bool ak_view_address(napi_env env, napi_value value, void **out, size_t *len) {
  /* Node-API returns the data pointer of a view with its byte offset already applied. The info
   * call doubles as the type test for the common case, a TypedArray: it fails on anything else.
   * Asking for the ArrayBuffer too would cost an extra handle per call. */
  napi_typedarray_type type;
  size_t count = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, out, NULL, NULL) == napi_ok) {
    if (len == NULL) return true;
    size_t elem = 1;
    switch (type) {
    case napi_int16_array:
    case napi_uint16_array:
      elem = 2;
      break;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      elem = 4;
      break;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      elem = 8;
      break;
    default:
      elem = 1;
      break;
    }
    *len = count * elem;
    return true;
  }
  bool yes = false;
  if (napi_is_dataview(env, value, &yes) == napi_ok && yes) {
    napi_value ab;
    size_t offset = 0, bytes = 0;
    return napi_get_dataview_info(env, value, len ? len : &bytes, out, &ab, &offset) == napi_ok;
  }
  if (napi_is_arraybuffer(env, value, &yes) == napi_ok && yes)
    return napi_get_arraybuffer_info(env, value, out, len ? len : &(size_t){0}) == napi_ok;
  return false;
}

ak_ptr_status ak_pointer_parse(napi_env env, napi_value value, void **out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return AK_PTR_BAD_TYPE;
  switch (type) {
  case napi_null:
    *out = NULL;
    return AK_PTR_OK;
  case napi_number: {
    double d = 0;
    napi_get_value_double(env, value, &d);
    if (!(d >= -AK_SAFE_INT && d <= AK_SAFE_INT && d == (double)(int64_t)d))
      return AK_PTR_BAD_RANGE;
    *out = (void *)(intptr_t)(int64_t)d;
    return AK_PTR_OK;
  }
  case napi_bigint: {
    /* Either reading: an address above 2^63 or a negative (two's-complement) one. */
    bool lossless = false;
    uint64_t u = 0;
    int64_t s = 0;
    napi_get_value_bigint_uint64(env, value, &u, &lossless);
    if (!lossless) {
      napi_get_value_bigint_int64(env, value, &s, &lossless);
      u = (uint64_t)s;
    }
    if (!lossless) return AK_PTR_BAD_RANGE;
    *out = (void *)(uintptr_t)u;
    return AK_PTR_OK;
  }
  case napi_object: {
    size_t len;
    return ak_view_address(env, value, out, &len) ? AK_PTR_OK : AK_PTR_BAD_TYPE;
  }
  default:
    return AK_PTR_BAD_TYPE;
  }
}

bool ak_pointer_from_js(napi_env env, napi_value value, void **out) {
  switch (ak_pointer_parse(env, value, out)) {
  case AK_PTR_OK:
    return true;
  case AK_PTR_BAD_RANGE:
    ak_throw(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE",
             "a pointer must be a safe integer or a BigInt of at most 64 bits");
    return false;
  case AK_PTR_BAD_TYPE:
    break;
  }
  ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
           "expected a pointer: a number, BigInt, null, ArrayBuffer or ArrayBufferView");
  return false;
}

/* Reads an address and an optional byte offset; refuses NULL when `nonnull`. */
static bool address_arg(napi_env env, size_t argc, napi_value *argv, bool nonnull,
                        unsigned char **out) {
  void *p = NULL;
  if (argc < 1 || !ak_pointer_from_js(env, argv[0], &p)) {
    if (argc < 1) ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "missing pointer");
    return false;
  }
  int64_t offset = 0;
  napi_valuetype type = napi_undefined;
  if (argc > 1) napi_typeof(env, argv[1], &type);
  if (type != napi_undefined && napi_get_value_int64(env, argv[1], &offset) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "the byte offset must be a number");
    return false;
  }
  if (nonnull && p == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NULL_POINTER", "cannot read through a NULL pointer");
    return false;
  }
  *out = (unsigned char *)p + offset;
  return true;
}

static bool length_arg(napi_env env, napi_value value, size_t *out) {
  double d = -1;
  napi_get_value_double(env, value, &d);
  if (!(d >= 0 && d <= AK_SAFE_INT && d == (double)(int64_t)d)) {
    ak_throw(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE",
             "a byte length must be a non-negative integer");
    return false;
  }
  *out = (size_t)d;
  return true;
}

/* ptr(view, byteOffset?) -> the address of the view's first byte (plus byteOffset). */
napi_value ak_js_ptr(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], out;
  void *data = NULL;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 1 || !ak_view_address(env, argv[0], &data, &len)) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
             "ptr() needs an ArrayBuffer, TypedArray, Buffer or DataView");
    return NULL;
  }
  int64_t offset = 0;
  if (argc > 1) napi_get_value_int64(env, argv[1], &offset);
  napi_create_double(env, (double)((uintptr_t)data + (uintptr_t)offset), &out);
  return out;
}

/* read(address, byteOffset, kindIndex) -> the scalar stored there. */
napi_value ak_js_read(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out = NULL;
  unsigned char *p;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (!address_arg(env, argc, argv, true, &p)) return NULL;
  int32_t kind = -1;
  if (argc > 2) napi_get_value_int32(env, argv[2], &kind);

  /* memcpy: the address need not be aligned for the type. */
  ak_value v;
  switch (kind) {
  case AK_I8:
    memcpy(&v.i8, p, 1);
    napi_create_int32(env, v.i8, &out);
    break;
  case AK_U8:
    memcpy(&v.u8, p, 1);
    napi_create_uint32(env, v.u8, &out);
    break;
  case AK_I16:
    memcpy(&v.i16, p, 2);
    napi_create_int32(env, v.i16, &out);
    break;
  case AK_U16:
    memcpy(&v.u16, p, 2);
    napi_create_uint32(env, v.u16, &out);
    break;
  case AK_I32:
    memcpy(&v.i32, p, 4);
    napi_create_int32(env, v.i32, &out);
    break;
  case AK_U32:
    memcpy(&v.u32, p, 4);
    napi_create_uint32(env, v.u32, &out);
    break;
  case AK_F32:
    memcpy(&v.f32, p, 4);
    napi_create_double(env, v.f32, &out);
    break;
  case AK_F64:
    memcpy(&v.f64, p, 8);
    napi_create_double(env, v.f64, &out);
    break;
  case AK_I64:
    memcpy(&v.i64, p, 8);
    out = ak_make_i64(env, v.i64);
    break;
  case AK_U64:
    memcpy(&v.u64, p, 8);
    out = ak_make_u64(env, v.u64);
    break;
  case AK_I64_BIG:
    memcpy(&v.i64, p, 8);
    napi_create_bigint_int64(env, v.i64, &out);
    break;
  case AK_U64_BIG:
    memcpy(&v.u64, p, 8);
    napi_create_bigint_uint64(env, v.u64, &out);
    break;
  case AK_PTR:
    memcpy(&v.ptr, p, sizeof v.ptr);
    out = ak_make_u64(env, (uintptr_t)v.ptr);
    break;
  default:
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "read: unsupported type index %d", kind);
    break;
  }
  return out;
}

/* readCString(address, byteOffset?, maxBytes?) -> string. NULL reads as ''. The read stops at
 * the first NUL or after maxBytes, whichever comes first. */
napi_value ak_js_read_cstring(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  unsigned char *p;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (!address_arg(env, argc, argv, false, &p)) return NULL;
  if (p == NULL) {
    napi_create_string_utf8(env, "", 0, &out);
    return out;
  }
  napi_valuetype type = napi_undefined;
  size_t len;
  if (argc > 2) napi_typeof(env, argv[2], &type);
  if (type == napi_undefined || type == napi_null) {
    len = strlen((const char *)p);
  } else {
    size_t max;
    if (!length_arg(env, argv[2], &max)) return NULL;
    len = strnlen((const char *)p, max);
  }
  napi_create_string_utf8(env, (const char *)p, len, &out);
  return out;
}

/* readMemory(address, byteLength) -> a new ArrayBuffer holding a copy of those bytes. */
napi_value ak_js_read_memory(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], out;
  unsigned char *p;
  void *data = NULL;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 2) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "readMemory(ptr, byteLength)");
    return NULL;
  }
  if (!length_arg(env, argv[1], &len)) return NULL;
  if (!address_arg(env, 1, argv, len > 0, &p)) return NULL;
  if (ak_failed(env, napi_create_arraybuffer(env, len, &data, &out))) return NULL;
  if (len > 0) memcpy(data, p, len);
  return out;
}

/* toArrayBuffer(address, byteOffset?, byteLength?) -> an ArrayBuffer that views C memory in
 * place (no copy). Without byteLength the memory is taken to be a NUL-terminated string. The
 * memory stays C's: the caller keeps it alive while the view is used. */
napi_value ak_js_to_arraybuffer(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3], out;
  unsigned char *p;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (!address_arg(env, argc, argv, true, &p)) return NULL;
  napi_valuetype type = napi_undefined;
  if (argc > 2) napi_typeof(env, argv[2], &type);
  if (type == napi_undefined || type == napi_null)
    len = strlen((const char *)p);
  else if (!length_arg(env, argv[2], &len))
    return NULL;
  if (ak_failed(env, napi_create_external_arraybuffer(env, p, len, NULL, NULL, &out))) return NULL;
  return out;
}
