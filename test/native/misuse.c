/*
 * misuse.c - functions for the misuse catalogue (test/misuse/), besides testlib.c's echo_*
 * identity functions: small functions over buffers, strings, structs, variadic arguments and
 * callbacks. Every function is plain C, as a user's library would be: none defends itself
 * against a bad pointer, since keeping bad values away from C is ArkFFI's job.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

/* The sanity call: three arguments of different kinds, so a corrupted slot shows in the sum. */
EXPORT int32_t mis_add3(int32_t a, int64_t b, double c) {
  return a + (int32_t)b + (int32_t)c;
}

/* strlen, and -1 for NULL, so a NULL that ArkFFI passes is visible. */
EXPORT int64_t mis_strlen(const char *s) {
  return s == NULL ? -1 : (int64_t)strlen(s);
}

EXPORT int32_t mis_sum_u8(const uint8_t *p, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += p[i];
  return sum;
}

EXPORT void mis_fill(uint8_t *p, size_t n, uint8_t value) {
  memset(p, value, n);
}

/* Sums n variadic int arguments. */
EXPORT int32_t mis_vsum(int32_t n, ...) {
  va_list ap;
  int32_t sum = 0;
  va_start(ap, n);
  for (int32_t i = 0; i < n; i++)
    sum += va_arg(ap, int32_t);
  va_end(ap);
  return sum;
}

struct mis_pair {
  int32_t a;
  double b;
};

EXPORT double mis_pair_sum(struct mis_pair p) {
  return p.a + p.b;
}

EXPORT double mis_pair_sum_p(const struct mis_pair *p) {
  return p->a + p->b;
}

EXPORT struct mis_pair mis_pair_make(int32_t a, double b) {
  struct mis_pair p = {a, b};
  return p;
}

typedef int32_t (*mis_unary)(int32_t);

/* Calls f(x) and adds 1, so the result proves that both C and the callback ran. */
EXPORT int32_t mis_apply(mis_unary f, int32_t x) {
  return f(x) + 1;
}

/* Calls f on 0..n-1 and sums the results: several invocations within one call. */
EXPORT int32_t mis_apply_n(mis_unary f, int32_t n) {
  int32_t sum = 0;
  for (int32_t i = 0; i < n; i++)
    sum += f(i);
  return sum;
}

/* Calls f(x) with a string argument, for callbacks that look at their arguments. */
EXPORT int64_t mis_apply_str(int64_t (*f)(const char *), const char *s) {
  return f(s);
}

/* Sleeps ms milliseconds, then fills p: an .async call whose memory JS may detach meanwhile. */
EXPORT void mis_sleep_fill(uint8_t *p, size_t n, uint8_t value, int32_t ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  memset(p, value, n);
}
