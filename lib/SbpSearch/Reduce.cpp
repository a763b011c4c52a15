//===- Reduce.cpp - Node, edge and child elimination; merging -------------===//
//
// Every rewrite keeps the optimum: what a removed node contributes is
// minimized exactly for each choice of the nodes it touched, and the step
// is logged so unwind() can recover its argmin. Work is driven by queues
// of nodes whose degree changed, never by rescanning the graph.
//
//===----------------------------------------------------------------------===//

#include "WorkGraph.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <queue>
#include <tuple>

using namespace pxc::sbp_search;
using namespace pxc::sbp_search::detail;

namespace {

/// A merge the search may make when stuck. Tier 0 merges two neighbours of
/// the degree-3 node `pivot`, which then drops to degree 2 and is
/// eliminated; tier 1 merges the ends of a live edge, which may only help
/// later. The smallest (tier, product, ids) goes first.
struct MergeCandidate {
  int tier;
  int64_t product;
  int pivot;
  int a;
  int b;

  bool operator>(const MergeCandidate &other) const {
    return std::tie(tier, product, pivot, a, b) >
           std::tie(other.tier, other.product, other.pivot, other.a, other.b);
  }
};

class Reducer {
public:
  Reducer(WorkGraph &work, const SolveOptions &options, SolveStats &stats)
      : work(work), options(options), stats(stats) {}

  void run(const Graph &graph, double lambda);

private:
  int degree(int node) const {
    return static_cast<int>(work.nodes[node].adjacent.size());
  }
  bool isMerged(int node) const { return node >= work.numOriginal; }

  void push(int node);
  void drain();
  void eliminateChild(int v);
  void eliminateNode(int v);
  void noteMerges(int pivot);
  bool mergeNext();
  void merge(int a, int b);
  /// Adds edge u-v or, if one exists, sums `matrix` into it (edge
  /// elimination). `matrix` is |u| x |v|; `external` is used instead when
  /// given (an input edge, not copied).
  void addEdge(int u, int v, std::vector<double> matrix,
               const double *external = nullptr);

  WorkGraph &work;
  const SolveOptions &options;
  SolveStats &stats;
  // Degree <= 1 first: child elimination costs K^2, node elimination K^3,
  // and a chain then folds from its ends.
  std::deque<int> lowQueue, highQueue;
  std::vector<char> inLow, inHigh;
  std::priority_queue<MergeCandidate, std::vector<MergeCandidate>,
                      std::greater<>>
      candidates;
  /// Entries written and min-plus terms evaluated by merges and by
  /// eliminations next to merged nodes.
  int64_t mergeWork = 0;
};

} // namespace

void Reducer::run(const Graph &graph, double lambda) {
  work.numOriginal = graph.numNodes();
  work.nodes.resize(graph.numNodes());
  for (int node = 0; node < graph.numNodes(); ++node) {
    std::vector<double> cost = graph.nodeCost(node);
    if (lambda != 0)
      for (size_t c = 0; c < cost.size(); ++c)
        cost[c] += lambda * graph.nodeMemory(node)[c];
    work.nodes[node].cost = std::move(cost);
  }
  for (int index = 0; index < graph.numEdges(); ++index) {
    const Edge &e = graph.edge(index);
    addEdge(e.src, e.dst, {}, e.cost.data());
  }
  for (int node = 0; node < graph.numNodes(); ++node)
    push(node);
  do
    drain();
  while (mergeNext());
}

void Reducer::push(int node) {
  if (size_t(node) >= inLow.size()) {
    inLow.resize(node + 1, 0);
    inHigh.resize(node + 1, 0);
  }
  if (degree(node) <= 1) {
    if (!inLow[node]) {
      inLow[node] = 1;
      lowQueue.push_back(node);
    }
  } else if (!inHigh[node]) {
    inHigh[node] = 1;
    highQueue.push_back(node);
  }
}

