//===- Driver.cpp - The pxc command-line driver ---------------------------===//
//
// pxc MODEL.onnx|MODEL.mlir [-o OUT] [--emit=mlir] [--mesh=2x4] ...
// pxc simulate MODEL.onnx|MODEL.mlir [-o OUT] [same options]
//
// Loads the model (ONNX import or px IR), declares the device mesh, runs the
// pxc-parallelize pipeline and writes the requested outputs into OUT (each
// file written to a temporary name, then renamed). `pxc simulate` replays
// the compiled step on the cluster instead (docs/simulator.md).
//
//===----------------------------------------------------------------------===//

#include "pxc/Driver/Driver.h"

#include "Build.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Frontend/ONNX/Import.h"
#include "pxc/InitAll.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Passes/Pipelines.h"
#include "pxc/Passes/Summary.h"
#include "pxc/Simulator/Simulator.h"
#include "pxc/Support/LLVM.h"
#include "pxc/Target/Cpu/EmitCpp.h"
#include "pxc/Target/Cuda/EmitCuda.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace pxc;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory pxcCategory("pxc options");

struct Options {
  cl::opt<std::string> input{cl::Positional, cl::desc("MODEL.onnx|MODEL.mlir"),
                             cl::cat(pxcCategory)};
  cl::opt<bool> listOnnxOps{
      "list-onnx-ops", cl::desc("Print the ONNX ops the importer supports"),
      cl::cat(pxcCategory)};
  cl::opt<std::string> output{
      "o", cl::desc("Output directory (without it, --emit prints to stdout)"),
      cl::value_desc("OUT"), cl::cat(pxcCategory)};
  cl::opt<std::string> emit{
      "emit",
      cl::desc("What to produce: mlir (px IR after the pipeline), source "
               "(OUT/model.cpp), plan (OUT/plan.json), exe (OUT/model, "
               "OUT/model.cpp and OUT/plan.json; the default with -o)"),
      cl::cat(pxcCategory)};
  cl::opt<std::string> mesh{
      "mesh", cl::desc("Device mesh, e.g. 2x4 (declares px.mesh @mesh)"),
      cl::value_desc("DxD"), cl::cat(pxcCategory)};
  cl::list<std::string> meshAxes{
      "mesh-axes", cl::desc("Names of the mesh axes, e.g. data,model"),
      cl::CommaSeparated, cl::cat(pxcCategory)};
  cl::list<std::string> shapes{
      "shape",
      cl::desc("Fix an input shape (NAME=2x16) or a symbolic dim (batch=4)"),
      cl::value_desc("NAME=DxD"), cl::cat(pxcCategory)};
  cl::list<std::string> constantInputs{
      "constant-input",
      cl::desc("Bind an ONNX graph input to a TensorProto file; it then "
               "folds like a constant (e.g. shape operands)"),
      cl::value_desc("NAME=FILE.pb"), cl::cat(pxcCategory)};
  cl::opt<int64_t> inlineLimit{
      "inline-weights-limit",
      cl::desc("ONNX weights up to this many bytes are inlined into the IR; "
               "larger ones refer to the model file"),
      cl::init(1024), cl::cat(pxcCategory)};
  cl::opt<std::string> cluster{
      "cluster",
      cl::desc("Cluster the SBP search costs plans for: dgx-a100, dgx-h100, "
               "NAME:NODES or a JSON file (docs/cost-model.md)"),
      cl::init("dgx-a100"), cl::cat(pxcCategory)};
  cl::opt<double> memoryLimit{
      "memory-limit",
      cl::desc("Per-device memory limit in GiB (default: device memory)"),
      cl::init(0.0), cl::cat(pxcCategory)};
  cl::list<std::string> sbps{
      "sbp",
      cl::desc("Fix the distribution of an input or parameter, e.g. "
               "--sbp=wte.weight=S(0),B (one entry per mesh axis)"),
      cl::value_desc("NAME=SBP"), cl::cat(pxcCategory)};
  cl::opt<int64_t> planSeed{
      "plan-seed",
      cl::desc("Use a random valid SBP plan with this seed instead of the "
               "cheapest (testing)"),
      cl::init(-1), cl::cat(pxcCategory)};
  cl::opt<bool> train{
      "train",
      cl::desc("Compile a training step: a mean cross-entropy of the logits "
               "against a labels input, gradients and optimizer updates "
               "(docs/training.md)"),
      cl::cat(pxcCategory)};
  cl::opt<std::string> optimizer{
      "optimizer", cl::desc("With --train: adamw (default) or sgd"),
      cl::init("adamw"), cl::cat(pxcCategory)};
  cl::opt<double> lr{"lr",
                     cl::desc("With --train: default peak learning rate of "
                              "the program (its --lr flag)"),
                     cl::init(1e-3), cl::cat(pxcCategory)};
  cl::opt<double> minLr{"min-lr",
                        cl::desc("With --train: default learning rate at the "
                                 "end of the cosine decay"),
                        cl::init(0.0), cl::cat(pxcCategory)};
  cl::opt<int64_t> warmupSteps{
      "warmup-steps", cl::desc("With --train: default linear warm-up steps"),
      cl::init(0), cl::cat(pxcCategory)};
  cl::opt<int64_t> decaySteps{
      "decay-steps",
      cl::desc("With --train: default step where the cosine decay ends (0: "
               "constant learning rate)"),
      cl::init(0), cl::cat(pxcCategory)};
  cl::opt<double> weightDecay{
      "weight-decay",
      cl::desc("With --train: default weight decay (default: torch's, 0.01 "
               "for AdamW, 0 for SGD)"),
      cl::init(-1.0), cl::cat(pxcCategory)};
  cl::opt<double> clipNorm{
      "clip-norm",
      cl::desc("With --train: default max global gradient norm (0: no "
               "clipping)"),
      cl::init(0.0), cl::cat(pxcCategory)};
  cl::opt<int> zero{
      "zero",
      cl::desc("With --train: ZeRO stage on the data axis. 0: plain data "
               "parallelism (gradients all-reduced); 1 or 2: each "
               "data-parallel rank updates, and keeps the optimizer states "
               "of, its slice of every parameter; 3: parameters stay split "
               "too, gathered before use. Default: as the search finds best"),
      cl::init(-1), cl::cat(pxcCategory)};
  cl::opt<int64_t> stages{
      "stages",
      cl::desc("Pipeline stages, each on its own copy of the mesh (the job "
               "has stages x mesh devices; docs/pipeline.md)"),
      cl::init(1), cl::cat(pxcCategory)};
  cl::opt<int64_t> microBatches{
      "micro-batches",
      cl::desc("With --train: micro-batches per step; the model's batch is "
               "one micro-batch, gradients are averaged over them"),
      cl::init(1), cl::cat(pxcCategory)};
  cl::opt<std::string> schedule{
      "schedule",
      cl::desc("Pipeline schedule: 1f1b (default), gpipe, zb-h1 or "
               "interleaved"),
      cl::init("1f1b"), cl::cat(pxcCategory)};
  cl::opt<int64_t> virtualStages{
      "virtual-stages",
      cl::desc("Model chunks per device (the interleaved schedule)"),
      cl::init(1), cl::cat(pxcCategory)};
  cl::opt<std::string> vocabParallel{
      "vocab-parallel",
      cl::desc("With --train: off (default), vocab-1 or vocab-2: write the "
               "loss so that the vocabulary can be split over ranks "
               "(docs/vocab-parallel.md)"),
      cl::init("off"), cl::cat(pxcCategory)};
  cl::opt<std::string> lossScale{
      "loss-scale",
      cl::desc("With --train: off (default), dynamic, or a static scale: "
               "the backward starts from the loss times the scale, the "
               "gradients are divided by it before clipping and the update, "
               "and a step with non-finite gradients is skipped (the "
               "program's --loss-scale flag; docs/cuda.md)"),
      cl::init("off"), cl::cat(pxcCategory)};
  cl::opt<double> initialLossScale{
      "initial-loss-scale",
      cl::desc("With --loss-scale=dynamic: default first scale (2^16)"),
      cl::init(65536.0), cl::cat(pxcCategory)};
  cl::opt<int64_t> lossScaleWindow{
      "loss-scale-window",
      cl::desc("With --loss-scale=dynamic: default number of consecutive "
               "finite steps after which the scale doubles"),
      cl::init(2000), cl::cat(pxcCategory)};
  cl::opt<std::string> cxxFlags{
      "cxx-flags",
      cl::desc("Extra flags for the C++ compiler that builds OUT/model "
               "(default -O2; e.g. -O0 to build faster, -march=native)"),
      cl::cat(pxcCategory)};
  cl::opt<std::string> target{
      "target",
      cl::desc("What the program runs on: cpu (OUT/model.cpp, the host "
               "compiler) or cuda (OUT/model.cu, nvcc, one GPU per rank; "
               "docs/cuda.md)"),
      cl::init("cpu"), cl::cat(pxcCategory)};
  cl::opt<std::string> cudaArch{
      "cuda-arch",
      cl::desc("With --target=cuda: the GPU architectures OUT/model is "
               "compiled for (default 80,90: A100 and H100)"),
      cl::init("80,90"), cl::cat(pxcCategory)};
  cl::opt<bool> locations{
      "locations",
      cl::desc("Print source locations (ONNX node names) in emitted IR"),
      cl::cat(pxcCategory)};
  cl::opt<bool> summary{"summary",
                        cl::desc("Print a summary of the program to stderr"),
                        cl::cat(pxcCategory)};
  cl::opt<std::string> computeType{
      "compute-type",
      cl::desc("Arithmetic of the matrix products. Programs: f32, bf16 or "
               "f16 (f32 master weights, docs/cuda.md). `pxc simulate`: f32, "
               "tf32, bf16, f16 (default: their element type); bf16 and f16 "
               "also count f32 activations and their communication at 2 "
               "bytes (mixed precision)"),
      cl::cat(pxcCategory)};
  /// The first argument was `simulate`.
  bool simulate = false;
};

