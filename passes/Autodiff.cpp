//===- Autodiff.cpp - px-autodiff: reverse-mode gradients of the loss -----===//
//
// Appends to each function the reverse sweep of its first result (a scalar
// f32 loss) and returns the gradient of every trainable parameter. The VJP
// rules live with the ops (AutodiffInterface, dialects/px/Autodiff.cpp);
// this pass only orders them, accumulates cotangents and wires the results.
//
//===----------------------------------------------------------------------===//

#include "Hyper.h"

#include "pxc/Dialect/Px/Autodiff.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "pxrt/train.h"
#include "llvm/ADT/DenseSet.h"

namespace pxc {
#define GEN_PASS_DEF_AUTODIFF
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// The gradient is taken on the global view: per-rank functions, SBP
/// annotations or collectives mean the SBP passes already ran.
static LogicalResult checkNotDistributed(func::FuncOp func) {
  if (func->hasAttr(PxDialect::kRanksAttrName))
    return func.emitOpError("is a per-rank function (px.ranks); run "
                            "px-autodiff before SBP search and spmdize");
  WalkResult walk = func.walk([](Operation *op) {
    // A parameter's px.sbp is a user's constraint for the search (--sbp).
    if (isa<CollectiveOpInterface>(op) ||
        (op->hasAttr(PxDialect::kSbpAttrName) && !isa<ParameterOp>(op))) {
      op->emitOpError("is already distributed; run px-autodiff before SBP "
                      "search and boxing");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

static bool isTrainable(ParameterOp param) { return !param.getFrozen(); }

/// Values that depend on a trainable parameter through float values: only
/// their cotangents are built (one forward walk).
static llvm::DenseSet<Value> findActiveValues(ArrayRef<Operation *> ops) {
  llvm::DenseSet<Value> active;
  for (Operation *op : ops) {
    bool fromParam = false;
    if (auto param = dyn_cast<ParameterOp>(op))
      fromParam = isTrainable(param);
    bool fromOperand = llvm::any_of(
        op->getOperands(), [&](Value v) { return active.contains(v); });
    if (!fromParam && !fromOperand)
      continue;
    for (Value result : op->getResults())
      if (isDifferentiable(result))
        active.insert(result);
  }
  return active;
}

namespace {
/// The reverse sweep of one function.
class ReverseSweep {
public:
  ReverseSweep(OpBuilder &builder) : builder(builder) {}

  /// Adds `grad` to the cotangent of `value` (px.add for a second use).
  void accumulate(Value value, Value grad, Location loc) {
    Value &slot = grads[value];
    slot = slot ? Value(AddOp::create(builder, loc, slot, grad)) : grad;
  }

  /// Runs `op`'s VJP rule when some result has a cotangent and some operand
  /// wants one.
  LogicalResult visit(Operation *op, const llvm::DenseSet<Value> &active) {
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value result : op->getResults()) {
      resultGrads.push_back(grads.lookup(result));
      any |= static_cast<bool>(resultGrads.back());
    }
    SmallVector<bool> needed;
    for (Value operand : op->getOperands())
      needed.push_back(active.contains(operand));
    if (!any || llvm::none_of(needed, [](bool b) { return b; }))
      return success();
    auto rule = dyn_cast<AutodiffInterface>(op);
    if (!rule)
      return op->emitOpError("has no VJP rule (AutodiffInterface); cannot "
                             "differentiate the loss through it");
    SmallVector<Value> operandGrads;
    if (failed(rule.buildVjp(builder, resultGrads, needed, operandGrads)))
      return failure();
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      Value grad = i < operandGrads.size() ? operandGrads[i] : Value();
      if (!grad || !needed[i])
        continue;
      if (grad.getType() != operand.getType())
        return op->emitOpError("VJP rule built a cotangent of type ")
               << grad.getType() << " for operand " << i << " of type "
               << operand.getType();
      accumulate(operand, grad, grad.getLoc());
    }
    return success();
  }

  Value lookup(Value value) const { return grads.lookup(value); }

private:
  OpBuilder &builder;
  llvm::DenseMap<Value, Value> grads;
};
} // namespace

/// The phase of `source`'s backward: backward work, or the vocabulary
/// passes' for their own ops. A block of a parameter that forward work
/// sends to the vocabulary passes (a shared output weight) gets its
/// gradient back with their backward too: on the owner's backward, it
/// would be received long before it is read.
static Phase backwardPhase(Operation *source) {
  Phase phase = getPhase(source).value_or(Phase::Forward);
  auto readsParameters = [](Operation *op) {
    return llvm::all_of(op->getOperands(), [](Value operand) {
      return operand.getDefiningOp<ParameterOp>();
    });
  };
  auto feedsVocabPasses = [](Operation *op) {
    return !op->use_empty() &&
           llvm::all_of(op->getUsers(), [](Operation *user) {
             return getPhase(user) == Phase::VocabForward;
           });
  };
  if (phase == Phase::Forward && source->getNumOperands() &&
      readsParameters(source) && feedsVocabPasses(source))
    return Phase::VocabBackward;
  return backwardPhaseOf(phase);
}

/// Marks the ops built since `last` as backward work on the pipeline stage
/// of `source`, the op they differentiate: a stage runs the backward of its
/// own forward ops.
static void markBackward(Operation *last, Operation *terminator,
                         Operation *source) {
  markBuiltOps(last, terminator, backwardPhase(source), getStage(source));
}

static LogicalResult differentiate(func::FuncOp func, bool lossScale) {
  if (failed(checkNotDistributed(func)))
    return failure();
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("must have a single block to be differentiated");
  FunctionType type = func.getFunctionType();
  auto lossType = type.getNumResults()
                      ? dyn_cast<RankedTensorType>(type.getResult(0))
                      : RankedTensorType();
  if (!lossType || lossType.getRank() != 0 ||
      !lossType.getElementType().isF32())
    return func.emitOpError("first result must be a scalar f32 loss "
                            "(tensor<f32>) to be differentiated");

  Block &body = func.getBody().front();
  Operation *terminator = body.getTerminator();
  SmallVector<Operation *> ops;
  SmallVector<ParameterOp> params;
  for (Operation &op : body.without_terminator()) {
    ops.push_back(&op);
    if (auto param = dyn_cast<ParameterOp>(op); param && isTrainable(param)) {
      if (!isDifferentiable(param.getResult()))
        return param.emitOpError("is trainable but not a float tensor; mark "
                                 "it frozen");
      params.push_back(param);
    }
  }
  llvm::DenseSet<Value> active = findActiveValues(ops);

  Value hyper;
  if (lossScale) {
    FailureOr<Value> found = getOrAddHyper(func);
    if (failed(found))
      return failure();
    hyper = *found;
  }
  OpBuilder builder(terminator);
  ReverseSweep sweep(builder);
  Value loss = terminator->getOperand(0);
  Location seedLoc = loss.getLoc();
  Operation *last = terminator->getPrevNode();
  // Loss scaling: d(S * loss)/d(loss) = S, so every gradient is S times the
  // loss's while the loss itself stays unscaled.
  Value seed =
      lossScale ? hyperEntry(builder, seedLoc, hyper, pxrt::train::kLossScale)
                : ConstantOp::create(builder, seedLoc,
                                     DenseElementsAttr::get(
                                         lossType, builder.getF32FloatAttr(1)));
  sweep.accumulate(loss, seed, seedLoc);
  if (Operation *lossOp = loss.getDefiningOp())
    markBackward(last, terminator, lossOp);
  for (Operation *op : llvm::reverse(ops)) {
    last = terminator->getPrevNode();
    if (failed(sweep.visit(op, active)))
      return failure();
    markBackward(last, terminator, op);
  }

  // One result per trainable parameter, zeros where the loss ignores it.
  SmallVector<Value> newResults;
  SmallVector<unsigned> indices;
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  for (ParameterOp param : params) {
    Value grad = sweep.lookup(param.getResult());
    if (!grad) {
      last = terminator->getPrevNode();
      VjpBuilder vb(builder, param);
      grad = vb.zerosLike(param.getResult());
      markBackward(last, terminator, param);
    }
    newResults.push_back(grad);
    indices.push_back(type.getNumResults());
    types.push_back(grad.getType());
    attrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
        PxDialect::kNameAttrName,
        builder.getStringAttr("grad:" + param.getName()))));
  }
  if (failed(func.insertResults(indices, types, attrs)))
    return failure();
  terminator->insertOperands(terminator->getNumOperands(), newResults);
  return success();
}

namespace {
struct AutodiffPass : pxc::impl::AutodiffBase<AutodiffPass> {
  using AutodiffBase::AutodiffBase;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(differentiate(func, lossScale)))
        return signalPassFailure();
    }
  }
};
} // namespace
