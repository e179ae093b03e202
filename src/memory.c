/*
 * memory.c - pointers, C strings and raw memory.
 *
 * Pointers cross into JS as numbers, or as BigInts beyond 2^53 (MAP_FAILED, tagged pointers).
 * Everything here reads memory the caller names. A raw address (a number or BigInt) is trusted,
 * as in C, except NULL, which is refused instead of crashing. A JS buffer as the address bounds
 * every read and view by its current length: ArkFFI knows where that memory ends.
 */
#include "arkffi.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data of a SharedArrayBuffer, for Node-API versions that give no direct access to it: a
 * Uint8Array over it is a TypedArray, whose data they do give. The TypeScript layer makes that
 * view (setSharedView), with a brand check that runs no user code: `instanceof` here would run
 * a Proxy's getPrototypeOf trap, and that code could make a nested call. Only values that failed
 * every other test get here, so this costs nothing on the common paths. Does not throw. */
static bool shared_buffer_address(napi_env env, napi_value value, void **out, size_t *len) {
  ak_state *st = ak_state_get(env);
  napi_valuetype type;
  napi_value fn, undefined, view;
  napi_typedarray_type elem;
  if (st->shared_view_ref == NULL || napi_typeof(env, value, &type) != napi_ok ||
      type != napi_object)
    return false;
  if (napi_get_reference_value(env, st->shared_view_ref, &fn) == napi_ok && fn != NULL &&
      napi_get_undefined(env, &undefined) == napi_ok &&
      napi_call_function(env, undefined, fn, 1, &value, &view) == napi_ok &&
      napi_get_typedarray_info(env, view, &elem, len, out, NULL, NULL) == napi_ok)
    return true;
  bool pending = false;
  napi_value ignored;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
    napi_get_and_clear_last_exception(env, &ignored);
  return false;
}

/* setSharedView(fn, outOfBounds): fn(x) answers a Uint8Array over x if x is a SharedArrayBuffer,
 * else undefined; outOfBounds(v) whether the view v is past the end of its (shrunk, resizable)
 * buffer. Both run no user code (lib/native.ts). Set once, at load time. */
napi_value ak_js_set_shared_view(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value fns[2];
  napi_valuetype type = napi_undefined, type2 = napi_undefined;
  ak_state *st = ak_state_get(env);
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, fns, NULL, NULL))) return NULL;
  if (argc < 2 || napi_typeof(env, fns[0], &type) != napi_ok || type != napi_function ||
      napi_typeof(env, fns[1], &type2) != napi_ok || type2 != napi_function) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "setSharedView needs two functions");
    return NULL;
  }
  if (st->shared_view_ref != NULL) napi_delete_reference(env, st->shared_view_ref);
  if (st->out_of_bounds_ref != NULL) napi_delete_reference(env, st->out_of_bounds_ref);
  st->shared_view_ref = NULL;
  st->out_of_bounds_ref = NULL;
  if (ak_failed(env, napi_create_reference(env, fns[0], 1, &st->shared_view_ref))) return NULL;
  ak_failed(env, napi_create_reference(env, fns[1], 1, &st->out_of_bounds_ref));
  return NULL;
}

/* Whether `view`, a TypedArray or DataView that Node-API reports as empty, is really a view past
 * the end of its shrunk resizable buffer (V8 reports those as empty, at their old address).
 * Asks the JS helper, only for empty views, so it costs nothing on the common paths. Does not
 * throw. */
static bool out_of_bounds(napi_env env, napi_value view) {
  ak_state *st = ak_state_get(env);
  napi_value fn, undefined, answer;
  bool yes = false, pending = false;
  if (st->out_of_bounds_ref == NULL) return false;
  if (napi_get_reference_value(env, st->out_of_bounds_ref, &fn) == napi_ok && fn != NULL &&
      napi_get_undefined(env, &undefined) == napi_ok &&
      napi_call_function(env, undefined, fn, 1, &view, &answer) == napi_ok &&
      napi_get_value_bool(env, answer, &yes) == napi_ok)
    return yes;
  napi_value ignored;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
    napi_get_and_clear_last_exception(env, &ignored);
  return false;
}

