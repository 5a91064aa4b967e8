#pragma once
// Private to the core: the float32 kernels under matmul, matmul_transposed and the fused attention.
//
// One 4-lane vector type with a handful of operations, in three spellings: WebAssembly SIMD128
// intrinsics (em++ -msimd128), GNU vector extensions (g++ and clang natively), and plain loops.
// Every kernel adds its products in the order p = 0, 1, …, k−1 into one accumulator per output
// entry, with no fused multiply-add, so native and wasm round identically, and gemm identically
// to the simple i-p-j loop the core started with. gemm_strassen (the fused path's large
// projections only) adds in another order: the same on both, a few times gemm's rounding.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// The matrix product C = A·B, GotoBLAS style: B is packed into panels of kPanel columns, a strip
// of kTileRows rows of A is packed with its rows interleaved, and a micro-kernel keeps a
// (kTileRows × kPanel) tile of C in registers while it walks down both: every load is then a
// fixed offset from two pointers that advance together.

#ifndef ATTN_TILE_ROWS
#define ATTN_TILE_ROWS 4
#endif
constexpr std::size_t kPanel = 8;                  ///< columns of B per panel: two vectors
constexpr std::size_t kTileRows = ATTN_TILE_ROWS;  ///< rows of C per micro-kernel: kTileRows × 2 accumulators
constexpr std::size_t kDepthBlock = 256;           ///< rows of B per packed block (k): panels stay in L1
constexpr std::size_t kWidthBlock = 512;           ///< columns of B per packed block: a block stays in L2

inline std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

/// C[0:R, 0:kPanel] (+)= strip · panel over depth k. The strip holds A[r, p] at strip[p·strip_step + r]
/// (strip_step is R when packed by pack_strip), the panel B[p, j] at panel[p·kPanel + j]; C's rows
/// are c_stride apart. R·2 accumulators: V8 spills past about 10.
template <std::size_t R>
inline void micro_kernel_full(const float* strip, const float* panel, std::size_t k, float* c, std::size_t c_stride,
                              bool accumulate, std::size_t strip_step) {
  f32x4 acc[R][2];
  for (std::size_t r = 0; r < R; ++r) {
    acc[r][0] = accumulate ? load4(c + r * c_stride) : splat4(0.0f);
    acc[r][1] = accumulate ? load4(c + r * c_stride + 4) : splat4(0.0f);
  }
  for (std::size_t p = 0; p < k; ++p, strip += strip_step, panel += kPanel) {
    const f32x4 b0 = load4(panel);
    const f32x4 b1 = load4(panel + 4);
    for (std::size_t r = 0; r < R; ++r) {
      const f32x4 a_rp = splat4(strip[r]);
      acc[r][0] = add4(acc[r][0], mul4(a_rp, b0));
      acc[r][1] = add4(acc[r][1], mul4(a_rp, b1));
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    store4(c + r * c_stride, acc[r][0]);
    store4(c + r * c_stride + 4, acc[r][1]);
  }
}

/// C[0:rows, 0:cols] (+)= strip · panel, as micro_kernel_full for any rows ≤ R and cols ≤ kPanel
/// (strip rows past `rows` and panel columns past `cols` are zero): a partial tile goes through a
/// full one on the stack, so the common, full case pays nothing for the edges.
template <std::size_t R = kTileRows>
inline void micro_kernel(const float* strip, const float* panel, std::size_t k, float* c, std::size_t c_stride,
                         std::size_t rows, std::size_t cols, bool accumulate, std::size_t strip_step = R) {
  if (rows == R && cols == kPanel) {
    micro_kernel_full<R>(strip, panel, k, c, c_stride, accumulate, strip_step);
    return;
  }
  float edge[R][kPanel] = {};
  if (accumulate)
    for (std::size_t r = 0; r < rows; ++r) std::copy(c + r * c_stride, c + r * c_stride + cols, edge[r]);
  micro_kernel_full<R>(strip, panel, k, edge[0], kPanel, accumulate, strip_step);
  for (std::size_t r = 0; r < rows; ++r) std::copy(edge[r], edge[r] + cols, c + r * c_stride);
}

/// dst[c·dst_stride + r] = src[r·src_stride + c] for r, c < 4: a 4×4 block transposed.
inline void transpose4x4(const float* src, std::size_t src_stride, float* dst, std::size_t dst_stride) {
#if defined(__wasm_simd128__)
  const v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + src_stride);
  const v128_t r2 = wasm_v128_load(src + 2 * src_stride), r3 = wasm_v128_load(src + 3 * src_stride);
  const v128_t r01_lo = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), r01_hi = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  const v128_t r23_lo = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), r23_hi = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i32x4_shuffle(r01_lo, r23_lo, 0, 1, 4, 5));
  wasm_v128_store(dst + dst_stride, wasm_i32x4_shuffle(r01_lo, r23_lo, 2, 3, 6, 7));
  wasm_v128_store(dst + 2 * dst_stride, wasm_i32x4_shuffle(r01_hi, r23_hi, 0, 1, 4, 5));
  wasm_v128_store(dst + 3 * dst_stride, wasm_i32x4_shuffle(r01_hi, r23_hi, 2, 3, 6, 7));
