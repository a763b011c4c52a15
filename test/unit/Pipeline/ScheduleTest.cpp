//===- ScheduleTest.cpp - Task orders of the pipeline schedules -----------===//

#include "pxc/Pipeline/Schedule.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <tuple>

using namespace pxc::pipeline;

namespace {

constexpr ScheduleKind kKinds[] = {ScheduleKind::GPipe, ScheduleKind::OneFOneB,
                                   ScheduleKind::Interleaved,
                                   ScheduleKind::ZeroBubbleH1};

/// "F0 B0 U0 ..."; with chunks, "F0.1" is micro-batch 0 on chunk 1.
std::string render(const std::vector<Task> &tasks, bool chunks = false) {
  std::string out;
  for (const Task &task : tasks) {
    out += (out.empty() ? "" : " ") + std::string(toString(task.phase)) +
           std::to_string(task.microBatch);
    if (chunks)
      out += "." + std::to_string(task.chunk);
  }
  return out;
}

/// Every valid configuration with up to 8 stages and 16 micro-batches.
std::vector<ScheduleConfig> configs() {
  std::vector<ScheduleConfig> out;
  for (ScheduleKind kind : kKinds)
    for (int p : {1, 2, 3, 4, 5, 8})
      for (int m = 1; m <= 16; ++m)
        for (int v : {1, 2, 3})
          for (bool training : {true, false}) {
            ScheduleConfig config{kind, p, m, v, training};
            if (validate(config).empty())
              out.push_back(config);
          }
  return out;
}

std::string describe(const ScheduleConfig &c) {
  return std::string(toString(c.kind)) + " p=" + std::to_string(c.stages) +
         " m=" + std::to_string(c.microBatches) +
         " v=" + std::to_string(c.virtualStages) +
         (c.training ? " training" : " inference");
}

/// Runs every device's list together, advancing any device whose next task
/// has its inputs done. Returns "" or the tasks the devices are stuck at.
std::string runTogether(const ScheduleConfig &config) {
  int p = config.stages, stages = p * config.virtualStages;
  bool split = splitsBackward(config.kind);
  std::set<std::tuple<Phase, int, int>> done; // (phase, micro-batch, stage)
  auto isDone = [&](Phase phase, int k, int stage) {
    return done.count({phase, k, stage}) > 0;
  };
  auto onEveryDevice = [&](Phase phase, int k) {
    for (int d = 0; d < p; ++d)
      if (!isDone(phase, k, d))
        return false;
    return true;
  };
  auto inputsDone = [&](const Task &t, int stage) {
    int k = t.microBatch;
    bool vocab = config.vocab != VocabMode::Off;
    switch (t.phase) {
    case Phase::EmbedForward:
      return true;
    case Phase::Forward:
      return stage == 0 ? !vocab || onEveryDevice(Phase::EmbedForward, k)
                        : isDone(Phase::Forward, k, stage - 1);
    case Phase::EmbedBackward:
      return isDone(Phase::Backward, k, 0);
    case Phase::Backward:
      return isDone(Phase::Forward, k, stage) &&
             (stage == stages - 1 ? config.vocab == VocabMode::Off ||
                                        onEveryDevice(Phase::VocabBackward, k)
                                  : isDone(Phase::Backward, k, stage + 1));
    case Phase::VocabForward:
      return isDone(Phase::Forward, k, stages - 1);
    case Phase::VocabBackward:
      return config.vocab == VocabMode::OneRound
                 ? isDone(Phase::VocabForward, k, stage)
                 : onEveryDevice(Phase::VocabForward, k);
    case Phase::Weight:
      return isDone(Phase::Backward, k, stage);
    case Phase::Update:
      return isDone(Phase::Backward, k, stage) &&
             (!split || isDone(Phase::Weight, k, stage)) &&
             (!vocab || isDone(Phase::EmbedBackward, k, stage % p));
    }
    return false;
  };
  std::vector<std::vector<Task>> lists;
  for (int d = 0; d < p; ++d)
    lists.push_back(buildSchedule(config, d));
  std::vector<size_t> next(p, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int d = 0; d < p; ++d)
      for (; next[d] < lists[d].size(); ++next[d]) {
        const Task &t = lists[d][next[d]];
        int stage = t.chunk * p + d;
        if (!inputsDone(t, stage))
          break;
        done.insert({t.phase, t.microBatch, stage});
        progress = true;
      }
  }
  std::string stuck;
  for (int d = 0; d < p; ++d)
    if (next[d] < lists[d].size())
      stuck += " device " + std::to_string(d) + " at " +
               render({lists[d][next[d]]}, true);
  return stuck;
}

