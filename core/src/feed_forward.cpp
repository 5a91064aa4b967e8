#include "attn/feed_forward.hpp"

#include <algorithm>
#include <cmath>

namespace attn {

Matrix relu(const Matrix& x) {
  Matrix out = x;
  for (auto& v : out) v = std::max(v, 0.0f);
  return out;
}

Matrix gelu(const Matrix& x) {
  const float sqrt_2_over_pi = 0.7978845608028654f;  // √(2/π)
  Matrix out = x;
  for (auto& v : out) v = 0.5f * v * (1.0f + std::tanh(sqrt_2_over_pi * (v + 0.044715f * v * v * v)));
  return out;
}

Matrix feed_forward(const Matrix& x, const FeedForwardWeights& weights, Activation activation, Trace& trace) {
  Matrix hidden = add_row_vector(matmul(x, weights.W1), weights.b1);                  // (T, d_ff)     x·W1 + b1
  Matrix activated = activation == Activation::gelu ? gelu(hidden) : relu(hidden);    // (T, d_ff)     act(·)
  Matrix out = add_row_vector(matmul(activated, weights.W2), weights.b2);             // (T, emb_dim)  ·W2 + b2
  trace.add("hidden", hidden);
  trace.add("activated", activated);
  return out;
}

FeedForwardWeights draw_feed_forward(Rng& rng, std::size_t emb_dim, std::size_t d_ff) {
  FeedForwardWeights w;
  const float bound1 = linear_bound(emb_dim), bound2 = linear_bound(d_ff);
  w.W1 = uniform_matrix(rng, emb_dim, d_ff, -bound1, bound1);
  w.b1 = uniform_vector(rng, d_ff, -bound1, bound1);
  w.W2 = uniform_matrix(rng, d_ff, emb_dim, -bound2, bound2);
  w.b2 = uniform_vector(rng, emb_dim, -bound2, bound2);
  return w;
}

std::uint64_t feed_forward_parameter_count(std::uint64_t emb_dim, std::uint64_t d_ff) {
  return emb_dim * d_ff + d_ff + d_ff * emb_dim + emb_dim;
}

}  // namespace attn
