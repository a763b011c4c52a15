//===- Spmdize.cpp - px-spmdize: global view -> per-rank functions --------===//
//
// After boxing, every value's distribution is known and matches its uses.
// This pass gives each value the shape of one rank's piece. Ranks whose
// pieces all have the same shapes share one function (`px.ranks`); uneven
// splits make a few such classes. What depends on a rank's position (the
// offsets of its pieces) is left to code generation, which reads the global
// types and SBPs kept on the ops.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"

#include <map>

namespace pxc {
#define GEN_PASS_DEF_SPMDIZE
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;
using sbp::NdSbp;

namespace {

NdSbp allBroadcast(size_t axes) { return NdSbp(axes, sbp::Sbp1D::broadcast()); }

SbpAttr sbpAttr(MLIRContext *context, const NdSbp &sbp) {
  return SbpAttr::get(context, sbp);
}

/// The shape of the piece of `global` that the rank at `coords` holds.
RankedTensorType localType(RankedTensorType global, SbpAttr sbp,
                           ArrayRef<int64_t> mesh, ArrayRef<int64_t> coords) {
  std::vector<int64_t> shape(global.getShape().begin(),
                             global.getShape().end());
  std::vector<int64_t> local =
      sbp::localShape(shape, sbp.getNdSbp(), {mesh.begin(), mesh.end()},
                      {coords.begin(), coords.end()});
  return global.clone(local);
}

/// Every value must carry its distribution and every use must receive the
/// distribution it expects: px-insert-boxing has run.
LogicalResult checkBoxed(func::FuncOp func) {
  for (BlockArgument arg : func.getArguments())
    if (!getSbp(arg))
      return emitError(arg.getLoc())
             << "px-spmdize: argument #" << arg.getArgNumber()
             << " has no px.sbp (run px-auto-sbp first)";
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    for (Value result : op->getResults())
      if (!getSbp(result))
        return op->emitOpError("has no px.sbp (run px-auto-sbp first)");
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      SbpAttr expected = getExpectedSbp(op, i);
      if (expected && expected != getSbp(operand))
        return op->emitOpError("operand #")
               << i << " is distributed as " << getSbp(operand)
               << " but the op expects " << expected
               << " (run px-insert-boxing first)";
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// A constant split over the mesh differs from rank to rank: keep the whole
/// constant and slice it, one mesh axis at a time.
void materializeSplitConstants(func::FuncOp func) {
  MLIRContext *context = func.getContext();
  SmallVector<ConstantOp> constants;
  func.walk([&](ConstantOp op) {
    SbpAttr sbp = getSbp(op.getResult());
    if (llvm::any_of(sbp.getDims(),
                     [](const sbp::Sbp1D &d) { return d.isSplit(); }))
      constants.push_back(op);
  });
  for (ConstantOp op : constants) {
    OpBuilder builder(op);
    NdSbp target = getSbp(op.getResult()).getNdSbp();
    NdSbp current = allBroadcast(target.size());
    auto whole = ConstantOp::create(builder, op.getLoc(), op.getValue());
    whole->setAttr(PxDialect::kSbpAttrName, sbpAttr(context, current));
    Value value = whole;
    for (auto [axis, entry] : llvm::enumerate(target)) {
      if (!entry.isSplit())
        continue;
      current[axis] = entry;
      auto slice = LocalSliceOp::create(builder, op.getLoc(), value.getType(),
                                        value, entry.dim, axis);
      slice->setAttr(PxDialect::kSbpAttrName, sbpAttr(context, current));
      value = slice;
    }
    op.replaceAllUsesWith(value);
    op.erase();
  }
}

/// A scalar constant of `element`, replicated.
Value replicatedScalar(OpBuilder &builder, Location loc, Type element,
                       double value, size_t axes) {
  auto type = RankedTensorType::get({}, element);
  auto constant = ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(type, FloatAttr::get(element, value)));
  constant->setAttr(PxDialect::kSbpAttrName,
                    sbpAttr(builder.getContext(), allBroadcast(axes)));
  return constant;
}

/// Replaces `op`'s mean by a sum scaled by 1/count; the sum of the ranks'
/// scaled partial sums is the mean (the kernel rule global-mean-count).
void scaleMean(Operation *op, Operation *sum, double count) {
  OpBuilder builder(op);
  builder.setInsertionPointAfter(sum);
  Value result = sum->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  SbpAttr sbp = getSbp(result);
  Value scale = replicatedScalar(builder, op->getLoc(), type.getElementType(),
                                 1.0 / count, sbp.getDims().size());
  auto mul = MulOp::create(builder, op->getLoc(), type, result, scale);
  mul->setAttr(PxDialect::kSbpAttrName, sbp);
  mul->setAttr(PxDialect::kSbpInAttrName,
               builder.getArrayAttr({sbp, getSbp(scale)}));
  op->getResult(0).replaceAllUsesWith(mul.getResult());
  op->erase();
}

bool splitsAny(SbpAttr sbp, ArrayRef<int64_t> dims) {
  return llvm::any_of(sbp.getDims(), [&](const sbp::Sbp1D &d) {
    return d.isSplit() && llvm::is_contained(dims, d.dim);
  });
}

/// Means over split dimensions become sums and a scaling by the global
/// count, so that the per-rank ops are plain sums.
void expandSplitMeans(func::FuncOp func) {
  SmallVector<Operation *> means;
  func.walk([&](Operation *op) {
    if (auto reduce = dyn_cast<ReduceOp>(op)) {
      if (reduce.getKind() == ReduceKind::mean &&
          splitsAny(getSbp(reduce.getInput()), reduce.getAxes()))
        means.push_back(op);
    } else if (auto loss = dyn_cast<CrossEntropyOp>(op)) {
      int64_t rank = loss.getLabels().getType().getRank();
      if (loss.getReduction() == LossReduction::mean &&
          splitsAny(getSbp(loss.getLogits()),
                    llvm::to_vector(llvm::seq<int64_t>(0, rank))))
        means.push_back(op);
    }
  });
  for (Operation *op : means) {
    OpBuilder builder(op);
    Operation *sum = builder.clone(*op);
    double count = 1;
    if (auto reduce = dyn_cast<ReduceOp>(sum)) {
      reduce.setKind(ReduceKind::sum);
      for (int64_t axis : reduce.getAxes())
        count *= reduce.getInput().getType().getDimSize(axis);
    } else {
      auto loss = cast<CrossEntropyOp>(sum);
      loss.setReduction(LossReduction::sum);
      count = loss.getLabels().getType().getNumElements();
    }
    scaleMean(op, sum, count);
  }
}

/// The values of a function in a fixed order: arguments, then results.
SmallVector<Value> valuesOf(func::FuncOp func) {
  SmallVector<Value> values(func.getArguments().begin(),
                            func.getArguments().end());
  func.walk([&](Operation *op) {
    values.append(op->getResults().begin(), op->getResults().end());
  });
  return values;
}

/// Groups the ranks of `mesh` by the local shapes of `values`.
SmallVector<SmallVector<int64_t>> rankClasses(ArrayRef<Value> values,
                                              ArrayRef<int64_t> mesh) {
  std::vector<int64_t> meshVec(mesh.begin(), mesh.end());
  int64_t devices = 1;
  for (int64_t d : mesh)
    devices *= d;
  std::map<std::vector<int64_t>, size_t> classOf;
  SmallVector<SmallVector<int64_t>> classes;
  for (int64_t rank = 0; rank < devices; ++rank) {
    std::vector<int64_t> coords = sbp::meshCoords(meshVec, rank);
    std::vector<int64_t> key;
    for (Value value : values) {
      auto type = cast<RankedTensorType>(value.getType());
      std::vector<int64_t> shape(type.getShape().begin(),
                                 type.getShape().end());
      std::vector<int64_t> local =
          sbp::localShape(shape, getSbp(value).getNdSbp(), meshVec, coords);
      key.insert(key.end(), local.begin(), local.end());
    }
    auto [it, inserted] = classOf.try_emplace(key, classes.size());
    if (inserted)
      classes.emplace_back();
    classes[it->second].push_back(rank);
  }
  return classes;
}

/// Gives every value of `func` the local type of the rank at `coords`.
void localize(func::FuncOp func, ArrayRef<int64_t> mesh,
              ArrayRef<int64_t> coords) {
  for (BlockArgument arg : func.getArguments()) {
    auto global = cast<RankedTensorType>(arg.getType());
    RankedTensorType local = localType(global, getSbp(arg), mesh, coords);
    if (local == global)
      continue;
    func.setArgAttr(arg.getArgNumber(), PxDialect::kGlobalTypeAttrName,
                    TypeAttr::get(global));
    arg.setType(local);
  }
  func.walk([&](Operation *op) {
    SmallVector<Attribute> globals;
    bool changed = false;
    for (Value result : op->getResults()) {
      auto global = cast<RankedTensorType>(result.getType());
      RankedTensorType local = localType(global, getSbp(result), mesh, coords);
      globals.push_back(TypeAttr::get(global));
      changed |= local != global;
      result.setType(local);
    }
    if (!changed)
      return;
    op->setAttr(PxDialect::kGlobalTypeAttrName,
                globals.size() == 1
                    ? globals.front()
                    : ArrayAttr::get(func.getContext(), globals));
    // A slice keeps split dimensions whole: its sizes are the local ones.
    if (auto slice = dyn_cast<SliceOp>(op))
      slice.setSizes(slice.getType().getShape());
  });
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
    Type global = func.getResultTypes()[i];
    if (operand.getType() != global)
      func.setResultAttr(i, PxDialect::kGlobalTypeAttrName,
                         TypeAttr::get(global));
  }
  func.setType(FunctionType::get(func.getContext(),
                                 func.getBody().getArgumentTypes(),
                                 ret.getOperandTypes()));
}

LogicalResult spmdize(func::FuncOp func) {
  FailureOr<MeshOp> mesh = findMesh(func);
  if (failed(mesh) || failed(checkBoxed(func)))
    return failure();
  materializeSplitConstants(func);
  expandSplitMeans(func);

  ArrayRef<int64_t> meshShape = mesh->getShape();
  std::vector<int64_t> meshVec(meshShape.begin(), meshShape.end());
  SmallVector<SmallVector<int64_t>> classes =
      rankClasses(valuesOf(func), meshShape);
  StringRef name = func.getSymName();
  OpBuilder builder(func);
  for (auto [index, ranks] : llvm::enumerate(classes)) {
    func::FuncOp target = func;
    if (classes.size() > 1) {
      target = cast<func::FuncOp>(builder.clone(*func));
      target.setSymName((name + "_c" + Twine(index)).str());
    }
    target->setAttr(PxDialect::kRanksAttrName,
                    builder.getDenseI64ArrayAttr(ranks));
    localize(target, meshShape, sbp::meshCoords(meshVec, ranks.front()));
  }
  if (classes.size() > 1)
    func.erase();
  return success();
}

struct SpmdizePass : pxc::impl::SpmdizeBase<SpmdizePass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> funcs;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(PxDialect::kRanksAttrName))
        funcs.push_back(func);
    for (func::FuncOp func : funcs)
      if (failed(spmdize(func)))
        return signalPassFailure();
    // The ops spmdize adds (constant slices, mean scalings) join their
    // neighbours' pipeline stage and phase.
    if (getPipelineConfig(getOperation()))
      for (auto func : getOperation().getOps<func::FuncOp>())
        if (func->hasAttr(PxDialect::kRanksAttrName))
          inferPipelinePlacement(func.getBody().front());
  }
};

} // namespace
