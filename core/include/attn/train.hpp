#pragma once
/// \file train.hpp
/// A small GPT that trains: chapter 4's model (tok_emb + pos_emb → n_layers pre-norm blocks →
/// final_norm → out_head), its backward pass, AdamW and the Trainer that runs them on a task.
///
/// The parameters live in one contiguous buffer, in the order and layout of PyTorch's
/// `model.parameters()` for Raschka's GPTModel (so the buffer is `parameters_to_vector(model
/// .parameters())`): Linear weights are (d_out, d_in) as nn.Linear stores them. The gradients
/// live in a second buffer of the same layout. parameter_layout() names every view.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attn/train_tasks.hpp"

namespace attn {

enum class Activation { gelu, relu };                   ///< the feed-forward's non-linearity
enum class PositionalEncoding { learned, sinusoidal };  ///< pos_emb, or the fixed sin/cos table

/// Chapter 4's GPT_CONFIG, for a small model.
struct GptConfig {
  std::size_t vocab_size = 16;
  std::size_t context_length = 16;  ///< the longest sequence (T)
  std::size_t emb_dim = 32;         ///< C; d_ff = 4·C
  std::size_t n_heads = 2;          ///< divides emb_dim; head_dim = emb_dim / n_heads
  std::size_t n_layers = 2;
  bool qkv_bias = false;
  float drop_rate = 0.0f;           ///< only 0: training here is deterministic
  Activation activation = Activation::gelu;
  PositionalEncoding positional = PositionalEncoding::learned;
};

/// Refuses a config out of range (std::invalid_argument naming the field): vocab_size 1…65536,
/// context_length 1…1024, emb_dim 1…1024, n_heads 1…64 dividing emb_dim, n_layers 1…16,
/// drop_rate 0, and a model plus its buffers for `max_batch` sequences within 2^28 floats.
void validate(const GptConfig& config, std::size_t max_batch);

/// One named parameter: a row-major (rows, cols) block of the flat buffer at `offset`.
struct ParameterView {
  std::string name;  ///< PyTorch's name, e.g. "trf_blocks.0.att.W_query.weight"
  std::size_t offset, rows, cols;
  std::size_t size() const { return rows * cols; }
};

/// The views of the flat buffer, in order, without gaps: tok_emb.weight (V, C), pos_emb.weight
/// (T, C) (learned only), then per block trf_blocks.l.att.W_query.weight (C, C) [.bias (1, C) with
/// qkv_bias], W_key, W_value likewise, att.out_proj.weight (C, C), .bias, ff.layers.0.weight (4C, C),
/// .bias (1, 4C), ff.layers.2.weight (C, 4C), .bias (1, C), norm1.scale, norm1.shift, norm2.scale,
/// norm2.shift (1, C); final_norm.scale, final_norm.shift (1, C); out_head.weight (V, C).
std::vector<ParameterView> parameter_layout(const GptConfig& config);

/// The number of floats in the flat buffer.
std::size_t parameter_count(const GptConfig& config);

/// The model, its flat parameters and gradients, and every activation the backward needs, sized
/// once for `max_batch` sequences of context_length: forward and backward never allocate.
/// Scalar is float (training; products through the blocked kernels) or double (the reference
/// that the gradient checks differentiate numerically).
template <typename Scalar>
class Gpt {
 public:
  Gpt(const GptConfig& config, std::size_t max_batch);
  ~Gpt();
  Gpt(Gpt&&) noexcept;
  Gpt& operator=(Gpt&&) noexcept;

  const GptConfig& config() const;
  std::size_t max_batch() const;
  const std::vector<ParameterView>& layout() const;
  std::vector<Scalar>& parameters();  ///< the flat buffer
  const std::vector<Scalar>& parameters() const;
  const std::vector<Scalar>& gradients() const;  ///< after backward(): ∂loss/∂parameters
  std::vector<Scalar>& gradients();

  /// GPT-2's initialisation from `seed` (Rng stream weights, views in order, row by row):
  /// N(0, 0.02²) for embeddings and Linear weights (portable_normal: the same natively and in
  /// wasm), 0 for biases and shifts, 1 for scales.
  void init(std::uint64_t seed);

  /// The forward pass on tokens (batch, T), row-major, every id < vocab_size, T ≤ context_length,
  /// batch ≤ max_batch; targets (batch, T), −1 where nothing is scored (nullptr: no loss).
  /// Returns the mean cross-entropy over the scored positions (0 if none). Keeps the activations.
  double forward(const int* tokens, const int* targets, std::size_t batch, std::size_t T);

  /// The backward of the last forward (which had targets): fills gradients().
  void backward();

  /// (batch, T, vocab_size) of the last forward.
  const Scalar* logits() const;
  /// (batch, n_heads, T, T) attention weights of `layer` in the last forward.
  const Scalar* attn_weights(std::size_t layer) const;
  /// A head whose output is zeroed (its context vectors set to 0 before out_proj), or restored.
  void set_ablation(std::size_t layer, std::size_t head, bool ablated);
  bool ablated(std::size_t layer, std::size_t head) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// torch.optim.AdamW's hyper-parameters (its defaults, but weight decay, which is ours).
struct AdamWConfig {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.01f;
};

/// torch.optim.AdamW on one flat buffer (one parameter group, every parameter decayed):
///   θ ← θ·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
///   θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
class AdamW {
 public:
  AdamW(std::size_t n, const AdamWConfig& config);
  void step(float* params, const float* grads, float lr);  ///< t ← t + 1, then the update
  void reset();                                             ///< m = v = 0, t = 0
  std::size_t steps() const { return t_; }
  const std::vector<float>& exp_avg() const { return exp_avg_; }
  const std::vector<float>& exp_avg_sq() const { return exp_avg_sq_; }

