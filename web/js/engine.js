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
  var current = null;     // the live module, once compiled
  var generation = 0;     // how many modules this page has created (1 until one fails)
  var listeners = [];     // onRestart callbacks
  var streak = 0;         // failures since the last request a module answered
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

  /** Resolves to the core once the module is compiled (loads it on first call, re-creates it after a failure). */
  function ready() {
    if (!corePromise) {
      // An opaque origin (file://, or a frame sandboxed without allow-same-origin) may not fetch the
      // .wasm (no CORS from most hosts), so it gets the build with the wasm inside the script.
      var opaque = location.protocol === 'file:' || self.origin === 'null';
      var file = opaque ? 'attention_core.single.js' : 'attention_core.js';
      var load = typeof createAttentionCore === 'function' ? Promise.resolve() : loadScript(wasmBase + file);
      var promise = load.then(function () {
        var core = null;
        // Emscripten calls onAbort when the C++ side aborts (std::abort, a trap, out of memory in
        // the runtime): from then on the instance's memory cannot be trusted, even if calls still return.
        return createAttentionCore({ onAbort: function (what) { if (core) failed(core, 'aborted' + (what ? ': ' + what : '')); } })
          .then(function (made) { core = made; current = made; generation++; return made; });
      });
      corePromise = promise;
      promise.catch(function () { if (corePromise === promise) corePromise = null; });  // a later call may try again
    }
    return corePromise;
  }

  /**
   * The module `core` died (an abort, or a call that threw): forget it, so that the next call
   * creates a fresh one, and tell the listeners (the lesson runner re-runs its view). Only the
   * first report about a module counts.
   */
  function failed(core, reason) {
    if (core !== current) return;
    current = null;
    corePromise = null;
    streak++;
    var info = { reason: String(reason), generation: generation, streak: streak };
    listeners.forEach(function (fn) {
      // Later, so a listener's own calls do not run inside the failing call's stack.
      setTimeout(function () { fn(info); }, 0);
    });
  }

  function describe(e) { return (e && e.name ? e.name + ': ' : '') + (e && e.message ? e.message : String(e)); }

  /**
   * Runs one request (an object) and resolves to the parsed response (an object). A failure of the
   * module itself becomes an `internal` error response (with `restarting: true`): the module is
   * dropped, the onRestart listeners are told, and the next call runs on a fresh module.
   */
  function run(request) {
    var text = JSON.stringify(request);
    recent.push(text);
    if (recent.length > 50) recent.shift();
    return ready().then(function (core) {
      try {
        var response = core.run(text);
        if (core === current) streak = 0;  // answered, and did not abort on the way
        return JSON.parse(response);
      } catch (e) {
        failed(core, describe(e));
        return { error: { code: 'internal', restarting: true, message: 'The attention core stopped (' + describe(e) + '). It is being restarted.' } };
      }
    }, function (e) {
      return { error: { code: 'load_failed', message: 'The attention core could not be loaded: ' + (e && e.message ? e.message : e) } };
    });
  }

  /**
   * Test only: makes the module abort as a C++ bug would (std::abort inside the wasm), so a test can
   * check that the page notices, says so and recovers. Resolves once the module is dead.
   */
  function abortForTest() {
    return ready().then(function (core) {
      try { core.abort_for_test(); } catch (e) { failed(core, describe(e)); return; }
      failed(core, 'abort_for_test returned');
    });
  }

  return Object.freeze({
    ready: ready, run: run, abortForTest: abortForTest,
    recentRequests: function () { return recent.slice(); },
    /**
     * Calls fn({ reason, generation, streak }) after the module failed; the next call gets a fresh
     * module. streak counts the failures since a module last answered (2 or more: it keeps failing).
     */
    onRestart: function (fn) { listeners.push(fn); },
    /** How many modules this page created: 1, plus one per restart that has loaded. */
    generation: function () { return generation; },
  });
})();
