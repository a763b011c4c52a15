//===- GemmPlan.cpp - matmul as cuBLAS calls ------------------------------===//

#include "GemmPlan.h"

#include <algorithm>
#include <stdexcept>

namespace pxrt::cuda {

namespace {

/// How cuBLAS sees a row-major [rows, cols] matrix: column-major memory
/// that is the matrix transposed (the usual row-major case), or the matrix
/// itself (`transposed`: op T in the swapped product).
struct Layout {
  bool valid = false;
  bool transposed = false;
  int64_t ld = 0;
};

Layout layoutOf(int64_t rows, int64_t cols, int64_t rowStride,
                int64_t colStride) {
  Layout l;
  if (cols == 1 || colStride == 1) {
    l.ld = rows > 1 ? rowStride : cols;
    l.valid = l.ld >= std::max<int64_t>(cols, 1);
  } else if (rows == 1 || rowStride == 1) {
    l.transposed = true;
    l.ld = cols > 1 ? colStride : rows;
    l.valid = l.ld >= std::max<int64_t>(rows, 1);
  }
  return l;
}

/// The strides of `view`'s batch dims (all but the last two) broadcast to
/// `batch` (0 where it has size 1 or lacks the dim).
std::vector<int64_t> batchStrides(const cpu::TensorView &view,
                                  const std::vector<int64_t> &batch) {
  std::vector<int64_t> strides(batch.size(), 0);
  for (int d = view.rank - 3, r = static_cast<int>(batch.size()) - 1; d >= 0;
       --d, --r)
    strides[r] = view.shape[d] == 1 ? 0 : view.strides[d];
  return strides;
}

} // namespace

bool hasGemmLayout(int64_t rows, int64_t cols, int64_t rowStride,
                   int64_t colStride) {
  return layoutOf(rows, cols, rowStride, colStride).valid;
}

std::vector<GemmCall> planGemm(const cpu::TensorView &lhs,
                               const cpu::TensorView &rhs,
                               const cpu::TensorView &out) {
  if (lhs.rank < 2 || rhs.rank < 2 || out.rank < 2)
    throw std::invalid_argument("matmul: operands of rank >= 2");
  int64_t m = out.shape[out.rank - 2], n = out.shape[out.rank - 1],
          k = lhs.shape[lhs.rank - 1];
  if (lhs.shape[lhs.rank - 2] != m || rhs.shape[rhs.rank - 2] != k ||
      rhs.shape[rhs.rank - 1] != n)
    throw std::invalid_argument("matmul: shapes do not match");
  auto matrix = [](const cpu::TensorView &v, int64_t rows, int64_t cols) {
    return layoutOf(rows, cols, v.strides[v.rank - 2], v.strides[v.rank - 1]);
  };
  Layout a = matrix(lhs, m, k), b = matrix(rhs, k, n), c = matrix(out, m, n);
  if (!a.valid || !b.valid || !c.valid || c.transposed)
    throw std::invalid_argument("matmul: an operand without a GEMM layout");
  std::vector<int64_t> batch(out.shape, out.shape + out.rank - 2);
  std::vector<int64_t> aBatch = batchStrides(lhs, batch),
                       bBatch = batchStrides(rhs, batch),
                       cBatch(out.strides, out.strides + out.rank - 2);
  GemmCall call;
  call.transFirst = b.transposed;
  call.transSecond = a.transposed;
  call.m = n;
  call.n = m;
  call.k = k;
  call.ldFirst = b.ld;
  call.ldSecond = a.ld;
  call.ldc = c.ld;
  if (!batch.empty()) {
    call.batch = batch.back();
    call.strideFirst = bBatch.back();
    call.strideSecond = aBatch.back();
    call.strideC = cBatch.back();
  }
  // One call per index of the batch dims before the last.
  size_t looped = batch.empty() ? 0 : batch.size() - 1;
  int64_t calls = 1;
  for (size_t d = 0; d < looped; ++d)
    calls *= batch[d];
  std::vector<GemmCall> plan;
  for (int64_t index = 0; index < calls; ++index) {
    GemmCall at = call;
    int64_t rest = index;
    for (size_t d = looped; d-- > 0;) {
      int64_t coord = rest % batch[d];
      rest /= batch[d];
      at.offsetFirst += coord * bBatch[d];
      at.offsetSecond += coord * aBatch[d];
      at.offsetC += coord * cBatch[d];
    }
    plan.push_back(at);
  }
  return plan;
}

} // namespace pxrt::cuda
