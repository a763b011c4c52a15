//===- MatmulTest.cpp - matmul and linear against f64 loops ---------------===//

#include "KernelTestUtil.h"

using namespace pxrt;
using namespace pxrt::cpu;
using namespace pxrt::test;

namespace {

/// Accumulation tolerance per unit of sum |a b| for the compute type.
double sumEpsilon(DType type) { return type == DType::F64 ? 1e-14 : 1e-6; }

/// Checks out = lhs x rhs (batch dims broadcast) against an f64 loop.
void checkMatmul(const Tensor &lhs, const Tensor &rhs, const Tensor &out) {
  const TensorView &o = out.view;
  int rank = o.rank;
  int64_t m = o.shape[rank - 2], n = o.shape[rank - 1];
  int64_t k = lhs.view.shape[lhs.view.rank - 1];
  // Broadcast [.., M, K] and [.., K, N] to out's batch dims.
  Shape lhsShape(o.shape, o.shape + rank), rhsShape = lhsShape;
  lhsShape[rank - 1] = k;
  rhsShape[rank - 2] = k;
  TensorView a = broadcastView(lhs, lhsShape.data(), rank);
  TensorView b = broadcastView(rhs, rhsShape.data(), rank);
  int64_t batches = o.numel() / std::max<int64_t>(m * n, 1);
  for (int64_t batch = 0; batch < batches; ++batch)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0, magnitude = 0;
        for (int64_t p = 0; p < k; ++p) {
          double x = readElement(a, (batch * m + i) * k + p);
          double y = readElement(b, (batch * k + p) * n + j);
          sum += x * y;
          magnitude += std::fabs(x * y);
        }
        double got = out.at((batch * m + i) * n + j);
        ASSERT_NEAR(got, sum,
                    sumEpsilon(o.type) * magnitude + tolerance(o.type, sum, 1))
            << dtypeName(o.type) << " batch " << batch << " (" << i << ", " << j
            << ")";
      }
}

TEST(MatmulTest, ShapesLayoutsAndDtypes) {
  std::mt19937 rng(20);
  struct Case {
    Shape lhs, rhs, out;
  };
  std::vector<Case> cases = {
      {{5, 7}, {7, 3}, {5, 3}},
      {{1, 9}, {9, 1}, {1, 1}},
      {{4, 5, 6}, {6, 2}, {4, 5, 2}},          // folds the batch into M
      {{2, 1, 5, 7}, {3, 7, 4}, {2, 3, 5, 4}}, // broadcast batch dims
      {{3, 6}, {2, 6, 5}, {2, 3, 5}},          // lhs shared by the batch
      {{2, 3, 0}, {2, 0, 4}, {2, 3, 4}},       // K = 0 gives zeros
  };
  for (DType type : floatTypes())
    for (const Case &c : cases) {
      Tensor lhs = randomTensor(rng, type, c.lhs);
      Tensor rhs = randomTensor(rng, type, c.rhs);
      Tensor out(type, c.out);
      fill(out, 99);
      matmul(lhs, rhs, out);
      checkMatmul(lhs, rhs, out);
      // Strided operands: copied, or read transposed by BLAS.
      Tensor out2 = stridedCopy(Tensor(type, c.out));
      matmul(stridedCopy(lhs), stridedCopy(rhs), out2);
      checkMatmul(lhs, rhs, out2);
    }
}

TEST(MatmulTest, TransposedViewsGoStraightToBlas) {
  std::mt19937 rng(21);
  Tensor lhsT = randomTensor(rng, DType::F32, {3, 7, 5}); // [B, K, M]
  Tensor rhsT = randomTensor(rng, DType::F32, {4, 7});    // [N, K]
  Tensor lhs(DType::F32, {3, 5, 7}), rhs(DType::F32, {7, 4});
  transpose(lhsT, {0, 2, 1}, lhs);
  transpose(rhsT, {1, 0}, rhs);
  Tensor want(DType::F32, {3, 5, 4}), got(DType::F32, {3, 5, 4});
  matmul(lhs, rhs, want);
  TensorView lhsView = permuteView(lhsT, {0, 2, 1});
  TensorView rhsView = permuteView(rhsT, {1, 0});
  matmul(lhsView, rhsView, got);
  checkMatmul(lhs, rhs, got);
}

