/*
 * async.c - calls on the libuv thread pool, settled as Promises.
 *
 * invokeAsync(...refs) takes the same slots and reference arguments as invoke() (call.c) and
 * returns a Promise. It converts the arguments into a job that owns everything the call needs:
 * strings and struct bytes are copied into the job. The target runs on a pool thread (the execute
 * step makes no Node-API call); the complete step, back on the JS thread, converts the result
 * exactly as a synchronous call would and resolves the promise.
 *
 * Buffers passed as pointers: JS keeps running while C does, and may detach an ArrayBuffer
 * (transfer it) or shrink a resizable one, which frees or unmaps the memory C is using; Node-API
 * can neither pin a buffer nor refuse the detach. So C gets a copy of each ArrayBuffer's bytes the
 * call uses, owned by the job, and the complete step puts C's changes back (see put_back). Views
 * of one ArrayBuffer share one copy, at the same distances as in the buffer. A SharedArrayBuffer
 * can be neither detached nor shrunk: it is passed in place, kept alive by a reference.
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

/* The bytes [start, end) of a non-shared ArrayBuffer that the call uses, as C gets them. */
typedef struct {
  napi_ref buffer;
  size_t start, end;
  unsigned char *copy;   /* end - start bytes for C, then a NUL; NULL while empty */
  unsigned char *before; /* the bytes as the call took them, to tell C's changes from JS's */
  unsigned char *taken;  /* where the buffer's bytes were when the call took them */
  unsigned char *data;   /* where they are once the call completes; NULL if nowhere */
  size_t len;            /* and how many it has then */
} ak_span;

struct ak_job {
  ak_fn *fn;
  napi_deferred deferred;
  napi_async_work work;
  ak_frame frame; /* the converted arguments; strings live in it or in frame.owned */
  napi_ref *keep; /* the objects passed as pointers, alive until the call completes */
  uint32_t nkeep;
  ak_span *spans; /* the ArrayBuffers the call uses, one each */
  uint32_t nspans;
  void *rvalue;
  int err;            /* errno as the call starts with it (errno(value)), then as it left it */
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
  for (uint32_t i = 0; i < job->nspans; i++) {
    napi_delete_reference(env, job->spans[i].buffer);
    free(job->spans[i].copy);
  }
  free(job->spans);
  ak_frame_release(&job->frame);
  free(job->rvalue);
  if (job->work != NULL) napi_delete_async_work(env, job->work);
  if (job->lib_began) ak_lib_call_end(job->fn->lib);
  ak_fn_release(job->fn);
  free(job);
}

static void job_execute(napi_env env, void *data) {
  ak_job *job = data;
  errno = job->err;
  ak_current_job = job;
  if (job->fn->direct != NULL)
    ak_abi_direct_call(job->fn, job->rvalue, job->frame.avalues);
  else
    ffi_call(&job->fn->cif, FFI_FN(job->fn->addr), job->rvalue, job->frame.avalues);
  ak_current_job = NULL;
  job->err = errno;
}

/* Writes into dst the bytes where C's copy now differs from what the call took: C's changes
 * land, and what JS wrote meanwhile stays wherever C changed nothing. Blocks that C left alone
 * are skipped by memcmp; within the others, a branchless select the compiler vectorises. */
static void merge(unsigned char *restrict dst, const unsigned char *restrict copy,
                  const unsigned char *restrict before, size_t n) {
  enum { BLOCK = 4096 };
  for (size_t at = 0; at < n; at += BLOCK) {
    size_t k = n - at < BLOCK ? n - at : BLOCK;
    if (memcmp(copy + at, before + at, k) == 0) continue;
    for (size_t j = at; j < at + k; j++)
      dst[j] = copy[j] != before[j] ? copy[j] : dst[j];
  }
}

/* After the call, on the JS thread: puts C's changes back into each ArrayBuffer, as far as it
 * still has the bytes (none if it was detached), and makes a pointer result that points into a
 * copy point to the same byte of its buffer. */
