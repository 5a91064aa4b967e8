// The transformer block's mechanisms of the JSON contract: layer_norm, positional_encoding,
// feed_forward, transformer_block, gpt, and the gpt_parameter_count helper (docs/api.md).
#include "transformer_api.hpp"

#include <algorithm>
#include <cmath>

#include <xtensor/xview.hpp>

#include "attn/api.hpp"
#include "attn/block.hpp"
#include "attn/gpt.hpp"
#include "attn/init.hpp"
#include "common.hpp"
#include "respond.hpp"

namespace attn::api {

std::string choice(const Fields& request, const std::string& key, const std::string& fallback,
                   std::initializer_list<const char*> options) {
  if (!request.has(key)) return fallback;
  const std::string value = request.text(key);
  std::string list;
  for (const char* option : options) {
    if (value == option) return value;
    list += std::string(list.empty() ? "\"" : ", \"") + option + "\"";
  }
  fail("bad_value", request.name(key) + " is \"" + excerpt(value) + "\"; choose one of " + list, request.path(key).pointer);
}

namespace {

// ---- reading the options ----

Activation activation_of(const Fields& request) {
  return choice(request, "activation", "gelu", {"gelu", "relu"}) == "gelu" ? Activation::gelu : Activation::relu;
}

/// n_heads, which must divide emb_dim: each head gets emb_dim / n_heads columns.
std::size_t n_heads_of(const Fields& request, std::size_t emb_dim) {
  const std::size_t n_heads = request.size("n_heads", 1, 1, Limits::num_heads);
  if (emb_dim % n_heads != 0)
    fail("bad_value", "n_heads (" + std::to_string(n_heads) + ") must divide emb_dim (" + std::to_string(emb_dim) +
                          "): each head gets emb_dim / n_heads columns",
         request.path("n_heads").pointer);
  return n_heads;
}

/// A list of whole numbers from lo to hi (ids), at most Limits::tokens long; `range` says the range in words.
std::vector<std::int64_t> id_list(const Fields& request, const std::string& key, std::int64_t lo, std::int64_t hi,
                                  const std::string& range) {
  const json& list = request.at(key);
  const Path where = request.path(key);
  if (!list.is_array()) fail("wrong_type", where.name + " must be a list of whole numbers (token ids)", where.pointer);
  if (list.empty()) fail("empty", where.name + " has no tokens: give at least one token id", where.pointer);
  if (list.size() > Limits::tokens)
    fail("too_large", where.name + " has " + std::to_string(list.size()) + " tokens; the limit is " +
                          std::to_string(Limits::tokens),
         where.pointer);
  std::vector<std::int64_t> ids;
  for (std::size_t t = 0; t < list.size(); ++t) {
    const Path item = where.index(t);
    const std::string& name = item.name;
    const json& value = list[t];
    if (value.is_null())
      fail("not_finite", name + " is null where a token id belongs (NaN is sent as null): give a whole number",
           item.pointer);
    if (!value.is_number()) fail("wrong_type", name + " must be a whole number (a token id)", item.pointer);
    const double x = value.get<double>();
    if (!std::isfinite(x) || x != std::floor(x))
      fail("wrong_type", name + " must be a whole number (a token id)", item.pointer);
    if (x < static_cast<double>(lo) || x > static_cast<double>(hi))
      fail("bad_value", name + " is " + value.dump() + "; " + range, item.pointer);
    ids.push_back(static_cast<std::int64_t>(x));
  }
  return ids;
}

// ---- weights: the given ones (in nested objects) replace the drawn ones ----

/// The object `key` of `weights` as Fields, holding only `known`; nothing when absent.
std::optional<Fields> part_of(const Fields* weights, const std::string& key, std::initializer_list<const char*> known) {
  if (!weights || !weights->has(key)) return std::nullopt;
  Fields part(weights->at(key), weights->path(key));
  part.only(known);
  return part;
}

const Fields* pointer(const std::optional<Fields>& fields) { return fields ? &*fields : nullptr; }

LayerNormWeights norm_given_or(const Fields* weights, LayerNormWeights drawn) {
  drawn.scale = given_or(weights, "scale", drawn.scale);
  drawn.shift = given_or(weights, "shift", drawn.shift);
  return drawn;
}

FeedForwardWeights ff_given_or(const Fields* weights, FeedForwardWeights drawn) {
  drawn.W1 = given_or(weights, "W1", drawn.W1);
  drawn.b1 = given_or(weights, "b1", drawn.b1);
  drawn.W2 = given_or(weights, "W2", drawn.W2);
  drawn.b2 = given_or(weights, "b2", drawn.b2);
  return drawn;
}

MultiHeadWeights att_given_or(const Fields* weights, MultiHeadWeights drawn) {
  drawn.qkv = qkv_given_or(weights, drawn.qkv);
  drawn.W_out = given_or(weights, "W_out", drawn.W_out);
  drawn.b_out = given_or(weights, "b_out", drawn.b_out);
  return drawn;
}

constexpr std::initializer_list<const char*> norm_keys = {"scale", "shift"};
constexpr std::initializer_list<const char*> ff_keys = {"W1", "b1", "W2", "b2"};
constexpr std::initializer_list<const char*> att_keys = {"W_query", "W_key", "W_value", "b_query",
                                                         "b_key",   "b_value", "W_out", "b_out"};

/// A block's weights object: {"att": {…}, "ff": {…}, "norm1": {…}, "norm2": {…}}, each part optional.
BlockWeights block_given_or(const Fields* weights, BlockWeights drawn) {
  if (weights) weights->only({"att", "ff", "norm1", "norm2"});
  drawn.att = att_given_or(pointer(part_of(weights, "att", att_keys)), drawn.att);
  drawn.ff = ff_given_or(pointer(part_of(weights, "ff", ff_keys)), drawn.ff);
  drawn.norm1 = norm_given_or(pointer(part_of(weights, "norm1", norm_keys)), drawn.norm1);
  drawn.norm2 = norm_given_or(pointer(part_of(weights, "norm2", norm_keys)), drawn.norm2);
  return drawn;
}

json to_json(const LayerNormWeights& w) { return {{"scale", api::to_json(w.scale)}, {"shift", api::to_json(w.shift)}}; }

json to_json(const FeedForwardWeights& w) {
  return {{"W1", api::to_json(w.W1)}, {"b1", api::to_json(w.b1)}, {"W2", api::to_json(w.W2)}, {"b2", api::to_json(w.b2)}};
}

json to_json(const MultiHeadWeights& w) {
  json out = api::to_json(w.qkv);
  out["W_out"] = api::to_json(w.W_out);
  out["b_out"] = api::to_json(w.b_out);
  return out;
}

json to_json(const BlockWeights& w) {
  return {{"att", to_json(w.att)}, {"ff", to_json(w.ff)}, {"norm1", to_json(w.norm1)}, {"norm2", to_json(w.norm2)}};
}

// ---- costs ----

/// d_ff: as asked, else 4·emb_dim (the book's and GPT-2's).
std::size_t d_ff_of(const Fields& request, std::size_t emb_dim) {
  return request.size("d_ff", 4 * emb_dim, 1, 4 * Limits::dim);
}

/// The weights of a block fit the limits, and its activations for T tokens.
void check_block(Count T, Count emb_dim, Count d_ff, Count n_heads) {
  check_weight(emb_dim, emb_dim, "W_query");
  check_weight(emb_dim, d_ff, "W1");
  check_activations(T, std::max(emb_dim, d_ff));
  check_attention(n_heads, T);
}

/// The numbers a block's steps hold: about 24 of size T·emb_dim (att's 10 among them), 2 of T·d_ff,
/// 4 of T (the norms' means and variances), 5 of n_heads·T² (scores, scaled, mask, masked, weights).
Count block_step_numbers(Count T, Count emb_dim, Count d_ff, Count n_heads) {
  return 24 * T * emb_dim + 2 * T * d_ff + 4 * T + 5 * n_heads * T * T;
}

/// Multiply-adds of a block: attention (with W_out), the two layers of ff, and the entry-wise rest.
Count block_work(Count T, Count emb_dim, Count d_ff) {
  return head_work(T, emb_dim, emb_dim) + T * emb_dim * emb_dim + 2 * T * emb_dim * d_ff + 16 * T * emb_dim;
}

BlockOptions block_options_of(const Fields& request, std::size_t n_heads) {
  BlockOptions options;
  options.n_heads = n_heads;
  options.norm_first = request.boolean("norm_first", true);
  options.residual = request.boolean("residual", true);
  options.activation = activation_of(request);
  return options;
}

}  // namespace

// ---- the mechanisms ----

json layer_norm_request(const Fields& request) {
  request.only({"mechanism", "inputs", "eps", "steps", "weights"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const Count T = inputs.shape(0), emb_dim = inputs.shape(1);
  const float eps = request.number("eps", layer_norm_eps, 1e-12f, 1.0f);
  const bool steps = request.boolean("steps", false);
  check_activations(T, emb_dim);
  check_cost({T * emb_dim * copies(steps, 3) + 2 * T * copies(steps, 1) + 2 * emb_dim, 4 * T * emb_dim});
  auto weights = weights_of(request, norm_keys);
  const LayerNormWeights w = norm_given_or(pointer(weights), identity_layer_norm(emb_dim));
  Trace parts(true);  // mean and var are in the response whether or not the steps are asked for
  Matrix outputs = layer_norm(inputs, w, parts, eps);  // (T, emb_dim)  scale · (x − mean) / √(var + eps) + shift
  const Vector mean = parts.steps()[0].value, var = parts.steps()[1].value;  // (T) each
  Trace trace(steps);
  trace.add("inputs", inputs);
  if (steps) trace.append(std::move(parts));
  trace.add("outputs", outputs);
  json response = {{"outputs", api::to_json(outputs)}, {"mean", api::to_json(mean)}, {"var", api::to_json(var)},
                   {"weights", to_json(w)}, {"parameter_count", layer_norm_parameter_count(emb_dim)}};
  return finish(response, trace);
}

json positional_encoding_request(const Fields& request) {
  request.only({"mechanism", "kind", "inputs", "T", "emb_dim", "context_length", "offset", "seed", "steps", "weights"});
  const bool learned = choice(request, "kind", "sinusoidal", {"sinusoidal", "learned"}) == "learned";
  std::optional<Matrix> inputs;
  if (request.has("inputs")) inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  if (!inputs && !request.has("T"))
    fail("missing_field", "give \"inputs\" (T×emb_dim token embeddings) or \"T\" and \"emb_dim\"", request.path("T").pointer);
  const std::size_t T = request.size("T", inputs ? inputs->shape(0) : 1, 1, Limits::tokens);
  const std::size_t emb_dim = request.size("emb_dim", inputs ? inputs->shape(1) : 1, 1, Limits::dim);
  if (!inputs && !request.has("emb_dim"))
    fail("missing_field", "the field \"emb_dim\" is required without inputs", request.path("emb_dim").pointer);
  if (inputs && (inputs->shape(0) != T || inputs->shape(1) != emb_dim))
    fail("shape_mismatch", "inputs are " + shape_text(inputs->shape(0), inputs->shape(1)) + " but T and emb_dim say " +
                               shape_text(T, emb_dim) + ": leave T and emb_dim out when inputs are given",
         request.path(request.has("T") && inputs->shape(0) != T ? "T" : "emb_dim").pointer);
  const std::size_t context_length = request.size("context_length", T, 1, Limits::tokens);
  if (!learned && request.has("context_length"))
    fail("bad_value", "context_length is for kind \"learned\" (the rows of pos_emb); the sinusoidal encoding has no table",
         request.path("context_length").pointer);
  if (learned && request.has("offset"))
    fail("bad_value", "offset is for kind \"sinusoidal\": a learned table has no fixed map from one position to another",
         request.path("offset").pointer);
  if (T > context_length)
    fail("too_large", "there are " + std::to_string(T) + " tokens but context_length is " + std::to_string(context_length) +
                          ": pos_emb has one row for each of positions 0 to " + std::to_string(context_length - 1),
         request.path(request.has("context_length") ? "context_length" : "inputs").pointer);
  const std::size_t offset = request.size("offset", 0, 0, Limits::tokens);
  const bool steps = request.boolean("steps", false);
  check_weight(context_length, emb_dim, "pos_emb");
  check_activations(T, emb_dim);
  const bool with_map = request.has("offset");
  check_cost({Count{T} * emb_dim * (copies(steps, 3) + (inputs ? 2 : 0)) + (learned ? Count{context_length} * emb_dim : 0) +
                  (with_map ? Count{emb_dim} * emb_dim : 0),
              Count{T} * emb_dim * (with_map ? emb_dim + 1 : 1)});

  Trace trace(steps);
  json response = json::object();
  Matrix pos_encoding;
  if (learned) {
    Rng rng(request.seed());
    auto weights = weights_of(request, {"pos_emb"});
    const Matrix pos_emb = given_or(pointer(weights), "pos_emb", draw_embedding_table(rng, context_length, emb_dim));
    pos_encoding = xt::view(pos_emb, xt::range(0, T), xt::all());  // (T, emb_dim)  pos_emb[0 … T−1]
    response["weights"] = {{"pos_emb", api::to_json(pos_emb)}};
    response["parameter_count"] = Count{context_length} * emb_dim;
  } else {
    if (request.has("weights"))
      fail("unknown_field", "the sinusoidal encoding has no weights: it is fixed", request.path("weights").pointer);
    pos_encoding = sinusoidal_encoding(T, emb_dim);  // (T, emb_dim)  PE[pos, 2i] = sin(pos·ω_i), PE[pos, 2i+1] = cos(pos·ω_i)
    response["parameter_count"] = 0;
  }
  if (inputs) trace.add("inputs", *inputs);
  trace.add("pos_encoding", pos_encoding);
  response["pos_encoding"] = api::to_json(pos_encoding);
  if (inputs) {
    Matrix outputs = *inputs + pos_encoding;  // (T, emb_dim)  x + PE
    trace.add("outputs", outputs);
    response["outputs"] = api::to_json(outputs);
  }
  if (with_map) {
    // PE[pos + offset] = PE[pos] · M for every pos: check it on the rows that have a partner.
    const Matrix offset_map = sinusoidal_offset_map(offset, emb_dim);  // (emb_dim, emb_dim)
    response["offset_map"] = api::to_json(offset_map);
    float worst = 0.0f;
    if (offset < T) {
      const Matrix moved = matmul(Matrix(xt::view(pos_encoding, xt::range(0, T - offset), xt::all())), offset_map);
      worst = max_abs_diff(moved, Matrix(xt::view(pos_encoding, xt::range(offset, T), xt::all())));
    }
    response["offset_max_abs_diff"] = worst;
  }
  return finish(response, trace);
}

json feed_forward_request(const Fields& request) {
  request.only({"mechanism", "inputs", "d_ff", "activation", "seed", "steps", "weights"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const Count T = inputs.shape(0), emb_dim = inputs.shape(1);
  const std::size_t d_ff = d_ff_of(request, emb_dim);
  const Activation activation = activation_of(request);
  const bool steps = request.boolean("steps", false);
  check_weight(emb_dim, d_ff, "W1");
  check_activations(T, std::max<Count>(emb_dim, d_ff));
  check_cost({feed_forward_parameter_count(emb_dim, d_ff) + T * emb_dim * copies(steps, 2) + T * d_ff * 2 * (steps ? 1 : 0),
              2 * T * emb_dim * d_ff});
  auto weights = weights_of(request, ff_keys);
  Rng rng(request.seed());
  const FeedForwardWeights w = ff_given_or(pointer(weights), draw_feed_forward(rng, emb_dim, d_ff));
  Trace trace(steps);
  trace.add("inputs", inputs);
  Matrix outputs = feed_forward(inputs, w, activation, trace);  // (T, emb_dim)  act(x·W1 + b1)·W2 + b2
  trace.add("outputs", outputs);
  json response = {{"outputs", api::to_json(outputs)}, {"weights", to_json(w)},
                   {"parameter_count", feed_forward_parameter_count(emb_dim, d_ff)}};
  return finish(response, trace);
}

json transformer_block_request(const Fields& request) {
  request.only({"mechanism", "inputs", "n_heads", "d_ff", "qkv_bias", "norm_first", "residual", "causal", "activation",
                "positional", "seed", "steps", "weights"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const std::size_t T = inputs.shape(0), emb_dim = inputs.shape(1);
  const std::size_t n_heads = n_heads_of(request, emb_dim);
  const std::size_t d_ff = d_ff_of(request, emb_dim);
  const bool qkv_bias = request.boolean("qkv_bias", false), steps = request.boolean("steps", false);
  const bool sinusoidal = choice(request, "positional", "none", {"none", "sinusoidal"}) == "sinusoidal";
  BlockOptions options = block_options_of(request, n_heads);
  options.causal = request.boolean("causal", true);
  check_block(T, emb_dim, d_ff, n_heads);
  check_cost({block_parameter_count(emb_dim, d_ff, qkv_bias) + Count{T} * emb_dim * copies(steps, 3) +
                  Count{n_heads} * T * T + (steps ? block_step_numbers(T, emb_dim, d_ff, n_heads) : 0),
              block_work(T, emb_dim, d_ff)});
  auto weights = weights_of(request, {"att", "ff", "norm1", "norm2"});
  Rng rng(request.seed());
  const BlockWeights w = block_given_or(pointer(weights), draw_block(rng, emb_dim, d_ff, qkv_bias));

  Trace trace(steps);
  trace.add("inputs", inputs);
  Matrix x = inputs;
  if (sinusoidal) {
    const Matrix pos_encoding = sinusoidal_encoding(T, emb_dim);  // (T, emb_dim)
    x = inputs + pos_encoding;                                   // (T, emb_dim)  x + PE
    trace.add("pos_encoding", pos_encoding);
    trace.add("inputs_with_pos", x);
  }
  BlockResult result = transformer_block(x, w, options, trace);  // (T, emb_dim)
  trace.add("outputs", result.outputs);
  json response = {{"outputs", api::to_json(result.outputs)},
                   {"attn_weights", api::to_json(result.attn_weights)},
                   {"weights", to_json(w)},
                   {"parameter_count", block_parameter_count(emb_dim, d_ff, qkv_bias)},
                   {"head_dim", emb_dim / n_heads}};
  return finish(response, trace);
}

json gpt_request(const Fields& request) {
  request.only({"mechanism", "token_ids", "targets", "vocab_size", "context_length", "emb_dim", "n_heads", "n_layers",
                "d_ff", "qkv_bias", "weight_tying", "positional", "norm_first", "residual", "activation", "temperature",
                "seed", "steps", "weights"});
  GptConfig config;
  config.vocab_size = request.size("vocab_size", 16, 1, Limits::vocab_size);
  config.context_length = request.size("context_length", 8, 1, Limits::tokens);
  config.emb_dim = request.size("emb_dim", 8, 1, Limits::dim);
  config.n_heads = n_heads_of(request, config.emb_dim);
  config.n_layers = request.size("n_layers", 2, 1, Limits::layers);
  config.d_ff = d_ff_of(request, config.emb_dim);
  config.qkv_bias = request.boolean("qkv_bias", false);
  config.weight_tying = request.boolean("weight_tying", false);
  const std::string positional = choice(request, "positional", "learned", {"learned", "sinusoidal", "none"});
  config.positional = positional == "learned" ? Positional::learned
                      : positional == "sinusoidal" ? Positional::sinusoidal : Positional::none;
  config.block = block_options_of(request, config.n_heads);
  const float temperature = request.number("temperature", 1.0f, 0.0f, 1e6f);
  if (temperature == 0.0f)
    fail("bad_value", "temperature is 0; it must be above 0 (small values make the most likely token take everything)",
         request.path("temperature").pointer);
  const bool steps = request.boolean("steps", false);

  const std::string vocab_range = "token ids go from 0 to vocab_size − 1 = " + std::to_string(config.vocab_size - 1);
  const auto token_ids = id_list(request, "token_ids", 0, std::int64_t(config.vocab_size) - 1, vocab_range);
  const std::size_t T = token_ids.size();
  if (T > config.context_length)
    fail("too_large", "there are " + std::to_string(T) + " token_ids but context_length is " +
                          std::to_string(config.context_length) + ": the model has positions 0 to " +
                          std::to_string(config.context_length - 1) + " only",
         request.path("token_ids").pointer);
  std::optional<std::vector<std::int64_t>> targets;
  if (request.has("targets")) {
    targets = id_list(request, "targets", -1, std::int64_t(config.vocab_size) - 1, vocab_range + ", or −1 to skip the position");
    if (targets->size() != T)
      fail("shape_mismatch", "targets has " + std::to_string(targets->size()) + " ids but token_ids has " + std::to_string(T) +
                                 ": one target (the next token, or −1) per position",
           request.path("targets").pointer);
    if (std::all_of(targets->begin(), targets->end(), [](std::int64_t id) { return id == -1; }))
      fail("bad_value", "every target is −1, so no position is scored: give at least one target token id",
           request.path("targets").pointer);
  }

  const Count d = config.emb_dim, V = config.vocab_size, L = config.n_layers, H = config.n_heads;
  check_weight(V, d, "tok_emb");
  check_weight(config.context_length, d, "pos_emb");
  check_block(T, d, config.d_ff, H);
  check_activations(T, V);
  check_attention(L * H, T);
  const GptParameterCount count = gpt_parameter_count(config);
  // numbers: the weights, logits and probas, every layer's attention weights; steps: the embeddings (3 of T·d),
  // each block's steps and output, final_norm's (4 of T·d and 2 of T)
  check_cost({count.total + 2 * Count{T} * V + L * H * T * T +
                  (steps ? T + 7 * Count{T} * d + 2 * Count{T} + L * (block_step_numbers(T, d, config.d_ff, H) + T * d) : 0),
              L * block_work(T, d, config.d_ff) + Count{T} * d * V + 8 * Count{T} * d});

  auto weights = weights_of(request, {"tok_emb", "pos_emb", "trf_blocks", "final_norm", "out_head"});
  const Fields* given = pointer(weights);
  if (given && given->has("pos_emb") && config.positional != Positional::learned)
    fail("bad_value", "weights.pos_emb is given but positional is \"" + positional + "\": only learned positions have a table",
         given->path("pos_emb").pointer);
  if (given && given->has("out_head") && config.weight_tying)
    fail("bad_value", "weights.out_head is given but weight_tying is true: out_head is then tok_embᵀ",
         given->path("out_head").pointer);
  Rng rng(request.seed());
  GptWeights w = draw_gpt(rng, config);
  w.tok_emb = given_or(given, "tok_emb", w.tok_emb);
  if (config.positional == Positional::learned) w.pos_emb = given_or(given, "pos_emb", w.pos_emb);
  if (given && given->has("trf_blocks")) {
    const json& blocks = given->at("trf_blocks");
    const Path where = given->path("trf_blocks");
    if (!blocks.is_array()) fail("wrong_type", "weights.trf_blocks must be a list of n_layers block weight objects", where.pointer);
    if (blocks.size() != config.n_layers)
      fail("shape_mismatch", "weights.trf_blocks has " + std::to_string(blocks.size()) + " blocks but n_layers is " +
                                 std::to_string(config.n_layers),
           where.pointer);
    for (std::size_t l = 0; l < config.n_layers; ++l) {
      const Fields block(blocks[l], given->path("trf_blocks").index(l));
      w.trf_blocks[l] = block_given_or(&block, w.trf_blocks[l]);
    }
  }
  w.final_norm = norm_given_or(pointer(part_of(given, "final_norm", norm_keys)), w.final_norm);
  if (!config.weight_tying) w.out_head = given_or(given, "out_head", w.out_head);

  Trace trace(steps);
  const GptResult result = gpt_forward(token_ids, w, config, temperature, targets, trace);
  json attn_weights = json::array();
  for (const Tensor3& layer : result.attn_weights) attn_weights.push_back(api::to_json(layer));
  json weights_used = {{"tok_emb", api::to_json(w.tok_emb)}, {"trf_blocks", json::array()},
                       {"final_norm", to_json(w.final_norm)}};
  if (config.positional == Positional::learned) weights_used["pos_emb"] = api::to_json(w.pos_emb);
  for (const BlockWeights& block : w.trf_blocks) weights_used["trf_blocks"].push_back(to_json(block));
  if (!config.weight_tying) weights_used["out_head"] = api::to_json(w.out_head);
  json response = {{"logits", api::to_json(result.logits)},
                   {"probas", api::to_json(result.probas)},
                   {"next_token_id", result.next_token_id},
                   {"predicted_ids", result.predicted_ids},
                   {"attn_weights", std::move(attn_weights)},
                   {"weights", std::move(weights_used)},
                   {"parameter_count", count.total},
                   {"parameter_counts", {{"tok_emb", count.tok_emb}, {"pos_emb", count.pos_emb},
                                         {"trf_block", count.trf_block}, {"trf_blocks", count.trf_blocks},
                                         {"final_norm", count.final_norm}, {"out_head", count.out_head},
                                         {"total", count.total}}}};
  if (result.loss) response["loss"] = *result.loss;
  return finish(response, trace);
}

json gpt_parameter_count_request(const Fields& request) {
  request.only({"mechanism", "vocab_size", "context_length", "emb_dim", "n_heads", "n_layers", "d_ff", "qkv_bias",
                "weight_tying", "positional"});
  // Only counted, nothing allocated: sizes far beyond what the gpt mechanism runs (GPT-2 XL and more).
  GptConfig config;
  config.vocab_size = request.size("vocab_size", 50257, 1, 1u << 24);
  config.context_length = request.size("context_length", 1024, 1, 1u << 24);
  config.emb_dim = request.size("emb_dim", 768, 1, 1u << 20);
  config.n_heads = request.size("n_heads", 12, 1, 4096);
  if (config.emb_dim % config.n_heads != 0)
    fail("bad_value", "n_heads (" + std::to_string(config.n_heads) + ") must divide emb_dim (" +
                          std::to_string(config.emb_dim) + ")",
         // n_heads may be GPT-2's default: then the field to change is the emb_dim given
         request.path(request.has("n_heads") ? "n_heads" : "emb_dim").pointer);
  config.n_layers = request.size("n_layers", 12, 1, 4096);
  config.d_ff = request.size("d_ff", 4 * config.emb_dim, 1, 1u << 22);
  config.qkv_bias = request.boolean("qkv_bias", false);
  config.weight_tying = request.boolean("weight_tying", false);
  config.positional = choice(request, "positional", "learned", {"learned", "sinusoidal", "none"}) == "learned"
                          ? Positional::learned
                          : Positional::sinusoidal;  // sinusoidal and none: no parameters either way
  const GptParameterCount count = gpt_parameter_count(config);
  GptConfig other = config;
  other.weight_tying = !config.weight_tying;
  const GptParameterCount other_count = gpt_parameter_count(other);
  return {{"parameter_count", count.total},
          {"parameter_count_untied", config.weight_tying ? other_count.total : count.total},
          {"parameter_count_tied", config.weight_tying ? count.total : other_count.total},
          {"parameter_counts", {{"tok_emb", count.tok_emb}, {"pos_emb", count.pos_emb}, {"trf_block", count.trf_block},
                                {"trf_blocks", count.trf_blocks}, {"final_norm", count.final_norm},
                                {"out_head", count.out_head}, {"total", count.total}}},
          {"block_parts", {{"att", multihead_parameter_count(config.emb_dim, config.emb_dim, config.qkv_bias)},
                           {"ff", feed_forward_parameter_count(config.emb_dim, config.d_ff)},
                           {"norm1", layer_norm_parameter_count(config.emb_dim)},
                           {"norm2", layer_norm_parameter_count(config.emb_dim)}}}};
}

}  // namespace attn::api
