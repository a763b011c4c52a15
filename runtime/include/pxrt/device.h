//===- device.h - Streams and events ----------------------------*- C++ -*-===//
//
// Work on a device is ordered by streams, as in CUDA: a Stream runs its
// tasks in the order they were enqueued; an Event marks a point in a stream
// that other streams (or the host) can wait for. On the CPU a stream is a
// worker thread. Compute and communication use different streams so that
// they overlap.
//
// Errors are sticky, as in CUDA: a task that throws poisons its stream, and
// the poison travels through events, so work that depends on a failed task
// is skipped rather than run on bad data, and no waiter is left blocked.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_DEVICE_H
#define PXRT_DEVICE_H

#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace pxrt {

class Event;

/// Destroying a stream lets its pending tasks run first.
class Stream {
public:
  explicit Stream(std::string name);
  ~Stream();
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  const std::string &name() const;
  /// Runs `task` on the stream after everything enqueued before it. A task
  /// that throws poisons the stream: later tasks are skipped and
  /// synchronize() rethrows the first exception.
  void enqueue(std::function<void()> task);
  /// Runs `callback` in stream order, like cudaStreamAddCallback: also on a
  /// poisoned stream, with the stream's first exception (null when none).
  /// The actor engine learns that an act has completed this way.
  void addCallback(std::function<void(std::exception_ptr)> callback);
  /// Waits until every task enqueued so far has run. Must not be called
  /// from one of the stream's own tasks (std::logic_error).
  void synchronize();
  /// `event` completes when every task enqueued so far has run (or been
  /// skipped); it carries the stream's exception if it is poisoned.
  void record(Event &event);
  /// Tasks enqueued after this call start once `event`, as last recorded
  /// before this call, has completed; an event that carries an exception
  /// poisons this stream with it. An event never recorded is complete.
  void wait(Event &event);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

class Event {
public:
  Event();
  ~Event();
  /// Whether the work the event was last recorded after has run.
  bool query() const;
  /// Blocks the calling thread until then; rethrows the exception the event
  /// carries.
  void synchronize() const;

private:
  friend class Stream;
  struct Impl;
  std::shared_ptr<Impl> impl;
};

} // namespace pxrt

#endif // PXRT_DEVICE_H
