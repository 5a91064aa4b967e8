// The engine: the only code that loads the WebAssembly core and talks to it.
// Pages opened from disk (file://) load attention_core.single.js, which carries the wasm inline,
// because Chromium refuses to fetch a .wasm file there; served pages load attention_core.js and
// its separate .wasm, compiled while it streams.
var AttnEngine = (function () {
  'use strict';

  // The wasm folder sits beside this script's folder (site/js/engine.js -> site/wasm/).
  var wasmBase = (function () {
    var src = document.currentScript && document.currentScript.src;
    return src ? src.replace(/js\/engine\.js(\?.*)?$/, 'wasm/') : 'wasm/';
  })();

  var corePromise = null;
  var recent = [];  // the last requests sent, newest last: what a test or a bug report needs to replay a view

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(script);
    });
  }

  /** Resolves to the core once the module is compiled (loads it on first call). */
  function ready() {
    if (!corePromise) {
      // An opaque origin (file://, or a frame sandboxed without allow-same-origin) may not fetch the
      // .wasm (no CORS from most hosts), so it gets the build with the wasm inside the script.
      var opaque = location.protocol === 'file:' || self.origin === 'null';
      var file = opaque ? 'attention_core.single.js' : 'attention_core.js';
      var load = typeof createAttentionCore === 'function' ? Promise.resolve() : loadScript(wasmBase + file);
      corePromise = load.then(function () { return createAttentionCore(); });
      corePromise.catch(function () { corePromise = null; });  // a later call may try again
    }
    return corePromise;
  }

  /**
   * Runs one request (an object) and resolves to the parsed response (an object). A failure of the
   * module itself becomes an `internal` error response, and the module is re-created on the next call.
   */
  function run(request) {
    var text = JSON.stringify(request);
    recent.push(text);
    if (recent.length > 50) recent.shift();
    return ready().then(function (core) {
      try {
        return JSON.parse(core.run(text));
      } catch (e) {
        corePromise = null;
        return { error: { code: 'internal', message: 'The attention core failed (' + (e && e.message ? e.message : e) + '). It will be restarted; try again.' } };
      }
    }, function (e) {
      return { error: { code: 'load_failed', message: 'The attention core could not be loaded: ' + (e && e.message ? e.message : e) } };
    });
  }

  return Object.freeze({ ready: ready, run: run, recentRequests: function () { return recent.slice(); } });
})();
