/*
 * callback.c - JSCallback: real C function pointers that call JavaScript.
 *
 * Each callback has a record (ak_cb) that knows its signature, its environment and the JS thread
 * that owns it, and code that C calls: one of a fixed set of static trampolines for signatures
 * that travel in registers (see "The fast entries" below), else a libffi closure. The
 * TypeScript layer (lib/callback.ts) supplies a generated "dispatcher" per callback: it reads the
 * arguments from the environment's slot buffer (plus Node-API values for those that need the
 * engine: strings, BigInts, struct copies), calls the user's function, validates its result
 * against the declared type and writes it to slot AK_SLOT_RESULT (or returns it when it is a
 * BigInt or a buffer). The dispatcher catches every exception and reports it itself, so C always
 * gets a value: the result, or zero.
 *
 * When C calls the pointer:
 *  - on the environment's JS thread (during a foreign call, or from any code on that thread),
 *    the dispatcher runs right there, in a handle scope of its own;
 *  - on another thread, a threadsafe callback hands the call to the JS thread through a
 *    napi_threadsafe_function (callback_thread.c). A blocking one (the default) waits for the
 *    result on a mutex and condition variable living on the caller's stack; a fire-and-forget
 *    one (void only) copies the arguments to the heap and returns at once. A callback that is
 *    not threadsafe returns zero and warns once on stderr, since Node-API must not be used off
 *    its thread.
 *
 * Lifetime: close() drops the JS function and releases the threadsafe function, but the record
 * and its code stay, marked closed, so a pointer C kept returns zero instead of running freed
 * code. Environment teardown closes every callback the same way and frees none of them.
 *
 * The invariant: a record whose code has left callbackCreate (it is `published`) is never freed,
 * nor is its code. C is shared by the whole process: any thread may keep the pointer, outlive the
 * environment, and call it at any moment, even one that had already loaded the record (from a
 * trampoline slot, or as a closure's user data) when the environment went away. No ordering on
 * our side could tell when the last such thread is done with it, so nothing reachable from a
 * pointer C may hold is ever released: the trampoline and its slot, or the libffi closure, and the
 * record they lead to stay until the process exits, inert (cb_free asserts this). The cost is
 * bounded for trampolines (their slots are never reused) and a few hundred bytes per closure.
 */
#include "callback.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registers of the fast entries (abi.h), the last integer one aside for the slot. */
#if AK_ABI_INT_REGS > 0
#define AK_CB_INT_PARAMS AK_ABI_CB_INT_PARAMS
#define AK_CB_INT_NAMES  AK_ABI_CB_INT_NAMES
#define AK_CB_SSE_PARAMS                                                                           \
  double d0, double d1, double d2, double d3, double d4, double d5, double d6, double d7
#define AK_CB_SSE_NAMES d0, d1, d2, d3, d4, d5, d6, d7
#endif

/* Argument i as the dispatcher reads it: a number in its slot, or refs[r] (undefined when the
 * slot holds it). */
static inline __attribute__((always_inline)) bool arg_to_js(napi_env env, const ak_cb *cb,
                                                            uint32_t i, const void *p, double *slot,
                                                            napi_value *ref, napi_value undefined) {
  ak_kind kind = (ak_kind)cb->kinds[i];
  if (ak_kind_to_number(kind, p, slot)) {
    if (ref != NULL) *ref = undefined;
    return true;
  }
  if (kind == AK_STRUCT) {
    void *data = NULL;
    if (napi_create_arraybuffer(env, cb->args[i]->size, &data, ref) != napi_ok) return false;
    memcpy(data, p, cb->args[i]->size);
    return true;
  }
  return (*ref = ak_kinds[kind].to_js(env, p)) != NULL;
}

