#pragma once
/// \file layer_norm.hpp
/// Layer normalisation over the last axis, as PyTorch's nn.LayerNorm and the book's LayerNorm:
/// out = scale · (x − mean) / √(var + eps) + shift, with the biased variance (divided by emb_dim).

#include "attn/tensor.hpp"
#include "attn/trace.hpp"

namespace attn {

/// The two trainable vectors of a layer norm (the book's names; PyTorch calls them weight and bias).
struct LayerNormWeights {
  Vector scale;  ///< (emb_dim), 1 at initialisation
  Vector shift;  ///< (emb_dim), 0 at initialisation
};

/// PyTorch's and the book's default eps.
constexpr float layer_norm_eps = 1e-5f;

/// scale = 1, shift = 0: the initial layer norm, which only normalises.
LayerNormWeights identity_layer_norm(std::size_t emb_dim);

/// Normalises each row of x (T, emb_dim) to mean 0 and variance 1, then scales and shifts it.
/// Steps: `mean` (T), `var` (T), `norm_x` (T, emb_dim). Means and variances are summed in double,
/// so that a row whose entries are all equal gets x − mean = 0 exactly (out = shift, never NaN).
Matrix layer_norm(const Matrix& x, const LayerNormWeights& weights, Trace& trace, float eps = layer_norm_eps);

/// Trainable parameters: scale and shift, 2·emb_dim.
std::uint64_t layer_norm_parameter_count(std::uint64_t emb_dim);

}  // namespace attn
