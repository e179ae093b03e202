/*
 * handwritten.c - the benchmark's baseline: a Node-API addon written by hand for benchlib.
 *
 * One JS function per workload, each doing what a careful human binding does and no more: fetch
 * the arguments, convert them with napi_get_value_*, checking every status, call the C function
 * directly (the addon is linked against benchlib.so), and convert the result back. It is the
 * cost an FFI would have if it generated perfect glue at build time.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* benchlib.c has no header of its own; these are its definitions, verbatim. */
typedef struct {
  double x, y, z;
} Vec3;
void noop(void);
int32_t add_i32(int32_t a, int32_t b);
double add_f64(double a, double b);
int64_t add_i64(int64_t a, int64_t b);
double mix8(int32_t a, double b, int64_t c, float d, uint8_t e, double f, int32_t g, double h);
size_t c_strlen(const char *s);
uint32_t sum_bytes(const uint8_t *p, size_t n);
Vec3 vec3_add(Vec3 a, Vec3 b);
const char *hello(void);
int32_t call_n(int32_t (*cb)(int32_t), int32_t n);
int32_t call_n_thread(int32_t (*cb)(int32_t), int32_t n);

/*
 * Any failing Node-API call ends the binding with a JS exception. Most failures are wrong
 * argument types, and a missing argument reads as undefined, so this also checks the count.
 */
#define CHECK(env, call)                                                                           \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      throw_last_error(env);                                                                       \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static void throw_last_error(napi_env env) {
  /* Read the error first: every Node-API call, napi_is_exception_pending too, overwrites it. */
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  const char *message = info && info->error_message ? info->error_message : "Node-API call failed";
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, NULL, message);
}

#define ARGS(env, info, n)                                                                         \
  size_t argc = (n);                                                                               \
  napi_value argv[(n)];                                                                            \
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

/* Short strings only: the stack buffer avoids a malloc per call, as a hand binding would. */
#define STRING_MAX 256

/* Reads a JS string into buf; false (with an exception pending) if it is not a short string. */
static bool get_short_string(napi_env env, napi_value value, char buf[STRING_MAX]) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, buf, STRING_MAX, &len) != napi_ok) {
    throw_last_error(env);
    return false;
  }
  /* A full buffer means the string may have been cut short. */
  if (len == STRING_MAX - 1) {
    napi_throw_range_error(env, NULL, "string too long for this binding");
    return false;
  }
  return true;
}

static napi_value js_noop(napi_env env, napi_callback_info info) {
  noop();
  return NULL;
}

static napi_value js_add_i32(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  int32_t a, b;
  CHECK(env, napi_get_value_int32(env, argv[0], &a));
  CHECK(env, napi_get_value_int32(env, argv[1], &b));
  napi_value out;
  CHECK(env, napi_create_int32(env, add_i32(a, b), &out));
  return out;
}

static napi_value js_add_f64(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  double a, b;
  CHECK(env, napi_get_value_double(env, argv[0], &a));
  CHECK(env, napi_get_value_double(env, argv[1], &b));
  napi_value out;
  CHECK(env, napi_create_double(env, add_f64(a, b), &out));
  return out;
}

static napi_value js_add_i64(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  int64_t a, b;
  CHECK(env, napi_get_value_int64(env, argv[0], &a));
  CHECK(env, napi_get_value_int64(env, argv[1], &b));
  napi_value out;
  CHECK(env, napi_create_int64(env, add_i64(a, b), &out));
  return out;
}

static napi_value js_mix8(napi_env env, napi_callback_info info) {
  ARGS(env, info, 8);
  int32_t a, g;
  int64_t c;
  uint32_t e;
  double b, d, f, h;
  CHECK(env, napi_get_value_int32(env, argv[0], &a));
  CHECK(env, napi_get_value_double(env, argv[1], &b));
  CHECK(env, napi_get_value_int64(env, argv[2], &c));
  CHECK(env, napi_get_value_double(env, argv[3], &d));
  CHECK(env, napi_get_value_uint32(env, argv[4], &e));
  CHECK(env, napi_get_value_double(env, argv[5], &f));
  CHECK(env, napi_get_value_int32(env, argv[6], &g));
  CHECK(env, napi_get_value_double(env, argv[7], &h));
  napi_value out;
  CHECK(env, napi_create_double(env, mix8(a, b, c, (float)d, (uint8_t)e, f, g, h), &out));
  return out;
}

