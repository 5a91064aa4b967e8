#include "attn/gpt.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <xtensor/xview.hpp>

namespace attn {

namespace {

/// Row id of the table, for each id: (vocab_size, emb_dim) → (T, emb_dim).
Matrix lookup(const Matrix& table, const std::vector<std::int64_t>& ids) {
  Matrix out = xt::zeros<float>({ids.size(), table.shape(1)});
  for (std::size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || static_cast<std::uint64_t>(ids[t]) >= table.shape(0))
      throw std::out_of_range("gpt: a token id is outside the vocabulary");
    for (std::size_t j = 0; j < table.shape(1); ++j) out(t, j) = table(static_cast<std::size_t>(ids[t]), j);
  }
  return out;
}

/// softmax(row / temperature) of every row, in double: any temperature > 0 gives a distribution
/// (a tiny one puts everything on the largest logits, never NaN).
Matrix softmax_with_temperature(const Matrix& logits, float temperature) {
  Matrix probas = xt::zeros<float>(logits.shape());
  std::vector<double> e(logits.shape(1));
  for (std::size_t i = 0; i < logits.shape(0); ++i) {
    float top = logits(i, 0);
    for (std::size_t j = 1; j < logits.shape(1); ++j) top = std::max(top, logits(i, j));
    double sum = 0.0;
    for (std::size_t j = 0; j < logits.shape(1); ++j)
      sum += e[j] = std::exp((static_cast<double>(logits(i, j)) - top) / temperature);
    for (std::size_t j = 0; j < logits.shape(1); ++j) probas(i, j) = static_cast<float>(e[j] / sum);
  }
  return probas;
}

/// Mean over the scored positions of −log softmax(logits_t)[target_t], in double.
float cross_entropy(const Matrix& logits, const std::vector<std::int64_t>& targets) {
  double total = 0.0;
  std::size_t scored = 0;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    if (targets[t] == -1) continue;
    if (targets[t] < 0 || static_cast<std::uint64_t>(targets[t]) >= logits.shape(1))
      throw std::out_of_range("gpt: a target is outside the vocabulary");
    double top = logits(t, 0);
    for (std::size_t j = 1; j < logits.shape(1); ++j) top = std::max(top, static_cast<double>(logits(t, j)));
    double sum = 0.0;
    for (std::size_t j = 0; j < logits.shape(1); ++j) sum += std::exp(logits(t, j) - top);
    total += top + std::log(sum) - logits(t, static_cast<std::size_t>(targets[t]));  // logsumexp − logit of the target
    ++scored;
  }
  if (scored == 0) throw std::invalid_argument("gpt: every target is -1");
  return static_cast<float>(total / static_cast<double>(scored));
}

}  // namespace

GptResult gpt_forward(const std::vector<std::int64_t>& token_ids, const GptWeights& weights, const GptConfig& config,
                      float temperature, const std::optional<std::vector<std::int64_t>>& targets, Trace& trace) {
  const std::size_t T = token_ids.size();
  if (T == 0 || T > config.context_length) throw std::invalid_argument("gpt: 1 to context_length tokens");
  GptResult result;
  Vector token_ids_step = xt::zeros<float>({T});  // (T), exact as floats: ids < 2²⁴
  for (std::size_t t = 0; t < T; ++t) token_ids_step(t) = static_cast<float>(token_ids[t]);
  trace.add("token_ids", token_ids_step);

  Matrix x = lookup(weights.tok_emb, token_ids);  // (T, emb_dim)  tok_embeds = tok_emb[token_ids]
  trace.add("tok_embeds", x);
  if (config.positional != Positional::none) {
    Matrix pos_embeds = config.positional == Positional::learned
                            ? Matrix(xt::view(weights.pos_emb, xt::range(0, T), xt::all()))  // (T, emb_dim)  pos_emb[0..T)
                            : sinusoidal_encoding(T, config.emb_dim);                        // (T, emb_dim)  PE
    trace.add("pos_embeds", pos_embeds);
    x = x + pos_embeds;  // (T, emb_dim)  tok_embeds + pos_embeds
  }
  trace.add("embeddings", x);

  BlockOptions block = config.block;
  block.n_heads = config.n_heads;
  block.causal = true;
  for (std::size_t l = 0; l < weights.trf_blocks.size(); ++l) {
    const std::string name = "trf_blocks." + std::to_string(l);
    Trace inner = trace.nested(name + ".");
    BlockResult out = transformer_block(x, weights.trf_blocks[l], block, inner);  // (T, emb_dim)
    trace.append(std::move(inner));
    x = std::move(out.outputs);
    trace.add(name, x);
    result.attn_weights.push_back(std::move(out.attn_weights));
  }

  Trace final_trace = trace.nested("final_norm.");
  Matrix normed = layer_norm(x, weights.final_norm, final_trace);  // (T, emb_dim)
  trace.append(std::move(final_trace));
  trace.add("final_norm", normed);
  result.logits = config.weight_tying ? matmul_transposed(normed, weights.tok_emb)  // (T, vocab)  x·tok_embᵀ
                                      : matmul(normed, weights.out_head);          // (T, vocab)  x·out_head
  result.probas = softmax_with_temperature(result.logits, temperature);            // (T, vocab)  softmax(logits / τ)
  trace.add("logits", result.logits);
  trace.add("probas", result.probas);
  result.predicted_ids.assign(T, 0);  // (T)  argmax of each row, the first if tied
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t j = 1; j < config.vocab_size; ++j)
      if (result.logits(t, j) > result.logits(t, result.predicted_ids[t])) result.predicted_ids[t] = j;
  result.next_token_id = result.predicted_ids[T - 1];
  if (targets) result.loss = cross_entropy(result.logits, *targets);
  return result;
}

GptWeights draw_gpt(Rng& rng, const GptConfig& config) {
  GptWeights w;
  w.tok_emb = draw_embedding_table(rng, config.vocab_size, config.emb_dim);
  if (config.positional == Positional::learned)
    w.pos_emb = draw_embedding_table(rng, config.context_length, config.emb_dim);
  for (std::size_t l = 0; l < config.n_layers; ++l)
    w.trf_blocks.push_back(draw_block(rng, config.emb_dim, config.d_ff, config.qkv_bias));
  w.final_norm = identity_layer_norm(config.emb_dim);
  if (!config.weight_tying) {
    const float bound = linear_bound(config.emb_dim);
    w.out_head = uniform_matrix(rng, config.emb_dim, config.vocab_size, -bound, bound);
  }
  return w;
}

GptParameterCount gpt_parameter_count(const GptConfig& config) {
  using Count = std::uint64_t;
  GptParameterCount count;
  count.tok_emb = Count{config.vocab_size} * config.emb_dim;
  count.pos_emb = config.positional == Positional::learned ? Count{config.context_length} * config.emb_dim : 0;
  count.trf_block = block_parameter_count(config.emb_dim, config.d_ff, config.qkv_bias);
  count.trf_blocks = count.trf_block * config.n_layers;
  count.final_norm = layer_norm_parameter_count(config.emb_dim);
  count.out_head = config.weight_tying ? 0 : Count{config.emb_dim} * config.vocab_size;
  count.total = count.tok_emb + count.pos_emb + count.trf_blocks + count.final_norm + count.out_head;
  return count;
}

}  // namespace attn
