//===- GraphTest.cpp - Graph checks, totals, random plans, brute force ----===//

#include "GraphGenerators.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace pxc::sbp_search;

namespace {

std::string verifyError(const Graph &graph) {
  std::string error;
  return graph.verify(error) ? "" : error;
}

TEST(SbpGraph, VerifyAcceptsWellFormedGraph) {
  Graph graph;
  int a = graph.addNode({1, 2}, {10, 20});
  int b = graph.addNode({kInfinity, 0, -1});
  graph.addEdge(a, b, {0, 1, 2, 3, 4, kInfinity});
  EXPECT_EQ(verifyError(graph), "");
  EXPECT_EQ(graph.nodeMemory(b), (std::vector<double>{0, 0, 0}));
}

TEST(SbpGraph, VerifyNamesTheOffender) {
  {
    Graph graph;
    graph.addNode({});
    EXPECT_EQ(verifyError(graph), "node 0 has no candidate");
  }
  {
    Graph graph;
    graph.addNode({1, 2}, {1});
    EXPECT_EQ(verifyError(graph), "node 0 has 1 memories for 2 candidates");
  }
  {
    Graph graph;
    graph.addNode({std::nan("")});
    EXPECT_EQ(verifyError(graph), "node 0 has an invalid cost (NaN or -inf)");
  }
  {
    Graph graph;
    graph.addNode({-kInfinity});
    EXPECT_EQ(verifyError(graph), "node 0 has an invalid cost (NaN or -inf)");
  }
  {
    Graph graph;
    graph.addNode({1}, {-1});
    EXPECT_EQ(verifyError(graph),
              "node 0 has a memory that is not finite and >= 0");
  }
  {
    Graph graph;
    graph.addNode({1});
    graph.addEdge(0, 1, {0});
    EXPECT_EQ(verifyError(graph), "edge 0 has an endpoint out of range");
  }
  {
    Graph graph;
    graph.addNode({1});
    graph.addEdge(0, 0, {0});
    EXPECT_EQ(verifyError(graph), "edge 0 is a self-loop");
  }
  {
    Graph graph;
    graph.addNode({1, 2});
    graph.addNode({1, 2, 3});
    graph.addEdge(0, 1, {0, 0, 0});
    EXPECT_EQ(verifyError(graph), "edge 0 has 3 entries, expected 6");
  }
  {
    Graph graph;
    graph.addNode({1});
    graph.addNode({1});
    graph.addEdge(0, 1, {std::nan("")});
    EXPECT_EQ(verifyError(graph), "edge 0 has an invalid cost (NaN or -inf)");
  }
}

TEST(SbpGraph, TotalsCountEveryEdge) {
  Graph graph;
  int a = graph.addNode({1, 2}, {100, 50});
  int b = graph.addNode({10, 20, 30}, {1, 2, 3});
  graph.addEdge(a, b, {0, 1, 2, 3, 4, 5});
  graph.addEdge(a, b, {0, 10, 20, 30, 40, 50}); // a second use of a
  std::vector<int> choice = {1, 2};
  EXPECT_EQ(totalCost(graph, choice), 2 + 30 + 5 + 50);
  EXPECT_EQ(totalMemory(graph, choice), 50 + 3);
}

TEST(SbpGraph, RandomChoiceIsSeededAndAvoidsForbiddenCandidates) {
  gen::Builder builder(7, 1, 8);
  builder.forbidden = 0.3;
  gen::chain(builder, 200);
  const Graph &graph = builder.graph;
  std::vector<int> first = randomChoice(graph, 42);
  EXPECT_EQ(first, randomChoice(graph, 42));
  EXPECT_NE(first, randomChoice(graph, 43));
  for (int node = 0; node < graph.numNodes(); ++node) {
    ASSERT_GE(first[node], 0);
    ASSERT_LT(first[node], graph.numCandidates(node));
    const std::vector<double> &cost = graph.nodeCost(node);
    bool anyFinite = std::any_of(cost.begin(), cost.end(),
                                 [](double v) { return v != kInfinity; });
    if (anyFinite) {
      EXPECT_NE(cost[first[node]], kInfinity) << "node " << node;
    }
  }
}

// splitmix64 gives these on every platform; a change here changes the
// plans of every test that draws one.
TEST(SbpGraph, RandomChoiceIsPinned) {
  Graph graph;
  for (int k : {2, 3, 5, 8, 1})
    graph.addNode(std::vector<double>(k, 1.0));
  EXPECT_EQ(randomChoice(graph, 0), (std::vector<int>{1, 0, 4, 4, 0}));
}

TEST(SbpGraph, RandomChoiceIsRoughlyUniform) {
  Graph graph;
  for (int node = 0; node < 4000; ++node)
    graph.addNode(std::vector<double>(4, 0.0));
  std::vector<int> counts(4, 0);
  for (int c : randomChoice(graph, 1))
    ++counts[c];
  for (int count : counts)
    EXPECT_NEAR(count, 1000, 120);
}

TEST(BruteForce, FindsTheKnownOptimum) {
  // Two matmuls: splitting both the same way avoids any boxing.
  Graph graph;
  int a = graph.addNode({1, 3});
  int b = graph.addNode({3, 1});
  graph.addEdge(a, b, {0, 5, 5, 0});
  Result result = bruteForce(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{0, 0}));
  EXPECT_EQ(result.cost, 4);
  EXPECT_TRUE(result.feasible);
}

TEST(BruteForce, BreaksTiesLexicographically) {
  Graph graph;
  graph.addNode({1, 1, 1});
  graph.addNode({2, 2});
  EXPECT_EQ(bruteForce(graph).choice, (std::vector<int>{0, 0}));
}

TEST(BruteForce, HonoursTheMemoryLimit) {
  Graph graph;
  graph.addNode({1, 5}, {10, 1});
  graph.addNode({1, 5}, {10, 1});
  EXPECT_EQ(bruteForce(graph, 20).cost, 2);
  EXPECT_EQ(bruteForce(graph, 11).cost, 6);
  EXPECT_EQ(bruteForce(graph, 2).cost, 10);
  Result none = bruteForce(graph, 1);
  EXPECT_FALSE(none.feasible);
  EXPECT_EQ(none.memory, 2);
}

} // namespace