/// Prints ONNX-import diagnostics as "model.onnx: error: message"; the
/// message names the node.
struct FileDiagnosticPrinter {
  static void print(Diagnostic &diag) {
    llvm::raw_ostream &os = llvm::errs();
    std::string file;
    diag.getLocation()->walk([&](Location loc) {
      if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
        file = fileLoc.getFilename().str();
      return WalkResult::advance();
    });
    if (!file.empty())
      os << file << ": ";
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      llvm::WithColor(os, llvm::HighlightColor::Error) << "error: ";
      break;
    case DiagnosticSeverity::Warning:
      llvm::WithColor(os, llvm::HighlightColor::Warning) << "warning: ";
      break;
    default:
      llvm::WithColor(os, llvm::HighlightColor::Note) << "note: ";
    }
    os << diag.str() << "\n";
  }
};

LogicalResult fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "pxc") << message << "\n";
  return failure();
}

/// Declares `--mesh` as `px.mesh @mesh` at the top of the module.
LogicalResult declareMesh(ModuleOp module, const Options &opts) {
  if (opts.mesh.empty()) {
    if (!opts.meshAxes.empty())
      return fail("--mesh-axes needs --mesh");
    return success();
  }
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  StringRef(opts.mesh).split(parts, 'x');
  for (StringRef part : parts) {
    int64_t size;
    if (part.getAsInteger(10, size) || size <= 0)
      return fail("--mesh expects sizes like 2x4, got '" + opts.mesh + "'");
    shape.push_back(size);
  }
  if (!opts.meshAxes.empty() && opts.meshAxes.size() != shape.size())
    return fail("--mesh-axes names " + Twine(opts.meshAxes.size()) +
                " axes but --mesh has " + Twine(shape.size()));
  if (!module.getOps<px::MeshOp>().empty())
    return fail("the model already declares a px.mesh; drop --mesh");
  OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
  ArrayAttr axes;
  if (!opts.meshAxes.empty())
    axes = builder.getStrArrayAttr(
        SmallVector<StringRef>(opts.meshAxes.begin(), opts.meshAxes.end()));
  auto mesh = px::MeshOp::create(builder, module.getLoc(), "mesh", shape, axes);
  return verify(mesh);
}

