//===- InsertTransfers.cpp - px-insert-transfers --------------------------===//
//
// After partitioning, the passes that build the training step (autodiff,
// the optimizer, canonicalization) leave some ops unplaced and many values
// used on other stages. This pass completes the placement and makes every
// crossing explicit, so that the SBP search costs each stage's ops on its
// own and the targets see one send/receive per crossing.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace pxc {
#define GEN_PASS_DEF_INSERTTRANSFERS
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// The uses of `value`, grouped by the stage that reads them, in order of
/// first use.
static llvm::MapVector<int64_t, SmallVector<OpOperand *>>
usesByStage(Value value) {
  llvm::MapVector<int64_t, SmallVector<OpOperand *>> groups;
  for (OpOperand &use : value.getUses())
    if (std::optional<int64_t> stage = getUseStage(use))
      groups[*stage].push_back(&use);
  return groups;
}

/// A copy of a constant on each further stage that reads it (constants
/// are cheaper to embed twice than to send).
static void copyConstants(Block &body) {
  for (auto constant : llvm::make_early_inc_range(body.getOps<ConstantOp>())) {
    int64_t home = getStage(constant).value_or(0);
    for (auto &[stage, uses] : usesByStage(constant)) {
      if (stage == home)
        continue;
      OpBuilder b(constant);
      Operation *copy = b.clone(*constant);
      setStage(copy, stage);
      for (OpOperand *use : uses)
        use->set(copy->getResult(0));
    }
  }
}

/// One px.transfer per (value, other stage that reads it).
static void routeValues(Block &body) {
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (isa<TransferOp>(op) || op.hasTrait<OpTrait::IsTerminator>())
      continue;
    int64_t home = *getStage(&op);
    for (Value result : op.getResults()) {
      for (auto &[stage, uses] : usesByStage(result)) {
        if (stage == home)
          continue;
        OpBuilder b(op.getContext());
        b.setInsertionPointAfter(&op);
        auto transfer = TransferOp::create(b, op.getLoc(), result, home, stage);
        setPhase(transfer, getPhase(&op).value_or(Phase::Forward));
        for (OpOperand *use : uses)
          use->set(transfer);
      }
    }
  }
}

namespace {
struct InsertTransfersPass
    : pxc::impl::InsertTransfersBase<InsertTransfersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<PipelineConfig> config = getPipelineConfig(module);
    if (!config)
      return;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      Block &body = func.getBody().front();
      inferPipelinePlacement(body);
      WalkResult walk = func.walk([&](Operation *op) {
        std::optional<int64_t> stage = getStage(op);
        if (stage && *stage >= config->stages * config->virtualStages) {
          op->emitOpError("is on stage ")
              << *stage << " of a pipeline of "
              << config->stages * config->virtualStages << " stages";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
      copyConstants(body);
      routeValues(body);
    }
  }
};
} // namespace
