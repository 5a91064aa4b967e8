// The trainable GPT: forward and backward over a batch, every product through detail::product
// (the blocked kernels for float), every buffer sized at construction.
//
// Shapes: B sequences of T tokens, N = B·T rows; C = emb_dim, H = n_heads, hd = C / H, F = 4·C,
// V = vocab_size. Activations are row-major (N, ·) with token (b, t) at row b·T + t; a head h of
// Q, K, V or the context vectors is the column block [h·hd, (h + 1)·hd) of its (N, C) buffer.
// Linear weights are (d_out, d_in) as in PyTorch: y = x·Wᵀ + b.

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "attn/random.hpp"
#include "attn/train.hpp"
#include "train_ops.hpp"

namespace attn {

using detail::Operand;
using detail::product;
using detail::rows_of;
using detail::transposed;

namespace {

void check_range(const char* field, std::size_t value, std::size_t lo, std::size_t hi) {
  if (value < lo || value > hi)
    throw std::invalid_argument(std::string("GptConfig: ") + field + " must be in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + std::to_string(value));
}

constexpr std::uint64_t kMaxFloats = std::uint64_t(1) << 28;  // 1 GiB of float: well past a browser tab

/// Floats of the products' packed B: the largest (k, m) of any product the model takes, with m
/// rounded up to whole panels: (N, C) and (N, F) in the weight gradients, (F, C), (C, F), (V, C),
/// (C, V) and (C, C) as weights, (T, hd) and (hd, T) in attention (64-bit: no wrap in wasm).
std::uint64_t panel_floats(const GptConfig& c, std::uint64_t max_batch) {
  const std::uint64_t N = max_batch * c.context_length, C = c.emb_dim, F = 4 * C, T = c.context_length,
                      V = c.vocab_size, hd = C / c.n_heads;
  const auto r = [](std::uint64_t m) { return (m + detail::kPanel - 1) / detail::kPanel * detail::kPanel; };
  return std::max({N * r(F), N * r(C), F * r(C), C * r(F), V * r(C), C * r(V), T * r(hd), hd * r(T)});
}

/// Floats of activations and work buffers for max_batch sequences (64-bit: no wrap in wasm).
std::uint64_t buffer_floats(const GptConfig& c, std::uint64_t max_batch) {
  const std::uint64_t N = max_batch * c.context_length, C = c.emb_dim, F = 4 * C, T = c.context_length,
                      V = c.vocab_size, L = c.n_layers, H = c.n_heads;
  const std::uint64_t per_layer = N * (9 * C + 3 * F + 4) + max_batch * H * T * T;
  return (L + 1) * N * C + L * per_layer + N * (2 * C + 2 * V + 2) + N * (6 * C + F) + T * T +
         panel_floats(c, max_batch);
}

}  // namespace

void validate(const GptConfig& config, std::size_t max_batch) {
  check_range("vocab_size", config.vocab_size, 1, 65536);
  check_range("context_length", config.context_length, 1, 1024);
  check_range("emb_dim", config.emb_dim, 1, 1024);
  check_range("n_heads", config.n_heads, 1, 64);
  check_range("n_layers", config.n_layers, 1, 16);
  check_range("batch", max_batch, 1, 4096);
  if (config.emb_dim % config.n_heads != 0)
    throw std::invalid_argument("GptConfig: n_heads (" + std::to_string(config.n_heads) + ") must divide emb_dim (" +
                                std::to_string(config.emb_dim) + ")");
  if (!(config.drop_rate == 0.0f))
    throw std::invalid_argument("GptConfig: drop_rate must be 0 (training here is deterministic)");
  const std::uint64_t floats = 3 * static_cast<std::uint64_t>(parameter_count(config)) + buffer_floats(config, max_batch);
  if (floats > kMaxFloats)
    throw std::invalid_argument("GptConfig: the model and its buffers for batch " + std::to_string(max_batch) +
                                " would take " + std::to_string(floats * 4 >> 20) + " MiB (at most " +
                                std::to_string(kMaxFloats * 4 >> 20) + ")");
}

std::vector<ParameterView> parameter_layout(const GptConfig& c) {
  const std::size_t C = c.emb_dim, F = 4 * C;
  std::vector<ParameterView> views;
  std::size_t offset = 0;
  auto add = [&](const std::string& name, std::size_t rows, std::size_t cols) {
    views.push_back({name, offset, rows, cols});
    offset += rows * cols;
  };
  add("tok_emb.weight", c.vocab_size, C);
  if (c.positional == PositionalEncoding::learned) add("pos_emb.weight", c.context_length, C);
  for (std::size_t l = 0; l < c.n_layers; ++l) {
    const std::string block = "trf_blocks." + std::to_string(l) + ".";
    for (const char* w : {"W_query", "W_key", "W_value"}) {
      add(block + "att." + w + ".weight", C, C);
      if (c.qkv_bias) add(block + "att." + w + ".bias", 1, C);
    }
    add(block + "att.out_proj.weight", C, C);
    add(block + "att.out_proj.bias", 1, C);
    add(block + "ff.layers.0.weight", F, C);
    add(block + "ff.layers.0.bias", 1, F);
    add(block + "ff.layers.2.weight", C, F);
    add(block + "ff.layers.2.bias", 1, C);
    add(block + "norm1.scale", 1, C);
    add(block + "norm1.shift", 1, C);
    add(block + "norm2.scale", 1, C);
    add(block + "norm2.shift", 1, C);
  }
  add("final_norm.scale", 1, C);
  add("final_norm.shift", 1, C);
  add("out_head.weight", c.vocab_size, C);
  return views;
}

std::size_t parameter_count(const GptConfig& config) {
  const std::vector<ParameterView> views = parameter_layout(config);
  return views.back().offset + views.back().size();
}

/// Offsets of one block's parameters in the flat buffer (b_query etc. npos without qkv_bias).
struct BlockOffsets {
  std::size_t W_query, b_query, W_key, b_key, W_value, b_value, W_out, b_out, W_ff1, b_ff1, W_ff2, b_ff2, norm1_scale,
      norm1_shift, norm2_scale, norm2_shift;
};

/// One block's activations, for max_batch sequences of context_length.
template <typename Scalar>
struct BlockActivations {
  std::vector<Scalar> ln1, ln1_mean, ln1_rstd;  // (N, C), (N), (N)   norm1(x)
  std::vector<Scalar> queries, keys, values;    // (N, C)             Q = ln1·W_queryᵀ, …
  std::vector<Scalar> attn_weights;             // (B, H, T, T)       α = softmax(Q·Kᵀ/√hd), causal
  std::vector<Scalar> context_vecs;             // (N, C)             Z = α·V, heads side by side
  std::vector<Scalar> h;                        // (N, C)             h = x + Z·W_outᵀ + b_out
  std::vector<Scalar> ln2, ln2_mean, ln2_rstd;  // (N, C), (N), (N)   norm2(h)
  std::vector<Scalar> ff_pre, ff_act, ff_sig;   // (N, F)             ln2·W₁ᵀ + b₁, act(·), GELU's σ(2u)
};

template <typename Scalar>
struct Gpt<Scalar>::Impl {
  GptConfig config;
  std::size_t max_batch, C, H, hd, F, V, L;
  std::vector<ParameterView> layout;
  std::vector<Scalar> params, grads;
  std::size_t tok_emb, pos_emb = 0, final_scale, final_shift, out_head;
  std::vector<BlockOffsets> blocks;
  std::vector<Scalar> sinusoid;  // (context_length, C) with sinusoidal encodings

