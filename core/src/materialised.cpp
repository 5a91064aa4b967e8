#include "attn/materialised.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <xtensor/xview.hpp>

#include "attn/softmax.hpp"

namespace attn {

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("materialised attention: " + message);
}

/// Row i of a head's scaled scores becomes its causal weights, in place: the softmax over the
/// keys j ≤ i, and 0 for the keys after i (what −∞ would give, without writing it first).
void causal_softmax_row(float* row, std::size_t i, std::size_t T) {
  softmax_row_stable(row, i + 1);         // the keys j ≤ i
  std::fill(row + i + 1, row + T, 0.0f);  // the future
}

}  // namespace

MaterialisedAttention::MaterialisedAttention(std::size_t d_in, std::size_t d_out, std::size_t num_heads)
    : d_in_(d_in), d_out_(d_out), num_heads_(num_heads), head_dim_(0) {
  require(d_in >= 1 && d_out >= 1, "d_in and d_out must be at least 1");
  require(num_heads >= 1 && d_out % num_heads == 0,
          "num_heads (" + std::to_string(num_heads) + ") must divide d_out (" + std::to_string(d_out) + ")");
  head_dim_ = d_out / num_heads;
}

void MaterialisedAttention::set_weights(const MultiHeadWeights& weights) {
  auto check = [](const Matrix& W, std::size_t rows, std::size_t cols, const char* name) {
    require(W.shape(0) == rows && W.shape(1) == cols,
            std::string(name) + " must be (" + std::to_string(rows) + ", " + std::to_string(cols) + ")");
  };
  check(weights.qkv.W_query, d_in_, d_out_, "W_query");
  check(weights.qkv.W_key, d_in_, d_out_, "W_key");
  check(weights.qkv.W_value, d_in_, d_out_, "W_value");
  check(weights.W_out, d_out_, d_out_, "W_out");
  require(weights.b_out.size() == d_out_, "b_out must have d_out entries");
  for (const auto* b : {&weights.qkv.b_query, &weights.qkv.b_key, &weights.qkv.b_value})
    require(!*b || (*b)->size() == d_out_, "the qkv biases must have d_out entries");
  weights_ = weights;
  has_weights_ = true;
}

std::uint64_t MaterialisedAttention::score_bytes(std::uint64_t T) const { return num_heads_ * T * T * sizeof(float); }

Matrix MaterialisedAttention::forward(const Matrix& inputs) {
  if (!has_weights_) throw std::logic_error("materialised attention: set_weights before forward");
  require(inputs.shape(1) == d_in_, "inputs must have d_in (" + std::to_string(d_in_) + ") columns");
  const std::size_t T = inputs.shape(0), head_dim = head_dim_;
  size_product({T, T}, ("a head's (T, T) weights for T = " + std::to_string(T)).c_str());  // before any T×T allocation
  size_product({T, d_out_}, "the (T, d_out) projections");
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const QkvWeights& qkv = weights_.qkv;
  queries_ = qkv.b_query ? add_row_vector(matmul(inputs, qkv.W_query), *qkv.b_query) : matmul(inputs, qkv.W_query);  // (T, d_out) Q = X·W_q
  keys_ = qkv.b_key ? add_row_vector(matmul(inputs, qkv.W_key), *qkv.b_key) : matmul(inputs, qkv.W_key);              // (T, d_out) K = X·W_k
  values_ = qkv.b_value ? add_row_vector(matmul(inputs, qkv.W_value), *qkv.b_value) : matmul(inputs, qkv.W_value);    // (T, d_out) V = X·W_v

  // pass 1: every head's full square of scores, all heads held at once: num_heads × (T, T)
  attn_weights_.resize(num_heads_);
  for (std::size_t h = 0; h < num_heads_; ++h) {
    const Matrix queries_h = columns(queries_, h * head_dim, head_dim);  // (T, head_dim)
    const Matrix keys_h = columns(keys_, h * head_dim, head_dim);        // (T, head_dim)
    attn_weights_[h] = matmul_transposed(queries_h, keys_h);              // (T, T)  ω = Q_h·K_hᵀ, masked half too
    attn_weights_[h] *= scale;                                            // (T, T)  ω / √d_k
  }
  // pass 2: the causal softmax of every row, in place
  for (std::size_t h = 0; h < num_heads_; ++h)
    for (std::size_t i = 0; i < T; ++i) causal_softmax_row(&attn_weights_[h](i, 0), i, T);  // (T, T)  α = softmax(ω/√d_k + M)
  // pass 3: each head's context, side by side
  context_concat_ = xt::zeros<float>({T, d_out_});
  for (std::size_t h = 0; h < num_heads_; ++h) {
    const Matrix values_h = columns(values_, h * head_dim, head_dim);  // (T, head_dim)
    const Matrix context_h = matmul(attn_weights_[h], values_h);        // (T, head_dim)  Z_h = α_h·V_h
    xt::view(context_concat_, xt::all(), xt::range(h * head_dim, (h + 1) * head_dim)) = context_h;
  }
  return add_row_vector(matmul(context_concat_, weights_.W_out), weights_.b_out);  // (T, d_out)  Z·W_out + b_out
}

}  // namespace attn
