//===- local.cpp - Ranks as threads of one process ------------------------===//
//
// Every rank posts its arguments (buffer pointers, counts) in the group's
// shared table, meets the others at a barrier, then reads its peers'
// buffers directly. A collective ends with a barrier once nobody reads this
// rank's buffers any more, so the caller may reuse them when the operation
// completes. Reductions split the elements into one chunk per rank: each
// rank reduces its chunk in rank order, so every element is computed once
// and copied to all ranks bit-identical.
//
// Every wait has a deadline; a timeout or a mismatch between the ranks'
// calls aborts the whole job, and abort() wakes every waiter of every group
// of the job, so a failure anywhere becomes CommError everywhere. A rank
// that fails still waits until no peer reads its buffers (reads are short
// and never wait), so the caller may free them when the error arrives.
//
//===----------------------------------------------------------------------===//

#include "CommImpl.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <sstream>

namespace pxrt {

namespace {

using Clock = std::chrono::steady_clock;
using detail::BatchingCommunicator;

struct Group;

struct Job {
  Clock::duration timeout;
  double timeoutSeconds;
  std::atomic<bool> aborted{false};
  std::mutex mutex;
  std::string reason;
  std::vector<std::weak_ptr<Group>> groups;

  void add(const std::shared_ptr<Group> &group) {
    std::lock_guard<std::mutex> lock(mutex);
    groups.erase(std::remove_if(
                     groups.begin(), groups.end(),
                     [](const std::weak_ptr<Group> &g) { return g.expired(); }),
                 groups.end());
    groups.push_back(group);
  }

  std::string abortReason() {
    std::lock_guard<std::mutex> lock(mutex);
    return "job aborted: " + reason;
  }

  void abort(const std::string &why);
};

enum class Kind {
  AllReduce,
  AllGather,
  ReduceScatter,
  AllToAll,
  Broadcast,
  Split
};

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::AllReduce:
    return "allReduce";
  case Kind::AllGather:
    return "allGather";
  case Kind::ReduceScatter:
    return "reduceScatter";
  case Kind::AllToAll:
    return "allToAll";
  case Kind::Broadcast:
    return "broadcast";
  case Kind::Split:
    return "split";
  }
  return "?";
}

/// One rank's arguments of the collective in progress.
struct Post {
  Kind kind = Kind::AllReduce;
  DType type = DType::F32;
  ReduceOp op = ReduceOp::Sum;
  size_t count = 0;
  int root = 0;
  const char *send = nullptr;
  const std::vector<size_t> *counts = nullptr;
  const std::vector<size_t> *recvCounts = nullptr;
  const char *scratch = nullptr;
  int color = 0;
  int key = 0;
  std::shared_ptr<Group> created;
};

/// Messages from one rank to another, in order.
struct Channel {
  struct Message {
    const void *data;
    size_t count;
    DType type;
  };
  std::deque<Message> queue;
  uint64_t posted = 0;
  uint64_t delivered = 0;
};

struct Group {
  std::shared_ptr<Job> job;
  /// Job rank of each member, for messages.
  std::vector<int> jobRanks;
  std::mutex mutex;
  std::condition_variable cv;
  int arrived = 0;
  uint64_t generation = 0;
  /// Members (and receives) that may still read peers' buffers.
  int readers = 0;
  std::vector<char> reading;
  std::vector<Post> posts;
  /// channels[from * size + to].
  std::vector<Channel> channels;
  std::unique_ptr<std::atomic<bool>[]> busy;

  Group(std::shared_ptr<Job> job, std::vector<int> ranks)
      : job(std::move(job)), jobRanks(std::move(ranks)),
        reading(jobRanks.size(), 0), posts(jobRanks.size()),
        channels(jobRanks.size() * jobRanks.size()),
        busy(new std::atomic<bool>[jobRanks.size()]) {
    for (size_t i = 0; i < jobRanks.size(); ++i)
      busy[i] = false;
  }

  int size() const { return static_cast<int>(jobRanks.size()); }

