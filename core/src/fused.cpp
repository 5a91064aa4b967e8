#include "attn/fused.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels.hpp"

namespace attn {

using namespace detail;

namespace {

constexpr float neg_inf = -std::numeric_limits<float>::infinity();
constexpr std::size_t kQueryTile = 64;  // Br: queries per tile (a multiple of kTileRows)
constexpr std::size_t kKeyTile = 64;    // Bc: keys per tile (a multiple of kPanel)

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("fused attention: " + message);
}

/// row[0:n] ← exp(row[0:n]·scale − m) and returns its sum; row's length is a multiple of 4,
/// and entries from n on become 0.
float exp_shifted(float* row, std::size_t n, std::size_t length, float scale, float m) {
  const f32x4 scale4 = splat4(scale), m4 = splat4(m);
  f32x4 sum = splat4(0.0f);
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const f32x4 p = exp4(sub4(mul4(load4(row + j), scale4), m4));
    store4(row + j, p);
    sum = add4(sum, p);
  }
  if (j < n) {  // the last, partial group: the entries past n are masked (−∞ → weight 0)
    for (std::size_t t = n; t < j + 4; ++t) row[t] = neg_inf;
    const f32x4 p = exp4(sub4(mul4(load4(row + j), scale4), m4));
    store4(row + j, p);
    sum = add4(sum, p);
    j += 4;
  }
  std::fill(row + j, row + length, 0.0f);
  return sum4(sum);
}

/// max over row[0:n]·scale (scale > 0).
float scaled_max(const float* row, std::size_t n, float scale) {
  f32x4 best = splat4(neg_inf);
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) best = max4(best, load4(row + j));
  float m = max_lanes4(best);
  for (; j < n; ++j) m = std::max(m, row[j]);
  return m * scale;
}

}  // namespace

FusedAttention::FusedAttention(std::size_t d_in, std::size_t d_out, std::size_t num_heads)
    : d_in_(d_in), d_out_(d_out), num_heads_(num_heads), head_dim_(0) {
  require(d_in >= 1 && d_out >= 1, "d_in and d_out must be at least 1");
  require(num_heads >= 1 && d_out % num_heads == 0,
          "num_heads (" + std::to_string(num_heads) + ") must divide d_out (" + std::to_string(d_out) + ")");
  head_dim_ = d_out / num_heads;
}

FusedAttention::~FusedAttention() = default;
FusedAttention::FusedAttention(FusedAttention&&) noexcept = default;
FusedAttention& FusedAttention::operator=(FusedAttention&&) noexcept = default;

void FusedAttention::set_weights(const float* W_query, const float* W_key, const float* W_value, const float* W_out,
                                 const float* b_out, const float* b_qkv) {
  const std::size_t d_in = d_in_, d_out = d_out_;
  // W_query | W_key | W_value side by side, so one product gives queries, keys and values.
  std::vector<float> W_qkv(d_in * 3 * d_out);  // (d_in, 3·d_out)
  for (std::size_t i = 0; i < d_in; ++i) {
    std::copy(W_query + i * d_out, W_query + (i + 1) * d_out, &W_qkv[i * 3 * d_out]);
    std::copy(W_key + i * d_out, W_key + (i + 1) * d_out, &W_qkv[i * 3 * d_out + d_out]);
    std::copy(W_value + i * d_out, W_value + (i + 1) * d_out, &W_qkv[i * 3 * d_out + 2 * d_out]);
  }
  packed_.clear();
  packed_.push_back(pack_matrix(W_qkv.data(), 3 * d_out, 1, d_in, 3 * d_out));  // (d_in, 3·d_out)
  packed_.push_back(pack_matrix(W_out, d_out, 1, d_out, d_out));                // (d_out, d_out)
  b_out_.assign(b_out, b_out + d_out);
  if (b_qkv) b_qkv_.assign(b_qkv, b_qkv + 3 * d_out);
  else b_qkv_.clear();
}

