//===- LossScaleTest.cpp - Loss scaling: flags, scaler, hyper entries -----===//
//
// The scaler is checked against torch's GradScaler update rule
// (_amp_update_scale_, written out again below) on a long random sequence
// of finite and non-finite steps, and on the edges: halving on every skip,
// doubling after `window` good steps, no doubling past the largest f32.
//
//===----------------------------------------------------------------------===//

#include "pxrt/train.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

using namespace pxrt::train;

namespace {

LossScaleConfig dynamicConfig(double initial, int64_t window) {
  LossScaleConfig c;
  c.mode = LossScaleConfig::Mode::Dynamic;
  c.initial = initial;
  c.window = window;
  return c;
}

/// The message of the std::invalid_argument `f` throws ("" if none).
template <typename F> std::string errorOf(F f) {
  try {
    f();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "";
}

TEST(LossScale, OffAppliesEveryStepAtScaleOne) {
  LossScaler s;
  EXPECT_EQ(s.scale(), 1.0f);
  EXPECT_TRUE(s.update(true));
  EXPECT_TRUE(s.update(false)); // Nothing skips without loss scaling.
  EXPECT_EQ(s.scale(), 1.0f);
  EXPECT_EQ(s.applied(), 2);
  EXPECT_EQ(s.skipped(), 0);
}

TEST(LossScale, StaticSkipsButKeepsItsScale) {
  LossScaleConfig c;
  c.mode = LossScaleConfig::Mode::Static;
  c.scale = 1024;
  LossScaler s(c);
  EXPECT_EQ(s.scale(), 1024.0f);
  EXPECT_TRUE(s.update(true));
  EXPECT_FALSE(s.update(false));
  EXPECT_FALSE(s.update(false));
  for (int i = 0; i < 5000; ++i)
    EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 1024.0f);
  EXPECT_EQ(s.applied(), 5001);
  EXPECT_EQ(s.skipped(), 2);
}

TEST(LossScale, DynamicHalvesOnEverySkip) {
  LossScaler s(dynamicConfig(std::ldexp(1.0, 100), 2000));
  EXPECT_EQ(s.scale(), std::ldexp(1.0f, 100));
  for (int i = 1; i <= 5; ++i) {
    EXPECT_FALSE(s.update(false));
    EXPECT_EQ(s.scale(), std::ldexp(1.0f, 100 - i));
  }
  EXPECT_EQ(s.applied(), 0);
  EXPECT_EQ(s.skipped(), 5);
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), std::ldexp(1.0f, 95));
  EXPECT_EQ(s.applied(), 1);
}

TEST(LossScale, DynamicDoublesAfterWindowGoodSteps) {
  LossScaler s(dynamicConfig(65536, 3));
  EXPECT_TRUE(s.update(true));
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 65536.0f);
  EXPECT_EQ(s.goodSteps(), 2);
  EXPECT_TRUE(s.update(true)); // The third: doubles, counter restarts.
  EXPECT_EQ(s.scale(), 131072.0f);
  EXPECT_EQ(s.goodSteps(), 0);
  // A skip resets the count: two good, a skip, then three more to double.
  EXPECT_TRUE(s.update(true));
  EXPECT_TRUE(s.update(true));
  EXPECT_FALSE(s.update(false));
  EXPECT_EQ(s.scale(), 65536.0f);
  EXPECT_EQ(s.goodSteps(), 0);
  EXPECT_TRUE(s.update(true));
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 65536.0f);
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), 131072.0f);
}

TEST(LossScale, DynamicDoesNotGrowPastTheLargestF32) {
  LossScaler s(dynamicConfig(std::ldexp(1.0, 127), 1));
  EXPECT_TRUE(s.update(true));
  EXPECT_EQ(s.scale(), std::ldexp(1.0f, 127));
  EXPECT_TRUE(std::isfinite(s.scale()));
  EXPECT_EQ(s.goodSteps(), 0);
}

