/*
 * arkffi.h - the internal interface between the files of the native core.
 *
 * The core is split by concern:
 *   module.c   per-environment state, error helpers, the exports table
 *   kinds.c    the table of kinds: one row each (name, descriptor, conversions, memory)
 *   kinds.h    what a kind is, its row, and the number conversions the call path inlines
 *   types.c    type names -> kinds, struct descriptors and layouts
 *   library.c  dlopen / dlsym / dlclose and the library lifecycle
 *   define.c   function definitions (one ffi_cif each), the table of them, adopt()
 *   call.c     the call itself: the native entries (general and fast) and the results
 *   convert.c  a call's arguments from JS to C, their errors, the frame that holds them
 *   memory.c   pointers, C strings and raw memory reads
 *   text.c     NUL-terminated UTF-8, UTF-16 and UTF-32 strings to and from JS strings
 *   napi.h     the host's Node-API header (Node.js, or OpenHarmony's NDK)
 *   protocol.h the shared slot buffer: every slot, region, bit and code of it
 *   abi.h      what the core asks of the calling convention, answered by one file per ABI:
 *   abi_x64_sysv.c  x86-64 System V: register plans, struct classes, direct calls (+ its .h)
 *   abi_portable.c  every other target: libffi decides (+ its .h; AArch64 keeps the fast path)
 *   async.c    calls on the libuv thread pool, settled as Promises
 *   callback.c JSCallback: C function pointers (trampolines, libffi closures) that call JS
 *   callback_thread.c  JSCallback calls from other threads (threadsafe functions)
 *   callback_errors.c  where a callback's exception goes
 *   callback.h the JSCallback record, shared by the three callback files only
 *
 * How a call travels: the TypeScript layer generates one JS wrapper per defined function. The
 * wrapper validates every argument, writes the function's address and plain numbers into the
 * environment's shared slot buffer (`ak_state.slots`, laid out in protocol.h) and passes only the
 * values that need the engine (strings, buffers, BigInts) as Node-API arguments to one of three
 * shared native entries (call.c). The entry reads every slot before it calls the target and
 * writes the result slot after it returns, so a callback that makes a nested call cannot disturb
 * an outer one. docs/internals.md tells the whole journey.
 */
#ifndef ARKFFI_H
#define ARKFFI_H

#include "abi.h"
#include "kinds.h"
#include "protocol.h"

#include <ffi.h>
#include "napi.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A loaded library. Shared by the JS handle and every function defined from it; freed when the
 * last of them lets go. Once `closed`, no new call may start; the dlclose itself waits until no
 * asynchronous call is running code of the library (`inflight`), then `handle` is NULL. */
typedef struct ak_lib {
  void *handle;
  uint32_t refs;
  uint32_t inflight;
  bool closed;
} ak_lib;

typedef struct ak_fn ak_fn;

/* Per-environment state (Node-API instance data): one per main thread or worker. */
typedef struct ak_state {
  napi_env env;
  double *slots; /* data of the shared ArrayBuffer: AK_SLOT_COUNT slots, then the arena */
  /* Defined functions by id, in place (define.c): a free record is all zero; ids are reused.
   * The records never move, so a record's address names it for good (ak_fn_called). Next to
   * `slots`: every call reads both. */
  union ak_fn_record *fns;
  uint32_t nfns;     /* records usable (the rest of the reservation is not yet) */
  uint32_t fns_free; /* no id below this one is free */
  napi_ref slots_ref;
  /* The TypeScript layer's view maker for SharedArrayBuffers (memory.c, shared_buffer_address);
   * NULL until it is set. */
  napi_ref shared_view_ref;
  napi_ref out_of_bounds_ref;
  int last_errno;
  int next_errno;    /* what errno is before the next call starts (errno(value)); 0 after it */
  int *errno_ptr;    /* this thread's errno, found once: the call path saves a libc call */
  bool fast_enabled; /* false when ARKFFI_GENERAL_PATH=1 forces every call through libffi */
  /* Every JSCallback made in this environment, newest first (callback.c). */
  struct ak_cb *callbacks;
  /* Handles that callbacks called during the current call may still leave in that call's own
   * handle scope, instead of each opening one (see ak_calls_back). */
  uint32_t cb_handles;
  /* Where a callback's exception goes (callback.c, "Errors"). `cb_depth` counts the JS
   * callbacks running on this thread; `cb_waits` is 1 + cb_depth as the innermost call that
   * takes a pointer found it (0: none), so a callback runs straight under that call exactly when
   * cb_depth == cb_waits. `cb_error` is the exception such a callback threw, which the call
   * rethrows when C returns; meanwhile (`cb_failed`) callbacks on this thread return zero. */
  uint32_t cb_depth;
  uint32_t cb_waits;
  napi_ref cb_error;
  bool cb_failed;
  /* The asynchronous call whose pool thread is waiting for the callback running at depth
   * cb_job_depth (from the threadsafe queue), or NULL. */
  struct ak_job *cb_job;
  uint32_t cb_job_depth;
  /* Runs deferred dlcloses once the JS stack has unwound (library.c); NULL until first used. */
  napi_threadsafe_function lib_closer;
} ak_state;

