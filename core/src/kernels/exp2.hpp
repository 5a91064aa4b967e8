#pragma once
// Private to the core: 2ˣ on four lanes, for the fused path's online softmax.

#include "simd.hpp"

namespace attn::detail {

/// 2ˣ for four x ≤ 0 (−∞ included), relative error about 1e-7: 2ˣ = 2ⁿ·2ʳ with n = round(x) and
/// r = x − n in [−½, ½] (exact), 2ʳ = 1 + r·q(r) with q the degree-5 minimax fit of (2ʳ − 1)/r on
/// [−½, ½] (relative error 2.6e-9 before float rounding). Below −126 (2ⁿ subnormal) it returns 0.
inline f32x4 exp2_4(f32x4 x) {
  const f32x4 floor = splat4(-126.0f);
  const f32x4 round_magic = splat4(12582912.0f);  // 1.5·2²³: adding it rounds to an integer
  const f32x4 x_kept = max4(x, floor);
  const f32x4 shifted = add4(x_kept, round_magic);             // n + 1.5·2²³
  const f32x4 r = sub4(x_kept, sub4(shifted, round_magic));    // x − n
  f32x4 q = splat4(1.559467755e-4f);
  q = add4(mul4(q, r), splat4(1.340664391e-3f));
  q = add4(mul4(q, r), splat4(9.617692975e-3f));
  q = add4(mul4(q, r), splat4(5.550310551e-2f));
  q = add4(mul4(q, r), splat4(2.402265278e-1f));
  q = add4(mul4(q, r), splat4(6.931472150e-1f));
  const f32x4 two_to_r = add4(mul4(q, r), splat4(1.0f));
  return zero_below4(mul4(two_to_r, pow2_shifted4(shifted)), x, floor);
}

}  // namespace attn::detail
