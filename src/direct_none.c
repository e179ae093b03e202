/*
 * direct_none.c - the direct-call part of abi.h for an ABI file that makes no direct plans:
 * every general-path call goes through ffi_call, and no libffi bug needs working around. An ABI
 * header that plans direct calls defines AK_ABI_DIRECT_PLANS, and its file implements these.
 */
#include "arkffi.h"

#include <assert.h>

#ifndef AK_ABI_DIRECT_PLANS

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
  assert(!"no direct calls without a plan");
}

#endif
