// The materialised causal multi-head path (what lesson 6 measures the fused one against) gives
// multihead_attention's context vectors and weights, and the fused path's answer, within 1e-4;
// its weights are causal rows that sum to one; it counts their bytes without wrapping.

#include <cstdint>

#include "attn/attention.hpp"
#include "attn/fused.hpp"
#include "attn/init.hpp"
#include "attn/materialised.hpp"
#include "reference.hpp"

using namespace attn;
using Catch::Matchers::WithinAbs;

namespace {

AttentionResult textbook(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads) {
  Trace trace(false);
  return multihead_attention(inputs, weights, num_heads, true, Dropout{}, trace);
}

void require_close(const Matrix& actual, const Matrix& expected, double tolerance = 1e-4) {
  REQUIRE(actual.shape() == expected.shape());
  for (std::size_t i = 0; i < expected.shape(0); ++i)
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      INFO("entry (" << i << ", " << j << ")");
      REQUIRE_THAT(actual(i, j), WithinAbs(expected(i, j), tolerance));
    }
}

}  // namespace

TEST_CASE("materialised attention agrees with multihead_attention and the fused path", "[cost][multihead]") {
  const auto [T, d_in, d_out, num_heads, bias] = GENERATE(table<std::size_t, std::size_t, std::size_t, std::size_t, bool>({
      {1, 4, 4, 2, false}, {6, 3, 2, 2, false}, {7, 5, 6, 3, true}, {65, 16, 24, 3, false}, {130, 32, 32, 1, true},
      {200, 24, 48, 8, false}}));
  CAPTURE(T, d_in, d_out, num_heads, bias);
  Rng rng(T * 1000 + d_out, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d_in, d_out, bias);
  const Matrix inputs = uniform_matrix(rng, T, d_in, -2.0f, 2.0f);
  MaterialisedAttention materialised(d_in, d_out, num_heads);
  materialised.set_weights(weights);
  const Matrix context_vecs = materialised.forward(inputs);
  const AttentionResult expected = textbook(inputs, weights, num_heads);
  require_close(context_vecs, expected.context_vecs);
  require_close(context_vecs, fused_causal_multihead(inputs, weights, num_heads));

  REQUIRE(materialised.attn_weights().size() == num_heads);
  for (std::size_t h = 0; h < num_heads; ++h) {
    const Matrix& alpha = materialised.attn_weights()[h];  // (T, T)
    require_close(alpha, slice(expected.attn_weights, h), 1e-5);
    for (std::size_t i = 0; i < T; ++i) {
      float sum = 0.0f;
      for (std::size_t j = 0; j < T; ++j) {
        if (j > i) REQUIRE(alpha(i, j) == 0.0f);  // the future gets no weight
        sum += alpha(i, j);
      }
      REQUIRE_THAT(sum, WithinAbs(1.0, 1e-5));
    }
  }
}

TEST_CASE("materialised attention reuses its buffers across sizes", "[cost]") {
  Rng rng(7, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, 12, 12, false);
  MaterialisedAttention materialised(12, 12, 3);
  materialised.set_weights(weights);
  for (std::size_t T : {100, 3, 1, 70}) {
    CAPTURE(T);
    const Matrix inputs = uniform_matrix(rng, T, 12, -1.0f, 1.0f);
    require_close(materialised.forward(inputs), textbook(inputs, weights, 3).context_vecs);
    REQUIRE(materialised.attn_weights()[0].shape(0) == T);
  }
}

TEST_CASE("materialised attention counts its weights' bytes as num_heads·T²·4, past 2^32 too", "[cost]") {
  REQUIRE(MaterialisedAttention(8, 8, 4).score_bytes(1024) == 4u * 1024u * 1024u * 4u);
  REQUIRE(MaterialisedAttention(8, 8, 1).score_bytes(0) == 0u);
  REQUIRE(MaterialisedAttention(4096, 4096, 64).score_bytes(4096) == std::uint64_t{64} * 4096 * 4096 * 4);
}

TEST_CASE("materialised attention rejects bad sizes with a clear message", "[cost]") {
  REQUIRE_THROWS_WITH(MaterialisedAttention(4, 6, 4), Catch::Contains("num_heads (4) must divide d_out (6)"));
  REQUIRE_THROWS_AS(MaterialisedAttention(4, 4, 0), std::invalid_argument);
  REQUIRE_THROWS_AS(MaterialisedAttention(0, 4, 1), std::invalid_argument);
  MaterialisedAttention materialised(4, 4, 2);
  REQUIRE_THROWS_AS(materialised.forward(Matrix(xt::zeros<float>({3, 4}))), std::logic_error);
  Rng rng(1, Stream::weights);
  REQUIRE_THROWS_WITH(materialised.set_weights(draw_multihead(rng, 3, 4, false)), Catch::Contains("W_query must be (4, 4)"));
  materialised.set_weights(draw_multihead(rng, 4, 4, false));
  REQUIRE_THROWS_WITH(materialised.forward(Matrix(xt::zeros<float>({3, 5}))), Catch::Contains("inputs must have d_in (4) columns"));
}
