//===- comm.h - Communicators -----------------------------------*- C++ -*-===//
//
// One interface for every transport: `local` (ranks are threads of one
// process), `mpi` (OpenMPI processes), and later `nccl` (GPU streams). The
// operations take contiguous buffers; chunk sizes may differ between ranks
// (uneven splits), so gathers and scatters take one count per rank, like
// MPI's v-variants. Each call is enqueued on a Stream and completes in
// stream order; `groupStart`/`groupEnd` batch point-to-point calls so that
// matching sends and receives cannot deadlock (NCCL's group semantics).
//
// Reductions are deterministic: every rank receives bit-identical results,
// computed in rank order, whatever the transport.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_COMM_H
#define PXRT_COMM_H

#include "pxrt/dtype.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pxrt {

class Stream;

/// A failure that every rank of a job must see: a peer died, a timeout
/// expired, a transport error. Communicators report it by throwing.
class CommError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class Communicator {
public:
  virtual ~Communicator();

  /// This rank's index in the group, and the group's size.
  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// recv = reduction over ranks of send (count elements each). send may
  /// equal recv (in place).
  virtual void allReduce(const void *send, void *recv, size_t count,
                         DType type, ReduceOp op, Stream &stream) = 0;
  /// Every rank contributes counts[rank()] elements; recv receives all
  /// chunks concatenated in rank order (sum(counts) elements).
  virtual void allGather(const void *send, void *recv,
                         const std::vector<size_t> &counts, DType type,
                         Stream &stream) = 0;
  /// send holds sum(counts) elements; rank r receives the reduction of
  /// chunk r (counts[r] elements, chunks in rank order).
  virtual void reduceScatter(const void *send, void *recv,
                             const std::vector<size_t> &counts, DType type,
                             ReduceOp op, Stream &stream) = 0;
  /// sendCounts[r] elements go to rank r (chunks of send in rank order);
  /// recvCounts[r] elements arrive from rank r (chunks of recv in order).
  virtual void allToAll(const void *send, const std::vector<size_t> &sendCounts,
                        void *recv, const std::vector<size_t> &recvCounts,
                        DType type, Stream &stream) = 0;
  /// root's buffer is copied to every rank.
  virtual void broadcast(void *buffer, size_t count, DType type, int root,
                         Stream &stream) = 0;
  virtual void send(const void *buffer, size_t count, DType type, int peer,
                    Stream &stream) = 0;
  virtual void recv(void *buffer, size_t count, DType type, int peer,
                    Stream &stream) = 0;
  virtual void groupStart() = 0;
  virtual void groupEnd() = 0;

  /// The sub-group of ranks with the same `color`, ordered by `key` (ties
  /// by rank), as MPI_Comm_split. Collective over this group.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;
  /// Makes every rank of the job fail with CommError soon (a rank died).
  virtual void abort(const std::string &reason) = 0;
};

/// A job of `size` ranks run as threads of this process; world(r) is rank
/// r's communicator. Waits give up with CommError after `timeoutSeconds`.
class LocalJob {
public:
  explicit LocalJob(int size, double timeoutSeconds = 300);
  ~LocalJob();
  Communicator &world(int rank);

private:
  struct State;
  std::unique_ptr<State> state;
};

/// MPI_COMM_WORLD (MPI_Init on first use). Null when libpxrt was built
/// without MPI or the process was not started by mpirun.
std::unique_ptr<Communicator> createMpiWorld();

} // namespace pxrt

#endif // PXRT_COMM_H
