//===- Solve.cpp - Search under a memory limit ----------------------------===//
//
// The limit is met through a Lagrangian weight: minimize
// cost + lambda * memory, growing lambda geometrically until the choice
// fits, then bisecting between the last weight that did not fit and the
// first that did. Each choice that fits is then improved by single-node
// moves that stay within the limit (a weighted optimum need not be the
// constrained one), and the cheapest is kept. A heuristic, but the result
// fits whenever anything does.
//
//===----------------------------------------------------------------------===//

#include "WorkGraph.h"

#include <cassert>
#include <cmath>
#include <deque>

using namespace pxc::sbp_search;
using namespace pxc::sbp_search::detail;

static Result evaluate(const Graph &graph, std::vector<int> choice,
                       const SolveStats &stats, double memoryLimit) {
  Result result;
  result.cost = totalCost(graph, choice);
  result.memory = totalMemory(graph, choice);
  result.feasible = result.cost != kInfinity && result.memory <= memoryLimit;
  result.choice = std::move(choice);
  result.stats = stats;
  return result;
}

static Result solveWeighted(const Graph &graph, double lambda,
                            const SolveOptions &options) {
  SolveStats stats;
  stats.lambda = lambda;
  WorkGraph work = reduce(graph, lambda, options, stats);
  std::vector<int> choice(work.nodes.size(), -1);
  chooseResidual(work, options, choice, stats);
  unwind(work, choice);
  choice.resize(graph.numNodes());
  return evaluate(graph, std::move(choice), stats, options.memoryLimit);
}

/// Single-node moves on the input graph that lower the cost and keep the
/// memory within `limit`, until none is left.
static void improveWithinLimit(const Graph &graph, std::vector<int> &choice,
                               double limit) {
  std::vector<std::vector<int>> incident(graph.numNodes());
  for (int index = 0; index < graph.numEdges(); ++index) {
    incident[graph.edge(index).src].push_back(index);
    incident[graph.edge(index).dst].push_back(index);
  }
  auto local = [&](int node, int c) {
    Score score;
    score.add(graph.nodeCost(node)[c]);
    for (int index : incident[node]) {
      const Edge &e = graph.edge(index);
      int src = e.src == node ? c : choice[e.src];
      int dst = e.dst == node ? c : choice[e.dst];
      score.add(e.cost[size_t(src) * graph.numCandidates(e.dst) + dst]);
    }
    return score;
  };
  double memory = totalMemory(graph, choice);
  std::deque<int> queue;
  std::vector<char> queued(graph.numNodes(), 1);
  for (int node = 0; node < graph.numNodes(); ++node)
    queue.push_back(node);
  while (!queue.empty()) {
    int node = queue.front();
    queue.pop_front();
    queued[node] = 0;
    const std::vector<double> &nodeMemory = graph.nodeMemory(node);
    int current = choice[node], best = current;
    Score bestScore = local(node, current);
    for (int c = 0; c < graph.numCandidates(node); ++c) {
      double after = memory - nodeMemory[current] + nodeMemory[c];
      Score score = local(node, c);
      if (after <= limit && score.improves(bestScore)) {
        best = c;
        bestScore = score;
      }
    }
    if (best == current)
      continue;
    memory += nodeMemory[best] - nodeMemory[current];
    choice[node] = best;
    for (int index : incident[node]) {
      int other = graph.edge(index).src == node ? graph.edge(index).dst
                                                : graph.edge(index).src;
      if (!queued[other]) {
        queued[other] = 1;
        queue.push_back(other);
      }
    }
  }
}

Result pxc::sbp_search::solve(const Graph &graph, const SolveOptions &options) {
#ifndef NDEBUG
  std::string error;
  assert(graph.verify(error) && "solve() needs a graph that verifies");
#endif
  const double limit = options.memoryLimit;
  Result unweighted = solveWeighted(graph, 0, options);
  int solves = 1;
  auto finish = [&](Result result) {
    result.stats.solves = solves;
    return result;
  };
  if (unweighted.memory <= limit)
    return finish(std::move(unweighted));

  // Memory adds up over nodes, so its minimum is exact.
  Result best =
      evaluate(graph, minimumMemoryChoice(graph), SolveStats{}, limit);
  if (best.memory > limit)
    return finish(std::move(best));

  // Keeps the cheapest of what fits, after improving it within the limit.
  auto consider = [&](Result result) {
    if (result.memory > limit)
      return false;
    std::vector<int> choice = result.choice;
    improveWithinLimit(graph, choice, limit);
    Result improved = evaluate(graph, std::move(choice), result.stats, limit);
    // The running memory sum may round differently from a fresh one.
    if (improved.memory <= limit && improved.cost < result.cost)
      result = std::move(improved);
    if (result.cost < best.cost)
      best = std::move(result);
    return true;
  };
  consider(best);
  // Start where memory is worth 1% of the unweighted plan's time.
  double scale = std::isfinite(unweighted.cost) && unweighted.cost > 0
                     ? unweighted.cost
                     : 1.0;
  double lambda = 0.01 * scale / unweighted.memory;
  double low = 0, high = -1;
  while (high < 0 && solves < options.maxLambdaSolves) {
    ++solves;
    if (consider(solveWeighted(graph, lambda, options)))
      high = lambda;
    else
      low = lambda, lambda *= 4;
  }
  // Bisect down to 0.1% of the weight.
  while (high > 0 && high - low > 1e-3 * high &&
         solves < options.maxLambdaSolves) {
    double middle = 0.5 * (low + high);
    ++solves;
    if (consider(solveWeighted(graph, middle, options)))
      high = middle;
    else
      low = middle;
  }
  return finish(std::move(best));
}
