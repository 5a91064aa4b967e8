// AdamW, gradient clipping, the warm-up and the Trainer that runs them on a task.

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "attn/train.hpp"

namespace attn {

AdamW::AdamW(std::size_t n, const AdamWConfig& config) : config_(config), exp_avg_(n, 0.0f), exp_avg_sq_(n, 0.0f) {}

void AdamW::step(float* params, const float* grads, float lr) {
  ++t_;
  // as torch.optim.AdamW (single-tensor path): the bias corrections in double, as Python computes them
  const float beta1 = config_.beta1, beta2 = config_.beta2, eps = config_.eps;
  beta1_power_ *= beta1;
  beta2_power_ *= beta2;
  const double bias_correction1 = 1.0 - beta1_power_, bias_correction2 = 1.0 - beta2_power_;
  const float step_size = static_cast<float>(lr / bias_correction1);
  const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const float decay = 1.0f - lr * config_.weight_decay;
  float* m = exp_avg_.data();
  float* v = exp_avg_sq_.data();
  for (std::size_t i = 0; i < exp_avg_.size(); ++i) {
    params[i] *= decay;                                              // θ ← θ·(1 − lr·wd)
    m[i] = m[i] * beta1 + grads[i] * (1.0f - beta1);                 // m ← β1·m + (1 − β1)·g
    v[i] = v[i] * beta2 + grads[i] * grads[i] * (1.0f - beta2);      // v ← β2·v + (1 − β2)·g²
    const float denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
    params[i] += -step_size * (m[i] / denom);                        // θ ← θ − lr/(1 − β1ᵗ)·m/denom
  }
}

void AdamW::reset() {
  std::fill(exp_avg_.begin(), exp_avg_.end(), 0.0f);
  std::fill(exp_avg_sq_.begin(), exp_avg_sq_.end(), 0.0f);
  t_ = 0;
  beta1_power_ = beta2_power_ = 1;
}

float clip_grad_norm(float* grads, std::size_t n, float max_norm) {
  double squares = 0;
  for (std::size_t i = 0; i < n; ++i) squares += static_cast<double>(grads[i]) * grads[i];
  const float norm = static_cast<float>(std::sqrt(squares));
  if (max_norm > 0) {
    const float coef = std::min(1.0f, max_norm / (norm + 1e-6f));  // clip_grad_norm_ multiplies even by 1
    for (std::size_t i = 0; i < n; ++i) grads[i] *= coef;
  }
  return norm;
}

float warmup_lr(float lr, std::size_t warmup, std::size_t step) {
  if (warmup == 0 || step >= warmup) return lr;
  return lr * static_cast<float>(step) / static_cast<float>(warmup);
}

GptConfig gpt_config(const TrainConfig& c, const Task& task) {
  GptConfig model;
  model.vocab_size = task.vocab_size();
  model.context_length = c.context_length != 0 ? c.context_length : task.seq_len();
  model.emb_dim = c.emb_dim;
  model.n_heads = c.n_heads;
  model.n_layers = c.n_layers;
  model.qkv_bias = c.qkv_bias;
  model.activation = c.activation;
  model.positional = c.positional;
  return model;
}

namespace {

void check_size(const char* field, std::size_t value, std::size_t lo, std::size_t hi) {
  if (value < lo || value > hi)
    throw std::invalid_argument(std::string("TrainConfig: ") + field + " must be in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + std::to_string(value));
}

void check_real(const char* field, float value, float lo, float hi, bool lo_open) {
  const bool ok = std::isfinite(value) && (lo_open ? value > lo : value >= lo) && value <= hi;
  if (!ok)
    throw std::invalid_argument(std::string("TrainConfig: ") + field + " must be a number in " + (lo_open ? "(" : "[") +
                                std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(value));
}

GptConfig model_config_of(const TrainConfig& c, const Task& task) {
  check_size("batch", c.batch, 1, 1024);
  check_size("eval_sequences", c.eval_sequences, 1, 65536);
  check_size("warmup", c.warmup, 0, 1000000);
  if (c.context_length != 0) check_size("context_length", c.context_length, task.seq_len(), 1024);
  check_real("lr", c.lr, 0.0f, 10.0f, true);
  check_real("weight_decay", c.weight_decay, 0.0f, 1.0f, false);
  check_real("clip", c.clip, 0.0f, 1e6f, false);
  check_real("beta1", c.beta1, 0.0f, 0.999999f, false);
  check_real("beta2", c.beta2, 0.0f, 0.999999f, false);
  check_real("eps", c.eps, 0.0f, 1.0f, true);
  const GptConfig model = gpt_config(c, task);
  validate(model, c.batch);
  return model;
}

}  // namespace

struct Trainer::Impl {
  TrainConfig config;
  Task task;
  GptConfig model_config;
  Gpt<float> model;
  AdamW adamw;
  Rng batches;                     // training batches
  TaskSequence held_out;           // (eval_sequences, T), drawn once
  std::unordered_set<std::uint64_t> held_out_keys;  // key_of each held-out sequence: training redraws these
  std::vector<int> inputs, targets;  // (batch, T)
  std::size_t steps = 0;

