//===- ApplyOptimizer.cpp - px-apply-optimizer: gradients -> updates ------===//
//
// The optimizer is ordinary px ops, so that the SBP search distributes its
// states (ZeRO) and schedules its reductions like the rest of the step; see
// docs/design/training.md.
//
//===----------------------------------------------------------------------===//

#include "Hyper.h"

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "pxrt/train.h"
#include "llvm/ADT/StringMap.h"

#include <limits>

namespace pxc {
#define GEN_PASS_DEF_APPLYOPTIMIZER
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

static constexpr StringLiteral kGradPrefix = "grad:";

/// Marks the ops built after `last` as update work; when `stage` is set, on
/// that pipeline stage (a parameter's update runs where the parameter
/// lives; the global norm's reduction is placed by px-insert-transfers).
static void markUpdate(Operation *last, Operation *terminator,
                       std::optional<int64_t> stage) {
  markBuiltOps(last, terminator, Phase::Update, stage);
}

namespace {
/// Builds the update ops before the function's return.
class UpdateBuilder {
public:
  UpdateBuilder(func::FuncOp func, Value hyper)
      : b(func.getBody().front().getTerminator()), hyper(hyper) {}

  Value scalar(Location loc, float value) {
    auto type = RankedTensorType::get({}, b.getF32Type());
    return ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getF32FloatAttr(value)));
  }

  /// hyper[index] as a scalar.
  Value hyperEntry(Location loc, int64_t index) {
    return pxc::hyperEntry(b, loc, hyper, index);
  }

  /// Whether `norm` is finite: false for +inf and NaN alike.
  Value isFinite(Location loc, Value norm) {
    Value inf = scalar(loc, std::numeric_limits<float>::infinity());
    return CompareOp::create(b, loc, CompareKind::lt, norm, inf);
  }

  /// sqrt(sum over every gradient of sum(g * g)); each square sum on its
  /// parameter's stage.
  Value globalNorm(Location loc,
                   ArrayRef<std::pair<ParameterOp, Value>> grads) {
    Operation *terminator = b.getInsertionBlock()->getTerminator();
    Value total;
    for (auto &[param, g] : grads) {
      Operation *last = terminator->getPrevNode();
      auto type = cast<RankedTensorType>(g.getType());
      auto axes = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
      Value square = MulOp::create(b, g.getLoc(), g, g);
      Value sum =
          ReduceOp::create(b, g.getLoc(), ReduceKind::sum, square, axes, false);
      markUpdate(last, terminator, getStage(param));
      last = terminator->getPrevNode();
      total = total ? AddOp::create(b, loc, total, sum) : sum;
      markUpdate(last, terminator, std::nullopt);
    }
    Operation *last = terminator->getPrevNode();
    Value norm = SqrtOp::create(b, loc, total);
    markUpdate(last, terminator, std::nullopt);
    return norm;
  }

  /// torch.nn.utils.clip_grad_norm_: min(1, max_norm / (norm + 1e-6)); the
  /// program passes max_norm = +inf when clipping is off.
  Value clipCoefficient(Location loc, Value norm) {
    Value maxNorm = hyperEntry(loc, pxrt::train::kClipMaxNorm);
    Value denominator = AddOp::create(b, loc, norm, scalar(loc, 1e-6f));
    Value coefficient = DivOp::create(b, loc, maxNorm, denominator);
    return MinOp::create(b, loc, coefficient, scalar(loc, 1.0f));
  }

  /// A frozen, zero-initialized state of `param`.
  Value state(ParameterOp param, StringRef suffix) {
    MLIRContext *ctx = b.getContext();
    auto zeros =
        InitializerAttr::get(ctx, InitKind::zeros, APFloat(0.0), APFloat(0.0));
    auto state = ParameterOp::create(b, param.getLoc(), param.getType(),
                                     (param.getName() + suffix).str(),
                                     /*frozen=*/true, zeros);
    // The state of a block is the same block of the whole tensor's state.
    if (auto shard =
            param->getAttrOfType<DictionaryAttr>(PxDialect::kShardAttrName)) {
      NamedAttrList entries(shard);
      entries.set("of", b.getStringAttr(
                            shard.getAs<StringAttr>("of").getValue() + suffix));
      state->setAttr(PxDialect::kShardAttrName,
                     entries.getDictionary(b.getContext()));
    }
    return state;
  }

  /// Updates `param` from `grad`; when `apply` (an i1 scalar) is set, only
  /// where it is true: a skipped step assigns the old values back.
  void update(ParameterOp param, Value grad, StringRef optimizer, Value apply) {
    Location loc = param.getLoc();
    auto assign = [&](Value target, Value value) {
      if (apply)
        value = WhereOp::create(b, loc, apply, value, target);
      AssignOp::create(b, loc, target, value);
    };
    Value p = param.getResult();
    if (optimizer == "adamw") {
      Value m = state(param, ".exp_avg");
      Value v = state(param, ".exp_avg_sq");
      auto adam = AdamWOp::create(b, loc, p, grad, m, v, hyper);
      assign(p, adam.getNewParam());
      assign(m, adam.getNewExpAvg());
      assign(v, adam.getNewExpAvgSq());
      return;
    }
    Value buffer = state(param, ".momentum_buffer");
    auto sgd = SgdOp::create(b, loc, p, grad, buffer, hyper);
    assign(p, sgd.getNewParam());
    assign(buffer, sgd.getNewMomentum());
  }

