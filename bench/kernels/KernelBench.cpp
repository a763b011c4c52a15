//===- KernelBench.cpp - CPU kernel timings (compare torch_reference.py) --===//
//
// Single thread (OpenBLAS set to 1 thread), f32, the shapes of a GPT-2 small
// layer: GEMMs 768x768x768 and 1024x3072x768 (M x N x K), softmax and
// layer_norm over [8 * 1024, 768].
//
//===----------------------------------------------------------------------===//

#include "pxrt/kernels.h"

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

using namespace pxrt;
using namespace pxrt::cpu;

namespace {

std::vector<float> randomData(int64_t n) {
  std::mt19937 rng(0);
  std::normal_distribution<float> dist(0, 1);
  std::vector<float> data(n);
  for (float &x : data)
    x = dist(rng);
  return data;
}

void BM_Gemm(benchmark::State &state) {
  int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  setGemmThreads(1);
  std::vector<float> a = randomData(m * k), b = randomData(k * n), c(m * n);
  TensorView lhs = contiguousView(a.data(), DType::F32, {m, k});
  TensorView rhs = contiguousView(b.data(), DType::F32, {k, n});
  TensorView out = contiguousView(c.data(), DType::F32, {m, n});
  for (auto _ : state) {
    matmul(lhs, rhs, out);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Gemm)
    ->Args({768, 768, 768})
    ->Args({1024, 3072, 768})
    ->Unit(benchmark::kMillisecond);

constexpr int64_t kRows = 8 * 1024, kCols = 768;

void BM_Softmax(benchmark::State &state) {
  std::vector<float> x = randomData(kRows * kCols), y(x.size());
  TensorView in = contiguousView(x.data(), DType::F32, {kRows, kCols});
  TensorView out = contiguousView(y.data(), DType::F32, {kRows, kCols});
  for (auto _ : state) {
    softmax(in, -1, out);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * x.size() * sizeof(float));
}
BENCHMARK(BM_Softmax)->Unit(benchmark::kMillisecond);

void BM_LayerNorm(benchmark::State &state) {
  std::vector<float> x = randomData(kRows * kCols), y(x.size());
  std::vector<float> scale = randomData(kCols), bias = randomData(kCols);
  TensorView in = contiguousView(x.data(), DType::F32, {kRows, kCols});
  TensorView out = contiguousView(y.data(), DType::F32, {kRows, kCols});
  TensorView s = contiguousView(scale.data(), DType::F32, {kCols});
  TensorView b = contiguousView(bias.data(), DType::F32, {kCols});
  for (auto _ : state) {
    layerNorm(in, &s, &b, -1, 1e-5, out);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * 2 * x.size() * sizeof(float));
}
BENCHMARK(BM_LayerNorm)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
