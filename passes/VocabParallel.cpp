//===- VocabParallel.cpp - px-vocab-parallel ------------------------------===//
//
// A softmax cross-entropy needs every class of a row at once, so a
// vocabulary split over ranks would have to gather the whole [tokens, V]
// logits. Written as reductions over the classes (max, sum of exponentials,
// the target's logit), the loss needs only [tokens]-sized partial results
// from each vocabulary shard: the SBP search then splits the output layer
// over the vocabulary and boxing inserts those reductions' all-reduces
// (Megatron-LM's vocabulary-parallel cross-entropy; Yeung et al. 2024 for
// the single-barrier form). Autodiff derives the backward from the same
// ops. In a pipeline, the output layer is spread over every stage instead
// (Yeung et al. 2024): each stage holds a block of the vocabulary and
// computes its logits and statistics in the vocab-forward phase, and the
// last stage combines them in the vocab-backward phase. See
// docs/vocab-parallel.md.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Autodiff.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/OutputLayer.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/APFloat.h"

namespace pxc {
#define GEN_PASS_DEF_VOCABPARALLEL
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

namespace {
/// The loss of every row, log(sum_v exp(l_v)) - l_label, from reductions
/// over the classes.
class LossBuilder {
public:
  LossBuilder(OpBuilder &b, CrossEntropyOp op)
      : vb(b, op), logits(op.getLogits()), labels(op.getLabels()) {
    auto type = op.getLogits().getType();
    lead = llvm::to_vector(op.getLabels().getType().getShape());
    classes = type.getShape().back();
    elt = type.getElementType();
    labelElt = op.getLabels().getType().getElementType();
  }

  /// vocab-1: the global max first (one all-reduce), then the sum of
  /// exponentials and the target logit (a second one).
  Value twoBarriers() {
    int64_t last = static_cast<int64_t>(lead.size());
    Value max = vb.reduce(ReduceKind::max, logits, {last}, true);
    Value shifted = vb.sub(logits, max);
    Value sum =
        vb.reduce(ReduceKind::sum, vb.unary("exp", shifted), {last}, false);
    Value target = vb.reduce(ReduceKind::sum,
                             vb.mul(shifted, onehot({classes})), {last}, false);
    return vb.sub(vb.unary("log", sum), target);
  }

  /// vocab-2: each of `shards` blocks of classes keeps its own max, sum of
  /// exponentials and target logit; they combine in one round (no
  /// statistic waits for another's reduction). The classes are padded to
  /// a multiple of `shards` with the most negative finite value, which
  /// adds nothing to any sum.
  Value oneBarrier(int64_t shards) {
    int64_t per = (classes + shards - 1) / shards;
    Value padded = logits;
    if (per * shards != classes) {
      SmallVector<int64_t> padShape(lead);
      padShape.push_back(per * shards - classes);
      double lowest =
          llvm::APFloat::getLargest(cast<FloatType>(elt).getFloatSemantics(),
                                    /*Negative=*/true)
              .convertToDouble();
      Value pad = vb.splat(RankedTensorType::get(padShape, elt), lowest);
      SmallVector<int64_t> full(lead);
      full.push_back(per * shards);
      padded = ConcatOp::create(vb.b, vb.loc, RankedTensorType::get(full, elt),
                                ValueRange{logits, pad},
                                static_cast<int64_t>(lead.size()));
    }
    int64_t k = static_cast<int64_t>(lead.size());
    SmallVector<int64_t> blocked(lead);
    blocked.append({shards, per});
    Value blocks = vb.reshape(padded, blocked);
    Value max = vb.reduce(ReduceKind::max, blocks, {k + 1}, true);
    Value sums = vb.reduce(
        ReduceKind::sum, vb.unary("exp", vb.sub(blocks, max)), {k + 1}, false);
    Value targets = vb.reduce(
        ReduceKind::sum, vb.mul(blocks, onehot({shards, per})), {k + 1}, false);
    SmallVector<int64_t> stats(lead);
    stats.push_back(shards);
    return combineBlocks(vb.reshape(max, stats), sums, targets);
  }

  /// The per-row loss from each block's max, sum of exponentials (shifted
  /// by its max) and label logit, all [lead..., blocks].
  Value combineBlocks(Value maxes, Value sums, Value targets) {
    int64_t k = static_cast<int64_t>(lead.size());
    Value global = vb.reduce(ReduceKind::max, maxes, {k}, true);
    Value sum = vb.reduce(ReduceKind::sum,
                          vb.mul(sums, vb.unary("exp", vb.sub(maxes, global))),
                          {k}, false);
    Value lse = vb.add(vb.unary("log", sum), vb.reshape(global, lead));
    return vb.sub(lse, vb.reduce(ReduceKind::sum, targets, {k}, false));
  }

