// Bad, hostile and oversized requests through attn::api::handle_request (docs/api.md, "Errors"):
// each gets exactly {"error": {"code", "message"}} with the documented code and a message that names
// what to change; limits are checked before anything is allocated; running out of memory is reported.

#include <algorithm>
#include <cstdlib>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "attn/api.hpp"
#include "attn/attention.hpp"
#include "reference.hpp"

using namespace attn;
using namespace attn::test;

// ---- allocation probe ----
// This executable replaces the global operator new/delete (as the standard allows) to see the largest
// single allocation a request makes, and to make allocations over a size fail with std::bad_alloc.
// Everything goes through malloc/free, so AddressSanitizer still checks every block.

namespace {

struct AllocationProbe {
  bool watching = false;
  std::size_t largest = 0;                 ///< largest single allocation while watching
  std::size_t fail_above = std::size_t(-1);  ///< allocations over this many bytes throw std::bad_alloc
  std::size_t count_from = std::size_t(-1);  ///< allocations of at least this many bytes are counted
  std::size_t counted = 0;
};

AllocationProbe& probe() {
  static AllocationProbe instance;  // constant-initialised: creating it allocates nothing
  return instance;
}

void* allocate(std::size_t bytes) {
  AllocationProbe& p = probe();
  if (p.watching) {
    p.largest = std::max(p.largest, bytes);
    if (bytes >= p.count_from) ++p.counted;
    if (bytes > p.fail_above) throw std::bad_alloc();
  }
  if (void* block = std::malloc(bytes == 0 ? 1 : bytes)) return block;
  throw std::bad_alloc();
}

void* allocate_or_null(std::size_t bytes) noexcept {
  try {
    return allocate(bytes);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

}  // namespace

void* operator new(std::size_t bytes) { return allocate(bytes); }
void* operator new[](std::size_t bytes) { return allocate(bytes); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept { return allocate_or_null(bytes); }
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept { return allocate_or_null(bytes); }
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { std::free(block); }

namespace {

/// Watches the allocations of one request (and stops when it goes out of scope).
struct Watch {
  explicit Watch(std::size_t fail_above = std::size_t(-1)) {
    probe().largest = 0;
    probe().fail_above = fail_above;
    probe().watching = true;
  }
  ~Watch() {
    probe().watching = false;
    probe().count_from = std::size_t(-1);
  }
  std::size_t largest() const { return probe().largest; }
  /// From now on, counts the allocations of at least `bytes`.
  void count_from(std::size_t bytes) {
    probe().count_from = bytes;
    probe().counted = 0;
  }
  std::size_t counted() const { return probe().counted; }
};

// ---- the error shape ----

const std::set<std::string> documented_codes{"parse_error", "missing_field", "wrong_type", "unknown_mechanism",
                                             "unknown_field", "ragged", "empty", "shape_mismatch", "not_finite",
                                             "bad_value", "too_large", "internal"};

/// RFC 6901: empty, or "/" then reference tokens in which "~" is only ever followed by 0 or 1.
bool is_json_pointer(const std::string& pointer) {
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  for (std::size_t i = 0; i < pointer.size(); ++i)
    if (pointer[i] == '~' && (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) return false;
  return true;
}

/// A bad request's reply: only {"error": {"code", "message"}}, a documented code, a short non-empty message.
json error_of(const std::string& request_text) {
  const std::string response = api::handle_request(request_text);
  INFO("response: " << response.substr(0, 400));
  REQUIRE(api::is_error_response(response));
  const json parsed = json::parse(response);  // always valid JSON, whatever the request held
  REQUIRE(parsed.size() == 1);
  const json& error = parsed.at("error");
  REQUIRE(error.is_object());
  REQUIRE(error.at("code").is_string());
  REQUIRE(error.at("message").is_string());
  REQUIRE(error.size() == (error.contains("field") ? 3 : 2));
  if (error.contains("field")) {
    REQUIRE(error["field"].is_string());
    CHECK(is_json_pointer(error["field"]));
  }
  CHECK(documented_codes.count(error["code"].get<std::string>()) == 1);
  const std::string message = error["message"];
  CHECK(message.size() >= 12);   // a sentence, not a bare code
  CHECK(message.size() <= 600);  // whatever the request held, the message stays short
  CHECK(message.find("json.exception") == std::string::npos);  // the library's ids mean nothing to a learner
  return error;
}

json error_of(const json& request) { return error_of(request.dump()); }
json error_of(const char* request_text) { return error_of(std::string(request_text)); }

/// One row of a table: a request, the code it must get, and words its message must hold (the field or
/// limit to change), so that the learner knows what to do.
struct Case {
  std::string what;
  std::string request;
  std::string code;
  std::vector<std::string> message_has;
  std::string field;  ///< the JSON Pointer the error must carry; "" when it must carry none
};

void check_table(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO(c.what << ": " << c.request.substr(0, 200));
    const json error = error_of(c.request);
    CHECK(error["code"] == c.code);
    if (c.field.empty()) {
      CHECK_FALSE(error.contains("field"));
    } else {
      CHECK(error.value("field", std::string()) == c.field);
      // It points into this request: at the value at fault or, when that is missing, where it belongs.
      const json request = json::parse(c.request, nullptr, false);
      const json::json_pointer pointer(c.field);
      CHECK((request.contains(pointer) || (c.code == "missing_field" && request.contains(pointer.parent_pointer()))));
    }
    for (const std::string& words : c.message_has) {
      INFO("message: " << error["message"].get<std::string>());
      CHECK(error["message"].get<std::string>().find(words) != std::string::npos);
    }
  }
}

/// The running example's six tokens, as a JSON text to splice into requests.
std::string book_inputs_text() { return book()["inputs"].dump(); }

/// {"mechanism": m, "inputs": book, <extra>} as text; `extra` is raw JSON members (may hold 1e999).
std::string book_request(const std::string& mechanism, const std::string& extra = "") {
  return R"({"mechanism":")" + mechanism + R"(","inputs":)" + book_inputs_text() + (extra.empty() ? "" : "," + extra) + "}";
}

/// T rows of d copies of x, as JSON text.
std::string rows_text(std::size_t T, std::size_t d, const std::string& x = "0.5") {
  std::string row = "[";
  for (std::size_t j = 0; j < d; ++j) row += (j ? "," : "") + x;
  row += "]";
  std::string out = "[";
  for (std::size_t i = 0; i < T; ++i) out += (i ? "," : "") + row;
  return out + "]";
}

/// Each request is refused as too_large without allocating more than 1 MB, or what parsing its own
/// text takes (about 16 bytes a value).
void require_refused_before_allocating(const std::vector<std::string>& bombs) {
  for (const std::string& bomb : bombs) {
    INFO(bomb.substr(0, 160));
    Watch watch;
    const std::string response = api::handle_request(bomb);
    const std::size_t largest = watch.largest();
    CHECK(json::parse(response)["error"]["code"] == "too_large");
    CHECK(largest < std::max<std::size_t>(1u << 20, 16 * bomb.size()));
  }
}

std::string ok_response_of(const std::string& request_text) {
  const std::string response = api::handle_request(request_text);
  INFO("response: " << response.substr(0, 400));
  REQUIRE_FALSE(api::is_error_response(response));
  return response;
}

}  // namespace

TEST_CASE("text that is not one JSON object is a parse_error", "[errors]") {
  check_table({
      {"empty text", "", "parse_error", {"empty", "mechanism"}, ""},
      {"only white space", " \n\t ", "parse_error", {"empty"}, ""},
      {"cut off", R"({"mechanism":"simplified","inputs":[[1,2])", "parse_error", {"not valid JSON", "column"}, ""},
      {"trailing comma", R"({"mechanism":"simplified","inputs":[[1]],})", "parse_error", {"not valid JSON"}, ""},
      {"text after the object", R"({"mechanism":"simplified","inputs":[[1]]} and more)", "parse_error", {"not valid JSON"}, ""},
      {"single quotes", R"({'mechanism':'simplified'})", "parse_error", {"not valid JSON"}, ""},
      {"a comment", R"({"mechanism":"simplified" /* hi */,"inputs":[[1]]})", "parse_error", {"not valid JSON"}, ""},
      {"a list", "[1,2]", "parse_error", {"one JSON object", "a list"}, ""},
      {"a string", R"("simplified")", "parse_error", {"one JSON object", "a string"}, ""},
      {"null", "null", "parse_error", {"one JSON object", "null"}, ""},
      {"a number", "42", "parse_error", {"one JSON object"}, ""},
      {"NaN literal", R"({"mechanism":"simplified","inputs":[[NaN]]})", "parse_error", {"no NaN or Infinity"}, ""},
      {"Infinity literal", R"({"mechanism":"simplified","inputs":[[Infinity]]})", "parse_error", {"no NaN or Infinity"}, ""},
      {"invalid UTF-8 in a string", "{\"mechanism\":\"simpl\xff\xfe\"}", "parse_error", {"not valid JSON"}, ""},
      {"a NUL byte", std::string("{\"mechanism\":\"simplified\"\0}", 27), "parse_error", {"not valid JSON"}, ""},
  });
}

TEST_CASE("mechanism: missing, mistyped or unknown", "[errors]") {
  check_table({
      {"no mechanism", "{}", "missing_field", {"\"mechanism\" is required"}, "/mechanism"},
      {"null mechanism", R"({"mechanism":null})", "missing_field", {"mechanism"}, "/mechanism"},
      {"a number", R"({"mechanism":7})", "wrong_type", {"mechanism must be a string"}, "/mechanism"},
      {"a list", R"({"mechanism":["simplified"]})", "wrong_type", {"mechanism"}, "/mechanism"},
      {"unknown", R"({"mechanism":"softmax"})", "unknown_mechanism", {"softmax", "simplified", "multihead"}, "/mechanism"},
      {"wrong case", R"({"mechanism":"Simplified"})", "unknown_mechanism", {"choose one of"}, "/mechanism"},
      {"empty", R"({"mechanism":""})", "unknown_mechanism", {"choose one of"}, "/mechanism"},
  });
}

TEST_CASE("missing and mistyped fields name the field", "[errors]") {
  check_table({
      {"no inputs", R"({"mechanism":"simplified"})", "missing_field", {"\"inputs\" is required"}, "/inputs"},
      {"no inputs (causal)", R"({"mechanism":"causal","d_out":2})", "missing_field", {"inputs"}, "/inputs"},
      {"no decoder_state", book_request("additive"), "missing_field", {"decoder_state"}, "/decoder_state"},
      {"no text or tokens", R"({"mechanism":"embed"})", "missing_field", {"text"}, "/text"},
      {"inputs a number", R"({"mechanism":"simplified","inputs":3})", "wrong_type", {"inputs", "list of rows"}, "/inputs"},
      {"inputs an object", R"({"mechanism":"simplified","inputs":{"a":1}})", "wrong_type", {"inputs"}, "/inputs"},
      {"inputs a flat list", R"({"mechanism":"simplified","inputs":[1,2]})", "wrong_type", {"inputs"}, "/inputs/0"},
      {"a string entry", R"({"mechanism":"simplified","inputs":[[1,"a"]]})", "wrong_type", {"inputs[0][1]", "a string"}, "/inputs/0/1"},
      {"a boolean entry", R"({"mechanism":"simplified","inputs":[[1,true]]})", "wrong_type", {"inputs[0][1]", "a boolean"}, "/inputs/0/1"},
      {"a nested list entry", R"({"mechanism":"simplified","inputs":[[1,[2]]]})", "wrong_type", {"inputs[0][1]"}, "/inputs/0/1"},
      {"a later row not a list", R"({"mechanism":"simplified","inputs":[[1],2]})", "wrong_type", {"inputs[1]"}, "/inputs/1"},
      {"steps a string", book_request("simplified", R"("steps":"yes")"), "wrong_type", {"steps", "true or false"}, "/steps"},
      {"scale a number", book_request("self_attention", R"("scale":1)"), "wrong_type", {"scale"}, "/scale"},
      {"d_out a string", book_request("self_attention", R"("d_out":"4")"), "wrong_type", {"d_out", "whole number"}, "/d_out"},
      {"d_out a fraction", book_request("self_attention", R"("d_out":2.5)"), "wrong_type", {"d_out", "whole number"}, "/d_out"},
      {"num_heads a fraction", book_request("multihead", R"("num_heads":1.5)"), "wrong_type", {"num_heads"}, "/num_heads"},
      {"seed a string", book_request("causal", R"("seed":"1")"), "wrong_type", {"seed"}, "/seed"},
      {"seed a fraction", book_request("causal", R"("seed":1.5)"), "wrong_type", {"seed", "whole number"}, "/seed"},
      {"dropout a string", book_request("causal", R"("dropout":"0.5")"), "wrong_type", {"dropout"}, "/dropout"},
      {"weights a list", book_request("self_attention", R"("weights":[1])"), "wrong_type", {"weights", "object"}, "/weights"},
      {"a weight a number", book_request("self_attention", R"("weights":{"W_query":1})"), "wrong_type", {"weights.W_query"}, "/weights/W_query"},
      {"heads not a list", book_request("multihead_wrapper", R"("weights":{"heads":{}})"), "wrong_type", {"weights.heads"}, "/weights/heads"},
      {"a head not an object", book_request("multihead_wrapper", R"("weights":{"heads":[1]})"), "wrong_type", {"weights.heads[0]"}, "/weights/heads/0"},
      {"decoder_state a string", book_request("additive", R"("decoder_state":"x")"), "wrong_type", {"decoder_state"}, "/decoder_state"},
      {"text a number", R"({"mechanism":"embed","text":5})", "wrong_type", {"text must be a string"}, "/text"},
      {"tokens a string", R"({"mechanism":"embed","tokens":"abc"})", "wrong_type", {"tokens"}, "/tokens"},
      {"an empty token", R"({"mechanism":"embed","tokens":["a",""]})", "wrong_type", {"tokens[1]"}, "/tokens/1"},
      {"a number token", R"({"mechanism":"embed","tokens":["a",3]})", "wrong_type", {"tokens[1]"}, "/tokens/1"},
      {"d_k_values a number", R"({"mechanism":"scaling_demo","d_k_values":4})", "wrong_type", {"d_k_values"}, "/d_k_values"},
      {"a d_k value a string", R"({"mechanism":"scaling_demo","d_k_values":[1,"x"]})", "wrong_type", {"d_k_values[1]"}, "/d_k_values/1"},
      {"qkv_bias a string", R"({"mechanism":"parameter_count","qkv_bias":"no"})", "wrong_type", {"qkv_bias"}, "/qkv_bias"},
  });
}

TEST_CASE("a field the mechanism does not take is an unknown_field", "[errors]") {
  check_table({
      {"a typo", book_request("causal", R"("dropuot":0.1)"), "unknown_field", {"\"dropuot\"", "dropout"}, "/dropuot"},
      {"simplified takes no d_out", book_request("simplified", R"("d_out":2)"), "unknown_field", {"d_out", "inputs, steps"}, "/d_out"},
      {"a bias outside weights", book_request("self_attention", R"("b_query":[1])"), "unknown_field", {"b_query"}, "/b_query"},
      {"a misspelt weight", book_request("self_attention", R"("weights":{"W_qurey":[[1]]})"), "unknown_field",
       {"weights.W_qurey", "W_query"}, "/weights/W_qurey"},
      {"a weight of another mechanism", book_request("multihead", R"("weights":{"v":[1]})"), "unknown_field", {"weights.v"}, "/weights/v"},
      {"a head's unknown weight", book_request("multihead_wrapper", R"("weights":{"heads":[{"W_out":[[1]]}]})"),
       "unknown_field", {"weights.heads[0].W_out"}, "/weights/heads/0/W_out"},
      {"dropout on self_attention", book_request("self_attention", R"("dropout":0.5)"), "unknown_field", {"dropout"}, "/dropout"},
      {"compare_wrapper on the wrapper", book_request("multihead_wrapper", R"("compare_wrapper":true)"), "unknown_field",
       {"compare_wrapper"}, "/compare_wrapper"},
  });
}

TEST_CASE("ragged and empty matrices", "[errors]") {
  check_table({
      {"a short row", R"({"mechanism":"simplified","inputs":[[1,2],[3]]})", "ragged", {"inputs", "row 1 has 1"}, "/inputs/1"},
      {"an empty later row", R"({"mechanism":"simplified","inputs":[[1],[]]})", "ragged", {"inputs"}, "/inputs/1"},
      {"a long row", R"({"mechanism":"causal","inputs":[[1,2],[3,4,5]]})", "ragged", {"row 0 has 2", "row 1 has 3"}, "/inputs/1"},
      {"a ragged weight", book_request("self_attention", R"("weights":{"W_query":[[1,2],[3],[4,5]]})"), "ragged",
       {"weights.W_query"}, "/weights/W_query/1"},
      {"a ragged decoder_state", book_request("additive", R"("decoder_state":[[1],[1,2]])"), "ragged", {"decoder_state"}, "/decoder_state/1"},
      {"a ragged head mask", book_request("multihead", R"("num_heads":3,"dropout":0.5,"dropout_mask":[)" + rows_text(6, 6, "1") +
                                                           "," + rows_text(6, 6, "1") + "," + rows_text(5, 6, "1") + "]"),
       "ragged", {"dropout_mask"}, "/dropout_mask/2"},
      {"no rows", R"({"mechanism":"simplified","inputs":[]})", "empty", {"inputs has no rows"}, "/inputs"},
      {"an empty row", R"({"mechanism":"simplified","inputs":[[]]})", "empty", {"inputs[0] has no numbers"}, "/inputs/0"},
      {"an empty decoder_state", book_request("additive", R"("decoder_state":[])"), "empty", {"decoder_state"}, "/decoder_state"},
      {"an empty bias", book_request("self_attention", R"("qkv_bias":true,"weights":{"b_key":[]})"), "empty", {"weights.b_key"}, "/weights/b_key"},
      {"no heads", book_request("multihead_wrapper", R"("weights":{"heads":[]})"), "empty", {"weights.heads"}, "/weights/heads"},
      {"empty text", R"({"mechanism":"embed","text":""})", "empty", {"no tokens"}, "/text"},
      {"only spaces", R"({"mechanism":"embed","text":"    "})", "empty", {"no tokens"}, "/text"},
      {"no tokens", R"({"mechanism":"embed","tokens":[]})", "empty", {"no tokens"}, "/tokens"},
      {"no d_k values", R"({"mechanism":"scaling_demo","d_k_values":[]})", "empty", {"d_k_values"}, "/d_k_values"},
  });
}

TEST_CASE("weights and masks that do not fit the inputs are a shape_mismatch", "[errors]") {
  // The book's inputs are 6 × 3.
  check_table({
      {"W_query with too few rows", book_request("self_attention", R"("weights":{"W_query":[[1,2],[3,4]]})"),
       "shape_mismatch", {"weights.W_query", "(2, 2)", "(3, 2)"}, "/weights/W_query"},
      {"W_key unlike W_query", book_request("causal", R"("weights":{"W_query":[[1],[2],[3]],"W_key":[[1,2],[3,4],[5,6]]})"),
       "shape_mismatch", {"weights.W_key", "(3, 1)"}, "/weights/W_key"},
      {"d_out unlike the weight", book_request("self_attention", R"("d_out":4,"weights":{"W_query":[[1,2],[3,4],[5,6]]})"),
       "shape_mismatch", {"weights.W_query", "(3, 4)"}, "/weights/W_query"},
      {"a bias of the wrong length", book_request("self_attention", R"("qkv_bias":true,"d_out":2,"weights":{"b_value":[1,2,3]})"),
       "shape_mismatch", {"weights.b_value", "3 numbers", "2"}, "/weights/b_value"},
      {"W_out not square", book_request("multihead", R"("d_out":2,"weights":{"W_out":[[1,2,3],[4,5,6]]})"), "shape_mismatch",
       {"weights.W_out"}, "/weights/W_out"},
      {"b_out of the wrong length", book_request("multihead", R"("weights":{"b_out":[1]})"), "shape_mismatch", {"weights.b_out"}, "/weights/b_out"},
      {"heads unlike num_heads", book_request("multihead_wrapper", R"("num_heads":3,"weights":{"heads":[{}]})"), "shape_mismatch",
       {"weights.heads has 1", "num_heads is 3"}, "/num_heads"},
      {"a second head of another size",
       book_request("multihead_wrapper", R"("weights":{"heads":[{"W_query":[[1],[2],[3]]},{"W_query":[[1,2],[3,4],[5,6]]}]})"),
       "shape_mismatch", {"weights.heads[1].W_query"}, "/weights/heads/1/W_query"},
      {"W_encoder for other states", book_request("additive", R"("decoder_state":[1,2],"weights":{"W_encoder":[[1],[2]]})"),
       "shape_mismatch", {"weights.W_encoder"}, "/weights/W_encoder"},
      {"W_decoder for another decoder", book_request("additive", R"("decoder_state":[1,2],"d_out":2,"weights":{"W_decoder":[[1,2]]})"),
       "shape_mismatch", {"weights.W_decoder"}, "/weights/W_decoder"},
      {"compare_inputs of another shape", book_request("rnn_encoder", R"("compare_inputs":[[1,2,3]])"), "shape_mismatch",
       {"compare_inputs", "(1, 3)", "(6, 3)"}, "/compare_inputs"},
      {"compare_inputs holding null", book_request("rnn_encoder", R"("compare_inputs":[[1,null,3]])"), "not_finite",
       {"compare_inputs[0][1]"}, "/compare_inputs/0/1"},
      {"W_hh not square", book_request("rnn_encoder", R"("d_out":2,"weights":{"W_hh":[[1,2,3],[4,5,6]]})"), "shape_mismatch",
       {"weights.W_hh"}, "/weights/W_hh"},
      {"a mask with too few rows", book_request("causal", R"("dropout":0.5,"dropout_mask":)" + rows_text(5, 6, "1")),
       "shape_mismatch", {"dropout_mask", "(6, 6)"}, "/dropout_mask"},
      {"a mask with too many columns", book_request("causal", R"("dropout":0.5,"dropout_mask":)" + rows_text(6, 7, "1")),
       "shape_mismatch", {"dropout_mask"}, "/dropout_mask"},
      {"one mask where each head needs one",
       book_request("multihead", R"("d_out":4,"num_heads":2,"dropout":0.5,"dropout_mask":[)" + rows_text(6, 6, "1") + "]"),
       "shape_mismatch", {"num_heads × T × T", "2 × 6 × 6"}, "/dropout_mask"},
      {"a per-head mask for one head", book_request("causal", R"("dropout":0.5,"dropout_mask":[)" + rows_text(6, 6, "1") + "]"),
       "wrong_type", {"dropout_mask"}, "/dropout_mask/0/0"},
  });
}

TEST_CASE("values outside their range are a bad_value", "[errors]") {
  check_table({
      {"num_heads 3 with d_out 4", R"({"mechanism":"multihead","inputs":[[1,0],[0,1]],"d_out":4,"num_heads":3})", "bad_value",
       {"num_heads (3) must divide d_out (4)", "Try num_heads = 1, 2"}, "/num_heads"},
      {"num_heads 4 with d_in 3", book_request("multihead", R"("num_heads":4)"), "bad_value", {"must divide d_out (3)"}, "/num_heads"},
      {"num_heads 0", book_request("multihead", R"("num_heads":0)"), "bad_value", {"num_heads", "at least 1"}, "/num_heads"},
      {"num_heads negative", book_request("multihead_wrapper", R"("num_heads":-2)"), "bad_value", {"num_heads"}, "/num_heads"},
      {"d_out 0", book_request("self_attention", R"("d_out":0)"), "bad_value", {"d_out", "at least 1"}, "/d_out"},
      {"d_out negative", book_request("causal", R"("d_out":-3)"), "bad_value", {"d_out is -3"}, "/d_out"},
      {"dropout 1 (everything dropped)", book_request("causal", R"("dropout":1)"), "bad_value", {"dropout is 1", "below 1"}, "/dropout"},
      {"dropout 1.5", book_request("multihead", R"("dropout":1.5)"), "bad_value", {"dropout"}, "/dropout"},
      {"dropout negative", book_request("causal", R"("dropout":-0.1)"), "bad_value", {"dropout is -0.1", "at least 0"}, "/dropout"},
      {"dropout just under 0", book_request("multihead_wrapper", R"("dropout":-1e-9)"), "bad_value", {"dropout"}, "/dropout"},
      {"a mask entry 2", book_request("causal", R"("dropout":0.5,"dropout_mask":)" + rows_text(6, 6, "2")), "bad_value",
       {"dropout_mask entries must be 0", "or 1"}, "/dropout_mask/0/0"},
      {"a mask entry 0.5", book_request("causal", R"("dropout":0.5,"dropout_mask":)" + rows_text(6, 6, "0.5")), "bad_value",
       {"dropout_mask"}, "/dropout_mask/0/0"},
      {"a mask entry -1 per head", book_request("multihead", R"("dropout":0.5,"dropout_mask":[)" + rows_text(6, 6, "-1") + "]"),
       "bad_value", {"dropout_mask"}, "/dropout_mask/0/0/0"},
      {"a bad mask is seen in evaluation mode too",
       book_request("causal", R"("dropout":0.5,"training":false,"dropout_mask":)" + rows_text(6, 6, "3")), "bad_value",
       {"dropout_mask"}, "/dropout_mask/0/0"},
      {"a mask of the wrong shape without dropout", book_request("causal", R"("dropout_mask":)" + rows_text(2, 2, "1")),
       "shape_mismatch", {"dropout_mask"}, "/dropout_mask"},
      {"seed negative", book_request("causal", R"("seed":-1)"), "bad_value", {"seed", "0 to 4294967295"}, "/seed"},
      {"seed 2^32", book_request("causal", R"("seed":4294967296)"), "bad_value", {"seed"}, "/seed"},
      {"biases without qkv_bias", book_request("self_attention", R"("weights":{"b_query":[1,2,3]})"), "bad_value",
       {"weights.b_query", "qkv_bias is false"}, "/weights/b_query"},
      {"a d_k of 0", R"({"mechanism":"scaling_demo","d_k_values":[1,0]})", "bad_value", {"d_k_values[1]", "at least 1"}, "/d_k_values/1"},
      {"T of 0", R"({"mechanism":"scaling_demo","T":0})", "bad_value", {"T"}, "/T"},
      {"parameter_count's heads", R"({"mechanism":"parameter_count","d_in":768,"num_heads":7})", "bad_value",
       {"num_heads (7) must divide d_out (768)"}, "/num_heads"},
  });
}

TEST_CASE("NaN, infinities and numbers beyond float32 are not_finite", "[errors]") {
  check_table({
      {"1e999 overflows to infinity", R"({"mechanism":"simplified","inputs":[[1e999]]})", "not_finite", {"1e999", "finite"}, ""},
      {"-1e999", R"({"mechanism":"simplified","inputs":[[1,-1e999]]})", "not_finite", {"-1e999"}, ""},
      {"1e999 as dropout", book_request("causal", R"("dropout":1e999)"), "not_finite", {"finite"}, ""},
      {"1e999 in a weight", book_request("self_attention", R"("weights":{"W_query":[[1e999]]})"), "not_finite", {"finite"}, ""},
      {"a 400-digit integer", R"({"mechanism":"simplified","inputs":[[1)" + std::string(400, '0') + "]]}", "not_finite",
       {"out of range"}, ""},
      {"1e39 is beyond float32", R"({"mechanism":"simplified","inputs":[[1e39]]})", "not_finite",
       {"inputs[0][0]", "float32"}, "/inputs/0/0"},
      {"-3.5e38 is beyond float32", R"({"mechanism":"causal","inputs":[[1],[-3.5e38]]})", "not_finite", {"inputs[1][0]"}, "/inputs/1/0"},
      {"1e300 in a bias", book_request("self_attention", R"("qkv_bias":true,"weights":{"b_query":[1,1e300,1]})"), "not_finite",
       {"weights.b_query[1]"}, "/weights/b_query/1"},
      {"null (JSON.stringify's NaN)", R"({"mechanism":"simplified","inputs":[[1,null]]})", "not_finite",
       {"inputs[0][1]", "null", "NaN"}, "/inputs/0/1"},
      {"null in a decoder_state", book_request("additive", R"("decoder_state":[null])"), "not_finite", {"decoder_state[0]"}, "/decoder_state/0"},
      {"null in a mask", book_request("causal", R"("dropout":0.5,"dropout_mask":)" + rows_text(6, 6, "null")), "not_finite",
       {"dropout_mask[0][0]"}, "/dropout_mask/0/0"},
      {"a result beyond float32", R"({"mechanism":"simplified","inputs":[[1e20,1e20]]})", "not_finite",
       {"overflowed float32", "smaller inputs"}, ""},
      {"a projection beyond float32", book_request("self_attention", R"("weights":{"W_query":[[3e38],[3e38],[3e38]]})"),
       "not_finite", {"overflowed"}, ""},
  });
  // Large but finite numbers are fine where they cannot overflow.
  ok_response_of(R"({"mechanism":"simplified","inputs":[[1e-30,3e-45],[0,-0]]})");
}

TEST_CASE("sizes over each documented limit are too_large, naming the limit", "[errors][limits]") {
  using L = api::Limits;
  const std::string big_request = R"({"mechanism":"simplified","inputs":[[1]],"pad":")" + std::string(L::request_bytes, 'x') + "\"}";
  check_table({
      {"the request text", big_request, "too_large", {"bytes", std::to_string(L::request_bytes)}, ""},
      {"tokens T", R"({"mechanism":"simplified","inputs":)" + rows_text(L::tokens + 1, 1) + "}", "too_large",
       {"inputs has 1025 rows", "1024"}, "/inputs"},
      {"d_in", R"({"mechanism":"causal","inputs":)" + rows_text(1, L::dim + 1) + "}", "too_large",
       {"inputs rows have 1025 numbers", "1024"}, "/inputs/0"},
      {"d_out", book_request("self_attention", R"("d_out":1025)"), "too_large", {"d_out is 1025", "1024"}, "/d_out"},
      {"d_out from a weight's columns", book_request("self_attention", R"("weights":{"W_query":)" + rows_text(1, 5000, "0") + "}"),
       "too_large", {"weights.W_query has 5000 columns", "1024"}, "/weights/W_query"},
      {"d_dec", book_request("additive", R"("decoder_state":)" + rows_text(1, L::dim + 1)), "too_large", {"decoder_state"}, "/decoder_state/0"},
      {"decoder steps S", book_request("additive", R"("decoder_state":)" + rows_text(L::tokens + 1, 1)), "too_large",
       {"decoder_state has 1025 rows"}, "/decoder_state"},
      {"num_heads", book_request("multihead_wrapper", R"("num_heads":65)"), "too_large", {"num_heads is 65", "64"}, "/num_heads"},
      {"given heads", book_request("multihead_wrapper", R"("weights":{"heads":[)" + [] {
                                 std::string heads;
                                 for (int h = 0; h < 65; ++h) heads += h ? ",{}" : "{}";
                                 return heads;
                               }() + "]}"),
       "too_large", {"64"}, "/weights/heads"},
      {"num_heads × T × T", R"({"mechanism":"multihead","inputs":)" + rows_text(1024, 8) + R"(,"num_heads":8})", "too_large",
       {"8 heads × 1024² tokens", std::to_string(L::attention_entries)}, ""},
      {"T × num_heads·d_out of the wrapper", R"({"mechanism":"multihead_wrapper","inputs":)" + rows_text(32, 1) +
                                                 R"(,"d_out":1024,"num_heads":64})",
       "too_large", {"32 tokens × size 65536", std::to_string(L::activation_entries)}, ""},
      {"the numbers of a response", R"({"mechanism":"multihead","inputs":)" + rows_text(1024, 4) + R"(,"num_heads":4})",
       "too_large", {"numbers", std::to_string(L::response_numbers), "steps: false"}, ""},
      {"the numbers of a response with steps", R"({"mechanism":"simplified","steps":true,"inputs":)" + rows_text(1024, 1) + "}",
       "too_large", {std::to_string(L::response_numbers)}, ""},
      {"the wrapper's drawn weights", R"({"mechanism":"multihead_wrapper","inputs":)" + rows_text(1, 1024) +
                                          R"(,"d_out":1024,"num_heads":64})",
       "too_large", {std::to_string(L::response_numbers)}, ""},
      {"the work", R"({"mechanism":"self_attention","inputs":)" + rows_text(1000, 1) + R"(,"d_out":1024})", "too_large",
       {"multiply-adds", std::to_string(L::work)}, ""},
      {"the work of the wrapper", R"({"mechanism":"multihead_wrapper","inputs":)" + rows_text(256, 1) +
                                      R"(,"d_out":512,"num_heads":8})",
       "too_large", {"multiply-adds"}, ""},
      {"embed's text", R"({"mechanism":"embed","text":")" + std::string(L::text_bytes + 1, 'a') + "\"}", "too_large",
       {"65537 bytes", std::to_string(L::text_bytes)}, "/text"},
      {"embed's tokens", R"({"mechanism":"embed","text":")" + [] {
                             std::string words;
                             for (int i = 0; i < 1100; ++i) words += "w ";
                             return words;
                           }() + "\"}",
       "too_large", {"1100 tokens", "1024"}, "/text"},
      {"embed's d_in", R"({"mechanism":"embed","text":"a b","d_in":2000})", "too_large", {"d_in is 2000", "1024"}, "/d_in"},
      {"scaling_demo's d_k", R"({"mechanism":"scaling_demo","d_k":4097})", "too_large", {"d_k is 4097", "4096"}, "/d_k"},
      {"scaling_demo's trials", R"({"mechanism":"scaling_demo","trials":4097})", "too_large", {"trials", "4096"}, "/trials"},
      {"scaling_demo's points", R"({"mechanism":"scaling_demo","d_k_values":[)" + [] {
                                    std::string values;
                                    for (int i = 1; i <= 65; ++i) values += (i > 1 ? "," : "") + std::to_string(i);
                                    return values;
                                  }() + "]}",
       "too_large", {"65 values", "64"}, "/d_k_values"},
      {"scaling_demo's work", R"({"mechanism":"scaling_demo","d_k_values":[4096],"trials":4096,"T":1024})", "too_large",
       {"trials × T × Σ d_k", std::to_string(L::demo_work)}, ""},
      {"parameter_count's sizes", R"({"mechanism":"parameter_count","d_in":2000000})", "too_large", {"d_in"}, "/d_in"},
      {"nesting", std::string(L::nesting + 1, '['), "too_large", {"deeper than the limit of 32"}, ""},
      {"nesting in a field", R"({"mechanism":"simplified","inputs":)" + std::string(40, '[') + std::string(40, ']') + "}",
       "too_large", {"32"}, ""},
  });
}

