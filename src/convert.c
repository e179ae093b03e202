/*
 * convert.c - a call's arguments from JS to C: what the general path converts itself (64-bit
 * integers given as BigInts, pointers, C strings, struct bytes), the errors about them, and the
 * frame that holds one call's converted arguments.
 *
 * The wrappers (lib/wrapper.ts) validate and pass as numbers whatever a number can carry; what
 * arrives here as a Node-API value is checked again, since C must never take a value JS did not
 * mean.
 */
#include "arkffi.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An error about argument i of fn, which names it by its kind. */
static void throw_arg(napi_env env, const ak_fn *fn, uint32_t i, const char *cls, const char *code,
                      const char *problem) {
  ak_throw_arg(env, cls, code, fn->name, i, ak_kind_name(fn->args[i]->kind), problem);
}

/* A JS string argument as a NUL-terminated UTF-8 copy: in the frame's stack area when it fits,
 * else on the heap (freed after the call). */
bool ak_frame_string(napi_env env, ak_frame *f, napi_value value, char **out) {
  size_t room = AK_STACK_STRINGS - f->strings_used, len = 0;
  if (room >= 8) {
    char *dst = f->strings + f->strings_used;
    if (napi_get_value_string_utf8(env, value, dst, room, &len) != napi_ok) return false;
    /* V8 never splits a character, so a copy that stopped with 4 or more bytes to spare (room
     * for the widest UTF-8 character plus the NUL) is the whole string. */
    if (len + 5 <= room) {
      f->strings_used += len + 1;
      *out = dst;
      return true;
    }
  }
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return false;
  char *heap = malloc(len + 1);
  if (heap == NULL) return false;
  napi_get_value_string_utf8(env, value, heap, len + 1, &len);
  f->owned[f->nowned++] = heap;
  *out = heap;
  return true;
}

/* "the BigInt 123n" for a message: a BigInt's ToString runs no user code. Bounded: a message
 * quotes at most `room` - 1 characters of the value. */
static void bigint_text(napi_env env, napi_value value, char *out, size_t room) {
  napi_value text;
  size_t len = 0;
  char digits[48];
  if (napi_coerce_to_string(env, value, &text) != napi_ok ||
      napi_get_value_string_utf8(env, text, digits, sizeof digits, &len) != napi_ok) {
    snprintf(out, room, "a BigInt");
    return;
  }
  snprintf(out, room, "the BigInt %s%sn", digits, len + 1 >= sizeof digits ? "..." : "");
}

static bool int64_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, bool is_signed,
                      ak_value *out) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  bool lossless = false;
  if (type == napi_bigint) {
    napi_status status = is_signed ? napi_get_value_bigint_int64(env, value, &out->i64, &lossless)
                                   : napi_get_value_bigint_uint64(env, value, &out->u64, &lossless);
    if (status == napi_ok && lossless) return true;
    char got[80], problem[160];
    bigint_text(env, value, got, sizeof got);
    snprintf(problem, sizeof problem, "must be a BigInt in %s, got %s",
             is_signed ? "[-2^63, 2^63 - 1]" : "[0, 2^64 - 1]", got);
    throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", problem);
    return false;
  }
  throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "must be a number or a BigInt");
  return false;
}

bool ak_arg_int64(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  return int64_arg(env, fn, i, value, true, &f->vals[i]);
}

bool ak_arg_uint64(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  return int64_arg(env, fn, i, value, false, &f->vals[i]);
}

/* A big-endian 64-bit integer: the BigInt's integer, its bytes swapped. */
bool ak_arg_int64_be(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  if (!int64_arg(env, fn, i, value, fn->args[i]->kind == AK_I64_BE, &f->vals[i])) return false;
  f->vals[i].u64 = __builtin_bswap64(f->vals[i].u64);
  return true;
}

bool ak_arg_pointer(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  ak_ptr_status status = ak_pointer_parse(env, value, &f->vals[i].ptr);
  if (status != AK_PTR_OK)
    ak_throw_pointer(env, status, fn->name, i, ak_kind_name(fn->args[i]->kind),
                     AK_POINTER_TYPES_UNSHARED);
  return status == AK_PTR_OK;
}

/* A buffer given for a C string: C reads up to a NUL (a zero code unit of the kind's), which must
 * be inside it. The wrapper passes nothing else but strings. */
static bool string_buffer_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value,
                              void **out) {
  unsigned unit = ak_kinds[fn->args[i]->kind].unit;
  size_t len = 0;
  if (!ak_view_address(env, value, out, &len)) {
    bool detached = ak_is_detached(env, value);
    throw_arg(env, fn, i, "TypeError",
              detached ? "ERR_ARKFFI_DETACHED" : "ERR_ARKFFI_INVALID_ARG_TYPE",
              detached ? AK_DETACHED_PROBLEM
                       : "must be a string, null, a CString or a buffer holding a "
                         "NUL-terminated string");
    return false;
  }
  if (ak_text_units(*out, unit, len / unit) < len / unit) return true;
  char problem[128];
  snprintf(problem, sizeof problem,
           "is a buffer of %zu bytes without a NUL: C would read past its end", len);
  throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", problem);
  return false;
}

