// Native benchmarks of the trainable GPT (attn::Gpt<float>, Google Benchmark): training steps per
// second at the three configurations TensorFlow.js-wasm was measured at in Chromium (issue 14:
// 41, 6.0 and 1.3 steps/s), and where a step's time goes.
//   train/step      a whole step: forward, backward, clip_grad_norm, AdamW
//   train/forward   only the forward's time (of whole steps), likewise backward and update
// Args: vocab_size, T, emb_dim, n_heads, n_layers, batch. Tokens and targets are drawn once.
#include <benchmark/benchmark.h>

#include <chrono>

#include "attn/random.hpp"
#include "attn/train.hpp"

namespace {

using namespace attn;

enum class Phase { step, forward, backward, update };

template <Phase phase>
void bm_train(benchmark::State& state) {
  GptConfig config;
  config.vocab_size = static_cast<std::size_t>(state.range(0));
  config.context_length = static_cast<std::size_t>(state.range(1));
  config.emb_dim = static_cast<std::size_t>(state.range(2));
  config.n_heads = static_cast<std::size_t>(state.range(3));
  config.n_layers = static_cast<std::size_t>(state.range(4));
  const auto batch = static_cast<std::size_t>(state.range(5)), T = config.context_length;
  Gpt<float> model(config, batch);
  model.init(1);
  AdamW adamw(model.parameters().size(), AdamWConfig{});
  Rng rng(2, Stream::demo);
  std::vector<int> tokens(batch * T), targets(batch * T);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = static_cast<int>(rng.next_u64() % config.vocab_size);
    targets[i] = static_cast<int>(rng.next_u64() % config.vocab_size);
  }
  using clock = std::chrono::steady_clock;
  for (auto _ : state) {
    const auto t0 = clock::now();
    benchmark::DoNotOptimize(model.forward(tokens.data(), targets.data(), batch, T));
    const auto t1 = clock::now();
    model.backward();
    const auto t2 = clock::now();
    clip_grad_norm(model.gradients().data(), model.gradients().size(), 1.0f);
    adamw.step(model.parameters().data(), model.gradients().data(), 1e-4f);
    const auto t3 = clock::now();
    const auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };
    switch (phase) {
      case Phase::step: state.SetIterationTime(seconds(t3 - t0)); break;
      case Phase::forward: state.SetIterationTime(seconds(t1 - t0)); break;
      case Phase::backward: state.SetIterationTime(seconds(t2 - t1)); break;
      case Phase::update: state.SetIterationTime(seconds(t3 - t2)); break;
    }
  }
  state.counters["per s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// the tfjs configurations: (16, 16, 32, 2, 2, 32), (16, 32, 64, 4, 2, 32), (64, 64, 128, 4, 2, 16)
void configurations(benchmark::internal::Benchmark* b) {
  b->Args({16, 16, 32, 2, 2, 32})->Args({16, 32, 64, 4, 2, 32})->Args({64, 64, 128, 4, 2, 16});
  b->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK_TEMPLATE(bm_train, Phase::step)->Apply(configurations)->Name("train/step");
BENCHMARK_TEMPLATE(bm_train, Phase::forward)->Apply(configurations)->Name("train/forward");
BENCHMARK_TEMPLATE(bm_train, Phase::backward)->Apply(configurations)->Name("train/backward");
BENCHMARK_TEMPLATE(bm_train, Phase::update)->Apply(configurations)->Name("train/update");

}  // namespace

BENCHMARK_MAIN();