TEST_CASE("what stays within the limits still works", "[errors][limits]") {
  using L = api::Limits;
  // Exactly at a limit is allowed.
  ok_response_of(R"({"mechanism":"simplified","inputs":)" + rows_text(L::tokens, 1) + "}");
  ok_response_of(R"({"mechanism":"causal","inputs":)" + rows_text(2, L::dim) + R"(,"d_out":2})");
  ok_response_of(book_request("multihead_wrapper", R"("num_heads":64,"d_out":1)"));
  // Nesting 32 deep is not refused as too deep (it is a wrong_type: inputs holds lists, not numbers).
  CHECK(error_of(R"({"mechanism":"simplified","inputs":)" + std::string(31, '[') + std::string(31, ']') + "}")["code"] ==
        "wrong_type");
  // Brackets inside strings are text, not nesting.
  CHECK(error_of(R"({"mechanism":")" + std::string(100, '[') + R"("})")["code"] == "unknown_mechanism");
  CHECK(error_of(R"({"mechanism":"\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"})")["code"] == "unknown_mechanism");
}

TEST_CASE("limits are checked before anything large is allocated", "[errors][limits]") {
  // Each request below would need 100 MB or more (or minutes) if it were computed. Refused, none allocates
  // more than 1 MB, or what parsing its own text takes (about 16 bytes a value).
  const std::vector<std::string> bombs = {
      R"({"mechanism":"multihead_wrapper","inputs":)" + rows_text(1, 1024) + R"(,"d_out":1024,"num_heads":64})",
      R"({"mechanism":"multihead","inputs":)" + rows_text(1024, 4) + R"(,"num_heads":4,"steps":true,"dropout":0.1})",
      R"({"mechanism":"causal","inputs":)" + rows_text(1024, 1) + R"(,"d_out":1,"steps":true,"dropout":0.1})",
      R"({"mechanism":"self_attention","inputs":)" + rows_text(1000, 1) + R"(,"d_out":1024})",
      R"({"mechanism":"multihead","inputs":)" + rows_text(1, 1024) + R"(,"d_out":1024,"steps":true})",
      R"({"mechanism":"scaling_demo","d_k_values":[4096,4096,4096],"trials":4096,"T":1024})",
      R"({"mechanism":"additive","inputs":)" + rows_text(1024, 1) + R"(,"decoder_state":)" + rows_text(1024, 1) +
          R"(,"d_out":1024})",
      R"({"mechanism":"self_attention","inputs":[[1]],"weights":{"W_query":)" + rows_text(1, 200000, "0") + "}}",
      std::string(1 << 20, '['),
  };
  require_refused_before_allocating(bombs);
  // The probe sees the allocations of a request that is computed: T = 600 needs (T, T) weights of 1.4 MB.
  Watch watch;
  ok_response_of(R"({"mechanism":"causal","inputs":)" + rows_text(600, 2) + R"(,"d_out":2})");
  CHECK(watch.largest() >= 600 * 600 * sizeof(float));
}

