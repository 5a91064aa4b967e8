#pragma once
/// \file positional.hpp
/// Positional encodings: attention alone does not see the order of the tokens (shuffle them and its
/// outputs shuffle the same way), so a vector that depends on the position is added to each token.

#include <cstdint>

#include "attn/random.hpp"
#include "attn/tensor.hpp"

namespace attn {

/// How positions enter a model: not at all, the fixed sines and cosines of the 2017 paper, or a
/// learned table `pos_emb` (GPT-2 and the book).
enum class Positional { none, sinusoidal, learned };

/// The sinusoidal encoding of positions 0 … T−1: PE[pos, 2i] = sin(pos / 10000^(2i/emb_dim)),
/// PE[pos, 2i+1] = cos(pos / 10000^(2i/emb_dim)). An odd emb_dim ends with a sine. (T, emb_dim)
Matrix sinusoidal_encoding(std::size_t T, std::size_t emb_dim);

/// The fixed linear map M with PE[pos + offset] = PE[pos] · M for every pos: for each pair of
/// columns (2i, 2i+1) a rotation by offset·ω_i, ω_i = 10000^(−2i/emb_dim); an odd last column
/// (a sine alone) has no partner and is left as it is. (emb_dim, emb_dim)
Matrix sinusoidal_offset_map(std::size_t offset, std::size_t emb_dim);

/// A table of embeddings (tok_emb, or the learned positions pos_emb), drawn as PyTorch's nn.Embedding:
/// standard normal entries, row by row. (rows, emb_dim)
Matrix draw_embedding_table(Rng& rng, std::size_t rows, std::size_t emb_dim);

}  // namespace attn
