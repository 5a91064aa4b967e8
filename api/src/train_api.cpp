// The "train" mechanism of the JSON contract, and the JSON side of the wasm module's Trainer class
// (docs/api.md, "Training (lesson 8)"): a config read field by field, every limit checked before the
// model is allocated, the whole request's work bounded, the answers written.
#include "train_api.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

#include "attn/api.hpp"
#include "attn/train_api.hpp"
#include "common.hpp"

namespace attn::api {

namespace {

constexpr std::initializer_list<const char*> train_keys = {
    "mechanism", "task",   "emb_dim", "n_heads",      "n_layers", "context_length", "qkv_bias", "activation",
    "positional", "batch", "lr",      "warmup",       "weight_decay", "clip",       "beta1",    "beta2",
    "eps",       "seed",   "eval_sequences", "steps", "evaluate", "weights",        "return_weights"};

/// The shortest decimal text that reads back as x (at most 9 digits): 0.003f is "0.003", not
/// 0.003000000026077032, and a config written this way trains the same model when sent back.
double shortest(float x) {
  char text[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(x));
    if (std::strtof(text, nullptr) == x) break;
  }
  return std::strtod(text, nullptr);
}

std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

/// A float32 for `key` in [lo, hi] (above lo when lo_open), `fallback` when absent. The range is
/// checked on the float32 the core gets: an lr of 1e-50 is 0 there.
float real(const Fields& request, const std::string& key, float fallback, double lo, double hi, bool lo_open) {
  if (!request.has(key)) return fallback;
  const json& value = request.at(key);
  const std::string field = request.path(key).pointer;
  if (!value.is_number()) fail("wrong_type", request.name(key) + " must be a number", field);
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail("not_finite", request.name(key) + " must be a finite number", field);
  const bool representable = std::fabs(x) <= std::numeric_limits<float>::max();
  const float f = representable ? static_cast<float>(x) : 0.0f;
  if (!representable || !(lo_open ? f > lo : f >= lo) || !(f <= hi))
    fail("bad_value", request.name(key) + " is " + value.dump() + "; it must be " + (lo_open ? "above " : "at least ") +
                          number_text(lo) + (lo_open ? " (as a float32)" : "") + " and at most " + number_text(hi),
         field);
  return f;
}

/// A train request's config, read and checked: its task, the Trainer's config and the model it makes.
struct TrainSetup {
  Task task;
  TrainConfig config;
  GptConfig model;
};

/// Multiply-adds of a forward over `sequences` sequences of T tokens: per token and layer the
/// projections (Q, K, V, out_proj: 4·C²), ff (8·C²), attention (scores and context: 2·T·C at most)
/// and about 16·C of norms, residuals and activations; then out_head and the loss (about 5·V·C).
/// Plus what a small model spends on calls rather than products, counted as products: measured
/// natively, each sequence costs about 2^15 per layer and 2^13 more per head (the products and the
/// softmax of each head are calls of their own), which is most of the time at widths under 8.
Count forward_work(const GptConfig& m, Count sequences, Count T) {
  const Count C = m.emb_dim, V = m.vocab_size, L = m.n_layers, H = m.n_heads;
  return sequences * T * (L * (12 * C * C + 2 * T * C + 16 * C) + V * C + 4 * V) + sequences * L * ((1u << 15) + H * (1u << 13));
}

TrainSetup setup_of(const Fields& request) {
  // elsewhere null is taken as absent; here a NaN from a page (null in JSON) would silently train with a default
  for (const char* key : train_keys)
    if (request.is_null(key))
      fail("not_finite", request.name(key) + " is null: NaN and Infinity cannot be sent (JSON.stringify writes them as "
                                              "null); give a value or leave the field out",
           request.path(key).pointer);
  const std::string name = choice(request, "task", "", {"copy", "reverse", "sort", "induction", "agreement"});
  if (name.empty()) fail("missing_field", "the field \"task\" is required: \"copy\", \"reverse\", \"sort\", "
                                          "\"induction\" or \"agreement\"", request.path("task").pointer);
  TrainSetup setup{Task::by_name(name), TrainConfig{}, GptConfig{}};
  TrainConfig& c = setup.config;
  const Task& task = setup.task;
  c.emb_dim = request.size("emb_dim", c.emb_dim, 1, Limits::dim);
  c.n_heads = request.size("n_heads", c.n_heads, 1, Limits::num_heads);
  if (c.emb_dim % c.n_heads != 0)
    fail("bad_value", "n_heads (" + std::to_string(c.n_heads) + ") must divide emb_dim (" + std::to_string(c.emb_dim) +
                          "): each head gets emb_dim / n_heads columns",
         request.path(request.has("n_heads") ? "n_heads" : "emb_dim").pointer);  // a default n_heads: change emb_dim
  c.n_layers = request.size("n_layers", c.n_layers, 1, Limits::train_layers);
  c.context_length = request.size("context_length", 0, 0, Limits::tokens);
  if (c.context_length != 0 && c.context_length < task.seq_len())
    fail("bad_value", "context_length is " + std::to_string(c.context_length) + "; the " + task.name() +
                          " task's sequences have " + std::to_string(task.seq_len()) +
                          " tokens, so it must be at least that (or 0: the task's length)",
         request.path("context_length").pointer);
  c.qkv_bias = request.boolean("qkv_bias", c.qkv_bias);
  c.activation = choice(request, "activation", "gelu", {"gelu", "relu"}) == "gelu" ? Activation::gelu : Activation::relu;
  c.positional = choice(request, "positional", "learned", {"learned", "sinusoidal"}) == "learned"
                     ? PositionalEncoding::learned
                     : PositionalEncoding::sinusoidal;
  c.batch = request.size("batch", c.batch, 1, Limits::train_batch);
  c.lr = real(request, "lr", c.lr, 0, 10, true);
  c.warmup = request.size("warmup", c.warmup, 0, 1000000);
  c.weight_decay = real(request, "weight_decay", c.weight_decay, 0, 1, false);
  c.clip = real(request, "clip", c.clip, 0, 1e6, false);
  c.beta1 = real(request, "beta1", c.beta1, 0, 0.999999, false);
  c.beta2 = real(request, "beta2", c.beta2, 0, 0.999999, false);
  c.eps = real(request, "eps", c.eps, 0, 1, true);
  c.seed = request.has("seed") ? request.seed() : c.seed;
  c.eval_sequences = request.size("eval_sequences", c.eval_sequences, 1, Limits::train_eval_sequences);

  GptConfig& m = setup.model;
  m = gpt_config(c, task);
  // the model (parameters, gradients and AdamW's two moments) and its buffers, before any is allocated
  const Count parameters = parameter_count(m);
  const Count L = m.n_layers, B = c.batch, T = m.context_length, C = m.emb_dim, H = m.n_heads;
  if (parameters > Limits::train_parameters)
    fail("too_large", "this model would have " + std::to_string(parameters) + " parameters; the limit is " +
                          std::to_string(Limits::train_parameters) + ": use a smaller emb_dim or fewer layers",
         "");
  if (L * B * T * C > Limits::train_activations)
    fail("too_large", "n_layers × batch × context_length × emb_dim is " + std::to_string(L * B * T * C) +
                          " (about 21 numbers kept for each, for the backward); the limit is " +
                          std::to_string(Limits::train_activations) + ": use a smaller batch or model",
         "");
  if (L * B * H * T * T > Limits::train_attention)
    fail("too_large", "n_layers × batch × n_heads × context_length² is " + std::to_string(L * B * H * T * T) +
                          " attention weights; the limit is " + std::to_string(Limits::train_attention) +
                          ": use a smaller batch, fewer heads or a shorter context_length",
         "");
  return setup;
}

/// The flat start weights: parameter_count finite numbers, in the order of model.layout.
std::vector<float> start_weights(const Fields& request, std::size_t count) {
  const json& list = request.at("weights");
  const Path where = request.path("weights");
  if (!list.is_array())
    fail("wrong_type", "weights must be a flat list of numbers, in the order of model.layout", where.pointer);
  if (list.size() != count)
    fail("shape_mismatch", "weights has " + std::to_string(list.size()) + " numbers; this model has parameter_count = " +
                               std::to_string(count) + " (task, emb_dim, n_heads, n_layers, context_length, qkv_bias and "
                               "positional decide it)",
         where.pointer);
  const Vector w = to_vector(list, where, count);  // wrong_type or not_finite, naming the entry
  return std::vector<float>(w.begin(), w.end());
}

std::unique_ptr<Trainer> make_trainer(const Fields& request, const TrainSetup& setup) {
  std::optional<std::vector<float>> weights;
  if (request.has("weights")) weights = start_weights(request, parameter_count(setup.model));
  auto trainer = std::make_unique<Trainer>(setup.config, setup.task);
  if (weights) trainer->load(*weights);
  return trainer;
}

const char* activation_name(Activation a) { return a == Activation::gelu ? "gelu" : "relu"; }
const char* positional_name(PositionalEncoding p) { return p == PositionalEncoding::learned ? "learned" : "sinusoidal"; }

json model_object(const Trainer& trainer) {
  const Task& task = trainer.task();
  const GptConfig& m = trainer.model_config();
  const TrainConfig& c = trainer.config();
  json layout = json::array();
  for (const ParameterView& view : trainer.layout())
    layout.push_back({{"name", view.name}, {"offset", view.offset}, {"rows", view.rows}, {"cols", view.cols}});
  json config = {{"task", task.name()},         {"emb_dim", c.emb_dim},        {"n_heads", c.n_heads},
                 {"n_layers", c.n_layers},      {"context_length", m.context_length}, {"qkv_bias", c.qkv_bias},
                 {"activation", activation_name(c.activation)}, {"positional", positional_name(c.positional)},
                 {"batch", c.batch},            {"lr", shortest(c.lr)},        {"warmup", c.warmup},
                 {"weight_decay", shortest(c.weight_decay)}, {"clip", shortest(c.clip)},
                 {"beta1", shortest(c.beta1)},  {"beta2", shortest(c.beta2)},  {"eps", shortest(c.eps)},
                 {"seed", c.seed},              {"eval_sequences", c.eval_sequences}};
  return {{"task", task.name()},
          {"vocab", task.vocab()},
          {"seq_len", task.seq_len()},
          {"context_length", m.context_length},
          {"parameter_count", trainer.weights().size()},
          {"layout", std::move(layout)},
          {"solution", task.solution()},
          {"target_accuracy", task.target_accuracy()},
          {"steps_taken", trainer.steps_taken()},
          {"config", std::move(config)}};
}

/// (n_layers, n_heads, T, T) as [layer][head][T][T].
json attention_json(const std::vector<float>& attention, std::size_t L, std::size_t H, std::size_t T) {
  json layers = json::array();
  for (std::size_t l = 0; l < L; ++l) {
    json heads = json::array();
    for (std::size_t h = 0; h < H; ++h) {
      json rows = json::array();
      for (std::size_t i = 0; i < T; ++i) {
        const float* row = attention.data() + ((l * H + h) * T + i) * T;
        rows.push_back(std::vector<float>(row, row + T));
      }
      heads.push_back(std::move(rows));
    }
    layers.push_back(std::move(heads));
  }
  return layers;
}

json evaluation_object(const Trainer& trainer, const Evaluation& e) {
  const TaskSequence& probe = trainer.task().probe();
  json source_attention = json::array();
  for (std::size_t l = 0; l < e.n_layers; ++l)
    source_attention.push_back(std::vector<double>(e.source_attention.begin() + static_cast<std::ptrdiff_t>(l * e.n_heads),
                                                   e.source_attention.begin() + static_cast<std::ptrdiff_t>((l + 1) * e.n_heads)));
  return {{"loss", e.loss},
          {"token_accuracy", e.token_accuracy},
          {"sequence_accuracy", e.sequence_accuracy},
          {"source_attention", std::move(source_attention)},
          {"best_head", {{"layer", e.best_layer}, {"head", e.best_head}}},
          {"probe", {{"inputs", probe.inputs},
                     {"targets", probe.targets},
                     {"sources", probe.sources},
                     {"predictions", e.probe_predictions},
                     {"attention", attention_json(e.probe_attention, e.n_layers, e.n_heads, e.seq_len)}}}};
}

std::string text_of(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

/// Refuses a run whose numbers are not all finite: JSON cannot carry them, and they mean the run diverged.
void require_finite_run(const std::vector<float>& values, const char* what) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      fail("not_finite", std::string("the training diverged: ") + what + "[" + std::to_string(i) + "] is " +
                             (std::isnan(values[i]) ? "NaN" : "infinite") + "; use a smaller lr, or clip the gradients",
           "");
}

}  // namespace