bool ak_is_detached(napi_env env, napi_value value) {
  napi_value buffer = NULL;
  bool yes = false;
  napi_typedarray_type type;
  size_t count, offset;
  void *data;
  bool view = true;
  if (napi_get_typedarray_info(env, value, &type, &count, &data, &buffer, &offset) != napi_ok) {
    buffer = value; /* an ArrayBuffer itself, unless it is a DataView */
    view = napi_is_dataview(env, value, &yes) == napi_ok && yes;
    if (view && napi_get_dataview_info(env, value, &count, &data, &buffer, &offset) != napi_ok)
      return false;
  }
  yes = false;
  if (napi_is_detached_arraybuffer(env, buffer, &yes) == napi_ok && yes) return true;
  return view && count == 0 && out_of_bounds(env, value);
}

/* A detached buffer has no memory: Node-API reports its data as NULL, as it does for an empty
 * buffer, which is still a pointer to pass (NULL). Only a NULL answer costs the extra test. */
static bool live_view(napi_env env, napi_value value, void *const *out) {
  return *out != NULL || !ak_is_detached(env, value);
}

/* The same for a view that Node-API reports as `count` elements or bytes long: an empty one may
 * be past the end of its shrunk resizable buffer, where its address names no memory of it. */
static bool live_sized_view(napi_env env, napi_value value, void *const *out, size_t count) {
  if (*out == NULL) return !ak_is_detached(env, value);
  return count != 0 || !out_of_bounds(env, value);
}

bool ak_view_address(napi_env env, napi_value value, void **out, size_t *len) {
  /* Node-API returns the data pointer of a view with its byte offset already applied. The info
   * call doubles as the type test for the common case, a TypedArray: it fails on anything else.
   * Asking for the ArrayBuffer too would cost an extra handle per call. */
  napi_typedarray_type type;
  size_t count = 0, bytes = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, out, NULL, NULL) == napi_ok) {
    if (!live_sized_view(env, value, out, count)) return false;
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
  /* Some hosts' Node-API write every out-parameter, NULL or not: lengths go somewhere. */
  if (len == NULL) len = &bytes;
  bool yes = false;
  if (napi_is_dataview(env, value, &yes) == napi_ok && yes) {
    napi_value ab;
    size_t offset = 0;
    return napi_get_dataview_info(env, value, len, out, &ab, &offset) == napi_ok &&
           live_sized_view(env, value, out, *len);
  }
  /* The info call is the type test again. Newer Node-API versions (Node.js 22.21, 24.9) answer it
   * for a SharedArrayBuffer too; older ones refuse one, which shared_buffer_address handles. */
  if (napi_get_arraybuffer_info(env, value, out, len) == napi_ok) return live_view(env, value, out);
  return shared_buffer_address(env, value, out, len);
}

bool ak_view_buffer(napi_env env, napi_value value, napi_value *buffer, size_t *offset) {
  /* Every out-parameter gets a place: some hosts write them all (see ak_view_address). */
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  bool yes = false;
  *offset = 0;
  *buffer = value;
  if (napi_is_typedarray(env, value, &yes) == napi_ok && yes)
    return napi_get_typedarray_info(env, value, &type, &count, &data, buffer, offset) == napi_ok;
  if (napi_is_dataview(env, value, &yes) == napi_ok && yes)
    return napi_get_dataview_info(env, value, &count, &data, buffer, offset) == napi_ok;
  return true;
}

/* Integers up to 2^53 - 1 in magnitude are exact as doubles; NaN fails every comparison. */
static bool safe_integer(double d) {
  return d >= -AK_SAFE_INT && d <= AK_SAFE_INT && d == (double)(int64_t)d;
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
    if (!safe_integer(d)) return AK_PTR_BAD_RANGE;
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
    if (ak_view_address(env, value, out, &len)) return AK_PTR_OK;
    return ak_is_detached(env, value) ? AK_PTR_DETACHED : AK_PTR_BAD_TYPE;
  }
  default:
    return AK_PTR_BAD_TYPE;
  }
}

