// Cases of the misuse catalogue that fail on this branch because of bugs that issue 10 asks to
// fix elsewhere, grouped by the section that fixes them; the catalogue skips them and says
// how many. Empty each list as its fix lands: `node test/misuse/runner.mjs --all` prints which
// pending cases pass. A case that crashes today is here too; the runner isolates crashes anyway.
export const pendingBySection = {
  // 2. User code must never run inside a call's checks: Proxies, getters, toJSON, valueOf.
  '2': [
    'callback parameter: Proxy of a JSCallback runs no trap',
    'i8: Proxy runs no trap',
    'u8: Proxy runs no trap',
    'i16: Proxy runs no trap',
    'u16: Proxy runs no trap',
    'i32: Proxy runs no trap',
    'u32: Proxy runs no trap',
    'i64: Proxy runs no trap',
    'u64: Proxy runs no trap',
    'bool: Proxy runs no trap',
    'f32: Proxy runs no trap',
    'f64: Proxy runs no trap',
    'ptr: Proxy of an ArrayBuffer runs no trap',
    'ptr: Proxy of a Uint8Array runs no trap',
    'ptr: Proxy claiming SharedArrayBuffer.prototype runs no trap', // crashes
    'cstring: Proxy runs no trap',
    'cstring: Proxy of a String object runs no trap',
    'variadic: toJSON type object is not called',
    'variadic: Proxy type object runs no trap',
    'variadic: Proxy value runs no trap',
    'def: Proxy definition runs no trap',
    'def: Proxy defs object runs no trap',
    'def: Proxy args list runs no trap',
    'def: getter for args is not run',
    'def: getter for returns is not run',
    'dlopen: path a Proxy runs no trap',
    'schema: Proxy field list runs no trap',
    'schema: getter field is not run',
    'schema: Proxy pair list runs no trap',
    'schema: Proxy nested schema runs no trap',
    'schema: Proxy array type runs no trap',
    'struct arg: Proxy runs no trap',
    'struct arg: getter field is not run',
    'struct arg: field a Proxy runs no trap',
    'struct arg: inherited field is not read',
    'schema.create: Proxy runs no trap',
    'schema.create: getter is not run',
    'schema.fromPtr: a Proxy runs no trap',
    'schema.createArray: Proxy list runs no trap',
    'JSCallback: Proxy definition runs no trap',
    'JSCallback: getter for args is not run',
    'JSCallback: returns a Proxy: no trap, C gets 0',
    'reentrant: Proxy whose trap calls ArkFFI runs no trap',
    'reentrant: getter that calls ArkFFI during struct packing',
    'async: Proxy argument runs no trap',
    'read.u8: Proxy runs no trap',
    'readCString: a Proxy runs no trap',
    'ptr(): Proxy runs no trap',
    'linkSymbols: Proxy defs run no trap',
    'ffi.callBySig: numArgs a Proxy runs no trap',
  ],
  // 3. The native side re-checks what JS state cannot guarantee: closed callbacks, detached and
  // shrunk buffers, close() inside a callback, linkSymbols, raw helpers bounded by JS buffers,
  // cstring parameters.
  '3': [
    'struct pointer: a detached buffer', // crashes
    'ptr: detached ArrayBuffer',
    'ptr: view of a detached buffer',
    'ptr: DataView of a detached buffer',
    'ptr: detached buffer to C that reads it', // crashes
    'ptr: detached buffer to C that writes it', // crashes
    'ptr: fixed view past a shrunk resizable buffer',
    'ptr: a closed JSCallback',
    'cstring: a CString',
    'cstring: a number is refused, hinting ptr', // crashes
    'cstring: a buffer without a NUL is refused',
    'cstring: a detached buffer',
    'variadic: cstring with a number',
    'closed JSCallback: passed to C', // crashes
    'closed JSCallback: passed to an async call', // crashes
    'closed JSCallback: as a variadic pointer',
    'reentrant: a callback unmaps the library running it', // crashes
    'reentrant: unmapping close in a nested callback', // crashes
    'async: detached buffer rejects', // crashes
    'async: buffer detached while C uses it', // crashes
    'async: resizable buffer shrunk while C uses it', // crashes
    'read.f64: past the end of the buffer',
    'read.f64: straddling the end',
    'read.u8: one past the end',
    'read.u8: negative offset into a buffer',
    'read.i32: a view applies its offset and bounds',
    'read.i64: past the end',
    'read.ptr: past the end',
    'read.f32: huge offset', // crashes
    'read.u8: shrunk resizable buffer',
    'readMemory: past the buffer',
    'readMemory: 17 of 16',
    'readMemory: a view bounds by its own length',
    'readCString: offset past the buffer',
    'CString: offset past the buffer',
    'toArrayBuffer: past the buffer',
    'toArrayBuffer: offset and length past the end',
    'toArrayBuffer: negative offset into a buffer',
    'toArrayBuffer: NUL-terminated read stays inside the buffer',
    'toBuffer: past the buffer',
    'ptr(): detached',
    'ptr(): detached view',
    'linkSymbols: a number',
    'linkSymbols: null',
    'ffi.readMemory: past a JS buffer',
    'ffi.ptr: detached',
  ],
  // 4. Exceptions reach the code that can handle them: a callback throwing inside a synchronous
  // call.
  '4': [
    'JSCallback: throws inside a sync call: the caller catches it',
    'JSCallback: throws on a later invocation: the caller catches it',
    'JSCallback: throws a non-Error: the caller catches it',
  ],
  // 5. Libraries that Node itself embeds: dlopen's options { deep, global, lazy }.
  '5': [
    'dlopen options: deep not a boolean',
    'dlopen options: global a number',
    'dlopen options: lazy null',
    'dlopen options: a number',
    'dlopen options: a string',
    'dlopen options: unknown option',
    'dlopen options: getter is not run',
  ],
  // 8. Errors that say enough.
  '8': [
    'i64: BigInt out of range message names the range',
    'def: self-recursive member list',
    'def: 100,000-deep member list',
    'JSCallback: a plain function for a callback parameter',
    'JSCallback: not a function',
    'JSCallback: bad return message names the callback',
  ],
};

export const pending = Object.values(pendingBySection).flat();
