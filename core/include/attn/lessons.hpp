#pragma once
/// \file lessons.hpp
/// The other numbers the lessons show: embeddings for a typed sentence, the RNN encoder whose final
/// state is the bottleneck, and the experiment that shows why scores are scaled by 1/√d_k.

#include <cstdint>
#include <string>
#include <vector>

#include "attn/random.hpp"
#include "attn/tensor.hpp"

namespace attn {

/// Splits text into tokens: runs of letters, digits and non-ASCII characters; every other visible
/// ASCII character is a token of its own; whitespace separates.
std::vector<std::string> tokenize(const std::string& text);

/// One embedding row per token, uniform in [0, 1), drawn from seed XOR FNV-1a-64(token). (T, d_in)
Matrix embed_tokens(const std::vector<std::string>& tokens, std::size_t d_in, std::uint64_t seed);

/// An Elman RNN's weights.
struct RnnWeights {
  Matrix W_xh;  ///< (d_in, d_hidden)
  Matrix W_hh;  ///< (d_hidden, d_hidden)
  Vector b_h;   ///< (d_hidden)
};

/// W_xh, W_hh, b_h uniform in ±1/√d_hidden (PyTorch's nn.RNN range).
RnnWeights draw_rnn(Rng& rng, std::size_t d_in, std::size_t d_hidden);

/// h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h), h_0 = 0. Returns every hidden state (T, d_hidden);
/// the last row is all that a decoder without attention gets to see.
Matrix rnn_encoder(const Matrix& inputs, const RnnWeights& weights);

/// How far apart two runs' hidden states are at each step: ‖a_t − b_t‖ (Euclidean), (T).
/// Run the encoder on a sentence and on the same sentence with one word changed: the distance at
/// the changed word is large and, in a contracting RNN, fades by the last state (the bottleneck).
Vector state_distance(const Matrix& a, const Matrix& b);

/// One point of the scaling experiment, averaged over trials.
struct ScalingPoint {
  std::size_t d_k;
  float score_std;          ///< standard deviation of q·k
  float score_std_scaled;   ///< of q·k / √d_k
  float max_weight;         ///< mean largest softmax weight, unscaled
  float max_weight_scaled;  ///< mean largest softmax weight, scaled
};

/// For each d_k: `trials` queries against T keys, entries standard normal.
std::vector<ScalingPoint> scaling_curve(const std::vector<std::size_t>& d_k_values, std::size_t T,
                                        std::size_t trials, std::uint64_t seed);

/// One query against T keys of size d_k (standard normal): its scores (1, T).
Matrix scaling_example_scores(std::size_t d_k, std::size_t T, std::uint64_t seed);

/// The scaling lesson's example: scaling_example_scores and their softmax, unscaled and scaled.
struct ScalingExample {
  Vector attn_scores;            ///< (T)  q·k
  Vector attn_weights_unscaled;  ///< (T)  softmax(q·k)
  Vector attn_weights_scaled;    ///< (T)  softmax(q·k / √d_k)
};

ScalingExample scaling_example(std::size_t d_k, std::size_t T, std::uint64_t seed);

}  // namespace attn