/* module.c */
/* The state of the environment that runs on this thread. Node.js runs each environment (the main
 * one, each worker) on a thread of its own, so this answers ak_state_get in one load on the call
 * path; the Node-API lookup remains the fallback for any host that shares a thread. */
extern _Thread_local ak_state *ak_thread_state __attribute__((tls_model("initial-exec")));
ak_state *ak_state_lookup(napi_env env);
static inline ak_state *ak_state_get(napi_env env) {
  ak_state *st = ak_thread_state;
  return st != NULL && st->env == env ? st : ak_state_lookup(env);
}
/* The errno the next call starts with: 0, unless errno(value) set one, which is used once. */
static inline int ak_take_errno(ak_state *st) {
  int value = st->next_errno;
  st->next_errno = 0;
  return value;
}
/* Creates (without throwing) an error of class cls with a `code`; NULL if that fails. */
napi_value ak_make_error(napi_env env, const char *cls, const char *code, const char *msg);
/* Throws a JS error of the given class ("Error", "TypeError", "RangeError") with a `code`. */
void ak_throw(napi_env env, const char *cls, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Throws an error about argument `index` (0-based) named `what`, with `argIndex` set: "fn():
 * argument 2 (what) problem", without "fn(): " when fn is NULL (the TypeScript layer, which knows
 * which function was called, adds it then). */
void ak_throw_arg(napi_env env, const char *cls, const char *code, const char *fn, uint32_t index,
                  const char *what, const char *problem);
/* A call's first n arguments in argv (undefined past those given). False, with an exception
 * pending, when that fails or fewer than `need` were given: a TypeError with `code` and `usage`
 * as its message. */
bool ak_get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, size_t need,
                 const char *code, const char *usage);
/* True when a Node-API status failed; throws a generic error unless one is already pending. */
bool ak_failed(napi_env env, napi_status status);
/* Reads a JS string into a fresh malloc'd buffer; NULL (with an exception pending) on failure. */
char *ak_string_dup(napi_env env, napi_value value, const char *what);
/* The same for the first argument of a call, which must be there; `what` names it in errors. */
char *ak_string_arg(napi_env env, napi_callback_info info, const char *what);
/* Number (safe integer) when exact, BigInt otherwise. */
napi_value ak_make_i64(napi_env env, int64_t v);
napi_value ak_make_u64(napi_env env, uint64_t v);

/* types.c */
/* Resolves a type name (canonical, FFIType value, bun:ffi name, ArkFFI letter, C name). */
bool ak_kind_parse(const char *name, ak_kind *out);
/* Builds a type from a JS description: a type name, or an array of member descriptions (a struct
 * by value). Throws and returns NULL on a bad description. */
ak_type *ak_type_from_js(napi_env env, napi_value desc);
void ak_type_free(ak_type *type);
napi_value ak_js_type_info(napi_env env, napi_callback_info info);

