/* UTF-16 and UTF-32 strings (char16_t *, char32_t *), for test/strings-wide.test.mjs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT size_t u16_len(const char16_t *s) {
  size_t n = 0;
  while (s[n] != 0)
    n++;
  return n;
}

EXPORT size_t u32_len(const char32_t *s) {
  size_t n = 0;
  while (s[n] != 0)
    n++;
  return n;
}

/* The code units joined by commas into out, as C saw them: tells exactly what was passed. */
EXPORT void u16_units(const char16_t *s, char *out, size_t room) {
  size_t used = 0;
  out[0] = 0;
  for (size_t i = 0; s[i] != 0 && used + 8 < room; i++)
    used += (size_t)snprintf(out + used, room - used, i ? ",%x" : "%x", s[i]);
}

EXPORT void u32_units(const char32_t *s, char *out, size_t room) {
  size_t used = 0;
  out[0] = 0;
  for (size_t i = 0; s[i] != 0 && used + 12 < room; i++)
    used += (size_t)snprintf(out + used, room - used, i ? ",%x" : "%x", (unsigned)s[i]);
}

EXPORT const char16_t *u16_hello(void) {
  return u"h\u00e9llo \U0001F30D";
}

EXPORT const char32_t *u32_hello(void) {
  return U"h\u00e9llo \U0001F30D";
}

EXPORT const char16_t *u16_null(void) {
  return NULL;
}

/* Invalid text from C: an unpaired surrogate, a code point beyond U+10FFFF. */
EXPORT const char16_t *u16_lone_surrogate(void) {
  static const char16_t s[] = {'a', 0xD800, 'b', 0};
  return s;
}

EXPORT const char32_t *u32_out_of_range(void) {
  static const char32_t s[] = {'a', 0x110000, 0xDC00, 'b', 0};
  return s;
}

/* A heap copy for the caller to free: a result that must be disposed of. */
EXPORT char16_t *u16_dup(const char16_t *s) {
  size_t n = u16_len(s) + 1;
  char16_t *copy = malloc(n * sizeof *copy);
  if (copy != NULL) memcpy(copy, s, n * sizeof *copy);
  return copy;
}

EXPORT char32_t *u32_dup(const char32_t *s) {
  size_t n = u32_len(s) + 1;
  char32_t *copy = malloc(n * sizeof *copy);
  if (copy != NULL) memcpy(copy, s, n * sizeof *copy);
  return copy;
}

/* Callbacks that receive and return wide strings. */
EXPORT size_t u16_call(size_t (*cb)(const char16_t *), const char16_t *s) {
  return cb(s);
}

EXPORT size_t u32_from_callback(const char32_t *(*cb)(void)) {
  const char32_t *s = cb();
  return s == NULL ? (size_t)-1 : u32_len(s);
}

/* A struct with a pointer to UTF-16 text and a fixed UTF-16 array. */
typedef struct {
  const char16_t *title;
  char16_t name[8];
  int32_t id;
} u16_record;

EXPORT size_t u16_record_title_len(const u16_record *r) {
  return r->title == NULL ? (size_t)-1 : u16_len(r->title);
}

EXPORT void u16_record_fill(u16_record *r) {
  static const char16_t title[] = u"\u00c9t\u00e9";
  r->title = title;
  memcpy(r->name, u"abc\U0001F600", sizeof u"abc\U0001F600");
  r->id = 7;
}

EXPORT size_t u16_record_size(void) {
  return sizeof(u16_record);
}