/* A struct result: the bytes of the buffer the dispatcher answered. */
static bool struct_result_from_js(napi_env env, const ak_cb *cb, napi_value value, void *ret) {
  napi_valuetype type = napi_undefined;
  void *data = NULL;
  size_t len = 0;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_undefined) { /* the dispatcher reported a bad result: C gets zeroes */
    ak_cb_zero_result(cb, ret);
    return true;
  }
  if (type != napi_object || !ak_view_address(env, value, &data, &len) || len < cb->ret->size)
    return false;
  memcpy(ret, data, cb->ret->size);
  return true;
}

/* Stores the dispatcher's answer (slot AK_SLOT_RESULT, or `value` for BigInts and buffers) as
 * the C result, widened to a word as libffi wants. The dispatcher validated it against the
 * declared type already. */
static bool result_from_js(napi_env env, const ak_cb *cb, napi_value value, void *ret) {
  if (cb->ret_kind == AK_VOID) return true;
  if (cb->ret_kind == AK_STRUCT) return struct_result_from_js(env, cb, value, ret);
  const ak_kind_row *row = &ak_kinds[cb->ret_kind];
  napi_valuetype type = napi_undefined;
  if (row->ref && napi_typeof(env, value, &type) != napi_ok) return false;
  ak_value v = {0};
  if (type == napi_undefined)
    ak_kind_from_number(cb->ret_kind, cb->state->slots[AK_SLOT_RESULT], &v);
  else if (!row->from_js(env, value, &v))
    return false;
  uint64_t image = ak_kind_image(cb->ret_kind, &v);
  _Static_assert(sizeof image == sizeof(ffi_arg), "a result word is 64 bits");
  memcpy(ret, &image, sizeof image);
  return true;
}

/* Calls the dispatcher with the arguments in place (slots, and `refs` for the cb->nref reference
 * arguments) and stores its answer as the C result. False, with the failure reported, if any
 * step fails. */
static bool call_dispatcher(ak_cb *cb, napi_env env, napi_value *refs, void *ret) {
  napi_value fn, result;
  /* The receiver is the dispatcher itself: it ignores `this`, and this saves a lookup. */
  if (napi_get_reference_value(env, cb->dispatch, &fn) != napi_ok || fn == NULL) return false;
  ak_state *st = cb->state;
  st->cb_depth++;
  bool ok = napi_call_function(env, fn, fn, cb->nref, refs, &result) == napi_ok;
  if (!ok)
    ak_cb_report(env, st, "ERR_ARKFFI_INTERNAL", "JSCallback: the call into JavaScript failed");
  else if (!(ok = result_from_js(env, cb, result, ret)))
    ak_cb_report(env, st, "ERR_ARKFFI_INTERNAL", "JSCallback: could not convert the result");
  st->cb_depth--;
  return ok;
}

/* Whether this call of cb may leave its handles (the dispatcher, its result, one per reference
 * argument) in the scope it runs in, within the allowance of the current call (ak_calls_back);
 * if so, they are counted against it. */
static bool scope_spared(const ak_cb *cb) {
  uint32_t handles = 2 + cb->nref;
  ak_state *st = cb->state;
  if (ak_thread_state != st || st->cb_handles < handles) return false;
  st->cb_handles -= handles;
  return true;
}

void ak_cb_run_js(ak_cb *cb, napi_env env, void *ret, void **args) {
  /* C may call back thousands of times during one foreign call: past the call's allowance, every
   * invocation gets its own scope, or the handles would pile up until the call returns. */
  napi_handle_scope scope;
  bool scoped = !scope_spared(cb);
  if (scoped && napi_open_handle_scope(env, &scope) != napi_ok) {
    ak_cb_zero_result(cb, ret);
    return;
  }
  napi_value stack_refs[AK_STACK_ARGS], undefined = NULL;
  napi_value *refs = cb->nref <= AK_STACK_ARGS ? stack_refs : malloc(cb->nref * sizeof *refs);
  bool ok = refs != NULL;
  /* Reported as if the callback threw it, so that it reaches the same code. */
  cb->state->cb_depth++;
  if (!ok) ak_cb_report(env, cb->state, "ERR_ARKFFI_NO_MEMORY", "JSCallback: out of memory");
  if (ok && cb->nref > 0) ok = napi_get_undefined(env, &undefined) == napi_ok;
  double *slots = &cb->state->slots[AK_SLOT_ARGS];
  for (uint32_t i = 0, r = 0; ok && i < cb->nargs; i++) {
    napi_value *ref = ak_kind_is_ref((ak_kind)cb->kinds[i]) ? &refs[r++] : NULL;
    ok = arg_to_js(env, cb, i, args[i], &slots[i], ref, undefined);
  }
  if (!ok && refs != NULL)
    ak_cb_report(env, cb->state, "ERR_ARKFFI_INTERNAL",
                 "JSCallback: could not convert the arguments");
  cb->state->cb_depth--;
  if (!ok || !call_dispatcher(cb, env, refs, ret)) ak_cb_zero_result(cb, ret);
  if (refs != stack_refs) free(refs);
  if (scoped) napi_close_handle_scope(env, scope);
}

