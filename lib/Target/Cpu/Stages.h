//===- Stages.h - One pipeline stage of a per-rank function -----*- C++ -*-===//
//
// A pipelined program keeps every stage in one per-rank function (ops carry
// px.stage and px.phase). The CPU target emits one actor graph per stage:
// its ops, a send actor for each transfer leaving it and a receive actor
// for each arriving, and a stream order that follows the stage's schedule.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_LIB_TARGET_CPU_STAGES_H
#define PXC_LIB_TARGET_CPU_STAGES_H

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Pipeline/Schedule.h"

#include "mlir/IR/Block.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <string>
#include <vector>

namespace pxc::cpu_target {

class StageView {
public:
  /// The schedule must validate (px-pipeline-partition checked it).
  StageView(const px::PipelineConfig &config, int64_t stage);

  int64_t stage() const { return index; }
  const px::PipelineConfig &config() const { return pipelineConfig; }
  /// This stage's tasks, and another stage's (a channel's order is its
  /// sender's).
  const std::vector<pipeline::Task> &tasks() const { return stageTasks; }
  std::vector<pipeline::Task> tasksOf(int64_t stage) const;

  /// Whether `op` runs on this stage (a transfer: on either end).
  bool includes(mlir::Operation *op) const;
  /// Whether `op` is a transfer that leaves / arrives at this stage.
  bool sends(mlir::Operation *op) const;
  bool receives(mlir::Operation *op) const;

  /// Fails with a diagnostic when an op of this stage reads a value of
  /// another stage (not through a px.transfer) or an earlier phase reads a
  /// later one's value.
  mlir::LogicalResult verify(mlir::Block &body) const;

  /// The schedule's phase of an op (px.phase; forward when unset).
  static pipeline::Phase phaseOf(mlir::Operation *op);
  /// Whether the actor of `op` acts only at the step's last micro-batch
  /// (update work when there are several).
  bool isGated(mlir::Operation *op) const;

  /// The values of this stage that need memory of their own, with their
  /// slot counts: what crosses phases (stashed activations: as many slots
  /// as the schedule keeps micro-batches alive), what an asynchronous actor
  /// reads or writes (inputs, outputs, transfers: one more, so that it can
  /// run ahead) and accumulators (alive for the whole step). Everything
  /// else lives and dies within one task, whose acts run one after the
  /// other, and shares memory. `actorOf` maps ops to the op whose actor
  /// runs them; values in `noBuffer` have no memory at all.
  llvm::DenseMap<mlir::Value, int>
  slots(mlir::Block &body,
        const llvm::DenseMap<mlir::Operation *, mlir::Operation *> &actorOf,
        const llvm::DenseSet<mlir::Value> &noBuffer) const;

  /// The slots of an accumulator's register. They all alias its one buffer:
  /// its readers act only at the step's last micro-batch, so the slots only
  /// let the accumulation run ahead of the schedule's no-op update turns.
  int accumulatorSlots(mlir::Operation *accumulate,
                       const llvm::DenseMap<mlir::Operation *,
                                            mlir::Operation *> &actorOf) const;

  /// "{{phase, micro-batch}, ...}" for pxrt::scheduleSequence.
  static std::string taskList(const std::vector<pipeline::Task> &tasks);

private:
  px::PipelineConfig pipelineConfig;
  int64_t index;
  std::vector<pipeline::Task> stageTasks;
};

} // namespace pxc::cpu_target

#endif // PXC_LIB_TARGET_CPU_STAGES_H
