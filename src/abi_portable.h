/* abi_portable.h - the compile-time facts of a target without an ABI file (see abi.h). */
#ifndef ARKFFI_ABI_PORTABLE_H
#define ARKFFI_ABI_PORTABLE_H

/* Little-endian AArch64 (AAPCS64: x0-x7 and v0-v7) keeps the fast path, whose plain register
 * rules are its own for scalars; a float travels in the low half of a 64-bit register image,
 * hence little-endian only. Every other target has none. */
#if defined(__aarch64__) && !defined(_WIN32) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AK_ABI_INT_REGS 8
#define AK_ABI_SSE_REGS 8
#define AK_ABI_INT_PARAMS                                                                          \
  uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define AK_ABI_INT_ARGS(r) r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
/* All but the last integer register, which a callback trampoline loads with its slot. */
#define AK_ABI_CB_INT_PARAMS                                                                       \
  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6
#define AK_ABI_CB_INT_NAMES a0, a1, a2, a3, a4, a5, a6
#else
#define AK_ABI_INT_REGS 0
#define AK_ABI_SSE_REGS 0
#endif

#endif