TEST_CASE("running out of memory is reported as internal, and the next request works", "[errors][memory]") {
  // T = 600: its (T, T) attention weights take 1.4 MB, over the 1 MB this test lets one allocation have.
  const std::string request = R"({"mechanism":"causal","inputs":)" + rows_text(600, 2) + R"(,"d_out":2})";
  {
    Watch watch(1u << 20);
    const json error = error_of(request);
    CHECK(error["code"] == "internal");
    CHECK(error["message"].get<std::string>().find("out of memory") != std::string::npos);
    CHECK_FALSE(error.contains("field"));  // about no field of the request
  }
  ok_response_of(request);  // nothing is left broken
  SECTION("while writing the response") {
    // Small tensors (W_query is 1024 × 200: 0.8 MB), but about 12 MB of response text.
    const std::string wide = R"({"mechanism":"self_attention","inputs":)" + rows_text(1, 1024, "0.25") + R"(,"d_out":200})";
    {
      Watch watch(4u << 20);
      CHECK(error_of(wide)["code"] == "internal");
    }
    ok_response_of(wide);
  }
}

TEST_CASE("hostile strings come back as plain text in valid JSON, briefly", "[errors][hostile]") {
  const std::string script = "<script>alert(1)</script>";
  SECTION("a script as the mechanism") {
    const json error = error_of(json{{"mechanism", script}});
    CHECK(error["code"] == "unknown_mechanism");
    CHECK(error["message"].get<std::string>().find(script) != std::string::npos);  // text, for the page to show as text
  }
  SECTION("a script as a field name") {
    json request = json::parse(book_request("simplified"));
    request[script] = 1;
    CHECK(error_of(request)["code"] == "unknown_field");
  }
  SECTION("a script as text to embed gives tokens, not markup") {
    const json response = json::parse(ok_response_of(json{{"mechanism", "embed"}, {"text", script}}.dump()));
    CHECK(response["tokens"].front() == "<");
    CHECK(response["tokens"].size() == 11);  // < script > alert ( 1 ) < / script >
  }
  SECTION("very long keys and values are cut in messages") {
    json request = json::parse(book_request("simplified"));
    request[std::string(100000, 'k')] = 1;
    const std::string message = error_of(request)["message"];
    CHECK(message.find(std::string(64, 'k')) != std::string::npos);
    CHECK(message.find(std::string(65, 'k')) == std::string::npos);
    CHECK(error_of(json{{"mechanism", std::string(1 << 20, 'm')}})["message"].get<std::string>().size() < 400);
  }
  SECTION("a field's name with / and ~ is escaped in its pointer (RFC 6901)") {
    json request = json::parse(book_request("simplified"));
    request["a/b~c"] = 1;
    const json error = error_of(request);
    CHECK(error["code"] == "unknown_field");
    CHECK(error["field"] == "/a~1b~0c");
    CHECK(request.contains(json::json_pointer(error["field"].get<std::string>())));
  }
  SECTION("a long key is cut between characters, never inside one") {
    json request = json::parse(book_request("simplified"));
    std::string key = "a";
    for (int i = 0; i < 100; ++i) key += "\xc3\xa9";  // é, two bytes: an odd cut would split one
    request[key] = 1;
    const std::string message = error_of(request)["message"];
    CHECK(message.find("\xef\xbf\xbd") == std::string::npos);  // no U+FFFD replacement character
    CHECK(message.find("…") != std::string::npos);
  }
  SECTION("a long invalid string is not echoed whole") {
    const std::string text = R"({"mechanism":")" + std::string(200000, 'x') + "\x01\"}";
    CHECK(error_of(text)["code"] == "parse_error");
  }
  SECTION("quotes, backslashes, control characters and non-ASCII in a name") {
    const json error = error_of(json{{"mechanism", "\"}\\\n\t\u00e9\u4e2d\U0001F600"}});
    CHECK(error["code"] == "unknown_mechanism");
  }
  SECTION("tokens with invalid UTF-8 escapes") {
    // \ud800 is a lone surrogate: invalid in JSON text
    CHECK(error_of(std::string(R"({"mechanism":"embed","tokens":["\ud800"]})"))["code"] == "parse_error");
  }
}

