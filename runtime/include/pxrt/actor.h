//===- actor.h - The actor engine -------------------------------*- C++ -*-===//
//
// OneFlow's execution model. A program on one rank is a graph of actors
// (one per kernel or transfer). Actors exchange data through registers: a
// register is a buffer with `count` slots; its producer writes a piece into
// a free slot, its consumers read it and hand the slot back (credit-based
// back-pressure). An actor acts for piece n when every input register holds
// piece n and every output register has a free slot; with counts > 1 a
// producer runs ahead of its consumers (pipelining). Source actors (no
// inputs) act for pieces 0..N-1, then end-of-data propagates through the
// graph and run() returns once every actor has drained.
//
// Slots live at fixed offsets in one arena per rank, chosen by the compiler
// (px-plan-memory): slot k of a register is at offset + k * bytes, and
// piece n uses slot n % count.
//
// Each stream runs one act at a time. When a stream is free, the engine
// starts the ready actor of that stream with the lowest `order` (then the
// lowest id). An act is complete when its body has returned and everything
// the body enqueued on its stream (a collective, a copy) has run.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_ACTOR_H
#define PXRT_ACTOR_H

#include "pxrt/device.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pxrt {

/// What an actor sees when it acts.
struct ActContext {
  /// The piece (step or micro-batch) being processed, from 0.
  int64_t piece;
  /// The slot of each input and output register for this piece, in the
  /// order the actor declared them.
  std::vector<void *> inputs;
  std::vector<void *> outputs;
  /// The stream the actor runs on.
  Stream &stream;
};

using ActFn = std::function<void(ActContext &)>;

class ActorGraph {
public:
  /// `arenaBytes` of memory (zeroed, 64-byte aligned) for every register
  /// slot of this rank.
  explicit ActorGraph(size_t arenaBytes);
  ~ActorGraph();

  char *arena();
  /// A stream for the actors of one kind ("compute", "comm", ...); created
  /// on first use.
  Stream &stream(const std::string &name);

  /// A register of `count` slots of `bytes` each, slot k at arena offset
  /// `offset + k * bytes` (std::invalid_argument if outside the arena).
  int addRegister(std::string name, size_t bytes, int count, size_t offset);
  /// An actor running `body` on `stream` for every piece; `order` breaks
  /// ties between actors of one stream ready at the same time (lower
  /// first), which is how the compiler's schedule (1F1B, ...) is imposed.
  /// Each register has exactly one producer (std::invalid_argument).
  int addActor(std::string name, const std::string &stream,
               std::vector<int> inputs, std::vector<int> outputs, ActFn body,
               int64_t order = 0);

  /// Makes the actors of `stream` act in one fixed sequence: piece by piece,
  /// and within a piece by `order` (then id), whatever the timing. Put
  /// collectives on such a stream: the ranks then call them in the same
  /// order, as every transport requires (readiness, which the plain rule
  /// follows, differs between ranks). `order` must then be consistent with
  /// the data flow between these actors, or run() reports a stall.
  void setStrictOrder(const std::string &stream);

  /// Makes the actors of `stream` act in exactly this sequence in each
  /// run(): each entry is an actor id, and the actor acts its next piece
  /// when its turn comes. This is how a pipeline schedule (1F1B, ...) fixes
  /// the order of the forward and backward work of different pieces. Every
  /// actor of the stream must appear once per piece of the run
  /// (std::invalid_argument from run() otherwise).
  void setSchedule(const std::string &stream, std::vector<int> sequence);

  /// Runs `pieces` pieces through the graph and drains it. An exception
  /// thrown by an actor stops the graph: no act starts after it, run()
  /// waits for the acts in flight and rethrows the first exception. The
  /// failed stream stays poisoned, so a later run() rethrows it too. A graph
  /// that cannot progress (a cycle of registers) throws std::logic_error.
  void run(int64_t pieces);

  /// Called once per run(), from the thread that saw it, with the first
  /// failure's message, before run() waits for the acts in flight. Programs
  /// pass the communicator's abort() so that peers blocked in a collective
  /// (here or on other ranks) fail now instead of at their timeout.
  void onError(std::function<void(const std::string &)> handler);

  /// Counters of the last run(), for tests and benchmarks.
  struct Stats {
    int64_t acts = 0;
    /// Largest number of slots of one register in use at the same time
    /// (being written, or holding a piece not every consumer has read).
    int maxSlotsInUse = 0;
    /// The same per register, by register id.
    std::vector<int> registerMaxSlotsInUse;
    /// CPU seconds each stream's thread spent in actor bodies (host work;
    /// on a device stream, the time to enqueue; a library's own worker
    /// threads, such as a multi-threaded GEMM's, are not counted).
    std::map<std::string, double> busySeconds;
  };
  Stats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace pxrt

#endif // PXRT_ACTOR_H
