//===- BoxingTest.cpp - Boxing paths and costs ----------------------------===//

#include "pxc/CostModel/Boxing.h"

#include <gtest/gtest.h>

using namespace pxc;
using namespace pxc::cost;

namespace {

sbp::NdSbp nd(const char *text) {
  std::optional<sbp::NdSbp> sbp = sbp::parseNd(text);
  EXPECT_TRUE(sbp) << text;
  return sbp.value_or(sbp::NdSbp{});
}

/// Links without latency: times are bytes / bandwidth.
std::vector<Link> links(std::vector<double> bandwidths, double latency = 0) {
  std::vector<Link> result;
  for (double bandwidth : bandwidths)
    result.push_back({bandwidth, latency, true});
  return result;
}

double elementsOf(const std::vector<int64_t> &shape) {
  double n = 1;
  for (int64_t size : shape)
    n *= size;
  return n;
}

// OneFlow's abstract boxing costs are the bytes all p ranks send together;
// the per-rank ring time times p * bandwidth must give them back.
TEST(Boxing1D, OneFlowRatios) {
  const double bandwidth = 1e9;
  for (int64_t p : {2, 4, 8}) {
    std::vector<int64_t> mesh = {p}, shape = {8 * p, 4 * p};
    std::vector<Link> link = links({bandwidth});
    double T = elementsOf(shape) * 4;
    auto total = [&](const char *from, const char *to) {
      return boxingTime(nd(from), nd(to), shape, 4, mesh, link) * p * bandwidth;
    };
    EXPECT_DOUBLE_EQ(total("S(0)", "S(1)"), T * (p - 1) / p);
    EXPECT_DOUBLE_EQ(total("P", "S(0)"), T * (p - 1));
    EXPECT_DOUBLE_EQ(total("S(1)", "B"), T * (p - 1));
    EXPECT_DOUBLE_EQ(total("P", "B"), 2 * T * (p - 1));
    EXPECT_DOUBLE_EQ(total("P(max)", "B"), 2 * T * (p - 1));
    EXPECT_DOUBLE_EQ(total("P(max)", "S(1)"), T * (p - 1));
    for (auto [from, to] : {std::pair{"B", "S(0)"},
                            {"B", "P"},
                            {"B", "P(max)"},
                            {"S(0)", "P"},
                            {"S(1)", "S(1)"},
                            {"P", "P"}})
      EXPECT_EQ(total(from, to), 0) << from << " -> " << to;
  }
}

TEST(Boxing1D, StepKinds) {
  std::vector<int64_t> mesh = {4}, shape = {8, 8};
  std::vector<Link> link = links({1});
  auto kinds = [&](const char *from, const char *to) {
    std::vector<Collective> result;
    for (const BoxingStep &step :
         boxingPath(nd(from), nd(to), shape, 4, mesh, link).steps)
      result.push_back(step.kind);
    return result;
  };
  using V = std::vector<Collective>;
  EXPECT_EQ(kinds("P", "B"), V{Collective::AllReduce});
  EXPECT_EQ(kinds("P", "S(1)"), V{Collective::ReduceScatter});
  EXPECT_EQ(kinds("S(0)", "B"), V{Collective::AllGather});
  EXPECT_EQ(kinds("S(0)", "S(1)"), V{Collective::AllToAll});
  EXPECT_EQ(kinds("B", "S(1)"), V{Collective::LocalSlice});
  EXPECT_EQ(kinds("B", "P"), V{Collective::LocalMask});
  EXPECT_EQ(kinds("S(0)", "P"), V{Collective::LocalPad});
  EXPECT_EQ(kinds("S(0)", "S(0)"), V{});
}

TEST(Boxing1D, LatencyAndStepRecord) {
  std::vector<int64_t> mesh = {4}, shape = {16, 16};
  BoxingPath path = boxingPath(nd("S(0)"), nd("B"), shape, 2, mesh,
                               links({100}, /*latency=*/1e-3));
  ASSERT_EQ(path.steps.size(), 1u);
  const BoxingStep &step = path.steps[0];
  EXPECT_EQ(step.axis, 0u);
  EXPECT_EQ(step.from, sbp::Sbp1D::split(0));
  EXPECT_EQ(step.to, sbp::Sbp1D::broadcast());
  EXPECT_EQ(step.result, nd("B"));
  EXPECT_DOUBLE_EQ(step.bytes, 0.75 * 512);
  EXPECT_DOUBLE_EQ(step.time, 3 * 1e-3 + 0.75 * 512 / 100);
  EXPECT_EQ(path.time, step.time);
}

TEST(Boxing1D, SumAndMaxConvertThroughASplit) {
  // No collective turns P(sum) into P(max) directly. Through B costs an
  // all-reduce; reduce-scattering and padding the chunk with the other
  // reduction's identity costs half as much.
  std::vector<int64_t> mesh = {4}, shape = {8, 8};
  std::vector<Link> link = links({1});
  double reduceScatter = 0.75 * 256;
  for (auto [from, to] : {std::pair{"P(sum)", "P(max)"}, {"P(max)", "P"}}) {
    BoxingPath path = boxingPath(nd(from), nd(to), shape, 4, mesh, link);
    ASSERT_EQ(path.steps.size(), 2u) << from;
    EXPECT_EQ(path.steps[0].kind, Collective::ReduceScatter);
    EXPECT_TRUE(path.steps[0].to.isSplit());
    EXPECT_EQ(path.steps[1].kind, Collective::LocalPad);
    EXPECT_DOUBLE_EQ(path.time, reduceScatter);
  }
}

TEST(Boxing1D, UnevenSplits) {
  // 5 rows over 2 ranks: 3 + 2; the larger piece sets the pace.
  std::vector<int64_t> mesh = {2}, shape = {5, 4};
  std::vector<Link> link = links({1});
  EXPECT_EQ(localBytes(nd("S(0)"), shape, 4, mesh), 3 * 4 * 4);
  EXPECT_EQ(localBytes(nd("P"), shape, 4, mesh), 5 * 4 * 4);
  EXPECT_DOUBLE_EQ(boxingTime(nd("S(0)"), nd("B"), shape, 4, mesh, link),
                   0.5 * 80);
  EXPECT_DOUBLE_EQ(boxingTime(nd("S(0)"), nd("S(1)"), shape, 4, mesh, link),
                   0.5 * 48);
}

TEST(Boxing, EmptyDimensions) {
  // Unsplit empty dims are fine; splitting one over several ranks is not.
  EXPECT_TRUE(isValidSbp(*sbp::parseNd("B"), {0, 5}, {2}));
  EXPECT_TRUE(isValidSbp(*sbp::parseNd("S(1)"), {0, 5}, {2}));
  EXPECT_FALSE(isValidSbp(*sbp::parseNd("S(0)"), {0, 5}, {2}));
  EXPECT_TRUE(isValidSbp(*sbp::parseNd("S(0)"), {0, 5}, {1}));
}

TEST(Boxing, Infeasible) {
  std::vector<int64_t> mesh = {4}, shape = {8, 8};
  std::vector<Link> link = links({1});
  auto expectInfeasible = [](const BoxingPath &path) {
    EXPECT_FALSE(path.feasible());
    EXPECT_TRUE(std::isinf(path.time));
    EXPECT_TRUE(path.steps.empty());
  };
  // Split dimension out of range.
  expectInfeasible(boxingPath(nd("S(2)"), nd("B"), shape, 4, mesh, link));
  // Fewer elements than ranks along the split dimension.
  expectInfeasible(boxingPath(nd("B"), nd("S(0)"), {3, 8}, 4, mesh, link));
  // Entry count, link count and element size disagree with the mesh.
  expectInfeasible(boxingPath(nd("B, B"), nd("B"), shape, 4, mesh, link));
  expectInfeasible(boxingPath(nd("B"), nd("S(0)"), shape, 4, mesh, {}));
  expectInfeasible(boxingPath(nd("B"), nd("S(0)"), shape, 0, mesh, link));
  // Nested splits of one dimension need its size >= 2 * 2.
  EXPECT_FALSE(isValidSbp(nd("S(0), S(0)"), {3}, {2, 2}));
  EXPECT_TRUE(isValidSbp(nd("S(0), S(0)"), {4}, {2, 2}));
  EXPECT_TRUE(std::isinf(
      boxingTime(nd("S(0), S(0)"), nd("B, B"), {3}, 4, {2, 2}, links({1, 1}))));
}

class Boxing2x2 : public ::testing::Test {
protected:
  std::vector<int64_t> mesh = {2, 2}, shape = {16, 16};
  std::vector<Link> link = links({1, 1});
  const double T = 16 * 16 * 4;

