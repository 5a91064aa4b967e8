#include "attn/random.hpp"

#include <cmath>

namespace attn {

Rng::Rng(std::uint64_t seed, Stream stream)
    : state_(seed ^ (static_cast<std::uint64_t>(stream) * 0xD1B54A32D192ED03ull)) {}

std::uint64_t Rng::next_u64() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  // Box–Muller with u1 in (0, 1], so that log(u1) is finite
  const float u1 = 1.0f - uniform();
  const float u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
}

std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

Matrix uniform_matrix(Rng& rng, std::size_t rows, std::size_t cols, float lo, float hi) {
  Matrix m = xt::zeros<float>({rows, cols});
  for (auto& x : m) x = rng.uniform(lo, hi);
  return m;
}

Vector uniform_vector(Rng& rng, std::size_t n, float lo, float hi) {
  Vector v = xt::zeros<float>({n});
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

float linear_bound(std::size_t fan_in) { return 1.0f / std::sqrt(static_cast<float>(fan_in)); }

}  // namespace attn
