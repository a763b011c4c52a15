//===- Program.h - runMain internals ----------------------------*- C++ -*-===//

#ifndef PXRT_PROGRAM_PROGRAM_H
#define PXRT_PROGRAM_PROGRAM_H

#include "pxrt/io.h"
#include "pxrt/program.h"

#include "pxc/Sbp/Sbp.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pxrt {

using pxc::sbp::Box;

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

} // namespace pxrt

#endif // PXRT_PROGRAM_PROGRAM_H
