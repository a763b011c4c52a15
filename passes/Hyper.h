//===- Hyper.h - The training step's hyper-parameter argument ---*- C++ -*-===//
//
// px-autodiff (with loss scaling) and px-apply-optimizer read per-step
// scalars from one f32 argument with px.role = "hyper", laid out as
// pxrt::train::Hyper; whichever pass runs first adds it.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PASSES_HYPER_H
#define PXC_PASSES_HYPER_H

#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace pxc {

/// The argument of `func` with px.role = "hyper", appended (named "hyper")
/// when there is none; fails, with a diagnostic, when it is not an f32
/// vector of pxrt::train::kHyperCount entries.
FailureOr<Value> getOrAddHyper(func::FuncOp func);

/// The existing hyper argument of `func`, or null.
Value findHyper(func::FuncOp func);

/// hyper[index] as a tensor<f32> scalar, built at `b`'s insertion point.
Value hyperEntry(OpBuilder &b, Location loc, Value hyper, int64_t index);

/// Whether some op reads hyper[index] (a slice of that one entry).
bool readsHyperEntry(Value hyper, int64_t index);

} // namespace pxc

#endif // PXC_PASSES_HYPER_H
