#pragma once
// The matrix product C = A·B, GotoBLAS style: B is packed into panels of kPanel columns, a strip
// of kTileRows rows of A is packed with its rows interleaved, and a micro-kernel keeps a
// (kTileRows × kPanel) tile of C in registers while it walks down both: every load is then a
// fixed offset from two pointers that advance together.
//
// Every kernel adds its products in the order p = 0, 1, …, k−1 into one accumulator per output
// entry, with no fused multiply-add, so native and wasm round identically, and gemm identically
// to the simple i-p-j loop the core started with.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "simd.hpp"

namespace attn::detail {

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

}  // namespace attn::detail
