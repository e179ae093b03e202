/*
 * call.c - function definitions and the call itself.
 *
 * define() does all type analysis once: it resolves the types, prepares the libffi call
 * interface (ffi_cif), decides whether the fast path can take the signature, and files the
 * definition under an id in the environment's function table. A call then only moves values.
 *
 * The contract with the generated JS wrappers (lib/wrapper.ts): the wrapper names the definition
 * in slot AK_SLOT_FN (the bits of its address, see fn_name), then calls one of three shared
 * entries.
 *
 *  - invoke(...refs), the general path, for any signature, through ffi_call. Argument i arrives
 *    in slot AK_SLOT_ARGS + i as a double, already validated, when the wrapper could express it
 *    as a number. "Reference" parameters (64-bit integers, pointers, C strings, structs) also get
 *    a Node-API argument, in parameter order: `undefined` when the slot holds the value, otherwise
 *    the JS value itself (BigInt, string, buffer), converted here.
 *  - invokeFast(), for signatures whose arguments all travel in registers (fast_plan). The wrapper
 *    writes each argument as a double into the slot define() assigned to its register; C makes
 *    the register images from them (an integer converted exactly, a float rounded into the low
 *    half of its vector register) and calls the target through a cast to a prototype that loads
 *    the argument registers. No libffi. For pointer-free signatures the wrapper calls a copy of
 *    this entry specialised to their shape and result (invokePlain_*, invokeFull_*).
 *  - invokeFastRefs(...refs), the same when some pointer or string arguments need the engine
 *    (buffers, strings the wrapper did not copy itself); refs are as for invoke().
 *
 * In every case results that fit a double are written to slot AK_SLOT_RESULT and the entry
 * returns undefined; other results (BigInts, strings, struct bytes) are returned as JS values.
 * Every slot is read before the target runs and the result slot is written after it returns, so
 * calls nested inside callbacks are safe.
 */
#include "arkffi.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(AK_ABI_INT_REGS <= sizeof(((ak_fn *)0)->fast_ref_arg), "a reference per register");

/* What a fast entry knows, when it is compiled, of the signatures it takes (see FAST_ENTRY).
 * Plain signatures take no pointer, so their calls cannot call back (ak_calls_back). */
typedef enum {
  AK_SHAPE_ANY,   /* any fast signature: the rest is tested at run time */
  AK_SHAPE_SMALL, /* plain, at most 2 integer and 2 vector arguments, none a float */
  AK_SHAPE_FULL,  /* plain, more than the small shape takes */
} ak_shape;

/* What a fast wrapper says about each reference argument it passes to invokeFastRefs (2 bits
 * per reference, in the result slot): nothing passed, a string, an object, something else. */
enum { AK_REF_NONE, AK_REF_STRING, AK_REF_OBJECT, AK_REF_OTHER };

/* Register images: integer registers at AK_SLOT_ARGS.., vector registers 8 slots later. */
#define AK_SLOT_FAST_INT AK_SLOT_ARGS
#define AK_SLOT_FAST_SSE (AK_SLOT_ARGS + 8)

/* The bytes of a function's previous C string result, when it was short. A generated wrapper
 * keeps that result, so a call that returns the same bytes again (a version, a constant, the
 * same error message) hands back nothing and the wrapper returns the string it has: JS strings
 * are values, so it is the same result, without a string made per call. */
#define AK_LAST_STRING 64
typedef struct ak_last_string {
  bool valid; /* the wrapper holds the string of these bytes */
  uint32_t len;
  char bytes[AK_LAST_STRING];
} ak_last_string;

/* The bytes of the last arena string a fast function took at one string argument, so that a
 * wrapper given the same string again copies nothing: the native entry copies these bytes into
 * the arena instead (a string is copied for each call all the same: C may write into it). */
typedef struct ak_arena_string {
  uint8_t slot; /* the argument's register slot, which holds the string's arena address */
  uint8_t len;  /* bytes, NUL included */
  char bytes[AK_ARENA_STRING + 1];
} ak_arena_string;

/* Frees what fn owns; the record itself is the caller's (a table record, or define()'s draft). */
static void fn_free(ak_fn *fn) {
  if (fn->args != NULL)
    for (uint32_t i = 0; i < fn->nargs; i++)
      ak_type_free(fn->args[i]);
  ak_type_free(fn->ret);
  if (fn->lib != NULL) ak_lib_release(fn->lib);
  free(fn->args);
  free(fn->ffi_args);
  free(fn->ref_index);
  free(fn->fast_slot);
  free(fn->last_string);
  free(fn->strings);
  ak_abi_direct_free(fn);
  free(fn->name);
}

/* Node-API runs reference finalizers before the instance-data finalizer at teardown, so the
 * state is still alive here. */
static void fn_finalize(napi_env env, void *data, void *hint) {
  ak_fn_release(data);
}

void ak_fn_retain(ak_fn *fn) {
  fn->refs++;
}

/* The last release takes the definition out of the table: its id may then be reused. */
void ak_fn_release(ak_fn *fn) {
  assert(fn->refs > 0);
  if (--fn->refs > 0) return;
  ak_state *st = fn->state;
  uint32_t id = fn->id;
  assert(id < st->nfns && &st->fns[id].fn == fn);
  fn_free(fn);
  memset(&st->fns[id], 0, sizeof st->fns[id]);
  if (id < st->fns_free) st->fns_free = id;
}

