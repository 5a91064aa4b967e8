// FastAttention, MaterialisedAttention and Trainer (wasm/bindings.cpp) report bad sizes by throwing a JavaScript Error from inside
// wasm. A JS throw does not give back the wasm stack space of the frames it unwinds, so after
// enough errors the stack would overflow: the constructor, each method and each class function are
// wrapped to restore the stack pointer, as emscripten's own invoke_* wrappers do for C++ exceptions.
Module['onRuntimeInitialized'] = (function (previous) {
  /** f, restoring the wasm stack pointer when it throws. */
  function guarded(f) {
    return function () {
      var sp = stackSave();
      try {
        return f.apply(this, arguments);
      } catch (e) {
        stackRestore(sp);
        throw e;
      }
    };
  }

  /** Module[name]: its constructor (all its arguments passed on), methods and class functions guarded. */
  function restoringStack(name, methods, classFunctions) {
    var Raw = Module[name];
    methods.forEach(function (method) { Raw.prototype[method] = guarded(Raw.prototype[method]); });
    var Wrapped = guarded(function () { return Reflect.construct(Raw, arguments); });
    Wrapped.prototype = Raw.prototype;
    classFunctions.forEach(function (f) { Wrapped[f] = guarded(Raw[f]); });
    Module[name] = Wrapped;
  }

  return function () {
    restoringStack('FastAttention', ['set_weights', 'forward', 'forward_into'], ['without_strassen']);
    // MaterialisedAttention (the lesson on cost) throws the same way.
    restoringStack('MaterialisedAttention', ['set_weights', 'forward', 'score_bytes'], []);
    // Trainer (lesson 8) too: every method that checks an argument or may run out of memory.
    restoringStack('Trainer', ['step', 'evaluate', 'predict', 'info', 'weights', 'load', 'ablate', 'steps_taken'], []);
    if (previous) previous();
  };
})(Module['onRuntimeInitialized']);
