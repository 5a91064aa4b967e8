#include "attn/positional.hpp"

#include <cmath>
#include <stdexcept>

namespace attn {

namespace {

/// ω_i = 10000^(−2i/emb_dim), the angular frequency of column pair i, in double.
double frequency(std::size_t pair, std::size_t emb_dim) {
  return std::pow(10000.0, -2.0 * static_cast<double>(pair) / static_cast<double>(emb_dim));
}

}  // namespace

Matrix sinusoidal_encoding(std::size_t T, std::size_t emb_dim) {
  Matrix pe = xt::zeros<float>({T, emb_dim});  // (T, emb_dim)
  for (std::size_t pos = 0; pos < T; ++pos)
    for (std::size_t j = 0; j < emb_dim; ++j) {
      const double angle = static_cast<double>(pos) * frequency(j / 2, emb_dim);  // pos · ω_i, i = ⌊j/2⌋
      pe(pos, j) = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return pe;
}

Matrix sinusoidal_offset_map(std::size_t offset, std::size_t emb_dim) {
  // sin((p+k)ω) = sin(pω)·cos(kω) + cos(pω)·sin(kω);  cos((p+k)ω) = cos(pω)·cos(kω) − sin(pω)·sin(kω)
  Matrix map = xt::zeros<float>({emb_dim, emb_dim});  // (emb_dim, emb_dim), row vectors times M
  for (std::size_t j = 0; j + 1 < emb_dim; j += 2) {
    const double angle = static_cast<double>(offset) * frequency(j / 2, emb_dim);
    const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
    map(j, j) = c;       // sin ← sin·cos(kω)
    map(j + 1, j) = s;   //     + cos·sin(kω)
    map(j, j + 1) = -s;  // cos ← −sin·sin(kω)
    map(j + 1, j + 1) = c;  //  + cos·cos(kω)
  }
  if (emb_dim % 2 == 1) map(emb_dim - 1, emb_dim - 1) = 1.0f;
  return map;
}

Matrix draw_embedding_table(Rng& rng, std::size_t rows, std::size_t emb_dim) {
  Matrix table = xt::zeros<float>({rows, emb_dim});
  for (auto& x : table) x = rng.normal();
  return table;
}

}  // namespace attn
