#pragma once
// What the request handlers of api.cpp and transformer_api.cpp share: the size and cost checks
// (before anything is allocated), weights given or drawn, and finishing a response.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "attn/attention.hpp"
#include "attn/trace.hpp"
#include "parse.hpp"

namespace attn::api {

/// Sizes are multiplied in 64 bits: in wasm std::size_t has 32.
using Count = std::uint64_t;

void check_weight(Count rows, Count cols, const std::string& what);
void check_activations(Count T, Count d);
void check_attention(Count num_heads, Count T);

/// What answering a request takes, counted from its sizes before anything is allocated.
struct Cost {
  Count numbers = 0;  ///< in the response: weights, outputs, dropout tensors and, with steps, every intermediate
  Count work = 0;     ///< multiply-adds of the core
};
void check_cost(const Cost& cost);

/// 1 for the output, plus `steps` more copies of that shape when the steps are asked for.
Count copies(bool with_steps, Count steps);
Count qkv_numbers(Count d_in, Count d_out, bool qkv_bias);
/// One head: three projections (T·d_in·d_out each), then scores and context (T²·d_out each).
Count head_work(Count T, Count d_in, Count d_out);

/// The given weight `key` of `weights` (checked against the drawn one's shape), else the drawn one.
Matrix given_or(const Fields* weights, const std::string& key, Matrix drawn);
Vector given_or(const Fields* weights, const std::string& key, Vector drawn);
QkvWeights qkv_given_or(const Fields* weights, QkvWeights drawn);

/// The "weights" object, or nothing.
std::optional<Fields> weights_of(const Fields& request, std::initializer_list<const char*> known);

/// One of `options` (a string) for `key`, `fallback` when absent; bad_value listing them otherwise.
std::string choice(const Fields& request, const std::string& key, const std::string& fallback,
                   std::initializer_list<const char*> options);

/// The text of a request as JSON: size, emptiness and nesting checked before it is parsed.
json parse_request(const std::string& text);

/// Refuses a response whose results overflowed float32, and adds the steps when they were asked for.
json finish(json response, const Trace& trace);

}  // namespace attn::api
