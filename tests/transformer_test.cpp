// The transformer block (lesson 7): layer norm, positional encodings, feed-forward, the block in both
// orders and a small GPT against PyTorch's numbers (tests/data/transformer_reference.json, written by
// tools/reference_transformer.py from the book's chapter 4 modules), then the rules the lesson states.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <xtensor/xview.hpp>

#include "attn/api.hpp"
#include "attn/block.hpp"
#include "attn/gpt.hpp"
#include "attn/init.hpp"
#include "reference.hpp"

using namespace attn;
using namespace attn::test;
using Catch::Matchers::WithinAbs;

namespace {

const json& transformer_reference() {
  static const json data = [] {
    std::ifstream file(ATTN_TRANSFORMER_REFERENCE);
    return json::parse(file);
  }();
  return data;
}

/// Every number of `actual` within `tolerance` of `expected` (same nesting); integers exactly.
void require_close_json(const json& actual, const json& expected, const std::string& where, double tolerance) {
  INFO(where);
  if (expected.is_array()) {
    REQUIRE(actual.is_array());
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      require_close_json(actual[i], expected[i], where + "[" + std::to_string(i) + "]", tolerance);
  } else if (expected.is_number_integer() && actual.is_number_integer()) {
    CHECK(actual.get<std::int64_t>() == expected.get<std::int64_t>());
  } else {
    REQUIRE(actual.is_number());
    CHECK_THAT(actual.get<double>(), WithinAbs(expected.get<double>(), tolerance));
  }
}

const json& step_of(const json& response, const std::string& name) {
  for (const json& step : response.at("steps"))
    if (step.at("name") == name) return step.at("value");
  FAIL("no step " << name);
  throw std::logic_error("unreachable");
}

Matrix random_matrix(std::uint64_t seed, std::size_t rows, std::size_t cols, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed, Stream::demo);
  return uniform_matrix(rng, rows, cols, lo, hi);
}

/// Row perm[i] of m as row i.
Matrix permute_rows(const Matrix& m, const std::vector<std::size_t>& perm) {
  Matrix out = m;
  for (std::size_t i = 0; i < perm.size(); ++i)
    for (std::size_t j = 0; j < m.shape(1); ++j) out(i, j) = m(perm[i], j);
  return out;
}

BlockWeights random_block(std::uint64_t seed, std::size_t emb_dim, std::size_t d_ff, bool qkv_bias = false) {
  Rng rng(seed);
  BlockWeights w = draw_block(rng, emb_dim, d_ff, qkv_bias);
  w.norm1.scale = w.norm1.scale + 0.3f * xt::view(random_matrix(seed + 1, 1, emb_dim), 0, xt::all());  // not 1
  w.norm2.shift = 0.2f * xt::view(random_matrix(seed + 2, 1, emb_dim), 0, xt::all());
  return w;
}

}  // namespace

TEST_CASE("every transformer mechanism matches PyTorch within 1e-5", "[transformer]") {
  const double tolerance = transformer_reference().at("tolerance").get<double>();
  for (const json& c : transformer_reference().at("cases")) {
    SECTION(c.at("name").get<std::string>()) {
      const json response = respond(c.at("request"));
      for (const auto& [key, value] : c.at("expected").items()) {
        if (key == "steps") {
          for (const auto& [name, step] : value.items()) require_close_json(step_of(response, name), step, "steps." + name, tolerance);
        } else {
          REQUIRE(response.contains(key));
          require_close_json(response.at(key), value, key, tolerance);
        }
      }
    }
  }
}

