//===- CommImpl.h - Shared parts of the communicators -----------*- C++ -*-===//
//
// Internal to libpxrt: the rank-ordered reduction every transport uses (so
// that `local` and `mpi` give the same bits), and NCCL-style batching of
// operations between groupStart() and groupEnd().
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_COMM_COMMIMPL_H
#define PXRT_COMM_COMMIMPL_H

#include "pxrt/comm.h"
#include "pxrt/device.h"

#include <functional>
#include <memory>
#include <vector>

namespace pxrt {
namespace detail {

/// dest[i] = ((sources[0][i] op sources[1][i]) op sources[2][i]) ..., in
/// the order given; f16/bf16 accumulate in float and round once; integer
/// sums wrap; Bool sum and max are both `or`; a NaN wins a max. `dest` may
/// alias one of the sources.
void reduceInOrder(const std::vector<const void *> &sources, void *dest,
                   size_t count, DType type, ReduceOp op);

/// Element `c * count / parts`: where chunk c of an even split begins.
inline size_t chunkBegin(size_t count, int parts, int c) {
  return count / parts * c + count % parts * c / parts;
}

/// Throws std::invalid_argument unless counts has one entry per rank.
void checkCounts(const std::vector<size_t> &counts, int size, const char *what);

/// An operation is up to three steps: `start` posts it and must not wait
/// for peers, `run` does the blocking part, `finish` waits for the peers to
/// be done with it. Outside a group an operation runs as one task on its
/// stream; inside, groupEnd() runs as one task the starts of every
/// operation of the group, then their runs in call order, then their
/// finishes: all sends are posted before any receive waits, and no send
/// waits for its receiver before this rank has received.
class BatchingCommunicator : public Communicator {
public:
  void groupStart() override;
  void groupEnd() override;

protected:
  struct Op {
    Stream *stream;
    std::function<void()> start;
    std::function<void()> run;
    std::function<void()> finish;
  };
  /// A collective: one blocking step.
  void submit(Stream &stream, std::function<void()> run) {
    submit({&stream, nullptr, std::move(run), nullptr});
  }
  void submit(Op op);
  /// Runs a batch on its stream; transports wrap it (a concurrency check).
  virtual void execute(std::vector<Op> &ops);

private:
  void launch(std::vector<Op> ops);
  int depth = 0;
  std::vector<Op> pending;
};

} // namespace detail
} // namespace pxrt

#endif // PXRT_COMM_COMMIMPL_H
