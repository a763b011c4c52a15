//===- Autodiff.h - Helpers of the px VJP rules -----------------*- C++ -*-===//
//
// The VJP rules (AutodiffInterface, dialects/px/Autodiff.cpp) build their
// backward ops with VjpBuilder: every op at the forward op's location fused
// with "px.vjp", numpy broadcasting summed back with sumTo.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_DIALECT_PX_AUTODIFF_H
#define PXC_DIALECT_PX_AUTODIFF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "pxc/Dialect/Px/PxAttrs.h"

namespace pxc::px {

/// Whether `value` can carry a cotangent (a float tensor).
bool isDifferentiable(mlir::Value value);

class VjpBuilder {
public:
  /// Builds at `builder`'s insertion point, located at `op`.
  VjpBuilder(mlir::OpBuilder &builder, mlir::Operation *op);

  mlir::Value splat(mlir::RankedTensorType type, double value);
  /// A rank-0 constant with `like`'s element type.
  mlir::Value scalarLike(mlir::Value like, double value);
  mlir::Value zerosLike(mlir::Value like);
  /// 0, 1, ..., n-1 (integer `elt`) reshaped to `shape`.
  mlir::Value iota(int64_t n, mlir::Type elt, llvm::ArrayRef<int64_t> shape);

  mlir::Value add(mlir::Value lhs, mlir::Value rhs);
  mlir::Value sub(mlir::Value lhs, mlir::Value rhs);
  mlir::Value mul(mlir::Value lhs, mlir::Value rhs);
  mlir::Value div(mlir::Value lhs, mlir::Value rhs);
  mlir::Value mulScalar(mlir::Value x, double value);
  mlir::Value neg(mlir::Value x);
  /// A unary px op by name ("exp", "tanh", ...), same type as `x`.
  mlir::Value unary(llvm::StringRef name, mlir::Value x);
  mlir::Value compare(CompareKind kind, mlir::Value lhs, mlir::Value rhs);
  mlir::Value select(mlir::Value cond, mlir::Value lhs, mlir::Value rhs);
  mlir::Value castTo(mlir::Value x, mlir::Type elt);
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value expand(mlir::Value x, mlir::RankedTensorType type);
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm);
  mlir::Value transposeLast2(mlir::Value x);
  mlir::Value matmul(mlir::Value lhs, mlir::Value rhs);
  /// px.reduce; `x` itself when `axes` is empty.
  mlir::Value reduce(ReduceKind kind, mlir::Value x,
                     llvm::ArrayRef<int64_t> axes, bool keepdims);
  /// Sums a cotangent in a numpy-broadcast shape back to `type` (the
  /// operand's): over added leading dims and dims stretched from 1.
  mlir::Value sumTo(mlir::Value g, mlir::RankedTensorType type);
  /// The adjoint of px.gather (px.scatter_add): a `dataType` tensor with
  /// g's slices added into the rows that `indices` picked.
  mlir::Value scatterAdd(mlir::Value g, mlir::Value indices, int64_t axis,
                         mlir::RankedTensorType dataType);

  mlir::OpBuilder &b;
  mlir::Location loc;
};

} // namespace pxc::px

#endif // PXC_DIALECT_PX_AUTODIFF_H
