//===- device.h - Streams and events ----------------------------*- C++ -*-===//
//
// Work on a device is ordered by streams, as in CUDA: a Stream runs its
// tasks in the order they were enqueued; an Event marks a point in a stream
// that other streams (or the host) can wait for. On the CPU a stream is a
// worker thread. Compute and communication use different streams so that
// they overlap.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_DEVICE_H
#define PXRT_DEVICE_H

#include <functional>
#include <memory>
#include <string>

namespace pxrt {

class Event;

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
  /// Waits until every task enqueued so far has run.
  void synchronize();
  /// `event` completes when every task enqueued so far has run.
  void record(Event &event);
  /// Tasks enqueued after this call start once `event` has completed.
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
  /// Blocks the calling thread until then.
  void synchronize() const;

private:
  friend class Stream;
  struct Impl;
  std::shared_ptr<Impl> impl;
};

} // namespace pxrt

#endif // PXRT_DEVICE_H
