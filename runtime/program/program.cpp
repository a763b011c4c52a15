//===- program.cpp - main() of generated programs -------------------------===//
//
//   OUT/model [--ranks=N] [--comm=local|mpi] [--inputs=F1,F2|NAME=F,...]
//             [--outputs=DIR] [--output-format=pb|npy] [--steps=K]
//             [--seed=S] [--timeout=SECONDS] [--quiet]
//             [training: --data=F --optimizer=... --lr=... --metrics=F ...]
//
// Every process loads the whole inputs; each rank copies its piece. After
// the run, the pieces of every output go to rank 0 (an all-gather of bytes
// on the world communicator, so local and MPI jobs behave the same), which
// assembles, prints and writes them.
//
// Training programs (inputs with a role) get their tokens, labels and
// optimizer hyper-parameters from the runtime each step; after every step
// the `loss` and `grad_norm` outputs are gathered the same way for the log.
//
//===----------------------------------------------------------------------===//

#include "Program.h"

#include "../checkpoint/Checkpoint.h"

#include "pxrt/data.h"
#include "pxrt/kernels.h"
#include "pxrt/train.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

namespace pxrt {

pxc::sbp::NdSbp tensorSbp(const TensorSpec &spec, size_t axes) {
  if (spec.sbp.empty())
    return pxc::sbp::NdSbp(axes, pxc::sbp::Sbp1D::broadcast());
  std::optional<pxc::sbp::NdSbp> sbp = pxc::sbp::parseNd(spec.sbp);
  if (!sbp || sbp->size() != axes)
    throw std::runtime_error("tensor '" + spec.name + "' has SBP " + spec.sbp +
                             " for a " + std::to_string(axes) + "-axis mesh");
  return *sbp;
}

Box pieceBox(const TensorSpec &spec, const std::vector<int64_t> &mesh,
             const std::vector<int64_t> &coords) {
  return pxc::sbp::localBox(spec.shape, tensorSbp(spec, mesh.size()), mesh,
                            coords);
}

/// The whole of a tensor of `shape`, as a box.
static Box wholeBox(const std::vector<int64_t> &shape) {
  return Box{std::vector<int64_t>(shape.size(), 0), shape};
}

void copyBoxOut(const char *tensor, const std::vector<int64_t> &shape,
                size_t width, const Box &box, char *piece) {
  ckpt::copyBetween(wholeBox(shape), tensor, box, piece, box, width);
}

void copyBoxIn(const char *piece, const std::vector<int64_t> &shape,
               size_t width, const Box &box, char *tensor) {
  ckpt::copyBetween(box, piece, wholeBox(shape), tensor, box, width);
}

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

namespace {

struct Options {
  int ranks = -1;
  std::string comm;
  std::vector<std::string> inputs;
  std::string outputs;
  std::string format = "pb";
  int64_t steps = 1;
  uint64_t seed = 0;
  bool seedGiven = false;
  // Checkpoints (docs/checkpoints.md).
  std::string save, load;
  int64_t saveEvery = 0;
  int64_t keep = 3;
  double timeout = 300;
  bool quiet = false;
  bool time = false;
  // Training (flags left unset take the program's TrainDefaults).
  std::string data;
  std::string dataType = "uint16";
  std::string batchOrder = "sequential";
  std::optional<uint64_t> dataSeed;
  std::string metrics;
  std::optional<std::string> optimizer;
  std::optional<double> lr, minLr, beta1, beta2, eps, weightDecay, momentum,
      dampening, clipNorm;
  std::optional<int64_t> warmupSteps, decaySteps;
  std::optional<int64_t> logEvery; // print every Nth step (and the last)
  std::optional<std::string> lossScale;
  std::optional<double> initialLossScale;
  std::optional<int64_t> lossScaleWindow;
  std::optional<bool> nesterov;
  /// The first training flag given (to reject it for other programs).
  std::string firstTrainFlag;
};

bool isTraining(const Program &program) {
  return std::any_of(program.inputs.begin(), program.inputs.end(),
                     [](const TensorSpec &t) { return !t.role.empty(); });
}

/// Ranks of one pipeline stage.
int64_t meshSize(const Program &program) {
  int64_t n = 1;
  for (int64_t d : program.mesh)
    n *= d;
  return n;
}

/// A usage error: message, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void printHelp(const Program &program) {
  std::cout
      << "usage: model [options]\n"
      << "  --ranks=N            ranks to run as threads (the program has "
      << program.stages * meshSize(program) << ")\n"
      << "  --comm=local|mpi     transport (default: mpi under mpirun, "
         "else local)\n"
      << "  --inputs=F1,F2,...   input files (.pb TensorProto or .npy), in "
         "order,\n"
      << "                       or NAME=FILE entries\n"
      << "  --outputs=DIR        write every output to DIR/NAME.pb (or .npy)\n"
      << "  --output-format=pb|npy\n"
      << "  --steps=K            run K steps (default 1)\n"
      << "  --seed=S             seed of random parameter initializers\n"
      << "  --timeout=SECONDS    give up on a silent peer after this long\n"
      << "  --quiet              do not print the outputs\n"
      << "  --time               print the median step time (rank 0)\n"
      << "  --load=DIR           start from the newest checkpoint in DIR (or "
         "the\n"
      << "                       checkpoint DIR), written by any "
         "configuration\n"
      << "  --save=DIR           save a checkpoint into DIR at the end\n"
      << "  --save-every=K       and every K steps (asynchronously)\n"
      << "  --keep=N             keep the newest N checkpoints (default 3, 0: "
         "all)\n";
  if (isTraining(program)) {
    const TrainDefaults &d = program.train;
    std::cout
        << "training (docs/training.md):\n"
        << "  --data=FILE          token file (raw little-endian ids); "
           "default: synthetic\n"
        << "  --data-dtype=uint16|uint32   (default uint16)\n"
        << "  --batch-order=sequential|random   (default sequential)\n"
        << "  --data-seed=S        seed of random orders and synthetic data "
           "(default --seed)\n"
        << "  --optimizer=adamw|sgd (default " << d.optimizer << ")\n"
        << "  --lr=X (default " << d.lr << ")  --min-lr=X (" << d.minLr
        << ")  --warmup-steps=K (" << d.warmupSteps << ")  --decay-steps=K ("
        << d.decaySteps << ", 0: constant)\n"
        << "  --beta1=X (" << d.beta1 << ")  --beta2=X (" << d.beta2
        << ")  --eps=X (" << d.eps << ")  --weight-decay=X ("
        << (d.weightDecay < 0 ? std::string("AdamW 0.01, SGD 0")
                              : std::to_string(d.weightDecay))
        << ")\n"
        << "  --momentum=X (" << d.momentum << ")  --dampening=X ("
        << d.dampening << ")  --nesterov[=0|1] (" << d.nesterov << ")\n"
        << "  --clip-norm=X        global gradient-norm clipping (default "
        << d.clipNorm << ", 0: off)\n";
    if (d.lossScale != "off")
      std::cout
          << "  --loss-scale=dynamic|X   loss scaling (default " << d.lossScale
          << "); a step with non-finite gradients is skipped\n"
          << "  --initial-loss-scale=X   first dynamic scale (default "
          << d.initialLossScale << ")\n"
          << "  --loss-scale-window=N    good steps before a dynamic scale "
             "doubles (default "
          << d.lossScaleWindow << ")\n";
    std::cout
        << "  --metrics=FILE       write per-step losses and timings as JSON\n"
        << "  --log-every=N        log every Nth step and the last (default "
           "1)\n"
        << "  --quiet              also suppresses the per-step log lines\n";
  }
  std::cout << "inputs:\n";
  for (const TensorSpec &t : program.inputs)
    std::cout << "  " << t.name << ": " << dtypeName(t.type) << " "
              << io::shapeString(t.shape)
              << (t.role.empty() ? ""
                                 : " (" + t.role + ", filled by the runtime)")
              << "\n";
  std::cout << "outputs:\n";
  for (const TensorSpec &t : program.outputs)
    std::cout << "  " << t.name << ": " << dtypeName(t.type) << " "
              << io::shapeString(t.shape) << "\n";
}

std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

int64_t parseInt(const std::string &flag, const std::string &text) {
  try {
    size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used == text.size())
      return value;
  } catch (const std::exception &) {
  }
  throw UsageError(flag + " expects an integer, got '" + text + "'");
}

