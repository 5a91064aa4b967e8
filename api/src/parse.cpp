#include "parse.hpp"

#include <cmath>
#include <limits>

namespace attn::api {

void fail(const std::string& code, const std::string& message, const std::string& field) {
  throw RequestError(code, message, field);
}

Path Path::key(const std::string& key) const {
  std::string escaped;  // RFC 6901: "~" is written "~0" and "/" is written "~1"
  for (const char c : key) escaped += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return {name.empty() ? key : name + "." + key, pointer + "/" + escaped};
}

Path Path::index(std::size_t i) const { return {name + "[" + std::to_string(i) + "]", pointer + "/" + std::to_string(i)}; }

std::string shape_text(std::size_t rows, std::size_t cols) {
  return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

std::string excerpt(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a character
  return text.substr(0, end) + "…";
}

void check_nesting(const std::string& text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        fail("too_large", "the request nests lists and objects deeper than the limit of " + std::to_string(max_depth) +
                              " levels (a request needs at most 7: a gpt weight)",
             "");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

namespace {

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

float to_float(const json& value, const Path& path) {
  const std::string& name = path.name;
  // JSON has no NaN or Infinity: JavaScript's JSON.stringify writes them as null.
  if (value.is_null())
    fail("not_finite", name + " is null where a number belongs: NaN and Infinity cannot be sent (JSON.stringify "
                              "writes them as null); give a finite number",
         path.pointer);
  if (!value.is_number()) fail("wrong_type", name + " must be a number, not " + type_name(value), path.pointer);
  const double x = value.get<double>();
  if (!std::isfinite(x) || std::fabs(x) > std::numeric_limits<float>::max())
    fail("not_finite", name + " must be a finite float32 number (|x| < 3.4e38)", path.pointer);
  return static_cast<float>(x);
}

}  // namespace

Matrix to_matrix(const json& value, const Path& path, std::size_t max_rows, std::size_t max_cols) {
  const std::string& name = path.name;
  if (!value.is_array()) fail("wrong_type", name + " must be a list of rows, not " + type_name(value), path.pointer);
  if (value.empty()) fail("empty", name + " has no rows: give at least one", path.pointer);
  if (value.size() > max_rows)
    fail("too_large", name + " has " + std::to_string(value.size()) + " rows; the limit is " + std::to_string(max_rows),
         path.pointer);
  const json& first = value.front();
  if (!first.is_array()) fail("wrong_type", name + " must be a list of rows (lists of numbers)", path.index(0).pointer);
  const std::size_t cols = first.size();
  if (cols == 0) fail("empty", name + "[0] has no numbers", path.index(0).pointer);
  if (cols > max_cols)
    fail("too_large", name + " rows have " + std::to_string(cols) + " numbers; the limit is " + std::to_string(max_cols),
         path.index(0).pointer);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_array()) fail("wrong_type", name + "[" + std::to_string(i) + "] must be a list of numbers", path.index(i).pointer);
    if (value[i].size() != cols)
      fail("ragged", name + " is ragged: row 0 has " + std::to_string(cols) + " numbers but row " + std::to_string(i) +
                         " has " + std::to_string(value[i].size()),
           path.index(i).pointer);
  }
  Matrix m = xt::zeros<float>({value.size(), cols});
  for (std::size_t i = 0; i < value.size(); ++i) {
    const Path row = path.index(i);
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = to_float(value[i][j], row.index(j));
  }
  return m;
}

Vector to_vector(const json& value, const Path& path, std::size_t max_size) {
  const std::string& name = path.name;
  if (!value.is_array()) fail("wrong_type", name + " must be a list of numbers, not " + type_name(value), path.pointer);
  if (value.empty()) fail("empty", name + " has no numbers", path.pointer);
  if (value.size() > max_size)
    fail("too_large", name + " has " + std::to_string(value.size()) + " numbers; the limit is " + std::to_string(max_size),
         path.pointer);
  Vector v = xt::zeros<float>({value.size()});
  for (std::size_t i = 0; i < value.size(); ++i) v(i) = to_float(value[i], path.index(i));
  return v;
}

Tensor3 to_tensor3(const json& value, const Path& path, std::size_t max_heads, std::size_t max_rows,
                   std::size_t max_cols) {
  const std::string& name = path.name;
  if (!value.is_array()) fail("wrong_type", name + " must be a list of matrices, not " + type_name(value), path.pointer);
  if (value.empty()) fail("empty", name + " has no matrices", path.pointer);
  if (value.size() > max_heads)
    fail("too_large", name + " has " + std::to_string(value.size()) + " matrices; the limit is " + std::to_string(max_heads),
         path.pointer);
  std::vector<Matrix> parts;
  for (std::size_t h = 0; h < value.size(); ++h) {
    parts.push_back(to_matrix(value[h], path.index(h), max_rows, max_cols));
    if (parts[h].shape() != parts[0].shape())
      fail("ragged", name + ": its matrices differ in shape", path.index(h).pointer);
  }
  return stack(parts);
}

std::size_t to_size(const json& value, const Path& path, std::size_t lo, std::size_t hi) {
  const std::string& name = path.name;
  if (!value.is_number()) fail("wrong_type", name + " must be a whole number", path.pointer);
  const double x = value.get<double>();
  if (!std::isfinite(x) || x != std::floor(x)) fail("wrong_type", name + " must be a whole number", path.pointer);
  if (x < static_cast<double>(lo))
    fail("bad_value", name + " is " + value.dump() + "; it must be at least " + std::to_string(lo), path.pointer);
  if (x > static_cast<double>(hi))
    fail("too_large", name + " is " + value.dump() + "; the limit is " + std::to_string(hi), path.pointer);
  return static_cast<std::size_t>(x);
}

Fields::Fields(const json& object, Path where) : object_(object), where_(std::move(where)) {
  if (!object_.is_object())
    fail("wrong_type", (where_.name.empty() ? std::string("the request") : where_.name) + " must be a JSON object",
         where_.pointer);
}

bool Fields::has(const std::string& key) const { return object_.contains(key) && !object_.at(key).is_null(); }

bool Fields::is_null(const std::string& key) const { return object_.contains(key) && object_.at(key).is_null(); }

const json& Fields::at(const std::string& key) const {
  if (!has(key)) fail("missing_field", "the field \"" + name(key) + "\" is required", path(key).pointer);
  return object_.at(key);
}

std::string Fields::name(const std::string& key) const { return path(key).name; }

Path Fields::path(const std::string& key) const { return where_.key(key); }

bool Fields::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  if (!at(key).is_boolean()) fail("wrong_type", name(key) + " must be true or false", path(key).pointer);
  return at(key).get<bool>();
}

