/*
 * structs.c - structs for the struct tests: layouts the C compiler reports, structs passed and
 * returned by value in every ABI class, and struct pointers (out-parameters, arrays, C-owned).
 *
 * Each layout_* function returns {sizeof, _Alignof, field count, offsetof each field...} as
 * size_t values, so the tests compare StructSchema's layout with the compiler's, number by number.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define EXPORT __attribute__((visibility("default")))

/* Layouts: every way a field can be placed. */

/* char after double, short between, trailing padding. */
typedef struct {
  char c;
  double d;
  short s;
  int i;
  char c2;
} mixed_t;
LAYOUT(layout_mixed, mixed_t, offsetof(mixed_t, c), offsetof(mixed_t, d), offsetof(mixed_t, s),
       offsetof(mixed_t, i), offsetof(mixed_t, c2))

/* Only 1- and 2-byte fields: alignment 2, no 4-byte rounding. */
typedef struct {
  uint8_t a;
  uint16_t b;
  uint8_t c;
} small_t;
LAYOUT(layout_small, small_t, offsetof(small_t, a), offsetof(small_t, b), offsetof(small_t, c))

typedef struct {
  bool a;
  int32_t b;
  bool c;
  bool d;
} bools_t;
LAYOUT(layout_bools, bools_t, offsetof(bools_t, a), offsetof(bools_t, b), offsetof(bools_t, c),
       offsetof(bools_t, d))

typedef struct {
  char tag;
  mixed_t m;
  short s;
  small_t sm;
} nested_t;
LAYOUT(layout_nested, nested_t, offsetof(nested_t, tag), offsetof(nested_t, m),
       offsetof(nested_t, s), offsetof(nested_t, sm))

typedef struct {
  char name[5];
  double v[3];
  uint16_t h[3];
  small_t items[2];
  float grid[2][3];
  char last;
} arrays_t;
LAYOUT(layout_arrays, arrays_t, offsetof(arrays_t, name), offsetof(arrays_t, v),
       offsetof(arrays_t, h), offsetof(arrays_t, items), offsetof(arrays_t, grid),
       offsetof(arrays_t, last))

typedef union {
  uint8_t b;
  int32_t i;
  double d;
  char s[13];
} value_u;
LAYOUT(layout_union, value_u, offsetof(value_u, b), offsetof(value_u, i), offsetof(value_u, d),
       offsetof(value_u, s))

typedef struct {
  char kind;
  value_u value;
  short tail;
} tagged_t;
LAYOUT(layout_tagged, tagged_t, offsetof(tagged_t, kind), offsetof(tagged_t, value),
       offsetof(tagged_t, tail))

typedef struct __attribute__((packed)) {
  char c;
  int32_t i;
  double d;
  uint16_t h;
  small_t sm;
} packed_t;
LAYOUT(layout_packed, packed_t, offsetof(packed_t, c), offsetof(packed_t, i), offsetof(packed_t, d),
       offsetof(packed_t, h), offsetof(packed_t, sm))

#pragma pack(push, 2)
typedef struct {
  char c;
  int32_t i;
  double d;
  char e;
} pack2_t;
#pragma pack(pop)
LAYOUT(layout_pack2, pack2_t, offsetof(pack2_t, c), offsetof(pack2_t, i), offsetof(pack2_t, d),
       offsetof(pack2_t, e))

/* A packed struct inside an ordinary one keeps its size and gets alignment 1. */
typedef struct {
  char c;
  packed_t p;
  int64_t q;
} holds_packed_t;
LAYOUT(layout_holds_packed, holds_packed_t, offsetof(holds_packed_t, c),
       offsetof(holds_packed_t, p), offsetof(holds_packed_t, q))

typedef struct {
  const char *name;
  int32_t id;
  void *data;
  uint64_t big;
  int64_t neg;
  float f;
} pointers_t;
LAYOUT(layout_pointers, pointers_t, offsetof(pointers_t, name), offsetof(pointers_t, id),
       offsetof(pointers_t, data), offsetof(pointers_t, big), offsetof(pointers_t, neg),
       offsetof(pointers_t, f))

/* Writes a known value into every field of a mixed_t / arrays_t / tagged_t, so the tests can
 * prove that decoding reads each field from the right bytes. */
