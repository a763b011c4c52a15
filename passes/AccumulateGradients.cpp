//===- AccumulateGradients.cpp - px-accumulate-gradients ------------------===//
//
// Gradient accumulation is a rate change, not a loop: the loss and every
// gradient pass through px.accumulate, whose users run once per step while
// everything it depends on runs once per micro-batch. The target turns that
// into actors that act per micro-batch and actors that act at the step's
// last one (docs/design/pipeline.md).
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace pxc {
#define GEN_PASS_DEF_ACCUMULATEGRADIENTS
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// Replaces every result of `func` by its mean over the micro-batches.
static LogicalResult accumulateResults(func::FuncOp func,
                                       int64_t microBatches) {
  Operation *terminator = func.getBody().front().getTerminator();
  OpBuilder b(terminator);
  for (OpOperand &result : terminator->getOpOperands()) {
    Value value = result.get();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return func.emitOpError("result #")
             << result.getOperandNumber()
             << " is not a float tensor; only the loss and gradients can be "
                "accumulated over micro-batches";
    auto acc = AccumulateOp::create(b, value.getLoc(), value, microBatches);
    // With the backward of its producer: an input embedding block's
    // gradient comes after the backward.
    Phase phase = Phase::Backward;
    if (Operation *def = value.getDefiningOp())
      phase = std::max(phase, getPhase(def).value_or(Phase::Backward));
    setPhase(acc, phase);
    if (std::optional<int64_t> stage = getValueStage(value))
      setStage(acc, *stage);
    result.set(acc);
  }
  return success();
}

namespace {
struct AccumulateGradientsPass
    : pxc::impl::AccumulateGradientsBase<AccumulateGradientsPass> {
  using AccumulateGradientsBase::AccumulateGradientsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (microBatches < 1) {
      module.emitError("px-accumulate-gradients: micro-batches must be at "
                       "least 1, not ")
          << microBatches;
      return signalPassFailure();
    }
    if (microBatches == 1)
      return;
    // The target runs the step by phase; px-pipeline-partition marks them.
    std::optional<PipelineConfig> config = getPipelineConfig(module);
    if (!config) {
      module.emitError("px-accumulate-gradients: run px-pipeline-partition "
                       "(with micro-batches=")
          << static_cast<int64_t>(microBatches) << ") before px-autodiff";
      return signalPassFailure();
    }
    if (config->microBatches != microBatches) {
      module.emitError("px-accumulate-gradients: micro-batches=")
          << static_cast<int64_t>(microBatches) << " but the pipeline has "
          << config->microBatches;
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.isExternal()) {
      module.emitError("px-accumulate-gradients: no function @main");
      return signalPassFailure();
    }
    if (failed(accumulateResults(func, microBatches)))
      signalPassFailure();
  }
};
} // namespace
