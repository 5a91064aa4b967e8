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
    // The same for MaterialisedAttention (the lesson on cost), which throws the same way.
    var RawMaterialised = Module['MaterialisedAttention'];
    ['set_weights', 'forward', 'score_bytes'].forEach(function (name) {
      var method = RawMaterialised.prototype[name];
      RawMaterialised.prototype[name] = function () {
        var sp = stackSave();
        try {
          return method.apply(this, arguments);
        } catch (e) {
          stackRestore(sp);
          throw e;
        }
      };
    });
    function MaterialisedAttention(d_model, num_heads) {
      var sp = stackSave();
      try {
        return new RawMaterialised(d_model, num_heads);
      } catch (e) {
        stackRestore(sp);
        throw e;
      }
    }
    MaterialisedAttention.prototype = RawMaterialised.prototype;
    Module['MaterialisedAttention'] = MaterialisedAttention;
    if (previous) previous();
  };
})(Module['onRuntimeInitialized']);
