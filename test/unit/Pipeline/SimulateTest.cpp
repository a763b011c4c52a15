//===- SimulateTest.cpp - Replaying schedules: time, bubble, memory -------===//

#include "pxc/Pipeline/Simulate.h"

#include <algorithm>
#include <gtest/gtest.h>

using namespace pxc::pipeline;

namespace {

using K = ScheduleKind;

SimulationResult uniform(K kind, int p, int m, TaskCost cost, int v = 1) {
  SimulationInput input;
  input.config = {kind, p, m, v};
  input.stageCosts.assign(p * v, cost);
  return simulate(input);
}

std::string describe(K kind, int p, int m) {
  return std::string(toString(kind)) + " p=" + std::to_string(p) +
         " m=" + std::to_string(m);
}

/// Idle device-seconds of the step.
double idleSeconds(const SimulationResult &r) {
  double idle = r.stepSeconds * r.busySeconds.size();
  for (double busy : r.busySeconds)
    idle -= busy;
  return idle;
}

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(Simulate, GPipeAnd1F1BBubbleIsTheTextbookOne) {
  for (K kind : {K::GPipe, K::OneFOneB})
    for (int p : {2, 4, 8})
      for (int m : {4, 8, 16, 32}) {
        if (m < p)
          continue;
        SCOPED_TRACE(describe(kind, p, m));
        SimulationResult r = uniform(kind, p, m, {1, 2, 0, 0});
        EXPECT_NEAR(r.bubbleFraction, (p - 1.0) / (m + p - 1), 0.02);
        EXPECT_DOUBLE_EQ(r.stepSeconds, 3.0 * (m + p - 1));
      }
}

TEST(Simulate, InterleavedBubbleShrinksWithTheChunks) {
  const int v = 2;
  for (int p : {2, 4, 8})
    for (int m : {4, 8, 16, 32}) {
      if (m < p || m % p != 0)
        continue;
      SCOPED_TRACE(describe(K::Interleaved, p, m));
      SimulationResult r = uniform(K::Interleaved, p, m, {1, 2, 0, 0}, v);
      EXPECT_NEAR(r.bubbleFraction, (p - 1.0) / (v * m + p - 1), 0.02);
    }
}

// With F = B = W, ZB-H1 idles (p-1) units per device against 1F1B's
// 3(p-1) for m >= p: exactly a third of the idle time. The step shrinks
// too, so the bubble *fraction* is a bit more than a third of 1F1B's; it
// is within 0.02 of it once m >= 4p (at m = 2p, p = 8 it is 0.026 over).
TEST(Simulate, ZeroBubbleH1IdlesAThirdOf1F1B) {
  for (int p : {2, 4, 8})
    for (int m : {2, 4, 8, 16, 32}) {
      if (m < p)
        continue;
      SCOPED_TRACE(describe(K::ZeroBubbleH1, p, m));
      SimulationResult zb = uniform(K::ZeroBubbleH1, p, m, {1, 1, 1, 0});
      SimulationResult base = uniform(K::OneFOneB, p, m, {1, 1, 1, 0});
      EXPECT_DOUBLE_EQ(zb.stepSeconds, 3.0 * m + p - 1);
      EXPECT_NEAR(idleSeconds(zb), idleSeconds(base) / 3, 1e-9);
      if (m >= 4 * p) {
        EXPECT_LE(zb.bubbleFraction, base.bubbleFraction / 3 + 0.02);
      }
    }
}

TEST(Simulate, PeakLiveMicroBatchesAndBytes) {
  for (int p : {1, 2, 4, 8})
    for (int m : {1, 3, 8, 16}) {
      SCOPED_TRACE("p=" + std::to_string(p) + " m=" + std::to_string(m));
      for (K kind : {K::GPipe, K::OneFOneB, K::ZeroBubbleH1}) {
        SimulationInput input;
        input.config = {kind, p, m};
        input.stageCosts.assign(p, {1, 2, 1, 0});
        input.activationBytes.assign(p, 10);
        input.staticBytes.assign(p, 1000);
        SimulationResult r = simulate(input);
        for (int d = 0; d < p; ++d) {
          // ZB-H1 keeps a micro-batch until its W, which lags F by p-1 on
          // every device: stage 0 matches 1F1B, later stages hold more.
          int expected = kind == K::GPipe      ? m
                         : kind == K::OneFOneB ? std::min(p - d, m)
                                               : std::min(p, m);
          EXPECT_EQ(r.peakLiveMicroBatches[d], expected) << toString(kind);
          EXPECT_DOUBLE_EQ(r.peakBytes[d], 1000 + 10.0 * expected);
        }
      }
    }
}

TEST(Simulate, SendsDelayTheChainAndAreRecorded) {
  SimulationInput input;
  input.config = {K::OneFOneB, 3, 1};
  input.stageCosts.assign(3, {1, 2, 0, 0});
  input.sendSeconds = {0.5, 0.25};
  SimulationResult r = simulate(input);
  // Forward 3 + sends 0.75, backward 6 + sends 0.75.
  EXPECT_DOUBLE_EQ(r.stepSeconds, 10.5);
  ASSERT_EQ(r.transfers.size(), 4u);
  const Transfer &first = r.transfers.front();
  EXPECT_EQ(first.fromDevice, 0);
  EXPECT_EQ(first.toDevice, 1);
  EXPECT_FALSE(first.backward);
  EXPECT_DOUBLE_EQ(first.start, 1);
  EXPECT_DOUBLE_EQ(first.end, 1.5);
  const Transfer &last = r.transfers.back();
  EXPECT_EQ(last.fromDevice, 1);
  EXPECT_EQ(last.toDevice, 0);
  EXPECT_TRUE(last.backward);
  EXPECT_DOUBLE_EQ(last.end, 10.5 - 2);
}

TEST(Simulate, UpdateRunsOncePerChunk) {
  SimulationResult r = uniform(K::GPipe, 1, 4, {1, 2, 0, 5});
  EXPECT_DOUBLE_EQ(r.stepSeconds, 4 * 3 + 5);
  EXPECT_DOUBLE_EQ(r.bubbleFraction, 0);
  // Interleaved: each of the 2 chunks of every device updates once.
  SimulationResult i = uniform(K::Interleaved, 2, 2, {1, 2, 0, 5}, 2);
  for (double busy : i.busySeconds)
    EXPECT_DOUBLE_EQ(busy, 2 * 2 * 3 + 2 * 5);
}

TEST(Simulate, UnsplitBackwardIncludesTheWeightGradient) {
  SimulationResult r = uniform(K::OneFOneB, 1, 2, {1, 1, 1, 0});
  EXPECT_DOUBLE_EQ(r.stepSeconds, 6);
  EXPECT_EQ(r.events.size(), 6u); // F B U per micro-batch
}

TEST(Simulate, InferenceIsAForwardPipeline) {
  SimulationInput input;
  input.config = {K::OneFOneB, 4, 8, 1, false};
  input.stageCosts.assign(4, {1, 2, 1, 3});
  input.activationBytes.assign(4, 7);
  SimulationResult r = simulate(input);
  EXPECT_DOUBLE_EQ(r.stepSeconds, 8 + 3);
  EXPECT_EQ(r.events.size(), 32u);
  EXPECT_EQ(r.transfers.size(), 3u * 8);
  for (int d = 0; d < 4; ++d) {
    EXPECT_EQ(r.peakLiveMicroBatches[d], 1);
    EXPECT_DOUBLE_EQ(r.peakBytes[d], 7);
  }
}

TEST(Simulate, TraceAndTimelineLookRight) {
  SimulationInput input;
  input.config = {K::ZeroBubbleH1, 3, 4};
  input.stageCosts.assign(3, {1, 1, 1, 0.5});
  input.sendSeconds = {0.1, 0.1};
  SimulationResult r = simulate(input);

  std::string trace = chromeTrace(r);
  EXPECT_NE(trace.find("\"traceEvents\""), std::string::npos);
  // Balanced outside strings (the trace has no escaped quotes).
  int braces = 0, brackets = 0;
  bool inString = false, balanced = true;
  for (char c : trace) {
    if (c == '"')
      inString = !inString;
    else if (!inString) {
      braces += (c == '{') - (c == '}');
      brackets += (c == '[') - (c == ']');
      balanced &= braces >= 0 && brackets >= 0;
    }
  }
  EXPECT_TRUE(balanced && braces == 0 && brackets == 0 && !inString);
  EXPECT_EQ(count(trace, "\"ph\":\"X\""),
            static_cast<int>(r.events.size() + r.transfers.size()));
  EXPECT_EQ(count(trace, "\"cat\":\"weight\""), 3 * 4);

  std::string svg = svgTimeline(r);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  for (int d = 0; d < 3; ++d)
    EXPECT_EQ(count(svg, ">device " + std::to_string(d) + "<"), 1);
  EXPECT_EQ(count(svg, "<title>"),
            static_cast<int>(r.events.size() + r.transfers.size()));
}

} // namespace

