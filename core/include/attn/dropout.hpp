#pragma once
/// \file dropout.hpp
/// Dropout on attention weights, as PyTorch's nn.Dropout in training mode.

#include <cstdint>

#include "attn/tensor.hpp"

namespace attn {

/// A keep mask (heads, T, T) drawn entry by entry from the dropout stream: kept (1) when u ≥ p.
Tensor3 draw_keep_mask(std::size_t heads, std::size_t T, float p, std::uint64_t seed);

/// Zeroes the dropped weights and scales the kept ones by 1/(1 − p), so the expected sum is unchanged.
Matrix apply_dropout(const Matrix& attn_weights, const Matrix& keep_mask, float p);

}  // namespace attn
