#include "attn/dropout.hpp"

#include "attn/random.hpp"

namespace attn {

Tensor3 draw_keep_mask(std::size_t heads, std::size_t T, float p, std::uint64_t seed) {
  Rng rng(seed, Stream::dropout);
  Tensor3 keep_mask = xt::zeros<float>({heads, T, T});
  for (auto& keep : keep_mask) keep = rng.uniform() >= p ? 1.0f : 0.0f;
  return keep_mask;
}

Matrix apply_dropout(const Matrix& attn_weights, const Matrix& keep_mask, float p) {
  const float keep_scale = 1.0f / (1.0f - p);
  Matrix dropped = xt::zeros<float>(attn_weights.shape());
  for (std::size_t i = 0; i < dropped.size(); ++i)
    dropped.data()[i] = attn_weights.data()[i] * keep_mask.data()[i] * keep_scale;
  return dropped;
}

}  // namespace attn
