#pragma once
// The book's running example (tests/data/book_ch03.json) as core types, float matchers, and a
// request through the JSON contract that must succeed.

#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "attn/api.hpp"
#include "attn/attention.hpp"

namespace attn::test {

using json = nlohmann::json;

/// The response to a request through attn::api::handle_request, parsed; the test fails on an error.
inline json respond(const json& request) {
  const std::string text = api::handle_request(request.dump());
  INFO("response: " << text.substr(0, 300));
  REQUIRE_FALSE(api::is_error_response(text));
  return json::parse(text);
}

inline const json& book() {
  static const json data = [] {
    std::ifstream file(ATTN_REFERENCE);
    return json::parse(file);
  }();
  return data;
}

/// The worked example called `name`.
inline const json& example(const std::string& name) {
  for (const auto& e : book()["examples"])
    if (e["name"] == name) return e;
  throw std::runtime_error("no example " + name);
}

inline Matrix matrix(const json& rows) {
  Matrix m = xt::zeros<float>({rows.size(), rows[0].size()});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[0].size(); ++j) m(i, j) = rows[i][j].get<float>();
  return m;
}

inline Vector vector(const json& values) {
  Vector v = xt::zeros<float>({values.size()});
  for (std::size_t i = 0; i < values.size(); ++i) v(i) = values[i].get<float>();
  return v;
}

inline Matrix book_inputs() { return matrix(book()["inputs"]); }

inline QkvWeights qkv(const json& w) { return {matrix(w["W_query"]), matrix(w["W_key"]), matrix(w["W_value"]), {}, {}, {}}; }

/// Every entry of `actual` within `tolerance` of `expected` (a JSON list of lists or numbers).
inline void require_close(const Matrix& actual, const json& expected, double tolerance = 1e-4) {
  const Matrix want = matrix(expected[0].is_array() ? expected : json::array({expected}));
  REQUIRE(actual.shape(0) == want.shape(0));
  REQUIRE(actual.shape(1) == want.shape(1));
  for (std::size_t i = 0; i < want.shape(0); ++i)
    for (std::size_t j = 0; j < want.shape(1); ++j) {
      INFO("entry (" << i << ", " << j << ")");
      CHECK_THAT(actual(i, j), Catch::Matchers::WithinAbs(want(i, j), tolerance));
    }
}

/// Row i as a (1, k) matrix.
inline Matrix row_of(const Matrix& m, std::size_t i) {
  Matrix out = xt::zeros<float>({std::size_t{1}, m.shape(1)});
  for (std::size_t j = 0; j < m.shape(1); ++j) out(0, j) = m(i, j);
  return out;
}

}  // namespace attn::test
