#pragma once
/// \file attention.hpp
/// The attention mechanisms of the course, in teaching order: simplified self-attention,
/// self-attention with trainable weights, causal attention with dropout, the two forms of
/// multi-head attention, and the additive (Bahdanau) attention that came before them.
/// T is the number of tokens, d_in the embedding size, d_out the projection size.

#include <cstdint>
#include <optional>
#include <vector>

#include "attn/tensor.hpp"
#include "attn/trace.hpp"

namespace attn {

/// The trainable projections of one attention head, in the math orientation (Q = X·W_query).
struct QkvWeights {
  Matrix W_query;                 ///< (d_in, d_out)
  Matrix W_key;                   ///< (d_in, d_out)
  Matrix W_value;                 ///< (d_in, d_out)
  std::optional<Vector> b_query;  ///< (d_out), with qkv_bias
  std::optional<Vector> b_key;    ///< (d_out)
  std::optional<Vector> b_value;  ///< (d_out)
};

/// The single-matrix multi-head module: one QKV projection split into heads, then W_out.
struct MultiHeadWeights {
  QkvWeights qkv;  ///< (d_in, d_out) each; head h owns columns [h·head_dim, (h+1)·head_dim)
  Matrix W_out;    ///< (d_out, d_out)
  Vector b_out;    ///< (d_out)
};

/// Dropout on the attention weights (training mode). Rate 0 means off.
struct Dropout {
  float p = 0.0f;                     ///< in [0, 1)
  std::optional<Tensor3> keep_mask;   ///< (heads, T, T), 1 = kept; drawn from `seed` when absent
  std::uint64_t seed = 123;           ///< for the drawn mask
};

/// What every mechanism returns. Single-head mechanisms have heads = 1.
struct AttentionResult {
  Matrix context_vecs;                         ///< (T, d_out)
  Tensor3 attn_weights;                        ///< (heads, T, T) before dropout
  std::optional<Tensor3> dropout_mask;         ///< (heads, T, T) when dropout acted
  std::optional<Tensor3> attn_weights_dropped; ///< (heads, T, T) when dropout acted
};

/// Lower-triangular mask: 1 where token i may attend to token j (j ≤ i), else 0. (T, T)
Matrix causal_mask(std::size_t T);

/// Simplified self-attention, no trainable weights: ω = X·Xᵀ, α = softmax(ω), Z = α·X.
AttentionResult simplified_attention(const Matrix& inputs, Trace& trace);

/// Self-attention with trainable weights (scaled dot-product): Q, K, V = X·W (+ b),
/// α = softmax(Q·Kᵀ / √d_k), Z = α·V. `scale` = false skips the division (to show why it exists).
AttentionResult self_attention(const Matrix& inputs, const QkvWeights& weights, bool scale, Trace& trace);

/// Causal self-attention: token i attends only to tokens j ≤ i. Computes both routes of the notes
/// ((a) softmax, zero the future, renormalise; (b) −∞ before softmax), returns route (b), then
/// applies dropout. `routes_max_abs_diff`, if given, receives the largest difference of the routes.
AttentionResult causal_attention(const Matrix& inputs, const QkvWeights& weights, bool scale,
                                 const Dropout& dropout, Trace& trace, float* routes_max_abs_diff = nullptr);

/// Multi-head wrapper: num_heads independent heads (causal or not), contexts concatenated.
/// Context (T, num_heads·d_out); weights (num_heads, T, T).
AttentionResult multihead_wrapper(const Matrix& inputs, const std::vector<QkvWeights>& heads, bool causal,
                                  const Dropout& dropout, Trace& trace);

/// Multi-head attention with one projection split into num_heads heads of head_dim = d_out / num_heads,
/// each scaled by 1/√head_dim, concatenated and projected by W_out, b_out. Context (T, d_out).
AttentionResult multihead_attention(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads,
                                    bool causal, const Dropout& dropout, Trace& trace);

/// The wrapper's heads that reproduce `multihead_attention`'s heads: head h takes columns
/// [h·head_dim, (h+1)·head_dim) of W_query, W_key, W_value (and the biases).
std::vector<QkvWeights> slice_heads(const QkvWeights& weights, std::size_t num_heads);

/// Trainable parameters of the single-matrix module: 3·d_in·d_out (+3·d_out biases) + d_out·d_out + d_out.
std::uint64_t multihead_parameter_count(std::uint64_t d_in, std::uint64_t d_out, bool qkv_bias);

/// Trainable parameters of the wrapper of num_heads heads of d_out each: num_heads·3·d_in·d_out (+ biases).
std::uint64_t wrapper_parameter_count(std::uint64_t d_in, std::uint64_t d_out, std::uint64_t num_heads, bool qkv_bias);

/// Additive (Bahdanau) attention's weights.
struct AdditiveWeights {
  Matrix W_decoder;  ///< (d_dec, d_attn)
  Matrix W_encoder;  ///< (d_enc, d_attn)
  Vector b_attn;     ///< (d_attn)
  Vector v;          ///< (d_attn)
};

/// Additive attention: score_sj = v·tanh(s_s·W_decoder + h_j·W_encoder + b_attn), α = softmax over j,
/// context_s = Σ_j α_sj·h_j. Encoder states (T, d_enc), decoder states (S, d_dec) → context (S, d_enc),
/// weights (1, S, T).
AttentionResult additive_attention(const Matrix& encoder_states, const Matrix& decoder_states,
                                   const AdditiveWeights& weights, Trace& trace);

}  // namespace attn
