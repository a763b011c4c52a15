//===- PxOps.h - px operations ----------------------------------*- C++ -*-===//

#ifndef PXC_DIALECT_PX_PXOPS_H
#define PXC_DIALECT_PX_PXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "pxc/Dialect/Px/PxAttrs.h"
#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Dialect/Px/PxInterfaces.h"

namespace pxc::px {
/// Infers the numpy-broadcast result type of `operands`. The element type is
/// `elementType` when given, else that of the last operand.
/// Custom assembly of collective ops' types: `T` or `T -> U`.
mlir::ParseResult parseCollectiveTypes(mlir::OpAsmParser &parser,
                                       mlir::Type &input, mlir::Type &result);
void printCollectiveTypes(mlir::OpAsmPrinter &printer, mlir::Operation *op,
                          mlir::Type input, mlir::Type result);

/// Whether `op` is in a per-rank function (one with px.ranks, made by
/// px-spmdize), where values have local shapes.
bool isPerRankFunction(mlir::Operation *op);

llvm::LogicalResult
inferBroadcastType(std::optional<mlir::Location> loc, mlir::ValueRange operands,
                   mlir::Type elementType,
                   llvm::SmallVectorImpl<mlir::Type> &types);
} // namespace pxc::px

#define GET_OP_CLASSES
#include "pxc/Dialect/Px/PxOps.h.inc"

namespace pxc::px {
/// The mesh that SBP attributes on or under `op` refer to: the one named by
/// the nearest `px.mesh` attribute of an enclosing op (or `op` itself), else
/// the module's only px.mesh. Emits an error at `op` when there is none or
/// the choice is ambiguous.
llvm::FailureOr<MeshOp> findMesh(mlir::Operation *op);

/// The distribution of `value`: the `px.sbp` entry of its defining op's
/// result or of its function argument; null when there is none.
SbpAttr getSbp(mlir::Value value);
/// The distribution `op` expects of operand `index` (its `px.sbp_in`
/// entry); null when there is none.
SbpAttr getExpectedSbp(mlir::Operation *op, unsigned index);
/// The distribution required of result `index` of `func` at its returns
/// (the result's `px.sbp`); null when there is none.
SbpAttr getResultSbp(mlir::FunctionOpInterface func, unsigned index);

inline sbp::Reduce toSbpReduce(PartialReduce reduce) {
  return reduce == PartialReduce::max ? sbp::Reduce::Max : sbp::Reduce::Sum;
}
inline PartialReduce toPartialReduce(sbp::Reduce reduce) {
  return reduce == sbp::Reduce::Max ? PartialReduce::max : PartialReduce::sum;
}
} // namespace pxc::px

#endif // PXC_DIALECT_PX_PXOPS_H
