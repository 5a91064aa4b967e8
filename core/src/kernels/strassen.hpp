#pragma once
// Private to the core: the fused path's large projections (a few times gemm's rounding, the same
// on native and wasm).
//
// Strassen's product in Winograd's form: C = A·B from 7 products of quarters instead of 8, for
// 7/8 of the multiplications, plus 15 additions of quarters. With B the fixed weights, its 4
// additions are made once, when packing; A's 4 and C's are made on every product. Steps nest:
// each of the 7 products can take a step of its own.
//   S1 = A21 + A22   S2 = S1 − A11   S3 = A11 − A21   S4 = A12 − S2
//   T1 = B12 − B11   T2 = B22 − T1   T3 = B22 − B12   T4 = T2 − B21
//   C11 = A11·B11 + A12·B21                  U2 = A11·B11 + S2·T2
//   C12 = U2 + S1·T1 + S4·B22                 C21 = U2 + S3·T3 − A22·T4
//   C22 = U2 + S3·T3 + S1·T1

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <vector>

#include "gemm.hpp"

namespace attn::detail {

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
