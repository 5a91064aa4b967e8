// The WebAssembly module attention_core: the JSON contract (docs/api.md), and FastAttention, the
// Float32Array entry point for large inputs (docs/api.md, last section). Bindings only: the
// attention itself is attn::FusedAttention in core/. MaterialisedAttention and heap_bytes serve
// the lesson on cost: the same attention with every (T, T) matrix stored, and a heap meter.
// Trainer holds an attn::Trainer between calls (lesson 8): its config and answers are the JSON
// contract's (attn/train_api.hpp), its losses and weights Float32Arrays.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "attn/api.hpp"
#include "attn/fused.hpp"
#include "attn/materialised.hpp"
#include "attn/train_api.hpp"

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

/// Throws a JS Error whose message is `format` with the context (%s) and the number a (%lld).
[[noreturn]] __attribute__((noinline)) void throw_bad_size(const char* format, const char* context, long long a) {
  std::snprintf(message_buffer, sizeof message_buffer, format, context, a);
  throw_js_error(message_buffer);
}

/// A size from JavaScript, checked as a number before anything converts it: embind would wrap it to
/// 32 bits modulo 2^32 (2^32 + 6 → 6), and 2^30 + 6 tokens times d_model 4 would wrap to 24 entries.
/// Returns it as a 64-bit integer (exact: up to 2^53), or throws a JS Error naming the argument.
std::int64_t whole_number(const val& x, const char* context, const char* name) {
  if (!x.isNumber()) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s must be a whole number, not %s", context, name,
                  x.isString() ? "a string" : x.isUndefined() ? "undefined" : x.isNull() ? "null" : "an object");
    throw_js_error(message_buffer);
  }
  const double number = x.as<double>();
  constexpr double exact = 9007199254740992.0;  // 2^53: every whole number up to it is exact in a double
  if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) <= exact)
    return static_cast<std::int64_t>(number);
  if (std::isnan(number) || std::isinf(number))
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s (%s) must be a whole number", context, name,
                  std::isnan(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity");
  else if (number == std::floor(number))
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s (%.0f) is over the limit", context, name, number);
  else
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s (%.15g) must be a whole number", context, name, number);
  throw_js_error(message_buffer);
}

/// The number of entries of an array-like (Float32Array or Array), or throws a JS error.
std::uint64_t length_of(const val& array, const char* name, const char* context) {
  if (!array.isUndefined() && !array.isNull() && array["length"].isNumber())
    return static_cast<std::uint64_t>(array["length"].as<double>());
  std::snprintf(message_buffer, sizeof message_buffer, "%s: %s must be a Float32Array", context, name);
  throw_js_error(message_buffer);
}

/// The tokens T of a forward, as a whole number from 1 with T·d_model within the limit (64-bit product).
std::size_t tokens_of(const val& T_value, std::size_t d_model, const char* context) {
  const std::int64_t T = whole_number(T_value, context, "T");
  if (T < 1) throw_bad_size("%s: T (%lld) must be at least 1", context, T);
  if (static_cast<std::uint64_t>(T) * d_model > kMaxTokensTimesDModel) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: T (%lld) is over the limit: T*d_model = %llu, at most %llu",
                  context, static_cast<long long>(T), static_cast<unsigned long long>(T) * d_model,
                  static_cast<unsigned long long>(kMaxTokensTimesDModel));
    throw_js_error(message_buffer);
  }
  return static_cast<std::size_t>(T);
}

/// d_model and num_heads of a constructor, each checked as a whole number, then in range.
struct Sizes {
  std::size_t d_model, num_heads;
};

Sizes sizes_of(const val& d_model_value, const val& num_heads_value, const char* context) {
  const std::int64_t d_model = whole_number(d_model_value, context, "d_model");
  const std::int64_t num_heads = whole_number(num_heads_value, context, "num_heads");
  if (d_model < 1 || static_cast<std::uint64_t>(d_model) > kMaxDModel) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: d_model (%lld) must be between 1 and %zu", context,
                  static_cast<long long>(d_model), kMaxDModel);
    throw_js_error(message_buffer);
  }
  if (num_heads < 1 || d_model % num_heads != 0) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: num_heads (%lld) must divide d_model (%lld)", context,
                  static_cast<long long>(num_heads), static_cast<long long>(d_model));
    throw_js_error(message_buffer);
  }
  return {static_cast<std::size_t>(d_model), static_cast<std::size_t>(num_heads)};
}

