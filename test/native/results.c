/*
 * results.c - functions for test/results.test.mjs: C string results that change behind the same
 * pointer, a string result made around a nested call, and string arguments C writes into or
 * reads after a nested call.
 */
#include <stdint.h>
#include <stdio.h>

#define EXPORT __attribute__((visibility("default")))

/* Calls cb (which may call str_after itself), then returns s, copied to a static buffer. */
EXPORT const char *str_after(void (*cb)(void), const char *s) {
  static char buf[256];
  if (cb != NULL) cb();
  snprintf(buf, sizeof buf, "%s", s);
  return buf;
}

/* Returns s[0], then writes over s: a C function may write into the string it was given. */
EXPORT int32_t str_scribble(char *s) {
  int32_t first = (unsigned char)s[0];
  for (char *p = s; *p != '\0'; p++)
    *p = 'X';
  return first;
}

/* Calls cb (which may call first_char_after itself), then returns s[0]. */
EXPORT int32_t first_char_after(void (*cb)(void), const char *s) {
  if (cb != NULL) cb();
  return (unsigned char)s[0];
}
