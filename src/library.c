/*
 * library.c - loading libraries and resolving symbols.
 *
 * Lifecycle: open() -> symbol() / define() -> close(). An ak_lib is reference counted: the JS
 * handle holds one reference and every function defined from the library holds one, so a
 * function that outlives close() still finds its ak_lib and can report ERR_ARKFFI_CLOSED
 * instead of jumping into unmapped code.
 *
 * Only close() calls dlclose, and only once no call is still running the library's code: an
 * asynchronous call on a worker thread (it then happens when the last one completes), or, when
 * close() runs inside a JSCallback, a call on this thread's stack (it then happens once the JS
 * stack has unwound, from the event loop). A library that is merely
 * garbage collected stays loaded, because C may still hold pointers into it (function pointers,
 * static strings) that JS cannot see.
 */
#include "arkffi.h"

#include <assert.h>
#include <dlfcn.h>
#include <stdlib.h>

void ak_lib_retain(ak_lib *lib) {
  assert(lib->refs > 0);
  lib->refs++;
}

void ak_lib_release(ak_lib *lib) {
  assert(lib->refs > 0);
  if (--lib->refs == 0) free(lib);
}

void ak_lib_call_begin(ak_lib *lib) {
  assert(!lib->closed);
  lib->inflight++;
}

/* Runs on the JS thread, like close(), so the two never race. */
void ak_lib_call_end(ak_lib *lib) {
  assert(lib->inflight > 0);
  if (--lib->inflight == 0 && lib->closed && lib->handle != NULL) {
    dlclose(lib->handle);
    lib->handle = NULL;
  }
}

static void lib_finalize(napi_env env, void *data, void *hint) {
  ak_lib_release(data);
}

ak_lib *ak_lib_unwrap(napi_env env, napi_value value) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_HANDLE", "not a library handle");
    return NULL;
  }
  return data;
}

/* open(path: string | null) -> handle. Throws the loader's own reason on failure. */
napi_value ak_js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;

  napi_valuetype type = napi_undefined;
  if (argc > 0) napi_typeof(env, argv[0], &type);
  char *path = NULL;
  if (type == napi_string) {
    path = ak_string_dup(env, argv[0], "the library path");
    if (path == NULL) return NULL;
  } else if (type != napi_null) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE",
             "the library path must be a string, or null for the running process");
    return NULL;
  }

  dlerror();
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  free(path);
  if (handle == NULL) {
    const char *reason = dlerror();
    ak_throw(env, "Error", "ERR_ARKFFI_DLOPEN", "%s", reason ? reason : "dlopen failed");
    return NULL;
  }

  ak_lib *lib = malloc(sizeof *lib);
  if (lib == NULL) {
    dlclose(handle);
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory opening a library");
    return NULL;
  }
  lib->handle = handle;
  lib->refs = 1;
  lib->inflight = 0;
  lib->closed = false;
  napi_value out;
  if (ak_failed(env, napi_create_external(env, lib, lib_finalize, NULL, &out))) {
    dlclose(handle);
    free(lib);
    return NULL;
  }
  return out;
}

/* The deferred half of a close() made inside a callback, from the event loop: no call is on the
 * stack then. `env` is NULL when the environment is going away; the library is unloaded all the
 * same. */
static void close_later(napi_env env, napi_value unused, void *context, void *data) {
  ak_lib *lib = data;
  ak_lib_call_end(lib);
  ak_lib_release(lib);
}

/* A close() inside a JSCallback: C code of any library, this one included, may be on the stack
 * below the callback, and would return into unmapped code. The dlclose counts as a call in
 * flight until the event loop runs close_later. False, with an exception, if it cannot be
 * deferred. */
static bool defer_close(napi_env env, ak_state *st, ak_lib *lib) {
  if (st->lib_closer == NULL) {
    napi_value name;
    napi_status status =
        napi_create_string_utf8(env, "arkffi library close", NAPI_AUTO_LENGTH, &name);
    if (status == napi_ok)
      status = napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL,
                                               close_later, &st->lib_closer);
    /* Pending closes need not keep the process alive: exit unloads everything anyway. */
    if (status == napi_ok) status = napi_unref_threadsafe_function(env, st->lib_closer);
    if (ak_failed(env, status)) return false;
  }
  lib->inflight++;
  ak_lib_retain(lib);
  if (ak_failed(env, napi_call_threadsafe_function(st->lib_closer, lib, napi_tsfn_nonblocking))) {
    ak_lib_release(lib);
    lib->inflight--;
    return false;
  }
  return true;
}

/* close(handle) -> boolean: true if this call closed it, false if it was already closed. */
napi_value ak_js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  ak_lib *lib = argc > 0 ? ak_lib_unwrap(env, argv[0]) : NULL;
  if (lib == NULL) return NULL;

  bool closed_now = !lib->closed;
  lib->closed = true;
  ak_state *st = ak_state_get(env);
  if (closed_now && st->cb_depth > 0 && !defer_close(env, st, lib)) return NULL;
  if (closed_now && lib->inflight == 0) {
    dlclose(lib->handle);
    lib->handle = NULL;
  }
  napi_value out;
  napi_get_boolean(env, closed_now, &out);
  return out;
}

/* symbol(handle, name) -> address as a number. Throws ERR_ARKFFI_SYMBOL_NOT_FOUND with
 * dlerror()'s text, or ERR_ARKFFI_CLOSED. */
napi_value ak_js_symbol(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  ak_lib *lib = argc > 1 ? ak_lib_unwrap(env, argv[0]) : NULL;
  if (lib == NULL) return NULL;
  if (lib->closed) {
    ak_throw(env, "Error", "ERR_ARKFFI_CLOSED", "the library is closed");
    return NULL;
  }
  /* Names are short: look them up from the stack, so that getSymbolPtr allocates nothing. */
  char stack_name[256];
  size_t len = 0;
  char *name = stack_name;
  if (napi_get_value_string_utf8(env, argv[1], stack_name, sizeof stack_name, &len) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "the symbol name must be a string");
    return NULL;
  }
  if (len + 5 > sizeof stack_name &&
      (name = ak_string_dup(env, argv[1], "the symbol name")) == NULL)
    return NULL;

  dlerror();
  void *addr = dlsym(lib->handle, name);
  const char *reason = dlerror();
  if (name != stack_name) free(name);
  if (reason != NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_SYMBOL_NOT_FOUND", "%s", reason);
    return NULL;
  }
  napi_value out;
  napi_create_double(env, (double)(uintptr_t)addr, &out);
  return out;
}
