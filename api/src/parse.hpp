#pragma once
// Reading a request: typed, range-checked fields with messages a learner can act on.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "attn/tensor.hpp"

namespace attn::api {

using json = nlohmann::json;

/// A bad request: its code (docs/api.md), a message for the learner and, when the error is about one
/// field of the request, that field as a JSON Pointer (RFC 6901): "/weights/W_query", "/inputs/2/1".
struct RequestError : std::runtime_error {
  RequestError(std::string code, const std::string& message, std::string field)
      : std::runtime_error(message), code(std::move(code)), field(std::move(field)) {}
  std::string code;
  std::string field;  ///< "" when the error is about the request as a whole
};

/// `field`: the JSON Pointer of the field at fault (Path::pointer), or "" for the request as a whole.
[[noreturn]] void fail(const std::string& code, const std::string& message, const std::string& field);

/// Where a value sits in the request: its name in messages ("weights.heads[0].W_query") and its JSON
/// Pointer ("/weights/heads/0/W_query"). The request itself is {"", ""}.
struct Path {
  std::string name;
  std::string pointer;

  Path key(const std::string& key) const;  ///< a field of this object
  Path index(std::size_t i) const;         ///< an entry of this list
};

/// A JSON object whose fields are read with checks; `where` names it in messages ("weights").
class Fields {
 public:
  Fields(const json& object, Path where);
  Fields(json&&, Path) = delete;  // it keeps a reference: the object must outlive it

  bool has(const std::string& key) const;  ///< present and not null
  bool is_null(const std::string& key) const;  ///< present as null (what JSON.stringify makes of NaN)
  const json& at(const std::string& key) const;
  std::string name(const std::string& key) const;  ///< "weights.W_query"
  Path path(const std::string& key) const;         ///< {"weights.W_query", "/weights/W_query"}

  bool boolean(const std::string& key, bool fallback) const;
  std::string text(const std::string& key) const;  ///< required string
  std::size_t size(const std::string& key, std::size_t fallback, std::size_t lo, std::size_t hi) const;
  std::uint64_t seed() const;
  float number(const std::string& key, float fallback, float lo, float hi_exclusive) const;

  /// A matrix of numbers: rows of equal length, at most max_rows × max_cols, all finite.
  Matrix matrix(const std::string& key, std::size_t max_rows, std::size_t max_cols) const;
  /// A vector of numbers, at most max_size long.
  Vector vector(const std::string& key, std::size_t max_size) const;

  /// Rejects fields not in `known`, naming the first unknown one.
  void only(std::initializer_list<const char*> known) const;

 private:
  const json& object_;
  Path where_;
};

/// Reads a JSON array as a matrix, checking type, raggedness, size and finiteness.
Matrix to_matrix(const json& value, const Path& path, std::size_t max_rows, std::size_t max_cols);
Vector to_vector(const json& value, const Path& path, std::size_t max_size);
Tensor3 to_tensor3(const json& value, const Path& path, std::size_t max_heads, std::size_t max_rows,
                   std::size_t max_cols);
/// A whole number from lo to hi (too_large above hi).
std::size_t to_size(const json& value, const Path& path, std::size_t lo, std::size_t hi);

/// "(2, 3)" for messages.
std::string shape_text(std::size_t rows, std::size_t cols);

/// At most `max_bytes` of `text` for a message, cut at a UTF-8 character boundary, "…" when cut:
/// a hostile key or value (megabytes long) never makes a message long.
std::string excerpt(const std::string& text, std::size_t max_bytes = 64);

/// Rejects (too_large) a request whose lists and objects nest deeper than `max_depth`, by a scan of
/// the text before it is parsed: "[[[[…" would otherwise cost the parser memory for every level.
void check_nesting(const std::string& text, std::size_t max_depth);

}  // namespace attn::api
