#include "attn/layer_norm.hpp"

#include <cmath>
#include <stdexcept>

namespace attn {

LayerNormWeights identity_layer_norm(std::size_t emb_dim) {
  return {xt::ones<float>({emb_dim}), xt::zeros<float>({emb_dim})};
}

Matrix layer_norm(const Matrix& x, const LayerNormWeights& weights, Trace& trace, float eps) {
  const std::size_t T = x.shape(0), emb_dim = x.shape(1);
  if (weights.scale.size() != emb_dim || weights.shift.size() != emb_dim)
    throw std::invalid_argument("layer_norm: scale and shift must have emb_dim entries");
  Vector mean = xt::zeros<float>({T});    // (T)           μ = Σ x / emb_dim
  Vector var = xt::zeros<float>({T});     // (T)           σ² = Σ (x − μ)² / emb_dim (biased)
  Matrix norm_x = xt::zeros<float>({T, emb_dim});  // (T, emb_dim)  (x − μ) / √(σ² + eps)
  Matrix out = xt::zeros<float>({T, emb_dim});     // (T, emb_dim)  scale · norm_x + shift
  for (std::size_t i = 0; i < T; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < emb_dim; ++j) sum += x(i, j);
    const double mu = sum / static_cast<double>(emb_dim);
    double squares = 0.0;
    for (std::size_t j = 0; j < emb_dim; ++j) squares += (x(i, j) - mu) * (x(i, j) - mu);
    const double sigma2 = squares / static_cast<double>(emb_dim);
    const double inv_std = 1.0 / std::sqrt(sigma2 + static_cast<double>(eps));
    mean(i) = static_cast<float>(mu);
    var(i) = static_cast<float>(sigma2);
    for (std::size_t j = 0; j < emb_dim; ++j) {
      norm_x(i, j) = static_cast<float>((x(i, j) - mu) * inv_std);
      out(i, j) = weights.scale(j) * norm_x(i, j) + weights.shift(j);
    }
  }
  trace.add("mean", mean);
  trace.add("var", var);
  trace.add("norm_x", norm_x);
  return out;
}

std::uint64_t layer_norm_parameter_count(std::uint64_t emb_dim) { return 2 * emb_dim; }

}  // namespace attn