/// Throws a JS Error unless `array` has `expected` entries: "<context>: W_query has 15 entries, d_model^2 = 16 expected".
void require_length(const val& array, const char* name, std::uint64_t expected, const char* expected_name,
                    const char* context) {
  const std::uint64_t n = length_of(array, name, context);
  if (n == expected) return;
  std::snprintf(message_buffer, sizeof message_buffer, "%s: %s has %llu entries, %s = %llu expected", context, name,
                static_cast<unsigned long long>(n), expected_name, static_cast<unsigned long long>(expected));
  throw_js_error(message_buffer);
}

/// Copies a JS array-like of n numbers into `to` (TypedArray.set: one memcpy for a Float32Array).
void copy_in(const val& array, std::vector<float>& to, std::size_t n) {
  to.resize(n);
  val(emscripten::typed_memory_view(n, to.data())).call<void>("set", array);
}

/// True when all n entries of x are finite; otherwise false, and message_buffer names the first that is
/// not: "<context>: <what> NaN at <row_word> i, column j: only finite numbers" (rows of `cols`), or for a
/// vector (row_word null) "… at entry j …". One NaN would make NaN of every token that sees it (and,
/// where a 0 weight meets it, of others too).
bool finite_or_say(const float* x, std::size_t n, std::size_t cols, const char* context, const char* what,
                   const char* row_word) {
  bool finite = true;
  for (std::size_t i = 0; i < n; ++i) finite &= std::abs(x[i]) <= 3.4028235e38f;  // false for NaN and ±infinity
  if (finite) return true;
  std::size_t i = 0;
  while (std::isfinite(x[i])) ++i;
  const char* kind = std::isnan(x[i]) ? "NaN" : "an infinity";
  if (row_word)
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s %s at %s %zu, column %zu: only finite numbers", context,
                  what, kind, row_word, i / cols, i % cols);
  else
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s %s at entry %zu: only finite numbers", context, what, kind, i);
  return false;
}

/// Throws a JS Error naming the first entry of the inputs (n entries, rows of `cols`) that is not finite.
void require_finite(const float* x, std::size_t n, std::size_t cols, const char* context) {
  if (!finite_or_say(x, n, cols, context, "inputs hold", "token")) throw_js_error(message_buffer);
}

/// Whether the four (d, d) weights and b_out (d) are finite; if not, message_buffer names the entry.
bool weights_finite_or_say(const float* const weights[5], std::size_t d, const char* context) {
  static const char* const what[5] = {"W_query holds", "W_key holds", "W_value holds", "W_out holds", "b_out holds"};
  for (int m = 0; m < 5; ++m)
    if (!finite_or_say(weights[m], m < 4 ? d * d : d, d, context, what[m], m < 4 ? "row" : nullptr)) return false;
  return true;
}

