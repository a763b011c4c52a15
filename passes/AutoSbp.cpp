//===- AutoSbp.cpp - px-auto-sbp: choose an SBP signature for every op ----===//
//
// OneFlow's auto-parallel search: the function becomes an SBP graph whose
// nodes are ops (and arguments, and the return) with their candidate N-D
// signatures and whose edges carry boxing-cost matrices; PXCSbpSearch finds
// the cheapest assignment under a memory limit, which is written back as
// px.sbp / px.sbp_in attributes.
//
//===----------------------------------------------------------------------===//

#include "pxc/CostModel/CostModel.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Dialect/Px/SbpSignatures.h"
#include "pxc/Passes/Passes.h"
#include "pxc/SbpSearch/SbpGraph.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <functional>

namespace pxc {
#define GEN_PASS_DEF_AUTOSBP
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using sbp::NdSbp;

namespace {

std::vector<int64_t> shapeOf(Value value) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  return {shape.begin(), shape.end()};
}

int64_t elementBytes(Value value) {
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  return std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
}

cost::DType computeType(Type element) {
  if (element.isBF16())
    return cost::DType::BF16;
  if (element.isF16())
    return cost::DType::F16;
  return cost::DType::F32;
}

NdSbp toNdSbp(Attribute attr) { return cast<px::SbpAttr>(attr).getNdSbp(); }

/// The SBP attributes of `count` values: one #px.sbp or an array of them.
SmallVector<NdSbp> readSbps(Attribute attr, size_t count) {
  SmallVector<NdSbp> out;
  if (auto array = dyn_cast_or_null<ArrayAttr>(attr)) {
    for (Attribute entry : array)
      out.push_back(toNdSbp(entry));
  } else if (attr) {
    out.push_back(toNdSbp(attr));
  }
  if (out.size() != count)
    out.clear();
  return out;
}

/// "2x4", for diagnostics.
std::string meshStr(ArrayRef<int64_t> mesh) {
  std::string out;
  for (int64_t d : mesh)
    out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

/// A compact key of an N-D SBP, for deduplicating boxing queries.
uint64_t keyOf(const NdSbp &sbp) {
  uint64_t key = sbp.size();
  for (const sbp::Sbp1D &entry : sbp)
    key = key * 1024 + static_cast<uint64_t>(entry.kind) * 256 +
          static_cast<uint64_t>(entry.reduce) * 128 + entry.dim;
  return key;
}

/// Every N-D SBP of a function argument: B or a fitting split on each axis
/// (inputs hold full values, never partial ones).
SmallVector<NdSbp> argumentSbps(Value arg, ArrayRef<int64_t> mesh) {
  std::vector<int64_t> shape = shapeOf(arg);
  SmallVector<sbp::Sbp1D> choices = {sbp::Sbp1D::broadcast()};
  for (int32_t d = 0, e = shape.size(); d < e; ++d)
    choices.push_back(sbp::Sbp1D::split(d));
  SmallVector<NdSbp> out = {NdSbp()};
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    SmallVector<NdSbp> next;
    for (const NdSbp &prefix : out)
      for (const sbp::Sbp1D &choice : choices) {
        if (mesh[axis] == 1 && !choice.isBroadcast())
          continue; // Every distribution is B on a one-device axis.
        NdSbp sbp = prefix;
        sbp.push_back(choice);
        next.push_back(std::move(sbp));
      }
    out = std::move(next);
  }
  std::vector<int64_t> meshVec(mesh.begin(), mesh.end());
  llvm::erase_if(out, [&](const NdSbp &sbp) {
    return !cost::isValidSbp(sbp, shape, meshVec);
  });
  return out;
}

/// One node of the SBP graph: an op, a function argument or the return.
struct Node {
  Operation *op = nullptr; // null for an argument
  BlockArgument arg;
  SmallVector<px::NdSbpSignature> candidates;
};

/// Builds and solves the SBP graph of one function.
class Planner {
public:
  /// Without `costEdges` every boxing costs nothing: enough to enumerate
  /// candidates for a random plan, and much cheaper on deep meshes.
  /// `zeroStage` 1-3: ZeRO over mesh axis `dataAxis` (see the pass).
  Planner(func::FuncOp func, ArrayRef<int64_t> mesh, cost::CostModel &model,
          bool costEdges, int zeroStage, int dataAxis)
      : func(func), mesh(mesh.begin(), mesh.end()), model(model),
        costEdges(costEdges), zeroStage(zeroStage), dataAxis(dataAxis) {
    if (auto config = px::getPipelineConfig(func->getParentOfType<ModuleOp>()))
      microBatches = config->microBatches;
  }

