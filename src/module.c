/*
 * module.c - module registration, per-environment state and the helpers every file shares.
 *
 * The addon is context-aware: all mutable state lives in an ak_state attached to the environment
 * as instance data, so the main thread and each worker thread get their own.
 */
#include "arkffi.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local ak_state *ak_thread_state;

ak_state *ak_state_lookup(napi_env env) {
  void *data = NULL;
  napi_status status = napi_get_instance_data(env, &data);
  assert(status == napi_ok && data != NULL);
  (void)status;
  return data;
}

napi_value ak_make_error(napi_env env, const char *cls, const char *code, const char *msg) {
  napi_value js_code, js_msg, err = NULL;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok)
    return NULL;
  napi_status status;
  if (strcmp(cls, "TypeError") == 0)
    status = napi_create_type_error(env, js_code, js_msg, &err);
  else if (strcmp(cls, "RangeError") == 0)
    status = napi_create_range_error(env, js_code, js_msg, &err);
  else
    status = napi_create_error(env, js_code, js_msg, &err);
  return status == napi_ok ? err : NULL;
}

void ak_throw(napi_env env, const char *cls, const char *code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);

  napi_value err = ak_make_error(env, cls, code, msg);
  if (err != NULL)
    napi_throw(env, err);
  else
    napi_throw_error(env, code, msg);
}

void ak_throw_arg(napi_env env, const char *cls, const char *code, const char *fn, uint32_t index,
                  const char *what, const char *problem) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s%sargument %u (%s) %s", fn != NULL ? fn : "",
           fn != NULL ? "(): " : "", index + 1, what, problem);
  napi_value err = ak_make_error(env, cls, code, msg), js_index;
  if (err == NULL) {
    napi_throw_error(env, code, msg);
    return;
  }
  /* argIndex is a convenience: the error is thrown without it if it cannot be set. */
  if (napi_create_uint32(env, index, &js_index) == napi_ok)
    napi_set_named_property(env, err, "argIndex", js_index);
  napi_throw(env, err);
}

bool ak_get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, size_t need,
                 const char *code, const char *usage) {
  size_t argc = n;
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return false;
  if (argc >= need) return true;
  ak_throw(env, "TypeError", code, "%s", usage);
  return false;
}

bool ak_failed(napi_env env, napi_status status) {
  if (status == napi_ok) return false;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    ak_throw(env, "Error", "ERR_ARKFFI_INTERNAL", "Node-API call failed: %s",
             info && info->error_message ? info->error_message : "unknown error");
  }
  return true;
}

char *ak_string_dup(napi_env env, napi_value value, const char *what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "%s must be a string", what);
    return NULL;
  }
  char *buf = malloc(len + 1);
  if (buf == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory copying %s", what);
    return NULL;
  }
  napi_get_value_string_utf8(env, value, buf, len + 1, &len);
  return buf;
}

char *ak_string_arg(napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value argv[1];
  if (ak_failed(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))) return NULL;
  if (argc < 1) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_ARG_TYPE", "%s must be a string", what);
    return NULL;
  }
  return ak_string_dup(env, argv[0], what);
}

napi_value ak_make_i64(napi_env env, int64_t v) {
  napi_value out = NULL;
  if (v >= -AK_SAFE_INT && v <= AK_SAFE_INT)
    napi_create_double(env, (double)v, &out);
  else
    napi_create_bigint_int64(env, v, &out);
  return out;
}

napi_value ak_make_u64(napi_env env, uint64_t v) {
  napi_value out = NULL;
  if (v <= (uint64_t)AK_SAFE_INT)
    napi_create_double(env, (double)v, &out);
  else
    napi_create_bigint_uint64(env, v, &out);
  return out;
}

static void state_finalize(napi_env env, void *data, void *hint) {
  ak_state *st = data;
  if (ak_thread_state == st) ak_thread_state = NULL;
  ak_callbacks_free(st);
  ak_fns_free(st);
  napi_delete_reference(env, st->slots_ref);
  if (st->shared_view_ref != NULL) napi_delete_reference(env, st->shared_view_ref);
  if (st->out_of_bounds_ref != NULL) napi_delete_reference(env, st->out_of_bounds_ref);
  free(st);
}

/* The shared slot buffer is handed to the TypeScript layer once, at load time, and never
 * exported further: only generated wrappers write to it. */