TEST(Schedule, NamesRoundTrip) {
  for (ScheduleKind kind : kKinds)
    EXPECT_EQ(parseScheduleKind(toString(kind)), kind);
  EXPECT_EQ(parseScheduleKind("GPipe"), std::nullopt);
  EXPECT_EQ(parseScheduleKind(""), std::nullopt);
  EXPECT_STREQ(toString(Phase::Weight), "W");
}

TEST(Schedule, ValidateNamesTheProblem) {
  using K = ScheduleKind;
  EXPECT_EQ(validate({K::OneFOneB, 4, 8}), "");
  EXPECT_EQ(validate({K::Interleaved, 4, 8, 2}), "");
  EXPECT_EQ(validate({K::GPipe, 0, 8}),
            "a pipeline needs at least 1 stage, got 0");
  EXPECT_EQ(validate({K::GPipe, 2, 0}),
            "a pipeline needs at least 1 micro-batch, got 0");
  EXPECT_EQ(validate({K::Interleaved, 2, 4, 1}),
            "the interleaved schedule needs at least 2 virtual stages per "
            "device, got 1");
  EXPECT_EQ(validate({K::ZeroBubbleH1, 2, 4, 2}),
            "only the interleaved schedule has virtual stages; zb-h1 needs "
            "1, got 2");
  EXPECT_EQ(validate({K::Interleaved, 4, 6, 2}),
            "the interleaved schedule needs micro-batches (6) to be a "
            "multiple of stages (4), as in Megatron-LM");
}

TEST(Schedule, EveryTaskExactlyOnce) {
  for (const ScheduleConfig &config : configs()) {
    SCOPED_TRACE(describe(config));
    int p = config.stages, v = config.virtualStages, m = config.microBatches;
    std::vector<Phase> phases = {Phase::Forward};
    if (config.training) {
      phases.insert(phases.end(), {Phase::Backward, Phase::Update});
      if (splitsBackward(config.kind))
        phases.push_back(Phase::Weight);
    }
    for (int d = 0; d < p; ++d) {
      std::map<std::tuple<Phase, int, int>, int> seen;
      for (const Task &t : buildSchedule(config, d))
        ++seen[{t.phase, t.microBatch, t.chunk}];
      EXPECT_EQ(seen.size(), phases.size() * v * m);
      for (Phase phase : phases)
        for (int c = 0; c < v; ++c)
          for (int k = 0; k < m; ++k)
            EXPECT_EQ((seen[{phase, k, c}]), 1);
    }
  }
}

TEST(Schedule, DevicesRunTogetherWithoutDeadlock) {
  for (const ScheduleConfig &config : configs())
    EXPECT_EQ(runTogether(config), "") << describe(config);
}

