// The rules the notes state, checked on random inputs: rows sum to 1, the future gets weight 0,
// the two causal routes agree, the two multi-head forms agree, dropout keeps the expected sum.

#include <cmath>

#include "attn/attention.hpp"
#include "attn/dropout.hpp"
#include "attn/init.hpp"
#include "attn/lessons.hpp"
#include "attn/softmax.hpp"
#include "reference.hpp"

using namespace attn;
using Catch::Matchers::WithinAbs;

namespace {

Matrix random_inputs(std::uint64_t seed, std::size_t T, std::size_t d_in) {
  Rng rng(seed, Stream::demo);
  return uniform_matrix(rng, T, d_in, -1.0f, 1.0f);
}

void require_rows_sum_to_one(const Matrix& weights) {
  for (std::size_t i = 0; i < weights.shape(0); ++i) {
    float sum = 0.0f;
    for (std::size_t j = 0; j < weights.shape(1); ++j) sum += weights(i, j);
    CHECK_THAT(sum, WithinAbs(1.0, 1e-5));
  }
}

void require_future_is_zero(const Matrix& weights) {
  for (std::size_t i = 0; i < weights.shape(0); ++i)
    for (std::size_t j = i + 1; j < weights.shape(1); ++j) REQUIRE(weights(i, j) == 0.0f);
}

Matrix identity(std::size_t n) {
  Matrix m = xt::zeros<float>({n, n});
  for (std::size_t i = 0; i < n; ++i) m(i, i) = 1.0f;
  return m;
}

}  // namespace

TEST_CASE("softmax rows sum to 1 and stay finite for scores of 1e4", "[softmax]") {
  Matrix scores = {{1e4f, 0.0f, -1e4f}, {1e4f, 1e4f - 1.0f, 3.0f}, {-50.0f, -50.0f, -50.0f}};
  const Matrix weights = softmax_rows(scores);
  for (float w : weights) REQUIRE(std::isfinite(w));
  require_rows_sum_to_one(weights);
  CHECK_THAT(weights(0, 0), WithinAbs(1.0, 1e-6));
  CHECK_THAT(weights(2, 1), WithinAbs(1.0 / 3.0, 1e-6));
  // The naive version is what the stable one guards against: exp(1e4) overflows.
  const Matrix naive = softmax_naive_rows(scores);
  CHECK_FALSE(std::isfinite(naive(0, 0)));
}

TEST_CASE("softmax gives −∞ scores weight 0 and a fully masked row zeros", "[softmax]") {
  const float inf = std::numeric_limits<float>::infinity();
  Matrix scores = {{0.5f, -inf, 1.0f}, {-inf, -inf, -inf}};
  const Matrix weights = softmax_rows(scores);
  CHECK(weights(0, 1) == 0.0f);
  CHECK_THAT(weights(0, 0) + weights(0, 2), WithinAbs(1.0, 1e-6));
  for (std::size_t j = 0; j < 3; ++j) CHECK(weights(1, j) == 0.0f);
}

TEST_CASE("every mechanism's weights are distributions", "[properties]") {
  const auto [T, d_in, d_out] = GENERATE(table<std::size_t, std::size_t, std::size_t>({{1, 1, 1}, {6, 3, 2}, {17, 8, 12}}));
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  const Matrix inputs = random_inputs(seed, T, d_in);
  Rng rng(seed);
  const MultiHeadWeights w = draw_multihead(rng, d_in, d_out, true);
  Trace trace;
  require_rows_sum_to_one(slice(simplified_attention(inputs, trace).attn_weights, 0));
  require_rows_sum_to_one(slice(self_attention(inputs, w.qkv, true, trace).attn_weights, 0));
  const Matrix causal = slice(causal_attention(inputs, w.qkv, true, Dropout{}, trace).attn_weights, 0);
  require_rows_sum_to_one(causal);
  require_future_is_zero(causal);
  const std::size_t num_heads = d_out % 2 == 0 ? 2 : 1;
  const AttentionResult multi = multihead_attention(inputs, w, num_heads, true, Dropout{}, trace);
  for (std::size_t h = 0; h < num_heads; ++h) {
    require_rows_sum_to_one(slice(multi.attn_weights, h));
    require_future_is_zero(slice(multi.attn_weights, h));
  }
}

TEST_CASE("the two causal routes agree", "[causal]") {
  const std::uint64_t seed = GENERATE(range(1u, 11u));
  const Matrix inputs = random_inputs(seed, 9, 5);
  Rng rng(seed);
  float routes_max_abs_diff = 1.0f;
  Trace trace(true);
  causal_attention(inputs, draw_qkv(rng, 5, 4, false), true, Dropout{}, trace, &routes_max_abs_diff);
  CHECK_THAT(routes_max_abs_diff, WithinAbs(0.0, 1e-6));
}

