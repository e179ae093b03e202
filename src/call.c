/*
 * call.c - function definitions and the call itself.
 *
 * define() does all type analysis once: it resolves the types, prepares the libffi call
 * interface (ffi_cif) and returns a native function bound to the definition. A call then only
 * converts values.
 *
 * The contract with the generated JS wrapper (lib/wrapper.ts):
 *  - Argument i (0-based) arrives in slot i + 1 as a double, already validated, when the wrapper
 *    could express it as a number.
 *  - "Reference" parameters (64-bit integers, pointers, C strings, structs by value) also get a
 *    Node-API argument, in parameter order. It is `undefined` when the slot holds the value, and
 *    otherwise the JS value itself (BigInt, string, buffer, ...), converted here.
 *  - Results that fit a double are written to slot 0 and the entry returns undefined; everything
 *    else (BigInts, strings, struct bytes) is returned as a JS value.
 * Every slot is read before the target runs and slot 0 is written after it returns, so calls
 * nested inside callbacks are safe.
 */
#include "arkffi.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calls with up to this many arguments convert them on the C stack (no heap allocation). */
#define AK_STACK_ARGS 32
/* C strings up to this many bytes in total per call are converted on the C stack too. */
#define AK_STACK_STRINGS 1024
/* Struct results up to this size are received on the C stack. */
#define AK_STACK_RESULT 256

typedef struct ak_fn {
  void *addr;
  ak_lib *lib; /* NULL for a bare function pointer */
  ak_state *state;
  ffi_cif cif;
  ak_type *ret;
  ak_type **args;
  ffi_type **ffi_args;
  int32_t *ref_index; /* per argument: its Node-API argument index, or -1 */
  uint32_t nargs;
  uint32_t nref;
  char *name;
} ak_fn;

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

/* Storage for one call's converted arguments; on the stack for common calls. */
typedef struct {
  ak_value vals_buf[AK_STACK_ARGS];
  void *avalues_buf[AK_STACK_ARGS];
  char *owned_buf[AK_STACK_ARGS];
  ak_value *vals;
  void **avalues;
  char **owned; /* heap strings to free after the call, one entry per argument at most */
  size_t nowned;
  char strings[AK_STACK_STRINGS];
  size_t strings_used;
} ak_frame;

static bool is_ref_kind(ak_kind kind) {
  switch (kind) {
  case AK_I64:
  case AK_U64:
  case AK_I64_BIG:
  case AK_U64_BIG:
  case AK_PTR:
  case AK_CSTRING:
  case AK_STRUCT:
    return true;
  default:
    return false;
  }
}

static void fn_free(ak_fn *fn) {
  if (fn->args != NULL)
    for (uint32_t i = 0; i < fn->nargs; i++)
      ak_type_free(fn->args[i]);
  ak_type_free(fn->ret);
  if (fn->lib != NULL) ak_lib_release(fn->lib);
  free(fn->args);
  free(fn->ffi_args);
  free(fn->ref_index);
  free(fn->name);
  free(fn);
}

static void fn_finalize(napi_env env, void *data, void *hint) {
  fn_free(data);
}

static void throw_arg(napi_env env, const ak_fn *fn, uint32_t i, const char *cls, const char *code,
                      const char *problem) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s(): argument %u (%s) %s", fn->name, i + 1,
           ak_kind_name(fn->args[i]->kind), problem);
  napi_value err = ak_make_error(env, cls, code, msg), index;
  if (err == NULL) {
    napi_throw_error(env, code, msg);
    return;
  }
  napi_create_uint32(env, i, &index);
  napi_set_named_property(env, err, "argIndex", index);
  napi_throw(env, err);
}

/* A JS string argument as a NUL-terminated UTF-8 copy: in the frame's stack area when it fits,
 * else on the heap (freed after the call). */
static bool string_arg(napi_env env, ak_frame *f, napi_value value, char **out) {
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

static bool int64_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, bool is_signed,
                      ak_value *out) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  bool lossless = false;
  if (type == napi_bigint) {
    napi_status status = is_signed ? napi_get_value_bigint_int64(env, value, &out->i64, &lossless)
                                   : napi_get_value_bigint_uint64(env, value, &out->u64, &lossless);
    if (status == napi_ok && lossless) return true;
    throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE", "is out of range");
    return false;
  }
  throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "must be a number or a BigInt");
  return false;
}

