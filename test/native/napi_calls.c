/* C that talks to Node-API with the environment and the values a call gave it, for
 * test/napi-types.test.mjs: napi_env and napi_value parameters, napi_value results. Only
 * functions on OpenHarmony's list of Node-API symbols (scripts/check-ohos-napi.mjs). */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* The napi_valuetype of v, or -1 when Node-API fails. */
EXPORT int32_t js_typeof(napi_env env, napi_value v) {
  napi_valuetype type;
  return napi_typeof(env, v, &type) == napi_ok ? (int32_t)type : -1;
}

/* A new array [a, b]; NULL (undefined) when Node-API fails. */
EXPORT napi_value make_pair(napi_env env, napi_value a, napi_value b) {
  napi_value out;
  if (napi_create_array_with_length(env, 2, &out) != napi_ok ||
      napi_set_element(env, out, 0, a) != napi_ok || napi_set_element(env, out, 1, b) != napi_ok)
    return NULL;
  return out;
}

/* The sum of an array's numbers; NaN for anything else. */
EXPORT double sum_array(napi_env env, napi_value arr) {
  uint32_t n = 0;
  double sum = 0;
  bool is_array = false;
  if (napi_is_array(env, arr, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, arr, &n) != napi_ok)
    return __builtin_nan("");
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    double d;
    if (napi_get_element(env, arr, i, &item) != napi_ok ||
        napi_get_value_double(env, item, &d) != napi_ok)
      return __builtin_nan("");
    sum += d;
  }
  return sum;
}

/* obj[name] as a new string "name=<value>", for a string property. */
EXPORT napi_value describe_property(napi_env env, napi_value obj, const char *name) {
  napi_value value, out;
  char text[128], buf[160];
  size_t len = 0;
  if (napi_get_named_property(env, obj, name, &value) != napi_ok ||
      napi_get_value_string_utf8(env, value, text, sizeof text, &len) != napi_ok)
    return NULL;
  size_t used = strlen(name);
  if (used + 1 + len + 1 > sizeof buf) return NULL;
  memcpy(buf, name, used);
  buf[used++] = '=';
  memcpy(buf + used, text, len + 1);
  return napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &out) == napi_ok ? out : NULL;
}

/* The value itself: the handle passed through C and back. */
EXPORT napi_value identity(napi_value v) {
  return v;
}

/* Throws a JS Error from C; the call then throws it. */
EXPORT napi_value throw_from_c(napi_env env, const char *message) {
  napi_throw_error(env, "E_FROM_C", message);
  return NULL;
}

/* Calls fn(x) through Node-API: C calling back into JS with the environment it was given. */
EXPORT napi_value call_js(napi_env env, napi_value fn, napi_value x) {
  napi_value global, out;
  if (napi_get_global(env, &global) != napi_ok ||
      napi_call_function(env, global, fn, 1, &x, &out) != napi_ok)
    return NULL;
  return out;
}

/* A napi_env as a plain pointer, as programs that declared it `ptr` passed it. */
EXPORT int32_t env_is_set(napi_env env) {
  return env != NULL;
}
