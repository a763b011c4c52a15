//===- NormalizeTest.cpp - softmax, log_softmax, layer_norm, rms_norm -----===//

#include "KernelTestUtil.h"

using namespace pxrt;
using namespace pxrt::cpu;
using namespace pxrt::test;

namespace {

/// Tolerance of a normalized value: a few ulps of the dtype plus the f32
/// compute (f64 for f64).
double normTolerance(DType type, double value) {
  return tolerance(type, value, 8) + (type == DType::F64 ? 1e-14 : 2e-7);
}

/// [outer, n, inner] decomposition of `shape` around `axis`.
void split3(const Shape &shape, int axis, int64_t &outer, int64_t &n,
            int64_t &inner) {
  outer = inner = 1;
  for (int d = 0; d < axis; ++d)
    outer *= shape[d];
  n = shape[axis];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
}

TEST(SoftmaxTest, AxesDtypesAndLayouts) {
  std::mt19937 rng(30);
  Shape shape = {3, 11, 37};
  for (DType type : floatTypes())
    for (int axis : {-1, 1, 0})
      for (bool log : {false, true}) {
        Tensor in = randomTensor(rng, type, shape, -8, 8);
        Tensor out(type, shape);
        Tensor out2 = stridedCopy(Tensor(type, shape));
        if (log) {
          logSoftmax(in, axis, out);
          logSoftmax(stridedCopy(in), axis, out2);
        } else {
          softmax(in, axis, out);
          softmax(stridedCopy(in), axis, out2);
        }
        int64_t outer, n, inner;
        split3(shape, axis < 0 ? axis + 3 : axis, outer, n, inner);
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t c = 0; c < inner; ++c) {
            auto at = [&](int64_t i) { return (o * n + i) * inner + c; };
            double max = -INFINITY, sum = 0;
            for (int64_t i = 0; i < n; ++i)
              max = std::max(max, in.at(at(i)));
            for (int64_t i = 0; i < n; ++i)
              sum += std::exp(in.at(at(i)) - max);
            for (int64_t i = 0; i < n; ++i) {
              double x = in.at(at(i)) - max;
              double want = log ? x - std::log(sum) : std::exp(x) / sum;
              ASSERT_NEAR(out.at(at(i)), want,
                          normTolerance(type, want) *
                              (log ? 4 : 1)) // |x - shift| sums two values
                  << dtypeName(type) << " axis " << axis << " log " << log;
            }
          }
        // The result does not depend on the layout.
        EXPECT_TRUE(sameBits(out, out2)) << dtypeName(type);
      }
}

TEST(SoftmaxTest, ExtremeRows) {
  Tensor in =
      makeTensor(DType::F32, {2, 3}, {1000, 0, -1000, -INFINITY, 0, -INFINITY});
  Tensor out(DType::F32, {2, 3});
  softmax(in, -1, out);
  EXPECT_EQ(out.values(), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  Tensor nan = makeTensor(DType::F32, {3}, {1, NAN, 2});
  Tensor out3(DType::F32, {3});
  softmax(nan, 0, out3);
  for (double v : out3.values())
    EXPECT_TRUE(std::isnan(v));
  Tensor ints(DType::I32, {3});
  EXPECT_THROW(softmax(ints, 0, ints), std::invalid_argument);
  EXPECT_THROW(softmax(out3, 1, out3), std::invalid_argument);
}

TEST(NormTest, LayerNormAndRmsNorm) {
  std::mt19937 rng(31);
  Shape shape = {4, 5, 39};
  for (DType type : floatTypes())
    for (int axis : {2, 1, -1})
      for (bool rms : {false, true})
        for (int params = 0; params < 4; ++params) {
          bool withScale = params & 1, withBias = params & 2;
          if (rms && withBias)
            continue;
          int dim = axis < 0 ? axis + 3 : axis;
          Shape paramShape(shape.begin() + dim, shape.end());
          Tensor in = randomTensor(rng, type, shape, -3, 5);
          Tensor scale = randomTensor(rng, type, paramShape, 0.5, 2);
          Tensor bias = randomTensor(rng, type, paramShape);
          Tensor out(type, shape), out2 = stridedCopy(Tensor(type, shape));
          const double epsilon = 1e-5;
          const TensorView *s = withScale ? &scale.view : nullptr;
          const TensorView *b = withBias ? &bias.view : nullptr;
          Tensor strided = stridedCopy(in);
          if (rms) {
            rmsNorm(in, s, axis, epsilon, out);
            rmsNorm(strided, s, axis, epsilon, out2);
          } else {
            layerNorm(in, s, b, axis, epsilon, out);
            layerNorm(strided, s, b, axis, epsilon, out2);
          }
          int64_t n = numel(paramShape), rows = in.size() / n;
          for (int64_t r = 0; r < rows; ++r) {
            double mean = 0, var = 0;
            for (int64_t i = 0; i < n; ++i)
              mean += in.at(r * n + i);
            mean = rms ? 0 : mean / n;
            for (int64_t i = 0; i < n; ++i)
              var += (in.at(r * n + i) - mean) * (in.at(r * n + i) - mean);
            double rstd = 1 / std::sqrt(var / n + epsilon);
            for (int64_t i = 0; i < n; ++i) {
              double want = (in.at(r * n + i) - mean) * rstd;
              if (withScale)
                want *= scale.at(i);
              if (withBias)
                want += bias.at(i);
              ASSERT_NEAR(out.at(r * n + i), want,
                          4 * normTolerance(type, want))
                  << dtypeName(type) << " axis " << axis << " rms " << rms
                  << " params " << params;
            }
          }
          EXPECT_TRUE(sameBits(out, out2));
        }
  Tensor in(DType::F32, {2, 3}), wrong(DType::F32, {2});
  EXPECT_THROW(layerNorm(in, &wrong.view, nullptr, 1, 1e-5, in),
               std::invalid_argument);
}

} // namespace
