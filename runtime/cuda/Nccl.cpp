//===- Nccl.cpp - The NCCL communicator -----------------------------------===//
//
// pxrt::Communicator over NCCL, one rank and one GPU per process. Calls are
// enqueued on the pxrt::Stream they name, whose worker thread issues them
// on its CUDA stream and waits for them (polling, so that a deadline and
// abort() apply); a group (groupStart/groupEnd) is one ncclGroupStart/End.
// Host buffers are staged through device memory, so the program's own
// host-side traffic (output gathering, checkpoint metadata) works too.
//
//===----------------------------------------------------------------------===//

#include "../comm/CommImpl.h"
#include "TcpStore.h"

#include "pxrt/cuda.h"
#include "pxrt/device.h"

#include <nccl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace pxrt::cuda {

namespace {

void checkNccl(ncclResult_t status, const char *what) {
  if (status != ncclSuccess && status != ncclInProgress)
    throw CommError(std::string(what) + ": " + ncclGetErrorString(status));
}

ncclDataType_t ncclType(DType type) {
  switch (type) {
  case DType::F32:
    return ncclFloat32;
  case DType::F64:
    return ncclFloat64;
  case DType::F16:
    return ncclFloat16;
  case DType::BF16:
    return ncclBfloat16;
  case DType::I32:
    return ncclInt32;
  case DType::I64:
    return ncclInt64;
  case DType::Bool:
    return ncclUint8;
  }
  return ncclUint8;
}

/// A sum of bools is their `or` (results stay 0 or 1), as on the CPU.
ncclRedOp_t ncclOp(ReduceOp op, DType type) {
  return op == ReduceOp::Max || type == DType::Bool ? ncclMax : ncclSum;
}

bool isHost(const void *pointer) {
  cudaPointerAttributes attributes{};
  if (cudaPointerGetAttributes(&attributes, pointer) != cudaSuccess) {
    cudaGetLastError(); // Not a CUDA pointer: clear the error.
    return true;
  }
  return attributes.type == cudaMemoryTypeUnregistered ||
         attributes.type == cudaMemoryTypeHost;
}

/// Where each rank's chunk begins, the total, and whether all are equal
/// (NCCL's own collectives) or not (one broadcast or reduce per rank).
struct Chunks {
  std::vector<size_t> offsets;
  size_t total = 0;
  bool even = true;
};

Chunks chunks(const std::vector<size_t> &counts) {
  Chunks c;
  for (size_t count : counts) {
    c.offsets.push_back(c.total);
    c.total += count;
    c.even &= count == counts[0];
  }
  return c;
}

/// Abort state shared by a world and its splits.
struct Job {
  std::mutex mutex;
  std::atomic<bool> aborted{false};
  std::string reason;
};

/// What an operation reads (`in`) and writes (`out`), in device memory:
/// the caller's buffers, or staging copies of host ones. An input inside
/// the output (in-place gathers) is translated into the output's copy.
struct Buffers {
  const void *in = nullptr;
  size_t inBytes = 0;
  void *out = nullptr;
  size_t outBytes = 0;
  std::unique_ptr<StreamBuffer> inCopy, outCopy;
  const void *deviceIn = nullptr;
  void *deviceOut = nullptr;

  void stageIn() {
    deviceIn = in;
    deviceOut = out;
    const char *inAt = static_cast<const char *>(in);
    char *outAt = static_cast<char *>(out);
    bool inInsideOut = in && out && inAt >= outAt && inAt < outAt + outBytes;
    if (out && outBytes && isHost(out)) {
      outCopy = std::make_unique<StreamBuffer>(outBytes);
      if (inInsideOut || in == out)
        copyToDevice(outCopy->data(), out, outBytes);
      deviceOut = outCopy->data();
      if (inInsideOut)
        deviceIn = outCopy->data() + (inAt - outAt);
    }
    if (in && inBytes && !inInsideOut && isHost(in)) {
      inCopy = std::make_unique<StreamBuffer>(inBytes);
      copyToDevice(inCopy->data(), in, inBytes);
      deviceIn = inCopy->data();
    }
  }
  void stageOut() {
    if (outCopy)
      copyToHost(out, outCopy->data(), outBytes);
  }
};

class NcclCommunicator : public detail::BatchingCommunicator {
public:
  NcclCommunicator(ncclComm_t comm, std::shared_ptr<Job> job, double timeout)
      : comm(comm), job(std::move(job)), timeout(timeout) {
    checkNccl(ncclCommUserRank(comm, &myRank), "ncclCommUserRank");
    checkNccl(ncclCommCount(comm, &ranks), "ncclCommCount");
  }
  ~NcclCommunicator() override {
    if (!aborted)
      ncclCommDestroy(comm);
  }

