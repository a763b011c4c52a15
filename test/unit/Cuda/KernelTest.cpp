//===- KernelTest.cpp - libpxrt_cuda's kernels against the CPU's ----------===//
//
// Each test runs a CUDA kernel and the CPU kernel of the same name on the
// same random inputs and compares (bitwise where the formulas are the same
// roundings, else to a relative tolerance). Without a usable GPU every
// test is skipped.
//
//===----------------------------------------------------------------------===//

#include "pxrt/cuda.h"
#include "pxrt/train.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

namespace cu = pxrt::cuda;
namespace cpu = pxrt::cpu;
using pxrt::DType;

bool haveGpu() {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

class CudaKernel : public ::testing::Test {
protected:
  void SetUp() override {
    if (!haveGpu())
      GTEST_SKIP() << "no usable CUDA device";
  }
};

std::vector<float> randomFloats(size_t n, unsigned seed, float scale = 1) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// A device copy of host data, read back with host().
template <class T> struct Device {
  explicit Device(const std::vector<T> &data)
      : buffer(data.size() * sizeof(T)), n(data.size()) {
    cu::copyToDevice(buffer.data(), data.data(), data.size() * sizeof(T));
  }
  explicit Device(size_t n) : buffer(n * sizeof(T)), n(n) {}
  std::vector<T> host() const {
    std::vector<T> out(n);
    cu::copyToHost(out.data(), buffer.data(), n * sizeof(T));
    return out;
  }
  cu::TensorView view(DType type, std::initializer_list<int64_t> shape) const {
    return cu::contiguousView(buffer.data(), type, shape);
  }
  cu::DeviceBuffer buffer;
  size_t n;
};

void expectClose(const std::vector<float> &expected,
                 const std::vector<float> &actual, float rtol,
                 float atol = 1e-6f) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], atol + rtol * std::fabs(expected[i]))
        << "element " << i;
}

TEST_F(CudaKernel, UnaryMatchesCpu) {
  std::vector<float> x = randomFloats(1000, 1, 2);
  for (float &v : x)
    v = std::fabs(v) + 0.1f; // log, sqrt need positive values
  auto run = [&](cpu::UnaryOp op) {
    std::vector<float> expected(x.size());
    cpu::unary(op, cpu::contiguousView(x.data(), DType::F32, {1000}),
               cpu::contiguousView(expected.data(), DType::F32, {1000}));
    Device<float> in(x), out(x.size());
    cu::unary(op, in.view(DType::F32, {1000}), out.view(DType::F32, {1000}));
    return std::make_pair(expected, out.host());
  };
  // pxrt/math.h's functions, on both sides: the same bits.
  for (auto op :
       {cpu::UnaryOp::Exp, cpu::UnaryOp::Tanh, cpu::UnaryOp::Erf,
        cpu::UnaryOp::Sigmoid, cpu::UnaryOp::Gelu, cpu::UnaryOp::GeluTanh,
        cpu::UnaryOp::Neg, cpu::UnaryOp::Relu, cpu::UnaryOp::Sqrt}) {
    auto [expected, actual] = run(op);
    EXPECT_EQ(expected, actual) << "op " << static_cast<int>(op);
  }
  // libm against CUDA's.
  for (auto op : {cpu::UnaryOp::Log, cpu::UnaryOp::Sin, cpu::UnaryOp::Cos}) {
    auto [expected, actual] = run(op);
    expectClose(expected, actual, 2e-6f);
  }
}

TEST_F(CudaKernel, BinaryBroadcasts) {
  std::vector<float> a = randomFloats(4 * 8, 2), b = randomFloats(8, 3);
  std::vector<float> expected(32);
  cpu::binary(cpu::BinaryOp::Mul,
              cpu::contiguousView(a.data(), DType::F32, {4, 8}),
              cpu::contiguousView(b.data(), DType::F32, {8}),
              cpu::contiguousView(expected.data(), DType::F32, {4, 8}));
  Device<float> da(a), db(b), out(32);
  cu::binary(cpu::BinaryOp::Mul, da.view(DType::F32, {4, 8}),
             db.view(DType::F32, {8}), out.view(DType::F32, {4, 8}));
  expectClose(expected, out.host(), 0);
}

