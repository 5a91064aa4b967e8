// Every worked example of the book's chapter 3 with numbers, reproduced by the core within 1e-4.

#include <stdexcept>

#include "attn/attention.hpp"
#include "attn/softmax.hpp"
#include "reference.hpp"

using namespace attn;
using namespace attn::test;

namespace {
Trace no_trace() { return Trace(false); }
const json& full(const std::string& name) { return example(name)["full_precision"]; }

/// The value of the step called `name`; std::out_of_range when the trace has none, so that a renamed
/// step fails the test instead of skipping its check.
Matrix step_named(const Trace& trace, const std::string& name) {
  for (const Step& step : trace.steps())
    if (step.name == name) return Matrix(step.value);
  throw std::out_of_range("the trace has no step \"" + name + "\"");
}
}  // namespace

TEST_CASE("simplified: scores, normalisations, weights and context of query 2", "[simplified][book]") {
  const Matrix inputs = book_inputs();
  const Matrix attn_scores = matmul_transposed(inputs, inputs);  // (6, 6)  ω = X·Xᵀ
  const Matrix attn_scores_2 = row_of(attn_scores, 1);
  require_close(attn_scores_2, full("attn_scores_2_simple")["attn_scores_2"]);
  require_close(sum_normalize_rows(attn_scores_2), full("attn_weights_2_sum_normalized")["attn_weights_2_tmp"]);
  require_close(softmax_naive_rows(attn_scores_2), full("attn_weights_2_softmax_naive")["attn_weights_2"]);
  require_close(softmax_rows(attn_scores_2), full("attn_weights_2_softmax")["attn_weights_2"]);
  Trace trace = no_trace();
  const AttentionResult result = simplified_attention(inputs, trace);
  require_close(row_of(result.context_vecs, 1), full("context_vec_2_simple")["context_vec_2"]);
}

TEST_CASE("simplified: the whole matrix form", "[simplified][book]") {
  const Matrix inputs = book_inputs();
  require_close(matmul_transposed(inputs, inputs), full("attn_scores_simple_loop")["attn_scores"]);
  require_close(matmul_transposed(inputs, inputs), full("attn_scores_simple_matmul")["attn_scores"]);
  Trace trace = no_trace();
  const AttentionResult result = simplified_attention(inputs, trace);
  require_close(slice(result.attn_weights, 0), full("attn_weights_simple")["attn_weights"]);
  require_close(result.context_vecs, full("all_context_vecs_simple")["all_context_vecs"]);
}

TEST_CASE("trainable weights: query 2, keys, values, scores, scaled weights, context", "[self_attention][book]") {
  const Matrix inputs = book_inputs();
  const QkvWeights w = qkv(example("W_qkv_seed123")["weights"]);
  const Matrix x_2 = row_of(inputs, 1);
  require_close(matmul(x_2, w.W_query), full("query_2_trainable")["query_2"]);
  require_close(matmul(x_2, w.W_key), full("query_2_trainable")["key_2"]);
  require_close(matmul(x_2, w.W_value), full("query_2_trainable")["value_2"]);
  require_close(matmul(inputs, w.W_key), full("keys_values_shapes")["keys"]);
  require_close(matmul(inputs, w.W_value), full("keys_values_shapes")["values"]);

  Trace trace(true);
  const AttentionResult result = self_attention(inputs, w, true, trace);
  require_close(row_of(step_named(trace, "attn_scores"), 1), full("attn_scores_2_trainable")["attn_scores_2"]);
  require_close(row_of(slice(result.attn_weights, 0), 1), full("attn_weights_2_trainable_scaled")["attn_weights_2"]);
  require_close(row_of(result.context_vecs, 1), full("context_vec_2_trainable")["context_vec_2"]);
  require_close(result.context_vecs, full("SelfAttention_v1_seed123")["context"]);
}

