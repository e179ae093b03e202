/* Typed pointer parameters (test/pointers.test.mjs): C functions that read and write through
 * pointers to ints, doubles, structs and arrays of strings. */
#include <stdint.h>
#include <string.h>

struct ptr_point {
  int32_t x;
  int32_t y;
  double weight;
};

void ptr_fill_ints(int32_t *out, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    out[i] = (i + 1) * 10;
}

void ptr_swap(int32_t *a, int32_t *b) {
  int32_t t = *a;
  *a = *b;
  *b = t;
}

int32_t ptr_sum(const int32_t *v, int32_t n) {
  int32_t total = 0;
  for (int32_t i = 0; i < n; i++)
    total += v[i];
  return total;
}

/* Whether p is NULL, for the out parameters that take null. */
int32_t ptr_is_null(const void *p) {
  return p == NULL;
}

void ptr_double_all(double *v, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    v[i] *= 2;
}

void ptr_move_point(struct ptr_point *p) {
  p->x += 1;
  p->y -= 1;
  p->weight *= 2;
}

void ptr_origin(struct ptr_point *p) {
  p->x = 7;
  p->y = -7;
  p->weight = 0.5;
}

int32_t ptr_sum_points(const struct ptr_point *p, int32_t n) {
  int32_t total = 0;
  for (int32_t i = 0; i < n; i++)
    total += p[i].x + p[i].y;
  return total;
}

void ptr_u64_max(uint64_t *out) {
  *out = UINT64_MAX;
}

/* The number of strings before the NULL that ends argv. */
int32_t ptr_count_args(char **argv) {
  int32_t n = 0;
  while (argv[n] != NULL)
    n++;
  return n;
}

/* argv's strings, each followed by '|' ("(null)" for a NULL one), into out. */
void ptr_join_args(const char *const *argv, int32_t n, char *out) {
  out[0] = '\0';
  for (int32_t i = 0; i < n; i++) {
    strcat(out, argv[i] == NULL ? "(null)" : argv[i]);
    strcat(out, "|");
  }
}

static const char *const names[] = {"alpha", "beta", "gamma", NULL};

/* A NULL-terminated list of static strings. */
const char *const *ptr_make_list(void) {
  return names;
}

/* Points each of out[0..n-1] at a static string; the last at NULL. */
void ptr_name_each(const char **out, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    out[i] = i == n - 1 ? NULL : names[i % 3];
}

/* Reverses each string of argv in place (C writing into the strings it was given). */
void ptr_reverse_each(char **argv) {
  for (int32_t i = 0; argv[i] != NULL; i++) {
    size_t len = strlen(argv[i]);
    for (size_t a = 0, b = len; a + 1 < b; a++, b--) {
      char t = argv[i][a];
      argv[i][a] = argv[i][b - 1];
      argv[i][b - 1] = t;
    }
  }
}

/* Calls cb with each of v[0..n-1], storing its results back. */
void ptr_map_ints(int32_t *v, int32_t n, int32_t (*cb)(int32_t)) {
  for (int32_t i = 0; i < n; i++)
    v[i] = cb(v[i]);
}
