/*
 * define.c - function definitions: define(), adopt() and the table of defined functions.
 *
 * define() does all type analysis once: it resolves the types, prepares the libffi call
 * interface (ffi_cif), asks the ABI (abi.h) whether the fast path can take the signature and how
 * the general path may call it without libffi, and files the definition under an id in the
 * environment's function table. A call then only moves values (call.c).
 *
 * The table holds the records themselves, at addresses that never change: a wrapper names its
 * definition by the bits of its record's address (fn_name), and the call entries check that
 * name against the table (ak_fn_called, arkffi.h).
 */
#include "arkffi.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(AK_ABI_INT_REGS <= sizeof(((ak_fn *)0)->fast_ref_arg), "a reference per register");
_Static_assert(AK_ABI_INT_REGS <= AK_FAST_REGS && AK_ABI_SSE_REGS <= AK_FAST_REGS,
               "the register images fit their slots and define's report");

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

/* Throws the error of a define() that ran out of memory; false. */
static bool define_oom(napi_env env) {
  ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory defining a function");
  return false;
}

/* C's default argument promotions, which a variadic argument undergoes. */
static ak_type *promote_vararg(ak_type *t) {
  ak_kind promoted = ak_kinds[t->kind].promoted;
  return promoted == t->kind ? t : (ak_type *)ak_scalar_type(promoted);
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
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (ak_kinds[fn->args[i]->kind].swapped || ak_kinds[fn->args[i]->kind].engine != NULL)
      return true;
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

/* What the wrapper generator needs, written to the define report region of the slot buffer (no
 * call reads it): a plain object made here would cost more than the rest of define(). See
 * lib/native.ts, NativeDefinition. */
static void describe_fn(const ak_fn *fn) {
  double *out = &fn->state->slots[AK_SLOT_DEF];
  out[AK_DEF_ID] = fn->id;
  out[AK_DEF_NAME] = fn_name(fn);
  out[AK_DEF_ENTRY] = fn->fast ? ak_fast_entry(fn) : AK_ENTRY_NONE;
  for (uint32_t i = 0; fn->fast && i < fn->nargs; i++)
    out[AK_DEF_SLOTS + i] = fn->fast_slot[i];
}

/* fn's argument and result types, from define()'s `args` and `returns`, with the variadic
 * arguments (from index nfixed, when not negative) promoted. Throws on failure. */
static bool define_signature(napi_env env, ak_fn *fn, napi_value args, napi_value returns,
                             int32_t nfixed) {
  uint32_t nargs = 0;
  bool is_array = false;
  napi_is_array(env, args, &is_array);
  if (!is_array || ak_failed(env, napi_get_array_length(env, args, &nargs))) {
    if (!is_array)
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "%s: args must be an array",
               fn->name);
    return false;
  }
  if (nargs > AK_MAX_ARGS) {
    ak_throw(env, "RangeError", "ERR_ARKFFI_TOO_MANY_ARGS", "%s: at most %d arguments", fn->name,
             AK_MAX_ARGS);
    return false;
  }
  fn->args = calloc(nargs ? nargs : 1, sizeof *fn->args);
  fn->ffi_args = calloc(nargs ? nargs : 1, sizeof *fn->ffi_args);
  fn->ref_index = calloc(nargs ? nargs : 1, sizeof *fn->ref_index);
  if (fn->args == NULL || fn->ffi_args == NULL || fn->ref_index == NULL) return define_oom(env);
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value desc;
    napi_get_element(env, args, i, &desc);
    ak_type *t = ak_type_from_js(env, desc);
    if (t == NULL) return false;
    if (t->kind == AK_VOID) {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: argument %u cannot be void",
               fn->name, i + 1);
      return false;
    }
    if (nfixed >= 0 && i >= (uint32_t)nfixed) t = promote_vararg(t);
    fn->args[fn->nargs++] = t;
    fn->ffi_args[i] = t->ffi;
    fn->ref_index[i] = ak_kind_is_ref(t->kind) ? (int32_t)fn->nref++ : -1;
    /* C that has the environment may call JS, which may call back. */
    fn->calls_back |= t->kind == AK_PTR || ak_kinds[t->kind].engine != NULL;
    fn->engine |= ak_kinds[t->kind].engine != NULL;
  }
  if ((fn->ret = ak_type_from_js(env, returns)) == NULL) return false;
  fn->ret_kind = fn->ret->kind;
  const ak_kind_row *ret = &ak_kinds[fn->ret_kind];
  if (ret->engine != NULL && ret->to_js == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: %s cannot be a result", fn->name,
             ret->name);
    return false;
  }
  fn->engine |= ret->engine != NULL;
  if (fn->ret_kind == AK_CSTRING && (fn->last_string = calloc(1, sizeof *fn->last_string)) == NULL)
    return define_oom(env);
  return true;
}

/* How fn's calls go: the libffi interface, the fast path, or the ABI's direct plan. Throws on
 * failure. */
static bool define_calls(napi_env env, ak_fn *fn, int32_t nfixed) {
  ffi_status st =
      nfixed >= 0 ? ffi_prep_cif_var(&fn->cif, FFI_DEFAULT_ABI, (unsigned)nfixed, fn->nargs,
                                     fn->ret->ffi, fn->ffi_args)
                  : ffi_prep_cif(&fn->cif, FFI_DEFAULT_ABI, fn->nargs, fn->ret->ffi, fn->ffi_args);
  if (st != FFI_OK) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "%s: libffi cannot call this signature",
             fn->name);
    return false;
  }
  if (!fast_plan(fn, nfixed)) return define_oom(env);
  /* What the fast path does not take, and is not variadic, may still avoid libffi; it must
   * where libffi would pass the arguments wrongly, ARKFFI_GENERAL_PATH=1 or not. */
  bool misplaced = !fn->fast && ak_abi_libffi_misplaces(fn);
  if (!fn->fast && nfixed < 0 && (fn->state->fast_enabled || misplaced) && !ak_abi_direct_plan(fn))
    return define_oom(env);
  if (misplaced && fn->direct == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "%s: the system's libffi passes this signature wrongly (a struct of 9 to 16 bytes "
             "starting in the last integer register after a floating-point argument), and ArkFFI "
             "has no other way to call it%s",
             fn->name, nfixed >= 0 ? " when it is variadic" : "");
    return false;
  }
  return true;
}

/* define(address, library | null, argTypes[], returnType, fixedCount, name) -> { id, address,
 * fastSlots }. fixedCount is -1 for an ordinary function, or the number of fixed parameters of a
 * variadic one (the remaining argTypes are that call shape's variadic arguments, promoted here).
 * The definition stays in the table until adopt() ties it to its wrapper and that is collected. */
napi_value ak_js_define(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!ak_get_args(env, info, 6, argv, 6, "ERR_ARKFFI_INVALID_ARG_TYPE",
                   "define needs 6 arguments"))
    return NULL;
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
  int32_t nfixed = -1;
  napi_get_value_int32(env, argv[4], &nfixed);
  if (!define_signature(env, fn, argv[2], argv[3], nfixed) || !define_calls(env, fn, nfixed))
    goto fail;
  ak_fn *filed = fns_add(fn->state, fn);
  if (filed == NULL) {
    define_oom(env);
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
