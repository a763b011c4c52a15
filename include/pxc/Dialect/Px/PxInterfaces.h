//===- PxInterfaces.h - px op interfaces ------------------------*- C++ -*-===//

#ifndef PXC_DIALECT_PX_PXINTERFACES_H
#define PXC_DIALECT_PX_PXINTERFACES_H

#include "mlir/IR/OpDefinition.h"
#include "pxc/Sbp/Sbp.h"
#include "llvm/ADT/BitmaskEnum.h"
#include "llvm/ADT/SmallVector.h"

namespace pxc::px {

LLVM_ENABLE_BITMASK_ENUMS_IN_NAMESPACE();

/// What the per-rank kernel of an op must do beyond running the op on its
/// local pieces with the op's attributes.
enum class SbpKernelRule : uint8_t {
  None = 0,
  /// px.gather with `data` split along the gather axis: a rank holds rows
  /// [offset, offset + n) of the V rows; it normalizes each (global) index
  /// (i < 0 -> i + V), reads row i - offset when it holds row i and writes
  /// zeros otherwise. The ranks' results sum (P(sum)) to the gather.
  MaskedGather = 1 << 0,
  /// A mean (px.reduce mean, px.cross_entropy mean) over a split dimension:
  /// the local sum is divided by the global number of reduced elements, so
  /// the ranks' results sum (P(sum)) to the mean.
  GlobalMeanCount = 1 << 1,
  LLVM_MARK_AS_BITMASK_ENUM(/*LargestValue=*/GlobalMeanCount)
};

/// A 1-D signature: one entry per operand and per result, in order.
struct SbpSignature {
  llvm::SmallVector<sbp::Sbp1D, 4> inputs;
  llvm::SmallVector<sbp::Sbp1D, 1> outputs;
  SbpKernelRule rule = SbpKernelRule::None;

  friend bool operator==(const SbpSignature &a, const SbpSignature &b) {
    return a.inputs == b.inputs && a.outputs == b.outputs && a.rule == b.rule;
  }
};

/// An N-D signature: one N-D SBP (one entry per mesh axis) per operand and
/// per result; the kernel rules of the 1-D signatures it is made of.
struct NdSbpSignature {
  llvm::SmallVector<sbp::NdSbp, 4> inputs;
  llvm::SmallVector<sbp::NdSbp, 1> outputs;
  SbpKernelRule rules = SbpKernelRule::None;

  friend bool operator==(const NdSbpSignature &a, const NdSbpSignature &b) {
    return a.inputs == b.inputs && a.outputs == b.outputs && a.rules == b.rules;
  }
};

/// The checks of CollectiveOpInterface (see PxInterfaces.td).
mlir::LogicalResult verifyCollectiveOp(mlir::Operation *op);

} // namespace pxc::px

#include "pxc/Dialect/Px/PxInterfaces.h.inc"

#endif // PXC_DIALECT_PX_PXINTERFACES_H
