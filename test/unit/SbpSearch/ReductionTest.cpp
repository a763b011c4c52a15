//===- ReductionTest.cpp - Each elimination rule, merging, fallbacks ------===//

#include "GraphGenerators.h"

#include <gtest/gtest.h>

using namespace pxc::sbp_search;

namespace {

/// Solves, checks the result is self-consistent and matches brute force.
Result solveAndCheck(const Graph &graph, const SolveOptions &options = {}) {
  Result result = solve(graph, options);
  EXPECT_EQ(result.choice.size(), size_t(graph.numNodes()));
  for (int node = 0; node < graph.numNodes(); ++node) {
    EXPECT_GE(result.choice[node], 0);
    EXPECT_LT(result.choice[node], graph.numCandidates(node));
  }
  EXPECT_EQ(result.cost, totalCost(graph, result.choice));
  Result exact = bruteForce(graph);
  if (exact.cost == kInfinity)
    EXPECT_EQ(result.cost, kInfinity);
  else if (result.stats.exact)
    EXPECT_NEAR(result.cost, exact.cost, 1e-9);
  else
    EXPECT_GE(result.cost, exact.cost - 1e-9);
  return result;
}

/// Every node pair joined; with k candidates and random costs.
Graph complete(int nodes, int k, uint64_t seed) {
  gen::Builder builder(seed, k, k);
  for (int i = 0; i < nodes; ++i)
    builder.node();
  for (int i = 0; i < nodes; ++i)
    for (int j = i + 1; j < nodes; ++j)
      builder.edge(i, j);
  return builder.graph;
}

TEST(Reduction, EmptyGraph) {
  Result result = solve(Graph());
  EXPECT_TRUE(result.choice.empty());
  EXPECT_EQ(result.cost, 0);
  EXPECT_TRUE(result.feasible);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, IsolatedNodesTakeTheirCheapestCandidate) {
  Graph graph;
  graph.addNode({3, 1, 2});
  graph.addNode({5});
  graph.addNode({0, 0}); // tie: lowest index
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(result.cost, 6);
  EXPECT_EQ(result.stats.childEliminations + result.stats.nodeEliminations, 0);
}

TEST(Reduction, ChildElimination) {
  // A star: every leaf folds into the centre.
  gen::Builder builder(1, 3, 3);
  int centre = builder.node();
  for (int i = 0; i < 4; ++i)
    builder.op({centre});
  Result result = solveAndCheck(builder.graph);
  EXPECT_EQ(result.stats.childEliminations, 4);
  EXPECT_EQ(result.stats.nodeEliminations, 0);
  EXPECT_EQ(result.stats.edgeEliminations, 0);
  EXPECT_EQ(result.stats.merges, 0);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, ChildEliminationPicksTheArgmin) {
  // The parent is fixed; the child must follow the cheapest edge entry.
  Graph graph;
  int parent = graph.addNode({0});
  int child = graph.addNode({1, 1, 1});
  graph.addEdge(parent, child, {5, 0.5, 2});
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{0, 1}));
  EXPECT_EQ(result.cost, 1.5);
}

TEST(Reduction, NodeElimination) {
  // In a triangle node 0 has degree 2: its two edges become one compound
  // edge 1-2, summed into the existing edge 1-2; node 1 then folds into 2.
  gen::Builder builder(2, 4, 4);
  int a = builder.node(), b = builder.node(), c = builder.node();
  builder.edge(a, b);
  builder.edge(b, c);
  builder.edge(c, a);
  Result result = solveAndCheck(builder.graph);
  EXPECT_EQ(result.stats.nodeEliminations, 1);
  EXPECT_EQ(result.stats.edgeEliminations, 1);
  EXPECT_EQ(result.stats.childEliminations, 1);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, NodeEliminationPicksTheArgminThroughTheMiddle) {
  // Ends fixed; the middle (first in the queue) pays its cost plus both
  // edges. The edge a-b keeps both ends at degree >= 1 after it goes.
  Graph graph;
  int v = graph.addNode({1, 0, 3});
  int a = graph.addNode({0});
  int b = graph.addNode({0});
  graph.addEdge(a, v, {0, 2, 0});
  graph.addEdge(v, b, {0, 0, 0});
  graph.addEdge(a, b, {10});
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(result.cost, 11);
  EXPECT_EQ(result.stats.nodeEliminations, 1);
}