#else
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 4; ++c) dst[c * dst_stride + r] = src[r * src_stride + c];
#endif
}

/// Packs rows [i0, i0+rows) and columns [p0, p0+depth) of A (rows a_stride apart) into a strip
/// for micro_kernel<R>; rows past `rows` are zero.
template <std::size_t R = kTileRows>
inline void pack_strip(const float* a, std::size_t a_stride, std::size_t i0, std::size_t rows, std::size_t p0,
                       std::size_t depth, float* strip) {
  std::size_t p = 0;
  if (R == 4 && rows == 4)  // whole 4×4 blocks by transposing
    for (; p + 4 <= depth; p += 4) transpose4x4(a + i0 * a_stride + p0 + p, a_stride, strip + p * 4, 4);
  for (; p < depth; ++p)
    for (std::size_t r = 0; r < R; ++r)
      strip[p * R + r] = r < rows ? a[(i0 + r) * a_stride + p0 + p] : 0.0f;
}

/// Packs B[p0:p0+depth, j0:j0+width] into panels of kPanel columns (zero-padded), panel q at
/// out + q·depth·kPanel. B's entry (p, j) is at b[p·row_stride + j·col_stride], so a transposed
/// matrix packs by swapping the strides.
inline void pack_panels(const float* b, std::size_t row_stride, std::size_t col_stride, std::size_t p0,
                        std::size_t depth, std::size_t j0, std::size_t width, float* out) {
  for (std::size_t q = 0; q * kPanel < width; ++q) {
    float* panel = out + q * depth * kPanel;
    const std::size_t cols = std::min(kPanel, width - q * kPanel);
    std::size_t p = 0;
    const float* b_q = b + p0 * row_stride + (j0 + q * kPanel) * col_stride;
    if (cols == kPanel && col_stride == 1)  // rows of 8 side by side: copied as vectors
      for (; p < depth; ++p) {
        store4(panel + p * kPanel, load4(b_q + p * row_stride));
        store4(panel + p * kPanel + 4, load4(b_q + p * row_stride + 4));
      }
    if (cols == kPanel && row_stride == 1)  // a transposed matrix: 4×4 blocks transposed
      for (; p + 4 <= depth; p += 4) {
        transpose4x4(b_q + p, col_stride, panel + p * kPanel, kPanel);
        transpose4x4(b_q + 4 * col_stride + p, col_stride, panel + p * kPanel + 4, kPanel);
      }
    for (; p < depth; ++p) {
      const float* b_p = b + (p0 + p) * row_stride + (j0 + q * kPanel) * col_stride;
      std::size_t j = 0;
      for (; j < cols; ++j) panel[p * kPanel + j] = b_p[j * col_stride];
      for (; j < kPanel; ++j) panel[p * kPanel + j] = 0.0f;
    }
  }
}