  std::string who(int member) const {
    return "rank " + std::to_string(jobRanks[member]);
  }

  /// Aborts the job and throws, once no peer reads this member's buffers.
  [[noreturn]] void fail(int member, const std::string &message) {
    job->abort(message);
    std::unique_lock<std::mutex> lock(mutex);
    leave(lock, member);
    lock.unlock();
    throw CommError(message);
  }

  void stopReading(int member) {
    if (!reading[member])
      return;
    reading[member] = 0;
    if (--readers == 0)
      cv.notify_all();
  }

  void doneReading(int member) {
    std::lock_guard<std::mutex> lock(mutex);
    stopReading(member);
  }

  /// Under the lock: waits until nobody reads (no deadline: every reader
  /// is copying or has been woken by the abort).
  void leave(std::unique_lock<std::mutex> &lock, int member) {
    stopReading(member);
    cv.wait(lock, [&] { return readers == 0; });
  }

  /// Waits under `lock` until `ready()`; CommError on abort or timeout.
  template <typename Ready>
  void waitFor(std::unique_lock<std::mutex> &lock, int member, const char *what,
               Ready ready) {
    Clock::time_point deadline = Clock::now() + job->timeout;
    for (;;) {
      if (job->aborted) {
        leave(lock, member);
        lock.unlock();
        throw CommError(job->abortReason());
      }
      if (ready())
        return;
      if (cv.wait_until(lock, deadline) == std::cv_status::timeout &&
          !ready() && !job->aborted) {
        lock.unlock();
        std::ostringstream message;
        message << who(member) << " timed out after " << job->timeoutSeconds
                << " s in " << what;
        fail(member, message.str());
      }
    }
  }

  /// With `startsReading`, every member reads its peers' posts and buffers
  /// from here until it calls doneReading().
  void barrier(int member, const char *what, bool startsReading = false) {
    std::unique_lock<std::mutex> lock(mutex);
    uint64_t entered = generation;
    if (++arrived == size()) {
      arrived = 0;
      ++generation;
      // Once aborted, members leave without reading (and may have left
      // already): counting them as readers would keep the others waiting.
      if (startsReading && !job->aborted) {
        readers += size();
        std::fill(reading.begin(), reading.end(), 1);
      }
      cv.notify_all();
    }
    waitFor(lock, member, what, [&] { return generation != entered; });
  }

  /// Posts this member's arguments and waits for everyone's; every member
  /// then checks that all calls agree (all reach the same verdict).
  void enter(int member, const Post &post) {
    posts[member] = post;
    barrier(member, kindName(post.kind), /*startsReading=*/true);
    const Post &first = posts[0];
    for (int r = 0; r < size(); ++r) {
      const Post &other = posts[r];
      bool same = other.kind == first.kind;
      if (same &&
          (first.kind == Kind::AllReduce || first.kind == Kind::Broadcast))
        same = other.count == first.count;
      if (same && first.kind != Kind::Split)
        same = other.type == first.type;
      if (same &&
          (first.kind == Kind::AllReduce || first.kind == Kind::ReduceScatter))
        same = other.op == first.op;
      if (same && first.kind == Kind::Broadcast)
        same = other.root == first.root;
      if (same &&
          (first.kind == Kind::AllGather || first.kind == Kind::ReduceScatter))
        same = *other.counts == *first.counts;
      if (!same)
        fail(member,
             "mismatched collectives: " + describe(0) + " but " + describe(r));
    }
    if (first.kind == Kind::AllToAll)
      for (int from = 0; from < size(); ++from)
        for (int to = 0; to < size(); ++to)
          if ((*posts[from].counts)[to] != (*posts[to].recvCounts)[from])
            fail(member, "allToAll: " + who(from) + " sends " +
                             std::to_string((*posts[from].counts)[to]) +
                             " elements to " + who(to) + ", which expects " +
                             std::to_string((*posts[to].recvCounts)[from]));
  }