  /// The op's reduction of the per-row losses, with ignored labels left
  /// out (and not counted by the mean).
  Value reduce(CrossEntropyOp op, Value perRow) {
    Value valid;
    if (std::optional<int64_t> ignore = op.getIgnoreIndex()) {
      Value ignored = vb.scalarLike(labels, static_cast<double>(*ignore));
      valid = vb.castTo(vb.compare(CompareKind::ne, labels, ignored), elt);
      perRow = vb.mul(perRow, valid);
    }
    if (op.getReduction() == LossReduction::none)
      return perRow;
    auto all = llvm::to_vector(
        llvm::seq<int64_t>(0, static_cast<int64_t>(lead.size())));
    Value total = vb.reduce(ReduceKind::sum, perRow, all, false);
    if (op.getReduction() == LossReduction::sum)
      return total;
    Value count =
        valid ? vb.reduce(ReduceKind::sum, valid, all, false)
              : vb.scalarLike(total, static_cast<double>(
                                         ShapedType::getNumElements(lead)));
    return vb.div(total, count);
  }

private:
  /// 1 where the class id (0, 1, ... laid out as `classShape`, the trailing
  /// dims) is the row's label.
  Value onehot(ArrayRef<int64_t> classShape) {
    int64_t n = ShapedType::getNumElements(classShape);
    SmallVector<int64_t> column(lead);
    column.append(classShape.size(), 1);
    Value ids = vb.iota(n, labelElt, classShape);
    return vb.castTo(
        vb.compare(CompareKind::eq, vb.reshape(labels, column), ids), elt);
  }

  VjpBuilder vb;
  Value logits, labels;
  SmallVector<int64_t> lead;
  int64_t classes;
  Type elt, labelElt;
};
} // namespace

/// Replaces `op` by its decomposition; the new ops keep the op's
/// placement attributes (px.stage, px.phase).
static void decompose(CrossEntropyOp op, StringRef mode, int64_t shards) {
  OpBuilder b(op);
  Operation *before = op->getPrevNode();
  LossBuilder loss(b, op);
  Value perRow =
      mode == "vocab-2" ? loss.oneBarrier(shards) : loss.twoBarriers();
  Value result = loss.reduce(op, perRow);
  Block *block = op->getBlock();
  for (Operation *built = before ? before->getNextNode() : &block->front();
       built != op.getOperation(); built = built->getNextNode())
    for (NamedAttribute attr : op->getDiscardableAttrs())
      built->setAttr(attr.getName(), attr.getValue());
  op.getResult().replaceAllUsesWith(result);
  op.erase();
}

//===----------------------------------------------------------------------===//
// The output layer spread over the pipeline stages
//===----------------------------------------------------------------------===//

namespace {
/// Block `s` of `stages` nearly equal blocks of `classes`: [offset, +size).
std::pair<int64_t, int64_t> blockOf(int64_t classes, int64_t stages,
                                    int64_t s) {
  int64_t base = classes / stages, extra = classes % stages;
  return {s * base + std::min(s, extra), base + (s < extra ? 1 : 0)};
}
} // namespace

std::optional<OutputLayer> px::matchOutputLayer(CrossEntropyOp loss) {
  OutputLayer layer;
  Value logits = loss.getLogits();
  layer.classes = loss.getLogits().getType().getShape().back();
  while (auto reshape = logits.getDefiningOp<ReshapeOp>()) {
    if (!logits.hasOneUse() ||
        reshape.getInput().getType().getShape().back() != layer.classes)
      break;
    layer.reshapes.insert(layer.reshapes.begin(), reshape);
    logits = reshape.getInput();
  }
  layer.linear = logits.getDefiningOp<LinearOp>();
  if (!layer.linear || !logits.hasOneUse())
    return std::nullopt;
  return layer;
}

/// The initializer of rows [offset, offset + size) of `dim` of a parameter,
/// or failure when that block of the file is not contiguous.
static FailureOr<std::optional<Attribute>>
blockInit(ParameterOp param, int64_t dim, int64_t offset, int64_t size) {
  std::optional<Attribute> init = param.getInit();
  if (!init || isa<InitializerAttr>(*init))
    return init; // Counter-based draws follow px.shard's offsets.
  auto type = param.getType();
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  auto blockType = RankedTensorType::get(shape, type.getElementType());
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  int64_t outer = type.getNumElements() / (inner * type.getDimSize(dim));
  if (auto external = dyn_cast<ExternalDataAttr>(*init)) {
    if (outer != 1)
      return param.emitOpError("cannot be split over the pipeline stages: "
                               "its blocks are not contiguous in ")
             << external.getPath();
    uint64_t width = type.getElementTypeBitWidth() / 8;
    return std::optional<Attribute>(ExternalDataAttr::get(
        param.getContext(), external.getPath(),
        external.getOffset() + offset * inner * width, size * inner * width));
  }
  auto dense = cast<DenseElementsAttr>(*init);
  if (dense.isSplat())
    return std::optional<Attribute>(dense.resizeSplat(blockType));
  SmallVector<Attribute> values;
  auto all = dense.getValues<Attribute>();
  int64_t rows = type.getDimSize(dim);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t r = offset; r < offset + size; ++r)
      for (int64_t i = 0; i < inner; ++i)
        values.push_back(all[(o * rows + r) * inner + i]);
  return std::optional<Attribute>(DenseElementsAttr::get(blockType, values));
}