TEST_CASE("every field given as every wrong type is refused without a crash", "[errors]") {
  // A sweep: each field of each mechanism set to each kind of JSON value that does not belong.
  const std::vector<std::pair<std::string, std::vector<std::string>>> fields = {
      {"simplified", {"inputs", "steps"}},
      {"self_attention", {"inputs", "d_out", "qkv_bias", "scale", "seed", "steps", "weights"}},
      {"causal", {"inputs", "d_out", "qkv_bias", "scale", "seed", "steps", "weights", "dropout", "training", "dropout_mask"}},
      {"multihead_wrapper", {"inputs", "d_out", "num_heads", "qkv_bias", "causal", "seed", "steps", "weights", "dropout",
                             "training", "dropout_mask"}},
      {"multihead", {"inputs", "d_out", "num_heads", "qkv_bias", "causal", "seed", "steps", "weights", "dropout", "training",
                     "dropout_mask", "compare_wrapper"}},
      {"additive", {"inputs", "decoder_state", "d_out", "seed", "steps", "weights"}},
      {"embed", {"text", "tokens", "d_in", "seed"}},
      {"rnn_encoder", {"inputs", "compare_inputs", "d_out", "seed", "weights"}},
      {"scaling_demo", {"d_k", "d_k_values", "T", "trials", "seed"}},
      {"parameter_count", {"d_in", "d_out", "num_heads", "qkv_bias"}},
      {"layer_norm", {"inputs", "eps", "steps", "weights"}},
      {"positional_encoding", {"kind", "inputs", "T", "emb_dim", "context_length", "offset", "seed", "steps", "weights"}},
      {"feed_forward", {"inputs", "d_ff", "activation", "seed", "steps", "weights"}},
      {"transformer_block", {"inputs", "n_heads", "d_ff", "qkv_bias", "norm_first", "residual", "causal", "activation",
                             "positional", "seed", "steps", "weights"}},
      {"gpt", {"token_ids", "targets", "vocab_size", "context_length", "emb_dim", "n_heads", "n_layers", "d_ff", "qkv_bias",
               "weight_tying", "positional", "norm_first", "residual", "activation", "temperature", "seed", "steps",
               "weights"}},
      {"gpt_parameter_count", {"vocab_size", "context_length", "emb_dim", "n_heads", "n_layers", "d_ff", "qkv_bias",
                               "weight_tying", "positional"}},
  };
  const std::vector<json> values = {json("text"), json(-7), json(0.5), json(true), json::array(), json::object(),
                                    json::array({json::object()}), json::array({json::array({"x"})}), json(1e30)};
  int errors = 0, answers = 0;
  for (const auto& [mechanism, names] : fields)
    for (const std::string& name : names)
      for (const json& value : values) {
        json request = {{"mechanism", mechanism}};
        if (mechanism == "additive") request["decoder_state"] = {0.5, 0.5};
        if (mechanism == "gpt") request["token_ids"] = {1, 2};
        if (mechanism != "embed" && mechanism != "scaling_demo" && mechanism != "parameter_count" && mechanism != "gpt" &&
            mechanism != "gpt_parameter_count")
          request["inputs"] = {{0.1, 0.2}, {0.3, 0.4}};
        if (mechanism == "embed" && name != "text") request["text"] = "a b";
        request[name] = value;
        INFO(request.dump());
        const std::string response = api::handle_request(request.dump());
        const json parsed = json::parse(response);
        if (parsed.contains("error")) {
          ++errors;
          if (parsed["error"].contains("field"))  // the one field set wrong, or a value inside it
            CHECK(parsed["error"]["field"].get<std::string>().rfind("/" + name, 0) == 0);
          CHECK(parsed["error"]["code"] != "internal");
          CHECK(documented_codes.count(parsed["error"]["code"].get<std::string>()) == 1);
        } else {
          ++answers;  // e.g. seed 0.5 is refused, but d_out 1e30 too; true for a boolean field is fine
        }
      }
  CHECK(errors > 300);
  CHECK(answers > 0);
}