namespace {
/// 1F1B over p uniform stages (F = 1, B = 2) whose output layer and loss
/// cost `fv` forward and `bv` backward per micro-batch: on the last stage
/// (`mode` Off) or a p-th on every device.
SimulationResult withVocabulary(int p, int m, double fv, double bv,
                                VocabMode mode, double round = 0) {
  SimulationInput input;
  input.config = {K::OneFOneB, p, m};
  input.config.vocab = mode;
  input.stageCosts.assign(p, TaskCost{1, 2, 0, 0});
  input.vocabRoundSeconds = round;
  for (TaskCost &cost : input.stageCosts) {
    cost.vocabForward = fv / p;
    cost.vocabBackward = bv / p;
  }
  if (mode == VocabMode::Off) {
    input.stageCosts.back().forward += fv;
    input.stageCosts.back().backward += bv;
  }
  return simulate(input);
}

double imbalance(const SimulationResult &r) {
  return *std::max_element(r.busySeconds.begin(), r.busySeconds.end()) /
         *std::min_element(r.busySeconds.begin(), r.busySeconds.end());
}
} // namespace

TEST(Simulate, SpreadVocabularyBalancesTheDevices) {
  // An output layer worth two stages of layers.
  for (int p : {2, 4, 8}) {
    int m = 4 * p;
    SimulationResult off = withVocabulary(p, m, 2, 4, VocabMode::Off);
    for (VocabMode mode : {VocabMode::TwoRounds, VocabMode::OneRound}) {
      SimulationResult spread = withVocabulary(p, m, 2, 4, mode);
      SCOPED_TRACE("p=" + std::to_string(p));
      // Every device does the same work: 3m for its layers, 6m/p for its
      // share of the vocabulary.
      EXPECT_DOUBLE_EQ(imbalance(spread), 1.0);
      EXPECT_GT(imbalance(off), 2.9);
      EXPECT_LT(spread.stepSeconds, off.stepSeconds);
      // The extra bubble of the spread passes is bounded: the step is
      // within 1.6x of the ideal (all work perfectly divided).
      double ideal = m * (3 + 6.0 / p);
      EXPECT_LT(spread.stepSeconds, 1.6 * ideal + 3 * (p - 1));
    }
  }
}

