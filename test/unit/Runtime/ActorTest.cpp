//===- ActorTest.cpp - The actor engine -----------------------------------===//

#include "pxrt/actor.h"
#include "pxrt/comm.h"
#include "pxrt/program.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

using namespace pxrt;
using Clock = std::chrono::steady_clock;

namespace {

int64_t readPiece(const void *slot) {
  int64_t value;
  std::memcpy(&value, slot, sizeof(value));
  return value;
}

void writePiece(void *slot, int64_t value) {
  std::memcpy(slot, &value, sizeof(value));
}

void sleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

/// Registers of 8 bytes laid out one after another.
struct Layout {
  size_t next = 0;
  size_t take(int count) {
    size_t offset = next;
    next += 8 * count;
    return offset;
  }
};

TEST(ActorGraph, ChainPassesEveryPieceThrough) {
  for (int count : {1, 2, 4}) {
    ActorGraph graph(3 * 8 * count);
    Layout layout;
    int a = graph.addRegister("a", 8, count, layout.take(count));
    int b = graph.addRegister("b", 8, count, layout.take(count));
    std::vector<int64_t> out;
    graph.addActor("source", "compute", {}, {a}, [](ActContext &ctx) {
      writePiece(ctx.outputs[0], ctx.piece * 10);
    });
    graph.addActor("double", "compute", {a}, {b}, [](ActContext &ctx) {
      writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]) * 2);
    });
    graph.addActor("sink", "compute", {b}, {}, [&](ActContext &ctx) {
      out.push_back(readPiece(ctx.inputs[0]));
    });
    graph.run(100);
    ASSERT_EQ(out.size(), 100u) << "count " << count;
    for (int64_t p = 0; p < 100; ++p)
      EXPECT_EQ(out[p], p * 20);
    ActorGraph::Stats stats = graph.stats();
    EXPECT_EQ(stats.acts, 300);
    EXPECT_LE(stats.maxSlotsInUse, count);
    ASSERT_EQ(stats.registerMaxSlotsInUse.size(), 2u);
  }
}

TEST(ActorGraph, SlotsLiveAtTheirArenaOffsets) {
  ActorGraph graph(1024);
  int reg = graph.addRegister("r", 16, 3, 512);
  std::vector<std::pair<int64_t, void *>> written;
  std::vector<void *> read;
  graph.addActor("p", "s", {}, {reg}, [&](ActContext &ctx) {
    written.push_back({ctx.piece, ctx.outputs[0]});
  });
  graph.addActor("c", "s", {reg}, {},
                 [&](ActContext &ctx) { read.push_back(ctx.inputs[0]); });
  graph.run(7);
  ASSERT_EQ(written.size(), 7u);
  ASSERT_EQ(read.size(), 7u);
  for (int64_t p = 0; p < 7; ++p) {
    EXPECT_EQ(written[p].second, graph.arena() + 512 + (p % 3) * 16);
    EXPECT_EQ(read[p], written[p].second);
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(graph.arena()) % 64, 0u);
}

/// A fast producer and a slow consumer on separate streams: the producer
/// runs at most `count` pieces ahead (it starts piece p only after the
/// consumer finished piece p - count), and with a slow consumer it does
/// fill every slot.
class BackPressure : public ::testing::TestWithParam<int> {};

TEST_P(BackPressure, ProducerRunsAtMostCountPiecesAhead) {
  const int count = GetParam();
  const int pieces = 12;
  ActorGraph graph(8 * count);
  int reg = graph.addRegister("r", 8, count, 0);
  std::mutex mutex;
  std::vector<Clock::time_point> produced(pieces), consumedEnd(pieces);
  std::vector<int64_t> values;
  graph.addActor("producer", "fast", {}, {reg}, [&](ActContext &ctx) {
    std::lock_guard<std::mutex> lock(mutex);
    produced[ctx.piece] = Clock::now();
    writePiece(ctx.outputs[0], ctx.piece);
  });
  graph.addActor("consumer", "slow", {reg}, {}, [&](ActContext &ctx) {
    sleepMs(5);
    std::lock_guard<std::mutex> lock(mutex);
    values.push_back(readPiece(ctx.inputs[0]));
    consumedEnd[ctx.piece] = Clock::now();
  });
  graph.run(pieces);
  for (int p = 0; p < pieces; ++p)
    EXPECT_EQ(values[p], p);
  for (int p = count; p < pieces; ++p)
    EXPECT_GE(produced[p], consumedEnd[p - count]) << "piece " << p;
  EXPECT_EQ(graph.stats().maxSlotsInUse, count);
  EXPECT_EQ(graph.stats().acts, 2 * pieces);
}

