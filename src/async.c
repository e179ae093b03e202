/*
 * async.c - calls on the libuv thread pool, settled as Promises.
 *
 * invokeAsync(...refs) takes the same slots and reference arguments as invoke() (call.c) and
 * returns a Promise. It converts the arguments into a job that owns everything the call needs:
 * strings and struct bytes are copied into the job, and every buffer passed as a pointer is kept
 * alive by a reference until the call completes. The target runs on a pool thread (the execute
 * step makes no Node-API call); the complete step, back on the JS thread, converts the result
 * exactly as a synchronous call would and resolves the promise.
 *
 * Nothing here throws: a bad argument, a closed library or a failed conversion rejects the
 * promise. While a job runs, its function and library stay alive, and closing the library
 * defers the dlclose until the job completes (library.c).
 */
#include "arkffi.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct ak_job {
  ak_fn *fn;
  napi_deferred deferred;
  napi_async_work work;
  ak_frame frame; /* the converted arguments; strings live in it or in frame.owned */
  napi_ref *keep; /* buffers whose memory the call uses */
  uint32_t nkeep;
  void *rvalue;
  int err;            /* errno as the call left it */
  bool lib_began;     /* ak_lib_call_begin was called */
  napi_ref error;     /* what a threadsafe callback threw while the call waited (ak_job_fail) */
  atomic_bool failed; /* error is set: the call's later callbacks get zero (ak_job_failed) */
};

_Thread_local ak_job *ak_current_job;

void ak_job_fail(napi_env env, ak_job *job, napi_value err) {
  if (job->error != NULL) return; /* the first error is the one the call reports */
  if ((job->error = ak_hold(env, err)) != NULL)
    atomic_store_explicit(&job->failed, true, memory_order_release);
}

bool ak_job_failed(const ak_job *job) {
  return atomic_load_explicit(&job->failed, memory_order_acquire);
}

/* The error ak_job_fail kept, or NULL. */
static napi_value job_error(napi_env env, ak_job *job) {
  return job->error == NULL ? NULL : ak_held(env, job->error);
}

/* Rejects with the pending exception (or a generic error if none is pending). */
static void reject_pending(napi_env env, napi_deferred deferred) {
  napi_value err = NULL;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) napi_get_and_clear_last_exception(env, &err);
  if (err == NULL) {
    napi_value msg;
    napi_create_string_utf8(env, "asynchronous call failed", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
  }
  napi_reject_deferred(env, deferred, err);
}

static void job_free(napi_env env, ak_job *job) {
  if (job->error != NULL) napi_delete_reference(env, job->error);
  for (uint32_t i = 0; i < job->nkeep; i++)
    napi_delete_reference(env, job->keep[i]);
  free(job->keep);
  ak_frame_release(&job->frame);
  free(job->rvalue);
  if (job->work != NULL) napi_delete_async_work(env, job->work);
  if (job->lib_began) ak_lib_call_end(job->fn->lib);
  ak_fn_release(job->fn);
  free(job);
}

static void job_execute(napi_env env, void *data) {
  ak_job *job = data;
  errno = 0;
  ak_current_job = job;
  ffi_call(&job->fn->cif, FFI_FN(job->fn->addr), job->rvalue, job->frame.avalues);
  ak_current_job = NULL;
  job->err = errno;
}

static void job_complete(napi_env env, napi_status status, void *data) {
  ak_job *job = data;
  napi_value value = NULL, err = job_error(env, job);
  if (err != NULL) {
    /* A callback threw while the call waited for it: the call's caller gets the error. */
    napi_reject_deferred(env, job->deferred, err);
    job_free(env, job);
    return;
  }
  if (status == napi_ok) {
    job->fn->state->last_errno = job->err;
    value = ak_result_to_js(env, job->fn, job->rvalue);
  }
  if (value != NULL)
    napi_resolve_deferred(env, job->deferred, value);
  else
    reject_pending(env, job->deferred);
  job_free(env, job);
}

/* Makes argument i independent of the JS heap for the job's lifetime. */
static bool own_arg(napi_env env, ak_job *job, uint32_t i, napi_value ref) {
  const ak_type *t = job->fn->args[i];
  if (t->kind == AK_STRUCT) {
    /* The struct bytes are copied: the caller may reuse its buffer while the call runs. */
    void *copy = malloc(t->size);
    if (copy == NULL) return false;
    memcpy(copy, job->frame.avalues[i], t->size);
    job->frame.avalues[i] = copy;
    job->frame.owned[job->frame.nowned++] = copy;
    return true;
  }
  napi_valuetype type;
  napi_typeof(env, ref, &type);
  if (type != napi_object) return true; /* BigInts and strings are already converted copies */
  return napi_create_reference(env, ref, 1, &job->keep[job->nkeep++]) == napi_ok;
}

static bool job_prepare(napi_env env, napi_callback_info info, ak_state *st, ak_job *job) {
  ak_fn *fn = job->fn;
  if (!ak_fn_open(env, fn)) return false;
  if (!ak_frame_init(&job->frame, fn->nargs)) return false;
  job->keep = calloc(fn->nref ? fn->nref : 1, sizeof *job->keep);
  job->rvalue = malloc(fn->ret->size > sizeof(ak_value) ? fn->ret->size : sizeof(ak_value));
  if (job->keep == NULL || job->rvalue == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    return false;
  }
  napi_value stack_argv[AK_STACK_ARGS];
  size_t argc = 0;
  uint64_t passed = ak_passed_refs(st);
  napi_value *argv = ak_get_refs(env, info, passed == 0 ? 0 : fn->nref, stack_argv, &argc);
  if (argv == NULL) return false;
  bool ok = true;
  const double *slots = &st->slots[AK_SLOT_ARGS];
  for (uint32_t i = 0; ok && i < fn->nargs; i++) {
    napi_value ref = ak_ref_at(fn, i, argv, argc, passed);
    /* Struct bytes are copied whether they came in a buffer or at an address in the slot. */
    bool owns = ref != NULL || fn->args[i]->kind == AK_STRUCT;
    ok = ak_convert_arg(env, fn, &job->frame, i, slots[i], ref) &&
         (!owns || own_arg(env, job, i, ref));
  }
  if (argv != stack_argv) free(argv);
  return ok;
}

/* invokeAsync(...refs) -> Promise. */
napi_value ak_js_invoke_async(napi_env env, napi_callback_info info) {
  napi_value promise;
  napi_deferred deferred;
  if (ak_failed(env, napi_create_promise(env, &deferred, &promise))) return NULL;
  ak_state *st = ak_state_get(env);
  ak_fn *fn = ak_fn_called(st);
  ak_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory");
    reject_pending(env, deferred);
    return promise;
  }
  ak_fn_retain(fn);
  job->fn = fn;
  job->deferred = deferred;

  napi_value name;
  napi_create_string_utf8(env, "arkffi.call", NAPI_AUTO_LENGTH, &name);
  if (!job_prepare(env, info, st, job) ||
      ak_failed(env, napi_create_async_work(env, NULL, name, job_execute, job_complete, job,
                                            &job->work))) {
    reject_pending(env, deferred);
    job_free(env, job);
    return promise;
  }
  if (fn->lib != NULL) {
    ak_lib_call_begin(fn->lib);
    job->lib_began = true;
  }
  if (ak_failed(env, napi_queue_async_work(env, job->work))) {
    reject_pending(env, deferred);
    job_free(env, job);
  }
  return promise;
}
