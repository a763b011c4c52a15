//===- Simulator.h - Replay of a compiled plan on a cluster -----*- C++ -*-===//
//
// `pxc simulate`: costs every op of a per-rank program (after
// pxc-parallelize) on a cluster, compute from FLOPs and device throughput,
// collectives and pipeline transfers from the cost model, and replays the
// pipeline schedule with those costs (pipeline::simulate). The result is
// the step time, the bubble, the per-device peak memory, the communication
// volume per mesh axis and the throughput a training step would reach.
// docs/simulator.md says what is modelled and what is not.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_SIMULATOR_SIMULATOR_H
#define PXC_SIMULATOR_SIMULATOR_H

#include "pxc/CostModel/Cluster.h"
#include "pxc/Pipeline/Simulate.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace pxc::sim {

struct SimulateOptions {
  cost::ClusterSpec cluster;
  /// Arithmetic of the matrix products (px.matmul, px.linear); nullopt:
  /// their element type. A 16-bit type also counts f32 activations, and the
  /// collectives and transfers of forward and backward, at 2 bytes per
  /// element (mixed precision); parameters, gradient accumulators, optimizer
  /// states and the update keep the program's types.
  std::optional<cost::DType> computeType;
};

/// Seconds of one part of a model stage's work: its own arithmetic and the
/// collectives among the ranks of its stage mesh (which run on the compute
/// stream's critical path).
struct WorkTime {
  double compute = 0;
  double collectives = 0;
  double total() const { return compute + collectives; }
};

struct StageReport {
  /// Pipeline device and chunk (model stage = chunk * stages + device).
  int device = 0, chunk = 0;
  /// Per micro-batch, by px.phase: forward, backward (all of it, or the
  /// input gradient where px-pipeline-schedule split off the weight
  /// gradient for a zero-bubble schedule) and weight. Per step: update,
  /// which also holds the ops that run once per step after the last
  /// micro-batch's gradients are accumulated.
  WorkTime forward, backward, weight, update;
  /// Per micro-batch, with the output layer spread over the stages: the
  /// stage's share of it (vocab-forward, vocab-backward work).
  WorkTime vocabForward, vocabBackward;
  /// Per micro-batch, with the input embedding spread too: the stage's
  /// lookups and their weight gradient (embed-forward, embed-backward).
  WorkTime embedForward, embedBackward;
  /// Per micro-batch: forward values that backward ops read.
  double activationBytes = 0;
  /// Parameters, optimizer states and gradient accumulators, per rank.
  double staticBytes = 0;
  /// Per micro-batch: time to send this stage's activations to the next
  /// model stage (0 for the last).
  double sendSeconds = 0;
};

struct PlanSimulation {
  pipeline::SimulationInput input;
  pipeline::SimulationResult result;
  /// One per model stage.
  std::vector<StageReport> stages;
  std::string clusterName;
  std::vector<int64_t> mesh;
  std::vector<std::string> axisNames;
  /// stages * prod(mesh).
  int64_t devices = 0;
  /// Bytes all devices send in one step, per mesh axis.
  std::vector<double> axisBytes;
  /// Bytes all devices send to other pipeline stages in one step.
  double pipelineBytes = 0;
  /// FLOPs of one step with replicated work counted once.
  double modelFlops = 0;
  /// FLOPs all devices execute in one step (replicated work on every rank).
  double hardwareFlops = 0;
  /// The arithmetic MFU refers to and its peak FLOP/s per device.
  cost::DType peakType = cost::DType::F32;
  double peakFlops = 0;

  /// Model FLOP/s each device sustains over the step.
  double flopsPerDevice() const;
  /// flopsPerDevice() / peakFlops.
  double mfu() const;
};

/// Simulates one training step (or inference pass) of `module`, which has
/// run pxc-parallelize: the per-rank function of rank 0 stands for every
/// rank of its stage mesh. Emits a diagnostic and fails when the module is
/// not such a program or the job does not fit the cluster.
mlir::FailureOr<PlanSimulation> simulatePlan(mlir::ModuleOp module,
                                             const SimulateOptions &options);

/// The few lines `pxc simulate` prints.
void printSummary(const PlanSimulation &simulation, llvm::raw_ostream &os);

/// Everything above as JSON (OUT/simulation.json).
void printJson(const PlanSimulation &simulation, llvm::raw_ostream &os);

} // namespace pxc::sim

#endif // PXC_SIMULATOR_SIMULATOR_H
