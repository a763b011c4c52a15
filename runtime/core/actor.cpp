//===- actor.cpp - The actor engine ---------------------------------------===//
//
// There is no scheduler thread: the state of the graph lives under one
// mutex, and whoever changes it (run() at the start, a stream's worker when
// an act completes) re-examines the actors whose readiness may have changed
// and starts acts on idle streams. A completing act therefore usually
// starts the next one on its own worker thread, without a thread switch.
//
// Slot bookkeeping needs no per-slot state: pieces flow through every
// register in order, so an actor that has completed `done` pieces has read
// (or written) exactly pieces 0..done-1, and register r holds the pieces
// between its slowest consumer's `done` and its producer's.
//
//===----------------------------------------------------------------------===//

#include "pxrt/actor.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>

namespace pxrt {

namespace {

constexpr std::align_val_t kArenaAlignment{64};

struct ArenaDeleter {
  void operator()(char *memory) const {
    ::operator delete(memory, kArenaAlignment);
  }
};

std::string describe(const std::exception_ptr &error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception &e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

} // namespace

struct ActorGraph::Impl {
  struct Register {
    std::string name;
    size_t bytes;
    int count;
    size_t offset;
    int producer = -1;
    std::vector<int> consumers;
    bool ended = false;
    int maxInUse = 0;
  };

  struct StreamState {
    std::unique_ptr<Stream> stream;
    bool busy = false;
    /// Ready actors of this stream by (order, id).
    std::set<std::pair<int64_t, int>> ready;
    /// A strict stream acts its actors in this sequence, over and over;
    /// a scheduled one in `schedule`, once per run.
    bool strict = false;
    std::vector<int> sequence;
    std::vector<int> schedule;
    bool scheduled = false;
    size_t next = 0;
    /// CPU time in actor bodies this run(); written by the stream's thread.
    double busySeconds = 0;
  };

  struct Actor {
    std::string name;
    StreamState *stream;
    std::vector<int> inputs;
    std::vector<int> outputs;
    ActFn body;
    int64_t order;
    /// Reused by every act: an actor has at most one act in flight.
    std::unique_ptr<ActContext> context;
    /// Pieces completed.
    int64_t done = 0;
    bool busy = false;
    bool finished = false;
    bool ready = false;
  };

  std::unique_ptr<char, ArenaDeleter> arena;
  size_t arenaBytes;
  std::map<std::string, StreamState> streams;
  std::vector<Register> registers;
  std::vector<Actor> actors;
  std::function<void(const std::string &)> errorHandler;

  std::mutex mutex;
  std::condition_variable stopped;
  bool running = false;
  int64_t pieces = 0;
  int inFlight = 0;
  size_t finishedActors = 0;
  int64_t acts = 0;
  std::exception_ptr error;

  StreamState &streamState(const std::string &name) {
    StreamState &state = streams[name];
    if (!state.stream)
      state.stream = std::make_unique<Stream>(name);
    return state;
  }

  /// The number of pieces every consumer of `reg` has read.
  int64_t consumed(const Register &reg) const {
    int64_t least = actors[reg.producer].done;
    for (int consumer : reg.consumers)
      least = std::min(least, actors[consumer].done);
    return least;
  }

  bool drained(const Actor &actor) const {
    if (actor.inputs.empty())
      return actor.done == pieces;
    for (int input : actor.inputs) {
      const Register &reg = registers[input];
      if (!reg.ended || actors[reg.producer].done != actor.done)
        return false;
    }
    return true;
  }

  bool canAct(const Actor &actor) const {
    int64_t piece = actor.done;
    if (actor.inputs.empty() && piece >= pieces)
      return false;
    for (int input : actor.inputs)
      if (actors[registers[input].producer].done <= piece)
        return false;
    for (int output : actor.outputs) {
      const Register &reg = registers[output];
      if (piece - consumed(reg) >= reg.count)
        return false;
    }
    return true;
  }

  void setReady(int id, bool ready) {
    Actor &actor = actors[id];
    if (actor.ready == ready)
      return;
    actor.ready = ready;
    if (ready)
      actor.stream->ready.insert({actor.order, id});
    else
      actor.stream->ready.erase({actor.order, id});
  }

