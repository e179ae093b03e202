/*
 * text.c - NUL-terminated C strings of 1-, 2- and 4-byte code units (UTF-8 `char *`, UTF-16
 * `char16_t *`, UTF-32 `char32_t *` and Linux's `wchar_t *`) to and from JS strings.
 *
 * JS strings are UTF-16, which Node-API reads and makes directly; UTF-32 goes through UTF-16 here.
 * Text that is not valid in its encoding is not refused: an unpaired surrogate or a code point
 * beyond U+10FFFF becomes U+FFFD, as TextDecoder does.
 */
#include "arkffi.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT 0xFFFDu

size_t ak_text_units(const void *s, unsigned unit, size_t max) {
  const unsigned char *p = s;
  size_t n = 0;
  if (max == 0)
    return 0; /* s may then be NULL (an empty buffer's data), which strnlen must not get */
  switch (unit) {
  case 1:
    return strnlen(s, max);
  case 2:
    for (uint16_t u; n < max && (memcpy(&u, p + 2 * n, 2), u != 0);)
      n++;
    return n;
  case 4:
    for (uint32_t u; n < max && (memcpy(&u, p + 4 * n, 4), u != 0);)
      n++;
    return n;
  }
  assert(!"a code unit is 1, 2 or 4 bytes");
  return 0;
}

/* UTF-32 as UTF-16: at most two units per code point. */
static size_t utf32_to_utf16(const unsigned char *s, size_t units, uint16_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < units; i++) {
    uint32_t c;
    memcpy(&c, s + 4 * i, 4);
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = REPLACEMENT;
    if (c < 0x10000) {
      out[n++] = (uint16_t)c;
    } else {
      c -= 0x10000;
      out[n++] = (uint16_t)(0xD800 + (c >> 10));
      out[n++] = (uint16_t)(0xDC00 + (c & 0x3FF));
    }
  }
  return n;
}

napi_value ak_text_to_js(napi_env env, const void *s, unsigned unit, size_t units) {
  napi_value out = NULL;
  if (unit == 1 || units == 0) {
    ak_failed(env, napi_create_string_utf8(env, units == 0 ? "" : s, units, &out));
    return out;
  }
  if (unit == 2) {
    /* char16_t text from C is aligned; a JS buffer's may not be, hence the copy then. */
    if ((uintptr_t)s % 2 == 0) {
      ak_failed(env, napi_create_string_utf16(env, s, units, &out));
      return out;
    }
  }
  size_t room = unit == 2 ? units : 2 * units;
  uint16_t stack[256];
  uint16_t *utf16 = room <= 256 ? stack : malloc(room * sizeof *utf16);
  if (utf16 == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory reading a string");
    return NULL;
  }
  size_t n = units;
  if (unit == 2)
    memcpy(utf16, s, 2 * units);
  else
    n = utf32_to_utf16(s, units, utf16);
  ak_failed(env, napi_create_string_utf16(env, (const char16_t *)utf16, n, &out));
  if (utf16 != stack) free(utf16);
  return out;
}

/* UTF-16 as UTF-32, NUL included: `len` units in, at most as many code points out. */
static void utf16_to_utf32(const uint16_t *s, size_t len, uint32_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = REPLACEMENT;
    }
    out[n++] = c;
  }
  out[n] = 0;
}

void *ak_text_from_js(napi_env env, napi_value value, unsigned unit) {
  assert(unit == 2 || unit == 4);
  size_t len = 0;
  if (napi_get_value_string_utf16(env, value, NULL, 0, &len) != napi_ok) return NULL;
  uint16_t *utf16 = malloc((len + 1) * sizeof *utf16);
  if (utf16 == NULL) return NULL;
  napi_get_value_string_utf16(env, value, (char16_t *)utf16, len + 1, &len);
  if (unit == 2) return utf16;
  uint32_t *utf32 = malloc((len + 1) * sizeof *utf32);
  if (utf32 != NULL) utf16_to_utf32(utf16, len, utf32);
  free(utf16);
  return utf32;
}
