#include "attn/trace.hpp"

#include <iterator>

namespace attn {

void Trace::append(Trace&& other) {
  steps_.insert(steps_.end(), std::make_move_iterator(other.steps_.begin()),
                std::make_move_iterator(other.steps_.end()));
  other.steps_.clear();
}

}  // namespace attn
