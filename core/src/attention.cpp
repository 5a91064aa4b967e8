#include "attn/attention.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "attn/dropout.hpp"
#include "attn/softmax.hpp"

namespace attn {
namespace {

constexpr float neg_inf = -std::numeric_limits<float>::infinity();

/// Q = X·W (+ b): (T, d_in)·(d_in, d_out) → (T, d_out)
Matrix project(const Matrix& inputs, const Matrix& W, const std::optional<Vector>& b) {
  Matrix projected = matmul(inputs, W);
  return b ? add_row_vector(projected, *b) : projected;
}

/// Scores where the mask is 0 become −∞, so softmax gives them weight 0.
Matrix fill_masked(const Matrix& scores, const Matrix& mask) {
  Matrix masked = scores;
  for (std::size_t i = 0; i < masked.size(); ++i)
    if (mask.data()[i] == 0.0f) masked.data()[i] = neg_inf;
  return masked;
}

/// Entry-wise product with the mask: what survives of weights computed without it.
Matrix zero_masked(const Matrix& weights, const Matrix& mask) {
  Matrix zeroed = weights;
  for (std::size_t i = 0; i < zeroed.size(); ++i) zeroed.data()[i] *= mask.data()[i];
  return zeroed;
}

/// Everything one head computes, kept so that a lesson can show each step.
struct HeadParts {
  Matrix attn_scores;           // (T, T)  ω = Q·Kᵀ
  Matrix attn_scores_scaled;    // (T, T)  ω / √d_k
  Matrix mask;                  // (T, T)  1 = may attend (causal only)
  Matrix attn_scores_masked;    // (T, T)  −∞ where the mask is 0 (causal only)
  Matrix attn_weights;          // (T, T)  α = softmax(...)
  Matrix keep_mask;             // (T, T)  dropout's mask, empty without dropout
  Matrix attn_weights_dropped;  // (T, T)  α ⊙ keep / (1 − p)
  Matrix context_vecs;          // (T, d_v) Z = α·V
};

struct HeadOptions {
  bool scale = true;
  bool causal = false;
  float dropout_p = 0.0f;
  const Matrix* keep_mask = nullptr;  // (T, T); dropout acts only when set and p > 0
};

/// Scaled dot-product attention of one head, with the causal mask applied before softmax.
HeadParts attend(const Matrix& queries, const Matrix& keys, const Matrix& values, const HeadOptions& options) {
  HeadParts head;
  const float d_k = static_cast<float>(keys.shape(1));
  const float scale = options.scale ? 1.0f / std::sqrt(d_k) : 1.0f;
  head.attn_scores = matmul_transposed(queries, keys);                           // (T, T)   ω = Q·Kᵀ
  head.attn_scores_scaled = head.attn_scores * scale;                            // (T, T)   ω / √d_k
  Matrix to_softmax = head.attn_scores_scaled;
  if (options.causal) {
    head.mask = causal_mask(queries.shape(0));                                   // (T, T)   j ≤ i
    head.attn_scores_masked = fill_masked(head.attn_scores_scaled, head.mask);   // (T, T)   −∞ for j > i
    to_softmax = head.attn_scores_masked;
  }
  head.attn_weights = softmax_rows(to_softmax);                                  // (T, T)   α = softmax
  Matrix used_weights = head.attn_weights;
  if (options.keep_mask && options.dropout_p > 0.0f) {
    head.keep_mask = *options.keep_mask;
    head.attn_weights_dropped = apply_dropout(head.attn_weights, head.keep_mask, options.dropout_p);
    used_weights = head.attn_weights_dropped;                                    // (T, T)   α ⊙ keep / (1−p)
  }
  head.context_vecs = matmul(used_weights, values);                              // (T, d_v) Z = α·V
  return head;
}

bool dropout_acts(const Dropout& dropout) { return dropout.p > 0.0f; }

/// The (heads, T, T) keep mask: the one given, or drawn from the seed; empty when dropout does not act.
Tensor3 keep_mask_for(const Dropout& dropout, std::size_t heads, std::size_t T) {
  if (!dropout_acts(dropout)) return Tensor3();
  return dropout.keep_mask ? *dropout.keep_mask : draw_keep_mask(heads, T, dropout.p, dropout.seed);
}

/// Head h's options. When dropout acts, its slice of the keep mask is copied to `keep_mask_h`, which
/// the options point at (so it must live as long as they are used).
HeadOptions head_options(bool scale, bool causal, const Dropout& dropout, const Tensor3& keep_mask, std::size_t h,
                         Matrix& keep_mask_h) {
  HeadOptions options;
  options.scale = scale;
  options.causal = causal;
  options.dropout_p = dropout.p;
  if (dropout_acts(dropout)) {
    keep_mask_h = slice(keep_mask, h);
    options.keep_mask = &keep_mask_h;
  }
  return options;
}

/// A head's steps up to the mask: ω, ω/√d_k and, when causal, the mask.
void record_scores(Trace& trace, const HeadParts& head, bool causal) {
  trace.add("attn_scores", head.attn_scores);
  trace.add("attn_scores_scaled", head.attn_scores_scaled);
  if (causal) trace.add("mask", head.mask);
}

/// A head's steps from the masked scores on: −∞ above the diagonal (causal), α, and dropout's.
void record_weights(Trace& trace, const HeadParts& head, bool causal) {
  if (causal) trace.add("attn_scores_masked", head.attn_scores_masked);
  trace.add("attn_weights", head.attn_weights);
  if (head.keep_mask.size() > 0) {
    trace.add("dropout_mask", head.keep_mask);
    trace.add("attn_weights_dropped", head.attn_weights_dropped);
  }
}

void record_head(Trace& trace, const HeadParts& head, bool causal) {
  record_scores(trace, head, causal);
  record_weights(trace, head, causal);
}

/// Collects the heads' weights (and dropout) into a result with the given context.
AttentionResult result_of(std::vector<HeadParts>& heads, Matrix context_vecs) {
  AttentionResult result;
  result.context_vecs = std::move(context_vecs);
  std::vector<Matrix> weights, keep, dropped;
  for (auto& head : heads) {
    weights.push_back(head.attn_weights);
    if (head.keep_mask.size() > 0) {
      keep.push_back(head.keep_mask);
      dropped.push_back(head.attn_weights_dropped);
    }
  }
  result.attn_weights = stack(weights);
  if (!keep.empty()) {
    result.dropout_mask = stack(keep);
    result.attn_weights_dropped = stack(dropped);
  }
  return result;
}

/// Runs one head from its projections on the inputs.
HeadParts head_attention(const Matrix& inputs, const QkvWeights& weights, const HeadOptions& options,
                         Trace& trace) {
  Matrix queries = project(inputs, weights.W_query, weights.b_query);  // (T, d_out)  Q = X·W_query
  Matrix keys = project(inputs, weights.W_key, weights.b_key);         // (T, d_out)  K = X·W_key
  Matrix values = project(inputs, weights.W_value, weights.b_value);   // (T, d_out)  V = X·W_value
  trace.add("queries", queries);
  trace.add("keys", keys);
  trace.add("values", values);
  return attend(queries, keys, values, options);
}

}  // namespace

Matrix causal_mask(std::size_t T) {
  Matrix mask = xt::zeros<float>({T, T});
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j <= i; ++j) mask(i, j) = 1.0f;
  return mask;
}