static bool struct_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, void **out) {
  size_t len = 0;
  if (!ak_view_address(env, value, out, &len) || *out == NULL) {
    bool detached = ak_is_detached(env, value);
    throw_arg(env, fn, i, "TypeError",
              detached ? "ERR_ARKFFI_DETACHED" : "ERR_ARKFFI_INVALID_ARG_TYPE",
              detached ? AK_DETACHED_PROBLEM
                       : "must be an ArrayBuffer or ArrayBufferView holding the struct");
    return false;
  }
  if (len < fn->args[i]->size) {
    char problem[96];
    snprintf(problem, sizeof problem, "needs %zu bytes, the buffer has %zu", fn->args[i]->size,
             len);
    throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", problem);
    return false;
  }
  return true;
}

/* A C string argument given as a JS string (copied into the frame) or a buffer. */
bool ak_arg_cstring(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env, value, &type);
  if (type != napi_string) return string_buffer_arg(env, fn, i, value, &f->vals[i].ptr);
  char *s = NULL;
  if (ak_frame_string(env, f, value, &s)) {
    f->vals[i].ptr = s;
    return true;
  }
  ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory copying argument %u",
           fn->name, i + 1);
  return false;
}

/* A UTF-16 or UTF-32 string argument given as a JS string (a heap copy, freed after the call) or
 * a buffer. */
bool ak_arg_wide_string(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env, value, &type);
  if (type != napi_string) return string_buffer_arg(env, fn, i, value, &f->vals[i].ptr);
  void *text = ak_text_from_js(env, value, ak_kinds[fn->args[i]->kind].unit);
  if (text == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory copying argument %u",
             fn->name, i + 1);
    return false;
  }
  f->owned[f->nowned++] = text;
  f->vals[i].ptr = text;
  return true;
}

/* Converts argument i into f->vals[i] / f->avalues[i]. `ref` is its Node-API value or NULL. */
bool ak_convert_arg(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, double slot,
                    napi_value ref) {
  const ak_type *t = fn->args[i];
  napi_valuetype type = napi_undefined;
  if (ref != NULL) napi_typeof(env, ref, &type);
  bool from_slot = type == napi_undefined;
  f->avalues[i] = &f->vals[i];
  if (t->kind == AK_STRUCT) {
    /* libffi copies the struct from avalues[i]: the bytes of the buffer passed, or at the
     * address in the slot. */
    if (!from_slot) return struct_arg(env, fn, i, ref, &f->avalues[i]);
    if (slot == 0) {
      throw_arg(env, fn, i, "Error", "ERR_ARKFFI_NULL_POINTER", "is a NULL struct address");
      return false;
    }
    f->avalues[i] = (void *)(intptr_t)(int64_t)slot;
    return true;
  }
  const ak_kind_row *row = &ak_kinds[t->kind];
  if (row->engine != NULL) {
    f->vals[i].ptr = row->engine(env, ref);
    return true;
  }
  /* A kind whose values all fit a number takes the slot, whatever else came. */
  assert(row->arg != NULL || !row->ref);
  if (from_slot || !row->ref) {
    ak_kind_from_number(t->kind, slot, &f->vals[i]);
    return true;
  }
  return row->arg(env, fn, f, i, ref);
}

bool ak_frame_init(ak_frame *f, uint32_t nargs) {
  f->nowned = 0;
  f->strings_used = 0;
  if (nargs <= AK_STACK_ARGS) {
    f->vals = f->vals_buf;
    f->avalues = f->avalues_buf;
    f->owned = f->owned_buf;
    return true;
  }
  f->vals = malloc(nargs * sizeof *f->vals);
  f->avalues = malloc(nargs * sizeof *f->avalues);
  f->owned = malloc(nargs * sizeof *f->owned);
  return f->vals != NULL && f->avalues != NULL && f->owned != NULL;
}

void ak_frame_release(ak_frame *f) {
  for (size_t i = 0; i < f->nowned; i++)
    free(f->owned[i]);
  if (f->vals != f->vals_buf) {
    free(f->vals);
    free(f->avalues);
    free(f->owned);
  }
}

/* Fetches up to `n` Node-API arguments into `stack` or, beyond its AK_STACK_ARGS, the heap. */
napi_value *ak_get_refs(napi_env env, napi_callback_info info, uint32_t n, napi_value *stack,
                        size_t *argc) {
  napi_value *argv = n > AK_STACK_ARGS ? malloc(n * sizeof *argv) : stack;
  *argc = n;
  if (argv == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory");
    return NULL;
  }
  if (n > 0 && ak_failed(env, napi_get_cb_info(env, info, argc, argv, NULL, NULL))) {
    if (argv != stack) free(argv);
    return NULL;
  }
  return argv;
}
