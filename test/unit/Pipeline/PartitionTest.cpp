//===- PartitionTest.cpp - Pipeline stage partitioning --------------------===//
//
// Layered models with a known answer, the dynamic program against brute
// force on hundreds of seeded small chains, the memory limit, hints, the
// user-facing errors, and random plans.
//
//===----------------------------------------------------------------------===//

#include "pxc/Pipeline/Partition.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <random>
#include <set>

using namespace pxc::pipeline;

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

/// `layers` copies of a layer of `itemSeconds.size()` items; stages may
/// start only at a layer's first item.
PartitionProblem layeredModel(int layers, std::vector<double> itemSeconds,
                              int stages) {
  PartitionProblem problem;
  problem.stages = stages;
  for (int layer = 0; layer < layers; ++layer)
    for (size_t k = 0; k < itemSeconds.size(); ++k) {
      PartitionItem item;
      item.seconds = itemSeconds[k];
      item.persistentBytes = 1e6;
      item.activationBytes = 1e5;
      problem.items.push_back(item);
      problem.canCut.push_back(k == 0);
      problem.cutBytes.push_back(k == 0 ? 4e6 : 1e5);
    }
  problem.linkBytesPerSecond = 1e10;
  problem.linkLatencySeconds = 1e-5;
  for (int s = 0; s < stages; ++s)
    problem.inFlight.push_back(std::min(stages - s, 8));
  return problem;
}

/// Checks `plan` against the problem by direct sums, independently of the
/// prefix sums the searches use.
void expectValid(const PartitionProblem &problem, const Partition &plan) {
  int n = static_cast<int>(problem.items.size());
  ASSERT_EQ(plan.firstItem.size(), size_t(problem.stages + 1));
  ASSERT_EQ(plan.stageSeconds.size(), size_t(problem.stages));
  ASSERT_EQ(plan.stageBytes.size(), size_t(problem.stages));
  EXPECT_EQ(plan.firstItem.front(), 0);
  EXPECT_EQ(plan.firstItem.back(), n);
  double bottleneck = 0;
  for (int s = 0; s < problem.stages; ++s) {
    int i = plan.firstItem[s], j = plan.firstItem[s + 1];
    ASSERT_LT(i, j) << "stage " << s << " is empty";
    if (s > 0 && !problem.canCut.empty()) {
      EXPECT_TRUE(problem.canCut[i]) << "stage " << s << " starts at " << i;
    }
    double seconds = 0, persistent = 0, activation = 0;
    for (int k = i; k < j; ++k) {
      const PartitionItem &item = problem.items[k];
      seconds += item.seconds;
      persistent += item.persistentBytes;
      activation += item.activationBytes;
      if (item.fixedStage >= 0) {
        EXPECT_EQ(item.fixedStage, s) << "item " << k;
      }
    }
    auto boundary = [&](int cut) {
      if (problem.linkBytesPerSecond <= 0)
        return 0.0;
      double bytes = problem.cutBytes.empty() ? 0 : problem.cutBytes[cut];
      return 2 *
             (problem.linkLatencySeconds + bytes / problem.linkBytesPerSecond);
    };
    if (i > 0)
      seconds += boundary(i);
    if (j < n)
      seconds += boundary(j);
    double inFlight = problem.inFlight.empty() ? 1 : problem.inFlight[s];
    double bytes = persistent + inFlight * activation;
    EXPECT_NEAR(plan.stageSeconds[s], seconds, 1e-9 * (1 + seconds));
    EXPECT_NEAR(plan.stageBytes[s], bytes, 1e-9 * (1 + bytes));
    bottleneck = std::max(bottleneck, plan.stageSeconds[s]);
  }
  EXPECT_EQ(plan.bottleneckSeconds, bottleneck);
}

double peakBytes(const Partition &plan) {
  return *std::max_element(plan.stageBytes.begin(), plan.stageBytes.end());
}

