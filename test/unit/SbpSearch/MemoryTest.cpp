//===- MemoryTest.cpp - The per-device memory limit -----------------------===//

#include "GraphGenerators.h"

#include <gtest/gtest.h>

using namespace pxc::sbp_search;

namespace {

/// Two independent layers: replicate (fast, big) or shard (slow, small).
Graph twoLayers() {
  Graph graph;
  graph.addNode({1, 3}, {100, 25});
  graph.addNode({1, 2}, {100, 25});
  return graph;
}

TEST(MemoryLimit, UnconstrainedWhenTheOptimumFits) {
  SolveOptions options;
  options.memoryLimit = 200;
  Result result = solve(twoLayers(), options);
  EXPECT_EQ(result.choice, (std::vector<int>{0, 0}));
  EXPECT_TRUE(result.feasible);
  EXPECT_EQ(result.stats.solves, 1);
  EXPECT_EQ(result.stats.lambda, 0);
}

TEST(MemoryLimit, ShardsTheCheapestLayerToFit) {
  SolveOptions options;
  options.memoryLimit = 150;
  Result result = solve(twoLayers(), options);
  EXPECT_EQ(result.choice, (std::vector<int>{0, 1}));
  EXPECT_EQ(result.cost, 3);
  EXPECT_EQ(result.memory, 125);
  EXPECT_TRUE(result.feasible);
  EXPECT_GT(result.stats.solves, 1);
}

TEST(MemoryLimit, InfeasibleReportsTheMinimumMemory) {
  SolveOptions options;
  options.memoryLimit = 49;
  Result result = solve(twoLayers(), options);
  EXPECT_FALSE(result.feasible);
  EXPECT_EQ(result.memory, 50);
  EXPECT_EQ(result.choice, (std::vector<int>{1, 1}));
}

TEST(MemoryLimit, LimitExactlyAtTheMinimum) {
  SolveOptions options;
  options.memoryLimit = 50;
  Result result = solve(twoLayers(), options);
  EXPECT_TRUE(result.feasible);
  EXPECT_EQ(result.memory, 50);
  EXPECT_EQ(result.cost, 5);
}

TEST(MemoryLimit, MinimumMemoryTiesGoToTheCheaperCandidate) {
  Graph graph;
  graph.addNode({5, 4, 1}, {10, 1, 1});
  SolveOptions options;
  options.memoryLimit = 0;
  Result result = solve(graph, options);
  EXPECT_FALSE(result.feasible);
  EXPECT_EQ(result.choice, (std::vector<int>{2}));
}

// The weighted search is a heuristic: it must always fit when anything
// fits, never beat the constrained optimum, and usually match it.
TEST(MemoryLimit, AgainstBruteForceOnRandomGraphs) {
  int instances = 0, optimal = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    gen::Builder builder(seed, 1, 4);
    builder.maxMemory = 100;
    if (seed % 2)
      gen::residualBlocks(builder, 2);
    else
      gen::randomDag(builder, 8, 2, 8);
    const Graph &graph = builder.graph;
    Result unconstrained = solve(graph);
    double least = bruteForce(graph, 0).memory; // min memory, infeasible
    if (unconstrained.memory <= least)
      continue;
    SolveOptions options;
    options.memoryLimit = least + (unconstrained.memory - least) * 0.5;
    Result expected = bruteForce(graph, options.memoryLimit);
    Result result = solve(graph, options);
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_TRUE(expected.feasible);
    ASSERT_TRUE(result.feasible);
    EXPECT_LE(result.memory, options.memoryLimit);
    EXPECT_GE(result.cost, expected.cost - 1e-9);
    ++instances;
    optimal += result.cost <= expected.cost + 1e-9;
  }
  EXPECT_GT(instances, 200);
  EXPECT_GE(optimal, instances * 8 / 10);
  std::cout << optimal << " of " << instances
            << " constrained instances optimal\n";
}

} // namespace