void ak_throw_pointer(napi_env env, ak_ptr_status status, const char *fn, uint32_t index,
                      const char *what, const char *types) {
  assert(status != AK_PTR_OK);
  const char *cls = status == AK_PTR_BAD_RANGE ? "RangeError" : "TypeError";
  const char *code = status == AK_PTR_BAD_RANGE  ? "ERR_ARKFFI_OUT_OF_RANGE"
                     : status == AK_PTR_DETACHED ? "ERR_ARKFFI_DETACHED"
                                                 : "ERR_ARKFFI_INVALID_ARG_TYPE";
  char problem[192];
  if (status == AK_PTR_BAD_TYPE)
    snprintf(problem, sizeof problem, "%s a pointer: %s", what != NULL ? "must be" : "expected",
             types);
  else
    snprintf(problem, sizeof problem, "%s%s",
             status == AK_PTR_BAD_RANGE && what == NULL ? "a pointer " : "",
             status == AK_PTR_BAD_RANGE ? "must be a safe integer or a BigInt of at most 64 bits"
                                        : AK_DETACHED_PROBLEM);
  if (what != NULL)
    ak_throw_arg(env, cls, code, fn, index, what, problem);
  else
    ak_throw(env, cls, code, "%s", problem);
}

bool ak_pointer_from_js(napi_env env, napi_value value, void **out) {
  ak_ptr_status status = ak_pointer_parse(env, value, out);
  if (status != AK_PTR_OK) ak_throw_pointer(env, status, NULL, 0, NULL, AK_POINTER_TYPES);
  return status == AK_PTR_OK;
}

static void throw_null(napi_env env) {
  ak_throw_arg(env, "Error", "ERR_ARKFFI_NULL_POINTER", NULL, 0, "address",
               "is NULL, where there is no memory");
}

/* An optional byte offset (argument `index`): undefined means 0; otherwise a number that is a
 * safe integer. Negative offsets reach memory before the address, as in C. */
static bool offset_arg(napi_env env, napi_value value, uint32_t index, int64_t *out) {
  napi_valuetype type = napi_undefined;
  double d = 0;
  *out = 0;
  if (ak_failed(env, napi_typeof(env, value, &type))) return false;
  if (type == napi_undefined) return true;
  if (type != napi_number) {
    ak_throw_arg(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", NULL, index, "byteOffset",
                 "must be a number");
    return false;
  }
  napi_get_value_double(env, value, &d);
  if (!safe_integer(d)) {
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, index, "byteOffset",
                 "must be a safe integer");
    return false;
  }
  *out = (int64_t)d;
  return true;
}

/* What address_arg found: the address, and how many bytes from it are known to be there. */
typedef struct {
  unsigned char *p;
  size_t room;  /* SIZE_MAX for a raw address, which is trusted */
  bool buffer;  /* the address is a JS buffer's, bounded by `room` */
  int64_t base; /* the byte offset applied, for messages */
} ak_address;

/* Reads the address (argument 1) and, when `with_offset`, adds the byte offset (argument 2). A
 * NULL address is refused when `nonnull`; otherwise it stays NULL whatever the offset, since NULL
 * plus an offset is the address of nothing. An offset that lands on NULL is refused as well. A JS
 * buffer's offset must stay within it (its end included: zero bytes may be read there). */
