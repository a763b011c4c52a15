//===- Build.h - Compiling generated programs and writing plans -*- C++ -*-===//

#ifndef PXC_LIB_DRIVER_BUILD_H
#define PXC_LIB_DRIVER_BUILD_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace pxc {

/// Compiles the generated C++ `source` into the executable `output`
/// (written under a temporary name, then renamed), linked with libpxrt.
/// Returns an error message, or an empty string.
/// `extraFlags` (space-separated) follow the defaults (-O1).
std::string buildExecutable(llvm::StringRef source, llvm::StringRef output,
                            llvm::StringRef extraFlags);

/// buildExecutable for --target=cuda: nvcc compiles the CUDA `source` for
/// the comma-separated compute capabilities `architectures` ("80,90") and
/// links libpxrt_cuda and libpxrt.
std::string buildCudaExecutable(llvm::StringRef source, llvm::StringRef output,
                                llvm::StringRef extraFlags,
                                llvm::StringRef architectures);
/// Writes `path` (atomically): the mesh, every rank class with its ranks and
/// arena bytes, the SBP of every input, output and parameter, and the
/// collectives with their mesh axes and bytes per rank.
std::string writePlan(mlir::ModuleOp module, llvm::StringRef path);
/// Writes `path` (atomically): px-checkpoint-layout's fragments of every
/// parameter and optimizer state (docs/checkpoints.md).
std::string writeCheckpointLayout(mlir::ModuleOp module, llvm::StringRef path);

} // namespace pxc

#endif // PXC_LIB_DRIVER_BUILD_H
