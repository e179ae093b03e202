/*
 * abi_x64_sysv.c - x86-64 System V: which signatures travel in registers alone (the fast path),
 * how structs are classified, and general-path calls without libffi.
 *
 * ffi_call classifies every struct argument again at each call, which costs more than the rest
 * of a struct call's work in C. Here define() classifies once (ak_abi_direct_plan): each
 * argument gets its registers or its words on the stack, and the result its registers or, for a
 * struct the ABI returns in memory, the hidden pointer in the first integer register. That plan
 * is data; a call interprets it (ak_abi_direct_call), only moving bytes, and calls the target
 * through a cast to a prototype that loads every argument register and passes the stack words
 * as one struct by value: after the fourteen register parameters that struct is the only memory
 * argument, so it lies exactly where the target expects its stack arguments. The prototype's
 * return type, a pair of eightbytes, reads back both registers any result can come in.
 *
 * Signatures this cannot take (variadic ones, more stack words than AK_DIRECT_WORDS, over-aligned
 * structs) get no plan and stay on ffi_call, as does everything when ARKFFI_GENERAL_PATH=1 (the
 * tests run both ways).
 */
#include "arkffi.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Stack words a direct call passes at most: small calls copy AK_DIRECT_SMALL. */
#define AK_DIRECT_SMALL 8
#define AK_DIRECT_WORDS 32
#define AK_NINT         AK_ABI_INT_REGS
#define AK_NSSE         AK_ABI_SSE_REGS
/* Where an eightbyte goes: integer register k (k < AK_NINT), vector register k - AK_NINT, or the
 * stack. */
#define AK_ON_STACK 0xff

enum { AK_CLASS_NONE, AK_CLASS_INT, AK_CLASS_SSE };

typedef struct {
  ak_kind kind;
  uint32_t size;
  uint8_t where[2];    /* per eightbyte (a scalar has one) */
  uint16_t stack_word; /* first stack word, when on the stack */
} ak_direct_arg;

typedef struct ak_direct ak_direct;
struct ak_direct {
  bool ret_memory;     /* a struct result through the hidden pointer */
  uint8_t ret_from[2]; /* per eightbyte of the result: where it comes back (see ak_ret) */
  uint16_t stack_words;
  uint32_t nargs;
  ak_direct_arg args[];
};

/* Both integer result registers (rax, rdx), both vector ones (xmm0, xmm1), or one of each, in
 * the order a struct of these two eightbytes is returned. */
typedef struct {
  uint64_t a, b;
} ak_ret_ii;
typedef struct {
  double a, b;
} ak_ret_ss;
typedef struct {
  uint64_t a;
  double b;
} ak_ret_is;
typedef struct {
  double a;
  uint64_t b;
} ak_ret_si;
/* ret_from values: */
enum { AK_FROM_RAX, AK_FROM_RDX, AK_FROM_XMM0, AK_FROM_XMM1 };

typedef struct {
  uint64_t w[AK_DIRECT_SMALL];
} ak_stack_small;
typedef struct {
  uint64_t w[AK_DIRECT_WORDS];
} ak_stack_large;

#define AK_REGS                                                                                    \
  uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, double, double, double, double,      \
      double, double, double, double
#define AK_REG_ARGS(i, d)                                                                          \
  i[0], i[1], i[2], i[3], i[4], i[5], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]

/* Classifies `t` at `offset` bytes into a struct, merging into cls[] as the ABI does (an
 * eightbyte with any integer is INTEGER). False when the ABI passes the struct in memory. */
static bool classify(const ak_type *t, size_t offset, uint8_t cls[2]) {
  if (t->kind == AK_STRUCT) {
    if (t->nfields == 0) return false; /* a layout given only as size and alignment */
    size_t end = 0;
    for (size_t i = 0; i < t->nfields; i++) {
      const ak_type *f = t->fields[i];
      size_t at = (end + f->align - 1) / f->align * f->align;
      if (!classify(f, offset + at, cls)) return false;
      end = at + f->size;
    }
    return true;
  }
  if (offset % t->align != 0) return false; /* a misaligned scalar */
  size_t eb = offset / 8;
  assert(eb < 2 && (offset + t->size - 1) / 8 == eb);
  uint8_t c = t->kind == AK_F32 || t->kind == AK_F64 ? AK_CLASS_SSE : AK_CLASS_INT;
  if (cls[eb] != AK_CLASS_INT) cls[eb] = c;
  return true;
}

