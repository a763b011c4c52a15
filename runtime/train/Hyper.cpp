//===- Hyper.cpp - Learning-rate schedule and the hyper vector ------------===//

#include "pxrt/train.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace pxrt::train {

void validate(const OptimizerConfig &config, const Schedule &schedule) {
  auto fail = [](const std::string &what) {
    throw std::invalid_argument(what);
  };
  if (config.optimizer != "adamw" && config.optimizer != "sgd")
    fail("--optimizer must be adamw or sgd, not '" + config.optimizer + "'");
  // !(x >= 0) also rejects NaN.
  if (!(config.lr >= 0) || !std::isfinite(config.lr))
    fail("--lr must be a finite number >= 0");
  if (!(schedule.minLr >= 0) || !std::isfinite(schedule.minLr))
    fail("--min-lr must be a finite number >= 0");
  if (!(config.beta1 >= 0 && config.beta1 < 1))
    fail("--beta1 must be in [0, 1)");
  if (!(config.beta2 >= 0 && config.beta2 < 1))
    fail("--beta2 must be in [0, 1)");
  if (!(config.eps > 0))
    fail("--eps must be > 0");
  if (!(config.weightDecay >= 0) || !std::isfinite(config.weightDecay))
    fail("--weight-decay must be a finite number >= 0");
  if (!(config.momentum >= 0) || !std::isfinite(config.momentum))
    fail("--momentum must be a finite number >= 0");
  if (!std::isfinite(config.dampening))
    fail("--dampening must be finite");
  if (config.nesterov && (config.momentum <= 0 || config.dampening != 0))
    fail("--nesterov needs --momentum > 0 and --dampening=0 (as in torch)");
  if (!(config.clipNorm >= 0))
    fail("--clip-norm must be >= 0 (0: off)");
  if (schedule.warmupSteps < 0)
    fail("--warmup-steps must be >= 0");
  if (schedule.decaySteps < 0)
    fail("--decay-steps must be >= 0 (0: no decay)");
  if (schedule.decaySteps > 0 && schedule.decaySteps <= schedule.warmupSteps)
    fail("--decay-steps must exceed --warmup-steps");
}

double learningRate(double lr, const Schedule &schedule, int64_t step) {
  const double pi = 3.14159265358979323846;
  if (step < schedule.warmupSteps)
    return lr * static_cast<double>(step + 1) /
           static_cast<double>(schedule.warmupSteps + 1);
  if (schedule.decaySteps <= 0)
    return lr;
  if (step > schedule.decaySteps)
    return schedule.minLr;
  double ratio =
      static_cast<double>(step - schedule.warmupSteps) /
      static_cast<double>(schedule.decaySteps - schedule.warmupSteps);
  double coeff = 0.5 * (1.0 + std::cos(pi * ratio));
  return schedule.minLr + coeff * (lr - schedule.minLr);
}

void fillHyper(const OptimizerConfig &config, double lr, int64_t t,
               float *hyper, float lossScale) {
  if (t < 1)
    throw std::invalid_argument("fillHyper: the optimizer step is 1-based");
  double step = static_cast<double>(t);
  // As torch: bias corrections from Python float powers, then one rounding
  // to f32 when the scalar meets an f32 tensor.
  double biasCorrection1 = 1 - std::pow(config.beta1, step);
  double biasCorrection2 = 1 - std::pow(config.beta2, step);
  auto set = [&](int index, double value) {
    hyper[index] = static_cast<float>(value);
  };
  set(kLr, lr);
  set(kDecay, 1 - lr * config.weightDecay);
  set(kBeta1, config.beta1);
  set(kOneMinusBeta1, 1 - config.beta1);
  set(kBeta2, config.beta2);
  set(kOneMinusBeta2, 1 - config.beta2);
  set(kStepSize, lr / biasCorrection1);
  set(kBiasCorrection2Sqrt, std::sqrt(biasCorrection2));
  set(kEps, config.eps);
  set(kWeightDecay, config.weightDecay);
  set(kMomentum, config.momentum);
  set(kOneMinusDampening, 1 - config.dampening);
  set(kNesterov, config.nesterov ? 1 : 0);
  set(kFirstStep, t == 1 ? 1 : 0);
  set(kClipMaxNorm, config.clipNorm > 0
                        ? config.clipNorm
                        : std::numeric_limits<double>::infinity());
  set(kStep, step);
  hyper[kLossScale] = lossScale;
  // GradScaler: inv_scale = scale.double().reciprocal().float().
  set(kInvLossScale, 1.0 / static_cast<double>(lossScale));
}

void parseLossScale(const std::string &text, LossScaleConfig &config) {
  if (text == "off") {
    config.mode = LossScaleConfig::Mode::Off;
    return;
  }
  if (text == "dynamic") {
    config.mode = LossScaleConfig::Mode::Dynamic;
    return;
  }
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw std::invalid_argument("--loss-scale must be off, dynamic or a "
                                "positive number, not '" +
                                text + "'");
  config.mode = LossScaleConfig::Mode::Static;
  config.scale = value;
}

/// `value` as the user would write it (not std::to_string's 6 decimals).
static std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

/// A scale the program can use: positive and finite in f32.
static bool isScale(double value) {
  return value > 0 && value <= std::numeric_limits<float>::max();
}

void validate(const LossScaleConfig &config) {
  if (config.mode == LossScaleConfig::Mode::Static && !isScale(config.scale))
    throw std::invalid_argument(
        "--loss-scale must be a positive number no larger than the largest "
        "f32 (3.4e38), not " +
        number(config.scale));
  if (!isScale(config.initial))
    throw std::invalid_argument(
        "--initial-loss-scale must be a positive number no larger than the "
        "largest f32 (3.4e38), not " +
        number(config.initial));
  if (config.window < 1)
    throw std::invalid_argument("--loss-scale-window must be at least 1, not " +
                                std::to_string(config.window));
}

LossScaler::LossScaler(const LossScaleConfig &config) : config_(config) {
  switch (config.mode) {
  case LossScaleConfig::Mode::Off:
    scale_ = 1;
    break;
  case LossScaleConfig::Mode::Static:
    scale_ = static_cast<float>(config.scale);
    break;
  case LossScaleConfig::Mode::Dynamic:
    scale_ = static_cast<float>(config.initial);
    break;
  }
}

bool LossScaler::update(bool finite) {
  if (config_.mode == LossScaleConfig::Mode::Off) {
    ++applied_;
    return true;
  }
  if (!finite) {
    ++skipped_;
    goodSteps_ = 0;
    if (config_.mode == LossScaleConfig::Mode::Dynamic)
      scale_ *= 0.5f;
    return false;
  }
  ++applied_;
  if (config_.mode == LossScaleConfig::Mode::Dynamic &&
      ++goodSteps_ == config_.window) {
    // torch's _amp_update_scale_ keeps the scale when doubling overflows.
    float grown = scale_ * 2.0f;
    if (std::isfinite(grown))
      scale_ = grown;
    goodSteps_ = 0;
  }
  return true;
}

} // namespace pxrt::train
