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
// computed in rank order, whatever the transport: ((x0 op x1) op x2) ...;
// f16 and bf16 accumulate in float and round once; integer sums wrap; for
// Bool, Sum and Max are both `or`; a NaN wins a max.
//
// Rules, as with NCCL: every rank of a group calls the group's collectives
// in the same order with matching arguments (a mismatch detected by the
// transport is a CommError); one communicator runs one operation at a time,
// so concurrent streams need communicators of their own (split() with one
// color duplicates a group); buffers, count vectors excepted, and the
// communicator must stay valid until the operation has run. Operations
// check their arguments (counts per rank, peers) when called and throw
// std::invalid_argument.
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
  /// equal recv (in place); other overlaps are undefined.
  virtual void allReduce(const void *send, void *recv, size_t count, DType type,
                         ReduceOp op, Stream &stream) = 0;
  /// Every rank contributes counts[rank()] elements; recv receives all
  /// chunks concatenated in rank order (sum(counts) elements). In place:
  /// send is this rank's chunk of recv.
  virtual void allGather(const void *send, void *recv,
                         const std::vector<size_t> &counts, DType type,
                         Stream &stream) = 0;
  /// send holds sum(counts) elements; rank r receives the reduction of
  /// chunk r (counts[r] elements, chunks in rank order). recv may overlap
  /// send.
  virtual void reduceScatter(const void *send, void *recv,
                             const std::vector<size_t> &counts, DType type,
                             ReduceOp op, Stream &stream) = 0;
  /// sendCounts[r] elements go to rank r (chunks of send in rank order);
  /// recvCounts[r] elements arrive from rank r (chunks of recv in order).
  /// send and recv must not overlap.
  virtual void allToAll(const void *send, const std::vector<size_t> &sendCounts,
                        void *recv, const std::vector<size_t> &recvCounts,
                        DType type, Stream &stream) = 0;
  /// root's buffer is copied to every rank.
  virtual void broadcast(void *buffer, size_t count, DType type, int root,
                         Stream &stream) = 0;
  /// Point-to-point, matched in order per (sender, receiver) pair with the
  /// same count and type. A send completes once the data has left `buffer`
  /// (locally: once the receiver has copied it), so a send and a receive
  /// that wait for each other deadlock unless they are in one group.
  virtual void send(const void *buffer, size_t count, DType type, int peer,
                    Stream &stream) = 0;
  virtual void recv(void *buffer, size_t count, DType type, int peer,
                    Stream &stream) = 0;
  /// Operations called between groupStart() and groupEnd() (nestable) run
  /// when the outermost groupEnd() is called, as one task: all sends are
  /// posted before any receive waits. A group spanning several streams runs
  /// on the first; the others wait for it (before and after). Call them from
  /// one host thread per communicator.
  virtual void groupStart() = 0;
  virtual void groupEnd() = 0;

  /// The sub-group of ranks with the same `color`, ordered by `key` (ties
  /// by rank), as MPI_Comm_split; null for a negative color. Collective
  /// over this group; runs on the calling thread (no stream), so the
  /// group's streams must be idle. Mesh axes are splits: on a 2x2 mesh,
  /// split(rank / 2, rank) and split(rank % 2, rank).
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;
  /// Makes every rank of the job fail with CommError soon (a rank died):
  /// locally, every waiter of every group of the job wakes with CommError,
  /// and every later operation throws it. MPI cannot make its peers throw:
  /// there abort() calls MPI_Abort, which ends every process of the job.
  virtual void abort(const std::string &reason) = 0;
};

/// A job of `size` ranks run as threads of this process; world(r) is rank
/// r's communicator. Waits give up with CommError after `timeoutSeconds`,
/// and a timeout aborts the job. Sub-communicators may outlive the job.
class LocalJob {
public:
  explicit LocalJob(int size, double timeoutSeconds = 300);
  ~LocalJob();
  Communicator &world(int rank);

private:
  struct State;
  std::unique_ptr<State> state;
};

/// A copy of MPI_COMM_WORLD (MPI_Init_thread on first use, MPI_Finalize at
/// exit). Null when libpxrt was built without MPI or the process was not
/// started by mpirun (no OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK), so a
/// program can fall back to a LocalJob. Waits give up with CommError after
/// `timeoutSeconds`.
std::unique_ptr<Communicator> createMpiWorld(double timeoutSeconds = 300);

} // namespace pxrt

#endif // PXRT_COMM_H
