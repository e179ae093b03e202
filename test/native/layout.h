/*
 * layout.h - LAYOUT(fn, T, offsets...) defines an exported function fn returning {sizeof(T),
 * _Alignof(T), the number of offsets, each offset...} as size_t values: the compiler's layout of
 * T, for the tests to compare StructSchema's with, number by number.
 */
#ifndef ARKFFI_TEST_LAYOUT_H
#define ARKFFI_TEST_LAYOUT_H

#include <stddef.h>
#include <string.h>

#define LAYOUT(fn, T, ...)                                                                         \
  __attribute__((visibility("default"))) const size_t *fn(void) {                                  \
    static const size_t offsets[] = {__VA_ARGS__};                                                 \
    static size_t out[3 + sizeof offsets / sizeof offsets[0]];                                     \
    out[0] = sizeof(T);                                                                            \
    out[1] = _Alignof(T);                                                                          \
    out[2] = sizeof offsets / sizeof offsets[0];                                                   \
    memcpy(out + 3, offsets, sizeof offsets);                                                      \
    return out;                                                                                    \
  }

#endif