/// Checks the lengths of the weights FastAttention and MaterialisedAttention take.
void require_weight_lengths(const val* const arrays[5], std::size_t d, const char* context) {
  static const char* const names[5] = {"W_query", "W_key", "W_value", "W_out", "b_out"};
  for (int m = 0; m < 5; ++m)
    require_length(*arrays[m], names[m], m < 4 ? std::uint64_t{d} * d : d, m < 4 ? "d_model^2" : "d_model", context);
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
  FastAttention(const val& d_model, const val& num_heads) : FastAttention(d_model, num_heads, true) {}

  /// FastAttention.without_strassen(d_model, num_heads): the projections always plain blocked
  /// products, never Strassen's steps (docs/api.md). A class function, not a constructor overload:
  /// this emscripten's embind, built without dynamic execution, does not tell constructors apart
  /// by their number of arguments.
  static FastAttention without_strassen(const val& d_model, const val& num_heads) {
    return FastAttention(d_model, num_heads, false);
  }

  FastAttention(const val& d_model, const val& num_heads, bool strassen) {
    const Sizes sizes = sizes_of(d_model, num_heads, "FastAttention");
    d_model_ = sizes.d_model;
    fused_ = std::make_unique<attn::FusedAttention>(d_model_, d_model_, sizes.num_heads, strassen);
  }

  /// W_query, W_key, W_value, W_out: (d_model, d_model) row-major, Q = X·W_query; b_out: (d_model).
  void set_weights(const val& W_query, const val& W_key, const val& W_value, const val& W_out, const val& b_out) {
    const std::size_t d = d_model_;
    const val* arrays[5] = {&W_query, &W_key, &W_value, &W_out, &b_out};
    require_weight_lengths(arrays, d, "FastAttention");
    has_weights_ = false;  // until these are packed
    bool finite = true;
    char detail[128];
    std::snprintf(detail, sizeof detail, " (d_model %zu: the weights and their packed copies need more than the module's memory)", d);
    reporting_errors("FastAttention: set_weights", detail, [&] {
      std::vector<float> w[5];
      for (int m = 0; m < 5; ++m) copy_in(*arrays[m], w[m], m < 4 ? d * d : d);
      const float* const data[5] = {w[0].data(), w[1].data(), w[2].data(), w[3].data(), w[4].data()};
      finite = weights_finite_or_say(data, d, "FastAttention");
      if (finite) fused_->set_weights(data[0], data[1], data[2], data[3], data[4]);
    });
    if (!finite) throw_js_error(message_buffer);  // once the copies are freed
    has_weights_ = true;
  }

  /// inputs: (T, d_model) row-major → a new Float32Array (T, d_model): the context vectors.
  val forward(const val& inputs, const val& T) {
    prepare(inputs, T);
    return val(emscripten::typed_memory_view(output_.size(), output_.data())).call<val>("slice");
  }

  /// As forward, but writes into `out`, a Float32Array of T·d_model entries (no new array).
  void forward_into(const val& inputs, const val& T, const val& out) {
    prepare(inputs, T);
    require_length(out, "out", output_.size(), "T*d_model", "FastAttention");
    out.call<void>("set", val(emscripten::typed_memory_view(output_.size(), output_.data())));
  }

  int d_model() const { return static_cast<int>(d_model_); }
  int num_heads() const { return static_cast<int>(fused_->num_heads()); }

 private:
  void prepare(const val& inputs, const val& T_value) {
    if (!has_weights_) throw_js_error("FastAttention: call set_weights before forward");
    const std::size_t T = tokens_of(T_value, d_model_, "FastAttention");
    const std::size_t n = T * d_model_;  // within the limit: no wrap
    require_length(inputs, "inputs", n, "T*d_model", "FastAttention");
    copy_in(inputs, input_, n);
    require_finite(input_.data(), n, d_model_, "FastAttention");
    output_.resize(n);
    reporting_errors("FastAttention", "", [&] { fused_->forward(input_.data(), T, output_.data()); });
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
  MaterialisedAttention(const val& d_model, const val& num_heads) {
    const Sizes sizes = sizes_of(d_model, num_heads, "MaterialisedAttention");
    d_model_ = sizes.d_model;
    attention_ = std::make_unique<attn::MaterialisedAttention>(d_model_, d_model_, sizes.num_heads);
  }

  /// As FastAttention::set_weights: W_query, W_key, W_value, W_out (d_model, d_model) row-major, b_out (d_model).
  void set_weights(const val& W_query, const val& W_key, const val& W_value, const val& W_out, const val& b_out) {
    const std::size_t d = d_model_;
    const val* arrays[5] = {&W_query, &W_key, &W_value, &W_out, &b_out};
    require_weight_lengths(arrays, d, "MaterialisedAttention");
    has_weights_ = false;  // until these are set
    bool finite = true;
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
      const float* const data[5] = {weights.qkv.W_query.data(), weights.qkv.W_key.data(), weights.qkv.W_value.data(),
                                    weights.W_out.data(), weights.b_out.data()};
      finite = weights_finite_or_say(data, d, "MaterialisedAttention");
      if (finite) attention_->set_weights(weights);  // shapes are right by construction
    });
    if (!finite) throw_js_error(message_buffer);  // once the copies are freed
    has_weights_ = true;
  }

  /// inputs: (T, d_model) row-major → a new Float32Array (T, d_model): the context vectors.
  val forward(const val& inputs, const val& T) {
    if (!has_weights_) throw_js_error("MaterialisedAttention: call set_weights before forward");
    const std::size_t rows = tokens_of(T, d_model_, "MaterialisedAttention");
    const std::size_t n = rows * d_model_;  // within the limit: no wrap
    require_length(inputs, "inputs", n, "T*d_model", "MaterialisedAttention");
    char detail[64];  // the (num_heads, T, T) weights are what runs out, most likely
    std::snprintf(detail, sizeof detail, " (the weights need %.0f bytes)", static_cast<double>(attention_->score_bytes(rows)));
    inputs_ = matrix_from(inputs, rows, d_model_);
    require_finite(inputs_.data(), n, d_model_, "MaterialisedAttention");
    reporting_errors("MaterialisedAttention", detail, [&] { context_vecs_ = attention_->forward(inputs_); });
    return val(emscripten::typed_memory_view(context_vecs_.size(), context_vecs_.data())).call<val>("slice");
  }

  /// Bytes the (num_heads, T, T) weights take for T tokens, as the core counts them (a double: it may pass 2^32).
  double score_bytes(const val& T_value) const {
    const std::int64_t T = whole_number(T_value, "MaterialisedAttention", "T");
    if (T < 0) throw_bad_size("%s: T (%lld) must be at least 0", "MaterialisedAttention", T);
    if (static_cast<std::uint64_t>(T) > kMaxTokensTimesDModel) {  // a forward never has more tokens
      std::snprintf(message_buffer, sizeof message_buffer, "MaterialisedAttention: T (%lld) is over the limit of %zu tokens",
                    static_cast<long long>(T), kMaxTokensTimesDModel);
      throw_js_error(message_buffer);
    }
    return static_cast<double>(attention_->score_bytes(static_cast<std::uint64_t>(T)));
  }

  int d_model() const { return static_cast<int>(d_model_); }
  int num_heads() const { return static_cast<int>(attention_->num_heads()); }

 private:
  std::size_t d_model_ = 0;
  bool has_weights_ = false;
  std::unique_ptr<attn::MaterialisedAttention> attention_;
  attn::Matrix inputs_, context_vecs_;  // (T, d_model) each, kept as FastAttention keeps its copies
};