  LogicalResult buildGraph();
  const sbp_search::Graph &getGraph() const { return graph; }
  void annotate(ArrayRef<int> choice);
  /// Reports the largest tensors when even the leanest plan does not fit.
  void reportInfeasible(double minimum, double limit);

private:
  LogicalResult addArgument(BlockArgument arg);
  LogicalResult addOp(Operation *op);
  void addReturn(func::ReturnOp ret);
  void addNode(Node node, std::vector<double> cost, std::vector<double> memory);
  void addEdges(Operation *consumer, int consumerNode);
  /// `repeats`: how often per step the boxing runs.
  void addEdge(Value value, int consumerNode,
               function_ref<const NdSbp &(size_t)> targetOf, double repeats);
  double repeats(Operation *op) const;
  void addAssign(px::AssignOp assign);
  void restrictForZero(Operation *op,
                       SmallVectorImpl<px::NdSbpSignature> &candidates);
  double computeCost(Operation *op, const px::NdSbpSignature &signature);

  bool isReplicatedOnUnitAxes(const px::NdSbpSignature &signature) const;

  func::FuncOp func;
  std::vector<int64_t> mesh;
  cost::CostModel &model;
  bool costEdges;
  int zeroStage, dataAxis;
  /// Micro-batches per step: forward and backward work repeats this often.
  int64_t microBatches = 1;
  sbp_search::Graph graph;
  std::vector<Node> nodes;
  /// The node and result index that define each value.
  DenseMap<Value, std::pair<int, unsigned>> producers;
  /// Assignments take their parameter's distribution; they are edges into
  /// the parameter's node, not nodes.
  SmallVector<px::AssignOp> assigns;
};

void Planner::addNode(Node node, std::vector<double> cost,
                      std::vector<double> memory) {
  int id = graph.addNode(std::move(cost), std::move(memory));
  if (node.op) {
    for (auto [i, result] : llvm::enumerate(node.op->getResults()))
      producers[result] = {id, i};
  } else if (node.arg) {
    producers[node.arg] = {id, 0};
  }
  nodes.push_back(std::move(node));
}

LogicalResult Planner::addArgument(BlockArgument arg) {
  Node node;
  node.arg = arg;
  SmallVector<NdSbp> sbps;
  if (auto fixed =
          func.getArgAttr(arg.getArgNumber(), px::PxDialect::kSbpAttrName))
    sbps = readSbps(fixed, 1);
  else
    sbps = argumentSbps(arg, mesh);
  if (sbps.empty())
    return emitError(arg.getLoc()) << "argument #" << arg.getArgNumber()
                                   << " has no distribution that fits the mesh";
  std::vector<double> memory;
  for (NdSbp &sbp : sbps) {
    memory.push_back(
        cost::localBytes(sbp, shapeOf(arg), elementBytes(arg), mesh));
    px::NdSbpSignature signature;
    signature.outputs.push_back(std::move(sbp));
    node.candidates.push_back(std::move(signature));
  }
  std::vector<double> cost(memory.size(), 0.0);
  addNode(std::move(node), std::move(cost), std::move(memory));
  return success();
}

/// Estimated time of one candidate: the roofline maximum of its local
/// compute and the local bytes it reads and writes.
double Planner::computeCost(Operation *op,
                            const px::NdSbpSignature &signature) {
  double flops = cast<px::SbpInterface>(op).getComputeFlops();
  // The work divides over every mesh axis where the signature is not
  // replicated.
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    bool replicated = true;
    for (const NdSbp &sbp : signature.inputs)
      replicated &= sbp[axis].isBroadcast();
    for (const NdSbp &sbp : signature.outputs)
      replicated &= sbp[axis].isBroadcast();
    if (!replicated)
      flops /= mesh[axis];
  }
  double bytes = 0;
  for (auto [value, sbp] : llvm::zip(op->getOperands(), signature.inputs))
    bytes += cost::localBytes(sbp, shapeOf(value), elementBytes(value), mesh);
  for (auto [value, sbp] : llvm::zip(op->getResults(), signature.outputs))
    bytes += cost::localBytes(sbp, shapeOf(value), elementBytes(value), mesh);
  Type element =
      op->getNumResults()
          ? cast<RankedTensorType>(op->getResult(0).getType()).getElementType()
          : Type();
  double compute =
      element ? model.computeTime(flops, computeType(element)) : 0.0;
  return std::max(compute, model.memoryTime(bytes));
}