/// torch's _amp_update_scale_ (aten/src/ATen/native/cuda/AmpKernels.cu),
/// in f32 as torch's scale tensor.
void torchUpdate(float &scale, int64_t &tracker, bool foundInf,
                 int64_t interval) {
  if (foundInf) {
    scale = scale * 0.5f;
    tracker = 0;
    return;
  }
  int64_t successful = tracker + 1;
  if (successful == interval) {
    float grown = scale * 2.0f;
    if (std::isfinite(grown))
      scale = grown;
    tracker = 0;
  } else {
    tracker = successful;
  }
}

TEST(LossScale, DynamicFollowsTorchGradScaler) {
  std::mt19937 rng(7);
  for (int64_t window : {1, 2, 5, 50}) {
    for (double initial : {65536.0, 3.0, std::ldexp(1.0, 120)}) {
      LossScaler s(dynamicConfig(initial, window));
      float scale = static_cast<float>(initial);
      int64_t tracker = 0, applied = 0;
      for (int step = 0; step < 3000; ++step) {
        // Bursts of overflows between long good stretches.
        bool finite = std::uniform_int_distribution<int>(0, 9)(rng) != 0;
        ASSERT_EQ(s.scale(), scale) << "step " << step;
        EXPECT_EQ(s.update(finite), finite);
        torchUpdate(scale, tracker, !finite, window);
        applied += finite;
        ASSERT_EQ(s.goodSteps(), tracker);
      }
      EXPECT_EQ(s.scale(), scale);
      EXPECT_EQ(s.applied(), applied);
      EXPECT_EQ(s.skipped(), 3000 - applied);
    }
  }
}

TEST(LossScale, ParseFlag) {
  LossScaleConfig c;
  parseLossScale("dynamic", c);
  EXPECT_EQ(c.mode, LossScaleConfig::Mode::Dynamic);
  parseLossScale("1024", c);
  EXPECT_EQ(c.mode, LossScaleConfig::Mode::Static);
  EXPECT_EQ(c.scale, 1024);
  parseLossScale("off", c);
  EXPECT_EQ(c.mode, LossScaleConfig::Mode::Off);
  for (const char *bad : {"", "abc", "12x", "1e999", "Dynamic"})
    EXPECT_NE(errorOf([&] { parseLossScale(bad, c); }).find("--loss-scale"),
              std::string::npos)
        << bad;
}

TEST(LossScale, ValidateNamesTheFlag) {
  LossScaleConfig c;
  c.mode = LossScaleConfig::Mode::Static;
  for (double bad : {-1.0, 0.0, 1e39, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    c.scale = bad;
    EXPECT_NE(errorOf([&] { validate(c); }).find("--loss-scale must be"),
              std::string::npos)
        << bad;
  }
  c.scale = 3.4e38; // Still an f32.
  EXPECT_EQ(errorOf([&] { validate(c); }), "");
  c = dynamicConfig(-2, 2000);
  EXPECT_NE(errorOf([&] { validate(c); }).find("--initial-loss-scale"),
            std::string::npos);
  c = dynamicConfig(65536, 0);
  EXPECT_NE(errorOf([&] { validate(c); }).find("--loss-scale-window"),
            std::string::npos);
  c = dynamicConfig(65536, 1);
  EXPECT_EQ(errorOf([&] { validate(c); }), "");
}

TEST(LossScale, HyperEntries) {
  OptimizerConfig c;
  float h[kHyperCount];
  fillHyper(c, 1e-3, 1, h);
  EXPECT_EQ(h[kLossScale], 1.0f);
  EXPECT_EQ(h[kInvLossScale], 1.0f);
  fillHyper(c, 1e-3, 1, h, 65536.0f);
  EXPECT_EQ(h[kLossScale], 65536.0f);
  EXPECT_EQ(h[kInvLossScale], std::ldexp(1.0f, -16));
  // As GradScaler: the reciprocal in double, rounded once to f32.
  fillHyper(c, 1e-3, 1, h, 3.0f);
  EXPECT_EQ(h[kInvLossScale], static_cast<float>(1.0 / 3.0));
  fillHyper(c, 1e-3, 1, h, std::ldexp(1.0f, 127));
  EXPECT_EQ(h[kInvLossScale], std::ldexp(1.0f, -127));
}

} // namespace
