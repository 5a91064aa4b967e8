// Training through the JSON contract (docs/api.md, "Training (lesson 8)"): the "train" mechanism
// answers what the core's Trainer computes, with every field documented; weights round-trip; the
// config the wasm Trainer class reads (attn/train_api.hpp) is the train request's; Trainer::predict
// answers a learner's own sequence. The refusals are in contract_errors_test.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attn/api.hpp"
#include "attn/train.hpp"
#include "attn/train_api.hpp"
#include "reference.hpp"

using namespace attn;
using json = nlohmann::json;
using attn::test::respond;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

/// A small model on copy, quick under the sanitizers.
json small_request(int steps) {
  return {{"mechanism", "train"}, {"task", "copy"}, {"emb_dim", 16}, {"n_heads", 2}, {"n_layers", 2}, {"batch", 8},
          {"eval_sequences", 32}, {"seed", 7},       {"steps", steps}};
}

TrainConfig small_config() {
  TrainConfig c;
  c.emb_dim = 16;
  c.n_heads = 2;
  c.n_layers = 2;
  c.batch = 8;
  c.eval_sequences = 32;
  c.seed = 7;
  return c;
}

}  // namespace

TEST_CASE("train: a request answers what the core's Trainer computes, with every documented field", "[contract][train]") {
  const json response = respond(small_request(30));
  Trainer trainer(small_config(), Task::copy());
  const std::vector<float> losses = trainer.step(30);
  const Evaluation e = trainer.evaluate();

  REQUIRE(response["losses"].size() == 30);
  for (std::size_t i = 0; i < 30; ++i) CHECK(response["losses"][i].get<float>() == losses[i]);  // exact: floats in JSON
  CHECK(response["losses"][29].get<float>() < response["losses"][0].get<float>());

  const json& model = response["model"];
  CHECK(model["task"] == "copy");
  CHECK(model["vocab"] == json(trainer.task().vocab()));
  CHECK(model["seq_len"] == 12);
  CHECK(model["context_length"] == 12);
  CHECK(model["parameter_count"] == trainer.weights().size());
  CHECK(model["solution"] == trainer.task().solution());
  CHECK(model["target_accuracy"] == trainer.task().target_accuracy());
  CHECK(model["steps_taken"] == 30);
  // the layout: PyTorch's names, in order, without gaps
  std::size_t offset = 0;
  REQUIRE(model["layout"].size() == trainer.layout().size());
  for (std::size_t i = 0; i < trainer.layout().size(); ++i) {
    const json& view = model["layout"][i];
    CHECK(view["name"] == trainer.layout()[i].name);
    CHECK(view["offset"] == offset);
    offset += view["rows"].get<std::size_t>() * view["cols"].get<std::size_t>();
  }
  CHECK(offset == model["parameter_count"]);
  CHECK(model["layout"][0]["name"] == "tok_emb.weight");
  CHECK(model["layout"].back()["name"] == "out_head.weight");
  CHECK(model["config"]["lr"] == 0.003);  // the shortest text of the float32: sent back, the same float
  CHECK(model["config"]["emb_dim"] == 16);

  const json& evaluation = response["evaluation"];
  CHECK(evaluation["loss"].get<double>() == e.loss);
  CHECK(evaluation["token_accuracy"].get<double>() == e.token_accuracy);
  CHECK(evaluation["sequence_accuracy"].get<double>() == e.sequence_accuracy);
  REQUIRE(evaluation["source_attention"].size() == 2);  // [layer][head]
  CHECK(evaluation["source_attention"][1][0].get<double>() == e.source_attention[2]);
  const json& probe = evaluation["probe"];
  CHECK(probe["inputs"] == json(trainer.task().probe().inputs));
  CHECK(probe["targets"] == json(trainer.task().probe().targets));
  CHECK(probe["sources"] == json(trainer.task().probe().sources));
  CHECK(probe["predictions"] == json(e.probe_predictions));
  const json& attention = probe["attention"];  // [layer][head][T][T], causal rows of weights
  REQUIRE(attention.size() == 2);
  REQUIRE(attention[1].size() == 2);
  REQUIRE(attention[1][1].size() == 12);
  for (std::size_t i = 0; i < 12; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < 12; ++j) {
      sum += attention[1][1][i][j].get<double>();
      if (j > i) CHECK(attention[1][1][i][j] == 0.0);
    }
    CHECK_THAT(sum, WithinAbs(1.0, 1e-5));
  }
  CHECK(attention[1][0][5][3].get<float>() == e.probe_attention[((1 * 2 + 0) * 12 + 5) * 12 + 3]);
  CHECK_FALSE(response.contains("weights"));  // only with return_weights
}

TEST_CASE("train: the defaults are TrainConfig's, and a run is the same from the same request", "[contract][train]") {
  json request = {{"mechanism", "train"}, {"task", "agreement"}, {"steps", 0}, {"evaluate", false}};
  const json config = respond(request)["model"]["config"];
  const TrainConfig d;
  CHECK(config["emb_dim"] == d.emb_dim);
  CHECK(config["n_heads"] == d.n_heads);
  CHECK(config["n_layers"] == d.n_layers);
  CHECK(config["batch"] == d.batch);
  CHECK(config["warmup"] == d.warmup);
  CHECK(config["seed"] == d.seed);
  CHECK(config["eval_sequences"] == d.eval_sequences);
  CHECK(config["context_length"] == 8);  // 0: the task's length
  CHECK(config["activation"] == "gelu");
  CHECK(config["positional"] == "learned");
  CHECK(config["qkv_bias"] == false);
  for (const auto& [key, value] : {std::pair<const char*, float>{"lr", d.lr}, {"weight_decay", d.weight_decay},
                                   {"clip", d.clip}, {"beta1", d.beta1}, {"beta2", d.beta2}, {"eps", d.eps}})
    CHECK(config[key].get<float>() == value);
  CHECK(json::parse(api::handle_request(small_request(5).dump())) == json::parse(api::handle_request(small_request(5).dump())));
  // the config echoed back, as a request, builds the same model and trains the same way
  json again = respond(small_request(5))["model"]["config"];
  again["mechanism"] = "train";
  again["steps"] = 5;
  CHECK(respond(again)["losses"] == respond(small_request(5))["losses"]);
}