  int rank() const override { return myRank; }
  int size() const override { return ranks; }

  void allReduce(const void *send, void *recv, size_t count, DType type,
                 ReduceOp op, Stream &stream) override {
    size_t bytes = count * dtypeSize(type);
    enqueue(stream, send, bytes, recv, bytes,
            [=, this](const void *in, void *out) {
              checkNccl(ncclAllReduce(in, out, count, ncclType(type),
                                      ncclOp(op, type), comm, currentStream()),
                        "ncclAllReduce");
            });
  }

  void allGather(const void *send, void *recv,
                 const std::vector<size_t> &counts, DType type,
                 Stream &stream) override {
    detail::checkCounts(counts, ranks, "allGather");
    size_t width = dtypeSize(type);
    Chunks c = chunks(counts);
    enqueue(stream, send, counts[myRank] * width, recv, c.total * width,
            [=, this](const void *in, void *out) {
              if (c.even) {
                checkNccl(ncclAllGather(in, out, counts[0], ncclType(type),
                                        comm, currentStream()),
                          "ncclAllGather");
                return;
              }
              // Uneven chunks: one broadcast per rank.
              for (int r = 0; r < ranks; ++r)
                checkNccl(
                    ncclBroadcast(
                        r == myRank
                            ? in
                            : static_cast<char *>(out) + c.offsets[r] * width,
                        static_cast<char *>(out) + c.offsets[r] * width,
                        counts[r], ncclType(type), r, comm, currentStream()),
                    "ncclBroadcast");
            });
  }

  void reduceScatter(const void *send, void *recv,
                     const std::vector<size_t> &counts, DType type, ReduceOp op,
                     Stream &stream) override {
    detail::checkCounts(counts, ranks, "reduceScatter");
    size_t width = dtypeSize(type);
    Chunks c = chunks(counts);
    size_t outBytes = counts[myRank] * width;
    // NCCL allows no overlap but its own in-place position: other overlaps
    // reduce into a scratch buffer first.
    const char *sendAt = static_cast<const char *>(send);
    char *recvAt = static_cast<char *>(recv);
    bool overlaps =
        recvAt < sendAt + c.total * width && sendAt < recvAt + outBytes;
    bool inPlace = c.even && recvAt == sendAt + c.offsets[myRank] * width;
    auto scratch = std::make_shared<std::unique_ptr<StreamBuffer>>();
    enqueue(
        stream, send, c.total * width, recv, outBytes,
        [=, this](const void *in, void *out) {
          void *target = out;
          if (overlaps && !inPlace) {
            *scratch = std::make_unique<StreamBuffer>(outBytes);
            target = (*scratch)->data();
          }
          if (c.even) {
            checkNccl(ncclReduceScatter(in, target, counts[0], ncclType(type),
                                        ncclOp(op, type), comm,
                                        currentStream()),
                      "ncclReduceScatter");
          } else {
            for (int r = 0; r < ranks; ++r)
              checkNccl(ncclReduce(static_cast<const char *>(in) +
                                       c.offsets[r] * width,
                                   target, counts[r], ncclType(type),
                                   ncclOp(op, type), r, comm, currentStream()),
                        "ncclReduce");
          }
        },
        [=](void *out) {
          if (*scratch)
            check(cudaMemcpyAsync(out, (*scratch)->data(), outBytes,
                                  cudaMemcpyDeviceToDevice, currentStream()),
                  "reduceScatter");
        });
  }

