// `using` with a library: compiled by tsc (target ES2022 lowers the declaration) and run by
// test/typing.test.mjs, which checks that the library was open in its block and closed after.
import { dlopen } from 'arkffi';

function measure(text: string) {
  using libc = dlopen(null, { strlen: { args: ['cstring'], returns: 'usize' } });
  const length = libc.symbols.strlen(text);
  return { libc, length, openInside: !libc.closed };
}

const { libc, length, openInside } = measure('disposable');
let afterCall = 'returned';
try {
  libc.symbols.strlen('again');
} catch (err) {
  afterCall = (err as { code?: string }).code ?? 'threw';
}
console.log(JSON.stringify({ length, openInside, closedAfter: libc.closed, afterCall }));
