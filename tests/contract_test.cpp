// The JSON contract (docs/api.md) for every mechanism: the book's numbers through handle_request,
// the fields of each response, its steps, and reproducibility from a seed.

#include <cmath>
#include <set>

#include "attn/api.hpp"
#include "reference.hpp"

using namespace attn;
using namespace attn::test;

namespace {

json book_request(const std::string& mechanism) { return {{"mechanism", mechanism}, {"inputs", book()["inputs"]}}; }

std::vector<std::string> step_names(const json& response) {
  std::vector<std::string> names;
  for (const auto& step : response["steps"]) names.push_back(step["name"]);
  return names;
}

const json& step(const json& response, const std::string& name) {
  for (const auto& s : response["steps"])
    if (s["name"] == name) return s;
  throw std::runtime_error("no step " + name);
}

}  // namespace

TEST_CASE("simplified: z(2) = [0.4419, 0.6515, 0.5683] and its steps", "[contract][simplified]") {
  json request = book_request("simplified");
  request["steps"] = true;
  const json response = respond(request);
  require_close(matrix(response["context_vecs"]), example("all_context_vecs_simple")["full_precision"]["all_context_vecs"]);
  require_close(matrix(response["attn_weights"]), example("attn_weights_simple")["full_precision"]["attn_weights"]);
  CHECK(step_names(response) == std::vector<std::string>{"inputs", "attn_scores", "attn_weights_sum_normalized",
                                                         "attn_weights_softmax_naive", "attn_weights", "context_vecs"});
  CHECK(step(response, "attn_scores")["shape"] == json::array({6, 6}));
  require_close(row_of(matrix(step(response, "attn_weights_sum_normalized")["value"]), 1),
                example("attn_weights_2_sum_normalized")["full_precision"]["attn_weights_2_tmp"]);
}

TEST_CASE("self_attention: the book's weights give SelfAttention_v1's context", "[contract][self_attention]") {
  json request = book_request("self_attention");
  request["weights"] = example("W_qkv_seed123")["weights"];
  request["steps"] = true;
  const json response = respond(request);
  require_close(matrix(response["context_vecs"]), example("SelfAttention_v1_seed123")["full_precision"]["context"]);
  CHECK(response["weights"]["W_query"] == request["weights"]["W_query"]);
  CHECK(response["parameter_count"] == 18);
  CHECK(step_names(response) == std::vector<std::string>{"inputs", "queries", "keys", "values", "attn_scores",
                                                         "attn_scores_scaled", "attn_weights", "context_vecs"});
  require_close(matrix(step(response, "keys")["value"]), example("keys_values_shapes")["full_precision"]["keys"]);
}

TEST_CASE("self_attention: d_out follows the given weights, scale can be switched off", "[contract][self_attention]") {
  json request = book_request("self_attention");
  request["weights"] = example("SelfAttention_v2_seed789")["weights"];
  const json scaled = respond(request);
  CHECK(scaled["context_vecs"][0].size() == 2);
  require_close(matrix(scaled["context_vecs"]), example("SelfAttention_v2_seed789")["full_precision"]["context"]);
  request["scale"] = false;
  const json unscaled = respond(request);
  CHECK(unscaled["attn_weights"] != scaled["attn_weights"]);
}

TEST_CASE("causal: book weights, both routes, dropout with the book's mask", "[contract][causal]") {
  const json& e = example("dropout_attn_weights_seed123");
  json request = book_request("causal");
  request["weights"] = e["weights"];
  request["dropout"] = 0.5;
  request["dropout_mask"] = e["dropout_keep_mask"];
  request["steps"] = true;
  const json response = respond(request);
  require_close(matrix(response["attn_weights"]), e["full_precision"]["attn_weights_before_dropout"]);
  require_close(matrix(response["attn_weights_dropped"]), e["full_precision"]["after_dropout"]);
  CHECK(response["dropout_mask"] == json(e["dropout_keep_mask"]).get<std::vector<std::vector<float>>>());
  CHECK(response["routes_max_abs_diff"].get<double>() < 1e-6);
  const std::vector<std::string> names = step_names(response);
  for (const char* name : {"mask", "attn_weights_unmasked", "attn_weights_masked_zero", "attn_weights_renormalized",
                           "attn_scores_masked", "dropout_mask", "attn_weights_dropped", "context_vecs"})
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  // −∞ is written as null in the masked scores
  CHECK(step(response, "attn_scores_masked")["value"][0][1].is_null());
  CHECK(step(response, "attn_scores_masked")["value"][1][0].is_number());
}

