// The WebAssembly module attention_core: the JSON contract (docs/api.md), and FastAttention, the
// Float32Array entry point for large inputs (docs/api.md, last section). Bindings only: the
// attention itself is attn::FusedAttention in core/.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "attn/api.hpp"
#include "attn/fused.hpp"

namespace {

using emscripten::val;

constexpr std::size_t kMaxDModel = 4096;
constexpr std::size_t kMaxTokensTimesDModel = std::size_t{1} << 22;  // 16 MiB per (T, d_model) buffer

/// Throws a JavaScript Error. A JS throw skips C++ destructors, hence the fixed message buffer;
/// the wasm stack space of the frames it unwinds is given back by fast_attention.post.js.
[[noreturn]] __attribute__((noinline)) void throw_js_error(const char* message) {
  val::global("Error").new_(val(message)).throw_();
}

char message_buffer[512];

/// Throws a JS Error whose message is `format` with the numbers a and b (as %lld).
[[noreturn]] __attribute__((noinline)) void throw_bad_size(const char* format, long long a, long long b) {
  std::snprintf(message_buffer, sizeof message_buffer, format, a, b);
  throw_js_error(message_buffer);
}

/// The number of entries of an array-like (Float32Array or Array), or throws a JS error.
std::size_t length_of(const val& array, const char* name) {
  if (!array.isUndefined() && !array.isNull() && array["length"].isNumber())
    return array["length"].as<std::size_t>();
  std::snprintf(message_buffer, sizeof message_buffer, "FastAttention: %s must be a Float32Array", name);
  throw_js_error(message_buffer);
}

/// Copies a JS array-like of n numbers into `to` (TypedArray.set: one memcpy for a Float32Array).
void copy_in(const val& array, std::vector<float>& to, std::size_t n) {
  to.resize(n);
  val(emscripten::typed_memory_view(n, to.data())).call<void>("set", array);
}

/// Causal multi-head self-attention on Float32Arrays, weights set once: see docs/api.md.
class FastAttention {
 public:
  FastAttention(int d_model, int num_heads) {
    if (d_model < 1 || static_cast<std::size_t>(d_model) > kMaxDModel)
      throw_bad_size("FastAttention: d_model (%lld) must be between 1 and %lld", d_model, kMaxDModel);
    if (num_heads < 1 || d_model % num_heads != 0)
      throw_bad_size("FastAttention: num_heads (%lld) must divide d_model (%lld)", num_heads, d_model);
    d_model_ = static_cast<std::size_t>(d_model);
    fused_ = std::make_unique<attn::FusedAttention>(d_model_, d_model_, static_cast<std::size_t>(num_heads));
  }

  /// W_query, W_key, W_value, W_out: (d_model, d_model) row-major, Q = X·W_query; b_out: (d_model).
  void set_weights(const val& W_query, const val& W_key, const val& W_value, const val& W_out, const val& b_out) {
    const std::size_t d = d_model_;
    const val* matrices[4] = {&W_query, &W_key, &W_value, &W_out};
    const char* names[4] = {"W_query", "W_key", "W_value", "W_out"};
    for (int m = 0; m < 4; ++m)
      if (length_of(*matrices[m], names[m]) != d * d) {
        std::snprintf(message_buffer, sizeof message_buffer, "FastAttention: %s has %zu entries, d_model^2 = %zu expected",
                      names[m], length_of(*matrices[m], names[m]), d * d);
        throw_js_error(message_buffer);
      }
    if (length_of(b_out, "b_out") != d) throw_bad_size("FastAttention: b_out has %lld entries, d_model = %lld expected", length_of(b_out, "b_out"), d);
    std::vector<float> w[5];
    for (int m = 0; m < 4; ++m) copy_in(*matrices[m], w[m], d * d);
    copy_in(b_out, w[4], d);
    fused_->set_weights(w[0].data(), w[1].data(), w[2].data(), w[3].data(), w[4].data());
    has_weights_ = true;
  }

  /// inputs: (T, d_model) row-major → a new Float32Array (T, d_model): the context vectors.
  val forward(const val& inputs, int T) {
    prepare(inputs, T);
    return val(emscripten::typed_memory_view(output_.size(), output_.data())).call<val>("slice");
  }

  /// As forward, but writes into `out`, a Float32Array of T·d_model entries (no new array).
  void forward_into(const val& inputs, int T, const val& out) {
    prepare(inputs, T);
    if (length_of(out, "out") != output_.size())
      throw_bad_size("FastAttention: out has %lld entries, T*d_model = %lld expected", length_of(out, "out"), output_.size());
    out.call<void>("set", val(emscripten::typed_memory_view(output_.size(), output_.data())));
  }

  int d_model() const { return static_cast<int>(d_model_); }
  int num_heads() const { return static_cast<int>(fused_->num_heads()); }

 private:
  void prepare(const val& inputs, int T) {
    if (!has_weights_) throw_js_error("FastAttention: call set_weights before forward");
    if (T < 1) throw_bad_size("FastAttention: T (%lld) must be at least 1", T, 0);
    const std::size_t n = length_of(inputs, "inputs");
    if (static_cast<std::size_t>(T) * d_model_ != n)
      throw_bad_size("FastAttention: inputs have %lld entries, T*d_model = %lld expected", n, static_cast<std::size_t>(T) * d_model_);
    if (n > kMaxTokensTimesDModel) throw_bad_size("FastAttention: T*d_model (%lld) is over the limit %lld", n, kMaxTokensTimesDModel);
    copy_in(inputs, input_, n);
    output_.resize(n);
    bool failed = false;
    try {
      fused_->forward(input_.data(), static_cast<std::size_t>(T), output_.data());
    } catch (const std::exception& e) {  // out of memory, most likely: report it, keep the module alive
      std::snprintf(message_buffer, sizeof message_buffer, "FastAttention: %s", e.what());
      failed = true;
    }
    if (failed) throw_js_error(message_buffer);
  }

  std::size_t d_model_ = 0;
  bool has_weights_ = false;
  std::unique_ptr<attn::FusedAttention> fused_;
  std::vector<float> input_, output_;  // (T, d_model) each, on the wasm heap, reused between calls
};

}  // namespace

/// Test only: aborts the module, as a bug would, so the browser tests can check that a page
/// notices, re-creates the module and keeps computing (web/js/engine.js). Never called by a lesson.
[[noreturn]] void abort_for_test() { std::abort(); }

EMSCRIPTEN_BINDINGS(attention_core) {
  emscripten::function("run", &attn::api::handle_request);
  emscripten::function("abort_for_test", &abort_for_test);
  emscripten::class_<FastAttention>("FastAttention")
      .constructor<int, int>()
      .function("set_weights", &FastAttention::set_weights)
      .function("forward", &FastAttention::forward)
      .function("forward_into", &FastAttention::forward_into)
      .property("d_model", &FastAttention::d_model)
      .property("num_heads", &FastAttention::num_heads);
}