/* library.c */
ak_lib *ak_lib_unwrap(napi_env env, napi_value value);
void ak_lib_retain(ak_lib *lib);
void ak_lib_release(ak_lib *lib);
/* Brackets an asynchronous call into the library, so that close() defers its dlclose. */
void ak_lib_call_begin(ak_lib *lib);
void ak_lib_call_end(ak_lib *lib);
napi_value ak_js_open(napi_env env, napi_callback_info info);
napi_value ak_js_close(napi_env env, napi_callback_info info);
napi_value ak_js_symbol(napi_env env, napi_callback_info info);
napi_value ak_js_loader(napi_env env, napi_callback_info info);
napi_value ak_js_library_file(napi_env env, napi_callback_info info);
napi_value ak_js_symbol_file(napi_env env, napi_callback_info info);
napi_value ak_js_loaded_file(napi_env env, napi_callback_info info);

/* access.c */
napi_value ak_js_narrow_libraries(napi_env env, napi_callback_info info);
napi_value ak_js_library_limits(napi_env env, napi_callback_info info);
napi_value ak_js_real_path(napi_env env, napi_callback_info info);

/* call.c */
/* Calls with up to this many arguments convert them on the C stack (no heap allocation). */
#define AK_STACK_ARGS 32
/* C strings up to this many bytes in total per call are converted on the C stack too. */
#define AK_STACK_STRINGS 1024
/* Struct results up to this size are received on the C stack. */
#define AK_STACK_RESULT 256

/* What a fast entry knows, when it is compiled, of the signatures it takes (see FAST_ENTRY).
 * Plain signatures take no pointer, so their calls cannot call back (ak_calls_back). */
typedef enum {
  AK_SHAPE_ANY,   /* any fast signature: the rest is tested at run time */
  AK_SHAPE_SMALL, /* plain, at most 2 integer and 2 vector arguments, none a float */
  AK_SHAPE_FULL,  /* plain, more than the small shape takes */
} ak_shape;

/* The bytes of a function's previous C string result, when it was short. A generated wrapper
 * keeps that result, so a call that returns the same bytes again (a version, a constant, the
 * same error message) hands back nothing and the wrapper returns the string it has: JS strings
 * are values, so it is the same result, without a string made per call. */
#define AK_LAST_STRING 64
typedef struct ak_last_string {
  bool valid; /* the wrapper holds the string of these bytes */
  uint32_t len;
  char bytes[AK_LAST_STRING];
} ak_last_string;

/* The bytes of the last arena string a fast function took at one string argument, so that a
 * wrapper given the same string again copies nothing: the native entry copies these bytes into
 * the arena instead (a string is copied for each call all the same: C may write into it). */
typedef struct ak_arena_string {
  uint8_t slot; /* the argument's register slot, which holds the string's arena address */
  uint8_t len;  /* bytes, NUL included */
  char bytes[AK_ARENA_STRING + 1];
} ak_arena_string;

/* A defined function: everything a call needs, computed once by define(). */
struct ak_fn {
  void *addr;
  ak_lib *lib; /* NULL for a bare function pointer */
  ak_state *state;
  ffi_cif cif;
  ak_type *ret;
  ak_kind ret_kind; /* ret->kind, kept here so the call path reads one line of the record */
  ak_type **args;
  ffi_type **ffi_args;
  struct ak_last_string *last_string; /* C string results: the previous one (call.c) */
  struct ak_direct *direct;           /* general path without libffi, or NULL (abi.h) */
  int32_t *ref_index;                 /* per argument: its Node-API argument index, or -1 */
  uint8_t *fast_slot;                 /* per argument: its register-image slot, when `fast` */
  uint8_t fast_ref_arg[8]; /* fast path: the argument of each reference (all integer-class) */
  uint32_t nargs;
  uint32_t nref;
  uint32_t id;
  const bool *closed; /* its library's `closed` (one load on the call path), or a false */
  bool calls_back;    /* it takes a pointer, so it may call a JSCallback (ak_calls_back) */
  bool engine;        /* it takes or returns napi_env or napi_value: JS thread only */
  bool fast;
  bool ret_in_sse;                 /* fast path: the result comes back in a vector register */
  bool uses_arena;                 /* fast path: the wrapper may copy strings into the arena */
  struct ak_arena_string *strings; /* fast path: per string argument, its last string's bytes */
  bool fast_small;                 /* fast path: at most 2 integer and 2 vector registers used */
  uint8_t fast_shape;    /* fast path: what a specialised entry may take it as (call.c, ak_shape) */
  uint8_t fast_nint;     /* fast path: integer registers used */
  uint8_t fast_f32_mask; /* fast path: vector registers that carry a float, by bit */
  uint32_t refs;         /* one per adopting wrapper and per asynchronous call in flight */
  char *name;
};