double parseDouble(const std::string &flag, const std::string &text) {
  if (!text.empty()) {
    char *end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && errno == 0)
      return value;
  }
  throw UsageError(flag + " expects a number, got '" + text + "'");
}

/// Parses one training flag into `opts`; false when `flag` is none.
bool parseTrainFlag(Options &opts, const std::string &flag,
                    const std::string &value) {
  auto number = [&](std::optional<double> &field) {
    field = parseDouble(flag, value);
  };
  auto count = [&](std::optional<int64_t> &field) {
    field = parseInt(flag, value);
  };
  auto text = [&](std::string &field) {
    if (value.empty())
      throw UsageError(flag + " expects a value (" + flag + "=...)");
    field = value;
  };
  if (flag == "--data")
    text(opts.data);
  else if (flag == "--data-dtype")
    text(opts.dataType);
  else if (flag == "--batch-order")
    text(opts.batchOrder);
  else if (flag == "--data-seed")
    opts.dataSeed = static_cast<uint64_t>(parseInt(flag, value));
  else if (flag == "--metrics")
    text(opts.metrics);
  else if (flag == "--optimizer") {
    std::string name;
    text(name);
    opts.optimizer = name;
  } else if (flag == "--lr")
    number(opts.lr);
  else if (flag == "--min-lr")
    number(opts.minLr);
  else if (flag == "--beta1")
    number(opts.beta1);
  else if (flag == "--beta2")
    number(opts.beta2);
  else if (flag == "--eps")
    number(opts.eps);
  else if (flag == "--weight-decay")
    number(opts.weightDecay);
  else if (flag == "--momentum")
    number(opts.momentum);
  else if (flag == "--dampening")
    number(opts.dampening);
  else if (flag == "--clip-norm")
    number(opts.clipNorm);
  else if (flag == "--loss-scale") {
    std::string mode;
    text(mode);
    opts.lossScale = mode;
  } else if (flag == "--initial-loss-scale")
    number(opts.initialLossScale);
  else if (flag == "--loss-scale-window")
    count(opts.lossScaleWindow);
  else if (flag == "--log-every")
    count(opts.logEvery);
  else if (flag == "--warmup-steps")
    count(opts.warmupSteps);
  else if (flag == "--decay-steps")
    count(opts.decaySteps);
  else if (flag == "--nesterov") {
    if (value.empty() || value == "1" || value == "true")
      opts.nesterov = true;
    else if (value == "0" || value == "false")
      opts.nesterov = false;
    else
      throw UsageError("--nesterov expects 0 or 1, got '" + value + "'");
  } else
    return false;
  return true;
}

/// Parses the command line; nullopt after --help.
std::optional<Options> parseOptions(int argc, char **argv,
                                    const Program &program) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    std::string flag = arg.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (flag == "--help" || flag == "-h") {
      printHelp(program);
      return std::nullopt;
    }
    if (flag == "--quiet")
      opts.quiet = true;
    else if (flag == "--time")
      opts.time = true;
    else if (flag == "--ranks")
      opts.ranks = static_cast<int>(parseInt(flag, value));
    else if (flag == "--comm")
      opts.comm = value;
    else if (flag == "--inputs")
      for (const std::string &item : splitList(value))
        opts.inputs.push_back(item);
    else if (flag == "--outputs")
      opts.outputs = value;
    else if (flag == "--output-format")
      opts.format = value;
    else if (flag == "--steps")
      opts.steps = parseInt(flag, value);
    else if (flag == "--seed") {
      opts.seed = static_cast<uint64_t>(parseInt(flag, value));
      opts.seedGiven = true;
    } else if (flag == "--save" || flag == "--load") {
      if (value.empty())
        throw UsageError(flag + " expects a directory (" + flag + "=DIR)");
      (flag == "--save" ? opts.save : opts.load) = value;
    } else if (flag == "--save-every")
      opts.saveEvery = parseInt(flag, value);
    else if (flag == "--keep")
      opts.keep = parseInt(flag, value);
    else if (flag == "--timeout")
      opts.timeout = static_cast<double>(parseInt(flag, value));
    else if (parseTrainFlag(opts, flag, value)) {
      if (opts.firstTrainFlag.empty())
        opts.firstTrainFlag = flag;
    } else
      throw UsageError("unknown option '" + arg + "' (see --help)");
  }
  if (opts.comm != "" && opts.comm != "local" && opts.comm != "mpi")
    throw UsageError("--comm must be local or mpi");
  if (opts.format != "pb" && opts.format != "npy")
    throw UsageError("--output-format must be pb or npy");
  if (opts.steps < 1)
    throw UsageError("--steps must be at least 1");
  if (opts.saveEvery < 0 || opts.keep < 0)
    throw UsageError("--save-every and --keep must not be negative");
  if (opts.saveEvery > 0 && opts.save.empty())
    throw UsageError("--save-every needs --save=DIR");
  if (opts.logEvery && *opts.logEvery < 1)
    throw UsageError("--log-every must be at least 1");
  if (!opts.firstTrainFlag.empty() && !isTraining(program))
    throw UsageError(opts.firstTrainFlag +
                     " is for training programs (this program has no "
                     "tokens, labels or hyper inputs)");
  return opts;
}

