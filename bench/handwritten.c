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
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

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

static napi_value js_call_n(napi_env env, napi_callback_info info) {
  ARGS(env, info, 2);
  napi_valuetype type;
  int32_t n;
  CHECK(env, napi_typeof(env, argv[0], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "expected a function");
    return NULL;
  }
  CHECK(env, napi_get_value_int32(env, argv[1], &n));

  struct callback_ctx saved = current;
  current.env = env;
  current.fn = argv[0];
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
      EXPORT_FN("noop", js_noop),           EXPORT_FN("add_i32", js_add_i32),
      EXPORT_FN("add_f64", js_add_f64),     EXPORT_FN("add_i64", js_add_i64),
      EXPORT_FN("mix8", js_mix8),           EXPORT_FN("c_strlen", js_c_strlen),
      EXPORT_FN("sum_bytes", js_sum_bytes), EXPORT_FN("vec3_add", js_vec3_add),
      EXPORT_FN("hello", js_hello),         EXPORT_FN("call_n", js_call_n),
      EXPORT_FN("atoi", js_atoi),           EXPORT_FN("cos", js_cos),
  };
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) return NULL;
  return exports;
}