  // the last forward
  std::size_t B = 0, T = 0, N = 0, scored = 0;
  std::vector<int> tokens, targets;                // (N)
  std::vector<std::vector<Scalar>> x;              // L + 1 of (N, C): the residual stream into block l, and out
  std::vector<BlockActivations<Scalar>> acts;      // L
  std::vector<Scalar> lnf, lnf_mean, lnf_rstd;     // (N, C), (N), (N)
  std::vector<Scalar> logits, probs;               // (N, V); probs becomes ∂L/∂logits in backward
  std::vector<unsigned char> ablated;              // (L, H)

  // backward work
  std::vector<Scalar> dx, d_ln, d_h, dq, dk, dv, d_ctx, d_ff, d_att;  // (N, C) ×7, (N, F), (T, T)
  detail::ProductWork work;

  Impl(const GptConfig& c, std::size_t max_batch_) : config(c), max_batch(max_batch_) {
    validate(c, max_batch);
    C = c.emb_dim;
    H = c.n_heads;
    hd = C / H;
    F = 4 * C;
    V = c.vocab_size;
    L = c.n_layers;
    layout = parameter_layout(c);
    params.assign(parameter_count(c), Scalar(0));
    grads.assign(params.size(), Scalar(0));
    auto at = [&](const std::string& name) {
      for (const ParameterView& v : layout)
        if (v.name == name) return v.offset;
      return std::numeric_limits<std::size_t>::max();
    };
    tok_emb = at("tok_emb.weight");
    if (c.positional == PositionalEncoding::learned) pos_emb = at("pos_emb.weight");
    for (std::size_t l = 0; l < L; ++l) {
      const std::string b = "trf_blocks." + std::to_string(l) + ".";
      blocks.push_back({at(b + "att.W_query.weight"), at(b + "att.W_query.bias"), at(b + "att.W_key.weight"),
                        at(b + "att.W_key.bias"), at(b + "att.W_value.weight"), at(b + "att.W_value.bias"),
                        at(b + "att.out_proj.weight"), at(b + "att.out_proj.bias"), at(b + "ff.layers.0.weight"),
                        at(b + "ff.layers.0.bias"), at(b + "ff.layers.2.weight"), at(b + "ff.layers.2.bias"),
                        at(b + "norm1.scale"), at(b + "norm1.shift"), at(b + "norm2.scale"), at(b + "norm2.shift")});
    }
    final_scale = at("final_norm.scale");
    final_shift = at("final_norm.shift");
    out_head = at("out_head.weight");
    const std::size_t T_max = c.context_length;
    if (c.positional == PositionalEncoding::sinusoidal) {
      // PE(t, 2i) = sin(t / 10000^(2i/C)), PE(t, 2i + 1) = cos(t / 10000^(2i/C))
      sinusoid.assign(T_max * C, Scalar(0));
      for (std::size_t t = 0; t < T_max; ++t)
        for (std::size_t i = 0; i < C; ++i) {
          const double angle = static_cast<double>(t) / std::pow(10000.0, static_cast<double>(i / 2 * 2) / C);
          sinusoid[t * C + i] = static_cast<Scalar>(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    }
    const std::size_t N_max = max_batch * T_max;
    tokens.assign(N_max, 0);
    targets.assign(N_max, -1);
    x.assign(L + 1, std::vector<Scalar>(N_max * C));
    acts.resize(L);
    for (BlockActivations<Scalar>& a : acts) {
      for (std::vector<Scalar>* buffer : {&a.ln1, &a.queries, &a.keys, &a.values, &a.context_vecs, &a.h, &a.ln2})
        buffer->assign(N_max * C, Scalar(0));
      for (std::vector<Scalar>* buffer : {&a.ln1_mean, &a.ln1_rstd, &a.ln2_mean, &a.ln2_rstd})
        buffer->assign(N_max, Scalar(0));
      for (std::vector<Scalar>* buffer : {&a.ff_pre, &a.ff_act, &a.ff_sig}) buffer->assign(N_max * F, Scalar(0));
      a.attn_weights.assign(max_batch * H * T_max * T_max, Scalar(0));
    }
    lnf.assign(N_max * C, Scalar(0));
    lnf_mean.assign(N_max, Scalar(0));
    lnf_rstd.assign(N_max, Scalar(0));
    logits.assign(N_max * V, Scalar(0));
    probs.assign(N_max * V, Scalar(0));
    ablated.assign(L * H, 0);
    for (std::vector<Scalar>* buffer : {&dx, &d_ln, &d_h, &dq, &dk, &dv, &d_ctx}) buffer->assign(N_max * C, Scalar(0));
    d_ff.assign(N_max * F, Scalar(0));
    d_att.assign(T_max * T_max, Scalar(0));
    // validate() bounded panel_floats with the rest (below 2^28), so it fits a 32-bit size_t
    if constexpr (std::is_same_v<Scalar, float>) work.reserve(static_cast<std::size_t>(panel_floats(c, max_batch)));
  }

  const Scalar* p(std::size_t offset) const { return params.data() + offset; }
  Scalar* g(std::size_t offset) { return grads.data() + offset; }
  const Scalar* bias(std::size_t offset) const {
    return offset == std::numeric_limits<std::size_t>::max() ? nullptr : p(offset);
  }

  /// y (N, d_out) = x (N, d_in) · Wᵀ + b, W (d_out, d_in) at w, b at bias (nullptr: none).
  void linear(const Scalar* x_in, std::size_t d_in, std::size_t w, const Scalar* b, std::size_t d_out, Scalar* y) {
    detail::fill_rows(y, N, d_out, b);
    product(rows_of(x_in, d_in), transposed(p(w), d_in), N, d_in, d_out, y, d_out, true, work);
  }

  /// The backward of linear: dW (d_out, d_in) = dyᵀ·x, db += Σ dy, dx (N, d_in) (+)= dy·W.
  void linear_backward(const Scalar* dy, const Scalar* x_in, std::size_t d_in, std::size_t w, std::size_t b,
                       std::size_t d_out, Scalar* dx_out, bool accumulate) {
    product(transposed(dy, d_out), rows_of(x_in, d_in), d_out, N, d_in, g(w), d_in, false, work);
    if (b != std::numeric_limits<std::size_t>::max()) detail::add_column_sums(dy, N, d_out, g(b));
    product(rows_of(dy, d_out), rows_of(p(w), d_in), N, d_out, d_in, dx_out, d_in, accumulate, work);
  }

  void block_forward(std::size_t l) {
    const BlockOffsets& o = blocks[l];
    BlockActivations<Scalar>& a = acts[l];
    const Scalar* x_l = x[l].data();
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(hd));
    detail::layer_norm_forward(x_l, N, C, p(o.norm1_scale), p(o.norm1_shift), a.ln1.data(), a.ln1_mean.data(),
                               a.ln1_rstd.data());
    linear(a.ln1.data(), C, o.W_query, bias(o.b_query), C, a.queries.data());  // (N, C)  Q = norm1(x)·W_queryᵀ
    linear(a.ln1.data(), C, o.W_key, bias(o.b_key), C, a.keys.data());        // (N, C)  K
    linear(a.ln1.data(), C, o.W_value, bias(o.b_value), C, a.values.data());  // (N, C)  V
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t h = 0; h < H; ++h) {
        const std::size_t head = b * T * C + h * hd;  // (T, hd) at rows b·T…, columns h·hd…, C apart
        Scalar* attn_weights = a.attn_weights.data() + (b * H + h) * T * T;
        // (T, T)  ω = Q_h·K_hᵀ;  α = softmax(ω/√hd), the future masked
        product(rows_of(a.queries.data() + head, C), transposed(a.keys.data() + head, C), T, hd, T, attn_weights, T,
                false, work, detail::Causal::output);
        detail::causal_softmax(attn_weights, T, scale);
        Scalar* context = a.context_vecs.data() + head;
        if (ablated[l * H + h]) {
          for (std::size_t t = 0; t < T; ++t) std::fill(context + t * C, context + t * C + hd, Scalar(0));
          continue;
        }
        // (T, hd)  Z_h = α·V_h
        product(rows_of<Scalar>(attn_weights, T), rows_of(a.values.data() + head, C), T, T, hd, context, C, false, work,
                detail::Causal::a_lower);
      }
    // (N, C)  h = x + Z·W_outᵀ + b_out
    linear(a.context_vecs.data(), C, o.W_out, p(o.b_out), C, a.h.data());
    for (std::size_t i = 0; i < N * C; ++i) a.h[i] += x_l[i];
    detail::layer_norm_forward(a.h.data(), N, C, p(o.norm2_scale), p(o.norm2_shift), a.ln2.data(), a.ln2_mean.data(),
                               a.ln2_rstd.data());
    linear(a.ln2.data(), C, o.W_ff1, p(o.b_ff1), F, a.ff_pre.data());  // (N, F)  ln2·W₁ᵀ + b₁
    if (config.activation == Activation::gelu)
      detail::gelu_forward(a.ff_pre.data(), N * F, a.ff_act.data(), a.ff_sig.data());
    else
      detail::relu_forward(a.ff_pre.data(), N * F, a.ff_act.data());
    // (N, C)  y = h + act·W₂ᵀ + b₂
    Scalar* y = x[l + 1].data();
    linear(a.ff_act.data(), F, o.W_ff2, p(o.b_ff2), C, y);
    for (std::size_t i = 0; i < N * C; ++i) y[i] += a.h[i];
  }

