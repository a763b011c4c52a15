//===- Simulator.cpp - Replay of a compiled plan on a cluster -------------===//
//
// One pass over rank 0's program sorts every op into a model stage and a
// part of that stage's work (its px.phase: forward, backward, weight,
// update) and costs it; pipeline::simulate then replays the schedule with
// those costs. The ranks of one stage mesh run the same program on pieces
// of equal size (uneven splits differ by a row), so rank 0 stands for all.
//
//===----------------------------------------------------------------------===//

#include "pxc/Simulator/Simulator.h"

#include "pxc/CostModel/Collectives.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace pxc;
using namespace pxc::px;
using namespace pxc::sim;

namespace {

/// The per-rank function of rank 0, else the first function with a body.
func::FuncOp findRankFunction(ModuleOp module) {
  func::FuncOp first;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    auto ranks =
        func->getAttrOfType<DenseI64ArrayAttr>(PxDialect::kRanksAttrName);
    if (ranks && llvm::is_contained(ranks.asArrayRef(), 0))
      return func;
    if (!first)
      first = func;
  }
  return first;
}

cost::DType dtypeOf(Type element) {
  if (element.isBF16())
    return cost::DType::BF16;
  if (element.isF16())
    return cost::DType::F16;
  return cost::DType::F32;
}

/// Bytes of a tensor; `halfFloats` stores f32 in 16 bits (mixed precision).
double tensorBytes(Type type, bool halfFloats) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 0;
  Type element = tensor.getElementType();
  unsigned bits = element.isF32() && halfFloats ? 16
                  : element.isIntOrFloat() ? element.getIntOrFloatBitWidth()
                                           : 0;
  // i1 takes a byte.
  return double(tensor.getNumElements()) * ((bits + 7) / 8);
}

/// Ops that move no data of their own: sources, views the consumer reads
/// through (a transposed operand is a GEMM flag), and the in-place store of
/// an update.
bool isFree(Operation *op) {
  return isa<ParameterOp, ConstantOp, ReshapeOp, TransposeOp, ExpandOp,
             AssignOp>(op);
}

/// Bytes an op reads and writes. A gather reads only the rows it returns.
double bytesMoved(Operation *op, bool halfFloats) {
  if (auto gather = dyn_cast<GatherOp>(op))
    return 2 * tensorBytes(gather.getType(), halfFloats) +
           tensorBytes(gather.getIndices().getType(), halfFloats);
  double bytes = 0;
  for (Value operand : op->getOperands())
    bytes += tensorBytes(operand.getType(), halfFloats);
  for (Value result : op->getResults())
    bytes += tensorBytes(result.getType(), halfFloats);
  return bytes;
}

class PlanCoster {
public:
  PlanCoster(func::FuncOp func, const SimulateOptions &options,
             PlanSimulation &plan, int64_t stages, int64_t microBatches,
             int64_t meshDevices, std::vector<cost::Link> links)
      : func(func), options(options), plan(plan), stages(stages),
        microBatches(microBatches), meshDevices(meshDevices),
        links(std::move(links)),
        halfFloats(options.computeType &&
                   (*options.computeType == cost::DType::BF16 ||
                    *options.computeType == cost::DType::F16)) {}

  LogicalResult run();
  /// The arithmetic of most product FLOPs (F32 when there are none).
  cost::DType dominantProductType() const;

private:
  void markOncePerStep(Operation *op);
  LogicalResult costOp(Operation *op);
  void costTransfer(TransferOp transfer, Phase part);
  LogicalResult costCompute(Operation *op, Phase part, int64_t stage);
  void costCollective(Operation *op, Phase part, int64_t stage);
  void countMemory(Operation *op, int64_t stage);
  /// The op's phase, except that work done once per step after the
  /// gradients are accumulated is part of the update.
  Phase partOf(Operation *op) const;
  WorkTime &work(int64_t stage, Phase part);
  double executions(Phase part) const {
    return part == Phase::Update ? 1 : double(microBatches);
  }
  bool half(Phase part) const { return halfFloats && part != Phase::Update; }
  /// Whether rank r of pipeline device `from` and rank r of `to` sit on
  /// different nodes for some r (stages fill devices in order).
  bool crossesNodes(int64_t from, int64_t to) const;

