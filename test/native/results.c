/*
 * results.c - functions for test/results.test.mjs: C string results that change behind the same
 * pointer, and a string result made around a nested call.
 */
#include <stdio.h>

#define EXPORT __attribute__((visibility("default")))

/* Calls cb (which may call str_after itself), then returns s, copied to a static buffer. */
EXPORT const char *str_after(void (*cb)(void), const char *s) {
  static char buf[256];
  if (cb != NULL) cb();
  snprintf(buf, sizeof buf, "%s", s);
  return buf;
}
