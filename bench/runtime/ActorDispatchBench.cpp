//===- ActorDispatchBench.cpp - Runtime overheads -------------------------===//
//
// The engine's cost per act (a chain of actors doing nothing), a stream's
// round trip, and local all-reduces between threads.
//
//===----------------------------------------------------------------------===//

#include "pxrt/actor.h"
#include "pxrt/comm.h"

#include <benchmark/benchmark.h>

#include <map>
#include <mutex>

using namespace pxrt;

namespace {

constexpr int kChainLength = 8;
constexpr int64_t kPieces = 1000;

/// Seconds per act, from acts per iteration.
benchmark::Counter perAct(int64_t acts) {
  return benchmark::Counter(static_cast<double>(acts),
                            benchmark::Counter::kIsIterationInvariantRate |
                                benchmark::Counter::kInvert);
}

// Arguments: register count, 0 (every actor on one stream) or 1 (one
// stream per actor: every act crosses threads).
void BM_ActorChain(benchmark::State &state) {
  int count = static_cast<int>(state.range(0));
  bool streamPerActor = state.range(1) != 0;
  ActorGraph graph(kChainLength * 64 * count);
  int previous = -1;
  for (int i = 0; i < kChainLength; ++i) {
    std::vector<int> inputs, outputs;
    if (previous >= 0)
      inputs.push_back(previous);
    if (i + 1 < kChainLength) {
      previous = graph.addRegister("r" + std::to_string(i), 64, count,
                                   static_cast<size_t>(i) * 64 * count);
      outputs.push_back(previous);
    }
    graph.addActor("a" + std::to_string(i),
                   streamPerActor ? "s" + std::to_string(i) : "compute", inputs,
                   outputs, [](ActContext &) {});
  }
  for (auto _ : state)
    graph.run(kPieces);
  state.counters["act"] = perAct(kChainLength * kPieces);
}
BENCHMARK(BM_ActorChain)
    ->ArgNames({"count", "streamPerActor"})
    ->Args({1, 0})
    ->Args({4, 0})
    ->Args({1, 1})
    ->Args({4, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_StreamRoundTrip(benchmark::State &state) {
  Stream stream("s");
  for (auto _ : state) {
    stream.enqueue([] {});
    stream.synchronize();
  }
}
BENCHMARK(BM_StreamRoundTrip)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// One job per size, shared by the benchmark's threads (one per rank).
LocalJob &jobOf(int size) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<LocalJob>> jobs;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<LocalJob> &job = jobs[size];
  if (!job)
    job = std::make_unique<LocalJob>(size, 60);
  return *job;
}

// Argument: f32 elements. Every benchmark thread is a rank and all run the
// same number of iterations, so the collectives match.
void BM_LocalAllReduce(benchmark::State &state) {
  size_t count = static_cast<size_t>(state.range(0));
  Communicator &comm = jobOf(state.threads()).world(state.thread_index());
  Stream stream("comm");
  std::vector<float> data(count, 1.0f);
  for (auto _ : state) {
    comm.allReduce(data.data(), data.data(), count, DType::F32, ReduceOp::Max,
                   stream);
    stream.synchronize();
  }
  state.SetBytesProcessed(state.iterations() * count * sizeof(float));
}
BENCHMARK(BM_LocalAllReduce)
    ->ArgName("floats")
    ->Arg(16)
    ->Arg(256 * 1024) // 1 MiB
    ->Threads(2)
    ->Threads(4)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