  std::string describe(int member) const {
    const Post &post = posts[member];
    std::ostringstream out;
    out << who(member) << " called " << kindName(post.kind) << "(";
    if (post.kind != Kind::Split)
      out << dtypeName(post.type);
    if (post.kind == Kind::AllReduce || post.kind == Kind::Broadcast)
      out << " x " << post.count;
    if (post.kind == Kind::AllReduce || post.kind == Kind::ReduceScatter)
      out << (post.op == ReduceOp::Sum ? ", sum" : ", max");
    if (post.kind == Kind::Broadcast)
      out << ", root " << post.root;
    if (post.counts && post.kind != Kind::AllToAll) {
      out << ", counts";
      for (size_t count : *post.counts)
        out << " " << count;
    }
    out << ")";
    return out.str();
  }
};

void Job::abort(const std::string &why) {
  std::vector<std::shared_ptr<Group>> live;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!aborted)
      reason = why;
    aborted = true;
    for (const std::weak_ptr<Group> &group : groups)
      if (std::shared_ptr<Group> g = group.lock())
        live.push_back(std::move(g));
  }
  // Taking each group's mutex orders the flag before the waiters' checks.
  for (const std::shared_ptr<Group> &group : live) {
    std::lock_guard<std::mutex> lock(group->mutex);
    group->cv.notify_all();
  }
}

// In place, a rank's own chunk is its source: peers read it meanwhile, so
// it must not be written, even with the same bytes.
void copyBytes(void *dest, const void *src, size_t bytes) {
  if (bytes && dest != src)
    std::memmove(dest, src, bytes);
}

std::vector<size_t> offsetsOf(const std::vector<size_t> &counts) {
  std::vector<size_t> offsets(counts.size() + 1, 0);
  for (size_t i = 0; i < counts.size(); ++i)
    offsets[i + 1] = offsets[i] + counts[i];
  return offsets;
}

class LocalComm final : public BatchingCommunicator {
public:
  LocalComm(std::shared_ptr<Group> group, int member)
      : group(std::move(group)), member(member) {}

  int rank() const override { return member; }
  int size() const override { return group->size(); }

  void allReduce(const void *send, void *recv, size_t count, DType type,
                 ReduceOp op, Stream &stream) override {
    submit(stream, [=] {
      size_t es = dtypeSize(type);
      int n = size();
      size_t begin = detail::chunkBegin(count, n, member);
      size_t mine = detail::chunkBegin(count, n, member + 1) - begin;
      scratch.resize(mine * es);
      Post post;
      post.kind = Kind::AllReduce;
      post.type = type;
      post.op = op;
      post.count = count;
      post.send = static_cast<const char *>(send);
      post.scratch = scratch.data();
      group->enter(member, post);
      reduceChunk(begin, mine, type, op);
      group->barrier(member, "allReduce");
      for (int r = 0; r < n; ++r) {
        size_t from = detail::chunkBegin(count, n, r);
        size_t to = detail::chunkBegin(count, n, r + 1);
        copyBytes(static_cast<char *>(recv) + from * es,
                  group->posts[r].scratch, (to - from) * es);
      }
      group->doneReading(member);
      group->barrier(member, "allReduce");
    });
  }

  void allGather(const void *send, void *recv,
                 const std::vector<size_t> &counts, DType type,
                 Stream &stream) override {
    detail::checkCounts(counts, size(), "allGather");
    submit(stream, [=] {
      size_t es = dtypeSize(type);
      Post post;
      post.kind = Kind::AllGather;
      post.type = type;
      post.send = static_cast<const char *>(send);
      post.counts = &counts;
      group->enter(member, post);
      std::vector<size_t> offsets = offsetsOf(counts);
      for (int r = 0; r < size(); ++r)
        copyBytes(static_cast<char *>(recv) + offsets[r] * es,
                  group->posts[r].send, counts[r] * es);
      group->doneReading(member);
      group->barrier(member, "allGather");
    });
  }

