/**
 * C prototypes as definitions: `'int atoi(const char *s)'` or `'size_t fread(void *ptr, size_t
 * size, size_t n, void *f)'`, parsed once into the object form `{ args, returns, variadic }`. The
 * types are C spellings (see types.c), parameter names are optional, `...` makes the function
 * variadic, and `_Out_` or `_Inout_` before a pointer parameter makes it an out() or inout() one. An unknown type is left for the definition's own check, so its error is the one an
 * object definition gets.
 */
import { describe, ffiError } from './errors';
import type { FFIFunction } from './typing';
import { inout, out, pointer, type PointeeType } from './pointer-args';
import { isTypeName } from './types';

// A declaration's last word, when it is a name: an identifier after a space or a `*`.
const TRAILING_NAME = /^(.*?[\s*])\s*([A-Za-z_][A-Za-z0-9_]*)$/s;

/**
 * Splits a declaration (`const char *s`, `int`, `unsigned long n`) into its type and its name:
 * the whole text is the type when it names one; otherwise its last word is the name.
 */
function declaration(text: string): { type: string; name: string | undefined } {
  const trimmed = text.trim();
  if (isTypeName(trimmed)) return { type: trimmed, name: undefined };
  const m = TRAILING_NAME.exec(trimmed);
  return m === null ? { type: trimmed, name: undefined } : { type: m[1].trim(), name: m[2] };
}

// koffi's (and Microsoft's SAL) qualifiers of an output parameter: `_Out_ int *n` is
// out(pointer('int')), `_Inout_ double *v` inout(pointer('double')).
const DIRECTION = /^\s*(_Out_|_Inout_)\s+/;

// An array parameter's brackets: `char *argv[]`, `int v[4]`.
const ARRAY_SUFFIX = /\[\s*([0-9]*)\s*\]\s*$/;

/**
 * A parameter's declaration: as declaration() reads it, except that an array parameter is a
 * pointer, as C adjusts it (`char *const argv[]` is a `char *const *`), and `length` is its
 * length where the brackets give one (`int fds[2]`).
 */
function parameter(text: string): { type: string; length: number | undefined } {
  const array = ARRAY_SUFFIX.exec(text);
  if (array === null) return { type: declaration(text).type, length: undefined };
  const { type } = declaration(text.slice(0, array.index));
  const length = array[1] === '' ? undefined : Number(array[1]);
  return { type: type.endsWith('*') ? `${type}*` : `${type} *`, length };
}

/** The definition that the prototype `text` of function `name` declares; `where` names it in errors. */
export function prototypeDefinition(where: string, name: string, text: string): FFIFunction {
  const refuse = (problem: string): never => {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_DEFINITION', `${where}: ${problem}`);
  };
  const m = /^([^()]*)\(([^()]*)\)\s*;?\s*$/s.exec(text);
  if (m === null) {
    refuse(
      `a prototype must be a C declaration like 'int atoi(const char *s)' (function pointer parameters are declared 'void *'), got ${describe(text)}`,
    );
  }
  const [, head, params] = m as RegExpExecArray;
  const result = declaration(head);
  if (result.type === '' || (result.name === undefined && result.type === name)) {
    refuse(`the prototype ${JSON.stringify(text)} has no result type`);
  }
  if (result.name !== undefined && result.name !== name) {
    refuse(`the prototype declares '${result.name}', not '${name}'`);
  }
  const list = params.trim() === '' || params.trim() === 'void' ? [] : params.split(',');
  const variadic = list.length > 0 && list[list.length - 1].trim() === '...';
  if (variadic) list.pop();
  const args = list.map((param, i) => {
    const direction = DIRECTION.exec(param);
    const { type, length } = parameter(direction === null ? param : param.slice(direction[0].length));
    if (type === '' || type === '...')
      refuse(`parameter ${i + 1} of the prototype ${JSON.stringify(text)} has no type`);
    if (direction === null) return type;
    if (!type.endsWith('*'))
      refuse(`parameter ${i + 1} of the prototype ${JSON.stringify(text)} is ${direction[1]} but not a pointer`);
    const to = pointer(type.slice(0, -1).trim() as PointeeType, length);
    return direction[1] === '_Out_' ? out(to) : inout(to);
  });
  const def = { args, returns: result.type, ...(variadic ? { variadic } : {}) };
  return def as FFIFunction;
}
