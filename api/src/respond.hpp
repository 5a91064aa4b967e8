#pragma once
// Writing a response: tensors as nested lists, steps as {"name", "shape", "value"}.

#include <nlohmann/json.hpp>

#include "attn/attention.hpp"
#include "attn/trace.hpp"

namespace attn::api {

using json = nlohmann::json;

json to_json(const Vector& v);
json to_json(const Matrix& m);
json to_json(const Tensor3& t);
json to_json(const QkvWeights& w);

/// Steps as a list; −∞ (a masked score) is written as null, which JSON has instead of infinity.
json steps_to_json(const Trace& trace);

/// True when every number in the value is finite (the result did not overflow float32).
bool all_finite(const json& value);

}  // namespace attn::api
