// The WebAssembly module attention_core: the JSON contract (docs/api.md), and FastAttention, the
// Float32Array entry point for large inputs (docs/api.md, last section). Bindings only: the
// attention itself is attn::FusedAttention in core/. MaterialisedAttention and heap_bytes serve
// the lesson on cost: the same attention with every (T, T) matrix stored, and a heap meter.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "attn/api.hpp"
#include "attn/fused.hpp"
#include "attn/materialised.hpp"

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

/// Throws a JS Error naming the first entry of x (n entries, rows of `cols`) that is NaN or infinite:
/// one would make NaN of every token that sees it (and, where a 0 weight meets it, of others too).
void require_finite(const float* x, std::size_t n, std::size_t cols, const char* context) {
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) finite &= std::abs(x[i]) <= 3.4028235e38f;  // false for NaN and ±infinity
  if (finite) return;
  std::size_t i = 0;
  while (std::isfinite(x[i])) ++i;
  std::snprintf(message_buffer, sizeof message_buffer, "%s: inputs hold %s at token %zu, column %zu: only finite numbers",
                context, std::isnan(x[i]) ? "NaN" : "an infinity", i / cols, i % cols);
  throw_js_error(message_buffer);
}

/// Runs f. A C++ exception from it (std::bad_alloc, most likely: the module keeps working) becomes
/// a JS Error "<context>: <what><detail>", thrown once f's frame is gone: a JS throw skips the
/// destructors of the C++ frames it unwinds, so f's locals and the exception are freed first.
template <class F>
void reporting_errors(const char* context, const char* detail, F&& f) {
  bool failed = false;
  try {
    f();
  } catch (const std::exception& e) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s%s", context, e.what(), detail);
    failed = true;
  }
  if (failed) throw_js_error(message_buffer);
}

/// Causal multi-head self-attention on Float32Arrays, weights set once: see docs/api.md.
class FastAttention {
 public:
  FastAttention(int d_model, int num_heads) : FastAttention(d_model, num_heads, true) {}

  /// FastAttention.without_strassen(d_model, num_heads): the projections always plain blocked
  /// products, never Strassen's steps (docs/api.md). A class function, not a constructor overload:
  /// this emscripten's embind, built without dynamic execution, does not tell constructors apart
  /// by their number of arguments.
  static FastAttention without_strassen(int d_model, int num_heads) { return FastAttention(d_model, num_heads, false); }

  FastAttention(int d_model, int num_heads, bool strassen) {
    if (d_model < 1 || static_cast<std::size_t>(d_model) > kMaxDModel)
      throw_bad_size("FastAttention: d_model (%lld) must be between 1 and %lld", d_model, kMaxDModel);
    if (num_heads < 1 || d_model % num_heads != 0)
      throw_bad_size("FastAttention: num_heads (%lld) must divide d_model (%lld)", num_heads, d_model);
    d_model_ = static_cast<std::size_t>(d_model);
    fused_ = std::make_unique<attn::FusedAttention>(d_model_, d_model_, static_cast<std::size_t>(num_heads), strassen);
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
    has_weights_ = false;  // until these are packed
    char detail[128];
    std::snprintf(detail, sizeof detail, " (d_model %zu: the weights and their packed copies need more than the module's memory)", d);
    reporting_errors("FastAttention: set_weights", detail, [&] {
      std::vector<float> w[5];
      for (int m = 0; m < 4; ++m) copy_in(*matrices[m], w[m], d * d);
      copy_in(b_out, w[4], d);
      fused_->set_weights(w[0].data(), w[1].data(), w[2].data(), w[3].data(), w[4].data());
    });
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
    require_finite(input_.data(), n, d_model_, "FastAttention");
    output_.resize(n);
    reporting_errors("FastAttention", "", [&] { fused_->forward(input_.data(), static_cast<std::size_t>(T), output_.data()); });
  }

  std::size_t d_model_ = 0;
  bool has_weights_ = false;
  std::unique_ptr<attn::FusedAttention> fused_;
  std::vector<float> input_, output_;  // (T, d_model) each, on the wasm heap, reused between calls
};

/// Copies a JS array-like of rows·cols numbers (length already checked) into a new matrix.
attn::Matrix matrix_from(const val& array, std::size_t rows, std::size_t cols) {
  attn::Matrix m = xt::zeros<float>({rows, cols});
  val(emscripten::typed_memory_view(rows * cols, m.data())).call<void>("set", array);
  return m;
}

/// The same attention as FastAttention (same constructor, set_weights and forward), computed the
/// way lessons 2 to 5 do it, storing every head's (T, T) weights (attn::MaterialisedAttention):
/// what the lesson on cost measures the fused path against.
class MaterialisedAttention {
 public:
  MaterialisedAttention(int d_model, int num_heads) {
    if (d_model < 1 || static_cast<std::size_t>(d_model) > kMaxDModel)
      throw_bad_size("MaterialisedAttention: d_model (%lld) must be between 1 and %lld", d_model, kMaxDModel);
    if (num_heads < 1 || d_model % num_heads != 0)
      throw_bad_size("MaterialisedAttention: num_heads (%lld) must divide d_model (%lld)", num_heads, d_model);
    d_model_ = static_cast<std::size_t>(d_model);
    attention_ = std::make_unique<attn::MaterialisedAttention>(d_model_, d_model_, static_cast<std::size_t>(num_heads));
  }

