/**
 * Which libraries may be opened: Node's permission model and the program's own allow list
 * (allowLibraries(), ARKFFI_ALLOW_LIBRARIES). See docs/security.md for what this does and does
 * not protect.
 *
 * A library is judged by its file, resolved as the dynamic loader would find it and with symlinks
 * followed: before it is opened (so that a refused library runs no code), again on the file the
 * loader reports it opened, and, for each symbol bound from it, on the file that defines the
 * symbol (a library's handle also reaches its dependencies, libc among them). The process's own
 * symbols (dlopen(null)) reach everything in the process, so while any restriction is in force
 * they need the explicit `processSymbols: true`.
 */
import { readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve, sep } from 'node:path';
import { types } from 'node:util';
import { describe, ffiError, reword } from './errors';
import { native } from './native';

/** One entry of an allow list: a file, or a directory and everything below it. */
interface AllowEntry {
  readonly path: string;
  readonly dir: boolean;
}

/**
 * The allow lists in force in the process (every worker thread's ArkFFI sees the same ones; they
 * are kept by the addon, src/access.c). A file may be opened when each list covers it. The
 * lists only grow and never change, so those already parsed are kept.
 */
const parsed: (readonly AllowEntry[])[] = [];
function allowLists(): readonly (readonly AllowEntry[])[] {
  const lists = native.libraryLimits();
  for (let i = parsed.length; i < lists.length; i++) parsed.push(JSON.parse(lists[i]!) as AllowEntry[]);
  return parsed;
}

interface Permission {
  has(scope: string, reference?: string): boolean;
}

/** Node's permission API, when the process runs under the permission model. */
function permission(): Permission | undefined {
  const p = (process as { permission?: Permission }).permission;
  return p !== undefined && typeof p.has === 'function' ? p : undefined;
}

/** Whether any restriction applies to opening libraries. */
export function restricted(): boolean {
  return permission() !== undefined || allowLists().length > 0;
}

/**
 * `path` with symlinks followed (by the C library, whatever the permission model lets JS see),
 * or as given if it does not exist (the loader then fails to open it). Throws
 * ERR_ARKFFI_ACCESS_DENIED when it cannot be resolved otherwise (a directory on the way not
 * searchable, a symlink loop): such a file cannot be judged.
 */
function real(path: string): string {
  return native.realPath(path) ?? resolve(path);
}

/** Why the file at `path` may not be opened, or null if it may. */
function judge(path: string): string | null {
  let file: string;
  try {
    file = real(path);
  } catch (err) {
    return (err as Error).message;
  }
  return refusal(file);
}

function within(file: string, entry: AllowEntry): boolean {
  return entry.dir
    ? file === entry.path || file.startsWith(entry.path.endsWith(sep) ? entry.path : entry.path + sep)
    : file === entry.path;
}

/** Why `file` (a real path) may not be opened, or null if it may. */
function refusal(file: string): string | null {
  const p = permission();
  if (p !== undefined && !p.has('fs.read', file)) return `Node's permission model does not allow reading ${file}`;
  if (!allowLists().every((list) => list.some((e) => within(file, e)))) {
    return `${file} is not in the libraries the program allows (allowLibraries(), ARKFFI_ALLOW_LIBRARIES)`;
  }
  return null;
}

function denied(fnName: string, what: string, why: string): never {
  const err = ffiError(Error, 'ERR_ARKFFI_ACCESS_DENIED', `${fnName}(): refused to open ${what}: ${why}`);
  throw err;
}

// The multiarch directory and the ld.so.cache flags of this process's libraries.
const ARCH: Readonly<Record<string, readonly [string, number]>> = {
  x64: ['x86_64-linux-gnu', 0x0300],
  arm64: ['aarch64-linux-gnu', 0x0a00],
  riscv64: ['riscv64-linux-gnu', 0x1000],
};

