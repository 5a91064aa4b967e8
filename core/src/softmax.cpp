#include "attn/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attn {

Matrix softmax_rows(const Matrix& scores) {
  Matrix weights = xt::zeros<float>(scores.shape());
  for (std::size_t i = 0; i < scores.shape(0); ++i) {
    // pass 1: the row maximum, so that exp never sees a positive argument and cannot overflow
    float row_max = -std::numeric_limits<float>::infinity();
    for (std::size_t j = 0; j < scores.shape(1); ++j) row_max = std::max(row_max, scores(i, j));
    if (row_max == -std::numeric_limits<float>::infinity()) continue;  // nothing to attend to
    // pass 2: exp(x − max) and its sum; pass 3: normalise
    float sum = 0.0f;
    for (std::size_t j = 0; j < scores.shape(1); ++j) sum += weights(i, j) = std::exp(scores(i, j) - row_max);
    for (std::size_t j = 0; j < scores.shape(1); ++j) weights(i, j) /= sum;
  }
  return weights;
}

Matrix softmax_naive_rows(const Matrix& scores) {
  Matrix weights = xt::zeros<float>(scores.shape());
  for (std::size_t i = 0; i < scores.shape(0); ++i) {
    float sum = 0.0f;
    for (std::size_t j = 0; j < scores.shape(1); ++j) sum += weights(i, j) = std::exp(scores(i, j));
    for (std::size_t j = 0; j < scores.shape(1); ++j) weights(i, j) /= sum;
  }
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
