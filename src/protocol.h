/*
 * protocol.h - the shared slot buffer between the generated JS wrappers and the native entries:
 * every slot index, region, bit and code of it, and nothing else. module.c exports each of them
 * to JS (native.layout, typed in lib/native.ts), so the TypeScript layer writes none of these
 * numbers itself. docs/internals.md has the table of who writes and reads each slot, and when.
 *
 * The buffer is AK_SLOT_COUNT 8-byte slots, then an arena of AK_ARENA_SIZE bytes. Each meaning
 * has a slot or region of its own; the ones every call touches (result, function, call info, the
 * first argument slots) are neighbours, so a call reads and writes one or two cache lines.
 */
#ifndef ARKFFI_PROTOCOL_H
#define ARKFFI_PROTOCOL_H

/* The result of a call, as a double; a callback dispatcher's answer too. Written only after the
 * target returns, so a nested call cannot disturb an outer call's arguments. */
#define AK_SLOT_RESULT 0
/* The called function: the bits of its ak_fn record's address (define.c, fn_name). */
#define AK_SLOT_FN 1
/* What the wrapper says about the call's reference arguments, read before the call: on the
 * general path the bitmask of the references it passed (AK_PASSED_*), on the fast path each
 * reference's kind (AK_REF_*) and each string's flags (AK_STRING_*). */
#define AK_SLOT_CALL 2
/* Argument i is slot AK_SLOT_ARGS + i, as a double (general path, async calls, callbacks). */
#define AK_SLOT_ARGS 3
#define AK_MAX_ARGS  1021
/* The fast path's register images, in the argument slots: integer registers from
 * AK_SLOT_FAST_INT, vector registers from AK_SLOT_FAST_SSE, AK_FAST_REGS of each at most. */
#define AK_FAST_REGS     8
#define AK_SLOT_FAST_INT AK_SLOT_ARGS
#define AK_SLOT_FAST_SSE (AK_SLOT_ARGS + AK_FAST_REGS)

/* What define() reports (define.c, describe_fn), in slots from AK_SLOT_DEF: the id, the name a
 * wrapper writes to AK_SLOT_FN, the fast entry (AK_ENTRY_*) and, on the fast path, each
 * argument's register slot from AK_DEF_SLOTS (a fast function has at most 2 * AK_FAST_REGS). */
#define AK_SLOT_DEF  (AK_SLOT_ARGS + AK_MAX_ARGS)
#define AK_DEF_ID    0
#define AK_DEF_NAME  1
#define AK_DEF_ENTRY 2
#define AK_DEF_SLOTS 3
#define AK_DEF_COUNT (AK_DEF_SLOTS + 2 * AK_FAST_REGS)
/* The fast entries define() names: none (the general path), invokeFast, or invokePlain k at
 * AK_ENTRY_PLAIN + k. */
#define AK_ENTRY_NONE  (-1)
#define AK_ENTRY_FAST  0
#define AK_ENTRY_PLAIN 1

/* A struct result of up to AK_STRUCT_BYTES bytes, returned by a wrapper's call, is left from
 * slot AK_SLOT_STRUCT for the wrapper to copy or decode at once, sparing an ArrayBuffer. */
#define AK_SLOT_STRUCT  (AK_SLOT_DEF + AK_DEF_COUNT)
#define AK_STRUCT_BYTES (AK_MAX_ARGS * 8)

/* The arena's top and the call's mark, as int32 words AK_ARENA_TOP and AK_ARENA_MARK of this
 * slot. The arena is a stack: a fast wrapper copies its short strings above the top, stores the
 * old top as the mark and the new top; the native entry puts the top back to the mark however
 * the call ends. A nested call stacks above the outer call's strings. */
#define AK_SLOT_ARENA (AK_SLOT_STRUCT + AK_STRUCT_BYTES / 8)
#define AK_ARENA_TOP  0
#define AK_ARENA_MARK 1
#define AK_SLOT_COUNT (AK_SLOT_ARENA + 1)
#define AK_ARENA_SIZE 65536
/* Strings up to this many bytes are copied into the arena by the wrappers themselves; each
 * string argument of a fast function also keeps the last one it took (call.c, arena_strings). */
#define AK_ARENA_STRING 128

/* General path, AK_SLOT_CALL: bit r is set when reference r was passed as a Node-API argument;
 * a wrapper with more than AK_PASSED_MAX_REFS references writes AK_PASSED_ALL (a double holds
 * that many bits exactly). */
#define AK_PASSED_MAX_REFS 52
#define AK_PASSED_ALL      (-1)

/* Fast path, AK_SLOT_CALL: AK_REF_BITS bits per reference argument, reference r at bit
 * r * AK_REF_BITS, say what the wrapper passed so C needs no Node-API call to find out. */
#define AK_REF_BITS   2
#define AK_REF_NONE   0
#define AK_REF_STRING 1
#define AK_REF_OBJECT 2
#define AK_REF_OTHER  3

/* Fast path, AK_SLOT_CALL: from bit AK_STRING_FLAGS_SHIFT, AK_STRING_BITS bits per string
 * argument say whether the wrapper copied a new string into the arena or only made room for the
 * one the argument took last time (0: neither, the string was passed as a reference). */
#define AK_STRING_FLAGS_SHIFT 16
#define AK_STRING_BITS        2
#define AK_STRING_NEW         1
#define AK_STRING_AGAIN       2

#endif
