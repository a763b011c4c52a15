//===- Stages.cpp - One pipeline device of a per-rank function ------------===//

#include "Stages.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include <map>

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

StageView::StageView(const PipelineConfig &config, int64_t device)
    : pipelineConfig(config), index(device), deviceTasks(tasksOf(device)) {}

/// A device's update work is one task per micro-batch, whatever the chunk,
/// after all its other work: the global gradient norm makes the updates of
/// all stages depend on each other, so update work that sat between other
/// tasks could wait for a device that waits for this one. Only the last
/// micro-batch's update does work, at the end of the step either way.
std::vector<pipeline::Task> StageView::tasksOf(int64_t device) const {
  std::vector<pipeline::Task> tasks;
  for (const pipeline::Task &task : pipeline::buildSchedule(
           *toScheduleConfig(pipelineConfig), static_cast<int>(device)))
    if (task.phase != pipeline::Phase::Update)
      tasks.push_back(task);
  for (int k = 0; k < pipelineConfig.microBatches; ++k)
    tasks.push_back({pipeline::Phase::Update, k, 0});
  return tasks;
}

bool StageView::sends(Operation *op) const {
  auto transfer = dyn_cast<TransferOp>(op);
  return transfer && deviceOf(transfer.getSrcStage()) == index &&
         deviceOf(transfer.getDstStage()) != index;
}

bool StageView::receives(Operation *op) const {
  auto transfer = dyn_cast<TransferOp>(op);
  return transfer && deviceOf(transfer.getDstStage()) == index &&
         deviceOf(transfer.getSrcStage()) != index;
}

bool StageView::copies(Operation *op) const {
  auto transfer = dyn_cast<TransferOp>(op);
  return transfer && deviceOf(transfer.getSrcStage()) == index &&
         deviceOf(transfer.getDstStage()) == index;
}

bool StageView::includes(Operation *op) const {
  if (isa<TransferOp>(op))
    return sends(op) || receives(op) || copies(op);
  if (op->hasTrait<OpTrait::IsTerminator>())
    return true;
  return deviceOf(getStage(op).value_or(0)) == index;
}