TEST_CASE("without a trace, the core computes no step that only a lesson shows", "[errors][limits]") {
  // trace.hpp: an untraced computation does nothing for the steps. Counted: the (T, T) matrices allocated.
  const std::size_t T = 64;
  Matrix inputs = xt::zeros<float>({T, std::size_t{3}});
  for (std::size_t i = 0; i < T; ++i) inputs(i, i % 3) = 0.01f * static_cast<float>(i);
  const QkvWeights weights = qkv(example("masked_simple_norm")["weights"]);
  auto big_allocations = [T](auto&& compute) {
    Watch watch;
    watch.count_from(T * T * sizeof(float));
    compute();
    return watch.counted();
  };
  const std::size_t simplified = big_allocations([&] {
    Trace trace;
    simplified_attention(inputs, trace);
  });
  const std::size_t simplified_traced = big_allocations([&] {
    Trace trace(true);
    simplified_attention(inputs, trace);
  });
  INFO("simplified: " << simplified << " (T, T) allocations untraced, " << simplified_traced << " traced");
  // traced, 6 more: the sum-normalised and naive weights, and the trace's copies of ω, of both and of α
  CHECK(simplified + 6 <= simplified_traced);
  const std::size_t causal = big_allocations([&] {
    Trace trace;
    causal_attention(inputs, weights, true, Dropout{}, trace);
  });
  const std::size_t causal_with_routes = big_allocations([&] {
    Trace trace;
    float routes_max_abs_diff = -1.0f;
    causal_attention(inputs, weights, true, Dropout{}, trace, &routes_max_abs_diff);
    CHECK_THAT(routes_max_abs_diff, Catch::Matchers::WithinAbs(0.0, 1e-6));  // asked for: still computed
  });
  INFO("causal: " << causal << " untraced, " << causal_with_routes << " with routes_max_abs_diff");
  CHECK(causal + 3 <= causal_with_routes);  // route (a): softmax without the mask, zeroed, renormalised
}

