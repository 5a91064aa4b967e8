#include "attn/api.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <new>
#include <optional>

#include "attn/attention.hpp"
#include "attn/init.hpp"
#include "attn/lessons.hpp"
#include "attn/softmax.hpp"
#include "common.hpp"
#include "parse.hpp"
#include "respond.hpp"
#include "train_api.hpp"
#include "transformer_api.hpp"

namespace attn::api {

// ---- sizes: every limit is checked before the tensors it bounds are allocated ----
// Counts are 64-bit: in wasm std::size_t has 32 bits, and 4096 trials × 1024 × 4096 would wrap to 0.

void check_weight(Count rows, Count cols, const std::string& what) {
  if (rows * cols > Limits::weight_entries)
    fail("too_large", what + " would be " + shape_text(rows, cols) + "; each weight may have at most " +
                          std::to_string(Limits::weight_entries) + " entries",
         "");
}

void check_activations(Count T, Count d) {
  if (T * d > Limits::activation_entries)
    fail("too_large", std::to_string(T) + " tokens × size " + std::to_string(d) + " is over the limit of " +
                          std::to_string(Limits::activation_entries) + " entries per activation",
         "");
}

void check_attention(Count num_heads, Count T) {
  if (num_heads * T * T > Limits::attention_entries)
    fail("too_large", std::to_string(num_heads) + " heads × " + std::to_string(T) + "² tokens is over the limit of " +
                          std::to_string(Limits::attention_entries) + " attention weights",
         "");
}

/// The numbers of a response bound the core's working set and the JSON text (about 40 bytes a number while
/// it is written), so a request under the limit fits in the wasm memory; the work bounds the time it takes.
void check_cost(const Cost& cost) {
  if (cost.numbers > Limits::response_numbers)
    fail("too_large", "this request would return " + std::to_string(cost.numbers) +
                          " numbers (weights, outputs and, with steps, every intermediate); the limit is " +
                          std::to_string(Limits::response_numbers) +
                          ": use fewer tokens or heads, a smaller d_out, or steps: false",
         "");
  if (cost.work > Limits::work)
    fail("too_large", "this request needs about " + std::to_string(cost.work) + " multiply-adds; the limit is " +
                          std::to_string(Limits::work) + ": use fewer tokens or a smaller d_in or d_out",
         "");
}

Count copies(bool with_steps, Count steps) { return 1 + (with_steps ? steps : 0); }

Count qkv_numbers(Count d_in, Count d_out, bool qkv_bias) { return 3 * d_in * d_out + (qkv_bias ? 3 * d_out : 0); }

Count head_work(Count T, Count d_in, Count d_out) { return 3 * T * d_in * d_out + 2 * T * T * d_out; }

// ---- weights: drawn from the seed in the documented order, then replaced by any given ----

Matrix given_or(const Fields* weights, const std::string& key, Matrix drawn) {
  if (!weights || !weights->has(key)) return drawn;
  Matrix given = weights->matrix(key, Limits::dim, Limits::dim);
  if (given.shape() != drawn.shape())
    fail("shape_mismatch", weights->name(key) + " is " + shape_text(given.shape(0), given.shape(1)) + " but must be " +
                               shape_text(drawn.shape(0), drawn.shape(1)) + " here",
         weights->path(key).pointer);
  return given;
}

Vector given_or(const Fields* weights, const std::string& key, Vector drawn) {
  if (!weights || !weights->has(key)) return drawn;
  Vector given = weights->vector(key, Limits::dim);
  if (given.size() != drawn.size())
    fail("shape_mismatch", weights->name(key) + " has " + std::to_string(given.size()) + " numbers but must have " +
                               std::to_string(drawn.size()) + " here",
         weights->path(key).pointer);
  return given;
}

QkvWeights qkv_given_or(const Fields* weights, QkvWeights drawn) {
  if (weights && !drawn.b_query)
    for (const char* bias : {"b_query", "b_key", "b_value"})
      if (weights->has(bias))
        fail("bad_value", weights->name(bias) + " is given but qkv_bias is false", weights->path(bias).pointer);
  drawn.W_query = given_or(weights, "W_query", drawn.W_query);
  drawn.W_key = given_or(weights, "W_key", drawn.W_key);
  drawn.W_value = given_or(weights, "W_value", drawn.W_value);
  if (drawn.b_query) {
    drawn.b_query = given_or(weights, "b_query", *drawn.b_query);
    drawn.b_key = given_or(weights, "b_key", *drawn.b_key);
    drawn.b_value = given_or(weights, "b_value", *drawn.b_value);
  }
  return drawn;
}

std::optional<Fields> weights_of(const Fields& request, std::initializer_list<const char*> known) {
  if (!request.has("weights")) return std::nullopt;
  Fields weights(request.at("weights"), request.path("weights"));
  weights.only(known);
  return weights;
}

/// d_out: as asked, else the columns of the given `key` weight, else d_in.
std::size_t d_out_of(const Fields& request, const Fields* weights, const std::string& key, std::size_t d_in) {
  std::size_t fallback = d_in;
  if (weights && weights->has(key) && weights->at(key).is_array() && !weights->at(key).empty()) {
    const json& first = weights->at(key).front();
    fallback = first.is_array() ? first.size() : weights->at(key).size();
  }
  const std::size_t d_out = request.size("d_out", fallback, 1, Limits::dim);
  if (d_out > Limits::dim)  // not given: taken from the weight, whose rows are not read yet
    fail("too_large", weights->name(key) + " has " + std::to_string(d_out) + " columns, so d_out would be " +
                          std::to_string(d_out) + "; the limit is " + std::to_string(Limits::dim),
         weights->path(key).pointer);
  return d_out;
}

namespace {

// ---- dropout ----

/// Whether dropout acts: a rate above 0, in training mode.
bool dropout_acts(const Fields& request) {
  return request.number("dropout", 0.0f, 0.0f, 1.0f) > 0.0f && request.boolean("training", true);
}

Dropout dropout_of(const Fields& request, std::size_t heads, std::size_t T, bool per_head) {
  Dropout dropout;
  dropout.seed = request.seed();
  const float p = request.number("dropout", 0.0f, 0.0f, 1.0f);
  if (request.has("dropout_mask")) {  // checked even when dropout does not act, so a wrong mask never goes unseen
    const Path where = request.path("dropout_mask");
    Tensor3 mask = per_head ? to_tensor3(request.at("dropout_mask"), where, Limits::num_heads, Limits::tokens,
                                         Limits::tokens)
                            : stack({request.matrix("dropout_mask", Limits::tokens, Limits::tokens)});
    const std::vector<std::size_t> expected{heads, T, T};
    if (std::vector<std::size_t>(mask.shape().begin(), mask.shape().end()) != expected)
      fail("shape_mismatch", per_head ? "dropout_mask must be num_heads × T × T = " + std::to_string(heads) + " × " +
                                            std::to_string(T) + " × " + std::to_string(T)
                                      : "dropout_mask must be T × T = " + shape_text(T, T),
           where.pointer);
    for (std::size_t h = 0; h < heads; ++h)
      for (std::size_t i = 0; i < T; ++i)
        for (std::size_t j = 0; j < T; ++j)
          if (mask(h, i, j) != 0.0f && mask(h, i, j) != 1.0f)
            fail("bad_value", "dropout_mask entries must be 0 (dropped) or 1 (kept)",
                 (per_head ? where.index(h) : where).index(i).index(j).pointer);
    dropout.keep_mask = mask;
  }
  if (dropout_acts(request)) dropout.p = p;
  else dropout.keep_mask.reset();  // evaluation mode or p = 0: no dropout
  return dropout;
}

// ---- the response ----

json weights_response(const AttentionResult& result, std::size_t heads_in_weights, json weights) {
  json response = {{"context_vecs", to_json(result.context_vecs)}, {"weights", std::move(weights)}};
  response["attn_weights"] = heads_in_weights ? to_json(result.attn_weights) : to_json(slice(result.attn_weights, 0));
  if (result.dropout_mask) {
    response["dropout_mask"] = heads_in_weights ? to_json(*result.dropout_mask) : to_json(slice(*result.dropout_mask, 0));
    response["attn_weights_dropped"] = heads_in_weights ? to_json(*result.attn_weights_dropped)
                                                        : to_json(slice(*result.attn_weights_dropped, 0));
  }
  return response;
}

}  // namespace

json finish(json response, const Trace& trace) {
  for (const char* key : {"context_vecs", "attn_weights", "attn_weights_dropped", "outputs", "logits", "probas", "loss"})
    if (response.contains(key) && !all_finite(response[key]))
      fail("not_finite",
           "the result overflowed float32 (a score beyond ±3.4e38 made it infinite or NaN): use smaller inputs or weights",
           "");
  if (trace.enabled()) response["steps"] = steps_to_json(trace);
  return response;
}

namespace {

// ---- the mechanisms ----

json simplified(const Fields& request) {
  request.only({"mechanism", "inputs", "steps"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const Count T = inputs.shape(0), d = inputs.shape(1);
  const bool steps = request.boolean("steps", false);
  check_attention(1, T);
  // steps: inputs, context_vecs (T·d); scores and three normalisations (T²)
  check_cost({T * d * copies(steps, 2) + T * T * copies(steps, 4), 2 * T * T * d});
  Trace trace(steps);
  AttentionResult result = simplified_attention(inputs, trace);
  return finish(weights_response(result, 0, json::object()), trace);
}

/// What self_attention and causal share: inputs, sizes and the QKV weights.
struct SingleHead {
  Matrix inputs;
  QkvWeights weights;
};

/// `attention_copies`: how many (T, T) tensors the response holds (its T·d ones are at most 5 with steps).
SingleHead single_head(const Fields& request, Count attention_copies) {
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const std::size_t T = inputs.shape(0), d_in = inputs.shape(1);
  auto weights = weights_of(request, {"W_query", "W_key", "W_value", "b_query", "b_key", "b_value"});
  const std::size_t d_out = d_out_of(request, weights ? &*weights : nullptr, "W_query", d_in);
  const bool qkv_bias = request.boolean("qkv_bias", false);
  check_weight(d_in, d_out, "W_query");
  check_activations(T, std::max(d_in, d_out));
  check_attention(1, T);
  // steps of size T·d: inputs, queries, keys, values, context_vecs
  check_cost({qkv_numbers(d_in, d_out, qkv_bias) + Count{T} * std::max(d_in, d_out) * copies(request.boolean("steps", false), 5) +
                  Count{T} * T * attention_copies,
              head_work(T, d_in, d_out)});
  Rng rng(request.seed());
  QkvWeights drawn = draw_qkv(rng, d_in, d_out, qkv_bias);
  return {inputs, qkv_given_or(weights ? &*weights : nullptr, drawn)};
}

json self_attention_request(const Fields& request) {
  request.only({"mechanism", "inputs", "d_out", "qkv_bias", "scale", "seed", "steps", "weights"});
  SingleHead head = single_head(request, copies(request.boolean("steps", false), 3));  // scores, scaled, weights
  Trace trace(request.boolean("steps", false));
  AttentionResult result = self_attention(head.inputs, head.weights, request.boolean("scale", true), trace);
  json response = weights_response(result, 0, to_json(head.weights));
  response["parameter_count"] = 3 * head.weights.W_query.size() + (head.weights.b_query ? 3 * head.weights.b_query->size() : 0);
  return finish(response, trace);
}

json causal_request(const Fields& request) {
  request.only({"mechanism", "inputs", "d_out", "qkv_bias", "scale", "seed", "steps", "weights", "dropout",
                "training", "dropout_mask"});
  // (T, T) steps: scores, scaled, mask, the three of route (a), masked scores, weights; dropout adds mask and result
  const Count dropped = dropout_acts(request) ? 2 : 0;
  SingleHead head = single_head(request, copies(request.boolean("steps", false), 8 + dropped) + dropped);
  Dropout dropout = dropout_of(request, 1, head.inputs.shape(0), false);
  Trace trace(request.boolean("steps", false));
  float routes_max_abs_diff = 0.0f;
  AttentionResult result =
      causal_attention(head.inputs, head.weights, request.boolean("scale", true), dropout, trace, &routes_max_abs_diff);
  json response = weights_response(result, 0, to_json(head.weights));
  response["routes_max_abs_diff"] = routes_max_abs_diff;
  response["parameter_count"] = 3 * head.weights.W_query.size() + (head.weights.b_query ? 3 * head.weights.b_query->size() : 0);
  return finish(response, trace);
}

std::size_t num_heads_of(const Fields& request) { return request.size("num_heads", 1, 1, Limits::num_heads); }

json multihead_wrapper_request(const Fields& request) {
  request.only({"mechanism", "inputs", "d_out", "num_heads", "qkv_bias", "causal", "seed", "steps", "weights",
                "dropout", "training", "dropout_mask"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const std::size_t T = inputs.shape(0), d_in = inputs.shape(1);
  auto weights = weights_of(request, {"heads"});
  std::optional<json> given_heads;
  std::size_t num_heads = num_heads_of(request);
  std::size_t d_out = request.size("d_out", d_in, 1, Limits::dim);
  if (weights && weights->has("heads")) {
    const json& heads = weights->at("heads");
    const Path where = weights->path("heads");
    if (!heads.is_array()) fail("wrong_type", "weights.heads must be a list of per-head weight objects", where.pointer);
    if (heads.empty()) fail("empty", "weights.heads has no heads: give one weight object per head", where.pointer);
    if (request.has("num_heads") && heads.size() != num_heads)
      fail("shape_mismatch", "weights.heads has " + std::to_string(heads.size()) + " heads but num_heads is " +
                                 std::to_string(num_heads),
           request.path("num_heads").pointer);
    num_heads = request.size("num_heads", heads.size(), 1, Limits::num_heads);
    if (heads.size() > Limits::num_heads)
      fail("too_large", "weights.heads: at most " + std::to_string(Limits::num_heads) + " heads", where.pointer);
    Fields first(heads.front(), where.index(0));
    d_out = d_out_of(request, &first, "W_query", d_in);
    given_heads = heads;
  }
  const bool qkv_bias = request.boolean("qkv_bias", false), steps = request.boolean("steps", false);
  check_weight(d_in, d_out, "W_query");
  check_activations(T, std::max(d_in, d_out * num_heads));
  check_attention(num_heads, T);
  // steps per head: queries, keys, values, context (T·d_out each, T·num_heads·d_out in all), with inputs and the
  // concatenation; (T, T) per head: scores, scaled, mask, masked scores, weights, and dropout's mask and result
  const Count dropped = dropout_acts(request) ? 2 : 0;
  check_cost({num_heads * qkv_numbers(d_in, d_out, qkv_bias) + Count{T} * std::max(d_in, d_out * num_heads) * copies(steps, 6) +
                  Count{num_heads} * T * T * (copies(steps, 5 + dropped) + dropped),
              num_heads * head_work(T, d_in, d_out)});
  Rng rng(request.seed());
  std::vector<QkvWeights> heads = draw_heads(rng, num_heads, d_in, d_out, qkv_bias);
  json weights_used = {{"heads", json::array()}};
  for (std::size_t h = 0; h < num_heads; ++h) {
    if (given_heads) {
      Fields head((*given_heads)[h], weights->path("heads").index(h));
      head.only({"W_query", "W_key", "W_value", "b_query", "b_key", "b_value"});
      heads[h] = qkv_given_or(&head, heads[h]);
    }
    weights_used["heads"].push_back(to_json(heads[h]));
  }
  Dropout dropout = dropout_of(request, num_heads, T, true);
  Trace trace(steps);
  AttentionResult result = multihead_wrapper(inputs, heads, request.boolean("causal", true), dropout, trace);
  json response = weights_response(result, num_heads, weights_used);
  response["parameter_count"] = wrapper_parameter_count(d_in, d_out, num_heads, qkv_bias);
  return finish(response, trace);
}

json multihead_request(const Fields& request) {
  request.only({"mechanism", "inputs", "d_out", "num_heads", "qkv_bias", "causal", "seed", "steps", "weights",
                "dropout", "training", "dropout_mask", "compare_wrapper"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const std::size_t T = inputs.shape(0), d_in = inputs.shape(1);
  auto weights = weights_of(request, {"W_query", "W_key", "W_value", "b_query", "b_key", "b_value", "W_out", "b_out"});
  const Fields* given = weights ? &*weights : nullptr;
  const std::size_t d_out = d_out_of(request, given, "W_query", d_in);
  const std::size_t num_heads = num_heads_of(request);
  if (d_out % num_heads != 0)
    fail("bad_value", "num_heads (" + std::to_string(num_heads) + ") must divide d_out (" + std::to_string(d_out) +
                          "): each head gets d_out / num_heads columns. Try num_heads = 1" +
                          (d_out % 2 == 0 ? ", 2" : "") + " or d_out = " + std::to_string(num_heads * ((d_out + num_heads - 1) / num_heads)),
         request.path("num_heads").pointer);
  check_weight(d_in, d_out, "W_query");
  check_weight(d_out, d_out, "W_out");
  check_activations(T, std::max(d_in, d_out));
  check_attention(num_heads, T);
  const bool qkv_bias = request.boolean("qkv_bias", false), steps = request.boolean("steps", false);
  const bool compare = request.boolean("compare_wrapper", false);
  // steps of size T·d: inputs, queries, keys, values, their three splits, context_heads, context_concat,
  // context_vecs; (heads, T, T): scores, scaled, mask, masked scores, weights, and dropout's mask and result.
  // compare_wrapper runs the heads a second time (its tensors are not returned, but they are held).
  const Count dropped = dropout_acts(request) ? 2 : 0;
  check_cost({qkv_numbers(d_in, d_out, qkv_bias) + Count{d_out} * d_out + d_out +
                  Count{T} * std::max(d_in, d_out) * copies(steps, 10) +
                  Count{num_heads} * T * T * (copies(steps, 5 + dropped) + dropped + (compare ? 1 : 0)),
              head_work(T, d_in, d_out) * (compare ? 2 : 1) + Count{T} * d_out * d_out});
  Rng rng(request.seed());
  MultiHeadWeights w = draw_multihead(rng, d_in, d_out, qkv_bias);
  w.qkv = qkv_given_or(given, w.qkv);
  w.W_out = given_or(given, "W_out", w.W_out);
  w.b_out = given_or(given, "b_out", w.b_out);
  Dropout dropout = dropout_of(request, num_heads, T, true);
  const bool causal = request.boolean("causal", true);
  Trace trace(steps);
  AttentionResult result = multihead_attention(inputs, w, num_heads, causal, dropout, trace);
  json weights_used = to_json(w.qkv);
  weights_used["W_out"] = to_json(w.W_out);
  weights_used["b_out"] = to_json(w.b_out);
  json response = weights_response(result, num_heads, weights_used);
  response["parameter_count"] = multihead_parameter_count(d_in, d_out, qkv_bias);
  response["head_dim"] = d_out / num_heads;
  if (compare) {
    // The wrapper's heads with weights sliced from the single matrices must give the same weights.
    Trace no_trace;
    AttentionResult wrapper = multihead_wrapper(inputs, slice_heads(w.qkv, num_heads), causal, dropout, no_trace);
    float worst = 0.0f;
    for (std::size_t h = 0; h < num_heads; ++h)
      worst = std::max(worst, max_abs_diff(slice(wrapper.attn_weights, h), slice(result.attn_weights, h)));
    response["wrapper_max_abs_diff"] = worst;
  }
  return finish(response, trace);
}

json additive_request(const Fields& request) {
  request.only({"mechanism", "inputs", "decoder_state", "d_out", "seed", "steps", "weights"});
  Matrix encoder_states = request.matrix("inputs", Limits::tokens, Limits::dim);
  const json& state = request.at("decoder_state");
  Matrix decoder_states;  // (S, d_dec): one decoder step, or S of them
  if (state.is_array() && !state.empty() && state.front().is_array()) {
    decoder_states = request.matrix("decoder_state", Limits::tokens, Limits::dim);
  } else {
    Vector s = request.vector("decoder_state", Limits::dim);
    decoder_states = xt::zeros<float>({std::size_t{1}, s.size()});
    for (std::size_t j = 0; j < s.size(); ++j) decoder_states(0, j) = s(j);
  }
  const std::size_t T = encoder_states.shape(0), d_enc = encoder_states.shape(1);
  const std::size_t S = decoder_states.shape(0), d_dec = decoder_states.shape(1);
  auto weights = weights_of(request, {"W_decoder", "W_encoder", "b_attn", "v"});
  const Fields* given = weights ? &*weights : nullptr;
  const std::size_t d_attn = d_out_of(request, given, "W_encoder", d_enc);
  const bool steps = request.boolean("steps", false);
  check_weight(d_dec, d_attn, "W_decoder");
  check_weight(d_enc, d_attn, "W_encoder");
  check_activations(std::max(S, T), std::max({d_enc, d_dec, d_attn}));
  if (Count{S} * T > Limits::attention_entries)
    fail("too_large", std::to_string(S) + " decoder states × " + std::to_string(T) + " encoder states is over the limit of " +
                          std::to_string(Limits::attention_entries) + " attention weights",
         "");
  // steps of size (S or T)·d: inputs, decoder_state, both projections, context_vecs; (S, T): scores, weights.
  // Each score is v·tanh(s·W_decoder + h·W_encoder + b): d_attn multiply-adds for each of S·T pairs.
  check_cost({Count{d_dec + d_enc + 2} * d_attn + Count{std::max(S, T)} * std::max({d_enc, d_dec, d_attn}) * copies(steps, 5) +
                  Count{S} * T * copies(steps, 2),
              Count{S} * d_dec * d_attn + Count{T} * d_enc * d_attn + Count{S} * T * (d_attn + d_enc)});
  Rng rng(request.seed());
  AdditiveWeights w = draw_additive(rng, d_dec, d_enc, d_attn);
  w.W_decoder = given_or(given, "W_decoder", w.W_decoder);
  w.W_encoder = given_or(given, "W_encoder", w.W_encoder);
  w.b_attn = given_or(given, "b_attn", w.b_attn);
  w.v = given_or(given, "v", w.v);
  Trace trace(steps);
  AttentionResult result = additive_attention(encoder_states, decoder_states, w, trace);
  json weights_used = {{"W_decoder", to_json(w.W_decoder)}, {"W_encoder", to_json(w.W_encoder)},
                       {"b_attn", to_json(w.b_attn)}, {"v", to_json(w.v)}};
  return finish(weights_response(result, 0, weights_used), trace);
}

// ---- lesson helpers ----

json embed_request(const Fields& request) {
  request.only({"mechanism", "text", "tokens", "d_in", "seed"});
  std::vector<std::string> tokens;
  const Path source = request.path(request.has("tokens") ? "tokens" : "text");  // where the tokens come from
  if (request.has("tokens")) {
    const json& list = request.at("tokens");
    if (!list.is_array()) fail("wrong_type", "tokens must be a list of strings", source.pointer);
    if (list.size() > Limits::tokens)
      fail("too_large", "there are " + std::to_string(list.size()) + " tokens; the limit is " + std::to_string(Limits::tokens),
           source.pointer);
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string() || list[i].get<std::string>().empty())
        fail("wrong_type", "tokens[" + std::to_string(i) + "] must be a non-empty string", source.index(i).pointer);
      tokens.push_back(list[i].get<std::string>());
    }
  } else {
    const std::string text = request.text("text");
    if (text.size() > Limits::text_bytes)
      fail("too_large", "the text is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(Limits::text_bytes),
           source.pointer);
    tokens = tokenize(text);
    if (tokens.size() > Limits::tokens)
      fail("too_large", "the text has " + std::to_string(tokens.size()) + " tokens; the limit is " +
                            std::to_string(Limits::tokens),
           source.pointer);
  }
  if (tokens.empty()) fail("empty", "there are no tokens: type at least one word", source.pointer);
  const std::size_t d_in = request.size("d_in", 3, 1, Limits::dim);
  check_activations(tokens.size(), d_in);
  return {{"tokens", tokens}, {"embeddings", to_json(embed_tokens(tokens, d_in, request.seed()))}};
}

json rnn_encoder_request(const Fields& request) {
  request.only({"mechanism", "inputs", "compare_inputs", "d_out", "seed", "weights"});
  Matrix inputs = request.matrix("inputs", Limits::tokens, Limits::dim);
  const std::size_t T = inputs.shape(0), d_in = inputs.shape(1);
  // A second sentence of the same shape (one word changed) run through the same weights.
  std::optional<Matrix> compare_inputs;
  if (request.has("compare_inputs")) {
    compare_inputs = request.matrix("compare_inputs", Limits::tokens, Limits::dim);
    if (compare_inputs->shape() != inputs.shape())
      fail("shape_mismatch", "compare_inputs is " + shape_text(compare_inputs->shape(0), compare_inputs->shape(1)) +
                                 " but must have the shape of inputs, " + shape_text(T, d_in),
           request.path("compare_inputs").pointer);
  }
  auto weights = weights_of(request, {"W_xh", "W_hh", "b_h"});
  const Fields* given = weights ? &*weights : nullptr;
  const std::size_t d_hidden = d_out_of(request, given, "W_xh", d_in);
  check_weight(d_in, d_hidden, "W_xh");
  check_weight(d_hidden, d_hidden, "W_hh");
  check_activations(T, std::max(d_in, d_hidden));
  // h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h): (d_in + d_hidden)·d_hidden multiply-adds a token
  const Count runs = compare_inputs ? 2 : 1;
  check_cost({Count{d_in + d_hidden + 1} * d_hidden + runs * Count{T + 1} * d_hidden,
              runs * Count{T} * (d_in + d_hidden) * d_hidden});
  Rng rng(request.seed());
  RnnWeights w = draw_rnn(rng, d_in, d_hidden);
  w.W_xh = given_or(given, "W_xh", w.W_xh);
  w.W_hh = given_or(given, "W_hh", w.W_hh);
  w.b_h = given_or(given, "b_h", w.b_h);
  Matrix hidden_states = rnn_encoder(inputs, w);
  json response = {{"hidden_states", to_json(hidden_states)},
                   {"final_state", to_json(row(hidden_states, T - 1))},
                   {"weights", {{"W_xh", to_json(w.W_xh)}, {"W_hh", to_json(w.W_hh)}, {"b_h", to_json(w.b_h)}}}};
  if (compare_inputs) {
    Matrix compare_states = rnn_encoder(*compare_inputs, w);
    response["hidden_states_compare"] = to_json(compare_states);
    response["state_distance"] = to_json(state_distance(hidden_states, compare_states));  // (T) ‖h_t − h'_t‖
  }
  return finish(response, Trace());
}

json scaling_demo_request(const Fields& request) {
  request.only({"mechanism", "d_k", "d_k_values", "T", "trials", "seed"});
  const std::size_t T = request.size("T", 6, 1, Limits::tokens);
  const std::size_t trials = request.size("trials", 64, 1, Limits::demo_trials);
  std::vector<std::size_t> d_k_values;
  if (request.has("d_k_values")) {
    const json& list = request.at("d_k_values");
    const Path where = request.path("d_k_values");
    if (!list.is_array()) fail("wrong_type", "d_k_values must be a list of whole numbers", where.pointer);
    if (list.empty()) fail("empty", "d_k_values has no values: give at least one d_k", where.pointer);
    if (list.size() > Limits::demo_points)
      fail("too_large", "d_k_values has " + std::to_string(list.size()) + " values; the limit is " +
                            std::to_string(Limits::demo_points),
           where.pointer);
    for (std::size_t i = 0; i < list.size(); ++i) d_k_values.push_back(to_size(list[i], where.index(i), 1, Limits::demo_dim));
  }
  const std::size_t d_k = request.size("d_k", 0, 1, Limits::demo_dim);  // 0: no example asked for
  Count work = 0;
  for (std::size_t d : d_k_values) work += Count{trials} * T * d;
  if (work > Limits::demo_work)
    fail("too_large", "trials × T × Σ d_k is " + std::to_string(work) + "; the limit is " + std::to_string(Limits::demo_work),
         "");
  json response = json::object();
  response["curve"] = json::array();
  for (const ScalingPoint& point : scaling_curve(d_k_values, T, trials, request.seed()))
    response["curve"].push_back({{"d_k", point.d_k}, {"score_std", point.score_std},
                                 {"score_std_scaled", point.score_std_scaled}, {"max_weight", point.max_weight},
                                 {"max_weight_scaled", point.max_weight_scaled}});
  if (d_k > 0) {
    const ScalingExample example = scaling_example(d_k, T, request.seed());
    response["attn_scores"] = to_json(example.attn_scores);
    response["attn_weights_unscaled"] = to_json(example.attn_weights_unscaled);
    response["attn_weights_scaled"] = to_json(example.attn_weights_scaled);
  }
  return response;
}

json parameter_count_request(const Fields& request) {
  request.only({"mechanism", "d_in", "d_out", "num_heads", "qkv_bias"});
  const std::size_t d_in = request.size("d_in", 768, 1, 1u << 20);
  const std::size_t d_out = request.size("d_out", d_in, 1, 1u << 20);
  const std::size_t num_heads = request.size("num_heads", 1, 1, 4096);
  if (d_out % num_heads != 0)
    fail("bad_value", "num_heads (" + std::to_string(num_heads) + ") must divide d_out (" + std::to_string(d_out) + ")",
         request.path("num_heads").pointer);
  const bool qkv_bias = request.boolean("qkv_bias", false);
  return {{"parameter_count", multihead_parameter_count(d_in, d_out, qkv_bias)},
          {"parameter_count_wrapper", wrapper_parameter_count(d_in, d_out, num_heads, qkv_bias)},
          {"head_dim", d_out / num_heads}};
}

/// {"error": {"code", "message", "field"}}; no "field" when the error is about the request as a whole.
json error_response(const std::string& code, const std::string& message, const std::string& field = "") {
  json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return {{"error", std::move(error)}};
}

json dispatch(const json& body) {
  static const std::map<std::string, std::function<json(const Fields&)>> mechanisms = {
      {"simplified", simplified},
      {"self_attention", self_attention_request},
      {"causal", causal_request},
      {"multihead_wrapper", multihead_wrapper_request},
      {"multihead", multihead_request},
      {"additive", additive_request},
      {"embed", embed_request},
      {"rnn_encoder", rnn_encoder_request},
      {"scaling_demo", scaling_demo_request},
      {"parameter_count", parameter_count_request},
      {"layer_norm", layer_norm_request},
      {"positional_encoding", positional_encoding_request},
      {"feed_forward", feed_forward_request},
      {"transformer_block", transformer_block_request},
      {"gpt", gpt_request},
      {"gpt_parameter_count", gpt_parameter_count_request},
      {"train", train_request},
  };
  if (!body.is_object())
    fail("parse_error", std::string("the request must be one JSON object, {\"mechanism\": …}, not ") +
                            (body.is_array() ? "a list" : body.is_string() ? "a string" : body.is_null() ? "null" : "a single value"),
         "");
  Fields request(body, Path{});
  const std::string mechanism = request.text("mechanism");
  auto found = mechanisms.find(mechanism);
  if (found == mechanisms.end()) {
    std::string names;
    for (const auto& entry : mechanisms) names += (names.empty() ? "" : ", ") + entry.first;
    fail("unknown_mechanism", "unknown mechanism \"" + excerpt(mechanism) + "\"; choose one of: " + names,
         request.path("mechanism").pointer);
  }
  return found->second(request);
}

/// "[json.exception.parse_error.101] parse error at …" without the bracket, which says nothing to a learner.
std::string without_exception_id(const char* what) {
  const std::string text = what;
  const std::size_t end = text.rfind("] ", text.find(' '));
  return excerpt(end == std::string::npos ? text : text.substr(end + 2), 240);
}

}  // namespace

json parse_request(const std::string& text) {
  if (text.size() > Limits::request_bytes)
    fail("too_large", "the request is " + std::to_string(text.size()) + " bytes; the limit is " +
                          std::to_string(Limits::request_bytes),
         "");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    fail("parse_error", "the request is empty: send one JSON object, such as "
                        "{\"mechanism\": \"simplified\", \"inputs\": [[1, 0], [0, 1]]}",
         "");
  check_nesting(text, Limits::nesting);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const bool non_finite = text.find("NaN") != std::string::npos || text.find("Infinity") != std::string::npos;
    fail("parse_error", "the request is not valid JSON: " + without_exception_id(e.what()) +
                            (non_finite ? " (JSON has no NaN or Infinity: every number must be finite)" : ""),
         "");
  } catch (const json::out_of_range& e) {  // a number beyond double, such as 1e999, which would be infinite
    fail("not_finite", "a number in the request is out of range (" + without_exception_id(e.what()) +
                           "): every number must be finite, |x| < 3.4e38 (float32)",
         "");
  }
}

namespace {

std::string to_text(const json& response) {
  // Invalid UTF-8 (in a token) is replaced rather than thrown on.
  return response.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string respond(const std::string& request_json) {
  json response;
  try {
    response = dispatch(parse_request(request_json));
    return to_text(response);  // inside the try: writing a large response can run out of memory too
  } catch (const RequestError& e) {
    response = error_response(e.code, e.what(), e.field);
  } catch (const std::bad_alloc&) {
    response = error_response("internal", "the core ran out of memory answering this request; "
                                          "try fewer tokens or smaller sizes (the core keeps working)");
  } catch (const std::exception& e) {
    response = error_response("internal", "the core failed: " + excerpt(e.what(), 240));
  } catch (...) {
    response = error_response("internal", "the core failed for an unknown reason");
  }
  return to_text(response);
}

}  // namespace

std::string handle_request(const std::string& request_json) {
  try {
    return respond(request_json);
  } catch (...) {  // even the error could not be written (memory exhausted): a reply that needs no JSON library
    return R"({"error":{"code":"internal","message":"the core ran out of memory; try a smaller request"}})";
  }
}

bool is_error_response(const std::string& response_json) {
  return response_json.rfind("{\"error\":", 0) == 0;
}

}  // namespace attn::api