TEST(Partition, IdenticalLayersSplitEvenly) {
  const int layers = 12;
  for (int stages : {1, 2, 3, 4, 6, 12}) {
    PartitionProblem problem = layeredModel(layers, {0.5, 1.0, 0.25}, stages);
    std::string error;
    std::optional<Partition> plan = partition(problem, error);
    ASSERT_TRUE(plan) << error;
    expectValid(problem, *plan);
    for (int s = 0; s <= stages; ++s)
      EXPECT_EQ(plan->firstItem[s], s * (layers / stages) * 3)
          << stages << " stages";
  }
}

TEST(Partition, HeavyHeadMovesLayersOffTheLastStage) {
  // Eight one-second layers of two items, then an LM head worth three.
  PartitionProblem problem = layeredModel(8, {0.5, 0.5}, 4);
  PartitionItem head;
  head.seconds = 3;
  problem.items.push_back(head);
  problem.canCut.push_back(true);
  problem.cutBytes.push_back(0);
  problem.linkBytesPerSecond = 0;
  std::string error;
  std::optional<Partition> plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  expectValid(problem, *plan);
  EXPECT_EQ(plan->bottleneckSeconds, 3);
  int firstLayers = plan->firstItem[1] / 2;
  int lastLayers = (plan->firstItem[4] - 1 - plan->firstItem[3]) / 2;
  EXPECT_LT(lastLayers, firstLayers);
}

TEST(Partition, CommunicationCountsBothDirections) {
  PartitionProblem problem;
  problem.items.assign(4, PartitionItem{1, 0, 0, -1});
  problem.cutBytes = {0, 2, 4, 6};
  problem.canCut = {true, false, true, false};
  problem.stages = 2;
  problem.linkBytesPerSecond = 2;
  problem.linkLatencySeconds = 0.5;
  std::string error;
  std::optional<Partition> plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  // Two seconds of compute, then 4 bytes over 2 B/s plus latency, twice.
  EXPECT_EQ(plan->stageSeconds, (std::vector<double>{7, 7}));
  problem.linkBytesPerSecond = 0;
  plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->stageSeconds, (std::vector<double>{2, 2}));
}

/// A small chain with random times, sizes, limit, cut points and hints;
/// small integer times in half the instances, for ties.
PartitionProblem randomChain(uint64_t seed) {
  std::mt19937_64 random(seed);
  auto uniform = [&](double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(random);
  };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  bool integral = seed % 2;
  PartitionProblem problem;
  int n = 1 + random() % 9;
  problem.stages = 1 + random() % 4;
  for (int i = 0; i < n; ++i) {
    PartitionItem item;
    item.seconds = integral ? double(random() % 4) : uniform(0, 4);
    item.persistentBytes = integral ? double(random() % 5) : uniform(0, 10);
    item.activationBytes = integral ? double(random() % 3) : uniform(0, 5);
    problem.items.push_back(item);
    problem.cutBytes.push_back(uniform(0, 5));
  }
  if (chance(0.5)) {
    problem.linkBytesPerSecond = uniform(1, 10);
    problem.linkLatencySeconds = uniform(0, 0.5);
  }
  if (chance(0.6))
    for (int i = 0; i < n; ++i)
      problem.canCut.push_back(chance(0.7));
  if (chance(0.4)) {
    std::vector<int> pinned;
    for (int i = 0; i < n; ++i)
      if (chance(0.3))
        pinned.push_back(i);
    std::vector<int> hints;
    for (size_t k = 0; k < pinned.size(); ++k)
      hints.push_back(random() % problem.stages);
    std::sort(hints.begin(), hints.end());
    for (size_t k = 0; k < pinned.size(); ++k)
      problem.items[pinned[k]].fixedStage = hints[k];
  }
  int microBatches = 1 + random() % 4;
  bool gpipe = chance(0.3);
  for (int s = 0; s < problem.stages; ++s)
    problem.inFlight.push_back(
        gpipe ? microBatches : std::min(problem.stages - s, microBatches));
  if (chance(0.7)) {
    double total = 0;
    for (const PartitionItem &item : problem.items)
      total += item.persistentBytes + microBatches * item.activationBytes;
    problem.memoryLimitBytes = uniform(0.15, 1.0) * total;
  }
  return problem;
}