// ---- the transformer block's mechanisms (lesson 7) ----

/// {"mechanism": "gpt", <extra>} as text.
std::string gpt_request(const std::string& extra) { return R"({"mechanism":"gpt",)" + extra + "}"; }

TEST_CASE("transformer mechanisms: token ids, targets and sizes that do not fit the model", "[errors][transformer]") {
  check_table({
      {"a token id outside the vocabulary", gpt_request(R"("token_ids":[1,2,16],"vocab_size":16)"), "bad_value",
       {"token_ids[2] is 16", "vocab_size − 1 = 15"}, "/token_ids/2"},
      {"a negative token id", gpt_request(R"("token_ids":[-1])"), "bad_value", {"token_ids[0] is -1"}, "/token_ids/0"},
      {"a fractional token id", gpt_request(R"("token_ids":[1.5])"), "wrong_type", {"token_ids[0]", "whole number"}, "/token_ids/0"},
      {"NaN as a token id", gpt_request(R"("token_ids":[1,null])"), "not_finite", {"token_ids[1]", "null"}, "/token_ids/1"},
      {"a string token id", gpt_request(R"("token_ids":["the"])"), "wrong_type", {"token_ids[0]"}, "/token_ids/0"},
      {"token_ids a string", gpt_request(R"("token_ids":"the cat")"), "wrong_type", {"token_ids", "list"}, "/token_ids"},
      {"no token ids", gpt_request(R"("token_ids":[])"), "empty", {"token_ids"}, "/token_ids"},
      {"token_ids missing", gpt_request(R"("vocab_size":16)"), "missing_field", {"token_ids"}, "/token_ids"},
      {"more tokens than context_length", gpt_request(R"("token_ids":[1,2,3],"context_length":2)"), "too_large",
       {"3 token_ids", "context_length is 2"}, "/token_ids"},
      {"more than 1024 tokens", gpt_request(R"("token_ids":)" + rows_text(1, 1025, "0").substr(1, 2 * 1025 + 1)), "too_large",
       {"1025", "1024"}, "/token_ids"},
      {"targets of another length", gpt_request(R"("token_ids":[1,2,3],"targets":[2,3])"), "shape_mismatch",
       {"targets has 2", "token_ids has 3"}, "/targets"},
      {"a target outside the vocabulary", gpt_request(R"("token_ids":[1,2,3],"targets":[2,16,-1],"vocab_size":16)"),
       "bad_value", {"targets[1] is 16", "−1"}, "/targets/1"},
      {"a target below -1", gpt_request(R"("token_ids":[1],"targets":[-2])"), "bad_value", {"targets[0] is -2"}, "/targets/0"},
      {"every target -1", gpt_request(R"("token_ids":[1,2],"targets":[-1,-1])"), "bad_value", {"every target is −1"}, "/targets"},
      {"temperature 0", gpt_request(R"("token_ids":[1],"temperature":0)"), "bad_value", {"temperature", "above 0"}, "/temperature"},
      {"a negative temperature", gpt_request(R"("token_ids":[1],"temperature":-1)"), "bad_value", {"temperature"}, "/temperature"},
      {"n_heads not dividing emb_dim", gpt_request(R"("token_ids":[1],"emb_dim":8,"n_heads":3)"), "bad_value",
       {"n_heads (3) must divide emb_dim (8)"}, "/n_heads"},
      {"n_layers over the limit", gpt_request(R"("token_ids":[1],"n_layers":25)"), "too_large", {"n_layers is 25", "24"}, "/n_layers"},
      {"n_layers 0", gpt_request(R"("token_ids":[1],"n_layers":0)"), "bad_value", {"n_layers", "at least 1"}, "/n_layers"},
      {"vocab_size over the limit", gpt_request(R"("token_ids":[1],"vocab_size":70000)"), "too_large", {"vocab_size"}, "/vocab_size"},
      {"tok_emb over a weight's limit", gpt_request(R"("token_ids":[1],"vocab_size":65536,"emb_dim":32)"), "too_large",
       {"tok_emb", std::to_string(api::Limits::weight_entries)}, ""},
      {"a large model with steps", gpt_request(R"("token_ids":[1,2,3,4,5,6,7,8],"emb_dim":256,"n_heads":4,"n_layers":24,"steps":true)"),
       "too_large", {"numbers"}, ""},
      {"an unknown positional", gpt_request(R"("token_ids":[1],"positional":"rope")"), "bad_value",
       {"positional", "\"learned\", \"sinusoidal\", \"none\""}, "/positional"},
      {"the attention form's name for heads", gpt_request(R"("token_ids":[1],"num_heads":2)"), "unknown_field",
       {"num_heads", "n_heads"}, "/num_heads"},
  });
}