static bool address_arg(napi_env env, napi_value *argv, bool with_offset, bool nonnull,
                        ak_address *out) {
  void *p = NULL;
  int64_t offset = 0;
  size_t len = 0;
  napi_valuetype type = napi_undefined;
  if (ak_failed(env, napi_typeof(env, argv[0], &type))) return false;
  out->buffer = type == napi_object && ak_view_address(env, argv[0], &p, &len);
  if (!out->buffer) {
    ak_ptr_status status = ak_pointer_parse(env, argv[0], &p);
    if (status != AK_PTR_OK) {
      ak_throw_pointer(env, status, NULL, 0, "address", AK_POINTER_TYPES);
      return false;
    }
  }
  if (with_offset && !offset_arg(env, argv[1], 1, &offset)) return false;
  out->base = offset;
  out->room = SIZE_MAX;
  if (out->buffer) {
    if (offset < 0 || (uint64_t)offset > len) {
      char problem[128];
      snprintf(problem, sizeof problem, "must be from 0 to %zu, the buffer's byteLength", len);
      ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, 1, "byteOffset", problem);
      return false;
    }
    out->room = len - (size_t)offset;
  }
  /* A buffer's data is NULL only when it has no bytes: `room` refuses every read of it. */
  if (p == NULL && nonnull && !out->buffer) {
    throw_null(env);
    return false;
  }
  if (p == NULL) {
    out->p = NULL;
    return true;
  }
  /* In integers: the compiler may assume that pointer arithmetic never yields NULL. */
  uintptr_t address = (uintptr_t)p + (uintptr_t)offset;
  out->p = (unsigned char *)address;
  if (address == 0) {
    ak_throw_arg(env, "Error", "ERR_ARKFFI_NULL_POINTER", NULL, 1, "byteOffset",
                 "takes the address to NULL, where there is no memory");
    return false;
  }
  return true;
}

/* Refuses a read or write (`what`) of `need` bytes that does not fit a buffer address. */
static bool access_fits(napi_env env, const ak_address *a, size_t need, const char *what) {
  if (need <= a->room) return true;
  char problem[160];
  size_t len = (size_t)a->base + a->room;
  if (len < need) {
    snprintf(problem, sizeof problem, "is a buffer of %zu bytes, fewer than the %s takes (%zu)",
             len, what, need);
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, 0, "address", problem);
  } else {
    snprintf(problem, sizeof problem,
             "must be at most %zu: the buffer has %zu bytes and the %s takes %zu", len - need, len,
             what, need);
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, 1, "byteOffset", problem);
  }
  return false;
}

/* Refuses a byte length (argument `index`) beyond the end of a buffer address. */
static bool length_fits(napi_env env, const ak_address *a, size_t len, uint32_t index) {
  if (len <= a->room) return true;
  char problem[160];
  snprintf(problem, sizeof problem,
           "must be at most %zu, the bytes the buffer has from offset %lld", a->room,
           (long long)a->base);
  ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, index, "byteLength", problem);
  return false;
}

/* A byte length (argument `index`): a number that is a non-negative safe integer. */
static bool length_arg(napi_env env, napi_value value, uint32_t index, const char *name,
                       size_t *out) {
  double d = -1;
  napi_get_value_double(env, value, &d);
  if (!(d >= 0 && safe_integer(d))) {
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, index, name,
                 "must be a non-negative safe integer");
    return false;
  }
  *out = (size_t)d;
  return true;
}

/* An optional byte length (argument `index`): undefined or null means "up to the first NUL",
 * reported as `*bounded` false. */
static bool optional_length_arg(napi_env env, napi_value value, uint32_t index, const char *name,
                                bool *bounded, size_t *out) {
  napi_valuetype type = napi_undefined;
  if (ak_failed(env, napi_typeof(env, value, &type))) return false;
  *bounded = type != napi_undefined && type != napi_null;
  return !*bounded || length_arg(env, value, index, name, out);
}

/* ptr(view, byteOffset?) -> the address of the view's first byte (plus byteOffset). */
napi_value ak_js_ptr(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], out;
  void *data = NULL;
  int64_t offset = 0;
  /* Node-API fills the arguments not passed with undefined. */
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (!ak_view_address(env, argv[0], &data, &len)) {
    if (ak_is_detached(env, argv[0])) {
      ak_throw_arg(env, "TypeError", "ERR_ARKFFI_DETACHED", NULL, 0, "view", AK_DETACHED_PROBLEM);
      return NULL;
    }
    ak_throw_arg(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", NULL, 0, "view",
                 "must be an ArrayBuffer, SharedArrayBuffer, TypedArray, Buffer or DataView");
    return NULL;
  }
  if (!offset_arg(env, argv[1], 1, &offset)) return NULL;
  /* The address of a byte of the buffer, or of its end: anything else is not the buffer's. */
  if (offset < 0 || (uint64_t)offset > len) {
    char problem[128];
    snprintf(problem, sizeof problem, "must be from 0 to %zu, the buffer's byteLength", len);
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, 1, "byteOffset", problem);
    return NULL;
  }
  if (ak_failed(env, napi_create_double(env, (double)((uintptr_t)data + (uintptr_t)offset), &out)))
    return NULL;
  return out;
}

