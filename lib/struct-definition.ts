/**
 * Reading a struct's description as the program wrote it: its fields (an object or [name, type]
 * pairs), its packing options, and each member's own alignment; all without running user code.
 */
import { types as jsTypes } from 'node:util';
import { ffiError } from './errors';
import { isPlainObject, show } from './struct-fields';
import type { FieldList, FieldType, StructOptions } from './struct';

// Array indices (canonical integers below 2^32 - 1) are the keys JS objects move to the front,
// whatever order they were written in.
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** The own data properties of a definition object, read without running a getter or a trap. */
export function definitionEntries(o: object, what: string): [string, unknown][] {
  if (jsTypes.isProxy(o))
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): ${what} must not be a Proxy (its traps would run)`);
  return Object.keys(o).map((key) => {
    const d = Object.getOwnPropertyDescriptor(o, key) as PropertyDescriptor;
    if (!('value' in d))
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `Struct(): ${what}: '${key}' is an accessor (get/set): give a plain value`,
      );
    return [key, d.value];
  });
}

export function entriesOf(fields: FieldList): (readonly [string, FieldType])[] {
  if (typeof fields === 'object' && fields !== null && !jsTypes.isProxy(fields) && Array.isArray(fields)) {
    const pairs = definitionEntries(fields, 'the field list').map(([, pair]) => pair);
    return pairs.map((pair) => {
      if (
        typeof pair !== 'object' ||
        pair === null ||
        jsTypes.isProxy(pair) ||
        !Array.isArray(pair) ||
        pair.length !== 2
      ) {
        throw ffiError(
          TypeError,
          'ERR_ARKFFI_INVALID_TYPE',
          `Struct(): each field must be a [name, type] pair, got ${show(pair)}`,
        );
      }
      const [[, name], [, type]] = definitionEntries(pair, 'a [name, type] pair');
      return [name as string, type as FieldType] as const;
    });
  }
  if (typeof fields !== 'object' || fields === null) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `Struct(): the fields must be an object or [name, type] pairs, got ${show(fields)}`,
    );
  }
  const entries = definitionEntries(fields, 'the fields') as [string, FieldType][];
  const index = entries.find(([name]) => INDEX_KEY.test(name) && Number(name) < 2 ** 32 - 1);
  if (index !== undefined) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_TYPE',
      `Struct(): field '${index[0]}' looks like an array index, which a JS object moves to the front; ` +
        'give the fields as [name, type] pairs to keep their order',
    );
  }
  return entries;
}

/** The options' packing (`pack`), whether it is the packed attribute, and the struct's tag. */
export function packingOf(options: StructOptions): {
  pack: number | undefined;
  packed: boolean;
  tag: string | undefined;
} {
  const given = new Map(definitionEntries(options, 'the options'));
  for (const key of given.keys()) {
    if (key !== 'packed' && key !== 'pack' && key !== 'union' && key !== 'name') {
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): unknown option '${key}'`);
    }
  }
  const [packed, pack, union] = ['packed', 'pack', 'union'].map((key) => given.get(key)) as [
    boolean?,
    number?,
    boolean?,
  ];
  for (const [key, flag] of [
    ['packed', packed],
    ['union', union],
  ] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') {
      throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): ${key} must be a boolean, got ${show(flag)}`);
    }
  }
  if (pack !== undefined && (typeof pack !== 'number' || ![1, 2, 4, 8, 16].includes(pack))) {
    throw ffiError(RangeError, 'ERR_ARKFFI_OUT_OF_RANGE', `Struct(): pack must be 1, 2, 4, 8 or 16, got ${show(pack)}`);
  }
  if (packed === true && pack !== undefined && pack !== 1) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): packed: true means pack: 1, got pack: ${pack}`);
  }
  const tag = given.get('name');
  if (tag !== undefined && (typeof tag !== 'string' || !/^[A-Za-z_]\w*$/.test(tag))) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `Struct(): name must be a C identifier, got ${show(tag)}`);
  }
  return { pack: packed === true ? 1 : pack, packed: packed === true, tag: tag as string | undefined };
}

/**
 * A field's type and its own alignment: a descriptor `{ type, align }` is taken apart (checked
 * as the options are: own data properties, known keys, a power of two), any other type is
 * itself with none.
 */
export function memberOf(given: FieldType, where: string): { type: FieldType; align: number | undefined } {
  if (typeof given !== 'object' || given === null || jsTypes.isProxy(given) || !isPlainObject(given)) {
    return { type: given, align: undefined };
  }
  const entries = new Map(definitionEntries(given, `${where}: the field descriptor`));
  for (const key of entries.keys()) {
    if (key !== 'type' && key !== 'align') {
      throw ffiError(
        TypeError,
        'ERR_ARKFFI_INVALID_TYPE',
        `${where}: unknown key '${key}' in a field descriptor (it takes type and align)`,
      );
    }
  }
  const type = entries.get('type') as FieldType | undefined;
  const align = entries.get('align');
  if (type === undefined) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: a field descriptor needs a type`);
  }
  if (typeof type === 'object' && type !== null && !jsTypes.isProxy(type) && isPlainObject(type)) {
    throw ffiError(TypeError, 'ERR_ARKFFI_INVALID_TYPE', `${where}: a field descriptor's type cannot be a descriptor`);
  }
  if (align !== undefined && (typeof align !== 'number' || !isPowerOfTwo(align))) {
    throw ffiError(
      RangeError,
      'ERR_ARKFFI_OUT_OF_RANGE',
      `${where}: align must be a power of two from 1 to ${MAX_ALIGN}, got ${show(align)}`,
    );
  }
  return { type, align };
}

// The largest alignment gcc takes in __attribute__((aligned(n))) on ELF targets.
export const MAX_ALIGN = 2 ** 28;
export const isPowerOfTwo = (n: number): boolean =>
  Number.isInteger(n) && n >= 1 && n <= MAX_ALIGN && (n & (n - 1)) === 0;

export const roundUp = (n: number, align: number): number => Math.ceil(n / align) * align;

/** A struct for messages: `struct node` given a tag, else its kind and first field names. */
export function structTitle(kind: string, tag: string | undefined, names: readonly string[]): string {
  if (tag !== undefined) return `${kind} ${tag}`;
  return `${kind} { ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''} }`;
}
