//===- InsertBoxing.cpp - px-insert-boxing --------------------------------===//
//
// Makes every operand arrive in the distribution its consumer expects: where
// a producer's px.sbp differs from the consumer's px.sbp_in entry (or from a
// function result's px.sbp at a return), the cost model's cheapest boxing
// path is materialized as a chain of collectives, one op per step, right
// after the producer. Consumers that need the same value in the same
// distribution share one chain.
//
//===----------------------------------------------------------------------===//

#include "pxc/CostModel/CostModel.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "llvm/ADT/DenseMap.h"

#include <map>

namespace pxc {
#define GEN_PASS_DEF_INSERTBOXING
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

namespace {

/// An operand whose producer is distributed otherwise than its consumer
/// expects.
struct Mismatch {
  OpOperand *use;
  SbpAttr target;
};

/// "[2, 4]", for diagnostics.
std::string meshStr(ArrayRef<int64_t> shape) {
  std::string out = "[";
  llvm::raw_string_ostream os(out);
  llvm::interleaveComma(shape, os);
  return out + "]";
}

/// Inserts the boxing chains of the functions of one module.
class Boxer {
public:
  explicit Boxer(cost::ClusterSpec cluster) : cluster(std::move(cluster)) {}

  LogicalResult run(FunctionOpInterface func);

private:
  LogicalResult collect(FunctionOpInterface func,
                        SmallVectorImpl<Mismatch> &mismatches);
  LogicalResult check(OpOperand &use, SbpAttr target,
                      SmallVectorImpl<Mismatch> &mismatches);
  FailureOr<Value> box(Value value, SbpAttr target, Operation *consumer);
  FailureOr<cost::CostModel *> checkConvertible(Value value, SbpAttr target,
                                                Operation *consumer);
  static const cost::BoxingPath &pathFrom(cost::CostModel &model, Value from,
                                          SbpAttr target);
  FailureOr<cost::CostModel *> costModel(MeshOp mesh, Operation *consumer);
  static Value materialize(OpBuilder &builder, Location loc, Value input,
                           const cost::BoxingStep &step);