TEST_CASE("causal: evaluation mode and p = 0 switch dropout off", "[contract][causal][dropout]") {
  json request = book_request("causal");
  request["dropout"] = 0.5;
  request["training"] = false;
  CHECK_FALSE(respond(request).contains("attn_weights_dropped"));
  request["training"] = true;
  request["dropout"] = 0;
  CHECK_FALSE(respond(request).contains("attn_weights_dropped"));
}

TEST_CASE("causal: CausalAttention from the book's weights", "[contract][causal]") {
  const json& e = example("CausalAttention_seed123");
  json request = book_request("causal");
  request["weights"] = e["weights"];
  require_close(matrix(respond(request)["context_vecs"]), e["full_precision"]["context"][0]);
}

TEST_CASE("multihead_wrapper: the book's two heads", "[contract][multihead]") {
  const json& e = example("MultiHeadAttentionWrapper_seed123");
  json request = book_request("multihead_wrapper");
  request["weights"] = e["weights"];
  request["steps"] = true;
  const json response = respond(request);
  require_close(matrix(response["context_vecs"]), e["full_precision"]["context"][0]);
  CHECK(response["attn_weights"].size() == 2);
  CHECK(step(response, "head_1.attn_weights")["shape"] == json::array({6, 6}));
}

TEST_CASE("multihead: the book's module, and the wrapper agrees", "[contract][multihead]") {
  const json& e = example("MultiHeadAttention_seed123");
  json request = book_request("multihead");
  request["weights"] = e["weights"];
  request["num_heads"] = 2;
  request["compare_wrapper"] = true;
  request["steps"] = true;
  const json response = respond(request);
  require_close(matrix(response["context_vecs"]), e["full_precision"]["context"][0]);
  CHECK(response["head_dim"] == 1);
  CHECK(response["wrapper_max_abs_diff"].get<double>() < 1e-6);
  CHECK(step(response, "queries_split")["shape"] == json::array({2, 6, 1}));
  CHECK(step(response, "attn_weights")["shape"] == json::array({2, 6, 6}));
  CHECK(step(response, "context_concat")["shape"] == json::array({6, 2}));
}

TEST_CASE("multihead: dropout per head with a given mask, non-causal form", "[contract][multihead][dropout]") {
  json request = book_request("multihead");
  request["d_out"] = 4;
  request["num_heads"] = 2;
  request["causal"] = false;
  request["dropout"] = 0.25;
  json mask = json::array();
  for (int h = 0; h < 2; ++h) mask.push_back(json(std::vector<std::vector<int>>(6, std::vector<int>(6, h))));
  request["dropout_mask"] = mask;
  const json response = respond(request);
  for (const auto& row : response["attn_weights_dropped"][0])
    for (const auto& x : row) CHECK(x.get<double>() == 0.0);
  CHECK(response["attn_weights"][0][0][5].get<double>() > 0.0);  // not causal: the last key is seen
}

TEST_CASE("a seeded run is reproducible and its weights replay it", "[contract]") {
  json request = book_request("multihead");
  request["d_out"] = 4;
  request["num_heads"] = 2;
  request["qkv_bias"] = true;
  request["seed"] = 2024;
  request["dropout"] = 0.3;
  const json first = respond(request), second = respond(request);
  CHECK(first == second);
  json replay = request;
  replay["seed"] = 1;  // different seed, the weights given: only the dropout mask changes
  replay["weights"] = first["weights"];
  replay["dropout_mask"] = first["dropout_mask"];
  CHECK(respond(replay)["context_vecs"] == first["context_vecs"]);
  request["seed"] = 2025;
  CHECK(respond(request)["context_vecs"] != first["context_vecs"]);
}

