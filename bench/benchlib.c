/*
 * benchlib.c - the C library that every benchmark contender calls (see bench/workloads.json).
 *
 * The functions do almost nothing, so what the benchmark measures is the cost of getting from
 * JavaScript into C and back. bench/build.mjs builds it with -O3.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The empty asm keeps the compiler from treating the call as having no effect. */
void noop(void) {
  __asm__ volatile("");
}

int32_t add_i32(int32_t a, int32_t b) {
  return a + b;
}

double add_f64(double a, double b) {
  return a + b;
}

int64_t add_i64(int64_t a, int64_t b) {
  return a + b;
}

/* Eight mixed arguments fill both the integer and the SSE argument registers on x86-64. */
double mix8(int32_t a, double b, int64_t c, float d, uint8_t e, double f, int32_t g, double h) {
  return a + b + (double)c + d + e + f + g + h;
}

size_t c_strlen(const char *s) {
  size_t n = 0;
  while (s[n] != '\0')
    n++;
  return n;
}

uint32_t sum_bytes(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += p[i];
  return sum;
}

typedef struct {
  double x, y, z;
} Vec3;

/* 24 bytes, so x86-64 passes and returns it in memory: the costly by-value case. */
Vec3 vec3_add(Vec3 a, Vec3 b) {
  return (Vec3){a.x + b.x, a.y + b.y, a.z + b.z};
}

const char *hello(void) {
  return "hello from benchlib";
}

int32_t call_n(int32_t (*cb)(int32_t), int32_t n) {
  int32_t sum = 0;
  for (int32_t i = 0; i < n; i++)
    sum += cb(i);
  return sum;
}

typedef struct {
  int32_t (*cb)(int32_t);
  int32_t n, sum;
} thread_calls;

static void *thread_calls_main(void *p) {
  thread_calls *t = p;
  t->sum = call_n(t->cb, t->n);
  return NULL;
}

/* call_n() on a thread of its own, waited for: every callback comes from a thread that is not
 * the JS thread, so each contender must hand it over to its JS thread and wait for the result.
 * The JS thread must stay free meanwhile, so a contender calls this asynchronously. -1 if the
 * thread could not start. */
int32_t call_n_thread(int32_t (*cb)(int32_t), int32_t n) {
  thread_calls t = {cb, n, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, thread_calls_main, &t) != 0) return -1;
  pthread_join(thread, NULL);
  return t.sum;
}

/* f000 ... f099: a hundred distinct symbols, to time binding a 100-function library. */
#define FN(tens, units)                                                                            \
  int32_t f0##tens##units(int32_t x) {                                                             \
    return x;                                                                                      \
  }
#define TEN(tens)                                                                                  \
  FN(tens, 0)                                                                                      \
  FN(tens, 1)                                                                                      \
  FN(tens, 2) FN(tens, 3) FN(tens, 4) FN(tens, 5) FN(tens, 6) FN(tens, 7) FN(tens, 8) FN(tens, 9)

TEN(0) TEN(1) TEN(2) TEN(3) TEN(4) TEN(5) TEN(6) TEN(7) TEN(8) TEN(9)
