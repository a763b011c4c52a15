//===- Importer.h - ONNX importer internals ---------------------*- C++ -*-===//

#ifndef PXC_LIB_FRONTEND_ONNX_IMPORTER_H
#define PXC_LIB_FRONTEND_ONNX_IMPORTER_H

#include "HostTensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

namespace pxc::onnx_import {

/// An ONNX value during import: an IR value, a known (small) constant, or
/// both. Constants become IR only when a non-folded node uses them.
struct ImportedValue {
  mlir::Value value;
  std::optional<HostTensor> constant;
};

class Importer;

/// What a converter sees of one ONNX node.
class NodeContext {
public:
  NodeContext(Importer &importer, const onnx::NodeProto &node,
              mlir::Location loc, int64_t opset);

  const onnx::NodeProto &node;
  mlir::Location loc;
  int64_t opset;

  mlir::OpBuilder &builder();
  mlir::MLIRContext *context() { return builder().getContext(); }

  /// Errors name the node and its op type.
  mlir::InFlightDiagnostic emitError();

  // Inputs. Optional inputs may be missing (absent or named "").
  int numInputs() const { return node.input_size(); }
  bool hasInput(int i) const;
  mlir::RankedTensorType inputType(int i);
  /// The IR value of input `i` (constants are materialized on first use).
  mlir::Value input(int i);
  /// The constant value of input `i`, or null.
  const HostTensor *constantInput(int i);
  /// Input `i` as integers, which must be a constant (shapes, axes, ...).
  mlir::FailureOr<std::vector<int64_t>> constantInts(int i, llvm::StringRef what);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t attrInt(llvm::StringRef name, int64_t defaultValue) const;
  float attrFloat(llvm::StringRef name, float defaultValue) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef def) const;
  std::optional<std::vector<int64_t>> attrInts(llvm::StringRef name) const;

  // Outputs. An output is used when another node or the graph reads it.
  int numOutputs() const { return node.output_size(); }
  bool outputUsed(int i) const;
  void setOutput(int i, mlir::Value value);
  void setConstant(int i, HostTensor value);

  /// Maps a possibly negative axis into [0, rank); an error otherwise.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  /// Emits `OpTy` (with explicit result types) at the node's location and
  /// verifies it; a verifier error becomes a diagnostic of this node.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> build(Args &&...args) {
    OpTy op = OpTy::create(builder(), loc, std::forward<Args>(args)...);
    if (mlir::failed(check(op)))
      return mlir::failure();
    return op->getResult(0);
  }

  /// Emits a single-result `OpTy` whose result type the op infers from its
  /// operands and attributes; inference errors name this node.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> buildInferred(Args &&...args) {
    OpTy op = OpTy::create(builder(), loc, builder().getNoneType(),
                           std::forward<Args>(args)...);
    llvm::SmallVector<mlir::Type, 1> types;
    auto infer = [&] {
      return OpTy::inferReturnTypes(
          context(), loc, op->getOperands(), op->getAttrDictionary(),
          op->getPropertiesStorage(), op->getRegions(), types);
    };
    if (mlir::failed(capture(infer))) {
      op->erase();
      return mlir::failure();
    }
    op->getResult(0).setType(types.front());
    if (mlir::failed(check(op)))
      return mlir::failure();
    return op->getResult(0);
  }

  /// Verifies a freshly built op; erases it and reports on failure.
  mlir::LogicalResult check(mlir::Operation *op);

private:
  /// Runs `fn`, turning the diagnostics it emits into one of this node's.
  mlir::LogicalResult capture(llvm::function_ref<mlir::LogicalResult()> fn);

  Importer &importer;
};

/// Converts a node to px ops. Returns failure after emitting a diagnostic.
using Converter = mlir::LogicalResult (*)(NodeContext &);
/// The converters of the default ONNX domain, by op type.
const llvm::StringMap<Converter> &getConverters();

/// Evaluates a node on the host when its result is a small constant (shape
/// computations). Returns true if the outputs were set, false when the node
/// must become IR, failure after a diagnostic.
mlir::FailureOr<bool> tryFold(NodeContext &ctx);

/// Decodes a TensorProto (inline or raw data; not external) into a host
/// tensor; failure after a diagnostic at `loc`.
mlir::FailureOr<HostTensor> decodeTensor(const onnx::TensorProto &tensor,
                                         mlir::Location loc,
                                         llvm::StringRef what,
                                         llvm::StringRef modelPath = "");

} // namespace pxc::onnx_import

#endif // PXC_LIB_FRONTEND_ONNX_IMPORTER_H