/// Loads the input files in the program's input order and checks them.
std::vector<io::Tensor> loadInputs(const Options &opts,
                                   const Program &program) {
  std::vector<std::string> files(program.inputs.size());
  size_t positional = 0;
  for (const std::string &item : opts.inputs) {
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      // Positional files go to the inputs the runtime does not feed.
      while (positional < files.size() &&
             !program.inputs[positional].role.empty())
        ++positional;
      if (positional >= files.size())
        throw UsageError(
            "too many --inputs: the program reads " +
            std::to_string(std::count_if(
                program.inputs.begin(), program.inputs.end(),
                [](const TensorSpec &t) { return t.role.empty(); })) +
            " from files");
      files[positional++] = item;
      continue;
    }
    std::string name = item.substr(0, eq);
    auto it = std::find_if(program.inputs.begin(), program.inputs.end(),
                           [&](const TensorSpec &t) { return t.name == name; });
    if (it == program.inputs.end())
      throw UsageError("--inputs names '" + name +
                       "', which is not an input (see --help)");
    if (!it->role.empty())
      throw UsageError("--inputs names '" + name + "', which the runtime " +
                       "fills itself (role " + it->role + ")");
    files[it - program.inputs.begin()] = item.substr(eq + 1);
  }
  std::vector<io::Tensor> inputs;
  for (size_t i = 0; i < files.size(); ++i) {
    const TensorSpec &spec = program.inputs[i];
    if (!spec.role.empty()) {
      inputs.emplace_back(); // Filled each step by the runtime.
      continue;
    }
    if (files[i].empty())
      throw UsageError("missing input '" + spec.name + "' (" +
                       dtypeName(spec.type) + " " +
                       io::shapeString(spec.shape) + "): pass --inputs");
    io::Tensor tensor = io::readTensor(files[i]);
    if (tensor.type != spec.type || tensor.shape != spec.shape)
      throw UsageError("input '" + spec.name + "' (" + files[i] + ") is " +
                       dtypeName(tensor.type) + " " +
                       io::shapeString(tensor.shape) + ", expected " +
                       dtypeName(spec.type) + " " +
                       io::shapeString(spec.shape));
    inputs.push_back(std::move(tensor));
  }
  return inputs;
}

/// What a training program needs besides the graph.
struct Training {
  train::OptimizerConfig optimizer;
  train::Schedule schedule;
  train::LossScaleConfig lossScale;
  std::unique_ptr<data::TokenSource> source;
  int64_t batch = 0, seqLen = 0;
  int lossOutput = -1, normOutput = -1; // -1: the program has none
  // Rank 0's record of every step.
  std::vector<double> losses, lrs, norms, stepMs;
  // With loss scaling: every step's scale and the steps it skipped.
  std::vector<double> lossScales;
  std::vector<int64_t> skippedSteps;
  // Rank 0's training stall per checkpoint (the snapshot), ms.
  std::vector<double> checkpointMs;
  // Per rank: the median time per step its compute stream spent in actor
  // bodies (steps after the first), and its arena (all of its tensors).
  std::vector<double> rankBusyMs, rankArenaBytes;
};

/// What the ranks of this process share.
struct Job {
  const Program &program;
  Options options;
  std::vector<io::Tensor> inputs;
  std::vector<io::Tensor> outputs;    // Assembled on rank 0.
  std::unique_ptr<Training> training; // Null for other programs.
  /// --load's checkpoint (a directory or a safetensors file) and its step.
  std::string checkpoint;
  int64_t startStep = 0;
};

/// Resolves the loss-scale flags against the program's defaults.
void setUpLossScale(const Options &opts, const TrainDefaults &d,
                    Training &training) {
  train::LossScaleConfig &config = training.lossScale;
  bool dynamicFlags = opts.initialLossScale || opts.lossScaleWindow;
  if (d.lossScale == "off") {
    if (opts.lossScale || dynamicFlags)
      throw UsageError(
          std::string(opts.lossScale          ? "--loss-scale"
                      : opts.initialLossScale ? "--initial-loss-scale"
                                              : "--loss-scale-window") +
          ": this program was compiled without loss scaling (recompile "
          "with pxc --loss-scale=dynamic or a number)");
    return;
  }
  try {
    train::parseLossScale(opts.lossScale.value_or(d.lossScale), config);
  } catch (const std::invalid_argument &e) {
    throw UsageError(e.what());
  }
  // The skipping of non-finite steps is compiled in; scale 1 is the
  // nearest thing to off.
  if (config.mode == train::LossScaleConfig::Mode::Off)
    throw UsageError("--loss-scale=off: this program was compiled with loss "
                     "scaling (pass --loss-scale=1, or recompile without "
                     "--loss-scale)");
  if (dynamicFlags && config.mode != train::LossScaleConfig::Mode::Dynamic)
    throw UsageError(std::string(opts.initialLossScale
                                     ? "--initial-loss-scale"
                                     : "--loss-scale-window") +
                     " needs --loss-scale=dynamic");
  config.initial = opts.initialLossScale.value_or(d.initialLossScale);
  config.window = opts.lossScaleWindow.value_or(d.lossScaleWindow);
  try {
    train::validate(config);
  } catch (const std::invalid_argument &e) {
    throw UsageError(e.what());
  }
  if (training.normOutput < 0)
    throw std::runtime_error("loss scaling needs the program's grad_norm "
                             "output, which tells skipped steps");
}

