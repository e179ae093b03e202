/*
 * callback.h - the JSCallback record, shared by the files of callbacks: callback.c (records,
 * their code, running JS on the JS thread), callback_thread.c (calls from other threads) and
 * callback_errors.c (where a callback's exception goes). Internal to them.
 */
#ifndef ARKFFI_CALLBACK_H
#define ARKFFI_CALLBACK_H

#include "arkffi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

struct ak_cb {
  ffi_closure *closure;
  void *code; /* the function pointer C calls */
  ffi_cif cif;
  ak_type *ret;
  ak_type **args;
  ffi_type **ffi_args;
  /* The kinds again, in the record itself: the call path reads only these. */
  ak_kind ret_kind;
  uint8_t *kinds;
  uint8_t *fast_reg;  /* fast entry: each argument's register image */
  int8_t fast_class;  /* fast entry: the trampoline class, or -1 for a libffi closure */
  uint32_t fast_slot; /* fast entry: the trampoline's slot */
  uint32_t nargs;
  uint32_t nref; /* arguments passed to the dispatcher as Node-API values */
  /* Set once: after teardown it dangles, but is then only ever compared (see dispatch_call). */
  ak_state *state;
  napi_env env;
  napi_ref dispatch; /* the generated JS dispatcher; NULL once closed */
  /* Threadsafe callbacks only. `lock` orders foreign threads posting to `tsfn` against close()
   * and the threadsafe function's own teardown, which clear it (on the JS thread). */
  napi_threadsafe_function tsfn;
  pthread_mutex_t lock;
  struct ak_cb_wait *waiters; /* blocking calls from other threads not yet answered, under lock */
  bool shut; /* the process is exiting: calls from other threads get zero (ak_callbacks_shutdown) */
  bool threadsafe;
  bool blocking;
  bool plain;     /* arguments and result all plain numbers: no Node-API values but the call */
  bool published; /* C may have the code: the record is never freed (see the invariant above) */
  atomic_bool closed;
  /* The off-thread misuse warning was printed (0 or 1). A word, not an atomic_bool: an exchange
   * of one byte is a libatomic call on RISC-V, and the addon links nothing but libffi. */
  atomic_uint warned;
  ak_cb *next; /* the environment's list (ak_state.callbacks) */
};

/* A blocking call from a foreign thread, on that thread's stack until the JS thread is done.
 * It is on its callback's `waiters` list from before it is queued until it is answered, so
 * that an exiting process can answer it (see ak_callbacks_shutdown). */
typedef struct ak_cb_wait {
  struct ak_cb_wait *next;
  void *ret;
  void **args;
  ak_job *job; /* the asynchronous call running on the waiting thread, if any */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool done;
} ak_cb_wait;

static inline bool ak_cb_closed(ak_cb *cb) {
  return atomic_load_explicit(&cb->closed, memory_order_acquire);
}

/* What C receives when JS cannot answer. libffi wants integer results widened to ffi_arg. */
static inline void ak_cb_zero_result(const ak_cb *cb, void *ret) {
  if (ret == NULL || cb->ret_kind == AK_VOID) return;
  memset(ret, 0, cb->ret->size < sizeof(ffi_arg) ? sizeof(ffi_arg) : cb->ret->size);
}

/* Runs the dispatcher on the JS thread and stores its answer in `ret` (zero if there is none):
 * the arguments are at args[i] (callback.c). */
void ak_cb_run_js(ak_cb *cb, napi_env env, void *ret, void **args);

/* callback_thread.c */
/* C called a threadsafe callback from a thread other than its JS thread. */
void ak_cb_run_from_thread(ak_cb *cb, void *ret, void **args);
/* The threadsafe function's call on the JS thread, and its finalizer. */
void ak_cb_call_js(napi_env env, napi_value unused, void *context, void *data);
void ak_cb_tsfn_finalize(napi_env env, void *data, void *hint);

/* callback_errors.c */
/* Reports a failure that the dispatcher could not catch (or that happened around it): to the
 * call waiting for the callback if there is one, else as an uncaught exception. */
void ak_cb_report(napi_env env, ak_state *st, const char *code, const char *msg);

#endif