EXPORT void fill_mixed(mixed_t *m) {
  memset(m, 0xAA, sizeof *m); /* padding gets garbage, which decoding must ignore */
  m->c = 'x';
  m->d = -2.5;
  m->s = -300;
  m->i = 123456;
  m->c2 = 'y';
}
EXPORT void fill_arrays(arrays_t *a) {
  memset(a, 0xAA, sizeof *a);
  memcpy(a->name, "abcd", 5);
  for (int k = 0; k < 3; k++) {
    a->v[k] = k + 0.5;
    a->h[k] = (uint16_t)(60000 + k);
  }
  for (int k = 0; k < 2; k++)
    a->items[k] = (small_t){(uint8_t)(k + 1), (uint16_t)(1000 * (k + 1)), (uint8_t)(250 + k)};
  for (int r = 0; r < 2; r++)
    for (int c = 0; c < 3; c++)
      a->grid[r][c] = (float)(r * 3 + c) / 4;
  a->last = 'z';
}
EXPORT void fill_tagged(tagged_t *t) {
  memset(t, 0, sizeof *t);
  t->kind = 'd';
  t->value.d = 6.25;
  t->tail = -7;
}
EXPORT void fill_packed(packed_t *p) {
  p->c = 'p';
  p->i = -99;
  p->d = 1e100;
  p->h = 65535;
  p->sm = (small_t){7, 777, 77};
}
/* Checks what JS wrote: a checksum over every field of a mixed_t / arrays_t / packed_t. */
EXPORT double sum_mixed(const mixed_t *m) {
  return m->c + m->d + m->s + m->i + m->c2;
}
EXPORT double sum_arrays(const arrays_t *a) {
  double s = a->last;
  for (int k = 0; k < 5; k++)
    s += a->name[k];
  for (int k = 0; k < 3; k++)
    s += a->v[k] + a->h[k];
  for (int k = 0; k < 2; k++)
    s += a->items[k].a + a->items[k].b + a->items[k].c;
  for (int r = 0; r < 2; r++)
    for (int c = 0; c < 3; c++)
      s += a->grid[r][c];
  return s;
}
EXPORT double sum_packed(const packed_t *p) {
  return p->c + p->i + p->d + p->h + p->sm.a + p->sm.b + p->sm.c;
}
EXPORT int32_t pointers_check(const pointers_t *p) {
  return p->name != NULL && strcmp(p->name, "named") == 0 && p->id == 7 && p->big == UINT64_MAX &&
         p->neg == INT64_MIN && p->f == 0.25f;
}

/* Structs by value, one per ABI class. */

/* Two int32: one integer register. */
typedef struct {
  int32_t a, b;
} pair_i32;
EXPORT pair_i32 pair_swap(pair_i32 p) {
  return (pair_i32){p.b, p.a};
}
EXPORT int64_t pair_sum(pair_i32 p) {
  return (int64_t)p.a + p.b;
}

/* int32 + float in one eightbyte: an integer register on x86-64. */
typedef struct {
  int32_t i;
  float f;
} mixed_if;
EXPORT mixed_if mixed_if_scale(mixed_if v, int32_t k) {
  return (mixed_if){v.i * k, v.f * k};
}