  /// As FastAttention::set_weights: W_query, W_key, W_value, W_out (d_model, d_model) row-major, b_out (d_model).
  void set_weights(const val& W_query, const val& W_key, const val& W_value, const val& W_out, const val& b_out) {
    const std::size_t d = d_model_;
    const val* arrays[5] = {&W_query, &W_key, &W_value, &W_out, &b_out};
    const char* names[5] = {"W_query", "W_key", "W_value", "W_out", "b_out"};
    for (int m = 0; m < 5; ++m) {
      const std::size_t expected = m < 4 ? d * d : d, n = length_of(*arrays[m], names[m]);
      if (n != expected) {
        std::snprintf(message_buffer, sizeof message_buffer, "MaterialisedAttention: %s has %zu entries, %s = %zu expected",
                      names[m], n, m < 4 ? "d_model^2" : "d_model", expected);
        throw_js_error(message_buffer);
      }
    }
    has_weights_ = false;  // until these are set
    char detail[96];
    std::snprintf(detail, sizeof detail, " (d_model %zu: the weights need more than the module's memory)", d);
    reporting_errors("MaterialisedAttention: set_weights", detail, [&] {
      attn::MultiHeadWeights weights;
      weights.qkv.W_query = matrix_from(W_query, d, d);
      weights.qkv.W_key = matrix_from(W_key, d, d);
      weights.qkv.W_value = matrix_from(W_value, d, d);
      weights.W_out = matrix_from(W_out, d, d);
      weights.b_out = xt::zeros<float>({d});
      val(emscripten::typed_memory_view(d, weights.b_out.data())).call<void>("set", b_out);
      attention_->set_weights(weights);  // shapes are right by construction
    });
    has_weights_ = true;
  }

  /// inputs: (T, d_model) row-major → a new Float32Array (T, d_model): the context vectors.
  val forward(const val& inputs, int T) {
    if (!has_weights_) throw_js_error("MaterialisedAttention: call set_weights before forward");
    if (T < 1) throw_bad_size("MaterialisedAttention: T (%lld) must be at least 1", T, 0);
    const std::size_t n = length_of(inputs, "inputs"), rows = static_cast<std::size_t>(T);
    if (rows * d_model_ != n)
      throw_bad_size("MaterialisedAttention: inputs have %lld entries, T*d_model = %lld expected", n, rows * d_model_);
    if (n > kMaxTokensTimesDModel) throw_bad_size("MaterialisedAttention: T*d_model (%lld) is over the limit %lld", n, kMaxTokensTimesDModel);
    char detail[64];  // the (num_heads, T, T) weights are what runs out, most likely
    std::snprintf(detail, sizeof detail, " (the weights need %.0f bytes)", static_cast<double>(attention_->score_bytes(rows)));
    inputs_ = matrix_from(inputs, rows, d_model_);
    require_finite(inputs_.data(), n, d_model_, "MaterialisedAttention");
    reporting_errors("MaterialisedAttention", detail, [&] { context_vecs_ = attention_->forward(inputs_); });
    return val(emscripten::typed_memory_view(context_vecs_.size(), context_vecs_.data())).call<val>("slice");
  }

  /// Bytes the (num_heads, T, T) weights take for T tokens, as the core counts them (a double: it may pass 2^32).
  double score_bytes(int T) const { return T < 0 ? 0.0 : static_cast<double>(attention_->score_bytes(static_cast<std::uint64_t>(T))); }

  int d_model() const { return static_cast<int>(d_model_); }
  int num_heads() const { return static_cast<int>(attention_->num_heads()); }

 private:
  std::size_t d_model_ = 0;
  bool has_weights_ = false;
  std::unique_ptr<attn::MaterialisedAttention> attention_;
  attn::Matrix inputs_, context_vecs_;  // (T, d_model) each, kept as FastAttention keeps its copies
};

/// Bytes in use on the wasm heap (malloc's count of allocated bytes): the lesson on cost reads it
/// before and after a forward to measure what each path keeps.
double heap_bytes() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

/// Test only: aborts the module, as a bug would, so the browser tests can check that a page
/// notices, re-creates the module and keeps computing (web/js/engine.js). Never called by a lesson.
[[noreturn]] void abort_for_test() { std::abort(); }

EMSCRIPTEN_BINDINGS(attention_core) {
  emscripten::function("run", &attn::api::handle_request);
  emscripten::function("abort_for_test", &abort_for_test);
  emscripten::class_<FastAttention>("FastAttention")
      .constructor<int, int>()
      .class_function("without_strassen", &FastAttention::without_strassen)
      .function("set_weights", &FastAttention::set_weights)
      .function("forward", &FastAttention::forward)
      .function("forward_into", &FastAttention::forward_into)
      .property("d_model", &FastAttention::d_model)
      .property("num_heads", &FastAttention::num_heads);
  emscripten::function("heap_bytes", &heap_bytes);
  emscripten::class_<MaterialisedAttention>("MaterialisedAttention")
      .constructor<int, int>()
      .function("set_weights", &MaterialisedAttention::set_weights)
      .function("forward", &MaterialisedAttention::forward)
      .function("score_bytes", &MaterialisedAttention::score_bytes)
      .property("d_model", &MaterialisedAttention::d_model)
      .property("num_heads", &MaterialisedAttention::num_heads);
}