static bool pointer_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, void **out) {
  switch (ak_pointer_parse(env, value, out)) {
  case AK_PTR_OK: return true;
  case AK_PTR_BAD_RANGE:
    throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE",
              "must be a safe integer or a BigInt of at most 64 bits");
    return false;
  case AK_PTR_BAD_TYPE: break;
  }
  throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
            fn->args[i]->kind == AK_CSTRING
                ? "must be a string, null, a pointer or a buffer"
                : "must be a pointer: a number, BigInt, null, ArrayBuffer or ArrayBufferView");
  return false;
}

static bool struct_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, void **out) {
  size_t len = 0;
  if (!ak_view_address(env, value, out, &len) || *out == NULL) {
    throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
              "must be an ArrayBuffer or ArrayBufferView holding the struct");
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

/* Converts argument i into f->vals[i] / f->avalues[i]. `ref` is its Node-API value or NULL. */
static bool convert_arg(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, double slot,
                        napi_value ref) {
  ak_value *v = &f->vals[i];
  f->avalues[i] = v;
  napi_valuetype type = napi_undefined;
  if (ref != NULL) napi_typeof(env, ref, &type);
  bool from_slot = type == napi_undefined;

  switch (fn->args[i]->kind) {
  case AK_BOOL: v->u8 = slot != 0; return true;
  case AK_I8: v->i8 = (int8_t)slot; return true;
  case AK_U8: v->u8 = (uint8_t)slot; return true;
  case AK_I16: v->i16 = (int16_t)slot; return true;
  case AK_U16: v->u16 = (uint16_t)slot; return true;
  case AK_I32: v->i32 = (int32_t)slot; return true;
  case AK_U32: v->u32 = (uint32_t)slot; return true;
  case AK_F32: v->f32 = (float)slot; return true;
  case AK_F64: v->f64 = slot; return true;
  case AK_I64:
  case AK_I64_BIG:
    if (from_slot) v->i64 = (int64_t)slot;
    return from_slot || int64_arg(env, fn, i, ref, true, v);
  case AK_U64:
  case AK_U64_BIG:
    if (from_slot) v->u64 = (uint64_t)slot;
    return from_slot || int64_arg(env, fn, i, ref, false, v);
  case AK_PTR:
    /* A negative number is a two's-complement address, as C would cast it. */
    if (from_slot) v->ptr = (void *)(intptr_t)(int64_t)slot;
    return from_slot || pointer_arg(env, fn, i, ref, &v->ptr);
  case AK_CSTRING:
    if (from_slot) {
      v->ptr = (void *)(intptr_t)(int64_t)slot;
      return true;
    }
    if (type == napi_string) {
      char *s = NULL;
      if (string_arg(env, f, ref, &s)) {
        v->ptr = s;
        return true;
      }
      ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory copying argument %u",
               fn->name, i + 1);
      return false;
    }
    return pointer_arg(env, fn, i, ref, &v->ptr);
  case AK_STRUCT:
    /* libffi copies the struct from avalues[i]; the buffer's bytes are the struct. */
    return struct_arg(env, fn, i, ref, &f->avalues[i]);
  case AK_VOID:
  case AK_KIND_COUNT:
    break;
  }
  assert(!"unreachable argument kind");
  return false;
}