TEST_CASE("the first token attends only to itself", "[causal]") {
  Rng rng(4);
  Trace trace;
  const Matrix weights = slice(causal_attention(random_inputs(4, 5, 3), draw_qkv(rng, 3, 2, false), true, Dropout{}, trace).attn_weights, 0);
  CHECK(weights(0, 0) == 1.0f);
}

TEST_CASE("the wrapper with sliced weights equals the split form", "[multihead]") {
  const std::size_t num_heads = GENERATE(1u, 2u, 4u);
  const bool causal = GENERATE(true, false);
  const Matrix inputs = random_inputs(7, 8, 6);
  Rng rng(7);
  MultiHeadWeights w = draw_multihead(rng, 6, 8, true);
  w.W_out = identity(8);  // so the output is the concatenated heads
  w.b_out = xt::zeros<float>({8});
  Trace trace;
  const AttentionResult split = multihead_attention(inputs, w, num_heads, causal, Dropout{}, trace);
  const AttentionResult wrapper = multihead_wrapper(inputs, slice_heads(w.qkv, num_heads), causal, Dropout{}, trace);
  REQUIRE(wrapper.context_vecs.shape(1) == 8);
  CHECK_THAT(max_abs_diff(split.context_vecs, wrapper.context_vecs), WithinAbs(0.0, 1e-6));
  for (std::size_t h = 0; h < num_heads; ++h)
    CHECK_THAT(max_abs_diff(slice(split.attn_weights, h), slice(wrapper.attn_weights, h)), WithinAbs(0.0, 1e-6));
}

TEST_CASE("one head equals single-head causal attention", "[multihead]") {
  const Matrix inputs = random_inputs(11, 7, 4);
  Rng rng(11);
  MultiHeadWeights w = draw_multihead(rng, 4, 3, false);
  w.W_out = identity(3);
  w.b_out = xt::zeros<float>({3});
  Trace trace;
  const AttentionResult multi = multihead_attention(inputs, w, 1, true, Dropout{}, trace);
  const AttentionResult single = causal_attention(inputs, w.qkv, true, Dropout{}, trace);
  CHECK_THAT(max_abs_diff(multi.context_vecs, single.context_vecs), WithinAbs(0.0, 1e-6));
  CHECK_THAT(max_abs_diff(slice(multi.attn_weights, 0), slice(single.attn_weights, 0)), WithinAbs(0.0, 1e-6));
}

TEST_CASE("dropout zeroes dropped weights and scales kept ones by 1/(1-p)", "[dropout]") {
  const float p = GENERATE(0.1f, 0.5f, 0.9f);
  const Matrix weights = {{1.0f, 0.0f}, {0.25f, 0.75f}};
  const Matrix keep = {{1.0f, 0.0f}, {0.0f, 1.0f}};
  const Matrix dropped = apply_dropout(weights, keep, p);
  CHECK_THAT(dropped(0, 0), WithinAbs(1.0 / (1.0 - p), 1e-5));
  CHECK(dropped(1, 0) == 0.0f);
  CHECK_THAT(dropped(1, 1), WithinAbs(0.75 / (1.0 - p), 1e-5));
}

TEST_CASE("drawn dropout masks are deterministic and keep about 1 - p", "[dropout]") {
  const Tensor3 a = draw_keep_mask(2, 64, 0.3f, 5), b = draw_keep_mask(2, 64, 0.3f, 5), c = draw_keep_mask(2, 64, 0.3f, 6);
  CHECK(a == b);
  CHECK_FALSE(a == c);
  double kept = 0.0;
  for (float k : a) kept += k;
  CHECK_THAT(kept / a.size(), WithinAbs(0.7, 0.02));
}

TEST_CASE("dropout keeps masked future entries at 0", "[dropout][causal]") {
  Rng rng(3);
  Dropout dropout;
  dropout.p = 0.5f;
  dropout.seed = 9;
  Trace trace;
  const AttentionResult result = causal_attention(random_inputs(3, 6, 3), draw_qkv(rng, 3, 2, false), true, dropout, trace);
  REQUIRE(result.attn_weights_dropped.has_value());
  require_future_is_zero(slice(*result.attn_weights_dropped, 0));
}

TEST_CASE("huge inputs give finite, normalised weights", "[properties]") {
  const Matrix inputs = random_inputs(5, 6, 3) * 100.0f;  // scores up to ~3e4
  Trace trace;
  const Matrix weights = slice(simplified_attention(inputs, trace).attn_weights, 0);
  for (float w : weights) REQUIRE(std::isfinite(w));
  require_rows_sum_to_one(weights);
}

TEST_CASE("scaling keeps the score spread near 1 as d_k grows; unscaled softmax saturates", "[self_attention]") {
  const auto curve = scaling_curve({4, 64, 1024}, 6, 200, 1);
  CHECK_THAT(curve[2].score_std, WithinAbs(32.0, 4.0));  // std of q·k is √d_k
  CHECK_THAT(curve[2].score_std_scaled, WithinAbs(1.0, 0.15));
  CHECK(curve[2].max_weight > 0.9f);
  CHECK(curve[2].max_weight_scaled < 0.6f);
}