TEST(Partition, MatchesBruteForceOnSmallChains) {
  int feasible = 0, overMemory = 0, unreachable = 0, malformed = 0;
  for (uint64_t seed = 0; seed < 600; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    PartitionProblem problem = randomChain(seed);
    std::string error;
    std::optional<Partition> plan = partition(problem, error);
    std::optional<Partition> expected = partitionBruteForce(problem);
    ASSERT_EQ(plan.has_value(), expected.has_value()) << error;
    if (plan) {
      ++feasible;
      expectValid(problem, *plan);
      // Same objective, same tie-breaking, same cost arithmetic: equal.
      EXPECT_EQ(plan->bottleneckSeconds, expected->bottleneckSeconds);
      EXPECT_EQ(peakBytes(*plan), peakBytes(*expected));
      EXPECT_EQ(plan->firstItem, expected->firstItem);
      for (double bytes : plan->stageBytes)
        EXPECT_TRUE(problem.memoryLimitBytes <= 0 ||
                    bytes <= problem.memoryLimitBytes);
    } else if (error.find(" fits ") != std::string::npos) {
      ++overMemory;
    } else if (error.find("respects") != std::string::npos) {
      ++unreachable;
    } else {
      EXPECT_EQ(error.rfind("cannot split", 0), 0u) << error;
      ++malformed;
    }
    // Random plans exist exactly when some plan ignoring memory does.
    PartitionProblem unlimited = problem;
    unlimited.memoryLimitBytes = 0;
    std::optional<Partition> best = partitionBruteForce(unlimited);
    std::optional<Partition> random = partitionRandom(problem, seed, error);
    ASSERT_EQ(random.has_value(), best.has_value()) << error;
    if (random) {
      expectValid(problem, *random);
      EXPECT_GE(random->bottleneckSeconds, best->bottleneckSeconds);
    }
  }
  // Every outcome is exercised.
  EXPECT_GT(feasible, 200);
  EXPECT_GT(overMemory, 30);
  EXPECT_GT(unreachable, 5);
  EXPECT_GT(malformed, 30);
}

/// Four one-second items of 1 GiB activations each, two stages of which the
/// first holds two micro-batches in flight.
PartitionProblem activationHeavy(double limitGiB) {
  PartitionProblem problem;
  problem.items.assign(4, PartitionItem{1, 0, kGiB, -1});
  problem.stages = 2;
  problem.inFlight = {2, 1};
  problem.memoryLimitBytes = limitGiB * kGiB;
  return problem;
}

TEST(Partition, MemoryLimitMovesTheCut) {
  std::string error;
  std::optional<Partition> plan = partition(activationHeavy(0), error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(plan->bottleneckSeconds, 2);

  PartitionProblem problem = activationHeavy(3);
  plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  expectValid(problem, *plan);
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 1, 4}));
  EXPECT_EQ(plan->bottleneckSeconds, 3);
  EXPECT_EQ(plan->stageBytes, (std::vector<double>{2 * kGiB, 3 * kGiB}));
}

TEST(Partition, InfeasibleMemoryNamesTheLeastNeeded) {
  std::string error;
  EXPECT_FALSE(partition(activationHeavy(2.5), error));
  EXPECT_EQ(error, "no partition into 2 pipeline stages fits 2.5 GiB per "
                   "device: the best needs 3.0 GiB on stage 1");
  EXPECT_FALSE(partitionBruteForce(activationHeavy(2.5)));
  // A need that would print as the limit gets more digits.
  EXPECT_FALSE(partition(activationHeavy(2.98), error));
  EXPECT_EQ(error, "no partition into 2 pipeline stages fits 2.98 GiB per "
                   "device: the best needs 3.00 GiB on stage 1");
}