  /// dx holds ∂L/∂y of block l on entry and ∂L/∂x_l on exit.
  void block_backward(std::size_t l) {
    const BlockOffsets& o = blocks[l];
    BlockActivations<Scalar>& a = acts[l];
    const Scalar scale = Scalar(1) / std::sqrt(static_cast<Scalar>(hd));
    // y = h + ff(norm2(h)): ∂L/∂h = ∂L/∂y + norm2ᵀ(ffᵀ(∂L/∂y))
    linear_backward(dx.data(), a.ff_act.data(), F, o.W_ff2, o.b_ff2, C, d_ff.data(), false);  // (N, F) ∂L/∂act
    if (config.activation == Activation::gelu)
      detail::gelu_backward(d_ff.data(), a.ff_pre.data(), a.ff_sig.data(), N * F, d_ff.data());
    else
      detail::relu_backward(d_ff.data(), a.ff_pre.data(), N * F, d_ff.data());
    linear_backward(d_ff.data(), a.ln2.data(), C, o.W_ff1, o.b_ff1, F, d_ln.data(), false);  // (N, C) ∂L/∂ln2
    std::copy(dx.begin(), dx.begin() + static_cast<std::ptrdiff_t>(N * C), d_h.begin());
    detail::layer_norm_backward(d_ln.data(), a.h.data(), a.ln2_mean.data(), a.ln2_rstd.data(), p(o.norm2_scale), N, C,
                                d_h.data(), g(o.norm2_scale), g(o.norm2_shift));
    // h = x + att(norm1(x)): ∂L/∂x = ∂L/∂h + norm1ᵀ(attᵀ(∂L/∂h))
    linear_backward(d_h.data(), a.context_vecs.data(), C, o.W_out, o.b_out, C, d_ctx.data(), false);  // ∂L/∂Z
    for (std::size_t b = 0; b < B; ++b)
      for (std::size_t h = 0; h < H; ++h) {
        const std::size_t head = b * T * C + h * hd;
        if (ablated[l * H + h]) {
          for (std::vector<Scalar>* d : {&dq, &dk, &dv})
            for (std::size_t t = 0; t < T; ++t) std::fill(d->data() + head + t * C, d->data() + head + t * C + hd, Scalar(0));
          continue;
        }
        const Scalar* attn_weights = a.attn_weights.data() + (b * H + h) * T * T;
        const Scalar* d_context = d_ctx.data() + head;
        // (T, T)  ∂L/∂α = ∂L/∂Z_h · V_hᵀ
        product(rows_of(d_context, C), transposed(a.values.data() + head, C), T, hd, T, d_att.data(), T, false, work,
                detail::Causal::output);
        // (T, hd)  ∂L/∂V_h = αᵀ · ∂L/∂Z_h
        product(transposed(attn_weights, T), rows_of(d_context, C), T, T, hd, dv.data() + head, C, false, work);
        // (T, T)  ∂L/∂ω, scaled by 1/√hd
        detail::causal_softmax_backward(attn_weights, d_att.data(), T, scale);
        // (T, hd)  ∂L/∂Q_h = ∂L/∂ω · K_h;  ∂L/∂K_h = ∂L/∂ωᵀ · Q_h
        product(rows_of<Scalar>(d_att.data(), T), rows_of(a.keys.data() + head, C), T, T, hd, dq.data() + head, C,
                false, work, detail::Causal::a_lower);
        product(transposed<Scalar>(d_att.data(), T), rows_of(a.queries.data() + head, C), T, T, hd, dk.data() + head,
                C, false, work);
      }
    linear_backward(dq.data(), a.ln1.data(), C, o.W_query, o.b_query, C, d_ln.data(), false);  // (N, C) ∂L/∂ln1
    linear_backward(dk.data(), a.ln1.data(), C, o.W_key, o.b_key, C, d_ln.data(), true);
    linear_backward(dv.data(), a.ln1.data(), C, o.W_value, o.b_value, C, d_ln.data(), true);
    std::copy(d_h.begin(), d_h.begin() + static_cast<std::ptrdiff_t>(N * C), dx.begin());
    detail::layer_norm_backward(d_ln.data(), x[l].data(), a.ln1_mean.data(), a.ln1_rstd.data(), p(o.norm1_scale), N, C,
                                dx.data(), g(o.norm1_scale), g(o.norm1_shift));
  }

