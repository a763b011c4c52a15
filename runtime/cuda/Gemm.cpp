//===- Gemm.cpp - matmul and linear through cuBLAS ------------------------===//
//
// planGemm (GemmPlan.h) turns the views into cuBLAS calls; views without
// a unit stride in a matrix dim are copied first. f32 computes in f32
// without TF32; f16 and bf16 accumulate in f32.
//
//===----------------------------------------------------------------------===//

#include "GemmPlan.h"

#include "pxrt/cuda.h"

#include <cublas_v2.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace pxrt::cuda {

namespace {

void checkBlas(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(what) + ": " +
                             cublasGetStatusString(status));
}

/// The calling thread's handle, bound to its stream.
cublasHandle_t handle() {
  struct Handle {
    cublasHandle_t value = nullptr;
    ~Handle() {
      if (value)
        cublasDestroy(value);
    }
  };
  thread_local Handle h;
  if (!h.value) {
    currentStream(); // Selects the device of this thread.
    checkBlas(cublasCreate(&h.value), "cublasCreate");
    checkBlas(cublasSetStream(h.value, currentStream()), "cublasSetStream");
  }
  return h.value;
}

cudaDataType_t dataType(DType t) {
  switch (t) {
  case DType::F32:
    return CUDA_R_32F;
  case DType::F64:
    return CUDA_R_64F;
  case DType::F16:
    return CUDA_R_16F;
  case DType::BF16:
    return CUDA_R_16BF;
  default:
    throw std::invalid_argument("matmul: floats only, not " +
                                std::string(dtypeName(t)));
  }
}

/// `view` itself if its last two dims have a cuBLAS layout, else a
/// contiguous copy held by `keep`.
TensorView usable(const TensorView &view, std::unique_ptr<StreamBuffer> &keep) {
  int r = view.rank;
  if (hasGemmLayout(view.shape[r - 2], view.shape[r - 1], view.strides[r - 2],
                    view.strides[r - 1]))
    return view;
  keep = std::make_unique<StreamBuffer>(view.numel() * dtypeSize(view.type));
  TensorView c = contiguousView(keep->data(), view.type, view.shape, r);
  copy(view, c);
  return c;
}

/// Runs planGemm's calls for c = a x b.
void gemm(const TensorView &a, const TensorView &b, const TensorView &c) {
  cudaDataType_t type = dataType(c.type);
  bool f64 = c.type == DType::F64;
  cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  float one = 1, zero = 0;
  double oneD = 1, zeroD = 0;
  const void *alpha = f64 ? static_cast<const void *>(&oneD) : &one;
  const void *beta = f64 ? static_cast<const void *>(&zeroD) : &zero;
  size_t width = dtypeSize(c.type);
  cublasHandle_t h = handle();
  for (const GemmCall &call : planGemm(a, b, c))
    checkBlas(cublasGemmStridedBatchedEx(
                  h, call.transFirst ? CUBLAS_OP_T : CUBLAS_OP_N,
                  call.transSecond ? CUBLAS_OP_T : CUBLAS_OP_N, call.m, call.n,
                  call.k, alpha,
                  static_cast<const char *>(b.data) + call.offsetFirst * width,
                  type, call.ldFirst, call.strideFirst,
                  static_cast<const char *>(a.data) + call.offsetSecond * width,
                  type, call.ldSecond, call.strideSecond, beta,
                  static_cast<char *>(c.data) + call.offsetC * width, type,
                  call.ldc, call.strideC, call.batch, compute,
                  CUBLAS_GEMM_DEFAULT),
              "cublasGemmStridedBatchedEx");
}

} // namespace

void matmul(const TensorView &lhs, const TensorView &rhs,
            const TensorView &out) {
  if (lhs.rank < 2 || rhs.rank < 2 || out.rank < 2)
    throw std::invalid_argument("matmul: operands of rank >= 2");
  if (lhs.type != out.type || rhs.type != out.type)
    throw std::invalid_argument("matmul: dtypes differ");
  std::unique_ptr<StreamBuffer> keepA, keepB, keepC;
  TensorView a = usable(lhs, keepA), b = usable(rhs, keepB);
  // The result needs unit column strides; else it is written to a copy.
  TensorView c = out;
  if (out.strides[out.rank - 1] != 1 && out.shape[out.rank - 1] != 1) {
    keepC = std::make_unique<StreamBuffer>(out.numel() * dtypeSize(out.type));
    c = contiguousView(keepC->data(), out.type, out.shape, out.rank);
  }
  if (out.numel())
    gemm(a, b, c);
  if (c.data != out.data)
    copy(c, out);
}

void linear(const TensorView &x, const TensorView &w, const TensorView *bias,
            bool transposeW, const TensorView &out) {
  if (x.rank < 1 || w.rank != 2)
    throw std::invalid_argument("linear: x [..., K] and a 2-d weight");
  int64_t k = x.shape[x.rank - 1], n = out.shape[out.rank - 1];
  int64_t m = k ? x.numel() / k : 0;
  // x and out as [M, K] and [M, N] matrices (contiguous rows).
  std::unique_ptr<StreamBuffer> keepX, keepOut;
  const void *xData = x.data;
  if (!x.isContiguous()) {
    keepX = std::make_unique<StreamBuffer>(x.numel() * dtypeSize(x.type));
    copy(x, contiguousView(keepX->data(), x.type, x.shape, x.rank));
    xData = keepX->data();
  }
  void *outData = out.data;
  if (!out.isContiguous()) {
    keepOut = std::make_unique<StreamBuffer>(out.numel() * dtypeSize(out.type));
    outData = keepOut->data();
  }
  TensorView weight = transposeW ? permuteView(w, {1, 0}) : w;
  matmul(contiguousView(xData, x.type, {m, k}), weight,
         contiguousView(outData, out.type, {m, n}));
  TensorView result = contiguousView(outData, out.type, out.shape, out.rank);
  if (bias)
    binary(BinaryOp::Add, result, *bias, result);
  if (outData != out.data)
    copy(result, out);
}

} // namespace pxrt::cuda
