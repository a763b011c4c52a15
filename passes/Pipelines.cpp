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
  if (options.train) {
    // The loss the gradients start from (logits + labels -> cross-entropy).
    pm.addPass(createAppendLoss());
    // The backward sweep, on the global view so that the SBP search below
    // distributes the backward ops like the forward ones.
    pm.addPass(createAutodiff());
    // Gradients -> clipping, optimizer states and updates; needs the
    // grad:<parameter> results autodiff returns.
    ApplyOptimizerOptions update;
    update.optimizer = options.optimizer;
    pm.addPass(createApplyOptimizer(update));
    // The VJP rules leave foldable transposes, reshapes and constants.
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
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
  // Local shapes for every rank class; needs every value's distribution to
  // match its uses, which boxing guarantees.
  pm.addPass(createSpmdize());
}

void pxc::registerPipelines() {
  PassPipelineRegistration<ParallelizeOptions>(
      "pxc-parallelize", "Parallelize a px program (global -> per-rank view)",
      buildParallelizePipeline);
}