/// Checks the role-tagged inputs, resolves the training flags against the
/// program's defaults and opens the token data.
std::unique_ptr<Training> setUpTraining(const Options &opts,
                                        const Program &program) {
  auto training = std::make_unique<Training>();
  const TensorSpec *tokens = nullptr;
  for (const TensorSpec &spec : program.inputs) {
    if (spec.role.empty())
      continue;
    std::string what = "input '" + spec.name + "' (role " + spec.role + ")";
    if (spec.role == "hyper") {
      if (spec.type != DType::F32 ||
          spec.shape != std::vector<int64_t>{train::kHyperCount})
        throw std::runtime_error(what + " is " + dtypeName(spec.type) + " " +
                                 io::shapeString(spec.shape) +
                                 ", the runtime fills f32 [" +
                                 std::to_string(train::kHyperCount) + "]");
      continue;
    }
    if (spec.role != "tokens" && spec.role != "labels")
      throw std::runtime_error(what +
                               ": unknown role (tokens, labels or hyper)");
    if ((spec.type != DType::I64 && spec.type != DType::I32) ||
        spec.shape.size() != 2)
      throw std::runtime_error(what + " is " + dtypeName(spec.type) + " " +
                               io::shapeString(spec.shape) +
                               ", expected i64 or i32 [B, T]");
    if (tokens && tokens->shape != spec.shape)
      throw std::runtime_error(what + " is " + io::shapeString(spec.shape) +
                               " but '" + tokens->name + "' is " +
                               io::shapeString(tokens->shape));
    tokens = &spec;
  }
  for (size_t o = 0; o < program.outputs.size(); ++o) {
    const TensorSpec &spec = program.outputs[o];
    if (spec.name != "loss" && spec.name != "grad_norm")
      continue;
    int64_t n = 1;
    for (int64_t d : spec.shape)
      n *= d;
    if (n != 1)
      throw std::runtime_error("output '" + spec.name + "' is " +
                               io::shapeString(spec.shape) +
                               ", expected a scalar");
    (spec.name == "loss" ? training->lossOutput : training->normOutput) =
        static_cast<int>(o);
  }

  const TrainDefaults &d = program.train;
  train::OptimizerConfig &c = training->optimizer;
  // The update is compiled into the step; the flag can only confirm it (or
  // choose, for a program that leaves it open).
  if (opts.optimizer && !d.optimizer.empty() && *opts.optimizer != d.optimizer)
    throw UsageError("--optimizer=" + *opts.optimizer +
                     ": this program's update was compiled for " + d.optimizer +
                     " (recompile with pxc --optimizer=" + *opts.optimizer +
                     ")");
  c.optimizer =
      opts.optimizer.value_or(d.optimizer.empty() ? "adamw" : d.optimizer);
  c.lr = opts.lr.value_or(d.lr);
  c.beta1 = opts.beta1.value_or(d.beta1);
  c.beta2 = opts.beta2.value_or(d.beta2);
  c.eps = opts.eps.value_or(d.eps);
  c.weightDecay = opts.weightDecay.value_or(
      d.weightDecay >= 0 ? d.weightDecay
                         : (c.optimizer == "adamw" ? 0.01 : 0.0));
  c.momentum = opts.momentum.value_or(d.momentum);
  c.dampening = opts.dampening.value_or(d.dampening);
  c.nesterov = opts.nesterov.value_or(d.nesterov);
  c.clipNorm = opts.clipNorm.value_or(d.clipNorm);
  train::Schedule &s = training->schedule;
  s.minLr = opts.minLr.value_or(d.minLr);
  s.warmupSteps = opts.warmupSteps.value_or(d.warmupSteps);
  s.decaySteps = opts.decaySteps.value_or(d.decaySteps);
  try {
    train::validate(c, s);
  } catch (const std::invalid_argument &e) {
    throw UsageError(e.what());
  }
  setUpLossScale(opts, d, *training);

  if (!opts.metrics.empty()) {
    // Fail now rather than after the whole run.
    std::filesystem::path dir =
        std::filesystem::path(opts.metrics).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      throw UsageError("--metrics=" + opts.metrics + ": no directory " +
                       dir.string());
  }

  data::TokenType type;
  data::BatchOrder order;
  try {
    type = data::parseTokenType(opts.dataType);
    order = data::parseBatchOrder(opts.batchOrder);
  } catch (const std::invalid_argument &e) {
    throw UsageError(e.what());
  }
  if (tokens) {
    // A step's batch is its micro-batches' rows, in order.
    training->batch = tokens->shape[0] * program.microBatches;
    training->seqLen = tokens->shape[1];
    if (opts.data.empty() && program.vocab < 1)
      throw UsageError("this program does not record its vocabulary size, so "
                       "it cannot make synthetic tokens: pass --data=FILE");
    training->source = std::make_unique<data::TokenSource>(
        opts.data, type, program.vocab, training->seqLen, training->batch,
        order, opts.dataSeed.value_or(opts.seed));
  } else if (!opts.data.empty()) {
    throw UsageError("--data: this program has no tokens or labels input");
  }
  return training;
}

/// Finds --load's checkpoint and takes its step (training resumes after
/// it) and, unless --seed is given, its seed (random batch orders and
/// synthetic data continue where they were).
void openCheckpoint(Job &job) {
  job.checkpoint = ckpt::resolveCheckpoint(job.options.load);
  ckpt::Reader reader(job.checkpoint);
  job.startStep = reader.index().step;
  if (!job.options.seedGiven)
    job.options.seed = reader.index().seed;
  if (isTraining(job.program) && job.startStep >= job.options.steps)
    throw UsageError("the checkpoint " + job.checkpoint + " is at step " +
                     std::to_string(job.startStep) +
                     "; --steps counts from step 0, so it must be larger");
  if (!job.options.quiet)
    std::printf("loading %s (step %lld)\n", job.checkpoint.c_str(),
                static_cast<long long>(job.startStep));
}

} // namespace

