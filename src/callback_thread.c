/*
 * callback_thread.c - JSCallback calls from threads other than the callback's JS thread.
 *
 * A threadsafe callback hands the call to the JS thread through a napi_threadsafe_function. A
 * blocking one (the default) waits for the result on a mutex and condition variable living on
 * the caller's stack; a fire-and-forget one (void only) copies the arguments to the heap and
 * returns at once. At the process's exit every waiting call is answered with zero.
 */
#include "callback.h"

#include <stdio.h>
#include <stdlib.h>

/* Takes w off cb's waiting list; false if it is not there (the exiting process answered it).
 * Called with cb->lock held. */
static bool unlink_waiter(ak_cb *cb, ak_cb_wait *w) {
  for (ak_cb_wait **at = &cb->waiters; *at != NULL; at = &(*at)->next)
    if (*at == w) {
      *at = w->next;
      return true;
    }
  return false;
}

/* Hands `data` (with `w`, its waiting call, if it blocks) to the JS thread; false once the
 * callback is closed, its environment gone or the process exiting. */
static bool post(ak_cb *cb, void *data, ak_cb_wait *w) {
  pthread_mutex_lock(&cb->lock);
  bool ok = !ak_cb_closed(cb) && !cb->shut && cb->tsfn != NULL;
  if (ok && w != NULL) {
    w->next = cb->waiters;
    cb->waiters = w;
  }
  ok = ok && napi_call_threadsafe_function(cb->tsfn, data, napi_tsfn_blocking) == napi_ok;
  if (!ok && w != NULL) unlink_waiter(cb, w);
  pthread_mutex_unlock(&cb->lock);
  return ok;
}

/* Tells the waiting thread that its answer is in place. The waiter frees `w` as soon as it sees
 * `done`: nothing may touch it after the unlock. */
static void answer(ak_cb_wait *w) {
  pthread_mutex_lock(&w->lock);
  w->done = true;
  pthread_cond_signal(&w->cond);
  pthread_mutex_unlock(&w->lock);
}

static size_t round_up(size_t n) {
  const size_t align = _Alignof(max_align_t);
  return (n + align - 1) / align * align;
}

/* The string argument i points to, if it is one (NULL for NULL), and its bytes, NUL included. */
static const char *string_arg(const ak_cb *cb, uint32_t i, void **args, size_t *bytes) {
  unsigned unit = ak_kinds[cb->kinds[i]].unit;
  const char *s = unit != 0 ? *(const char *const *)args[i] : NULL;
  *bytes = s != NULL ? unit * (ak_text_units(s, unit, SIZE_MAX) + 1) : 0;
  return s;
}

/* A fire-and-forget call outlives its caller's frame: copy the argument values (and the
 * strings they point to) into one heap block, laid out as the argument pointer array, then the
 * values, then the strings (each aligned, as its code units must be). */
static void **detach_args(const ak_cb *cb, void **args) {
  size_t values = round_up(cb->nargs * sizeof(void *)), size = values, bytes;
  for (uint32_t i = 0; i < cb->nargs; i++) {
    string_arg(cb, i, args, &bytes);
    size += round_up(cb->args[i]->size) + round_up(bytes);
  }
  void **copy = malloc(size ? size : 1);
  if (copy == NULL) return NULL;
  char *at = (char *)copy + values, *strings = at;
  for (uint32_t i = 0; i < cb->nargs; i++)
    strings += round_up(cb->args[i]->size);
  for (uint32_t i = 0; i < cb->nargs; i++) {
    copy[i] = at;
    memcpy(at, args[i], cb->args[i]->size);
    const char *s = string_arg(cb, i, args, &bytes);
    if (s != NULL) {
      memcpy(strings, s, bytes);
      memcpy(at, &strings, sizeof strings); /* the argument now points to the copy */
      strings += round_up(bytes);
    }
    at += round_up(cb->args[i]->size);
  }
  return copy;
}