AttentionResult simplified_attention(const Matrix& inputs, Trace& trace) {
  trace.add("inputs", inputs);
  Matrix attn_scores = matmul_transposed(inputs, inputs);  // (T, T)     ω = X·Xᵀ
  trace.add("attn_scores", attn_scores);
  if (trace.enabled()) {  // what the lesson contrasts softmax with: shown, never used
    trace.add("attn_weights_sum_normalized", sum_normalize_rows(attn_scores));
    trace.add("attn_weights_softmax_naive", softmax_naive_rows(attn_scores));
  }
  Matrix attn_weights = softmax_rows(attn_scores);        // (T, T)     α = softmax(ω)
  Matrix context_vecs = matmul(attn_weights, inputs);     // (T, d_in)  Z = α·X
  trace.add("attn_weights", attn_weights);
  trace.add("context_vecs", context_vecs);
  std::vector<HeadParts> heads(1);
  heads[0].attn_weights = attn_weights;
  return result_of(heads, context_vecs);
}

AttentionResult self_attention(const Matrix& inputs, const QkvWeights& weights, bool scale, Trace& trace) {
  trace.add("inputs", inputs);
  HeadOptions options;
  options.scale = scale;
  std::vector<HeadParts> heads{head_attention(inputs, weights, options, trace)};
  record_head(trace, heads[0], false);
  trace.add("context_vecs", heads[0].context_vecs);
  return result_of(heads, heads[0].context_vecs);
}

