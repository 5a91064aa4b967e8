// The core's private float32 kernels (core/src/kernels.hpp): 2ˣ of the fused path's softmax.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "kernels.hpp"

using attn::detail::exp2_4;
using attn::detail::load4;
using attn::detail::splat4;
using attn::detail::store4;

namespace {

/// out = exp2_4(x), lane by lane.
void exp2_lanes(const float x[4], float out[4]) { store4(out, exp2_4(load4(x))); }

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
