/* abi_portable.h - the compile-time facts of a target without an ABI file (see abi.h): no fast
 * path. */
#ifndef ARKFFI_ABI_PORTABLE_H
#define ARKFFI_ABI_PORTABLE_H

#define AK_ABI_INT_REGS 0
#define AK_ABI_SSE_REGS 0

#endif
