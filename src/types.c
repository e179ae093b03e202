/*
 * types.c - type names and type descriptors.
 *
 * Every name a definition may use (canonical names, FFIType values, bun:ffi names, ArkFFI's
 * one-letter codes, common C spellings) resolves here to one canonical kind with its real C size
 * and libffi type. Names whose meaning depends on the platform (char, long, size_t) are resolved
 * with the compiler's own answer, so they always match the C the library was built with.
 */
#include "arkffi.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wchar.h>

#define AK_LONG_KIND  (sizeof(long) == 8 ? AK_I64 : AK_I32)
#define AK_ULONG_KIND (sizeof(long) == 8 ? AK_U64 : AK_U32)
#define AK_SIZE_KIND  (sizeof(size_t) == 8 ? AK_U64 : AK_U32)
#define AK_SSIZE_KIND (sizeof(size_t) == 8 ? AK_I64 : AK_I32)
#define AK_CHAR_KIND  (CHAR_MIN < 0 ? AK_I8 : AK_U8)
/* wchar_t: 4 bytes on Linux (signed on x86-64, unsigned on AArch64), 2 on Windows. */
#define AK_WCHAR_KIND                                                                              \
  (sizeof(wchar_t) == 4 ? (WCHAR_MIN < 0 ? AK_I32 : AK_U32) : WCHAR_MIN < 0 ? AK_I16 : AK_U16)
#define AK_WSTRING_KIND (sizeof(wchar_t) == 4 ? AK_CSTRING32 : AK_CSTRING16)

typedef struct {
  const char *name;
  int kind; /* an ak_kind, or one of the platform-dependent AK_*_KIND expressions */
} alias;

/* Canonical names are matched through kind_names first; these are the other spellings. */
static const alias aliases[] = {
    /* ArkFFI's one-letter codes ('k' is a callback, i.e. a function pointer). 'c' is int8_t, as
     * ArkFFI defined it, not the platform's char, which is unsigned on AArch64. */
    {"i", AK_I32},
    {"l", AK_I64},
    {"d", AK_F64},
    {"f", AK_F32},
    {"c", AK_I8},
    {"b", AK_BOOL},
    {"s", AK_CSTRING},
    {"p", AK_PTR},
    {"k", AK_PTR},
    {"v", AK_VOID},
    /* FFIType member names and bun:ffi names. */
    {"char", AK_CHAR_KIND},
    {"int8_t", AK_I8},
    {"uint8_t", AK_U8},
    {"int16_t", AK_I16},
    {"uint16_t", AK_U16},
    {"int32_t", AK_I32},
    {"uint32_t", AK_U32},
    {"int64_t", AK_I64},
    {"uint64_t", AK_U64},
    {"int", AK_I32},
    {"int32", AK_I32},
    {"int64", AK_I64},
    {"double", AK_F64},
    {"float", AK_F32},
    {"pointer", AK_PTR},
    {"function", AK_PTR},
    {"callback", AK_PTR},
    {"buffer", AK_PTR},
    {"CString", AK_CSTRING},
    /* Integers in a given byte order: the little-endian ones are the plain kinds (every target
     * is little-endian, kinds.h), with koffi's spellings of both orders. */
    {"i16_le", AK_I16},
    {"u16_le", AK_U16},
    {"i32_le", AK_I32},
    {"u32_le", AK_U32},
    {"i64_le", AK_I64},
    {"u64_le", AK_U64},
    {"int16_le", AK_I16},
    {"int16_le_t", AK_I16},
    {"uint16_le", AK_U16},
    {"uint16_le_t", AK_U16},
    {"int32_le", AK_I32},
    {"int32_le_t", AK_I32},
    {"uint32_le", AK_U32},
    {"uint32_le_t", AK_U32},
    {"int64_le", AK_I64},
    {"int64_le_t", AK_I64},
    {"uint64_le", AK_U64},
    {"uint64_le_t", AK_U64},
    {"int16_be", AK_I16_BE},
    {"int16_be_t", AK_I16_BE},
    {"uint16_be", AK_U16_BE},
    {"uint16_be_t", AK_U16_BE},
    {"int32_be", AK_I32_BE},
    {"int32_be_t", AK_I32_BE},
    {"uint32_be", AK_U32_BE},
    {"uint32_be_t", AK_U32_BE},
    {"int64_be", AK_I64_BE},
    {"int64_be_t", AK_I64_BE},
    {"uint64_be", AK_U64_BE},
    {"uint64_be_t", AK_U64_BE},
    {"str16", AK_CSTRING16},
    {"string16", AK_CSTRING16},
    {"str32", AK_CSTRING32},
    {"string32", AK_CSTRING32},
    {"wstring", AK_WSTRING_KIND},
    {"i64_fast", AK_I64},
    {"u64_fast", AK_U64},
    {"usize", AK_SIZE_KIND},
    {"isize", AK_SSIZE_KIND},
    /* C spellings. */
    {"size_t", AK_SIZE_KIND},
    {"ssize_t", AK_SSIZE_KIND},
    {"uintptr_t", AK_SIZE_KIND},
    {"intptr_t", AK_SSIZE_KIND},
    {"short", AK_I16},
    {"ushort", AK_U16},
    {"uint", AK_U32},
    {"unsigned", AK_U32},
    {"long", AK_LONG_KIND},
    {"ulong", AK_ULONG_KIND},
    {"longlong", AK_I64},
    {"ulonglong", AK_U64},
    {"uchar", AK_U8},
    {"schar", AK_I8},
    {"int8", AK_I8},
    {"uint8", AK_U8},
    {"int16", AK_I16},
    {"uint16", AK_U16},
    {"uint32", AK_U32},
    {"uint64", AK_U64},
    {"float32", AK_F32},
    {"float64", AK_F64},
};

