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
#include <link.h>
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

/* The bits of open()'s flags argument (lib/library.ts maps dlopen()'s options onto them). */
enum { OPEN_DEEP = 1, OPEN_GLOBAL = 2, OPEN_LAZY = 4 };

/* Whether a sanitizer runtime is in the process. ASan, TSan, MSan and HWASan intercept dlopen and
 * kill the process when it is called with RTLD_DEEPBIND, so deep binding must never reach them. */
static bool sanitizer_loaded(void) {
  static const char *const inits[] = {"__asan_init", "__tsan_init", "__msan_init", "__hwasan_init"};
  for (size_t i = 0; i < sizeof inits / sizeof inits[0]; i++)
    if (dlsym(RTLD_DEFAULT, inits[i]) != NULL) return true;
  return false;
}

/* dl_iterate_phdr visits the loaded objects in load order, which is the order the global scope
 * searches them: the executable, preloaded objects, then their dependencies. The first object
 * that itself defines malloc is the one every caller gets. */
struct first_malloc {
  void *libc_malloc;
  bool found, interposed;
};

static int find_first_malloc(struct dl_phdr_info *object, size_t size, void *data) {
  struct first_malloc *search = data;
  if (object->dlpi_name == NULL || object->dlpi_name[0] == '\0') return 0;
  void *handle = dlopen(object->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == NULL) {
    dlerror();
    return 0;
  }
  void *addr = dlsym(handle, "malloc");
  Dl_info where;
  /* dlsym on a handle also searches the object's dependencies: it defines malloc itself only if
   * the address lies in its own mapping. */
  bool own = addr != NULL && dladdr(addr, &where) != 0 &&
             (uintptr_t)where.dli_fbase == (uintptr_t)object->dlpi_addr;
  dlclose(handle);
  if (!own) return 0;
  search->found = true;
  search->interposed = addr != search->libc_malloc;
  return 1;
}

/* Whether the process's malloc is not libc's own (a preloaded jemalloc, tcmalloc, a sanitizer).
 * A library opened with RTLD_DEEPBIND binds malloc and free to libc's copies first, so memory
 * would cross between two allocators: deep binding is then no safe default. The executable's
 * own entry (a non-PIE executable's PLT stub, which dlsym returns for RTLD_DEFAULT) is skipped:
 * such a stub only forwards to the definition found here. */
static bool malloc_interposed(void) {
  void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  if (libc == NULL) return true;
  struct first_malloc search = {dlsym(libc, "malloc"), false, false};
  dlclose(libc);
  if (search.libc_malloc == NULL) return true;
  dl_iterate_phdr(find_first_malloc, &search);
  return !search.found || search.interposed;
}

/* loader() -> { deep, deepDefault, sanitizer }: whether this platform's loader has RTLD_DEEPBIND,
 * whether it is safe to deep-bind by default in this process, and whether a sanitizer would abort
 * on it. */
napi_value ak_js_loader(napi_env env, napi_callback_info info) {
#ifdef RTLD_DEEPBIND
  bool deep = true;
#else
  bool deep = false;
#endif
  bool sanitizer = sanitizer_loaded();
  bool deep_default = deep && !sanitizer && !malloc_interposed();
  napi_value out, v;
  if (ak_failed(env, napi_create_object(env, &out))) return NULL;
  const struct {
    const char *name;
    bool value;
  } fields[] = {{"deep", deep}, {"deepDefault", deep_default}, {"sanitizer", sanitizer}};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    if (ak_failed(env, napi_get_boolean(env, fields[i].value, &v)) ||
        ak_failed(env, napi_set_named_property(env, out, fields[i].name, v)))
      return NULL;
  }
  return out;
}

/* open(path: string | null, flags: number) -> handle. Throws the loader's own reason on failure.
 * The options were checked in JS; deep binding where the loader lacks it is refused here too. */