TEST_CASE("transformer mechanisms: weights that do not fit, and options out of range", "[errors][transformer]") {
  const std::string x3 = R"("inputs":[[1,2,3],[4,5,6]])";
  check_table({
      {"block heads not dividing emb_dim", R"({"mechanism":"transformer_block",)" + x3 + R"(,"n_heads":2})", "bad_value",
       {"n_heads (2) must divide emb_dim (3)"}, "/n_heads"},
      {"learned positions in a block", R"({"mechanism":"transformer_block",)" + x3 + R"(,"positional":"learned"})",
       "bad_value", {"positional", "\"none\", \"sinusoidal\""}, "/positional"},
      {"an unknown activation", R"({"mechanism":"feed_forward",)" + x3 + R"(,"activation":"tanh"})", "bad_value",
       {"activation is \"tanh\"", "\"gelu\", \"relu\""}, "/activation"},
      {"d_ff 0", R"({"mechanism":"feed_forward",)" + x3 + R"(,"d_ff":0})", "bad_value", {"d_ff", "at least 1"}, "/d_ff"},
      {"d_ff over the limit", R"({"mechanism":"feed_forward",)" + x3 + R"(,"d_ff":5000})", "too_large", {"d_ff is 5000", "4096"}, "/d_ff"},
      {"W1 of another d_ff", R"({"mechanism":"feed_forward",)" + x3 + R"(,"weights":{"W1":[[1],[2],[3]]}})", "shape_mismatch",
       {"weights.W1", "(3, 12)"}, "/weights/W1"},
      {"NaN in the inputs of layer_norm", R"({"mechanism":"layer_norm","inputs":[[1,null]]})", "not_finite",
       {"inputs[0][1]", "null"}, "/inputs/0/1"},
      {"eps 0", R"({"mechanism":"layer_norm",)" + x3 + R"(,"eps":0})", "bad_value", {"eps"}, "/eps"},
      {"a scale of the wrong length", R"({"mechanism":"layer_norm",)" + x3 + R"(,"weights":{"scale":[1,2]}})",
       "shape_mismatch", {"weights.scale has 2 numbers", "3"}, "/weights/scale"},
      {"a norm's unknown weight", R"({"mechanism":"layer_norm",)" + x3 + R"(,"weights":{"gamma":[1,2,3]}})", "unknown_field",
       {"weights.gamma", "scale, shift"}, "/weights/gamma"},
      {"NaN in a block weight", R"({"mechanism":"transformer_block",)" + x3 + R"(,"weights":{"att":{"W_query":[[null,0,0],[0,0,0],[0,0,0]]}}})",
       "not_finite", {"weights.att.W_query[0][0]"}, "/weights/att/W_query/0/0"},
      {"a block weight of the wrong shape", R"({"mechanism":"transformer_block",)" + x3 + R"(,"weights":{"ff":{"b2":[1]}}})",
       "shape_mismatch", {"weights.ff.b2"}, "/weights/ff/b2"},
      {"an unknown block part", R"({"mechanism":"transformer_block",)" + x3 + R"(,"weights":{"mlp":{}}})", "unknown_field",
       {"weights.mlp", "att, ff, norm1, norm2"}, "/weights/mlp"},
      {"a qkv bias without qkv_bias", R"({"mechanism":"transformer_block",)" + x3 + R"(,"weights":{"att":{"b_query":[1,2,3]}}})",
       "bad_value", {"weights.att.b_query", "qkv_bias is false"}, "/weights/att/b_query"},
      {"a block part not an object", R"({"mechanism":"transformer_block",)" + x3 + R"(,"weights":{"norm1":[1,2,3]}})",
       "wrong_type", {"weights.norm1"}, "/weights/norm1"},
      {"trf_blocks unlike n_layers", gpt_request(R"("token_ids":[1],"n_layers":2,"weights":{"trf_blocks":[{}]})"),
       "shape_mismatch", {"weights.trf_blocks has 1", "n_layers is 2"}, "/weights/trf_blocks"},
      {"trf_blocks not a list", gpt_request(R"("token_ids":[1],"weights":{"trf_blocks":{}})"), "wrong_type",
       {"weights.trf_blocks"}, "/weights/trf_blocks"},
      {"a layer's weight of the wrong shape",
       gpt_request(R"("token_ids":[1],"n_layers":2,"weights":{"trf_blocks":[{},{"ff":{"W1":[[1]]}}]})"), "shape_mismatch",
       {"weights.trf_blocks[1].ff.W1"}, "/weights/trf_blocks/1/ff/W1"},
      {"a layer's unknown part", gpt_request(R"("token_ids":[1],"n_layers":1,"weights":{"trf_blocks":[{"mlp":{}}]})"),
       "unknown_field", {"weights.trf_blocks[0].mlp"}, "/weights/trf_blocks/0/mlp"},
      {"tok_emb of another vocabulary", gpt_request(R"("token_ids":[1],"vocab_size":4,"emb_dim":2,"weights":{"tok_emb":[[1,2],[3,4]]})"),
       "shape_mismatch", {"weights.tok_emb", "(4, 2)"}, "/weights/tok_emb"},
      {"out_head with weight tying", gpt_request(R"("token_ids":[1],"weight_tying":true,"weights":{"out_head":[[1]]})"),
       "bad_value", {"out_head", "weight_tying"}, "/weights/out_head"},
      {"pos_emb without learned positions", gpt_request(R"("token_ids":[1],"positional":"none","weights":{"pos_emb":[[1]]})"),
       "bad_value", {"pos_emb", "\"none\""}, "/weights/pos_emb"},
      {"an unknown positional kind", R"({"mechanism":"positional_encoding","kind":"rope","T":2,"emb_dim":2})", "bad_value",
       {"kind is \"rope\""}, "/kind"},
      {"neither inputs nor T", R"({"mechanism":"positional_encoding","emb_dim":4})", "missing_field", {"inputs", "T"}, "/T"},
      {"T without emb_dim", R"({"mechanism":"positional_encoding","T":4})", "missing_field", {"emb_dim"}, "/emb_dim"},
      {"more positions than the table", R"({"mechanism":"positional_encoding","kind":"learned",)" + x3 + R"(,"context_length":1})",
       "too_large", {"2 tokens", "context_length is 1"}, "/context_length"},
      {"weights for the sinusoidal encoding", R"({"mechanism":"positional_encoding","T":2,"emb_dim":2,"weights":{}})",
       "unknown_field", {"no weights"}, "/weights"},
      {"T unlike the inputs", R"({"mechanism":"positional_encoding",)" + x3 + R"(,"T":5})", "shape_mismatch", {"(2, 3)"}, "/T"},
      {"gpt_parameter_count heads", R"({"mechanism":"gpt_parameter_count","n_heads":7})", "bad_value",
       {"n_heads (7) must divide emb_dim (768)"}, "/n_heads"},
  });
}

TEST_CASE("transformer mechanisms: limits are checked before the model is allocated", "[errors][limits][transformer]") {
  const std::vector<std::string> bombs = {
      // 24 layers of d_ff 4096: 3.2 million weights to draw
      gpt_request(R"("token_ids":[0],"vocab_size":65536,"emb_dim":16,"n_layers":24,"d_ff":4096)"),
      gpt_request(R"("token_ids":)" + rows_text(1, 1024, "1").substr(1, 2 * 1024 + 1) +
                  R"(,"context_length":1024,"emb_dim":512,"n_heads":8,"n_layers":24)"),
      R"({"mechanism":"transformer_block","steps":true,"n_heads":16,"inputs":)" + rows_text(512, 64) + "}",
  };
  require_refused_before_allocating(bombs);
  Watch watch;  // GPT-2 XL's count allocates nothing of its size
  const json counted = json::parse(ok_response_of(
      R"({"mechanism":"gpt_parameter_count","emb_dim":1600,"n_heads":25,"n_layers":48,"qkv_bias":true,"weight_tying":true})"));
  CHECK(counted["parameter_count"] == 1557611200u);
  CHECK(watch.largest() < (1u << 16));
}

// ---- train (docs/api.md, "Training (lesson 8)") ----

namespace {

/// {"mechanism":"train","task":"copy", <extra>} with no steps and no evaluation unless `extra` asks.
std::string train_request(const std::string& extra = "") {
  return R"({"mechanism":"train","task":"copy","steps":0,"evaluate":false)" + (extra.empty() ? "" : "," + extra) + "}";
}

/// A list of n copies of x, as JSON text.
std::string list_text(std::size_t n, const std::string& x = "0") {
  std::string out = "[";
  for (std::size_t i = 0; i < n; ++i) out += (i ? "," : "") + x;
  return out + "]";
}

/// The parameter_count of the model a train request builds.
std::size_t train_parameter_count(const std::string& extra) {
  return json::parse(ok_response_of(train_request(extra)))["model"]["parameter_count"];
}

}  // namespace