json train_request(const Fields& request) {
  request.only(train_keys);
  const TrainSetup setup = setup_of(request);
  const std::size_t steps = request.size("steps", 100, 0, Limits::train_steps);
  const bool evaluate = request.boolean("evaluate", true), return_weights = request.boolean("return_weights", false);
  const GptConfig& m = setup.model;
  const Count P = parameter_count(m), T = setup.task.seq_len(), L = m.n_layers, H = m.n_heads;
  // a step: the forward, the backward (about twice the forward's products), clipping and AdamW (about 8 a parameter)
  const Count step_work = 3 * forward_work(m, setup.config.batch, T) + 8 * P;
  const Count evaluate_work = evaluate ? forward_work(m, setup.config.eval_sequences + 1, T) : 0;
  const Count work = steps * step_work + evaluate_work;
  if (work > Limits::train_work)
    fail("too_large", "this request needs about " + std::to_string(work) + " multiply-adds (" + std::to_string(steps) +
                          " steps of " + std::to_string(step_work) + ", and the evaluation); the limit of a train request is " +
                          std::to_string(Limits::train_work) +
                          ": use fewer steps (continue with weights), a smaller batch or model, or the Trainer class",
         "");
  const Count numbers = steps + (return_weights ? P : 0) + (evaluate ? L * H * (T * T + 1) + 5 * T + 3 : 0) +
                        4 * (4 + 16 * L) + setup.task.vocab_size();
  if (numbers > Limits::response_numbers)
    fail("too_large", "this request would return " + std::to_string(numbers) + " numbers; the limit is " +
                          std::to_string(Limits::response_numbers) + ": use fewer steps, or return_weights: false",
         "");
  std::unique_ptr<Trainer> trainer = make_trainer(request, setup);
  const std::vector<float> losses = trainer->step(steps);
  require_finite_run(losses, "losses");
  require_finite_run(trainer->weights(), "weights");  // the last update can diverge after a finite loss
  json response = {{"losses", losses}, {"model", model_object(*trainer)}};
  if (evaluate) {
    const Evaluation e = trainer->evaluate();
    if (!std::isfinite(e.loss))
      fail("not_finite", "the training diverged: the held-out loss is not finite; use a smaller lr, or clip the gradients", "");
    response["evaluation"] = evaluation_object(*trainer, e);
  }
  if (return_weights) response["weights"] = trainer->weights();
  return response;
}