  double forward(const int* in_tokens, const int* in_targets, std::size_t batch, std::size_t T_) {
    if (batch < 1 || batch > max_batch)
      throw std::invalid_argument("Gpt::forward: batch must be in [1, " + std::to_string(max_batch) + "], got " +
                                  std::to_string(batch));
    if (T_ < 1 || T_ > config.context_length)
      throw std::invalid_argument("Gpt::forward: T must be in [1, " + std::to_string(config.context_length) +
                                  "], got " + std::to_string(T_));
    B = batch;
    T = T_;
    N = B * T;
    for (std::size_t i = 0; i < N; ++i) {
      if (in_tokens[i] < 0 || static_cast<std::size_t>(in_tokens[i]) >= V)
        throw std::invalid_argument("Gpt::forward: token " + std::to_string(i) + " is " + std::to_string(in_tokens[i]) +
                                    ", not in [0, vocab_size = " + std::to_string(V) + ")");
      const int target = in_targets ? in_targets[i] : -1;
      if (target < -1 || (target >= 0 && static_cast<std::size_t>(target) >= V))
        throw std::invalid_argument("Gpt::forward: target " + std::to_string(i) + " is " + std::to_string(target) +
                                    ", not −1 or in [0, vocab_size = " + std::to_string(V) + ")");
      tokens[i] = in_tokens[i];
      targets[i] = target;
    }
    // (N, C)  x₀ = tok_emb[token] + pos_emb[t]
    const Scalar* positions = config.positional == PositionalEncoding::learned ? p(pos_emb) : sinusoid.data();
    for (std::size_t i = 0; i < N; ++i) {
      const Scalar* tok = p(tok_emb) + static_cast<std::size_t>(tokens[i]) * C;
      const Scalar* pos = positions + (i % T) * C;
      for (std::size_t c = 0; c < C; ++c) x[0][i * C + c] = tok[c] + pos[c];
    }
    for (std::size_t l = 0; l < L; ++l) block_forward(l);
    detail::layer_norm_forward(x[L].data(), N, C, p(final_scale), p(final_shift), lnf.data(), lnf_mean.data(),
                               lnf_rstd.data());
    // (N, V)  logits = final_norm(x)·out_headᵀ
    product(rows_of<Scalar>(lnf.data(), C), transposed(p(out_head), C), N, C, V, logits.data(), V, false, work);
    const double total = detail::cross_entropy_forward(logits.data(), targets.data(), N, V, probs.data(), scored);
    return scored > 0 ? total / static_cast<double>(scored) : 0.0;
  }

