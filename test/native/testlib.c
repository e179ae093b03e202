/*
 * testlib.c - the C library the test suite calls. Built by test/helpers.mjs into
 * build/test/libarkffi_test.so before the tests load it.
 *
 * Each function is small and does one checkable thing: it echoes, combines or inspects its
 * arguments so a test can prove that every value arrived exactly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* Identity functions: the value must come back unchanged, at its exact width. */
EXPORT int8_t echo_i8(int8_t v) {
  return v;
}
EXPORT uint8_t echo_u8(uint8_t v) {
  return v;
}
EXPORT int16_t echo_i16(int16_t v) {
  return v;
}
EXPORT uint16_t echo_u16(uint16_t v) {
  return v;
}
EXPORT int32_t echo_i32(int32_t v) {
  return v;
}
EXPORT uint32_t echo_u32(uint32_t v) {
  return v;
}
EXPORT int64_t echo_i64(int64_t v) {
  return v;
}
EXPORT uint64_t echo_u64(uint64_t v) {
  return v;
}
EXPORT float echo_f32(float v) {
  return v;
}
EXPORT double echo_f64(double v) {
  return v;
}
EXPORT bool echo_bool(bool v) {
  return v;
}
EXPORT char echo_char(char v) {
  return v;
}
EXPORT size_t echo_size(size_t v) {
  return v;
}
EXPORT void *echo_ptr(void *v) {
  return v;
}
EXPORT long echo_long(long v) {
  return v;
}

/* Results that only an exact conversion gets right. */
EXPORT uint8_t u8_max(void) {
  return UINT8_MAX;
}
EXPORT uint16_t u16_max(void) {
  return UINT16_MAX;
}
EXPORT uint32_t u32_max(void) {
  return UINT32_MAX;
}
EXPORT uint64_t u64_max(void) {
  return UINT64_MAX;
}
EXPORT int64_t i64_min(void) {
  return INT64_MIN;
}
EXPORT int8_t i8_min(void) {
  return INT8_MIN;
}
EXPORT float third_f32(void) {
  return 1.0f / 3.0f;
}
EXPORT bool is_positive(int32_t v) {
  return v > 0;
}

/* Arguments must arrive with the exact bits: these report what C saw. */
EXPORT int32_t f32_bits(float v) {
  int32_t bits;
  memcpy(&bits, &v, sizeof bits);
  return bits;
}
EXPORT int32_t bool_as_int(bool v) {
  return v ? 1 : 0;
}
EXPORT uint32_t u8_widened(uint8_t v) {
  return v;
}

static int void_calls;
EXPORT void touch(void) {
  void_calls++;
}
EXPORT int32_t touch_count(void) {
  return void_calls;
}

EXPORT int32_t add_i32(int32_t a, int32_t b) {
  return a + b;
}
EXPORT double add_f64(double a, double b) {
  return a + b;
}
EXPORT int64_t add_i64(int64_t a, int64_t b) {
  return a + b;
}

/* 32 arguments, mixed classes, most of them on the stack: returns a weighted sum so any
 * misplaced argument changes the result. */
EXPORT double mixed32(int32_t a0, double a1, int64_t a2, float a3, uint8_t a4, double a5,
                      int16_t a6, void *a7, int32_t a8, double a9, int64_t a10, float a11,
                      uint8_t a12, double a13, int16_t a14, void *a15, int32_t a16, double a17,
                      int64_t a18, float a19, uint8_t a20, double a21, int16_t a22, void *a23,
                      int32_t a24, double a25, int64_t a26, float a27, uint8_t a28, double a29,
                      int16_t a30, void *a31) {
  double v[32] = {a0,  a1,  (double)a2,  a3,  a4,  a5,  a6,  (double)(uintptr_t)a7,
                  a8,  a9,  (double)a10, a11, a12, a13, a14, (double)(uintptr_t)a15,
                  a16, a17, (double)a18, a19, a20, a21, a22, (double)(uintptr_t)a23,
                  a24, a25, (double)a26, a27, a28, a29, a30, (double)(uintptr_t)a31};
  double sum = 0;
  for (int i = 0; i < 32; i++)
    sum += v[i] * (i + 1);
  return sum;
}

