// FastAttention (wasm/bindings.cpp) reports bad sizes by throwing a JavaScript Error from inside
// wasm. A JS throw does not give back the wasm stack space of the frames it unwinds, so after
// enough errors the stack would overflow: the constructor and each method are wrapped to restore
// the stack pointer, as emscripten's own invoke_* wrappers do for C++ exceptions.
Module['onRuntimeInitialized'] = (function (previous) {
  /** Module[name], its constructor and the named methods wrapped to restore the stack on a throw. */
  function restoringStack(name, methods) {
    var Raw = Module[name];
    methods.forEach(function (method) {
      var call = Raw.prototype[method];
      Raw.prototype[method] = function () {
        var sp = stackSave();
        try {
          return call.apply(this, arguments);
        } catch (e) {
          stackRestore(sp);
          throw e;
        }
      };
    });
    function Wrapped(d_model, num_heads) {
      var sp = stackSave();
      try {
        return new Raw(d_model, num_heads);
      } catch (e) {
        stackRestore(sp);
        throw e;
      }
    }
    Wrapped.prototype = Raw.prototype;
    Module[name] = Wrapped;
  }

  return function () {
    restoringStack('FastAttention', ['set_weights', 'forward', 'forward_into']);
    // MaterialisedAttention (the lesson on cost) throws the same way.
    restoringStack('MaterialisedAttention', ['set_weights', 'forward', 'score_bytes']);
    if (previous) previous();
  };
})(Module['onRuntimeInitialized']);