/* The arguments of read() or write() (`what`, with `n` of them) into argv, and the kind they
 * name (argument 2), which must be one memory holds as a number or a BigInt; -1 with the error
 * thrown otherwise. */
static int32_t memory_call(napi_env env, napi_callback_info info, size_t n, napi_value *argv,
                           const char *what) {
  size_t argc = n;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return -1;
  int32_t kind = -1;
  napi_get_value_int32(env, argv[2], &kind);
  if (argc < n || kind < 0 || kind >= AK_KIND_COUNT || ak_kinds[kind].read == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: unsupported type index %d", what,
             kind);
    return -1;
  }
  return kind;
}

/* read(address, byteOffset, kindIndex) -> the scalar stored there. */
napi_value ak_js_read(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  ak_address a;
  int32_t kind = memory_call(env, info, 3, argv, "read");
  if (kind < 0 || !address_arg(env, argv, true, true, &a) ||
      !access_fits(env, &a, ak_scalar_type(kind)->size, "read"))
    return NULL;
  return ak_kinds[kind].read(env, a.p);
}

/* write(address, byteOffset, kind, value): stores `value` at address + byteOffset as a `kind`.
 * The TypeScript layer has checked the value against the kind: a number for the kinds up to 32
 * bits and the floats, a BigInt in range for the 64-bit integers and pointers. */
napi_value ak_js_write(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  ak_address a;
  int32_t kind = memory_call(env, info, 4, argv, "write");
  if (kind < 0) return NULL;
  /* The value first: a refused one must write nothing. */
  unsigned char scratch[sizeof(ak_value)];
  size_t size = ak_scalar_type(kind)->size;
  if (!ak_kinds[kind].write(env, argv[3], scratch)) {
    ak_throw_arg(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", NULL, 2, "value",
                 "is not a value the type takes");
    return NULL;
  }
  if (!address_arg(env, argv, true, true, &a) || !access_fits(env, &a, size, "write")) return NULL;
  memcpy(a.p, scratch, size);
  return NULL;
}

/* alloc(byteLength) -> address: zeroed memory from the C heap, for free() (lib/memory.ts keeps
 * the addresses it handed out, so that only those are freed). */
napi_value ak_js_alloc(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double len = 0;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 1 || napi_get_value_double(env, argv[0], &len) != napi_ok || !(len >= 1) ||
      len > (double)AK_SAFE_INT || len != (double)(size_t)len) {
    ak_throw_arg(env, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", NULL, 0, "byteLength",
                 "must be a positive safe integer");
    return NULL;
  }
  void *p = calloc(1, (size_t)len);
  if (p == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory allocating %.0f bytes", len);
    return NULL;
  }
  return ak_make_u64(env, (uintptr_t)p);
}

/* free(address): gives back memory from alloc(), which the TypeScript layer has checked. */
napi_value ak_js_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *p = NULL;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 1 || ak_pointer_parse(env, argv[0], &p) != AK_PTR_OK) {
    ak_throw_arg(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", NULL, 0, "address",
                 "must be an address alloc() gave");
    return NULL;
  }
  free(p);
  return NULL;
}

/* The arguments of readCString and toArrayBuffer, (address, byteOffset, byteLength?, ...), read. */
typedef struct {
  napi_value argv[4];
  ak_address at;
  bool bounded; /* a byteLength was given: `len` */
  size_t len;
} memory_span;

