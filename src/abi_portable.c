/*
 * abi_portable.c - the ABI of a target without a file of its own: libffi decides.
 *
 * No direct plans (every general-path call goes through ffi_call), no libffi bug to work around,
 * and no classification of the structs libffi cannot lay out (unions, packed structs), which are
 * then refused by value. The fast path exists only
 * where abi_portable.h gives it registers (little-endian AArch64), with its plain rules.
 */
#include "arkffi.h"

#include <assert.h>

bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs) {
  *regs = (ak_abi_regs){0};
  if (AK_ABI_INT_REGS == 0 || ret->kind == AK_STRUCT) return false;
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

bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n, uint8_t *members,
                           size_t *count) {
  return false;
}

bool ak_abi_direct_plan(ak_fn *fn) {
  fn->direct = NULL;
  return true;
}

bool ak_abi_libffi_misplaces(const ak_fn *fn) {
  return false;
}

void ak_abi_direct_free(ak_fn *fn) {
  assert(fn->direct == NULL);
}

void ak_abi_direct_call(const ak_fn *fn, void *rvalue, void **avalues) {
  assert(!"no direct calls without an ABI file");
}