void Reducer::drain() {
  while (!lowQueue.empty() || !highQueue.empty()) {
    int node;
    if (!lowQueue.empty()) {
      node = lowQueue.front();
      lowQueue.pop_front();
      inLow[node] = 0;
    } else {
      node = highQueue.front();
      highQueue.pop_front();
      inHigh[node] = 0;
    }
    if (!work.nodes[node].alive)
      continue;
    switch (degree(node)) {
    case 0: // Isolated: chosen by its own cost at the end.
      break;
    case 1:
      eliminateChild(node);
      break;
    case 2:
      eliminateNode(node);
      break;
    case 3:
      noteMerges(node);
      break;
    default:
      break;
    }
  }
}

void Reducer::addEdge(int u, int v, std::vector<double> matrix,
                      const double *external) {
  const double *added = external ? external : matrix.data();
  int e = work.findEdge(u, v);
  if (e >= 0) {
    WorkEdge &edge = work.edges[e];
    if (edge.owned.empty())
      edge.owned.assign(edge.external,
                        edge.external +
                            size_t(work.size(edge.u)) * edge.columns);
    int rows = work.size(u), columns = work.size(v);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < columns; ++j)
        edge.owned[edge.u == u ? size_t(i) * columns + j
                               : size_t(j) * rows + i] +=
            added[size_t(i) * columns + j];
    ++stats.edgeEliminations;
    return;
  }
  e = static_cast<int>(work.edges.size());
  WorkEdge edge;
  edge.u = u;
  edge.v = v;
  edge.columns = work.size(v);
  if (external)
    edge.external = external;
  else
    edge.owned = std::move(matrix);
  work.edges.push_back(std::move(edge));
  work.nodes[u].adjacent.push_back({v, e});
  work.nodes[v].adjacent.push_back({u, e});
  int64_t product = int64_t(work.size(u)) * work.size(v);
  if (product <= options.maxMergedCandidates)
    candidates.push({1, product, -1, std::min(u, v), std::max(u, v)});
}

void Reducer::eliminateChild(int v) {
  auto [parent, e] = work.nodes[v].adjacent[0];
  const std::vector<double> &cost = work.nodes[v].cost;
  int childSize = work.size(v);
  std::vector<double> matrix = work.oriented(e, parent);
  std::vector<double> &parentCost = work.nodes[parent].cost;
  for (size_t c = 0; c < parentCost.size(); ++c) {
    const double *row = &matrix[c * childSize];
    double best = kInfinity;
    for (int k = 0; k < childSize; ++k)
      best = std::min(best, cost[k] + row[k]);
    parentCost[c] += best;
  }
  work.removeEdge(e, /*keepMatrix=*/true);
  work.nodes[v].alive = false;
  work.steps.push_back({Step::Child, v, parent, -1, e, -1});
  ++stats.childEliminations;
  if (isMerged(parent) || isMerged(v))
    mergeWork += int64_t(parentCost.size()) * childSize;
  push(parent);
}

void Reducer::eliminateNode(int v) {
  auto [a, e1] = work.nodes[v].adjacent[0];
  auto [b, e2] = work.nodes[v].adjacent[1];
  int sizeA = work.size(a), sizeV = work.size(v), sizeB = work.size(b);
  std::vector<double> left = work.oriented(e1, a);
  std::vector<double> right = work.oriented(e2, v);
  const std::vector<double> &cost = work.nodes[v].cost;
  std::vector<double> compound(size_t(sizeA) * sizeB, kInfinity);
  for (int i = 0; i < sizeA; ++i) {
    double *out = &compound[size_t(i) * sizeB];
    for (int k = 0; k < sizeV; ++k) {
      double through = left[size_t(i) * sizeV + k] + cost[k];
      if (through == kInfinity)
        continue;
      const double *row = &right[size_t(k) * sizeB];
      for (int j = 0; j < sizeB; ++j)
        out[j] = std::min(out[j], through + row[j]);
    }
  }
  work.removeEdge(e1, /*keepMatrix=*/true);
  work.removeEdge(e2, /*keepMatrix=*/true);
  work.nodes[v].alive = false;
  work.steps.push_back({Step::Node, v, a, b, e1, e2});
  ++stats.nodeEliminations;
  if (isMerged(a) || isMerged(b) || isMerged(v))
    mergeWork += int64_t(sizeA) * sizeV * sizeB;
  addEdge(a, b, std::move(compound));
  push(a);
  push(b);
}

