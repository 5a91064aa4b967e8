#pragma once
// The transformer block's mechanisms of the JSON contract (docs/api.md, "The transformer block").

#include "parse.hpp"

namespace attn::api {

json layer_norm_request(const Fields& request);
json positional_encoding_request(const Fields& request);
json feed_forward_request(const Fields& request);
json transformer_block_request(const Fields& request);
json gpt_request(const Fields& request);
json gpt_parameter_count_request(const Fields& request);

}  // namespace attn::api
