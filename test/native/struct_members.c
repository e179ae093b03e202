/*
 * struct_members.c - struct members beyond a plain type, for test/struct-members.test.mjs:
 * members with __attribute__((aligned(n))), flexible array members and self-referential
 * structs. Each sm_layout_* function returns {sizeof, _Alignof, field count, offsetof each
 * field...} as size_t values (LAYOUT, layout.h); the others take and return
 * such structs by value and by pointer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

#define EXPORT __attribute__((visibility("default")))

/* Members with an alignment of their own. */

/* An int raised to 8: 8 bytes in registers become 16, two integer eightbytes. */
typedef struct {
  char c;
  int32_t i __attribute__((aligned(8)));
} al_ci8;
LAYOUT(sm_layout_ci8, al_ci8, offsetof(al_ci8, c), offsetof(al_ci8, i))

/* aligned(2) on an int does not lower its alignment. */
typedef struct {
  char c;
  int32_t i __attribute__((aligned(2)));
} al_ci2;
LAYOUT(sm_layout_ci2, al_ci2, offsetof(al_ci2, c), offsetof(al_ci2, i))

/* One int aligned to 16: its second eightbyte is only padding (no register). */
typedef struct {
  int32_t a __attribute__((aligned(16)));
} al_a16;
LAYOUT(sm_layout_a16, al_a16, offsetof(al_a16, a))

/* Floats apart: each eightbyte all float, so both in SSE registers. */
typedef struct {
  float x;
  float y __attribute__((aligned(8)));
} al_ff;
LAYOUT(sm_layout_ff, al_ff, offsetof(al_ff, x), offsetof(al_ff, y))

/* In a packed struct aligned(n) is the field's alignment. */
typedef struct __attribute__((packed)) {
  char c;
  int32_t i __attribute__((aligned(2)));
  char z;
} al_packed;
LAYOUT(sm_layout_packed, al_packed, offsetof(al_packed, c), offsetof(al_packed, i),
       offsetof(al_packed, z))

/* #pragma pack caps aligned(n). */
#pragma pack(push, 2)
typedef struct {
  char c;
  int32_t i __attribute__((aligned(8)));
} al_pack2;
#pragma pack(pop)
LAYOUT(sm_layout_pack2, al_pack2, offsetof(al_pack2, c), offsetof(al_pack2, i))

/* An array and a nested struct aligned to 32: larger than 16 bytes, in memory. */
typedef struct {
  char c;
  int32_t v[3] __attribute__((aligned(32)));
  al_ci8 in __attribute__((aligned(16)));
} al_big;
LAYOUT(sm_layout_big, al_big, offsetof(al_big, c), offsetof(al_big, v), offsetof(al_big, in))

/* 32 bytes with a 16-aligned double: in memory on x86-64 and AArch64; in a0 and fa0 on RISC-V. */
typedef struct {
  char c;
  double d __attribute__((aligned(16)));
} al_cd16;
LAYOUT(sm_layout_cd16, al_cd16, offsetof(al_cd16, c), offsetof(al_cd16, d))

EXPORT al_ci8 sm_ci8_bump(al_ci8 v, double k, int32_t m) {
  v.c = (char)(v.c + 1);
  v.i = v.i * m + (int32_t)k;
  return v;
}
EXPORT int64_t sm_ci8_sum(const al_ci8 *v) {
  return v->c + (int64_t)v->i;
}
EXPORT al_a16 sm_a16_scale(al_a16 v, double k) {
  v.a = (int32_t)(v.a * k);
  return v;
}
EXPORT double sm_a16_after(al_a16 v, double x) {
  return v.a + x;
}
EXPORT al_ff sm_ff_swap(al_ff v) {
  float t = v.x;
  v.x = v.y;
  v.y = t;
  return v;
}
EXPORT al_packed sm_packed_bump(al_packed v) {
  v.c++;
  v.i *= 2;
  v.z++;
  return v;
}
EXPORT al_pack2 sm_pack2_bump(al_pack2 v) {
  v.c++;
  v.i += 100;
  return v;
}
EXPORT al_cd16 sm_cd16_half(al_cd16 v, int32_t extra) {
  v.c = (char)(v.c + extra);
  v.d /= 2;
  return v;
}
EXPORT int64_t sm_big_sum(const al_big *b) {
  return b->c + b->v[0] + b->v[1] + b->v[2] + b->in.c + b->in.i;
}

