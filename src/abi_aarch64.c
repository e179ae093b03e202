/*
 * abi_aarch64.c - AAPCS64: which signatures travel in registers alone (the fast path), and how
 * the structs libffi cannot lay out are classified. Calls go through libffi (direct_none.c).
 */
#include "arkffi.h"

/* Scalars only: integers and pointers fill x0-x7 in order, floats and doubles v0-v7 in order,
 * independently (AAPCS64 6.8.2, for scalars). */
bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs) {
  *regs = (ak_abi_regs){0};
  if (ret->kind == AK_STRUCT) return false;
  for (uint32_t i = 0; i < nargs; i++) {
    ak_kind k = args[i]->kind;
    bool vector = k == AK_F32 || k == AK_F64;
    if (k == AK_STRUCT || (vector ? regs->nsse == AK_ABI_SSE_REGS : regs->nint == int_regs))
      return false;
    if (k == AK_F32) regs->f32_mask |= (uint8_t)(1u << regs->nsse);
    where[i] = (uint8_t)(vector ? AK_ABI_INT_REGS + regs->nsse++ : regs->nint++);
  }
  regs->ret_in_sse = ret->kind == AK_F32 || ret->kind == AK_F64;
  return true;
}

ffi_type *ak_abi_memory_struct(void) {
  return NULL;
}

/* The element of a Homogeneous Floating-point Aggregate (AAPCS64 5.9.5) that the leaves make,
 * and how many there are: every leaf a float of one width, the struct's size 1 to 4 of them,
 * and every element position covered by a leaf, as GCC counts a union's elements by its largest
 * member. 0 when it is not one. */
static size_t hfa_elements(size_t size, const ak_abi_leaf *leaves, size_t n, ak_kind *element) {
  if (n == 0 || !leaves[0].is_float || (leaves[0].size != 4 && leaves[0].size != 8)) return 0;
  size_t width = leaves[0].size;
  if (size % width != 0 || size / width > 4) return 0;
  bool covered[4] = {false};
  for (size_t i = 0; i < n; i++) {
    if (!leaves[i].is_float || leaves[i].size != width || leaves[i].at % width != 0 ||
        leaves[i].at + width > size)
      return 0;
    covered[leaves[i].at / width] = true;
  }
  for (size_t k = 0; k < size / width; k++)
    if (!covered[k]) return 0;
  *element = width == 4 ? AK_F32 : AK_F64;
  return size / width;
}

/* An HFA travels in vector registers as its elements, which libffi sees as that many floats or
 * doubles. Any other composite travels by its size alone: its bytes in x registers (up to 16),
 * else by reference to a copy. libffi decides that from the size and alignment, which the struct
 * keeps, once its first member is no float: one byte stands for it. */
bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                           const ak_type **members, size_t *count) {
  ak_kind element = AK_U8;
  size_t elements = hfa_elements(size, leaves, n, &element);
  *count = elements == 0 ? 1 : elements;
  for (size_t k = 0; k < *count; k++)
    members[k] = ak_scalar_type(element);
  return true;
}
