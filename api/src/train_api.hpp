#pragma once
// The "train" mechanism of the JSON contract (docs/api.md, "Training (lesson 8)").

#include "parse.hpp"

namespace attn::api {

json train_request(const Fields& request);

}  // namespace attn::api