/* The C spellings of more than one word, as c_spelling normalises them (one space between
 * words, qualifiers gone). */
static const alias c_words[] = {
    {"signed char", AK_I8},
    {"unsigned char", AK_U8},
    {"short int", AK_I16},
    {"signed short", AK_I16},
    {"signed short int", AK_I16},
    {"unsigned short", AK_U16},
    {"unsigned short int", AK_U16},
    {"signed", AK_I32},
    {"signed int", AK_I32},
    {"unsigned int", AK_U32},
    {"long int", AK_LONG_KIND},
    {"signed long", AK_LONG_KIND},
    {"signed long int", AK_LONG_KIND},
    {"unsigned long", AK_ULONG_KIND},
    {"unsigned long int", AK_ULONG_KIND},
    {"long long", AK_I64},
    {"long long int", AK_I64},
    {"signed long long", AK_I64},
    {"signed long long int", AK_I64},
    {"unsigned long long", AK_U64},
    {"unsigned long long int", AK_U64},
    {"ptrdiff_t", AK_SSIZE_KIND},
    {"off_t", sizeof(off_t) == 8 ? AK_I64 : AK_I32},
    {"_Bool", AK_BOOL},
    {"char16_t", AK_U16},
    {"char32_t", AK_U32},
    {"wchar_t", AK_WCHAR_KIND},
};
_Static_assert(sizeof(int) == 4 && sizeof(short) == 2 && sizeof(long long) == 8,
               "the C spellings assume int, short and long long of 32, 16 and 64 bits");
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "ptrdiff_t as wide as size_t");

static bool alias_find(const alias *list, size_t n, const char *name, ak_kind *out) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(name, list[i].name) == 0) {
      *out = (ak_kind)list[i].kind;
      return true;
    }
  }
  return false;
}

/* A single name: canonical, or one of the other spellings. */
static bool word_parse(const char *name, ak_kind *out) {
  for (int k = 0; k < AK_KIND_COUNT; k++) {
    if (k != AK_STRUCT && strcmp(name, ak_kinds[k].name) == 0) {
      *out = (ak_kind)k;
      return true;
    }
  }
  return alias_find(aliases, sizeof aliases / sizeof aliases[0], name, out) ||
         alias_find(c_words, sizeof c_words / sizeof c_words[0], name, out);
}

