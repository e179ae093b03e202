/**
 * Compiled readers and writers of flat structs (every field a scalar): one function each with
 * the field names and offsets written out, instead of a loop over the field list. The writer
 * takes the common case only (a plain object with no unknown keys) and answers false otherwise,
 * leaving validation and its messages to the schema's general path, which is also all there is
 * where code generation is off (lib/emit.ts): its results are the same.
 */
import { codeGeneration, compileFunction, Source } from './emit';
import { zero, type Codec } from './struct-fields';

export interface Compiled {
  read(view: DataView, at: number): Record<string, unknown>;
  write(view: DataView, at: number, value: object): boolean;
}

/** The compiled reader and writer of a flat struct, or null where code generation is off. */
export function compileFlat(
  names: readonly string[],
  offsets: readonly number[],
  fields: readonly Codec[],
  size: number,
): Compiled | null {
  if (!codeGeneration) return null;
  const ids = names.map((_, i) => i);
  const name = (i: number): string => JSON.stringify(names[i]);
  const padded = fields.reduce((sum, codec) => sum + codec.size, 0) !== size;
  const src = new Source();
  src.block(
    'return {',
    () => {
      src.block(
        'read(view, at) {',
        () => {
          const entries = ids.map((i) => `[${name(i)}]: codecs[${i}].read(view, at + ${offsets[i]})`);
          src.line(`return { ${entries.join(', ')} };`);
        },
        '},',
      );
      src.block(
        'write(view, at, object) {',
        () => {
          src.line('let keys = 0;').line('for (const key in object) keys++;');
          // Each field is read from its own descriptor: an accessor is left to the general path,
          // which refuses it, and an inherited property counts as an unknown key (keys !== given).
          for (const i of ids) {
            src.line(`const field${i} = own(object, ${name(i)});`);
            src.line(`if (field${i} !== undefined && !('value' in field${i})) return false;`);
            src.line(`const value${i} = field${i} === undefined ? undefined : field${i}.value;`);
          }
          src.line(`const given = ${ids.map((i) => `(value${i} !== undefined ? 1 : 0)`).join(' + ')};`);
          src.line('if (keys !== given) return false;');
          src.line(`${padded ? '' : `if (given !== ${names.length}) `}zero(view, at, ${size});`);
          for (const i of ids)
            src.line(
              `if (value${i} !== undefined) codecs[${i}].write(view, at + ${offsets[i]}, value${i}, paths[${i}]);`,
            );
          src.line('return true;');
        },
        '},',
      );
    },
    '};',
  );
  const make = compileFunction<(...params: unknown[]) => Compiled>(
    `struct reader and writer { ${names.join(', ')} }`,
    ['codecs', 'paths', 'zero', 'own'],
    src,
  );
  return make(fields, names, zero, Object.getOwnPropertyDescriptor);
}
