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
constexpr std::size_t kStrip = 4;       // keys per strip in Q·Kᵀ, queries per strip in P·V: 4 × 2 accumulators
constexpr std::size_t kQueryTile = 32;  // queries per tile, in panels of kPanel = 8 (a multiple of 8)
constexpr std::size_t kKeyTile = 64;    // keys per tile (a multiple of kStrip): K's and V's tiles stay in L1
// Strassen's steps for the projections (measured in one page against the blocked product alone,
// d_model 768: two steps 7-8% faster than one at T = 256 … 1024, a third under 1% more):
constexpr std::size_t kStrassenMinSide = 256;  // a step halves k and m: both at least this
constexpr std::size_t kStrassenMaxSteps = 2;
constexpr std::size_t kStrassenMaxFloats = std::size_t{1} << 24;  // 64 MB for one matrix's packed quarters
constexpr std::size_t kStrassenMinRows = 32;   // rows of A per innermost product

/// The steps B (k, m) is packed for.
std::size_t strassen_steps_for(std::size_t k, std::size_t m) {
  std::size_t steps = 0;
  for (double floats = double(k) * double(m) * 7 / 4;
       steps < kStrassenMaxSteps && k >= kStrassenMinSide && m >= kStrassenMinSide && k % 2 == 0 && m % 2 == 0 &&
       floats <= double(kStrassenMaxFloats);
       k /= 2, m /= 2, floats *= 7.0 / 4)
    ++steps;
  return steps;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("fused attention: " + message);
}

/// Masks the scores a panel of 8 queries from i0 on must not see: key j is hidden from query i0 + q
/// when j > i0 + q. scores holds keys first_key … first_key+n−1, 8 queries per key.
void mask_future(float* scores, std::size_t first_key, std::size_t n, std::size_t i0) {
  for (std::size_t j = std::max(first_key, i0 + 1); j < first_key + n; ++j)
    std::fill(scores + (j - first_key) * kPanel, scores + (j - first_key) * kPanel + (j - i0), neg_inf);
}

/// One step of the online softmax for a panel of 8 queries, a lane per query, in base 2: the scores
/// come scaled by log₂e/√d_k (the queries were): with ω' = ω·log₂e/√d_k, e^(ω/√d_k) = 2^ω', so the
/// weights are the same, and 2ˣ is cheaper to compute than eˣ.
/// scores (n keys × 8 queries, hidden entries −∞) becomes p = 2^(ω' − m), where m ← max(m, max ω');
/// ℓ ← ℓ·2^(m_old − m) + Σp. alpha gets 2^(m_old − m), the factor for the sums so far.
void online_softmax(float* scores, std::size_t n, float* m, float* l, float* alpha) {
  f32x4 max_lo = splat4(neg_inf), max_hi = max_lo;
  for (std::size_t j = 0; j < n; ++j) {
    max_lo = max4(max_lo, load4(scores + j * kPanel));
    max_hi = max4(max_hi, load4(scores + j * kPanel + 4));
  }
  const f32x4 m_lo = max4(load4(m), max_lo), m_hi = max4(load4(m + 4), max_hi);  // every exponent below is ≤ 0
  const f32x4 alpha_lo = exp2_4(sub4(load4(m), m_lo)), alpha_hi = exp2_4(sub4(load4(m + 4), m_hi));  // 0 when m = −∞
  f32x4 sum_lo = splat4(0.0f), sum_hi = sum_lo;
  for (std::size_t j = 0; j < n; ++j) {
    float* row = scores + j * kPanel;
    const f32x4 p_lo = exp2_4(sub4(load4(row), m_lo)), p_hi = exp2_4(sub4(load4(row + 4), m_hi));
    store4(row, p_lo);
    store4(row + 4, p_hi);
    sum_lo = add4(sum_lo, p_lo);
    sum_hi = add4(sum_hi, p_hi);
  }
  store4(l, add4(mul4(load4(l), alpha_lo), sum_lo));
  store4(l + 4, add4(mul4(load4(l + 4), alpha_hi), sum_hi));
  store4(m, m_lo);
  store4(m + 4, m_hi);
  store4(alpha, alpha_lo);
  store4(alpha + 4, alpha_hi);
}

/// rows[0:n] (rows stride apart, width entries each) ← rows · factor[row].
void scale_rows(float* rows, std::size_t stride, std::size_t n, std::size_t width, const float* factor) {
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < width; ++c) rows[r * stride + c] *= factor[r];
}

}  // namespace

