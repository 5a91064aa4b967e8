// The fused causal multi-head path gives multihead_attention's numbers (causal, no dropout)
// within 1e-4: the book's example, T = 1, T not a multiple of the tiles, many heads, biases.

#include <tuple>

#include <xtensor/xview.hpp>

#include "attn/attention.hpp"
#include "attn/fused.hpp"
#include "attn/init.hpp"
#include "reference.hpp"

using namespace attn;
using Catch::Matchers::WithinAbs;

namespace {

Matrix materialised(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads) {
  Trace trace(false);
  return multihead_attention(inputs, weights, num_heads, true, Dropout{}, trace).context_vecs;
}

template <class E1, class E2>
void require_close(const E1& actual, const E2& expected, double tolerance = 1e-4) {
  REQUIRE(actual.shape() == expected.shape());
  for (std::size_t i = 0; i < expected.shape(0); ++i)
    for (std::size_t j = 0; j < expected.shape(1); ++j) {
      INFO("entry (" << i << ", " << j << ")");
      REQUIRE_THAT(actual(i, j), WithinAbs(expected(i, j), tolerance));
    }
}

}  // namespace

TEST_CASE("fused attention reproduces the book's causal multi-head example", "[fused][multihead]") {
  const auto& e = test::example("MultiHeadAttention_seed123");
  const MultiHeadWeights weights{test::qkv(e["weights"]), test::matrix(e["weights"]["W_out"]),
                                 test::vector(e["weights"]["b_out"])};
  const Matrix inputs = test::book_inputs();  // (6, 3)
  require_close(fused_causal_multihead(inputs, weights, 2), materialised(inputs, weights, 2));
}

TEST_CASE("fused attention agrees with the materialised path for many shapes", "[fused][multihead]") {
  // (T, d_in, d_out, num_heads): T = 1; T below, at and across the 64-query tiles and 8-key panels;
  // head_dim not a multiple of 8; a single head; head_dim 64 as in GPT-2.
  const auto [T, d_in, d_out, num_heads] = GENERATE(table<std::size_t, std::size_t, std::size_t, std::size_t>({
      {1, 4, 4, 2}, {2, 3, 2, 1}, {7, 5, 6, 3}, {13, 8, 12, 4}, {63, 16, 16, 2}, {64, 16, 16, 4},
      {65, 16, 24, 3}, {130, 32, 32, 1}, {200, 24, 48, 8}, {150, 128, 128, 2}}));
  CAPTURE(T, d_in, d_out, num_heads);
  Rng rng(T * 1000 + d_out, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d_in, d_out, false);
  const Matrix inputs = uniform_matrix(rng, T, d_in, -2.0f, 2.0f);
  require_close(fused_causal_multihead(inputs, weights, num_heads), materialised(inputs, weights, num_heads));
}

TEST_CASE("fused attention's Strassen steps keep the numbers", "[fused][multihead]") {
  // (T, d_model, steps): one step and two; a T not divisible by 2^steps leaves its last rows to the
  // blocked product; too few rows for two steps take none.
  const auto [T, d, steps] = GENERATE(table<std::size_t, std::size_t, std::size_t>(
      {{64, 256, 1}, {65, 256, 1}, {256, 512, 2}, {259, 512, 2}, {127, 512, 0}}));
  CAPTURE(T, d);
  Rng rng(T, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d, d, true);
  FusedAttention fused(d, d, 8);
  fused.set_weights(weights);
  REQUIRE(fused.strassen_steps(T) == steps);
  const Matrix inputs = uniform_matrix(rng, T, d, -2.0f, 2.0f);
  require_close(fused.forward(inputs), materialised(inputs, weights, 8));
}

TEST_CASE("a token far larger than the rest leaves the earlier tokens' numbers alone", "[fused][multihead]") {
  // Strassen's sums mix token i with token i + T/2 (and i + T/4 …): without scaling the rows first,
  // token 200's rounding would reach tokens 72 and 136 (2e-3 here), which it must not touch at all.
  constexpr std::size_t T = 256, d = 512, big = 200;
  Rng rng(11, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d, d, false);
  Matrix inputs = uniform_matrix(rng, T, d, -1.0f, 1.0f);
  xt::view(inputs, big, xt::all()) *= 1000.0f;
  FusedAttention fused(d, d, 8);
  fused.set_weights(weights);
  REQUIRE(fused.strassen_steps(T) == 2);
  const Matrix expected = materialised(inputs, weights, 8), actual = fused.forward(inputs);
  require_close(xt::view(actual, xt::range(0, big), xt::all()), xt::view(expected, xt::range(0, big), xt::all()));
}

TEST_CASE("fused attention without Strassen's steps rounds as the materialised path", "[fused][multihead]") {
  constexpr std::size_t T = 256, d = 512;
  Rng rng(12, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d, d, false);
  const Matrix inputs = uniform_matrix(rng, T, d, -2.0f, 2.0f);
  FusedAttention plain(d, d, 8, false);
  plain.set_weights(weights);
  REQUIRE(plain.strassen_steps(T) == 0);
  require_close(plain.forward(inputs), materialised(inputs, weights, 8), 1e-6);
}

TEST_CASE("fused attention handles qkv biases and reuses its buffers across sizes", "[fused][multihead]") {
  Rng rng(7, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, 12, 12, true);
  FusedAttention fused(12, 12, 3);
  fused.set_weights(weights);
  for (std::size_t T : {100, 3, 1, 70}) {  // shrinking and growing T: stale buffer contents must not leak in
    CAPTURE(T);
    const Matrix inputs = uniform_matrix(rng, T, 12, -1.0f, 1.0f);
    require_close(fused.forward(inputs), materialised(inputs, weights, 3));
  }
}

TEST_CASE("fused attention rejects bad sizes with a clear message", "[fused]") {
  REQUIRE_THROWS_WITH(FusedAttention(4, 6, 4), Catch::Contains("num_heads (4) must divide d_out (6)"));
  REQUIRE_THROWS_AS(FusedAttention(4, 4, 0), std::invalid_argument);
  FusedAttention fused(4, 4, 2);
  REQUIRE_THROWS_AS(fused.forward(Matrix(xt::zeros<float>({3, 4}))), std::logic_error);
  Rng rng(1, Stream::weights);
  REQUIRE_THROWS_WITH(fused.set_weights(draw_multihead(rng, 3, 4, false)), Catch::Contains("W_query must be (4, 4)"));
}