  cost::ClusterSpec cluster;
  /// One cost model (and its path cache) per mesh.
  std::map<Operation *, cost::CostModel> models;
  /// What the chains of a value built, in program order: the value in one
  /// more distribution each.
  /// Keyed by the pipeline stage that reads them too (-1 without stages):
  /// a function argument is read on several stages, each boxes its own.
  llvm::DenseMap<std::pair<Value, int64_t>, SmallVector<Value>> chains;
};

} // namespace

LogicalResult Boxer::run(FunctionOpInterface func) {
  SmallVector<Mismatch> mismatches;
  if (failed(collect(func, mismatches)))
    return failure();
  for (const Mismatch &mismatch : mismatches) {
    FailureOr<Value> boxed =
        box(mismatch.use->get(), mismatch.target, mismatch.use->getOwner());
    if (failed(boxed))
      return failure();
    mismatch.use->set(*boxed);
  }
  // Collectives run on their operand's pipeline stage, in the phase of
  // their consumer (a gradient's reduction once per step, after the
  // accumulation).
  if (!mismatches.empty() &&
      getPipelineConfig(func->getParentOfType<ModuleOp>()))
    inferPipelinePlacement(func.getFunctionBody().front());
  return success();
}

/// Every operand of an op with px.sbp_in, and every returned value that is
/// annotated on either side (a return with neither annotation belongs to an
/// undistributed function), in program order.
LogicalResult Boxer::collect(FunctionOpInterface func,
                             SmallVectorImpl<Mismatch> &mismatches) {
  WalkResult walk = func.walk([&](Operation *op) {
    if (op->hasAttr(PxDialect::kSbpInAttrName)) {
      for (OpOperand &use : op->getOpOperands())
        if (failed(check(use, getExpectedSbp(op, use.getOperandNumber()),
                         mismatches)))
          return WalkResult::interrupt();
      return WalkResult::advance();
    }
    if (!op->hasTrait<OpTrait::ReturnLike>() || op->getParentOp() != func)
      return WalkResult::advance();
    for (OpOperand &use : op->getOpOperands()) {
      SbpAttr target = getResultSbp(func, use.getOperandNumber());
      if (!target && !getSbp(use.get()))
        continue;
      if (!target) {
        FailureOr<MeshOp> mesh = findMesh(op);
        if (failed(mesh))
          return WalkResult::interrupt();
        target =
            SbpAttr::get(op->getContext(), sbp::NdSbp(mesh->getShape().size(),
                                                      sbp::Sbp1D::broadcast()));
      }
      if (failed(check(use, target, mismatches)))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

LogicalResult Boxer::check(OpOperand &use, SbpAttr target,
                           SmallVectorImpl<Mismatch> &mismatches) {
  Value value = use.get();
  SbpAttr source = getSbp(value);
  if (!source) {
    InFlightDiagnostic diag = emitError(value.getLoc());
    if (auto arg = dyn_cast<BlockArgument>(value))
      diag << "argument #" << arg.getArgNumber();
    else
      diag << "'" << value.getDefiningOp()->getName() << "' op result #"
           << cast<OpResult>(value).getResultNumber();
    diag << " has no px.sbp; run px-auto-sbp first";
    diag.attachNote(use.getOwner()->getLoc())
        << "operand #" << use.getOperandNumber() << " of '"
        << use.getOwner()->getName() << "' needs it";
    return failure();
  }
  if (target && source != target)
    mismatches.push_back({&use, target});
  return success();
}

FailureOr<cost::CostModel *> Boxer::costModel(MeshOp mesh,
                                              Operation *consumer) {
  auto it = models.find(mesh);
  if (it != models.end())
    return &it->second;
  std::string error;
  ArrayRef<int64_t> shape = mesh.getShape();
  std::optional<cost::CostModel> model = cost::CostModel::create(
      cluster, std::vector<int64_t>(shape.begin(), shape.end()), error);
  if (!model)
    return consumer->emitError() << "px.mesh @" << mesh.getSymName() << " "
                                 << meshStr(shape) << ": " << error;
  return &models.emplace(mesh, std::move(*model)).first->second;
}

FailureOr<Value> Boxer::box(Value value, SbpAttr target, Operation *consumer) {
  int64_t stage = -1;
  if (auto transfer = dyn_cast<TransferOp>(consumer))
    stage = transfer.getSrcStage();
  else
    stage = getStage(consumer).value_or(-1);
  SmallVector<Value> &chain = chains[{value, stage}];
  for (Value built : chain)
    if (getSbp(built) == target)
      return built;
  FailureOr<cost::CostModel *> model =
      checkConvertible(value, target, consumer);
  if (failed(model))
    return failure();
  // Start from the value, or from a distribution of it built already when
  // that is cheaper (or as cheap in fewer steps).
  Value start = value;
  const cost::BoxingPath *path = &pathFrom(**model, value, target);
  for (Value built : chain) {
    const cost::BoxingPath &other = pathFrom(**model, built, target);
    if (std::make_pair(other.time, other.steps.size()) <
        std::make_pair(path->time, path->steps.size())) {
      start = built;
      path = &other;
    }
  }
  // After the earlier chains: chains appear in order of first use.
  OpBuilder builder(consumer->getContext());
  if (chain.empty())
    builder.setInsertionPointAfterValue(value);
  else
    builder.setInsertionPointAfter(chain.back().getDefiningOp());
  Value current = start;
  for (const cost::BoxingStep &step : path->steps) {
    current = materialize(builder, value.getLoc(), current, step);
    chain.push_back(current);
  }
  return current;
}

static bool hasPartial(SbpAttr sbp) {
  return llvm::any_of(
      sbp.getDims(), [](const sbp::Sbp1D &entry) { return entry.isPartial(); });
}

const cost::BoxingPath &Boxer::pathFrom(cost::CostModel &model, Value from,
                                        SbpAttr target) {
  auto type = cast<RankedTensorType>(from.getType());
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  int64_t elementBytes =
      llvm::divideCeil(type.getElementTypeBitWidth(), uint64_t(8));
  // i1 tensors never hold partial values, not even between two steps.
  return model.boxingPath(
      getSbp(from).getNdSbp(), target.getNdSbp(), shape, elementBytes,
      /*partialStates=*/!type.getElementType().isInteger(1));
}

FailureOr<cost::CostModel *>
Boxer::checkConvertible(Value value, SbpAttr target, Operation *consumer) {
  FailureOr<MeshOp> mesh = findMesh(consumer);
  if (failed(mesh))
    return failure();
  FailureOr<cost::CostModel *> model = costModel(*mesh, consumer);
  if (failed(model))
    return failure();
  auto type = cast<RankedTensorType>(value.getType());
  SbpAttr source = getSbp(value);
  auto noPath = [&]() {
    return consumer->emitOpError("has no boxing path from ")
           << source << " to " << target << " for " << type << " on px.mesh @"
           << mesh->getSymName() << " " << meshStr(mesh->getShape());
  };
  if (type.getElementType().isInteger(1) &&
      (hasPartial(source) || hasPartial(target)))
    return noPath() << ": an i1 tensor cannot hold partial values";
  if (!pathFrom(**model, value, target).feasible()) {
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    bool sourceFits =
        cost::isValidSbp(source.getNdSbp(), shape, (*model)->mesh());
    return noPath() << ": " << (sourceFits ? target : source)
                    << " splits a dimension over more ranks than it has "
                       "elements";
  }
  return model;
}

/// One collective op for one step, annotated with the step's N-D result.
Value Boxer::materialize(OpBuilder &builder, Location loc, Value input,
                         const cost::BoxingStep &step) {
  using cost::Collective;
  uint64_t axis = step.axis;
  // Boxing works in the global view: the type does not change.
  Type type = input.getType();
  Operation *op = nullptr;
  switch (step.kind) {
  case Collective::AllReduce:
    op = AllReduceOp::create(builder, loc, type, input,
                             toPartialReduce(step.from.reduce), axis);
    break;
  case Collective::ReduceScatter:
    op = ReduceScatterOp::create(builder, loc, type, input,
                                 toPartialReduce(step.from.reduce), step.to.dim,
                                 axis);
    break;
  case Collective::AllGather:
    op = AllGatherOp::create(builder, loc, type, input, step.from.dim, axis);
    break;
  case Collective::AllToAll:
    op = AllToAllOp::create(builder, loc, type, input, step.from.dim,
                            step.to.dim, axis);
    break;
  case Collective::LocalSlice:
    op = LocalSliceOp::create(builder, loc, type, input, step.to.dim, axis);
    break;
  case Collective::LocalMask:
    op = LocalMaskOp::create(builder, loc, type, input,
                             toPartialReduce(step.to.reduce), axis);
    break;
  case Collective::LocalPad:
    op = LocalPadOp::create(builder, loc, type, input,
                            toPartialReduce(step.to.reduce), step.from.dim,
                            axis);
    break;
  case Collective::Broadcast:
  case Collective::SendRecv:
    llvm_unreachable("boxing paths change one SBP entry per step");
  }
  op->setAttr(PxDialect::kSbpAttrName,
              SbpAttr::get(builder.getContext(), step.result));
  builder.setInsertionPointAfter(op);
  return op->getResult(0);
}

namespace {
struct InsertBoxingPass : pxc::impl::InsertBoxingBase<InsertBoxingPass> {
  using InsertBoxingBase::InsertBoxingBase;

  void runOnOperation() override {
    std::string error;
    std::optional<cost::ClusterSpec> spec = cost::lookupCluster(cluster, error);
    if (!spec) {
      getOperation().emitError(error);
      return signalPassFailure();
    }
    Boxer boxer(std::move(*spec));
    for (auto func : getOperation().getOps<FunctionOpInterface>())
      if (failed(boxer.run(func)))
        signalPassFailure();
  }
};
} // namespace