/// A small GPT that trains, kept between calls: docs/api.md, "Training (lesson 8)". Every argument
/// from JavaScript is checked (as a number first, for sizes) before the core sees it; a bad one is
/// a JS Error "Trainer: <method>: …" naming it, and the Trainer and the module keep working.
class TrainerBinding {
 public:
  /// config: JSON text of a train request's config fields (or an object, which is stringified).
  explicit TrainerBinding(const val& config) {
    if (!config.isString() && !(config.typeOf().as<std::string>() == "object" && !config.isNull()))
      throw_js_error("Trainer: the config must be JSON text, such as '{\"task\": \"copy\"}'");
    reporting("Trainer", [&] {
      const std::string text = config.isString() ? config.as<std::string>()
                                                 : val::global("JSON").call<std::string>("stringify", config);
      trainer_ = attn::api::trainer_from_json(text);
    });
  }

  /// n training steps (a whole number from 1 to 10000) → a new Float32Array of their n losses.
  val step(const val& n) {
    const std::int64_t count = whole_number(n, "Trainer: step", "n");
    if (count < 1 || count > kMaxStepsPerCall)
      throw_bad_size("%s: n (%lld) must be from 1 to 10000 (train in several calls)", "Trainer: step", count);
    reporting("Trainer: step", [&] { losses_ = trainer_->step(static_cast<std::size_t>(count)); });
    return val(emscripten::typed_memory_view(losses_.size(), losses_.data())).call<val>("slice");
  }

