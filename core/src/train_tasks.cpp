#include "attn/train_tasks.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace attn {

namespace {

constexpr std::size_t kMaxSeqLen = 128;  ///< a task's T: the stream of T + 1 tokens fits on the stack
constexpr std::size_t kMaxSymbols = 26;

/// A draw in [0, n): the top bits of one 64-bit draw times n (portable, no division bias worth a
/// loop at these n).
std::size_t draw_below(Rng& rng, std::size_t n) {
  return static_cast<std::size_t>((rng.next_u64() >> 32) * static_cast<std::uint64_t>(n) >> 32);
}

std::vector<std::string> letters(std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
  return names;
}

void check_range(const char* field, std::size_t value, std::size_t lo, std::size_t hi) {
  if (value < lo || value > hi)
    throw std::invalid_argument(std::string("task: ") + field + " must be in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + std::to_string(value));
}

/// Token ids of the agreement grammar.
namespace words {
constexpr int pad = 0, the = 1, noun = 2 /* 4 singular, then their 4 plurals */, verb = 10, adj = 13, stop = 16,
              it = 17, they = 18;
}

}  // namespace

Task::Task(TaskKind kind, std::string name, std::string solution, std::vector<std::string> vocab, std::size_t seq_len,
           double target_accuracy)
    : kind_(kind),
      name_(std::move(name)),
      solution_(std::move(solution)),
      vocab_(std::move(vocab)),
      seq_len_(seq_len),
      target_accuracy_(target_accuracy) {}

Task Task::copy(std::size_t length, std::size_t symbols) {
  check_range("length", length, 1, kMaxSeqLen / 2);
  check_range("symbols", symbols, 2, kMaxSymbols);
  std::vector<std::string> vocab = letters(symbols);
  vocab.push_back("|");
  Task task(TaskKind::copy, "copy", "after the separator, a head attends exactly L tokens back: the token to copy",
            vocab, 2 * length, 0.95);
  task.length_ = length;
  task.symbols_ = symbols;
  return task.with_probe();
}

Task Task::reverse(std::size_t length, std::size_t symbols) {
  Task task = copy(length, symbols);
  task.kind_ = TaskKind::reverse;
  task.name_ = "reverse";
  task.solution_ = "after the separator, a head attends along the anti-diagonal: output k reads input L − k";
  return task.with_probe();
}

Task Task::sort(std::size_t length, std::size_t numbers) {
  check_range("length", length, 1, kMaxSeqLen / 2);
  check_range("numbers", numbers, length, kMaxSymbols);
  std::vector<std::string> vocab;
  for (std::size_t i = 0; i < numbers; ++i) vocab.push_back(std::to_string(i));
  vocab.push_back("|");
  Task task(TaskKind::sort, "sort", "each output attends to the smallest input larger than the token it reads", vocab,
            2 * length, 0.9);
  task.length_ = length;
  task.symbols_ = numbers;
  return task.with_probe();
}

Task Task::induction(std::size_t seq_len, std::size_t min_period, std::size_t max_period, std::size_t symbols) {
  check_range("seq_len", seq_len, 2, kMaxSeqLen);
  check_range("max_period", max_period, 1, std::min(seq_len - 1, kMaxSymbols));
  check_range("min_period", min_period, 1, max_period);
  check_range("symbols", symbols, max_period, kMaxSymbols);
  Task task(TaskKind::induction, "induction",
            "layer 1: a head attends to the previous token; layer 2: a head attends to the token after the "
            "last occurrence of the current one",
            letters(symbols), seq_len, 0.9);
  task.symbols_ = symbols;
  task.min_period_ = min_period;
  task.max_period_ = max_period;
  return task.with_probe();
}

Task Task::agreement() {
  // seq_len 8: the longest sentence, 9 tokens, less its last (only a target)
  return Task(TaskKind::agreement, "agreement",
              "at the full stop, a head attends to the subject noun: its number picks 'it' or 'they'",
              {"<pad>", "the", "cat", "dog", "bird", "fox", "cats", "dogs", "birds", "foxes", "saw", "chased", "liked",
               "big", "small", "old", ".", "it", "they"},
              8, 0.95)
      .with_probe();
}

Task Task::by_name(const std::string& name) {
  if (name == "copy") return copy();
  if (name == "reverse") return reverse();
  if (name == "sort") return sort();
  if (name == "induction") return induction();
  if (name == "agreement") return agreement();
  throw std::invalid_argument("task: unknown name '" + name.substr(0, 40) +
                              "' (known: copy, reverse, sort, induction, agreement)");
}

void Task::sample(Rng& rng, int* inputs, int* targets, int* sources) const {
  const std::size_t T = seq_len_, L = length_;
  std::array<int, kMaxSeqLen + 1> stream{};  // the T + 1 tokens; inputs[t] = stream[t], targets[t] = stream[t + 1]
  std::array<int, kMaxSeqLen + 1> source{};
  std::fill(source.begin(), source.end(), -1);
  std::size_t scored_from = T, scored_to = T;  // targets[t] scored for t in [scored_from, scored_to)
  const int separator = static_cast<int>(symbols_);
  switch (kind_) {
    case TaskKind::copy:
    case TaskKind::reverse:
      for (std::size_t i = 0; i < L; ++i) stream[i] = static_cast<int>(draw_below(rng, symbols_));
      stream[L] = separator;
      for (std::size_t k = 0; k < L; ++k) {  // output k (at position L + 1 + k), predicted from L + k
        const std::size_t from = kind_ == TaskKind::copy ? k : L - 1 - k;
        stream[L + 1 + k] = stream[from];
        source[L + k] = static_cast<int>(from);
      }
      scored_from = L;
      break;
    case TaskKind::sort: {
      std::array<int, kMaxSymbols> numbers{};
      for (std::size_t i = 0; i < symbols_; ++i) numbers[i] = static_cast<int>(i);
      for (std::size_t i = 0; i < L; ++i)  // the first L of a Fisher–Yates shuffle: distinct numbers
        std::swap(numbers[i], numbers[i + draw_below(rng, symbols_ - i)]);
      std::copy(numbers.begin(), numbers.begin() + static_cast<std::ptrdiff_t>(L), stream.begin());
      stream[L] = separator;
      std::copy(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(L), stream.begin() + L + 1);
      std::sort(stream.begin() + static_cast<std::ptrdiff_t>(L) + 1, stream.begin() + static_cast<std::ptrdiff_t>(2 * L) + 1);
      for (std::size_t k = 0; k < L; ++k)
        source[L + k] = static_cast<int>(std::find(stream.begin(), stream.begin() + L, stream[L + 1 + k]) - stream.begin());
      scored_from = L;
      break;
    }
    case TaskKind::induction: {
      const std::size_t P = min_period_ + draw_below(rng, max_period_ - min_period_ + 1);
      std::array<int, kMaxSymbols> letters_left{};
      for (std::size_t i = 0; i < symbols_; ++i) letters_left[i] = static_cast<int>(i);
      for (std::size_t i = 0; i < P; ++i) std::swap(letters_left[i], letters_left[i + draw_below(rng, symbols_ - i)]);
      for (std::size_t i = 0; i <= T; ++i) stream[i] = letters_left[i % P];
      // from t ≥ P the current token occurred P back; the token after it, at t − P + 1, comes next
      for (std::size_t t = P; t < T; ++t) source[t] = static_cast<int>(t - P + 1);
      scored_from = P;
      break;
    }
    case TaskKind::agreement: {
      std::size_t n = 0;
      stream[n++] = words::the;
      if (draw_below(rng, 2)) stream[n++] = words::adj + static_cast<int>(draw_below(rng, 3));
      const bool plural = draw_below(rng, 2) == 1;
      const std::size_t subject = n;
      stream[n++] = words::noun + static_cast<int>(draw_below(rng, 4)) + (plural ? 4 : 0);
      stream[n++] = words::verb + static_cast<int>(draw_below(rng, 3));
      stream[n++] = words::the;
      if (draw_below(rng, 2)) stream[n++] = words::adj + static_cast<int>(draw_below(rng, 3));
      stream[n++] = words::noun + static_cast<int>(draw_below(rng, 8));  // the distractor, either number
      const std::size_t stop = n;
      stream[n++] = words::stop;
      stream[n++] = plural ? words::they : words::it;
      for (; n <= T; ++n) stream[n] = words::pad;
      source[stop] = static_cast<int>(subject);
      scored_from = stop;
      scored_to = stop + 1;
      break;
    }
  }
  for (std::size_t t = 0; t < T; ++t) {
    const bool scored = t >= scored_from && t < scored_to;
    inputs[t] = stream[t];
    targets[t] = scored ? stream[t + 1] : -1;
    if (sources) sources[t] = scored ? source[t] : -1;
  }
}

Task& Task::with_probe() {
  Rng rng(0x70726F6265ull /* "probe" */, Stream::demo);
  probe_ = sample(rng, 1);
  return *this;
}

TaskSequence Task::sample(Rng& rng, std::size_t count) const {
  TaskSequence out;
  out.inputs.resize(count * seq_len_);
  out.targets.resize(count * seq_len_);
  out.sources.resize(count * seq_len_);
  for (std::size_t s = 0; s < count; ++s)
    sample(rng, &out.inputs[s * seq_len_], &out.targets[s * seq_len_], &out.sources[s * seq_len_]);
  return out;
}

}  // namespace attn