/* A record of the function table (ak_state.fns): an ak_fn, padded to a power of two so that
 * telling a record's address from any other is a subtraction, a rotation and a compare. */
#define AK_FN_RECORD_SHIFT 8
typedef union ak_fn_record {
  ak_fn fn;
  unsigned char bytes[1u << AK_FN_RECORD_SHIFT];
} ak_fn_record;
_Static_assert(sizeof(ak_fn_record) == 1u << AK_FN_RECORD_SHIFT, "a record is a power of two");

/* Throws ERR_ARKFFI_INTERNAL about a slot that names no live function, and returns NULL
 * (define.c). */
ak_fn *ak_fn_unknown(napi_env env);
/* The function the wrapper named in AK_SLOT_FN: the bits of its record's address (define.c,
 * fn_name). Only generated wrappers write the slot, but any JS code can reach the buffer, so the
 * name is checked, in release builds too: it must be the address of a record of this
 * environment's table that is in use. The offset into the table, rotated right by the record
 * size's bits, is the id when it is a multiple of the record size and a huge number when not
 * (or when the address is below the table), so one compare bounds it; then the record's `state`
 * tells a used record from a free one (all zero). That costs two loads of the state's first
 * cache line, which the call reads anyway, and one of the record's own. Inline: it is the first
 * thing of every call. */
static inline ak_fn *ak_fn_called(napi_env env, const ak_state *st) {
  uint64_t bits;
  memcpy(&bits, &st->slots[AK_SLOT_FN], sizeof bits);
  uint64_t at = bits - (uint64_t)(uintptr_t)st->fns;
  uint64_t id = at >> AK_FN_RECORD_SHIFT | at << (64 - AK_FN_RECORD_SHIFT);
  /* The record's address is the name itself, not one computed from the id: its loads then wait
   * for the slot's alone, while the predicted check runs beside them. */
  ak_fn *fn = (ak_fn *)(uintptr_t)bits;
  if (id < st->nfns && fn->state == st) return fn;
  return ak_fn_unknown(env);
}

/* Storage for one call's converted arguments; on the stack for common calls. */
typedef struct ak_frame {
  ak_value vals_buf[AK_STACK_ARGS];
  void *avalues_buf[AK_STACK_ARGS];
  char *owned_buf[AK_STACK_ARGS];
  ak_value *vals;
  void **avalues;
  char **owned; /* heap strings to free after the call, one entry per argument at most */
  size_t nowned;
  char strings[AK_STACK_STRINGS];
  size_t strings_used;
} ak_frame;

/* A call of a function that takes a pointer may run JSCallbacks on this thread. A callback's
 * handles would pile up in the scope of the call until it returns, so each opens a handle scope
 * of its own, which costs more than the rest of a callback's work in C; instead, the callbacks
 * of one call may leave up to this many handles in the call's scope, which Node-API closes when
 * the call returns. A call sets the allowance and gives the caller's back when it returns (a
 * nested call has its own); calls of other functions leave it as it is. */
#define AK_CB_HANDLES 4096
/* Such a call is also the one that waits for its callbacks: an exception one of them throws is
 * rethrown from it (see ak_state.cb_waits). What the caller's call had, given back on return. */
typedef struct {
  uint32_t handles;
  uint32_t waits;
} ak_caller;
static inline ak_caller ak_calls_back(ak_state *st, const ak_fn *fn) {
  ak_caller caller = {st->cb_handles, st->cb_waits};
  if (fn->calls_back) {
    st->cb_handles = AK_CB_HANDLES;
    st->cb_waits = st->cb_depth + 1;
  }
  return caller;
}
/* Throws the exception a callback left for the call that is returning (callback.c). */
bool ak_callback_rethrow(napi_env env, ak_state *st);
/* False, with the callback's exception thrown, when one of the call's callbacks threw. */
static inline bool ak_called_back(napi_env env, ak_state *st, ak_caller caller) {
  st->cb_handles = caller.handles;
  st->cb_waits = caller.waits;
  return !st->cb_failed || ak_callback_rethrow(env, st);
}
/* convert.c */
bool ak_frame_init(ak_frame *f, uint32_t nargs);
void ak_frame_release(ak_frame *f);
/* A JS string as a NUL-terminated UTF-8 copy: in the frame's stack area when it fits, else on
 * the heap (freed with the frame). False when out of memory. */