TEST(Simulate, OneRoundWaitsLessThanTwo) {
  // Slow rounds: vocab-1's second one shows.
  for (int p : {2, 4, 8}) {
    double two =
        withVocabulary(p, 4 * p, 2, 4, VocabMode::TwoRounds, 1).stepSeconds;
    double one =
        withVocabulary(p, 4 * p, 2, 4, VocabMode::OneRound, 1).stepSeconds;
    EXPECT_LT(one, two) << "p=" << p;
  }
}

TEST(Simulate, SpreadBubbleIsBelowTheLastStageHoldingIt) {
  // Every device's T(k) waits for all S(k) (the statistics meet on the
  // last stage), so the spread passes add bubble to plain 1F1B's
  // (p-1)/(m+p-1), but far less than the idle time of the devices that
  // wait for a last stage holding the whole output layer; for two more
  // micro-batches of activations per device.
  for (int p : {2, 4, 8})
    for (double vocab : {1.0, 2.0, 10.0 / 3}) {
      int m = 4 * p;
      SimulationResult off =
          withVocabulary(p, m, vocab, 2 * vocab, VocabMode::Off, 0.1);
      SimulationResult spread =
          withVocabulary(p, m, vocab, 2 * vocab, VocabMode::OneRound, 0.1);
      SCOPED_TRACE("p=" + std::to_string(p) +
                   " vocab=" + std::to_string(vocab));
      EXPECT_LT(spread.bubbleFraction, off.bubbleFraction);
      EXPECT_LT(spread.bubbleFraction, 2 * double(p - 1) / (m + p - 1));
      for (int d = 0; d < p; ++d)
        EXPECT_EQ(spread.peakLiveMicroBatches[d], std::min(p - d + 2, m));
    }
}

TEST(Simulate, SpreadEmbeddingRunsAheadOfTheFirstStage) {
  // Every device's lookups of micro-batch k (and their send to the first
  // device) run before the first device's Forward(k) needs them, so a slow
  // send adds nothing per micro-batch; the step grows by about the
  // lookups' and their gradients' own time.
  for (int p : {2, 4, 8}) {
    int m = 4 * p;
    auto step = [&](double lookups, double round) {
      SimulationInput input;
      input.config = {K::OneFOneB, p, m};
      input.config.vocab = VocabMode::OneRound;
      input.stageCosts.assign(p, TaskCost{1, 2, 0, 0});
      for (TaskCost &cost : input.stageCosts)
        cost.embedForward = cost.embedBackward = lookups;
      input.embedRoundSeconds = round;
      return simulate(input).stepSeconds;
    };
    SCOPED_TRACE("p=" + std::to_string(p));
    double base = step(0, 0);
    EXPECT_LT(step(0, 0.5), base + 1.5);
    EXPECT_LT(step(0.05, 0.5), base + 1.5 + 2 * 0.05 * m);
  }
}