/// Rows [offset, offset + size) of `dim` of `value` on `stage`: a parameter
/// of its own (px.shard) when the value is a parameter read only here, else
/// a slice on the value's stage.
static FailureOr<Value> blockOfValue(OpBuilder &b, Value value, int64_t dim,
                                     int64_t offset, int64_t size,
                                     int64_t stage, int64_t index) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  auto blockType = RankedTensorType::get(shape, type.getElementType());
  Location loc = value.getLoc();
  auto param = value.getDefiningOp<ParameterOp>();
  if (!param || !value.hasOneUse()) {
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    offsets[dim] = offset;
    Operation *slice =
        SliceOp::create(b, loc, blockType, value, offsets, shape, strides);
    // Sent with the owner's forward work, which every stage's vocabulary
    // passes follow (sent in its vocab-forward work, it would tie stage s's
    // S(k) to the owner's, which may come after the owner's T(k - 1)); its
    // gradient comes back for the owner's backward.
    setStage(slice, getValueStage(value).value_or(stage));
    setPhase(slice, Phase::Forward);
    return slice->getResult(0);
  }
  FailureOr<std::optional<Attribute>> init =
      blockInit(param, dim, offset, size);
  if (failed(init))
    return failure();
  auto block = ParameterOp::create(
      b, loc, blockType, (param.getName() + ".vocab" + Twine(index)).str(),
      param.getFrozen(), init->value_or(Attribute()));
  SmallVector<int64_t> offsets(type.getRank(), 0);
  offsets[dim] = offset;
  block->setAttr(
      PxDialect::kShardAttrName,
      b.getDictionaryAttr(
          {b.getNamedAttr("of", param.getNameAttr()),
           b.getNamedAttr("offsets", b.getDenseI64ArrayAttr(offsets)),
           b.getNamedAttr("shape", b.getDenseI64ArrayAttr(type.getShape()))}));
  setStage(block, stage);
  setPhase(block, Phase::VocabForward);
  return block.getResult();
}

namespace {
/// Builds the spread loss at the cross-entropy: the per-stage blocks of the
/// output layer and their statistics, and their combination on the last
/// stage.
class Spreader {
public:
  Spreader(CrossEntropyOp op, OutputLayer &layer, int64_t stages)
      : op(op), layer(layer), stages(stages), b(op), loss(b, op), vb(b, op) {
    lead = llvm::to_vector(op.getLabels().getType().getShape());
    elt = op.getLogits().getType().getElementType();
  }

  LogicalResult build(StringRef mode) {
    int64_t last = stages - 1;
    // One reading of the input per stage, on the last stage: autodiff then
    // sums the stages' input gradients there, in its backward.
    Value input = layer.linear.getInput();
    SmallVector<Value> inputs;
    for (int64_t s = 0; s < stages; ++s)
      inputs.push_back(placed(last, Phase::Forward, [&] {
        return ReshapeOp::create(b, vb.loc, input.getType(), input);
      }));
    for (int64_t s = 0; s < stages; ++s)
      if (failed(buildLogits(s, inputs[s])))
        return failure();
    Value perRow = mode == "vocab-2" ? oneRound() : twoRounds();
    Value result = placed(last, Phase::VocabBackward,
                          [&] { return loss.reduce(op, perRow); });
    op.getResult().replaceAllUsesWith(result);
    return success();
  }

private:
  /// Places the ops built during its lifetime on `stage`, in `phase`.
  class Placing {
  public:
    Placing(Operation *at, int64_t stage, Phase phase)
        : at(at), before(at->getPrevNode()), stage(stage), phase(phase) {}
    ~Placing() { markBuiltOps(before, at, phase, stage); }

