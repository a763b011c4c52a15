//===- EmitCpp.h - The CPU target: px per-rank program -> C++ ---*- C++ -*-===//

#ifndef PXC_TARGET_CPU_EMITCPP_H
#define PXC_TARGET_CPU_EMITCPP_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace pxc {

/// Writes the C++ source of the program in `module`, whose per-rank
/// functions (`px.ranks`, made by px-spmdize) are the classes of ranks of
/// one job. The source defines a pxrt::Program and main(); it is compiled
/// against libpxrt (runtime/include/pxrt). Errors are diagnostics.
mlir::LogicalResult emitCpuProgram(mlir::ModuleOp module,
                                   llvm::raw_ostream &os);

} // namespace pxc

#endif // PXC_TARGET_CPU_EMITCPP_H
