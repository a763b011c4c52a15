//===- SbpSearchBench.cpp - Time solve() on large SBP graphs --------------===//
//
// Chains, transformer layers (residual fan-out and fan-in, weights as
// leaves) and random DAGs of 1k, 10k and 100k nodes with 8-16 candidates
// per node. Graphs are built once, outside the timed loop. Run:
//
//   bench-sbp-search --benchmark_repetitions=5
//                    --benchmark_report_aggregates_only=true
//
//===----------------------------------------------------------------------===//

#include "GraphGenerators.h"

#include <benchmark/benchmark.h>

#include <map>
#include <memory>

using namespace pxc::sbp_search;

namespace {

enum Shape { Chain, Transformer, RandomDag };

const Graph &graphFor(Shape shape, int nodes) {
  static std::map<std::pair<int, int>, std::unique_ptr<Graph>> cache;
  std::unique_ptr<Graph> &slot = cache[{shape, nodes}];
  if (!slot) {
    gen::Builder builder(uint64_t(shape) * 1000003 + nodes, 8, 16);
    builder.maxMemory = 1000;
    switch (shape) {
    case Chain:
      gen::chain(builder, nodes);
      break;
    case Transformer:
      gen::transformer(builder, nodes / 20);
      break;
    case RandomDag:
      gen::randomDag(builder, nodes, 3, 16);
      break;
    }
    slot = std::make_unique<Graph>(std::move(builder.graph));
  }
  return *slot;
}

/// `memoryShare` < 1 limits memory to that share of the unconstrained
/// plan's.
void run(benchmark::State &state, Shape shape, double memoryShare) {
  const Graph &graph = graphFor(shape, int(state.range(0)));
  SolveOptions options;
  if (memoryShare < 1)
    options.memoryLimit = memoryShare * solve(graph).memory;
  Result result;
  for (auto _ : state)
    benchmark::DoNotOptimize(result = solve(graph, options));
  state.counters["nodes"] = graph.numNodes();
  state.counters["edges"] = graph.numEdges();
  state.counters["merges"] = double(result.stats.merges);
  state.counters["residual"] = double(result.stats.residualNodes);
  state.counters["solves"] = result.stats.solves;
  // The plan against a random one, as a sanity check on quality.
  state.counters["vsRandom"] =
      result.cost / totalCost(graph, randomChoice(graph, 1));
}

void sizes(benchmark::internal::Benchmark *b) {
  b->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(run, chain, Chain, 1.0)->Apply(sizes);
BENCHMARK_CAPTURE(run, transformer, Transformer, 1.0)->Apply(sizes);
BENCHMARK_CAPTURE(run, random_dag, RandomDag, 1.0)->Apply(sizes);
// The memory weight search: several solves per run.
BENCHMARK_CAPTURE(run, transformer_memory90, Transformer, 0.9)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
