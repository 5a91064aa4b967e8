#include "attn/init.hpp"

namespace attn {

QkvWeights draw_qkv(Rng& rng, std::size_t d_in, std::size_t d_out, bool bias) {
  const float bound = linear_bound(d_in);
  QkvWeights w;
  w.W_query = uniform_matrix(rng, d_in, d_out, -bound, bound);
  w.W_key = uniform_matrix(rng, d_in, d_out, -bound, bound);
  w.W_value = uniform_matrix(rng, d_in, d_out, -bound, bound);
  if (bias) {
    w.b_query = uniform_vector(rng, d_out, -bound, bound);
    w.b_key = uniform_vector(rng, d_out, -bound, bound);
    w.b_value = uniform_vector(rng, d_out, -bound, bound);
  }
  return w;
}

MultiHeadWeights draw_multihead(Rng& rng, std::size_t d_in, std::size_t d_out, bool bias) {
  MultiHeadWeights w;
  w.qkv = draw_qkv(rng, d_in, d_out, bias);
  const float bound = linear_bound(d_out);
  w.W_out = uniform_matrix(rng, d_out, d_out, -bound, bound);
  w.b_out = uniform_vector(rng, d_out, -bound, bound);
  return w;
}

std::vector<QkvWeights> draw_heads(Rng& rng, std::size_t num_heads, std::size_t d_in, std::size_t d_out, bool bias) {
  std::vector<QkvWeights> heads;
  for (std::size_t h = 0; h < num_heads; ++h) heads.push_back(draw_qkv(rng, d_in, d_out, bias));
  return heads;
}

AdditiveWeights draw_additive(Rng& rng, std::size_t d_dec, std::size_t d_enc, std::size_t d_attn) {
  AdditiveWeights w;
  w.W_decoder = uniform_matrix(rng, d_dec, d_attn, -linear_bound(d_dec), linear_bound(d_dec));
  w.W_encoder = uniform_matrix(rng, d_enc, d_attn, -linear_bound(d_enc), linear_bound(d_enc));
  w.b_attn = uniform_vector(rng, d_attn, -linear_bound(d_enc), linear_bound(d_enc));
  w.v = uniform_vector(rng, d_attn, -linear_bound(d_attn), linear_bound(d_attn));
  return w;
}

}  // namespace attn
