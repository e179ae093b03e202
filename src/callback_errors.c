/*
 * callback_errors.c - where the exception a JSCallback throws goes.
 */
#include "callback.h"

#include <assert.h>

/* Errors. An exception thrown by a callback goes, in this order, to:
 *  - the call that waits for the callback, when C runs it straight inside a call made from JS
 *    on this thread (st->cb_waits == st->cb_depth): the call rethrows it when C returns, and
 *    until then every callback on this thread returns zero without running JS (st->cb_failed);
 *  - the asynchronous call whose pool thread is blocked on the callback: its Promise rejects;
 *  - else the error hooks (lib/callback.ts), or an uncaught exception.
 * Any JS value may be thrown, and Node-API references only objects: a holder keeps it. */
napi_ref ak_hold(napi_env env, napi_value value) {
  napi_value holder;
  napi_ref ref = NULL;
  if (napi_create_object(env, &holder) != napi_ok ||
      napi_set_element(env, holder, 0, value) != napi_ok ||
      napi_create_reference(env, holder, 1, &ref) != napi_ok)
    return NULL;
  return ref;
}

napi_value ak_held(napi_env env, napi_ref ref) {
  napi_value holder = NULL, value = NULL;
  if (napi_get_reference_value(env, ref, &holder) != napi_ok || holder == NULL ||
      napi_get_element(env, holder, 0, &value) != napi_ok)
    return NULL;
  return value;
}

/* Gives err to the call or asynchronous call waiting for the running callback; false if none
 * waits, and the error is for the hooks. */
static bool take_error(napi_env env, ak_state *st, napi_value err) {
  if (st->cb_depth > 0 && st->cb_waits == st->cb_depth) {
    /* Once one callback failed, no JS runs until the call returns: no second error. */
    assert(!st->cb_failed);
    if ((st->cb_error = ak_hold(env, err)) == NULL) return false;
    st->cb_failed = true;
    return true;
  }
  if (st->cb_job != NULL && st->cb_job_depth == st->cb_depth) {
    ak_job_fail(env, st->cb_job, err);
    return true;
  }
  return false;
}

bool ak_callback_rethrow(napi_env env, ak_state *st) {
  assert(st->cb_failed && st->cb_error != NULL);
  napi_value err = ak_held(env, st->cb_error);
  napi_delete_reference(env, st->cb_error);
  st->cb_error = NULL;
  st->cb_failed = false;
  if (err == NULL)
    err = ak_make_error(env, "Error", "ERR_ARKFFI_INTERNAL",
                        "JSCallback: the error a callback threw was lost");
  if (err != NULL) napi_throw(env, err);
  return false;
}

napi_value ak_js_callback_threw(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value err = NULL, out = NULL;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, &err, NULL, NULL))) return NULL;
  if (argc < 1) napi_get_undefined(env, &err);
  napi_get_boolean(env, take_error(env, ak_state_get(env), err), &out);
  return out;
}

/* Reports a failure that the dispatcher could not catch (or that happened around it): to the
 * call waiting for the callback if there is one, else as an uncaught exception, the documented
 * default for errors in callbacks. */
void ak_cb_report(napi_env env, ak_state *st, const char *code, const char *msg) {
  bool pending = false;
  napi_value err = NULL;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
    napi_get_and_clear_last_exception(env, &err);
  else
    err = ak_make_error(env, "Error", code, msg);
  /* Nothing to report when JS cannot run at all (a worker being terminated): Node-API then
   * refuses napi_fatal_exception too, and C simply gets zero. */
  napi_valuetype type = napi_undefined;
  if (err != NULL && napi_typeof(env, err, &type) == napi_ok && type != napi_undefined &&
      type != napi_null && !take_error(env, st, err))
    napi_fatal_exception(env, err);
}