static napi_value js_c_strlen(napi_env env, napi_callback_info info) {
  ARGS(env, info, 1);
  char buf[STRING_MAX];
  if (!get_short_string(env, argv[0], buf)) return NULL;
  napi_value out;
  CHECK(env, napi_create_int64(env, (int64_t)c_strlen(buf), &out));
  return out;
}

static napi_value js_sum_bytes(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  napi_typedarray_type type;
  size_t length;
  void *data;
  int64_t n;
  CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  CHECK(env, napi_get_value_int64(env, argv[1], &n));
  if (type != napi_uint8_array || n < 0 || (uint64_t)n > length) {
    napi_throw_range_error(env, NULL, "expected a Uint8Array of at least n bytes");
    return NULL;
  }
  napi_value out;
  CHECK(env, napi_create_uint32(env, sum_bytes(data, (size_t)n), &out));
  return out;
}

/* Reads {x, y, z}; false (with an exception pending) on failure. */
static bool get_vec3(napi_env env, napi_value obj, Vec3 *v) {
  static const char *const names[3] = {"x", "y", "z"};
  double *fields[3] = {&v->x, &v->y, &v->z};
  for (int i = 0; i < 3; i++) {
    napi_value value;
    if (napi_get_named_property(env, obj, names[i], &value) != napi_ok ||
        napi_get_value_double(env, value, fields[i]) != napi_ok) {
      throw_last_error(env);
      return false;
    }
  }
  return true;
}

static napi_value js_vec3_add(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  Vec3 a, b;
  if (!get_vec3(env, argv[0], &a) || !get_vec3(env, argv[1], &b)) return NULL;
  Vec3 r = vec3_add(a, b);
  napi_value out, x, y, z;
  CHECK(env, napi_create_object(env, &out));
  CHECK(env, napi_create_double(env, r.x, &x));
  CHECK(env, napi_create_double(env, r.y, &y));
  CHECK(env, napi_create_double(env, r.z, &z));
  CHECK(env, napi_set_named_property(env, out, "x", x));
  CHECK(env, napi_set_named_property(env, out, "y", y));
  CHECK(env, napi_set_named_property(env, out, "z", z));
  return out;
}

/* The vec3_add_buffer workload: the result's bytes in a new ArrayBuffer, as a hand binding hands
 * back a struct it does not decode. */
static napi_value js_vec3_add_buffer(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  Vec3 a, b;
  if (!get_vec3(env, argv[0], &a) || !get_vec3(env, argv[1], &b)) return NULL;
  Vec3 r = vec3_add(a, b);
  void *data;
  napi_value out;
  CHECK(env, napi_create_arraybuffer(env, sizeof r, &data, &out));
  memcpy(data, &r, sizeof r);
  return out;
}

static napi_value js_hello(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(env, napi_create_string_utf8(env, hello(), NAPI_AUTO_LENGTH, &out));
  return out;
}

/*
 * The JS function that the C trampoline calls. A C function pointer carries no user data, so it
 * lives in a static for the duration of one call_n(); `failed` stops calling into JS once an
 * exception is pending. Saved and restored around the call, so a callback may call call_n again.
 */
struct callback_ctx {
  napi_env env;
  napi_value fn;
  napi_value recv;
  bool failed;
};
static struct callback_ctx current;