TEST_CASE("trainable weights: SelfAttention_v2 with nn.Linear weights", "[self_attention][book]") {
  Trace trace = no_trace();
  const AttentionResult result = self_attention(book_inputs(), qkv(example("SelfAttention_v2_seed789")["weights"]), true, trace);
  require_close(result.context_vecs, full("SelfAttention_v2_seed789")["context"]);
  require_close(slice(result.attn_weights, 0), full("causal_attn_weights_unmasked")["attn_weights"]);
}

TEST_CASE("causal: both masking routes give the book's weights", "[causal][book]") {
  Trace trace(true);
  float routes_max_abs_diff = -1.0f;
  const AttentionResult result = causal_attention(book_inputs(), qkv(example("masked_simple_norm")["weights"]), true,
                                                  Dropout{}, trace, &routes_max_abs_diff);
  require_close(slice(result.attn_weights, 0), full("causal_attn_weights_neg_inf")["attn_weights"]);
  require_close(step_named(trace, "attn_weights_renormalized"), full("masked_simple_norm")["masked_simple_norm"]);
  require_close(step_named(trace, "attn_scores"), full("causal_attn_weights_unmasked")["attn_scores"]);
  CHECK_THAT(routes_max_abs_diff, Catch::Matchers::WithinAbs(0.0, 1e-6));
}

TEST_CASE("causal: dropout with the book's keep mask", "[causal][dropout][book]") {
  const json& e = example("dropout_attn_weights_seed123");
  Dropout dropout;
  dropout.p = e["dropout_p"].get<float>();
  dropout.keep_mask = stack({matrix(e["dropout_keep_mask"])});
  Trace trace = no_trace();
  const AttentionResult result = causal_attention(book_inputs(), qkv(e["weights"]), true, dropout, trace);
  require_close(slice(result.attn_weights, 0), e["full_precision"]["attn_weights_before_dropout"]);
  REQUIRE(result.attn_weights_dropped.has_value());
  require_close(slice(*result.attn_weights_dropped, 0), e["full_precision"]["after_dropout"]);
}

TEST_CASE("causal: CausalAttention module", "[causal][book]") {
  const json& e = example("CausalAttention_seed123");
  Trace trace = no_trace();
  const AttentionResult result = causal_attention(book_inputs(), qkv(e["weights"]), true, Dropout{}, trace);
  require_close(result.context_vecs, e["full_precision"]["context"][0]);  // both batch items are the same input
  require_close(result.context_vecs, e["full_precision"]["context"][1]);
}

TEST_CASE("multi-head: the wrapper of two causal heads", "[multihead][book]") {
  const json& e = example("MultiHeadAttentionWrapper_seed123");
  std::vector<QkvWeights> heads;
  for (const auto& head : e["weights"]["heads"]) heads.push_back(qkv(head));
  Trace trace = no_trace();
  const AttentionResult result = multihead_wrapper(book_inputs(), heads, true, Dropout{}, trace);
  REQUIRE(result.context_vecs.shape(1) == 4);
  require_close(result.context_vecs, e["full_precision"]["context"][0]);
}

TEST_CASE("multi-head: one projection split into heads, then W_out", "[multihead][book]") {
  const json& e = example("MultiHeadAttention_seed123");
  MultiHeadWeights w{qkv(e["weights"]), matrix(e["weights"]["W_out"]), vector(e["weights"]["b_out"])};
  Trace trace = no_trace();
  const AttentionResult result = multihead_attention(book_inputs(), w, 2, true, Dropout{}, trace);
  require_close(result.context_vecs, e["full_precision"]["context"][0]);
}

TEST_CASE("multi-head: GPT-2 small's attention has 2,360,064 parameters", "[multihead][book]") {
  CHECK(multihead_parameter_count(768, 768, false) == 2360064u);
}

TEST_CASE("a step the book checks must exist: a missing name fails, never skips", "[book]") {
  Trace trace(true);
  causal_attention(book_inputs(), qkv(example("masked_simple_norm")["weights"]), true, Dropout{}, trace);
  CHECK_NOTHROW(step_named(trace, "attn_weights_renormalized"));
  CHECK_THROWS_AS(step_named(trace, "attn_weights_renormalised"), std::out_of_range);
}