/* The table's records never move: it reserves address space for this many up front (256 MiB
 * of it on 64-bit systems, 4 MiB on others), none of it memory until the table grows into it. */
#define AK_MAX_FNS   (sizeof(void *) == 8 ? 1u << 20 : 1u << 14)
#define AK_FNS_BYTES ((size_t)AK_MAX_FNS * sizeof(ak_fn_record))

/* Teardown: what is left was defined but never adopted by a wrapper. */
void ak_fns_free(ak_state *st) {
  for (uint32_t i = 0; i < st->nfns; i++)
    if (st->fns[i].fn.state != NULL) fn_free(&st->fns[i].fn);
  if (st->fns != NULL) munmap(st->fns, AK_FNS_BYTES);
  st->fns = NULL;
  st->nfns = 0;
}

/* Doubles the usable part of the table; the first time, reserves it. Pages made usable read as
 * zero, that is as free records. */
static bool fns_grow(ak_state *st) {
  if (st->fns == NULL) {
    void *at =
        mmap(NULL, AK_FNS_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (at == MAP_FAILED) return false;
    st->fns = at;
  }
  uint32_t cap = st->nfns ? st->nfns * 2 : 64;
  if (cap > AK_MAX_FNS ||
      mprotect(st->fns, (size_t)cap * sizeof(ak_fn_record), PROT_READ | PROT_WRITE) != 0)
    return false;
  st->nfns = cap;
  return true;
}

/* The double whose bits are fn's address: what a wrapper writes to AK_SLOT_FN. The JS engine
 * copies a number's bits exactly (an address is a subnormal or an ordinary number, never a NaN
 * that could be canonicalised), and C then reads the address with a plain load, where
 * converting a number to an integer would add its latency to every call. */
static double fn_name(const ak_fn *fn) {
  double name;
  uint64_t bits = (uint64_t)(uintptr_t)fn;
  memcpy(&name, &bits, sizeof name);
  return name;
}

/* Files the finished draft under the lowest free id; NULL when the table is full. */
static ak_fn *fns_add(ak_state *st, const ak_fn *draft) {
  uint32_t id = st->fns_free;
  while (id < st->nfns && st->fns[id].fn.state != NULL)
    id++;
  if (id == st->nfns && !fns_grow(st)) return NULL;
  ak_fn *fn = &st->fns[id].fn;
  *fn = *draft;
  fn->id = id;
  st->fns_free = id + 1;
  /* User-space addresses are far below the NaN patterns that fn_name must avoid. */
  assert(fn->state == st && !isnan(fn_name(fn)));
  return fn;
}

ak_fn *ak_fn_unknown(napi_env env) {
  ak_throw(env, "Error", "ERR_ARKFFI_INTERNAL",
           "the call names no function defined in this environment (the slot buffer was "
           "overwritten)");
  return NULL;
}

/* False, with ERR_ARKFFI_CLOSED pending, once fn's library is closed. */
bool ak_fn_open(napi_env env, const ak_fn *fn) {
  if (!*fn->closed) return true;
  ak_throw(env, "Error", "ERR_ARKFFI_CLOSED", "%s(): the library is closed", fn->name);
  return false;
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

static bool pointer_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value, void **out) {
  switch (ak_pointer_parse(env, value, out)) {
  case AK_PTR_OK:
    return true;
  case AK_PTR_BAD_RANGE:
    throw_arg(env, fn, i, "RangeError", "ERR_ARKFFI_OUT_OF_RANGE",
              "must be a safe integer or a BigInt of at most 64 bits");
    return false;
  case AK_PTR_DETACHED:
    throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_DETACHED", AK_DETACHED_PROBLEM);
    return false;
  case AK_PTR_BAD_TYPE:
    break;
  }
  throw_arg(env, fn, i, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
            "must be a pointer: a number, BigInt, null, ArrayBuffer or ArrayBufferView");
  return false;
}

/* A buffer given for a C string: C reads up to a NUL, which must be inside it. The wrapper
 * passes nothing else but strings (lib/wrapper.ts, stringOf). */
static bool string_buffer_arg(napi_env env, const ak_fn *fn, uint32_t i, napi_value value,
                              void **out) {
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
  if (len > 0 && memchr(*out, 0, len) != NULL) return true;
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

/* Converts argument i into f->vals[i] / f->avalues[i]. `ref` is its Node-API value or NULL. */
bool ak_convert_arg(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, double slot,
                    napi_value ref) {
  ak_value *v = &f->vals[i];
  f->avalues[i] = v;
  napi_valuetype type = napi_undefined;
  if (ref != NULL) napi_typeof(env, ref, &type);
  bool from_slot = type == napi_undefined;

  switch (fn->args[i]->kind) {
  case AK_BOOL:
    v->u8 = slot != 0;
    return true;
  case AK_I8:
    v->i8 = (int8_t)slot;
    return true;
  case AK_U8:
    v->u8 = (uint8_t)slot;
    return true;
  case AK_I16:
    v->i16 = (int16_t)slot;
    return true;
  case AK_U16:
    v->u16 = (uint16_t)slot;
    return true;
  case AK_I32:
    v->i32 = (int32_t)slot;
    return true;
  case AK_U32:
    v->u32 = (uint32_t)slot;
    return true;
  case AK_F32:
    v->f32 = (float)slot;
    return true;
  case AK_F64:
    v->f64 = slot;
    return true;
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
    return string_buffer_arg(env, fn, i, ref, &v->ptr);
  case AK_STRUCT:
    /* libffi copies the struct from avalues[i]: the bytes of the buffer passed, or at the
     * address in the slot. */
    if (!from_slot) return struct_arg(env, fn, i, ref, &f->avalues[i]);
    if (slot == 0) {
      throw_arg(env, fn, i, "Error", "ERR_ARKFFI_NULL_POINTER", "is a NULL struct address");
      return false;
    }
    f->avalues[i] = (void *)(intptr_t)(int64_t)slot;
    return true;
  case AK_VOID:
  case AK_KIND_COUNT:
    break;
  }
  assert(!"unreachable argument kind");
  return false;
}

/* A struct result's bytes go to the start of the slot buffer, for the wrapper to copy or decode
 * at once, sparing an ArrayBuffer per call. The slots are free by then: every argument was read
 * before the call, and the id and the arena top are outside this many bytes. */
#define AK_INLINE_STRUCT ((AK_SLOT_ARENA - AK_SLOT_ARGS) * sizeof(double))

/* A result that a double holds exactly goes to the result slot; false for the others. Inlined
 * into the fast entries, where it is the whole of the result conversion. */
static inline bool number_result(ak_kind kind, const ak_value *r, double *out) {
  switch (kind) {
  case AK_VOID:
    return true;
  case AK_BOOL:
    *out = (uint8_t)r->word != 0;
    return true;
  case AK_I8:
    *out = (int8_t)r->word;
    return true;
  case AK_U8:
    *out = (uint8_t)r->word;
    return true;
  case AK_I16:
    *out = (int16_t)r->word;
    return true;
  case AK_U16:
    *out = (uint16_t)r->word;
    return true;
  case AK_I32:
    *out = (int32_t)r->word;
    return true;
  case AK_U32:
    *out = (uint32_t)r->word;
    return true;
  case AK_F32:
    *out = r->f32;
    return true;
  case AK_F64:
    *out = r->f64;
    return true;
  case AK_I64:
    if (r->i64 < -AK_SAFE_INT || r->i64 > AK_SAFE_INT) return false;
    *out = (double)r->i64;
    return true;
  case AK_U64:
  case AK_PTR:
    if (r->u64 > (uint64_t)AK_SAFE_INT) return false;
    *out = (double)r->u64;
    return true;
  default:
    return false;
  }
}

/* A C string result for a generated wrapper: NULL (undefined) when it has the bytes of the
 * previous one, which the wrapper still holds; else the new string, its bytes remembered. */
static napi_value string_result(napi_env env, const ak_fn *fn, const char *s) {
  ak_last_string *last = fn->last_string;
  size_t len = strnlen(s, AK_LAST_STRING);
  bool short_string = len < AK_LAST_STRING;
  if (short_string && last->valid && len == last->len && memcmp(s, last->bytes, len) == 0)
    return NULL;
  napi_value value = NULL;
  last->valid = false;
  if (ak_failed(env,
                napi_create_string_utf8(env, s, short_string ? len : NAPI_AUTO_LENGTH, &value)))
    return NULL;
  if (short_string) {
    memcpy(last->bytes, s, len);
    last->len = (uint32_t)len;
    last->valid = true;
  }
  return value;
}

/* The result at `rvalue` as a JS value, or NULL when it is in the result slot. `wrapper`: the
 * result goes back to a synchronous generated wrapper, which takes struct bytes at the start of
 * the slot buffer and keeps the last string (string_result). */
static napi_value convert_result(napi_env env, const ak_fn *fn, const void *rvalue, bool wrapper) {
  const ak_value *r = rvalue;
  double *out = &fn->state->slots[AK_SLOT_RESULT];
  napi_value value = NULL;
  if (number_result(fn->ret_kind, r, out)) return NULL;
  switch (fn->ret_kind) {
  case AK_I64:
    return ak_make_i64(env, r->i64);
  case AK_U64:
  case AK_PTR:
    return ak_make_u64(env, r->u64);
  case AK_I64_BIG:
    napi_create_bigint_int64(env, r->i64, &value);
    return value;
  case AK_U64_BIG:
    napi_create_bigint_uint64(env, r->u64, &value);
    return value;
  case AK_CSTRING:
    if (wrapper && r->ptr != NULL) return string_result(env, fn, r->ptr);
    if (wrapper) fn->last_string->valid = false; /* the wrapper now holds null */
    if (r->ptr == NULL)
      napi_get_null(env, &value);
    else
      napi_create_string_utf8(env, r->ptr, NAPI_AUTO_LENGTH, &value);
    return value;
  case AK_STRUCT: {
    void *data = NULL;
    if (wrapper && fn->ret->size <= AK_INLINE_STRUCT) {
      memcpy(out, rvalue, fn->ret->size);
      return NULL;
    }
    if (ak_failed(env, napi_create_arraybuffer(env, fn->ret->size, &data, &value))) return NULL;
    memcpy(data, rvalue, fn->ret->size);
    return value;
  }
  default:
    break;
  }
  assert(!"unreachable result kind");
  return NULL;
}

napi_value ak_result_to_js(napi_env env, const ak_fn *fn, const void *rvalue) {
  napi_value value = convert_result(env, fn, rvalue, false);
  if (value != NULL) return value;
  double d = fn->state->slots[AK_SLOT_RESULT];
  switch (fn->ret_kind) {
  case AK_VOID:
    napi_get_undefined(env, &value);
    break;
  case AK_BOOL:
    napi_get_boolean(env, d != 0, &value);
    break;
  case AK_STRUCT:
    break; /* conversion failed; the exception is pending */
  default:
    napi_create_double(env, d, &value);
    break;
  }
  return value;
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

uint64_t ak_passed_refs(const ak_state *st) {
  double mask = st->slots[AK_SLOT_RESULT];
  return mask >= 0 && mask < 9007199254740992.0 ? (uint64_t)mask : UINT64_MAX;
}

napi_value ak_ref_at(const ak_fn *fn, uint32_t i, napi_value *argv, size_t argc, uint64_t passed) {
  int32_t r = fn->ref_index[i];
  if (r < 0 || (size_t)r >= argc) return NULL;
  return r >= 64 || passed == UINT64_MAX || (passed >> r) & 1 ? argv[r] : NULL;
}

/* invoke(...refs): the general path. */
napi_value ak_js_invoke(napi_env env, napi_callback_info info) {
  ak_state *st = ak_state_get(env);
  uint64_t passed = ak_passed_refs(st);
  ak_fn *fn = ak_fn_called(env, st);
  if (fn == NULL || !ak_fn_open(env, fn)) return NULL;
  napi_value stack_argv[AK_STACK_ARGS];
  size_t argc = 0;
  /* No reference passed (all in their slots): no Node-API arguments to fetch. */
  napi_value *argv = ak_get_refs(env, info, passed == 0 ? 0 : fn->nref, stack_argv, &argc);
  if (argv == NULL) return NULL;

  napi_value result = NULL;
  ak_frame frame;
  if (!ak_frame_init(&frame, fn->nargs)) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    goto release;
  }
  const double *slots = &st->slots[AK_SLOT_ARGS];
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (!ak_convert_arg(env, fn, &frame, i, slots[i], ak_ref_at(fn, i, argv, argc, passed)))
      goto release;

  _Alignas(16) unsigned char rbuf[AK_STACK_RESULT];
  void *rvalue = rbuf;
  if (fn->ret->size > sizeof rbuf && (rvalue = malloc(fn->ret->size)) == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    goto release;
  }
  /* errno is cleared before and captured right after the target, before the runtime can touch
   * it, so errno() reports exactly what this call left. */
  errno = 0;
  ak_caller caller = ak_calls_back(st, fn);
  if (fn->direct != NULL)
    ak_abi_direct_call(fn, rvalue, frame.avalues);
  else
    ffi_call(&fn->cif, FFI_FN(fn->addr), rvalue, frame.avalues);
  st->last_errno = errno;
  if (ak_called_back(env, st, caller)) result = convert_result(env, fn, rvalue, true);
  if (rvalue != rbuf) free(rvalue);

release:
  ak_frame_release(&frame);
  if (argv != stack_argv) free(argv);
  return result;
}

#if AK_ABI_INT_REGS > 0
/* The prototypes that load every argument register the fast path uses (abi.h). */
#define AK_INT_PARAMS  AK_ABI_INT_PARAMS
#define AK_INT_ARGS(r) AK_ABI_INT_ARGS(r)
#define AK_SSE_PARAMS  double, double, double, double, double, double, double, double
#define AK_SSE_ARGS(d) d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]

typedef uint64_t (*ak_int_result_fn)(AK_INT_PARAMS, AK_SSE_PARAMS);
typedef double (*ak_sse_result_fn)(AK_INT_PARAMS, AK_SSE_PARAMS);
/* The small shape, for at most two integer and two floating-point arguments: loading fourteen
 * registers for a call that reads two costs a few ns. */
typedef uint64_t (*ak_small_int_result_fn)(uint64_t, uint64_t, double, double);
typedef double (*ak_small_sse_result_fn)(uint64_t, uint64_t, double, double);

/* The image of integer argument register k. The wrapper wrote the argument as one double (a
 * single 8-byte store that this 8-byte load forwards from; building the image from halves in JS
 * stalls), exact because it was validated as a safe integer. C casts it to int64 exactly. Only
 * registers the signature uses are read, a stale slot may hold any double: `nint`, their number,
 * when it is known where this is compiled, else -1 (fn's own count). */
static inline uint64_t int_image(const ak_fn *fn, const double *slots, int k, int nint) {
  int used = nint < 0 ? fn->fast_nint : nint;
  return k < used ? (uint64_t)(int64_t)slots[AK_SLOT_FAST_INT + k] : 0;
}

/* The register image of a float argument written as the double d: the float in the low half. */
static inline double float_image(double d) {
  float f = (float)d;
  uint64_t bits = 0;
  memcpy(&bits, &f, sizeof f);
  memcpy(&d, &bits, sizeof d);
  return d;
}

/* The image of vector argument register k: the double as written, or a float's image. */
static inline double sse_image(const ak_fn *fn, const double *slots, int k) {
  double d = slots[AK_SLOT_FAST_SSE + k];
  return fn->fast_f32_mask >> k & 1 ? float_image(d) : d;
}

/* Calls fn with its argument registers loaded: `ints` holds the integer images (those that
 * invokeFastRefs converted from Node-API values), or NULL when they all come from the slots.
 * Passing more arguments than the callee declares is harmless in these ABIs: the extra
 * registers are simply not read. Inlined into every fast entry, so that a call is one straight
 * run of loads, the call, and a store of the result; `shape`, `ret` and `nint` (the integer
 * arguments, -1 when not known here) are constants there (see FAST_ENTRY). */
static inline __attribute__((always_inline)) napi_value
fast_call(napi_env env, ak_state *st, const ak_fn *fn, const uint64_t *ints, ak_shape shape,
          ak_kind ret, int nint) {
  const double *slots = st->slots;
  ak_value r;
  int *err = st->errno_ptr;
  assert(shape == AK_SHAPE_ANY || (shape == fn->fast_shape && (nint < 0 || nint == fn->fast_nint)));
  bool plain = shape != AK_SHAPE_ANY;
  ak_caller caller = {0, 0};
  if (!plain) caller = ak_calls_back(st, fn);
  if (shape == AK_SHAPE_SMALL || (shape == AK_SHAPE_ANY && fn->fast_small)) {
    uint64_t i0 = ints ? ints[0] : int_image(fn, slots, 0, nint);
    uint64_t i1 = ints ? ints[1] : int_image(fn, slots, 1, nint);
    double d0 = slots[AK_SLOT_FAST_SSE], d1 = slots[AK_SLOT_FAST_SSE + 1];
    if (!plain) {
      d0 = sse_image(fn, slots, 0);
      d1 = sse_image(fn, slots, 1);
    }
    *err = 0;
    if (ret == AK_F64 || ret == AK_F32 || (ret == AK_KIND_COUNT && fn->ret_in_sse))
      r.f64 = ((ak_small_sse_result_fn)fn->addr)(i0, i1, d0, d1);
    else
      r.u64 = ((ak_small_int_result_fn)fn->addr)(i0, i1, d0, d1);
  } else {
    uint64_t i[AK_ABI_INT_REGS] = {0};
    for (int k = 0; k < fn->fast_nint; k++)
      i[k] = ints ? ints[k] : int_image(fn, slots, k, -1);
    /* The vector images are the slots themselves: a float argument's image replaces its
     * double there, the slots being this call's scratch until the target runs. */
    double *d = &st->slots[AK_SLOT_FAST_SSE];
    for (unsigned m = fn->fast_f32_mask; m != 0; m &= m - 1)
      d[__builtin_ctz(m)] = float_image(d[__builtin_ctz(m)]);
    *err = 0;
    if (fn->ret_in_sse)
      r.f64 = ((ak_sse_result_fn)fn->addr)(AK_INT_ARGS(i), AK_SSE_ARGS(d));
    else
      r.u64 = ((ak_int_result_fn)fn->addr)(AK_INT_ARGS(i), AK_SSE_ARGS(d));
  }
  st->last_errno = *err;
  if (!plain && !ak_called_back(env, st, caller)) return NULL;
  if (number_result(ret == AK_KIND_COUNT ? fn->ret_kind : ret, &r, &st->slots[AK_SLOT_RESULT]))
    return NULL;
  return convert_result(env, fn, &r, true);
}

/* What a fast wrapper did with each string argument (lib/wrapper.ts), 2 bits each from bit 16 of
 * the result slot: copied a new string into the arena, or only made room there for the string
 * the argument took last time. */
enum { AK_STRING_NONE, AK_STRING_NEW, AK_STRING_AGAIN };
#define AK_STRING_FLAGS_SHIFT 16

/* First thing in a call that takes strings: remembers each new string's bytes, and copies each
 * repeated one into the room its wrapper made for it. Nothing may fail before this runs: the
 * wrapper counts the new strings as remembered already. */
static void arena_strings(const ak_state *st, ak_fn *fn) {
  uint32_t flags = (uint32_t)st->slots[AK_SLOT_RESULT] >> AK_STRING_FLAGS_SHIFT;
  for (ak_arena_string *s = fn->strings; flags != 0; s++, flags >>= 2) {
    assert(s < fn->strings + AK_ABI_INT_REGS);
    char *at = (char *)(uintptr_t)(int64_t)st->slots[s->slot];
    if ((flags & 3) == AK_STRING_NEW) {
      s->len = (uint8_t)(strnlen(at, AK_ARENA_STRING) + 1);
      memcpy(s->bytes, at, s->len);
    } else if ((flags & 3) == AK_STRING_AGAIN && memcmp(at, s->bytes, s->len) != 0) {
      /* Most often the last call left the same bytes in the same place. Writing them anyway
       * would cost more than comparing: C reading them right after, wider than they were
       * written, would wait for the writes to land. */
      memcpy(at, s->bytes, s->len);
    }
  }
}

/* The arena top as the wrapper left it before copying this call's strings. */
static int32_t arena_mark(const ak_state *st) {
  int32_t mark;
  memcpy(&mark, (const char *)&st->slots[AK_SLOT_ARENA] + sizeof(int32_t), sizeof mark);
  return mark;
}

static void arena_release(ak_state *st, int32_t mark) {
  memcpy(&st->slots[AK_SLOT_ARENA], &mark, sizeof mark);
}

/* invokeFast(): every argument is in its slot. */
static inline __attribute__((always_inline)) napi_value fast_entry(napi_env env, ak_shape shape,
                                                                   ak_kind ret, int nint) {
  ak_state *st = ak_state_get(env);
  ak_fn *fn = ak_fn_called(env, st);
  if (fn == NULL) return NULL;
  assert(fn->fast && (ret == AK_KIND_COUNT || ret == fn->ret_kind));
  bool arena = nint != 0 && fn->uses_arena; /* strings are integer arguments */
  if (arena) arena_strings(st, fn);
  int32_t mark = arena ? arena_mark(st) : 0;
  napi_value result = NULL;
  if (ak_fn_open(env, fn)) result = fast_call(env, st, fn, NULL, shape, ret, nint);
  if (arena) arena_release(st, mark);
  return result;
}

napi_value ak_js_invoke_fast(napi_env env, napi_callback_info info) {
  return fast_entry(env, AK_SHAPE_ANY, AK_KIND_COUNT, -1);
}

/* The same entry specialised for the commonest signatures, so that the compiler drops the tests
 * for what they cannot be: small plain ones by result kind and number of integer arguments, and
 * (invoke_full) the larger plain ones. describe_fn names the entry a wrapper calls. */
#define FAST_ENTRY(kind, nint)                                                                     \
  static napi_value invoke_plain_##kind##_##nint(napi_env env, napi_callback_info info) {          \
    return fast_entry(env, AK_SHAPE_SMALL, kind, nint);                                            \
  }
#define FULL_ENTRY(kind)                                                                           \
  static napi_value invoke_full_##kind(napi_env env, napi_callback_info info) {                    \
    return fast_entry(env, AK_SHAPE_FULL, kind, -1);                                               \
  }