/* The kind of a pointer to `base`: a C string of its code units for the character types. */
static ak_kind text_pointer(const char *base) {
  if (strcmp(base, "char") == 0) return AK_CSTRING;
  if (strcmp(base, "char16_t") == 0) return AK_CSTRING16;
  if (strcmp(base, "char32_t") == 0) return AK_CSTRING32;
  if (strcmp(base, "wchar_t") == 0) return AK_WSTRING_KIND;
  return AK_PTR;
}

/* A C declaration's type: words separated by spaces, `const` and `volatile` ignored (they do not
 * change how a value is passed), and trailing `*`s, each perhaps followed by qualifiers. A
 * pointer to char is a C string, as koffi and C APIs mean it, and so are pointers to char16_t,
 * char32_t and wchar_t (UTF-16, UTF-32, the platform's wide strings); any other pointer is a `ptr`
 * (`unsigned char *` included: bytes, not text). */
static bool c_spelling(const char *name, ak_kind *out) {
  char base[64];
  size_t used = 0;
  unsigned stars = 0;
  const char *p = name;
  while (*p != '\0') {
    if (*p == ' ' || *p == '\t') {
      p++;
      continue;
    }
    if (*p == '*') {
      stars++;
      p++;
      continue;
    }
    const char *word = p;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '*')
      p++;
    size_t n = (size_t)(p - word);
    if ((n == 5 && strncmp(word, "const", 5) == 0) || (n == 8 && strncmp(word, "volatile", 8) == 0))
      continue;
    /* A word after a `*` would be a declarator's name or a second type: not a type name. */
    if (stars > 0 || used + n + 2 > sizeof base) return false;
    if (used > 0) base[used++] = ' ';
    memcpy(base + used, word, n);
    used += n;
  }
  base[used] = '\0';
  ak_kind kind;
  if (used == 0 || !word_parse(base, &kind)) return false;
  *out = stars == 0 ? kind : stars == 1 ? text_pointer(base) : AK_PTR;
  return true;
}

bool ak_kind_parse(const char *name, ak_kind *out) {
  return word_parse(name, out) || c_spelling(name, out);
}

void ak_type_free(ak_type *type) {
  if (type == NULL || type->kind != AK_STRUCT) return; /* scalars are static */
  for (size_t i = 0; i < type->nfields; i++)
    ak_type_free(type->fields[i]);
  free(type->fields);
  free(type->elements);
  free(type);
}

/* A struct the TypeScript side laid out itself (a union, or a packed struct that moves a field:
 * see StructSchema's native description in lib/struct.ts) starts with "=size/align"; its scalars
 * follow as [offset, size, alignment, isFloat]. Returns 1 and the two numbers for such a desc, 0
 * for any other, -1 (with an exception pending) for a malformed one. */
static int layout_header(napi_env env, napi_value desc, size_t *size, size_t *align) {
  napi_value first;
  napi_valuetype vt = napi_undefined;
  if (napi_get_element(env, desc, 0, &first) != napi_ok) return 0;
  napi_typeof(env, first, &vt);
  char text[48];
  size_t len = 0;
  if (vt != napi_string ||
      napi_get_value_string_utf8(env, first, text, sizeof text, &len) != napi_ok || text[0] != '=')
    return 0;
  unsigned long long s = 0, a = 0;
  int used = 0;
  bool ok = sscanf(text, "=%llu/%llu%n", &s, &a, &used) == 2 && (size_t)used == len && s > 0 &&
            s <= UINT32_MAX && (a == 1 || a == 2 || a == 4 || a == 8 || a == 16) && s % a == 0;
  if (!ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "malformed struct layout '%s'", text);
    return -1;
  }
  *size = (size_t)s;
  *align = (size_t)a;
  return 1;
}

/* The members that stand for a struct described by a layout header (desc[1..n-1] are its
 * scalars): what the ABI file classifies them as. */
