//===- Summary.h - Model summaries ------------------------------*- C++ -*-===//

#ifndef PXC_PASSES_SUMMARY_H
#define PXC_PASSES_SUMMARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace pxc {

/// Prints inputs, outputs, parameters (count, elements, bytes), the op
/// histogram and the matmul FLOPs of every function in `module`.
void printSummary(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace pxc

#endif // PXC_PASSES_SUMMARY_H
