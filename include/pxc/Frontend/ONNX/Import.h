//===- Import.h - ONNX model importer ---------------------------*- C++ -*-===//

#ifndef PXC_FRONTEND_ONNX_IMPORT_H
#define PXC_FRONTEND_ONNX_IMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace pxc {

struct OnnxImportOptions {
  /// `--shape=NAME=DxD`: NAME is a graph input (value: its whole shape) or a
  /// symbolic dimension (value: one size).
  llvm::StringMap<std::vector<int64_t>> shapes;
  /// `--constant-input=NAME=FILE.pb`: graph inputs bound to the value of a
  /// serialized ONNX TensorProto, so that they fold like constants.
  llvm::StringMap<std::string> constantInputs;
  /// Float initializers of more bytes than this stay in the model file and
  /// are referenced by #px.external; smaller ones are inlined.
  int64_t inlineLimitBytes = 1024;
  /// Name of the imported function.
  std::string functionName = "main";
};

/// Parses `--shape` values "NAME=2x16" into `options.shapes`; returns an
/// error message, or an empty string.
std::string parseShapeOption(llvm::StringRef text, OnnxImportOptions &options);

/// Parses a `--constant-input` value "NAME=FILE.pb"; returns an error message
/// or an empty string.
std::string parseConstantInputOption(llvm::StringRef text,
                                     OnnxImportOptions &options);

/// Imports an ONNX model file (opsets 13-17) as a module holding one px
/// function. Every failure is reported as an MLIR diagnostic located at the
/// file or the offending node; the result is null then.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(llvm::StringRef path,
                                                 mlir::MLIRContext *context,
                                                 const OnnxImportOptions &options);

/// The ONNX ops (default domain) the importer converts.
std::vector<std::string> getSupportedOnnxOps();

} // namespace pxc

#endif // PXC_FRONTEND_ONNX_IMPORT_H