/* Flexible array members. */

typedef struct {
  int32_t n;
  double data[];
} fl_doubles;
LAYOUT(sm_layout_doubles, fl_doubles, offsetof(fl_doubles, n), offsetof(fl_doubles, data))

/* The elements start inside the trailing padding. */
typedef struct {
  double x;
  char c;
  char tail[];
} fl_tail;
LAYOUT(sm_layout_tail, fl_tail, offsetof(fl_tail, x), offsetof(fl_tail, c), offsetof(fl_tail, tail))

typedef struct {
  uint16_t x, y;
} fl_point;
typedef struct {
  uint8_t kind;
  uint32_t count;
  fl_point points[];
} fl_points;
LAYOUT(sm_layout_points, fl_points, offsetof(fl_points, kind), offsetof(fl_points, count),
       offsetof(fl_points, points))

EXPORT double sm_doubles_sum(const fl_doubles *v) {
  double sum = 0;
  for (int32_t i = 0; i < v->n; i++)
    sum += v->data[i];
  return sum;
}
/* A C-owned struct with n elements data[i] = i * k; free it with sm_free. */
EXPORT fl_doubles *sm_doubles_make(int32_t n, double k) {
  fl_doubles *v = malloc(sizeof *v + (size_t)n * sizeof v->data[0]);
  v->n = n;
  for (int32_t i = 0; i < n; i++)
    v->data[i] = i * k;
  return v;
}
EXPORT void sm_doubles_double(fl_doubles *v) {
  for (int32_t i = 0; i < v->n; i++)
    v->data[i] *= 2;
}
EXPORT uint32_t sm_points_sum(const fl_points *p) {
  uint32_t sum = p->kind;
  for (uint32_t i = 0; i < p->count; i++)
    sum += p->points[i].x * 1000u + p->points[i].y;
  return sum;
}
EXPORT void sm_free(void *p) {
  free(p);
}

/* Self-referential structs and a pointer to a struct declared later. */

typedef struct node {
  int32_t v;
  struct node *next;
} sm_node;
LAYOUT(sm_layout_node, sm_node, offsetof(sm_node, v), offsetof(sm_node, next))

struct leaf;
typedef struct {
  struct leaf *left, *right;
  int16_t depth;
} sm_tree;
struct leaf {
  double weight;
  const char *label;
};
LAYOUT(sm_layout_tree, sm_tree, offsetof(sm_tree, left), offsetof(sm_tree, right),
       offsetof(sm_tree, depth))

/* A list 1 -> 2 -> ... -> n in C's memory (static: never freed). */
EXPORT sm_node *sm_list(int32_t n) {
  static sm_node nodes[16];
  if (n < 1 || n > 16) return NULL;
  for (int32_t i = 0; i < n; i++) {
    nodes[i].v = i + 1;
    nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
  }
  return nodes;
}
EXPORT int64_t sm_list_sum(const sm_node *p) {
  int64_t sum = 0;
  for (; p != NULL; p = p->next)
    sum += p->v;
  return sum;
}
/* Reverses the list in place and returns its new head. */
EXPORT sm_node *sm_list_reverse(sm_node *p) {
  sm_node *prev = NULL;
  while (p != NULL) {
    sm_node *next = p->next;
    p->next = prev;
    prev = p;
    p = next;
  }
  return prev;
}
/* A node by value: its value and the address it points at. */
EXPORT sm_node sm_node_make(int32_t v, sm_node *next) {
  return (sm_node){v, next};
}
EXPORT const sm_tree *sm_tree_make(void) {
  static struct leaf l = {1.5, "left"}, r = {2.25, "right"};
  static sm_tree t = {&l, &r, 3};
  return &t;
}