std::unique_ptr<Trainer> trainer_from_json(const std::string& config_json) {
  const json body = parse_request(config_json);
  if (!body.is_object()) fail("parse_error", "the config must be one JSON object, such as {\"task\": \"copy\"}", "");
  const Fields request(body, Path{});
  request.only(train_keys);
  if (request.has("mechanism") && request.text("mechanism") != "train")
    fail("bad_value", "mechanism is \"" + excerpt(request.text("mechanism")) + "\"; a Trainer's config is a train request's",
         request.path("mechanism").pointer);
  return make_trainer(request, setup_of(request));
}

std::string model_json(const Trainer& trainer) { return text_of(model_object(trainer)); }

std::string evaluation_json(const Trainer& trainer, const Evaluation& evaluation) {
  return text_of(evaluation_object(trainer, evaluation));
}

std::string head_effects_json(const HeadEffects& effects) {
  json without = json::array(), fall = json::array();
  for (std::size_t l = 0; l < effects.n_layers; ++l) {
    const auto row = [&](const std::vector<double>& v) {
      return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(l * effects.n_heads),
                                 v.begin() + static_cast<std::ptrdiff_t>((l + 1) * effects.n_heads));
    };
    without.push_back(row(effects.without));
    fall.push_back(row(effects.fall));
  }
  return text_of({{"token_accuracy", effects.token_accuracy}, {"without", std::move(without)}, {"fall", std::move(fall)}});
}

std::string prediction_json(const Prediction& prediction) {
  return text_of({{"predictions", prediction.predictions},
                  {"attention", attention_json(prediction.attention, prediction.n_layers, prediction.n_heads,
                                               prediction.seq_len)}});
}

}  // namespace attn::api
