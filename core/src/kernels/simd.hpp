#pragma once
// Private to the core: one 4-lane float vector type with a handful of operations, in three spellings:
// WebAssembly SIMD128 intrinsics (em++ -msimd128), GNU vector extensions (g++ and clang natively),
// and plain loops. The kernels (gemm.hpp, strassen.hpp, exp2.hpp) are written on it.

#include <algorithm>
#include <cstdint>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace attn::detail {

constexpr std::int32_t kShiftedZero = 0x4B400000;  ///< the bits of 1.5·2²³ as a float

#if defined(__wasm_simd128__)
using f32x4 = v128_t;
inline f32x4 load4(const float* p) { return wasm_v128_load(p); }
inline void store4(float* p, f32x4 v) { wasm_v128_store(p, v); }
inline f32x4 splat4(float x) { return wasm_f32x4_splat(x); }
inline f32x4 add4(f32x4 a, f32x4 b) { return wasm_f32x4_add(a, b); }
inline f32x4 sub4(f32x4 a, f32x4 b) { return wasm_f32x4_sub(a, b); }
inline f32x4 mul4(f32x4 a, f32x4 b) { return wasm_f32x4_mul(a, b); }
inline f32x4 max4(f32x4 a, f32x4 b) { return wasm_f32x4_pmax(a, b); }
/// 2^n, given shifted = n + 1.5·2²³ for an integer n in [−126, 127]: such a float holds n in the low
/// bits of its mantissa (its bits are kShiftedZero + n), so n + 127 is one integer add away and goes
/// into the exponent field. (No float-to-int conversion: V8 turns that into eight instructions.)
inline f32x4 pow2_shifted4(f32x4 shifted) {
  return wasm_i32x4_shl(wasm_i32x4_add(shifted, wasm_i32x4_splat(127 - kShiftedZero)), 23);
}
/// a where keep ≥ floor, else 0.
inline f32x4 zero_below4(f32x4 a, f32x4 keep, f32x4 floor) { return wasm_v128_and(a, wasm_f32x4_ge(keep, floor)); }
inline float sum4(f32x4 v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}
inline float max_lanes4(f32x4 v) {
  return std::max(std::max(wasm_f32x4_extract_lane(v, 0), wasm_f32x4_extract_lane(v, 1)),
                  std::max(wasm_f32x4_extract_lane(v, 2), wasm_f32x4_extract_lane(v, 3)));
}
#elif defined(__GNUC__)
typedef float f32x4 __attribute__((vector_size(16)));
typedef std::int32_t i32x4 __attribute__((vector_size(16)));
inline f32x4 load4(const float* p) { f32x4 v; std::memcpy(&v, p, sizeof v); return v; }
inline void store4(float* p, f32x4 v) { std::memcpy(p, &v, sizeof v); }
inline f32x4 splat4(float x) { return f32x4{x, x, x, x}; }
inline f32x4 add4(f32x4 a, f32x4 b) { return a + b; }
inline f32x4 sub4(f32x4 a, f32x4 b) { return a - b; }
inline f32x4 mul4(f32x4 a, f32x4 b) { return a * b; }
inline f32x4 max4(f32x4 a, f32x4 b) { return a < b ? b : a; }
inline f32x4 pow2_shifted4(f32x4 shifted) { return (f32x4)(((i32x4)shifted + (127 - kShiftedZero)) << 23); }
inline f32x4 zero_below4(f32x4 a, f32x4 keep, f32x4 floor) { return (f32x4)((i32x4)a & (keep >= floor)); }
inline float sum4(f32x4 v) { return v[0] + v[1] + v[2] + v[3]; }
inline float max_lanes4(f32x4 v) { return std::max(std::max(v[0], v[1]), std::max(v[2], v[3])); }
#else
struct f32x4 { float lane[4]; };
inline f32x4 load4(const float* p) { f32x4 v; std::memcpy(v.lane, p, sizeof v.lane); return v; }
inline void store4(float* p, f32x4 v) { std::memcpy(p, v.lane, sizeof v.lane); }
inline f32x4 splat4(float x) { return {{x, x, x, x}}; }
#define ATTN_LANEWISE(name, expr) \
  inline f32x4 name(f32x4 a, f32x4 b) { f32x4 r; for (int i = 0; i < 4; ++i) r.lane[i] = (expr); return r; }
ATTN_LANEWISE(add4, a.lane[i] + b.lane[i])
ATTN_LANEWISE(sub4, a.lane[i] - b.lane[i])
ATTN_LANEWISE(mul4, a.lane[i] * b.lane[i])
ATTN_LANEWISE(max4, a.lane[i] < b.lane[i] ? b.lane[i] : a.lane[i])
#undef ATTN_LANEWISE
inline f32x4 pow2_shifted4(f32x4 shifted) {
  f32x4 r;
  for (int i = 0; i < 4; ++i) {
    std::int32_t bits;
    std::memcpy(&bits, &shifted.lane[i], sizeof bits);
    bits = (bits + (127 - kShiftedZero)) * (1 << 23);
    std::memcpy(&r.lane[i], &bits, sizeof bits);
  }
  return r;
}
inline f32x4 zero_below4(f32x4 a, f32x4 keep, f32x4 floor) {
  for (int i = 0; i < 4; ++i) if (!(keep.lane[i] >= floor.lane[i])) a.lane[i] = 0.0f;
  return a;
}
inline float sum4(f32x4 v) { return v.lane[0] + v.lane[1] + v.lane[2] + v.lane[3]; }
inline float max_lanes4(f32x4 v) { return std::max(std::max(v.lane[0], v.lane[1]), std::max(v.lane[2], v.lane[3])); }
#endif

}  // namespace attn::detail
