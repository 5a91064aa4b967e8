#pragma once
/// \file feed_forward.hpp
/// The position-wise feed-forward network of a transformer block: act(x·W1 + b1)·W2 + b2, the same
/// two layers applied to every token on its own (tokens only meet in attention).

#include <cstdint>

#include "attn/random.hpp"
#include "attn/tensor.hpp"
#include "attn/trace.hpp"

namespace attn {

/// ReLU (the 2017 paper) or GELU in the tanh approximation (GPT-2 and the book).
enum class Activation { relu, gelu };

/// The two layers, in the math orientation (hidden = x·W1 + b1).
struct FeedForwardWeights {
  Matrix W1;  ///< (emb_dim, d_ff)
  Vector b1;  ///< (d_ff)
  Matrix W2;  ///< (d_ff, emb_dim)
  Vector b2;  ///< (emb_dim)
};

/// max(0, x), entry by entry.
Matrix relu(const Matrix& x);

/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), entry by entry: PyTorch's GELU(approximate="tanh").
Matrix gelu(const Matrix& x);

/// Steps: `hidden` (T, d_ff) = x·W1 + b1, `activated` (T, d_ff) = act(hidden). Returns (T, emb_dim).
Matrix feed_forward(const Matrix& x, const FeedForwardWeights& weights, Activation activation, Trace& trace);

/// W1 and b1 uniform in ±1/√emb_dim, then W2 and b2 in ±1/√d_ff (nn.Linear's range), in that order.
FeedForwardWeights draw_feed_forward(Rng& rng, std::size_t emb_dim, std::size_t d_ff);

/// Trainable parameters: emb_dim·d_ff + d_ff + d_ff·emb_dim + emb_dim.
std::uint64_t feed_forward_parameter_count(std::uint64_t emb_dim, std::uint64_t d_ff);

}  // namespace attn
