//===- program.h - What a generated program gives the runtime ---*- C++ -*-===//
//
// pxc compiles a model into C++ that describes a Program: the device mesh,
// the tensors it exchanges (inputs, outputs) and keeps (parameters), and one
// builder per class of ranks that creates the rank's actor graph. runMain()
// does the rest: command line, communicators (local threads or MPI),
// parameter initialization, reading inputs, running steps, writing outputs.
// A program with role-tagged inputs is a training program: runMain feeds
// them from token data and the optimizer flags every step and logs the
// loss (docs/training.md).
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_PROGRAM_H
#define PXRT_PROGRAM_H

#include "pxrt/actor.h"
#include "pxrt/comm.h"
#include "pxrt/dtype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pxrt {

/// A tensor of the program in its global view, with its distribution over
/// the mesh ("[S(0), B]", one entry per mesh axis).
struct TensorSpec {
  std::string name;
  DType type = DType::F32;
  std::vector<int64_t> shape;
  std::string sbp;
  /// Inputs only: "" (read from --inputs), "tokens" / "labels" (int64 or
  /// int32 [B, T], filled from the token data each step) or "hyper" (f32
  /// [train::kHyperCount], filled from the optimizer flags each step).
  std::string role;
  /// Outputs only: the pipeline stage whose ranks compute it.
  int stage = 0;
};

/// Defaults of the training flags of a generated program (the compiler
/// fills them from its own options; the user overrides them at run time).
struct TrainDefaults {
  /// The update compiled into the step: "adamw" or "sgd" (--optimizer
  /// must agree); "" leaves the flag free (default adamw).
  std::string optimizer = "adamw";
  double lr = 1e-3;        // --lr (peak learning rate)
  double minLr = 0;        // --min-lr (end of the cosine decay)
  int64_t warmupSteps = 0; // --warmup-steps
  int64_t decaySteps = 0;  // --decay-steps (0: constant lr)
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  /// --weight-decay; negative: torch's default of the optimizer (AdamW
  /// 0.01, SGD 0).
  double weightDecay = -1;
  double momentum = 0, dampening = 0; // --momentum, --dampening (SGD)
  bool nesterov = false;              // --nesterov (SGD)
  double clipNorm = 0;                // --clip-norm (0: off)
  /// Loss scaling compiled into the step (pxc --loss-scale): "off" (none;
  /// the loss-scale flags are refused), else the default of --loss-scale,
  /// "dynamic" or a number.
  std::string lossScale = "off";
  double initialLossScale = 65536; // --initial-loss-scale (dynamic)
  int64_t lossScaleWindow = 2000;  // --loss-scale-window (dynamic)
};

/// A parameter and how to initialize it. Random initializers are
/// counter-based (a hash of the job seed, the name and the global index of
/// every element), so every layout draws the same values.
struct ParameterSpec {
  enum class Init { Zeros, Ones, Normal, Uniform, Data, File };
  TensorSpec tensor;
  Init init = Init::Zeros;
  /// Normal: mean and standard deviation; Uniform: low and high.
  double a = 0, b = 0;
  /// Data: the global tensor, row-major, `tensor.type` elements.
  const void *data = nullptr;
  /// File: raw little-endian row-major bytes at `offset` of `path`.
  std::string path;
  uint64_t offset = 0;
  /// What checkpoints store: the shape without padding (empty: the
  /// tensor's shape) and "parameter", "state" (optimizer) or "buffer".
  std::vector<int64_t> logicalShape;
  std::string kind = "parameter";
  /// A block of a larger tensor (a vocabulary block of the output layer
  /// spread over the pipeline stages): that tensor's name and where the
  /// block starts in it; `logicalShape` is then the whole tensor's.
  /// Random initializers and checkpoints see the whole tensor.
  std::string logicalName;
  std::vector<int64_t> shardOffsets;
};

class RankContext;

/// The ranks that share one per-rank function (same local shapes) on one
/// pipeline stage. Rank r is mesh rank r % prod(mesh) of stage
/// r / prod(mesh).
struct RankClass {
  std::vector<int> ranks;
  int stage = 0;
  size_t arenaBytes = 0;
  /// Arena offset of each parameter (indexed like Program::parameters);
  /// -1 when this class does not use it.
  std::vector<int64_t> parameterOffsets;
  /// Adds the class's registers and actors to ctx.graph().
  void (*build)(RankContext &ctx) = nullptr;
};