INSTANTIATE_TEST_SUITE_P(Counts, BackPressure, ::testing::Values(1, 2, 4));

TEST(ActorGraph, DiamondJoinsMatchingPieces) {
  ActorGraph graph(1024);
  Layout layout;
  int src = graph.addRegister("src", 8, 2, layout.take(2));
  int left = graph.addRegister("left", 8, 2, layout.take(2));
  int right = graph.addRegister("right", 8, 3, layout.take(3));
  int joined = graph.addRegister("joined", 8, 1, layout.take(1));
  std::vector<int64_t> out;
  graph.addActor("source", "compute", {}, {src}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], ctx.piece);
  });
  graph.addActor("left", "a", {src}, {left}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]) + 1000);
  });
  graph.addActor("right", "b", {src}, {right}, [](ActContext &ctx) {
    if (ctx.piece % 3 == 0)
      sleepMs(1);
    writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]) * 3);
  });
  graph.addActor("join", "compute", {left, right}, {joined},
                 [](ActContext &ctx) {
                   writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]) +
                                                  readPiece(ctx.inputs[1]));
                 });
  graph.addActor("sink", "compute", {joined}, {}, [&](ActContext &ctx) {
    out.push_back(readPiece(ctx.inputs[0]));
  });
  graph.run(50);
  ASSERT_EQ(out.size(), 50u);
  for (int64_t p = 0; p < 50; ++p)
    EXPECT_EQ(out[p], p + 1000 + 3 * p);
  EXPECT_EQ(graph.stats().acts, 5 * 50);
}

TEST(ActorGraph, FanOutKeepsSlotsUntilEveryConsumerHasRead) {
  // One register, three consumers on three streams, one slow: a slot
  // reused too early would show up as a wrong value.
  ActorGraph graph(64);
  int reg = graph.addRegister("r", 8, 2, 0);
  std::atomic<bool> wrong{false};
  std::atomic<int> reads{0};
  graph.addActor("source", "s0", {}, {reg}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], ctx.piece);
  });
  for (int c = 0; c < 3; ++c)
    graph.addActor("reader" + std::to_string(c), "s" + std::to_string(c + 1),
                   {reg}, {}, [&, c](ActContext &ctx) {
                     int64_t before = readPiece(ctx.inputs[0]);
                     if (c == 2)
                       sleepMs(2);
                     if (before != ctx.piece ||
                         readPiece(ctx.inputs[0]) != ctx.piece)
                       wrong = true;
                     ++reads;
                   });
  graph.run(40);
  EXPECT_FALSE(wrong);
  EXPECT_EQ(reads, 120);
  EXPECT_EQ(graph.stats().maxSlotsInUse, 2);
}

TEST(ActorGraph, DrainsWithZeroAndManyPieces) {
  ActorGraph graph(64);
  int a = graph.addRegister("a", 8, 4, 0);
  int b = graph.addRegister("b", 8, 4, 32);
  std::atomic<int64_t> sum{0};
  graph.addActor("source", "x", {}, {a}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], ctx.piece);
  });
  graph.addActor("mid", "y", {a}, {b}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]));
  });
  graph.addActor("sink", "x", {b}, {},
                 [&](ActContext &ctx) { sum += readPiece(ctx.inputs[0]); });
  graph.run(0);
  EXPECT_EQ(graph.stats().acts, 0);
  EXPECT_EQ(sum, 0);
  const int64_t many = 20000;
  graph.run(many);
  EXPECT_EQ(graph.stats().acts, 3 * many);
  EXPECT_EQ(sum, many * (many - 1) / 2);
  // A graph can run again; stats are per run.
  sum = 0;
  graph.run(10);
  EXPECT_EQ(graph.stats().acts, 30);
  EXPECT_EQ(sum, 45);
}

