#pragma once
/// \file api.hpp
/// The JSON contract of the attention core (docs/api.md): one request object in, one response out.
/// The native program `attention` and the WebAssembly module both call exactly this.

#include <cstddef>
#include <cstdint>
#include <string>

namespace attn::api {

/// Answers one request. Never throws: a bad request gets {"error": {"code", "message", "field"}}, "field"
/// being the JSON Pointer of the field at fault (absent when the request as a whole is).
std::string handle_request(const std::string& request_json);

/// True when a response from handle_request() is an error.
bool is_error_response(const std::string& response_json);

/// The documented size limits, checked before anything is allocated.
struct Limits {
  static constexpr std::size_t request_bytes = 8u << 20;
  static constexpr std::size_t tokens = 1024;
  static constexpr std::size_t dim = 1024;
  static constexpr std::size_t num_heads = 64;
  static constexpr std::size_t layers = 24;                   ///< gpt's n_layers
  static constexpr std::size_t vocab_size = 1u << 16;         ///< gpt's vocab_size (and vocab_size × emb_dim ≤ weight_entries)
  static constexpr std::size_t attention_entries = 1u << 22;  ///< num_heads × T × T
  static constexpr std::size_t weight_entries = 1u << 20;     ///< d_in × d_out of each weight
  static constexpr std::size_t activation_entries = 1u << 20; ///< T × max(d_in, d_out)
  static constexpr std::size_t demo_dim = 4096;               ///< scaling_demo's d_k
  static constexpr std::size_t demo_work = 1u << 24;          ///< trials × points × T × d_k
  static constexpr std::size_t demo_points = 64;              ///< entries of d_k_values
  static constexpr std::size_t demo_trials = 4096;
  static constexpr std::size_t text_bytes = 64u << 10;        ///< embed's text
  static constexpr std::size_t nesting = 32;                  ///< depth of lists and objects in the request
  static constexpr std::size_t response_numbers = 1u << 21;   ///< weights, outputs and steps in a response
  static constexpr std::size_t work = 1u << 28;               ///< multiply-adds of the core for one request
  // train (and the Trainer class): the model and its buffers, and the work of one request
  static constexpr std::size_t train_layers = 16;              ///< train's n_layers
  static constexpr std::size_t train_batch = 1024;             ///< train's batch (sequences a step)
  static constexpr std::size_t train_eval_sequences = 65536;   ///< train's eval_sequences
  static constexpr std::size_t train_steps = 100000;           ///< train's steps in one request
  static constexpr std::size_t train_parameters = 1u << 22;    ///< train's parameter_count
  static constexpr std::size_t train_activations = 1u << 20;   ///< n_layers × batch × context_length × emb_dim
  static constexpr std::size_t train_attention = 1u << 22;     ///< n_layers × batch × n_heads × context_length²
  static constexpr std::uint64_t train_work = 1ull << 33;      ///< multiply-adds of one train request
};

}  // namespace attn::api