bool Planner::isReplicatedOnUnitAxes(
    const px::NdSbpSignature &signature) const {
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    if (mesh[axis] != 1)
      continue;
    for (const NdSbp &sbp : signature.inputs)
      if (!sbp[axis].isBroadcast())
        return false;
    for (const NdSbp &sbp : signature.outputs)
      if (!sbp[axis].isBroadcast())
        return false;
  }
  return true;
}

/// Data parallelism and ZeRO on the data axis. Stage 0: trainable
/// parameters and their updates are replicated (gradients all-reduced).
/// Stages 1 and 2: each rank updates (and keeps the states of) only its
/// slice of a parameter, and parameters stay whole (gathered after the
/// update); stage 3: parameters stay split too (gathered before use).
/// Tensors with no dimension that fits the axis stay as the search likes.
void Planner::restrictForZero(Operation *op,
                              SmallVectorImpl<px::NdSbpSignature> &candidates) {
  auto param = dyn_cast<px::ParameterOp>(op);
  bool update = isa<px::AdamWOp, px::SgdOp>(op);
  if (zeroStage < 0 || !(update || (param && !param.getFrozen())))
    return;
  bool split = update ? zeroStage >= 1 : zeroStage == 3;
  auto keep = [&](const px::NdSbpSignature &s) {
    return s.outputs[0][dataAxis].isSplit() == split;
  };
  if (llvm::any_of(candidates, keep))
    llvm::erase_if(candidates, std::not_fn(keep));
}

/// Times per step `op` runs: once per micro-batch, except the update (the
/// step's costs are what the search minimizes, so a gradient is reduced
/// once after its accumulation rather than once per micro-batch).
double Planner::repeats(Operation *op) const {
  std::optional<px::Phase> phase = px::getPhase(op);
  return phase == px::Phase::Update || isa<func::ReturnOp>(op)
             ? 1.0
             : static_cast<double>(microBatches);
}