/* Twelve doubles and ten ints: overflows both register files. */
EXPORT double many_doubles(double a, double b, double c, double d, double e, double f, double g,
                           double h, double i, double j, double k, double l) {
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j + 11 * k +
         12 * l;
}
EXPORT int64_t many_ints(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, int32_t f,
                         int32_t g, int32_t h, int32_t i, int32_t j) {
  return a + 2LL * b + 3LL * c + 4LL * d + 5LL * e + 6LL * f + 7LL * g + 8LL * h + 9LL * i +
         10LL * j;
}

/* Strings. */
EXPORT size_t str_len(const char *s) {
  return s ? strlen(s) : (size_t)-1;
}
EXPORT bool str_is_null(const char *s) {
  return s == NULL;
}
EXPORT const char *greeting(void) {
  return "hello, ArkFFI";
}
EXPORT const char *null_string(void) {
  return NULL;
}
EXPORT const char *utf8_string(void) {
  return "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
}
EXPORT int32_t str_cmp(const char *a, const char *b) {
  return strcmp(a, b);
}
/* Copies s into a static buffer and returns it: proves the argument was a complete copy. */
EXPORT const char *str_echo(const char *s) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s", s);
  return buf;
}
EXPORT const char *str_concat3(const char *a, const char *b, const char *c) {
  static char buf[8192];
  snprintf(buf, sizeof buf, "%s|%s|%s", a, b, c);
  return buf;
}

/* Memory. */
EXPORT uint32_t sum_bytes(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++)
    s += p[i];
  return s;
}
EXPORT void fill_bytes(uint8_t *p, size_t n, uint8_t v) {
  memset(p, v, n);
}
EXPORT uintptr_t address_of(const void *p) {
  return (uintptr_t)p;
}

typedef struct {
  int8_t i8;
  uint8_t u8;
  int16_t i16;
  uint16_t u16;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f32;
  double f64;
  void *ptr;
} scalars_t;
static scalars_t scalars = {-5,
                            250,
                            -1234,
                            65000,
                            -123456789,
                            4000000000u,
                            -1234567890123456789LL,
                            18000000000000000000ULL,
                            1.5f,
                            2.25,
                            (void *)0x1234};
EXPORT const scalars_t *scalar_block(void) {
  return &scalars;
}

/* errno. */
EXPORT int32_t set_errno(int32_t v) {
  errno = v;
  return -1;
}

/* errno as the function found it: what errno(value) asked for, else the 0 ArkFFI starts with. */
EXPORT int32_t errno_on_entry(void) {
  return errno;
}

/* errno as found on entry; leaves v in it. */
EXPORT int32_t errno_on_entry_then(int32_t v) {
  int32_t seen = errno;
  errno = v;
  return seen;
}

/* Function pointers. */
typedef int32_t (*binop_fn)(int32_t, int32_t);
EXPORT binop_fn get_adder(void) {
  return add_i32;
}

/* Variadic. */
EXPORT double sum_variadic(int32_t count, ...) {
  va_list ap;
  va_start(ap, count);
  double s = 0;
  for (int32_t i = 0; i < count; i++)
    s += va_arg(ap, double);
  va_end(ap);
  return s;
}

/* Structs by value. */
typedef struct {
  double re, im;
} complex_t;
EXPORT complex_t complex_add(complex_t a, complex_t b) {
  complex_t r = {a.re + b.re, a.im + b.im};
  return r;
}

/* Asynchronous calls: slow functions that read their arguments after a delay, and a thread id. */
#include <pthread.h>
#include <time.h>

static void sleep_ms(int32_t ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}
EXPORT size_t slow_strlen(const char *s, int32_t ms) {
  sleep_ms(ms);
  return strlen(s);
}
EXPORT uint32_t slow_sum(const uint8_t *p, size_t n, int32_t ms) {
  sleep_ms(ms);
  return sum_bytes(p, n);
}
EXPORT uint64_t thread_id(void) {
  return (uint64_t)pthread_self();
}
