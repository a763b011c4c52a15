//===- Stages.h - One pipeline device of a per-rank function ----*- C++ -*-===//
//
// A pipelined program keeps every model stage in one per-rank function (ops
// carry px.stage and px.phase). The CPU target emits one actor graph per
// pipeline device: the ops of its model stages (one, or with the
// interleaved schedule `virtual_stages` of them: model stage j runs on
// device j % stages as chunk j / stages), a send actor for each transfer
// leaving the device and a receive actor for each arriving, and stream
// orders that follow the device's schedule.
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
  StageView(const px::PipelineConfig &config, int64_t device);

  /// The pipeline device (a Program stage: its ranks are one mesh).
  int64_t device() const { return index; }
  const px::PipelineConfig &config() const { return pipelineConfig; }
  int64_t deviceOf(int64_t modelStage) const {
    return modelStage % pipelineConfig.stages;
  }
  /// The device's tasks, and another device's (a channel's order is its
  /// sender's).
  const std::vector<pipeline::Task> &tasks() const { return deviceTasks; }
  std::vector<pipeline::Task> tasksOf(int64_t device) const;

  /// Whether `op` runs on this device (a transfer: on either end).
  bool includes(mlir::Operation *op) const;
  /// Transfers that leave / arrive at this device from / to another one, and
  /// between two chunks of this device (a copy).
  bool sends(mlir::Operation *op) const;
  bool receives(mlir::Operation *op) const;
  bool copies(mlir::Operation *op) const;

  /// Fails with a diagnostic when an op reads a value of another model
  /// stage (not through a px.transfer) or of a later phase.
  mlir::LogicalResult verify(mlir::Block &body) const;

  /// The schedule's phase of an op (px.phase; forward when unset).
  static pipeline::Phase phaseOf(mlir::Operation *op);
  /// The chunk whose tasks run `op`'s actor (a transfer: its source's).
  int chunkOf(mlir::Operation *op) const;
  /// Where `op`'s actor goes in the schedule: phase * virtual stages + chunk.
  int taskKey(mlir::Operation *op) const;
  /// Whether the actor of `op` acts only at the step's last micro-batch
  /// (update work when there are several).
  bool isGated(mlir::Operation *op) const;

  /// The values of this device that need memory of their own, with their
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

  /// "{{task key, micro-batch}, ...}" for pxrt::scheduleSequence.
  std::string taskList(const std::vector<pipeline::Task> &tasks) const;
  /// Number of task keys (phases x chunks).
  int taskKeys() const;

private:
  px::PipelineConfig pipelineConfig;
  int64_t index;
  std::vector<pipeline::Task> deviceTasks;
};

} // namespace pxc::cpu_target

#endif // PXC_LIB_TARGET_CPU_STAGES_H
