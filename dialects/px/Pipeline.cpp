//===- Pipeline.cpp - Pipeline stages and phases of px ops ----------------===//

#include "pxc/Dialect/Px/Pipeline.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "mlir/IR/Builders.h"

using namespace pxc;
using namespace pxc::px;

StringRef px::stringifyPhase(Phase phase) {
  switch (phase) {
  case Phase::EmbedForward:
    return "embed-forward";
  case Phase::Forward:
    return "forward";
  case Phase::VocabForward:
    return "vocab-forward";
  case Phase::VocabBackward:
    return "vocab-backward";
  case Phase::Backward:
    return "backward";
  case Phase::Weight:
    return "weight";
  case Phase::EmbedBackward:
    return "embed-backward";
  case Phase::Update:
    return "update";
  }
  llvm_unreachable("unknown phase");
}

Phase px::backwardPhaseOf(Phase phase) {
  switch (phase) {
  case Phase::VocabForward:
  case Phase::VocabBackward:
    return Phase::VocabBackward;
  case Phase::EmbedForward:
  case Phase::EmbedBackward:
    return Phase::EmbedBackward;
  default:
    return Phase::Backward;
  }
}

std::optional<PipelineConfig> px::getPipelineConfig(ModuleOp module) {
  auto dict =
      module->getAttrOfType<DictionaryAttr>(PxDialect::kPipelineAttrName);
  if (!dict)
    return std::nullopt;
  PipelineConfig config;
  auto integer = [&](StringRef key, int64_t &into) {
    if (auto value = dict.getAs<IntegerAttr>(key))
      into = value.getInt();
  };
  integer("stages", config.stages);
  integer("micro_batches", config.microBatches);
  integer("virtual_stages", config.virtualStages);
  if (auto schedule = dict.getAs<StringAttr>("schedule"))
    config.schedule = schedule.str();
  if (auto vocab = dict.getAs<StringAttr>("vocab"))
    config.vocab = vocab.str();
  return config;
}

std::optional<pipeline::ScheduleConfig>
px::toScheduleConfig(const PipelineConfig &config, bool training) {
  std::optional<pipeline::ScheduleKind> kind =
      pipeline::parseScheduleKind(config.schedule);
  if (!kind)
    return std::nullopt;
  pipeline::ScheduleConfig schedule{*kind, static_cast<int>(config.stages),
                                    static_cast<int>(config.microBatches),
                                    static_cast<int>(config.virtualStages),
                                    training};
  if (training && config.vocab != "off")
    schedule.vocab = config.vocab == "vocab-1" ? pipeline::VocabMode::TwoRounds
                                               : pipeline::VocabMode::OneRound;
  return schedule;
}

void px::setPipelineConfig(ModuleOp module, const PipelineConfig &config) {
  Builder b(module.getContext());
  module->setAttr(
      PxDialect::kPipelineAttrName,
      b.getDictionaryAttr(
          {b.getNamedAttr("micro_batches",
                          b.getI64IntegerAttr(config.microBatches)),
           b.getNamedAttr("schedule", b.getStringAttr(config.schedule)),
           b.getNamedAttr("stages", b.getI64IntegerAttr(config.stages)),
           b.getNamedAttr("virtual_stages",
                          b.getI64IntegerAttr(config.virtualStages)),
           b.getNamedAttr("vocab", b.getStringAttr(config.vocab))}));
}

std::optional<int64_t> px::getStage(Operation *op) {
  if (auto stage = op->getAttrOfType<IntegerAttr>(PxDialect::kStageAttrName))
    return stage.getInt();
  return std::nullopt;
}

void px::setStage(Operation *op, int64_t stage) {
  op->setAttr(PxDialect::kStageAttrName,
              IntegerAttr::get(IntegerType::get(op->getContext(), 64), stage));
}

std::optional<Phase> px::getPhase(Operation *op) {
  auto phase = op->getAttrOfType<StringAttr>(PxDialect::kPhaseAttrName);
  if (!phase)
    return std::nullopt;
  if (phase.getValue() == "embed-forward")
    return Phase::EmbedForward;
  if (phase.getValue() == "embed-backward")
    return Phase::EmbedBackward;
  if (phase.getValue() == "vocab-forward")
    return Phase::VocabForward;
  if (phase.getValue() == "vocab-backward")
    return Phase::VocabBackward;
  if (phase.getValue() == "backward")
    return Phase::Backward;
  if (phase.getValue() == "weight")
    return Phase::Weight;
  if (phase.getValue() == "update")
    return Phase::Update;
  return Phase::Forward;
}

void px::setPhase(Operation *op, Phase phase) {
  op->setAttr(PxDialect::kPhaseAttrName,
              StringAttr::get(op->getContext(), stringifyPhase(phase)));
}

std::optional<int64_t> px::getValueStage(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto transfer = dyn_cast<TransferOp>(def))
    return transfer.getDstStage();
  return getStage(def);
}

std::optional<int64_t> px::getUseStage(OpOperand &use) {
  if (auto transfer = dyn_cast<TransferOp>(use.getOwner()))
    return transfer.getSrcStage();
  return getStage(use.getOwner());
}

void px::markBuiltOps(Operation *last, Operation *before, Phase phase,
                      std::optional<int64_t> stage) {
  if (!getPipelineConfig(before->getParentOfType<ModuleOp>()))
    return;
  for (Operation *op = last ? last->getNextNode()
                            : &before->getBlock()->front();
       op != before; op = op->getNextNode()) {
    setPhase(op, phase);
    if (stage)
      setStage(op, *stage);
  }
}

void px::inferPipelinePlacement(Block &block) {
  auto earlier = [](std::optional<int64_t> a, std::optional<int64_t> b) {
    return !a ? b : (!b ? a : std::min(a, b));
  };
  auto later = [](std::optional<int64_t> a, std::optional<int64_t> b) {
    return !a ? b : (!b ? a : std::max(a, b));
  };
  // Phases from users (backwards), stages from operands (forwards), then
  // whatever is left from the other side.
  for (Operation &op : llvm::reverse(block)) {
    if (op.hasTrait<OpTrait::IsTerminator>() || getPhase(&op))
      continue;
    std::optional<int64_t> phase;
    for (Operation *user : op.getUsers())
      if (std::optional<Phase> p = getPhase(user))
        phase = earlier(phase, static_cast<int64_t>(*p));
    if (phase)
      setPhase(&op, static_cast<Phase>(*phase));
  }
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      continue;
    if (!getPhase(&op)) {
      std::optional<int64_t> phase;
      for (Value operand : op.getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (std::optional<Phase> p = getPhase(def))
            phase = later(phase, static_cast<int64_t>(*p));
      setPhase(&op, phase ? static_cast<Phase>(*phase) : Phase::Forward);
    }
    if (isa<TransferOp>(op) || getStage(&op))
      continue;
    std::optional<int64_t> stage;
    for (Value operand : op.getOperands())
      stage = later(stage, getValueStage(operand));
    if (stage)
      setStage(&op, *stage);
  }
  for (Operation &op : llvm::reverse(block)) {
    if (op.hasTrait<OpTrait::IsTerminator>() || isa<TransferOp>(op) ||
        getStage(&op))
      continue;
    std::optional<int64_t> stage;
    for (OpOperand &use : op.getUses())
      stage = earlier(stage, getUseStage(use));
    setStage(&op, stage.value_or(0));
  }
}