 private:
  AdamWConfig config_;
  std::vector<float> exp_avg_, exp_avg_sq_;
  std::size_t t_ = 0;
  double beta1_power_ = 1, beta2_power_ = 1;  // β1ᵗ, β2ᵗ by products: std::pow may differ in wasm
};

/// torch.nn.utils.clip_grad_norm_(max_norm): the global L2 norm of grads; when max_norm > 0 the
/// grads are multiplied by min(1, max_norm / (norm + 1e-6)). Returns the norm before clipping.
float clip_grad_norm(float* grads, std::size_t n, float max_norm);

/// The linear warm-up: lr · min(1, step / warmup) for step 1, 2, … (warmup 0: lr).
float warmup_lr(float lr, std::size_t warmup, std::size_t step);

/// What the Trainer is asked to build. vocab_size and the sequence length come from the task.
struct TrainConfig {
  std::size_t context_length = 0;  ///< 0: the task's sequence length (else at least that)
  std::size_t emb_dim = 32, n_heads = 2, n_layers = 2;
  bool qkv_bias = false;
  Activation activation = Activation::gelu;
  PositionalEncoding positional = PositionalEncoding::learned;
  std::size_t batch = 32;          ///< 1…1024 sequences per step
  float lr = 3e-3f;                ///< peak learning rate, (0, 10]
  std::size_t warmup = 20;         ///< steps of linear warm-up, ≤ 1e6
  float weight_decay = 0.01f;      ///< [0, 1]
  float clip = 1.0f;               ///< max global gradient norm; 0: no clipping
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  std::uint64_t seed = 1;          ///< weights, training batches and held-out sequences
  std::size_t eval_sequences = 256;  ///< held-out sequences for evaluate(), 1…65536
};

/// The model a TrainConfig asks for on a task: the task's vocabulary, its sequence length (or
/// config.context_length when set), the config's width, heads, layers, bias, activation and
/// positions. Checks nothing (the Trainer and the JSON contract check it, each in its terms).
GptConfig gpt_config(const TrainConfig& config, const Task& task);

/// evaluate()'s answer.
struct Evaluation {
  double loss = 0;               ///< mean cross-entropy over the held-out scored positions
  double token_accuracy = 0;     ///< share of scored positions whose argmax is the target
  double sequence_accuracy = 0;  ///< share of sequences with every scored position right
  std::size_t n_layers = 0, n_heads = 0, seq_len = 0;
  /// (n_layers, n_heads): the mean weight each head gives, from every held-out position the task
  /// names a source for, to that source: near 1 for the head that found the task's solution.
  std::vector<double> source_attention;
  std::size_t best_layer = 0, best_head = 0;  ///< the head with the most source_attention (the first if tied)
  std::vector<float> probe_attention;  ///< (n_layers, n_heads, T, T) on the task's probe
  std::vector<int> probe_predictions;  ///< (T) argmax at every position of the probe
};

/// head_effects()'s answer: what each head carries of the held-out accuracy.
struct HeadEffects {
  double token_accuracy = 0;         ///< every head on
  std::size_t n_layers = 0, n_heads = 0;
  std::vector<double> without;       ///< (n_layers, n_heads): the token accuracy with that head alone off
  std::vector<double> fall;          ///< (n_layers, n_heads): token_accuracy − without
};

/// predict()'s answer, for a sequence of the learner's own.
struct Prediction {
  std::size_t n_layers = 0, n_heads = 0, seq_len = 0;
  std::vector<int> predictions;  ///< (T) the argmax next token at every position
  std::vector<float> attention;  ///< (n_layers, n_heads, T, T) every head's attention weights
};

/// Trains a Gpt<float> on a task: held-out sequences drawn once, training batches drawn per step.
class Trainer {
 public:
  /// Validates every field (std::invalid_argument naming it) and initialises from config.seed.
  Trainer(const TrainConfig& config, const Task& task);
  ~Trainer();

  /// n training steps (n ≤ 100000); returns their losses. A step: draw a batch, forward, backward,
  /// clip, AdamW at the warmed-up learning rate. No allocation inside a step.
  std::vector<float> step(std::size_t n);
  /// The held-out sequences (never drawn for training: a training draw that matches one is drawn
  /// again, up to 100 times) and the probe, with the heads as ablate() left them.
  Evaluation evaluate();
  /// Every head switched off alone in turn, the others on, on the held-out sequences; the heads are
  /// left as ablate() had set them.
  HeadEffects head_effects();
  /// The model (ablations included) on one sequence: 1…context_length token ids, each below
  /// vocab_size (else std::invalid_argument naming the entry). Changes no weight.
  Prediction predict(const std::vector<int>& tokens);

  const std::vector<float>& weights() const;  ///< the flat buffer (layout())
  /// Replaces the weights (size parameter_count, every entry finite; else std::invalid_argument
  /// naming the view and entry) and restarts the optimizer (moments 0, step 0).
  void load(const std::vector<float>& weights);
  void ablate(std::size_t layer, std::size_t head, bool ablated = true);
  const std::vector<ParameterView>& layout() const;
  const TrainConfig& config() const;  ///< as given (context_length 0 stays 0: model_config() has the length)
  const GptConfig& model_config() const;
  const Task& task() const;
  std::size_t steps_taken() const;
  /// The held-out sequences (eval_sequences of them), and the token ids of the last training batch
  /// (batch, T): to see that the one never appears in the other.
  const TaskSequence& held_out() const;
  const std::vector<int>& last_batch() const;

  /// The model, as the last forward left it (after evaluate(): the probe, batch 1).
  const Gpt<float>& model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attn
