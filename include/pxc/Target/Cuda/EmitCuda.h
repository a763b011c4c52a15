//===- EmitCuda.h - The CUDA target: px per-rank program -> CUDA -*- C++
//-*-===//

#ifndef PXC_TARGET_CUDA_EMITCUDA_H
#define PXC_TARGET_CUDA_EMITCUDA_H

#include "pxc/Target/Cpu/EmitCpp.h"

namespace pxc {

/// Writes the CUDA C++ source of the program in `module` (the CPU target's
/// actor graphs, with libpxrt_cuda's kernels and generated fused kernels);
/// it is compiled by nvcc and linked with libpxrt_cuda, libpxrt, cuBLAS
/// and NCCL (docs/cuda.md). Errors are diagnostics.
mlir::LogicalResult emitCudaProgram(mlir::ModuleOp module,
                                    llvm::raw_ostream &os,
                                    const TrainFlagDefaults &train = {});

} // namespace pxc

#endif // PXC_TARGET_CUDA_EMITCUDA_H
