//===- GemmPlan.h - matmul as cuBLAS calls ----------------------*- C++ -*-===//
//
// Row-major C = A B is column-major C^T = B^T A^T, so cuBLAS's first
// operand is B's memory and its second A's. A matrix view with a unit
// stride in either dim is passed as it is (the other dim's stride is the
// leading dimension; a transposed view becomes op T); the last batch dim is
// cuBLAS's strided batch, the others are separate calls. Plain C++ (no
// CUDA), so the plan is tested without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_CUDA_GEMMPLAN_H
#define PXRT_CUDA_GEMMPLAN_H

#include "pxrt/kernels.h"

#include <cstdint>
#include <vector>

namespace pxrt::cuda {

/// One cublasGemmStridedBatchedEx call, in cuBLAS's (column-major) terms.
struct GemmCall {
  bool transFirst = false, transSecond = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t ldFirst = 0, ldSecond = 0, ldc = 0;
  /// Elements between the batch entries, and from the views' data to the
  /// first entry.
  int64_t strideFirst = 0, strideSecond = 0, strideC = 0;
  int64_t offsetFirst = 0, offsetSecond = 0, offsetC = 0;
  int64_t batch = 1;
};

/// Whether cuBLAS reads a row-major [rows, cols] matrix with these element
/// strides in place.
bool hasGemmLayout(int64_t rows, int64_t cols, int64_t rowStride,
                   int64_t colStride);

/// The calls that compute out = lhs x rhs ([..., M, K] x [..., K, N], batch
/// dims broadcast). Every operand needs a GEMM layout, and out a unit
/// column stride (std::invalid_argument otherwise).
std::vector<GemmCall> planGemm(const cpu::TensorView &lhs,
                               const cpu::TensorView &rhs,
                               const cpu::TensorView &out);

} // namespace pxrt::cuda

#endif // PXRT_CUDA_GEMMPLAN_H
