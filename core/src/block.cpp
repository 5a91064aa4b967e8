#include "attn/block.hpp"

#include "attn/init.hpp"

namespace attn {

namespace {

/// A sub-module's output under its own name, its intermediates under `name.`.
template <class F>
Matrix sub_module(Trace& trace, const std::string& name, F&& run) {
  Trace inner = trace.nested(name + ".");
  Matrix out = run(inner);
  trace.append(std::move(inner));
  trace.add(name, out);
  return out;
}

}  // namespace

BlockResult transformer_block(const Matrix& x, const BlockWeights& weights, const BlockOptions& options,
                              Trace& trace) {
  BlockResult result;
  const Dropout no_dropout;  // evaluation mode
  auto norm = [&trace](const std::string& name, const Matrix& in, const LayerNormWeights& w) {
    return sub_module(trace, name, [&](Trace& inner) { return layer_norm(in, w, inner); });
  };
  auto att = [&](const Matrix& in) {
    return sub_module(trace, "att", [&](Trace& inner) {
      AttentionResult attention = multihead_attention(in, weights.att, options.n_heads, options.causal, no_dropout, inner);
      result.attn_weights = std::move(attention.attn_weights);
      return attention.context_vecs;
    });
  };
  auto ff = [&](const Matrix& in) {
    return sub_module(trace, "ff", [&](Trace& inner) { return feed_forward(in, weights.ff, options.activation, inner); });
  };
  auto shortcut = [&](const std::string& name, const Matrix& skipped, const Matrix& sub_layer) {
    if (!options.residual) return sub_layer;
    Matrix sum = skipped + sub_layer;  // (T, emb_dim)  the residual connection
    trace.add(name, sum);
    return sum;
  };

  if (options.norm_first) {
    Matrix h = shortcut("residual1", x, att(norm("norm1", x, weights.norm1)));  // (T, emb_dim)  h = x + att(norm1(x))
    result.outputs = shortcut("residual2", h, ff(norm("norm2", h, weights.norm2)));  // (T, emb_dim)  y = h + ff(norm2(h))
  } else {
    Matrix h = norm("norm1", shortcut("residual1", x, att(x)), weights.norm1);  // (T, emb_dim)  h = norm1(x + att(x))
    result.outputs = norm("norm2", shortcut("residual2", h, ff(h)), weights.norm2);  // (T, emb_dim)  y = norm2(h + ff(h))
  }
  return result;
}

BlockWeights draw_block(Rng& rng, std::size_t emb_dim, std::size_t d_ff, bool qkv_bias) {
  BlockWeights w;
  w.att = draw_multihead(rng, emb_dim, emb_dim, qkv_bias);
  w.ff = draw_feed_forward(rng, emb_dim, d_ff);
  w.norm1 = identity_layer_norm(emb_dim);
  w.norm2 = identity_layer_norm(emb_dim);
  return w;
}

std::uint64_t block_parameter_count(std::uint64_t emb_dim, std::uint64_t d_ff, bool qkv_bias) {
  return multihead_parameter_count(emb_dim, emb_dim, qkv_bias) + feed_forward_parameter_count(emb_dim, d_ff) +
         2 * layer_norm_parameter_count(emb_dim);
}

}  // namespace attn