std::string Fields::text(const std::string& key) const {
  if (!at(key).is_string()) fail("wrong_type", name(key) + " must be a string", path(key).pointer);
  return at(key).get<std::string>();
}

std::size_t Fields::size(const std::string& key, std::size_t fallback, std::size_t lo, std::size_t hi) const {
  if (!has(key)) return fallback;
  return to_size(at(key), path(key), lo, hi);
}

std::uint64_t Fields::seed() const {
  if (!has("seed")) return 123;
  const json& value = at("seed");
  const std::string field = path("seed").pointer;
  if (!value.is_number()) fail("wrong_type", name("seed") + " must be a whole number", field);
  const double x = value.get<double>();
  if (!std::isfinite(x) || x != std::floor(x)) fail("wrong_type", name("seed") + " must be a whole number", field);
  constexpr std::uint32_t max_seed = std::numeric_limits<std::uint32_t>::max();  // seeds are 32-bit in JavaScript
  if (x < 0 || x > max_seed)
    fail("bad_value", name("seed") + " is " + value.dump() + "; it must be a whole number from 0 to " + std::to_string(max_seed),
         field);
  return static_cast<std::uint64_t>(x);
}

float Fields::number(const std::string& key, float fallback, float lo, float hi_exclusive) const {
  if (!has(key)) return fallback;
  const json& value = at(key);
  const std::string field = path(key).pointer;
  if (!value.is_number()) fail("wrong_type", name(key) + " must be a number", field);
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail("not_finite", name(key) + " must be a finite number", field);
  if (x < lo || x >= hi_exclusive)
    fail("bad_value", name(key) + " is " + value.dump() + "; it must be at least " + json(lo).dump() + " and below " +
                          json(hi_exclusive).dump(),
         field);
  return static_cast<float>(x);
}

Matrix Fields::matrix(const std::string& key, std::size_t max_rows, std::size_t max_cols) const {
  return to_matrix(at(key), path(key), max_rows, max_cols);
}

Vector Fields::vector(const std::string& key, std::size_t max_size) const {
  return to_vector(at(key), path(key), max_size);
}

void Fields::only(std::initializer_list<const char*> known) const {
  for (const auto& item : object_.items()) {
    bool found = false;
    for (const char* k : known) found = found || item.key() == k;
    if (!found) {
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      fail("unknown_field", "unknown field \"" + excerpt(name(item.key())) + "\"; the fields here are: " + list,
           path(item.key()).pointer);
    }
  }
}

}  // namespace attn::api