struct Program {
  /// The mesh of one pipeline stage; the job has stages * prod(mesh) ranks.
  std::vector<int64_t> mesh;
  int stages = 1;
  /// Pieces per step: each step runs the graph for this many micro-batches
  /// (a training step's tokens and labels are split into them).
  int microBatches = 1;
  /// The (source stage, destination stage) pairs that exchange tensors;
  /// each gets its own communicator per mesh coordinate.
  std::vector<std::pair<int, int>> channels;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  std::vector<ParameterSpec> parameters;
  std::vector<RankClass> classes;
  /// Training programs: token ids must be below `vocab` (0: unchecked;
  /// synthetic data then needs a file instead).
  int64_t vocab = 0;
  TrainDefaults train;
  /// Device programs (the CUDA target): the job's communicator, one rank
  /// per process (NCCL), instead of local threads or MPI; and parameters
  /// that live in device memory, which --save cannot read yet.
  std::unique_ptr<Communicator> (*createWorld)(double timeoutSeconds) = nullptr;
  bool deviceMemory = false;
};

/// What a rank's builder and actors use at run time.
class RankContext {
public:
  /// `channels[i]` is this rank's end of Program::channels[i] (null where
  /// this rank's stage is not one of its ends).
  RankContext(const Program &program, int rank, ActorGraph &graph,
              std::vector<Communicator *> axisComms,
              std::vector<Communicator *> channels = {});
  ~RankContext();

  int rank() const { return rankIndex; }
  int stage() const { return stageIndex; }
  /// This rank's coordinate on mesh axis `axis`.
  int64_t coord(int axis) const { return coords[axis]; }
  ActorGraph &graph() { return actorGraph; }
  /// The group of ranks that differ from this one only on mesh axis `axis`
  /// (rank order in the group = coordinate on the axis).
  Communicator &axis(int axis) { return *axisComms[axis]; }
  /// Point-to-point between this rank and the rank at the same mesh
  /// coordinate of stage `peer`, over the channel (src, dst) of
  /// Program::channels (std::invalid_argument if it is not one).
  void send(int dstStage, const void *buffer, size_t count, DType type,
            Stream &stream);
  void recv(int srcStage, void *buffer, size_t count, DType type,
            Stream &stream);

  /// Offset along `dim` of this rank's piece of a tensor of `shape`
  /// distributed as `sbp` (nested splits, remainders to the first ranks).
  int64_t pieceOffset(const std::vector<int64_t> &shape, const std::string &sbp,
                      int dim) const;

  /// Copies this rank's piece of input `index` for `piece` (the micro-batch
  /// of the current step) into `dst`. Inputs with a role get the current
  /// training step's data: their rows of the micro-batch (tokens, labels)
  /// or the hyper vector.
  void loadInput(int index, int64_t piece, void *dst);
  /// Hands this rank's piece of output `index` for step `piece` over.
  void storeOutput(int index, int64_t piece, const void *src);

  struct State;
  State &state() { return *stateData; }

private:
  const Program &program;
  Communicator &channel(int src, int dst);

  int rankIndex;
  int stageIndex;
  std::vector<int64_t> coords;
  ActorGraph &actorGraph;
  std::vector<Communicator *> axisComms;
  std::vector<Communicator *> channelComms;
  std::unique_ptr<State> stateData;
};

/// The sequence of actor ids a pipeline stage's stream runs in one step:
/// for each task (phase, micro-batch) of its schedule, in order, the
/// actors of that phase (ActorGraph::setSchedule).
std::vector<int>
scheduleSequence(const std::vector<std::pair<int, int>> &tasks,
                 const std::vector<std::vector<int>> &phaseActors);

/// main() of a generated program: `OUT/model --help` lists the options.
/// Returns the process exit code.
int runMain(int argc, char **argv, const Program &program);

} // namespace pxrt

#endif // PXRT_PROGRAM_H
