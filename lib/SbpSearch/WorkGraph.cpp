//===- WorkGraph.cpp - Edge access and unwinding --------------------------===//

#include "WorkGraph.h"

#include <algorithm>

using namespace pxc::sbp_search;
using namespace pxc::sbp_search::detail;

std::vector<double> WorkGraph::oriented(int e, int from) const {
  const WorkEdge &edge = edges[e];
  int other = from == edge.u ? edge.v : edge.u;
  int rows = size(from), columns = size(other);
  const double *data = edge.data();
  if (from == edge.u)
    return std::vector<double>(data, data + size_t(rows) * columns);
  std::vector<double> result(size_t(rows) * columns);
  for (int r = 0; r < columns; ++r)
    for (int c = 0; c < rows; ++c)
      result[size_t(c) * columns + r] = data[size_t(r) * rows + c];
  return result;
}

int WorkGraph::findEdge(int u, int v) const {
  // Scan the shorter list: hubs (a tensor used by every layer) are common.
  if (nodes[u].adjacent.size() > nodes[v].adjacent.size())
    std::swap(u, v);
  for (auto [neighbour, e] : nodes[u].adjacent)
    if (neighbour == v)
      return e;
  return -1;
}

static void unlink(std::vector<std::pair<int, int>> &adjacent, int e) {
  auto it = std::find_if(adjacent.begin(), adjacent.end(),
                         [&](const auto &entry) { return entry.second == e; });
  adjacent.erase(it);
}

void WorkGraph::removeEdge(int e, bool keepMatrix) {
  WorkEdge &edge = edges[e];
  edge.alive = false;
  unlink(nodes[edge.u].adjacent, e);
  unlink(nodes[edge.v].adjacent, e);
  if (!keepMatrix)
    std::vector<double>().swap(edge.owned);
}

/// Lowest index of the least value; the expressions must match the ones
/// the eliminations minimized, term for term, to find their argmin.
template <typename F> static int argmin(int count, F value) {
  int best = 0;
  double bestValue = value(0);
  for (int k = 1; k < count; ++k) {
    double v = value(k);
    if (v < bestValue) {
      best = k;
      bestValue = v;
    }
  }
  return best;
}

void pxc::sbp_search::detail::unwind(const WorkGraph &work,
                                     std::vector<int> &choice) {
  for (auto it = work.steps.rbegin(); it != work.steps.rend(); ++it) {
    const Step &step = *it;
    const std::vector<double> &cost = work.nodes[step.node].cost;
    switch (step.kind) {
    case Step::Merge: {
      int partB = work.size(step.b);
      choice[step.a] = choice[step.node] / partB;
      choice[step.b] = choice[step.node] % partB;
      break;
    }
    case Step::Node: {
      int ca = choice[step.a], cb = choice[step.b];
      choice[step.node] = argmin(work.size(step.node), [&](int k) {
        return (work.at(step.e1, step.a, ca, k) + cost[k]) +
               work.at(step.e2, step.node, k, cb);
      });
      break;
    }
    case Step::Child: {
      int ca = choice[step.a];
      choice[step.node] = argmin(work.size(step.node), [&](int k) {
        return cost[k] + work.at(step.e1, step.a, ca, k);
      });
      break;
    }
    }
  }
}