TEST_CASE("train: each bad field is refused with its JSON Pointer", "[errors][train]") {
  const std::size_t P = train_parameter_count(R"("emb_dim":8,"n_heads":2,"n_layers":1)");
  const std::string model = R"("emb_dim":8,"n_heads":2,"n_layers":1)";
  auto weights_with = [&](std::size_t at, const std::string& x) {
    std::string out = "[";
    for (std::size_t i = 0; i < P; ++i) out += (i ? "," : "") + (i == at ? x : std::string("0.01"));
    return out + "]";
  };
  check_table({
      {"no task", R"({"mechanism":"train"})", "missing_field", {"\"task\" is required", "copy"}, "/task"},
      {"an unknown task", R"({"mechanism":"train","task":"juggle"})", "bad_value",
       {"task is \"juggle\"", "\"copy\", \"reverse\", \"sort\", \"induction\", \"agreement\""}, "/task"},
      {"a task not a string", R"({"mechanism":"train","task":3})", "wrong_type", {"task must be a string"}, "/task"},
      {"an unknown field", train_request(R"("learning_rate":0.1)"), "unknown_field", {"learning_rate", "lr"}, "/learning_rate"},
      {"n_heads not dividing emb_dim", train_request(R"("emb_dim":16,"n_heads":3)"), "bad_value",
       {"n_heads (3) must divide emb_dim (16)"}, "/n_heads"},
      {"emb_dim the default n_heads does not divide", train_request(R"("emb_dim":15)"), "bad_value",
       {"n_heads (2) must divide emb_dim (15)"}, "/emb_dim"},
      {"emb_dim 0", train_request(R"("emb_dim":0)"), "bad_value", {"emb_dim", "at least 1"}, "/emb_dim"},
      {"emb_dim 2^32 + 32", train_request(R"("emb_dim":4294967328)"), "too_large", {"emb_dim is 4294967328", "1024"}, "/emb_dim"},
      {"n_heads 65", train_request(R"("n_heads":65)"), "too_large", {"n_heads is 65", "64"}, "/n_heads"},
      {"n_layers 17", train_request(R"("n_layers":17)"), "too_large", {"n_layers is 17", "16"}, "/n_layers"},
      {"n_layers 1.5", train_request(R"("n_layers":1.5)"), "wrong_type", {"n_layers must be a whole number"}, "/n_layers"},
      {"context_length shorter than the task", train_request(R"("context_length":5)"), "bad_value",
       {"context_length is 5", "copy task's sequences have 12 tokens"}, "/context_length"},
      {"context_length over the limit", train_request(R"("context_length":1025)"), "too_large", {"1024"}, "/context_length"},
      {"qkv_bias not a boolean", train_request(R"("qkv_bias":1)"), "wrong_type", {"qkv_bias must be true or false"}, "/qkv_bias"},
      {"an unknown activation", train_request(R"("activation":"tanh")"), "bad_value", {"\"gelu\", \"relu\""}, "/activation"},
      {"an unknown positional", train_request(R"("positional":"none")"), "bad_value", {"\"learned\", \"sinusoidal\""}, "/positional"},
      {"batch 0", train_request(R"("batch":0)"), "bad_value", {"batch is 0", "at least 1"}, "/batch"},
      {"batch -1", train_request(R"("batch":-1)"), "bad_value", {"batch is -1"}, "/batch"},
      {"batch 1025", train_request(R"("batch":1025)"), "too_large", {"batch is 1025", "1024"}, "/batch"},
      {"lr 0", train_request(R"("lr":0)"), "bad_value", {"lr is 0", "above 0"}, "/lr"},
      {"lr 1e-50: 0 as a float32", train_request(R"("lr":1e-50)"), "bad_value", {"lr is 1e-50", "float32"}, "/lr"},
      {"lr 11", train_request(R"("lr":11)"), "bad_value", {"lr is 11", "at most 10"}, "/lr"},
      {"lr 1e39, beyond float32", train_request(R"("lr":1e39)"), "bad_value", {"lr is 1e+39"}, "/lr"},
      {"lr null (NaN from a page)", train_request(R"("lr":null)"), "not_finite", {"lr is null", "NaN"}, "/lr"},
      {"n_layers null", train_request(R"("n_layers":null)"), "not_finite", {"n_layers is null"}, "/n_layers"},
      {"lr a string", train_request(R"("lr":"0.1")"), "wrong_type", {"lr must be a number"}, "/lr"},
      {"warmup -1", train_request(R"("warmup":-1)"), "bad_value", {"warmup"}, "/warmup"},
      {"weight_decay 2", train_request(R"("weight_decay":2)"), "bad_value", {"weight_decay is 2", "at most 1"}, "/weight_decay"},
      {"clip -1", train_request(R"("clip":-1)"), "bad_value", {"clip is -1", "at least 0"}, "/clip"},
      {"beta1 1", train_request(R"("beta1":1)"), "bad_value", {"beta1 is 1", "at most 0.999999"}, "/beta1"},
      {"beta2 -0.5", train_request(R"("beta2":-0.5)"), "bad_value", {"beta2"}, "/beta2"},
      {"eps 0", train_request(R"("eps":0)"), "bad_value", {"eps is 0", "above 0"}, "/eps"},
      {"seed -1", train_request(R"("seed":-1)"), "bad_value", {"seed is -1"}, "/seed"},
      {"eval_sequences 0", train_request(R"("eval_sequences":0)"), "bad_value", {"eval_sequences"}, "/eval_sequences"},
      {"eval_sequences 65537", train_request(R"("eval_sequences":65537)"), "too_large", {"65536"}, "/eval_sequences"},
      {"steps -1", R"({"mechanism":"train","task":"copy","steps":-1})", "bad_value", {"steps is -1"}, "/steps"},
      {"steps true (the other mechanisms' steps)", R"({"mechanism":"train","task":"copy","steps":true})", "wrong_type",
       {"steps must be a whole number"}, "/steps"},
      {"steps 100001", R"({"mechanism":"train","task":"copy","steps":100001})", "too_large", {"100000"}, "/steps"},
      {"evaluate not a boolean", train_request(R"("evaluate":"yes")"), "wrong_type", {"evaluate"}, "/evaluate"},
      {"return_weights not a boolean", train_request(R"("return_weights":0)"), "wrong_type", {"return_weights"}, "/return_weights"},
      {"weights not a list", train_request(model + R"(,"weights":{"tok_emb.weight":[]})"), "wrong_type",
       {"weights must be a flat list", "model.layout"}, "/weights"},
      {"weights one short", train_request(model + R"(,"weights":)" + list_text(P - 1)), "shape_mismatch",
       {"weights has " + std::to_string(P - 1) + " numbers", "parameter_count = " + std::to_string(P)}, "/weights"},
      {"weights of another model", train_request(R"("weights":)" + list_text(P)), "shape_mismatch",
       {"parameter_count"}, "/weights"},
      {"NaN (null) in the weights", train_request(model + R"(,"weights":)" + weights_with(17, "null")), "not_finite",
       {"weights[17] is null"}, "/weights/17"},
      {"a weight beyond float32", train_request(model + R"(,"weights":)" + weights_with(P - 1, "1e39")), "not_finite",
       {"weights[" + std::to_string(P - 1) + "]", "float32"}, "/weights/" + std::to_string(P - 1)},
      {"a weight that is a string", train_request(model + R"(,"weights":)" + weights_with(0, "\"0\"")), "wrong_type",
       {"weights[0] must be a number"}, "/weights/0"},
  });
}

TEST_CASE("train: the model, its buffers and the work are bounded before anything is allocated", "[errors][limits][train]") {
  using L = api::Limits;
  check_table({
      {"the parameters", train_request(R"("emb_dim":1024,"n_heads":1,"n_layers":1)"), "too_large",
       {"parameters", std::to_string(L::train_parameters)}, ""},
      {"the activations", train_request(R"("emb_dim":64,"n_layers":8,"batch":1024)"), "too_large",
       {"n_layers × batch × context_length × emb_dim", std::to_string(L::train_activations)}, ""},
      {"the attention weights", train_request(R"("emb_dim":64,"n_heads":64,"n_layers":1,"batch":64,"context_length":128)"),
       "too_large", {"n_layers × batch × n_heads × context_length²", std::to_string(L::train_attention)}, ""},
      {"the work of the steps", R"({"mechanism":"train","task":"copy","steps":100000})", "too_large",
       {"multiply-adds", std::to_string(L::train_work), "fewer steps"}, ""},
      {"the work of the evaluation", R"({"mechanism":"train","task":"induction","steps":0,"eval_sequences":65536,"emb_dim":256,"n_layers":4})",
       "too_large", {"multiply-adds"}, ""},
      {"the numbers of the response", R"({"mechanism":"train","task":"copy","steps":0,"evaluate":false,"return_weights":true,"emb_dim":256,"n_heads":4,"n_layers":4})",
       "too_large", {"numbers", std::to_string(L::response_numbers)}, ""},
  });
  require_refused_before_allocating({
      train_request(R"("emb_dim":1024,"n_heads":1,"n_layers":16)"),
      train_request(R"("emb_dim":1024,"n_layers":16,"batch":1024,"context_length":1024)"),
      R"({"mechanism":"train","task":"induction","steps":100000,"emb_dim":128,"n_layers":4,"batch":64})",
  });
  // a request at the work limit's scale is still computed: the default model, 100 steps
  const json response = json::parse(ok_response_of(R"({"mechanism":"train","task":"copy","evaluate":false})"));
  CHECK(response["losses"].size() == 100);
}

TEST_CASE("train: a run that diverges is not_finite, not numbers JSON cannot hold", "[errors][train]") {
  // weights of 1e30: the logits overflow float32 in the first forward
  const std::size_t P = train_parameter_count(R"("emb_dim":4,"n_heads":1,"n_layers":1)");
  const json error = error_of(train_request(R"("emb_dim":4,"n_heads":1,"n_layers":1,"steps":1,"weights":)" + list_text(P, "1e30")));
  CHECK(error["code"] == "not_finite");
  CHECK(error["message"].get<std::string>().find("diverged") != std::string::npos);
}
