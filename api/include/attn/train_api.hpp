#pragma once
/// \file train_api.hpp
/// Training through the JSON contract (docs/api.md, "Training (lesson 8)"): a Trainer made from the
/// config fields of a "train" request, and its answers as JSON text. The "train" mechanism of
/// handle_request and the wasm module's Trainer class both use these, so both read a config, and
/// write an evaluation, the same way.

#include <memory>
#include <string>

#include "attn/train.hpp"

namespace attn::api {

/// The Trainer of a train request's config: JSON text of one object with the fields of docs/api.md
/// ("mechanism" may be left out; a whole train request is accepted, its steps, evaluate and
/// return_weights ignored, its weights loaded). A bad config throws a std::runtime_error whose
/// what() names the field ("n_heads (3) must divide emb_dim (32)…"); it checks every limit of a
/// train request before anything is allocated.
std::unique_ptr<Trainer> trainer_from_json(const std::string& config_json);

/// The "model" object: task, vocab, seq_len, context_length, parameter_count, layout, solution,
/// target_accuracy, steps_taken and config (every field the Trainer was built with).
std::string model_json(const Trainer& trainer);

/// The "evaluation" object of evaluate(): loss, accuracies, source_attention [layer][head],
/// best_head {layer, head} (the most source_attention) and the probe with every head's attention. A number that is not finite (a diverged run) is null.
std::string evaluation_json(const Trainer& trainer, const Evaluation& evaluation);

/// head_effects()'s answer: {"token_accuracy": every head on, "without": [layer][head] the token
/// accuracy with that head alone off, "fall": [layer][head] token_accuracy − without}.
std::string head_effects_json(const HeadEffects& effects);

/// predict()'s answer: {"predictions": [T ids], "attention": [layer][head][T][T]}.
std::string prediction_json(const Prediction& prediction);

}  // namespace attn::api
