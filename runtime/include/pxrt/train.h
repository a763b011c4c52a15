//===- train.h - Optimizer hyper-parameters and schedules -------*- C++ -*-===//
//
// A training step compiled by pxc takes one f32 vector `hyper` of
// kHyperCount entries (`tensor<kHyperCount x f32>`, px.role = "hyper"). The
// generated program fills it before every step from its flags and the
// learning-rate schedule; the optimizer kernels (pxrt::cpu::adamw / sgd in
// kernels.h) and the compiler's clipping ops read it. Every entry is computed
// in double precision, as torch.optim computes its Python-float scalars, and
// rounded once to f32 (as torch rounds a scalar for an f32 tensor op).
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_TRAIN_H
#define PXRT_TRAIN_H

#include <cstdint>
#include <string>

namespace pxrt::train {

/// Indices into the hyper vector. `t` is the optimizer step, 1 on the first
/// step (torch's state["step"] after its increment); `lr` is this step's
/// learning rate from the schedule.
enum Hyper : int {
  kLr = 0,                  // lr
  kDecay = 1,               // 1 - lr * weight_decay (AdamW's decoupled decay)
  kBeta1 = 2,               // beta1
  kOneMinusBeta1 = 3,       // 1 - beta1
  kBeta2 = 4,               // beta2
  kOneMinusBeta2 = 5,       // 1 - beta2
  kStepSize = 6,            // lr / (1 - beta1^t)
  kBiasCorrection2Sqrt = 7, // sqrt(1 - beta2^t)
  kEps = 8,                 // eps
  kWeightDecay = 9, // weight_decay (SGD adds weight_decay * param to grad)
  kMomentum = 10,   // SGD momentum (0: no momentum buffer)
  kOneMinusDampening = 11, // 1 - dampening
  kNesterov = 12,          // 1 for Nesterov momentum, else 0
  kFirstStep = 13,         // 1 when t == 1 (SGD copies the gradient), else 0
  kClipMaxNorm = 14,       // max_norm of global-norm clipping; +inf when off,
                           // so min(1, max_norm / (norm + 1e-6)) is 1
  kStep = 15,              // t (exact in f32 up to 2^24)
  kLossScale = 16,         // S: the backward starts from S instead of 1
                           // (1 without loss scaling)
  kInvLossScale = 17,      // 1 / S (in double, rounded once, as torch's
                           // GradScaler), multiplies every gradient
  kHyperCount = 18
};

/// The hyper-parameters of a run (flags of the generated program).
struct OptimizerConfig {
  std::string optimizer = "adamw"; // "adamw" or "sgd"
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weightDecay = 0.01;
  double momentum = 0, dampening = 0;
  bool nesterov = false;
  double clipNorm = 0; // 0: no clipping
};

/// Loss scaling, as torch.cuda.amp.GradScaler with its default factors
/// (growth 2, backoff 0.5): a program compiled with pxc --loss-scale seeds
/// its backward with hyper[kLossScale], unscales the gradients by
/// hyper[kInvLossScale] and leaves parameters and optimizer states unchanged
/// when the global gradient norm is not finite (a skipped step).
struct LossScaleConfig {
  enum class Mode { Off, Static, Dynamic };
  Mode mode = Mode::Off;
  double scale = 1;       // static: the scale
  double initial = 65536; // dynamic: the first scale (2^16)
  int64_t window = 2000;  // dynamic: good steps between doublings
};

/// Parses "off", "dynamic" or a number into `config.mode` (and
/// `config.scale`); throws std::invalid_argument naming --loss-scale.
void parseLossScale(const std::string &text, LossScaleConfig &config);

/// Throws std::invalid_argument naming the flag (--loss-scale,
/// --initial-loss-scale, --loss-scale-window) for a value out of range: a
/// scale must be a positive finite f32 number, a window at least 1.
void validate(const LossScaleConfig &config);

/// The scale of a run and its update after every step (GradScaler.update):
/// a step with non-finite gradients is skipped and halves a dynamic scale;
/// `window` consecutive finite steps double it (unless that overflows f32).
/// The scale is kept in f32, as torch keeps it in an f32 tensor. Every rank
/// runs its own scaler on the same norms, so all agree.
class LossScaler {
public:
  explicit LossScaler(const LossScaleConfig &config = {});
  /// This step's scale (1 when off).
  float scale() const { return scale_; }
  /// Records whether the step's gradients were finite. Returns whether the
  /// step was applied: always when off, else when finite.
  bool update(bool finite);
  /// Steps applied so far (the optimizer's step count: torch does not
  /// count a skipped step, so Adam's t is applied() + 1).
  int64_t applied() const { return applied_; }
  int64_t skipped() const { return skipped_; }
  /// Finite steps since the last doubling or skip (GradScaler's
  /// _growth_tracker).
  int64_t goodSteps() const { return goodSteps_; }

private:
  LossScaleConfig config_;
  float scale_;
  int64_t applied_ = 0, skipped_ = 0, goodSteps_ = 0;
};

/// Learning-rate schedule over 0-based steps s (nanoGPT's get_lr(it)):
///   s < warmup:                   lr * (s + 1) / (warmup + 1)
///   decay == 0:                   lr                    (constant after)
///   s > decay:                    minLr
///   else with r = (s - warmup) / (decay - warmup):
///                                 minLr + 0.5 (1 + cos(pi r)) (lr - minLr)
/// `decay` (when non-zero) must exceed `warmup`.
struct Schedule {
  int64_t warmupSteps = 0;
  int64_t decaySteps = 0; // 0: no decay
  double minLr = 0;
};

/// Throws std::invalid_argument naming the flag (--lr, --beta1, ...) when a
/// value is out of range (lr < 0, betas outside [0, 1), eps <= 0, ...).
void validate(const OptimizerConfig &config, const Schedule &schedule);

/// The learning rate of 0-based step `step`.
double learningRate(double lr, const Schedule &schedule, int64_t step);

/// Fills hyper[0, kHyperCount) for optimizer step `t` (1-based) with
/// learning rate `lr` (already scheduled) and loss scale `lossScale`.
/// Entries of the other optimizer are filled too; they are simply unused.
void fillHyper(const OptimizerConfig &config, double lr, int64_t t,
               float *hyper, float lossScale = 1);

} // namespace pxrt::train

#endif // PXRT_TRAIN_H
