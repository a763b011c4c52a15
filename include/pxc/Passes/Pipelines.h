//===- Pipelines.h - pxc pass pipelines -------------------------*- C++ -*-===//

#ifndef PXC_PASSES_PIPELINES_H
#define PXC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace pxc {

/// Options of the `pxc-parallelize` pipeline. It grows with each stage of
/// the compiler (pipeline partitioning, ...).
struct ParallelizeOptions
    : public mlir::PassPipelineOptions<ParallelizeOptions> {
  Option<bool> distribute{
      *this, "distribute",
      llvm::cl::desc("Choose SBP signatures and insert boxing (needs a "
                     "px.mesh)"),
      llvm::cl::init(false)};
  Option<std::string> cluster{
      *this, "cluster",
      llvm::cl::desc("Cluster preset (dgx-a100, dgx-h100) or JSON file"),
      llvm::cl::init("dgx-a100")};
  Option<double> memoryLimitGiB{
      *this, "memory-limit",
      llvm::cl::desc("Per-device memory limit in GiB (0: device memory)"),
      llvm::cl::init(0.0)};
  Option<bool> train{
      *this, "train",
      llvm::cl::desc("Compile a training step: loss, gradients and "
                     "optimizer updates (docs/training.md)"),
      llvm::cl::init(false)};
  Option<std::string> optimizer{
      *this, "optimizer",
      llvm::cl::desc("Optimizer of the training step: "
                     "adamw or sgd"),
      llvm::cl::init("adamw")};
  Option<int> zero{
      *this, "zero",
      llvm::cl::desc("Data parallelism / ZeRO stage 0-3 on the data axis, -1: "
                     "searched (see px-auto-sbp)"),
      llvm::cl::init(-1)};
  Option<int64_t> stages{
      *this, "stages",
      llvm::cl::desc("Pipeline stages (each runs on its own copy of the "
                     "mesh)"),
      llvm::cl::init(1)};
  Option<int64_t> microBatches{
      *this, "micro-batches",
      llvm::cl::desc("Micro-batches per training step (gradients are "
                     "accumulated over them)"),
      llvm::cl::init(1)};
  Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("Pipeline schedule: gpipe, 1f1b, interleaved, zb-h1"),
      llvm::cl::init("1f1b")};
  Option<int64_t> virtualStages{
      *this, "virtual-stages",
      llvm::cl::desc("Model chunks per device (interleaved schedule)"),
      llvm::cl::init(1)};
  Option<std::string> vocabParallel{
      *this, "vocab-parallel",
      llvm::cl::desc("With train: off, vocab-1 or vocab-2 (px-vocab-parallel)"),
      llvm::cl::init("off")};
  Option<bool> lossScale{
      *this, "loss-scale",
      llvm::cl::desc("With train: seed the backward with the hyper vector's "
                     "loss scale, unscale the gradients and skip steps with "
                     "non-finite ones (px-autodiff, px-apply-optimizer)"),
      llvm::cl::init(false)};
  Option<std::string> computeType{
      *this, "compute-type",
      llvm::cl::desc("Matrix products in bf16 or f16 with f32 master "
                     "weights (px-mixed-precision); empty: the model's types"),
      llvm::cl::init("")};
  Option<int64_t> seed{
      *this, "seed",
      llvm::cl::desc("Random valid SBP plan and stage cuts with this seed "
                     "(testing)"),
      llvm::cl::init(-1)};
};

/// The passes that take an imported px program towards a per-rank program:
/// cleanup of the imported graph, (with `train`) the training step, (with
/// stages or micro-batches) the pipeline partition, then (with
/// `distribute`) the SBP search, boxing and the per-rank rewrite.
void buildParallelizePipeline(mlir::OpPassManager &pm,
                              const ParallelizeOptions &options);

/// Registers `pxc-parallelize` with the global pipeline registry.
void registerPipelines();

} // namespace pxc

#endif // PXC_PASSES_PIPELINES_H
