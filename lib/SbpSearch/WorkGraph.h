//===- WorkGraph.h - The SBP graph as the solver rewrites it ----*- C++ -*-===//
//
// Internal to PXCSbpSearch. One solve copies the node costs (weighted by
// memory), then eliminates and merges nodes, logging each step so that the
// choices of the nodes still standing can be unwound to every node.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_LIB_SBPSEARCH_WORKGRAPH_H
#define PXC_LIB_SBPSEARCH_WORKGRAPH_H

#include "pxc/SbpSearch/SbpGraph.h"

#include <cmath>
#include <utility>
#include <vector>

namespace pxc::sbp_search::detail {

/// Rows follow u's candidates, columns v's. The matrix is the input
/// graph's (`external`) until an edge elimination needs a copy (`owned`).
struct WorkEdge {
  int u;
  int v;
  int columns;
  const double *external = nullptr;
  std::vector<double> owned;
  bool alive = true;

  const double *data() const { return owned.empty() ? external : owned.data(); }
};

struct WorkNode {
  std::vector<double> cost;
  /// (neighbour, edge); at most one live edge per neighbour.
  std::vector<std::pair<int, int>> adjacent;
  bool alive = true;
};

/// A reduction step. Child: `node` folded into `a` through edge e1. Node:
/// `node` between `a` (edge e1) and `b` (edge e2). Merge: `node` made of
/// `a` x `b` (candidate i * |b| + j).
struct Step {
  enum Kind { Child, Node, Merge } kind;
  int node;
  int a;
  int b = -1;
  int e1 = -1;
  int e2 = -1;
};

struct WorkGraph {
  std::vector<WorkNode> nodes;
  std::vector<WorkEdge> edges;
  std::vector<Step> steps;
  /// Nodes below this index are the input graph's; the rest are merges.
  int numOriginal = 0;

  int size(int node) const { return static_cast<int>(nodes[node].cost.size()); }
  /// Entry of edge `e` for candidate `c` of endpoint `from` and candidate
  /// `other` of the other endpoint.
  double at(int e, int from, int c, int other) const {
    const WorkEdge &edge = edges[e];
    return from == edge.u ? edge.data()[c * edge.columns + other]
                          : edge.data()[other * edge.columns + c];
  }
  /// Edge `e` as a row-major |from| x |other| matrix.
  std::vector<double> oriented(int e, int from) const;
  /// The live edge joining u and v, or -1.
  int findEdge(int u, int v) const;
  /// Kills edge `e`; keeps its matrix when a step still needs it.
  void removeEdge(int e, bool keepMatrix);
};

/// Eliminates and merges until nothing applies (see docs/sbp-search.md);
/// node costs are cost + lambda * memory.
WorkGraph reduce(const Graph &graph, double lambda, const SolveOptions &options,
                 SolveStats &stats);
/// Chooses the live nodes of a reduced graph: exactly if no edge is left,
/// else greedily with refinement. `choice` is indexed by work node.
void chooseResidual(const WorkGraph &work, const SolveOptions &options,
                    std::vector<int> &choice, SolveStats &stats);
/// Undoes the steps in reverse, choosing every node from the live ones.
void unwind(const WorkGraph &work, std::vector<int> &choice);

/// A local objective for greedy moves: +infinity terms are counted first,
/// so a search walks out of forbidden combinations before it minimizes
/// time.
struct Score {
  int64_t infinities = 0;
  double sum = 0;

  void add(double value) {
    if (value == kInfinity)
      ++infinities;
    else
      sum += value;
  }
  Score operator+(const Score &other) const {
    return {infinities + other.infinities, sum + other.sum};
  }
  bool operator<(const Score &other) const {
    return infinities < other.infinities ||
           (infinities == other.infinities && sum < other.sum);
  }
  /// Better by more than rounding: a move must lower the exact total, so
  /// local search cannot cycle.
  bool improves(const Score &current) const {
    return infinities < current.infinities ||
           (infinities == current.infinities &&
            sum < current.sum - 1e-12 * std::fabs(current.sum));
  }
};

/// Per node the least memory (ties: least cost, then lowest index); exact
/// since memory is a sum over nodes.
std::vector<int> minimumMemoryChoice(const Graph &graph);

} // namespace pxc::sbp_search::detail

#endif // PXC_LIB_SBPSEARCH_WORKGRAPH_H