/* The eightbyte classes of a type passed or returned by value; 0 eightbytes for memory. */
static size_t eightbytes(const ak_type *t, uint8_t cls[2]) {
  cls[0] = cls[1] = AK_CLASS_NONE;
  if (t->kind != AK_STRUCT) {
    cls[0] = t->kind == AK_F32 || t->kind == AK_F64 ? AK_CLASS_SSE : AK_CLASS_INT;
    return 1;
  }
  if (t->size > 16 || !classify(t, 0, cls)) return 0;
  return (t->size + 7) / 8;
}

/* A scalar's class is its register's: the fast path takes only signatures of scalars. */
bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs) {
  uint8_t cls[2];
  *regs = (ak_abi_regs){0};
  if (ret->kind == AK_STRUCT) return false;
  for (uint32_t i = 0; i < nargs; i++) {
    if (args[i]->kind == AK_STRUCT) return false;
    eightbytes(args[i], cls);
    if (cls[0] == AK_CLASS_INT) {
      if (regs->nint == int_regs) return false;
      where[i] = regs->nint++;
    } else {
      if (regs->nsse == AK_NSSE) return false;
      if (args[i]->kind == AK_F32) regs->f32_mask |= (uint8_t)(1u << regs->nsse);
      where[i] = (uint8_t)(AK_NINT + regs->nsse++);
    }
  }
  regs->ret_in_sse = ret->kind != AK_VOID && eightbytes(ret, cls) == 1 && cls[0] == AK_CLASS_SSE;
  return true;
}

/* libffi's x86-64 classifier passes in memory any struct that has a member larger than 32 bytes,
 * and reads nothing of a member but its type, size and alignment. This is that member, for the
 * structs the ABI passes in memory although libffi could not tell from their fields (a packed
 * struct with a misaligned field). libffi never looks at its own members: it only lays out
 * types whose size is still zero. */
static ffi_type *in_memory_members[] = {&ffi_type_uint8, NULL};
static ffi_type in_memory = {
    .size = 64, .alignment = 1, .type = FFI_TYPE_STRUCT, .elements = in_memory_members};

ffi_type *ak_abi_memory_struct(void) {
  return &in_memory;
}

/* The psABI's rule (§3.2.3) for a struct libffi cannot lay out: larger than 16 bytes, or with a
 * scalar at an offset that is not a multiple of its alignment, it is passed in memory; otherwise
 * each eightbyte is INTEGER if any integer or pointer byte lies in it, else SSE. The members
 * stand for the eightbytes: integers that cover an INTEGER one's bytes exactly, each at its
 * natural alignment; a double or a float for an SSE one. */
/* True when any of the n leaves has bytes at or beyond `from`. */
static bool leaves_reach(const ak_abi_leaf *leaves, size_t n, size_t from) {
  for (size_t i = 0; i < n; i++)
    if (leaves[i].at + leaves[i].size > from) return true;
  return false;
}

bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                           const ak_type **members, size_t *count) {
  static const ak_kind by_width[9] = {[1] = AK_U8, [2] = AK_U16, [4] = AK_U32, [8] = AK_U64};
  *count = 0;
  if (size > 16) return true;
  for (size_t i = 0; i < n; i++)
    if (leaves[i].align == 0 || leaves[i].at % leaves[i].align != 0) return true;
  for (size_t start = 0; start < size; start += 8) {
    size_t end = start + 8 < size ? start + 8 : size;
    bool integer = false;
    for (size_t i = 0; i < n; i++)
      integer |= !leaves[i].is_float && leaves[i].at < end && leaves[i].at + leaves[i].size > start;
    if (!integer) {
      members[(*count)++] = ak_scalar_type(end - start == 8 ? AK_F64 : AK_F32);
      continue;
    }
    for (size_t at = start; at < end;) {
      size_t width = 8;
      while (at + width > end)
        width /= 2;
      members[(*count)++] = ak_scalar_type(by_width[width]);
      at += width;
    }
  }
  /* A second eightbyte of padding alone (a member aligned to 16) has no class, and takes no
   * register: libffi sees it so when the struct keeps its size with the first member alone. */
  if (*count > 1 && size > 8 && !leaves_reach(leaves, n, 8)) *count = 1;
  assert(*count <= AK_ABI_LAYOUT_MEMBERS);
  return true;
}