  func::FuncOp func;
  const SimulateOptions &options;
  PlanSimulation &plan;
  int64_t stages, microBatches, meshDevices;
  std::vector<cost::Link> links;
  bool halfFloats;
  /// Values computed once per step: accumulated gradients and what is
  /// derived from them.
  llvm::DenseSet<Value> perStepValues;
  llvm::DenseSet<Operation *> perStepOps;
  double productFlops[4] = {0, 0, 0, 0};
};

void PlanCoster::markOncePerStep(Operation *op) {
  bool once = getPhase(op) == Phase::Update ||
              llvm::any_of(op->getOperands(), [&](Value operand) {
                return perStepValues.contains(operand);
              });
  if (once)
    perStepOps.insert(op);
  if (once || isa<AccumulateOp>(op))
    perStepValues.insert(op->result_begin(), op->result_end());
}

Phase PlanCoster::partOf(Operation *op) const {
  if (perStepOps.count(op))
    return Phase::Update;
  return getPhase(op).value_or(Phase::Forward);
}

WorkTime &PlanCoster::work(int64_t stage, Phase part) {
  StageReport &report = plan.stages[stage];
  switch (part) {
  case Phase::Forward:
    return report.forward;
  case Phase::VocabForward:
    return report.vocabForward;
  case Phase::VocabBackward:
    return report.vocabBackward;
  case Phase::EmbedForward:
    return report.embedForward;
  case Phase::EmbedBackward:
    return report.embedBackward;
  case Phase::Backward:
    return report.backward;
  case Phase::Weight:
    return report.weight;
  case Phase::Update:
    return report.update;
  }
  llvm_unreachable("unknown part");
}

bool PlanCoster::crossesNodes(int64_t from, int64_t to) const {
  int64_t perNode = options.cluster.devicesPerNode;
  for (int64_t rank = 0; rank < meshDevices; ++rank)
    if ((from * meshDevices + rank) / perNode !=
        (to * meshDevices + rank) / perNode)
      return true;
  return false;
}

void PlanCoster::costTransfer(TransferOp transfer, Phase part) {
  int64_t src = transfer.getSrcStage(), dst = transfer.getDstStage();
  int64_t fromDevice = src % stages, toDevice = dst % stages;
  // Chunks of one device share its memory.
  if (fromDevice == toDevice)
    return;
  double bytes = tensorBytes(transfer.getType(), half(part));
  plan.pipelineBytes += bytes * meshDevices * executions(part);
  const cost::LinkSpec &spec = crossesNodes(fromDevice, toDevice)
                                   ? options.cluster.interNode
                                   : options.cluster.intraNode;
  cost::Link link{spec.bandwidth, spec.latency, false};
  double seconds =
      cost::collectiveTime(cost::Collective::SendRecv, 2, bytes, link);
  // The vocabulary passes' inputs (the last hidden state, a shared
  // weight's blocks) arrive for the reading stage's share; their statistics
  // and gradients travel in the rounds the schedule waits for.
  if (part == Phase::VocabForward || part == Phase::VocabBackward) {
    plan.input.vocabRoundSeconds =
        std::max(plan.input.vocabRoundSeconds, 2 * seconds);
    return;
  }
  // The input embedding's lookups go to the first stage, and their
  // gradient comes back from its backward.
  auto feedsEmbedGradients = [&] {
    return llvm::all_of(transfer->getUsers(), [](Operation *user) {
      return getPhase(user) == Phase::EmbedBackward;
    });
  };
  if (part == Phase::EmbedForward ||
      (part == Phase::Backward && feedsEmbedGradients())) {
    plan.input.embedRoundSeconds =
        std::max(plan.input.embedRoundSeconds, seconds);
    return;
  }
  auto feedsVocabPasses = [&] {
    return llvm::all_of(transfer->getUsers(), [](Operation *user) {
      return getPhase(user) == Phase::VocabForward;
    });
  };
  if (part == Phase::Forward && feedsVocabPasses()) {
    work(dst, Phase::VocabForward).collectives += seconds;
    return;
  }
  // The schedule sends an activation forward and its gradient back across
  // each boundary; the gradient has the activation's size, so forward
  // transfers set the boundary's time and backward ones are its mirror.
  if (part == Phase::Forward && dst > src)
    plan.stages[dst - 1].sendSeconds += seconds;
  else if (part == Phase::Forward || part == Phase::Update)
    work(dst, part).collectives += seconds;
}

