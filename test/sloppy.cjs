// A sloppy-mode function for the callback tests, made without code generation from strings (a
// CommonJS file is sloppy unless it says otherwise), so that they also run under
// --disallow-code-generation-from-strings (test/no-codegen.test.mjs).
module.exports = (receivers) =>
  function (x) {
    receivers.push(this);
    return x;
  };
