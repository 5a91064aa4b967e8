#include "respond.hpp"

#include <cmath>

namespace attn::api {

namespace {

json number(float x) { return std::isfinite(x) ? json(x) : json(nullptr); }

/// Nested lists of any rank, from a flat row-major buffer.
json nested(const float* data, const std::vector<std::size_t>& shape, std::size_t axis, std::size_t& offset) {
  json out = json::array();
  for (std::size_t i = 0; i < shape[axis]; ++i)
    out.push_back(axis + 1 == shape.size() ? number(data[offset++]) : nested(data, shape, axis + 1, offset));
  return out;
}

template <class T>
json tensor_to_json(const T& t) {
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  if (shape.empty()) return number(*t.data());
  std::size_t offset = 0;
  return nested(t.data(), shape, 0, offset);
}

}  // namespace

json to_json(const Vector& v) { return tensor_to_json(v); }
json to_json(const Matrix& m) { return tensor_to_json(m); }
json to_json(const Tensor3& t) { return tensor_to_json(t); }

json to_json(const QkvWeights& w) {
  json out = {{"W_query", to_json(w.W_query)}, {"W_key", to_json(w.W_key)}, {"W_value", to_json(w.W_value)}};
  if (w.b_query) out["b_query"] = to_json(*w.b_query);
  if (w.b_key) out["b_key"] = to_json(*w.b_key);
  if (w.b_value) out["b_value"] = to_json(*w.b_value);
  return out;
}

json steps_to_json(const Trace& trace) {
  json steps = json::array();
  for (const Step& step : trace.steps())
    steps.push_back({{"name", step.name},
                     {"shape", std::vector<std::size_t>(step.value.shape().begin(), step.value.shape().end())},
                     {"value", tensor_to_json(step.value)}});
  return steps;
}

bool all_finite(const json& value) {
  if (value.is_number_float()) return std::isfinite(value.get<double>());
  if (value.is_null()) return false;
  if (value.is_array())
    for (const auto& item : value)
      if (!all_finite(item)) return false;
  return true;
}

}  // namespace attn::api
