// The core's kernels timed one by one inside WebAssembly (bench/wasm_kernels.mjs builds and runs
// it, in Chromium or Node): where FastAttention's forward spends its time, and how fast the
// micro-kernel runs with everything in L1. Not part of the module; a measuring tool.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "attn/fused.hpp"
#include "kernels.hpp"

namespace {

using namespace attn;
using namespace attn::detail;

std::vector<float> uniform(std::size_t n, std::uint32_t seed) {
  std::vector<float> out(n);
  for (auto& x : out) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed) / 4294967296.0f * 2.0f - 1.0f;
  }
  return out;
}

/// Milliseconds per call of f, the fastest of `samples` samples of `reps` calls each.
template <class F>
double best_ms(int samples, int reps, F&& f) {
  double best = 1e300;
  for (int s = 0; s < samples; ++s) {
    const double t0 = emscripten_get_now();
    for (int r = 0; r < reps; ++r) f();
    best = std::min(best, (emscripten_get_now() - t0) / reps);
  }
  return best;
}

volatile float sink;

}  // namespace

namespace {

/// One strip of R rows (depth k) against `panels` panels, `reps` times, everything in L1.
template <std::size_t R>
__attribute__((noinline)) void strip_times_panels(const float* strip, const float* block, int k, int panels, float* C,
                                                  int reps) {
  for (int r = 0; r < reps; ++r)
    for (int q = 0; q < panels; ++q)
      micro_kernel<R>(strip, block + q * k * kPanel, k, C + q * kPanel, kPanel * panels, R, kPanel, true);
}

template <std::size_t R>
double kernel_rate(int k, int panels, int reps) {
  const auto strip = uniform(R * std::size_t(k), 9), block = uniform(kPanel * std::size_t(k) * panels, 10);
  std::vector<float> C(R * kPanel * std::size_t(panels));
  const double ms = best_ms(5, 1, [&] { strip_times_panels<R>(strip.data(), block.data(), k, panels, C.data(), reps); });
  sink = C[0];
  return 2.0 * R * kPanel * k * panels * reps / (ms * 1e6);
}

}  // namespace

extern "C" {

/// C (T, m) = X (T, k) · W (k, m), W packed once: ms per product, with `steps` Strassen steps (T,
/// k, m divisible by 2^steps), as the forward's projections take at large sizes.
EMSCRIPTEN_KEEPALIVE double time_gemm(int T, int k, int m, int samples, int steps) {
  const auto X = uniform(std::size_t(T) * k, 1), W = uniform(std::size_t(k) * m, 2);
  std::vector<float> C(std::size_t(T) * m);
  const StrassenPacked packed = pack_strassen(W.data(), m, k, m, steps);
  StrassenWork work;
  const double ms = best_ms(samples, 1, [&] { gemm_strassen(X.data(), k, T, packed, C.data(), m, false, work); });
  sink = C[0];
  return ms;
}

/// The Strassen steps FusedAttention's X·W_qkv takes at (T, d, d).
EMSCRIPTEN_KEEPALIVE int strassen_steps(int T, int d) {
  FusedAttention fused(d, d, 1);
  const auto W = uniform(std::size_t(d) * d, 3), b = uniform(d, 4);
  fused.set_weights(W.data(), W.data(), W.data(), W.data(), b.data());
  return static_cast<int>(fused.strassen_steps(T));
}

/// FusedAttention::forward for (T, d_model, heads): ms per call.
EMSCRIPTEN_KEEPALIVE double time_forward(int T, int d, int heads, int samples) {
  FusedAttention fused(d, d, heads);
  const auto Wq = uniform(std::size_t(d) * d, 3), Wk = uniform(std::size_t(d) * d, 4), Wv = uniform(std::size_t(d) * d, 5),
             Wo = uniform(std::size_t(d) * d, 6), b = uniform(d, 7), X = uniform(std::size_t(T) * d, 8);
  fused.set_weights(Wq.data(), Wk.data(), Wv.data(), Wo.data(), b.data());
  std::vector<float> Y(std::size_t(T) * d);
  const double ms = best_ms(samples, 1, [&] { fused.forward(X.data(), T, Y.data()); });
  sink = Y[0];
  return ms;
}


/// The micro-kernel alone, in L1, with `rows` rows (4, 5 or 6; R·2 accumulators): GFLOP/s. (V8 has
/// no on-stack replacement for wasm: a loop that starts in the baseline tier stays there, so the
/// work is in a function called many times.)
EMSCRIPTEN_KEEPALIVE double kernel_gflops(int rows, int k, int panels, int reps) {
  return rows == 6 ? kernel_rate<6>(k, panels, reps) : rows == 5 ? kernel_rate<5>(k, panels, reps) : kernel_rate<4>(k, panels, reps);
}
}  // extern "C"