TEST_CASE("additive: one decoder state or several", "[contract][additive]") {
  json request = book_request("additive");
  request["decoder_state"] = {0.1, -0.2};
  request["d_out"] = 5;
  request["steps"] = true;
  const json one = respond(request);
  CHECK(one["attn_weights"].size() == 1);
  CHECK(one["attn_weights"][0].size() == 6);
  CHECK(one["context_vecs"][0].size() == 3);
  CHECK(one["weights"]["W_decoder"].size() == 2);
  CHECK(step_names(one) == std::vector<std::string>{"inputs", "decoder_state", "decoder_projection",
                                                    "encoder_projection", "attn_scores", "attn_weights", "context_vecs"});
  request["decoder_state"] = {{0.1, -0.2}, {0.5, 0.5}, {-1, 0}};
  request["steps"] = false;
  const json three = respond(request);
  CHECK(three["attn_weights"].size() == 3);
  CHECK(three["attn_weights"][0] == one["attn_weights"][0]);
}

TEST_CASE("lesson helpers: embed, rnn_encoder, scaling_demo, parameter_count", "[contract][lessons]") {
  const json embedded = respond({{"mechanism", "embed"}, {"text", "Your journey starts"}, {"d_in", 4}, {"seed", 5}});
  CHECK(embedded["tokens"] == json::array({"Your", "journey", "starts"}));
  CHECK(embedded["embeddings"].size() == 3);
  CHECK(embedded["embeddings"][0].size() == 4);
  const json by_tokens = respond({{"mechanism", "embed"}, {"tokens", {"starts"}}, {"d_in", 4}, {"seed", 5}});
  CHECK(by_tokens["embeddings"][0] == embedded["embeddings"][2]);

  const json rnn = respond({{"mechanism", "rnn_encoder"}, {"inputs", book()["inputs"]}, {"d_out", 4}});
  CHECK(rnn["hidden_states"].size() == 6);
  CHECK(rnn["final_state"] == rnn["hidden_states"][5]);
  CHECK_FALSE(rnn.contains("state_distance"));

  const json demo = respond({{"mechanism", "scaling_demo"}, {"d_k_values", {1, 64}}, {"d_k", 16}, {"T", 6}});
  CHECK(demo["curve"].size() == 2);
  CHECK(demo["attn_weights_scaled"].size() == 6);

  const json gpt2 = respond({{"mechanism", "parameter_count"}, {"d_in", 768}, {"d_out", 768}, {"num_heads", 12}});
  CHECK(gpt2["parameter_count"] == 2360064);
  CHECK(gpt2["head_dim"] == 64);
}

TEST_CASE("rnn_encoder with compare_inputs: the same weights on a second sentence, and the distance", "[contract][lessons]") {
  json changed = book()["inputs"];
  changed[0] = {0.9, 0.1, 0.2};  // the first word changed
  const json request = {{"mechanism", "rnn_encoder"}, {"inputs", book()["inputs"]}, {"d_out", 3}, {"seed", 7}};
  json both = request;
  both["compare_inputs"] = changed;
  const json one = respond(request), two = respond(both);
  // the first run is unchanged by asking for the second
  CHECK(two["hidden_states"] == one["hidden_states"]);
  json again = request;
  again["inputs"] = changed;
  CHECK(two["hidden_states_compare"] == respond(again)["hidden_states"]);
  REQUIRE(two["state_distance"].size() == 6);
  for (std::size_t t = 0; t < 6; ++t) {
    double squares = 0.0;
    for (std::size_t j = 0; j < 3; ++j) {
      const double d = two["hidden_states"][t][j].get<double>() - two["hidden_states_compare"][t][j].get<double>();
      squares += d * d;
    }
    CHECK_THAT(two["state_distance"][t].get<double>(), Catch::Matchers::WithinAbs(std::sqrt(squares), 1e-6));
  }
  // the same sentence twice: no distance at all
  both["compare_inputs"] = book()["inputs"];
  const json same = respond(both);
  for (const json& d : same["state_distance"]) CHECK(d.get<double>() == 0.0);
}

TEST_CASE("T = 1 and d = 1 work for every mechanism", "[contract]") {
  for (const char* mechanism : {"simplified", "self_attention", "causal", "multihead_wrapper", "multihead"}) {
    INFO(mechanism);
    json request = {{"mechanism", mechanism}, {"inputs", {{0.5}}}, {"steps", true}};
    const json response = respond(request);
    CHECK(response["attn_weights"].dump().find("1.0") != std::string::npos);
  }
  CHECK(respond({{"mechanism", "additive"}, {"inputs", {{0.5}}}, {"decoder_state", {1.0}}})["attn_weights"][0][0] == 1.0);
}