static napi_value convert_result(napi_env env, const ak_fn *fn, const void *rvalue) {
  const ak_value *r = rvalue;
  double *out = fn->state->slots;
  napi_value value = NULL;
  switch (fn->ret->kind) {
  case AK_VOID: return NULL;
  case AK_BOOL: out[0] = (uint8_t)r->word != 0; return NULL;
  case AK_I8: out[0] = (int8_t)r->word; return NULL;
  case AK_U8: out[0] = (uint8_t)r->word; return NULL;
  case AK_I16: out[0] = (int16_t)r->word; return NULL;
  case AK_U16: out[0] = (uint16_t)r->word; return NULL;
  case AK_I32: out[0] = (int32_t)r->word; return NULL;
  case AK_U32: out[0] = (uint32_t)r->word; return NULL;
  case AK_F32: out[0] = r->f32; return NULL;
  case AK_F64: out[0] = r->f64; return NULL;
  case AK_I64:
    if (r->i64 >= -AK_SAFE_INT && r->i64 <= AK_SAFE_INT) {
      out[0] = (double)r->i64;
      return NULL;
    }
    return ak_make_i64(env, r->i64);
  case AK_U64:
  case AK_PTR:
    if (r->u64 <= (uint64_t)AK_SAFE_INT) {
      out[0] = (double)r->u64;
      return NULL;
    }
    return ak_make_u64(env, r->u64);
  case AK_I64_BIG: napi_create_bigint_int64(env, r->i64, &value); return value;
  case AK_U64_BIG: napi_create_bigint_uint64(env, r->u64, &value); return value;
  case AK_CSTRING:
    if (r->ptr == NULL)
      napi_get_null(env, &value);
    else
      napi_create_string_utf8(env, r->ptr, NAPI_AUTO_LENGTH, &value);
    return value;
  case AK_STRUCT: {
    void *data = NULL;
    if (ak_failed(env, napi_create_arraybuffer(env, fn->ret->size, &data, &value))) return NULL;
    memcpy(data, rvalue, fn->ret->size);
    return value;
  }
  case AK_KIND_COUNT: break;
  }
  assert(!"unreachable result kind");
  return NULL;
}

static bool frame_init(ak_frame *f, uint32_t nargs) {
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

static void frame_release(ak_frame *f) {
  for (size_t i = 0; i < f->nowned; i++)
    free(f->owned[i]);
  if (f->vals != f->vals_buf) {
    free(f->vals);
    free(f->avalues);
    free(f->owned);
  }
}

/* The native entry of every defined function. */
static napi_value invoke(napi_env env, napi_callback_info info) {
  ak_fn *fn = NULL;
  napi_value stack_argv[AK_STACK_ARGS];
  size_t argc = AK_STACK_ARGS;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, stack_argv, NULL, (void **)&fn)))
    return NULL;
  assert(fn != NULL);
  napi_value *argv = stack_argv;
  if (fn->nref > AK_STACK_ARGS) {
    argv = malloc(fn->nref * sizeof *argv);
    argc = fn->nref;
    if (argv == NULL || ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) {
      free(argv);
      return NULL;
    }
  }
  napi_value result = NULL;
  ak_frame frame;
  if (fn->lib != NULL && fn->lib->handle == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_CLOSED", "%s(): the library is closed", fn->name);
    goto done;
  }
  if (!frame_init(&frame, fn->nargs)) {
    frame_release(&frame);
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    goto done;
  }

  const double *slots = fn->state->slots + 1;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    int32_t r = fn->ref_index[i];
    napi_value ref = r >= 0 && (size_t)r < argc ? argv[r] : NULL;
    if (!convert_arg(env, fn, &frame, i, slots[i], ref)) goto release;
  }

  _Alignas(16) unsigned char rbuf[AK_STACK_RESULT];
  void *rvalue = rbuf;
  if (fn->ret->size > sizeof rbuf && (rvalue = malloc(fn->ret->size)) == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    goto release;
  }
  /* errno is cleared before and captured right after the target, before the runtime can touch
   * it, so errno() reports exactly what this call left. */
  errno = 0;
  ffi_call(&fn->cif, FFI_FN(fn->addr), rvalue, frame.avalues);
  fn->state->last_errno = errno;
  result = convert_result(env, fn, rvalue);
  if (rvalue != rbuf) free(rvalue);

release:
  frame_release(&frame);
done:
  if (argv != stack_argv) free(argv);
  return result;
}

/* C's default argument promotions, which a variadic argument undergoes. */
static ak_type *promote_vararg(ak_type *t) {
  switch (t->kind) {
  case AK_BOOL:
  case AK_I8:
  case AK_U8:
  case AK_I16:
  case AK_U16: return (ak_type *)ak_scalar_type(AK_I32);
  case AK_F32: return (ak_type *)ak_scalar_type(AK_F64);
  default: return t;
  }
}

