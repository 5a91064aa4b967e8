// Native benchmarks of the core's kernels (Google Benchmark):
//   matmul: the simple i-p-j loop the core started with (kept here as `reference`) against the
//           blocked, register-tiled attn::matmul, and against the fused path's projections (B
//           packed once; 0, 1 or 2 Strassen steps);
//   attention: causal multi-head forward, materialised (attn::multihead_attention, every T×T step
//           kept) against fused (attn::FusedAttention, tiles and an online softmax).
// Read the ratios within one run: the machine is shared. Counters: GFLOP/s.
#include <benchmark/benchmark.h>

#include "attn/attention.hpp"
#include "attn/fused.hpp"
#include "attn/init.hpp"
#include "attn/random.hpp"
#include "kernels.hpp"

namespace {

using namespace attn;

/// The core's first matmul, kept as the baseline: i-p-j, the inner loop along rows of b.
Matrix reference(const Matrix& a, const Matrix& b) {
  const std::size_t n = a.shape(0), k = a.shape(1), m = b.shape(1);
  Matrix out = xt::zeros<float>({n, m});
  for (std::size_t i = 0; i < n; ++i) {
    float* out_row = &out(i, 0);
    for (std::size_t p = 0; p < k; ++p) {
      const float a_ip = a(i, p);
      const float* b_row = &b(p, 0);
      for (std::size_t j = 0; j < m; ++j) out_row[j] += a_ip * b_row[j];
    }
  }
  return out;
}

Matrix random(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed, Stream::demo);
  return uniform_matrix(rng, rows, cols, -1.0f, 1.0f);
}

void set_gflops(benchmark::State& state, double flop) {
  state.counters["GFLOP/s"] = benchmark::Counter(flop * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// (T, d): X (T, d) · W (d, d), the shape of a projection.
template <Matrix (*product)(const Matrix&, const Matrix&)>
void bm_matmul(benchmark::State& state) {
  const auto T = static_cast<std::size_t>(state.range(0)), d = static_cast<std::size_t>(state.range(1));
  const Matrix a = random(T, d, 1), b = random(d, d, 2);
  for (auto _ : state) benchmark::DoNotOptimize(product(a, b));
  set_gflops(state, 2.0 * T * d * d);
}
BENCHMARK_TEMPLATE(bm_matmul, reference)->Args({128, 256})->Args({512, 768})->Args({1024, 768})->Unit(benchmark::kMillisecond)->Name("matmul/reference");
BENCHMARK_TEMPLATE(bm_matmul, matmul)->Args({128, 256})->Args({512, 768})->Args({1024, 768})->Unit(benchmark::kMillisecond)->Name("matmul/blocked");

// (T, d, steps): the same product as FusedAttention's projections take it, W packed once with
// `steps` Strassen steps (0: blocked). GFLOP/s counts 2·T·d² whatever the steps multiply.
void bm_matmul_packed(benchmark::State& state) {
  const auto T = static_cast<std::size_t>(state.range(0)), d = static_cast<std::size_t>(state.range(1)),
             steps = static_cast<std::size_t>(state.range(2));
  const Matrix a = random(T, d, 1), b = random(d, d, 2);
  const detail::StrassenPacked packed = detail::pack_strassen(b.data(), d, d, d, steps);
  detail::StrassenWork work;
  Matrix out = xt::zeros<float>({T, d});
  for (auto _ : state) {
    detail::gemm_strassen(a.data(), d, T, packed, out.data(), d, false, work);
    benchmark::DoNotOptimize(out.data());
  }
  set_gflops(state, 2.0 * T * d * d);
}
BENCHMARK(bm_matmul_packed)->Args({512, 768, 0})->Args({512, 768, 1})->Args({512, 768, 2})->Args({1024, 768, 0})->Args({1024, 768, 2})->Unit(benchmark::kMillisecond)->Name("matmul/packed_strassen");

double attention_flop(double T, double d) { return 8 * T * d * d + 2 * d * T * (T + 1); }

// (T, d_model, num_heads)
void bm_attention_materialised(benchmark::State& state) {
  const auto T = static_cast<std::size_t>(state.range(0)), d = static_cast<std::size_t>(state.range(1)),
             heads = static_cast<std::size_t>(state.range(2));
  Rng rng(3, Stream::weights);
  const MultiHeadWeights weights = draw_multihead(rng, d, d, false);
  const Matrix inputs = random(T, d, 4);
  for (auto _ : state) {
    Trace trace(false);
    benchmark::DoNotOptimize(multihead_attention(inputs, weights, heads, true, Dropout{}, trace));
  }
  set_gflops(state, attention_flop(T, d));
}

void bm_attention_fused(benchmark::State& state) {
  const auto T = static_cast<std::size_t>(state.range(0)), d = static_cast<std::size_t>(state.range(1)),
             heads = static_cast<std::size_t>(state.range(2));
  Rng rng(3, Stream::weights);
  FusedAttention fused(d, d, heads);
  fused.set_weights(draw_multihead(rng, d, d, false));
  const Matrix inputs = random(T, d, 4);
  Matrix context_vecs = xt::zeros<float>({T, d});
  for (auto _ : state) {
    fused.forward(inputs.data(), T, context_vecs.data());
    benchmark::DoNotOptimize(context_vecs.data());
  }
  set_gflops(state, attention_flop(T, d));
}
BENCHMARK(bm_attention_materialised)->Args({128, 256, 4})->Args({512, 768, 12})->Args({1024, 768, 12})->Unit(benchmark::kMillisecond)->Name("attention/materialised");
BENCHMARK(bm_attention_fused)->Args({128, 256, 4})->Args({512, 768, 12})->Args({1024, 768, 12})->Unit(benchmark::kMillisecond)->Name("attention/fused");

}  // namespace

BENCHMARK_MAIN();
