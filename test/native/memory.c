/*
 * memory.c - test functions for buffers that an asynchronous call uses while JS changes them
 * (test/memory-async.test.mjs).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

static void nap_ms(int32_t ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Sleeps, then writes `value` to all n bytes at p: the write lands long after JS had its turn. */
EXPORT uint8_t *slow_fill(uint8_t *p, size_t n, uint8_t value, int32_t ms) {
  nap_ms(ms);
  memset(p, value, n);
  return p;
}

/* Sleeps, then moves n bytes from src to dst (which may overlap, as memmove allows). */
EXPORT void *slow_move(void *dst, const void *src, size_t n, int32_t ms) {
  nap_ms(ms);
  return memmove(dst, src, n);
}

/* The distance in bytes from a to b: two views of one buffer keep theirs in every call. */
EXPORT int64_t byte_distance(const void *a, const void *b) {
  return (int64_t)((intptr_t)b - (intptr_t)a);
}

/* A pointer C keeps past the call that gave it, as some libraries do. */
static void *kept;
EXPORT void keep_pointer(void *p) {
  kept = p;
}
EXPORT void *kept_pointer(void) {
  return kept;
}