LogicalResult PlanCoster::costCompute(Operation *op, Phase part,
                                      int64_t stage) {
  auto sbpOp = dyn_cast<SbpInterface>(op);
  if (!sbpOp)
    return success();
  const cost::ClusterSpec &cluster = options.cluster;
  double flops = sbpOp.getComputeFlops();
  bool product = isa<MatmulOp, LinearOp>(op);
  // Products run on tensor cores at the compute type; everything else on
  // the vector units, whose rate the f32 figure gives.
  cost::DType type = cost::DType::F32;
  if (product && op->getNumResults())
    type = options.computeType.value_or(
        dtypeOf(getElementTypeOrSelf(op->getResult(0).getType())));
  double peak = cluster.peak(type);
  if (flops > 0 && peak <= 0)
    return op->emitError() << "cluster '" << cluster.name
                           << "' has no peak FLOP/s for "
                           << cost::dtypeName(type);
  double seconds = flops > 0 ? flops / peak : 0;
  if (cluster.deviceMemoryBandwidth > 0)
    seconds = std::max(seconds, bytesMoved(op, half(part)) /
                                    cluster.deviceMemoryBandwidth);
  work(stage, part).compute += seconds;

  double runs = executions(part);
  if (product)
    productFlops[static_cast<int>(type)] += flops * runs;
  // Ranks whose result is replicated (B) on an axis repeat the same work.
  int64_t distinct = 1;
  if (op->getNumResults())
    if (SbpAttr sbp = getSbp(op->getResult(0))) {
      sbp::NdSbp entries = sbp.getNdSbp();
      for (size_t axis = 0; axis < entries.size(); ++axis)
        if (!entries[axis].isBroadcast())
          distinct *= plan.mesh[axis];
    }
  plan.modelFlops += flops * runs * distinct;
  plan.hardwareFlops += flops * runs * meshDevices;
  return success();
}

void PlanCoster::costCollective(Operation *op, Phase part, int64_t stage) {
  int64_t axis = cast<CollectiveOpInterface>(op).getMeshAxis();
  bool halfBytes = half(part);
  double input = tensorBytes(op->getOperand(0).getType(), halfBytes);
  double output = tensorBytes(op->getResult(0).getType(), halfBytes);
  cost::Collective kind;
  double bytes;
  if (isa<AllReduceOp>(op)) {
    kind = cost::Collective::AllReduce;
    bytes = input;
  } else if (isa<ReduceScatterOp>(op)) {
    kind = cost::Collective::ReduceScatter;
    bytes = input;
  } else if (isa<AllGatherOp>(op)) {
    kind = cost::Collective::AllGather;
    bytes = output;
  } else if (isa<AllToAllOp>(op)) {
    kind = cost::Collective::AllToAll;
    bytes = input;
  } else {
    return; // Local slices, masks and pads: no communication.
  }
  int64_t ranks = plan.mesh[axis];
  work(stage, part).collectives +=
      cost::collectiveTime(kind, ranks, bytes, links[axis]);
  plan.axisBytes[axis] += cost::collectiveBytes(kind, ranks, bytes) *
                          meshDevices * executions(part);
}

void PlanCoster::countMemory(Operation *op, int64_t stage) {
  if (isa<ParameterOp, AccumulateOp>(op)) {
    for (Value result : op->getResults())
      plan.stages[stage].staticBytes += tensorBytes(result.getType(), false);
    return;
  }
  Phase part = partOf(op);
  if (isa<ConstantOp>(op) ||
      (part != Phase::Forward && part != Phase::VocabForward &&
       part != Phase::EmbedForward))
    return;
  for (Value result : op->getResults())
    if (llvm::any_of(result.getUsers(), [](Operation *user) {
          std::optional<Phase> phase = getPhase(user);
          return phase == Phase::Backward || phase == Phase::Weight ||
                 phase == Phase::VocabBackward || phase == Phase::EmbedBackward;
        }))
      plan.stages[stage].activationBytes +=
          tensorBytes(result.getType(), halfFloats);
}

