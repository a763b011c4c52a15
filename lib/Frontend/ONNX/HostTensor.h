//===- HostTensor.h - Small constant tensors of the importer ----*- C++ -*-===//
//
// The importer evaluates shape computations (Shape, Gather, Concat, Range,
// ...) on the host so that every px type is static. A HostTensor holds such a
// small value: integers and booleans as int64, floats as double.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_LIB_FRONTEND_ONNX_HOSTTENSOR_H
#define PXC_LIB_FRONTEND_ONNX_HOSTTENSOR_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <vector>

namespace pxc::onnx_import {

/// The element types px supports; ONNX TensorProto codes map onto them.
enum class DType { F16, BF16, F32, F64, I32, I64, Bool };

/// ONNX TensorProto.DataType code -> DType; nullopt if px has no such type.
std::optional<DType> dtypeFromOnnx(int code);
/// "uint8" etc., for diagnostics.
const char *onnxTypeName(int code);
mlir::Type toMlirType(DType dtype, mlir::MLIRContext *context);
std::optional<DType> fromMlirType(mlir::Type type);
bool isFloat(DType dtype);
int64_t byteWidth(DType dtype);

struct HostTensor {
  DType dtype = DType::I64;
  llvm::SmallVector<int64_t> shape;
  /// Exactly one of these holds numel() values.
  std::vector<int64_t> ints;
  std::vector<double> floats;

  static HostTensor fromInts(llvm::ArrayRef<int64_t> shape,
                             std::vector<int64_t> values,
                             DType dtype = DType::I64);
  static HostTensor fromFloats(llvm::ArrayRef<int64_t> shape,
                               std::vector<double> values,
                               DType dtype = DType::F32);
  static HostTensor splat(llvm::ArrayRef<int64_t> shape, const HostTensor &v);

  int64_t numel() const;
  bool isFloat() const { return onnx_import::isFloat(dtype); }
  /// Element `i` as a double / as an int64 (floats truncate toward zero).
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  /// All elements as int64 (shape operands such as Reshape's shape).
  std::vector<int64_t> toInts() const;

  /// Converts to another element type (ONNX Cast semantics).
  HostTensor castTo(DType to) const;

  mlir::RankedTensorType getType(mlir::MLIRContext *context) const;
  mlir::DenseElementsAttr toAttr(mlir::MLIRContext *context) const;
  /// Reads a dense elements attribute of a supported type.
  static std::optional<HostTensor> fromAttr(mlir::DenseElementsAttr attr);
};

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Numpy broadcast of two shapes; nullopt if incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Index into a tensor of shape `shape` that is broadcast to `outShape`, for
/// the row-major output index `flat`.
int64_t broadcastIndex(llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<int64_t> outShape, int64_t flat);

} // namespace pxc::onnx_import

#endif // PXC_LIB_FRONTEND_ONNX_HOSTTENSOR_H