static napi_value make_slots(napi_env env, ak_state *st) {
  napi_value buf;
  void *data = NULL;
  size_t size = AK_SLOT_COUNT * sizeof(double) + AK_ARENA_SIZE;
  if (ak_failed(env, napi_create_arraybuffer(env, size, &data, &buf))) return NULL;
  if (ak_failed(env, napi_create_reference(env, buf, 1, &st->slots_ref))) return NULL;
  st->slots = data;
  return buf;
}

/* The canonical kind names in enum order, so JS can name a kind by its index. */
static napi_value make_kinds(napi_env env) {
  napi_value arr, name;
  if (ak_failed(env, napi_create_array_with_length(env, AK_KIND_COUNT, &arr))) return NULL;
  for (int k = 0; k < AK_KIND_COUNT; k++) {
    napi_create_string_utf8(env, ak_kind_name((ak_kind)k), NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, arr, (uint32_t)k, name);
  }
  return arr;
}

/* Every number of the shared buffer (protocol.h), and what the fast path can take, for the
 * TypeScript layer (lib/native.ts, NativeLayout). */
static napi_value make_layout(napi_env env, const ak_state *st) {
  const struct {
    const char *name;
    int32_t value;
  } fields[] = {
      {"slotResult", AK_SLOT_RESULT},
      {"slotFn", AK_SLOT_FN},
      {"slotCall", AK_SLOT_CALL},
      {"slotArgs", AK_SLOT_ARGS},
      {"maxArgs", AK_MAX_ARGS},
      {"fastRegs", AK_FAST_REGS},
      {"slotFastInt", AK_SLOT_FAST_INT},
      {"slotFastSse", AK_SLOT_FAST_SSE},
      {"slotDef", AK_SLOT_DEF},
      {"defId", AK_DEF_ID},
      {"defName", AK_DEF_NAME},
      {"defEntry", AK_DEF_ENTRY},
      {"defSlots", AK_DEF_SLOTS},
      {"defCount", AK_DEF_COUNT},
      {"entryNone", AK_ENTRY_NONE},
      {"entryFast", AK_ENTRY_FAST},
      {"entryPlain", AK_ENTRY_PLAIN},
      {"slotStruct", AK_SLOT_STRUCT},
      {"structBytes", AK_STRUCT_BYTES},
      {"slotArena", AK_SLOT_ARENA},
      {"arenaTop", AK_ARENA_TOP},
      {"arenaMark", AK_ARENA_MARK},
      {"slotCount", AK_SLOT_COUNT},
      {"arenaOffset", AK_SLOT_COUNT * (int32_t)sizeof(double)},
      {"arenaSize", AK_ARENA_SIZE},
      {"arenaString", AK_ARENA_STRING},
      {"passedMaxRefs", AK_PASSED_MAX_REFS},
      {"passedAll", AK_PASSED_ALL},
      {"refBits", AK_REF_BITS},
      {"refNone", AK_REF_NONE},
      {"refString", AK_REF_STRING},
      {"refObject", AK_REF_OBJECT},
      {"refOther", AK_REF_OTHER},
      {"stringFlagsShift", AK_STRING_FLAGS_SHIFT},
      {"stringBits", AK_STRING_BITS},
      {"stringNew", AK_STRING_NEW},
      {"stringAgain", AK_STRING_AGAIN},
      {"fastIntRegs", st->fast_enabled ? AK_ABI_INT_REGS : 0},
      {"fastSseRegs", st->fast_enabled ? AK_ABI_SSE_REGS : 0},
  };
  napi_value out, v;
  napi_create_object(env, &out);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    napi_create_int32(env, fields[i].value, &v);
    napi_set_named_property(env, out, fields[i].name, v);
  }
  return out;
}

/* Keeps this addon mapped until the process exits. Node.js dlcloses an addon when the last
 * environment that loaded it goes away, which happens when only workers use ArkFFI and the last
 * of them exits. But C code shared by the whole process may still hold a callback pointer (a
 * trampoline in our text, a libffi closure of the libffi we link) and call it from its own thread
 * at any time: it must find our code, and the inert record it reaches, still there. A second,
 * never-closed reference to ourselves, marked RTLD_NODELETE, makes every dlclose a no-op. Returns
 * NULL, or why it failed. */
