//===- Schedule.h - Per-device task order of pipeline schedules -*- C++ -*-===//
//
// The order in which each pipeline device runs the forward, backward,
// weight-gradient and optimizer work of one training step under GPipe,
// 1F1B, Megatron-LM's interleaved 1F1B and Zero Bubble's ZB-H1. The
// pipeline passes lower these lists into each device's program and size
// the stashed-activation buffers with liveSlots(); `pxc simulate` replays
// them. Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PIPELINE_SCHEDULE_H
#define PXC_PIPELINE_SCHEDULE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxc::pipeline {

/// Work of one micro-batch on one model chunk. Backward is the whole
/// backward when the schedule does not split it, else only the
/// input-gradient part (ZB's "B"); Weight is the weight-gradient part (ZB's
/// "W"); Update is the optimizer work of the step, which runs after the
/// micro-batch's last backward task of that chunk (the generated program
/// skips it for every micro-batch but the last). VocabForward and
/// VocabBackward are a device's share of the vocabulary layers when they
/// are spread over every device (Yeung et al. 2024's S and T passes): the
/// output layer's logits and loss statistics of its vocabulary block, and
/// their gradients. EmbedForward and EmbedBackward are its share of the
/// input embedding (lookups of the rows it holds, summed on the first
/// stage) and that share's weight gradient. Numbered in the order a
/// micro-batch goes through them.
enum class Phase : uint8_t {
  EmbedForward,
  Forward,
  VocabForward,
  VocabBackward,
  Backward,
  Weight,
  EmbedBackward,
  Update
};

/// The number of phases.
constexpr int kPhaseCount = 8;

/// How the vocabulary layers are spread over the pipeline devices: not at
/// all (they stay on their stages), or with the loss statistics combined in
/// two rounds (vocab-1: the max, then the sums) or one (vocab-2).
enum class VocabMode : uint8_t { Off, TwoRounds, OneRound };

enum class ScheduleKind : uint8_t {
  GPipe,
  OneFOneB,
  Interleaved,
  ZeroBubbleH1
};

/// "gpipe", "1f1b", "interleaved" or "zb-h1"; nullopt for anything else.
std::optional<ScheduleKind> parseScheduleKind(std::string_view name);
/// The name parseScheduleKind() accepts.
const char *toString(ScheduleKind kind);
/// "F", "B", "W", "U", "S", "T", "E" or "G".
const char *toString(Phase phase);

/// Whether the schedule splits the backward into Backward and Weight tasks.
inline bool splitsBackward(ScheduleKind kind) {
  return kind == ScheduleKind::ZeroBubbleH1;
}

struct ScheduleConfig {
  ScheduleKind kind;
  int stages;
  int microBatches;
  /// Model chunks per device; only the interleaved schedule has several.
  int virtualStages = 1;
  /// False: one inference pass, forwards only.
  bool training = true;
  /// Training with 1F1B or the interleaved schedule only.
  VocabMode vocab = VocabMode::Off;
};

/// "" when the configuration is valid, else a one-line message for users:
/// at least 1 stage and 1 micro-batch, at least 2 virtual stages for the
/// interleaved schedule and exactly 1 for the others, and micro-batches a
/// multiple of stages for the interleaved schedule (as in Megatron-LM).
std::string validate(const ScheduleConfig &config);

/// One task of a device. Chunk c on device d is model stage
/// c * stages + d.
struct Task {
  Phase phase;
  int microBatch;
  int chunk = 0;
};

/// The order in which `device` (0..stages-1) runs its tasks in one training
/// step, or in one inference pass when !config.training (forwards only, no
/// Update). The configuration must validate(). With vocabulary parallelism,
/// 1F1B (or the interleaved schedule) takes two more warm-up forwards and
/// every device runs VocabForward(k) at the point of its list where, in the
/// plain schedule with uniform stages, the last model stage's Forward(k)
/// has finished (the last stage: right after it), VocabBackward(k) where
/// its Forward(k + 1) has (or its Backward(k) starts, if sooner), and both
/// before its own Backward(k): the last stage's Backward(k) waits for every
/// device's share. EmbedForward(k) runs a little before the
/// first device's Forward(k), which sums every device's, and
/// EmbedBackward(k) (then Update(k)) a little after its Backward(k), which
/// sends their input; the lists run without deadlock whatever the times.
std::vector<Task> buildSchedule(const ScheduleConfig &config, int device);

/// Slots a buffer needs: the largest number of micro-batches k for which,
/// at some point of `tasks` (run one after the other), task
/// (from, k, fromChunk) has started and task (to, k, toChunk) has not
/// completed; at least 1. A micro-batch without the `to` task keeps its
/// slot to the end. The compiler sizes registers of stashed activations
/// with this.
int liveSlots(const std::vector<Task> &tasks, Phase from, int fromChunk,
              Phase to, int toChunk);

} // namespace pxc::pipeline

#endif // PXC_PIPELINE_SCHEDULE_H
