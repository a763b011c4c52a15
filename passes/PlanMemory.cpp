//===- PlanMemory.cpp - px-plan-memory: static arena offsets --------------===//

#include "pxc/Analysis/MemoryPlan.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

namespace pxc {
#define GEN_PASS_DEF_PLANMEMORY
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using px::PxDialect;

namespace {

void annotate(func::FuncOp func, const MemoryPlan &plan) {
  OpBuilder builder(func.getContext());
  for (BlockArgument arg : func.getArguments())
    func.setArgAttr(arg.getArgNumber(), PxDialect::kOffsetAttrName,
                    builder.getI64IntegerAttr(plan.offsets.lookup(arg)));
  func.walk([&](Operation *op) {
    if (op->getNumResults() == 0 || !plan.offsets.count(op->getResult(0)))
      return;
    SmallVector<int64_t> offsets;
    for (Value result : op->getResults())
      offsets.push_back(plan.offsets.lookup(result));
    op->setAttr(PxDialect::kOffsetsAttrName,
                builder.getDenseI64ArrayAttr(offsets));
  });
  func->setAttr(PxDialect::kArenaBytesAttrName,
                builder.getI64IntegerAttr(plan.arenaBytes));
  func->setAttr(PxDialect::kPersistentBytesAttrName,
                builder.getI64IntegerAttr(plan.persistentBytes));
}

struct PlanMemoryPass : pxc::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(PxDialect::kRanksAttrName))
        annotate(func, planMemory(func));
  }
};

} // namespace