LogicalResult StageView::verify(Block &body) const {
  for (Operation &op : body) {
    if (!includes(&op) || receives(&op) || op.hasTrait<OpTrait::IsTerminator>())
      continue;
    int64_t stage = isa<TransferOp>(op) ? cast<TransferOp>(op).getSrcStage()
                                        : getStage(&op).value_or(0);
    for (Value operand : op.getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def)
        continue;
      std::optional<int64_t> from = getValueStage(operand);
      if (from.value_or(0) != stage)
        return op.emitOpError("is on pipeline stage ")
               << stage << " but reads a value of stage " << from.value_or(0)
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
  static_assert(static_cast<int>(Phase::EmbedForward) ==
                        static_cast<int>(pipeline::Phase::EmbedForward) &&
                    static_cast<int>(Phase::VocabBackward) ==
                        static_cast<int>(pipeline::Phase::VocabBackward) &&
                    static_cast<int>(Phase::EmbedBackward) ==
                        static_cast<int>(pipeline::Phase::EmbedBackward) &&
                    static_cast<int>(Phase::Update) ==
                        static_cast<int>(pipeline::Phase::Update),
                "px and schedule phases are numbered alike");
  return static_cast<pipeline::Phase>(getPhase(op).value_or(Phase::Forward));
}

int StageView::chunkOf(Operation *op) const {
  switch (phaseOf(op)) {
  case pipeline::Phase::Update: // One update task for every chunk (tasksOf).
  case pipeline::Phase::EmbedForward:
  case pipeline::Phase::VocabForward:
  case pipeline::Phase::VocabBackward:
  case pipeline::Phase::EmbedBackward:
    // A device's share of the vocabulary layers is one task per
    // micro-batch, whichever model stage its ops sit on (the last one
    // combines the statistics).
    return 0;
  default:
    break;
  }
  int64_t stage = isa<TransferOp>(op) ? cast<TransferOp>(op).getSrcStage()
                                      : getStage(op).value_or(0);
  return static_cast<int>(stage / pipelineConfig.stages);
}

int StageView::taskKey(Operation *op) const {
  return static_cast<int>(phaseOf(op)) * pipelineConfig.virtualStages +
         chunkOf(op);
}

int StageView::taskKeys() const {
  return pipeline::kPhaseCount * static_cast<int>(pipelineConfig.virtualStages);
}

bool StageView::isGated(Operation *op) const {
  return pipelineConfig.microBatches > 1 &&
         phaseOf(op) == pipeline::Phase::Update;
}

DenseMap<Value, int>
StageView::slots(Block &body, const DenseMap<Operation *, Operation *> &actorOf,
                 const DenseSet<Value> &noBuffer) const {
  DenseMap<Value, int> slots;
  std::map<int64_t, std::vector<pipeline::Task>> senderTasks;
  // `producer`: the actor that writes the value on this device's compute
  // stream (none for arguments and received values, written ahead).
  // `received`: the transfer that brings it from another device.
  auto consider = [&](Value value, Operation *producer,
                      TransferOp received = nullptr) {
    if (noBuffer.contains(value))
      return;
    bool async = !producer;
    using Turn = std::pair<pipeline::Phase, int>; // (phase, chunk)
    SmallVector<Turn> readers;
    for (Operation *user : value.getUsers()) {
      if (!includes(user))
        continue;
      // A send, or an output, reads asynchronously.
      if (sends(user) || user->hasTrait<OpTrait::IsTerminator>())
        async = true;
      if (user->hasTrait<OpTrait::IsTerminator>())
        continue;
      Operation *actor = actorOf.lookup_or(user, user);
      readers.push_back({phaseOf(actor), chunkOf(actor)});
    }
    if (readers.empty())
      return;
    // Written by the producer's task, or (written ahead) by the first
    // reader's; alive until each reader's task is done.
    std::optional<Turn> written;
    if (producer)
      written = Turn{phaseOf(producer), chunkOf(producer)};
    int needed = 1;
    bool crosses = false;
    for (const Turn &reader : readers) {
      Turn from = written.value_or(*llvm::min_element(readers));
      crosses |= reader != from;
      needed = std::max(needed, pipeline::liveSlots(deviceTasks, from.first,
                                                    from.second, reader.first,
                                                    reader.second));
      if (!received)
        continue;
      // The sender runs ahead of this device by as many micro-batches as
      // it runs its send ahead of its own turn of the reader's phase (the
      // vocabulary passes run at about the same time on every device).
      int64_t sender = deviceOf(received.getSrcStage());
      auto [it, inserted] = senderTasks.try_emplace(sender);
      if (inserted)
        it->second = tasksOf(sender);
      needed =
          std::max(needed, pipeline::liveSlots(it->second, phaseOf(received),
                                               chunkOf(received), reader.first,
                                               reader.second));
      // The first stage's backward, which sends the input embedding's
      // gradient, follows this device's: it runs ahead by at most as many
      // micro-batches as this device runs its own backward ahead of the
      // reader.
      if (reader.first == pipeline::Phase::EmbedBackward)
        needed =
            std::max(needed, pipeline::liveSlots(deviceTasks, phaseOf(received),
                                                 chunkOf(received),
                                                 reader.first, reader.second));
    }
    if (async || crosses)
      slots[value] = needed + (async ? 1 : 0);
  };
  for (BlockArgument arg : body.getArguments())
    consider(arg, nullptr);
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
    if (receives(&op)) {
      consider(op.getResult(0), nullptr, cast<TransferOp>(op));
      continue;
    }
    for (Value result : op.getResults())
      consider(result, actorOf.lookup_or(&op, &op));
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
  int chunk = chunkOf(accumulate);
  return pipeline::liveSlots(deviceTasks, from, chunk, to,
                             to == pipeline::Phase::Update ? 0 : chunk);
}

std::string
StageView::taskList(const std::vector<pipeline::Task> &tasks) const {
  std::string out = "{";
  for (auto [i, task] : llvm::enumerate(tasks))
    out += (i ? ", {" : "{") +
           std::to_string(static_cast<int>(task.phase) *
                              pipelineConfig.virtualStages +
                          task.chunk) +
           ", " + std::to_string(task.microBatch) + "}";
  return out + "}";
}
