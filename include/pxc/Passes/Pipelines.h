//===- Pipelines.h - pxc pass pipelines -------------------------*- C++ -*-===//

#ifndef PXC_PASSES_PIPELINES_H
#define PXC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace pxc {

/// Options of the `pxc-parallelize` pipeline. It grows with each stage of
/// the compiler (SBP search, pipeline partitioning, ...).
struct ParallelizeOptions
    : public mlir::PassPipelineOptions<ParallelizeOptions> {};

/// The passes that take an imported px program to a per-rank program. Today:
/// canonicalization and CSE of the imported graph.
void buildParallelizePipeline(mlir::OpPassManager &pm,
                              const ParallelizeOptions &options);

/// Registers `pxc-parallelize` with the global pipeline registry.
void registerPipelines();

} // namespace pxc

#endif // PXC_PASSES_PIPELINES_H