/* Reads a span's arguments; `nonnull` as for address_arg. */
static bool span_args(napi_env env, napi_callback_info info, bool nonnull, memory_span *span) {
  size_t argc = 4;
  span->len = 0;
  return !ak_failed(env, napi_get_cb_info(env, info, &argc, span->argv, NULL, NULL)) &&
         address_arg(env, span->argv, true, nonnull, &span->at) &&
         optional_length_arg(env, span->argv[2], 2, "byteLength", &span->bounded, &span->len) &&
         (!span->bounded || length_fits(env, &span->at, span->len, 2));
}

/* readCString(address, byteOffset?, byteLength?, unit?) -> string. NULL reads as '', whatever the
 * offset. `unit` is the bytes of a code unit: 1 (UTF-8, the default), 2 (UTF-16) or 4 (UTF-32),
 * as the TypeScript layer checked. The read stops at the first zero unit or after byteLength
 * bytes, whichever comes first; in a JS buffer, at its end too, and a byteLength beyond that end
 * is refused. */
napi_value ak_js_read_cstring(napi_env env, napi_callback_info info) {
  memory_span span;
  uint32_t unit = 1;
  if (!span_args(env, info, false, &span)) return NULL;
  napi_get_value_uint32(env, span.argv[3], &unit);
  if (unit != 1 && unit != 2 && unit != 4) unit = 1;
  if (span.at.p == NULL) return ak_text_to_js(env, "", 1, 0);
  size_t max = span.bounded ? span.len : span.at.buffer ? span.at.room : SIZE_MAX;
  return ak_text_to_js(env, span.at.p, unit, ak_text_units(span.at.p, unit, max / unit));
}

/* readMemory(address, byteLength) -> a new ArrayBuffer holding a copy of those bytes. */
napi_value ak_js_read_memory(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], out;
  ak_address a;
  void *data = NULL;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (!address_arg(env, argv, false, false, &a) ||
      !length_arg(env, argv[1], 1, "byteLength", &len) || !length_fits(env, &a, len, 1))
    return NULL;
  const unsigned char *p = a.p;
  /* Zero bytes at NULL is an empty copy, not a read. */
  if (p == NULL && len > 0) {
    throw_null(env);
    return NULL;
  }
  if (ak_failed(env, napi_create_arraybuffer(env, len, &data, &out))) return NULL;
  if (len > 0) memcpy(data, p, len);
  return out;
}

/* An ArrayBuffer that views a JS buffer holds a reference to it until the view is collected, so
 * the memory it shows is not collected under it. */
static void release_viewed(napi_env env, void *data, void *hint) {
  napi_delete_reference(env, hint);
}

/* toArrayBuffer(address, byteOffset?, byteLength?) -> an ArrayBuffer that views C memory in
 * place (no copy). Without byteLength the memory is taken to be a NUL-terminated string. The
 * memory stays C's: the caller keeps it alive while the view is used. A view of a JS buffer stays
 * within it and keeps it alive. */
napi_value ak_js_to_arraybuffer(napi_env env, napi_callback_info info) {
  memory_span span;
  napi_value out;
  if (!span_args(env, info, true, &span)) return NULL;
  const ak_address a = span.at;
  size_t len = span.len;
  if (a.p == NULL) {
    /* An empty buffer: nothing to view. */
    void *none;
    if (ak_failed(env, napi_create_arraybuffer(env, 0, &none, &out))) return NULL;
    return out;
  }
  if (!span.bounded)
    len = a.buffer ? strnlen((const char *)a.p, a.room) : strlen((const char *)a.p);
  napi_ref viewed = NULL;
  if (a.buffer && ak_failed(env, napi_create_reference(env, span.argv[0], 1, &viewed))) return NULL;
  if (ak_failed(env, napi_create_external_arraybuffer(
                         env, a.p, len, viewed != NULL ? release_viewed : NULL, viewed, &out))) {
    if (viewed != NULL) napi_delete_reference(env, viewed);
    return NULL;
  }
  return out;
}