napi_value ak_js_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!ak_get_args(env, info, 2, argv, 0, NULL, NULL)) return NULL;
  napi_valuetype type = napi_undefined, flags_type = napi_undefined;
  napi_typeof(env, argv[0], &type);
  napi_typeof(env, argv[1], &flags_type);
  uint32_t flags = 0;
  if (flags_type != napi_undefined && napi_get_value_uint32(env, argv[1], &flags) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "the open flags must be a number");
    return NULL;
  }
  int mode =
      (flags & OPEN_LAZY ? RTLD_LAZY : RTLD_NOW) | (flags & OPEN_GLOBAL ? RTLD_GLOBAL : RTLD_LOCAL);
  if (flags & OPEN_DEEP) {
#ifdef RTLD_DEEPBIND
    mode |= RTLD_DEEPBIND;
#else
    ak_throw(env, "Error", "ERR_ARKFFI_INVALID_OPTION",
             "deep binding (RTLD_DEEPBIND) is not available on this platform");
    return NULL;
#endif
  }
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
  void *handle = dlopen(path, mode);
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
  napi_value argv[1];
  ak_lib *lib = NULL;
  if (!ak_get_args(env, info, 1, argv, 0, NULL, NULL) ||
      (lib = ak_lib_unwrap(env, argv[0])) == NULL)
    return NULL;
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

/* The open library that argument 0 wraps, or NULL with an exception pending (none given, not a
 * library, or closed). */
static ak_lib *open_lib_arg(napi_env env, size_t argc, napi_value *argv) {
  ak_lib *lib = argc > 0 ? ak_lib_unwrap(env, argv[0]) : NULL;
  if (lib != NULL && lib->closed) {
    ak_throw(env, "Error", "ERR_ARKFFI_CLOSED", "the library is closed");
    return NULL;
  }
  return lib;
}

/* symbol(handle, name) -> address as a number. Throws ERR_ARKFFI_SYMBOL_NOT_FOUND with
 * dlerror()'s text, or ERR_ARKFFI_CLOSED. */
napi_value ak_js_symbol(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  ak_lib *lib = argc > 1 ? open_lib_arg(env, argc, argv) : NULL;
  if (lib == NULL) return NULL;
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

/* A file name for JS: a string, or null for NULL. */
static napi_value file_name(napi_env env, const char *name) {
  napi_value out;
  napi_status status = name != NULL ? napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out)
                                    : napi_get_null(env, &out);
  return ak_failed(env, status) ? NULL : out;
}

/* The file the loader opened for a handle ('' for the running process), or NULL. */
static const char *handle_file(void *handle) {
  struct link_map *map = NULL;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == NULL) return NULL;
  return map->l_name != NULL ? map->l_name : "";
}

/* libraryFile(handle) -> string: the file the loader opened for the library, as it names it
 * ('' for the running process), so that a check made before opening can be made again on the
 * loader's own answer. */
napi_value ak_js_library_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  ak_lib *lib = open_lib_arg(env, argc, argv);
  if (lib == NULL) return NULL;
  const char *file = handle_file(lib->handle);
  if (file == NULL) {
    const char *reason = dlerror();
    ak_throw(env, "Error", "ERR_ARKFFI_DLOPEN", "%s", reason ? reason : "dlinfo failed");
    return NULL;
  }
  return file_name(env, file);
}

/* symbolFile(address: number) -> string | null: the file whose mapping holds the address (for
 * the running program, its path as the loader knows it), or null if none does. */
napi_value ak_js_symbol_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double address = 0;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 1 || napi_get_value_double(env, argv[0], &address) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "the address must be a number");
    return NULL;
  }
  Dl_info where;
  bool found = dladdr((const void *)(uintptr_t)address, &where) != 0;
  return file_name(env, found ? where.dli_fname : NULL);
}

/* loadedFile(name: string) -> string | null: the file of the already loaded library that
 * dlopen(name) would reuse, or null if none is loaded by that name. Loads nothing. */
napi_value ak_js_loaded_file(napi_env env, napi_callback_info info) {
  char *name = ak_string_arg(env, info, "the library name");
  if (name == NULL) return NULL;
  void *handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
  free(name);
  if (handle == NULL) {
    dlerror();
    return file_name(env, NULL);
  }
  napi_value out = file_name(env, handle_file(handle));
  dlclose(handle);
  return out;
}