/* Every call from C lands here, on whatever thread C is running. Inlined into both kinds of
 * callback code, the trampolines' entry and the libffi handler, so that a call from C on the JS
 * thread makes no call of ours before ak_cb_run_js. */
static inline __attribute__((always_inline)) void dispatch_call(ak_cb *cb, void *ret, void **args) {
  if (ak_cb_closed(cb)) {
    ak_cb_zero_result(cb, ret);
  } else if (ak_thread_state == cb->state) {
    /* This thread runs cb's environment. (Only its state can be at that address: a state freed
     * at teardown is reused only by an environment created later, when cb is long closed.) To
     * C, the callback leaves errno alone: what the engine does meanwhile must not show through. */
    int saved_errno = *cb->state->errno_ptr;
    if (cb->state->cb_failed) /* a callback threw, the call waiting for it has not returned */
      ak_cb_zero_result(cb, ret);
    else
      ak_cb_run_js(cb, cb->env, ret, args);
    *cb->state->errno_ptr = saved_errno;
  } else if (cb->threadsafe) {
    ak_cb_run_from_thread(cb, ret, args);
  } else {
    if (atomic_exchange(&cb->warned, 1u) == 0)
      fprintf(stderr, "arkffi: a JSCallback that is not threadsafe was called from another "
                      "thread and returned 0; create it with { threadsafe: true }\n");
    ak_cb_zero_result(cb, ret);
  }
}

/* The libffi closure's handler. */
static void on_call(ffi_cif *cif, void *ret, void **args, void *data) {
  dispatch_call(data, ret, args);
}

#if AK_ABI_INT_REGS > 0
/* ak_cb_run_js for a callback whose arguments and result are all plain numbers (cb->plain), called
 * by a trampoline: each argument goes from its register image straight to its slot. */
static void run_plain(ak_cb *cb, const uint64_t *regs, void *ret) {
  napi_env env = cb->env;
  if (cb->state->cb_failed) { /* a callback threw, the call waiting for it has not returned */
    ak_cb_zero_result(cb, ret);
    return;
  }
  napi_handle_scope scope;
  bool scoped = !scope_spared(cb);
  if (scoped && napi_open_handle_scope(env, &scope) != napi_ok) {
    ak_cb_zero_result(cb, ret);
    return;
  }
  double *slots = &cb->state->slots[AK_SLOT_ARGS];
  for (uint32_t i = 0; i < cb->nargs; i++)
    arg_to_js(env, cb, i, &regs[cb->fast_reg[i]], &slots[i], NULL, NULL);
  if (!call_dispatcher(cb, env, NULL, ret)) ak_cb_zero_result(cb, ret);
  if (scoped) napi_close_handle_scope(env, scope);
}

/* The fast entries. A libffi closure spends some 13 ns decoding its arguments from the cif; for
 * signatures whose arguments all travel in registers, a callback instead gets one of a fixed set
 * of static trampolines, each `mov $slot, <last integer register>; jmp entry`. The entry takes
 * every argument register as a parameter (the call.c fast path in reverse: passing fewer
 * arguments than a function declares is harmless in these ABIs, the extra registers are just not
 * meaningful), looks its record up in the slot table and points the argument list at the register
 * images. Slots are never reused, so a pointer stays bound to its (closed) record for good; once
 * a class runs out, callbacks fall back to libffi closures. */
