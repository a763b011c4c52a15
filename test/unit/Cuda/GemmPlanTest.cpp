//===- GemmPlanTest.cpp - matmul's cuBLAS calls, checked on the CPU -------===//
//
// Executes planGemm's calls with cuBLAS's documented semantics (column-major,
// op N/T, leading dimensions, strided batches) in plain loops and compares
// with the CPU kernel: the transposition and stride logic of the CUDA
// GEMMs, without a GPU.
//
//===----------------------------------------------------------------------===//

#include "GemmPlan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace {

using namespace pxrt;
using pxrt::cuda::GemmCall;

/// C = op(First) op(Second), one call, as cublasGemmStridedBatchedEx.
void runCall(const GemmCall &c, const float *first, const float *second,
             float *out) {
  for (int64_t e = 0; e < c.batch; ++e) {
    const float *a = first + c.offsetFirst + e * c.strideFirst;
    const float *b = second + c.offsetSecond + e * c.strideSecond;
    float *r = out + c.offsetC + e * c.strideC;
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < c.k; ++p) {
          float x = c.transFirst ? a[p + i * c.ldFirst] : a[i + p * c.ldFirst];
          float y =
              c.transSecond ? b[j + p * c.ldSecond] : b[p + j * c.ldSecond];
          sum += static_cast<double>(x) * y;
        }
        r[i + j * c.ldc] = static_cast<float>(sum);
      }
  }
}

std::vector<float> iotaData(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// The elements of `view` in row-major order.
std::vector<float> elements(const cpu::TensorView &view) {
  std::vector<float> out(view.numel());
  cpu::copy(view,
            cpu::contiguousView(out.data(), DType::F32, view.shape, view.rank));
  return out;
}

/// Plans lhs x rhs into `out` (a view of `outData`), runs the plan and
/// compares out's elements with the CPU kernel's.
void expectPlanComputes(const cpu::TensorView &lhs, const cpu::TensorView &rhs,
                        const cpu::TensorView &out) {
  std::vector<float> expected(out.numel());
  cpu::matmul(
      lhs, rhs,
      cpu::contiguousView(expected.data(), DType::F32, out.shape, out.rank));
  for (const GemmCall &call : cuda::planGemm(lhs, rhs, out))
    runCall(call, static_cast<const float *>(rhs.data),
            static_cast<const float *>(lhs.data),
            static_cast<float *>(out.data));
  std::vector<float> actual = elements(out);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 1e-5f) << "element " << i;
}

TEST(GemmPlan, RowMajorMatrices) {
  std::vector<float> a = iotaData(5 * 7, 1), b = iotaData(7 * 3, 2), c(15);
  expectPlanComputes(cpu::contiguousView(a.data(), DType::F32, {5, 7}),
                     cpu::contiguousView(b.data(), DType::F32, {7, 3}),
                     cpu::contiguousView(c.data(), DType::F32, {5, 3}));
  std::vector<GemmCall> plan =
      cuda::planGemm(cpu::contiguousView(a.data(), DType::F32, {5, 7}),
                     cpu::contiguousView(b.data(), DType::F32, {7, 3}),
                     cpu::contiguousView(c.data(), DType::F32, {5, 3}));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_FALSE(plan[0].transFirst);
  EXPECT_FALSE(plan[0].transSecond);
  EXPECT_EQ(plan[0].m, 3);
  EXPECT_EQ(plan[0].n, 5);
  EXPECT_EQ(plan[0].ldc, 3);
}

TEST(GemmPlan, TransposedOperandsAreOpT) {
  // x^T W^T: both read through permuted views (PyTorch's linear weight).
  std::vector<float> xt = iotaData(7 * 5, 3), w = iotaData(3 * 7, 4), c(15);
  cpu::TensorView x = cpu::permuteView(
      cpu::contiguousView(xt.data(), DType::F32, {7, 5}), {1, 0});
  cpu::TensorView wt = cpu::permuteView(
      cpu::contiguousView(w.data(), DType::F32, {3, 7}), {1, 0});
  cpu::TensorView out = cpu::contiguousView(c.data(), DType::F32, {5, 3});
  expectPlanComputes(x, wt, out);
  GemmCall call = cuda::planGemm(x, wt, out).front();
  EXPECT_TRUE(call.transFirst);
  EXPECT_TRUE(call.transSecond);
}