/// B (k, m) packed once into blocks of (kDepthBlock × kWidthBlock), ready to multiply many times.
struct PackedMatrix {
  std::size_t k = 0, m = 0;
  std::vector<float> data;  // block (jc, pc) at block_offset(jc, pc); panels inside, as pack_panels

  std::size_t block_offset(std::size_t jc, std::size_t pc) const {
    // the full-width column strips left of jc, then the blocks of this strip above row pc
    return jc * k + pc * round_up(std::min(kWidthBlock, m - jc), kPanel);
  }
};

/// Packs b, whose entry (p, j) for p < k, j < m is at b[p·row_stride + j·col_stride].
inline PackedMatrix pack_matrix(const float* b, std::size_t row_stride, std::size_t col_stride, std::size_t k,
                                std::size_t m) {
  PackedMatrix packed;
  packed.k = k;
  packed.m = m;
  packed.data.assign(k * round_up(m, kPanel), 0.0f);
  for (std::size_t jc = 0; jc < m; jc += kWidthBlock)
    for (std::size_t pc = 0; pc < k; pc += kDepthBlock)
      pack_panels(b, row_stride, col_stride, pc, std::min(kDepthBlock, k - pc), jc, std::min(kWidthBlock, m - jc),
                  packed.data.data() + packed.block_offset(jc, pc));
  return packed;
}