  /// The held-out evaluation and the probe, as JSON text (the train response's "evaluation").
  std::string evaluate() {
    reporting("Trainer: evaluate", [&] { answer_ = attn::api::evaluation_json(*trainer_, trainer_->evaluate()); });
    return answer_;
  }

  /// Each head switched off alone in turn on the held-out sequences, as JSON text
  /// {"token_accuracy", "without": [layer][head], "fall": [layer][head]}; the switches are kept.
  std::string head_effects() {
    reporting("Trainer: head_effects", [&] { answer_ = attn::api::head_effects_json(trainer_->head_effects()); });
    return answer_;
  }

  /// tokens: an Array or Int32Array of 1 to context_length token ids → JSON text
  /// {"predictions": [...], "attention": [layer][head][T][T]}.
  std::string predict(const val& tokens) {
    const char* context = "Trainer: predict";
    const std::int64_t vocab_size = static_cast<std::int64_t>(trainer_->model_config().vocab_size);
    const std::int64_t context_length = static_cast<std::int64_t>(trainer_->model_config().context_length);
    if (tokens.isUndefined() || tokens.isNull() || tokens.isString() || !tokens["length"].isNumber())
      throw_js_error("Trainer: predict: tokens must be an Array or Int32Array of token ids");
    const std::int64_t T = whole_number(tokens["length"], context, "tokens.length");
    if (T < 1 || T > context_length) {
      std::snprintf(message_buffer, sizeof message_buffer, "%s: tokens has %lld ids; give 1 to context_length = %lld",
                    context, static_cast<long long>(T), static_cast<long long>(context_length));
      throw_js_error(message_buffer);
    }
    ids_.resize(static_cast<std::size_t>(T));  // a member: a JS throw below frees nothing of this frame
    for (std::int64_t t = 0; t < T; ++t) {
      std::snprintf(name_buffer_, sizeof name_buffer_, "tokens[%lld]", static_cast<long long>(t));
      const std::int64_t id = whole_number(tokens[static_cast<int>(t)], context, name_buffer_);
      if (id < 0 || id >= vocab_size) {
        std::snprintf(message_buffer, sizeof message_buffer, "%s: %s (%lld) is not a token id: 0 to vocab_size - 1 = %lld",
                      context, name_buffer_, static_cast<long long>(id), static_cast<long long>(vocab_size - 1));
        throw_js_error(message_buffer);
      }
      ids_[static_cast<std::size_t>(t)] = static_cast<int>(id);
    }
    reporting("Trainer", [&] { answer_ = attn::api::prediction_json(trainer_->predict(ids_)); });  // "predict: …"
    return answer_;
  }

  /// The train response's "model" object as JSON text, steps_taken current.
  std::string info() {
    reporting("Trainer: info", [&] { answer_ = attn::api::model_json(*trainer_); });
    return answer_;
  }

  /// A new Float32Array: a copy of the flat weights, in the order of info().layout.
  val weights() const {
    const std::vector<float>& w = trainer_->weights();
    return val(emscripten::typed_memory_view(w.size(), w.data())).call<val>("slice");
  }

  /// Replaces the weights with parameter_count finite numbers (a Float32Array, or an Array) and
  /// restarts the optimizer; refuses a wrong length, NaN or an infinity, naming the view and entry.
  void load(const val& weights) {
    const char* context = "Trainer: load";
    const std::size_t count = trainer_->weights().size();
    require_length(weights, "weights", count, "parameter_count", context);
    reporting("Trainer", [&] {  // the core's message starts "load: "
      copy_in(weights, loaded_, count);  // an entry that is not a number reads as NaN, and is refused as NaN
      trainer_->load(loaded_);
    });
  }

