// libFuzzer target: arbitrary bytes into attn::api::handle_request, the one handler behind the native
// program and the wasm module (tools/fuzz runs it; under GCC, fuzz_corpus_replay replays the corpus).
// Besides crashes, leaks, hangs and sanitizer reports, a reply that breaks the contract is a finding: it
// must be JSON and an object, and an error must be exactly {"error": {"code", "message"}} with a documented
// code and a short message, and optionally "field": a JSON Pointer (RFC 6901) that, when the request is
// JSON, points into it (at the value, or for a missing field at the object it is missing from). "internal" counts as a finding too: no request should make the core fail.
// A reply longer than the response limit allows (api::Limits::response_numbers numbers of at most 25
// characters each) is a finding as well: the cost the handler counts before computing was wrong.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "attn/api.hpp"

namespace {

[[noreturn]] void finding(const char* what, const std::string& response) {
  std::fprintf(stderr, "fuzz_request: %s\nresponse (first 2000 bytes): %.2000s\n", what, response.c_str());
  std::abort();
}

/// RFC 6901 syntax: "/" then reference tokens in which "~" is only ever followed by 0 or 1.
bool is_json_pointer(const std::string& pointer) {
  if (pointer.empty() || pointer.front() != '/') return false;
  for (std::size_t i = 0; i < pointer.size(); ++i)
    if (pointer[i] == '~' && (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) return false;
  return true;
}

void check_field(const nlohmann::json& error, const std::string& request, const std::string& response) {
  if (!error["field"].is_string()) finding("an error's field is not a string", response);
  const std::string field = error["field"];
  if (!is_json_pointer(field)) finding("an error's field is not a JSON Pointer", response);
  const nlohmann::json body = nlohmann::json::parse(request, nullptr, false);
  if (body.is_discarded()) finding("a field in an error about text that is not JSON", response);
  const nlohmann::json::json_pointer pointer(field);
  if (!body.contains(pointer) && !(error["code"] == "missing_field" && body.contains(pointer.parent_pointer())))
    finding("an error's field points at nothing in the request", response);
}

void check_error(const std::string& response, const std::string& request) {
  static const std::set<std::string> codes{"parse_error", "missing_field", "wrong_type", "unknown_mechanism",
                                           "unknown_field", "ragged", "empty", "shape_mismatch", "not_finite",
                                           "bad_value", "too_large"};
  const nlohmann::json reply = nlohmann::json::parse(response, nullptr, false);
  if (reply.is_discarded()) finding("an error reply is not JSON", response);
  if (reply.size() != 1 || !reply["error"].is_object()) finding("an error reply holds more than {\"error\": {...}}", response);
  const nlohmann::json& error = reply["error"];
  if (error.size() != (error.contains("field") ? 3u : 2u))
    finding("an error holds more than {code, message} and an optional field", response);
  if (error.contains("field")) check_field(error, request, response);
  if (!error["code"].is_string() || !error["message"].is_string()) finding("code and message must be strings", response);
  if (error["code"] == "internal") finding("the core failed (internal)", response);
  if (codes.count(error["code"].get<std::string>()) == 0) finding("an undocumented error code", response);
  const std::string message = error["message"];
  if (message.empty() || message.size() > 600) finding("an empty or overlong message", response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string request(reinterpret_cast<const char*>(data), size);
  const std::string response = attn::api::handle_request(request);
  if (attn::api::is_error_response(response)) {
    check_error(response, request);
    return 0;
  }
  if (response.size() > 25 * attn::api::Limits::response_numbers + 2 * size + (64u << 10))
    finding("a reply longer than the response limit allows", response);
  if (response.empty() || response.front() != '{' || response.back() != '}')
    finding("a reply that is not a JSON object", response);
  // accept() checks without building the value; replies of megabytes (rare, slow here) are left at the above
  if (response.size() < (1u << 20) && !nlohmann::json::accept(response)) finding("a reply that is not JSON", response);
  return 0;
}
