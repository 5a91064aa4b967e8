#pragma once
/// \file random.hpp
/// The portable generator behind every drawn weight, embedding and dropout mask: SplitMix64,
/// which gives the same sequence natively and in WebAssembly. docs/api.md documents it.

#include <cstdint>
#include <string>

#include "attn/tensor.hpp"

namespace attn {

/// The streams the core draws from: weights and dropout never share draws.
enum class Stream : std::uint64_t { weights = 0, dropout = 1, embeddings = 2, demo = 3 };

/// SplitMix64: state starts at seed XOR (stream × 0xD1B54A32D192ED03).
class Rng {
 public:
  explicit Rng(std::uint64_t seed, Stream stream = Stream::weights);
  std::uint64_t next_u64();
  float uniform();                    ///< [0, 1), 24 random bits
  float uniform(float lo, float hi);  ///< [lo, hi)
  float normal();                     ///< standard normal (Box–Muller)

 private:
  std::uint64_t state_;
};

/// A standard normal draw (Box–Muller, computed in double) from + − × ÷, √ and exact scalings
/// only, the logarithm and cosine as series: the same bits natively and in WebAssembly, where the
/// C libraries' log and cos (behind Rng::normal) may differ in the last place. Two uniforms a draw.
float portable_normal(Rng& rng);

/// FNV-1a 64-bit hash of the bytes of `text`: seeds a token's embedding.
std::uint64_t fnv1a64(const std::string& text);

/// A (rows, cols) matrix filled row by row with uniform draws in [lo, hi).
Matrix uniform_matrix(Rng& rng, std::size_t rows, std::size_t cols, float lo, float hi);

/// A (n) vector of uniform draws in [lo, hi).
Vector uniform_vector(Rng& rng, std::size_t n, float lo, float hi);

/// nn.Linear's range for a layer with `fan_in` inputs: [−1/√fan_in, 1/√fan_in).
float linear_bound(std::size_t fan_in);

}  // namespace attn
