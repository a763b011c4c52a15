//===- PipelineSchedule.cpp - px-pipeline-schedule ------------------------===//
//
// Zero-bubble schedules run a stage's backward in two parts: the input
// gradient (B), which the previous stage waits for, as early as 1F1B would,
// and the weight gradient (W), which nobody waits for, later in the bubbles.
// B is exactly what the stage's backward sends depend on, found by one
// reverse walk; everything else of the backward is W.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Pipeline/Schedule.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"

namespace pxc {
#define GEN_PASS_DEF_PIPELINESCHEDULE
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// Moves the backward ops no backward send depends on to the weight phase.
static void splitBackward(Block &body) {
  DenseSet<Operation *> inputGradient;
  auto isBackward = [](Operation *op) {
    return getPhase(op) == Phase::Backward;
  };
  for (Operation &op : llvm::reverse(body)) {
    bool needed =
        inputGradient.contains(&op) || (isa<TransferOp>(op) && isBackward(&op));
    if (!needed)
      continue;
    for (Value operand : op.getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && isBackward(def) && !isa<TransferOp>(def))
        inputGradient.insert(def);
  }
  for (Operation &op : body)
    if (isBackward(&op) && !isa<TransferOp>(op) && !inputGradient.contains(&op))
      setPhase(&op, Phase::Weight);
}

namespace {
struct PipelineSchedulePass
    : pxc::impl::PipelineScheduleBase<PipelineSchedulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<PipelineConfig> config = getPipelineConfig(module);
    if (!config)
      return;
    std::optional<pipeline::ScheduleConfig> schedule =
        toScheduleConfig(*config);
    if (!schedule) {
      module.emitError("px-pipeline-schedule: unknown schedule '")
          << config->schedule << "'";
      return signalPassFailure();
    }
    int64_t stages = config->stages * config->virtualStages;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func->hasAttr(PxDialect::kRanksAttrName))
        continue;
      Block &body = func.getBody().front();
      for (Operation &op : body) {
        if (isa<TransferOp>(op) || op.hasTrait<OpTrait::IsTerminator>())
          continue;
        std::optional<int64_t> stage = getStage(&op);
        if (!stage || *stage >= stages) {
          op.emitOpError("is not placed on one of the pipeline's ")
              << stages << " stages (run px-insert-transfers)";
          return signalPassFailure();
        }
      }
      if (pipeline::splitsBackward(schedule->kind))
        splitBackward(body);
    }
  }
};
} // namespace
