/**
 * Generated code: how it is written, compiled and shown.
 *
 * Every function ArkFFI generates from source text (call wrappers, callback dispatchers, struct
 * readers and writers) is written with a `Source`, in the order its statements run, and made by
 * `compileFunction`, the one place that calls `new Function`. Where code generation from strings
 * is off (`node --disallow-code-generation-from-strings`, a strict Content-Security-Policy in
 * Electron), `codeGeneration` is false and every generator falls back to closures with the same
 * checks and results.
 *
 * `ARKFFI_DEBUG_CODEGEN=1` prints each generated source to stderr as it is compiled.
 */

/** Source text written line by line, in the order it runs, indented by block. */
export class Source {
  readonly #lines: string[] = [];
  #depth = 0;

  /** Appends a line, or lines separated by newlines, at the current indentation. */
  line(text: string): this {
    const indent = '  '.repeat(this.#depth);
    for (const line of text.split('\n')) this.#lines.push(`${indent}${line}`);
    return this;
  }

  /** Appends the lines `body` writes, indented one level more. */
  indent(body: () => void): this {
    this.#depth++;
    body();
    this.#depth--;
    return this;
  }

  /** Appends `open`, the lines `body` writes indented one level, then `close`. */
  block(open: string, body: () => void, close = '}'): this {
    return this.line(open).indent(body).line(close);
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}

/** Whether `new Function` works here: false where code generation from strings is disallowed. */
export const codeGeneration: boolean = (() => {
  try {
    return new Function('return true')() === true;
  } catch (err) {
    if (err instanceof EvalError) return false;
    throw err;
  }
})();

const debug = process.env.ARKFFI_DEBUG_CODEGEN === '1';

/**
 * Compiles `body` as a strict function of the parameters `params` and returns it; `what` names
 * it when ARKFFI_DEBUG_CODEGEN=1 prints it. Only called when `codeGeneration` is true.
 */
export function compileFunction<T>(what: string, params: readonly string[], body: Source): T {
  const source = `'use strict';\n${body}`;
  if (debug) process.stderr.write(`// arkffi generated: ${what}\n// (${params.join(', ')}) =>\n${source}\n\n`);
  return new Function(...params, source) as T;
}