  Impl(const TrainConfig& c, const Task& t)
      : config(c),
        task(t),
        model_config(model_config_of(c, t)),
        model(model_config, c.batch),
        adamw(parameter_count(model_config), AdamWConfig{c.beta1, c.beta2, c.eps, c.weight_decay}),
        batches(c.seed ^ 0x747261696E696E67ull /* "training" */, Stream::demo),
        inputs(c.batch * t.seq_len()),
        targets(c.batch * t.seq_len()) {
    model.init(c.seed);
    Rng held_out_rng(c.seed ^ 0x68656C646F7574ull /* "heldout" */, Stream::demo);
    held_out = task.sample(held_out_rng, c.eval_sequences);
    for (std::size_t s = 0; s < c.eval_sequences; ++s) held_out_keys.insert(key_of(&held_out.inputs[s * t.seq_len()]));
  }

  /// FNV-1a over a sequence's T tokens: equal sequences, equal keys (a rare collision only redraws).
  std::uint64_t key_of(const int* tokens) const {
    std::uint64_t key = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < task.seq_len(); ++i) key = (key ^ static_cast<std::uint32_t>(tokens[i])) * 0x100000001b3ull;
    return key;
  }

  /// Draws a training sequence that is not held out. A task whose sequences the held-out set nearly
  /// covers could loop: after 100 draws the last one is taken (no task here comes near).
  void draw_training(int* seq_inputs, int* seq_targets) {
    for (int tries = 0; tries < 100; ++tries) {
      task.sample(batches, seq_inputs, seq_targets, nullptr);
      if (held_out_keys.count(key_of(seq_inputs)) == 0) return;
    }
  }

  /// Loss, accuracies and per-head source attention over the held-out sequences.
  Evaluation held_out_scores();

  /// The token the model puts first in a row of logits (the first if tied).
  int argmax(const float* logits_row) const {
    return static_cast<int>(std::max_element(logits_row, logits_row + model_config.vocab_size) - logits_row);
  }

  /// One sequence of T tokens through the model (batch 1): every head's attention (L, H, T, T) and
  /// the most likely next token after each position.
  void run_one(const int* tokens, const int* targets, std::size_t T, std::vector<float>& attention,
               std::vector<int>& predictions) {
    const std::size_t H = model_config.n_heads, L = model_config.n_layers;
    model.forward(tokens, targets, 1, T);  // batch 1: its buffers are the first T rows of each
    attention.resize(L * H * T * T);
    for (std::size_t l = 0; l < L; ++l)
      std::copy(model.attn_weights(l), model.attn_weights(l) + H * T * T, attention.begin() + static_cast<std::ptrdiff_t>(l * H * T * T));
    predictions.resize(T);
    for (std::size_t t = 0; t < T; ++t) predictions[t] = argmax(model.logits() + t * model_config.vocab_size);
  }

