/*
 * call.c - the call itself: the native entries that generated wrappers call, and the results.
 *
 * define() (define.c) did all type analysis once; a call only moves values. The contract with
 * the generated JS wrappers (lib/wrapper.ts): the wrapper names the definition in slot
 * AK_SLOT_FN (the bits of its record's address, see define.c fn_name), then calls one of three
 * shared entries.
 *
 *  - invoke(...refs), the general path, for any signature, through ffi_call or the ABI's direct
 *    plan. Argument i arrives in slot AK_SLOT_ARGS + i as a double, already validated, when the
 *    wrapper could express it as a number. "Reference" parameters (64-bit integers, pointers, C
 *    strings, structs) also get a Node-API argument, in parameter order: `undefined` when the
 *    slot holds the value, otherwise the JS value itself (BigInt, string, buffer), converted in
 *    convert.c.
 *  - invokeFast(), for signatures whose arguments all travel in registers (the ABI's register
 *    plan, define.c fast_plan). The wrapper writes each argument as a double into the slot
 *    define() assigned to its register; C makes the register images from them (an integer
 *    converted exactly, a float rounded into the low half of its vector register) and calls the
 *    target through a cast to a prototype that loads the argument registers. No libffi. For
 *    pointer-free signatures the wrapper calls a copy of this entry specialised to their shape
 *    and result (invokePlain_*, invokeFull_*).
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
 * result goes back to a synchronous generated wrapper, which takes struct bytes in the struct
 * result region of the slot buffer and keeps the last string (string_result). */
static napi_value convert_result(napi_env env, const ak_fn *fn, const void *rvalue, bool wrapper) {
  if (ak_kind_to_number(fn->ret_kind, rvalue, &fn->state->slots[AK_SLOT_RESULT])) return NULL;
  if (fn->ret_kind == AK_STRUCT) {
    napi_value value = NULL;
    void *data = NULL;
    if (wrapper && fn->ret->size <= AK_STRUCT_BYTES) {
      memcpy(&fn->state->slots[AK_SLOT_STRUCT], rvalue, fn->ret->size);
      return NULL;
    }
    if (ak_failed(env, napi_create_arraybuffer(env, fn->ret->size, &data, &value))) return NULL;
    memcpy(data, rvalue, fn->ret->size);
    return value;
  }
  if (wrapper && fn->ret_kind == AK_CSTRING) {
    const char *s = ((const ak_value *)rvalue)->ptr;
    if (s != NULL) return string_result(env, fn, s);
    fn->last_string->valid = false; /* the wrapper now holds null */
  }
  return ak_kinds[fn->ret_kind].to_js(env, rvalue);
}

napi_value ak_result_to_js(napi_env env, const ak_fn *fn, const void *rvalue) {
  napi_value value = convert_result(env, fn, rvalue, false);
  if (value != NULL || fn->ret_kind == AK_STRUCT) return value; /* a struct's failure is pending */
  return ak_kind_number_to_js(env, fn->ret_kind, fn->state->slots[AK_SLOT_RESULT]);
}

uint64_t ak_passed_refs(const ak_state *st) {
  double mask = st->slots[AK_SLOT_CALL];
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
  /* errno is set before (to 0, or to what errno(value) asked) and captured right after the
   * target, before the runtime can touch it, so errno() reports exactly what this call left. */
  errno = ak_take_errno(st);
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
    *err = ak_take_errno(st);
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
    *err = ak_take_errno(st);
    if (fn->ret_in_sse)
      r.f64 = ((ak_sse_result_fn)fn->addr)(AK_INT_ARGS(i), AK_SSE_ARGS(d));
    else
      r.u64 = ((ak_int_result_fn)fn->addr)(AK_INT_ARGS(i), AK_SSE_ARGS(d));
  }
  st->last_errno = *err;
  if (!plain && !ak_called_back(env, st, caller)) return NULL;
  if (ak_kind_to_number(ret == AK_KIND_COUNT ? fn->ret_kind : ret, &r, &st->slots[AK_SLOT_RESULT]))
    return NULL;
  return convert_result(env, fn, &r, true);
}

/* First thing in a call that takes strings: remembers each new string's bytes, and copies each
 * repeated one into the room its wrapper made for it. Nothing may fail before this runs: the
 * wrapper counts the new strings as remembered already. */
static void arena_strings(const ak_state *st, ak_fn *fn) {
  uint32_t flags = (uint32_t)st->slots[AK_SLOT_CALL] >> AK_STRING_FLAGS_SHIFT;
  for (ak_arena_string *s = fn->strings; flags != 0; s++, flags >>= AK_STRING_BITS) {
    assert(s < fn->strings + AK_ABI_INT_REGS);
    char *at = (char *)(uintptr_t)(int64_t)st->slots[s->slot];
    unsigned what = flags & ((1u << AK_STRING_BITS) - 1);
    if (what == AK_STRING_NEW) {
      s->len = (uint8_t)(strnlen(at, AK_ARENA_STRING) + 1);
      memcpy(s->bytes, at, s->len);
    } else if (what == AK_STRING_AGAIN && memcmp(at, s->bytes, s->len) != 0) {
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
  memcpy(&mark, (const int32_t *)&st->slots[AK_SLOT_ARENA] + AK_ARENA_MARK, sizeof mark);
  return mark;
}

static void arena_release(ak_state *st, int32_t mark) {
  memcpy((int32_t *)&st->slots[AK_SLOT_ARENA] + AK_ARENA_TOP, &mark, sizeof mark);
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
int ak_fast_entry(const ak_fn *fn) {
  for (size_t i = 0; i < sizeof plain_entries / sizeof plain_entries[0]; i++)
    if (plain_entries[i].shape == fn->fast_shape &&
        (plain_entries[i].kind == AK_KIND_COUNT || plain_entries[i].kind == fn->ret_kind) &&
        (plain_entries[i].nint < 0 || plain_entries[i].nint == fn->fast_nint))
      return AK_ENTRY_PLAIN + (int)i;
  return AK_ENTRY_FAST;
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
  /* The wrapper says in the call info slot what each reference argument is. */
  uint32_t mask = (uint32_t)st->slots[AK_SLOT_CALL] & ((1u << AK_STRING_FLAGS_SHIFT) - 1);
  for (uint32_t r = 0; r < argc; r++) {
    unsigned what = (mask >> (AK_REF_BITS * r)) & ((1u << AK_REF_BITS) - 1);
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
    if (what == AK_REF_STRING && ak_frame_string(env, &frame, argv[r], &s)) {
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
int ak_fast_entry(const ak_fn *fn) {
  return AK_ENTRY_FAST;
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

/* errno(value?) -> the errno left by the most recent call in this environment. With a value
 * (an int32 the TypeScript layer checked), errno is that until the next call, which starts with
 * it instead of 0. */
napi_value ak_js_errno(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  ak_state *st = ak_state_get(env);
  int32_t value = 0;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc > 0 && napi_get_value_int32(env, argv[0], &value) == napi_ok)
    st->last_errno = st->next_errno = value;
  napi_create_int32(env, st->last_errno, &out);
  return out;
}