  BoxingPath path(const char *from, const char *to) {
    return boxingPath(nd(from), nd(to), shape, 4, mesh, link);
  }
};

TEST_F(Boxing2x2, SingleAxis) {
  EXPECT_DOUBLE_EQ(path("S(0), B", "B, B").time, 0.5 * T);
  EXPECT_DOUBLE_EQ(path("B, S(0)", "B, B").time, 0.5 * T);
  // The other axis' split halves the data of the all-reduce.
  EXPECT_DOUBLE_EQ(path("S(1), P", "S(1), B").time, 2 * 0.5 * T / 2);
  EXPECT_DOUBLE_EQ(path("B, B", "S(0), S(1)").time, 0);
  EXPECT_DOUBLE_EQ(path("B, B", "S(0), S(0)").time, 0);
}

TEST_F(Boxing2x2, GatherBothAxes) {
  // Whichever axis goes first moves half of the tensor.
  BoxingPath p = path("S(0), S(1)", "B, B");
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T / 2 + 0.5 * T);
  EXPECT_EQ(p.steps.size(), 2u);
}

TEST_F(Boxing2x2, NestedSplitsUnwindInnerAxisFirst) {
  // [S(0), S(0)]: axis 1 splits the chunks of axis 0, so axis 0 cannot be
  // gathered first.
  BoxingPath p = path("S(0), S(0)", "B, B");
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].axis, 1u);
  EXPECT_EQ(p.steps[0].result, nd("S(0), B"));
  EXPECT_DOUBLE_EQ(p.steps[0].bytes, 0.5 * T / 2);
  EXPECT_EQ(p.steps[1].axis, 0u);
  EXPECT_DOUBLE_EQ(p.steps[1].bytes, 0.5 * T);
  EXPECT_DOUBLE_EQ(p.time, 0.75 * T);

  // Re-splitting the outer axis goes through [S(0), B] (or [S(0), P]).
  p = path("S(0), S(0)", "S(1), S(0)");
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T / 2 + 0.5 * T / 2);
  EXPECT_EQ(p.steps.size(), 3u);
}