TEST(ActorGraph, EmptyGraphRuns) {
  ActorGraph graph(0);
  graph.run(5);
  EXPECT_EQ(graph.stats().acts, 0);
}

TEST(ActorGraph, OrderBreaksTiesOnAStream) {
  for (bool lowFirst : {true, false}) {
    ActorGraph graph(0);
    std::vector<std::string> log;
    graph.addActor(
        "a", "compute", {}, {},
        [&](ActContext &ctx) {
          log.push_back("a" + std::to_string(ctx.piece));
        },
        lowFirst ? 0 : 1);
    graph.addActor(
        "b", "compute", {}, {},
        [&](ActContext &ctx) {
          log.push_back("b" + std::to_string(ctx.piece));
        },
        lowFirst ? 1 : 0);
    graph.run(3);
    std::vector<std::string> expected =
        lowFirst ? std::vector<std::string>{"a0", "a1", "a2", "b0", "b1", "b2"}
                 : std::vector<std::string>{"b0", "b1", "b2", "a0", "a1", "a2"};
    EXPECT_EQ(log, expected);
  }
}

TEST(ActorGraph, OrderAndCountsImposeAPipelineSchedule) {
  // A forward and a backward actor share a stream; the backward of piece p
  // needs the forward's output, and the register holds 2 pieces. Forward
  // first gives a warm-up of 2 then one-forward-one-backward; backward
  // first alternates from the start.
  for (bool forwardFirst : {true, false}) {
    ActorGraph graph(16);
    int activations = graph.addRegister("activations", 8, 2, 0);
    std::vector<std::string> log;
    graph.addActor(
        "F", "compute", {}, {activations},
        [&](ActContext &ctx) {
          log.push_back("F" + std::to_string(ctx.piece));
        },
        forwardFirst ? 0 : 1);
    graph.addActor(
        "B", "compute", {activations}, {},
        [&](ActContext &ctx) {
          log.push_back("B" + std::to_string(ctx.piece));
        },
        forwardFirst ? 1 : 0);
    graph.run(4);
    std::vector<std::string> expected =
        forwardFirst ? std::vector<std::string>{"F0", "F1", "B0", "F2",
                                                "B1", "F3", "B2", "B3"}
                     : std::vector<std::string>{"F0", "B0", "F1", "B1",
                                                "F2", "B2", "F3", "B3"};
    EXPECT_EQ(log, expected);
  }
}

TEST(ActorGraph, StrictStreamActsInAFixedSequence) {
  // A waits for a slow producer, B is always ready: the plain rule lets B
  // run ahead, a strict stream alternates A and B from piece to piece.
  for (bool strict : {false, true}) {
    ActorGraph graph(8);
    int slow = graph.addRegister("slow", 8, 1, 0);
    std::vector<std::string> log;
    graph.addActor("P", "producer", {}, {slow},
                   [](ActContext &) { sleepMs(3); });
    graph.addActor(
        "A", "comm", {slow}, {},
        [&](ActContext &ctx) {
          log.push_back("A" + std::to_string(ctx.piece));
        },
        0);
    graph.addActor(
        "B", "comm", {}, {},
        [&](ActContext &ctx) {
          log.push_back("B" + std::to_string(ctx.piece));
        },
        1);
    if (strict)
      graph.setStrictOrder("comm");
    graph.run(3);
    if (strict) {
      EXPECT_EQ(log,
                (std::vector<std::string>{"A0", "B0", "A1", "B1", "A2", "B2"}));
    } else {
      ASSERT_EQ(log.size(), 6u);
      EXPECT_EQ(log[0], "B0");
    }
  }
}