  float train_step() {
    const std::size_t T = task.seq_len();
    for (std::size_t s = 0; s < config.batch; ++s) draw_training(&inputs[s * T], &targets[s * T]);
    const float loss = static_cast<float>(model.forward(inputs.data(), targets.data(), config.batch, T));
    model.backward();
    std::vector<float>& grads = model.gradients();
    clip_grad_norm(grads.data(), grads.size(), config.clip);
    ++steps;
    adamw.step(model.parameters().data(), grads.data(), warmup_lr(config.lr, config.warmup, steps));
    return loss;
  }
};

Trainer::Trainer(const TrainConfig& config, const Task& task) : impl_(std::make_unique<Impl>(config, task)) {}
Trainer::~Trainer() = default;

std::vector<float> Trainer::step(std::size_t n) {
  if (n > 100000) throw std::invalid_argument("Trainer::step: at most 100000 steps at once, got " + std::to_string(n));
  std::vector<float> losses(n);
  for (float& loss : losses) loss = impl_->train_step();
  return losses;
}

Evaluation Trainer::Impl::held_out_scores() {
  Impl& s = *this;
  const std::size_t T = s.task.seq_len(), V = s.model_config.vocab_size, H = s.model_config.n_heads,
                    L = s.model_config.n_layers;
  Evaluation out;
  double loss_sum = 0;
  std::size_t scored = 0, right = 0, sequences_right = 0, sourced = 0;
  out.source_attention.assign(L * H, 0.0);
  for (std::size_t first = 0; first < s.config.eval_sequences; first += s.config.batch) {
    const std::size_t count = std::min(s.config.batch, s.config.eval_sequences - first);
    const int* inputs = &s.held_out.inputs[first * T];
    const int* targets = &s.held_out.targets[first * T];
    const double loss = s.model.forward(inputs, targets, count, T);
    std::size_t chunk_scored = 0;
    for (std::size_t q = 0; q < count; ++q) {
      bool all_right = true;
      for (std::size_t t = 0; t < T; ++t) {
        const int target = targets[q * T + t];
        if (target < 0) continue;
        ++chunk_scored;
        const bool hit = s.argmax(s.model.logits() + (q * T + t) * V) == target;
        right += hit;
        all_right &= hit;
      }
      sequences_right += all_right;
    }
    const int* sources = &s.held_out.sources[first * T];
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t q = 0; q < count; ++q) {
          const float* attn_weights = s.model.attn_weights(l) + (q * H + h) * T * T;  // (T, T) of sequence q, head h
          for (std::size_t t = 0; t < T; ++t)
            if (sources[q * T + t] >= 0) out.source_attention[l * H + h] += attn_weights[t * T + static_cast<std::size_t>(sources[q * T + t])];
        }
    for (std::size_t i = 0; i < count * T; ++i) sourced += sources[i] >= 0;
    loss_sum += loss * static_cast<double>(chunk_scored);
    scored += chunk_scored;
  }
  out.loss = scored ? loss_sum / static_cast<double>(scored) : 0.0;
  out.token_accuracy = scored ? static_cast<double>(right) / static_cast<double>(scored) : 0.0;
  out.sequence_accuracy = static_cast<double>(sequences_right) / static_cast<double>(s.config.eval_sequences);
  for (double& weight : out.source_attention) weight = sourced ? weight / static_cast<double>(sourced) : 0.0;
  const std::size_t best = static_cast<std::size_t>(
      std::max_element(out.source_attention.begin(), out.source_attention.end()) - out.source_attention.begin());
  out.best_layer = best / H;
  out.best_head = best % H;
  return out;
}

Evaluation Trainer::evaluate() {
  Impl& s = *impl_;
  Evaluation out = s.held_out_scores();
  out.n_layers = s.model_config.n_layers;
  out.n_heads = s.model_config.n_heads;
  out.seq_len = s.task.seq_len();
  const TaskSequence& probe = s.task.probe();  // the probe: one sequence, every layer's heads
  s.run_one(probe.inputs.data(), probe.targets.data(), out.seq_len, out.probe_attention, out.probe_predictions);
  return out;
}

