//===- LossBuilder.h - Cross-entropy as reductions over classes -*- C++ -*-===//
//
// px-vocab-parallel writes a cross-entropy as reductions over the classes,
// in place (one stage) or spread over the pipeline stages; both build the
// loss with this.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PASSES_LOSSBUILDER_H
#define PXC_PASSES_LOSSBUILDER_H

#include "pxc/Dialect/Px/Autodiff.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/APFloat.h"

namespace pxc::px {

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

} // namespace pxc::px

#endif // PXC_PASSES_LOSSBUILDER_H
