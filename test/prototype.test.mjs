// C prototypes as definitions: parsed once into the object form, with the object form's errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dlopen } from 'arkffi';
import { testlib, throwsCode } from './helpers.mjs';

test('a C prototype defines a function: names optional, void, variadic, multi-word and pointer types', () => {
  const c = dlopen(null, {
    atoi: 'int atoi(const char *s)',
    strlen: 'size_t strlen(const char *);',
    getpid: 'int getpid(void)',
    labs: 'long labs(long)',
    strtoul: 'unsigned long strtoul(const char *nptr, char **endptr, int base)',
    snprintf: 'int snprintf(char *buf, size_t n, const char *fmt, ...)',
  }).symbols;
  assert.equal(c.atoi('-42'), -42);
  assert.equal(c.strlen('abcd'), 4);
  assert.equal(c.getpid(), process.pid);
  assert.equal(c.labs(-3), 3);
  assert.equal(c.strtoul('ff', null, 16), 255);
  const buf = new Uint8Array(16);
  assert.equal(c.snprintf(buf, 16, '%d:%s', 'i32', 7, 'cstring', 'x'), 3);
  assert.equal(Buffer.from(buf.subarray(0, 3)).toString(), '7:x');
  const t = dlopen(testlib, {
    add_i32: 'int32_t add_i32(int32_t a, int32_t b)',
    add_f64: 'double add_f64 ( double , double )',
    echo_u64: 'unsigned long long echo_u64(unsigned long long v)',
  }).symbols;
  assert.equal(t.add_i32(2, 3), 5);
  assert.equal(t.add_f64(1.5, 2.25), 3.75);
  assert.equal(t.echo_u64(2n ** 64n - 1n), 2n ** 64n - 1n);
  // Checked as an object definition is: the argument count and each value.
  throwsCode(assert, () => t.add_i32(1), TypeError, 'ERR_ARKFFI_ARG_COUNT');
  throwsCode(assert, () => t.add_i32(1, 2 ** 31), RangeError, 'ERR_ARKFFI_OUT_OF_RANGE');
});

test('a prototype that is no declaration, or names another function, is refused; unknown types as objects are', () => {
  const def = (d) => () => dlopen(null, { atoi: d });
  for (const bad of ['int atoi', 'int atoi(int (*cb)(void))', 'atoi(const char *)', 'int atoi(, int)', 'int atoi(const char *) extra']) {
    throwsCode(assert, def(bad), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  }
  const other = throwsCode(assert, def('int strtol(const char *)'), TypeError, 'ERR_ARKFFI_INVALID_DEFINITION');
  assert.equal(other.message, "dlopen(): atoi: the prototype declares 'strtol', not 'atoi'");
  const unknown = throwsCode(assert, def('int atoi(FILE *f)'), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  const asObject = throwsCode(assert, def({ args: ['FILE *'], returns: 'int' }), TypeError, 'ERR_ARKFFI_UNKNOWN_TYPE');
  assert.equal(unknown.message, asObject.message);
  throwsCode(assert, def('int atoi(void x)'), TypeError, 'ERR_ARKFFI_INVALID_TYPE');
});