  void reduceScatter(const void *send, void *recv,
                     const std::vector<size_t> &counts, DType type, ReduceOp op,
                     Stream &stream) override {
    detail::checkCounts(counts, size(), "reduceScatter");
    submit(stream, [=] {
      size_t es = dtypeSize(type);
      std::vector<size_t> offsets = offsetsOf(counts);
      scratch.resize(counts[member] * es);
      Post post;
      post.kind = Kind::ReduceScatter;
      post.type = type;
      post.op = op;
      post.send = static_cast<const char *>(send);
      post.counts = &counts;
      group->enter(member, post);
      reduceChunk(offsets[member], counts[member], type, op);
      group->doneReading(member);
      // Nobody reads the send buffers any more: recv may overlap them.
      group->barrier(member, "reduceScatter");
      copyBytes(recv, scratch.data(), counts[member] * es);
    });
  }

  void allToAll(const void *send, const std::vector<size_t> &sendCounts,
                void *recv, const std::vector<size_t> &recvCounts, DType type,
                Stream &stream) override {
    detail::checkCounts(sendCounts, size(), "allToAll");
    detail::checkCounts(recvCounts, size(), "allToAll");
    submit(stream, [=] {
      size_t es = dtypeSize(type);
      Post post;
      post.kind = Kind::AllToAll;
      post.type = type;
      post.send = static_cast<const char *>(send);
      post.counts = &sendCounts;
      post.recvCounts = &recvCounts;
      group->enter(member, post);
      std::vector<size_t> recvOffsets = offsetsOf(recvCounts);
      for (int r = 0; r < size(); ++r) {
        const std::vector<size_t> &theirs = *group->posts[r].counts;
        size_t offset = 0;
        for (int q = 0; q < member; ++q)
          offset += theirs[q];
        copyBytes(static_cast<char *>(recv) + recvOffsets[r] * es,
                  group->posts[r].send + offset * es, recvCounts[r] * es);
      }
      group->doneReading(member);
      group->barrier(member, "allToAll");
    });
  }

  void broadcast(void *buffer, size_t count, DType type, int root,
                 Stream &stream) override {
    checkPeer(root, "broadcast");
    submit(stream, [=] {
      Post post;
      post.kind = Kind::Broadcast;
      post.type = type;
      post.count = count;
      post.root = root;
      post.send = static_cast<const char *>(buffer);
      group->enter(member, post);
      if (member != root)
        copyBytes(buffer, group->posts[root].send, count * dtypeSize(type));
      group->doneReading(member);
      group->barrier(member, "broadcast");
    });
  }

  void send(const void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer, "send");
    auto sequence = std::make_shared<uint64_t>();
    submit({&stream,
            [=] {
              Channel &channel = group->channels[member * size() + peer];
              {
                std::lock_guard<std::mutex> lock(group->mutex);
                channel.queue.push_back({buffer, count, type});
                *sequence = channel.posted++;
              }
              group->cv.notify_all();
            },
            nullptr,
            [=] {
              // The buffer is the caller's again once the receiver copied it.
              Channel &channel = group->channels[member * size() + peer];
              std::unique_lock<std::mutex> lock(group->mutex);
              group->waitFor(lock, member, "send",
                             [&] { return channel.delivered > *sequence; });
            }});
  }

  void recv(void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer, "recv");
    submit(stream, [=] {
      Channel &channel = group->channels[peer * size() + member];
      Channel::Message message;
      {
        std::unique_lock<std::mutex> lock(group->mutex);
        group->waitFor(lock, member, "recv",
                       [&] { return !channel.queue.empty(); });
        message = channel.queue.front();
        channel.queue.pop_front();
        if (message.count == count && message.type == type)
          ++group->readers; // of the sender's buffer
      }
      if (message.count != count || message.type != type)
        group->fail(
            member,
            group->who(peer) + " sent " + std::to_string(message.count) +
                " x " + dtypeName(message.type) + " but " + group->who(member) +
                " receives " + std::to_string(count) + " x " + dtypeName(type));
      copyBytes(buffer, message.data, count * dtypeSize(type));
      {
        std::lock_guard<std::mutex> lock(group->mutex);
        ++channel.delivered;
        --group->readers;
      }
      group->cv.notify_all();
    });
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    Guard guard(*this);
    Post post;
    post.kind = Kind::Split;
    post.color = color;
    post.key = key;
    group->enter(member, post);
    // Members of this color by (key, rank); the first creates the group.
    std::vector<std::pair<int, int>> members;
    for (int r = 0; r < size(); ++r)
      if (group->posts[r].color == color)
        members.push_back({group->posts[r].key, r});
    std::sort(members.begin(), members.end());
    int leader = members.front().second;
    if (color >= 0 && member == leader) {
      std::vector<int> ranks;
      for (const auto &m : members)
        ranks.push_back(group->jobRanks[m.second]);
      auto created = std::make_shared<Group>(group->job, std::move(ranks));
      group->job->add(created);
      group->posts[member].created = created;
    }
    group->barrier(member, "split");
    std::unique_ptr<Communicator> result;
    if (color >= 0) {
      int index = 0;
      while (members[index].second != member)
        ++index;
      result = std::make_unique<LocalComm>(group->posts[leader].created, index);
    }
    group->doneReading(member);
    group->barrier(member, "split");
    group->posts[member].created.reset();
    return result;
  }

  void abort(const std::string &reason) override {
    group->job->abort(group->who(member) + ": " + reason);
  }

