//===- OptimTest.cpp - AdamW / SGD kernels, hyper vector, lr schedule -----===//
//
// The kernels run many f32 steps and are compared with a double-precision
// reference written from torch 1.13's documented algorithms (it uses the
// optimizer settings, not the hyper vector, so fillHyper is checked too).
// The torch comparison itself is check_optim_torch.py.
//
//===----------------------------------------------------------------------===//

#include "pxrt/kernels.h"
#include "pxrt/train.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <vector>

using namespace pxrt;
using namespace pxrt::train;

namespace {

const double kPi = 3.14159265358979323846;

/// nanoGPT's get_lr(it), written out again.
double referenceLr(double lr, double minLr, int64_t warmup, int64_t decay,
                   int64_t it) {
  if (it < warmup)
    return lr * (it + 1) / (warmup + 1);
  if (decay == 0)
    return lr;
  if (it > decay)
    return minLr;
  double ratio = double(it - warmup) / double(decay - warmup);
  return minLr + 0.5 * (1 + std::cos(kPi * ratio)) * (lr - minLr);
}

/// Random f32 gradients for `steps` steps of `n` elements, with a few zeros
/// and large values mixed in.
std::vector<std::vector<float>> randomGrads(int steps, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  std::vector<std::vector<float>> grads(steps, std::vector<float>(n));
  for (auto &g : grads)
    for (int i = 0; i < n; ++i)
      g[i] =
          i % 17 == 0 ? 0.0f : (i % 13 == 0 ? 50 * normal(rng) : normal(rng));
  return grads;
}

std::vector<float> randomParams(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2, 2);
  std::vector<float> p(n);
  for (float &x : p)
    x = uniform(rng);
  return p;
}

void expectClose(const std::vector<float> &actual,
                 const std::vector<double> &expected, double tolerance,
                 const char *what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i],
                tolerance * std::max(1.0, std::fabs(expected[i])))
        << what << " element " << i;
}

struct AdamCase {
  double lr, minLr, beta1, beta2, eps, wd;
  int64_t warmup, decay;
};

// Readable test names (instead of the struct's bytes, padding included).
void PrintTo(const AdamCase &c, std::ostream *os) {
  *os << "lr=" << c.lr << ",min_lr=" << c.minLr << ",betas=" << c.beta1 << "/"
      << c.beta2 << ",eps=" << c.eps << ",wd=" << c.wd << ",warmup=" << c.warmup
      << ",decay=" << c.decay;
}

class AdamWTest : public ::testing::TestWithParam<AdamCase> {};

TEST_P(AdamWTest, MatchesDoubleReferenceOverManySteps) {
  const AdamCase c = GetParam();
  const int n = 257, steps = 120;
  OptimizerConfig config;
  config.lr = c.lr;
  config.beta1 = c.beta1;
  config.beta2 = c.beta2;
  config.eps = c.eps;
  config.weightDecay = c.wd;
  Schedule schedule{c.warmup, c.decay, c.minLr};
  validate(config, schedule);

  auto grads = randomGrads(steps, n, 7);
  std::vector<float> p = randomParams(n, 3), m(n, 0), v(n, 0);
  std::vector<double> rp(p.begin(), p.end()), rm(n, 0), rv(n, 0);
  float hyper[kHyperCount];
  for (int s = 0; s < steps; ++s) {
    double lr = learningRate(c.lr, schedule, s);
    ASSERT_DOUBLE_EQ(lr, referenceLr(c.lr, c.minLr, c.warmup, c.decay, s));
    fillHyper(config, lr, s + 1, hyper);
    // In place, as the compiled step updates its persistent buffers.
    cpu::adamw(p.data(), grads[s].data(), m.data(), v.data(), p.data(),
               m.data(), v.data(), n, hyper);
    int t = s + 1;
    double bc1 = 1 - std::pow(c.beta1, t), bc2 = 1 - std::pow(c.beta2, t);
    for (int i = 0; i < n; ++i) {
      double g = grads[s][i];
      rp[i] *= 1 - lr * c.wd;
      rm[i] = c.beta1 * rm[i] + (1 - c.beta1) * g;
      rv[i] = c.beta2 * rv[i] + (1 - c.beta2) * g * g;
      rp[i] -= lr / bc1 * rm[i] / (std::sqrt(rv[i]) / std::sqrt(bc2) + c.eps);
    }
  }
  expectClose(p, rp, 2e-5, "param");
  expectClose(m, rm, 2e-5, "exp_avg");
  expectClose(v, rv, 2e-5, "exp_avg_sq");
  // The run moved the parameters (a test that cannot fail otherwise).
  double moved = 0;
  std::vector<float> p0 = randomParams(n, 3);
  for (int i = 0; i < n; ++i)
    moved = std::max(moved, std::fabs(double(p[i]) - p0[i]));
  EXPECT_GT(moved, 10 * c.lr);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, AdamWTest,
    ::testing::Values(AdamCase{1e-3, 0, 0.9, 0.999, 1e-8, 0.01, 0, 0},
                      AdamCase{6e-4, 6e-5, 0.9, 0.95, 1e-8, 0.1, 10, 100},
                      AdamCase{1e-2, 1e-3, 0.8, 0.99, 1e-6, 0, 5, 0},
                      AdamCase{3e-3, 0, 0.0, 0.5, 1e-4, 0.5, 0, 60}));