  OpBuilder b;
  Value hyper;
};
} // namespace

/// The (parameter, gradient) pairs the function returns after its loss.
static FailureOr<SmallVector<std::pair<ParameterOp, Value>>>
collectGradients(func::FuncOp func) {
  llvm::StringMap<ParameterOp> params;
  func.walk([&](ParameterOp op) { params.try_emplace(op.getName(), op); });
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<std::pair<ParameterOp, Value>> grads;
  for (unsigned i = 1, e = func.getNumResults(); i < e; ++i) {
    auto name =
        func.getResultAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
    if (!name || !name.getValue().starts_with(kGradPrefix))
      return func.emitOpError("result #")
             << i << " is not a gradient (px.name = \"grad:<parameter>\")";
    ParameterOp param =
        params.lookup(name.getValue().drop_front(kGradPrefix.size()));
    if (!param)
      return func.emitOpError("result #")
             << i << " is the gradient of an unknown parameter '"
             << name.getValue().drop_front(kGradPrefix.size()) << "'";
    if (!param.getType().getElementType().isF32())
      return param.emitOpError("is trained with an f32 optimizer but is ")
             << param.getType();
    grads.push_back({param, ret.getOperand(i)});
  }
  if (grads.empty())
    return func.emitOpError("returns no gradients; run px-autodiff first");
  return grads;
}

static LogicalResult applyOptimizer(func::FuncOp func, StringRef optimizer,
                                    bool lossScale) {
  if (optimizer != "adamw" && optimizer != "sgd")
    return func.emitOpError("unknown optimizer '")
           << optimizer << "' (adamw or sgd)";
  auto loss = func.getNumResults() > 0
                  ? dyn_cast<RankedTensorType>(func.getResultTypes()[0])
                  : RankedTensorType();
  if (!loss || loss.getRank() != 0 || !loss.getElementType().isF32())
    return func.emitOpError("must return a scalar f32 loss first");
  auto grads = collectGradients(func);
  if (failed(grads))
    return failure();

  // Unscaling must match the backward's seed: both or neither read the
  // hyper vector's loss scale.
  Value existing = findHyper(func);
  bool scaled = existing && readsHyperEntry(existing, pxrt::train::kLossScale);
  FailureOr<Value> hyper = getOrAddHyper(func);
  if (failed(hyper))
    return failure();
  if (lossScale && !scaled)
    return func.emitOpError("loss-scale: the gradients are not loss-scaled; "
                            "run px-autodiff with loss-scale=true");
  if (!lossScale && scaled)
    return func.emitOpError("the gradients are loss-scaled (px-autodiff "
                            "loss-scale=true); unscale them with "
                            "loss-scale=true");

  MLIRContext *ctx = func.getContext();
  Builder b(ctx);

  UpdateBuilder updates(func, *hyper);
  Location loc = func.getLoc();
  Operation *terminator = func.getBody().front().getTerminator();
  Operation *last;
  if (lossScale) {
    // GradScaler.unscale_: g * (1/S) before the norm, so that the norm (and
    // clipping) see the true gradients and overflow only where they do.
    last = terminator->getPrevNode();
    Value inverse = updates.hyperEntry(loc, pxrt::train::kInvLossScale);
    markUpdate(last, terminator, std::nullopt);
    for (auto &[param, grad] : *grads) {
      last = terminator->getPrevNode();
      grad = MulOp::create(updates.b, grad.getLoc(), grad, inverse);
      markUpdate(last, terminator, getStage(param));
    }
  }
  Value norm = updates.globalNorm(loc, *grads);
  last = terminator->getPrevNode();
  Value coefficient = updates.clipCoefficient(loc, norm);
  // The norm is not finite exactly when some gradient is not (or the sum of
  // squares overflows f32): the step is skipped.
  Value apply = lossScale ? updates.isFinite(loc, norm) : Value();
  markUpdate(last, terminator, std::nullopt);
  for (auto &[param, grad] : *grads) {
    last = terminator->getPrevNode();
    updates.update(param,
                   MulOp::create(updates.b, grad.getLoc(), grad, coefficient),
                   optimizer, apply);
    markUpdate(last, terminator, getStage(param));
  }

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  Value lossValue = ret.getOperand(0);
  ret.getOperandsMutable().assign({lossValue, norm});
  DictionaryAttr lossAttrs = func.getResultAttrDict(0);
  func.setType(FunctionType::get(ctx, func.getArgumentTypes(),
                                 {lossValue.getType(), norm.getType()}));
  func.setAllResultAttrs(ArrayRef<DictionaryAttr>{
      lossAttrs ? lossAttrs : b.getDictionaryAttr({}),
      b.getDictionaryAttr(b.getNamedAttr(PxDialect::kNameAttrName,
                                         b.getStringAttr("grad_norm")))});
  return success();
}

namespace {
struct ApplyOptimizerPass : pxc::impl::ApplyOptimizerBase<ApplyOptimizerPass> {
  using ApplyOptimizerBase::ApplyOptimizerBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!func) {
      getOperation().emitError("px-apply-optimizer: no function @main");
      return signalPassFailure();
    }
    if (failed(applyOptimizer(func, optimizer, lossScale)))
      signalPassFailure();
  }
};
} // namespace