#define FAST_ENTRIES(kind)                                                                         \
  FAST_ENTRY(kind, 0) FAST_ENTRY(kind, 1) FAST_ENTRY(kind, 2) FULL_ENTRY(kind)
FAST_ENTRIES(AK_VOID)
FAST_ENTRIES(AK_I32)
FAST_ENTRIES(AK_F64)
FAST_ENTRIES(AK_U64)
FULL_ENTRY(AK_KIND_COUNT) /* any other result */

#define PLAIN_ENTRY(kind, nint)                                                                    \
  {"invokePlain_" #kind "_" #nint, invoke_plain_##kind##_##nint, AK_SHAPE_SMALL, kind, nint},
#define PLAIN_ENTRIES(kind)                                                                        \
  PLAIN_ENTRY(kind, 0)                                                                             \
  PLAIN_ENTRY(kind, 1)                                                                             \
  PLAIN_ENTRY(kind, 2){"invokeFull_" #kind, invoke_full_##kind, AK_SHAPE_FULL, kind, -1},
static const struct {
  const char *name;
  napi_callback entry;
  ak_shape shape;
  ak_kind kind; /* AK_KIND_COUNT: any */
  int nint;     /* -1: any */
} plain_entries[] = {PLAIN_ENTRIES(AK_VOID) PLAIN_ENTRIES(AK_I32) PLAIN_ENTRIES(AK_F64)
                         PLAIN_ENTRIES(AK_U64){"invokeFull", invoke_full_AK_KIND_COUNT,
                                               AK_SHAPE_FULL, AK_KIND_COUNT, -1}};

/* The native entry a fast wrapper calls when it passes no references: 0 for invokeFast, or 1 +
 * the index of its specialised copy in plain_entries (see ak_plain_entries). */
static int fast_entry_index(const ak_fn *fn) {
  for (size_t i = 0; i < sizeof plain_entries / sizeof plain_entries[0]; i++)
    if (plain_entries[i].shape == fn->fast_shape &&
        (plain_entries[i].kind == AK_KIND_COUNT || plain_entries[i].kind == fn->ret_kind) &&
        (plain_entries[i].nint < 0 || plain_entries[i].nint == fn->fast_nint))
      return 1 + (int)i;
  return 0;
}

/* The specialised entries, for the module's exports. */
napi_value ak_plain_entries(napi_env env) {
  size_t n = sizeof plain_entries / sizeof plain_entries[0];
  napi_value out, fn;
  if (ak_failed(env, napi_create_array_with_length(env, n, &out))) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (ak_failed(env, napi_create_function(env, plain_entries[i].name, NAPI_AUTO_LENGTH,
                                            plain_entries[i].entry, NULL, &fn)) ||
        ak_failed(env, napi_set_element(env, out, (uint32_t)i, fn)))
      return NULL;
  }
  return out;
}

/* invokeFastRefs(...refs): as invokeFast, with the images of the reference arguments the wrapper
 * passed (buffers, strings it did not copy itself, BigInts) converted here. */
napi_value ak_js_invoke_fast_refs(napi_env env, napi_callback_info info) {
  ak_state *st = ak_state_get(env);
  ak_fn *fn = ak_fn_called(env, st);
  if (fn == NULL) return NULL;
  /* Reference arguments are all integer-class (pointers, strings, 64-bit integers), so on the
   * fast path there are at most as many as integer registers. */
  assert(fn->fast && fn->nref <= AK_ABI_INT_REGS);
  if (fn->uses_arena) arena_strings(st, fn);
  int32_t mark = fn->uses_arena ? arena_mark(st) : 0;
  napi_value argv[AK_ABI_INT_REGS], result = NULL;
  size_t argc = fn->nref; /* asking for no more spares Node-API filling the rest in */
  /* Only strings and odd values need a frame (string copies, the general conversion). */
  ak_frame frame;
  bool framed = false;
  if (!ak_fn_open(env, fn)) goto release;
  napi_status status = napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (status != napi_ok) {
    ak_failed(env, status);
    goto release;
  }

  uint64_t ints[AK_ABI_INT_REGS] = {0};
  for (int k = 0; k < fn->fast_nint; k++)
    ints[k] = int_image(fn, st->slots, k, -1);
  /* The wrapper says in the result slot what each reference argument is, 2 bits each. */
  uint32_t mask = (uint32_t)st->slots[AK_SLOT_RESULT] & ((1u << AK_STRING_FLAGS_SHIFT) - 1);
  for (uint32_t r = 0; r < argc; r++) {
    unsigned what = (mask >> (2 * r)) & 3;
    if (what == AK_REF_NONE) continue;
    uint32_t i = fn->fast_ref_arg[r];
    uint64_t *image = &ints[fn->fast_slot[i] - AK_SLOT_FAST_INT];
    void *data;
    size_t count = 0;
    /* A view for a pointer: most often a TypedArray, whose info call is the whole conversion
     * (asked for the address and length alone: Node-API then skips telling the element type).
     * A NULL address may be a detached buffer's, an empty view may be past the end of a shrunk
     * resizable buffer, and a C string's buffer needs its NUL: the general conversion sees to
     * those. */
    if (what == AK_REF_OBJECT && fn->args[i]->kind == AK_PTR &&
        ((napi_get_typedarray_info(env, argv[r], NULL, &count, &data, NULL, NULL) == napi_ok &&
          data != NULL && count != 0) ||
         ak_view_address(env, argv[r], &data, NULL))) {
      *image = (uint64_t)(uintptr_t)data;
      continue;
    }
    if (!framed) {
      ak_frame_init(&frame, fn->nargs); /* nargs fits its stack arrays on the fast path */
      framed = true;
    }
    char *s;
    if (what == AK_REF_STRING && string_arg(env, &frame, argv[r], &s)) {
      *image = (uint64_t)(uintptr_t)s;
    } else {
      /* Anything else, or a value not of the kind announced: the general conversion decides,
       * and throws the precise error. */
      if (!ak_convert_arg(env, fn, &frame, i, 0, argv[r])) goto release;
      *image = frame.vals[i].u64;
    }
  }
  result = fast_call(env, st, fn, ints, AK_SHAPE_ANY, AK_KIND_COUNT, -1);
release:
  if (framed) ak_frame_release(&frame);
  if (fn->uses_arena) arena_release(st, mark);
  return result;
}
#else
static int fast_entry_index(const ak_fn *fn) {
  return 0;
}

napi_value ak_plain_entries(napi_env env) {
  napi_value out = NULL;
  ak_failed(env, napi_create_array(env, &out));
  return out;
}

napi_value ak_js_invoke_fast(napi_env env, napi_callback_info info) {
  ak_throw(env, "Error", "ERR_ARKFFI_INTERNAL", "no fast path on this platform");
  return NULL;
}

napi_value ak_js_invoke_fast_refs(napi_env env, napi_callback_info info) {
  return ak_js_invoke_fast(env, info);
}
#endif

/* C's default argument promotions, which a variadic argument undergoes. */
static ak_type *promote_vararg(ak_type *t) {
  switch (t->kind) {
  case AK_BOOL:
  case AK_I8:
  case AK_U8:
  case AK_I16:
  case AK_U16:
    return (ak_type *)ak_scalar_type(AK_I32);
  case AK_F32:
    return (ak_type *)ak_scalar_type(AK_F64);
  default:
    return t;
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

/* Decides whether the fast path takes fn (the ABI's register plan) and gives each argument its
 * register-image slot. Returns false only when out of memory. */
static bool fast_plan(ak_fn *fn, int32_t nfixed) {
  fn->fast = false;
  if (!fn->state->fast_enabled || nfixed >= 0) return true;
  uint8_t where[AK_MAX_ARGS];
  ak_abi_regs regs;
  if (!ak_abi_reg_plan(fn->ret, fn->args, fn->nargs, AK_ABI_INT_REGS, where, &regs)) return true;
  fn->fast_slot = calloc(fn->nargs ? fn->nargs : 1, sizeof *fn->fast_slot);
  /* Strings are integer-class: at most one per integer register. */
  fn->strings = calloc(AK_ABI_INT_REGS, sizeof *fn->strings);
  if (fn->fast_slot == NULL || fn->strings == NULL) return false;
  uint32_t nstrings = 0;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    if (fn->ref_index[i] >= 0) fn->fast_ref_arg[fn->ref_index[i]] = (uint8_t)i;
    int vector = where[i] - AK_ABI_INT_REGS; /* the vector register, when not negative */
    fn->fast_slot[i] =
        (uint8_t)(vector >= 0 ? AK_SLOT_FAST_SSE + vector : AK_SLOT_FAST_INT + where[i]);
    if (fn->args[i]->kind == AK_CSTRING) fn->strings[nstrings++].slot = fn->fast_slot[i];
  }
  fn->uses_arena = nstrings > 0;
  if (!fn->uses_arena) {
    free(fn->strings);
    fn->strings = NULL;
  }
  fn->fast_nint = regs.nint;
  fn->fast_f32_mask = regs.f32_mask;
  fn->fast_small = regs.nint <= 2 && regs.nsse <= 2;
  fn->fast_shape = fn->calls_back           ? AK_SHAPE_ANY
                   : !fn->fast_small        ? AK_SHAPE_FULL
                   : fn->fast_f32_mask == 0 ? AK_SHAPE_SMALL
                                            : AK_SHAPE_ANY;
  fn->ret_in_sse = regs.ret_in_sse;
  fn->fast = true;
  return true;
}

/* What the wrapper generator needs, written to the start of the slot buffer (free between
 * calls, and a nested call never reads what this writes): a plain object made here would cost
 * more than the rest of define(). See lib/native.ts, NativeDefinition. */
static void describe_fn(const ak_fn *fn) {
  double *out = fn->state->slots;
  out[AK_DEF_ID] = fn->id;
  out[AK_DEF_NAME] = fn_name(fn);
  out[AK_DEF_ENTRY] = fn->fast ? fast_entry_index(fn) : -1;
  for (uint32_t i = 0; fn->fast && i < fn->nargs; i++)
    out[AK_DEF_SLOTS + i] = fn->fast_slot[i];
}

/* define(address, library | null, argTypes[], returnType, fixedCount, name) -> { id, address,
 * fastSlots }. fixedCount is -1 for an ordinary function, or the number of fixed parameters of a
 * variadic one (the remaining argTypes are that call shape's variadic arguments, promoted here).
 * The definition stays in the table until adopt() ties it to its wrapper and that is collected. */
napi_value ak_js_define(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 6) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "define needs 6 arguments");
    return NULL;
  }
  /* Built here, filed in the table once it is complete. */
  ak_fn draft = {0}, *fn = &draft;
  static const bool never_closed = false; /* a bare function pointer has no library to close */
  fn->closed = &never_closed;
  fn->state = ak_state_get(env);
  if (!read_address(env, argv[0], &fn->addr)) goto fail;
  napi_valuetype lib_type;
  napi_typeof(env, argv[1], &lib_type);
  if (lib_type != napi_null) {
    if ((fn->lib = ak_lib_unwrap(env, argv[1])) == NULL) goto fail;
    ak_lib_retain(fn->lib);
    fn->closed = &fn->lib->closed;
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
    fn->ref_index[i] = ak_kind_is_ref(t->kind) ? (int32_t)fn->nref++ : -1;
    fn->calls_back |= t->kind == AK_PTR;
  }
  if ((fn->ret = ak_type_from_js(env, argv[3])) == NULL) goto fail;
  fn->ret_kind = fn->ret->kind;
  if (fn->ret_kind == AK_CSTRING &&
      (fn->last_string = calloc(1, sizeof *fn->last_string)) == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
    goto fail;
  }

  ffi_status st = nfixed >= 0
                      ? ffi_prep_cif_var(&fn->cif, FFI_DEFAULT_ABI, (unsigned)nfixed, nargs,
                                         fn->ret->ffi, fn->ffi_args)
                      : ffi_prep_cif(&fn->cif, FFI_DEFAULT_ABI, nargs, fn->ret->ffi, fn->ffi_args);
  if (st != FFI_OK) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: libffi cannot call this signature",
             fn->name);
    goto fail;
  }

  if (!fast_plan(fn, nfixed)) goto fail;
  /* What the fast path does not take, and is not variadic, may still avoid libffi; it must
   * where libffi would pass the arguments wrongly, ARKFFI_GENERAL_PATH=1 or not. */
  bool misplaced = !fn->fast && ak_abi_libffi_misplaces(fn);
  if (!fn->fast && nfixed < 0 && (fn->state->fast_enabled || misplaced) &&
      !ak_abi_direct_plan(fn)) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
    goto fail;
  }
  if (misplaced && fn->direct == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "%s: the system's libffi passes this signature wrongly (a struct of 9 to 16 bytes "
             "starting in the last integer register after a floating-point argument), and ArkFFI "
             "has no other way to call it%s",
             fn->name, nfixed >= 0 ? " when it is variadic" : "");
    goto fail;
  }
  ak_fn *filed = fns_add(fn->state, fn);
  if (filed == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
    goto fail;
  }
  describe_fn(filed);
  return NULL;
fail:
  fn_free(fn);
  return NULL;
}

/* adopt(wrapper, id): the definition lives at least as long as this wrapper. Each wrapper of a
 * definition (the call, its .async) adopts it. */
napi_value ak_js_adopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  ak_state *st = ak_state_get(env);
  uint32_t id = UINT32_MAX;
  if (argc == 2) napi_get_value_uint32(env, argv[1], &id);
  if (id >= st->nfns || st->fns[id].fn.state == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_INTERNAL", "adopt of an unknown function id");
    return NULL;
  }
  ak_fn *fn = &st->fns[id].fn;
  if (!ak_failed(env, napi_add_finalizer(env, argv[0], fn, fn_finalize, NULL, NULL)))
    ak_fn_retain(fn);
  return NULL;
}

/* errno() -> the errno left by the most recent call in this environment. */
napi_value ak_js_errno(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_int32(env, ak_state_get(env)->last_errno, &out);
  return out;
}
