// Our training step inside WebAssembly, for the training comparison with TensorFlow.js
// (bench/train.mjs builds it with em++ and the module's flags; bench/page/train.js runs it).
// Not part of the module: the wasm Trainer draws its batches from a task of fixed vocabulary
// and length, while the comparison needs the configurations (vocabulary 64, T 64) and
// the very batches the TensorFlow.js peer trains on. So this runs the Trainer's step on a
// Gpt<float> directly: forward, backward, clip_grad_norm, AdamW at the warmed-up rate, as
// Trainer::Impl::train_step does, on tokens and targets the page writes into its buffers.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <vector>

#include "attn/train.hpp"

namespace {

using namespace attn;

struct Bench {
  GptConfig config;
  std::size_t batch;
  Gpt<float> model;
  AdamW adamw;
  float lr, clip;
  std::size_t warmup, steps = 0;
  std::vector<int> tokens, targets;
  double forward_ms = 0, backward_ms = 0, update_ms = 0;  // summed over steps

  Bench(const GptConfig& c, std::size_t b, std::uint64_t seed, float lr_, std::size_t warmup_, float clip_)
      : config(c), batch(b), model(c, b), adamw(parameter_count(c), AdamWConfig{}), lr(lr_), clip(clip_),
        warmup(warmup_), tokens(b * c.context_length), targets(b * c.context_length) {
    model.init(seed);
  }

  float step() {
    const double t0 = emscripten_get_now();
    const float loss = static_cast<float>(model.forward(tokens.data(), targets.data(), batch, config.context_length));
    const double t1 = emscripten_get_now();
    model.backward();
    const double t2 = emscripten_get_now();
    std::vector<float>& grads = model.gradients();
    clip_grad_norm(grads.data(), grads.size(), clip);
    ++steps;
    adamw.step(model.parameters().data(), grads.data(), warmup_lr(lr, warmup, steps));
    const double t3 = emscripten_get_now();
    forward_ms += t1 - t0;
    backward_ms += t2 - t1;
    update_ms += t3 - t2;
    return loss;
  }
};

}  // namespace

extern "C" {

/// A model (vocab, T, emb_dim, n_heads, n_layers; GELU, learned positions, no qkv bias) for
/// `batch` sequences, initialised from `seed`; AdamW with the Trainer's defaults. nullptr if refused.
EMSCRIPTEN_KEEPALIVE Bench* train_create(int vocab, int T, int emb_dim, int n_heads, int n_layers, int batch, int seed,
                                         float lr, int warmup, float clip) {
  GptConfig config;
  config.vocab_size = static_cast<std::size_t>(vocab);
  config.context_length = static_cast<std::size_t>(T);
  config.emb_dim = static_cast<std::size_t>(emb_dim);
  config.n_heads = static_cast<std::size_t>(n_heads);
  config.n_layers = static_cast<std::size_t>(n_layers);
  try {
    validate(config, static_cast<std::size_t>(batch));
    return new Bench(config, static_cast<std::size_t>(batch), static_cast<std::uint64_t>(seed), lr,
                     static_cast<std::size_t>(warmup), clip);
  } catch (...) {
    return nullptr;
  }
}
EMSCRIPTEN_KEEPALIVE void train_destroy(Bench* b) { delete b; }
/// The flat parameters (PyTorch's order, train.hpp's parameter_layout) and their count.
EMSCRIPTEN_KEEPALIVE float* train_parameters(Bench* b) { return b->model.parameters().data(); }
EMSCRIPTEN_KEEPALIVE int train_parameter_count(Bench* b) { return static_cast<int>(b->model.parameters().size()); }
/// (batch, T) tokens and targets (−1: not scored) of the next step, written by the page.
EMSCRIPTEN_KEEPALIVE int* train_tokens(Bench* b) { return b->tokens.data(); }
EMSCRIPTEN_KEEPALIVE int* train_targets(Bench* b) { return b->targets.data(); }
/// One step on the batch in the buffers; returns its loss (NaN if the forward refused the batch).
EMSCRIPTEN_KEEPALIVE float train_step(Bench* b) {
  try {
    return b->step();
  } catch (...) {
    return __builtin_nanf("");
  }
}
/// Milliseconds summed over all steps so far: 0 forward, 1 backward, 2 clip + AdamW.
EMSCRIPTEN_KEEPALIVE double train_phase_ms(Bench* b, int phase) {
  return phase == 0 ? b->forward_ms : phase == 1 ? b->backward_ms : b->update_ms;
}
}