LogicalResult Planner::addOp(Operation *op) {
  auto sbpOp = dyn_cast<px::SbpInterface>(op);
  if (!sbpOp)
    return op->emitOpError("has no SBP signatures; px-auto-sbp cannot "
                           "distribute it");
  Node node;
  node.op = op;
  px::getNdSbpSignatures(op, mesh, node.candidates);
  // On a one-device axis every signature is the replicated one.
  llvm::erase_if(node.candidates, [&](const px::NdSbpSignature &s) {
    return !isReplicatedOnUnitAxes(s);
  });
  restrictForZero(op, node.candidates);
  // Existing annotations are constraints.
  SmallVector<NdSbp> fixedOut =
      readSbps(op->getAttr(px::PxDialect::kSbpAttrName), op->getNumResults());
  SmallVector<NdSbp> fixedIn = readSbps(
      op->getAttr(px::PxDialect::kSbpInAttrName), op->getNumOperands());
  llvm::erase_if(node.candidates, [&](const px::NdSbpSignature &s) {
    return (!fixedOut.empty() && !llvm::equal(s.outputs, fixedOut)) ||
           (!fixedIn.empty() && !llvm::equal(s.inputs, fixedIn));
  });
  if (node.candidates.empty())
    return op->emitOpError("has no N-D SBP signature on mesh ")
           << meshStr(mesh)
           << (fixedOut.empty() && fixedIn.empty()
                   ? ""
                   : " that agrees with its px.sbp/px.sbp_in");
  std::vector<double> cost, memory;
  for (const px::NdSbpSignature &signature : node.candidates) {
    cost.push_back(computeCost(op, signature) * repeats(op));
    double bytes = 0;
    for (auto [value, sbp] : llvm::zip(op->getResults(), signature.outputs))
      bytes += cost::localBytes(sbp, shapeOf(value), elementBytes(value), mesh);
    memory.push_back(bytes);
  }
  int id = graph.numNodes();
  addNode(std::move(node), std::move(cost), std::move(memory));
  addEdges(op, id);
  return success();
}

void Planner::addReturn(func::ReturnOp ret) {
  Node node;
  node.op = ret;
  px::NdSbpSignature required;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    SmallVector<NdSbp> fixed =
        readSbps(func.getResultAttr(i, px::PxDialect::kSbpAttrName), 1);
    // Results are whole values unless the user asks otherwise.
    required.inputs.push_back(fixed.empty()
                                  ? NdSbp(mesh.size(), sbp::Sbp1D::broadcast())
                                  : fixed.front());
  }
  node.candidates.push_back(std::move(required));
  int id = graph.numNodes();
  addNode(std::move(node), {0.0}, {0.0});
  addEdges(ret, id);
}

/// One edge per operand: the boxing time from every producer candidate's
/// result SBP to every consumer candidate's operand SBP. Distinct SBPs are
/// far fewer than candidates, so each distinct pair is costed once.
void Planner::addEdges(Operation *consumer, int consumerNode) {
  for (auto [operandIndex, value] : llvm::enumerate(consumer->getOperands()))
    addEdge(
        value, consumerNode,
        [&, i = operandIndex](size_t c) -> const NdSbp & {
          return nodes[consumerNode].candidates[c].inputs[i];
        },
        repeats(consumer));
}

/// The next value of a parameter is boxed into the parameter's own
/// distribution: an edge from its producer to the parameter's node.
void Planner::addAssign(px::AssignOp assign) {
  assigns.push_back(assign);
  int paramNode = producers.lookup(assign.getParameter()).first;
  if (producers.lookup(assign.getValue()).first == paramNode)
    return;
  addEdge(
      assign.getValue(), paramNode,
      [&](size_t c) -> const NdSbp & {
        return nodes[paramNode].candidates[c].outputs[0];
      },
      repeats(assign));
}

