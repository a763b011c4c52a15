//===- SbpGraph.h - SBP graph and its search --------------------*- C++ -*-===//
//
// The graph px-auto-sbp searches: one node per op with its candidate N-D
// SBP signatures (each with a compute time and a per-device memory), and
// one edge per use of a produced tensor with the boxing time of every
// (producer candidate, consumer candidate) pair. solve() picks one
// candidate per node minimizing the total time, OneFlow auto_parallel
// style (see docs/sbp-search.md). Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_SBPSEARCH_SBPGRAPH_H
#define PXC_SBPSEARCH_SBPGRAPH_H

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pxc::sbp_search {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// An edge from `src` to `dst`; `cost` is row-major
/// numCandidates(src) x numCandidates(dst). +infinity forbids a pair.
struct Edge {
  int src;
  int dst;
  std::vector<double> cost;
};

class Graph {
public:
  /// Adds a node with cost.size() candidates and returns its index.
  /// `memory` (bytes per device, one per candidate) may be left empty for
  /// zeros. A single candidate fixes the node; +infinity forbids one.
  int addNode(std::vector<double> cost, std::vector<double> memory = {});
  /// Adds an edge and returns its index. Several edges may join the same
  /// pair of nodes (an op using two results of another).
  int addEdge(int src, int dst, std::vector<double> cost);

  int numNodes() const { return static_cast<int>(costs.size()); }
  int numEdges() const { return static_cast<int>(edgeList.size()); }
  int numCandidates(int node) const {
    return static_cast<int>(costs[node].size());
  }
  const std::vector<double> &nodeCost(int node) const { return costs[node]; }
  const std::vector<double> &nodeMemory(int node) const {
    return memories[node];
  }
  const Edge &edge(int index) const { return edgeList[index]; }

  /// Checks what solve() relies on: at least one candidate per node,
  /// matching sizes, valid endpoints, no self-loops, no NaN or -infinity.
  /// Returns false and a message naming the first offender otherwise.
  bool verify(std::string &error) const;

private:
  std::vector<std::vector<double>> costs;
  std::vector<std::vector<double>> memories;
  std::vector<Edge> edgeList;
};

struct SolveOptions {
  /// Hard limit on the sum of the chosen candidates' memories (bytes per
  /// device), met through a Lagrangian weight on memory.
  double memoryLimit = kInfinity;
  /// Largest candidate count of a node made by merging two nodes.
  int maxMergedCandidates = 1024;
  /// Work merging may cause over one reduction: matrix entries written
  /// and min-plus terms evaluated by merges and by eliminations next to
  /// merged nodes. Past it the rest is chosen greedily.
  int64_t maxMergeWork = int64_t(1) << 22;
  /// Solves spent searching the memory weight when over the limit.
  int maxLambdaSolves = 40;
  /// Rounds of single-node plus node-pair moves on what did not reduce.
  int maxRefinementRounds = 16;
};

struct SolveStats {
  int64_t nodeEliminations = 0;
  int64_t edgeEliminations = 0;
  int64_t childEliminations = 0;
  int64_t merges = 0;
  /// Nodes left when reduction stopped, chosen greedily (0 if exact).
  int64_t residualNodes = 0;
  /// Node choices changed by greedy refinement.
  int64_t refinementMoves = 0;
  /// Full solves run (1 unless the memory weight was searched).
  int solves = 0;
  /// Memory weight (seconds per byte) of the solve that gave the choice;
  /// 0 also when the minimum-memory plan won.
  double lambda = 0;
  /// That solve reduced the graph completely: its choice was optimal for
  /// its weighted cost (before any move made to fit the memory limit).
  bool exact = false;
};

struct Result {
  /// One candidate index per node.
  std::vector<int> choice;
  /// Sum of chosen node costs plus chosen edge entries.
  double cost = kInfinity;
  /// Sum of chosen node memories.
  double memory = 0;
  /// cost is finite and memory is within the limit.
  bool feasible = false;
  SolveStats stats;
};

/// Picks one candidate per node minimizing the total cost under
/// options.memoryLimit. Deterministic. The graph must verify().
Result solve(const Graph &graph, const SolveOptions &options = {});

/// Exact optimum under `memoryLimit` by enumerating every assignment (ties:
/// the lexicographically smallest choice). For small graphs only.
Result bruteForce(const Graph &graph, double memoryLimit = kInfinity);

/// A random candidate per node, uniform among the node's candidates of
/// finite cost (all of them if none is), the same for the same seed on
/// every platform.
std::vector<int> randomChoice(const Graph &graph, uint64_t seed);

/// Sum of chosen node costs plus chosen edge entries.
double totalCost(const Graph &graph, const std::vector<int> &choice);
/// Sum of chosen node memories.
double totalMemory(const Graph &graph, const std::vector<int> &choice);

} // namespace pxc::sbp_search

#endif // PXC_SBPSEARCH_SBPGRAPH_H
