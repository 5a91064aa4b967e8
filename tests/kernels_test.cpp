// The core's private float32 kernels (core/src/kernels.hpp): 2ˣ of the fused path's softmax, and
// the Strassen step of its large projections.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "kernels.hpp"

using attn::detail::exp2_4;
using attn::detail::gemm;
using attn::detail::gemm_strassen;
using attn::detail::gemm_strassen_scaled;
using attn::detail::pack_matrix;
using attn::detail::pack_strassen;
using attn::detail::StrassenWork;
using attn::detail::load4;
using attn::detail::splat4;
using attn::detail::store4;

namespace {

/// out = exp2_4(x), lane by lane.
void exp2_lanes(const float x[4], float out[4]) { store4(out, exp2_4(load4(x))); }

/// n numbers in [−1, 1), from a fixed linear congruential sequence.
std::vector<float> uniform(std::size_t n, std::uint32_t seed) {
  std::vector<float> out(n);
  for (float& x : out) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed >> 8) / 8388608.0f - 1.0f;
  }
  return out;
}

/// The largest error of `result` against the exact c + A·B (c empty: 0), each entry's relative to
/// |c| + Σ|a||b|, the scale of float rounding. A NaN sticks.
double largest_relative_error(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c,
                              const std::vector<float>& result, std::size_t n, std::size_t k, std::size_t m) {
  double worst = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      double exact = c.empty() ? 0.0 : c[i * m + j], scale = std::abs(exact);
      for (std::size_t p = 0; p < k; ++p) {
        exact += static_cast<double>(a[i * k + p]) * b[p * m + j];
        scale += std::abs(static_cast<double>(a[i * k + p]) * b[p * m + j]);
      }
      const double error = std::abs(result[i * m + j] - exact) / scale;
      if (!(error <= worst)) worst = error;
    }
  return worst;
}

}  // namespace

TEST_CASE("exp2_4 is 2^x within 2e-7 relative for x in [-126, 0]", "[kernels][fused]") {
  double worst = 0.0;
  for (int i = 0; i <= 126 * 4096; ++i) {
    const float x0 = -static_cast<float>(i) / 4096.0f;
    const float x[4] = {x0, x0 - 0.3e-3f, x0 - 0.6e-3f, x0 - 0.9e-3f};  // between the grid's points
    float got[4];
    exp2_lanes(x, got);
    for (int lane = 0; lane < 4; ++lane) {
      if (x[lane] < -126.0f) continue;
      const double expected = std::exp2(static_cast<double>(x[lane]));
      worst = std::max(worst, std::abs(got[lane] - expected) / expected);
    }
  }
  INFO("largest relative error " << worst);
  REQUIRE(worst < 2e-7);
}

TEST_CASE("exp2_4 is exactly 1 at 0, and 0 below -126 and at -infinity", "[kernels][fused]") {
  float got[4];
  store4(got, exp2_4(splat4(0.0f)));
  REQUIRE(got[0] == 1.0f);
  const float x[4] = {-126.5f, -200.0f, -1e30f, -std::numeric_limits<float>::infinity()};
  exp2_lanes(x, got);
  for (float value : got) REQUIRE(value == 0.0f);
}

TEST_CASE("Strassen's steps give the product A·B within float rounding", "[kernels][fused]") {
  // (n, k, m, steps), each divisible by 2^steps: the smallest, quarters narrower than a panel, not
  // multiples of 8, deeper and wider than a packed block, a projection's shape; C = A·B and C += A·B.
  const auto [n, k, m, steps] = GENERATE(table<std::size_t, std::size_t, std::size_t, std::size_t>(
      {{2, 2, 2, 1}, {4, 6, 10, 1}, {34, 18, 22, 1}, {130, 600, 100, 1}, {64, 512, 1100, 1},
       {4, 4, 4, 2}, {36, 20, 44, 2}, {132, 600, 100, 2}, {64, 512, 1100, 2}}));
  const bool accumulate = GENERATE(false, true);
  CAPTURE(n, k, m, steps, accumulate);
  const std::vector<float> a = uniform(n * k, 1), b = uniform(k * m, 2), c = uniform(n * m, 3);
  std::vector<float> blocked = c, strassen = c;
  StrassenWork work;
  gemm(a.data(), k, n, pack_matrix(b.data(), m, 1, k, m), blocked.data(), m, accumulate);
  gemm_strassen(a.data(), k, n, pack_strassen(b.data(), m, k, m, steps), strassen.data(), m, accumulate, work);
  const std::vector<float> c_start = accumulate ? c : std::vector<float>{};
  const double worst_blocked = largest_relative_error(a, b, c_start, blocked, n, k, m);
  const double worst_strassen = largest_relative_error(a, b, c_start, strassen, n, k, m);
  INFO("largest relative error: blocked " << worst_blocked << ", Strassen " << worst_strassen);
  REQUIRE(worst_blocked < 1e-6);
  REQUIRE(worst_strassen < 1e-5);  // each step rounds a few times worse than the plain sum
}

TEST_CASE("Strassen's steps on rows of very different sizes keep each row's rounding its own", "[kernels][fused]") {
  // rows scaled by 2^-40 … 2^40: unscaled, the small rows would carry the large rows' rounding
  constexpr std::size_t n = 64, k = 512, m = 512;
  std::vector<float> a = uniform(n * k, 4);
  const std::vector<float> b = uniform(k * m, 5);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t p = 0; p < k; ++p) a[i * k + p] = std::ldexp(a[i * k + p], static_cast<int>(i % 9) * 10 - 40);
  std::vector<float> c(n * m);
  StrassenWork work;
  REQUIRE(gemm_strassen_scaled(a.data(), k, n, pack_strassen(b.data(), m, k, m, 2), c.data(), m, work));
  const double worst = largest_relative_error(a, b, {}, c, n, k, m);
  INFO("largest relative error " << worst);
  REQUIRE(worst < 1e-5);
}

TEST_CASE("Strassen's steps refuse a NaN or an infinity, which they would spread to other rows", "[kernels][fused]") {
  constexpr std::size_t n = 8, k = 4, m = 4;
  const std::vector<float> b = uniform(k * m, 6);
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> a = uniform(n * k, 7), c(n * m, 42.0f);
    a[5 * k + 2] = bad;
    StrassenWork work;
    REQUIRE_FALSE(gemm_strassen_scaled(a.data(), k, n, pack_strassen(b.data(), m, k, m, 1), c.data(), m, work));
    for (float x : c) REQUIRE(x == 42.0f);  // nothing computed
  }
}