void FusedAttention::set_weights(const MultiHeadWeights& weights) {
  const QkvWeights& qkv = weights.qkv;
  auto check = [](const Matrix& W, std::size_t rows, std::size_t cols, const char* name) {
    require(W.shape(0) == rows && W.shape(1) == cols,
            std::string(name) + " must be (" + std::to_string(rows) + ", " + std::to_string(cols) + ")");
  };
  check(qkv.W_query, d_in_, d_out_, "W_query");
  check(qkv.W_key, d_in_, d_out_, "W_key");
  check(qkv.W_value, d_in_, d_out_, "W_value");
  check(weights.W_out, d_out_, d_out_, "W_out");
  require(weights.b_out.size() == d_out_, "b_out must have d_out entries");
  const bool has_bias = qkv.b_query || qkv.b_key || qkv.b_value;
  std::vector<float> b_qkv(has_bias ? 3 * d_out_ : 0, 0.0f);
  const std::optional<Vector>* biases[3] = {&qkv.b_query, &qkv.b_key, &qkv.b_value};
  for (std::size_t part = 0; part < 3 && has_bias; ++part)
    if (*biases[part]) {
      require((*biases[part])->size() == d_out_, "the qkv biases must have d_out entries");
      std::copy((*biases[part])->begin(), (*biases[part])->end(), b_qkv.begin() + part * d_out_);
    }
  set_weights(qkv.W_query.data(), qkv.W_key.data(), qkv.W_value.data(), weights.W_out.data(), weights.b_out.data(),
              has_bias ? b_qkv.data() : nullptr);
}

void FusedAttention::forward(const float* inputs, std::size_t T, float* context_vecs) {
  if (packed_.empty()) throw std::logic_error("fused attention: set_weights before forward");
  const std::size_t d_out = d_out_;
  qkv_.resize(T * 3 * d_out);
  context_heads_.resize(T * d_out);
  gemm(inputs, d_in_, T, packed_[0], qkv_.data(), 3 * d_out);  // (T, 3·d_out)  Q | K | V = X·W_qkv
  if (!b_qkv_.empty())
    for (std::size_t i = 0; i < T; ++i)
      for (std::size_t j = 0; j < 3 * d_out; ++j) qkv_[i * 3 * d_out + j] += b_qkv_[j];
  for (std::size_t h = 0; h < num_heads_; ++h) attend_head(h, T);  // (T, d_out)  heads side by side
  gemm(context_heads_.data(), d_out, T, packed_[1], context_vecs, d_out);  // (T, d_out)  Z·W_out
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j < d_out; ++j) context_vecs[i * d_out + j] += b_out_[j];  // + b_out
}

Matrix FusedAttention::forward(const Matrix& inputs) {
  require(inputs.shape(1) == d_in_, "inputs must have d_in (" + std::to_string(d_in_) + ") columns");
  const std::size_t T = inputs.shape(0);
  Matrix context_vecs = xt::zeros<float>({T, d_out_});
  if (T > 0) forward(inputs.data(), T, context_vecs.data());
  return context_vecs;
}

