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

namespace {

/// ln x for x > 0: x = m·2^e with m in [√½, √2) (frexp is exact), ln m = 2·atanh(s) with
/// s = (m − 1)/(m + 1), |s| < 0.172, whose series to s²³ is within 1e-17.
double series_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // [1/2, 1)
  if (m < 0.70710678118654752) {
    m *= 2;
    --e;
  }
  const double s = (m - 1) / (m + 1), s2 = s * s;
  double sum = 0;  // 1 + s²/3 + s⁴/5 + … + s²²/23, by Horner
  for (int k = 23; k >= 1; k -= 2) sum = sum * s2 + 1.0 / k;
  return 2 * s * sum + e * 0.69314718055994530942;
}

/// cos x for x in [−π, π]: 1 − x²/(1·2)·(1 − x²/(3·4)·(1 − …)), 17 terms (the last below 1e-21).
double series_cos(double x) {
  const double x2 = x * x;
  double t = 1;
  for (int j = 17; j >= 1; --j) t = 1 - x2 * t / ((2.0 * j - 1) * (2.0 * j));
  return t;
}

}  // namespace

float portable_normal(Rng& rng) {
  const double u1 = 1.0 - static_cast<double>(rng.uniform());  // (0, 1]: a finite logarithm
  const double u2 = rng.uniform();
  const double pi = 3.14159265358979323846;
  // cos(2π·u2) = −cos(2π·u2 − π), the argument brought into [−π, π)
  return static_cast<float>(std::sqrt(-2.0 * series_log(u1)) * -series_cos(2 * pi * u2 - pi));
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
