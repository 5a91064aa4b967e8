// The WebAssembly module attention_core: the JSON contract (docs/api.md) and nothing else.
#include <emscripten/bind.h>

#include "attn/api.hpp"

EMSCRIPTEN_BINDINGS(attention_core) {
  emscripten::function("run", &attn::api::handle_request);
}
