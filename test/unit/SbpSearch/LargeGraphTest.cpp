//===- LargeGraphTest.cpp - 100k-node graphs complete ---------------------===//
//
// No timing assertions: each solve must finish and give a valid, finite
// assignment whose reported cost is its real cost.
//
//===----------------------------------------------------------------------===//

#include "GraphGenerators.h"

#include <gtest/gtest.h>

using namespace pxc::sbp_search;

namespace {

void checkValid(const Graph &graph, const Result &result) {
  ASSERT_EQ(result.choice.size(), size_t(graph.numNodes()));
  for (int node = 0; node < graph.numNodes(); ++node) {
    ASSERT_GE(result.choice[node], 0);
    ASSERT_LT(result.choice[node], graph.numCandidates(node));
  }
  EXPECT_EQ(result.cost, totalCost(graph, result.choice));
  EXPECT_TRUE(result.feasible);
}

TEST(LargeGraphs, Chain) {
  gen::Builder builder(1, 8, 16);
  gen::chain(builder, 100000);
  Result result = solve(builder.graph);
  checkValid(builder.graph, result);
  EXPECT_TRUE(result.stats.exact);
}

TEST(LargeGraphs, Transformer) {
  gen::Builder builder(2, 8, 16);
  gen::transformer(builder, 5000);
  Result result = solve(builder.graph);
  checkValid(builder.graph, result);
  EXPECT_TRUE(result.stats.exact);
  EXPECT_EQ(result.stats.merges, 0);
}

TEST(LargeGraphs, RandomDag) {
  gen::Builder builder(3, 8, 16);
  gen::randomDag(builder, 100000, 3, 16);
  Result result = solve(builder.graph);
  checkValid(builder.graph, result);
  // Better than a random plan by far.
  EXPECT_LT(result.cost,
            0.8 * totalCost(builder.graph, randomChoice(builder.graph, 1)));
}

TEST(LargeGraphs, TransformerUnderAMemoryLimit) {
  gen::Builder builder(4, 8, 16);
  builder.maxMemory = 1000;
  gen::transformer(builder, 500);
  Result unconstrained = solve(builder.graph);
  SolveOptions options;
  options.memoryLimit = 0.9 * unconstrained.memory;
  Result result = solve(builder.graph, options);
  checkValid(builder.graph, result);
  EXPECT_LE(result.memory, options.memoryLimit);
  EXPECT_GE(result.cost, unconstrained.cost);
}

} // namespace