static bool layout_members(napi_env env, napi_value desc, uint32_t n, size_t size, ak_type *t) {
  ak_abi_leaf *leaves = calloc(n, sizeof *leaves);
  if (leaves == NULL) {
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory classifying a struct");
    return false;
  }
  bool ok = true;
  for (uint32_t i = 1; ok && i < n; i++) {
    napi_value leaf, v;
    uint32_t parts[5] = {0};
    bool is_array = false;
    ok = napi_get_element(env, desc, i, &leaf) == napi_ok &&
         napi_is_array(env, leaf, &is_array) == napi_ok && is_array;
    for (uint32_t k = 0; ok && k < 5; k++)
      ok = napi_get_element(env, leaf, k, &v) == napi_ok &&
           napi_get_value_uint32(env, v, &parts[k]) == napi_ok;
    leaves[i - 1] = (ak_abi_leaf){parts[0], parts[1], parts[2], parts[3] != 0, parts[4] != 0};
  }
  const ak_type *members[AK_ABI_LAYOUT_MEMBERS];
  size_t count = 0;
  if (!ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "malformed struct layout scalars");
  } else if (!ak_abi_layout_members(size, leaves, n - 1, members, &count)) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "this union, packed or aligned struct cannot be passed by value on this platform "
             "(ArkFFI classifies them for x86-64, AArch64 and RISC-V 64, where libffi can make "
             "the call); pass a pointer to it instead");
    ok = false;
  }
  free(leaves);
  for (size_t k = 0; ok && k < count; k++) {
    t->elements[t->nfields] = members[k]->ffi;
    t->fields[t->nfields++] = (ak_type *)members[k];
  }
  return ok;
}

/* Gives a struct described by a layout header its size and alignment. libffi takes them as they
 * are (it only computes them while they are zero); the members, if any, only make libffi
 * classify the struct as the ABI does, so they must lie within it. With none, the struct is
 * passed in memory. */
static bool fixed_layout(napi_env env, ak_type *t, size_t size, size_t align) {
  if (t->nfields == 0 && (t->elements[0] = ak_abi_memory_struct()) == NULL) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "this platform has no libffi type for a struct passed in memory");
    return false;
  }
  size_t end = 0;
  for (size_t i = 0; i < t->nfields; i++)
    end = (end + t->fields[i]->align - 1) / t->fields[i]->align * t->fields[i]->align +
          t->fields[i]->size;
  if (end > size) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "the members of a %zu-byte struct layout take %zu bytes", size, end);
    return false;
  }
  t->ffi_struct.size = size;
  t->ffi_struct.alignment = (unsigned short)align;
  t->size = size;
  t->align = align;
  return true;
}

/* A struct by value: libffi computes size, alignment and member offsets with the platform's
 * rules in ffi_get_struct_offsets, which we use as the single source of truth for the layout,
 * unless the desc gives the layout itself (see layout_header). */
static ak_type *struct_from_js(napi_env env, napi_value desc, uint32_t depth) {
  uint32_t n = 0;
  if (ak_failed(env, napi_get_array_length(env, desc, &n))) return NULL;
  size_t size = 0, align = 0;
  int header = layout_header(env, desc, &size, &align);
  if (header < 0) return NULL;
  if (n == 0) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "a struct needs at least one member");
    return NULL;
  }
  /* Every member and the terminating NULL: the members given, or those that stand for a layout
   * (at most AK_ABI_LAYOUT_MEMBERS, or the in-memory one). */
  uint32_t room = header ? AK_ABI_LAYOUT_MEMBERS : n;
  ak_type *t = calloc(1, sizeof *t);
  if (t != NULL) {
    t->fields = calloc(room, sizeof *t->fields);
    t->elements = calloc(room + 1, sizeof *t->elements);
  }
  if (t == NULL || t->fields == NULL || t->elements == NULL) {
    if (t != NULL) {
      free(t->fields);
      free(t->elements);
      free(t);
    }
    ak_throw(env, "Error", "ERR_ARKFFI_NO_MEMORY", "out of memory building a struct type");
    return NULL;
  }
  t->kind = AK_STRUCT;
  t->ffi = &t->ffi_struct;
  t->ffi_struct.type = FFI_TYPE_STRUCT;
  t->ffi_struct.elements = t->elements;
  if (header) {
    if (!layout_members(env, desc, n, size, t) || !fixed_layout(env, t, size, align)) goto fail;
    return t;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (ak_failed(env, napi_get_element(env, desc, i, &item))) goto fail;
    napi_valuetype vt;
    napi_typeof(env, item, &vt);
    bool is_array = false;
    napi_is_array(env, item, &is_array);
    ak_type *field = NULL;
    if (is_array && depth < 32) {
      field = struct_from_js(env, item, depth + 1);
    } else if (!is_array) {
      field = ak_type_from_js(env, item);
    } else {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "struct types nest too deeply");
    }
    if (field == NULL) goto fail;
    if (field->kind == AK_VOID) {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "a struct member cannot be void");
      goto fail;
    }
    /* A handle is valid during one call only; memory outlives it. */
    if (ak_kinds[field->kind].engine != NULL) {
      ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "a struct member cannot be %s",
               ak_kinds[field->kind].name);
      goto fail;
    }
    t->elements[t->nfields] = field->ffi;
    t->fields[t->nfields++] = field;
  }
  if (ffi_get_struct_offsets(FFI_DEFAULT_ABI, t->ffi, NULL) != FFI_OK) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE", "libffi rejected the struct layout");
    goto fail;
  }
  t->size = t->ffi_struct.size;
  t->align = t->ffi_struct.alignment;
  return t;