/** The files /etc/ld.so.cache maps `name` to, in its order, for this process's architecture. */
function cached(name: string): string[] {
  let cache: Buffer;
  try {
    cache = readFileSync('/etc/ld.so.cache');
  } catch {
    return [];
  }
  const magic = 'glibc-ld.so.cache1.1';
  const base = cache.indexOf(magic, 0, 'latin1');
  if (base < 0 || cache.length < base + 48) return [];
  const count = cache.readUInt32LE(base + 20);
  const required = ARCH[process.arch]?.[1];
  const text = (offset: number): string => {
    const end = cache.indexOf(0, base + offset);
    return cache.toString('utf8', base + offset, end < 0 ? cache.length : end);
  };
  const files: string[] = [];
  for (let i = 0, at = base + 48; i < count && at + 24 <= cache.length; i++, at += 24) {
    const flags = cache.readInt32LE(at);
    if ((flags & 0xff) !== 3 || (required !== undefined && (flags & 0xff00) !== required)) continue;
    if (text(cache.readUInt32LE(at + 4)) === name) files.push(text(cache.readUInt32LE(at + 8)));
  }
  return files;
}

/**
 * The file the loader would open for a bare name (no '/'): LD_LIBRARY_PATH, then ld.so.cache,
 * then the system directories. A candidate that exists but may not be read counts as found: the
 * loader would open it. `loaded` is the file of an already loaded library of that name, if any.
 */
function search(name: string, loaded: string | null): string | null {
  if (loaded !== null && loaded !== '') return loaded;
  const multiarch = ARCH[process.arch]?.[0];
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '')];
  const system = [
    ...(multiarch !== undefined ? [`/lib/${multiarch}`, `/usr/lib/${multiarch}`] : []),
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
  ];
  const candidates = [...dirs.map((d) => resolve(d, name)), ...cached(name), ...system.map((d) => `${d}/${name}`)];
  for (const file of candidates) {
    try {
      if (statSync(file).isFile()) return file;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_ACCESS_DENIED') return file;
    }
  }
  return null;
}

/**
 * Checks, before it is opened, that `path` may be opened. `loadedFile` gives the file of an
 * already loaded library of a bare name (what the loader would reuse), or null.
 */
export function checkOpen(
  fnName: string,
  path: string | null,
  processSymbols: boolean,
  loadedFile: () => string | null,
): void {
  if (!restricted()) return;
  if (path === null) {
    if (processSymbols) return;
    denied(
      fnName,
      "the process's own symbols (null)",
      'they reach libc and everything else loaded, which the permission model or the allow list would not grant; ' +
        'pass { processSymbols: true } to open them anyway',
    );
  }
  const file = path.includes('/') ? path : search(path, loadedFile());
  if (file === null) {
    denied(
      fnName,
      JSON.stringify(path),
      'it is not in LD_LIBRARY_PATH, ld.so.cache or the system directories, ' +
        'so its file cannot be checked; pass its path',
    );
  }
  const why = judge(file);
  if (why !== null) denied(fnName, JSON.stringify(path), why);
}

/** Checks the file the loader actually opened for `path`; throws if it may not be opened. */
export function checkOpened(fnName: string, path: string, file: string): void {
  if (!restricted()) return;
  const why = judge(file === '' ? path : file);
  if (why !== null) denied(fnName, JSON.stringify(path), why);
}

/** Checks the file that defines a symbol bound from the library in `library` (its real path). */
export function checkSymbolFile(fnName: string, name: string, library: string, file: string | null): void {
  if (!restricted()) return;
  const defining = file === null ? null : real(file);
  if (defining === library) return;
  const why = defining === null ? 'no loaded file defines it' : refusal(defining);
  if (why !== null) {
    throw ffiError(
      Error,
      'ERR_ARKFFI_ACCESS_DENIED',
      `${fnName}(): refused to bind '${name}' from ${library}${defining !== null ? `, defined in ${defining}` : ''}: ${why}`,
    );
  }
}

/** The real path of a library file as the loader names it. */
export function realFile(file: string): string {
  return real(file);
}