HeadEffects Trainer::head_effects() {
  Impl& s = *impl_;
  const std::size_t H = s.model_config.n_heads, L = s.model_config.n_layers;
  std::vector<bool> learners(L * H);  // the switches as the learner left them, put back at the end
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t h = 0; h < H; ++h) {
      learners[l * H + h] = s.model.ablated(l, h);
      s.model.set_ablation(l, h, false);
    }
  HeadEffects out;
  out.n_layers = L;
  out.n_heads = H;
  out.token_accuracy = s.held_out_scores().token_accuracy;
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t h = 0; h < H; ++h) {
      s.model.set_ablation(l, h, true);
      out.without.push_back(s.held_out_scores().token_accuracy);
      out.fall.push_back(out.token_accuracy - out.without.back());
      s.model.set_ablation(l, h, false);
    }
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t h = 0; h < H; ++h) s.model.set_ablation(l, h, learners[l * H + h]);
  return out;
}

Prediction Trainer::predict(const std::vector<int>& tokens) {
  Impl& s = *impl_;
  const std::size_t T = tokens.size(), V = s.model_config.vocab_size, H = s.model_config.n_heads,
                    L = s.model_config.n_layers;
  if (T < 1 || T > s.model_config.context_length)
    throw std::invalid_argument("predict: tokens has " + std::to_string(T) + " ids; give 1 to context_length = " +
                                std::to_string(s.model_config.context_length));
  for (std::size_t t = 0; t < T; ++t)
    if (tokens[t] < 0 || static_cast<std::size_t>(tokens[t]) >= V)
      throw std::invalid_argument("predict: tokens[" + std::to_string(t) + "] is " + std::to_string(tokens[t]) +
                                  ", not a token id in [0, vocab_size = " + std::to_string(V) + ")");
  Prediction out;
  out.n_layers = L;
  out.n_heads = H;
  out.seq_len = T;
  s.run_one(tokens.data(), nullptr, T, out.attention, out.predictions);
  return out;
}

const std::vector<float>& Trainer::weights() const { return impl_->model.parameters(); }

void Trainer::load(const std::vector<float>& weights) {
  std::vector<float>& params = impl_->model.parameters();
  if (weights.size() != params.size())
    throw std::invalid_argument("load: weights has " + std::to_string(weights.size()) + " numbers, the model " +
                                std::to_string(params.size()));
  for (const ParameterView& view : impl_->model.layout())
    for (std::size_t i = 0; i < view.size(); ++i) {
      const float value = weights[view.offset + i];
      if (!std::isfinite(value))
        throw std::invalid_argument("load: weights[" + std::to_string(view.offset + i) + "] (" + view.name + "[" +
                                    std::to_string(i / view.cols) + ", " + std::to_string(i % view.cols) + "]) is " +
                                    (std::isnan(value) ? "NaN" : "infinite"));
    }
  std::copy(weights.begin(), weights.end(), params.begin());
  impl_->adamw.reset();
  impl_->steps = 0;
}

void Trainer::ablate(std::size_t layer, std::size_t head, bool ablated) { impl_->model.set_ablation(layer, head, ablated); }
const std::vector<ParameterView>& Trainer::layout() const { return impl_->model.layout(); }
const TrainConfig& Trainer::config() const { return impl_->config; }
const GptConfig& Trainer::model_config() const { return impl_->model_config; }
const Task& Trainer::task() const { return impl_->task; }
std::size_t Trainer::steps_taken() const { return impl_->steps; }
const TaskSequence& Trainer::held_out() const { return impl_->held_out; }
const std::vector<int>& Trainer::last_batch() const { return impl_->inputs; }
const Gpt<float>& Trainer::model() const { return impl_->model; }

}  // namespace attn
