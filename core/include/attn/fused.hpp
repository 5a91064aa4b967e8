#pragma once
/// \file fused.hpp
/// Causal multi-head attention for long sequences, fused. What changed since
/// `multihead_attention`: the same numbers (within float rounding), but the (T, T) score and
/// weight matrices are never stored. Tiles of queries meet tiles of keys, the softmax is
/// computed online (FlashAttention: a running maximum and sum per query, earlier partial sums
/// rescaled when the maximum grows), and tiles above the diagonal, all masked, are skipped.
/// Memory is O(T·d_out) instead of O(num_heads·T²); work is about half. Large projections
/// take nested steps of Strassen's product, each 7/8 of the multiplications (strassen_steps).

#include <cstddef>
#include <memory>
#include <vector>

#include "attn/attention.hpp"

namespace attn {

namespace detail {
struct PackedMatrix;
struct StrassenPacked;
struct StrassenWork;
}

/// Causal multi-head attention, forward only, no dropout: the weights packed once, then
/// `forward` as many times as needed. Agrees with `multihead_attention(causal = true)`.
class FusedAttention {
 public:
  /// Sizes: inputs (T, d_in), W_query, W_key, W_value (d_in, d_out), W_out (d_out, d_out).
  /// Throws std::invalid_argument unless num_heads ≥ 1 divides d_out and the sizes are ≥ 1.
  /// With strassen = false the projections are plain blocked products at every size: rounding as
  /// the materialised path's, about 10% slower at d_out 768 (see strassen_steps).
  FusedAttention(std::size_t d_in, std::size_t d_out, std::size_t num_heads, bool strassen = true);
  ~FusedAttention();
  FusedAttention(FusedAttention&&) noexcept;
  FusedAttention& operator=(FusedAttention&&) noexcept;

  /// Sets the weights from row-major float arrays: W_query, W_key, W_value (d_in·d_out each),
  /// W_out (d_out·d_out), b_out (d_out); b_qkv, if not null, is b_query | b_key | b_value (3·d_out).
  void set_weights(const float* W_query, const float* W_key, const float* W_value, const float* W_out,
                   const float* b_out, const float* b_qkv = nullptr);

  /// Sets the weights from the core's struct (shapes checked; std::invalid_argument if wrong).
  void set_weights(const MultiHeadWeights& weights);

  /// context_vecs (T, d_out) = causal multi-head attention of inputs (T, d_in), both row-major.
  /// Throws std::logic_error if no weights were set.
  void forward(const float* inputs, std::size_t T, float* context_vecs);

  /// Same, on the core's matrices.
  Matrix forward(const Matrix& inputs);

  /// How many nested steps of Strassen's product (7 block products instead of 8) the projection
  /// X·W_qkv takes in `forward` of T rows; 0 for the blocked product alone. A step halves d_in and
  /// 3·d_out, both at least 256 and even; at most two, and while the packed quarters stay under
  /// 64 MB; T needs 32 rows per innermost product (the last T mod 2^steps rows go without). Rows
  /// of the inputs more than 4 times apart in size are scaled to a common size first (by powers of
  /// two, exactly), so a row's rounding stays relative to its own size; it is still a few times the
  /// blocked product's, which an ill-conditioned softmax (one token far larger than the rest)
  /// magnifies.
  std::size_t strassen_steps(std::size_t T) const;

  std::size_t d_in() const { return d_in_; }
  std::size_t d_out() const { return d_out_; }
  std::size_t num_heads() const { return num_heads_; }

 private:
  void attend_head(std::size_t h, std::size_t T);
  void project(std::size_t which, const float* a, std::size_t T, float* c);
  static std::size_t steps_for_rows(std::size_t steps, std::size_t T);

  std::size_t d_in_, d_out_, num_heads_, head_dim_;
  bool strassen_allowed_;
  std::vector<detail::PackedMatrix> packed_;  // [0] W_query | W_key | W_value (d_in, 3·d_out), [1] W_out
  std::vector<detail::StrassenPacked> strassen_;  // the same two, for Strassen's steps (none: not packed)
  std::vector<float> b_qkv_, b_out_;          // (3·d_out), (d_out)
  // Work buffers, kept between calls: sized by the largest T seen.
  std::vector<float> qkv_;            // (T, 3·d_out)  queries | keys | values
  std::vector<float> context_heads_;  // (T, d_out)    heads side by side, before W_out
  std::unique_ptr<detail::StrassenWork> strassen_work_;  // the buffers of Strassen's steps
  std::vector<float> queries_packed_; // one head's Qᵀ in panels of 8 queries: (head_dim, T)
  std::vector<float> keys_packed_;    // one head's K in strips of 4 keys: (T, head_dim)
  std::vector<float> values_packed_;  // one head's V in panels of 8 columns: (T, head_dim)
  std::vector<float> scores_;         // ω'ᵀ of one key tile × 8 queries, then pᵀ = 2^(ω' − m)ᵀ
  std::vector<float> row_max_, row_sum_;  // m and ℓ of the online softmax, per query of the tile
};

/// One-shot form: `multihead_attention(inputs, weights, num_heads, causal = true)`'s context_vecs,
/// computed fused. (T, d_in) → (T, d_out).
Matrix fused_causal_multihead(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads);

}  // namespace attn
