//===- ReduceTest.cpp - reduce, cross_entropy, gather ---------------------===//

#include "KernelTestUtil.h"

#include <set>

using namespace pxrt;
using namespace pxrt::cpu;
using namespace pxrt::test;

namespace {

bool isInteger(DType t) { return t == DType::I32 || t == DType::I64; }

/// f64 reference of reduce: out index -> values of its reduced elements.
std::vector<std::vector<double>> groups(const Tensor &in,
                                        const std::set<int> &axes) {
  const TensorView &v = in.view;
  int64_t outSize = 1;
  for (int d = 0; d < v.rank; ++d)
    if (!axes.count(d))
      outSize *= v.shape[d];
  std::vector<std::vector<double>> result(outSize);
  for (int64_t i = 0; i < in.size(); ++i) {
    int64_t rest = i, outIndex = 0, scale = 1;
    for (int d = v.rank - 1; d >= 0; --d) {
      int64_t coord = rest % v.shape[d];
      rest /= v.shape[d];
      if (!axes.count(d)) {
        outIndex += coord * scale;
        scale *= v.shape[d];
      }
    }
    result[outIndex].push_back(in.at(i));
  }
  return result;
}

TEST(ReduceTest, KindsAxesDtypesKeepdims) {
  std::mt19937 rng(40);
  Shape shape = {3, 4, 21};
  std::vector<std::vector<int64_t>> axesCases = {
      {}, {0}, {1}, {2}, {-1}, {0, 2}, {2, 0}, {0, 1, 2}};
  for (DType type : numberTypes())
    for (const auto &axes : axesCases)
      for (ReduceKind kind : {ReduceKind::Sum, ReduceKind::Mean,
                              ReduceKind::Max, ReduceKind::Min})
        for (bool keepdims : {false, true}) {
          std::set<int> reduced;
          for (int64_t a : axes)
            reduced.insert(static_cast<int>(a < 0 ? a + 3 : a));
          Shape outShape;
          for (int d = 0; d < 3; ++d)
            if (!reduced.count(d))
              outShape.push_back(shape[d]);
            else if (keepdims)
              outShape.push_back(1);
          Tensor in = randomTensor(rng, type, shape, -50, 50);
          Tensor out(type, outShape), out2 = stridedCopy(out);
          reduce(kind, in, axes, keepdims, out);
          reduce(kind, stridedCopy(in), axes, keepdims, out2);
          auto refs = groups(in, reduced);
          for (size_t o = 0; o < refs.size(); ++o) {
            const auto &g = refs[o];
            double want = 0, magnitude = 0;
            for (double x : g)
              magnitude += std::fabs(x);
            if (kind == ReduceKind::Max)
              want = *std::max_element(g.begin(), g.end());
            else if (kind == ReduceKind::Min)
              want = *std::min_element(g.begin(), g.end());
            else {
              for (double x : g)
                want += x;
              if (kind == ReduceKind::Mean)
                want = isInteger(type) ? std::trunc(want / g.size())
                                       : want / g.size();
            }
            want = makeTensor(type, {}, {want}).at(0);
            // f64 sums run in another order than this loop.
            double slack = type == DType::F64 ? 1e-15 * magnitude : 0;
            ASSERT_NEAR(out.at(o), want, tolerance(type, want, 1) + slack)
                << dtypeName(type) << " kind " << int(kind) << " group " << o;
          }
          EXPECT_TRUE(sameBits(out, out2));
        }
}

TEST(ReduceTest, MeanDivisorOverride) {
  // A rank holding half of a dim of 8: its partial mean divides by 8 so the
  // ranks' partial means sum to the mean.
  Tensor half1 = makeTensor(DType::F32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor half2 = makeTensor(DType::F32, {2, 4}, {8, 7, 6, 5, 4, 3, 2, 1});
  Tensor a(DType::F32, {2}), b(DType::F32, {2});
  reduce(ReduceKind::Mean, half1, {1}, false, a, 8);
  reduce(ReduceKind::Mean, half2, {1}, false, b, 8);
  EXPECT_EQ(a.at(0) + b.at(0), (1 + 2 + 3 + 4 + 8 + 7 + 6 + 5) / 8.0);
  EXPECT_EQ(a.at(1), (5 + 6 + 7 + 8) / 8.0);
  Tensor ints = makeTensor(DType::I64, {3}, {3, 4, 4});
  Tensor mean(DType::I64, {});
  reduce(ReduceKind::Mean, ints, {0}, false, mean, 2);
  EXPECT_EQ(mean.at(0), 5);
}

TEST(ReduceTest, FixedLaneOrder) {
  // Element i goes to lane i % 32 (summed in f64), then lanes j and j + w
  // combine for w = 16, 8, 4, 2, 1.
  std::mt19937 rng(41);
  const int n = 1003;
  Tensor in = randomTensor(rng, DType::F32, {n}, -1e6, 1e6);
  double lanes[32] = {};
  for (int i = 0; i < n; ++i)
    lanes[i % 32] += in.at(i);
  for (int width = 16; width >= 1; width /= 2)
    for (int j = 0; j < width; ++j)
      lanes[j] += lanes[j + width];
  double want = lanes[0];
  Tensor out(DType::F64, {}), outF(DType::F32, {});
  reduce(ReduceKind::Sum, in, {0}, false, outF);
  EXPECT_EQ(outF.at(0), static_cast<float>(want));
  Tensor in64(DType::F64, {n});
  cast(in, in64);
  reduce(ReduceKind::Sum, in64, {0}, false, out);
  EXPECT_EQ(out.at(0), want);
}

TEST(ReduceTest, LeadingAxesInPlaceKeepTheLaneOrder) {
  // Sums over leading dims of contiguous data read the columns in place;
  // a strided copy takes the transposing path (f64 sums would differ in
  // any other order). Enough rows for every lane and more columns than one
  // block (64) of the in-place path.
  std::mt19937 rng(42);
  for (DType type : {DType::F32, DType::F64, DType::I64})
    for (ReduceKind kind : {ReduceKind::Sum, ReduceKind::Mean}) {
      Tensor in = randomTensor(rng, type, {37, 5, 70}, -1e6, 1e6);
      Tensor out(type, {70}), strided(type, {70});
      reduce(kind, in, {0, 1}, false, out);
      reduce(kind, stridedCopy(in), {1, 0}, false, strided);
      EXPECT_TRUE(sameBits(out, strided)) << dtypeName(type);
    }
}

TEST(ReduceTest, NaNAndErrors) {
  Tensor in = makeTensor(DType::F32, {4}, {1, NAN, 3, 2});
  Tensor out(DType::F32, {});
  reduce(ReduceKind::Max, in, {0}, false, out);
  EXPECT_TRUE(std::isnan(out.at(0)));
  reduce(ReduceKind::Min, in, {0}, false, out);
  EXPECT_TRUE(std::isnan(out.at(0)));
  Tensor wrong(DType::F32, {1});
  EXPECT_THROW(reduce(ReduceKind::Sum, in, {0}, false, wrong),
               std::invalid_argument);
  EXPECT_THROW(reduce(ReduceKind::Sum, in, {0, 0}, true, wrong),
               std::invalid_argument);
  EXPECT_THROW(reduce(ReduceKind::Sum, in, {1}, true, wrong),
               std::invalid_argument);
}

/// f64 loss of one row.
double rowLoss(const Tensor &logits, int64_t row, int64_t classes,
               int64_t label) {
  double max = -INFINITY, sum = 0;
  for (int64_t c = 0; c < classes; ++c)
    max = std::max(max, logits.at(row * classes + c));
  for (int64_t c = 0; c < classes; ++c)
    sum += std::exp(logits.at(row * classes + c) - max);
  return max + std::log(sum) - logits.at(row * classes + label);
}

TEST(CrossEntropyTest, ReductionsIgnoreIndexAndDivisor) {
  std::mt19937 rng(42);
  const int64_t classes = 37;
  for (DType type : floatTypes())
    for (DType labelType : {DType::I32, DType::I64})
      for (auto ignore :
           {std::optional<int64_t>(), std::optional<int64_t>(-100)}) {
        Tensor logits = randomTensor(rng, type, {2, 3, classes}, -6, 6);
        std::vector<double> labelValues = {0, 36, 5, -100, 17, 3};
        if (!ignore)
          labelValues[3] = 8;
        Tensor labels = makeTensor(labelType, {2, 3}, labelValues);
        double total = 0;
        int counted = 0;
        Tensor none(type, {2, 3});
        crossEntropy(stridedCopy(logits), labels, LossReduction::None, ignore,
                     none);
        for (int64_t r = 0; r < 6; ++r) {
          bool skip = ignore && labelValues[r] == *ignore;
          double want = skip ? 0 : rowLoss(logits, r, classes, labelValues[r]);
          ASSERT_NEAR(none.at(r), want, tolerance(type, want, 8) + 1e-6)
              << dtypeName(type);
          if (!skip) {
            total += want;
            ++counted;
          }
        }
        Tensor sum(type, {}), mean(type, {}), scaled(type, {});
        crossEntropy(logits, labels, LossReduction::Sum, ignore, sum);
        crossEntropy(logits, labels, LossReduction::Mean, ignore, mean);
        crossEntropy(logits, labels, LossReduction::Mean, ignore, scaled, 12);
        EXPECT_NEAR(sum.at(0), total, tolerance(type, total, 8) + 1e-6);
        EXPECT_NEAR(mean.at(0), total / counted,
                    tolerance(type, total / counted, 8) + 1e-6);
        EXPECT_NEAR(scaled.at(0), total / 12,
                    tolerance(type, total / 12, 8) + 1e-6);
      }
  Tensor logits(DType::F32, {2, 4});
  fill(logits, 0);
  Tensor bad = makeTensor(DType::I64, {2}, {0, 4});
  Tensor out(DType::F32, {});
  EXPECT_THROW(crossEntropy(logits, bad, LossReduction::Sum, std::nullopt, out),
               std::invalid_argument);
  Tensor allIgnored = makeTensor(DType::I64, {2}, {-1, -1});
  crossEntropy(logits, allIgnored, LossReduction::Mean, -1, out);
  EXPECT_TRUE(std::isnan(out.at(0)));
}

TEST(GatherTest, AxesAndNegativeIndices) {
  std::mt19937 rng(43);
  for (DType type : allTypes())
    for (DType indexType : {DType::I32, DType::I64}) {
      Tensor data = randomTensor(rng, type, {2, 5, 3});
      Tensor indices = makeTensor(indexType, {2, 2}, {0, -1, 4, -5});
      // axis 1: out [2, 2, 2, 3].
      Tensor out(type, {2, 2, 2, 3});
      gather(stridedCopy(data), indices, 1, out);
      std::vector<int64_t> rows = {0, 4, 4, 0};
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t j = 0; j < 4; ++j)
          for (int64_t c = 0; c < 3; ++c)
            ASSERT_EQ(out.at((a * 4 + j) * 3 + c),
                      data.at((a * 5 + rows[j]) * 3 + c));
      Tensor bad = makeTensor(indexType, {1}, {5});
      Tensor badOut(type, {2, 1, 3});
      EXPECT_THROW(gather(data, bad, 1, badOut), std::invalid_argument);
    }
}

TEST(GatherTest, ShardedRowsSumToTheLookup) {
  std::mt19937 rng(44);
  const int64_t vocab = 7, width = 5;
  Tensor table = randomTensor(rng, DType::F32, {vocab, width});
  Tensor ids = makeTensor(DType::I64, {2, 3}, {0, 6, -1, 3, -7, 4});
  Tensor full(DType::F32, {2, 3, width});
  gather(table, ids, 0, full);
  // Uneven shards over 3 ranks: rows [0, 3), [3, 5), [5, 7).
  Tensor sum(DType::F32, {2, 3, width});
  fill(sum, 0);
  for (int64_t rank = 0; rank < 3; ++rank) {
    int64_t offset = chunkOffset(vocab, 3, rank);
    int64_t rows = chunkSize(vocab, 3, rank);
    TensorView shard = sliceView(table, {offset, 0}, {rows, width}, {1, 1});
    Tensor part(DType::F32, {2, 3, width});
    gatherSharded(shard, ids, 0, vocab, offset, part);
    for (int64_t i = 0; i < part.size(); ++i) {
      int64_t id = static_cast<int64_t>(ids.at(i / width));
      id = id < 0 ? id + vocab : id;
      bool mine = id >= offset && id < offset + rows;
      ASSERT_EQ(part.at(i), mine ? full.at(i) : 0.0);
    }
    binary(BinaryOp::Add, sum, part, sum);
  }
  EXPECT_EQ(sum.values(), full.values());
  Tensor out(DType::F32, {2, 3, width});
  Tensor tooBig = makeTensor(DType::I64, {2, 3}, {0, 0, 0, 0, 0, 7});
  EXPECT_THROW(gatherSharded(table, tooBig, 0, vocab, 0, out),
               std::invalid_argument);
  EXPECT_THROW(gatherSharded(table, ids, 0, vocab, 1, out),
               std::invalid_argument);
}

TEST(ScatterAddTest, AccumulatesRepeatedAndNegativeIndices) {
  std::mt19937 rng(45);
  for (DType type : {DType::F32, DType::F64, DType::I32, DType::I64})
    for (DType indexType : {DType::I32, DType::I64}) {
      // axis 1 of an out [2, 5, 3]: rows 0, 4, 4, 0 (each hit twice).
      Tensor updates = randomTensor(rng, type, {2, 2, 2, 3});
      Tensor indices = makeTensor(indexType, {2, 2}, {0, -1, 4, -5});
      Tensor out(type, {2, 5, 3});
      scatterAdd(stridedCopy(updates), indices, 1, out);
      std::vector<int64_t> rows = {0, 4, 4, 0};
      std::vector<double> expected(2 * 5 * 3, 0.0);
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t j = 0; j < 4; ++j)
          for (int64_t c = 0; c < 3; ++c)
            expected[(a * 5 + rows[j]) * 3 + c] +=
                updates.at((a * 4 + j) * 3 + c);
      for (int64_t i = 0; i < out.size(); ++i)
        ASSERT_EQ(out.at(i),
                  type == DType::F32
                      ? static_cast<double>(static_cast<float>(expected[i]))
                      : expected[i])
            << i;
      Tensor bad = makeTensor(indexType, {1}, {5});
      Tensor badUpdates(type, {2, 1, 3});
      EXPECT_THROW(scatterAdd(badUpdates, bad, 1, out), std::invalid_argument);
      EXPECT_THROW(scatterAdd(updates, indices, 0, out), std::invalid_argument);
    }
}

} // namespace
