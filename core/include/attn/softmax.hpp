#pragma once
/// \file softmax.hpp
/// Row-wise normalisations of attention scores: the stable softmax the core uses and the two
/// naive ones the first lesson contrasts it with.

#include "attn/tensor.hpp"

namespace attn {

/// One row of n scores to weights, in place: exp(x − shift) / Σ exp(x − shift). The stable softmax
/// shifts by the row maximum (so no exp overflows); the naive one by 0.
void softmax_row(float* row, std::size_t n, float shift);

/// softmax_row shifted by the row maximum; a row that is all −∞ (nothing to attend to) becomes zeros.
void softmax_row_stable(float* row, std::size_t n);

/// Numerically stable softmax of every row: exp(x − max) / Σ exp(x − max).
/// Entries of −∞ get weight 0; a row that is all −∞ gets all zeros.
Matrix softmax_rows(const Matrix& scores);

/// Softmax without subtracting the row maximum: exp(x) / Σ exp(x). Overflows for scores near 89.
Matrix softmax_naive_rows(const Matrix& scores);

/// Divides every row by its sum: x / Σ x. Not a distribution when scores can be negative.
Matrix sum_normalize_rows(const Matrix& scores);

}  // namespace attn
