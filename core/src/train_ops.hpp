#pragma once
// Private to the core: the operations of the trainable GPT (core/src/train_model.cpp), forward and
// backward, templated on the scalar: float is what trains (its products through the blocked
// kernels of kernels.hpp, its exponentials through exp2_4, so native and wasm round alike), double
// is the reference the gradient checks differentiate numerically (plain loops, std::exp).
//
// Layouts: a matrix is row-major unless a function takes strides; entry (i, p) of a strided
// operand is at a[i·row_stride + p·col_stride], so a transposed operand is the same buffer with
// its strides swapped. N = B·T tokens, C = emb_dim, F = 4·C, V = vocab_size.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels.hpp"

namespace attn::detail {

/// A matrix operand: entry (i, p) at data[i·row_stride + p·col_stride].
template <typename Scalar>
struct Operand {
  const Scalar* data;
  std::size_t row_stride, col_stride;
};

template <typename Scalar>
Operand<Scalar> rows_of(const Scalar* data, std::size_t stride) { return {data, stride, 1}; }
/// The transpose of a row-major matrix whose rows are `stride` apart.
template <typename Scalar>
Operand<Scalar> transposed(const Scalar* data, std::size_t stride) { return {data, 1, stride}; }

/// The products' packing buffers, sized once (reserve) so that a training step never allocates.
struct ProductWork {
  std::vector<float> panels;  ///< all of B, packed: depth block pc at pc·round_up(m, kPanel)
  std::vector<float> strip;   ///< kTileRows rows of A over one depth block

  /// Room for every product whose packed B takes at most `floats` (k · round_up(m, kPanel)).
  void reserve(std::size_t floats) {
    panels.assign(floats, 0.0f);
    strip.assign(kTileRows * kDepthBlock, 0.0f);
  }
};

/// Packs rows [i0, i0 + rows) and columns [p0, p0 + depth) of A into a strip for micro_kernel:
/// row-major A by pack_strip; a transposed A (rows next to each other) by copying runs of rows.
inline void pack_strip_any(Operand<float> a, std::size_t i0, std::size_t rows, std::size_t p0, std::size_t depth,
                           float* strip) {
  if (a.col_stride == 1) return pack_strip(a.data, a.row_stride, i0, rows, p0, depth, strip);
  for (std::size_t p = 0; p < depth; ++p) {
    const float* column = a.data + (p0 + p) * a.col_stride + i0 * a.row_stride;
    float* out = strip + p * kTileRows;
    if (a.row_stride == 1 && rows == kTileRows) {
      std::copy(column, column + kTileRows, out);
      continue;
    }
    for (std::size_t r = 0; r < kTileRows; ++r) out[r] = r < rows ? column[r * a.row_stride] : 0.0f;
  }
}

/// What causal attention lets a product skip (T = n): about half of its multiplications.
enum class Causal {
  none,
  output,  ///< only C[i, j ≤ i] is needed (scores: the future is masked after)
  a_lower  ///< A[i, p > i] = 0 (attention weights and their gradient): row i stops at p = i
};

/// C (n, m) (+)= A (n, k) · B (k, m), C's rows c_stride apart: B packed into panels once, then
/// every strip of kTileRows rows of A through the register-tiled micro-kernel; transposed
/// operands pack at the same speed (pack_panels and pack_strip_any read them by 4×4 blocks or runs).
/// With Causal::output, C's entries right of a strip's last diagonal entry are left unwritten.
inline void product(Operand<float> a, Operand<float> b, std::size_t n, std::size_t k, std::size_t m, float* c,
                    std::size_t c_stride, bool accumulate, ProductWork& work, Causal causal = Causal::none) {
  if (k == 0) {
    if (!accumulate)
      for (std::size_t i = 0; i < n; ++i) std::fill(c + i * c_stride, c + i * c_stride + m, 0.0f);
    return;
  }
  const std::size_t width = round_up(m, kPanel);
  assert(k * width <= work.panels.size() && "ProductWork::reserve did not count this product");
  float* panels = work.panels.data();
  for (std::size_t pc = 0; pc < k; pc += kDepthBlock)
    pack_panels(b.data, b.row_stride, b.col_stride, pc, std::min(kDepthBlock, k - pc), 0, m, panels + pc * width);
  for (std::size_t pc = 0; pc < k; pc += kDepthBlock) {
    const std::size_t depth = std::min(kDepthBlock, k - pc);
    const float* block = panels + pc * width;
    for (std::size_t i = 0; i < n; i += kTileRows) {
      const std::size_t rows = std::min(kTileRows, n - i);
      // the strip's last row is i + rows − 1: past it, Causal::output needs no column, and
      // Causal::a_lower's A is 0 from depth i + rows on (a whole block of zeros is still
      // multiplied if it is the first: it writes C)
      const std::size_t columns = causal == Causal::output ? std::min(m, i + rows) : m;
      const std::size_t used_depth =
          causal == Causal::a_lower ? std::max<std::size_t>(1, std::min(depth, i + rows > pc ? i + rows - pc : 0)) : depth;
      pack_strip_any(a, i, rows, pc, used_depth, work.strip.data());
      for (std::size_t q = 0; q * kPanel < columns; ++q)
        micro_kernel(work.strip.data(), block + q * depth * kPanel, used_depth, c + i * c_stride + q * kPanel, c_stride,
                     rows, std::min(kPanel, m - q * kPanel), accumulate || pc > 0);
    }
  }
}

/// The double reference: the same product, plain loops (p in order, as the kernel adds).
inline void product(Operand<double> a, Operand<double> b, std::size_t n, std::size_t k, std::size_t m, double* c,
                    std::size_t c_stride, bool accumulate, ProductWork&, Causal = Causal::none) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      double sum = accumulate ? c[i * c_stride + j] : 0.0;
      for (std::size_t p = 0; p < k; ++p)
        sum += a.data[i * a.row_stride + p * a.col_stride] * b.data[p * b.row_stride + j * b.col_stride];
      c[i * c_stride + j] = sum;
    }
}

