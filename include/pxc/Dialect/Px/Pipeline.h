//===- Pipeline.h - Pipeline stages and phases of px ops --------*- C++ -*-===//
//
// A pipelined program keeps one global view of every stage: ops carry the
// stage they run on (px.stage) and the part of the step they belong to
// (px.phase), values cross stages only through px.transfer, and the module
// holds the configuration (px.pipeline). These helpers read and complete
// that placement; passes that create ops call inferPipelinePlacement so
// that the new ops inherit it.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_DIALECT_PX_PIPELINE_H
#define PXC_DIALECT_PX_PIPELINE_H

#include "pxc/Pipeline/Schedule.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace pxc::px {

/// In the order a micro-batch goes through them (numbered like
/// pipeline::Phase). Weight is the weight-gradient part of the backward,
/// split off (px-pipeline-schedule) for zero-bubble schedules.
/// VocabForward and VocabBackward are a stage's share of the output layer
/// spread over every stage (px-vocab-parallel): Yeung et al.'s S and T
/// passes; EmbedForward and EmbedBackward its share of the input
/// embedding, which depends only on the tokens and so runs ahead of the
/// first stage's Forward, and its weight gradient.
enum class Phase {
  EmbedForward = 0,
  Forward = 1,
  VocabForward = 2,
  VocabBackward = 3,
  Backward = 4,
  Weight = 5,
  EmbedBackward = 6,
  Update = 7
};

/// The phase that holds the backward of `phase` work: the vocabulary
/// passes keep their gradients in VocabBackward, the input embedding's
/// blocks in EmbedBackward.
Phase backwardPhaseOf(Phase phase);

llvm::StringRef stringifyPhase(Phase phase);

/// The module's px.pipeline configuration.
struct PipelineConfig {
  int64_t stages = 1;
  int64_t microBatches = 1;
  int64_t virtualStages = 1;
  std::string schedule = "1f1b";
  /// "off", or the px-vocab-parallel mode ("vocab-1", "vocab-2") whose
  /// output layer is spread over every stage.
  std::string vocab = "off";
};

std::optional<PipelineConfig> getPipelineConfig(mlir::ModuleOp module);
/// The schedule `config` describes, for lib/Pipeline (nullopt for an
/// unknown schedule name).
std::optional<pipeline::ScheduleConfig>
toScheduleConfig(const PipelineConfig &config, bool training = true);
void setPipelineConfig(mlir::ModuleOp module, const PipelineConfig &config);

/// px.stage of `op` (nullopt when unset; px.transfer has none).
std::optional<int64_t> getStage(mlir::Operation *op);
void setStage(mlir::Operation *op, int64_t stage);
/// px.phase of `op` (nullopt when unset).
std::optional<Phase> getPhase(mlir::Operation *op);
void setPhase(mlir::Operation *op, Phase phase);

/// The stage whose ranks hold `value`: its producer's, the destination of
/// a transfer; nullopt for block arguments (each stage loads its own) and
/// unplaced producers.
std::optional<int64_t> getValueStage(mlir::Value value);
/// The stage on which `use`'s owner reads it (a transfer reads on its
/// source stage).
std::optional<int64_t> getUseStage(mlir::OpOperand &use);

/// Marks the ops of `before`'s block from the one after `last` (from the
/// block's start when null) up to `before` as `phase` work, on `stage` when
/// given. Does nothing outside a pipelined module (no px.pipeline): passes
/// that build ops call it after building them.
void markBuiltOps(mlir::Operation *last, mlir::Operation *before, Phase phase,
                  std::optional<int64_t> stage);

/// Places the ops of `block` that lack a stage or phase: the stage of their
/// latest operand (else of their earliest user), the phase of their
/// earliest user (else of their latest operand); forward when nothing
/// decides. Linear in the size of the block.
void inferPipelinePlacement(mlir::Block &block);

} // namespace pxc::px

#endif // PXC_DIALECT_PX_PIPELINE_H