  /// Re-examines the actors in `work` (and, when one finishes, its
  /// consumers: end-of-data), then starts acts on the streams they use.
  void update(std::vector<int> work) {
    std::vector<StreamState *> touched;
    while (!work.empty()) {
      int id = work.back();
      work.pop_back();
      Actor &actor = actors[id];
      if (actor.finished || actor.busy)
        continue;
      touched.push_back(actor.stream);
      if (drained(actor)) {
        setReady(id, false);
        actor.finished = true;
        ++finishedActors;
        for (int output : actor.outputs) {
          registers[output].ended = true;
          for (int consumer : registers[output].consumers)
            work.push_back(consumer);
        }
        continue;
      }
      setReady(id, canAct(actor));
    }
    for (StreamState *stream : touched) {
      if (stream->busy)
        continue;
      if (stream->strict) {
        if (stream->next < stream->sequence.size() &&
            actors[stream->sequence[stream->next]].ready)
          dispatch(stream->sequence[stream->next]);
      } else if (!stream->ready.empty()) {
        dispatch(stream->ready.begin()->second);
      }
    }
  }

  void dispatch(int id) {
    Actor &actor = actors[id];
    setReady(id, false);
    actor.busy = true;
    actor.stream->busy = true;
    if (actor.stream->strict) {
      StreamState &stream = *actor.stream;
      stream.next = stream.next + 1;
      if (!stream.scheduled)
        stream.next %= stream.sequence.size();
    }
    ++inFlight;
    int64_t piece = actor.done;
    ActContext &context = *actor.context;
    context.piece = piece;
    for (size_t i = 0; i < actor.inputs.size(); ++i)
      context.inputs[i] = slot(actor.inputs[i], piece);
    for (size_t i = 0; i < actor.outputs.size(); ++i) {
      Register &reg = registers[actor.outputs[i]];
      context.outputs[i] = slot(actor.outputs[i], piece);
      reg.maxInUse =
          std::max(reg.maxInUse, static_cast<int>(piece + 1 - consumed(reg)));
    }
    // A callback rather than a task: on a stream poisoned from outside the
    // engine it still runs, and reports the poison as the act's failure.
    actor.stream->stream->addCallback(
        [this, id](std::exception_ptr poisoned) { act(id, poisoned); });
  }

  void *slot(int reg, int64_t piece) {
    const Register &r = registers[reg];
    return arena.get() + r.offset +
           static_cast<size_t>(piece % r.count) * r.bytes;
  }

  /// Runs on the actor's stream.
  void act(int id, std::exception_ptr poisoned) {
    if (poisoned) {
      completed(id, poisoned);
      return;
    }
    Actor &actor = actors[id];
    // The act completes after whatever its body enqueues on the stream,
    // and also when the body throws (the callback then sees the poison).
    struct CompleteLater {
      Impl *graph;
      int id;
      ~CompleteLater() {
        graph->actors[id].stream->stream->addCallback(
            [graph = graph, id = id](std::exception_ptr error) {
              graph->completed(id, error);
            });
      }
    } completeLater{this, id};
    double begin = threadSeconds();
    actor.body(*actor.context);
    actor.stream->busySeconds += threadSeconds() - begin;
  }

  /// CPU time of the calling thread: unlike wall time, not inflated when
  /// more ranks share a host than it has cores.
  static double threadSeconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * now.tv_nsec;
  }

  void completed(int id, std::exception_ptr failure) {
    if (failure) {
      std::function<void(const std::string &)> handler;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) {
          error = failure;
          handler = errorHandler;
        }
      }
      // Outside the lock (it may wake threads that need it), while the act
      // still counts as in flight, so run() does not return meanwhile.
      if (handler) {
        try {
          handler("actor '" + actors[id].name +
                  "' failed: " + describe(failure));
        } catch (...) {
          // The original failure is what run() reports.
        }
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    Actor &actor = actors[id];
    actor.busy = false;
    actor.stream->busy = false;
    --inFlight;
    if (!failure) {
      ++actor.done;
      ++acts;
    }
    if (!error) {
      // The actor may act again, its consumers may have a new piece, its
      // producers a free slot.
      std::vector<int> work{id};
      for (int output : actor.outputs)
        for (int consumer : registers[output].consumers)
          work.push_back(consumer);
      for (int input : actor.inputs)
        work.push_back(registers[input].producer);
      update(std::move(work));
      checkStalled();
    }
    if (inFlight == 0 && (error || finishedActors == actors.size()))
      stopped.notify_all();
  }