// URL's own getter, called directly so that a subclass overriding `href` runs no code here.
const urlHref = Object.getOwnPropertyDescriptor(URL.prototype, 'href')!.get!;

/** The path a file: URL names, or null for any other URL or non-URL. */
function urlPath(value: object): string | null {
  let href: unknown;
  try {
    href = Reflect.apply(urlHref, value, []);
  } catch {
    return null;
  }
  const url = new URL(href as string);
  return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : null;
}

/** An allow list entry from what the program gave; `where` names it in errors. */
function entryOf(where: string, value: unknown): AllowEntry {
  const text = typeof value === 'object' && value !== null && !types.isProxy(value) ? urlPath(value) : value;
  if (typeof text !== 'string' || text === '' || text.includes('\0')) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `${where} must be a non-empty path (a string or a file URL), got ${describe(value)}`,
    );
  }
  let path: string;
  try {
    path = real(text);
  } catch (err) {
    reword(err, `${where}: ${(err as Error).message}`);
  }
  let dir = text.endsWith('/');
  try {
    dir = statSync(path).isDirectory();
  } catch {
    // A path that cannot be seen stays as written: a directory if it ends with '/'.
  }
  return { path, dir };
}

/** The entries of both lists that lie within an entry of the other: the intersection. */
function intersect(a: readonly AllowEntry[], b: readonly AllowEntry[]): AllowEntry[] {
  const out: AllowEntry[] = [];
  const add = (e: AllowEntry): void => {
    if (!out.some((o) => o.path === e.path && o.dir === e.dir)) out.push(e);
  };
  for (const x of a)
    for (const y of b) {
      if (within(x.path, y) && (y.dir || !x.dir)) add(x);
      else if (within(y.path, x) && (x.dir || !y.dir)) add(y);
    }
  return out;
}

/**
 * Narrows the libraries that dlopen() and ffi.load() may open to the given files and directories
 * (a directory allows everything below it; symlinks are followed, so what counts is the real
 * file). Checked on every open, together with Node's permission model if it is on. A second call
 * narrows further: what stays allowed is what both lists allow. Nothing can widen the list again.
 * While a list is in force, the process's own symbols (dlopen(null)) need `processSymbols: true`.
 */
export function allowLibraries(paths: readonly (string | URL)[]): void {
  // Array.isArray sees through a Proxy, whose traps reading the elements would run.
  if (typeof paths !== 'object' || paths === null || types.isProxy(paths) || !Array.isArray(paths)) {
    throw ffiError(
      TypeError,
      'ERR_ARKFFI_INVALID_ARG_TYPE',
      `allowLibraries(): the argument must be an array of paths, got ${describe(paths)}`,
    );
  }
  const entries: AllowEntry[] = [];
  for (let i = 0; i < paths.length; i++) {
    const d = Object.getOwnPropertyDescriptor(paths, i);
    entries.push(entryOf(`allowLibraries(): paths[${i}]`, d !== undefined && 'value' in d ? d.value : undefined));
  }
  native.narrowLibraries(JSON.stringify(entries));
}

/** The allow list in force (real paths; directories end with '/'), or null if none. */
export function allowedLibraries(): string[] | null {
  const lists = allowLists();
  if (lists.length === 0) return null;
  return lists.reduce((a, b) => intersect(a, b)).map((e) => (e.dir && !e.path.endsWith(sep) ? e.path + sep : e.path));
}

// ARKFFI_ALLOW_LIBRARIES sets the first list: absolute paths, path-delimited. Unset or empty: none.
{
  const env = process.env.ARKFFI_ALLOW_LIBRARIES;
  if (env !== undefined && env !== '') {
    const paths = env.split(delimiter).filter((p) => p !== '');
    for (const p of paths) {
      if (!isAbsolute(p)) {
        throw ffiError(
          TypeError,
          'ERR_ARKFFI_INVALID_ARG_TYPE',
          `ARKFFI_ALLOW_LIBRARIES: every entry must be an absolute path, got ${JSON.stringify(p)}`,
        );
      }
    }
    allowLibraries(paths);
  }
}
