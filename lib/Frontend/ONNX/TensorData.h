//===- TensorData.h - Where initializer bytes live --------------*- C++ -*-===//

#ifndef PXC_LIB_FRONTEND_ONNX_TENSORDATA_H
#define PXC_LIB_FRONTEND_ONNX_TENSORDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

namespace pxc::onnx_import {

/// Byte ranges of initializer payloads inside the model file, found by
/// walking the protobuf wire format, so that parameters can refer to their
/// data without copying it into the IR.
class InitializerData {
public:
  struct Range {
    uint64_t offset = 0, size = 0;
  };
  llvm::StringMap<Range> ranges;

  /// The `init` attribute of a weight parameter: inline dense values when
  /// small, else a #px.external reference into the model file or the
  /// initializer's external-data file.
  mlir::FailureOr<mlir::Attribute>
  getInit(const onnx::TensorProto &tensor, mlir::RankedTensorType type,
          llvm::StringRef modelPath, int64_t inlineLimitBytes,
          mlir::Location loc) const;
};

/// Scans a serialized ModelProto for graph initializers whose payload is
/// raw_data, or packed float/double data (the same little-endian bytes).
mlir::FailureOr<InitializerData> scanInitializerData(llvm::StringRef model,
                                                     mlir::Location loc);

} // namespace pxc::onnx_import

#endif // PXC_LIB_FRONTEND_ONNX_TENSORDATA_H