  void allToAll(const void *send, const std::vector<size_t> &sendCounts,
                void *recv, const std::vector<size_t> &recvCounts, DType type,
                Stream &stream) override {
    detail::checkCounts(sendCounts, ranks, "allToAll");
    detail::checkCounts(recvCounts, ranks, "allToAll");
    size_t width = dtypeSize(type), sendTotal = 0, recvTotal = 0;
    for (size_t c : sendCounts)
      sendTotal += c;
    for (size_t c : recvCounts)
      recvTotal += c;
    enqueue(stream, send, sendTotal * width, recv, recvTotal * width,
            [=, this](const void *in, void *out) {
              size_t sendAt = 0, recvAt = 0;
              for (int r = 0; r < ranks; ++r) {
                checkNccl(ncclSend(static_cast<const char *>(in) + sendAt,
                                   sendCounts[r], ncclType(type), r, comm,
                                   currentStream()),
                          "ncclSend");
                checkNccl(ncclRecv(static_cast<char *>(out) + recvAt,
                                   recvCounts[r], ncclType(type), r, comm,
                                   currentStream()),
                          "ncclRecv");
                sendAt += sendCounts[r] * width;
                recvAt += recvCounts[r] * width;
              }
            });
  }

  void broadcast(void *buffer, size_t count, DType type, int root,
                 Stream &stream) override {
    checkPeer(root);
    size_t bytes = count * dtypeSize(type);
    enqueue(stream, buffer, bytes, buffer, bytes,
            [=, this](const void *in, void *out) {
              checkNccl(ncclBroadcast(in, out, count, ncclType(type), root,
                                      comm, currentStream()),
                        "ncclBroadcast");
            });
  }

  void send(const void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer);
    enqueue(stream, buffer, count * dtypeSize(type), nullptr, 0,
            [=, this](const void *in, void *) {
              checkNccl(ncclSend(in, count, ncclType(type), peer, comm,
                                 currentStream()),
                        "ncclSend");
            });
  }

  void recv(void *buffer, size_t count, DType type, int peer,
            Stream &stream) override {
    checkPeer(peer);
    enqueue(stream, nullptr, 0, buffer, count * dtypeSize(type),
            [=, this](const void *, void *out) {
              checkNccl(ncclRecv(out, count, ncclType(type), peer, comm,
                                 currentStream()),
                        "ncclRecv");
            });
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    checkAborted();
    currentStream(); // The calling thread's device.
    ncclComm_t part = nullptr;
    checkNccl(ncclCommSplit(comm, color < 0 ? NCCL_SPLIT_NOCOLOR : color, key,
                            &part, nullptr),
              "ncclCommSplit");
    if (color < 0 || part == nullptr)
      return nullptr;
    return std::make_unique<NcclCommunicator>(part, job, timeout);
  }

  void abort(const std::string &reason) override {
    std::lock_guard<std::mutex> lock(job->mutex);
    if (!job->aborted) {
      job->reason = reason;
      job->aborted = true;
    }
  }

protected:
  void execute(std::vector<Op> &ops) override {
    checkAborted();
    for (Op &op : ops)
      if (op.start)
        op.start();
    checkNccl(ncclGroupStart(), "ncclGroupStart");
    for (Op &op : ops)
      op.run();
    checkNccl(ncclGroupEnd(), "ncclGroupEnd");
    wait();
    for (Op &op : ops)
      if (op.finish)
        op.finish();
  }

private:
  using Issue = std::function<void(const void *, void *)>;
  using After = std::function<void(void *)>;