protected:
  void execute(std::vector<Op> &ops) override {
    Guard guard(*this);
    BatchingCommunicator::execute(ops);
  }

private:
  /// A communicator runs one operation at a time (as with NCCL); two at
  /// once would overwrite this rank's post.
  struct Guard {
    LocalComm &comm;
    explicit Guard(LocalComm &comm) : comm(comm) {
      if (comm.group->busy[comm.member].exchange(true))
        comm.group->fail(
            comm.member,
            comm.group->who(comm.member) +
                ": two operations of one communicator at once (use "
                "one stream per communicator, or split())");
    }
    ~Guard() { comm.group->busy[comm.member] = false; }
  };

  void checkPeer(int peer, const char *what) const {
    if (peer < 0 || peer >= size())
      throw std::invalid_argument(std::string(what) + ": no rank " +
                                  std::to_string(peer));
  }

  /// Reduces elements [begin, begin + count) of every member's send
  /// buffer, in rank order, into this member's scratch.
  void reduceChunk(size_t begin, size_t count, DType type, ReduceOp op) {
    std::vector<const void *> sources;
    for (int r = 0; r < size(); ++r)
      sources.push_back(group->posts[r].send + begin * dtypeSize(type));
    detail::reduceInOrder(sources, scratch.data(), count, type, op);
  }

  std::shared_ptr<Group> group;
  int member;
  /// This rank's reduced chunk, read by its peers.
  std::vector<char> scratch;
};

} // namespace

struct LocalJob::State {
  std::vector<std::unique_ptr<LocalComm>> worlds;
};

LocalJob::LocalJob(int size, double timeoutSeconds)
    : state(std::make_unique<State>()) {
  if (size < 1)
    throw std::invalid_argument("LocalJob: size must be at least 1");
  auto job = std::make_shared<Job>();
  // Clamped so that the deadline arithmetic cannot overflow.
  double seconds = std::min(std::max(timeoutSeconds, 0.0), 1e8);
  job->timeoutSeconds = seconds;
  job->timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(seconds));
  std::vector<int> ranks;
  for (int r = 0; r < size; ++r)
    ranks.push_back(r);
  auto world = std::make_shared<Group>(job, std::move(ranks));
  job->add(world);
  for (int r = 0; r < size; ++r)
    state->worlds.push_back(std::make_unique<LocalComm>(world, r));
}

LocalJob::~LocalJob() = default;

Communicator &LocalJob::world(int rank) {
  if (rank < 0 || rank >= static_cast<int>(state->worlds.size()))
    throw std::invalid_argument("LocalJob::world: no rank " +
                                std::to_string(rank));
  return *state->worlds[rank];
}

} // namespace pxrt