/// C = A·B for A (n, k) with rows a_stride apart and C (n, m) with rows c_stride apart.
inline void gemm(const float* a, std::size_t a_stride, std::size_t n, const PackedMatrix& b, float* c,
                 std::size_t c_stride, bool accumulate = false) {
  const std::size_t k = b.k, m = b.m;
  if (k == 0) {
    if (accumulate) return;
    for (std::size_t i = 0; i < n; ++i) std::fill(c + i * c_stride, c + i * c_stride + m, 0.0f);
    return;
  }
  std::vector<float> strip(kTileRows * std::min(kDepthBlock, k));
  for (std::size_t jc = 0; jc < m; jc += kWidthBlock) {
    const std::size_t width = std::min(kWidthBlock, m - jc);
    for (std::size_t pc = 0; pc < k; pc += kDepthBlock) {
      const std::size_t depth = std::min(kDepthBlock, k - pc);
      const float* block = b.data.data() + b.block_offset(jc, pc);
      for (std::size_t i = 0; i < n; i += kTileRows) {
        const std::size_t rows = std::min(kTileRows, n - i);
        pack_strip(a, a_stride, i, rows, pc, depth, strip.data());
        for (std::size_t q = 0; q * kPanel < width; ++q)
          micro_kernel(strip.data(), block + q * depth * kPanel, depth, c + i * c_stride + jc + q * kPanel, c_stride,
                       rows, std::min(kPanel, width - q * kPanel), accumulate || pc > 0);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strassen's product in Winograd's form: C = A·B from 7 products of quarters instead of 8, for
// 7/8 of the multiplications, plus 15 additions of quarters. With B the fixed weights, its 4
// additions are made once, when packing; A's 4 and C's are made on every product. Steps nest:
// each of the 7 products can take a step of its own.
//   S1 = A21 + A22   S2 = S1 − A11   S3 = A11 − A21   S4 = A12 − S2
//   T1 = B12 − B11   T2 = B22 − T1   T3 = B22 − B12   T4 = T2 − B21
//   C11 = A11·B11 + A12·B21                  U2 = A11·B11 + S2·T2
//   C12 = U2 + S1·T1 + S4·B22                 C21 = U2 + S3·T3 − A22·T4
//   C22 = U2 + S3·T3 + S1·T1

/// B (k, m) packed for `steps` nested Strassen steps (k and m divisible by 2^steps): with none, B
/// packed for gemm; with a step, the quarters its 7 products take, each packed for one step less.
struct StrassenPacked {
  std::size_t k = 0, m = 0, steps = 0;
  PackedMatrix whole;                    // steps = 0
  std::vector<StrassenPacked> quarters;  // steps > 0: B11, B21, B22, T1, T2, T3, −T4, each (k/2, m/2)
};

/// Packs b (k, m), rows b_stride apart, for `steps` Strassen steps.
inline StrassenPacked pack_strassen(const float* b, std::size_t b_stride, std::size_t k, std::size_t m,
                                    std::size_t steps) {
  StrassenPacked packed{k, m, steps, {}, {}};
  if (steps == 0) {
    packed.whole = pack_matrix(b, b_stride, 1, k, m);
    return packed;
  }
  const std::size_t hk = k / 2, hm = m / 2;
  const float *b11 = b, *b12 = b + hm, *b21 = b + hk * b_stride, *b22 = b21 + hm;
  std::vector<float> t1(hk * hm), t2(hk * hm), t3(hk * hm), t4_neg(hk * hm);  // rows hm apart
  for (std::size_t p = 0; p < hk; ++p)
    for (std::size_t j = 0; j < hm; ++j) {
      const std::size_t at = p * b_stride + j, to = p * hm + j;
      t1[to] = b12[at] - b11[at];
      t2[to] = b22[at] - t1[to];
      t3[to] = b22[at] - b12[at];
      t4_neg[to] = b21[at] - t2[to];
    }
  for (const float* quarter : {b11, b21, b22}) packed.quarters.push_back(pack_strassen(quarter, b_stride, hk, hm, steps - 1));
  for (const float* sum : {t1.data(), t2.data(), t3.data(), t4_neg.data()})
    packed.quarters.push_back(pack_strassen(sum, hm, hk, hm, steps - 1));
  return packed;
}

/// gemm_strassen's buffers, one of each per depth of nesting: A's sums, and a product to add; and
/// gemm_strassen_scaled's copy of A with its rows scaled.
struct StrassenWork {
  std::vector<std::vector<float>> sums, products;
  std::vector<float> scaled;
  std::vector<int> exponents;
};

/// C (+)= A·B for A (n, k), n divisible by 2^b.steps, rows a_stride apart, and C (n, m), rows
/// c_stride apart; adds to C when `accumulate`.
inline void gemm_strassen(const float* a, std::size_t a_stride, std::size_t n, const StrassenPacked& b, float* c,
                          std::size_t c_stride, bool accumulate, StrassenWork& work, std::size_t depth = 0) {
  if (b.steps == 0) return gemm(a, a_stride, n, b.whole, c, c_stride, accumulate);
  const std::size_t k = b.k, m = b.m, hn = n / 2, hk = k / 2, hm = m / 2;
  if (work.sums.size() < depth + b.steps) {  // all depths at once: the references below stay valid
    work.sums.resize(depth + b.steps);
    work.products.resize(depth + b.steps);
  }
  if (accumulate) {  // the steps below write C's quarters in turn: C += A·B needs the product apart
    std::vector<float>& product = work.products[depth];
    product.resize(n * m);
    gemm_strassen(a, a_stride, n, b, product.data(), m, false, work, depth);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < m; ++j) c[i * c_stride + j] += product[i * m + j];
    return;
  }
  const float *a11 = a, *a12 = a + hk, *a21 = a + hn * a_stride, *a22 = a21 + hk;
  std::vector<float>& sums = work.sums[depth];
  sums.resize(4 * hn * hk);
  float *s1 = sums.data(), *s2 = s1 + hn * hk, *s3 = s2 + hn * hk, *s4 = s3 + hn * hk;  // (n/2, k/2), rows hk apart
  for (std::size_t i = 0; i < hn; ++i)
    for (std::size_t p = 0; p < hk; ++p) {
      const std::size_t at = i * a_stride + p, to = i * hk + p;
      s1[to] = a21[at] + a22[at];
      s2[to] = s1[to] - a11[at];
      s3[to] = a11[at] - a21[at];
      s4[to] = a12[at] - s2[to];
    }
  const std::vector<StrassenPacked>& B = b.quarters;  // B11, B21, B22, T1, T2, T3, −T4
  auto multiply = [&](const float* x, std::size_t x_stride, std::size_t which, float* y, bool add) {
    gemm_strassen(x, x_stride, hn, B[which], y, c_stride, add, work, depth + 1);
  };
  float *c11 = c, *c12 = c + hm, *c21 = c + hn * c_stride, *c22 = c21 + hm;
  multiply(a11, a_stride, 0, c11, false);  // C11 = A11·B11
  multiply(s2, hk, 4, c12, false);         // C12 = S2·T2
  for (std::size_t i = 0; i < hn; ++i)     // C12 = C21 = U2
    for (std::size_t j = 0; j < hm; ++j) c21[i * c_stride + j] = c12[i * c_stride + j] += c11[i * c_stride + j];
  multiply(a12, a_stride, 1, c11, true);   // C11 = A11·B11 + A12·B21: done
  multiply(s3, hk, 5, c21, true);          // C21 = U2 + S3·T3 = U3
  multiply(s1, hk, 3, c22, false);         // C22 = S1·T1
  for (std::size_t i = 0; i < hn; ++i)     // C12 = U2 + S1·T1;  C22 = U3 + S1·T1: done
    for (std::size_t j = 0; j < hm; ++j) {
      const float s1_t1 = c22[i * c_stride + j];
      c12[i * c_stride + j] += s1_t1;
      c22[i * c_stride + j] = c21[i * c_stride + j] + s1_t1;
    }
  multiply(s4, hk, 2, c12, true);          // C12 += S4·B22: done
  multiply(a22, a_stride, 6, c21, true);   // C21 = U3 − A22·T4: done
}

/// C = A·B as gemm_strassen, each row of A first scaled by a power of two (exact) to a largest
/// entry in [1/2, 1), and C's row scaled back. Strassen's sums mix row i of A with the rows n/2
/// apart (n/4 apart a step down, …), so row i of C carries some of their rounding: a row 1000
/// times larger than the others (one token's huge activations) would spoil the small rows, earlier
/// tokens included. Scaled, every row's rounding stays relative to its own size. Rows all within
/// a factor of 4 of each other (the usual case) are left as they are: that costs them at most 4
/// times their own rounding. Returns false, computing nothing, if A holds a NaN or an infinity,
/// which the sums would spread to other rows.
inline bool gemm_strassen_scaled(const float* a, std::size_t a_stride, std::size_t n, const StrassenPacked& b,
                                 float* c, std::size_t c_stride, StrassenWork& work) {
  const std::size_t k = b.k, m = b.m;
  std::vector<int>& exponents = work.exponents;  // largest entry of row i = f·2^exponents[i], f in [1/2, 1)
  exponents.resize(n);
  int lowest = 1000, highest = -1000;
  for (std::size_t i = 0; i < n; ++i) {
    float largest = 0.0f;
    bool finite = true;
    for (std::size_t p = 0; p < k; ++p) {
      const float size = std::abs(a[i * a_stride + p]);
      finite &= size <= std::numeric_limits<float>::max();  // false for NaN and infinity
      largest = std::max(largest, size);
    }
    if (!finite) return false;
    std::frexp(largest, &exponents[i]);
    exponents[i] = std::clamp(exponents[i], -120, 120);  // 0 for a row of zeros
    lowest = std::min(lowest, exponents[i]);
    highest = std::max(highest, exponents[i]);
  }
  if (highest - lowest <= 2) {
    gemm_strassen(a, a_stride, n, b, c, c_stride, false, work);
    return true;
  }
  work.scaled.resize(n * k);
  for (std::size_t i = 0; i < n; ++i) {
    const float down = std::ldexp(1.0f, -exponents[i]);
    for (std::size_t p = 0; p < k; ++p) work.scaled[i * k + p] = a[i * a_stride + p] * down;
  }
  gemm_strassen(work.scaled.data(), k, n, b, c, c_stride, false, work);
  for (std::size_t i = 0; i < n; ++i) {
    const float up = std::ldexp(1.0f, exponents[i]);
    for (std::size_t j = 0; j < m; ++j) c[i * c_stride + j] *= up;
  }
  return true;
}

}  // namespace attn::detail
