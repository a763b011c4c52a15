//===- ShapeRules.h - ONNX shape rules shared by folding and conversion ---===//
//
// Reshape, Squeeze, Unsqueeze, Flatten, Slice and Split resolve their ONNX
// operands (constants, negative axes, 0/-1 sizes, clamped bounds) into the
// static parameters of px ops. The host folder and the converters both use
// these rules, so a folded shape computation and an emitted op always agree.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_LIB_FRONTEND_ONNX_SHAPERULES_H
#define PXC_LIB_FRONTEND_ONNX_SHAPERULES_H

#include "Importer.h"

namespace pxc::onnx_import {

/// The result shape of Reshape / Squeeze / Unsqueeze / Flatten (nodes that
/// only reinterpret the shape of input 0).
mlir::FailureOr<llvm::SmallVector<int64_t>> reshapedShape(NodeContext &ctx);

/// Static offsets/sizes/strides of an ONNX Slice on `shape`.
struct SliceParams {
  llvm::SmallVector<int64_t> offsets, sizes, strides;
};
mlir::FailureOr<SliceParams> sliceParams(NodeContext &ctx,
                                         llvm::ArrayRef<int64_t> shape);

/// Axis and piece sizes of an ONNX Split.
struct SplitParams {
  int64_t axis = 0;
  llvm::SmallVector<int64_t> sizes;
};
mlir::FailureOr<SplitParams> splitParams(NodeContext &ctx,
                                         llvm::ArrayRef<int64_t> shape);

/// Output shape of Expand: numpy broadcast of the input and the shape input.
mlir::FailureOr<llvm::SmallVector<int64_t>> expandShape(NodeContext &ctx);

/// Axes of a Reduce* node (attribute or input, by opset), normalized and
/// sorted; all axes when none are given. `noop` is set for
/// noop_with_empty_axes with no axes.
mlir::FailureOr<llvm::SmallVector<int64_t>>
reduceAxes(NodeContext &ctx, int64_t rank, bool &noop);

/// Transpose's permutation (default: reverse).
mlir::FailureOr<llvm::SmallVector<int64_t>> transposePerm(NodeContext &ctx,
                                                          int64_t rank);

} // namespace pxc::onnx_import

#endif // PXC_LIB_FRONTEND_ONNX_SHAPERULES_H