bool ak_abi_direct_plan(ak_fn *fn) {
  fn->direct = NULL;
  if (fn->ret->align > 8) return true;
  ak_direct *d = calloc(1, sizeof *d + fn->nargs * sizeof d->args[0]);
  if (d == NULL) return false;
  d->nargs = fn->nargs;
  int nint = 0, nsse = 0;
  uint32_t words = 0;

  uint8_t cls[2];
  size_t n = fn->ret_kind == AK_VOID ? 1 : eightbytes(fn->ret, cls);
  if (fn->ret_kind == AK_VOID) {
    cls[0] = AK_CLASS_INT;
    cls[1] = AK_CLASS_NONE;
  }
  if (n == 0) {
    d->ret_memory = true;
    nint = 1; /* the hidden pointer */
  } else {
    for (size_t k = 0; k < n; k++) {
      if (cls[k] == AK_CLASS_NONE) goto none; /* only padding: leave it to libffi */
      bool first_of_class = k == 0 || cls[0] != cls[k];
      d->ret_from[k] =
          (uint8_t)(cls[k] == AK_CLASS_INT ? (first_of_class ? AK_FROM_RAX : AK_FROM_RDX)
                                           : (first_of_class ? AK_FROM_XMM0 : AK_FROM_XMM1));
    }
  }

  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ak_type *t = fn->args[i];
    ak_direct_arg *a = &d->args[i];
    a->kind = t->kind;
    a->size = (uint32_t)t->size;
    if (t->align > 8) goto none;
    n = eightbytes(t, cls);
    int need_int = 0, need_sse = 0;
    for (size_t k = 0; k < n; k++) {
      if (cls[k] == AK_CLASS_NONE) goto none;
      cls[k] == AK_CLASS_INT ? need_int++ : need_sse++;
    }
    /* In registers only if all of its eightbytes fit; otherwise all of it on the stack. */
    if (n > 0 && nint + need_int <= AK_NINT && nsse + need_sse <= AK_NSSE) {
      for (size_t k = 0; k < n; k++)
        a->where[k] = (uint8_t)(cls[k] == AK_CLASS_INT ? nint++ : AK_NINT + nsse++);
      continue;
    }
    a->where[0] = a->where[1] = AK_ON_STACK;
    a->stack_word = (uint16_t)words;
    words += (uint32_t)(t->size + 7) / 8;
    if (words > AK_DIRECT_WORDS) goto none;
  }
  d->stack_words = (uint16_t)words;
  fn->direct = d;
  return true;
none:
  free(d);
  return true;
}

/* libffi before 3.4.7 (fixed by its pull request #848) copies all the remaining bytes of a struct
 * into the integer register slot of its first eightbyte. When that slot is the sixth and last
 * (r9) and the struct's second eightbyte is a vector one, the excess spills into the first
 * vector register slot (xmm0) and overwrites the value an earlier argument put there. */
bool ak_abi_libffi_misplaces(const ak_fn *fn) {
  uint8_t cls[2];
  int nint = fn->ret_kind != AK_VOID && eightbytes(fn->ret, cls) == 0 ? 1 : 0, nsse = 0;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    size_t n = eightbytes(fn->args[i], cls);
    int need_int = 0, need_sse = 0;
    for (size_t k = 0; k < n; k++)
      cls[k] == AK_CLASS_SSE ? need_sse++ : need_int++;
    if (n == 0 || nint + need_int > AK_NINT || nsse + need_sse > AK_NSSE) continue;
    if (n == 2 && cls[0] == AK_CLASS_INT && nint == AK_NINT - 1 && nsse > 0) return true;
    nint += need_int;
    nsse += need_sse;
  }
  return false;
}

void ak_abi_direct_free(ak_fn *fn) {
  free(fn->direct);
  fn->direct = NULL;
}