#define AK_CB_FAST_SLOTS 512
#define AK_CB_NREGS      (AK_ABI_INT_REGS - 1 + 8)
enum { AK_CB_INT_CLASS, AK_CB_SSE_CLASS, AK_CB_CLASSES };
static _Atomic(ak_cb *) fast_slots[AK_CB_CLASSES][AK_CB_FAST_SLOTS];
static atomic_uint fast_used[AK_CB_CLASSES];

static void fast_enter(uint32_t cls, uint64_t slot, uint64_t *regs, ak_value *ret) {
  ak_cb *cb = atomic_load_explicit(&fast_slots[cls][slot], memory_order_acquire);
  /* Only a published trampoline's address ever leaves callbackCreate, and its slot is never
   * cleared. */
  assert(cb != NULL && cb->fast_slot == slot);
  /* The common case, a plain callback on its JS thread, straight from the register images. */
  if (cb->plain && ak_thread_state == cb->state && !ak_cb_closed(cb)) {
    int saved_errno = *cb->state->errno_ptr; /* as dispatch_call keeps it */
    run_plain(cb, regs, ret);
    *cb->state->errno_ptr = saved_errno;
    return;
  }
  void *args[AK_CB_NREGS];
  for (uint32_t i = 0; i < cb->nargs; i++)
    args[i] = &regs[cb->fast_reg[i]];
  dispatch_call(cb, ret, args);
}

/* The entries: never inlined, so that each trampoline stays a jump. Each gathers the argument
 * registers into one array of images and answers in its class's result register (a float
 * result is the low half of the vector one, as in the register). */
#define AK_CB_ENTRY(name, ctype, cls, member)                                                      \
  __attribute__((noinline)) static ctype name(AK_CB_INT_PARAMS, uint64_t slot, AK_CB_SSE_PARAMS) { \
    uint64_t regs[AK_CB_NREGS] = {AK_CB_INT_NAMES};                                                \
    memcpy(&regs[AK_ABI_INT_REGS - 1], (double[8]){AK_CB_SSE_NAMES}, 8 * sizeof(double));          \
    ak_value r = {0};                                                                              \
    fast_enter(cls, slot, regs, &r);                                                               \
    return r.member;                                                                               \
  }
AK_CB_ENTRY(fast_int_entry, uint64_t, AK_CB_INT_CLASS, u64)
AK_CB_ENTRY(fast_sse_entry, double, AK_CB_SSE_CLASS, f64)
#undef AK_CB_ENTRY

/* The trampolines: slot numbers are three octal digits, so `0##n` is the slot itself. */
#define AK_CB_TRAMP(n)                                                                             \
  static uint64_t tramp_int_##n(AK_CB_INT_PARAMS, AK_CB_SSE_PARAMS) {                              \
    return fast_int_entry(AK_CB_INT_NAMES, 0##n, AK_CB_SSE_NAMES);                                 \
  }                                                                                                \
  static double tramp_sse_##n(AK_CB_INT_PARAMS, AK_CB_SSE_PARAMS) {                                \
    return fast_sse_entry(AK_CB_INT_NAMES, 0##n, AK_CB_SSE_NAMES);                                 \
  }