LogicalResult PlanCoster::costOp(Operation *op) {
  if (!isa_and_nonnull<PxDialect>(op->getDialect()))
    return success();
  Phase part = partOf(op);
  int64_t modelStages = int64_t(plan.stages.size());
  if (auto transfer = dyn_cast<TransferOp>(op)) {
    if (int64_t(transfer.getSrcStage()) >= modelStages ||
        int64_t(transfer.getDstStage()) >= modelStages)
      return op->emitError()
             << "moves a value between stages " << transfer.getSrcStage()
             << " and " << transfer.getDstStage() << " but the pipeline "
             << "has " << modelStages << " model stages";
    if (part == Phase::Forward)
      countMemory(op, transfer.getDstStage());
    costTransfer(transfer, part);
    return success();
  }
  std::optional<int64_t> stage = getStage(op);
  if (!stage && modelStages == 1)
    stage = 0;
  if (!stage)
    return op->emitError("has no px.stage; run px-pipeline-partition "
                         "before simulating a pipeline");
  if (*stage < 0 || *stage >= modelStages)
    return op->emitError() << "has px.stage " << *stage << " but the pipeline "
                           << "has " << modelStages << " model stages";
  countMemory(op, *stage);
  if (isa<CollectiveOpInterface>(op)) {
    costCollective(op, part, *stage);
    return success();
  }
  if (isFree(op))
    return success();
  return costCompute(op, part, *stage);
}

