#pragma once
/// \file train_tasks.hpp
/// The tasks the small GPT learns, each drawn from a seed (the portable Rng: the same sequences
/// natively and in wasm) and each with a known attention solution:
///   copy       x₁…x_L | x₁…x_L    the head looks L tokens back
///   reverse    x₁…x_L | x_L…x₁    the anti-diagonal
///   sort       x₁…x_L | sorted    each output looks at the next larger input
///   induction  r₁…r_P r₁…r_P …    period P varies: a previous-token head (layer 1) and an
///                                 induction head (layer 2) find the token after the last r
///   agreement  the cat saw the dogs . it   the pronoun looks back at its noun (the subject)
/// A sequence is given as inputs (T) and targets (T): targets[t] is the token after inputs[t],
/// or −1 where it is not scored. sources[t] is where the solving head attends from t (−1: none).

#include <cstddef>
#include <string>
#include <vector>

#include "attn/random.hpp"

namespace attn {

enum class TaskKind { copy, reverse, sort, induction, agreement };

/// One example: inputs, targets and sources, each of seq_len().
struct TaskSequence {
  std::vector<int> inputs, targets, sources;
};

class Task {
 public:
  /// copy: `length` symbols (with repeats) from `symbols` letters, a separator, the same again.
  static Task copy(std::size_t length = 6, std::size_t symbols = 8);
  /// reverse: as copy, the second half reversed.
  static Task reverse(std::size_t length = 6, std::size_t symbols = 8);
  /// sort: `length` distinct numbers below `numbers`, a separator, them in increasing order.
  static Task sort(std::size_t length = 5, std::size_t numbers = 10);
  /// induction: a prefix of P distinct letters (P in [min_period, max_period]) repeated to
  /// seq_len + 1 tokens; every position from P on is scored.
  static Task induction(std::size_t seq_len = 16, std::size_t min_period = 3, std::size_t max_period = 7,
                        std::size_t symbols = 10);
  /// agreement: "the [adj] NOUN VERB the [adj] NOUN . PRONOUN", the pronoun ("it"/"they")
  /// agreeing with the first noun (the subject); the second is a distractor of either number.
  static Task agreement();
  /// By name: "copy", "reverse", "sort", "induction", "agreement" with the defaults above;
  /// std::invalid_argument naming the known ones otherwise.
  static Task by_name(const std::string& name);

  TaskKind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& vocab() const { return vocab_; }  ///< token names, by id
  std::size_t vocab_size() const { return vocab_.size(); }
  std::size_t seq_len() const { return seq_len_; }                  ///< T
  /// The token accuracy a trained model reaches (what the tests and the lesson aim for).
  double target_accuracy() const { return target_accuracy_; }
  /// One sentence on what the solving head does.
  const std::string& solution() const { return solution_; }
  /// The sequence the lesson shows the attention of: the same for every run (drawn from a fixed
  /// seed when the task is made).
  const TaskSequence& probe() const { return probe_; }

  /// Draws one sequence into inputs, targets, sources (each seq_len(); sources may be nullptr).
  void sample(Rng& rng, int* inputs, int* targets, int* sources) const;
  /// Draws `count` sequences, row after row.
  TaskSequence sample(Rng& rng, std::size_t count) const;

 private:
  Task(TaskKind kind, std::string name, std::string solution, std::vector<std::string> vocab, std::size_t seq_len,
       double target_accuracy);
  Task& with_probe();  ///< draws probe_ (last step of every factory)

  TaskKind kind_ = TaskKind::copy;
  std::string name_, solution_;
  std::vector<std::string> vocab_;
  std::size_t seq_len_ = 0, length_ = 0, symbols_ = 0, min_period_ = 0, max_period_ = 0;
  double target_accuracy_ = 1.0;
  TaskSequence probe_;
};

}  // namespace attn