  /// With nothing in flight and nothing ready, only a cycle is left.
  void checkStalled() {
    if (inFlight > 0 || finishedActors == actors.size())
      return;
    std::string names;
    for (const Actor &actor : actors)
      if (!actor.finished)
        names += (names.empty() ? "'" : ", '") + actor.name + "'";
    // A strict stream also waits for its next actor in particular.
    std::string turns;
    for (auto &[name, state] : streams)
      if (state.strict && state.next < state.sequence.size())
        turns += "; stream '" + name + "' waits for '" +
                 actors[state.sequence[state.next]].name + "' (piece " +
                 std::to_string(actors[state.sequence[state.next]].done) + ")";
    error = std::make_exception_ptr(std::logic_error(
        "actor graph stalled: " + names +
        " wait for each other (a cycle of registers?)" + turns));
  }
};

ActorGraph::ActorGraph(size_t arenaBytes) : impl(std::make_unique<Impl>()) {
  impl->arenaBytes = arenaBytes;
  impl->arena.reset(static_cast<char *>(
      ::operator new(std::max<size_t>(arenaBytes, 1), kArenaAlignment)));
  std::memset(impl->arena.get(), 0, arenaBytes);
}

// Join the streams' workers before the actors their tasks refer to go.
ActorGraph::~ActorGraph() { impl->streams.clear(); }

char *ActorGraph::arena() { return impl->arena.get(); }

Stream &ActorGraph::stream(const std::string &name) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  return *impl->streamState(name).stream;
}

int ActorGraph::addRegister(std::string name, size_t bytes, int count,
                            size_t offset) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  if (impl->running)
    throw std::logic_error("addRegister() during run()");
  if (count < 1)
    throw std::invalid_argument("register '" + name +
                                "': count must be at least 1");
  if (offset > impl->arenaBytes ||
      bytes * static_cast<size_t>(count) > impl->arenaBytes - offset)
    throw std::invalid_argument("register '" + name +
                                "' does not fit in the arena");
  Impl::Register reg;
  reg.name = std::move(name);
  reg.bytes = bytes;
  reg.count = count;
  reg.offset = offset;
  impl->registers.push_back(std::move(reg));
  return static_cast<int>(impl->registers.size() - 1);
}

int ActorGraph::addActor(std::string name, const std::string &stream,
                         std::vector<int> inputs, std::vector<int> outputs,
                         ActFn body, int64_t order) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  if (impl->running)
    throw std::logic_error("addActor() during run()");
  int id = static_cast<int>(impl->actors.size());
  auto checkId = [&](int reg) {
    if (reg < 0 || reg >= static_cast<int>(impl->registers.size()))
      throw std::invalid_argument("actor '" + name + "': no register " +
                                  std::to_string(reg));
  };
  for (int reg : inputs)
    checkId(reg);
  for (int reg : outputs) {
    checkId(reg);
    if (impl->registers[reg].producer >= 0)
      throw std::invalid_argument("register '" + impl->registers[reg].name +
                                  "' already has a producer");
  }
  for (int reg : inputs)
    impl->registers[reg].consumers.push_back(id);
  for (int reg : outputs)
    impl->registers[reg].producer = id;
  Impl::Actor actor;
  actor.stream = &impl->streamState(stream);
  actor.context.reset(new ActContext{0, std::vector<void *>(inputs.size()),
                                     std::vector<void *>(outputs.size()),
                                     *actor.stream->stream});
  actor.name = std::move(name);
  actor.inputs = std::move(inputs);
  actor.outputs = std::move(outputs);
  actor.body = std::move(body);
  actor.order = order;
  impl->actors.push_back(std::move(actor));
  return id;
}

void ActorGraph::setStrictOrder(const std::string &stream) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  if (impl->running)
    throw std::logic_error("setStrictOrder() during run()");
  impl->streamState(stream).strict = true;
}

