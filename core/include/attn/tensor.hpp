#pragma once
/// \file tensor.hpp
/// The float32 containers of the core and the few linear-algebra steps attention needs.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>
#include <xtensor/xtensor.hpp>

namespace attn {

using Vector = xt::xtensor<float, 1>;   ///< (n)
using Matrix = xt::xtensor<float, 2>;   ///< (rows, cols)
using Tensor3 = xt::xtensor<float, 3>;  ///< (heads, rows, cols)

/// Matrix product a·b: (n, k)·(k, m) → (n, m).
Matrix matmul(const Matrix& a, const Matrix& b);

/// Product with the second factor transposed, a·bᵀ: (n, k)·(m, k)ᵀ → (n, m).
Matrix matmul_transposed(const Matrix& a, const Matrix& b);

/// Adds the vector `bias` to every row of `m`: (n, k) + (k) → (n, k).
Matrix add_row_vector(const Matrix& m, const Vector& bias);

/// Columns [first, first + count) of `m`: (n, k) → (n, count).
Matrix columns(const Matrix& m, std::size_t first, std::size_t count);

/// Puts the matrices side by side: h × (n, k) → (n, h·k).
Matrix concat_columns(const std::vector<Matrix>& parts);

/// Stacks equal-shaped matrices into a tensor: h × (n, m) → (h, n, m).
Tensor3 stack(const std::vector<Matrix>& parts);

/// Slice h of a stack: (h, n, m) → (n, m).
Matrix slice(const Tensor3& t, std::size_t h);

/// Row i of `m`: (n, k) → (k).
Vector row(const Matrix& m, std::size_t i);

/// The product of `sizes` (the entries of a buffer), computed in 64 bits. Throws std::length_error naming
/// `what` when it does not fit in std::size_t: in wasm that has 32 bits, and the plain product would wrap
/// to a small size, so a buffer would be allocated too small and written past its end.
std::size_t size_product(std::initializer_list<std::uint64_t> sizes, const char* what);

/// Largest |a − b| over all entries of two equal-shaped matrices.
float max_abs_diff(const Matrix& a, const Matrix& b);

}  // namespace attn
