//===- ExactTest.cpp - solve() against brute force on small graphs --------===//
//
// Hundreds of seeded instances per shape; every one must reduce completely
// and reach the enumerated optimum.
//
//===----------------------------------------------------------------------===//

#include "GraphGenerators.h"

#include <functional>
#include <gtest/gtest.h>

using namespace pxc::sbp_search;

namespace {

using Shape = std::function<void(gen::Builder &, int size)>;

struct Family {
  const char *name;
  Shape shape;
  int minSize, maxSize;
  int maxCandidates;
  /// Some instances do not reduce without merging.
  bool needsMerges;
};

class ExactOnSmallGraphs : public ::testing::TestWithParam<Family> {};

/// Runs `instances` seeds; `forbidden` is the share of +infinity entries.
void checkFamily(const Family &family, int instances, double forbidden) {
  int merged = 0;
  for (int seed = 0; seed < instances; ++seed) {
    // One instance in three has fixed (single-candidate) nodes.
    gen::Builder builder(1000 * seed + 17, seed % 3 ? 2 : 1,
                         family.maxCandidates);
    builder.forbidden = forbidden;
    int size = family.minSize + seed % (family.maxSize - family.minSize + 1);
    family.shape(builder, size);
    const Graph &graph = builder.graph;
    Result expected = bruteForce(graph);
    Result result = solve(graph);
    SCOPED_TRACE(std::string(family.name) + " seed " + std::to_string(seed) +
                 " nodes " + std::to_string(graph.numNodes()));
    ASSERT_TRUE(result.stats.exact);
    EXPECT_EQ(result.cost, totalCost(graph, result.choice));
    if (expected.cost == kInfinity)
      EXPECT_EQ(result.cost, kInfinity);
    else
      EXPECT_NEAR(result.cost, expected.cost, 1e-9);
    EXPECT_EQ(result.feasible, expected.feasible);
    merged += result.stats.merges > 0;
  }
  if (family.needsMerges)
    EXPECT_GT(merged, instances / 20);
  else
    EXPECT_EQ(merged, 0);
}

TEST_P(ExactOnSmallGraphs, FiniteCosts) { checkFamily(GetParam(), 300, 0); }

TEST_P(ExactOnSmallGraphs, ForbiddenCombinations) {
  checkFamily(GetParam(), 150, 0.25);
}

const Family families[] = {
    {"chain", gen::chain, 1, 10, 4, false},
    {"tree", gen::tree, 2, 10, 4, false},
    {"diamonds", gen::diamonds, 1, 3, 4, false},
    {"residual", gen::residualBlocks, 1, 3, 4, false},
    {"transformer", gen::transformer, 1, 1, 2, false},
    {"dag2", [](gen::Builder &b, int n) { gen::randomDag(b, n, 2, n); }, 3, 12,
     4, true},
    {"dag3", [](gen::Builder &b, int n) { gen::randomDag(b, n, 3, n); }, 3, 12,
     4, true},
};

INSTANTIATE_TEST_SUITE_P(Shapes, ExactOnSmallGraphs,
                         ::testing::ValuesIn(families),
                         [](const ::testing::TestParamInfo<Family> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
