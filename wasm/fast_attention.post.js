// FastAttention (wasm/bindings.cpp) reports bad sizes by throwing a JavaScript Error from inside
// wasm. A JS throw does not give back the wasm stack space of the frames it unwinds, so after
// enough errors the stack would overflow: the constructor and each method are wrapped to restore
// the stack pointer, as emscripten's own invoke_* wrappers do for C++ exceptions.
Module['onRuntimeInitialized'] = (function (previous) {
  return function () {
    var Raw = Module['FastAttention'];
    ['set_weights', 'forward', 'forward_into'].forEach(function (name) {
      var method = Raw.prototype[name];
      Raw.prototype[name] = function () {
        var sp = stackSave();
        try {
          return method.apply(this, arguments);
        } catch (e) {
          stackRestore(sp);
          throw e;
        }
      };
    });
    function FastAttention(d_model, num_heads) {
      var sp = stackSave();
      try {
        return new Raw(d_model, num_heads);
      } catch (e) {
        stackRestore(sp);
        throw e;
      }
    }
    FastAttention.prototype = Raw.prototype;
    Module['FastAttention'] = FastAttention;
    if (previous) previous();
  };
})(Module['onRuntimeInitialized']);
