//===- GraphGenerators.h - Seeded SBP graphs for tests and benchmarks -----===//
//
// Shapes found in real programs (chains, trees, residual blocks,
// transformer layers) and random DAGs, with random costs drawn from a
// fixed PRNG so every platform builds the same graphs.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_TEST_SBPSEARCH_GRAPHGENERATORS_H
#define PXC_TEST_SBPSEARCH_GRAPHGENERATORS_H

#include "pxc/SbpSearch/SbpGraph.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pxc::sbp_search::gen {

/// splitmix64.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double unit() { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [low, high].
  int between(int low, int high) {
    return low + int(next() % uint64_t(high - low + 1));
  }

private:
  uint64_t state;
};

/// Adds nodes and edges with random candidate counts and costs.
class Builder {
public:
  Builder(uint64_t seed, int minCandidates, int maxCandidates)
      : random(seed), minCandidates(minCandidates),
        maxCandidates(maxCandidates) {}

  /// Probability of a +infinity entry (a forbidden combination).
  double forbidden = 0;
  /// Largest random memory of a candidate; 0 leaves memories at zero.
  double maxMemory = 0;
  Random random;
  Graph graph;

  int node() { return node(random.between(minCandidates, maxCandidates)); }
  int node(int candidates) {
    std::vector<double> cost(candidates), memory(candidates);
    for (int c = 0; c < candidates; ++c) {
      cost[c] = entry();
      memory[c] =
          maxMemory > 0 ? double(random.between(0, int(maxMemory))) : 0.0;
    }
    return graph.addNode(std::move(cost), std::move(memory));
  }
  void edge(int src, int dst) {
    std::vector<double> cost(size_t(graph.numCandidates(src)) *
                             graph.numCandidates(dst));
    for (double &value : cost)
      value = entry();
    graph.addEdge(src, dst, std::move(cost));
  }
  /// A node fed by `inputs`.
  int op(std::initializer_list<int> inputs) {
    int result = node();
    for (int input : inputs)
      edge(input, result);
    return result;
  }

private:
  double entry() {
    if (forbidden > 0 && random.unit() < forbidden)
      return kInfinity;
    return random.unit();
  }
  int minCandidates;
  int maxCandidates;
};

inline void chain(Builder &b, int nodes) {
  int last = b.node();
  for (int i = 1; i < nodes; ++i)
    last = b.op({last});
}

/// Each node after the first hangs off a random earlier one.
inline void tree(Builder &b, int nodes) {
  b.node();
  for (int i = 1; i < nodes; ++i)
    b.op({b.random.between(0, i - 1)});
}

/// a -> (b, c) -> d, repeated `count` times in sequence.
inline void diamonds(Builder &b, int count) {
  int top = b.node();
  for (int i = 0; i < count; ++i) {
    int left = b.op({top}), right = b.op({top});
    top = b.op({left, right});
  }
}

/// x -> f -> g -> add(x, g), repeated: residual fan-out and fan-in.
inline void residualBlocks(Builder &b, int count) {
  int x = b.node();
  for (int i = 0; i < count; ++i) {
    int f = b.op({x});
    int g = b.op({f});
    x = b.op({x, g});
  }
}

/// Pre-LN transformer layers (20 nodes each): attention with Q, K, V
/// projections and weights as leaves, MLP, residual adds.
inline void transformer(Builder &b, int layers) {
  int x = b.node();
  auto linear = [&](int input) { return b.op({input, b.node()}); };
  for (int i = 0; i < layers; ++i) {
    int ln1 = b.op({x});
    int q = linear(ln1), k = linear(ln1), v = linear(ln1);
    int scores = b.op({q, k});
    int probs = b.op({scores});
    int context = b.op({probs, v});
    x = b.op({x, linear(context)});
    int ln2 = b.op({x});
    int hidden = b.op({linear(ln2)});
    x = b.op({x, linear(hidden)});
  }
}

/// Node i takes 1..maxInputs inputs among the `window` nodes before it
/// (repeats allowed: an op using two results of another).
inline void randomDag(Builder &b, int nodes, int maxInputs, int window) {
  b.node();
  for (int i = 1; i < nodes; ++i) {
    int result = b.node();
    int inputs = b.random.between(1, maxInputs);
    for (int k = 0; k < inputs; ++k)
      b.edge(b.random.between(std::max(0, i - window), i - 1), result);
  }
}

} // namespace pxc::sbp_search::gen

#endif // PXC_TEST_SBPSEARCH_GRAPHGENERATORS_H
