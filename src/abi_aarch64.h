/* abi_aarch64.h - the compile-time facts of AAPCS64, little-endian (see abi.h). */
#ifndef ARKFFI_ABI_AARCH64_H
#define ARKFFI_ABI_AARCH64_H

/* The fast path loads a float in the low half of a 64-bit register image: little-endian only
 * (scripts/build-addon.mjs gives big-endian targets the portable file). */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "abi_aarch64 is for little-endian AArch64"
#endif

/* x0-x7 and v0-v7. */
#define AK_ABI_INT_REGS 8
#define AK_ABI_SSE_REGS 8
#define AK_ABI_INT_PARAMS                                                                          \
  uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define AK_ABI_INT_ARGS(r) r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
/* All but the last integer register, which a callback trampoline loads with its slot. */
#define AK_ABI_CB_INT_PARAMS                                                                       \
  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6
#define AK_ABI_CB_INT_NAMES a0, a1, a2, a3, a4, a5, a6

#endif
