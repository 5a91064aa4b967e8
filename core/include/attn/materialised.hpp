#pragma once
/// \file materialised.hpp
/// Causal multi-head attention the way lessons 2 to 5 compute it, kept to measure what that costs
/// next to the fused path (fused.hpp). What differs from `multihead_attention`: forward only, no
/// dropout, no trace, and the buffers are kept between calls; what stays: every head's full (T, T)
/// score matrix is computed and stored, all heads at once, masked entries included.
/// Memory: num_heads·T² floats for the weights; work: the whole T×T square of every head.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "attn/attention.hpp"

namespace attn {

/// Causal multi-head attention, forward only, with the (num_heads, T, T) weights materialised.
/// Agrees with `multihead_attention(causal = true)` and with `FusedAttention`.
class MaterialisedAttention {
 public:
  /// Sizes: inputs (T, d_in), W_query, W_key, W_value (d_in, d_out), W_out (d_out, d_out).
  /// Throws std::invalid_argument unless num_heads ≥ 1 divides d_out and the sizes are ≥ 1.
  MaterialisedAttention(std::size_t d_in, std::size_t d_out, std::size_t num_heads);

  /// Sets the weights (shapes checked; std::invalid_argument if wrong).
  void set_weights(const MultiHeadWeights& weights);

  /// context_vecs (T, d_out) of inputs (T, d_in). Throws std::logic_error if no weights were set,
  /// std::bad_alloc if the (num_heads, T, T) weights do not fit in memory.
  Matrix forward(const Matrix& inputs);

  /// The weights of the last forward, every head: num_heads × (T, T), zero above the diagonal.
  const std::vector<Matrix>& attn_weights() const { return attn_weights_; }

  /// Bytes the (num_heads, T, T) weights take for T tokens: num_heads·T·T·sizeof(float)
  /// (64 bits: past 4 GiB, where a 32-bit size_t, as in wasm, would wrap).
  std::uint64_t score_bytes(std::uint64_t T) const;

  std::size_t d_in() const { return d_in_; }
  std::size_t d_out() const { return d_out_; }
  std::size_t num_heads() const { return num_heads_; }

 private:
  std::size_t d_in_, d_out_, num_heads_, head_dim_;
  bool has_weights_ = false;
  MultiHeadWeights weights_;
  // Kept between calls, as the fused path keeps its buffers, so both can be measured the same way.
  Matrix queries_, keys_, values_;    // (T, d_out) each
  std::vector<Matrix> attn_weights_;  // num_heads × (T, T): ω/√d_k, then α in place
  Matrix context_concat_;             // (T, d_out) heads side by side, before W_out
};

}  // namespace attn