struct SgdCase {
  double lr, momentum, dampening, wd;
  bool nesterov;
};

void PrintTo(const SgdCase &c, std::ostream *os) {
  *os << "lr=" << c.lr << ",momentum=" << c.momentum
      << ",dampening=" << c.dampening << ",wd=" << c.wd
      << ",nesterov=" << c.nesterov;
}

class SgdTest : public ::testing::TestWithParam<SgdCase> {};

TEST_P(SgdTest, MatchesDoubleReferenceOverManySteps) {
  const SgdCase c = GetParam();
  const int n = 129, steps = 80;
  OptimizerConfig config;
  config.optimizer = "sgd";
  config.lr = c.lr;
  config.momentum = c.momentum;
  config.dampening = c.dampening;
  config.weightDecay = c.wd;
  config.nesterov = c.nesterov;
  Schedule schedule{3, 50, c.lr / 10};
  validate(config, schedule);

  auto grads = randomGrads(steps, n, 11);
  std::vector<float> p = randomParams(n, 5), buf(n, 123.0f); // garbage: the
  std::vector<double> rp(p.begin(), p.end()), rbuf(n, 0); // first step copies
  std::vector<float> pOut(n), bufOut(n);
  float hyper[kHyperCount];
  for (int s = 0; s < steps; ++s) {
    double lr = learningRate(c.lr, schedule, s);
    fillHyper(config, lr, s + 1, hyper);
    // Out of place here (the AdamW test covers in place).
    cpu::sgd(p.data(), grads[s].data(), buf.data(), pOut.data(), bufOut.data(),
             n, hyper);
    p = pOut;
    buf = bufOut;
    for (int i = 0; i < n; ++i) {
      double d = grads[s][i] + c.wd * rp[i];
      if (c.momentum != 0) {
        rbuf[i] = s == 0 ? d : c.momentum * rbuf[i] + (1 - c.dampening) * d;
        d = c.nesterov ? d + c.momentum * rbuf[i] : rbuf[i];
      }
      rp[i] -= lr * d;
    }
  }
  expectClose(p, rp, 2e-5, "param");
  if (c.momentum != 0)
    expectClose(buf, rbuf, 2e-5, "momentum_buffer");
  else
    for (float b : buf) // Without momentum the buffer is left alone.
      ASSERT_EQ(b, 123.0f);
}

INSTANTIATE_TEST_SUITE_P(Configs, SgdTest,
                         ::testing::Values(SgdCase{0.05, 0, 0, 0, false},
                                           SgdCase{0.02, 0.9, 0, 1e-3, false},
                                           SgdCase{0.02, 0.9, 0.3, 0, false},
                                           SgdCase{0.01, 0.8, 0, 0.01, true}));

TEST(Optim, InPlaceEqualsOutOfPlaceBitForBit) {
  const int n = 100;
  auto grads = randomGrads(1, n, 1);
  std::vector<float> p = randomParams(n, 2), m = randomParams(n, 3),
                     v = randomParams(n, 4);
  for (float &x : v)
    x = x * x;
  OptimizerConfig config;
  float hyper[kHyperCount];
  fillHyper(config, 1e-2, 5, hyper);
  std::vector<float> p2 = p, m2 = m, v2 = v, po(n), mo(n), vo(n);
  cpu::adamw(p.data(), grads[0].data(), m.data(), v.data(), po.data(),
             mo.data(), vo.data(), n, hyper);
  cpu::adamw(p2.data(), grads[0].data(), m2.data(), v2.data(), p2.data(),
             m2.data(), v2.data(), n, hyper);
  EXPECT_EQ(0, std::memcmp(po.data(), p2.data(), n * 4));
  EXPECT_EQ(0, std::memcmp(mo.data(), m2.data(), n * 4));
  EXPECT_EQ(0, std::memcmp(vo.data(), v2.data(), n * 4));
  EXPECT_NE(0, std::memcmp(po.data(), p.data(), n * 4));
}

