//===- PipelinePartition.cpp - px-pipeline-partition ----------------------===//
//
// Turns @main's forward ops into the chain lib/Pipeline/Partition.cpp cuts:
// one item per op (parameters and constants go with their first user), its
// time from the op's FLOPs, its memory from the parameters it first reads
// and the results a micro-batch keeps for the backward, and the bytes that
// cross each position from one sweep over the value lifetimes. Linear in
// the ops plus the dynamic program's O(stages * cuts^2).
//
//===----------------------------------------------------------------------===//

#include "pxc/Analysis/MemoryPlan.h"
#include "pxc/CostModel/Cluster.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/OutputLayer.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Pipeline/Partition.h"
#include "pxc/Pipeline/Schedule.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace pxc {
#define GEN_PASS_DEF_PIPELINEPARTITION
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

namespace {

/// What the partitioner needs to know besides the ops.
struct CostParams {
  double flopsPerSecond;
  double linkBytesPerSecond;
  double linkLatency;
  bool train;
};

/// Ops that follow their first user instead of being cut points.
bool followsUser(Operation *op) { return isa<ParameterOp, ConstantOp>(op); }

/// The chain to cut: one item per op that is not a parameter or constant.
struct Chain {
  SmallVector<Operation *> ops;
  pipeline::PartitionProblem problem;
};

/// The ops of the output layers px-vocab-parallel spreads over every stage.
DenseSet<Operation *> spreadOutputLayers(Block &body) {
  DenseSet<Operation *> ops;
  for (auto loss : body.getOps<CrossEntropyOp>())
    if (std::optional<OutputLayer> layer = matchOutputLayer(loss)) {
      ops.insert(loss);
      ops.insert(layer->linear);
      for (ReshapeOp reshape : layer->reshapes)
        ops.insert(reshape);
    }
  return ops;
}

/// `spread`: ops that belong to no stage's balance (they go on the last).
Chain buildChain(Block &body, const CostParams &params,
                 const DenseSet<Operation *> &spread, int64_t lastStage) {
  Chain chain;
  DenseMap<Operation *, int> itemOf;
  for (Operation &op : body.without_terminator())
    if (!followsUser(&op)) {
      itemOf[&op] = chain.ops.size();
      chain.ops.push_back(&op);
    }
  int n = chain.ops.size();
  auto &items = chain.problem.items;
  items.resize(n);
  // A training step runs each op forward and twice as much backward; a
  // trainable parameter also keeps its gradient and two AdamW states.
  double computeFactor = params.train ? 3 : 1;
  for (auto [i, op] : llvm::enumerate(chain.ops)) {
    if (auto sbp = dyn_cast<SbpInterface>(op))
      items[i].seconds =
          computeFactor * sbp.getComputeFlops() / params.flopsPerSecond;
    if (params.train)
      for (Value result : op->getResults())
        items[i].activationBytes += tensorBytes(result.getType());
    if (std::optional<int64_t> stage = getStage(op))
      items[i].fixedStage = static_cast<int>(*stage);
    if (spread.contains(op))
      items[i] = {0, 0, 0, static_cast<int>(lastStage)};
  }
  // Bytes live across each position (difference array over the items), and
  // each parameter's memory on its first user's item.
  std::vector<double> delta(n + 1, 0);
  for (Operation &op : body.without_terminator()) {
    int first = n, last = -1;
    for (Operation *user : op.getUsers())
      if (int item = itemOf.lookup_or(user, -1); item >= 0) {
        first = std::min(first, item);
        last = std::max(last, item);
      }
    if (auto param = dyn_cast<ParameterOp>(op);
        param && first < n && !spread.contains(chain.ops[first])) {
      double states = params.train && !param.getFrozen() ? 4 : 1;
      items[first].persistentBytes += states * tensorBytes(param.getType());
    }
    auto it = itemOf.find(&op);
    if (it == itemOf.end() || last <= it->second)
      continue;
    double bytes = 0;
    for (Value result : op.getResults())
      bytes += tensorBytes(result.getType());
    delta[it->second + 1] += bytes;
    delta[last + 1] -= bytes;
  }
  auto &cut = chain.problem.cutBytes;
  cut.assign(n, 0);
  double live = 0;
  for (int i = 1; i < n; ++i) {
    live += delta[i];
    cut[i] = live;
  }
  // Layer boundaries: the positions the fewest bytes cross (within 1.5x),
  // among those inside the bulk of the compute (the prologue, before the
  // first layer, is crossed by little more than masks and positions).
  double total = 0, before = 0;
  for (const pipeline::PartitionItem &item : items)
    total += item.seconds;
  double least = std::numeric_limits<double>::infinity();
  for (int i = 1; i < n; ++i) {
    before += items[i - 1].seconds;
    if (before >= 0.05 * total && before <= 0.95 * total)
      least = std::min(least, cut[i]);
  }
  if (!std::isfinite(least))
    least = *std::min_element(cut.begin() + std::min(n, 1), cut.end());
  chain.problem.canCut.assign(n, false);
  for (int i = 1; i < n; ++i)
    chain.problem.canCut[i] = cut[i] <= 1.5 * least;
  chain.problem.linkBytesPerSecond = params.linkBytesPerSecond;
  chain.problem.linkLatencySeconds = params.linkLatency;
  return chain;
}

/// Micro-batches of activations each model stage keeps alive under the
/// schedule (model stage j runs on device j % stages as chunk j / stages).
std::vector<double> inFlight(const PipelineConfig &config) {
  pipeline::ScheduleConfig schedule = *toScheduleConfig(config);
  pipeline::Phase last = pipeline::splitsBackward(schedule.kind)
                             ? pipeline::Phase::Weight
                             : pipeline::Phase::Backward;
  std::vector<double> counts;
  for (int64_t j = 0; j < config.stages * config.virtualStages; ++j) {
    int device = j % config.stages, chunk = j / config.stages;
    counts.push_back(
        pipeline::liveSlots(pipeline::buildSchedule(schedule, device),
                            pipeline::Phase::Forward, chunk, last, chunk));
  }
  return counts;
}

/// Stages of the ops that follow users: their first user's.
void placeFollowers(Block &body) {
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!followsUser(&op))
      continue;
    std::optional<int64_t> stage;
    Operation *first = nullptr;
    for (Operation *user : op.getUsers())
      if (!first || user->isBeforeInBlock(first))
        first = user;
    if (first)
      stage = getStage(first);
    setStage(&op, stage.value_or(0));
  }
}

