//===- device.cpp - CPU streams and events --------------------------------===//
//
// A CPU stream is one worker thread draining a FIFO of tasks. Callbacks
// (stream order, also run on a poisoned stream) carry completion: events
// and the actor engine use them, so a failure upstream reaches every waiter
// instead of leaving it blocked.
//
//===----------------------------------------------------------------------===//

#include "pxrt/device.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace pxrt {

struct Event::Impl {
  std::mutex mutex;
  std::condition_variable cv;
  /// Generation of the latest record() and the highest one completed.
  uint64_t recorded = 0;
  uint64_t completed = 0;
  /// The error of the stream the completed generation ran on, if any.
  std::exception_ptr error;

  void complete(uint64_t generation, std::exception_ptr streamError) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (generation <= completed)
        return;
      completed = generation;
      error = streamError;
    }
    cv.notify_all();
  }

  /// Blocks until `generation` has completed; returns the error it carried.
  std::exception_ptr waitFor(uint64_t generation) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return completed >= generation; });
    return error;
  }
};

Event::Event() : impl(std::make_shared<Impl>()) {}
Event::~Event() = default;

bool Event::query() const {
  std::lock_guard<std::mutex> lock(impl->mutex);
  return impl->completed >= impl->recorded;
}

void Event::synchronize() const {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    generation = impl->recorded;
  }
  if (std::exception_ptr error = impl->waitFor(generation))
    std::rethrow_exception(error);
}

struct Stream::Impl {
  struct Task {
    std::function<void()> body;
    std::function<void(std::exception_ptr)> callback;
  };

  std::string name;
  std::mutex mutex;
  std::condition_variable work;
  std::condition_variable idle;
  std::deque<Task> queue;
  uint64_t enqueued = 0;
  uint64_t finished = 0;
  /// The first exception a task threw; the stream stays poisoned.
  std::exception_ptr error;
  bool stopping = false;
  std::thread worker;

  void push(Task task) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      queue.push_back(std::move(task));
      ++enqueued;
    }
    work.notify_one();
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      work.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty())
        return;
      Task task = std::move(queue.front());
      queue.pop_front();
      std::exception_ptr poisoned = error;
      lock.unlock();
      std::exception_ptr thrown;
      try {
        if (task.callback)
          task.callback(poisoned);
        else if (!poisoned)
          task.body();
      } catch (...) {
        thrown = std::current_exception();
      }
      // Destroy the task's captures before the stream counts it as done.
      task = Task();
      lock.lock();
      if (thrown && !error)
        error = thrown;
      ++finished;
      idle.notify_all();
    }
  }
};

Stream::Stream(std::string name) : impl(std::make_unique<Impl>()) {
  impl->name = std::move(name);
  impl->worker = std::thread([this] { impl->loop(); });
}

Stream::~Stream() {
  // Pending tasks still run: other streams may wait on their events.
  {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->stopping = true;
  }
  impl->work.notify_one();
  impl->worker.join();
}

const std::string &Stream::name() const { return impl->name; }

void Stream::enqueue(std::function<void()> task) {
  impl->push({std::move(task), nullptr});
}

void Stream::addCallback(std::function<void(std::exception_ptr)> callback) {
  impl->push({nullptr, std::move(callback)});
}

void Stream::synchronize() {
  if (std::this_thread::get_id() == impl->worker.get_id())
    throw std::logic_error("stream '" + impl->name +
                           "': synchronize() called from one of its tasks");
  std::unique_lock<std::mutex> lock(impl->mutex);
  uint64_t target = impl->enqueued;
  impl->idle.wait(lock, [&] { return impl->finished >= target; });
  if (impl->error)
    std::rethrow_exception(impl->error);
}

void Stream::record(Event &event) {
  std::shared_ptr<Event::Impl> target = event.impl;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(target->mutex);
    generation = ++target->recorded;
  }
  addCallback([target, generation](std::exception_ptr error) {
    target->complete(generation, error);
  });
}

void Stream::wait(Event &event) {
  std::shared_ptr<Event::Impl> target = event.impl;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(target->mutex);
    generation = target->recorded;
  }
  // A failure before the event poisons this stream too.
  enqueue([target, generation] {
    if (std::exception_ptr error = target->waitFor(generation))
      std::rethrow_exception(error);
  });
}

} // namespace pxrt
