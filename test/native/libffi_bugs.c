/* Signatures the system's libffi (before 3.4.7) passes wrongly on x86-64: a struct of 9 to 16
 * bytes whose first eightbyte is an integer one lands in r9, the last integer register, after a
 * floating-point argument took xmm0. See ak_direct_libffi_misplaces in src/direct.c. */
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  int32_t a, b;
  float c, d;
} ints_floats_t;

typedef struct {
  int32_t a, b;
  float c;
} ints_float_t;

typedef union {
  int32_t i;
  float f[4];
} int_or_floats_t;

/* Each argument weighted differently, so that any one misplaced changes the result. */
EXPORT double after_r9_16(double x, int64_t i1, int64_t i2, int64_t i3, int64_t i4, int64_t i5,
                          ints_floats_t s) {
  return x * 1000 + i1 + 2 * i2 + 3 * i3 + 4 * i4 + 5 * i5 + s.a * 10 + s.b * 100 + s.c + s.d * 2;
}

EXPORT double after_r9_12(float x, int32_t i1, int32_t i2, int32_t i3, int32_t i4, int32_t i5,
                          ints_float_t s, double y) {
  return x * 1000 + i1 + 2 * i2 + 3 * i3 + 4 * i4 + 5 * i5 + s.a * 10 + s.b * 100 + s.c + y * 4;
}

EXPORT double after_r9_union(double x, double x2, void *p, int64_t i2, int64_t i3, int64_t i4,
                             int64_t i5, int_or_floats_t u) {
  return x * 1000 + x2 * 500 + (p != 0) + 2 * i2 + 3 * i3 + 4 * i4 + 5 * i5 + (double)u.i * 10 +
         u.f[2] + u.f[3] * 2;
}