TEST(GemmPlan, BroadcastBatch) {
  std::vector<float> a = iotaData(2 * 5 * 7, 5), b = iotaData(7 * 3, 6),
                     c(2 * 5 * 3);
  cpu::TensorView lhs = cpu::contiguousView(a.data(), DType::F32, {2, 5, 7});
  cpu::TensorView rhs = cpu::contiguousView(b.data(), DType::F32, {7, 3});
  cpu::TensorView out = cpu::contiguousView(c.data(), DType::F32, {2, 5, 3});
  expectPlanComputes(lhs, rhs, out);
  GemmCall call = cuda::planGemm(lhs, rhs, out).front();
  EXPECT_EQ(call.batch, 2);
  EXPECT_EQ(call.strideFirst, 0); // the weight is shared
}

TEST(GemmPlan, AttentionHeads) {
  // q k^T and (q k^T) v over [B, H, T, D] views of [B, T, H, D] memory,
  // the second written back through the same permutation.
  const int64_t B = 2, T = 4, H = 3, D = 5;
  std::vector<float> q = iotaData(B * T * H * D, 7),
                     k = iotaData(B * T * H * D, 8), s(B * H * T * T),
                     y(B * T * H * D);
  cpu::TensorView qv = cpu::permuteView(
      cpu::contiguousView(q.data(), DType::F32, {B, T, H, D}), {0, 2, 1, 3});
  cpu::TensorView kt = cpu::permuteView(
      cpu::contiguousView(k.data(), DType::F32, {B, T, H, D}), {0, 2, 3, 1});
  cpu::TensorView scores =
      cpu::contiguousView(s.data(), DType::F32, {B, H, T, T});
  expectPlanComputes(qv, kt, scores);
  // B calls (the first batch dim) of H strided entries.
  std::vector<GemmCall> plan = cuda::planGemm(qv, kt, scores);
  EXPECT_EQ(plan.size(), static_cast<size_t>(B));
  EXPECT_EQ(plan[1].offsetSecond, T * H * D);
  cpu::TensorView yv = cpu::permuteView(
      cpu::contiguousView(y.data(), DType::F32, {B, T, H, D}), {0, 2, 1, 3});
  cpu::TensorView vv = cpu::permuteView(
      cpu::contiguousView(k.data(), DType::F32, {B, T, H, D}), {0, 2, 1, 3});
  expectPlanComputes(scores, vv, yv);
}

TEST(GemmPlan, VectorsAndRejectedLayouts) {
  // A single row and a single column: any stride of the unit dim works.
  std::vector<float> a = iotaData(7, 9), b = iotaData(7, 10), c(1);
  expectPlanComputes(cpu::contiguousView(a.data(), DType::F32, {1, 7}),
                     cpu::contiguousView(b.data(), DType::F32, {7, 1}),
                     cpu::contiguousView(c.data(), DType::F32, {1, 1}));
  // No unit stride in either matrix dim: the caller copies first.
  std::vector<float> m = iotaData(4 * 6, 11), r = iotaData(3 * 2, 12),
                     out(2 * 2);
  cpu::TensorView strided =
      cpu::sliceView(cpu::contiguousView(m.data(), DType::F32, {4, 6}), {0, 0},
                     {2, 3}, {2, 2});
  EXPECT_FALSE(
      cuda::hasGemmLayout(2, 3, strided.strides[0], strided.strides[1]));
  EXPECT_THROW(
      cuda::planGemm(strided, cpu::contiguousView(r.data(), DType::F32, {3, 2}),
                     cpu::contiguousView(out.data(), DType::F32, {2, 2})),
      std::invalid_argument);
}

} // namespace