/* Three floats: two SSE registers on x86-64, an HFA on AArch64. */
typedef struct {
  float x, y, z;
} vec3f;
EXPORT vec3f vec3f_cross(vec3f a, vec3f b) {
  return (vec3f){a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
EXPORT float vec3f_dot(vec3f a, vec3f b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

/* Four doubles: an HFA in registers on AArch64, in memory on x86-64. */
typedef struct {
  double a, b, c, d;
} quad_d;
EXPORT quad_d quad_scale(quad_d q, double k) {
  return (quad_d){q.a * k, q.b * k, q.c * k, q.d * k};
}

/* Larger than 16 bytes with arrays inside: always in memory. */
typedef struct {
  int64_t id;
  double values[4];
  char tag[8];
  uint16_t flags;
} big_t;
EXPORT big_t big_make(int64_t id, double base, const char *tag) {
  big_t b;
  memset(&b, 0, sizeof b);
  b.id = id;
  for (int k = 0; k < 4; k++)
    b.values[k] = base + k;
  snprintf(b.tag, sizeof b.tag, "%s", tag);
  b.flags = 0xBEEF;
  return b;
}
EXPORT double big_sum(big_t b) {
  return (double)b.id + b.values[0] + b.values[1] + b.values[2] + b.values[3] + b.flags +
         (double)strlen(b.tag);
}
EXPORT big_t big_bump(big_t b) {
  b.id++;
  for (int k = 0; k < 4; k++)
    b.values[k] *= 2;
  b.flags ^= 0xFFFF;
  return b;
}

/* A nested struct and a byte array in 16 bytes: SSE then integer eightbyte on x86-64. */
typedef struct {
  vec3f pos;
  uint8_t rgba[4];
} vertex_t;
EXPORT vertex_t vertex_shift(vertex_t v, float dx) {
  v.pos.x += dx;
  for (int k = 0; k < 4; k++)
    v.rgba[k] = (uint8_t)(255 - v.rgba[k]);
  return v;
}

/* One-byte fields and a bool. */
typedef struct {
  bool ok;
  uint8_t code;
  int16_t delta;
} status_t;
EXPORT status_t status_flip(status_t s) {
  return (status_t){!s.ok, (uint8_t)(s.code + 1), (int16_t)-s.delta};
}

/* 64-bit fields beyond 2^53. */
typedef struct {
  int64_t a;
  uint64_t b;
} wide_t;
EXPORT wide_t wide_next(wide_t w) {
  return (wide_t){w.a - 1, w.b + 1};
}

/* A char* field: C-owned strings out, JS-owned bytes in. */
typedef struct {
  const char *name;
  int32_t id;
} named_t;
EXPORT named_t named_make(int32_t id) {
  static const char *const names[] = {"zero", "one", "two"};
  return (named_t){names[id % 3], id};
}
/* strlen(name) * 1000 + id: both fields must arrive. */
EXPORT int64_t named_check(named_t n) {
  return n.name ? (int64_t)strlen(n.name) * 1000 + n.id : -1;
}

/* Struct pointers. */

typedef struct {
  double x, y;
  int32_t id;
} point_t;
/* An out-parameter the callee fills. */
EXPORT void vec3f_fill(vec3f *out, float x, float y, float z) {
  *out = (vec3f){x, y, z};
}
/* Arrays of structs, read and written in place. */
EXPORT double points_sum(const point_t *pts, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += pts[k].x + pts[k].y + pts[k].id;
  return s;
}
EXPORT void points_scale(point_t *pts, size_t n, double k) {
  for (size_t j = 0; j < n; j++) {
    pts[j].x *= k;
    pts[j].y *= k;
    pts[j].id += 100;
  }
}

/* C-owned struct memory. */
typedef struct {
  const char *name;
  int32_t version;
  uint8_t flags[4];
  vec3f origin;
} config_t;
static config_t config = {"arkffi-config", 3, {1, 0, 1, 1}, {0.5f, -1.5f, 2}};
EXPORT const config_t *config_static(void) {
  return &config;
}
EXPORT int32_t config_version(const config_t *c) {
  return c->version;
}

/* A 4 KiB result: big enough for the ownership tests to see each held result in memory use. */
typedef struct {
  uint8_t bytes[4096];
} page_t;
EXPORT page_t page_fill(uint8_t v) {
  page_t p;
  memset(p.bytes, v, sizeof p.bytes);
  return p;
}

/* Unions by value. The x86-64 psABI classifies a union eightbyte by eightbyte over all its
 * members: a general register where any member has integer bytes, an SSE register where all are
 * floating point, memory beyond 16 bytes. Each function takes its union between arguments of
 * both classes, so a union passed in the wrong place shifts what the C side reads. */

/* An int or a float in 4 bytes: a general register. */
typedef union {
  int32_t i;
  float f;
} int_or_float;
EXPORT int_or_float iof_scale(double k, int_or_float v, int32_t is_float) {
  return is_float ? (int_or_float){.f = (float)(v.f * k)} : (int_or_float){.i = (int32_t)(v.i * k)};
}

/* float or double: an SSE register. */
typedef union {
  float f;
  double d;
} real_u;
EXPORT real_u real_add(int32_t is_double, real_u a, real_u b) {
  return is_double ? (real_u){.d = a.d + b.d} : (real_u){.f = a.f + b.f};
}

/* 12 bytes: the int shares the first eightbyte (a general register), the third float has the
 * second to itself (an SSE register). */
typedef union {
  float f[3];
  int32_t i;
} fi3_u;
EXPORT fi3_u fi3_rotate(fi3_u v, double k) {
  return (fi3_u){{(float)(v.f[1] * k), (float)(v.f[2] * k), (float)(v.f[0] * k)}};
}

/* value_u (16 bytes, chars in both eightbytes): two general registers. */
EXPORT double value_scaled(value_u v, double k) {
  return v.d * k + v.s[8];
}
EXPORT value_u value_text(char c) {
  value_u v;
  memset(&v, 0, sizeof v);
  memset(v.s, c, sizeof v.s - 1);
  return v;
}

/* 24 bytes: memory. */
typedef union {
  double d[3];
  int64_t i;
} big_u;
EXPORT big_u big_u_scale(big_u v, double k) {
  for (int j = 0; j < 3; j++)
    v.d[j] *= k;
  return v;
}

/* tagged_t, with its union inside: 32 bytes, in memory. */
EXPORT tagged_t tagged_bump(tagged_t t) {
  t.kind++;
  t.value.d *= 2;
  t.tail++;
  return t;
}

/* A union inside a struct: the float and the union share an eightbyte, which the union's int
 * makes a general register. */
typedef struct {
  float scale;
  int_or_float value;
} scaled_t;
EXPORT double scaled_apply(double x, scaled_t s, int32_t is_float) {
  return x * s.scale + (is_float ? s.value.f : s.value.i);
}

/* Packed structs by value. Packing that leaves every field at a multiple of its alignment
 * changes only the size and alignment; a misaligned field sends the struct to memory. */

typedef struct __attribute__((packed)) {
  int32_t a, b;
} packed_pair;
EXPORT packed_pair packed_pair_swap(double add, packed_pair p, int32_t k) {
  return (packed_pair){p.b * k + (int32_t)add, p.a * k};
}

/* 12 bytes, alignment 1: an SSE then a general register. */
typedef struct __attribute__((packed)) {
  double d;
  int32_t i;
} packed_di;
EXPORT packed_di packed_di_scale(packed_di p, int32_t k) {
  return (packed_di){p.d * k, p.i * k};
}

/* 12 bytes of floats: two SSE registers. */
typedef struct __attribute__((packed)) {
  float x, y, z;
} packed_vec3;
EXPORT packed_vec3 packed_vec3_scale(packed_vec3 v, float k) {
  return (packed_vec3){v.x * k, v.y * k, v.z * k};
}

/* #pragma pack(8) over fields aligned at most 8: the natural layout. */
#pragma pack(push, 8)
typedef struct {
  char c;
  double d;
} pack8_t;
#pragma pack(pop)
EXPORT pack8_t pack8_next(pack8_t p) {
  return (pack8_t){(char)(p.c + 1), p.d * 2};
}

/* The int at offset 1 is misaligned: 5 bytes in memory. */
typedef struct __attribute__((packed)) {
  char c;
  int32_t i;
} packed5;
EXPORT packed5 packed5_bump(int32_t k, packed5 p, int32_t m) {
  return (packed5){(char)(p.c + k), p.i * m};
}

/* A misaligned double: 9 bytes in memory. */
typedef struct __attribute__((packed)) {
  char c;
  double d;
} packed9;
EXPORT double packed9_sum(double x, packed9 p, int32_t k) {
  return x + p.c + p.d * k;
}

/* packed_t (21 bytes) and pack2_t (16 bytes, misaligned int and double): memory. */
EXPORT packed_t packed_bump(packed_t p) {
  p.c++;
  p.i--;
  p.d *= 2;
  p.h++;
  p.sm.b++;
  return p;
}
EXPORT double pack2_sum(pack2_t p, double k) {
  return (p.c + p.i + p.d + p.e) * k;
}

/* A packed struct inside an ordinary one: at offset 1 its ints are misaligned (memory); at
 * offset 4 they are not (two general registers). */
typedef struct {
  char tag;
  packed_pair p;
} holds_pair1;
EXPORT int64_t holds_pair1_sum(double x, holds_pair1 h, int32_t k) {
  return (int64_t)x + h.tag + ((int64_t)h.p.a + h.p.b) * k;
}
typedef struct {
  int32_t n;
  packed_pair p;
} holds_pair4;
EXPORT holds_pair4 holds_pair4_next(holds_pair4 h) {
  return (holds_pair4){h.n + 1, {h.p.a + 1, h.p.b + 1}};
}

/* More structs by value, one per remaining shape. */

/* A byte and a double: a general then an SSE register. */
typedef struct {
  uint8_t tag;
  double value;
} tagged_d;
EXPORT tagged_d tagged_d_next(tagged_d t) {
  return (tagged_d){(uint8_t)(t.tag + 1), t.value / 2};
}

/* float, double, int8: 24 bytes, in memory. */
typedef struct {
  float f;
  double d;
  int8_t c;
} fdc_t;
EXPORT fdc_t fdc_scale(fdc_t v, double k) {
  return (fdc_t){(float)(v.f * k), v.d * k, (int8_t)(v.c * k)};
}

/* Three chars: 3 bytes in a general register. */
typedef struct {
  char s[3];
} chars3_t;
EXPORT chars3_t chars3_upper(chars3_t c) {
  for (int k = 0; k < 3; k++)
    if (c.s[k] >= 'a' && c.s[k] <= 'z') c.s[k] = (char)(c.s[k] - 'a' + 'A');
  return c;
}

/* float[2][2]: an HFA of four floats on AArch64, two SSE registers on x86-64. */
typedef struct {
  float m[2][2];
} mat2_t;
EXPORT mat2_t mat2_transpose(mat2_t a) {
  return (mat2_t){{{a.m[0][0], a.m[1][0]}, {a.m[0][1], a.m[1][1]}}};
}

/* An array of structs inside a struct by value: 16 bytes, two general registers. */
typedef struct {
  small_t items[2];
  int32_t n;
} smalls_t;
EXPORT smalls_t smalls_reverse(smalls_t s) {
  return (smalls_t){{s.items[1], s.items[0]}, -s.n};
}

/* 400,000 bytes by value, on the stack. */
typedef struct {
  uint8_t xs[2][200000];
} blob_t;
EXPORT uint64_t blob_sum(blob_t b) {
  uint64_t s = 0;
  for (int r = 0; r < 2; r++)
    for (int k = 0; k < 200000; k++)
      s += b.xs[r][k];
  return s;
}

/* Arrays of pointers, strings, bools and unions. */
typedef struct {
  const char *names[3];
  void *ptrs[2];
  bool flags[3];
  int_or_float values[2];
} element_arrays_t;
LAYOUT(layout_element_arrays, element_arrays_t, offsetof(element_arrays_t, names),
       offsetof(element_arrays_t, ptrs), offsetof(element_arrays_t, flags),
       offsetof(element_arrays_t, values))
static const char *const element_names[] = {"alpha", "beta", "gamma"};
EXPORT void element_arrays_fill(element_arrays_t *e) {
  memset(e, 0xAA, sizeof *e);
  for (int k = 0; k < 3; k++) {
    e->names[k] = element_names[k];
    e->flags[k] = k != 1;
  }
  e->ptrs[0] = NULL;
  e->ptrs[1] = (void *)e;
  e->values[0].i = -7;
  e->values[1].f = 2.5f;
}
/* strlen of each name (0 for NULL) * 100^k, plus the flags and unions JS wrote. */
EXPORT double element_arrays_check(const element_arrays_t *e) {
  double s = 0, scale = 1;
  for (int k = 0; k < 3; k++, scale *= 100)
    s += (e->names[k] ? (double)strlen(e->names[k]) : 0) * scale;
  return s + (e->ptrs[1] == (const void *)e) * 1e7 + e->flags[0] * 1e8 + e->flags[2] * 1e9 +
         e->values[0].i + e->values[1].f;
}

/* A callee that fills a whole array of structs. */
EXPORT void fill_points(point_t *pts, size_t n) {
  for (size_t k = 0; k < n; k++)
    pts[k] = (point_t){(double)k, k * 0.5, (int32_t)(k * 10)};
}