TEST(ActorGraph, ScheduleFixesTheOrderOfPiecesAcrossActors) {
  // 1F1B on the last of 2 stages: F0 B0 F1 B1 ... whatever is ready first.
  // The forward is always ready (no inputs), so only the schedule keeps it
  // from running ahead; the activations register has a single slot.
  ActorGraph graph(8);
  int activations = graph.addRegister("activations", 8, 1, 0);
  std::vector<std::string> log;
  int f =
      graph.addActor("F", "compute", {}, {activations}, [&](ActContext &ctx) {
        writePiece(ctx.outputs[0], ctx.piece);
        log.push_back("F" + std::to_string(ctx.piece));
      });
  int b =
      graph.addActor("B", "compute", {activations}, {}, [&](ActContext &ctx) {
        EXPECT_EQ(readPiece(ctx.inputs[0]), ctx.piece);
        log.push_back("B" + std::to_string(ctx.piece));
      });
  // Tasks are (phase, micro-batch); phase 0 runs F, phase 1 runs B.
  std::vector<std::vector<int>> phases = {{f}, {b}};
  graph.setSchedule("compute",
                    scheduleSequence({{0, 0}, {1, 0}, {0, 1}, {1, 1}}, phases));
  graph.run(2);
  EXPECT_EQ(log, (std::vector<std::string>{"F0", "B0", "F1", "B1"}));
  // The same schedule for the next run.
  log.clear();
  graph.run(2);
  EXPECT_EQ(log, (std::vector<std::string>{"F0", "B0", "F1", "B1"}));

  // GPipe's F0 F1 B0 B1 needs two slots: with one it stalls, and says so
  // instead of hanging.
  graph.setSchedule("compute",
                    scheduleSequence({{0, 0}, {0, 1}, {1, 0}, {1, 1}}, phases));
  EXPECT_THROW(graph.run(2), std::logic_error);
}