TEST_F(Boxing2x2, MixedPartialsReduceInnerAxisFirst) {
  // [P(sum), P(max)] is a sum over axis 0 of maxima over axis 1: reducing
  // axis 0 first would sum values that are not yet maxima.
  // Reducing axis 0 in one step would be cheapest for each of these.
  for (auto [from, to] : {std::pair{"P(sum), P(max)", "B, P(max)"},
                          {"P(max), P(sum)", "B, P(sum)"},
                          {"P(sum), P(max)", "S(0), B"},
                          {"P(max), P(sum)", "S(1), P(sum)"},
                          {"P(sum), P(max)", "B, B"}}) {
    BoxingPath p = path(from, to);
    ASSERT_TRUE(p.feasible()) << from << " -> " << to;
    sbp::NdSbp state = nd(from);
    for (const BoxingStep &step : p.steps) {
      for (size_t later = step.axis + 1; later < state.size(); ++later) {
        bool mixes = step.from.isPartial() && state[later].isPartial() &&
                     state[later].reduce != step.from.reduce;
        EXPECT_FALSE(mixes) << from << " -> " << to << ": reduces axis "
                            << step.axis << " of " << sbp::str(state);
      }
      state = step.result;
    }
  }
  // As for [P, P]: reduce-scatter the maxima, all-reduce the sum of the
  // halves, gather.
  BoxingPath p = path("P(sum), P(max)", "B, B");
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.steps[0].axis, 1u);
  EXPECT_EQ(p.steps[0].kind, Collective::ReduceScatter);
  EXPECT_EQ(p.steps[1].result, nd("B, S(0)"));
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T + 2 * 0.5 * T / 2 + 0.5 * T);
}