FusedAttention::FusedAttention(std::size_t d_in, std::size_t d_out, std::size_t num_heads, bool strassen)
    : d_in_(d_in), d_out_(d_out), num_heads_(num_heads), head_dim_(0), strassen_allowed_(strassen) {
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
  std::vector<float> W_qkv(size_product({d_in, 3, d_out}, "W_query | W_key | W_value"));  // (d_in, 3·d_out)
  for (std::size_t i = 0; i < d_in; ++i) {
    std::copy(W_query + i * d_out, W_query + (i + 1) * d_out, &W_qkv[i * 3 * d_out]);
    std::copy(W_key + i * d_out, W_key + (i + 1) * d_out, &W_qkv[i * 3 * d_out + d_out]);
    std::copy(W_value + i * d_out, W_value + (i + 1) * d_out, &W_qkv[i * 3 * d_out + 2 * d_out]);
  }
  packed_.clear();
  packed_.push_back(pack_matrix(W_qkv.data(), 3 * d_out, 1, d_in, 3 * d_out));  // (d_in, 3·d_out)
  packed_.push_back(pack_matrix(W_out, d_out, 1, d_out, d_out));                // (d_out, d_out)
  auto pack_quarters = [this](const float* W, std::size_t k, std::size_t m) {  // none if no step: packed_ serves
    const std::size_t steps = strassen_allowed_ ? strassen_steps_for(k, m) : 0;
    return steps > 0 ? pack_strassen(W, m, k, m, steps) : StrassenPacked{};
  };
  strassen_.clear();
  strassen_.push_back(pack_quarters(W_qkv.data(), d_in, 3 * d_out));
  strassen_.push_back(pack_quarters(W_out, d_out, d_out));
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
  qkv_.resize(size_product({T, 3, d_out}, "the (T, 3·d_out) queries, keys and values"));  // no product below wraps
  context_heads_.resize(T * d_out);
  project(0, inputs, T, qkv_.data());  // (T, 3·d_out)  Q | K | V = X·W_qkv
  if (!b_qkv_.empty())
    for (std::size_t i = 0; i < T; ++i)
      for (std::size_t j = 0; j < 3 * d_out; ++j) qkv_[i * 3 * d_out + j] += b_qkv_[j];
  for (std::size_t h = 0; h < num_heads_; ++h) attend_head(h, T);  // (T, d_out)  heads side by side
  project(1, context_heads_.data(), T, context_vecs);  // (T, d_out)  Z·W_out
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j < d_out; ++j) context_vecs[i * d_out + j] += b_out_[j];  // + b_out
}

std::size_t FusedAttention::steps_for_rows(std::size_t steps, std::size_t T) {
  return T >= (kStrassenMinRows << steps) ? steps : 0;
}

std::size_t FusedAttention::strassen_steps(std::size_t T) const {
  return strassen_.empty() ? 0 : steps_for_rows(strassen_[0].steps, T);
}

/// C (T, m) = A (T, k) · W for W = packed_[which]: Strassen's steps for large sizes, rows scaled
/// (the last T mod 2^steps rows on their own), the blocked product otherwise.
void FusedAttention::project(std::size_t which, const float* a, std::size_t T, float* c) {
  const PackedMatrix& W = packed_[which];
  const std::size_t k = W.k, m = W.m, steps = steps_for_rows(strassen_[which].steps, T);
  const std::size_t rows = T >> steps << steps;  // divisible by 2^steps
  if (steps > 0) {
    if (!strassen_work_) strassen_work_ = std::make_unique<StrassenWork>();
    if (gemm_strassen_scaled(a, k, rows, strassen_[which], c, m, *strassen_work_)) {
      if (rows < T) gemm(a + rows * k, k, T - rows, W, c + rows * m, m);
      return;
    }
  }
  gemm(a, k, T, W, c, m);  // small, or a NaN or infinity in A
}

Matrix FusedAttention::forward(const Matrix& inputs) {
  require(inputs.shape(1) == d_in_, "inputs must have d_in (" + std::to_string(d_in_) + ") columns");
  const std::size_t T = inputs.shape(0);
  Matrix context_vecs = xt::zeros<float>({T, d_out_});
  if (T > 0) forward(inputs.data(), T, context_vecs.data());
  return context_vecs;
}