static void put_back(napi_env env, ak_job *job) {
  for (uint32_t i = 0; i < job->nspans; i++) {
    ak_span *s = &job->spans[i];
    napi_value buffer = NULL;
    bool detached = true;
    void *data = NULL;
    size_t len = 0;
    if (s->copy == NULL || napi_get_reference_value(env, s->buffer, &buffer) != napi_ok ||
        buffer == NULL || napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok ||
        detached || napi_get_arraybuffer_info(env, buffer, &data, &len) != napi_ok || data == NULL)
      continue;
    s->data = data;
    s->len = len;
    if (len > s->start)
      merge(s->data + s->start, s->copy, s->before, (len < s->end ? len : s->end) - s->start);
  }
  if (job->fn->ret_kind != AK_PTR) return;
  ak_value *r = job->rvalue;
  for (uint32_t i = 0; i < job->nspans; i++) {
    const ak_span *s = &job->spans[i];
    uintptr_t p = (uintptr_t)r->ptr, copy = (uintptr_t)s->copy;
    if (s->data == NULL || p < copy || p - copy > s->end - s->start) continue;
    /* Past the buffer's end (it shrank) the address is left as it is: it names no byte there. */
    if (s->start + (p - copy) <= s->len) r->ptr = s->data + s->start + (p - copy);
    return;
  }
}

