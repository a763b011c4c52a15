//===- Matmul.cpp - matmul and linear through OpenBLAS --------------------===//
//
// Strided operands go to BLAS as they are when their rows or columns are
// contiguous (as a transposed operand in the second case); anything else is
// copied first. f16 and bf16 run in f32 copies.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cblas.h>
#include <limits>

namespace pxrt::cpu {

using namespace detail;

namespace {

/// How BLAS reads a matrix: transposed or not, leading dimension.
struct BlasMatrix {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
};

BlasMatrix blasLayout(int64_t rows, int64_t cols, int64_t rowStride,
                      int64_t colStride) {
  if ((colStride == 1 || cols == 1) &&
      (rows == 1 || rowStride >= std::max<int64_t>(cols, 1)))
    return {true, CblasNoTrans,
            rows == 1 ? std::max<int64_t>(cols, 1) : rowStride};
  if ((rowStride == 1 || rows == 1) &&
      (cols == 1 || colStride >= std::max<int64_t>(rows, 1)))
    return {true, CblasTrans,
            cols == 1 ? std::max<int64_t>(rows, 1) : colStride};
  return {};
}

BlasMatrix blasLayout(const TensorView &matrix) {
  int r = matrix.rank;
  return blasLayout(matrix.shape[r - 2], matrix.shape[r - 1],
                    matrix.strides[r - 2], matrix.strides[r - 1]);
}

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n,
          int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
          float beta, float *c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c,
              ldc);
}

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n,
          int64_t k, const double *a, int64_t lda, const double *b, int64_t ldb,
          double beta, double *c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c,
              ldc);
}

void checkBlasSize(const char *kernel, int64_t size) {
  if (size > std::numeric_limits<blasint>::max())
    fail(kernel, "dimension " + std::to_string(size) + " exceeds BLAS ints");
}

/// `view` as BLAS can read it: itself, or a contiguous copy in `scratch`.
TensorView blasReadable(const TensorView &view, Scratch &scratch) {
  return blasLayout(view).ok ? view : contiguousInput(view, scratch);
}

template <typename T>
void matmulTyped(const TensorView &lhsIn, const TensorView &rhsIn,
                 const TensorView &outIn) {
  Scratch lhsCopy, rhsCopy, outCopy;
  TensorView lhs = blasReadable(lhsIn, lhsCopy);
  TensorView rhs = blasReadable(rhsIn, rhsCopy);
  TensorView out =
      blasLayout(outIn).ok && blasLayout(outIn).trans == CblasNoTrans
          ? outIn
          : contiguousOutput(outIn, outCopy);
  int rank = out.rank;
  int64_t m = out.shape[rank - 2], n = out.shape[rank - 1];
  int64_t k = lhs.shape[lhs.rank - 1];
  BlasMatrix a = blasLayout(lhs), b = blasLayout(rhs), c = blasLayout(out);
  // Batch strides of the operands over out's batch dims.
  TensorView lhsBatch = lhs, rhsBatch = rhs, outBatch = out;
  lhsBatch.rank -= 2;
  rhsBatch.rank -= 2;
  outBatch.rank -= 2;
  int64_t lhsStrides[kMaxRank], rhsStrides[kMaxRank];
  broadcastStrides("matmul", lhsBatch, out.shape, rank - 2, lhsStrides);
  broadcastStrides("matmul", rhsBatch, out.shape, rank - 2, rhsStrides);
  // A weight shared by the whole batch and rows of lhs and out that step
  // uniformly through the batch: one GEMM with the batch folded into M.
  int64_t batch = product(out.shape, 0, rank - 2);
  bool fold = batch > 1 && a.trans == CblasNoTrans;
  int64_t lhsStep = a.ld * m, outStep = c.ld * m;
  for (int d = rank - 3; d >= 0 && fold; --d) {
    if (out.shape[d] == 1)
      continue;
    fold = rhsStrides[d] == 0 && lhsStrides[d] == lhsStep &&
           out.strides[d] == outStep;
    lhsStep *= out.shape[d];
    outStep *= out.shape[d];
  }
  if (fold) {
    checkBlasSize("matmul", batch * m);
    gemm(a.trans, b.trans, batch * m, n, k, static_cast<const T *>(lhs.data),
         a.ld, static_cast<const T *>(rhs.data), b.ld, T(0),
         static_cast<T *>(out.data), c.ld);
  } else {
    forEachRun<3>(out.shape, rank - 2,
                  {operand(lhs, lhsStrides), operand(rhs, rhsStrides),
                   operand(out, out.strides)},
                  [&](int64_t count, const std::array<char *, 3> &p,
                      const std::array<int64_t, 3> &s) {
                    const T *x = reinterpret_cast<const T *>(p[0]);
                    const T *y = reinterpret_cast<const T *>(p[1]);
                    T *z = reinterpret_cast<T *>(p[2]);
                    for (int64_t i = 0; i < count; ++i)
                      gemm(a.trans, b.trans, m, n, k, x + i * s[0], a.ld,
                           y + i * s[1], b.ld, T(0), z + i * s[2], c.ld);
                  });
  }
  if (out.data != outIn.data)
    copy(out, outIn);
}