TEST_F(CudaKernel, ReduceSumMeanMax) {
  std::vector<float> x = randomFloats(6 * 5 * 7, 4);
  for (auto kind :
       {cpu::ReduceKind::Sum, cpu::ReduceKind::Mean, cpu::ReduceKind::Max}) {
    std::vector<float> expected(6 * 7);
    cpu::reduce(kind, cpu::contiguousView(x.data(), DType::F32, {6, 5, 7}), {1},
                false,
                cpu::contiguousView(expected.data(), DType::F32, {6, 7}));
    Device<float> in(x), out(42);
    cu::reduce(kind, in.view(DType::F32, {6, 5, 7}), {1}, false,
               out.view(DType::F32, {6, 7}));
    expectClose(expected, out.host(), 1e-6f);
  }
  // Everything into one scalar (a block reduction).
  std::vector<float> big = randomFloats(100000, 5);
  float expected = 0;
  cpu::reduce(cpu::ReduceKind::Sum,
              cpu::contiguousView(big.data(), DType::F32, {100000}), {0}, false,
              cpu::contiguousView(&expected, DType::F32, {}));
  Device<float> in(big), out(1);
  cu::reduce(cpu::ReduceKind::Sum, in.view(DType::F32, {100000}), {0}, false,
             out.view(DType::F32, {}));
  expectClose({expected}, out.host(), 1e-6f);
}

TEST_F(CudaKernel, SoftmaxAndNorms) {
  std::vector<float> x = randomFloats(8 * 96, 6, 3),
                     scale = randomFloats(96, 7), bias = randomFloats(96, 8);
  auto hv = [](std::vector<float> &v, std::initializer_list<int64_t> s) {
    return cpu::contiguousView(v.data(), DType::F32, s);
  };
  std::vector<float> soft(768), ln(768), rms(768);
  cpu::softmax(hv(x, {8, 96}), -1, hv(soft, {8, 96}));
  cpu::TensorView s = hv(scale, {96}), b = hv(bias, {96});
  cpu::layerNorm(hv(x, {8, 96}), &s, &b, -1, 1e-5, hv(ln, {8, 96}));
  cpu::rmsNorm(hv(x, {8, 96}), &s, -1, 1e-6, hv(rms, {8, 96}));
  Device<float> in(x), ds(scale), db(bias), out(768);
  cu::softmax(in.view(DType::F32, {8, 96}), -1, out.view(DType::F32, {8, 96}));
  expectClose(soft, out.host(), 1e-5f);
  cu::TensorView cs = ds.view(DType::F32, {96}), cb = db.view(DType::F32, {96});
  cu::layerNorm(in.view(DType::F32, {8, 96}), &cs, &cb, -1, 1e-5,
                out.view(DType::F32, {8, 96}));
  expectClose(ln, out.host(), 1e-5f, 1e-5f);
  cu::rmsNorm(in.view(DType::F32, {8, 96}), &cs, -1, 1e-6,
              out.view(DType::F32, {8, 96}));
  expectClose(rms, out.host(), 1e-5f, 1e-5f);
  // Softmax over a leading axis (strided rows).
  cpu::softmax(hv(x, {8, 96}), 0, hv(soft, {8, 96}));
  cu::softmax(in.view(DType::F32, {8, 96}), 0, out.view(DType::F32, {8, 96}));
  expectClose(soft, out.host(), 1e-5f);
}

TEST_F(CudaKernel, CrossEntropyWithIgnoredLabels) {
  std::vector<float> logits = randomFloats(10 * 50, 9, 2);
  std::vector<int64_t> labels = {1, 4, -100, 49, 0, 7, 7, -100, 3, 20};
  float expected = 0;
  cpu::crossEntropy(cpu::contiguousView(logits.data(), DType::F32, {10, 50}),
                    cpu::contiguousView(labels.data(), DType::I64, {10}),
                    cpu::LossReduction::Mean, -100,
                    cpu::contiguousView(&expected, DType::F32, {}));
  Device<float> dl(logits), out(1);
  Device<int64_t> dy(labels);
  cu::crossEntropy(dl.view(DType::F32, {10, 50}), dy.view(DType::I64, {10}),
                   cpu::LossReduction::Mean, -100, out.view(DType::F32, {}));
  expectClose({expected}, out.host(), 1e-6f);
}

TEST_F(CudaKernel, GatherAndScatterAdd) {
  std::vector<float> table = randomFloats(20 * 6, 10);
  std::vector<int32_t> ids = {3, 19, 0, 3, -1, 7};
  std::vector<float> expected(6 * 6), grad(20 * 6);
  cpu::gather(cpu::contiguousView(table.data(), DType::F32, {20, 6}),
              cpu::contiguousView(ids.data(), DType::I32, {2, 3}), 0,
              cpu::contiguousView(expected.data(), DType::F32, {2, 3, 6}));
  Device<float> dt(table), out(36), dg(120);
  Device<int32_t> di(ids);
  cu::gather(dt.view(DType::F32, {20, 6}), di.view(DType::I32, {2, 3}), 0,
             out.view(DType::F32, {2, 3, 6}));
  expectClose(expected, out.host(), 0);
  cpu::scatterAdd(cpu::contiguousView(expected.data(), DType::F32, {2, 3, 6}),
                  cpu::contiguousView(ids.data(), DType::I32, {2, 3}), 0,
                  cpu::contiguousView(grad.data(), DType::F32, {20, 6}));
  cu::scatterAdd(out.view(DType::F32, {2, 3, 6}), di.view(DType::I32, {2, 3}),
                 0, dg.view(DType::F32, {20, 6}));
  expectClose(grad, dg.host(), 1e-6f);
}