  private:
    Operation *at, *before;
    int64_t stage;
    Phase phase;
  };

  /// Builds with `make` and places what it built on `stage`, in `phase`.
  template <typename F> Value placed(int64_t stage, Phase phase, F make) {
    Placing placing(op, stage, phase);
    return make();
  }

  LogicalResult buildLogits(int64_t s, Value input) {
    auto [offset, size] = blockOf(layer.classes, stages, s);
    offsets.push_back(offset);
    LinearOp linear = layer.linear;
    Value weight = linear.getWeight();
    int64_t wdim = linear.getTransposeW() ? 0 : 1;
    FailureOr<Value> w = blockOfValue(b, weight, wdim, offset, size, s, s);
    if (failed(w))
      return failure();
    Value bias;
    if (Value full = linear.getBias()) {
      FailureOr<Value> block = blockOfValue(b, full, 0, offset, size, s, s);
      if (failed(block))
        return failure();
      bias = *block;
    }
    logits.push_back(placed(s, Phase::VocabForward, [&] {
      Value x = LinearOp::create(b, linear.getLoc(), input, *w, bias,
                                 linear.getTransposeW());
      for (ReshapeOp reshape : layer.reshapes) {
        SmallVector<int64_t> shape(reshape.getType().getShape());
        shape.back() = size;
        x = vb.reshape(x, shape);
      }
      return x;
    }));
    return success();
  }

  /// 1 where class `offsets[s] + i` is the row's label.
  Value onehot(int64_t s) {
    int64_t size = cast<ShapedType>(logits[s].getType()).getShape().back();
    Value labels = op.getLabels();
    Type labelElt = op.getLabels().getType().getElementType();
    SmallVector<int64_t> column(lead);
    column.push_back(1);
    Value ids = vb.add(vb.iota(size, labelElt, {size}),
                       vb.scalarLike(labels, static_cast<double>(offsets[s])));
    return vb.castTo(
        vb.compare(CompareKind::eq, vb.reshape(labels, column), ids), elt);
  }

  /// [lead..., stages] from one [lead...] (or [lead..., 1]) value per stage.
  Value gather(ArrayRef<Value> perStage) {
    SmallVector<int64_t> column(lead);
    column.push_back(1);
    SmallVector<Value> columns;
    for (Value v : perStage)
      columns.push_back(vb.reshape(v, column));
    SmallVector<int64_t> all(lead);
    all.push_back(stages);
    return ConcatOp::create(b, vb.loc, RankedTensorType::get(all, elt), columns,
                            static_cast<int64_t>(lead.size()));
  }

  /// vocab-2: each stage's max, sum of exponentials and label logit,
  /// combined in one round on the last stage.
  Value oneRound() {
    int64_t k = static_cast<int64_t>(lead.size()), last = stages - 1;
    SmallVector<Value> maxes, sums, targets;
    for (int64_t s = 0; s < stages; ++s) {
      Placing placing(op, s, Phase::VocabForward);
      maxes.push_back(vb.reduce(ReduceKind::max, logits[s], {k}, true));
      sums.push_back(vb.reduce(ReduceKind::sum,
                               vb.unary("exp", vb.sub(logits[s], maxes[s])),
                               {k}, false));
      targets.push_back(
          vb.reduce(ReduceKind::sum, vb.mul(logits[s], onehot(s)), {k}, false));
    }
    return placed(last, Phase::VocabBackward, [&] {
      Value m = gather(maxes), e = gather(sums), t = gather(targets);
      return loss.combineBlocks(m, e, t);
    });
  }

