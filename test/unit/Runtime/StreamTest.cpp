//===- StreamTest.cpp - CPU streams and events ----------------------------===//

#include "pxrt/device.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace pxrt;

namespace {

/// Blocks a stream until the test opens it.
struct Gate {
  std::promise<void> promise;
  std::shared_future<void> future = promise.get_future().share();
  std::function<void()> task() {
    std::shared_future<void> f = future;
    return [f] { f.wait(); };
  }
  void open() { promise.set_value(); }
};

TEST(Stream, RunsTasksInOrderOnOneWorkerThread) {
  Stream stream("compute");
  EXPECT_EQ(stream.name(), "compute");
  std::vector<int> seen;
  std::vector<std::thread::id> threads;
  for (int i = 0; i < 1000; ++i)
    stream.enqueue([&, i] {
      seen.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  stream.synchronize();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(seen[i], i);
  for (std::thread::id id : threads) {
    EXPECT_EQ(id, threads[0]);
    EXPECT_NE(id, std::this_thread::get_id());
  }
}

TEST(Stream, SynchronizeWaitsForEnqueuedWork) {
  Stream stream("s");
  Gate gate;
  std::atomic<bool> ran{false};
  stream.enqueue(gate.task());
  stream.enqueue([&] { ran = true; });
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.open();
  });
  stream.synchronize();
  EXPECT_TRUE(ran);
  opener.join();
}

TEST(Stream, DestructorRunsPendingTasks) {
  std::atomic<int> ran{0};
  {
    Stream stream("s");
    for (int i = 0; i < 100; ++i)
      stream.enqueue([&] { ++ran; });
  }
  EXPECT_EQ(ran, 100);
}

TEST(Event, CompletesAfterTheWorkRecordedBefore) {
  Stream stream("s");
  Event event;
  EXPECT_TRUE(event.query()); // never recorded
  Gate gate;
  stream.enqueue(gate.task());
  stream.record(event);
  EXPECT_FALSE(event.query());
  gate.open();
  event.synchronize();
  EXPECT_TRUE(event.query());
  // Recorded again: the new record is what counts.
  Gate second;
  stream.enqueue(second.task());
  stream.record(event);
  EXPECT_FALSE(event.query());
  second.open();
  event.synchronize();
  EXPECT_TRUE(event.query());
}

TEST(Event, CrossStreamWait) {
  Stream producer("producer");
  Stream consumer("consumer");
  Gate gate;
  int value = 0;
  int seen = -1;
  Event ready;
  producer.enqueue(gate.task());
  producer.enqueue([&] { value = 42; });
  producer.record(ready);
  consumer.wait(ready);
  consumer.enqueue([&] { seen = value; });
  // The consumer must not overtake the gated producer.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(seen, -1);
  gate.open();
  consumer.synchronize();
  EXPECT_EQ(seen, 42);
}

TEST(Event, WaitUsesTheRecordBeforeTheWait) {
  Stream a("a");
  Stream b("b");
  Event event;
  a.record(event);
  b.wait(event); // satisfied by the first record
  Gate gate;
  a.enqueue(gate.task());
  a.record(event);
  std::atomic<bool> ran{false};
  b.enqueue([&] { ran = true; });
  b.synchronize();
  EXPECT_TRUE(ran);
  gate.open();
  a.synchronize();
}

TEST(Stream, ExceptionPoisonsTheStream) {
  Stream stream("s");
  bool before = false;
  bool after = false;
  stream.enqueue([&] { before = true; });
  stream.enqueue([] { throw std::runtime_error("kernel failed"); });
  stream.enqueue([&] { after = true; });
  try {
    stream.synchronize();
    FAIL() << "synchronize() did not rethrow";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "kernel failed");
  }
  EXPECT_TRUE(before);
  EXPECT_FALSE(after);
  // Sticky: later work is skipped and the first error is rethrown again.
  stream.enqueue([] { throw std::logic_error("second"); });
  EXPECT_THROW(stream.synchronize(), std::runtime_error);
}

TEST(Stream, PoisonTravelsThroughEvents) {
  Stream a("a");
  Stream b("b");
  Event event;
  a.enqueue([] { throw std::runtime_error("upstream"); });
  a.record(event);
  b.wait(event);
  bool ran = false;
  b.enqueue([&] { ran = true; });
  EXPECT_THROW(b.synchronize(), std::runtime_error);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(event.query());
  EXPECT_THROW(event.synchronize(), std::runtime_error);
}

TEST(Stream, CallbacksRunInOrderAndSeeThePoison) {
  Stream stream("s");
  std::vector<std::string> log;
  stream.enqueue([&] { log.push_back("task"); });
  stream.addCallback(
      [&](std::exception_ptr error) { log.push_back(error ? "error" : "ok"); });
  stream.enqueue([] { throw std::runtime_error("boom"); });
  stream.addCallback(
      [&](std::exception_ptr error) { log.push_back(error ? "error" : "ok"); });
  EXPECT_THROW(stream.synchronize(), std::runtime_error);
  EXPECT_EQ(log, (std::vector<std::string>{"task", "ok", "error"}));
}

TEST(Stream, SynchronizeFromOwnTaskIsRejected) {
  Stream stream("s");
  bool rejected = false;
  stream.enqueue([&] {
    try {
      stream.synchronize();
    } catch (const std::logic_error &) {
      rejected = true;
    }
  });
  stream.synchronize();
  EXPECT_TRUE(rejected);
}

TEST(Stream, StreamsRunConcurrently) {
  // Each stream blocks until the other has started: only concurrent
  // workers can finish.
  Stream a("a");
  Stream b("b");
  std::promise<void> aStarted, bStarted;
  std::shared_future<void> aFuture = aStarted.get_future().share();
  std::shared_future<void> bFuture = bStarted.get_future().share();
  a.enqueue([&] {
    aStarted.set_value();
    bFuture.wait();
  });
  b.enqueue([&] {
    bStarted.set_value();
    aFuture.wait();
  });
  a.synchronize();
  b.synchronize();
}

} // namespace
