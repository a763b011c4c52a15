//===- SpreadVocabulary.cpp - Vocabulary layers over pipeline stages ------===//
//
// With a large vocabulary, the first and last pipeline stages carry the
// input embedding and the output layer with its loss. Here (Yeung et al.
// 2024) every stage holds one block of the vocabulary instead:
// - the output layer: each stage computes its block's logits and their
//   statistics (max, sum of exponentials, label logit) in the
//   vocab-forward phase, and the last stage combines them into the loss in
//   the vocab-backward phase, where autodiff puts the gradients too;
// - the input embedding: each stage looks up the ids in its block (zero
//   rows for the others) in the embed-forward phase, from the ids alone so
//   that it runs ahead, and the first stage sums the lookups; autodiff puts
//   each block's weight gradient in the embed-backward phase.
// A weight the two share is split once. Blocks are parameters of their own
// whose px.shard names the whole, so that initializers and checkpoints see
// the whole tensor.
//
//===----------------------------------------------------------------------===//

#include "SpreadVocabulary.h"

#include "LossBuilder.h"

#include "pxc/Dialect/Px/Autodiff.h"
#include "pxc/Passes/OutputLayer.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace pxc;
using namespace pxc::px;

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

/// Rows [offset, offset + size) of `dim` of `param`: a parameter of its
/// own, block `index` of the whole (px.shard), run on `stage` in `phase`.
static FailureOr<Value> blockParameter(OpBuilder &b, ParameterOp param,
                                       int64_t dim, int64_t offset,
                                       int64_t size, int64_t stage,
                                       int64_t index, Phase phase) {
  auto type = param.getType();
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  auto blockType = RankedTensorType::get(shape, type.getElementType());
  FailureOr<std::optional<Attribute>> init =
      blockInit(param, dim, offset, size);
  if (failed(init))
    return failure();
  auto block =
      ParameterOp::create(b, param.getLoc(), blockType,
                          (param.getName() + ".vocab" + Twine(index)).str(),
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
  setPhase(block, phase);
  return block.getResult();
}

/// Rows [offset, offset + size) of `dim` of `value` on `stage`: a parameter
/// of its own when the value is a parameter read only here, else a slice
/// on the value's stage.
static FailureOr<Value> blockOfValue(OpBuilder &b, Value value, int64_t dim,
                                     int64_t offset, int64_t size,
                                     int64_t stage, int64_t index) {
  auto param = value.getDefiningOp<ParameterOp>();
  if (param && value.hasOneUse())
    return blockParameter(b, param, dim, offset, size, stage, index,
                          Phase::VocabForward);
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
  offsets[dim] = offset;
  Operation *slice = SliceOp::create(
      b, value.getLoc(), RankedTensorType::get(shape, type.getElementType()),
      value, offsets, shape, strides);
  // Sent with the owner's forward work, which every stage's vocabulary
  // passes follow (sent in its vocab-forward work, it would tie stage s's
  // S(k) to the owner's, which may come after the owner's T(k - 1)); its
  // gradient comes back for the owner's backward.
  setStage(slice, getValueStage(value).value_or(stage));
  setPhase(slice, Phase::Forward);
  return slice->getResult(0);
}

namespace {
/// Places the ops built during its lifetime before `at` on `stage`, in
/// `phase`.
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
} // namespace

namespace {
/// Builds the spread loss at the cross-entropy: the per-stage blocks of the
/// output layer and their statistics, and their combination on the last
/// stage.
class Spreader {
public:
  /// `stages` blocks (one per pipeline device, on its first model stage),
  /// combined on `lastStage`, the last model stage. `weightBlocks`: the
  /// weight's blocks when they exist already (a weight the input embedding
  /// shares), else empty.
  Spreader(CrossEntropyOp op, OutputLayer &layer, int64_t stages,
           int64_t lastStage, ArrayRef<Value> weightBlocks)
      : op(op), layer(layer), stages(stages), lastStage(lastStage),
        weightBlocks(weightBlocks), b(op), loss(b, op), vb(b, op) {
    lead = llvm::to_vector(op.getLabels().getType().getShape());
    elt = op.getLogits().getType().getElementType();
  }

  LogicalResult build(StringRef mode) {
    int64_t last = lastStage;
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
    FailureOr<Value> w = weightBlocks.empty()
                             ? blockOfValue(b, weight, wdim, offset, size, s, s)
                             : FailureOr<Value>(weightBlocks[s]);
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
    int64_t k = static_cast<int64_t>(lead.size()), last = lastStage;
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
    int64_t k = static_cast<int64_t>(lead.size()), last = lastStage;
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
  int64_t stages, lastStage;
  ArrayRef<Value> weightBlocks;
  OpBuilder b;
  LossBuilder loss;
  VjpBuilder vb;
  SmallVector<int64_t> lead, offsets;
  SmallVector<Value> logits;
  Type elt;
};
} // namespace

//===----------------------------------------------------------------------===//
// The input embedding
//===----------------------------------------------------------------------===//

namespace {
/// Lookups of a [classes, ...] table whose rows can be spread too: each
/// stage can read the ids itself (they are an argument), and the table is
/// a parameter read by these lookups and, when tied, the output layer.
struct InputEmbedding {
  ParameterOp table;
  SmallVector<GatherOp> lookups;
  bool tied = false;
};
} // namespace

static std::optional<InputEmbedding>
matchInputEmbedding(func::FuncOp func, const OutputLayer &layer) {
  for (GatherOp gather : func.getOps<GatherOp>()) {
    auto table = gather.getData().getDefiningOp<ParameterOp>();
    if (!table || gather.getAxis() != 0 ||
        table.getType().getDimSize(0) != layer.classes)
      continue;
    InputEmbedding found{table, {}, false};
    LinearOp linear = layer.linear;
    Value weight = linear.getWeight();
    for (OpOperand &use : table->getUses()) {
      auto lookup = dyn_cast<GatherOp>(use.getOwner());
      if (lookup && lookup.getAxis() == 0 &&
          isa<BlockArgument>(lookup.getIndices())) {
        found.lookups.push_back(lookup);
      } else if (use.getOwner() == linear && weight == table &&
                 use.getOperandNumber() == 1 && linear.getTransposeW()) {
        found.tied = true;
      } else {
        return std::nullopt;
      }
    }
    return found;
  }
  return std::nullopt;
}

/// Replaces `lookup` by the sum, on its own stage, of every stage's lookups
/// of the ids in its block (zero rows for the others), made in the
/// embed-forward phase from the ids alone.
static void spreadLookup(GatherOp lookup, ArrayRef<Value> blocks,
                         int64_t classes) {
  OpBuilder b(lookup);
  VjpBuilder vb(b, lookup);
  Value ids = lookup.getIndices();
  auto idsType = cast<RankedTensorType>(ids.getType());
  auto type = lookup.getType();
  int64_t stages = static_cast<int64_t>(blocks.size());
  SmallVector<int64_t> column(idsType.getShape());
  column.push_back(1);
  SmallVector<Value> partials;
  for (int64_t s = 0; s < stages; ++s) {
    Placing placing(lookup, s, Phase::EmbedForward);
    auto [offset, size] = blockOf(classes, stages, s);
    Value zero = vb.scalarLike(ids, 0);
    // Negative ids count from the end, as in px.gather.
    Value wrapped = vb.select(
        vb.compare(CompareKind::lt, ids, zero),
        vb.add(ids, vb.scalarLike(ids, static_cast<double>(classes))), ids);
    Value local =
        vb.sub(wrapped, vb.scalarLike(ids, static_cast<double>(offset)));
    Value inBlock = AndOp::create(
        b, vb.loc, vb.compare(CompareKind::ge, local, zero),
        vb.compare(CompareKind::lt, local,
                   vb.scalarLike(ids, static_cast<double>(size))));
    // A block has the table's trailing dims: the lookup's type.
    Value rows = GatherOp::create(
        b, lookup.getLoc(), type, blocks[s],
        vb.select(inBlock, local, vb.zerosLike(local)), lookup.getAxisAttr());
    partials.push_back(vb.mul(
        rows, vb.castTo(vb.reshape(inBlock, column), type.getElementType())));
  }
  Placing placing(lookup, getStage(lookup).value_or(0),
                  getPhase(lookup).value_or(Phase::Forward));
  Value sum = partials.front();
  for (Value partial : ArrayRef(partials).drop_front())
    sum = vb.add(sum, partial);
  lookup.getResult().replaceAllUsesWith(sum);
}

/// Splits `embedding`'s table into one block of rows per stage and spreads
/// its lookups; returns the blocks.
static FailureOr<SmallVector<Value>>
spreadEmbedding(const InputEmbedding &embedding, int64_t classes,
                int64_t stages) {
  ParameterOp table = embedding.table;
  OpBuilder b(table);
  SmallVector<Value> blocks;
  for (int64_t s = 0; s < stages; ++s) {
    auto [offset, size] = blockOf(classes, stages, s);
    FailureOr<Value> block =
        blockParameter(b, table, 0, offset, size, s, s, Phase::EmbedForward);
    if (failed(block))
      return failure();
    blocks.push_back(*block);
  }
  for (GatherOp lookup : embedding.lookups) {
    spreadLookup(lookup, blocks, classes);
    lookup.erase();
  }
  return blocks;
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

LogicalResult px::spreadVocabulary(CrossEntropyOp op, StringRef mode,
                                   const PipelineConfig &config) {
  if (config.schedule != "1f1b" && config.schedule != "interleaved")
    return op.emitOpError("cannot spread the output layer over the "
                          "pipeline stages under the '")
           << config.schedule
           << "' schedule: vocabulary passes need --schedule=1f1b or "
              "interleaved";
  std::optional<OutputLayer> layer = matchOutputLayer(op);
  if (!layer)
    return op.emitOpError("cannot spread the output layer over the pipeline "
                          "stages: its logits do not come from a px.linear "
                          "alone");
  if (layer->classes < config.stages)
    return op.emitOpError("has ")
           << layer->classes << " classes, fewer than the " << config.stages
           << " pipeline stages it would be spread over";
  // The input embedding of the same vocabulary first: a weight it shares
  // with the output layer is then split once, for both.
  SmallVector<Value> shared;
  std::optional<InputEmbedding> embedding =
      matchInputEmbedding(op->getParentOfType<func::FuncOp>(), *layer);
  if (embedding) {
    FailureOr<SmallVector<Value>> blocks =
        spreadEmbedding(*embedding, layer->classes, config.stages);
    if (failed(blocks))
      return failure();
    if (embedding->tied)
      shared = std::move(*blocks);
  }
  Spreader spreader(op, *layer, config.stages,
                    config.stages * config.virtualStages - 1, shared);
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
  if (embedding && !embedding->tied)
    embedding->table.erase();
  return success();
}
