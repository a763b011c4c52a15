//===- Partition.h - Pipeline stage partitioning ----------------*- C++ -*-===//
//
// Cuts the forward ops of a training program, in topological order, into
// contiguous pipeline stages so that the slowest stage is as fast as
// possible, within the per-device memory limit, the allowed cut points and
// the user's stage hints. partition() is an exact dynamic program;
// partitionBruteForce() checks it in tests and partitionRandom() gives
// unusual plans for testing the rest of the compiler. Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PIPELINE_PARTITION_H
#define PXC_PIPELINE_PARTITION_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pxc::pipeline {

/// One unit of the chain to cut (an op or a group of ops).
struct PartitionItem {
  /// Compute time for one micro-batch, forward plus backward.
  double seconds = 0;
  /// Parameters, gradients and optimizer state kept by the item's stage.
  double persistentBytes = 0;
  /// Activations one micro-batch keeps alive until its backward.
  double activationBytes = 0;
  /// User hint: the stage the item must be on; -1 leaves it free.
  int fixedStage = -1;
};

struct PartitionProblem {
  std::vector<PartitionItem> items;
  /// cutBytes[i], 1 <= i < items.size(): bytes crossing a cut placed before
  /// item i (the activation sent forward; its gradient comes back the same
  /// size). cutBytes[0] is unused. Empty: nothing crosses.
  std::vector<double> cutBytes;
  /// canCut[i]: a stage may start at item i (layer boundaries); canCut[0] is
  /// ignored (always a start). Empty: every position is allowed.
  std::vector<bool> canCut;
  int stages = 1;
  /// <= 0: communication is free (the latency is ignored too).
  double linkBytesPerSecond = 0;
  double linkLatencySeconds = 0;
  /// Micro-batches whose activations stage s keeps alive under the schedule
  /// (1F1B: min(stages - s, m); GPipe: m), one per stage. Empty: 1 each.
  std::vector<double> inFlight;
  /// Per device; <= 0: unlimited.
  double memoryLimitBytes = 0;
};

struct Partition {
  /// stages + 1 entries: stage s holds items [firstItem[s], firstItem[s+1]);
  /// firstItem[0] is 0 and firstItem.back() the number of items.
  std::vector<int> firstItem;
  /// Compute plus communication of each stage: 2 * (latency + bytes /
  /// bandwidth) for each boundary cut it touches (activation one way, its
  /// gradient the other).
  std::vector<double> stageSeconds;
  /// Persistent bytes plus inFlight[s] times the activation bytes.
  std::vector<double> stageBytes;
  /// The largest stageSeconds.
  double bottleneckSeconds = 0;
};

/// The partition minimizing the slowest stage, then the largest stageBytes,
/// subject to the memory limit, the hints, canCut and non-empty stages. Ties
/// go to the lexicographically smallest firstItem. O(stages * C^2) for C
/// allowed cut points. Fails with a one-line message for users: more stages
/// than cut points, hints out of range or out of order, hints that the cut
/// points cannot meet, or no partition within the memory limit (naming the
/// least memory any partition needs and its stage).
std::optional<Partition> partition(const PartitionProblem &problem,
                                   std::string &error);

/// Same objective, constraints and tie-breaking as partition(), by
/// enumerating every set of cuts. For tests on small problems. Fails (no
/// message) wherever partition() does.
std::optional<Partition> partitionBruteForce(const PartitionProblem &problem);

/// Random valid cuts, the same for the same seed on every platform: respects
/// canCut, the hints and non-empty stages, ignores time and memory. Each cut
/// is uniform among those that still leave a valid plan (so plans are not
/// equally likely). Fails like partition() on malformed problems or hints
/// the cut points cannot meet.
std::optional<Partition> partitionRandom(const PartitionProblem &problem,
                                         uint64_t seed, std::string &error);

} // namespace pxc::pipeline

#endif // PXC_PIPELINE_PARTITION_H
