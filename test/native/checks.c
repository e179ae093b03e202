/*
 * checks.c - functions for the tests of argument checks (test/checks.test.mjs): each hands back
 * or acts on exactly what C received, so a test sees an argument that was swapped or a size that
 * was overwritten by a nested call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* Seven arguments: more than the integer registers of the fast path, so the general path. */
EXPORT void fill7(uint8_t *p, int32_t v, size_t n, int32_t a, int32_t b, int32_t c, int32_t d) {
  (void)a, (void)b, (void)c, (void)d;
  if (p != NULL) memset(p, v, n);
}

EXPORT size_t echo7_n(void *p, int32_t v, size_t n, int32_t a, int32_t b, int32_t c, int32_t d) {
  (void)p, (void)v, (void)a, (void)b, (void)c, (void)d;
  return n;
}

/* The same with three arguments, for the fast path. */
EXPORT void fill3(uint8_t *p, int32_t v, size_t n) {
  if (p != NULL) memset(p, v, n);
}

EXPORT size_t echo3_n(void *p, int32_t v, size_t n) {
  (void)p, (void)v;
  return n;
}

EXPORT uintptr_t ptr_value(const void *p) {
  return (uintptr_t)p;
}

typedef int32_t (*unary_fn)(int32_t);
/* Calls f(x), or answers -1 for a NULL f: what C would do without a check is crash. */
EXPORT int32_t apply_unary(unary_fn f, int32_t x) {
  return f == NULL ? -1 : f(x);
}

/* The total length of `count` C strings passed as variadic arguments. */
EXPORT size_t vstrlen(int32_t count, ...) {
  va_list ap;
  size_t total = 0;
  va_start(ap, count);
  for (int32_t k = 0; k < count; k++)
    total += strlen(va_arg(ap, const char *));
  va_end(ap);
  return total;
}