TEST_F(CudaKernel, MatmulTransposedAndBatched) {
  // [2, 5, 7] x [7, 3] (broadcast batch), lhs read through a transpose.
  std::vector<float> lhsT = randomFloats(2 * 7 * 5, 11),
                     rhs = randomFloats(21, 12);
  std::vector<float> expected(2 * 5 * 3);
  cpu::TensorView hl = cpu::permuteView(
      cpu::contiguousView(lhsT.data(), DType::F32, {2, 7, 5}), {0, 2, 1});
  cpu::matmul(hl, cpu::contiguousView(rhs.data(), DType::F32, {7, 3}),
              cpu::contiguousView(expected.data(), DType::F32, {2, 5, 3}));
  Device<float> dl(lhsT), dr(rhs), out(30);
  cu::matmul(cu::permuteView(dl.view(DType::F32, {2, 7, 5}), {0, 2, 1}),
             dr.view(DType::F32, {7, 3}), out.view(DType::F32, {2, 5, 3}));
  expectClose(expected, out.host(), 1e-5f, 1e-5f);
  // linear with PyTorch's weight layout and a bias.
  std::vector<float> x = randomFloats(4 * 7, 13), w = randomFloats(3 * 7, 14),
                     b = randomFloats(3, 15), y(12);
  cpu::TensorView hb = cpu::contiguousView(b.data(), DType::F32, {3});
  cpu::linear(cpu::contiguousView(x.data(), DType::F32, {4, 7}),
              cpu::contiguousView(w.data(), DType::F32, {3, 7}), &hb, true,
              cpu::contiguousView(y.data(), DType::F32, {4, 3}));
  Device<float> dx(x), dw(w), dbias(b), dy(12);
  cu::TensorView cb = dbias.view(DType::F32, {3});
  cu::linear(dx.view(DType::F32, {4, 7}), dw.view(DType::F32, {3, 7}), &cb,
             true, dy.view(DType::F32, {4, 3}));
  expectClose(y, dy.host(), 1e-5f, 1e-5f);
}

TEST_F(CudaKernel, AdamWGivesTheCpuBits) {
  size_t n = 4097;
  std::vector<float> p = randomFloats(n, 16), g = randomFloats(n, 17),
                     m = randomFloats(n, 18, 0.1f), v = randomFloats(n, 19);
  for (float &x : v)
    x = x * x;
  std::vector<float> hyper(pxrt::train::kHyperCount, 0);
  pxrt::train::OptimizerConfig config;
  pxrt::train::fillHyper(config, 1e-3, 3, hyper.data());
  std::vector<float> cp = p, cm = m, cv = v;
  cpu::adamw(cp.data(), g.data(), cm.data(), cv.data(), cp.data(), cm.data(),
             cv.data(), n, hyper.data());
  Device<float> dp(p), dg(g), dm(m), dv(v), dh(hyper);
  auto f = [](const Device<float> &d) {
    return static_cast<float *>(static_cast<void *>(d.buffer.data()));
  };
  cu::adamw(f(dp), f(dg), f(dm), f(dv), f(dp), f(dm), f(dv), n, f(dh));
  EXPECT_EQ(dp.host(), cp);
  EXPECT_EQ(dm.host(), cm);
  EXPECT_EQ(dv.host(), cv);
}

TEST_F(CudaKernel, DataMovement) {
  std::vector<float> x = randomFloats(3 * 4 * 5, 20);
  std::vector<float> expected(60);
  cpu::transpose(cpu::contiguousView(x.data(), DType::F32, {3, 4, 5}),
                 {2, 0, 1},
                 cpu::contiguousView(expected.data(), DType::F32, {5, 3, 4}));
  Device<float> in(x), out(60);
  cu::transpose(in.view(DType::F32, {3, 4, 5}), {2, 0, 1},
                out.view(DType::F32, {5, 3, 4}));
  expectClose(expected, out.host(), 0);
  // Chunks along dim 1 packed, then unpacked back.
  Device<float> packed(60), back(60);
  cu::packChunks(in.view(DType::F32, {3, 4, 5}), 1, 3, packed.buffer.data());
  cu::unpackChunks(packed.buffer.data(), 1, 3,
                   back.view(DType::F32, {3, 4, 5}));
  EXPECT_EQ(back.host(), x);
  std::vector<float> lower(60);
  cpu::trilu(cpu::contiguousView(x.data(), DType::F32, {3, 4, 5}), false, 0,
             cpu::contiguousView(lower.data(), DType::F32, {3, 4, 5}));
  cu::trilu(in.view(DType::F32, {3, 4, 5}), false, 0,
            out.view(DType::F32, {3, 4, 5}));
  expectClose(lower, out.host(), 0);
}

} // namespace
