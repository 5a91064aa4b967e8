#pragma once
/// \file gpt.hpp
/// A small GPT, as the book's GPTModel (chapter 4): token ids → tok_emb + positions → n_layers
/// transformer blocks → final_norm → out_head (no bias) → logits; softmax gives the next-token
/// probabilities; with targets, the mean cross-entropy.

#include <cstdint>
#include <optional>
#include <vector>

#include "attn/block.hpp"
#include "attn/positional.hpp"

namespace attn {

/// The sizes and choices of a model (the book's GPT_CONFIG keys, plus d_ff and the lesson's switches).
struct GptConfig {
  std::size_t vocab_size = 0;
  std::size_t context_length = 0;
  std::size_t emb_dim = 0;
  std::size_t n_heads = 1;
  std::size_t n_layers = 1;
  std::size_t d_ff = 0;  ///< hidden size of the feed-forward networks (the book: 4·emb_dim)
  bool qkv_bias = false;
  bool weight_tying = false;  ///< out_head = tok_embᵀ (GPT-2), so it is not a weight of its own
  Positional positional = Positional::learned;
  BlockOptions block;  ///< norm_first, residual, activation; n_heads is taken from here; causal always
};

struct GptWeights {
  Matrix tok_emb;                     ///< (vocab_size, emb_dim)
  Matrix pos_emb;                     ///< (context_length, emb_dim), with learned positions; else empty
  std::vector<BlockWeights> trf_blocks;  ///< n_layers
  LayerNormWeights final_norm;        ///< (emb_dim) each
  Matrix out_head;                    ///< (emb_dim, vocab_size); empty with weight tying
};

struct GptResult {
  Matrix logits;                     ///< (T, vocab_size)
  Matrix probas;                     ///< (T, vocab_size)  softmax(logits / temperature)
  std::vector<Tensor3> attn_weights; ///< n_layers × (n_heads, T, T)
  std::optional<float> loss;         ///< with targets: mean cross-entropy over the targets that are not −1
  std::size_t next_token_id = 0;     ///< argmax of the last row (greedy decoding's next token)
  std::vector<std::size_t> predicted_ids;  ///< (T) argmax of each row: the next token after each position
};

/// The forward pass. token_ids: T ids in [0, vocab_size), T ≤ context_length; targets: T ids or −1
/// (ignored), at least one not −1. temperature > 0 divides the logits before the softmax (probas only;
/// the loss uses the logits). Steps: `token_ids` (T), `tok_embeds`, `pos_embeds` (unless positional is
/// none), `embeddings` (T, emb_dim), for each block l `trf_blocks.l.…` (transformer_block's steps) and
/// `trf_blocks.l` (its output), `final_norm.…`, `final_norm`, `logits`, `probas`.
GptResult gpt_forward(const std::vector<std::int64_t>& token_ids, const GptWeights& weights, const GptConfig& config,
                      float temperature, const std::optional<std::vector<std::int64_t>>& targets, Trace& trace);

/// tok_emb (standard normal, as nn.Embedding), pos_emb (with learned positions), the blocks one by one
/// (draw_block), then out_head (uniform in ±1/√emb_dim, unless tied). final_norm draws nothing.
GptWeights draw_gpt(Rng& rng, const GptConfig& config);

/// Trainable parameters, part by part.
struct GptParameterCount {
  std::uint64_t tok_emb = 0, pos_emb = 0, trf_block = 0, trf_blocks = 0, final_norm = 0, out_head = 0;
  std::uint64_t total = 0;  ///< the sum (out_head is 0 with weight tying: it is tok_emb)
};

/// GPT-2 small (vocab 50257, context 1024, emb_dim 768, 12 layers, d_ff 3072, no qkv bias, learned
/// positions): 163,009,536 untied, 124,412,160 tied (the book's figures); with qkv bias, as OpenAI's
/// checkpoint, 163,037,184 and 124,439,808.
GptParameterCount gpt_parameter_count(const GptConfig& config);

}  // namespace attn