TEST_F(Boxing2x2, PartialDetourOnlyWhenAllowed) {
  // Axis 1 splits dim 0, so axis 0 cannot slice it. Padding axis 1 into
  // P(sum), slicing axis 0 and reduce-scattering axis 1 moves T/4;
  // re-splitting axis 1 along dim 1 and back around the slice moves 3T/8.
  auto hasPartial = [](const BoxingPath &p) {
    for (const BoxingStep &step : p.steps)
      for (const sbp::Sbp1D &entry : step.result)
        if (entry.isPartial())
          return true;
    return false;
  };
  BoxingPath detour = path("B, S(0)", "S(0), S(0)");
  EXPECT_TRUE(hasPartial(detour));
  EXPECT_DOUBLE_EQ(detour.time, 0.5 * T / 2);
  BoxingPath plain = boxingPath(nd("B, S(0)"), nd("S(0), S(0)"), shape, 4, mesh,
                                link, /*partialStates=*/false);
  EXPECT_FALSE(hasPartial(plain));
  EXPECT_DOUBLE_EQ(plain.time, 0.5 * T / 2 + 0.5 * T / 4);
  // Endpoints keep their own partial entries.
  BoxingPath toPartial = boxingPath(nd("S(0), S(1)"), nd("P, B"), shape, 4,
                                    mesh, link, /*partialStates=*/false);
  EXPECT_TRUE(toPartial.feasible());
}

TEST_F(Boxing2x2, HierarchicalAllReduceBeatsTwoAllReduces) {
  // Direct: all-reduce over axis 0, then over axis 1: T + T.
  double direct = 2 * 0.5 * T + 2 * 0.5 * T;
  BoxingPath p = path("P, P", "B, B");
  // Reduce-scatter on one axis, all-reduce the half on the other, gather.
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T + 2 * 0.5 * T / 2 + 0.5 * T);
  EXPECT_LT(p.time, direct);
  EXPECT_EQ(p.steps.size(), 3u);
}

TEST_F(Boxing2x2, SliceBeforeReduceScatter) {
  // Slicing axis 1 first halves the reduce-scatter on axis 0.
  BoxingPath p = path("P, B", "S(0), S(1)");
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T / 2);
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].kind, Collective::LocalSlice);
  EXPECT_EQ(p.steps[1].kind, Collective::ReduceScatter);
}

class Boxing2x4 : public ::testing::Test {
protected:
  // Axis 0 slow (across nodes), axis 1 ten times faster.
  std::vector<int64_t> mesh = {2, 4}, shape = {8, 8};
  std::vector<Link> link = links({1, 10});
  const double T = 8 * 8 * 4;

  BoxingPath path(const char *from, const char *to) {
    return boxingPath(nd(from), nd(to), shape, 4, mesh, link);
  }
};

TEST_F(Boxing2x4, GatherOnTheSlowAxisWhileTheDataIsSmall) {
  // Axis 0 first: 1/2 * T/4 / 1, then 3/4 * T / 10. The other order costs
  // 3/4 * T/2 / 10 + 1/2 * T / 1.
  BoxingPath p = path("S(0), S(1)", "B, B");
  EXPECT_DOUBLE_EQ(p.time, 0.5 * T / 4 + 0.75 * T / 10);
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].axis, 0u);
  EXPECT_EQ(p.steps[0].kind, Collective::AllGather);
}