TEST(ActorGraph, ScheduleNeedsEveryActorOncePerPiece) {
  ActorGraph graph(8);
  int f = graph.addActor("F", "compute", {}, {}, [](ActContext &) {});
  graph.addActor("G", "compute", {}, {}, [](ActContext &) {});
  graph.setSchedule("compute", {f, f});
  try {
    graph.run(2);
    FAIL() << "run() accepted a schedule without G";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("actor 'G' has 0 turns"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(graph.setSchedule("compute", {7}), std::invalid_argument);
}

TEST(ActorGraph, StrictStreamKeepsCollectivesInStepAcrossRanks) {
  // Two all-reduces on one communicator whose inputs are ready in opposite
  // orders on the two ranks: the strict stream calls them in `order` on
  // both, so they match.
  LocalJob job(2, 30);
  std::vector<std::exception_ptr> errors(2);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.emplace_back([&, rank] {
      Communicator &comm = job.world(rank);
      ActorGraph graph(64);
      int x = graph.addRegister("x", 8, 1, 0);
      int y = graph.addRegister("y", 8, 1, 8);
      int sx = graph.addRegister("sx", 8, 1, 16);
      int sy = graph.addRegister("sy", 8, 1, 24);
      graph.onError([&](const std::string &why) { comm.abort(why); });
      graph.setStrictOrder("comm");
      graph.addActor("X", "x", {}, {x}, [rank](ActContext &ctx) {
        if (rank == 0)
          sleepMs(2);
        writePiece(ctx.outputs[0], ctx.piece + rank);
      });
      graph.addActor("Y", "y", {}, {y}, [rank](ActContext &ctx) {
        if (rank == 1)
          sleepMs(2);
        writePiece(ctx.outputs[0], 100 * (ctx.piece + rank));
      });
      for (int i = 0; i < 2; ++i)
        graph.addActor(
            i ? "sumY" : "sumX", "comm", {i ? y : x}, {i ? sy : sx},
            [&](ActContext &ctx) {
              comm.allReduce(ctx.inputs[0], ctx.outputs[0], 1, DType::I64,
                             ReduceOp::Sum, ctx.stream);
            },
            i);
      graph.addActor("check", "compute", {sx, sy}, {}, [](ActContext &ctx) {
        if (readPiece(ctx.inputs[0]) != 2 * ctx.piece + 1 ||
            readPiece(ctx.inputs[1]) != 100 * (2 * ctx.piece + 1))
          throw std::runtime_error("wrong sums");
      });
      try {
        graph.run(10);
      } catch (...) {
        errors[rank] = std::current_exception();
      }
    });
  for (std::thread &t : ranks)
    t.join();
  for (const std::exception_ptr &error : errors)
    EXPECT_FALSE(error);
}

TEST(ActorGraph, CompletionWaitsForWorkTheBodyEnqueued) {
  // As a collective does: the body enqueues the real work on its stream.
  ActorGraph graph(16);
  int reg = graph.addRegister("r", 8, 1, 0);
  std::vector<int64_t> out;
  graph.addActor("async", "comm", {}, {reg}, [](ActContext &ctx) {
    void *slot = ctx.outputs[0];
    int64_t piece = ctx.piece;
    ctx.stream.enqueue([slot, piece] {
      sleepMs(2);
      writePiece(slot, piece + 7);
    });
  });
  graph.addActor("sink", "compute", {reg}, {}, [&](ActContext &ctx) {
    out.push_back(readPiece(ctx.inputs[0]));
  });
  graph.run(5);
  EXPECT_EQ(out, (std::vector<int64_t>{7, 8, 9, 10, 11}));
}

TEST(ActorGraph, ThrowingActorStopsTheGraph) {
  ActorGraph graph(64);
  int a = graph.addRegister("a", 8, 2, 0);
  int b = graph.addRegister("b", 8, 2, 16);
  std::atomic<int> sunk{0};
  std::atomic<int> slowActs{0};
  std::vector<std::string> reported;
  graph.onError(
      [&](const std::string &message) { reported.push_back(message); });
  graph.addActor("source", "s0", {}, {a}, [](ActContext &ctx) {
    writePiece(ctx.outputs[0], ctx.piece);
  });
  graph.addActor("faulty", "s1", {a}, {b}, [](ActContext &ctx) {
    if (ctx.piece == 5)
      throw std::runtime_error("bad piece");
    writePiece(ctx.outputs[0], readPiece(ctx.inputs[0]));
  });
  graph.addActor("sink", "s2", {b}, {}, [&](ActContext &) { ++sunk; });
  // An independent actor on its own stream, slow: in flight when the
  // failure happens, it is waited for but not restarted.
  graph.addActor("slow", "s3", {}, {}, [&](ActContext &) {
    sleepMs(20);
    ++slowActs;
  });
  Clock::time_point start = Clock::now();
  try {
    graph.run(1000);
    FAIL() << "run() did not rethrow";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "bad piece");
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_LE(sunk, 5);
  EXPECT_LT(slowActs, 10);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].find("faulty"), std::string::npos);
  EXPECT_NE(reported[0].find("bad piece"), std::string::npos);
  // The failed stream stays poisoned.
  EXPECT_THROW(graph.run(1), std::runtime_error);
}

TEST(ActorGraph, CycleIsReportedNotHung) {
  ActorGraph graph(16);
  int x = graph.addRegister("x", 8, 1, 0);
  int y = graph.addRegister("y", 8, 1, 8);
  graph.addActor("a", "s", {y}, {x}, [](ActContext &) {});
  graph.addActor("b", "s", {x}, {y}, [](ActContext &) {});
  EXPECT_THROW(graph.run(3), std::logic_error);
}

TEST(ActorGraph, RejectsBadRegisters) {
  ActorGraph graph(64);
  EXPECT_THROW(graph.addRegister("big", 32, 3, 0), std::invalid_argument);
  EXPECT_THROW(graph.addRegister("off", 8, 1, 60), std::invalid_argument);
  EXPECT_THROW(graph.addRegister("none", 8, 0, 0), std::invalid_argument);
  int r = graph.addRegister("r", 8, 2, 0);
  graph.addActor("p", "s", {}, {r}, [](ActContext &) {});
  EXPECT_THROW(graph.addActor("q", "s", {}, {r}, [](ActContext &) {}),
               std::invalid_argument);
  EXPECT_THROW(graph.addActor("q", "s", {7}, {}, [](ActContext &) {}),
               std::invalid_argument);
  graph.addRegister("orphan", 8, 1, 32);
  EXPECT_THROW(graph.run(1), std::invalid_argument);
}

