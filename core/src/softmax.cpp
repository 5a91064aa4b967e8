#include "attn/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attn {

void softmax_row(float* row, std::size_t n, float shift) {
  float sum = 0.0f;
  for (std::size_t j = 0; j < n; ++j) sum += row[j] = std::exp(row[j] - shift);  // exp(x − shift) and its sum
  for (std::size_t j = 0; j < n; ++j) row[j] /= sum;                              // normalise
}

void softmax_row_stable(float* row, std::size_t n) {
  // the row maximum, so that exp never sees a positive argument and cannot overflow
  float row_max = -std::numeric_limits<float>::infinity();
  for (std::size_t j = 0; j < n; ++j) row_max = std::max(row_max, row[j]);
  if (row_max == -std::numeric_limits<float>::infinity()) {  // nothing to attend to
    std::fill(row, row + n, 0.0f);
    return;
  }
  softmax_row(row, n, row_max);
}

Matrix softmax_rows(const Matrix& scores) {
  Matrix weights = scores;
  for (std::size_t i = 0; i < weights.shape(0); ++i)
    softmax_row_stable(&weights(i, 0), weights.shape(1));  // row i: exp(x − max) / Σ exp(x − max)
  return weights;
}

Matrix softmax_naive_rows(const Matrix& scores) {
  Matrix weights = scores;
  for (std::size_t i = 0; i < weights.shape(0); ++i)
    softmax_row(&weights(i, 0), weights.shape(1), 0.0f);  // row i: exp(x) / Σ exp(x), no shift
  return weights;
}

Matrix sum_normalize_rows(const Matrix& scores) {
  Matrix weights = xt::zeros<float>(scores.shape());
  for (std::size_t i = 0; i < scores.shape(0); ++i) {
    float sum = 0.0f;
    for (std::size_t j = 0; j < scores.shape(1); ++j) sum += scores(i, j);
    for (std::size_t j = 0; j < scores.shape(1); ++j) weights(i, j) = scores(i, j) / sum;
  }
  return weights;
}

}  // namespace attn