void ActorGraph::setSchedule(const std::string &stream,
                             std::vector<int> sequence) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  if (impl->running)
    throw std::logic_error("setSchedule() during run()");
  for (int id : sequence)
    if (id < 0 || id >= static_cast<int>(impl->actors.size()))
      throw std::invalid_argument("setSchedule(): no actor " +
                                  std::to_string(id));
  Impl::StreamState &state = impl->streamState(stream);
  state.strict = true;
  state.scheduled = true;
  state.schedule = std::move(sequence);
}

void ActorGraph::onError(std::function<void(const std::string &)> handler) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  impl->errorHandler = std::move(handler);
}

void ActorGraph::run(int64_t pieces) {
  if (pieces < 0)
    throw std::invalid_argument("run(): negative piece count");
  std::unique_lock<std::mutex> lock(impl->mutex);
  if (impl->running)
    throw std::logic_error("run() is already running");
  for (const Impl::Register &reg : impl->registers)
    if (reg.producer < 0)
      throw std::invalid_argument("register '" + reg.name +
                                  "' has no producer");
  std::vector<Stream *> streams;
  for (auto &entry : impl->streams)
    streams.push_back(entry.second.stream.get());
  // Outside the lock: tasks the program put on these streams may use the
  // graph. This also rethrows a poison left by an earlier failure.
  lock.unlock();
  for (Stream *stream : streams)
    stream->synchronize();
  lock.lock();
  if (impl->running)
    throw std::logic_error("run() is already running");

  impl->running = true;
  impl->pieces = pieces;
  impl->finishedActors = 0;
  impl->acts = 0;
  for (auto &[name, stream] : impl->streams)
    stream.busySeconds = 0;
  impl->error = nullptr;
  for (Impl::Register &reg : impl->registers) {
    reg.ended = false;
    reg.maxInUse = 0;
  }
  // A failed run leaves actors marked ready.
  for (auto &entry : impl->streams) {
    entry.second.busy = false;
    entry.second.ready.clear();
    entry.second.sequence.clear();
    entry.second.next = 0;
  }
  std::vector<int> all;
  for (size_t id = 0; id < impl->actors.size(); ++id) {
    Impl::Actor &actor = impl->actors[id];
    if (actor.stream->strict)
      actor.stream->sequence.push_back(static_cast<int>(id));
    actor.done = 0;
    actor.busy = false;
    actor.finished = false;
    actor.ready = false;
    all.push_back(static_cast<int>(id));
  }
  for (auto &entry : impl->streams) {
    Impl::StreamState &state = entry.second;
    if (!state.scheduled) {
      std::stable_sort(state.sequence.begin(), state.sequence.end(),
                       [&](int a, int b) {
                         return impl->actors[a].order < impl->actors[b].order;
                       });
      continue;
    }
    // Each actor of the stream once per piece.
    std::map<int, int64_t> turns;
    for (int id : state.schedule)
      ++turns[id];
    for (int id : state.sequence)
      if (turns[id] != pieces) {
        impl->running = false;
        throw std::invalid_argument("stream '" + entry.first + "': actor '" +
                                    impl->actors[id].name + "' has " +
                                    std::to_string(turns[id]) +
                                    " turns in the schedule "
                                    "for " +
                                    std::to_string(pieces) + " pieces");
      }
    if (turns.size() != state.sequence.size()) {
      impl->running = false;
      throw std::invalid_argument("stream '" + entry.first +
                                  "': the schedule names actors of other "
                                  "streams");
    }
    state.sequence = state.schedule;
  }
  impl->update(std::move(all));
  impl->checkStalled();
  impl->stopped.wait(lock, [&] {
    return impl->inFlight == 0 &&
           (impl->error || impl->finishedActors == impl->actors.size());
  });
  impl->running = false;
  if (impl->error)
    std::rethrow_exception(impl->error);
}

ActorGraph::Stats ActorGraph::stats() const {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Stats stats;
  stats.acts = impl->acts;
  for (const auto &[name, stream] : impl->streams)
    stats.busySeconds[name] = stream.busySeconds;
  for (const Impl::Register &reg : impl->registers) {
    stats.registerMaxSlotsInUse.push_back(reg.maxInUse);
    stats.maxSlotsInUse = std::max(stats.maxSlotsInUse, reg.maxInUse);
  }
  return stats;
}

} // namespace pxrt