static void put(uint8_t where, uint64_t image, uint64_t *ints, double *sse) {
  if (where < AK_NINT)
    ints[where] = image;
  else
    memcpy(&sse[where - AK_NINT], &image, sizeof image);
}

/* Calls the target with the prototype of result shape R and stack image S. */
#define AK_CALL(R, S, stack) ((R(*)(AK_REGS, S))addr)(AK_REG_ARGS(ints, sse), *(const S *)(stack))
#define AK_CALL_NOSTACK(R)   ((R(*)(AK_REGS))addr)(AK_REG_ARGS(ints, sse))
#define AK_CALL_ANY(R, out)                                                                        \
  do {                                                                                             \
    R r_ = d->stack_words == 0                 ? AK_CALL_NOSTACK(R)                                \
           : d->stack_words <= AK_DIRECT_SMALL ? AK_CALL(R, ak_stack_small, stack)                 \
                                               : AK_CALL(R, ak_stack_large, stack);                \
    memcpy(out, &r_, sizeof r_);                                                                   \
  } while (0)

void ak_abi_direct_call(const ak_fn *fn, void *rvalue, void **avalues) {
  const ak_direct *d = fn->direct;
  void *addr = fn->addr;
  uint64_t ints[AK_NINT] = {0};
  double sse[AK_NSSE] = {0};
  uint64_t stack[AK_DIRECT_WORDS];
  if (d->ret_memory) ints[0] = (uint64_t)(uintptr_t)rvalue;
  for (uint32_t i = 0; i < d->nargs; i++) {
    const ak_direct_arg *a = &d->args[i];
    const unsigned char *src = avalues[i];
    if (a->kind != AK_STRUCT) {
      uint64_t image = ak_kind_image(a->kind, (const ak_value *)src);
      if (a->where[0] == AK_ON_STACK)
        stack[a->stack_word] = image;
      else
        put(a->where[0], image, ints, sse);
    } else if (a->where[0] == AK_ON_STACK) {
      memcpy(&stack[a->stack_word], src, a->size);
    } else {
      for (uint32_t k = 0; 8 * k < a->size; k++) {
        uint64_t image = 0;
        memcpy(&image, src + 8 * k, a->size - 8 * k < 8 ? a->size - 8 * k : 8);
        put(a->where[k], image, ints, sse);
      }
    }
  }
  /* The result registers, as (rax, rdx, xmm0, xmm1) where they apply. */
  uint64_t regs[4] = {0};
  uint8_t from0 = d->ret_memory ? AK_FROM_RAX : d->ret_from[0];
  uint8_t from1 = fn->ret->size > 8 && !d->ret_memory ? d->ret_from[1] : from0;
  uint64_t pair[2];
  if (from0 == AK_FROM_XMM0 && from1 == AK_FROM_XMM1) {
    AK_CALL_ANY(ak_ret_ss, pair);
    regs[2] = pair[0], regs[3] = pair[1];
  } else if (from0 == AK_FROM_XMM0 && from1 == AK_FROM_RAX) {
    AK_CALL_ANY(ak_ret_si, pair);
    regs[2] = pair[0], regs[0] = pair[1];
  } else if (from0 == AK_FROM_RAX && from1 == AK_FROM_XMM0) {
    AK_CALL_ANY(ak_ret_is, pair);
    regs[0] = pair[0], regs[2] = pair[1];
  } else if (from0 == AK_FROM_XMM0) {
    AK_CALL_ANY(ak_ret_ss, pair); /* one vector eightbyte: xmm0 */
    regs[2] = pair[0];
  } else {
    AK_CALL_ANY(ak_ret_ii, pair);
    regs[0] = pair[0], regs[1] = pair[1];
  }
  if (d->ret_memory || fn->ret_kind == AK_VOID) return;
  if (fn->ret_kind != AK_STRUCT) {
    /* libffi's convention, which the result conversion reads: a whole register per result. */
    memcpy(rvalue, &regs[from0], sizeof regs[0]);
    return;
  }
  unsigned char *out = rvalue;
  for (size_t k = 0; 8 * k < fn->ret->size; k++) {
    size_t len = fn->ret->size - 8 * k < 8 ? fn->ret->size - 8 * k : 8;
    memcpy(out + 8 * k, &regs[k == 0 ? from0 : from1], len);
  }
}
