//===- AppendLoss.cpp - px-append-loss: logits -> training loss -----------===//

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace pxc {
#define GEN_PASS_DEF_APPENDLOSS
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

static bool isScalarF32(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getRank() == 0 && tensor.getElementType().isF32();
}

static StringAttr resultName(func::FuncOp func, unsigned i) {
  return func.getResultAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
}

static StringAttr argName(func::FuncOp func, unsigned i) {
  return func.getArgAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
}

static void setRole(func::FuncOp func, unsigned arg, StringRef role) {
  func.setArgAttr(arg, PxDialect::kRoleAttrName,
                  StringAttr::get(func.getContext(), role));
}

/// Marks the integer argument shaped like the labels as the token ids.
static void markTokens(func::FuncOp func, BlockArgument labels) {
  for (BlockArgument arg : func.getArguments()) {
    auto type = cast<RankedTensorType>(arg.getType());
    if (arg != labels && isa<IntegerType>(type.getElementType()) &&
        type.getShape() == cast<RankedTensorType>(labels.getType()).getShape())
      return setRole(func, arg.getArgNumber(), "tokens");
  }
}

/// The model already ends in a loss: mark the arguments it reads.
static LogicalResult markExistingLoss(func::FuncOp func) {
  if (!resultName(func, 0))
    func.setResultAttr(0, PxDialect::kNameAttrName,
                       StringAttr::get(func.getContext(), "loss"));
  CrossEntropyOp loss;
  func.walk([&](CrossEntropyOp op) {
    if (!loss && isa<BlockArgument>(op.getLabels()))
      loss = op;
  });
  if (!loss)
    return func.emitOpError("returns a scalar loss but no px.cross_entropy "
                            "reads its labels from an argument");
  auto labels = cast<BlockArgument>(loss.getLabels());
  setRole(func, labels.getArgNumber(), "labels");
  markTokens(func, labels);
  return success();
}

static FailureOr<unsigned> findLogits(func::FuncOp func, StringRef name) {
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
    StringAttr attr = resultName(func, i);
    if (!name.empty()
            ? attr && attr.getValue() == name
            : isa<FloatType>(cast<RankedTensorType>(func.getResultTypes()[i])
                                 .getElementType()))
      return i;
  }
  if (!name.empty())
    return func.emitOpError("has no result named '") << name << "'";
  return func.emitOpError("has no floating-point result to use as logits");
}

static LogicalResult appendLoss(func::FuncOp func, StringRef logitsName) {
  if (func->hasAttr(PxDialect::kRanksAttrName))
    return func.emitOpError("is already distributed; append the loss before "
                            "parallelizing");
  if (func.getNumResults() > 0 && isScalarF32(func.getResultTypes()[0]))
    return markExistingLoss(func);
  FailureOr<unsigned> index = findLogits(func, logitsName);
  if (failed(index))
    return failure();
  auto logitsType = cast<RankedTensorType>(func.getResultTypes()[*index]);
  if (logitsType.getRank() < 2 || !logitsType.getElementType().isF32())
    return func.emitOpError("logits must be f32 with a batch and a class "
                            "dimension, not ")
           << logitsType;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (StringAttr name = argName(func, i); name && name.getValue() == "labels")
      return func.emitOpError("already has an argument named 'labels'");

  MLIRContext *ctx = func.getContext();
  Builder b(ctx);
  auto labelsType =
      RankedTensorType::get(logitsType.getShape().drop_back(), b.getI64Type());
  unsigned labelsIndex = func.getNumArguments();
  auto attrs = b.getDictionaryAttr(
      {b.getNamedAttr(PxDialect::kNameAttrName, b.getStringAttr("labels")),
       b.getNamedAttr(PxDialect::kRoleAttrName, b.getStringAttr("labels"))});
  if (failed(
          func.insertArgument(labelsIndex, labelsType, attrs, func.getLoc())))
    return failure();
  BlockArgument labels = func.getArgument(labelsIndex);

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  Value logits = ret.getOperand(*index);
  OpBuilder builder(ret);
  Value loss = CrossEntropyOp::create(builder, logits.getLoc(), logits, labels,
                                      LossReduction::mean, nullptr);
  ret.getOperandsMutable().assign(loss);
  func.setType(FunctionType::get(ctx, func.getArgumentTypes(), loss.getType()));
  func.setAllResultAttrs(ArrayRef<DictionaryAttr>{b.getDictionaryAttr(
      b.getNamedAttr(PxDialect::kNameAttrName, b.getStringAttr("loss")))});
  markTokens(func, labels);
  return success();
}

namespace {
struct AppendLossPass : pxc::impl::AppendLossBase<AppendLossPass> {
  using AppendLossBase::AppendLossBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!func) {
      getOperation().emitError("px-append-loss: no function @main");
      return signalPassFailure();
    }
    if (failed(appendLoss(func, logits)))
      signalPassFailure();
  }
};
} // namespace