static int32_t trampoline(int32_t x) {
  if (current.failed) return 0;
  napi_env env = current.env;
  /* call_n may run the callback any number of times: keep each call's handles in its own scope. */
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    current.failed = true;
    return 0;
  }
  napi_value arg, result;
  int32_t r = 0;
  if (napi_create_int32(env, x, &arg) != napi_ok ||
      napi_call_function(env, current.recv, current.fn, 1, &arg, &result) != napi_ok ||
      napi_get_value_int32(env, result, &r) != napi_ok) {
    current.failed = true;
  }
  napi_close_handle_scope(env, scope);
  return r;
}

/* Reads (fn, n), the arguments of call_n and call_n_thread; false with an exception pending. */
static bool get_fn_and_count(napi_env env, napi_callback_info info, napi_value *fn, int32_t *n) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      napi_typeof(env, argv[0], &type) != napi_ok) {
    throw_last_error(env);
    return false;
  }
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "expected a function");
    return false;
  }
  if (napi_get_value_int32(env, argv[1], n) != napi_ok) {
    throw_last_error(env);
    return false;
  }
  *fn = argv[0];
  return true;
}

static napi_value js_call_n(napi_env env, napi_callback_info info) {
  napi_value fn;
  int32_t n;
  if (!get_fn_and_count(env, info, &fn, &n)) return NULL;

  struct callback_ctx saved = current;
  current.env = env;
  current.fn = fn;
  current.failed = false;
  CHECK(env, napi_get_undefined(env, &current.recv));
  int32_t sum = call_n(trampoline, n);
  bool failed = current.failed;
  current = saved;

  if (failed) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_type_error(env, NULL, "the callback must return an int32");
    return NULL;
  }
  napi_value out;
  CHECK(env, napi_create_int32(env, sum, &out));
  return out;
}

/*
 * call_n_thread(fn, n) -> Promise. benchlib's call_n_thread blocks until its own thread has made
 * every call, so it runs as async work on the libuv pool while the JS thread keeps its event loop
 * turning. Each call from that thread is handed to the JS thread through a threadsafe function:
 * the C thread waits on a condition variable, on its own stack, until JS has answered. As for
 * call_n, the C function pointer carries no user data, so the job in flight lives in a static:
 * one call at a time.
 */
struct thread_call {
  int32_t arg, result;
  bool done;
  pthread_mutex_t lock;
  pthread_cond_t cond;
};

struct thread_job {
  napi_threadsafe_function tsfn;
  napi_async_work work;
  napi_deferred deferred;
  int32_t n, sum;
  atomic_bool failed; /* set by either thread: a call got no int32 from JS */
};
static struct thread_job *thread_current;

/* On the JS thread. `env` is NULL when the threadsafe function is being torn down. */
static void thread_call_js(napi_env env, napi_value fn, void *context, void *data) {
  struct thread_job *job = context;
  struct thread_call *call = data;
  napi_value recv, arg, result;
  if (env == NULL || atomic_load(&job->failed) || napi_get_undefined(env, &recv) != napi_ok ||
      napi_create_int32(env, call->arg, &arg) != napi_ok ||
      napi_call_function(env, recv, fn, 1, &arg, &result) != napi_ok ||
      napi_get_value_int32(env, result, &call->result) != napi_ok) {
    atomic_store(&job->failed, true);
    /* The promise reports the failure; a pending exception would end the process instead. */
    napi_value ignored;
    if (env != NULL) napi_get_and_clear_last_exception(env, &ignored);
  }
  pthread_mutex_lock(&call->lock);
  call->done = true;
  pthread_cond_signal(&call->cond);
  pthread_mutex_unlock(&call->lock);
}

/* On benchlib's thread. */
static int32_t thread_trampoline(int32_t x) {
  struct thread_call call = {.arg = x};
  pthread_mutex_init(&call.lock, NULL);
  pthread_cond_init(&call.cond, NULL);
  if (napi_call_threadsafe_function(thread_current->tsfn, &call, napi_tsfn_blocking) == napi_ok) {
    pthread_mutex_lock(&call.lock);
    while (!call.done)
      pthread_cond_wait(&call.cond, &call.lock);
    pthread_mutex_unlock(&call.lock);
  } else {
    atomic_store(&thread_current->failed, true);
  }
  pthread_cond_destroy(&call.cond);
  pthread_mutex_destroy(&call.lock);
  return call.result;
}

