#pragma once
/// \file block.hpp
/// The transformer block: causal multi-head attention and a feed-forward network, each with a layer
/// norm and a residual (shortcut) connection, in either order:
///   pre-norm (GPT-2, the book):  h = x + att(norm1(x));  y = h + ff(norm2(h))
///   post-norm (the 2017 paper):  h = norm1(x + att(x));  y = norm2(h + ff(h))

#include <cstdint>

#include "attn/attention.hpp"
#include "attn/feed_forward.hpp"
#include "attn/layer_norm.hpp"
#include "attn/random.hpp"

namespace attn {

/// Every trainable weight of one block, named as the book's TransformerBlock.
struct BlockWeights {
  MultiHeadWeights att;   ///< W_query, W_key, W_value (emb_dim, emb_dim), optional qkv biases, W_out, b_out
  FeedForwardWeights ff;  ///< W1 (emb_dim, d_ff), b1, W2 (d_ff, emb_dim), b2
  LayerNormWeights norm1; ///< before attention (pre-norm) or after its residual (post-norm)
  LayerNormWeights norm2; ///< before the feed-forward network, or after its residual
};

struct BlockOptions {
  std::size_t n_heads = 1;
  bool norm_first = true;  ///< pre-norm (GPT-2) when true, post-norm (2017) when false
  bool residual = true;    ///< false drops both shortcuts (h = att(…), y = ff(…)), to show what they do
  bool causal = true;      ///< false lets every token attend to every token (permutation-equivariant)
  Activation activation = Activation::gelu;
};

struct BlockResult {
  Matrix outputs;        ///< (T, emb_dim)
  Tensor3 attn_weights;  ///< (n_heads, T, T)
};

/// One block in evaluation mode (no dropout). Steps, pre-norm: `norm1.mean`, `norm1.var`,
/// `norm1.norm_x`, `norm1`, `att.…` (multihead_attention's steps), `att`, `residual1` (= h),
/// `norm2.…`, `norm2`, `ff.hidden`, `ff.activated`, `ff`, `residual2` (= y). Post-norm: `att.…`, `att`,
/// `residual1` (x + att), `norm1.…`, `norm1` (= h), `ff.…`, `ff`, `residual2` (h + ff), `norm2.…`,
/// `norm2` (= y). Without residuals the `residual` steps are left out.
BlockResult transformer_block(const Matrix& x, const BlockWeights& weights, const BlockOptions& options,
                              Trace& trace);

/// att (draw_multihead with d_in = d_out = emb_dim), then ff (draw_feed_forward); the norms start
/// at scale 1, shift 0 and draw nothing.
BlockWeights draw_block(Rng& rng, std::size_t emb_dim, std::size_t d_ff, bool qkv_bias);

/// Trainable parameters of one block: att (4·emb_dim² + emb_dim, + 3·emb_dim with qkv_bias), ff, and
/// two layer norms. GPT-2 small's (768, d_ff 3072): 7,085,568 without qkv bias, 7,087,872 with.
std::uint64_t block_parameter_count(std::uint64_t emb_dim, std::uint64_t d_ff, bool qkv_bias);

}  // namespace attn
