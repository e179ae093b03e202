/*
 * abi.h - what the core asks of the platform's calling convention.
 *
 * One file per ABI answers, behind this one interface: abi_x64_sysv.c for x86-64 System V,
 * abi_aarch64.c for AAPCS64, abi_riscv64.c for RISC-V LP64D, and abi_portable.c, where libffi
 * decides everything, for every other target until it has a file of its own. The build
 * (scripts/build-addon.mjs) compiles the target's file and names its header in AK_ABI_HEADER;
 * nothing else in the core tests the architecture. Where the ABI file makes no direct plans,
 * direct_none.c stands in for that part of the interface.
 *
 * The header gives the compile-time facts of the fast path (call.c, callback.c): how many integer
 * and vector argument registers it loads (AK_ABI_INT_REGS is 0 where there is no fast path), and
 * those registers as the parameter lists of the prototypes that load them. The file classifies:
 * which signatures travel in registers alone, and how the rest are called without libffi.
 */
#ifndef ARKFFI_ABI_H
#define ARKFFI_ABI_H

#ifndef AK_ABI_HEADER
#error "the build names the ABI's header in AK_ABI_HEADER (scripts/build-addon.mjs)"
#endif
#include AK_ABI_HEADER

#include <ffi.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ak_type ak_type;
typedef struct ak_fn ak_fn;

/* Where the arguments of a register-only signature travel, decided once (ak_abi_reg_plan):
 * integer-class arguments fill the integer registers in order, floating-point ones the vector
 * registers in order, independently, and the result comes back in the first of either. */
typedef struct {
  uint8_t nint;     /* integer registers used */
  uint8_t nsse;     /* vector registers used */
  uint8_t f32_mask; /* vector registers that carry a float, by bit */
  bool ret_in_sse;  /* the result comes back in a vector register */
} ak_abi_regs;

/* The register of argument i, in where[i]: k for integer register k, AK_ABI_INT_REGS + k for
 * vector register k. False, with where[] undefined, when the signature does not travel in
 * registers alone within `int_regs` integer registers (a struct, too many arguments, or no fast
 * path on this ABI). */
bool ak_abi_reg_plan(const ak_type *ret, ak_type *const *args, uint32_t nargs, uint32_t int_regs,
                     uint8_t *where, ak_abi_regs *regs);

/* libffi's type for a struct that the ABI passes in memory but whose layout has no members to
 * say so (types.c, layout_members); NULL where the ABI has none. */
ffi_type *ak_abi_memory_struct(void);

/* A scalar of a struct that libffi cannot lay out (a union, a packed struct that moves a field):
 * where it lies, its size and alignment, whether it is a floating-point value, and whether it
 * lies inside a union (at any depth). Leaves come in the order of the struct's fields. */
typedef struct {
  uint32_t at;
  uint32_t size;
  uint32_t align;
  bool is_float;
  bool in_union;
} ak_abi_leaf;
/* At most this many members stand for such a struct. */
#define AK_ABI_LAYOUT_MEMBERS 8
/* How the ABI passes such a struct of `size` bytes, given its scalars: the scalar types libffi is
 * to see as its members, so that it classifies them as the ABI classifies the real type (`count`
 * of them; 0: passed in memory). False where this ABI cannot pass such a struct through libffi. */
bool ak_abi_layout_members(size_t size, const ak_abi_leaf *leaves, size_t n,
                           const ak_type **members, size_t *count);

/* Plans fn's calls without libffi where the ABI's rules allow: classification makes a plan, kept
 * as data in fn->direct (NULL when there is none), that ak_abi_direct_call interprets. False
 * only when out of memory. */
bool ak_abi_direct_plan(ak_fn *fn);
void ak_abi_direct_free(ak_fn *fn);
/* True when the platform's libffi is known to pass fn's arguments wrongly: such a signature
 * needs a direct plan even on the general path. */
bool ak_abi_libffi_misplaces(const ak_fn *fn);
/* What ffi_call(&fn->cif, fn->addr, rvalue, avalues) does, for a fn with a plan. */
void ak_abi_direct_call(const ak_fn *fn, void *rvalue, void **avalues);

#endif
