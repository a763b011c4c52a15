//===- Pipelines.cpp - pxc pass pipelines ---------------------------------===//

#include "pxc/Passes/Pipelines.h"

#include "pxc/Passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace pxc;

void pxc::buildParallelizePipeline(OpPassManager &pm,
                                   const ParallelizeOptions &options) {
  // Fold what the importer left foldable (reshape chains, identity
  // transposes, constant arithmetic) so that later analyses see fewer ops.
  pm.addPass(createCanonicalizerPass());
  // Merge duplicated parameter reads and constants.
  pm.addPass(createCSEPass());
  bool pipelined = options.stages > 1 || options.microBatches > 1;
  if (options.train) {
    // The loss the gradients start from (logits + labels -> cross-entropy).
    pm.addPass(createAppendLoss());
  }
  if (pipelined) {
    // Stages are cut on the forward program (loss included); the backward
    // and update ops inherit them below.
    PipelinePartitionOptions partition;
    partition.stages = options.stages;
    partition.microBatches = options.microBatches;
    partition.schedule = options.schedule;
    partition.virtualStages = options.virtualStages;
    partition.cluster = options.cluster;
    partition.memoryLimitGiB = options.memoryLimitGiB;
    partition.train = options.train;
    partition.seed = options.seed;
    if (options.train)
      partition.vocab = options.vocabParallel;
    pm.addPass(createPipelinePartition(partition));
  }
  if (options.train && options.vocabParallel != "off") {
    // The loss as reductions over the classes, so that the SBP search may
    // split the vocabulary, or the output layer spread over the stages the
    // partitioner cut; before autodiff, which differentiates them.
    VocabParallelOptions vocab;
    vocab.mode = options.vocabParallel;
    pm.addPass(createVocabParallel(vocab));
  }
  if (options.train) {
    // The backward sweep, on the global view so that the SBP search below
    // distributes the backward ops like the forward ones; each backward op
    // on its forward op's stage.
    AutodiffOptions autodiff;
    autodiff.lossScale = options.lossScale;
    pm.addPass(createAutodiff(autodiff));
    // The mean over micro-batches of the loss and the gradients, before
    // the update consumes them.
    AccumulateGradientsOptions accumulate;
    accumulate.microBatches = options.microBatches;
    pm.addPass(createAccumulateGradients(accumulate));
    // Gradients -> clipping, optimizer states and updates; needs the
    // grad:<parameter> results autodiff returns.
    ApplyOptimizerOptions update;
    update.optimizer = options.optimizer;
    update.lossScale = options.lossScale;
    pm.addPass(createApplyOptimizer(update));
    // The VJP rules leave foldable transposes, reshapes and constants.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  if (!options.computeType.empty()) {
    // Products in bf16/f16 (forward and backward), f32 master weights.
    MixedPrecisionOptions mixed;
    mixed.computeType = options.computeType;
    pm.addPass(createMixedPrecision(mixed));
    // One cast per weight, not one per product.
    pm.addPass(createCSEPass());
  }
  if (pipelined) {
    // Places what the steps above (and their cleanup) left unplaced and
    // routes values between stages; after the last pass that may merge
    // ops of different stages (CSE).
    pm.addPass(createInsertTransfers());
  }
  if (!options.distribute)
    return;
  // Choose an N-D SBP signature per op; needs the cleaned-up graph (fewer
  // nodes) and the mesh.
  AutoSbpOptions search;
  search.cluster = options.cluster;
  search.memoryLimitGiB = options.memoryLimitGiB;
  search.seed = options.seed;
  search.zero = options.zero;
  pm.addPass(createAutoSbp(search));
  // Materialize the collectives the chosen signatures imply, costed by the
  // same cluster model as the search.
  InsertBoxingOptions boxing;
  boxing.cluster = options.cluster;
  pm.addPass(createInsertBoxing(boxing));
  // Which rank saves which fragment of each parameter and optimizer state;
  // needs the final distributions and the global shapes (before spmdize).
  pm.addPass(createCheckpointLayout());
  // Local shapes for every rank class; needs every value's distribution to
  // match its uses, which boxing guarantees.
  pm.addPass(createSpmdize());
  // The phases the schedule orders (zero-bubble: the weight gradients apart);
  // after every pass that adds backward ops (boxing, spmdize).
  if (pipelined)
    pm.addPass(createPipelineSchedule());
}

void pxc::registerPipelines() {
  PassPipelineRegistration<ParallelizeOptions>(
      "pxc-parallelize", "Parallelize a px program (global -> per-rank view)",
      buildParallelizePipeline);
}