TEST(Reduction, EdgeElimination) {
  // An op using three results of another: three parallel edges.
  gen::Builder builder(3, 3, 4);
  int producer = builder.node(), consumer = builder.node();
  for (int i = 0; i < 3; ++i)
    builder.edge(producer, consumer);
  builder.edge(consumer, producer); // and one the other way round
  Result result = solveAndCheck(builder.graph);
  EXPECT_EQ(result.stats.edgeEliminations, 3);
  EXPECT_EQ(result.stats.childEliminations, 1);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, ParallelEdgesAddUp) {
  Graph graph;
  int a = graph.addNode({0, 0});
  int b = graph.addNode({0, 0});
  // Each edge alone prefers (0, 0); together (1, 1) is cheaper.
  graph.addEdge(a, b, {0, 9, 9, 1});
  graph.addEdge(b, a, {0, 9, 9, 1});
  graph.addEdge(a, b, {3, 9, 9, 0});
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{1, 1}));
  EXPECT_EQ(result.cost, 2);
}

TEST(Reduction, MergeUnblocksADegreeThreeNode) {
  // K4: every node has degree 3; merging two neighbours of one lets it go.
  Result result = solveAndCheck(complete(4, 4, 4));
  EXPECT_GE(result.stats.merges, 1);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, MergeAdjacentNodesWhenNoNodeHasDegreeThree) {
  // K5: every node has degree 4, so only an edge merge applies at first.
  Result result = solveAndCheck(complete(5, 3, 5));
  EXPECT_GE(result.stats.merges, 1);
  EXPECT_TRUE(result.stats.exact);
}

TEST(Reduction, CappedMergesFallBackToGreedy) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Graph graph = complete(5, 4, seed);
    SolveOptions noMerge;
    noMerge.maxMergedCandidates = 15; // below 4 x 4
    Result greedy = solveAndCheck(graph, noMerge);
    EXPECT_EQ(greedy.stats.merges, 0);
    EXPECT_FALSE(greedy.stats.exact);
    EXPECT_EQ(greedy.stats.residualNodes, 5);

    SolveOptions noWork;
    noWork.maxMergeWork = 0;
    Result budget = solveAndCheck(graph, noWork);
    EXPECT_EQ(budget.stats.merges, 0);
    EXPECT_EQ(budget.choice, greedy.choice);
  }
}

TEST(Reduction, FixedNodesAndForbiddenPairs) {
  // A user constraint fixes the middle; the only finite path goes through
  // candidate 2 of the first node.
  Graph graph;
  int a = graph.addNode({0, 0, 5});
  int fixed = graph.addNode({1});
  int c = graph.addNode({kInfinity, 2});
  graph.addEdge(a, fixed, {kInfinity, kInfinity, 0});
  graph.addEdge(fixed, c, {0, 0});
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.choice, (std::vector<int>{2, 0, 1}));
  EXPECT_EQ(result.cost, 8);
  EXPECT_TRUE(result.feasible);
}

TEST(Reduction, NoFiniteAssignment) {
  Graph graph;
  int a = graph.addNode({0, 0});
  int b = graph.addNode({0, 0});
  graph.addEdge(a, b, {kInfinity, kInfinity, kInfinity, kInfinity});
  Result result = solveAndCheck(graph);
  EXPECT_EQ(result.cost, kInfinity);
  EXPECT_FALSE(result.feasible);
}

TEST(Reduction, GreedyWalksOutOfForbiddenCombinations) {
  // No merge allowed; any two nodes both on candidate 0 is forbidden, so
  // at most one node may take its cheap candidate.
  Graph graph;
  for (int i = 0; i < 5; ++i)
    graph.addNode({0, 10});
  for (int i = 0; i < 5; ++i)
    for (int j = i + 1; j < 5; ++j)
      graph.addEdge(i, j, {kInfinity, 0, 0, 0});
  SolveOptions options;
  options.maxMergedCandidates = 1;
  Result result = solveAndCheck(graph, options);
  EXPECT_FALSE(result.stats.exact);
  EXPECT_EQ(result.cost, 40);
  EXPECT_TRUE(result.feasible);
}

TEST(Reduction, Deterministic) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    gen::Builder builder(seed, 2, 6);
    builder.forbidden = 0.05;
    gen::randomDag(builder, 2000, 3, 20);
    Result first = solve(builder.graph);
    Result second = solve(builder.graph);
    EXPECT_EQ(first.choice, second.choice);
    EXPECT_EQ(first.cost, second.cost);
    EXPECT_EQ(first.stats.merges, second.stats.merges);
    EXPECT_EQ(first.stats.refinementMoves, second.stats.refinementMoves);
  }
}

} // namespace
