/* abi_riscv64.h - the compile-time facts of RISC-V LP64D (see abi.h): no fast path yet. */
#ifndef ARKFFI_ABI_RISCV64_H
#define ARKFFI_ABI_RISCV64_H

#if !defined(__riscv_float_abi_double) || __riscv_xlen != 64
#error "abi_riscv64 is for the LP64D ABI"
#endif

#define AK_ABI_INT_REGS 0
#define AK_ABI_SSE_REGS 0

#endif