template <typename T>
void linearTyped(const TensorView &xIn, const TensorView &w,
                 const TensorView *bias, bool transposeW,
                 const TensorView &outIn) {
  Scratch xCopy, wCopy, outCopy;
  // A matrix x (e.g. transposed activations in a weight gradient) goes to
  // BLAS as it is laid out; higher ranks fold into rows, so contiguous.
  TensorView x =
      xIn.rank == 2 && blasLayout(xIn).ok ? xIn : contiguousInput(xIn, xCopy);
  BlasMatrix a = x.rank == 2
                     ? blasLayout(x)
                     : BlasMatrix{true, CblasNoTrans,
                                  std::max<int64_t>(x.shape[x.rank - 1], 1)};
  TensorView weight = blasReadable(w, wCopy);
  TensorView out = contiguousOutput(outIn, outCopy);
  int64_t k = x.shape[x.rank - 1], n = out.shape[out.rank - 1];
  int64_t m = k == 0 ? out.numel() / std::max<int64_t>(n, 1) : x.numel() / k;
  checkBlasSize("linear", m);
  BlasMatrix b = blasLayout(weight);
  if (transposeW)
    b.trans = b.trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
  if (bias)
    expand(*bias, out);
  gemm(a.trans, b.trans, m, n, k, static_cast<const T *>(x.data), a.ld,
       static_cast<const T *>(weight.data), b.ld, bias ? T(1) : T(0),
       static_cast<T *>(out.data), std::max<int64_t>(n, 1));
  if (out.data != outIn.data)
    copy(out, outIn);
}

} // namespace

void matmul(const TensorView &lhs, const TensorView &rhs,
            const TensorView &out) {
  checkType("matmul", lhs, out.type);
  checkType("matmul", rhs, out.type);
  if (!isFloatType(out.type))
    fail("matmul", std::string("needs floats, got ") + dtypeName(out.type));
  if (lhs.rank < 2 || rhs.rank < 2 || out.rank != std::max(lhs.rank, rhs.rank))
    fail("matmul", "ranks do not match: " + shapeStr(lhs) + " x " +
                       shapeStr(rhs) + " -> " + shapeStr(out));
  int64_t m = lhs.shape[lhs.rank - 2], k = lhs.shape[lhs.rank - 1];
  int64_t n = rhs.shape[rhs.rank - 1];
  if (rhs.shape[rhs.rank - 2] != k || out.shape[out.rank - 2] != m ||
      out.shape[out.rank - 1] != n)
    fail("matmul", "shapes do not match: " + shapeStr(lhs) + " x " +
                       shapeStr(rhs) + " -> " + shapeStr(out));
  for (int64_t size : {m, n, k})
    checkBlasSize("matmul", size);
  if (out.numel() == 0)
    return;
  inComputeType(
      {&lhs, &rhs}, out,
      [](const std::vector<TensorView> &in, const TensorView &result) {
        if (result.type == DType::F64)
          matmulTyped<double>(in[0], in[1], result);
        else
          matmulTyped<float>(in[0], in[1], result);
      });
}

void linear(const TensorView &x, const TensorView &w, const TensorView *bias,
            bool transposeW, const TensorView &out) {
  checkType("linear", x, out.type);
  checkType("linear", w, out.type);
  if (bias)
    checkType("linear", *bias, out.type);
  if (!isFloatType(out.type))
    fail("linear", std::string("needs floats, got ") + dtypeName(out.type));
  int64_t k = x.rank ? x.shape[x.rank - 1] : -1;
  int64_t n = out.rank ? out.shape[out.rank - 1] : -1;
  bool ok = x.rank >= 1 && w.rank == 2 && out.rank == x.rank &&
            w.shape[transposeW ? 1 : 0] == k &&
            w.shape[transposeW ? 0 : 1] == n &&
            (!bias || (bias->rank == 1 && bias->shape[0] == n));
  for (int d = 0; ok && d + 1 < x.rank; ++d)
    ok = x.shape[d] == out.shape[d];
  if (!ok)
    fail("linear", "shapes do not match: x " + shapeStr(x) + ", w " +
                       shapeStr(w) + (transposeW ? " (transposed)" : "") +
                       (bias ? ", bias " + shapeStr(*bias) : "") + " -> " +
                       shapeStr(out));
  checkBlasSize("linear", k);
  checkBlasSize("linear", n);
  if (out.numel() == 0)
    return;
  inComputeType(
      {&x, &w, bias}, out,
      [&](const std::vector<TensorView> &in, const TensorView &result) {
        const TensorView *b = bias ? &in[2] : nullptr;
        if (result.type == DType::F64)
          linearTyped<double>(in[0], in[1], b, transposeW, result);
        else
          linearTyped<float>(in[0], in[1], b, transposeW, result);
      });
}

void setGemmThreads(int threads) { openblas_set_num_threads(threads); }

int gemmThreads() { return openblas_get_num_threads(); }

} // namespace pxrt::cpu
