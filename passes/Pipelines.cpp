//===- Pipelines.cpp - pxc pass pipelines ---------------------------------===//

#include "pxc/Passes/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void pxc::buildParallelizePipeline(OpPassManager &pm,
                                   const ParallelizeOptions &options) {
  // Fold what the importer left foldable (reshape chains, identity
  // transposes, constant arithmetic) so that later analyses see fewer ops.
  pm.addPass(createCanonicalizerPass());
  // Merge duplicated parameter reads and constants.
  pm.addPass(createCSEPass());
}

void pxc::registerPipelines() {
  PassPipelineRegistration<ParallelizeOptions>(
      "pxc-parallelize", "Parallelize a px program (global -> per-rank view)",
      buildParallelizePipeline);
}
