/*
 * abi_portable.c - the ABI of a target without a file of its own: libffi decides.
 *
 * No fast path, no direct plans (direct_none.c), and no classification of the structs libffi
 * cannot lay out (unions, packed structs that move a field), which are then refused by value.
 */
#include "arkffi.h"

bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs) {
  *regs = (ak_abi_regs){0};
  return false;
}

ffi_type *ak_abi_memory_struct(void) {
  return NULL;
}

bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                           const ak_type **members, size_t *count) {
  return false;
}