  void enqueue(Stream &stream, const void *in, size_t inBytes, void *out,
               size_t outBytes, Issue issue, After after = nullptr) {
    checkAborted();
    auto buffers = std::make_shared<Buffers>();
    buffers->in = in;
    buffers->inBytes = inBytes;
    buffers->out = out;
    buffers->outBytes = outBytes;
    submit({&stream, [buffers] { buffers->stageIn(); },
            [buffers, issue] { issue(buffers->deviceIn, buffers->deviceOut); },
            [buffers, after] {
              if (after)
                after(buffers->deviceOut);
              buffers->stageOut();
            }});
  }

  /// Polls the calling thread's stream until the group has run; fails on
  /// NCCL's asynchronous errors, abort() anywhere in the job, or the
  /// deadline (then aborting the job).
  void wait() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration<double>(timeout);
    auto pause = std::chrono::microseconds(1);
    for (;;) {
      cudaError_t status = cudaStreamQuery(currentStream());
      if (status == cudaSuccess)
        return;
      if (status != cudaErrorNotReady)
        check(status, "an NCCL operation");
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm, &async);
      if (async != ncclSuccess && async != ncclInProgress) {
        abortHere("NCCL: " + std::string(ncclGetErrorString(async)));
      }
      if (job->aborted)
        abortHere(job->reason);
      if (std::chrono::steady_clock::now() > deadline) {
        abort("an NCCL operation timed out");
        abortHere("an NCCL operation timed out");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }

  /// Unblocks the device (ncclCommAbort, from the thread that uses the
  /// communicator) and fails this operation.
  [[noreturn]] void abortHere(const std::string &why) {
    if (!aborted) {
      aborted = true;
      ncclCommAbort(comm);
    }
    throw CommError(why);
  }

  void checkAborted() {
    if (job->aborted) {
      std::lock_guard<std::mutex> lock(job->mutex);
      throw CommError(job->reason);
    }
  }

  void checkPeer(int peer) const {
    if (peer < 0 || peer >= ranks)
      throw std::invalid_argument("rank " + std::to_string(peer) +
                                  " outside a group of " +
                                  std::to_string(ranks));
  }

  ncclComm_t comm;
  std::shared_ptr<Job> job;
  double timeout;
  int myRank = 0, ranks = 1;
  bool aborted = false;
};

bool startedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
         std::getenv("PMIX_RANK");
}

} // namespace

std::unique_ptr<Communicator> createNcclWorld(double timeoutSeconds) {
  ncclUniqueId id;
  int rank = 0, size = 1;
  std::unique_ptr<Communicator> mpi;
  if (startedByMpirun())
    mpi = createMpiWorld(timeoutSeconds);
  std::optional<Rendezvous> env = rendezvousFromEnv(
      [](const char *name) -> const char * { return std::getenv(name); });
  if (mpi) {
    rank = mpi->rank();
    size = mpi->size();
    if (rank == 0)
      checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    Stream stream("nccl bootstrap");
    mpi->broadcast(&id, sizeof id, DType::Bool, 0, stream);
    stream.synchronize();
  } else if (env && env->worldSize > 1) {
    rank = env->rank;
    size = env->worldSize;
    TcpStore store(env->host, env->port, rank == 0, timeoutSeconds);
    const std::string key = "pxrt/nccl-unique-id";
    if (rank == 0) {
      checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
      store.set(key,
                std::string(reinterpret_cast<const char *>(&id), sizeof id));
      // Serve until every rank has the id.
      for (int r = 1; r < size; ++r)
        store.get("pxrt/joined/" + std::to_string(r));
    } else {
      std::string bytes = store.get(key);
      if (bytes.size() != sizeof id)
        throw CommError("TCP store: a malformed NCCL id");
      std::memcpy(&id, bytes.data(), sizeof id);
      store.set("pxrt/joined/" + std::to_string(rank), "");
    }
  } else {
    checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  }
  currentStream(); // This thread's device.
  ncclComm_t comm = nullptr;
  checkNccl(ncclCommInitRank(&comm, size, id, rank), "ncclCommInitRank");
  return std::make_unique<NcclCommunicator>(comm, std::make_shared<Job>(),
                                            timeoutSeconds);
}

} // namespace pxrt::cuda