void Reducer::noteMerges(int pivot) {
  const auto &adjacent = work.nodes[pivot].adjacent;
  for (int x = 0; x < 3; ++x) {
    for (int y = x + 1; y < 3; ++y) {
      int a = adjacent[x].first, b = adjacent[y].first;
      int64_t product = int64_t(work.size(a)) * work.size(b);
      if (product <= options.maxMergedCandidates)
        candidates.push({0, product, pivot, std::min(a, b), std::max(a, b)});
    }
  }
}

bool Reducer::mergeNext() {
  while (!candidates.empty()) {
    MergeCandidate next = candidates.top();
    candidates.pop();
    const std::vector<WorkNode> &nodes = work.nodes;
    if (!nodes[next.a].alive || !nodes[next.b].alive)
      continue;
    if (next.tier == 0) {
      // Still the pivot's neighbours, the pivot still of degree 3?
      if (!nodes[next.pivot].alive || degree(next.pivot) != 3 ||
          work.findEdge(next.pivot, next.a) < 0 ||
          work.findEdge(next.pivot, next.b) < 0)
        continue;
    } else if (work.findEdge(next.a, next.b) < 0) {
      continue;
    }
    int64_t cost = next.product;
    for (int part : {next.a, next.b})
      for (auto [neighbour, e] : nodes[part].adjacent)
        cost += next.product * work.size(neighbour);
    if (mergeWork + cost > options.maxMergeWork)
      return false;
    mergeWork += cost;
    merge(next.a, next.b);
    return true;
  }
  return false;
}

void Reducer::merge(int a, int b) {
  int sizeA = work.size(a), sizeB = work.size(b);
  int merged = static_cast<int>(work.nodes.size());
  const std::vector<double> &costA = work.nodes[a].cost;
  const std::vector<double> &costB = work.nodes[b].cost;
  int between = work.findEdge(a, b);
  std::vector<double> cost(size_t(sizeA) * sizeB);
  for (int i = 0; i < sizeA; ++i)
    for (int j = 0; j < sizeB; ++j)
      cost[size_t(i) * sizeB + j] =
          costA[i] + costB[j] + (between >= 0 ? work.at(between, a, i, j) : 0);

  // Each edge of a part becomes an edge of the merged node whose row
  // (i, j) is the part's row i (or j).
  std::vector<std::pair<int, std::vector<double>>> newEdges;
  for (int part : {a, b}) {
    for (auto [neighbour, e] : work.nodes[part].adjacent) {
      if (neighbour == a || neighbour == b)
        continue;
      int columns = work.size(neighbour);
      std::vector<double> rows = work.oriented(e, part);
      std::vector<double> matrix(size_t(sizeA) * sizeB * columns);
      for (int i = 0; i < sizeA; ++i)
        for (int j = 0; j < sizeB; ++j)
          std::copy_n(&rows[size_t(part == a ? i : j) * columns], columns,
                      &matrix[(size_t(i) * sizeB + j) * columns]);
      newEdges.push_back({neighbour, std::move(matrix)});
    }
  }
  for (int part : {a, b}) {
    while (!work.nodes[part].adjacent.empty())
      work.removeEdge(work.nodes[part].adjacent.back().second,
                      /*keepMatrix=*/false);
    work.nodes[part].alive = false;
  }
  work.nodes.push_back({std::move(cost), {}, true});
  work.steps.push_back({Step::Merge, merged, a, b});
  ++stats.merges;
  for (auto &[neighbour, matrix] : newEdges)
    addEdge(merged, neighbour, std::move(matrix));
  push(merged);
  for (auto &entry : newEdges)
    push(entry.first);
}

WorkGraph pxc::sbp_search::detail::reduce(const Graph &graph, double lambda,
                                          const SolveOptions &options,
                                          SolveStats &stats) {
  WorkGraph work;
  Reducer(work, options, stats).run(graph, lambda);
  return work;
}