struct RankContext::State {
  Job *job = nullptr;
  /// The last step's local piece of every output.
  std::vector<std::vector<char>> outputs;
  /// Training: the step being run (0-based) and its hyper vector.
  int64_t step = 0;
  std::array<float, train::kHyperCount> hyper{};
};

RankContext::RankContext(const Program &program, int rank, ActorGraph &graph,
                         std::vector<Communicator *> axisComms,
                         std::vector<Communicator *> channels)
    : program(program), rankIndex(rank),
      stageIndex(static_cast<int>(rank / meshSize(program))),
      coords(pxc::sbp::meshCoords(program.mesh, rank % meshSize(program))),
      actorGraph(graph), axisComms(std::move(axisComms)),
      channelComms(std::move(channels)), stateData(std::make_unique<State>()) {}

Communicator &RankContext::channel(int src, int dst) {
  for (size_t i = 0; i < program.channels.size(); ++i)
    if (program.channels[i] == std::make_pair(src, dst) &&
        i < channelComms.size() && channelComms[i])
      return *channelComms[i];
  throw std::invalid_argument(
      "rank " + std::to_string(rankIndex) + " has no channel from stage " +
      std::to_string(src) + " to stage " + std::to_string(dst));
}

// A channel's group holds the two stages' ranks ordered by stage.
void RankContext::send(int dstStage, const void *buffer, size_t count,
                       DType type, Stream &stream) {
  channel(stageIndex, dstStage)
      .send(buffer, count, type, stageIndex < dstStage ? 1 : 0, stream);
}

void RankContext::recv(int srcStage, void *buffer, size_t count, DType type,
                       Stream &stream) {
  channel(srcStage, stageIndex)
      .recv(buffer, count, type, srcStage < stageIndex ? 0 : 1, stream);
}

RankContext::~RankContext() = default;

int64_t RankContext::pieceOffset(const std::vector<int64_t> &shape,
                                 const std::string &sbp, int dim) const {
  TensorSpec spec{"", DType::F32, shape, sbp, ""};
  return pieceBox(spec, program.mesh, coords).offsets[dim];
}

void RankContext::loadInput(int index, int64_t piece, void *dst) {
  const TensorSpec &spec = program.inputs[index];
  Box box = pieceBox(spec, program.mesh, coords);
  if (spec.role == "hyper") {
    copyBoxOut(reinterpret_cast<const char *>(stateData->hyper.data()),
               spec.shape, sizeof(float), box, static_cast<char *>(dst));
    return;
  }
  if (spec.role == "tokens" || spec.role == "labels") {
    // Only this rank's rows of the micro-batch are read.
    int64_t b0 = piece * spec.shape[0] + box.offsets[0], rows = box.sizes[0],
            seqLen = spec.shape[1];
    std::vector<int64_t> ids(rows * seqLen);
    bool isTokens = spec.role == "tokens";
    stateData->job->training->source->fill(stateData->step, b0, b0 + rows,
                                           isTokens ? ids.data() : nullptr,
                                           isTokens ? nullptr : ids.data());
    Box local = box;
    local.offsets[0] = 0;
    std::vector<int64_t> rowShape = {rows, seqLen};
    if (spec.type == DType::I64) {
      copyBoxOut(reinterpret_cast<const char *>(ids.data()), rowShape,
                 sizeof(int64_t), local, static_cast<char *>(dst));
      return;
    }
    std::vector<int64_t> piece(pxc::ckpt::volume(box));
    copyBoxOut(reinterpret_cast<const char *>(ids.data()), rowShape,
               sizeof(int64_t), local, reinterpret_cast<char *>(piece.data()));
    auto *out = static_cast<int32_t *>(dst);
    for (size_t i = 0; i < piece.size(); ++i)
      out[i] = static_cast<int32_t>(piece[i]);
    return;
  }
  const io::Tensor &tensor = stateData->job->inputs[index];
  copyBoxOut(reinterpret_cast<const char *>(tensor.data.data()), spec.shape,
             dtypeSize(spec.type), box, static_cast<char *>(dst));
}

void RankContext::storeOutput(int index, int64_t, const void *src) {
  const TensorSpec &spec = program.outputs[index];
  size_t bytes = pxc::ckpt::volume(pieceBox(spec, program.mesh, coords)) *
                 dtypeSize(spec.type);
  std::vector<char> &piece = stateData->outputs[index];
  piece.assign(static_cast<const char *>(src),
               static_cast<const char *>(src) + bytes);
}