static bool read_address(napi_env env, napi_value value, void **out) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_number || type == napi_bigint) return ak_pointer_from_js(env, value, out);
  ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
           "a function address must be a number or a BigInt");
  return false;
}

/* define(address, library | null, argTypes[], returnType, fixedCount, name) -> function.
 * fixedCount is -1 for an ordinary function, or the number of fixed parameters of a variadic
 * one (the remaining argTypes are that call shape's variadic arguments, already promoted). */
napi_value ak_js_define(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 6) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "define needs 6 arguments");
    return NULL;
  }
  ak_fn *fn = calloc(1, sizeof *fn);
  if (fn == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
    return NULL;
  }
  fn->state = ak_state_get(env);
  if (!read_address(env, argv[0], &fn->addr)) goto fail;
  napi_valuetype lib_type;
  napi_typeof(env, argv[1], &lib_type);
  if (lib_type != napi_null) {
    if ((fn->lib = ak_lib_unwrap(env, argv[1])) == NULL) goto fail;
    ak_lib_retain(fn->lib);
  }
  if ((fn->name = ak_string_dup(env, argv[5], "the function name")) == NULL) goto fail;

  uint32_t nargs = 0;
  bool is_array = false;
  napi_is_array(env, argv[2], &is_array);
  if (!is_array || ak_failed(env, napi_get_array_length(env, argv[2], &nargs))) {
    if (!is_array)
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "%s: args must be an array",
               fn->name);
    goto fail;
  }
  if (nargs > AK_MAX_ARGS) {
    ak_throw(env, "RangeError", "ERR_ARKFFI_TOO_MANY_ARGS", "%s: at most %d arguments", fn->name,
             AK_MAX_ARGS);
    goto fail;
  }
  int32_t nfixed = -1;
  napi_get_value_int32(env, argv[4], &nfixed);

  fn->args = calloc(nargs ? nargs : 1, sizeof *fn->args);
  fn->ffi_args = calloc(nargs ? nargs : 1, sizeof *fn->ffi_args);
  fn->ref_index = calloc(nargs ? nargs : 1, sizeof *fn->ref_index);
  if (fn->args == NULL || fn->ffi_args == NULL || fn->ref_index == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
    goto fail;
  }
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value desc;
    napi_get_element(env, argv[2], i, &desc);
    ak_type *t = ak_type_from_js(env, desc);
    if (t == NULL) goto fail;
    if (t->kind == AK_VOID) {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: argument %u cannot be void",
               fn->name, i + 1);
      goto fail;
    }
    if (nfixed >= 0 && i >= (uint32_t)nfixed) t = promote_vararg(t);
    fn->args[fn->nargs++] = t;
    fn->ffi_args[i] = t->ffi;
    fn->ref_index[i] = is_ref_kind(t->kind) ? (int32_t)fn->nref++ : -1;
  }
  if ((fn->ret = ak_type_from_js(env, argv[3])) == NULL) goto fail;

  ffi_status st = nfixed >= 0 ? ffi_prep_cif_var(&fn->cif, FFI_DEFAULT_ABI, (unsigned)nfixed,
                                                 nargs, fn->ret->ffi, fn->ffi_args)
                              : ffi_prep_cif(&fn->cif, FFI_DEFAULT_ABI, nargs, fn->ret->ffi,
                                             fn->ffi_args);
  if (st != FFI_OK) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: libffi cannot call this signature",
             fn->name);
    goto fail;
  }

  napi_value out;
  if (ak_failed(env, napi_create_function(env, fn->name, NAPI_AUTO_LENGTH, invoke, fn, &out)))
    goto fail;
  if (ak_failed(env, napi_add_finalizer(env, out, fn, fn_finalize, NULL, NULL))) goto fail;
  return out;
fail:
  fn_free(fn);
  return NULL;
}

/* errno() -> the errno left by the most recent call in this environment. */
napi_value ak_js_errno(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_int32(env, ak_state_get(env)->last_errno, &out);
  return out;
}