TEST_F(Boxing2x4, HierarchicalAllReduce) {
  double direct = 2 * 0.5 * T / 1 + 2 * 0.75 * T / 10;
  double hierarchical = 0.75 * T / 10 + 2 * 0.5 * (T / 4) / 1 + 0.75 * T / 10;
  BoxingPath p = path("P, P", "B, B");
  EXPECT_NEAR(p.time, hierarchical, 1e-9 * T);
  EXPECT_LT(p.time, direct);
  EXPECT_EQ(p.steps.front().kind, Collective::ReduceScatter);
  EXPECT_EQ(p.steps.front().axis, 1u);
}

TEST_F(Boxing2x4, AllToAllOnOneAxis) {
  // S(0) -> S(1) on axis 1 with axis 0 splitting dim 0: each rank holds
  // T/8 and sends 3/4 of it.
  EXPECT_DOUBLE_EQ(path("S(0), S(0)", "S(0), S(1)").time, 0.75 * T / 8 / 10);
}

/// Every pair of valid SBPs of a rank-2 tensor on `mesh`.
void checkAllPairs(const std::vector<int64_t> &mesh,
                   const std::vector<int64_t> &shape,
                   const std::vector<Link> &link) {
  std::vector<sbp::NdSbp> all = {{}};
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    std::vector<sbp::NdSbp> longer;
    for (const sbp::NdSbp &prefix : all)
      for (const char *entry : {"B", "P", "P(max)", "S(0)", "S(1)"}) {
        sbp::NdSbp next = prefix;
        next.push_back(*sbp::parse1D(entry));
        longer.push_back(next);
      }
    all = longer;
  }
  std::vector<sbp::NdSbp> valid;
  for (const sbp::NdSbp &sbp : all)
    if (isValidSbp(sbp, shape, mesh))
      valid.push_back(sbp);
  ASSERT_GT(valid.size(), 10u);

  size_t n = valid.size();
  std::vector<double> time(n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      SCOPED_TRACE(sbp::str(valid[i]) + " -> " + sbp::str(valid[j]));
      BoxingPath p = boxingPath(valid[i], valid[j], shape, 4, mesh, link);
      ASSERT_TRUE(p.feasible());
      time[i * n + j] = p.time;
      if (i == j) {
        EXPECT_EQ(p.time, 0);
        EXPECT_TRUE(p.steps.empty());
      }
      // The steps chain from `from` to `to`, change one simple axis entry
      // each, and add up to the total.
      sbp::NdSbp state = valid[i];
      double sum = 0;
      for (const BoxingStep &step : p.steps) {
        EXPECT_EQ(state[step.axis], step.from);
        for (size_t b = step.axis + 1; b < mesh.size(); ++b)
          for (const sbp::Sbp1D &entry : {step.from, step.to})
            EXPECT_FALSE(entry.isSplit() && state[b] == entry);
        state[step.axis] = step.to;
        EXPECT_EQ(state, step.result);
        EXPECT_TRUE(isValidSbp(state, shape, mesh));
        EXPECT_GE(step.time, 0);
        sum += step.time;
      }
      EXPECT_EQ(state, valid[j]);
      EXPECT_DOUBLE_EQ(sum, p.time);
    }
  }
  // One search per source gives the same times as one per pair.
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> row =
        boxingTimes(valid[i], valid, shape, 4, mesh, link);
    for (size_t j = 0; j < n; ++j)
      EXPECT_EQ(row[j], time[i * n + j])
          << sbp::str(valid[i]) << " -> " << sbp::str(valid[j]);
  }
  // Shortest paths obey the triangle inequality.
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      for (size_t k = 0; k < n; ++k)
        EXPECT_LE(time[i * n + k],
                  time[i * n + j] + time[j * n + k] + 1e-12 * time[i * n + k]);
}

TEST(BoxingAllPairs, Mesh2x2) { checkAllPairs({2, 2}, {4, 6}, links({1, 1})); }

TEST(BoxingAllPairs, Mesh2x4WithLatency) {
  checkAllPairs({2, 4}, {8, 12}, {{25e9, 6e-6, false}, {300e9, 2e-6, true}});
}

TEST(BoxingAllPairs, Mesh2x2x2) {
  checkAllPairs({2, 2, 2}, {8, 4}, links({1, 2, 4}, 1e-3));
}

} // namespace