TEST(Partition, EqualBottlenecksPreferLessMemory) {
  PartitionProblem problem;
  problem.items.assign(3, PartitionItem{1, 0, 1, -1});
  problem.stages = 2;
  // {0, 1, 3} and {0, 2, 3} both take two seconds; the later stage holds
  // more micro-batches, so it should get the single item.
  problem.inFlight = {1, 2};
  std::string error;
  std::optional<Partition> plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 2, 3}));
  // With nothing to choose between them, the earliest cut.
  problem.inFlight = {1, 1};
  for (PartitionItem &item : problem.items)
    item.activationBytes = 0;
  plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 1, 3}));
}

TEST(Partition, TiesBelowTheLargestStageTakeTheEarliestCut) {
  PartitionProblem problem;
  for (double bytes : {10, 0, 3, 1})
    problem.items.push_back(PartitionItem{1, bytes, 0, -1});
  problem.stages = 3;
  // Stage 0 needs 10 bytes in every plan. {0, 1, 3, 4} would give the
  // later stages less (3 rather than 4), but that does not change the
  // largest, so the earlier cut stays.
  std::string error;
  std::optional<Partition> plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 1, 2, 4}));
}

PartitionProblem sixItems(int stages) {
  PartitionProblem problem;
  problem.items.assign(6, PartitionItem{1, 0, 0, -1});
  problem.stages = stages;
  return problem;
}

TEST(Partition, HintsAreRespected) {
  std::string error;
  PartitionProblem problem = sixItems(3);
  std::optional<Partition> plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 2, 4, 6}));

  problem.items[1].fixedStage = 1;
  plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  expectValid(problem, *plan);
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 1, 3, 6}));

  problem.items[4].fixedStage = 1;
  plan = partition(problem, error);
  ASSERT_TRUE(plan) << error;
  expectValid(problem, *plan);
  EXPECT_EQ(plan->firstItem, (std::vector<int>{0, 1, 5, 6}));
}

TEST(Partition, HintsTheCutsCannotMeet) {
  const char *expected = "no partition into 3 pipeline stages respects both "
                         "the stage hints and the allowed cut points";
  std::string error;
  // The last item on stage 1 leaves nothing for stage 2.
  PartitionProblem problem = sixItems(3);
  problem.items[5].fixedStage = 1;
  EXPECT_FALSE(partition(problem, error));
  EXPECT_EQ(error, expected);
  EXPECT_FALSE(partitionBruteForce(problem));
  EXPECT_FALSE(partitionRandom(problem, 1, error));
  EXPECT_EQ(error, expected);
  // Items 0 and 1 on different stages, but no stage may start at item 1.
  problem = sixItems(3);
  problem.items[0].fixedStage = 0;
  problem.items[1].fixedStage = 1;
  problem.canCut = {true, false, true, true, true, true};
  EXPECT_FALSE(partition(problem, error));
  EXPECT_EQ(error, expected);
}

TEST(Partition, MalformedProblemsFail) {
  auto failure = [](const PartitionProblem &problem) {
    std::string error;
    EXPECT_FALSE(partition(problem, error));
    EXPECT_FALSE(partitionBruteForce(problem));
    std::string randomError;
    EXPECT_FALSE(partitionRandom(problem, 7, randomError));
    EXPECT_EQ(randomError, error);
    return error;
  };
  PartitionProblem problem = sixItems(7);
  EXPECT_EQ(failure(problem), "cannot split 6 items into 7 pipeline stages");
  problem = sixItems(3);
  problem.canCut = {true, false, false, true, false, false};
  EXPECT_EQ(failure(problem), "cannot split 6 items into 3 pipeline stages: "
                              "only 2 positions can start a stage");
  problem = sixItems(3);
  problem.items[2].fixedStage = 3;
  EXPECT_EQ(failure(problem),
            "item 2 is pinned to stage 3, but the stages are 0 to 2");
  problem = sixItems(3);
  problem.items[1].fixedStage = 2;
  problem.items[3].fixedStage = 1;
  EXPECT_EQ(failure(problem), "stage hints out of order: item 1 is pinned to "
                              "stage 2 but the later item 3 to stage 1");
  problem = sixItems(3);
  problem.inFlight = {1, 1};
  EXPECT_EQ(failure(problem), "inFlight has 2 entries for 3 stages");
  problem = sixItems(3);
  problem.items[4].seconds = -1;
  EXPECT_EQ(failure(problem),
            "item 4 has a negative or non-finite time or size");
  problem = sixItems(0);
  EXPECT_EQ(failure(problem), "cannot split into 0 pipeline stages");
}