void Planner::addEdge(Value value, int consumerNode,
                      function_ref<const NdSbp &(size_t)> targetOf,
                      double repeats) {
  const Node &to = nodes[consumerNode];
  auto [producerNode, resultIndex] = producers.lookup(value);
  const Node &from = nodes[producerNode];
  std::vector<int64_t> shape = shapeOf(value);
  int64_t bytes = elementBytes(value);

  auto distinct = [](auto &&sbpOf, size_t count, SmallVector<int> &index,
                     SmallVector<const NdSbp *> &unique) {
    DenseMap<uint64_t, int> seen;
    for (size_t c = 0; c < count; ++c) {
      const NdSbp &sbp = sbpOf(c);
      auto [it, inserted] = seen.try_emplace(keyOf(sbp), unique.size());
      if (inserted)
        unique.push_back(&sbp);
      index.push_back(it->second);
    }
  };
  SmallVector<int> fromIndex, toIndex;
  SmallVector<const NdSbp *> fromUnique, toUnique;
  distinct(
      [&](size_t c) -> const NdSbp & {
        return from.candidates[c].outputs[resultIndex];
      },
      from.candidates.size(), fromIndex, fromUnique);
  distinct(targetOf, to.candidates.size(), toIndex, toUnique);

  // Booleans cannot pass through partial sums, so their paths avoid them.
  bool partials =
      !cast<RankedTensorType>(value.getType()).getElementType().isInteger(1);
  std::vector<double> times(fromUnique.size() * toUnique.size(), 0.0);
  std::vector<NdSbp> targets;
  for (const NdSbp *sbp : toUnique)
    targets.push_back(*sbp);
  for (size_t f = 0; costEdges && f < fromUnique.size(); ++f) {
    std::vector<double> row =
        model.boxingTimes(*fromUnique[f], targets, shape, bytes, partials);
    std::copy(row.begin(), row.end(), times.begin() + f * targets.size());
  }
  std::vector<double> matrix;
  matrix.reserve(fromIndex.size() * toIndex.size());
  for (int f : fromIndex)
    for (int t : toIndex)
      matrix.push_back(times[f * toUnique.size() + t] * repeats);
  graph.addEdge(producerNode, consumerNode, std::move(matrix));
}

LogicalResult Planner::buildGraph() {
  Block &body = func.getBody().front();
  for (BlockArgument arg : body.getArguments())
    if (failed(addArgument(arg)))
      return failure();
  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      addReturn(ret);
      continue;
    }
    if (auto assign = dyn_cast<px::AssignOp>(op)) {
      addAssign(assign);
      continue;
    }
    if (failed(addOp(&op)))
      return failure();
  }
  return success();
}

Attribute sbpAttr(MLIRContext *context, ArrayRef<NdSbp> sbps, bool array) {
  SmallVector<Attribute> attrs;
  for (const NdSbp &sbp : sbps)
    attrs.push_back(px::SbpAttr::get(context, sbp));
  if (!array && attrs.size() == 1)
    return attrs.front();
  return ArrayAttr::get(context, attrs);
}

void Planner::annotate(ArrayRef<int> choice) {
  MLIRContext *context = func.getContext();
  for (auto [node, index] : llvm::zip(nodes, choice)) {
    const px::NdSbpSignature &chosen = node.candidates[index];
    if (node.arg) {
      func.setArgAttr(node.arg.getArgNumber(), px::PxDialect::kSbpAttrName,
                      sbpAttr(context, chosen.outputs, false));
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(node.op)) {
      for (auto [i, sbp] : llvm::enumerate(chosen.inputs))
        func.setResultAttr(i, px::PxDialect::kSbpAttrName,
                           px::SbpAttr::get(context, sbp));
      continue;
    }
    if (node.op->getNumResults())
      node.op->setAttr(px::PxDialect::kSbpAttrName,
                       sbpAttr(context, chosen.outputs, false));
    if (node.op->getNumOperands())
      node.op->setAttr(px::PxDialect::kSbpInAttrName,
                       sbpAttr(context, chosen.inputs, true));
  }
  for (px::AssignOp assign : assigns) {
    auto sbp =
        assign.getParameter().getDefiningOp()->getAttrOfType<px::SbpAttr>(
            px::PxDialect::kSbpAttrName);
    assign->setAttr(px::PxDialect::kSbpInAttrName,
                    ArrayAttr::get(context, {sbp, sbp}));
  }
}