namespace {

/// Rank 0 rebuilds output `spec` from every rank's piece: split pieces go
/// to their boxes, replicated ones are taken once (coordinate 0), partial
/// ones are reduced in rank order.
io::Tensor assemble(const TensorSpec &spec, const Program &program,
                    const std::vector<std::vector<char>> &pieces) {
  pxc::sbp::NdSbp sbp = tensorSbp(spec, program.mesh.size());
  io::Tensor out;
  out.name = spec.name;
  out.type = spec.type;
  out.shape = spec.shape;
  size_t width = dtypeSize(spec.type);
  out.data.assign(out.numel() * width, 0);
  bool partial = std::any_of(sbp.begin(), sbp.end(),
                             [](auto &e) { return e.isPartial(); });
  bool max = std::any_of(sbp.begin(), sbp.end(), [](auto &e) {
    return e.isPartial() && e.reduce == pxc::sbp::Reduce::Max;
  });
  std::vector<double> sums(partial ? out.numel() : 0, max ? -INFINITY : 0.0);
  for (size_t r = 0; r < pieces.size(); ++r) {
    std::vector<int64_t> coords =
        pxc::sbp::meshCoords(program.mesh, static_cast<int64_t>(r));
    bool primary = true;
    for (size_t a = 0; a < sbp.size(); ++a)
      primary &= !sbp[a].isBroadcast() || coords[a] == 0;
    if (!primary)
      continue;
    Box box = pieceBox(spec, program.mesh, coords);
    if (!partial) {
      copyBoxIn(pieces[r].data(), spec.shape, width, box,
                reinterpret_cast<char *>(out.data.data()));
      continue;
    }
    // Widen the piece to doubles, then accumulate it in place.
    int64_t n = pxc::ckpt::volume(box);
    std::vector<double> values(n);
    cpu::cast(cpu::contiguousView(pieces[r].data(), spec.type, {n}),
              cpu::contiguousView(values.data(), DType::F64, {n}));
    std::vector<double> whole(out.numel());
    copyBoxIn(reinterpret_cast<const char *>(values.data()), spec.shape,
              sizeof(double), box, reinterpret_cast<char *>(whole.data()));
    std::vector<char> mask(out.numel(), 0);
    std::vector<char> ones(n, 1);
    copyBoxIn(ones.data(), spec.shape, 1, box, mask.data());
    for (int64_t i = 0; i < out.numel(); ++i)
      if (mask[i])
        sums[i] = max ? std::max(sums[i], whole[i]) : sums[i] + whole[i];
  }
  if (partial) {
    int64_t n = out.numel();
    cpu::cast(cpu::contiguousView(sums.data(), DType::F64, {n}),
              cpu::contiguousView(out.data.data(), spec.type, {n}));
  }
  return out;
}

/// Every rank sends its piece of output `o` to rank 0, which assembles it
/// (a collective on `world`: every rank calls it).
std::optional<io::Tensor> gatherOutput(const Program &program, size_t o,
                                       const std::vector<char> &mine,
                                       Communicator &world, Stream &stream,
                                       bool everyRank = false) {
  const TensorSpec &spec = program.outputs[o];
  // The ranks of the output's stage hold its pieces.
  int64_t size = meshSize(program), first = spec.stage * size;
  std::vector<size_t> counts(world.size());
  for (int64_t r = first; r < first + size; ++r)
    counts[r] = pxc::ckpt::volume(
                    pieceBox(spec, program.mesh,
                             pxc::sbp::meshCoords(program.mesh, r - first))) *
                dtypeSize(spec.type);
  std::vector<char> all;
  size_t total = 0;
  for (size_t c : counts)
    total += c;
  all.resize(total);
  world.allGather(mine.data(), all.data(), counts, DType::Bool, stream);
  stream.synchronize();
  if (world.rank() != 0 && !everyRank)
    return std::nullopt;
  std::vector<std::vector<char>> pieces;
  size_t at = 0;
  for (int64_t r = 0; r < world.size(); ++r) {
    if (r >= first && r < first + size)
      pieces.emplace_back(all.begin() + at, all.begin() + at + counts[r]);
    at += counts[r];
  }
  return assemble(spec, program, pieces);
}

double scalarValue(const io::Tensor &t) {
  double value = 0;
  cpu::cast(cpu::contiguousView(t.data.data(), t.type, {1}),
            cpu::contiguousView(&value, DType::F64, {1}));
  return value;
}

/// Rank 0 learns every rank's compute time per step (the median over the
/// steps after the first, which also builds caches) and memory.
void gatherRankLoad(Training &training, std::vector<double> busy,
                    double arenaBytes, Communicator &world, Stream &stream) {
  if (busy.size() > 1)
    busy.erase(busy.begin());
  std::sort(busy.begin(), busy.end());
  double mine[2] = {busy.empty() ? 0 : busy[busy.size() / 2], arenaBytes};
  std::vector<double> all(2 * world.size());
  world.allGather(mine, all.data(), std::vector<size_t>(world.size(), 2),
                  DType::F64, stream);
  stream.synchronize();
  if (world.rank() != 0)
    return;
  for (int r = 0; r < world.size(); ++r) {
    training.rankBusyMs.push_back(all[2 * r]);
    training.rankArenaBytes.push_back(all[2 * r + 1]);
  }
}

/// One rank: build its graph, initialize parameters, run, send the output
/// pieces to rank 0.
void runRank(Job &job, int rank, Communicator &world) {
  const Program &program = job.program;
  int64_t size = meshSize(program);
  int stage = static_cast<int>(rank / size);
  std::vector<int64_t> coords = pxc::sbp::meshCoords(program.mesh, rank % size);
  const RankClass *cls = nullptr;
  for (const RankClass &c : program.classes)
    if (std::find(c.ranks.begin(), c.ranks.end(), rank) != c.ranks.end())
      cls = &c;
  if (!cls)
    throw std::runtime_error("no code for rank " + std::to_string(rank));

  // One communicator per mesh axis: the ranks of this stage that differ
  // only there.
  std::vector<std::unique_ptr<Communicator>> axes;
  std::vector<Communicator *> axisPointers;
  int64_t stride = 1;
  for (size_t a = program.mesh.size(); a-- > 0;) {
    int color = static_cast<int>(rank - coords[a] * stride);
    axes.push_back(world.split(color, static_cast<int>(coords[a])));
    stride *= program.mesh[a];
  }
  std::reverse(axes.begin(), axes.end());
  for (auto &c : axes)
    axisPointers.push_back(c.get());
  // One per channel between stages: this rank and its peer at the same
  // mesh coordinate, in every rank's same order (splits are collective).
  std::vector<std::unique_ptr<Communicator>> channels;
  std::vector<Communicator *> channelPointers;
  for (auto [src, dst] : program.channels) {
    bool member = stage == src || stage == dst;
    channels.push_back(
        world.split(member ? static_cast<int>(rank % size) : -1, stage));
    channelPointers.push_back(channels.back().get());
  }

  // Checkpoints are written in the background and gathered to rank 0 over
  // a communicator of their own; the staging directory's name is rank 0's.
  Stream stream("gather");
  std::unique_ptr<Communicator> saveComm;
  std::string token;
  if (!job.options.save.empty()) {
    saveComm = world.split(0, rank);
    int64_t value =
        rank == 0 ? static_cast<int64_t>(
                        std::chrono::system_clock::now().time_since_epoch() /
                        std::chrono::microseconds(1))
                  : 0;
    saveComm->broadcast(&value, 1, DType::I64, 0, stream);
    stream.synchronize();
    token = std::to_string(value);
  }

  ActorGraph graph(cls->arenaBytes);
  graph.onError([&world](const std::string &message) { world.abort(message); });
  RankContext ctx(program, rank, graph, axisPointers, channelPointers);
  ctx.state().job = &job;
  ctx.state().outputs.resize(program.outputs.size());
  for (size_t p = 0; p < program.parameters.size(); ++p) {
    int64_t offset = cls->parameterOffsets[p];
    if (offset < 0)
      continue;
    const ParameterSpec &spec = program.parameters[p];
    // A checkpoint fills every element but the padding.
    bool padded =
        !spec.logicalShape.empty() && spec.logicalShape != spec.tensor.shape;
    if (!job.checkpoint.empty() && !padded)
      continue;
    initializeParameter(spec, pieceBox(spec.tensor, program.mesh, coords),
                        job.options.seed, graph.arena() + offset);
  }
  std::unique_ptr<RankCheckpoints> checkpoints;
  if (!job.options.save.empty() || !job.checkpoint.empty())
    checkpoints = std::make_unique<RankCheckpoints>(program, *cls, rank, coords,
                                                    graph.arena());
  if (!job.checkpoint.empty())
    checkpoints->load(job.checkpoint);
  cls->build(ctx);
  // One step per run, its micro-batches the pieces: buffers that share
  // memory are ordered within a step by the graph (and the schedule), but
  // not across steps.
  std::vector<double> times, busy;
  Training *training = job.training.get();
  int64_t saved = -1;
  auto save = [&](int64_t step) {
    double ms = checkpoints->save(
        job.options.save, token, static_cast<int>(job.options.keep), step,
        job.options.seed, *saveComm, rank == 0 && !job.options.quiet);
    if (training && rank == 0)
      training->checkpointMs.push_back(ms);
    saved = step;
  };
  int64_t start = training ? job.startStep : 0;
  // Every rank runs the same scaler on the same (gathered) norms.
  bool scaling =
      training && training->lossScale.mode != train::LossScaleConfig::Mode::Off;
  train::LossScaler scaler(training ? training->lossScale
                                    : train::LossScaleConfig{});
  for (int64_t step = start; step < job.options.steps; ++step) {
    double lr = 0;
    float scale = scaler.scale();
    if (training) {
      // Every rank computes the same hyper vector from the step number (the
      // schedule advances on skipped steps, as a torch scheduler stepped
      // every iteration) and the optimizer's step count (which does not).
      lr =
          train::learningRate(training->optimizer.lr, training->schedule, step);
      int64_t t = (scaling ? start + scaler.applied() : step) + 1;
      train::fillHyper(training->optimizer, lr, t, ctx.state().hyper.data(),
                       scale);
      ctx.state().step = step;
    }
    auto start = std::chrono::steady_clock::now();
    graph.run(program.microBatches);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    times.push_back(ms);
    busy.push_back(1e3 * graph.stats().busySeconds["compute"]);
    if (!training)
      continue;
    if (job.options.saveEvery > 0 && (step + 1) % job.options.saveEvery == 0)
      save(step + 1);
    double loss = NAN, norm = NAN;
    for (int o : {training->lossOutput, training->normOutput}) {
      if (o < 0)
        continue;
      std::optional<io::Tensor> value =
          gatherOutput(program, o, ctx.state().outputs[o], world, stream,
                       scaling && o == training->normOutput);
      if (value)
        (o == training->lossOutput ? loss : norm) = scalarValue(*value);
    }
    // The program left parameters and states unchanged if the norm is not
    // finite; the scaler follows.
    bool skipped = scaling && !scaler.update(std::isfinite(norm));
    if (rank != 0)
      continue;
    training->losses.push_back(loss);
    training->lrs.push_back(lr);
    training->norms.push_back(norm);
    training->stepMs.push_back(ms);
    if (scaling) {
      training->lossScales.push_back(scale);
      if (skipped)
        training->skippedSteps.push_back(step);
    }
    int64_t every = job.options.logEvery.value_or(1);
    if (job.options.quiet ||
        (step % every != 0 && step + 1 != job.options.steps))
      continue;
    double tokens = static_cast<double>(training->batch * training->seqLen);
    std::printf("step %lld | loss %.6f | lr %.4e", static_cast<long long>(step),
                loss, lr);
    if (training->normOutput >= 0)
      std::printf(" | grad norm %.4f", norm);
    if (scaling)
      std::printf(" | loss scale %g%s", static_cast<double>(scale),
                  skipped ? " (skipped)" : "");
    std::printf(" | %.0f tok/s | %.2f ms\n", ms > 0 ? tokens / ms * 1e3 : 0.0,
                ms);
    std::fflush(stdout);
  }
  if (checkpoints && !job.options.save.empty()) {
    int64_t end = training ? job.options.steps : 0;
    if (saved != end)
      save(end);
    checkpoints->wait();
  }
  if (training)
    gatherRankLoad(*training, busy, static_cast<double>(cls->arenaBytes), world,
                   stream);
  if (job.options.time && rank == 0) {
    std::sort(times.begin(), times.end());
    std::printf("step time: median %.3f ms over %zu steps\n",
                times[times.size() / 2], times.size());
  }

  for (size_t o = 0; o < program.outputs.size(); ++o) {
    std::optional<io::Tensor> value =
        gatherOutput(program, o, ctx.state().outputs[o], world, stream);
    if (value)
      job.outputs[o] = std::move(*value);
  }
}

void printOutputs(const Job &job) {
  for (size_t o = 0; o < job.outputs.size(); ++o) {
    const TensorSpec &spec = job.program.outputs[o];
    const io::Tensor &t = job.outputs[o];
    int64_t n = t.numel();
    std::vector<double> values(n);
    cpu::cast(cpu::contiguousView(t.data.data(), t.type, {n}),
              cpu::contiguousView(values.data(), DType::F64, {n}));
    double sum = 0;
    for (double v : values)
      sum += v;
    std::printf("%s: %s %s sum %.9g [", spec.name.c_str(), dtypeName(t.type),
                io::shapeString(t.shape).c_str(), sum);
    for (int64_t i = 0; i < std::min<int64_t>(n, 6); ++i)
      std::printf("%s%.7g", i ? ", " : "", values[i]);
    std::printf("%s]\n", n > 6 ? ", ..." : "");
  }
}

void writeOutputs(const Job &job) {
  std::error_code ec;
  std::filesystem::create_directories(job.options.outputs, ec);
  if (ec)
    throw std::runtime_error(job.options.outputs + ": " + ec.message());
  for (size_t o = 0; o < job.outputs.size(); ++o) {
    const std::string &name = job.program.outputs[o].name;
    io::writeTensor(job.options.outputs + "/" + name + "." + job.options.format,
                    job.outputs[o]);
  }
}

/// A JSON number, or null for NaN and infinities (JSON has neither).
/// `digits` 9 round-trips an f32 value, 17 a double.
std::string jsonNumber(double value, int digits = 9) {
  if (!std::isfinite(value))
    return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return text;
}

std::string jsonArray(const std::vector<double> &values, int digits = 9) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + jsonNumber(values[i], digits);
  return out + "]";
}

