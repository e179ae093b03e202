// Cases of the misuse catalogue that fail on this branch because of bugs that issue 10 asks to
// fix elsewhere, grouped by the section that fixes them; the catalogue skips them and says
// how many. Empty each list as its fix lands: `node test/misuse/runner.mjs --all` prints which
// pending cases pass. A case that crashes today is here too; the runner isolates crashes anyway.
export const pendingBySection = {
  // 2. User code must never run inside a call's checks: Proxies, getters, toJSON, valueOf.
  '2': [
  ],
  // 3. The native side re-checks what JS state cannot guarantee: closed callbacks, detached and
  // shrunk buffers, close() inside a callback, linkSymbols, raw helpers bounded by JS buffers,
  // cstring parameters.
  '3': [
  ],
  // 4. Exceptions reach the code that can handle them: a callback throwing inside a synchronous
  // call.
  '4': [
  ],
  // 5. Libraries that Node itself embeds: dlopen's options { deep, global, lazy }.
  '5': [
  ],
  // 8. Errors that say enough.
  '8': [
  ],
};

export const pending = Object.values(pendingBySection).flat();