fail:
  ak_type_free(t);
  return NULL;
}

ak_type *ak_type_from_js(napi_env env, napi_value desc) {
  bool is_array = false;
  napi_is_array(env, desc, &is_array);
  if (is_array) return struct_from_js(env, desc, 0);

  char name[64];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, desc, name, sizeof name, &len) != napi_ok) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_INVALID_TYPE",
             "a type must be a type name or an array of member types");
    return NULL;
  }
  /* A name with a NUL inside would otherwise match what precedes the NUL ("i\0x" as "i"). */
  if (strlen(name) != len) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_UNKNOWN_TYPE",
             "unknown type '%s\\0...': a NUL in the name", name);
    return NULL;
  }
  ak_kind kind;
  if (len >= sizeof name - 1 || !ak_kind_parse(name, &kind)) {
    ak_throw(env, "TypeError", "ERR_ARKFFI_UNKNOWN_TYPE", "unknown type '%s'", name);
    return NULL;
  }
  return (ak_type *)ak_scalar_type(kind);
}

/* typeInfo(desc) -> { kind, size, align, offsets? }: what the TypeScript layer needs to generate
 * a wrapper, computed once per definition. */
napi_value ak_js_type_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!ak_get_args(env, info, 1, argv, 1, "ERR_ARKFFI_INVALID_TYPE", "typeInfo needs a type"))
    return NULL;
  ak_type *t = ak_type_from_js(env, argv[0]);
  if (t == NULL) return NULL;

  napi_value out, kind, size, align;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, ak_kind_name(t->kind), NAPI_AUTO_LENGTH, &kind);
  napi_create_uint32(env, (uint32_t)t->size, &size);
  napi_create_uint32(env, (uint32_t)t->align, &align);
  napi_set_named_property(env, out, "kind", kind);
  napi_set_named_property(env, out, "size", size);
  napi_set_named_property(env, out, "align", align);
  size_t fixed_size, fixed_align;
  /* A fixed layout's members are not its fields, so their offsets mean nothing to the caller;
   * libffi would also recompute the layout from them. */
  if (t->kind == AK_STRUCT && layout_header(env, argv[0], &fixed_size, &fixed_align) == 0) {
    size_t *offsets = calloc(t->nfields, sizeof *offsets);
    napi_value arr;
    napi_create_array_with_length(env, t->nfields, &arr);
    if (offsets != NULL && ffi_get_struct_offsets(FFI_DEFAULT_ABI, t->ffi, offsets) == FFI_OK) {
      for (size_t i = 0; i < t->nfields; i++) {
        napi_value off;
        napi_create_uint32(env, (uint32_t)offsets[i], &off);
        napi_set_element(env, arr, (uint32_t)i, off);
      }
    }
    free(offsets);
    napi_set_named_property(env, out, "offsets", arr);
  }
  ak_type_free(t);
  return out;
}