AttentionResult causal_attention(const Matrix& inputs, const QkvWeights& weights, bool scale,
                                 const Dropout& dropout, Trace& trace, float* routes_max_abs_diff) {
  const std::size_t T = inputs.shape(0);
  trace.add("inputs", inputs);
  const Tensor3 keep_mask = keep_mask_for(dropout, 1, T);
  Matrix keep_mask_0;
  const HeadOptions options = head_options(scale, true, dropout, keep_mask, 0, keep_mask_0);
  std::vector<HeadParts> heads{head_attention(inputs, weights, options, trace)};
  const HeadParts& head = heads[0];

  record_scores(trace, head, true);
  if (trace.enabled() || routes_max_abs_diff) {  // shown or compared, never used
    // Route (a): softmax over every key, zero the future, renormalise each row.
    Matrix attn_weights_unmasked = softmax_rows(head.attn_scores_scaled);            // (T, T)
    Matrix attn_weights_masked_zero = zero_masked(attn_weights_unmasked, head.mask);  // (T, T)
    Matrix attn_weights_renormalized = sum_normalize_rows(attn_weights_masked_zero);  // (T, T)
    // Route (b), the one used: −∞ above the diagonal before softmax (in head.attn_weights).
    if (routes_max_abs_diff) *routes_max_abs_diff = max_abs_diff(attn_weights_renormalized, head.attn_weights);
    trace.add("attn_weights_unmasked", attn_weights_unmasked);
    trace.add("attn_weights_masked_zero", attn_weights_masked_zero);
    trace.add("attn_weights_renormalized", attn_weights_renormalized);
  }
  record_weights(trace, head, true);
  trace.add("context_vecs", head.context_vecs);
  return result_of(heads, head.context_vecs);
}

AttentionResult multihead_wrapper(const Matrix& inputs, const std::vector<QkvWeights>& heads_weights, bool causal,
                                  const Dropout& dropout, Trace& trace) {
  const std::size_t T = inputs.shape(0), num_heads = heads_weights.size();
  trace.add("inputs", inputs);
  const Tensor3 keep_mask = keep_mask_for(dropout, num_heads, T);
  std::vector<HeadParts> heads;
  std::vector<Matrix> contexts;
  for (std::size_t h = 0; h < num_heads; ++h) {
    Trace head_trace = trace.nested("head_" + std::to_string(h) + ".");
    Matrix keep_mask_h;
    const HeadOptions options = head_options(true, causal, dropout, keep_mask, h, keep_mask_h);
    heads.push_back(head_attention(inputs, heads_weights[h], options, head_trace));
    record_head(head_trace, heads.back(), causal);
    head_trace.add("context_vecs", heads.back().context_vecs);
    trace.append(std::move(head_trace));
    contexts.push_back(heads.back().context_vecs);
  }
  Matrix context_vecs = concat_columns(contexts);  // (T, num_heads·d_out)
  trace.add("context_vecs", context_vecs);
  return result_of(heads, context_vecs);
}

AttentionResult multihead_attention(const Matrix& inputs, const MultiHeadWeights& weights, std::size_t num_heads,
                                    bool causal, const Dropout& dropout, Trace& trace) {
  const std::size_t T = inputs.shape(0), d_out = weights.qkv.W_query.shape(1);
  if (num_heads == 0 || d_out % num_heads != 0) throw std::invalid_argument("num_heads must divide d_out");
  const std::size_t head_dim = d_out / num_heads;
  trace.add("inputs", inputs);
  Matrix queries = project(inputs, weights.qkv.W_query, weights.qkv.b_query);  // (T, d_out)
  Matrix keys = project(inputs, weights.qkv.W_key, weights.qkv.b_key);         // (T, d_out)
  Matrix values = project(inputs, weights.qkv.W_value, weights.qkv.b_value);   // (T, d_out)
  const Tensor3 keep_mask = keep_mask_for(dropout, num_heads, T);

  std::vector<Matrix> queries_split, keys_split, values_split, contexts;
  std::vector<HeadParts> heads;
  for (std::size_t h = 0; h < num_heads; ++h) {
    queries_split.push_back(columns(queries, h * head_dim, head_dim));  // (T, head_dim)
    keys_split.push_back(columns(keys, h * head_dim, head_dim));        // (T, head_dim)
    values_split.push_back(columns(values, h * head_dim, head_dim));    // (T, head_dim)
    Matrix keep_mask_h;
    const HeadOptions options = head_options(true, causal, dropout, keep_mask, h, keep_mask_h);
    heads.push_back(attend(queries_split[h], keys_split[h], values_split[h], options));
    contexts.push_back(heads.back().context_vecs);
  }
  Matrix context_concat = concat_columns(contexts);                                 // (T, d_out)
  Matrix context_vecs = add_row_vector(matmul(context_concat, weights.W_out), weights.b_out);  // (T, d_out)

  if (trace.enabled()) {
    auto stacked = [&heads](Matrix HeadParts::*field) {
      std::vector<Matrix> parts;
      for (const auto& head : heads) parts.push_back(head.*field);
      return stack(parts);  // (num_heads, T, ·)
    };
    trace.add("queries", queries);
    trace.add("keys", keys);
    trace.add("values", values);
    trace.add("queries_split", stack(queries_split));
    trace.add("keys_split", stack(keys_split));
    trace.add("values_split", stack(values_split));
    trace.add("attn_scores", stacked(&HeadParts::attn_scores));
    trace.add("attn_scores_scaled", stacked(&HeadParts::attn_scores_scaled));
    if (causal) {
      trace.add("mask", heads[0].mask);
      trace.add("attn_scores_masked", stacked(&HeadParts::attn_scores_masked));
    }
    trace.add("attn_weights", stacked(&HeadParts::attn_weights));
    if (dropout_acts(dropout)) {
      trace.add("dropout_mask", keep_mask);
      trace.add("attn_weights_dropped", stacked(&HeadParts::attn_weights_dropped));
    }
    trace.add("context_heads", stack(contexts));
    trace.add("context_concat", context_concat);
    trace.add("context_vecs", context_vecs);
  }
  return result_of(heads, context_vecs);
}

