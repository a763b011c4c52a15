//===- Simulate.h - Event-driven replay of a pipeline schedule --*- C++ -*-===//
//
// Replays the per-device task lists of buildSchedule() with given task
// and transfer times to predict the step time, the bubble and the peak
// memory of each device, before anything runs. `pxc simulate` prints the
// result and writes it as a Chrome/Perfetto trace or an SVG timeline, and
// tests compare schedules with it. Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PIPELINE_SIMULATE_H
#define PXC_PIPELINE_SIMULATE_H

#include "pxc/Pipeline/Schedule.h"

#include <string>
#include <vector>

namespace pxc::pipeline {

/// Seconds of one model stage's work. forward, backward and weight are per
/// micro-batch: backward is the input-gradient part and weight the
/// weight-gradient part, so a schedule that does not split the backward
/// runs both in its Backward task. update is the optimizer step, once per
/// step: only the last micro-batch's Update takes time.
struct TaskCost {
  double forward = 0;
  double backward = 0;
  double weight = 0;
  double update = 0;
  /// With vocabulary parallelism (on model stage d = device d): the
  /// device's share of the vocabulary layers per micro-batch, forward
  /// (VocabForward) and backward (VocabBackward).
  double vocabForward = 0;
  double vocabBackward = 0;
  /// Its share of the input embedding per micro-batch: the lookups of the
  /// rows it holds (EmbedForward) and their weight gradient
  /// (EmbedBackward).
  double embedForward = 0;
  double embedBackward = 0;
};

struct SimulationInput {
  ScheduleConfig config;
  /// One per model stage (stages * virtualStages).
  std::vector<TaskCost> stageCosts;
  /// Per boundary j -> j+1 (modelStages - 1 entries): time to send the
  /// activation forward or its gradient back. Empty: free. Boundaries
  /// within one device (stages == 1) cost nothing.
  std::vector<double> sendSeconds;
  /// Per model stage: bytes one micro-batch keeps alive. Empty: 0.
  std::vector<double> activationBytes;
  /// Per device: parameters, gradients, optimizer state. Empty: 0.
  std::vector<double> staticBytes;
  /// With vocabulary parallelism: one round of combining the devices'
  /// statistics on the last stage and sending back what depends on them
  /// (per-token values), or of summing the last hidden state's gradient.
  /// VocabBackward waits for every device's VocabForward and two rounds
  /// (vocab-1: the max, then the loss) or one (vocab-2); the last stage's
  /// Backward for every VocabBackward and one round.
  double vocabRoundSeconds = 0;
  /// With vocabulary parallelism: the time to send a device's lookups to
  /// the first stage, or the embedding's gradient back. The first stage's
  /// Forward(k) waits for every device's EmbedForward(k) plus this; a
  /// device's EmbedBackward(k) for the first stage's Backward(k) plus this.
  double embedRoundSeconds = 0;
};

struct TaskEvent {
  int device;
  Task task;
  double start, end;
};

/// A send between devices; backward: a gradient, else an activation.
struct Transfer {
  int fromDevice, toDevice;
  int microBatch;
  bool backward;
  double start, end;
};

struct SimulationResult {
  /// Makespan of the step.
  double stepSeconds = 0;
  /// 1 - sum(busySeconds) / (devices * stepSeconds); 0 for an empty step.
  double bubbleFraction = 0;
  /// Per device: seconds spent computing.
  std::vector<double> busySeconds;
  /// Per device: staticBytes plus the most activation bytes alive at once.
  /// A micro-batch's activations of a chunk live from the start of its
  /// Forward to the end of its last backward-type task (Backward, or Weight
  /// when split); to the end of the Forward in inference.
  std::vector<double> peakBytes;
  /// Per device: the most (micro-batch, chunk) activations alive at once.
  std::vector<int> peakLiveMicroBatches;
  /// Every task, device by device in schedule order.
  std::vector<TaskEvent> events;
  /// Every send between devices, by start time.
  std::vector<Transfer> transfers;
};

/// Each device runs its buildSchedule() list in order, one task at a time;
/// a task starts once the device is free and its inputs are there: F(k) on
/// model stage j > 0 needs F(k) on j-1 plus the send, B(k) on j needs F(k)
/// on j and (below the last stage) B(k) on j+1 plus the send, W(k) needs
/// B(k), U(k) the last backward-type task of k. With vocabulary
/// parallelism, S(k) needs the last stage's F(k) plus a send, T(k) needs
/// S(k) (vocab-2) or every device's S(k) plus two rounds (vocab-1), and
/// the last stage's B(k) every device's T(k) plus a round; E(k) needs
/// nothing, the first stage's F(k) every device's E(k) plus a send, and
/// G(k) the first stage's B(k) plus a send. Transfers overlap
/// compute and each other. The configuration must validate(), the vectors have
/// the sizes above and the times are finite and >= 0.
SimulationResult simulate(const SimulationInput &input);
/// The same with the devices' task lists given (one per device) instead of
/// built from input.config, which still gives the dependencies.
SimulationResult simulate(const SimulationInput &input,
                          const std::vector<std::vector<Task>> &lists);

/// Chrome/Perfetto trace JSON: one "X" event per task on a row per device,
/// transfers on a row per sending device, phases coloured through "cname"
/// and named in "cat" and "args". Times in microseconds.
std::string chromeTrace(const SimulationResult &result);

/// A self-contained SVG timeline: one row per device with forward,
/// backward, weight, update and transfers in distinct colours, a legend and
/// a time axis in seconds.
std::string svgTimeline(const SimulationResult &result);

} // namespace pxc::pipeline

#endif // PXC_PIPELINE_SIMULATE_H