TEST(Schedule, KnownOrders) {
  using K = ScheduleKind;
  EXPECT_EQ(render(buildSchedule({K::GPipe, 2, 3}, 0)),
            "F0 F1 F2 B0 U0 B1 U1 B2 U2");
  // Megatron-LM's 1F1B: p-d-1 warm-up forwards, then F B pairs.
  EXPECT_EQ(render(buildSchedule({K::OneFOneB, 4, 6}, 1)),
            "F0 F1 F2 B0 U0 F3 B1 U1 F4 B2 U2 F5 B3 U3 B4 U4 B5 U5");
  EXPECT_EQ(render(buildSchedule({K::OneFOneB, 4, 1}, 0)), "F0 B0 U0");
  // ZB-H1: B lags F by p-1-d, W lags F by p-1.
  EXPECT_EQ(render(buildSchedule({K::ZeroBubbleH1, 2, 3}, 0)),
            "F0 F1 B0 W0 U0 F2 B1 W1 U1 B2 W2 U2");
  EXPECT_EQ(render(buildSchedule({K::ZeroBubbleH1, 2, 3}, 1)),
            "F0 B0 F1 B1 W0 U0 F2 B2 W1 U1 W2 U2");
  // Megatron-LM's interleaved order, p = 2, v = 2, m = 4: forwards in groups
  // of p micro-batches per chunk, backwards from the last chunk.
  EXPECT_EQ(render(buildSchedule({K::Interleaved, 2, 4, 2}, 0), true),
            "F0.0 F1.0 F0.1 F1.1 F2.0 B0.1 U0.1 F3.0 B1.1 U1.1 F2.1 B0.0 "
            "U0.0 F3.1 B1.0 U1.0 B2.1 U2.1 B3.1 U3.1 B2.0 U2.0 B3.0 U3.0");
  EXPECT_EQ(render(buildSchedule({K::Interleaved, 2, 4, 2}, 1), true),
            "F0.0 F1.0 F0.1 B0.1 U0.1 F1.1 B1.1 U1.1 F2.0 B0.0 U0.0 F3.0 "
            "B1.0 U1.0 F2.1 B2.1 U2.1 F3.1 B3.1 U3.1 B2.0 U2.0 B3.0 U3.0");
}

TEST(Schedule, InferenceRunsForwardsInOrder) {
  using K = ScheduleKind;
  EXPECT_EQ(render(buildSchedule({K::ZeroBubbleH1, 3, 3, 1, false}, 2)),
            "F0 F1 F2");
  EXPECT_EQ(render(buildSchedule({K::Interleaved, 2, 2, 2, false}, 1), true),
            "F0.0 F1.0 F0.1 F1.1");
}

TEST(Schedule, LiveSlotsOfHandWrittenLists) {
  Task f0{Phase::Forward, 0}, f1{Phase::Forward, 1};
  Task b0{Phase::Backward, 0}, b1{Phase::Backward, 1};
  EXPECT_EQ(liveSlots({f0, f1, b0, b1}, Phase::Forward, 0, Phase::Backward, 0),
            2);
  EXPECT_EQ(liveSlots({f0, b0, f1, b1}, Phase::Forward, 0, Phase::Backward, 0),
            1);
  // A micro-batch without its `to` task keeps its slot to the end.
  EXPECT_EQ(liveSlots({f0, f1}, Phase::Forward, 0, Phase::Backward, 0), 2);
  EXPECT_EQ(liveSlots({}, Phase::Forward, 0, Phase::Backward, 0), 1);
  // Another chunk's tasks do not count.
  Task f1c1{Phase::Forward, 1, 1};
  EXPECT_EQ(liveSlots({f0, f1c1, b0}, Phase::Forward, 0, Phase::Backward, 0),
            1);
}

TEST(Schedule, LiveSlotsOfTheSchedules) {
  using K = ScheduleKind;
  for (int p = 1; p <= 8; ++p)
    for (int m = 1; m <= 16; ++m)
      for (int d = 0; d < p; ++d) {
        SCOPED_TRACE("p=" + std::to_string(p) + " m=" + std::to_string(m) +
                     " d=" + std::to_string(d));
        auto slots = [&](K kind) {
          return liveSlots(buildSchedule({kind, p, m}, d), Phase::Forward, 0,
                           Phase::Backward, 0);
        };
        EXPECT_EQ(slots(K::OneFOneB), std::min(p - d, m));
        EXPECT_EQ(slots(K::GPipe), m);
        EXPECT_EQ(slots(K::ZeroBubbleH1), slots(K::OneFOneB));
      }
}

} // namespace

