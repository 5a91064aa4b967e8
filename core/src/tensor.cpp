#include "attn/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels.hpp"

namespace attn {

std::size_t size_product(std::initializer_list<std::uint64_t> sizes, const char* what) {
  std::uint64_t product = 1;
  bool overflow = false;
  for (std::uint64_t size : sizes) overflow |= __builtin_mul_overflow(product, size, &product);
  if (overflow || product > std::numeric_limits<std::size_t>::max())
    throw std::length_error(std::string(what) + " would have more entries than this machine can address (" +
                            (overflow ? std::string("over 2^64") : std::to_string(product)) + ")");
  return static_cast<std::size_t>(product);
}

Matrix matmul(const Matrix& a, const Matrix& b) {
  const std::size_t n = a.shape(0), k = a.shape(1), m = b.shape(1);
  if (b.shape(0) != k) throw std::invalid_argument("matmul: inner sizes differ");
  Matrix out = xt::zeros<float>({n, m});
  if (n == 0 || m == 0) return out;
  // B in panels of 8 columns, then a register-tiled micro-kernel per (4 × 8) tile of the output
  // (detail/kernels.hpp); each entry still sums its k products in order, as the i-p-j loop did.
  const detail::PackedMatrix b_packed = detail::pack_matrix(b.data(), m, 1, k, m);  // (k, m)
  detail::gemm(a.data(), k, n, b_packed, out.data(), m);                              // (n, m)
  return out;
}

Matrix matmul_transposed(const Matrix& a, const Matrix& b) {
  const std::size_t n = a.shape(0), k = a.shape(1), m = b.shape(0);
  if (b.shape(1) != k) throw std::invalid_argument("matmul_transposed: inner sizes differ");
  Matrix out = xt::zeros<float>({n, m});
  if (n == 0 || m == 0) return out;
  // bᵀ packed straight from b's rows: entry (p, j) of bᵀ is b[j·k + p].
  const detail::PackedMatrix b_t_packed = detail::pack_matrix(b.data(), 1, k, k, m);  // (k, m)
  detail::gemm(a.data(), k, n, b_t_packed, out.data(), m);                             // (n, m)
  return out;
}

Matrix add_row_vector(const Matrix& m, const Vector& bias) {
  if (bias.size() != m.shape(1)) throw std::invalid_argument("add_row_vector: sizes differ");
  Matrix out = m;
  for (std::size_t i = 0; i < out.shape(0); ++i)
    for (std::size_t j = 0; j < out.shape(1); ++j) out(i, j) += bias(j);
  return out;
}

Matrix columns(const Matrix& m, std::size_t first, std::size_t count) {
  Matrix out = xt::zeros<float>({m.shape(0), count});
  for (std::size_t i = 0; i < m.shape(0); ++i)
    for (std::size_t j = 0; j < count; ++j) out(i, j) = m(i, first + j);
  return out;
}

Matrix concat_columns(const std::vector<Matrix>& parts) {
  if (parts.empty()) return Matrix();
  const std::size_t n = parts.front().shape(0);
  std::size_t total = 0;
  for (const auto& part : parts) total += part.shape(1);
  Matrix out = xt::zeros<float>({n, total});
  std::size_t offset = 0;
  for (const auto& part : parts) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < part.shape(1); ++j) out(i, offset + j) = part(i, j);
    offset += part.shape(1);
  }
  return out;
}

Tensor3 stack(const std::vector<Matrix>& parts) {
  if (parts.empty()) return Tensor3();
  const std::size_t n = parts.front().shape(0), m = parts.front().shape(1);
  Tensor3 out = xt::zeros<float>({parts.size(), n, m});
  for (std::size_t h = 0; h < parts.size(); ++h)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < m; ++j) out(h, i, j) = parts[h](i, j);
  return out;
}

Matrix slice(const Tensor3& t, std::size_t h) {
  Matrix out = xt::zeros<float>({t.shape(1), t.shape(2)});
  for (std::size_t i = 0; i < t.shape(1); ++i)
    for (std::size_t j = 0; j < t.shape(2); ++j) out(i, j) = t(h, i, j);
  return out;
}

Vector row(const Matrix& m, std::size_t i) {
  Vector out = xt::zeros<float>({m.shape(1)});
  for (std::size_t j = 0; j < m.shape(1); ++j) out(j) = m(i, j);
  return out;
}

float max_abs_diff(const Matrix& a, const Matrix& b) {
  if (a.shape() != b.shape()) throw std::invalid_argument("max_abs_diff: shapes differ");
  float worst = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a.data()[i] - b.data()[i]));
  return worst;
}

}  // namespace attn