  void backward() {
    if (N == 0) throw std::logic_error("Gpt::backward: no forward to differentiate");
    std::fill(grads.begin(), grads.end(), Scalar(0));
    detail::cross_entropy_backward(probs.data(), targets.data(), N, V, scored);  // (N, V)  ∂L/∂logits
    const Scalar* d_logits = probs.data();
    // out_head (V, C): ∂W = ∂logitsᵀ·lnf;  (N, C) ∂L/∂lnf = ∂logits·W
    product(transposed(d_logits, V), rows_of<Scalar>(lnf.data(), C), V, N, C, g(out_head), C, false, work);
    product(rows_of(d_logits, V), rows_of(p(out_head), C), N, V, C, d_ln.data(), C, false, work);
    std::fill(dx.begin(), dx.end(), Scalar(0));
    detail::layer_norm_backward(d_ln.data(), x[L].data(), lnf_mean.data(), lnf_rstd.data(), p(final_scale), N, C,
                                dx.data(), g(final_scale), g(final_shift));
    for (std::size_t l = L; l-- > 0;) block_backward(l);
    // x₀ = tok_emb[token] + pos_emb[t]: scatter ∂L/∂x₀ into both tables
    for (std::size_t i = 0; i < N; ++i) {
      Scalar* tok = g(tok_emb) + static_cast<std::size_t>(tokens[i]) * C;
      for (std::size_t c = 0; c < C; ++c) tok[c] += dx[i * C + c];
      if (config.positional == PositionalEncoding::learned) {
        Scalar* pos = g(pos_emb) + (i % T) * C;
        for (std::size_t c = 0; c < C; ++c) pos[c] += dx[i * C + c];
      }
    }
  }
};

template <typename Scalar>
Gpt<Scalar>::Gpt(const GptConfig& config, std::size_t max_batch) : impl_(std::make_unique<Impl>(config, max_batch)) {}
template <typename Scalar>
Gpt<Scalar>::~Gpt() = default;
template <typename Scalar>
Gpt<Scalar>::Gpt(Gpt&&) noexcept = default;
template <typename Scalar>
Gpt<Scalar>& Gpt<Scalar>::operator=(Gpt&&) noexcept = default;

template <typename Scalar>
const GptConfig& Gpt<Scalar>::config() const { return impl_->config; }
template <typename Scalar>
std::size_t Gpt<Scalar>::max_batch() const { return impl_->max_batch; }
template <typename Scalar>
const std::vector<ParameterView>& Gpt<Scalar>::layout() const { return impl_->layout; }
template <typename Scalar>
std::vector<Scalar>& Gpt<Scalar>::parameters() { return impl_->params; }
template <typename Scalar>
const std::vector<Scalar>& Gpt<Scalar>::parameters() const { return impl_->params; }
template <typename Scalar>
const std::vector<Scalar>& Gpt<Scalar>::gradients() const { return impl_->grads; }
template <typename Scalar>
std::vector<Scalar>& Gpt<Scalar>::gradients() { return impl_->grads; }

template <typename Scalar>
void Gpt<Scalar>::init(std::uint64_t seed) {
  Rng rng(seed, Stream::weights);
  for (const ParameterView& view : impl_->layout) {
    Scalar* values = impl_->params.data() + view.offset;
    const std::string& name = view.name;
    const bool is_scale = name.size() >= 6 && name.compare(name.size() - 6, 6, ".scale") == 0;
    const bool is_zero = (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) ||
                         (name.size() >= 6 && name.compare(name.size() - 6, 6, ".shift") == 0);
    for (std::size_t i = 0; i < view.size(); ++i)
      values[i] = is_scale ? Scalar(1) : is_zero ? Scalar(0) : static_cast<Scalar>(0.02f * portable_normal(rng));
  }
}

template <typename Scalar>
double Gpt<Scalar>::forward(const int* tokens, const int* targets, std::size_t batch, std::size_t T) {
  return impl_->forward(tokens, targets, batch, T);
}
template <typename Scalar>
void Gpt<Scalar>::backward() { impl_->backward(); }
template <typename Scalar>
const Scalar* Gpt<Scalar>::logits() const { return impl_->logits.data(); }
template <typename Scalar>
const Scalar* Gpt<Scalar>::attn_weights(std::size_t layer) const {
  if (layer >= impl_->L) throw std::invalid_argument("Gpt::attn_weights: layer " + std::to_string(layer) + " of " + std::to_string(impl_->L));
  return impl_->acts[layer].attn_weights.data();
}
template <typename Scalar>
void Gpt<Scalar>::set_ablation(std::size_t layer, std::size_t head, bool ablated) {
  if (layer >= impl_->L || head >= impl_->H)
    throw std::invalid_argument("ablate: (layer " + std::to_string(layer) + ", head " + std::to_string(head) +
                                ") outside n_layers " + std::to_string(impl_->L) + ", n_heads " + std::to_string(impl_->H));
  impl_->ablated[layer * impl_->H + head] = ablated ? 1 : 0;
}
template <typename Scalar>
bool Gpt<Scalar>::ablated(std::size_t layer, std::size_t head) const {
  return layer < impl_->L && head < impl_->H && impl_->ablated[layer * impl_->H + head];
}

template class Gpt<float>;
template class Gpt<double>;

}  // namespace attn
