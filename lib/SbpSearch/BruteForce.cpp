//===- BruteForce.cpp - Exact search by enumeration -----------------------===//
//
// Depth-first over nodes in index order, adding each node's cost and its
// edges to earlier nodes as it is fixed. The first strictly better leaf
// wins, so ties go to the lexicographically smallest choice.
//
//===----------------------------------------------------------------------===//

#include "WorkGraph.h"

#include <algorithm>

using namespace pxc::sbp_search;
using namespace pxc::sbp_search::detail;

namespace {

class Enumerator {
public:
  Enumerator(const Graph &graph, double memoryLimit);
  void visit(int node, double cost, double memory);

  std::vector<int> bestChoice;
  double bestCost = kInfinity;

private:
  const Graph &graph;
  double memoryLimit;
  /// Edges from each node to lower-numbered ones (ends >= 0 are sources).
  std::vector<std::vector<int>> earlierEdges;
  /// Least memory the nodes from index i on can still add.
  std::vector<double> memoryAfter;
  /// With no negative entry, a partial cost already at the best is pruned.
  bool nonNegative = true;
  std::vector<int> choice;
};

} // namespace

Enumerator::Enumerator(const Graph &graph, double memoryLimit)
    : graph(graph), memoryLimit(memoryLimit), earlierEdges(graph.numNodes()),
      memoryAfter(graph.numNodes() + 1, 0), choice(graph.numNodes(), 0) {
  for (int index = 0; index < graph.numEdges(); ++index) {
    const Edge &e = graph.edge(index);
    earlierEdges[std::max(e.src, e.dst)].push_back(index);
    for (double value : e.cost)
      nonNegative &= value >= 0;
  }
  for (int node = graph.numNodes() - 1; node >= 0; --node) {
    double least = kInfinity;
    for (int c = 0; c < graph.numCandidates(node); ++c) {
      least = std::min(least, graph.nodeMemory(node)[c]);
      nonNegative &= graph.nodeCost(node)[c] >= 0;
    }
    memoryAfter[node] = memoryAfter[node + 1] + least;
  }
}

void Enumerator::visit(int node, double cost, double memory) {
  if (memory + memoryAfter[node] > memoryLimit)
    return;
  if (nonNegative && !bestChoice.empty() && cost >= bestCost)
    return;
  if (node == graph.numNodes()) {
    if (bestChoice.empty() || cost < bestCost) {
      bestChoice = choice;
      bestCost = cost;
    }
    return;
  }
  for (int c = 0; c < graph.numCandidates(node); ++c) {
    choice[node] = c;
    double next = cost + graph.nodeCost(node)[c];
    for (int index : earlierEdges[node]) {
      const Edge &e = graph.edge(index);
      next += e.cost[size_t(choice[e.src]) * graph.numCandidates(e.dst) +
                     choice[e.dst]];
    }
    visit(node + 1, next, memory + graph.nodeMemory(node)[c]);
  }
}

Result pxc::sbp_search::bruteForce(const Graph &graph, double memoryLimit) {
  Enumerator enumerator(graph, memoryLimit);
  enumerator.visit(0, 0, 0);
  std::vector<int> choice = enumerator.bestChoice.empty()
                                ? minimumMemoryChoice(graph)
                                : std::move(enumerator.bestChoice);
  Result result;
  result.cost = totalCost(graph, choice);
  result.memory = totalMemory(graph, choice);
  result.feasible = result.cost != kInfinity && result.memory <= memoryLimit;
  result.choice = std::move(choice);
  result.stats.exact = true;
  return result;
}