#define AK_CB_INT_ADDR(n) (void *)tramp_int_##n,
#define AK_CB_SSE_ADDR(n) (void *)tramp_sse_##n,
#define AK_OCT1(m, p)     m(p##0) m(p##1) m(p##2) m(p##3) m(p##4) m(p##5) m(p##6) m(p##7)
#define AK_OCT2(m, p)                                                                              \
  AK_OCT1(m, p##0)                                                                                 \
  AK_OCT1(m, p##1)                                                                                 \
  AK_OCT1(m, p##2)                                                                                 \
  AK_OCT1(m, p##3) AK_OCT1(m, p##4) AK_OCT1(m, p##5) AK_OCT1(m, p##6) AK_OCT1(m, p##7)
#define AK_OCT3(m)                                                                                 \
  AK_OCT2(m, 0)                                                                                    \
  AK_OCT2(m, 1) AK_OCT2(m, 2) AK_OCT2(m, 3) AK_OCT2(m, 4) AK_OCT2(m, 5) AK_OCT2(m, 6) AK_OCT2(m, 7)

AK_OCT3(AK_CB_TRAMP)
static void *const fast_tramps[AK_CB_CLASSES][AK_CB_FAST_SLOTS] = {{AK_OCT3(AK_CB_INT_ADDR)},
                                                                   {AK_OCT3(AK_CB_SSE_ADDR)}};

/* Gives cb a trampoline if its signature is register-only (the ABI's register plan, within all
 * integer registers but the trampoline's) and a slot is free. Its register images are the
 * integer registers, then the vector ones. False means "use libffi". */
static bool fast_bind(ak_cb *cb) {
  ak_abi_regs regs;
  if (!cb->state->fast_enabled ||
      !ak_abi_reg_plan(cb->ret, cb->args, cb->nargs, AK_ABI_INT_REGS - 1, cb->fast_reg, &regs))
    return false;
  uint32_t cls = regs.ret_in_sse ? AK_CB_SSE_CLASS : AK_CB_INT_CLASS;
  if (atomic_load(&fast_used[cls]) >= AK_CB_FAST_SLOTS) return false;
  unsigned slot = atomic_fetch_add(&fast_used[cls], 1);
  if (slot >= AK_CB_FAST_SLOTS) return false;
  /* A vector register's image follows the integer ones the entry takes. */
  for (uint32_t i = 0; i < cb->nargs; i++)
    if (cb->fast_reg[i] >= AK_ABI_INT_REGS) cb->fast_reg[i]--;
  cb->fast_class = (int8_t)cls;
  cb->fast_slot = slot;
  cb->code = fast_tramps[cls][slot];
  return true;
}

/* Publishes the record in its slot: from now on C may call it, for good. */
static void fast_publish(ak_cb *cb) {
  if (cb->fast_class >= 0)
    atomic_store_explicit(&fast_slots[cb->fast_class][cb->fast_slot], cb, memory_order_release);
}
#else
static bool fast_bind(ak_cb *cb) {
  return false;
}

static void fast_publish(ak_cb *cb) {}
#endif

/* Frees a record that callbackCreate failed to finish: no thread has ever seen its code. */
static void cb_free(ak_cb *cb) {
  assert(!cb->published);
  if (cb->args != NULL)
    for (uint32_t i = 0; i < cb->nargs; i++)
      ak_type_free(cb->args[i]);
  ak_type_free(cb->ret);
  free(cb->args);
  free(cb->ffi_args);
  free(cb->kinds);
  free(cb->fast_reg);
  if (cb->closure != NULL) ffi_closure_free(cb->closure);
  pthread_mutex_destroy(&cb->lock);
  free(cb);
}

/* Drops what ties the record to JS. Runs on the JS thread. */
static void cb_close(napi_env env, ak_cb *cb) {
  if (ak_cb_closed(cb)) return;
  napi_threadsafe_function tsfn = NULL;
  if (cb->threadsafe) {
    pthread_mutex_lock(&cb->lock);
    atomic_store(&cb->closed, true);
    tsfn = cb->tsfn;
    cb->tsfn = NULL;
    pthread_mutex_unlock(&cb->lock);
  } else {
    atomic_store(&cb->closed, true);
  }
  /* Calls already queued still reach ak_cb_call_js, which answers them with zero. */
  if (tsfn != NULL) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  napi_delete_reference(env, cb->dispatch);
  cb->dispatch = NULL;
}

/* Every record stays, closed: C may still call any of them (see the invariant above). */
void ak_callbacks_free(ak_state *st) {
  for (ak_cb *cb = st->callbacks; cb != NULL; cb = cb->next)
    cb_close(st->env, cb);
  st->callbacks = NULL;
}

/* Builds the signature: argument and result types, the libffi interface. Throws on failure. */
/* A callback may run on another thread, where no Node-API value nor environment may go: false,
 * thrown, for the engine's kinds. */
static bool callback_takes(napi_env env, const ak_type *t, const char *what) {
  if (ak_kinds[t->kind].engine == NULL) return true;
  ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "JSCallback: a %s cannot be %s", what,
           ak_kinds[t->kind].name);
  return false;
}

static bool cb_signature(napi_env env, ak_cb *cb, napi_value args, napi_value returns) {
  uint32_t nargs = 0;
  bool is_array = false;
  napi_is_array(env, args, &is_array);
  if (!is_array) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_DEFINITION",
             "JSCallback: args must be an array of types");
    return false;
  }
  if (ak_failed(env, napi_get_array_length(env, args, &nargs))) return false;
  if (nargs > AK_MAX_ARGS) {
    ak_throw(env, "RangeError", "ERR_ARKFFI_TOO_MANY_ARGS",
             "JSCallback: args may list at most %d types, got %u", AK_MAX_ARGS, nargs);
    return false;
  }
  cb->args = calloc(nargs ? nargs : 1, sizeof *cb->args);
  cb->ffi_args = calloc(nargs ? nargs : 1, sizeof *cb->ffi_args);
  cb->kinds = calloc(nargs ? nargs : 1, sizeof *cb->kinds);
  cb->fast_reg = calloc(nargs ? nargs : 1, sizeof *cb->fast_reg);
  if (cb->args == NULL || cb->ffi_args == NULL || cb->kinds == NULL || cb->fast_reg == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "JSCallback: out of memory");
    return false;
  }
  for (uint32_t i = 0; i < nargs; i++) {
    napi_value desc;
    if (ak_failed(env, napi_get_element(env, args, i, &desc))) return false;
    ak_type *t = ak_type_from_js(env, desc);
    if (t == NULL) return false;
    cb->args[cb->nargs++] = t;
    if (t->kind == AK_VOID) {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
               "JSCallback: argument %u must be a value type, got void (only returns may be void)",
               i + 1);
      return false;
    }
    if (!callback_takes(env, t, "argument")) return false;
    cb->ffi_args[i] = t->ffi;
    cb->kinds[i] = (uint8_t)t->kind;
    if (ak_kind_is_ref(t->kind)) cb->nref++;
  }
  if ((cb->ret = ak_type_from_js(env, returns)) == NULL || !callback_takes(env, cb->ret, "result"))
    return false;
  cb->ret_kind = cb->ret->kind;
  cb->plain = cb->nref == 0 && !ak_kind_is_ref(cb->ret_kind);
  if (ffi_prep_cif(&cb->cif, FFI_DEFAULT_ABI, nargs, cb->ret->ffi, cb->ffi_args) != FFI_OK) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "JSCallback: libffi cannot build this signature");
    return false;
  }
  return true;
}