// One head, FlashAttention style. Layout of the buffers (row-major, s = 3·d_out):
//   queries of head h: qkv_[i·s + h·head_dim + c]          keys: + d_out      values: + 2·d_out
//   keys_packed_:   Kᵀ (head_dim, T) in panels of 8 keys:   key j, dim c at (j/8)·head_dim·8 + c·8 + j%8
//   values_packed_: V (T, head_dim) in panels of 8 columns: key j, dim c at (c/8)·T·8 + j·8 + c%8
//   context_heads_: Z (T, d_out), head h in columns [h·head_dim, (h+1)·head_dim)
// For each tile of queries [i0, i0+Br), and each tile of keys [j0, j0+Bc) with j0 ≤ the last query:
//   pass 1: ω = Q·Kᵀ for the tile (strips of 4 queries × panels of 8 keys, skipping panels
//           wholly above the diagonal);
//   pass 2: per query i, over its keys j ≤ i: m' = max(m, max ω/√d_k); p = exp(ω/√d_k − m');
//           ℓ' = ℓ·exp(m − m') + Σp; Z_i ← Z_i·exp(m − m');
//   pass 3: Z += p·V.
// Finally Z_i ← Z_i / ℓ_i.
void FusedAttention::attend_head(std::size_t h, std::size_t T) {
  const std::size_t s = 3 * d_out_, head_dim = head_dim_, T8 = round_up(T, kPanel);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const float* queries = qkv_.data() + h * head_dim;             // (T, head_dim), rows s apart
  const float* keys = qkv_.data() + d_out_ + h * head_dim;       // (T, head_dim)
  const float* values = qkv_.data() + 2 * d_out_ + h * head_dim; // (T, head_dim)
  float* context = context_heads_.data() + h * head_dim;         // (T, head_dim), rows d_out apart

  keys_packed_.resize(head_dim * T8);
  values_packed_.resize(T * round_up(head_dim, kPanel));
  pack_panels(keys, 1, s, 0, head_dim, 0, T, keys_packed_.data());      // Kᵀ: (head_dim, T)
  pack_panels(values, s, 1, 0, T, 0, head_dim, values_packed_.data());  // V:  (T, head_dim)
  queries_strips_.resize(kQueryTile * head_dim);
  scores_.resize(kQueryTile * kKeyTile);
  weights_strip_.resize(kTileRows * kKeyTile);
  row_max_.resize(kQueryTile);
  row_sum_.resize(kQueryTile);

  for (std::size_t i0 = 0; i0 < T; i0 += kQueryTile) {
    const std::size_t tile_rows = std::min(kQueryTile, T - i0);
    for (std::size_t r = 0; r < tile_rows; r += kTileRows)
      pack_strip(queries, s, i0 + r, std::min(kTileRows, tile_rows - r), 0, head_dim,
                 queries_strips_.data() + r * head_dim);
    std::fill(row_max_.begin(), row_max_.end(), neg_inf);
    std::fill(row_sum_.begin(), row_sum_.end(), 0.0f);
    for (std::size_t i = i0; i < i0 + tile_rows; ++i) std::fill(context + i * d_out_, context + i * d_out_ + head_dim, 0.0f);

    const std::size_t last_query = i0 + tile_rows - 1;
    for (std::size_t j0 = 0; j0 <= last_query; j0 += kKeyTile) {
      const std::size_t tile_keys = std::min(kKeyTile, T - j0);
      // pass 1: ω = Q·Kᵀ, (tile_rows, tile_keys)
      for (std::size_t r = 0; r < tile_rows; r += kTileRows) {
        const std::size_t rows = std::min(kTileRows, tile_rows - r), strip_last = i0 + r + rows - 1;
        for (std::size_t q = 0; q * kPanel < tile_keys && j0 + q * kPanel <= strip_last; ++q)
          micro_kernel(queries_strips_.data() + r * head_dim, keys_packed_.data() + (j0 / kPanel + q) * head_dim * kPanel,
                       head_dim, scores_.data() + r * kKeyTile + q * kPanel, kKeyTile, rows, kPanel, false);
      }
      // pass 2: the online softmax, row by row
      for (std::size_t r = 0; r < tile_rows; ++r) {
        const std::size_t i = i0 + r, n = i < j0 ? 0 : std::min(tile_keys, i + 1 - j0);  // keys j0 … j0+n−1 are ≤ i
        float* row = scores_.data() + r * kKeyTile;
        const float m = std::max(row_max_[r], scaled_max(row, n, scale));
        const float rescale = std::exp(row_max_[r] - m);  // exp(m_old − m_new), 0 on the first tile
        row_sum_[r] = row_sum_[r] * rescale + exp_shifted(row, n, kKeyTile, scale, m);
        row_max_[r] = m;
        float* z = context + i * d_out_;
        for (std::size_t c = 0; c < head_dim; ++c) z[c] *= rescale;
      }
      // pass 3: Z += p·V
      for (std::size_t r = 0; r < tile_rows; r += kTileRows) {
        const std::size_t rows = std::min(kTileRows, tile_rows - r);
        const std::size_t depth = std::min(tile_keys, i0 + r + rows - j0);  // keys any row of the strip sees
        pack_strip(scores_.data(), kKeyTile, r, rows, 0, depth, weights_strip_.data());
        for (std::size_t q = 0; q * kPanel < head_dim; ++q)
          micro_kernel(weights_strip_.data(), values_packed_.data() + q * T * kPanel + j0 * kPanel, depth,
                       context + (i0 + r) * d_out_ + q * kPanel, d_out_, rows, std::min(kPanel, head_dim - q * kPanel),
                       true);
      }
    }
    for (std::size_t r = 0; r < tile_rows; ++r) {
      float* z = context + (i0 + r) * d_out_;
      const float inv_sum = 1.0f / row_sum_[r];
      for (std::size_t c = 0; c < head_dim; ++c) z[c] *= inv_sum;  // Z_i / ℓ_i
    }
  }
}

Matrix fused_causal_multihead(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads) {
  FusedAttention fused(inputs.shape(1), weights.qkv.W_query.shape(1), num_heads);
  fused.set_weights(weights);
  return fused.forward(inputs);
}

}  // namespace attn