bool ak_frame_string(napi_env env, ak_frame *f, napi_value value, char **out);
napi_value *ak_get_refs(napi_env env, napi_callback_info info, uint32_t n, napi_value *stack,
                        size_t *argc);
/* Converts argument i into f->vals[i] / f->avalues[i]. `ref` is its Node-API value or NULL. */
bool ak_convert_arg(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, double slot,
                    napi_value ref);
/* The kinds' `arg` conversions (ak_kind_row): argument i given as a Node-API value. */
bool ak_arg_int64(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);
bool ak_arg_uint64(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);
/* The same for the big-endian ones (AK_I64_BE, AK_U64_BE). */
bool ak_arg_int64_be(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);
bool ak_arg_pointer(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);
bool ak_arg_cstring(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);
/* The same for UTF-16 and UTF-32 strings (the kind's row says which). */
bool ak_arg_wide_string(napi_env env, const ak_fn *fn, ak_frame *f, uint32_t i, napi_value value);

/* text.c */
/* The code units of `unit` bytes (1, 2 or 4) before the first zero unit of s, at most `max`. */
size_t ak_text_units(const void *s, unsigned unit, size_t max);
/* `units` code units of text at s as a JS string; NULL with an exception pending on failure. */
napi_value ak_text_to_js(napi_env env, const void *s, unsigned unit, size_t units);
/* A JS string as a fresh malloc'd NUL-terminated UTF-16 (unit 2) or UTF-32 (unit 4) copy; NULL
 * when it is no string or memory ran out. */
void *ak_text_from_js(napi_env env, napi_value value, unsigned unit);
/* Which reference arguments the general wrapper passed (bits by reference index; all bits set
 * when it could not say), read from the call info slot before the call. */
uint64_t ak_passed_refs(const ak_state *st);
/* The Node-API value of argument i, or NULL when its slot holds the value. */
napi_value ak_ref_at(const ak_fn *fn, uint32_t i, napi_value *argv, size_t argc, uint64_t passed);
/* The result at `rvalue` as a JS value (always a value, never the result slot). */
napi_value ak_result_to_js(napi_env env, const ak_fn *fn, const void *rvalue);
napi_value ak_js_invoke(napi_env env, napi_callback_info info);
napi_value ak_js_invoke_fast(napi_env env, napi_callback_info info);
napi_value ak_js_invoke_fast_refs(napi_env env, napi_callback_info info);
/* { invokePlainVoid, ... }: invokeFast specialised for common signatures (see describe_fn). */
napi_value ak_plain_entries(napi_env env);
/* The native entry a fast wrapper calls when it passes no references: 0 for invokeFast, or 1 +
 * the index of its specialised copy in ak_plain_entries. */
int ak_fast_entry(const ak_fn *fn);
napi_value ak_js_errno(napi_env env, napi_callback_info info);

/* define.c */
/* False, with ERR_ARKFFI_CLOSED pending, once fn's library is closed. */
bool ak_fn_open(napi_env env, const ak_fn *fn);
void ak_fn_retain(ak_fn *fn);
void ak_fn_release(ak_fn *fn);
napi_value ak_js_define(napi_env env, napi_callback_info info);
napi_value ak_js_adopt(napi_env env, napi_callback_info info);
void ak_fns_free(ak_state *st);

/* async.c */
typedef struct ak_job ak_job;
napi_value ak_js_invoke_async(napi_env env, napi_callback_info info);
/* The asynchronous call this pool thread is running, or NULL. */
extern _Thread_local ak_job *ak_current_job;
/* Makes the job reject with `err` (the first such error) instead of resolving. */
void ak_job_fail(napi_env env, ak_job *job, napi_value err);
/* Whether ak_job_fail was called: from the job's own pool thread too. */
bool ak_job_failed(const ak_job *job);