TEST(Schedule, VocabularyPassesNeverDeadlock) {
  std::vector<ScheduleConfig> configs;
  for (int p = 1; p <= 8; ++p)
    for (int m = 1; m <= 3 * p + 1; ++m)
      configs.push_back({ScheduleKind::OneFOneB, p, m});
  for (int p = 2; p <= 4; ++p)
    for (int v = 2; v <= 3; ++v)
      for (int m = p; m <= 3 * p; m += p)
        configs.push_back({ScheduleKind::Interleaved, p, m, v});
  for (VocabMode mode : {VocabMode::TwoRounds, VocabMode::OneRound})
    for (ScheduleConfig config : configs) {
      config.vocab = mode;
      SCOPED_TRACE(describe(config));
      ASSERT_EQ(validate(config), "");
      EXPECT_EQ(runTogether(config), "");
      int m = config.microBatches, v = config.virtualStages;
      for (int d = 0; d < config.stages; ++d) {
        // E(k) before every F(k); S(k) then T(k) before every B(k); G(k)
        // after B(k) and before U(k); E, S, T, G in micro-batch order.
        std::vector<Task> tasks = buildSchedule(config, d);
        int nextE = 0, nextS = 0, nextT = 0, nextG = 0, updates = 0,
            forwards = 0, backwards = 0;
        for (const Task &t : tasks) {
          if (t.phase == Phase::EmbedForward) {
            EXPECT_EQ(t.microBatch, nextE++);
          } else if (t.phase == Phase::VocabForward) {
            EXPECT_EQ(t.microBatch, nextS++);
          } else if (t.phase == Phase::VocabBackward) {
            EXPECT_EQ(t.microBatch, nextT++);
          } else if (t.phase == Phase::EmbedBackward) {
            EXPECT_EQ(t.microBatch, nextG++);
            EXPECT_GE(backwards, nextG);
          } else if (t.phase == Phase::Update) {
            EXPECT_GT(nextG, t.microBatch);
            ++updates;
          } else if (t.phase == Phase::Backward) {
            EXPECT_GT(nextT, t.microBatch);
            ++backwards;
          } else if (t.phase == Phase::Forward) {
            EXPECT_GT(nextE, t.microBatch);
            ++forwards;
          }
          EXPECT_LE(nextT, nextS);
        }
        for (int count : {nextE, nextS, nextT, nextG})
          EXPECT_EQ(count, m);
        for (int count : {updates, forwards, backwards})
          EXPECT_EQ(count, m * v);
      }
    }
  ScheduleConfig gpipe{ScheduleKind::GPipe, 2, 4};
  gpipe.vocab = VocabMode::OneRound;
  EXPECT_EQ(validate(gpipe), "vocabulary layers spread over the pipeline "
                             "need a training step with the 1f1b or the "
                             "interleaved schedule");
}

TEST(Schedule, LastStageRunsItsShareRightAfterItsForward) {
  // ... (its input embedding's lookups of later micro-batches aside) and
  // its Backward(k) after Forward(k+1): the devices' shares of k run
  // meanwhile.
  for (VocabMode mode : {VocabMode::TwoRounds, VocabMode::OneRound}) {
    ScheduleConfig config{ScheduleKind::OneFOneB, 4, 8};
    config.vocab = mode;
    std::vector<Task> last;
    for (const Task &task : buildSchedule(config, 3))
      if (task.phase != Phase::EmbedForward)
        last.push_back(task);
    std::vector<int> forwardAt(8, -1), backwardAt(8, -1);
    for (size_t i = 0; i < last.size(); ++i) {
      if (last[i].phase == Phase::Forward) {
        forwardAt[last[i].microBatch] = static_cast<int>(i);
        ASSERT_LT(i + 1, last.size());
        EXPECT_EQ(last[i + 1].phase, Phase::VocabForward);
        EXPECT_EQ(last[i + 1].microBatch, last[i].microBatch);
      }
      if (last[i].phase == Phase::Backward)
        backwardAt[last[i].microBatch] = static_cast<int>(i);
    }
    for (int k = 0; k + 1 < 8; ++k)
      EXPECT_GT(backwardAt[k], forwardAt[k + 1]) << "k=" << k;
  }
}