static void job_complete(napi_env env, napi_status status, void *data) {
  ak_job *job = data;
  napi_value value = NULL, err = job_error(env, job);
  /* What C wrote lands before the call settles, whether it resolves or rejects. */
  if (status == napi_ok) put_back(env, job);
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

/* Where a pointer argument's bytes are in the ArrayBuffer that the span `span` copies. */
typedef struct {
  uint32_t span; /* UINT32_MAX: the argument passes no ArrayBuffer */
  size_t offset;
} ak_arg_at;

/* Argument i passes the buffer `ref`, already converted to its address. The call keeps it alive
 * until it completes, as it would if C used its memory in place (a SharedArrayBuffer's it does).
 * For an ArrayBuffer's bytes, notes which of them it uses, widening the span of that buffer (one
 * per buffer) to take them in. */
static bool buffer_arg(napi_env env, ak_job *job, napi_value ref, ak_arg_at *at) {
  napi_value buffer;
  void *data = NULL;
  size_t offset = 0, len = 0;
  bool plain = false;
  if (napi_create_reference(env, ref, 1, &job->keep[job->nkeep]) != napi_ok) return false;
  job->nkeep++;
  if (!ak_view_address(env, ref, &data, &len) || !ak_view_buffer(env, ref, &buffer, &offset) ||
      napi_is_arraybuffer(env, buffer, &plain) != napi_ok || !plain)
    return true;
  for (uint32_t k = 0; k < job->nspans; k++) {
    ak_span *s = &job->spans[k];
    napi_value other = NULL;
    bool same = false;
    if (napi_get_reference_value(env, s->buffer, &other) != napi_ok ||
        napi_strict_equals(env, buffer, other, &same) != napi_ok)
      return false;
    if (!same) continue;
    if (offset < s->start) s->start = offset;
    if (offset + len > s->end) s->end = offset + len;
    *at = (ak_arg_at){k, offset};
    return true;
  }
  ak_span *s = &job->spans[job->nspans];
  if (napi_create_reference(env, buffer, 1, &s->buffer) != napi_ok) return false;
  s->taken = (unsigned char *)data - offset;
  s->start = offset;
  s->end = offset + len;
  *at = (ak_arg_at){job->nspans++, offset};
  return true;
}

/* Makes argument i independent of the JS heap for the job's lifetime. */
static bool own_arg(napi_env env, ak_job *job, uint32_t i, napi_value ref, ak_arg_at *at) {
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
  return buffer_arg(env, job, ref, at);
}

/* Copies each span's bytes for C, and points each argument that passed an ArrayBuffer at its
 * bytes in the copy. An empty span (of zero-length views only) has no bytes to copy: its
 * arguments keep their addresses. */
static bool copy_spans(ak_job *job, const ak_arg_at *at) {
  for (uint32_t k = 0; k < job->nspans; k++) {
    ak_span *s = &job->spans[k];
    size_t n = s->end - s->start;
    if (n == 0) continue;
    /* Both copies in one block; the NUL after C's keeps a string in it from running on. */
    if (n > (SIZE_MAX - 1) / 2 || (s->copy = malloc(2 * n + 1)) == NULL) return false;
    s->before = s->copy + n + 1;
    memcpy(s->copy, s->taken + s->start, n);
    memcpy(s->before, s->copy, n);
    s->copy[n] = 0;
  }
  for (uint32_t i = 0; i < job->fn->nargs; i++) {
    const ak_span *s = at[i].span == UINT32_MAX ? NULL : &job->spans[at[i].span];
    if (s != NULL && s->copy != NULL) job->frame.vals[i].ptr = s->copy + (at[i].offset - s->start);
  }
  return true;
}

static bool job_prepare(napi_env env, napi_callback_info info, ak_state *st, ak_job *job) {
  ak_fn *fn = job->fn;
  if (!ak_fn_open(env, fn)) return false;
  ak_arg_at stack_at[AK_STACK_ARGS];
  ak_arg_at *at = fn->nargs > AK_STACK_ARGS ? malloc(fn->nargs * sizeof *at) : stack_at;
  bool ok = ak_frame_init(&job->frame, fn->nargs) && at != NULL;
  job->keep = calloc(fn->nref ? fn->nref : 1, sizeof *job->keep);
  job->spans = calloc(fn->nref ? fn->nref : 1, sizeof *job->spans);
  job->rvalue = malloc(fn->ret->size > sizeof(ak_value) ? fn->ret->size : sizeof(ak_value));
  napi_value stack_argv[AK_STACK_ARGS], *argv = NULL;
  size_t argc = 0;
  if (!ok || job->keep == NULL || job->spans == NULL || job->rvalue == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory", fn->name);
    ok = false;
    goto done;
  }
  uint64_t passed = ak_passed_refs(st);
  argv = ak_get_refs(env, info, passed == 0 ? 0 : fn->nref, stack_argv, &argc);
  if (argv == NULL) {
    ok = false;
    goto done;
  }
  const double *slots = &st->slots[AK_SLOT_ARGS];
  for (uint32_t i = 0; ok && i < fn->nargs; i++) {
    napi_value ref = ak_ref_at(fn, i, argv, argc, passed);
    /* Struct bytes are copied whether they came in a buffer or at an address in the slot. */
    bool owns = ref != NULL || fn->args[i]->kind == AK_STRUCT;
    at[i] = (ak_arg_at){UINT32_MAX, 0};
    ok = ak_convert_arg(env, fn, &job->frame, i, slots[i], ref);
    if (ok && owns && !own_arg(env, job, i, ref, &at[i])) {
      ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory taking argument %u",
               fn->name, i + 1);
      ok = false;
    }
  }
  if (ok && !copy_spans(job, at)) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "%s(): out of memory copying its buffers",
             fn->name);
    ok = false;
  }
done:
  if (argv != stack_argv) free(argv);
  if (at != stack_at) free(at);
  return ok;
}

/* invokeAsync(...refs) -> Promise. */
napi_value ak_js_invoke_async(napi_env env, napi_callback_info info) {
  napi_value promise;
  napi_deferred deferred;
  ak_state *st = ak_state_get(env);
  ak_fn *fn = ak_fn_called(env, st);
  if (fn == NULL) return NULL;
  if (fn->engine) {
    /* A pool thread must not use Node-API, nor a JS value's handle outlive its call. */
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "%s.async(): a function taking or returning napi_env or napi_value runs on the JS "
             "thread only: call it synchronously",
             fn->name);
    return NULL;
  }
  if (ak_failed(env, napi_create_promise(env, &deferred, &promise))) return NULL;
  ak_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory");
    reject_pending(env, deferred);
    return promise;
  }
  ak_fn_retain(fn);
  job->fn = fn;
  job->deferred = deferred;
  job->err = ak_take_errno(st);

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