  /// Switches one head of one layer off (its context vectors 0) or, with false, back on.
  void ablate(const val& layer_value, const val& head_value, const val& ablated) {
    const char* context = "Trainer: ablate";
    const std::int64_t layer = whole_number(layer_value, context, "layer");
    const std::int64_t head = whole_number(head_value, context, "head");
    const attn::GptConfig& m = trainer_->model_config();
    if (layer < 0 || static_cast<std::uint64_t>(layer) >= m.n_layers)
      throw_range(context, "layer", layer, "n_layers", m.n_layers);
    if (head < 0 || static_cast<std::uint64_t>(head) >= m.n_heads) throw_range(context, "head", head, "n_heads", m.n_heads);
    if (ablated.typeOf().as<std::string>() != "boolean")
      throw_js_error("Trainer: ablate: ablated must be true (switch the head off) or false (back on)");
    trainer_->ablate(static_cast<std::size_t>(layer), static_cast<std::size_t>(head), ablated.as<bool>());
  }

  double steps_taken() const { return static_cast<double>(trainer_->steps_taken()); }

 private:
  static constexpr std::int64_t kMaxStepsPerCall = 10000;  // a call that long blocks its thread for seconds

  /// "Trainer: ablate: layer (2) must be from 0 to n_layers - 1 = 1"
  [[noreturn]] static void throw_range(const char* context, const char* name, std::int64_t value, const char* limit_name,
                                       std::size_t limit) {
    std::snprintf(message_buffer, sizeof message_buffer, "%s: %s (%lld) must be from 0 to %s - 1 = %zu", context, name,
                  static_cast<long long>(value), limit_name, limit - 1);
    throw_js_error(message_buffer);
  }

  /// Runs f; a C++ exception from it becomes a JS Error "<context>: <what>" once f's frame is gone.
  template <class F>
  static void reporting(const char* context, F&& f) {
    bool failed = false;
    try {
      f();
    } catch (const std::bad_alloc&) {
      std::snprintf(message_buffer, sizeof message_buffer, "%s: the module ran out of memory (a smaller model or batch "
                    "fits; the module keeps working)", context);
      failed = true;
    } catch (const std::exception& e) {
      std::snprintf(message_buffer, sizeof message_buffer, "%s: %s", context, e.what());
      failed = true;
    }
    if (failed) throw_js_error(message_buffer);
  }

  std::unique_ptr<attn::Trainer> trainer_;
  std::vector<float> losses_, loaded_;  // reused between calls
  std::vector<int> ids_;
  std::string answer_;
  char name_buffer_[32] = {};
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
      .constructor<const val&, const val&>()
      .class_function("without_strassen", &FastAttention::without_strassen)
      .function("set_weights", &FastAttention::set_weights)
      .function("forward", &FastAttention::forward)
      .function("forward_into", &FastAttention::forward_into)
      .property("d_model", &FastAttention::d_model)
      .property("num_heads", &FastAttention::num_heads);
  emscripten::function("heap_bytes", &heap_bytes);
  emscripten::class_<MaterialisedAttention>("MaterialisedAttention")
      .constructor<const val&, const val&>()
      .function("set_weights", &MaterialisedAttention::set_weights)
      .function("forward", &MaterialisedAttention::forward)
      .function("score_bytes", &MaterialisedAttention::score_bytes)
      .property("d_model", &MaterialisedAttention::d_model)
      .property("num_heads", &MaterialisedAttention::num_heads);
  emscripten::class_<TrainerBinding>("Trainer")
      .constructor<const val&>()
      .function("step", &TrainerBinding::step)
      .function("evaluate", &TrainerBinding::evaluate)
      .function("head_effects", &TrainerBinding::head_effects)
      .function("predict", &TrainerBinding::predict)
      .function("info", &TrainerBinding::info)
      .function("weights", &TrainerBinding::weights)
      .function("load", &TrainerBinding::load)
      .function("ablate", &TrainerBinding::ablate)
      .function("steps_taken", &TrainerBinding::steps_taken);
}