/* callback.c */
typedef struct ak_cb ak_cb;
napi_value ak_js_callback_create(napi_env env, napi_callback_info info);
napi_value ak_js_callback_close(napi_env env, napi_callback_info info);
napi_value ak_js_callback_ref(napi_env env, napi_callback_info info);
/* callbackThrew(err): called by a dispatcher that caught `err`; true if a waiting call or
 * asynchronous call took it, false if it goes to the error hooks. */
napi_value ak_js_callback_threw(napi_env env, napi_callback_info info);
/* callbackShutdown(): at the 'exit' event; answers every waiting call from another thread with
 * zero, and every later one at once. */
napi_value ak_js_callback_shutdown(napi_env env, napi_callback_info info);
/* A reference to any JS value (Node-API references only objects: a holder keeps it), and the
 * value it keeps (NULL if that fails). */
napi_ref ak_hold(napi_env env, napi_value value);
napi_value ak_held(napi_env env, napi_ref ref);
/* At environment teardown: closes every callback. The records stay, since C may still call them. */
void ak_callbacks_free(ak_state *st);

/* memory.c */
/* The address of an ArrayBuffer, TypedArray, Buffer or DataView (byte offset applied once), and
 * its length in bytes unless `len` is NULL. Returns false, without throwing, if `value` is none
 * of them, or is detached (ak_is_detached tells which). */
bool ak_view_address(napi_env env, napi_value value, void **out, size_t *len);
/* The ArrayBuffer or SharedArrayBuffer that holds the bytes of `value`, which ak_view_address
 * took: `value` itself, or a view's buffer, with the view's byte offset in it. */
bool ak_view_buffer(napi_env env, napi_value value, napi_value *buffer, size_t *offset);
/* Whether `value` is a detached ArrayBuffer or a view of one, or a view out of the bounds of
 * its shrunk resizable buffer, which has no memory either. Does not throw. */
bool ak_is_detached(napi_env env, napi_value value);
/* What an error about a detached buffer says it is. */
#define AK_DETACHED_PROBLEM                                                                        \
  "is a detached ArrayBuffer (or a view of one, or a view past the end of a shrunk resizable "     \
  "buffer): its memory was transferred, freed or cut off"
typedef enum { AK_PTR_OK, AK_PTR_BAD_TYPE, AK_PTR_BAD_RANGE, AK_PTR_DETACHED } ak_ptr_status;
/* Reads a pointer-like JS value: number, BigInt, null or a view. Does not throw. */
ak_ptr_status ak_pointer_parse(napi_env env, napi_value value, void **out);
/* What a pointer may be, as errors list it: where SharedArrayBuffers are taken, and where not. */
#define AK_POINTER_TYPES          "a number, BigInt, null, ArrayBuffer, SharedArrayBuffer or ArrayBufferView"
#define AK_POINTER_TYPES_UNSHARED "a number, BigInt, null, ArrayBuffer or ArrayBufferView"
/* Throws the error for a value that ak_pointer_parse refused with `status`: about argument
 * `index` named `what` of fn (as ak_throw_arg), or about "a pointer" when `what` is NULL. */
void ak_throw_pointer(napi_env env, ak_ptr_status status, const char *fn, uint32_t index,
                      const char *what, const char *types);
/* ak_pointer_parse, throwing about "a pointer" on failure. */
bool ak_pointer_from_js(napi_env env, napi_value value, void **out);
napi_value ak_js_ptr(napi_env env, napi_callback_info info);
napi_value ak_js_set_shared_view(napi_env env, napi_callback_info info);
napi_value ak_js_read(napi_env env, napi_callback_info info);
napi_value ak_js_write(napi_env env, napi_callback_info info);
napi_value ak_js_alloc(napi_env env, napi_callback_info info);
napi_value ak_js_free(napi_env env, napi_callback_info info);
napi_value ak_js_read_cstring(napi_env env, napi_callback_info info);
napi_value ak_js_read_memory(napi_env env, napi_callback_info info);
napi_value ak_js_to_arraybuffer(napi_env env, napi_callback_info info);

#endif