/// Applies `--sbp=NAME=SBP`: NAME is an input (px.name) or a parameter.
LogicalResult applySbpConstraints(ModuleOp module, const Options &opts) {
  for (const std::string &entry : opts.sbps) {
    auto [name, text] = StringRef(entry).split('=');
    std::optional<sbp::NdSbp> parsed = sbp::parseNd(text);
    if (name.empty() || !parsed)
      return fail("--sbp expects NAME=SBP such as w=S(0),B, got '" + entry +
                  "'");
    auto attr = px::SbpAttr::get(module.getContext(), *parsed);
    bool found = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        auto argName =
            func.getArgAttrOfType<StringAttr>(i, px::PxDialect::kNameAttrName);
        if (argName && argName.getValue() == name) {
          func.setArgAttr(i, px::PxDialect::kSbpAttrName, attr);
          found = true;
        }
      }
      func.walk([&](px::ParameterOp param) {
        if (param.getName() == name) {
          param->setAttr(px::PxDialect::kSbpAttrName, attr);
          found = true;
        }
      });
    }
    if (!found)
      return fail("--sbp names '" + name +
                  "', which is neither an input nor a parameter");
  }
  return success(opts.sbps.empty() || succeeded(verify(module)));
}

OwningOpRef<ModuleOp> loadModel(MLIRContext &context, const Options &opts,
                                llvm::SourceMgr &sourceMgr) {
  if (StringRef(opts.input).ends_with(".mlir")) {
    std::string error;
    auto file = openInputFile(opts.input, &error);
    if (!file) {
      (void)fail(error);
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  OnnxImportOptions importOptions;
  importOptions.inlineLimitBytes = opts.inlineLimit;
  for (const std::string &shape : opts.shapes) {
    std::string error = parseShapeOption(shape, importOptions);
    if (!error.empty()) {
      (void)fail(error);
      return nullptr;
    }
  }
  for (const std::string &binding : opts.constantInputs) {
    std::string error = parseConstantInputOption(binding, importOptions);
    if (!error.empty()) {
      (void)fail(error);
      return nullptr;
    }
  }
  return importOnnxFile(opts.input, &context, importOptions);
}

/// What --emit asks for; without it, an executable when there is an
/// output directory and IR on stdout otherwise.
std::string emitKind(const Options &opts) {
  if (!opts.emit.empty())
    return opts.emit;
  return opts.output.empty() ? "mlir" : "exe";
}

/// Whether the emitted outputs need per-rank code (a mesh).
bool needsCode(StringRef emit) { return emit != "mlir"; }

LogicalResult
writeFile(StringRef directory, StringRef name,
          llvm::function_ref<LogicalResult(llvm::raw_ostream &)> print,
          SmallVectorImpl<char> &path) {
  path.assign(directory.begin(), directory.end());
  llvm::sys::path::append(path, name);
  bool failedToPrint = false;
  if (llvm::Error err = llvm::writeToOutput(
          StringRef(path.data(), path.size()),
          [&](llvm::raw_ostream &os) -> llvm::Error {
            if (failed(print(os))) {
              failedToPrint = true;
              return llvm::createStringError("nothing written");
            }
            return llvm::Error::success();
          })) {
    if (failedToPrint) {
      llvm::consumeError(std::move(err));
      return failure(); // The diagnostic is already out.
    }
    return fail(toString(std::move(err)));
  }
  return success();
}

/// The largest scale the program can hold (f32).
constexpr double kMaxLossScale = 3.4028234663852886e38;

/// --loss-scale as the program's default: "off", "dynamic" or the number
/// written to round-trip.
std::string lossScaleDefault(const Options &opts) {
  double value;
  if (opts.lossScale == "off" || opts.lossScale == "dynamic" ||
      StringRef(opts.lossScale).getAsDouble(value))
    return opts.lossScale;
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

LogicalResult createOutputDirectory(const Options &opts) {
  if (llvm::sys::fs::exists(opts.output) &&
      !llvm::sys::fs::is_directory(opts.output))
    return fail("cannot create '" + opts.output +
                "': a file of that name exists");
  if (std::error_code ec = llvm::sys::fs::create_directories(opts.output))
    return fail("cannot create '" + opts.output + "': " + ec.message());
  return success();
}

LogicalResult writeOutputs(ModuleOp module, const Options &opts) {
  std::string emit = emitKind(opts);
  auto printMlir = [&](llvm::raw_ostream &os) {
    module.print(os, OpPrintingFlags().enableDebugInfo(opts.locations));
    return success();
  };
  TrainFlagDefaults train;
  train.lr = opts.lr;
  train.minLr = opts.minLr;
  train.warmupSteps = opts.warmupSteps;
  train.decaySteps = opts.decaySteps;
  train.weightDecay = opts.weightDecay;
  train.clipNorm = opts.clipNorm;
  train.lossScale = lossScaleDefault(opts);
  train.initialLossScale = opts.initialLossScale;
  train.lossScaleWindow = opts.lossScaleWindow;
  bool cuda = opts.target == "cuda";
  if (!cuda && opts.target != "cpu")
    return fail("--target must be cpu or cuda, not '" + opts.target + "'");
  auto printSource = [&](llvm::raw_ostream &os) {
    return cuda ? emitCudaProgram(module, os, train)
                : emitCpuProgram(module, os, train);
  };
  if (emit != "mlir" && emit != "source" && emit != "plan" && emit != "exe")
    return fail("--emit must be mlir, source, plan or exe, not '" + emit + "'");
  if (opts.output.empty()) {
    if (emit == "mlir")
      return printMlir(llvm::outs());
    if (emit == "source")
      return printSource(llvm::outs());
    return fail("--emit=" + emit + " needs an output directory (-o OUT)");
  }
  if (failed(createOutputDirectory(opts)))
    return failure();

  SmallString<256> path;
  if (emit == "mlir")
    return writeFile(opts.output, "model.mlir", printMlir, path);
  if (emit == "source" || emit == "exe")
    if (failed(writeFile(opts.output, cuda ? "model.cu" : "model.cpp",
                         printSource, path)))
      return failure();
  if (emit == "exe") {
    SmallString<256> executable(opts.output);
    llvm::sys::path::append(executable, "model");
    std::string error = cuda ? buildCudaExecutable(path, executable,
                                                   opts.cxxFlags, opts.cudaArch)
                             : buildExecutable(path, executable, opts.cxxFlags);
    if (!error.empty())
      return fail(error);
  }
  if (emit == "plan" || emit == "exe") {
    SmallString<256> plan(opts.output);
    llvm::sys::path::append(plan, "plan.json");
    std::string error = writePlan(module, plan);
    if (!error.empty())
      return fail(error);
    SmallString<256> layout(opts.output);
    llvm::sys::path::append(layout, "checkpoint-layout.json");
    error = writeCheckpointLayout(module, layout);
    if (!error.empty())
      return fail(error);
  }
  return success();
}

/// The cluster and compute type of `pxc simulate`, checked before the
/// compilation, which takes long on large models.
LogicalResult getSimulateOptions(const Options &opts,
                                 sim::SimulateOptions &options) {
  std::string error;
  std::optional<cost::ClusterSpec> cluster =
      cost::lookupCluster(opts.cluster, error);
  if (!cluster)
    return fail(error);
  options.cluster = *cluster;
  if (!opts.computeType.empty()) {
    options.computeType = cost::parseDType(opts.computeType);
    if (!options.computeType)
      return fail("--compute-type must be f32, tf32, bf16 or f16, not '" +
                  opts.computeType + "'");
  }
  return success();
}

/// `pxc simulate`: prints the summary and, with -o, writes OUT/trace.json,
/// OUT/timeline.svg and OUT/simulation.json.
LogicalResult simulate(ModuleOp module, const sim::SimulateOptions &options,
                       const Options &opts) {
  FailureOr<sim::PlanSimulation> simulation =
      sim::simulatePlan(module, options);
  if (failed(simulation))
    return failure();
  sim::printSummary(*simulation, llvm::outs());
  if (opts.output.empty())
    return success();
  if (failed(createOutputDirectory(opts)))
    return failure();
  std::string trace = pipeline::chromeTrace(simulation->result);
  std::string timeline = pipeline::svgTimeline(simulation->result);
  auto print = [](const std::string &text) {
    return [&text](llvm::raw_ostream &os) {
      os << text;
      return success();
    };
  };
  SmallString<256> path;
  if (failed(writeFile(opts.output, "trace.json", print(trace), path)) ||
      failed(writeFile(opts.output, "timeline.svg", print(timeline), path)))
    return failure();
  return writeFile(
      opts.output, "simulation.json",
      [&](llvm::raw_ostream &os) {
        sim::printJson(*simulation, os);
        return success();
      },
      path);
}

/// Pipeline flags: positive counts; micro-batches only make a training step.
LogicalResult checkPipelineFlags(const Options &opts) {
  if (opts.stages < 1)
    return fail("--stages must be at least 1, not " +
                std::to_string(opts.stages));
  if (opts.microBatches < 1)
    return fail("--micro-batches must be at least 1, not " +
                std::to_string(opts.microBatches));
  if (opts.microBatches > 1 && !opts.train)
    return fail("--micro-batches needs --train (an inference program runs "
                "its batch in one piece)");
  return success();
}

/// --loss-scale and its dynamic companions.
LogicalResult checkLossScaleFlags(const Options &opts) {
  StringRef mode = opts.lossScale.getValue();
  double value = 0;
  if (mode != "off" && mode != "dynamic") {
    // getAsDouble fails on trailing text and on overflow.
    if (StringRef(mode).getAsDouble(value))
      return fail("--loss-scale must be off, dynamic or a positive number, "
                  "not '" +
                  mode + "'");
    if (!(value > 0 && value <= kMaxLossScale))
      return fail("--loss-scale must be a positive number no larger than "
                  "the largest f32 (3.4e38), not '" +
                  mode + "'");
  }
  for (const cl::Option *flag :
       {static_cast<const cl::Option *>(&opts.initialLossScale),
        static_cast<const cl::Option *>(&opts.lossScaleWindow)})
    if (flag->getNumOccurrences() && mode != "dynamic")
      return fail("--" + flag->ArgStr.str() + " needs --loss-scale=dynamic");
  if (!(opts.initialLossScale > 0 && opts.initialLossScale <= kMaxLossScale))
    return fail("--initial-loss-scale must be a positive number no larger "
                "than the largest f32 (3.4e38)");
  if (opts.lossScaleWindow < 1)
    return fail("--loss-scale-window must be at least 1, not " +
                std::to_string(opts.lossScaleWindow));
  return success();
}

/// Training flags make sense only with --train.
LogicalResult checkTrainFlags(const Options &opts) {
  if (opts.optimizer != "adamw" && opts.optimizer != "sgd")
    return fail("--optimizer must be adamw or sgd, not '" + opts.optimizer +
                "'");
  if (opts.vocabParallel != "off" && opts.vocabParallel != "vocab-1" &&
      opts.vocabParallel != "vocab-2")
    return fail("--vocab-parallel must be off, vocab-1 or vocab-2, not '" +
                opts.vocabParallel + "'");
  if (opts.zero.getNumOccurrences() && (opts.zero < 0 || opts.zero > 3))
    return fail("--zero must be a ZeRO stage from 0 to 3, not " +
                std::to_string(opts.zero));
  if (opts.train)
    return checkLossScaleFlags(opts);
  const cl::Option *flags[] = {&opts.optimizer,
                               &opts.lr,
                               &opts.minLr,
                               &opts.warmupSteps,
                               &opts.decaySteps,
                               &opts.weightDecay,
                               &opts.clipNorm,
                               &opts.zero,
                               &opts.vocabParallel,
                               &opts.lossScale,
                               &opts.initialLossScale,
                               &opts.lossScaleWindow};
  for (const cl::Option *flag : flags)
    if (flag->getNumOccurrences())
      return fail("--" + flag->ArgStr.str() + " needs --train");
  return success();
}

/// Flags of one of `pxc` and `pxc simulate` only.
LogicalResult checkSimulateFlags(const Options &opts) {
  if (opts.simulate && opts.emit.getNumOccurrences())
    return fail("pxc simulate writes trace.json, timeline.svg and "
                "simulation.json; --emit is for compiling");
  if (!opts.simulate && !opts.computeType.empty() &&
      opts.computeType != "f32" && opts.computeType != "bf16" &&
      opts.computeType != "f16")
    return fail("--compute-type: programs compute in f32, bf16 or f16, not '" +
                opts.computeType + "'");
  return success();
}

LogicalResult run(const Options &opts) {
  if (failed(checkTrainFlags(opts)) || failed(checkPipelineFlags(opts)) ||
      failed(checkSimulateFlags(opts)))
    return failure();
  sim::SimulateOptions simulateOptions;
  if (opts.simulate && failed(getSimulateOptions(opts, simulateOptions)))
    return failure();
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::SourceMgr sourceMgr;
  bool isMlir = StringRef(opts.input).ends_with(".mlir");
  std::optional<SourceMgrDiagnosticHandler> mlirHandler;
  std::optional<ScopedDiagnosticHandler> fileHandler;
  if (isMlir)
    mlirHandler.emplace(sourceMgr, &context);
  else
    fileHandler.emplace(&context, [](Diagnostic &diag) {
      FileDiagnosticPrinter::print(diag);
      return success();
    });

  OwningOpRef<ModuleOp> module = loadModel(context, opts, sourceMgr);
  if (!module || failed(declareMesh(*module, opts)))
    return failure();
  // Code runs on a mesh: a program without one runs on a single device.
  if ((opts.simulate || needsCode(emitKind(opts))) &&
      module->getOps<px::MeshOp>().empty()) {
    OpBuilder builder = OpBuilder::atBlockBegin(module->getBody());
    px::MeshOp::create(builder, module->getLoc(), "mesh", ArrayRef<int64_t>{1},
                       ArrayAttr());
  }
  if (failed(applySbpConstraints(*module, opts)))
    return failure();

  PassManager pm(&context);
  ParallelizeOptions pipeline;
  // A program with a mesh gets distributed.
  pipeline.distribute = !module->getOps<px::MeshOp>().empty();
  pipeline.cluster = opts.cluster.getValue();
  pipeline.memoryLimitGiB = opts.memoryLimit.getValue();
  pipeline.seed = opts.planSeed.getValue();
  pipeline.train = opts.train.getValue();
  pipeline.optimizer = opts.optimizer.getValue();
  pipeline.zero = opts.zero.getValue();
  pipeline.stages = opts.stages.getValue();
  pipeline.microBatches = opts.microBatches.getValue();
  pipeline.schedule = opts.schedule.getValue();
  pipeline.virtualStages = opts.virtualStages.getValue();
  pipeline.vocabParallel = opts.vocabParallel.getValue();
  pipeline.lossScale = opts.train && opts.lossScale != "off";
  // `pxc simulate` counts the compute type in its cost model instead.
  if (!opts.simulate && opts.computeType != "f32")
    pipeline.computeType = opts.computeType.getValue();
  buildParallelizePipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return failure();
  if (opts.simulate)
    return simulate(*module, simulateOptions, opts);
  if (failed(writeOutputs(*module, opts)))
    return failure();
  if (opts.summary)
    printSummary(*module, llvm::errs());
  return success();
}

} // namespace

int pxc::runDriver(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  Options opts;
  // `pxc simulate MODEL ...` takes the options of `pxc MODEL ...`.
  SmallVector<char *> args(argv, argv + argc);
  if (args.size() > 1 && StringRef(args[1]) == "simulate") {
    opts.simulate = true;
    args.erase(args.begin() + 1);
  }
  cl::HideUnrelatedOptions(pxcCategory);
  cl::ParseCommandLineOptions(
      int(args.size()), args.data(),
      "pxc: ahead-of-time parallelization compiler\n\n"
      "  pxc MODEL.onnx|MODEL.mlir [-o OUT] [--emit=mlir] [--mesh=2x4]\n"
      "      [--cluster=dgx-a100] [--memory-limit=GB] [--sbp=NAME=S(0),B]\n"
      "  pxc simulate MODEL.onnx|MODEL.mlir [-o OUT] [--compute-type=bf16]\n"
      "      [the options above]: step time, bubble, memory, communication;\n"
      "      OUT/trace.json, OUT/timeline.svg, OUT/simulation.json\n");
  if (opts.listOnnxOps) {
    for (const std::string &op : getSupportedOnnxOps())
      llvm::outs() << op << "\n";
    return 0;
  }
  if (opts.input.empty()) {
    (void)fail("no input model; see pxc --help");
    return 1;
  }
  return succeeded(run(opts)) ? 0 : 1;
}