TEST_CASE("train: weights returned and sent back give the same model", "[contract][train]") {
  json request = small_request(20);
  request["return_weights"] = true;
  const json trained = respond(request);
  REQUIRE(trained["weights"].size() == trained["model"]["parameter_count"]);
  // sent back with no steps: the same evaluation, to the last digit
  json resumed = small_request(0);
  resumed["weights"] = trained["weights"];
  resumed["return_weights"] = true;
  const json back = respond(resumed);
  CHECK(back["evaluation"] == trained["evaluation"]);
  CHECK(back["weights"] == trained["weights"]);
  CHECK(back["model"]["steps_taken"] == 0);
  // and continuing from them trains on (the optimizer restarts)
  resumed["steps"] = 10;
  resumed["return_weights"] = false;
  const json more = respond(resumed);
  CHECK(more["losses"].size() == 10);
  CHECK(more["evaluation"]["loss"].get<double>() < trained["evaluation"]["loss"].get<double>() + 0.05);
  // what the core's load() takes is what the JSON carries
  Trainer trainer(small_config(), Task::copy());
  trainer.load(trained["weights"].get<std::vector<float>>());
  CHECK(json::parse(api::evaluation_json(trainer, trainer.evaluate())) == trained["evaluation"]);
}

TEST_CASE("train: the Trainer class's config is a train request's", "[contract][train]") {
  json request = small_request(1000);  // steps, evaluate and return_weights are not the config's: ignored
  request["return_weights"] = true;
  std::unique_ptr<Trainer> trainer = api::trainer_from_json(request.dump());
  CHECK(trainer->steps_taken() == 0);
  CHECK(trainer->model_config().emb_dim == 16);
  json no_mechanism = small_request(0);
  no_mechanism.erase("mechanism");
  CHECK(api::trainer_from_json(no_mechanism.dump())->weights() == trainer->weights());
  CHECK(json::parse(api::model_json(*trainer)) == respond(small_request(0))["model"]);
  // start weights are loaded
  json with_weights = no_mechanism;
  std::vector<float> w = trainer->weights();
  w[3] = 0.5f;
  with_weights["weights"] = w;
  CHECK(api::trainer_from_json(with_weights.dump())->weights() == w);
  // a bad config names the field in its message
  json bad = no_mechanism;
  bad["n_heads"] = 3;
  CHECK_THROWS_WITH(api::trainer_from_json(bad.dump()), Contains("n_heads (3) must divide emb_dim (16)"));
  bad = no_mechanism;
  bad["mechanism"] = "gpt";
  CHECK_THROWS_WITH(api::trainer_from_json(bad.dump()), Contains("mechanism is \"gpt\""));
  CHECK_THROWS_WITH(api::trainer_from_json("[1]"), Contains("one JSON object"));
  CHECK_THROWS_WITH(api::trainer_from_json("{"), Contains("not valid JSON"));
}

TEST_CASE("train: predict answers a learner's sequence as evaluate answers the probe, and trains nothing", "[train]") {
  TrainConfig c = small_config();
  c.context_length = 16;
  Trainer trainer(c, Task::copy()), twin(c, Task::copy());
  trainer.step(10);
  twin.step(10);
  const Evaluation e = trainer.evaluate();
  const Prediction p = trainer.predict(trainer.task().probe().inputs);
  CHECK(p.predictions == e.probe_predictions);
  CHECK(p.attention == e.probe_attention);
  CHECK(p.n_layers == 2);
  CHECK(p.n_heads == 2);
  CHECK(p.seq_len == 12);
  // shorter and longer than the task's sequences, up to context_length
  for (const std::vector<int>& tokens : {std::vector<int>{3}, std::vector<int>(16, 2)}) {
    const Prediction q = trainer.predict(tokens);
    CHECK(q.predictions.size() == tokens.size());
    CHECK(q.attention.size() == 2 * 2 * tokens.size() * tokens.size());
  }
  const json answer = json::parse(api::prediction_json(p));
  CHECK(answer["predictions"] == json(p.predictions));
  CHECK(answer["attention"][1][0][4][2].get<float>() == p.attention[((1 * 2 + 0) * 12 + 4) * 12 + 2]);
  // the ablated model predicts as the ablated evaluation shows
  trainer.ablate(0, 1);
  CHECK(trainer.predict(trainer.task().probe().inputs).attention == trainer.evaluate().probe_attention);
  trainer.ablate(0, 1, false);
  // nothing of training moved: the next steps are the twin's
  CHECK(trainer.step(3) == twin.step(3));
  // refusals name the entry
  CHECK_THROWS_WITH(trainer.predict({}), Contains("1 to context_length = 16"));
  CHECK_THROWS_WITH(trainer.predict(std::vector<int>(17, 0)), Contains("17 ids"));
  CHECK_THROWS_WITH(trainer.predict({0, 9}), Contains("tokens[1] is 9") && Contains("vocab_size = 9"));
  CHECK_THROWS_WITH(trainer.predict({-1}), Contains("tokens[0] is -1"));
}
