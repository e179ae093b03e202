/* abi_x64_sysv.h - the compile-time facts of x86-64 System V (see abi.h). */
#ifndef ARKFFI_ABI_X64_SYSV_H
#define ARKFFI_ABI_X64_SYSV_H

/* rdi, rsi, rdx, rcx, r8, r9 and xmm0-xmm7. */
#define AK_ABI_INT_REGS    6
#define AK_ABI_SSE_REGS    8
#define AK_ABI_INT_PARAMS  uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define AK_ABI_INT_ARGS(r) r[0], r[1], r[2], r[3], r[4], r[5]
/* All but the last integer register, which a callback trampoline loads with its slot. */
#define AK_ABI_CB_INT_PARAMS uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4
#define AK_ABI_CB_INT_NAMES  a0, a1, a2, a3, a4
/* abi_x64_sysv.c plans general-path calls itself (see direct_none.c). */
#define AK_ABI_DIRECT_PLANS

#endif
