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
// ops. In a pipeline, the vocabulary layers are spread over every stage
// instead (SpreadVocabulary.cpp). See docs/vocab-parallel.md.
//
//===----------------------------------------------------------------------===//

#include "LossBuilder.h"
#include "SpreadVocabulary.h"

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace pxc {
#define GEN_PASS_DEF_VOCABPARALLEL
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

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
    // The rewritten loss no longer shows the vocabulary; programs need it.
    if (!losses.empty())
      getOperation()->setAttr(
          PxDialect::kVocabAttrName,
          IntegerAttr::get(
              IntegerType::get(&getContext(), 64),
              losses.front().getLogits().getType().getShape().back()));
    std::optional<PipelineConfig> pipeline = getPipelineConfig(getOperation());
    if (!pipeline || pipeline->stages == 1) {
      for (CrossEntropyOp op : losses)
        decompose(op, mode, count);
      return;
    }
    for (CrossEntropyOp op : losses)
      if (failed(spreadVocabulary(op, mode, *pipeline)))
        return signalPassFailure();
    pipeline->vocab = mode;
    setPipelineConfig(getOperation(), *pipeline);
  }
};
} // namespace