/* C called a threadsafe callback from a thread other than its JS thread. */
void ak_cb_run_from_thread(ak_cb *cb, void *ret, void **args) {
  if (!cb->blocking) {
    void **copy = detach_args(cb, args);
    if (copy == NULL) {
      fprintf(stderr, "arkffi: out of memory queueing a JSCallback call; it was dropped\n");
      return;
    }
    if (!post(cb, copy, NULL)) free(copy);
    return;
  }
  ak_cb_wait w = {.ret = ret, .args = args, .job = ak_current_job, .done = false};
  /* A callback threw for the asynchronous call this thread runs: as on the JS thread, no more
   * JS until the call returns. */
  if (w.job != NULL && ak_job_failed(w.job)) {
    ak_cb_zero_result(cb, ret);
    return;
  }
  pthread_mutex_init(&w.lock, NULL);
  pthread_cond_init(&w.cond, NULL);
  if (post(cb, &w, &w)) {
    pthread_mutex_lock(&w.lock);
    while (!w.done)
      pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
  } else {
    ak_cb_zero_result(cb, ret);
  }
  pthread_cond_destroy(&w.cond);
  pthread_mutex_destroy(&w.lock);
}

/* The threadsafe function's call on the JS thread. `env` is NULL when Node-API drains the queue
 * while tearing the function down: the waiting caller then gets zero. */
void ak_cb_call_js(napi_env env, napi_value unused, void *context, void *data) {
  ak_cb *cb = context;
  bool live = env != NULL && !ak_cb_closed(cb);
  if (!cb->blocking) {
    if (live) ak_cb_run_js(cb, env, NULL, data);
    free(data);
    return;
  }
  ak_cb_wait *w = data;
  /* Once the process is exiting, every waiter was answered, this one too: it may be gone. */
  pthread_mutex_lock(&cb->lock);
  bool shut = cb->shut;
  pthread_mutex_unlock(&cb->lock);
  if (shut) return;
  if (live) {
    /* An error goes to the asynchronous call that waits, if the caller is running one. */
    ak_state *st = cb->state;
    ak_job *job = st->cb_job;
    uint32_t job_depth = st->cb_job_depth;
    st->cb_job = w->job;
    st->cb_job_depth = st->cb_depth + 1;
    ak_cb_run_js(cb, env, w->ret, w->args);
    st->cb_job = job;
    st->cb_job_depth = job_depth;
  } else {
    ak_cb_zero_result(cb, w->ret);
  }
  /* The 'exit' event runs on this thread, so it cannot have come between: only a callback that
   * emitted it itself, and returned, would find w answered already. */
  pthread_mutex_lock(&cb->lock);
  bool waiting = unlink_waiter(cb, w);
  pthread_mutex_unlock(&cb->lock);
  if (waiting) answer(w);
}

void ak_cb_tsfn_finalize(napi_env env, void *data, void *hint) {
  ak_cb *cb = data;
  pthread_mutex_lock(&cb->lock);
  cb->tsfn = NULL;
  pthread_mutex_unlock(&cb->lock);
}

/* The process is exiting (the 'exit' event, lib/callback.ts): Node.js will not run this thread's
 * event loop again, and joins the thread pool before it exits, so a pool thread waiting for a
 * threadsafe callback would wait forever. Every waiting call gets zero now, and later calls from
 * other threads get zero at once; calls on this thread still run. */
static void ak_callbacks_shutdown(ak_state *st) {
  for (ak_cb *cb = st->callbacks; cb != NULL; cb = cb->next) {
    if (!cb->threadsafe) continue;
    pthread_mutex_lock(&cb->lock);
    cb->shut = true;
    for (ak_cb_wait *w = cb->waiters, *next; w != NULL; w = next) {
      next = w->next;
      ak_cb_zero_result(cb, w->ret);
      answer(w);
    }
    cb->waiters = NULL;
    pthread_mutex_unlock(&cb->lock);
  }
}

napi_value ak_js_callback_shutdown(napi_env env, napi_callback_info info) {
  ak_callbacks_shutdown(ak_state_get(env));
  return NULL;
}