/// Rank 0's per-step record as JSON, written atomically.
void writeMetrics(const Job &job) {
  const Training &t = *job.training;
  std::vector<double> sorted = t.stepMs;
  std::sort(sorted.begin(), sorted.end());
  double median = sorted.empty() ? NAN : sorted[sorted.size() / 2];
  double tokens = static_cast<double>(t.batch * t.seqLen);
  std::string json = "{\n";
  json += "  \"optimizer\": \"" + t.optimizer.optimizer + "\",\n";
  json += "  \"steps\": " + std::to_string(t.losses.size()) + ",\n";
  json += "  \"batch\": " + std::to_string(t.batch) + ",\n";
  json += "  \"seq_len\": " + std::to_string(t.seqLen) + ",\n";
  json +=
      "  \"tokens_per_step\": " + std::to_string(t.batch * t.seqLen) + ",\n";
  json += "  \"loss\": " + jsonArray(t.losses) + ",\n";
  json += "  \"lr\": " + jsonArray(t.lrs, 17) + ",\n";
  json += "  \"grad_norm\": " + jsonArray(t.norms) + ",\n";
  json += "  \"step_ms\": " + jsonArray(t.stepMs) + ",\n";
  if (t.lossScale.mode != train::LossScaleConfig::Mode::Off) {
    json +=
        "  \"loss_scale_mode\": \"" +
        std::string(t.lossScale.mode == train::LossScaleConfig::Mode::Dynamic
                        ? "dynamic"
                        : "static") +
        "\",\n";
    json += "  \"loss_scale\": " + jsonArray(t.lossScales, 17) + ",\n";
    std::string skipped = "[";
    for (size_t i = 0; i < t.skippedSteps.size(); ++i)
      skipped += (i ? ", " : "") + std::to_string(t.skippedSteps[i]);
    json += "  \"skipped_steps\": " + skipped + "],\n";
  }
  json += "  \"median_step_ms\": " + jsonNumber(median) + ",\n";
  if (!job.checkpoint.empty())
    json += "  \"first_step\": " + std::to_string(job.startStep) + ",\n";
  if (!t.checkpointMs.empty())
    json += "  \"checkpoint_stall_ms\": " + jsonArray(t.checkpointMs) + ",\n";
  json += "  \"rank_busy_ms\": " + jsonArray(t.rankBusyMs) + ",\n";
  json += "  \"rank_memory_bytes\": " + jsonArray(t.rankArenaBytes) + ",\n";
  json += "  \"tokens_per_s\": " +
          jsonNumber(median > 0 ? tokens / median * 1e3 : NAN) + "\n";
  json += "}\n";
  io::writeFileAtomic(job.options.metrics, json);
}

} // namespace