TEST(MatmulTest, Errors) {
  Tensor i(DType::I32, {2, 2});
  EXPECT_THROW(matmul(i, i, i), std::invalid_argument);
  Tensor a(DType::F32, {2, 3}), b(DType::F32, {4, 2}), c(DType::F32, {2, 2});
  EXPECT_THROW(matmul(a, b, c), std::invalid_argument);
  Tensor batchA(DType::F32, {2, 2, 3}), batchB(DType::F32, {3, 3, 2});
  Tensor batchC(DType::F32, {3, 2, 2});
  EXPECT_THROW(matmul(batchA, batchB, batchC), std::invalid_argument);
}

/// out = x W (+ b) with W [K, N] or [N, K] (transposed), in f64.
void checkLinear(const Tensor &x, const Tensor &w, const Tensor *bias,
                 bool transposeW, const Tensor &out) {
  int64_t k = x.view.shape[x.view.rank - 1];
  int64_t n = out.view.shape[out.view.rank - 1];
  int64_t rows = x.size() / k;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      double sum = bias ? bias->at(j) : 0, magnitude = std::fabs(sum);
      for (int64_t p = 0; p < k; ++p) {
        double product =
            x.at(r * k + p) * w.at(transposeW ? j * k + p : p * n + j);
        sum += product;
        magnitude += std::fabs(product);
      }
      ASSERT_NEAR(out.at(r * n + j), sum,
                  sumEpsilon(out.view.type) * magnitude +
                      tolerance(out.view.type, sum, 1))
          << dtypeName(out.view.type) << " row " << r << " col " << j;
    }
}

TEST(LinearTest, BiasTransposeAndDtypes) {
  std::mt19937 rng(22);
  for (DType type : floatTypes())
    for (bool transposeW : {false, true})
      for (bool withBias : {false, true}) {
        Tensor x = randomTensor(rng, type, {2, 3, 13});
        Tensor w =
            randomTensor(rng, type, transposeW ? Shape{6, 13} : Shape{13, 6});
        Tensor b = randomTensor(rng, type, {6});
        Tensor out(type, {2, 3, 6});
        linear(x, w, withBias ? &b.view : nullptr, transposeW, out);
        checkLinear(x, w, withBias ? &b : nullptr, transposeW, out);
        Tensor out2 = stridedCopy(Tensor(type, {2, 3, 6}));
        Tensor bs = stridedCopy(b);
        linear(stridedCopy(x), stridedCopy(w), withBias ? &bs.view : nullptr,
               transposeW, out2);
        checkLinear(x, w, withBias ? &b : nullptr, transposeW, out2);
      }
  Tensor x(DType::F32, {2, 5}), w(DType::F32, {5, 3}), out(DType::F32, {2, 3});
  EXPECT_THROW(linear(x, w, nullptr, true, out), std::invalid_argument);
  Tensor b(DType::F32, {4});
  EXPECT_THROW(linear(x, w, &b.view, false, out), std::invalid_argument);
}

TEST(MatmulTest, DeterministicAcrossCallsAndThreads) {
  std::mt19937 rng(23);
  Tensor lhs = randomTensor(rng, DType::F32, {3, 129, 300});
  Tensor rhs = randomTensor(rng, DType::F32, {300, 257});
  Tensor first(DType::F32, {3, 129, 257}), again(DType::F32, {3, 129, 257});
  int threads = gemmThreads();
  setGemmThreads(1);
  matmul(lhs, rhs, first);
  setGemmThreads(2);
  matmul(lhs, rhs, again);
  EXPECT_TRUE(sameBits(first, again));
  // A misaligned copy of the inputs gives the same bits too.
  Tensor lhs2(DType::F32, {3, 129, 300}, 1), rhs2(DType::F32, {300, 257}, 1);
  lhs2.view.data = static_cast<float *>(lhs2.view.data) + 1;
  rhs2.view.data = static_cast<float *>(rhs2.view.data) + 1;
  copy(lhs, lhs2);
  copy(rhs, rhs2);
  matmul(lhs2, rhs2, again);
  EXPECT_TRUE(sameBits(first, again));
  setGemmThreads(threads);
}

} // namespace