void Planner::reportInfeasible(double minimum, double limit) {
  InFlightDiagnostic diag =
      emitError(func.getLoc())
      << llvm::formatv("the leanest plan needs {0:F2} "
                       "GiB per device, over the limit "
                       "of {1:F2} GiB",
                       minimum / (1 << 30), limit / (1 << 30));
  // The largest tensors (at their smallest local size): the ones to shard,
  // offload or shrink.
  SmallVector<std::pair<double, int>> sizes;
  for (int n = 0, e = graph.numNodes(); n < e; ++n) {
    const std::vector<double> &memory = graph.nodeMemory(n);
    sizes.push_back({*llvm::min_element(memory), n});
  }
  llvm::sort(sizes, [](auto &a, auto &b) { return a.first > b.first; });
  for (auto [bytes, n] : llvm::ArrayRef(sizes).take_front(3)) {
    if (bytes < 0.05 * minimum)
      break; // Only the tensors that matter.
    Location loc = nodes[n].op ? nodes[n].op->getLoc() : func.getLoc();
    std::string what =
        nodes[n].op
            ? nodes[n].op->getName().getStringRef().str()
            : "argument #" + std::to_string(nodes[n].arg.getArgNumber());
    if (auto param = dyn_cast_or_null<px::ParameterOp>(nodes[n].op))
      what += " \"" + param.getName().str() + "\"";
    diag.attachNote(loc) << llvm::formatv("{0}: {1:F2} GiB per device", what,
                                          bytes / (1 << 30));
  }
}

/// The mesh axis ZeRO shards over: the one named "data", else the first.
int findDataAxis(px::MeshOp mesh) {
  for (unsigned i = 0, e = mesh.getShape().size(); i < e; ++i)
    if (mesh.getAxisName(i) == "data")
      return i;
  return 0;
}

struct AutoSbpPass : pxc::impl::AutoSbpBase<AutoSbpPass> {
  using AutoSbpBase::AutoSbpBase;

  void runOnOperation() override {
    std::string error;
    std::optional<cost::ClusterSpec> spec = cost::lookupCluster(cluster, error);
    if (!spec) {
      emitError(getOperation().getLoc()) << "px-auto-sbp: " << error;
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(planFunction(func, *spec)))
        return signalPassFailure();
  }

  LogicalResult planFunction(func::FuncOp func, const cost::ClusterSpec &spec) {
    FailureOr<px::MeshOp> mesh = px::findMesh(func);
    if (failed(mesh))
      return failure();
    std::vector<int64_t> shape((*mesh).getShape().begin(),
                               (*mesh).getShape().end());
    std::string error;
    std::optional<cost::CostModel> model =
        cost::CostModel::create(spec, shape, error);
    if (!model)
      return emitError(func.getLoc()) << "px-auto-sbp: " << error;
    Planner planner(func, shape, *model, /*costEdges=*/seed < 0, zero,
                    findDataAxis(*mesh));
    if (failed(planner.buildGraph()))
      return failure();
    if (!planner.getGraph().verify(error))
      return emitError(func.getLoc())
             << "px-auto-sbp built an invalid graph: " << error;

    std::vector<int> choice;
    if (seed >= 0) {
      choice = sbp_search::randomChoice(planner.getGraph(), seed);
    } else {
      sbp_search::SolveOptions options;
      options.memoryLimit = memoryLimitGiB > 0
                                ? memoryLimitGiB * double(1 << 30)
                                : spec.deviceMemory;
      // The graph holds every pipeline stage and each stage has its own
      // devices: the search bounds the average over the stages (the
      // partitioner already bounded each stage).
      if (std::optional<px::PipelineConfig> pipeline =
              px::getPipelineConfig(func->getParentOfType<ModuleOp>()))
        options.memoryLimit *= pipeline->stages;
      sbp_search::Result result =
          sbp_search::solve(planner.getGraph(), options);
      if (result.memory > options.memoryLimit) {
        planner.reportInfeasible(result.memory, options.memoryLimit);
        return failure();
      }
      if (!result.feasible)
        return emitError(func.getLoc())
               << "px-auto-sbp found no finite-cost plan";
      choice = std::move(result.choice);
    }
    planner.annotate(choice);
    return success();
  }
};

} // namespace