std::vector<int>
scheduleSequence(const std::vector<std::pair<int, int>> &tasks,
                 const std::vector<std::vector<int>> &phaseActors) {
  std::vector<int> sequence;
  for (auto [phase, microBatch] : tasks)
    if (phase >= 0 && static_cast<size_t>(phase) < phaseActors.size())
      sequence.insert(sequence.end(), phaseActors[phase].begin(),
                      phaseActors[phase].end());
  return sequence;
}

int runMain(int argc, char **argv, const Program &program) {
  Job job{program, {}, {}, {}, nullptr, {}, 0};
  int64_t devices = program.stages * meshSize(program);
  try {
    std::optional<Options> opts = parseOptions(argc, argv, program);
    if (!opts)
      return 0;
    job.options = *opts;
    if (!job.options.load.empty())
      openCheckpoint(job);
    job.inputs = loadInputs(job.options, program);
    if (isTraining(program))
      job.training = setUpTraining(job.options, program);
    job.outputs.resize(program.outputs.size());

    if (program.deviceMemory && !job.options.save.empty())
      throw UsageError("--save: checkpoints of device (CUDA) programs are "
                       "not supported yet");
    std::unique_ptr<Communicator> mpi;
    if (program.createWorld)
      mpi = program.createWorld(job.options.timeout);
    else if (job.options.comm != "local")
      mpi = createMpiWorld();
    if (job.options.comm == "mpi" && !mpi)
      throw UsageError("--comm=mpi: not started by mpirun (or libpxrt was "
                       "built without MPI)");
    int ranks = mpi ? mpi->size()
                    : (job.options.ranks > 0 ? job.options.ranks
                                             : static_cast<int>(devices));
    if (ranks != devices)
      throw UsageError("the program is compiled for " +
                       std::to_string(devices) + " ranks, not " +
                       std::to_string(ranks));

    if (mpi) {
      try {
        runRank(job, mpi->rank(), *mpi);
      } catch (const std::exception &e) {
        // Peers blocked in a collective fail now, not at their timeout.
        mpi->abort(e.what());
        throw std::runtime_error("rank " + std::to_string(mpi->rank()) + ": " +
                                 e.what());
      }
      if (mpi->rank() != 0)
        return 0;
    } else {
      LocalJob local(ranks, job.options.timeout);
      std::vector<std::thread> threads;
      std::mutex mutex;
      std::string firstError;
      for (int r = 0; r < ranks; ++r)
        threads.emplace_back([&, r] {
          try {
            runRank(job, r, local.world(r));
          } catch (const std::exception &e) {
            std::lock_guard<std::mutex> lock(mutex);
            if (firstError.empty())
              firstError = "rank " + std::to_string(r) + ": " + e.what();
            local.world(r).abort(e.what());
          }
        });
      for (std::thread &t : threads)
        t.join();
      if (!firstError.empty())
        throw std::runtime_error(firstError);
    }
    if (job.training && !job.options.metrics.empty())
      writeMetrics(job);
    if (!job.options.outputs.empty())
      writeOutputs(job);
    if (!job.options.quiet)
      printOutputs(job);
    return 0;
  } catch (const UsageError &e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

} // namespace pxrt