std::vector<QkvWeights> slice_heads(const QkvWeights& weights, std::size_t num_heads) {
  const std::size_t head_dim = weights.W_query.shape(1) / num_heads;
  auto part = [head_dim](const std::optional<Vector>& b, std::size_t h) -> std::optional<Vector> {
    if (!b) return std::nullopt;
    Vector out = xt::zeros<float>({head_dim});
    for (std::size_t j = 0; j < head_dim; ++j) out(j) = (*b)(h * head_dim + j);
    return out;
  };
  std::vector<QkvWeights> heads;
  for (std::size_t h = 0; h < num_heads; ++h) {
    heads.push_back({columns(weights.W_query, h * head_dim, head_dim), columns(weights.W_key, h * head_dim, head_dim),
                     columns(weights.W_value, h * head_dim, head_dim), part(weights.b_query, h),
                     part(weights.b_key, h), part(weights.b_value, h)});
  }
  return heads;
}

std::uint64_t multihead_parameter_count(std::uint64_t d_in, std::uint64_t d_out, bool qkv_bias) {
  return 3 * d_in * d_out + (qkv_bias ? 3 * d_out : 0) + d_out * d_out + d_out;
}

std::uint64_t wrapper_parameter_count(std::uint64_t d_in, std::uint64_t d_out, std::uint64_t num_heads,
                                      bool qkv_bias) {
  return num_heads * (3 * d_in * d_out + (qkv_bias ? 3 * d_out : 0));
}

AttentionResult additive_attention(const Matrix& encoder_states, const Matrix& decoder_states,
                                   const AdditiveWeights& weights, Trace& trace) {
  const std::size_t S = decoder_states.shape(0), T = encoder_states.shape(0), d_attn = weights.v.size();
  trace.add("inputs", encoder_states);
  trace.add("decoder_state", decoder_states);
  Matrix decoder_projection = matmul(decoder_states, weights.W_decoder);                          // (S, d_attn)
  Matrix encoder_projection = add_row_vector(matmul(encoder_states, weights.W_encoder), weights.b_attn);  // (T, d_attn)
  Matrix attn_scores = xt::zeros<float>({S, T});  // (S, T)  e_sj = v·tanh(s_s·W_dec + h_j·W_enc + b)
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t j = 0; j < T; ++j) {
      float score = 0.0f;
      for (std::size_t a = 0; a < d_attn; ++a)
        score += weights.v(a) * std::tanh(decoder_projection(s, a) + encoder_projection(j, a));
      attn_scores(s, j) = score;
    }
  Matrix attn_weights = softmax_rows(attn_scores);            // (S, T)      α = softmax over j
  Matrix context_vecs = matmul(attn_weights, encoder_states); // (S, d_enc)  c_s = Σ_j α_sj·h_j
  trace.add("decoder_projection", decoder_projection);
  trace.add("encoder_projection", encoder_projection);
  trace.add("attn_scores", attn_scores);
  trace.add("attn_weights", attn_weights);
  trace.add("context_vecs", context_vecs);
  std::vector<HeadParts> heads(1);
  heads[0].attn_weights = attn_weights;
  return result_of(heads, context_vecs);
}

}  // namespace attn
