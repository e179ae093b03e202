/*
 * abi_riscv64.c - RISC-V LP64D: how the structs libffi cannot lay out are classified. No fast
 * path; calls go through libffi (direct_none.c).
 *
 * The hardware floating-point convention (psABI, "Hardware Floating-point Calling Convention")
 * flattens a struct into its scalars, at their real offsets even when packing moves them. One
 * float or double, two of them, or one and an integer of at most 8 bytes travel in registers as
 * those scalars, whatever padding an aligned member adds to the struct; anything else, and any
 * struct with a union in it (unions are never flattened), by the integer convention: up to 16 bytes
 * in integer registers, else by reference.
 *
 * libffi flattens the members it is given and finds the second scalar at the first one's size
 * rounded up to the second one's alignment. So a pair whose second scalar packing or an aligned
 * attribute has moved is given a second member of another alignment, one that rounds up to where
 * the scalar lies.
 */
#include "arkffi.h"

ffi_type *ak_abi_memory_struct(void) {
  return NULL;
}

bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs) {
  *regs = (ak_abi_regs){0};
  return false;
}

/* A scalar that flattening keeps, aligned to 1, 2, 4, 8 and 16 bytes (the entry at its own
 * alignment is never used: that member is the scalar's own type). libffi reads only the type,
 * size and alignment of a member. */
#define AK_RV_MOVED_AT(k, ffi_name, bytes, i)                                                      \
  {                                                                                                \
    .kind = k, .size = bytes, .align = 1u << i, .ffi = &(ffi_type) {                               \
      .size = bytes, .alignment = 1u << i, .type = ffi_name                                        \
    }                                                                                              \
  }
#define AK_RV_MOVED(name, ffi_name, k, bytes)                                                      \
  static const ak_type name[5] = {                                                                 \
      AK_RV_MOVED_AT(k, ffi_name, bytes, 0), AK_RV_MOVED_AT(k, ffi_name, bytes, 1),                \
      AK_RV_MOVED_AT(k, ffi_name, bytes, 2), AK_RV_MOVED_AT(k, ffi_name, bytes, 3),                \
      AK_RV_MOVED_AT(k, ffi_name, bytes, 4)}
AK_RV_MOVED(u16_moved, FFI_TYPE_UINT16, AK_U16, 2);
AK_RV_MOVED(u32_moved, FFI_TYPE_UINT32, AK_U32, 4);
AK_RV_MOVED(u64_moved, FFI_TYPE_UINT64, AK_U64, 8);
AK_RV_MOVED(f32_moved, FFI_TYPE_FLOAT, AK_F32, 4);
AK_RV_MOVED(f64_moved, FFI_TYPE_DOUBLE, AK_F64, 8);

/* The kind of a leaf that flattening keeps (a float or double, or an integer of at most 8
 * bytes), or AK_VOID for one that leaves the struct to the integer convention. */
static ak_kind flat_kind(const ak_abi_leaf *leaf) {
  static const ak_kind floats[9] = {[4] = AK_F32, [8] = AK_F64};
  static const ak_kind ints[9] = {[1] = AK_U8, [2] = AK_U16, [4] = AK_U32, [8] = AK_U64};
  if (leaf->size > 8) return AK_VOID;
  return leaf->is_float ? floats[leaf->size] : ints[leaf->size]; /* AK_VOID is 0 */
}

/* The member of kind k aligned to `align` (1 to 16, not its own alignment). */
static const ak_type *moved_member(ak_kind k, size_t align) {
  size_t at = 0;
  while ((size_t)1 << at < align)
    at++;
  assert(at < 5 && (size_t)1 << at == align);
  switch (k) {
  case AK_U16:
    return &u16_moved[at];
  case AK_U32:
    return &u32_moved[at];
  case AK_U64:
    return &u64_moved[at];
  case AK_F32:
    return &f32_moved[at];
  case AK_F64:
    return &f64_moved[at];
  default:
    return NULL;
  }
}

static size_t round_up(size_t n, size_t align) {
  return (n + align - 1) / align * align;
}

/* The hardware floating-point convention's members for the leaves: how many (1 or 2), 0 when
 * the integer convention applies, -1 when the scalars travel in registers that no libffi members
 * reach (a struct over 16 bytes, or a second scalar where no alignment of 1 to 16 rounds the
 * first one's size to). */
static int float_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                         const ak_type **members) {
  if (n == 0 || n > 2) return 0;
  for (size_t i = 0; i < n; i++)
    if (leaves[i].in_union || flat_kind(&leaves[i]) == AK_VOID) return 0;
  if (!leaves[0].is_float && (n == 1 || !leaves[1].is_float)) return 0;
  /* gcc flattens by the scalars alone: { char c; double d aligned(16); } (32 bytes) goes in a0
   * and fa0. libffi passes anything over 16 bytes by reference, so it cannot make that call. */
  if (size > 16 || leaves[0].at != 0) return -1;
  members[0] = ak_scalar_type(flat_kind(&leaves[0]));
  if (n == 1) return 1;
  ak_kind second = flat_kind(&leaves[1]);
  size_t natural = ak_scalar_type(second)->align;
  if (round_up(leaves[0].size, natural) == leaves[1].at) {
    members[1] = ak_scalar_type(second);
    return 2;
  }
  for (size_t align = 1; align <= 16; align *= 2) {
    if (align != natural && round_up(leaves[0].size, align) == leaves[1].at) {
      members[1] = moved_member(second, align);
      return 2;
    }
  }
  return -1;
}

bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                           const ak_type **members, size_t *count) {
  int flat = float_members(size, leaves, n, members);
  if (flat < 0) return false;
  if (flat > 0) {
    *count = (size_t)flat;
    return true;
  }
  /* The integer convention goes by size and alignment alone, which the struct keeps, once
   * flattening finds no float: one byte stands for it. */
  members[0] = ak_scalar_type(AK_U8);
  *count = 1;
  return true;
}
