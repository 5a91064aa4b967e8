#pragma once
/// \file trace.hpp
/// The named intermediate steps of a computation, kept only when a lesson asks for them.

#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

namespace attn {

/// One intermediate result: its name in the lesson (`attn_scores`) and its value.
/// Masked scores are stored as −∞.
struct Step {
  std::string name;
  xt::xarray<float> value;
};

/// Collects steps in computing order when enabled; does nothing (and copies nothing) otherwise.
class Trace {
 public:
  explicit Trace(bool enabled = false, std::string prefix = "") : enabled_(enabled), prefix_(std::move(prefix)) {}

  template <class E>
  void add(const std::string& name, const E& value) {
    if (enabled_) steps_.push_back({prefix_ + name, xt::xarray<float>(value)});
  }

  /// A trace whose steps land in this one under `prefix` (`head_0.`).
  Trace nested(const std::string& prefix) const { return Trace(enabled_, prefix_ + prefix); }

  /// Moves the steps of `other` (from nested()) to the end of this trace.
  void append(Trace&& other);

  bool enabled() const { return enabled_; }
  const std::vector<Step>& steps() const { return steps_; }

 private:
  bool enabled_;
  std::string prefix_;
  std::vector<Step> steps_;
};

}  // namespace attn