TEST(ActorGraph, StreamsAreSharedByName) {
  ActorGraph graph(0);
  Stream &compute = graph.stream("compute");
  EXPECT_EQ(&compute, &graph.stream("compute"));
  EXPECT_NE(&compute, &graph.stream("comm"));
  Stream *seen = nullptr;
  graph.addActor("a", "compute", {}, {},
                 [&](ActContext &ctx) { seen = &ctx.stream; });
  graph.run(1);
  EXPECT_EQ(seen, &compute);
}

TEST(ActorGraph, FailureOnOneRankStopsThePeersThroughAbort) {
  // Two ranks, each a graph whose second actor all-reduces. Rank 1's
  // compute actor throws at piece 3; its onError aborts the job, so rank
  // 0, blocked in the collective, fails with CommError within seconds
  // although the communicator's timeout is a minute.
  LocalJob job(2, 60);
  std::vector<std::exception_ptr> errors(2);
  Clock::time_point start = Clock::now();
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.emplace_back([&, rank] {
      Communicator &comm = job.world(rank);
      ActorGraph graph(16);
      int x = graph.addRegister("x", 4, 1, 0);
      int y = graph.addRegister("y", 4, 1, 8);
      graph.onError([&](const std::string &why) { comm.abort(why); });
      graph.addActor("compute", "compute", {}, {x}, [rank](ActContext &ctx) {
        if (rank == 1 && ctx.piece == 3)
          throw std::runtime_error("rank 1 died");
        float one = 1;
        std::memcpy(ctx.outputs[0], &one, 4);
      });
      graph.addActor("allreduce", "comm", {x}, {y}, [&](ActContext &ctx) {
        comm.allReduce(ctx.inputs[0], ctx.outputs[0], 1, DType::F32,
                       ReduceOp::Sum, ctx.stream);
      });
      graph.addActor("sink", "compute", {y}, {}, [](ActContext &ctx) {
        float value;
        std::memcpy(&value, ctx.inputs[0], 4);
        if (value != 2)
          throw std::runtime_error("wrong sum");
      });
      try {
        graph.run(100);
      } catch (...) {
        errors[rank] = std::current_exception();
      }
    });
  for (std::thread &t : ranks)
    t.join();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  ASSERT_TRUE(errors[0]);
  ASSERT_TRUE(errors[1]);
  try {
    std::rethrow_exception(errors[0]);
  } catch (const CommError &e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 died"), std::string::npos)
        << e.what();
  } catch (...) {
    ADD_FAILURE() << "rank 0 did not fail with CommError";
  }
  try {
    std::rethrow_exception(errors[1]);
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "rank 1 died");
  }
}

TEST(ActorGraph, StatsCountCpuTimeInBodiesNotWaits) {
  ActorGraph graph(8);
  int r = graph.addRegister("r", 8, 1, 0);
  // Spins for 30 ms of its thread's CPU time, however loaded the host.
  graph.addActor("spin", "compute", {}, {r}, [](ActContext &ctx) {
    auto cpu = [] {
      timespec now{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
      return now.tv_sec + 1e-9 * now.tv_nsec;
    };
    double end = cpu() + 0.03;
    int64_t spins = 0;
    while (cpu() < end)
      ++spins;
    writePiece(ctx.outputs[0], spins);
  });
  graph.addActor("sleep", "io", {r}, {}, [](ActContext &) { sleepMs(30); });
  graph.run(2);
  ActorGraph::Stats stats = graph.stats();
  EXPECT_GE(stats.busySeconds["compute"], 0.06);
  EXPECT_LT(stats.busySeconds["io"], 0.02);
  // Per run().
  graph.run(1);
  EXPECT_GE(graph.stats().busySeconds["compute"], 0.03);
  EXPECT_LT(graph.stats().busySeconds["compute"], 0.06);
}

} // namespace
