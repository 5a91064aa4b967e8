#pragma once
/// \file softmax.hpp
/// Row-wise normalisations of attention scores: the stable softmax the core uses and the two
/// naive ones the first lesson contrasts it with.

#include "attn/tensor.hpp"

namespace attn {

/// Numerically stable softmax of every row: exp(x − max) / Σ exp(x − max).
/// Entries of −∞ get weight 0; a row that is all −∞ gets all zeros.
Matrix softmax_rows(const Matrix& scores);

/// Softmax without subtracting the row maximum: exp(x) / Σ exp(x). Overflows for scores near 89.
Matrix softmax_naive_rows(const Matrix& scores);

/// Divides every row by its sum: x / Σ x. Not a distribution when scores can be negative.
Matrix sum_normalize_rows(const Matrix& scores);

}  // namespace attn