TEST(Optim, HyperVectorHoldsTheDocumentedValues) {
  OptimizerConfig c;
  c.lr = 6e-4;
  c.beta1 = 0.9;
  c.beta2 = 0.95;
  c.eps = 1e-8;
  c.weightDecay = 0.1;
  c.momentum = 0.7;
  c.dampening = 0.2;
  c.clipNorm = 1.5;
  float h[kHyperCount];
  double lr = 3e-4;
  fillHyper(c, lr, 7, h);
  EXPECT_EQ(h[kLr], float(lr));
  EXPECT_EQ(h[kDecay], float(1 - lr * 0.1));
  EXPECT_EQ(h[kBeta1], 0.9f);
  EXPECT_EQ(h[kOneMinusBeta1], float(1 - 0.9));
  EXPECT_EQ(h[kBeta2], 0.95f);
  EXPECT_EQ(h[kOneMinusBeta2], float(1 - 0.95));
  EXPECT_EQ(h[kStepSize], float(lr / (1 - std::pow(0.9, 7))));
  EXPECT_EQ(h[kBiasCorrection2Sqrt], float(std::sqrt(1 - std::pow(0.95, 7))));
  EXPECT_EQ(h[kEps], 1e-8f);
  EXPECT_EQ(h[kWeightDecay], 0.1f);
  EXPECT_EQ(h[kMomentum], 0.7f);
  EXPECT_EQ(h[kOneMinusDampening], float(1 - 0.2));
  EXPECT_EQ(h[kNesterov], 0.0f);
  EXPECT_EQ(h[kFirstStep], 0.0f);
  EXPECT_EQ(h[kClipMaxNorm], 1.5f);
  EXPECT_EQ(h[kStep], 7.0f);
  fillHyper(c, lr, 1, h);
  EXPECT_EQ(h[kFirstStep], 1.0f);
  c.clipNorm = 0; // Off: min(1, max_norm / (norm + 1e-6)) must be 1.
  fillHyper(c, lr, 2, h);
  EXPECT_EQ(std::fmin(1.0f, h[kClipMaxNorm] / (12.5f + 1e-6f)), 1.0f);
  EXPECT_THROW(fillHyper(c, lr, 0, h), std::invalid_argument);
}

TEST(Optim, ScheduleShape) {
  Schedule s{10, 100, 1e-4};
  double lr = 1e-3;
  EXPECT_DOUBLE_EQ(learningRate(lr, s, 0), lr / 11);
  EXPECT_DOUBLE_EQ(learningRate(lr, s, 9), lr * 10 / 11);
  EXPECT_DOUBLE_EQ(learningRate(lr, s, 10), lr); // cos(0): the peak
  EXPECT_NEAR(learningRate(lr, s, 55), (lr + 1e-4) / 2, 1e-15);
  EXPECT_DOUBLE_EQ(learningRate(lr, s, 100), 1e-4);
  EXPECT_DOUBLE_EQ(learningRate(lr, s, 5000), 1e-4);
  for (int64_t t = 11; t <= 100; ++t)
    EXPECT_LT(learningRate(lr, s, t), learningRate(lr, s, t - 1)) << t;
  Schedule constant{};
  EXPECT_EQ(learningRate(lr, constant, 0), lr);
  EXPECT_EQ(learningRate(lr, constant, 123456), lr);
}

TEST(Optim, ValidateNamesTheFlag) {
  auto message = [](OptimizerConfig c, Schedule s) -> std::string {
    try {
      validate(c, s);
    } catch (const std::invalid_argument &e) {
      return e.what();
    }
    return "";
  };
  OptimizerConfig ok;
  EXPECT_EQ(message(ok, {}), "");
  OptimizerConfig c = ok;
  c.optimizer = "lamb";
  EXPECT_NE(message(c, {}).find("--optimizer"), std::string::npos);
  c = ok;
  c.lr = -1;
  EXPECT_NE(message(c, {}).find("--lr"), std::string::npos);
  c = ok;
  c.lr = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(message(c, {}).find("--lr"), std::string::npos);
  c = ok;
  c.beta2 = 1;
  EXPECT_NE(message(c, {}).find("--beta2"), std::string::npos);
  c = ok;
  c.eps = 0;
  EXPECT_NE(message(c, {}).find("--eps"), std::string::npos);
  c = ok;
  c.nesterov = true;
  EXPECT_NE(message(c, {}).find("--nesterov"), std::string::npos);
  EXPECT_NE(message(ok, {10, 10, 0}).find("--decay-steps"), std::string::npos);
  EXPECT_NE(message(ok, {-1, 0, 0}).find("--warmup-steps"), std::string::npos);
}

TEST(Optim, NegativeCountThrows) {
  float x = 0, h[kHyperCount] = {};
  EXPECT_THROW(cpu::adamw(&x, &x, &x, &x, &x, &x, &x, -1, h),
               std::invalid_argument);
  EXPECT_THROW(cpu::sgd(&x, &x, &x, &x, &x, -1, h), std::invalid_argument);
}

} // namespace
