// Cases that misbehave on purpose, one of each way a case can fail, for the test that proves the
// misuse runner tells them apart (test/misuse.test.mjs). Importing this module runs nothing.
export const cases = [
  { name: 'fine', code: ({ s }) => s.echo_i32(5), expect: { value: 5 } },
  { name: 'wrong value', code: ({ s }) => s.echo_i32(5), expect: { value: 6 } },
  // Reading address 8 is a wrong address, the one thing that may crash: as in C.
  { name: 'crash', code: ({ A }) => A.read.u8(8), expect: { value: 0 } },
  { name: 'hang', code: () => {
    for (;;);
  }, expect: { value: 0 } },
  { name: 'late error', code: () => {
    setTimeout(() => {
      throw new Error('late');
    }, 0);
    return 1;
  }, expect: { value: 1 } },
  { name: 'trap', code: ({ spy }) => spy({}).x, expect: { value: undefined } },
  { name: 'breaks the library', code: ({ s }) => {
    s.mis_add3 = () => 0;
  }, expect: { value: undefined } },
  { name: 'fine again', code: ({ s }) => s.mis_strlen('abc'), expect: { value: 3 } },
];