static void thread_execute(napi_env env, void *data) {
  struct thread_job *job = data;
  job->sum = call_n_thread(thread_trampoline, job->n);
  if (job->sum < 0) atomic_store(&job->failed, true);
}

static void thread_job_free(napi_env env, struct thread_job *job) {
  if (job->tsfn != NULL) napi_release_threadsafe_function(job->tsfn, napi_tsfn_release);
  if (job->work != NULL) napi_delete_async_work(env, job->work);
  thread_current = NULL;
  free(job);
}

static void thread_complete(napi_env env, napi_status status, void *data) {
  struct thread_job *job = data;
  napi_value out = NULL;
  if (status != napi_ok || atomic_load(&job->failed) ||
      napi_create_int32(env, job->sum, &out) != napi_ok) {
    napi_value message;
    out = NULL;
    if (napi_create_string_utf8(env, "call_n_thread failed", NAPI_AUTO_LENGTH, &message) == napi_ok)
      napi_create_error(env, NULL, message, &out);
    napi_reject_deferred(env, job->deferred, out);
  } else {
    napi_resolve_deferred(env, job->deferred, out);
  }
  thread_job_free(env, job);
}

static napi_value js_call_n_thread(napi_env env, napi_callback_info info) {
  napi_value fn;
  int32_t n;
  if (!get_fn_and_count(env, info, &fn, &n)) return NULL;
  if (thread_current != NULL) {
    napi_throw_error(env, NULL, "one call_n_thread at a time");
    return NULL;
  }
  struct thread_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  job->n = n;
  atomic_init(&job->failed, false);
  thread_current = job;
  napi_value name, promise;
  if (napi_create_string_utf8(env, "call_n_thread", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, fn, NULL, name, 0, 1, NULL, NULL, job, thread_call_js,
                                      &job->tsfn) != napi_ok ||
      napi_create_async_work(env, NULL, name, thread_execute, thread_complete, job, &job->work) !=
          napi_ok ||
      napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    throw_last_error(env);
    /* A created promise is simply dropped: nothing else refers to it. */
    thread_job_free(env, job);
    return NULL;
  }
  return promise;
}

static napi_value js_atoi(napi_env env, napi_callback_info info) {
  ARGS(env, info, 1);
  char buf[STRING_MAX];
  if (!get_short_string(env, argv[0], buf)) return NULL;
  napi_value out;
  CHECK(env, napi_create_int32(env, atoi(buf), &out));
  return out;
}

static napi_value js_cos(napi_env env, napi_callback_info info) {
  ARGS(env, info, 1);
  double x;
  CHECK(env, napi_get_value_double(env, argv[0], &x));
  napi_value out;
  CHECK(env, napi_create_double(env, cos(x), &out));
  return out;
}

#define EXPORT_FN(name, fn)                                                                        \
  { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }

NAPI_MODULE_INIT() {
  static const napi_property_descriptor fns[] = {
      EXPORT_FN("noop", js_noop),
      EXPORT_FN("add_i32", js_add_i32),
      EXPORT_FN("add_f64", js_add_f64),
      EXPORT_FN("add_i64", js_add_i64),
      EXPORT_FN("mix8", js_mix8),
      EXPORT_FN("c_strlen", js_c_strlen),
      EXPORT_FN("sum_bytes", js_sum_bytes),
      EXPORT_FN("vec3_add", js_vec3_add),
      EXPORT_FN("vec3_add_buffer", js_vec3_add_buffer),
      EXPORT_FN("hello", js_hello),
      EXPORT_FN("call_n", js_call_n),
      EXPORT_FN("call_n_thread", js_call_n_thread),
      EXPORT_FN("atoi", js_atoi),
      EXPORT_FN("cos", js_cos),
  };
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) return NULL;
  return exports;
}