static const char *pin_addon(void) {
  static atomic_bool pinned;
  if (atomic_load(&pinned)) return NULL;
  Dl_info self;
  /* Our own path as the dynamic linker knows it; RTLD_NOLOAD finds the loaded copy by it. */
  if (dladdr((const void *)&pin_addon, &self) == 0 || self.dli_fname == NULL)
    return "dladdr found no path for it";
  if (dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) == NULL) {
    const char *why = dlerror();
    return why != NULL ? why : "dlopen failed";
  }
  atomic_store(&pinned, true);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  const char *unpinned = pin_addon();
  if (unpinned != NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_INTERNAL", "arkffi: cannot keep the addon loaded: %s",
             unpinned);
    return NULL;
  }
  ak_state *st = calloc(1, sizeof *st);
  if (st == NULL) {
    napi_throw_error(env, "ERR_ARKFFI_NO_MEMORY", "arkffi: out of memory");
    return NULL;
  }
  st->env = env;
  st->errno_ptr = &errno;
  const char *general = getenv("ARKFFI_GENERAL_PATH");
  st->fast_enabled = !(general != NULL && strcmp(general, "1") == 0);
  napi_value slots = make_slots(env, st);
  if (slots == NULL || ak_failed(env, napi_set_instance_data(env, st, state_finalize, NULL))) {
    free(st);
    return NULL;
  }
  ak_thread_state = st;

  napi_value kinds = make_kinds(env), layout = make_layout(env, st), plain = ak_plain_entries(env);
  if (kinds == NULL || plain == NULL) return NULL;
  const napi_property_descriptor props[] = {
      {"slots", NULL, NULL, NULL, NULL, slots, napi_enumerable, NULL},
      {"kinds", NULL, NULL, NULL, NULL, kinds, napi_enumerable, NULL},
      {"layout", NULL, NULL, NULL, NULL, layout, napi_enumerable, NULL},
      {"typeInfo", NULL, ak_js_type_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, ak_js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, ak_js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"symbol", NULL, ak_js_symbol, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loader", NULL, ak_js_loader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"libraryFile", NULL, ak_js_library_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"symbolFile", NULL, ak_js_symbol_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"loadedFile", NULL, ak_js_loaded_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"narrowLibraries", NULL, ak_js_narrow_libraries, NULL, NULL, NULL, napi_enumerable, NULL},
      {"libraryLimits", NULL, ak_js_library_limits, NULL, NULL, NULL, napi_enumerable, NULL},
      {"realPath", NULL, ak_js_real_path, NULL, NULL, NULL, napi_enumerable, NULL},
      {"define", NULL, ak_js_define, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adopt", NULL, ak_js_adopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"invoke", NULL, ak_js_invoke, NULL, NULL, NULL, napi_enumerable, NULL},
      {"invokeFast", NULL, ak_js_invoke_fast, NULL, NULL, NULL, napi_enumerable, NULL},
      {"invokeFastRefs", NULL, ak_js_invoke_fast_refs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"plainEntries", NULL, NULL, NULL, NULL, plain, napi_enumerable, NULL},
      {"invokeAsync", NULL, ak_js_invoke_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"errno", NULL, ak_js_errno, NULL, NULL, NULL, napi_enumerable, NULL},
      {"callbackCreate", NULL, ak_js_callback_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"callbackClose", NULL, ak_js_callback_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"callbackRef", NULL, ak_js_callback_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"callbackThrew", NULL, ak_js_callback_threw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"callbackShutdown", NULL, ak_js_callback_shutdown, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ptr", NULL, ak_js_ptr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setSharedView", NULL, ak_js_set_shared_view, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, ak_js_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, ak_js_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"alloc", NULL, ak_js_alloc, NULL, NULL, NULL, napi_enumerable, NULL},
      {"free", NULL, ak_js_free, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readCString", NULL, ak_js_read_cstring, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readMemory", NULL, ak_js_read_memory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"toArrayBuffer", NULL, ak_js_to_arraybuffer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (ak_failed(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props)))
    return NULL;
  return exports;
}

#if defined(__OHOS__)
/* OpenHarmony loads `import ffi from 'libarkffi.so'` through a module registered when the library
 * is loaded, not through napi_register_module_v1. */
static napi_module ak_module = {
    .nm_version = 1,
    .nm_filename = NULL,
    .nm_register_func = init,
    .nm_modname = "arkffi",
};

__attribute__((constructor)) static void ak_register(void) {
  napi_module_register(&ak_module);
}
#else
NAPI_MODULE_INIT() {
  return init(env, exports);
}
#endif