TEST_CASE("layer norm: every row has mean 0 and variance 1 before scale and shift", "[transformer]") {
  Matrix x = random_matrix(1, 6, 9, -5.0f, 5.0f);
  for (std::size_t j = 0; j < 9; ++j) x(1, j) = 1000.0f + x(1, j) * 0.1f;  // a large offset, a small spread
  Trace trace(true);
  const LayerNormWeights w{xt::ones<float>({std::size_t{9}}) * 2.0f, xt::ones<float>({std::size_t{9}})};
  const Matrix out = layer_norm(x, w, trace);
  REQUIRE(trace.steps()[2].name == "norm_x");
  const Matrix norm_x = trace.steps()[2].value;
  for (std::size_t i = 0; i < 6; ++i) {
    double sum = 0.0, squares = 0.0;
    for (std::size_t j = 0; j < 9; ++j) sum += norm_x(i, j);
    for (std::size_t j = 0; j < 9; ++j) squares += (norm_x(i, j) - sum / 9) * (norm_x(i, j) - sum / 9);
    CHECK_THAT(sum / 9, WithinAbs(0.0, 1e-6));
    CHECK_THAT(squares / 9, WithinAbs(1.0, i == 1 ? 1e-3 : 1e-4));  // var / (var + eps): a small spread loses a little
    for (std::size_t j = 0; j < 9; ++j) CHECK_THAT(out(i, j), WithinAbs(2.0f * norm_x(i, j) + 1.0f, 1e-6));
  }
}

TEST_CASE("layer norm: a row of equal entries is exactly the shift, never NaN", "[transformer]") {
  for (float c : {0.0f, 0.1f, -3.7f, 1e30f, 1e-30f}) {
    Matrix x = xt::zeros<float>({std::size_t{2}, std::size_t{7}});
    for (std::size_t j = 0; j < 7; ++j) x(0, j) = c, x(1, j) = float(j);
    Trace trace;
    LayerNormWeights w = identity_layer_norm(7);
    w.shift = w.shift + 0.25f;
    const Matrix out = layer_norm(x, w, trace);
    for (std::size_t j = 0; j < 7; ++j) REQUIRE(out(0, j) == 0.25f);
  }
}

TEST_CASE("sinusoidal positions: PE(pos + k) is a fixed rotation of PE(pos)", "[transformer]") {
  for (std::size_t d : {6u, 7u, 16u}) {
    const Matrix pe = sinusoidal_encoding(60, d);
    for (std::size_t j = 0; j < d; ++j) CHECK(pe(0, j) == (j % 2 == 0 ? 0.0f : 1.0f));  // sin 0, cos 0
    for (std::size_t k : {1u, 3u, 10u}) {
      const Matrix M = sinusoidal_offset_map(k, d);
      // M is orthogonal (a rotation per pair of columns): M·Mᵀ = I
      const Matrix MMt = matmul_transposed(M, M);
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) CHECK_THAT(MMt(i, j), WithinAbs(i == j ? 1.0 : 0.0, 1e-6));
      for (std::size_t pos = 0; pos + k < 60; ++pos) {
        const Matrix moved = matmul(row_of(pe, pos), M);  // (1, d)  PE[pos]·M
        for (std::size_t j = 0; j + (d % 2) < d; ++j) CHECK_THAT(moved(0, j), WithinAbs(pe(pos + k, j), 1e-5));
      }
    }
  }
}

TEST_CASE("without positions attention and the block are permutation-equivariant, causal or PE break it",
          "[transformer]") {
  const std::size_t T = 7, d = 8;
  const Matrix x = random_matrix(5, T, d);
  const std::vector<std::size_t> perm{3, 0, 6, 1, 5, 2, 4};
  const Matrix x_perm = permute_rows(x, perm);
  const BlockWeights w = random_block(9, d, 32);
  BlockOptions options;
  options.n_heads = 2;
  options.causal = false;
  auto block = [&](const Matrix& in, const BlockOptions& o) {
    Trace trace;
    return transformer_block(in, w, o, trace).outputs;
  };
  auto attention = [&](const Matrix& in, bool causal) {
    Trace trace;
    return multihead_attention(in, w.att, 2, causal, Dropout(), trace).context_vecs;
  };
  SECTION("self-attention without a mask") {
    CHECK(max_abs_diff(attention(x_perm, false), permute_rows(attention(x, false), perm)) < 1e-5f);
  }
  SECTION("the block, both orders, with and without residuals") {
    for (bool norm_first : {true, false})
      for (bool residual : {true, false}) {
        BlockOptions o = options;
        o.norm_first = norm_first;
        o.residual = residual;
        CHECK(max_abs_diff(block(x_perm, o), permute_rows(block(x, o), perm)) < 1e-5f);
      }
  }
  SECTION("causal attention is not: the first token sees only itself") {
    CHECK(max_abs_diff(attention(x_perm, true), permute_rows(attention(x, true), perm)) > 1e-2f);
    BlockOptions o = options;
    o.causal = true;
    CHECK(max_abs_diff(block(x_perm, o), permute_rows(block(x, o), perm)) > 1e-2f);
  }
  SECTION("adding positions breaks it") {
    const Matrix pe = sinusoidal_encoding(T, d);
    CHECK(max_abs_diff(block(x_perm + pe, options), permute_rows(block(x + pe, options), perm)) > 1e-2f);
  }
}

