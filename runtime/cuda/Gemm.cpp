//===- Gemm.cpp - matmul and linear through cuBLAS ------------------------===//
//
// Row-major C = A B is column-major C^T = B^T A^T: cuBLAS gets B as its
// first operand. Views with a unit stride in either matrix dim are passed
// as they are (a transposed view becomes op T); others are copied first.
// f32 computes in f32 without TF32; f16 and bf16 accumulate in f32.
//
//===----------------------------------------------------------------------===//

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

/// A row-major [rows, cols] matrix with element strides (sRow, sCol) as
/// cuBLAS sees it: column-major memory that is the matrix transposed
/// (`transposed` false, the usual row-major case) or the matrix itself.
struct Layout {
  bool valid = false;
  bool transposed = false; // op T in the swapped product
  int64_t ld = 0;
};

Layout layoutOf(int64_t rows, int64_t cols, int64_t sRow, int64_t sCol) {
  Layout l;
  if (cols == 1 || sCol == 1) {
    l.ld = rows > 1 ? sRow : cols;
    l.valid = l.ld >= std::max<int64_t>(cols, 1);
  } else if (rows == 1 || sRow == 1) {
    l.transposed = true;
    l.ld = cols > 1 ? sCol : rows;
    l.valid = l.ld >= std::max<int64_t>(rows, 1);
  }
  return l;
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
  if (layoutOf(view.shape[r - 2], view.shape[r - 1], view.strides[r - 2],
               view.strides[r - 1])
          .valid)
    return view;
  keep = std::make_unique<StreamBuffer>(view.numel() * dtypeSize(view.type));
  TensorView c = contiguousView(keep->data(), view.type, view.shape, r);
  copy(view, c);
  return c;
}

/// C[b] = A[b] B[b] for batch index b over `batch` (row-major), where the
/// operands' batch strides are given per batch dim.
void gemm(const TensorView &a, const TensorView &b, const TensorView &c,
          const std::vector<int64_t> &batch, const std::vector<int64_t> &aBatch,
          const std::vector<int64_t> &bBatch,
          const std::vector<int64_t> &cBatch) {
  int64_t m = c.shape[c.rank - 2], n = c.shape[c.rank - 1],
          k = a.shape[a.rank - 1];
  Layout la = layoutOf(m, k, a.strides[a.rank - 2], a.strides[a.rank - 1]);
  Layout lb = layoutOf(k, n, b.strides[b.rank - 2], b.strides[b.rank - 1]);
  Layout lc = layoutOf(m, n, c.strides[c.rank - 2], c.strides[c.rank - 1]);
  if (!la.valid || !lb.valid || !lc.valid || lc.transposed)
    throw std::invalid_argument("matmul: operand layout");
  cudaDataType_t type = dataType(c.type);
  bool f64 = c.type == DType::F64;
  cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  float one = 1, zero = 0;
  double oneD = 1, zeroD = 0;
  const void *alpha = f64 ? static_cast<const void *>(&oneD) : &one;
  const void *beta = f64 ? static_cast<const void *>(&zeroD) : &zero;
  size_t width = dtypeSize(c.type);
  // The last batch dim is cuBLAS's strided batch; the others loop here.
  int64_t inner = batch.empty() ? 1 : batch.back();
  int64_t sa = batch.empty() ? 0 : aBatch.back(),
          sb = batch.empty() ? 0 : bBatch.back(),
          sc = batch.empty() ? 0 : cBatch.back();
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < batch.size(); ++d)
    outer *= batch[d];
  cublasHandle_t h = handle();
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offA = 0, offB = 0, offC = 0, rest = o;
    for (size_t d = batch.size() - 1; d-- > 0;) {
      int64_t coord = rest % batch[d];
      rest /= batch[d];
      offA += coord * aBatch[d];
      offB += coord * bBatch[d];
      offC += coord * cBatch[d];
    }
    checkBlas(cublasGemmStridedBatchedEx(
                  h, lb.transposed ? CUBLAS_OP_T : CUBLAS_OP_N,
                  la.transposed ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, alpha,
                  static_cast<const char *>(b.data) + offB * width, type, lb.ld,
                  sb, static_cast<const char *>(a.data) + offA * width, type,
                  la.ld, sa, beta, static_cast<char *>(c.data) + offC * width,
                  type, lc.ld, sc, inner, compute, CUBLAS_GEMM_DEFAULT),
              "cublasGemmStridedBatchedEx");
  }
}

/// Batch strides of `view` (rank r, batch dims r - 2 of it) broadcast to
/// `batch`.
std::vector<int64_t> batchStrides(const TensorView &view,
                                  const std::vector<int64_t> &batch) {
  std::vector<int64_t> strides(batch.size(), 0);
  int dims = view.rank - 2;
  for (int d = dims - 1, r = static_cast<int>(batch.size()) - 1; d >= 0;
       --d, --r)
    strides[r] = view.shape[d] == 1 ? 0 : view.strides[d];
  return strides;
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
  TensorView c = out;
  int64_t m = out.shape[out.rank - 2], n = out.shape[out.rank - 1];
  Layout lc =
      layoutOf(m, n, out.strides[out.rank - 2], out.strides[out.rank - 1]);
  if (!lc.valid || lc.transposed) {
    keepC = std::make_unique<StreamBuffer>(out.numel() * dtypeSize(out.type));
    c = contiguousView(keepC->data(), out.type, out.shape, out.rank);
  }
  std::vector<int64_t> batch(out.shape, out.shape + out.rank - 2);
  std::vector<int64_t> cBatch(c.strides, c.strides + c.rank - 2);
  if (out.numel())
    gemm(a, b, c, batch, batchStrides(a, batch), batchStrides(b, batch),
         cBatch);
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