/* The code C calls (a trampoline, or a libffi closure) and the reference to the dispatcher.
 * Throws on failure. */
static bool cb_bind(napi_env env, ak_cb *cb, napi_value dispatch) {
  if (!fast_bind(cb) &&
      ((cb->closure = ffi_closure_alloc(sizeof(ffi_closure), &cb->code)) == NULL ||
       ffi_prep_closure_loc(cb->closure, &cb->cif, on_call, cb, cb->code) != FFI_OK)) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "JSCallback: cannot allocate a closure");
    return false;
  }
  return !ak_failed(env, napi_create_reference(env, dispatch, 1, &cb->dispatch));
}

/* { record, ptr }: what the TypeScript layer keeps. */
static napi_value cb_describe(napi_env env, ak_cb *cb) {
  napi_value out, record, ptr;
  if (ak_failed(env, napi_create_external(env, cb, NULL, NULL, &record)) ||
      ak_failed(env, napi_create_object(env, &out)) ||
      (ptr = ak_make_u64(env, (uintptr_t)cb->code)) == NULL ||
      ak_failed(env, napi_set_named_property(env, out, "record", record)) ||
      ak_failed(env, napi_set_named_property(env, out, "ptr", ptr)))
    return NULL;
  return out;
}

/* callbackCreate(dispatch, args[], returns, threadsafe, blocking) -> { record, ptr }. */
napi_value ak_js_callback_create(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  napi_valuetype type = napi_undefined;
  const char *usage = "callbackCreate needs a dispatcher";
  if (!ak_get_args(env, info, 5, argv, 5, "ERR_ARKFFI_INVALID_ARG_TYPE", usage)) return NULL;
  napi_typeof(env, argv[0], &type);
  if (type != napi_function) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "%s", usage);
    return NULL;
  }
  ak_cb *cb = calloc(1, sizeof *cb);
  if (cb == NULL || pthread_mutex_init(&cb->lock, NULL) != 0) {
    free(cb);
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "JSCallback: out of memory");
    return NULL;
  }
  ak_state *st = ak_state_get(env);
  cb->state = st;
  cb->env = env;
  atomic_init(&cb->closed, false);
  atomic_init(&cb->warned, 0u);
  cb->fast_class = -1;
  napi_get_value_bool(env, argv[3], &cb->threadsafe);
  napi_get_value_bool(env, argv[4], &cb->blocking);

  napi_value out = NULL, name;
  bool ok = cb_signature(env, cb, argv[1], argv[2]) && cb_bind(env, cb, argv[0]) &&
            (out = cb_describe(env, cb)) != NULL;
  /* The threadsafe function comes last: once it exists, its finalizer may use the record, so
   * nothing after it may fail. */
  if (ok && cb->threadsafe) {
    napi_status status = napi_create_string_utf8(env, "arkffi JSCallback", NAPI_AUTO_LENGTH, &name);
    if (status == napi_ok)
      status = napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, cb, ak_cb_tsfn_finalize,
                                               cb, ak_cb_call_js, &cb->tsfn);
    ok = !ak_failed(env, status);
  }
  if (!ok) {
    if (cb->dispatch != NULL) napi_delete_reference(env, cb->dispatch);
    cb_free(cb);
    return NULL;
  }
  cb->next = st->callbacks;
  st->callbacks = cb;
  cb->published = true;
  fast_publish(cb);
  return out;
}