TEST_CASE("zero sub-layer weights make the pre-norm residual block the identity", "[transformer]") {
  const Matrix x = random_matrix(11, 5, 8, -3.0f, 3.0f);
  BlockWeights w = random_block(12, 8, 16, true);
  w.att.W_out = xt::zeros<float>({std::size_t{8}, std::size_t{8}});
  w.att.b_out = xt::zeros<float>({std::size_t{8}});
  w.ff.W2 = xt::zeros<float>({std::size_t{16}, std::size_t{8}});
  w.ff.b2 = xt::zeros<float>({std::size_t{8}});
  BlockOptions options;
  options.n_heads = 4;
  Trace trace;
  CHECK(max_abs_diff(transformer_block(x, w, options, trace).outputs, x) == 0.0f);
  options.norm_first = false;  // post-norm is not: its norms still act
  CHECK(max_abs_diff(transformer_block(x, w, options, trace).outputs, x) > 0.1f);
}

TEST_CASE("post-norm outputs are normalised rows (mean 0)", "[transformer]") {
  const Matrix x = random_matrix(13, 6, 8, -2.0f, 2.0f);
  Rng rng(14);
  const BlockWeights w = draw_block(rng, 8, 32, false);  // identity norms
  BlockOptions options;
  options.n_heads = 2;
  options.norm_first = false;
  Trace trace;
  const Matrix y = transformer_block(x, w, options, trace).outputs;
  for (std::size_t i = 0; i < 6; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < 8; ++j) sum += y(i, j);
    CHECK_THAT(sum / 8, WithinAbs(0.0, 1e-6));
  }
}

TEST_CASE("block steps are named and shaped for the lesson", "[transformer]") {
  const Matrix x = random_matrix(15, 4, 6);
  const BlockWeights w = random_block(16, 6, 12);
  BlockOptions options;
  options.n_heads = 3;
  for (bool norm_first : {true, false}) {
    options.norm_first = norm_first;
    Trace trace(true);
    const BlockResult result = transformer_block(x, w, options, trace);
    std::vector<std::string> names;
    for (const Step& step : trace.steps())
      if (step.name.find('.') == std::string::npos) names.push_back(step.name);
    const std::vector<std::string> pre{"norm1", "att", "residual1", "norm2", "ff", "residual2"};
    const std::vector<std::string> post{"att", "residual1", "norm1", "ff", "residual2", "norm2"};
    CHECK(names == (norm_first ? pre : post));
    CHECK(result.attn_weights.shape(0) == 3);
    const Matrix last = trace.steps().back().value;
    CHECK(max_abs_diff(last, result.outputs) == 0.0f);
  }
}