LogicalResult PlanCoster::run() {
  func.walk([&](Operation *op) { markOncePerStep(op); });
  WalkResult walk = func.walk([&](Operation *op) {
    return failed(costOp(op)) ? WalkResult::interrupt() : WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

cost::DType PlanCoster::dominantProductType() const {
  int best = static_cast<int>(cost::DType::F32);
  for (int type = 0; type < 4; ++type)
    if (productFlops[type] > productFlops[best])
      best = type;
  return static_cast<cost::DType>(best);
}

} // namespace

double PlanSimulation::flopsPerDevice() const {
  double seconds = result.stepSeconds * double(devices);
  return seconds > 0 ? modelFlops / seconds : 0;
}

double PlanSimulation::mfu() const {
  return peakFlops > 0 ? flopsPerDevice() / peakFlops : 0;
}

FailureOr<PlanSimulation> sim::simulatePlan(ModuleOp module,
                                            const SimulateOptions &options) {
  func::FuncOp func = findRankFunction(module);
  if (!func)
    return emitError(module.getLoc(),
                     "pxc simulate: the module has no function");
  PlanSimulation plan;
  plan.clusterName = options.cluster.name;
  if (!module.getOps<MeshOp>().empty()) {
    FailureOr<MeshOp> mesh = findMesh(func);
    if (failed(mesh))
      return failure();
    plan.mesh.assign(mesh->getShape().begin(), mesh->getShape().end());
    for (unsigned axis = 0; axis < plan.mesh.size(); ++axis)
      plan.axisNames.push_back(mesh->getAxisName(axis));
  }
  int64_t meshDevices = 1;
  for (int64_t extent : plan.mesh)
    meshDevices *= extent;
  if (meshDevices > 1 && !func->hasAttr(PxDialect::kRanksAttrName))
    return emitError(func.getLoc(),
                     "pxc simulate: not a per-rank function (no "
                     "px.ranks); run pxc-parallelize with the mesh");

  PipelineConfig pipelineConfig =
      getPipelineConfig(module).value_or(PipelineConfig());
  bool training = false;
  func.walk([&](Operation *op) {
    if (getPhase(op) == Phase::Backward || getPhase(op) == Phase::Weight)
      training = true;
  });
  std::optional<pipeline::ScheduleConfig> schedule =
      toScheduleConfig(pipelineConfig, training);
  if (!schedule)
    return emitError(module.getLoc())
           << "pxc simulate: unknown pipeline schedule '"
           << pipelineConfig.schedule << "'";
  pipeline::ScheduleConfig &config = plan.input.config;
  config = *schedule;
  std::string invalid = pipeline::validate(config);
  if (!invalid.empty())
    return emitError(module.getLoc(), "pxc simulate: ") << invalid;

  plan.devices = config.stages * meshDevices;
  if (plan.devices > options.cluster.totalDevices())
    return emitError(module.getLoc())
           << "pxc simulate: the job needs " << plan.devices << " devices ("
           << config.stages << " stages x " << meshDevices
           << " mesh devices) but cluster '" << options.cluster.name << "' has "
           << options.cluster.totalDevices()
           << "; name more nodes, e.g. --cluster=" << options.cluster.name
           << ":"
           << (plan.devices + options.cluster.devicesPerNode - 1) /
                  options.cluster.devicesPerNode;
  std::vector<cost::Link> links;
  if (!plan.mesh.empty()) {
    std::string error;
    std::optional<std::vector<cost::Link>> mapped =
        cost::mapMesh(options.cluster, plan.mesh, error);
    if (!mapped)
      return emitError(module.getLoc(), "pxc simulate: ") << error;
    links = std::move(*mapped);
  }

  int modelStages = config.stages * config.virtualStages;
  plan.stages.resize(modelStages);
  for (int stage = 0; stage < modelStages; ++stage) {
    plan.stages[stage].device = stage % config.stages;
    plan.stages[stage].chunk = stage / config.stages;
  }
  plan.axisBytes.assign(plan.mesh.size(), 0);
  PlanCoster coster(func, options, plan, config.stages, config.microBatches,
                    meshDevices, std::move(links));
  if (failed(coster.run()))
    return failure();

  pipeline::SimulationInput &input = plan.input;
  input.staticBytes.assign(config.stages, 0);
  for (const StageReport &stage : plan.stages)
    input.stageCosts.push_back({stage.forward.total(), stage.backward.total(),
                                stage.weight.total(), stage.update.total()});
  // A device's vocabulary tasks are its first chunk's, whichever model
  // stage their work sits on.
  for (const StageReport &stage : plan.stages) {
    pipeline::TaskCost &share = input.stageCosts[stage.device];
    share.vocabForward += stage.vocabForward.total();
    share.vocabBackward += stage.vocabBackward.total();
    share.embedForward += stage.embedForward.total();
    share.embedBackward += stage.embedBackward.total();
    input.activationBytes.push_back(stage.activationBytes);
    input.staticBytes[stage.device] += stage.staticBytes;
  }
  for (int stage = 0; stage + 1 < modelStages; ++stage)
    input.sendSeconds.push_back(plan.stages[stage].sendSeconds);
  plan.result = pipeline::simulate(input);
  plan.peakType = options.computeType.value_or(coster.dominantProductType());
  plan.peakFlops = options.cluster.peak(plan.peakType);
  return plan;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

namespace {

std::string seconds(double value) {
  if (value >= 1)
    return llvm::formatv("{0:f3} s", value).str();
  if (value >= 1e-3)
    return llvm::formatv("{0:f3} ms", value * 1e3).str();
  return llvm::formatv("{0:f3} us", value * 1e6).str();
}

std::string bytes(double value) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  for (; unit < 4 && value >= 1024; ++unit)
    value /= 1024;
  return llvm::formatv("{0:f2} {1}", value, units[unit]).str();
}

} // namespace

void sim::printSummary(const PlanSimulation &simulation,
                       llvm::raw_ostream &os) {
  const pipeline::ScheduleConfig &config = simulation.input.config;
  const pipeline::SimulationResult &result = simulation.result;
  os << "schedule: " << pipeline::toString(config.kind) << ", " << config.stages
     << " stages";
  if (config.virtualStages > 1)
    os << " x " << config.virtualStages << " virtual";
  os << ", " << config.microBatches << " micro-batches";
  if (!simulation.mesh.empty()) {
    os << ", mesh ";
    llvm::interleave(simulation.mesh, os, "x");
  }
  os << " on " << simulation.clusterName << " (" << simulation.devices
     << " devices)\n";
  os << "step time: " << seconds(result.stepSeconds) << "\n";
  os << llvm::formatv("bubble fraction: {0:f1}%\n",
                      100 * result.bubbleFraction);
  os << llvm::formatv("model FLOPs per step: {0:e3}\n", simulation.modelFlops);
  os << llvm::formatv("throughput: {0:f1} TFLOP/s per device, MFU {1:f1}% of "
                      "{2:f1} TFLOP/s ({3})\n",
                      simulation.flopsPerDevice() / 1e12,
                      100 * simulation.mfu(), simulation.peakFlops / 1e12,
                      std::string(cost::dtypeName(simulation.peakType)));
  os << "peak memory per device (every rank of its stage mesh):\n";
  for (size_t device = 0; device < result.peakBytes.size(); ++device)
    os << "  device " << device << ": " << bytes(result.peakBytes[device])
       << " (" << bytes(simulation.input.staticBytes[device])
       << " parameters, states and gradients; activations of "
       << result.peakLiveMicroBatches[device] << " micro-batches in flight)\n";
  os << "communication per step (bytes sent, all devices):";
  for (size_t axis = 0; axis < simulation.axisBytes.size(); ++axis)
    os << " " << simulation.axisNames[axis] << " "
       << bytes(simulation.axisBytes[axis]) << ",";
  os << " pipeline " << bytes(simulation.pipelineBytes) << "\n";
}

void sim::printJson(const PlanSimulation &simulation, llvm::raw_ostream &os) {
  const pipeline::ScheduleConfig &config = simulation.input.config;
  const pipeline::SimulationResult &result = simulation.result;
  llvm::json::OStream json(os, 2);
  auto work = [&](llvm::StringRef name, const WorkTime &time) {
    json.attributeObject(name, [&] {
      json.attribute("computeSeconds", time.compute);
      json.attribute("collectiveSeconds", time.collectives);
    });
  };
  json.object([&] {
    json.attribute("schedule", pipeline::toString(config.kind));
    json.attribute("stages", config.stages);
    json.attribute("virtualStages", config.virtualStages);
    json.attribute("microBatches", config.microBatches);
    json.attribute("training", config.training);
    json.attributeArray("mesh", [&] {
      for (int64_t extent : simulation.mesh)
        json.value(extent);
    });
    json.attributeArray("meshAxes", [&] {
      for (const std::string &name : simulation.axisNames)
        json.value(name);
    });
    json.attribute("cluster", simulation.clusterName);
    json.attribute("totalDevices", simulation.devices);
    json.attribute("stepSeconds", result.stepSeconds);
    json.attribute("bubbleFraction", result.bubbleFraction);
    json.attribute("modelFlops", simulation.modelFlops);
    json.attribute("hardwareFlops", simulation.hardwareFlops);
    json.attribute("flopsPerDevice", simulation.flopsPerDevice());
    json.attribute("peakType",
                   std::string(cost::dtypeName(simulation.peakType)));
    json.attribute("peakFlops", simulation.peakFlops);
    json.attribute("mfu", simulation.mfu());
    json.attributeObject("communicationBytes", [&] {
      for (size_t axis = 0; axis < simulation.axisBytes.size(); ++axis)
        json.attribute(simulation.axisNames[axis], simulation.axisBytes[axis]);
      json.attribute("pipeline", simulation.pipelineBytes);
    });
    json.attributeArray("devices", [&] {
      for (size_t device = 0; device < result.peakBytes.size(); ++device)
        json.object([&] {
          json.attribute("device", int64_t(device));
          json.attribute("busySeconds", result.busySeconds[device]);
          json.attribute("peakBytes", result.peakBytes[device]);
          json.attribute("staticBytes", simulation.input.staticBytes[device]);
          json.attribute("peakLiveMicroBatches",
                         result.peakLiveMicroBatches[device]);
        });
    });
    json.attributeArray("modelStages", [&] {
      for (size_t stage = 0; stage < simulation.stages.size(); ++stage) {
        const StageReport &report = simulation.stages[stage];
        json.object([&] {
          json.attribute("stage", int64_t(stage));
          json.attribute("device", report.device);
          json.attribute("chunk", report.chunk);
          work("forward", report.forward);
          work("backward", report.backward);
          work("weight", report.weight);
          work("update", report.update);
          work("vocabForward", report.vocabForward);
          work("vocabBackward", report.vocabBackward);
          work("embedForward", report.embedForward);
          work("embedBackward", report.embedBackward);
          json.attribute("activationBytes", report.activationBytes);
          json.attribute("staticBytes", report.staticBytes);
          json.attribute("sendSeconds", report.sendSeconds);
        });
      }
    });
  });
  os << "\n";
}
