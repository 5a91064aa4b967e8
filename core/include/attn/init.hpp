#pragma once
/// \file init.hpp
/// Weights drawn from a seed, in a fixed, documented order (docs/api.md).

#include <cstdint>
#include <vector>

#include "attn/attention.hpp"
#include "attn/random.hpp"

namespace attn {

/// W_query, W_key, W_value (d_in, d_out), then b_query, b_key, b_value with `bias`; range of nn.Linear.
QkvWeights draw_qkv(Rng& rng, std::size_t d_in, std::size_t d_out, bool bias);

/// The QKV projection, then W_out (d_out, d_out) and b_out (d_out).
MultiHeadWeights draw_multihead(Rng& rng, std::size_t d_in, std::size_t d_out, bool bias);

/// num_heads QKV projections, head by head.
std::vector<QkvWeights> draw_heads(Rng& rng, std::size_t num_heads, std::size_t d_in, std::size_t d_out, bool bias);

/// W_decoder (d_dec, d_attn), W_encoder (d_enc, d_attn), b_attn, v (d_attn).
AdditiveWeights draw_additive(Rng& rng, std::size_t d_dec, std::size_t d_enc, std::size_t d_attn);

}  // namespace attn