  /// vocab-1: the global max first (every stage's max to the last stage and
  /// back), then every stage's sum of exponentials and shifted label logit.
  Value twoRounds() {
    int64_t k = static_cast<int64_t>(lead.size()), last = stages - 1;
    SmallVector<Value> maxes, sums, targets;
    for (int64_t s = 0; s < stages; ++s)
      maxes.push_back(placed(s, Phase::VocabForward, [&] {
        return vb.reduce(ReduceKind::max, logits[s], {k}, true);
      }));
    Value global = placed(last, Phase::VocabBackward, [&] {
      SmallVector<int64_t> column(lead);
      column.push_back(1);
      return vb.reshape(vb.reduce(ReduceKind::max, gather(maxes), {k}, false),
                        column);
    });
    for (int64_t s = 0; s < stages; ++s) {
      Placing placing(op, s, Phase::VocabBackward);
      Value shifted = vb.sub(logits[s], global);
      sums.push_back(
          vb.reduce(ReduceKind::sum, vb.unary("exp", shifted), {k}, false));
      targets.push_back(
          vb.reduce(ReduceKind::sum, vb.mul(shifted, onehot(s)), {k}, false));
    }
    return placed(last, Phase::VocabBackward, [&] {
      Value sum = vb.reduce(ReduceKind::sum, gather(sums), {k}, false);
      return vb.sub(vb.unary("log", sum),
                    vb.reduce(ReduceKind::sum, gather(targets), {k}, false));
    });
  }

  CrossEntropyOp op;
  OutputLayer &layer;
  int64_t stages;
  OpBuilder b;
  LossBuilder loss;
  VjpBuilder vb;
  SmallVector<int64_t> lead, offsets;
  SmallVector<Value> logits;
  Type elt;
};
} // namespace

/// Spreads the output layer feeding `op` over every stage of a pipeline.
static LogicalResult spread(CrossEntropyOp op, StringRef mode,
                            const PipelineConfig &config) {
  if (config.virtualStages != 1 || config.schedule != "1f1b")
    return op.emitOpError("cannot spread the output layer over the "
                          "pipeline stages under the '")
           << config.schedule
           << "' schedule: vocabulary passes need --schedule=1f1b";
  std::optional<OutputLayer> layer = matchOutputLayer(op);
  if (!layer)
    return op.emitOpError("cannot spread the output layer over the pipeline "
                          "stages: its logits do not come from a px.linear "
                          "alone");
  if (layer->classes < config.stages)
    return op.emitOpError("has ")
           << layer->classes << " classes, fewer than the " << config.stages
           << " pipeline stages it would be spread over";
  Spreader spreader(op, *layer, config.stages);
  if (failed(spreader.build(mode)))
    return failure();
  Operation *weight = layer->linear.getWeight().getDefiningOp();
  Operation *bias = layer->linear.getBias()
                        ? layer->linear.getBias().getDefiningOp()
                        : nullptr;
  op.erase();
  for (ReshapeOp reshape : llvm::reverse(layer->reshapes))
    reshape.erase();
  layer->linear.erase();
  for (Operation *dead : {weight, bias})
    if (dead && dead->use_empty())
      dead->erase();
  return success();
}

/// vocab-2's blocks: `shards` when given, else the size of the mesh axis
/// named "model" (1 without one).
static int64_t shardCount(ModuleOp module, int64_t shards) {
  if (shards > 0)
    return shards;
  int64_t found = 1;
  for (MeshOp mesh : module.getOps<MeshOp>())
    for (unsigned a = 0, e = mesh.getShape().size(); a < e; ++a)
      if (mesh.getAxisName(a) == "model")
        found = mesh.getShape()[a];
  return found;
}

namespace {
struct VocabParallelPass : pxc::impl::VocabParallelBase<VocabParallelPass> {
  using Base::Base;
  void runOnOperation() override {
    if (mode == "off")
      return;
    if (mode != "vocab-1" && mode != "vocab-2") {
      getOperation().emitError("px-vocab-parallel: unknown mode '")
          << mode << "' (off, vocab-1 or vocab-2)";
      return signalPassFailure();
    }
    int64_t count = shardCount(getOperation(), shards);
    SmallVector<CrossEntropyOp> losses;
    getOperation().walk([&](CrossEntropyOp op) { losses.push_back(op); });
    std::optional<PipelineConfig> pipeline = getPipelineConfig(getOperation());
    if (!pipeline || pipeline->stages == 1) {
      for (CrossEntropyOp op : losses)
        decompose(op, mode, count);
      return;
    }
    for (CrossEntropyOp op : losses)
      if (failed(spread(op, mode, *pipeline)))
        return signalPassFailure();
    pipeline->vocab = mode;
    setPipelineConfig(getOperation(), *pipeline);
  }
};
} // namespace