TEST_CASE("parameter counts: GPT-2 small's block and model, as PyTorch counts them", "[transformer]") {
  const json& torch_counts = transformer_reference().at("gpt2_small_parameter_counts");
  for (bool qkv_bias : {false, true}) {
    const json& expected = torch_counts.at(qkv_bias ? "qkv_bias_true" : "qkv_bias_false");
    CHECK(block_parameter_count(768, 3072, qkv_bias) == expected.at("trf_block").get<std::uint64_t>());
    GptConfig config{50257, 1024, 768, 12, 12, 3072, qkv_bias};
    CHECK(gpt_parameter_count(config).total == expected.at("untied").get<std::uint64_t>());
    config.weight_tying = true;
    CHECK(gpt_parameter_count(config).total == expected.at("tied").get<std::uint64_t>());
  }
  // The book's figures assume no qkv bias (its GPT_CONFIG_124M); OpenAI's checkpoint has one.
  CHECK(block_parameter_count(768, 3072, false) == 7085568u);
  CHECK(block_parameter_count(768, 3072, true) == 7087872u);
  CHECK(gpt_parameter_count(GptConfig{50257, 1024, 768, 12, 12, 3072, false}).total == 163009536u);
  CHECK(gpt_parameter_count(GptConfig{50257, 1024, 768, 12, 12, 3072, false, true}).total == 124412160u);
  const json response = respond({{"mechanism", "gpt_parameter_count"}});
  CHECK(response.at("parameter_count_untied") == 163009536u);
  CHECK(response.at("parameter_count_tied") == 124412160u);
  CHECK(response.at("parameter_counts").at("trf_block") == 7085568u);
  CHECK(respond({{"mechanism", "gpt_parameter_count"}, {"qkv_bias", true}}).at("parameter_count_tied") == 124439808u);
}

TEST_CASE("gpt: probabilities, temperature, loss and the next token agree with the logits", "[transformer]") {
  const json base = {{"mechanism", "gpt"}, {"token_ids", {3, 1, 4, 1, 5}}, {"targets", {1, 4, -1, 5, 9}},
                     {"vocab_size", 12}, {"context_length", 6}, {"emb_dim", 8}, {"n_heads", 2}, {"seed", 7}};
  const json at_one = respond(base);
  const Matrix logits = matrix(at_one.at("logits")), probas = matrix(at_one.at("probas"));
  double loss = 0.0;
  const std::vector<int> targets{1, 4, -1, 5, 9};
  for (std::size_t t = 0; t < 5; ++t) {
    double sum = 0.0;
    for (std::size_t j = 0; j < 12; ++j) sum += probas(t, j);
    CHECK_THAT(sum, WithinAbs(1.0, 1e-6));
    if (targets[t] >= 0) loss -= std::log(probas(t, targets[t])) / 4;
  }
  CHECK_THAT(at_one.at("loss").get<double>(), WithinAbs(loss, 1e-5));
  const Matrix last = row_of(logits, 4);
  const auto argmax = std::max_element(last.begin(), last.end()) - last.begin();
  CHECK(at_one.at("next_token_id") == argmax);
  REQUIRE(at_one.at("predicted_ids").size() == 5);
  for (std::size_t t = 0; t < 5; ++t) {  // every row's argmax: the token predicted after position t
    const Matrix row = row_of(logits, t);
    CHECK(at_one.at("predicted_ids")[t] == std::max_element(row.begin(), row.end()) - row.begin());
  }

  json cold = base;
  cold["temperature"] = 1e-4;
  const Matrix cold_probas = matrix(respond(cold).at("probas"));
  CHECK(cold_probas(4, argmax) > 0.999f);  // near 0 the most likely token takes everything
  json hot = base;
  hot["temperature"] = 1e4;
  const Matrix hot_probas = matrix(respond(hot).at("probas"));
  for (std::size_t j = 0; j < 12; ++j) CHECK_THAT(hot_probas(4, j), WithinAbs(1.0 / 12, 1e-3));  // near uniform
}

TEST_CASE("gpt: drawn weights are returned and replay to the same logits", "[transformer]") {
  for (bool tying : {false, true}) {
    json request = {{"mechanism", "gpt"}, {"token_ids", {0, 2, 2, 7}}, {"n_layers", 2}, {"qkv_bias", true},
                    {"weight_tying", tying}, {"seed", 99}};
    const json drawn = respond(request);
    CHECK(drawn.at("weights").contains("out_head") == !tying);
    CHECK(drawn.at("parameter_count") == drawn.at("parameter_counts").at("total"));
    request["weights"] = drawn.at("weights");
    request["seed"] = 1;  // ignored: every weight is given
    const json replayed = respond(request);
    CHECK(replayed.at("logits") == drawn.at("logits"));
    CHECK(replayed.at("attn_weights").size() == 2);
  }
}