// One head, FlashAttention style, with the scores transposed: a panel of 8 queries is one
// micro-kernel's columns, so the softmax runs across queries, a vector lane per query, and the
// weights come out already laid out as the strips P·V needs. Buffers (row-major, s = 3·d_out):
//   queries of head h: qkv_[i·s + h·head_dim + c]          keys: + d_out      values: + 2·d_out
//   queries_packed_: Qᵀ in panels of 8 queries:  query i, dim c at (i/8)·head_dim·8 + c·8 + i%8
//   keys_packed_:    K in strips of 4 keys:      key j, dim c at (j/4)·head_dim·4 + c·4 + j%4
//   values_packed_:  V in panels of 8 columns:   key j, dim c at (c/8)·T·8 + j·8 + c%8
//   scores_:         one key tile of one query panel, key j, query q at j·8 + q (ωᵀ, then pᵀ)
//   context_heads_:  Z (T, d_out), head h in columns [h·head_dim, (h+1)·head_dim)
// For each tile of queries, each tile of keys [j0, j0+Bc), and each panel of 8 queries [i0, i0+8)
// that sees keys of the tile (j0 ≤ i0+7; keys past i0+7 are never computed):
//   pass 1: ωᵀ = K·Qᵀ (strips of 4 keys × the panel), keys j > i masked to −∞;
//   pass 2: per query i, in base 2 (Q was scaled by log₂e/√d_k, so ω' = ω·log₂e/√d_k):
//           m' = max(m, max ω'); p = 2^(ω' − m'); ℓ' = ℓ·2^(m − m') + Σp; Z_i ← Z_i·2^(m − m');
//   pass 3: Z += p·V (strips of 4 queries, read from pᵀ with a step of 8, × panels of V).
// Finally Z_i ← Z_i / ℓ_i.
void FusedAttention::attend_head(std::size_t h, std::size_t T) {
  const std::size_t s = 3 * d_out_, head_dim = head_dim_;
  const float scale_log2 = 1.4426950409f / std::sqrt(static_cast<float>(head_dim));  // log₂e/√d_k
  const float* queries = qkv_.data() + h * head_dim;              // (T, head_dim), rows s apart
  const float* keys = qkv_.data() + d_out_ + h * head_dim;        // (T, head_dim)
  const float* values = qkv_.data() + 2 * d_out_ + h * head_dim;  // (T, head_dim)
  float* context = context_heads_.data() + h * head_dim;          // (T, head_dim), rows d_out apart

  queries_packed_.resize(round_up(T, kPanel) * head_dim);
  keys_packed_.resize(round_up(T, kStrip) * head_dim);
  values_packed_.resize(T * round_up(head_dim, kPanel));
  pack_panels(queries, 1, s, 0, head_dim, 0, T, queries_packed_.data());  // Qᵀ: (head_dim, T)
  for (float& q : queries_packed_) q *= scale_log2;                          // Qᵀ·log₂e/√d_k
  for (std::size_t j = 0; j < T; j += kStrip)                               // K: (T, head_dim)
    pack_strip<kStrip>(keys, s, j, std::min(kStrip, T - j), 0, head_dim, keys_packed_.data() + j * head_dim);
  pack_panels(values, s, 1, 0, T, 0, head_dim, values_packed_.data());    // V: (T, head_dim)
  scores_.resize(kKeyTile * kPanel);
  row_max_.resize(kQueryTile);
  row_sum_.resize(kQueryTile);
  float alpha[kPanel], inv_sum[kPanel];

  for (std::size_t t0 = 0; t0 < T; t0 += kQueryTile) {
    const std::size_t tile_end = std::min(t0 + kQueryTile, T);
    std::fill(row_max_.begin(), row_max_.end(), neg_inf);
    std::fill(row_sum_.begin(), row_sum_.end(), 0.0f);
    for (std::size_t j0 = 0; j0 < tile_end; j0 += kKeyTile)
      for (std::size_t i0 = t0; i0 < tile_end; i0 += kPanel) {
        const std::size_t queries_in = std::min(kPanel, T - i0), keys_seen = std::min(i0 + kPanel, T);
        if (j0 >= keys_seen) continue;
        const std::size_t n = std::min(kKeyTile, keys_seen - j0);  // keys j0 … j0+n−1
        // pass 1: ωᵀ (n, 8) = K[j0:j0+n] · Qᵀ[:, i0:i0+8]
        for (std::size_t j = 0; j < n; j += kStrip)
          micro_kernel<kStrip>(keys_packed_.data() + (j0 + j) * head_dim, queries_packed_.data() + i0 * head_dim,
                               head_dim, scores_.data() + j * kPanel, kPanel, kStrip, kPanel, false);
        mask_future(scores_.data(), j0, n, i0);
        // pass 2: the online softmax, 8 queries at once
        online_softmax(scores_.data(), n, row_max_.data() + (i0 - t0), row_sum_.data() + (i0 - t0), alpha);
        if (j0 > 0) scale_rows(context + i0 * d_out_, d_out_, queries_in, head_dim, alpha);
        // pass 3: Z[i0:i0+8] (+)= p · V[j0:j0+n]; the first key tile starts the sums
        for (std::size_t r = 0; r < queries_in; r += kStrip)
          for (std::size_t c = 0; c < head_dim; c += kPanel)
            micro_kernel<kStrip>(scores_.data() + r, values_packed_.data() + c * T + j0 * kPanel, n,
                                 context + (i0 + r) * d_out_ + c, d_out_, std::min(kStrip, queries_in - r),
                                 std::min(kPanel, head_dim - c), j0 > 0, kPanel);
      }
    for (std::size_t i0 = t0; i0 < tile_end; i0 += kPanel) {
      const std::size_t queries_in = std::min(kPanel, T - i0);
      for (std::size_t q = 0; q < queries_in; ++q) inv_sum[q] = 1.0f / row_sum_[i0 - t0 + q];
      scale_rows(context + i0 * d_out_, d_out_, queries_in, head_dim, inv_sum);  // Z_i / ℓ_i
    }
  }
}

Matrix fused_causal_multihead(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads) {
  FusedAttention fused(inputs.shape(1), weights.qkv.W_query.shape(1), num_heads);
  fused.set_weights(weights);
  return fused.forward(inputs);
}

}  // namespace attn