TEST_CASE("additive attention: weights are a distribution; with v = 0 they are uniform", "[additive]") {
  const Matrix encoder_states = random_inputs(2, 5, 4), decoder_states = random_inputs(3, 2, 3);
  Rng rng(2);
  AdditiveWeights w = draw_additive(rng, 3, 4, 6);
  Trace trace;
  const Matrix weights = slice(additive_attention(encoder_states, decoder_states, w, trace).attn_weights, 0);
  REQUIRE(weights.shape(0) == 2);
  require_rows_sum_to_one(weights);
  w.v = xt::zeros<float>({6});
  const AttentionResult uniform = additive_attention(encoder_states, decoder_states, w, trace);
  for (float x : slice(uniform.attn_weights, 0)) CHECK_THAT(x, WithinAbs(0.2, 1e-6));
  // context = mean of the encoder states when the weights are uniform
  for (std::size_t j = 0; j < 4; ++j) {
    float mean = 0.0f;
    for (std::size_t t = 0; t < 5; ++t) mean += encoder_states(t, j) / 5.0f;
    CHECK_THAT(uniform.context_vecs(0, j), WithinAbs(mean, 1e-6));
  }
}

TEST_CASE("the RNN encoder's states stay in (-1, 1) and each depends on the past", "[rnn]") {
  const Matrix inputs = random_inputs(8, 5, 3);
  Rng rng(8);
  const RnnWeights w = draw_rnn(rng, 3, 4);
  const Matrix states = rnn_encoder(inputs, w);
  for (float h : states) CHECK(std::fabs(h) < 1.0f);
  Matrix changed = inputs;
  changed(0, 0) += 1.0f;  // changing the first token changes the final state
  CHECK(max_abs_diff(attn::test::row_of(rnn_encoder(changed, w), 4), attn::test::row_of(states, 4)) > 0.0f);
}

TEST_CASE("state_distance is the Euclidean distance of each step's states", "[rnn]") {
  const Matrix a = {{0.0f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 0.25f}};
  const Matrix b = {{3.0f, 4.0f}, {1.0f, 1.0f}, {0.5f, 0.25f}};
  const Vector d = state_distance(a, b);
  REQUIRE(d.size() == 3);
  CHECK_THAT(d(0), WithinAbs(5.0f, 1e-6f));
  CHECK(d(1) == 0.0f);
  CHECK_THAT(d(2), WithinAbs(1.0f, 1e-6f));
}

TEST_CASE("an RNN with small weights forgets: a change to the first word fades by the last state", "[rnn]") {
  // The bottleneck of lesson 1: with W_hh of norm below 1, tanh contracts, so the distance between
  // two runs that differ only in the first word shrinks at every step after it.
  const Matrix inputs = random_inputs(16, 20, 3);
  Matrix changed = inputs;
  for (std::size_t j = 0; j < 3; ++j) changed(0, j) = 1.0f - inputs(0, j);
  RnnWeights w;
  w.W_xh = {{0.8f, -0.3f}, {0.2f, 0.7f}, {-0.5f, 0.4f}};
  w.W_hh = {{0.3f, -0.2f}, {0.1f, 0.4f}};
  w.b_h = {0.1f, -0.1f};
  const Vector d = state_distance(rnn_encoder(inputs, w), rnn_encoder(changed, w));
  for (std::size_t t = 1; t < 20; ++t) {
    if (d(t - 1) > 0.0f) CHECK(d(t) < d(t - 1));  // shrinks at every step...
    else CHECK(d(t) == 0.0f);                     // ...until the two runs agree to the last bit of float32
  }
  CHECK(d(19) < 1e-4f * d(0));
}

TEST_CASE("the generator is SplitMix64", "[random]") {
  Rng rng(0, Stream::weights);
  CHECK(rng.next_u64() == 0xE220A8397B1DCDAFull);  // SplitMix64's first output from state 0
  Rng a(42), b(42);
  CHECK(a.uniform() == b.uniform());
  for (int i = 0; i < 1000; ++i) {
    const float u = a.uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
  }
}

TEST_CASE("tokens: words, punctuation, non-ASCII", "[embed]") {
  CHECK(tokenize("Your journey, starts!") == std::vector<std::string>{"Your", "journey", ",", "starts", "!"});
  CHECK(tokenize("  ").empty());
  CHECK(tokenize("Käse 😀 שלום").size() == 3);
  const Matrix a = embed_tokens({"cat", "dog", "cat"}, 3, 1);
  CHECK(max_abs_diff(attn::test::row_of(a, 0), attn::test::row_of(a, 2)) == 0.0f);
  CHECK(max_abs_diff(attn::test::row_of(a, 0), attn::test::row_of(a, 1)) > 0.0f);
}