static ak_cb *cb_unwrap(napi_env env, napi_callback_info info, napi_value *extra) {
  size_t argc = 2;
  napi_value argv[2];
  void *data = NULL;
  napi_valuetype type = napi_undefined;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type != napi_external || napi_get_value_external(env, argv[0], &data) != napi_ok ||
      data == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_HANDLE", "not a callback record");
    return NULL;
  }
  if (extra != NULL) *extra = argc >= 2 ? argv[1] : NULL;
  return data;
}

/* callbackClose(record): idempotent. */
napi_value ak_js_callback_close(napi_env env, napi_callback_info info) {
  ak_cb *cb = cb_unwrap(env, info, NULL);
  if (cb != NULL) cb_close(env, cb);
  return NULL;
}

/* callbackRef(record, ref: boolean): whether a threadsafe callback keeps the event loop alive. */
napi_value ak_js_callback_ref(napi_env env, napi_callback_info info) {
  napi_value arg = NULL;
  ak_cb *cb = cb_unwrap(env, info, &arg);
  bool ref = false;
  if (cb == NULL || arg == NULL || napi_get_value_bool(env, arg, &ref) != napi_ok) {
    if (cb != NULL)
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "ref must be boolean");
    return NULL;
  }
  /* tsfn is only ever written on the JS thread, this one: no lock needed to read it. */
  if (cb->tsfn != NULL)
    ak_failed(env, ref ? napi_ref_threadsafe_function(env, cb->tsfn)
                       : napi_unref_threadsafe_function(env, cb->tsfn));
  return NULL;
}