/// x[i] = eˣ⁽ⁱ⁾ for n entries x ≤ 0 (−∞ gives 0): four at a time through exp2_4 (relative error
/// about 1e-7, identical natively and in wasm).
inline void exp_nonpositive(float* x, std::size_t n) {
  const f32x4 log2e = splat4(1.4426950408889634f);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) store4(x + i, exp2_4(mul4(load4(x + i), log2e)));
  if (i < n) {
    float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    std::copy(x + i, x + n, tail);
    store4(tail, exp2_4(mul4(load4(tail), log2e)));
    std::copy(tail, tail + (n - i), x + i);
  }
}
inline void exp_nonpositive(double* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

// ---------------------------------------------------------------------------------------------
// Layer norm, as chapter 4: scale · (x − mean) / √(var + eps) + shift, var biased, eps 1e-5.

constexpr double kNormEps = 1e-5;

/// out (N, C) = norm(x); mean and rstd = 1/√(var + eps) (N) kept for the backward.
template <typename Scalar>
void layer_norm_forward(const Scalar* x, std::size_t N, std::size_t C, const Scalar* scale, const Scalar* shift,
                        Scalar* out, Scalar* mean, Scalar* rstd) {
  for (std::size_t i = 0; i < N; ++i) {
    const Scalar* x_i = x + i * C;
    Scalar sum = 0;
    for (std::size_t c = 0; c < C; ++c) sum += x_i[c];
    const Scalar mu = sum / static_cast<Scalar>(C);
    Scalar squares = 0;
    for (std::size_t c = 0; c < C; ++c) squares += (x_i[c] - mu) * (x_i[c] - mu);
    const Scalar r = Scalar(1) / std::sqrt(squares / static_cast<Scalar>(C) + static_cast<Scalar>(kNormEps));
    for (std::size_t c = 0; c < C; ++c) out[i * C + c] = (x_i[c] - mu) * r * scale[c] + shift[c];
    mean[i] = mu;
    rstd[i] = r;
  }
}

/// dx (N, C) += ∂L/∂x given d_out = ∂L/∂out; d_scale, d_shift (C) +=. With x̂ = (x − mean)·rstd:
/// ∂L/∂x = rstd · (g − mean(g) − x̂ · mean(g·x̂)), g = d_out ⊙ scale.
template <typename Scalar>
void layer_norm_backward(const Scalar* d_out, const Scalar* x, const Scalar* mean, const Scalar* rstd,
                         const Scalar* scale, std::size_t N, std::size_t C, Scalar* dx, Scalar* d_scale,
                         Scalar* d_shift) {
  for (std::size_t i = 0; i < N; ++i) {
    const Scalar* x_i = x + i * C;
    const Scalar* d_i = d_out + i * C;
    Scalar g_sum = 0, g_xhat_sum = 0;
    for (std::size_t c = 0; c < C; ++c) {
      const Scalar xhat = (x_i[c] - mean[i]) * rstd[i];
      const Scalar g = d_i[c] * scale[c];
      g_sum += g;
      g_xhat_sum += g * xhat;
      d_scale[c] += d_i[c] * xhat;
      d_shift[c] += d_i[c];
    }
    const Scalar g_mean = g_sum / static_cast<Scalar>(C), g_xhat_mean = g_xhat_sum / static_cast<Scalar>(C);
    for (std::size_t c = 0; c < C; ++c) {
      const Scalar xhat = (x_i[c] - mean[i]) * rstd[i];
      dx[i * C + c] += rstd[i] * (d_i[c] * scale[c] - g_mean - xhat * g_xhat_mean);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Feed-forward activations. GPT-2's GELU, 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³),
// is computed as x·σ(2u) (the same function: ½(1 + tanh u) = σ(2u)), σ(2u) from e^(−2|u|) ≤ 1 so
// that neither tail loses digits; σ is kept for the backward.

constexpr double kGeluC = 0.7978845608028654;  // √(2/π)
constexpr double kGeluA = 0.044715;

/// act = GELU(pre), sig = σ(2u), n entries.
template <typename Scalar>
void gelu_forward(const Scalar* pre, std::size_t n, Scalar* act, Scalar* sig) {
  const Scalar c = static_cast<Scalar>(kGeluC), a = static_cast<Scalar>(kGeluA);
  for (std::size_t i = 0; i < n; ++i) {
    const Scalar x = pre[i], u = c * (x + a * x * x * x);
    sig[i] = -2 * std::abs(u);  // e^(−2|u|) next
  }
  exp_nonpositive(sig, n);
  for (std::size_t i = 0; i < n; ++i) {
    const Scalar x = pre[i], e = sig[i];
    const bool positive = c * (x + a * x * x * x) >= 0;
    sig[i] = (positive ? Scalar(1) : e) / (Scalar(1) + e);
    act[i] = x * sig[i];
  }
}

/// d_pre = d_act · GELU′(pre), GELU′ = σ + x·σ·(1 − σ)·2u′(x), u′ = √(2/π)(1 + 3·0.044715·x²).
template <typename Scalar>
void gelu_backward(const Scalar* d_act, const Scalar* pre, const Scalar* sig, std::size_t n, Scalar* d_pre) {
  const Scalar c = static_cast<Scalar>(kGeluC), a3 = static_cast<Scalar>(3 * kGeluA);
  for (std::size_t i = 0; i < n; ++i) {
    const Scalar x = pre[i], s = sig[i];
    d_pre[i] = d_act[i] * (s + x * s * (1 - s) * 2 * c * (1 + a3 * x * x));
  }
}

template <typename Scalar>
void relu_forward(const Scalar* pre, std::size_t n, Scalar* act) {
  for (std::size_t i = 0; i < n; ++i) act[i] = pre[i] > 0 ? pre[i] : Scalar(0);
}

template <typename Scalar>
void relu_backward(const Scalar* d_act, const Scalar* pre, std::size_t n, Scalar* d_pre) {
  for (std::size_t i = 0; i < n; ++i) d_pre[i] = pre[i] > 0 ? d_act[i] : Scalar(0);
}

// ---------------------------------------------------------------------------------------------
// Causal softmax of one head's scores (T, T), in place: row i over j ≤ i of scores·scale, the
// future set to 0 (what −∞ before the softmax gives).

template <typename Scalar>
void causal_softmax(Scalar* scores, std::size_t T, Scalar scale) {
  for (std::size_t i = 0; i < T; ++i) {
    Scalar* row = scores + i * T;
    Scalar largest = row[0] * scale;
    for (std::size_t j = 1; j <= i; ++j) largest = std::max(largest, row[j] * scale);
    for (std::size_t j = 0; j <= i; ++j) row[j] = row[j] * scale - largest;
    exp_nonpositive(row, i + 1);
    Scalar sum = 0;
    for (std::size_t j = 0; j <= i; ++j) sum += row[j];
    const Scalar inv = Scalar(1) / sum;
    for (std::size_t j = 0; j <= i; ++j) row[j] *= inv;
    std::fill(row + i + 1, row + T, Scalar(0));
  }
}

/// d_scores (T, T), in place over d_weights: ∂L/∂ω = scale · α ⊙ (∂L/∂α − rowsum(∂L/∂α ⊙ α)),
/// zero in the future (α = 0 there).
template <typename Scalar>
void causal_softmax_backward(const Scalar* weights, Scalar* d, std::size_t T, Scalar scale) {
  for (std::size_t i = 0; i < T; ++i) {
    const Scalar* a = weights + i * T;
    Scalar* row = d + i * T;
    Scalar dot = 0;
    for (std::size_t j = 0; j <= i; ++j) dot += row[j] * a[j];
    for (std::size_t j = 0; j <= i; ++j) row[j] = scale * a[j] * (row[j] - dot);
    std::fill(row + i + 1, row + T, Scalar(0));
  }
}

// ---------------------------------------------------------------------------------------------
// Mean cross-entropy over the positions whose target is not −1 (PyTorch's ignore_index = −1).

/// probs (N, V) = softmax(logits); returns Σ −log p(target) (double) and counts the scored rows.
template <typename Scalar>
double cross_entropy_forward(const Scalar* logits, const int* targets, std::size_t N, std::size_t V, Scalar* probs,
                             std::size_t& scored) {
  double total = 0;
  scored = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const Scalar* z = logits + i * V;
    Scalar* p = probs + i * V;
    const Scalar largest = *std::max_element(z, z + V);
    for (std::size_t v = 0; v < V; ++v) p[v] = z[v] - largest;
    exp_nonpositive(p, V);
    Scalar sum = 0;
    for (std::size_t v = 0; v < V; ++v) sum += p[v];
    const Scalar inv = Scalar(1) / sum;
    for (std::size_t v = 0; v < V; ++v) p[v] *= inv;
    if (targets[i] < 0) continue;
    // −log softmax(z)[t] = log Σ e^(z − max) − (z_t − max)
    total += std::log(static_cast<double>(sum)) - static_cast<double>(z[targets[i]] - largest);
    ++scored;
  }
  return total;
}

/// d_logits (N, V) = (probs − onehot(target)) / scored on scored rows, 0 on the others; in place.
template <typename Scalar>
void cross_entropy_backward(Scalar* probs, const int* targets, std::size_t N, std::size_t V, std::size_t scored) {
  const Scalar inv = scored > 0 ? Scalar(1) / static_cast<Scalar>(scored) : Scalar(0);
  for (std::size_t i = 0; i < N; ++i) {
    Scalar* p = probs + i * V;
    if (targets[i] < 0) {
      std::fill(p, p + V, Scalar(0));
      continue;
    }
    p[targets[i]] -= 1;
    for (std::size_t v = 0; v < V; ++v) p[v] *= inv;
  }
}

/// out[j] += Σ_i d[i·m + j], i < n: a bias's gradient.
template <typename Scalar>
void add_column_sums(const Scalar* d, std::size_t n, std::size_t m, Scalar* out) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) out[j] += d[i * m + j];
}

/// y[i·m + j] = bias[j] (or 0 without a bias), n rows: the start of y = bias + x·Wᵀ.
template <typename Scalar>
void fill_rows(Scalar* y, std::size_t n, std::size_t m, const Scalar* bias) {
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) y[i * m + j] = bias ? bias[j] : Scalar(0);
}

}  // namespace attn::detail
