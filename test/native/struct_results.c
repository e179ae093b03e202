/*
 * struct_results.c - functions for test/struct-results.test.mjs: a struct made from its
 * fields, read back through a pointer, and a struct result made around a nested call.
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  double re, im;
} sr_complex;

EXPORT sr_complex complex_new(double re, double im) {
  sr_complex c = {re, im};
  return c;
}

/* Reads a struct that the caller passes by address: re * 10 + im. */
EXPORT double complex_digits(const sr_complex *c) {
  return c->re * 10 + c->im;
}

/* Calls cb (which may make struct calls of its own) between computing and returning (re, im). */
EXPORT sr_complex complex_around(void (*cb)(void), double re, double im) {
  sr_complex c = {re, im};
  if (cb != NULL) cb();
  return c;
}

/* A struct of three bytes: results that are not a multiple of 4 bytes. */
typedef struct {
  uint8_t a, b, c;
} sr_rgb;

EXPORT sr_rgb rgb_new(uint8_t a, uint8_t b, uint8_t c) {
  sr_rgb v = {a, b, c};
  return v;
}
