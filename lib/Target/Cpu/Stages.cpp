//===- Stages.cpp - One pipeline stage of a per-rank function -------------===//

#include "Stages.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

static pipeline::ScheduleConfig scheduleConfig(const PipelineConfig &config) {
  return {*pipeline::parseScheduleKind(config.schedule),
          static_cast<int>(config.stages),
          static_cast<int>(config.microBatches),
          static_cast<int>(config.virtualStages), /*training=*/true};
}

StageView::StageView(const PipelineConfig &config, int64_t stage)
    : pipelineConfig(config), index(stage), stageTasks(tasksOf(stage)) {}

std::vector<pipeline::Task> StageView::tasksOf(int64_t stage) const {
  return pipeline::buildSchedule(scheduleConfig(pipelineConfig),
                                 static_cast<int>(stage));
}

bool StageView::sends(Operation *op) const {
  auto transfer = dyn_cast<TransferOp>(op);
  return transfer && transfer.getSrcStage() == index;
}

bool StageView::receives(Operation *op) const {
  auto transfer = dyn_cast<TransferOp>(op);
  return transfer && transfer.getDstStage() == index;
}

bool StageView::includes(Operation *op) const {
  if (isa<TransferOp>(op))
    return sends(op) || receives(op);
  if (op->hasTrait<OpTrait::IsTerminator>())
    return true;
  return getStage(op).value_or(0) == index;
}

LogicalResult StageView::verify(Block &body) const {
  for (Operation &op : body) {
    if (!includes(&op) || receives(&op) || op.hasTrait<OpTrait::IsTerminator>())
      continue;
    for (Value operand : op.getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def)
        continue;
      std::optional<int64_t> stage = getValueStage(operand);
      if (stage.value_or(0) != index)
        return op.emitOpError("is on pipeline stage ")
               << index << " but reads a value of stage " << stage.value_or(0)
               << " without a px.transfer (run px-insert-transfers)";
      if (phaseOf(def) > phaseOf(&op) && !isa<ConstantOp, ParameterOp>(def))
        return op.emitOpError("runs in the ")
               << pipeline::toString(phaseOf(&op))
               << " phase but reads a value of the later "
               << pipeline::toString(phaseOf(def)) << " phase";
    }
  }
  return success();
}

pipeline::Phase StageView::phaseOf(Operation *op) {
  static_assert(static_cast<int>(Phase::Weight) ==
                    static_cast<int>(pipeline::Phase::Weight),
                "px and schedule phases are numbered alike");
  return static_cast<pipeline::Phase>(getPhase(op).value_or(Phase::Forward));
}

bool StageView::isGated(Operation *op) const {
  return pipelineConfig.microBatches > 1 &&
         phaseOf(op) == pipeline::Phase::Update;
}

DenseMap<Value, int>
StageView::slots(Block &body, const DenseMap<Operation *, Operation *> &actorOf,
                 const DenseSet<Value> &noBuffer) const {
  DenseMap<Value, int> slots;
  auto consider = [&](Value value, std::optional<pipeline::Phase> from,
                      bool async) {
    if (noBuffer.contains(value))
      return;
    std::optional<pipeline::Phase> first, last;
    for (Operation *user : value.getUsers()) {
      if (!includes(user))
        continue;
      // A send, or an output, reads asynchronously.
      if (isa<TransferOp>(user) || user->hasTrait<OpTrait::IsTerminator>())
        async = true;
      if (user->hasTrait<OpTrait::IsTerminator>())
        continue;
      pipeline::Phase phase = phaseOf(actorOf.lookup_or(user, user));
      first = first ? std::min(*first, phase) : phase;
      last = last ? std::max(*last, phase) : phase;
    }
    if (!from)
      from = first;
    if (!from)
      return; // Not read on this stage.
    pipeline::Phase to = last.value_or(*from);
    if (!async && *from == to)
      return;
    slots[value] =
        pipeline::liveSlots(stageTasks, *from, 0, to, 0) + (async ? 1 : 0);
  };
  for (BlockArgument arg : body.getArguments())
    consider(arg, std::nullopt, /*async=*/true);
  for (Operation &op : body) {
    if (!includes(&op) || sends(&op) || isa<ParameterOp, ConstantOp>(op) ||
        op.hasTrait<OpTrait::IsTerminator>())
      continue;
    if (isa<AccumulateOp>(op)) {
      // Accumulates over the step: never shared, one buffer (see
      // accumulatorSlots for its register).
      slots[op.getResult(0)] = 1;
      continue;
    }
    std::optional<pipeline::Phase> from;
    if (!receives(&op))
      from = phaseOf(actorOf.lookup_or(&op, &op));
    for (Value result : op.getResults())
      consider(result, from, receives(&op));
  }
  return slots;
}

int StageView::accumulatorSlots(
    Operation *accumulate,
    const DenseMap<Operation *, Operation *> &actorOf) const {
  pipeline::Phase from = phaseOf(accumulate), to = from;
  for (Operation *user : accumulate->getUsers())
    if (includes(user) && !user->hasTrait<OpTrait::IsTerminator>())
      to = std::max(to, phaseOf(actorOf.lookup_or(user, user)));
  return pipeline::liveSlots(stageTasks, from, 0, to, 0);
}

std::string StageView::taskList(const std::vector<pipeline::Task> &tasks) {
  std::string out = "{";
  for (auto [i, task] : llvm::enumerate(tasks))
    out += (i ? ", {" : "{") + std::to_string(static_cast<int>(task.phase)) +
           ", " + std::to_string(task.microBatch) + "}";
  return out + "}";
}