struct PipelinePartitionPass
    : pxc::impl::PipelinePartitionBase<PipelinePartitionPass> {
  using PipelinePartitionBase::PipelinePartitionBase;

  LogicalResult partitionFunction(func::FuncOp func,
                                  const PipelineConfig &config,
                                  const CostParams &params) {
    Block &body = func.getBody().front();
    for (Operation &op : body)
      if (std::optional<Phase> phase = getPhase(&op);
          phase && *phase != Phase::Forward)
        return op.emitOpError("is ")
               << stringifyPhase(*phase)
               << " work; run px-pipeline-partition before px-autodiff "
                  "(backward ops follow their forward op's stage)";
    // The interleaved schedule gives each device several model stages.
    int64_t modelStages = config.stages * config.virtualStages;
    DenseSet<Operation *> spread;
    if (config.vocab != "off" && modelStages > 1)
      spread = spreadOutputLayers(body);
    Chain chain = buildChain(body, params, spread, modelStages - 1);
    chain.problem.stages = modelStages;
    chain.problem.inFlight = inFlight(config);
    chain.problem.memoryLimitBytes = memoryLimitGiB * (1ull << 30);
    std::string error;
    std::optional<pipeline::Partition> plan =
        seed >= 0 ? pipeline::partitionRandom(chain.problem, seed, error)
                  : pipeline::partition(chain.problem, error);
    if (!plan)
      return func.emitOpError("cannot be cut into pipeline stages: ") << error;
    for (int64_t s = 0; s < modelStages; ++s)
      for (int i = plan->firstItem[s]; i < plan->firstItem[s + 1]; ++i)
        setStage(chain.ops[i], s);
    placeFollowers(body);
    for (Operation &op : body.without_terminator())
      setPhase(&op, Phase::Forward);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    PipelineConfig config;
    config.stages = stages;
    config.microBatches = microBatches;
    config.schedule = schedule;
    config.virtualStages = virtualStages;
    config.vocab = stages * virtualStages > 1 ? vocab.getValue() : "off";
    std::optional<pipeline::ScheduleConfig> scheduleConfig =
        toScheduleConfig(config, train);
    std::string invalid = scheduleConfig
                              ? pipeline::validate(*scheduleConfig)
                              : "unknown schedule '" + schedule +
                                    "' (gpipe, 1f1b, interleaved or zb-h1)";
    if (!invalid.empty()) {
      module.emitError("px-pipeline-partition: ") << invalid;
      return signalPassFailure();
    }
    std::string error;
    std::optional<cost::ClusterSpec> cluster =
        cost::lookupCluster(this->cluster, error);
    if (!cluster) {
      module.emitError(error);
      return signalPassFailure();
    }
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.isExternal()) {
      module.emitError("px-pipeline-partition: no function @main");
      return signalPassFailure();
    }
    // Stages that span nodes talk over the network.
    int64_t meshDevices = 1;
    for (auto mesh : module.getOps<MeshOp>())
      meshDevices = std::max(meshDevices, mesh.getNumDevices());
    bool acrossNodes =
        stages * virtualStages * meshDevices > cluster->devicesPerNode;
    const cost::LinkSpec &link =
        acrossNodes ? cluster->interNode : cluster->intraNode;
    CostParams params{cluster->peak(cost::DType::F32) * meshDevices,
                      link.bandwidth, link.latency, train};
    if (failed(partitionFunction(func, config, params)))
      return signalPassFailure();
    setPipelineConfig(module, config);
  }
};
} // namespace