/// The least T (an integer) such that greedily filling layers up to T needs
/// at most `stages` stages: the optimum, computed another way.
double greedyOptimum(const std::vector<double> &layerSeconds, int stages) {
  auto stagesWithin = [&](double limit) {
    int used = 1;
    double load = 0;
    for (double seconds : layerSeconds) {
      if (seconds > limit)
        return stages + 1;
      if (load + seconds > limit) {
        ++used;
        load = 0;
      }
      load += seconds;
    }
    return used;
  };
  double limit = 0;
  while (stagesWithin(limit) > stages)
    ++limit;
  return limit;
}

TEST(Partition, LargeChainsReachTheOptimum) {
  struct Shape {
    int items, itemsPerLayer, stages;
  };
  for (Shape shape : {Shape{10000, 50, 8}, Shape{2000, 1, 16}}) {
    std::mt19937_64 random(shape.items);
    PartitionProblem problem;
    problem.stages = shape.stages;
    std::vector<double> layerSeconds;
    for (int i = 0; i < shape.items; ++i) {
      bool layerStart = i % shape.itemsPerLayer == 0;
      // Integer times keep every sum exact.
      double seconds = double(1 + random() % 9);
      problem.items.push_back(PartitionItem{seconds, 0, 0, -1});
      problem.canCut.push_back(layerStart);
      if (layerStart)
        layerSeconds.push_back(0);
      layerSeconds.back() += seconds;
    }
    std::string error;
    std::optional<Partition> plan = partition(problem, error);
    ASSERT_TRUE(plan) << error;
    expectValid(problem, *plan);
    EXPECT_EQ(plan->bottleneckSeconds,
              greedyOptimum(layerSeconds, shape.stages));
  }
}

PartitionProblem randomTarget() {
  PartitionProblem problem;
  problem.items.assign(20, PartitionItem{1, 0, 0, -1});
  for (int i = 0; i < 20; ++i)
    problem.canCut.push_back(i % 2 == 0);
  problem.items[9].fixedStage = 1;
  problem.items[19].fixedStage = 3;
  problem.stages = 4;
  return problem;
}

TEST(PartitionRandom, ValidVariedAndDeterministic) {
  PartitionProblem problem = randomTarget();
  std::set<std::vector<int>> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    std::string error;
    std::optional<Partition> plan = partitionRandom(problem, seed, error);
    ASSERT_TRUE(plan) << error;
    expectValid(problem, *plan);
    std::optional<Partition> again = partitionRandom(problem, seed, error);
    ASSERT_TRUE(again) << error;
    EXPECT_EQ(again->firstItem, plan->firstItem);
    seen.insert(plan->firstItem);
  }
  EXPECT_GT(seen.size(), 20u);
}

TEST(PartitionRandom, IgnoresMemory) {
  PartitionProblem problem = activationHeavy(0.5);
  std::string error;
  EXPECT_FALSE(partition(problem, error));
  std::optional<Partition> plan = partitionRandom(problem, 3, error);
  ASSERT_TRUE(plan) << error;
  expectValid(problem, *plan);
}

} // namespace
