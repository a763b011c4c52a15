//===- Graph.cpp - SBP graph construction, checks and totals --------------===//

#include "WorkGraph.h"

#include <cmath>

using namespace pxc::sbp_search;

int Graph::addNode(std::vector<double> cost, std::vector<double> memory) {
  if (memory.empty())
    memory.assign(cost.size(), 0.0);
  costs.push_back(std::move(cost));
  memories.push_back(std::move(memory));
  return numNodes() - 1;
}

int Graph::addEdge(int src, int dst, std::vector<double> cost) {
  edgeList.push_back({src, dst, std::move(cost)});
  return numEdges() - 1;
}

/// NaN breaks every comparison; -infinity would make inf - inf sums.
static bool isValidCost(double value) {
  return !std::isnan(value) && value != -kInfinity;
}

bool Graph::verify(std::string &error) const {
  for (int node = 0; node < numNodes(); ++node) {
    std::string name = "node " + std::to_string(node);
    if (costs[node].empty()) {
      error = name + " has no candidate";
      return false;
    }
    if (memories[node].size() != costs[node].size()) {
      error = name + " has " + std::to_string(memories[node].size()) +
              " memories for " + std::to_string(costs[node].size()) +
              " candidates";
      return false;
    }
    for (size_t c = 0; c < costs[node].size(); ++c) {
      if (!isValidCost(costs[node][c])) {
        error = name + " has an invalid cost (NaN or -inf)";
        return false;
      }
      double memory = memories[node][c];
      if (!std::isfinite(memory) || memory < 0) {
        error = name + " has a memory that is not finite and >= 0";
        return false;
      }
    }
  }
  for (int index = 0; index < numEdges(); ++index) {
    const Edge &e = edgeList[index];
    std::string name = "edge " + std::to_string(index);
    if (e.src < 0 || e.src >= numNodes() || e.dst < 0 || e.dst >= numNodes()) {
      error = name + " has an endpoint out of range";
      return false;
    }
    if (e.src == e.dst) {
      error = name + " is a self-loop";
      return false;
    }
    size_t expected =
        size_t(numCandidates(e.src)) * size_t(numCandidates(e.dst));
    if (e.cost.size() != expected) {
      error = name + " has " + std::to_string(e.cost.size()) +
              " entries, expected " + std::to_string(expected);
      return false;
    }
    for (double value : e.cost) {
      if (!isValidCost(value)) {
        error = name + " has an invalid cost (NaN or -inf)";
        return false;
      }
    }
  }
  return true;
}

double pxc::sbp_search::totalCost(const Graph &graph,
                                  const std::vector<int> &choice) {
  double total = 0;
  for (int node = 0; node < graph.numNodes(); ++node)
    total += graph.nodeCost(node)[choice[node]];
  for (int index = 0; index < graph.numEdges(); ++index) {
    const Edge &e = graph.edge(index);
    total += e.cost[size_t(choice[e.src]) * graph.numCandidates(e.dst) +
                    choice[e.dst]];
  }
  return total;
}

double pxc::sbp_search::totalMemory(const Graph &graph,
                                    const std::vector<int> &choice) {
  double total = 0;
  for (int node = 0; node < graph.numNodes(); ++node)
    total += graph.nodeMemory(node)[choice[node]];
  return total;
}

/// splitmix64: fixed output on every platform, unlike the standard
/// distributions.
static uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<int> pxc::sbp_search::randomChoice(const Graph &graph,
                                               uint64_t seed) {
  std::vector<int> choice(graph.numNodes());
  std::vector<int> allowed;
  for (int node = 0; node < graph.numNodes(); ++node) {
    const std::vector<double> &cost = graph.nodeCost(node);
    allowed.clear();
    for (int c = 0; c < int(cost.size()); ++c)
      if (cost[c] != kInfinity)
        allowed.push_back(c);
    if (allowed.empty())
      for (int c = 0; c < int(cost.size()); ++c)
        allowed.push_back(c);
    // The modulo bias is below 2^-50 for any realistic candidate count.
    choice[node] = allowed[nextRandom(seed) % allowed.size()];
  }
  return choice;
}

std::vector<int>
pxc::sbp_search::detail::minimumMemoryChoice(const Graph &graph) {
  std::vector<int> choice(graph.numNodes());
  for (int node = 0; node < graph.numNodes(); ++node) {
    const std::vector<double> &memory = graph.nodeMemory(node);
    const std::vector<double> &cost = graph.nodeCost(node);
    int best = 0;
    for (int c = 1; c < int(memory.size()); ++c)
      if (memory[c] < memory[best] ||
          (memory[c] == memory[best] && cost[c] < cost[best]))
        best = c;
    choice[node] = best;
  }
  return choice;
}
