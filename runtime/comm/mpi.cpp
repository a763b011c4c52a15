//===- mpi.cpp - Ranks as OpenMPI processes -------------------------------===//
//
// Every operation is a nonblocking MPI call completed by polling with a
// growing sleep (at most 1 ms), which gives each wait a deadline (blocking
// MPI calls have none) and never holds a lock while waiting.
//
// Reductions are not MPI_Allreduce, whose summation order depends on the
// algorithm MPI picks (and so on the rank): an all-to-all hands rank c the
// c-th chunk of every rank's buffer, rank c reduces it in rank order, and an
// all-gather distributes the reduced chunks. That moves 2(p-1)/p of the
// buffer per rank, as a ring all-reduce, but in two collectives and with a
// scratch buffer of p chunks.
//
//===----------------------------------------------------------------------===//

#include "CommImpl.h"

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace pxrt {

namespace {

using Clock = std::chrono::steady_clock;

/// Set when MPI gives less than MPI_THREAD_MULTIPLE: calls are then
/// serialized (waits poll, so no call blocks while holding the lock).
bool serialize = false;
std::mutex mpiMutex;

struct MpiLock {
  std::unique_lock<std::mutex> lock;
  MpiLock() : lock(mpiMutex, std::defer_lock) {
    if (serialize)
      lock.lock();
  }
};

void check(int rc, const char *what) {
  if (rc == MPI_SUCCESS)
    return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw CommError(std::string("MPI ") + what + ": " +
                  std::string(text, length));
}

MPI_Datatype mpiType(DType type) {
  switch (type) {
  case DType::F32:
    return MPI_FLOAT;
  case DType::F64:
    return MPI_DOUBLE;
  case DType::F16:
  case DType::BF16:
    return MPI_UINT16_T;
  case DType::I32:
    return MPI_INT32_T;
  case DType::I64:
    return MPI_INT64_T;
  case DType::Bool:
    return MPI_UINT8_T;
  }
  throw std::invalid_argument("MPI: unknown dtype");
}

int toInt(size_t value, const char *what) {
  if (value > static_cast<size_t>(INT_MAX))
    throw CommError(std::string("MPI ") + what +
                    ": more than INT_MAX elements");
  return static_cast<int>(value);
}

/// MPI's int counts and displacements of `counts`.
struct Layout {
  std::vector<int> counts;
  std::vector<int> displs;
  Layout(const std::vector<size_t> &sizes, const char *what) {
    size_t offset = 0;
    for (size_t size : sizes) {
      counts.push_back(toInt(size, what));
      displs.push_back(toInt(offset, what));
      offset += size;
    }
    toInt(offset, what);
  }
};

class MpiComm final : public detail::BatchingCommunicator {
public:
  MpiComm(MPI_Comm comm, double timeoutSeconds)
      : comm(comm), timeoutSeconds(timeoutSeconds) {
    MpiLock lock;
    check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "errhandler");
    check(MPI_Comm_rank(comm, &myRank), "rank");
    check(MPI_Comm_size(comm, &mySize), "size");
  }

  ~MpiComm() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) {
      MpiLock lock;
      MPI_Comm_free(&comm);
    }
  }

  int rank() const override { return myRank; }
  int size() const override { return mySize; }

  void allReduce(const void *send, void *recv, size_t count, DType type,
                 ReduceOp op, Stream &stream) override {
    submit(stream, [=] {
      size_t es = dtypeSize(type);
      int n = mySize;
      std::vector<size_t> chunks;
      for (int c = 0; c < n; ++c)
        chunks.push_back(detail::chunkBegin(count, n, c + 1) -
                         detail::chunkBegin(count, n, c));
      std::vector<char> reduced(chunks[myRank] * es);
      reduceMine(send, chunks, reduced.data(), type, op, "allReduce");
      Layout all(chunks, "allReduce");
      MPI_Request request;
      {
        MpiLock lock;
        check(MPI_Iallgatherv(reduced.data(), all.counts[myRank], mpiType(type),
                              recv, all.counts.data(), all.displs.data(),
                              mpiType(type), comm, &request),
              "allReduce");
      }
      wait(&request, 1, "allReduce");
    });
  }

  void allGather(const void *send, void *recv,
                 const std::vector<size_t> &counts, DType type,
                 Stream &stream) override {
    detail::checkCounts(counts, mySize, "allGather");
    submit(stream, [=] {
      Layout all(counts, "allGather");
      // MPI forbids aliasing unless it is spelled MPI_IN_PLACE.
      const char *mine =
          static_cast<const char *>(recv) +
          static_cast<size_t>(all.displs[myRank]) * dtypeSize(type);
      const void *source = send == mine ? MPI_IN_PLACE : send;
      MPI_Request request;
      {
        MpiLock lock;
        check(MPI_Iallgatherv(source, all.counts[myRank], mpiType(type), recv,
                              all.counts.data(), all.displs.data(),
                              mpiType(type), comm, &request),
              "allGather");
      }
      wait(&request, 1, "allGather");
    });
  }

  void reduceScatter(const void *send, void *recv,
                     const std::vector<size_t> &counts, DType type, ReduceOp op,
                     Stream &stream) override {
    detail::checkCounts(counts, mySize, "reduceScatter");
    submit(stream, [=] {
      std::vector<char> reduced(counts[myRank] * dtypeSize(type));
      reduceMine(send, counts, reduced.data(), type, op, "reduceScatter");
      if (!reduced.empty())
        std::memcpy(recv, reduced.data(), reduced.size());
    });
  }

  void allToAll(const void *send, const std::vector<size_t> &sendCounts,
                void *recv, const std::vector<size_t> &recvCounts, DType type,
                Stream &stream) override {
    detail::checkCounts(sendCounts, mySize, "allToAll");
    detail::checkCounts(recvCounts, mySize, "allToAll");
    submit(stream, [=] {
      Layout out(sendCounts, "allToAll");
      Layout in(recvCounts, "allToAll");
      MPI_Request request;
      {
        MpiLock lock;
        check(MPI_Ialltoallv(send, out.counts.data(), out.displs.data(),
                             mpiType(type), recv, in.counts.data(),
                             in.displs.data(), mpiType(type), comm, &request),
              "allToAll");
      }
      wait(&request, 1, "allToAll");
    });
  }

  void broadcast(void *buffer, size_t count, DType type, int root,
                 Stream &stream) override {
    checkPeer(root, "broadcast");
    submit(stream, [=] {
      MPI_Request request;
      {
        MpiLock lock;
        check(MPI_Ibcast(buffer, toInt(count, "broadcast"), mpiType(type), root,
                         comm, &request),
              "broadcast");
      }
      wait(&request, 1, "broadcast");
    });
  }

  void send(const void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer, "send");
    auto request = std::make_shared<MPI_Request>(MPI_REQUEST_NULL);
    submit({&stream,
            [=] {
              MpiLock lock;
              check(MPI_Isend(buffer, toInt(count, "send"), mpiType(type), peer,
                              0, comm, request.get()),
                    "send");
            },
            nullptr, [=] { wait(request.get(), 1, "send"); }});
  }

  void recv(void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer, "recv");
    auto request = std::make_shared<MPI_Request>(MPI_REQUEST_NULL);
    submit({&stream,
            [=] {
              MpiLock lock;
              check(MPI_Irecv(buffer, toInt(count, "recv"), mpiType(type), peer,
                              0, comm, request.get()),
                    "recv");
            },
            [=] { wait(request.get(), 1, "recv"); }, nullptr});
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    MPI_Comm created = MPI_COMM_NULL;
    {
      MpiLock lock;
      check(MPI_Comm_split(comm, color < 0 ? MPI_UNDEFINED : color, key,
                           &created),
            "split");
    }
    if (created == MPI_COMM_NULL)
      return nullptr;
    return std::make_unique<MpiComm>(created, timeoutSeconds);
  }

  void abort(const std::string &reason) override {
    // MPI has no way to make peers throw: MPI_Abort ends every process of
    // the job (mpirun then exits with an error).
    std::fprintf(stderr, "pxrt: rank %d aborts the MPI job: %s\n", myRank,
                 reason.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

private:
  void checkPeer(int peer, const char *what) const {
    if (peer < 0 || peer >= mySize)
      throw std::invalid_argument(std::string(what) + ": no rank " +
                                  std::to_string(peer));
  }

  /// Rank c receives chunk c (chunks[c] elements) of every rank's `send`
  /// and reduces them in rank order into `dest`.
  void reduceMine(const void *send, const std::vector<size_t> &chunks,
                  void *dest, DType type, ReduceOp op, const char *what) {
    size_t es = dtypeSize(type);
    size_t mine = chunks[myRank];
    std::vector<char> gathered(mine * mySize * es);
    Layout out(chunks, what);
    Layout in(std::vector<size_t>(mySize, mine), what);
    MPI_Request request;
    {
      MpiLock lock;
      check(MPI_Ialltoallv(send, out.counts.data(), out.displs.data(),
                           mpiType(type), gathered.data(), in.counts.data(),
                           in.displs.data(), mpiType(type), comm, &request),
            what);
    }
    wait(&request, 1, what);
    std::vector<const void *> sources;
    for (int r = 0; r < mySize; ++r)
      sources.push_back(gathered.data() + r * mine * es);
    detail::reduceInOrder(sources, dest, mine, type, op);
  }

  void wait(MPI_Request *requests, int count, const char *what) {
    Clock::time_point deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(timeoutSeconds));
    std::chrono::microseconds pause(0);
    for (;;) {
      int done = 0;
      {
        MpiLock lock;
        check(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE), what);
      }
      if (done)
        return;
      if (Clock::now() > deadline)
        throw CommError("rank " + std::to_string(myRank) + " timed out after " +
                        std::to_string(timeoutSeconds) + " s in " + what);
      // Poll eagerly first (latency), then back off to 1 ms (CPU).
      if (pause.count() > 0)
        std::this_thread::sleep_for(pause);
      pause = std::min(std::chrono::microseconds(1000),
                       pause * 2 + std::chrono::microseconds(1));
    }
  }

  MPI_Comm comm;
  double timeoutSeconds;
  int myRank = 0;
  int mySize = 1;
};

bool launchedByMpirun() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name))
      return true;
  return false;
}

void finalizeMpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Finalize();
}

} // namespace

std::unique_ptr<Communicator> createMpiWorld(double timeoutSeconds) {
  if (!launchedByMpirun())
    return nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (initialized) {
      MPI_Query_thread(&provided);
      // Stream workers call MPI, so calls from any thread must be allowed.
      if (provided < MPI_THREAD_SERIALIZED)
        throw CommError("MPI was initialized below MPI_THREAD_SERIALIZED");
    } else {
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided),
            "init");
      // Without MPI_Finalize, mpirun counts the process as failed.
      std::atexit(finalizeMpi);
    }
    serialize = provided < MPI_THREAD_MULTIPLE;
  });
  // A private copy of the world: our traffic never matches the program's.
  MPI_Comm world;
  {
    MpiLock lock;
    check(MPI_Comm_dup(MPI_COMM_WORLD, &world), "dup");
  }
  return std::make_unique<MpiComm>(
      world, std::min(std::max(timeoutSeconds, 0.0), 1e8));
}

} // namespace pxrt
