//===- Program.h - runMain internals ----------------------------*- C++ -*-===//

#ifndef PXRT_PROGRAM_PROGRAM_H
#define PXRT_PROGRAM_PROGRAM_H

#include "pxrt/io.h"
#include "pxrt/program.h"

#include "pxc/Sbp/Sbp.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pxrt {

using pxc::sbp::Box;

/// The distribution of `spec` on a mesh of `axes` axes (B everywhere when
/// unset); throws when it is malformed.
pxc::sbp::NdSbp tensorSbp(const TensorSpec &spec, size_t axes);

/// This rank's box of `spec` (its SBP on `mesh` at `coords`).
Box pieceBox(const TensorSpec &spec, const std::vector<int64_t> &mesh,
             const std::vector<int64_t> &coords);

/// Copies `box` of a row-major tensor of `shape` (elements of `width`
/// bytes) to or from a contiguous buffer.
void copyBoxOut(const char *tensor, const std::vector<int64_t> &shape,
                size_t width, const Box &box, char *piece);
void copyBoxIn(const char *piece, const std::vector<int64_t> &shape,
               size_t width, const Box &box, char *tensor);

/// Fills `dst` with `box` of the parameter's initial value (`seed` for the
/// random initializers).
void initializeParameter(const ParameterSpec &spec, const Box &box,
                         uint64_t seed, void *dst);

class Communicator;

/// One rank's part of checkpoints (--save, --load; docs/checkpoints.md):
/// the fragments of its parameters and optimizer states it saves (those it
/// is the primary replica of) and the pieces it loads.
class RankCheckpoints {
public:
  RankCheckpoints(const Program &program, const RankClass &cls, int rank,
                  const std::vector<int64_t> &coords, char *arena);
  ~RankCheckpoints();
  /// Fills this rank's pieces from the checkpoint directory `dir` (any
  /// configuration wrote it).
  void load(const std::string &dir);
  /// Copies the fragments to host memory (the training stall; returned in
  /// ms) and writes them in the background after the previous save has
  /// finished. `comm` spans the job; rank 0 commits `root`/step-N once
  /// every rank's file is written, keeps the newest `keep` and, when
  /// `verbose`, prints where it saved.
  double save(const std::string &root, const std::string &token, int keep,
              int64_t step, uint64_t seed, Communicator &comm, bool verbose);
  /// Waits for the save in flight; rethrows its error.
  void wait();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace pxrt

#endif // PXRT_PROGRAM_PROGRAM_H
