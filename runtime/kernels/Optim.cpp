//===- Optim.cpp - AdamW and SGD update kernels ---------------------------===//
//
// The operations follow torch 1.13's single-tensor optimizers one by one,
// in the same order and with the same roundings, so the results are torch's
// bit for bit (check_optim_torch.py): `add_(x, alpha=a)` is a fused
// multiply-add in torch's vectorized CPU loops (vec::fmadd), and its AVX2
// build contracts addcmul_'s `self + value * t1 * t2` into
// fma(value * t1, t2, self); addcdiv_ divides, so nothing fuses there. fma
// is correctly rounded, so every ISA clone gives the same bits.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Math.h"

#include "pxrt/kernels.h"
#include "pxrt/train.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace pxrt::cpu {

using namespace pxrt::train;

static void checkCount(const char *kernel, int64_t n) {
  if (n < 0)
    throw std::invalid_argument(
        std::string(kernel) + ": negative element count " + std::to_string(n));
}

namespace {

/// AdamW's hyperparameters and its update of one element.
struct AdamWStep {
  float decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, bc2Sqrt,
      eps;

  explicit AdamWStep(const float *hyper)
      : decay(hyper[kDecay]), beta1(hyper[kBeta1]),
        oneMinusBeta1(hyper[kOneMinusBeta1]), beta2(hyper[kBeta2]),
        oneMinusBeta2(hyper[kOneMinusBeta2]), stepSize(hyper[kStepSize]),
        bc2Sqrt(hyper[kBiasCorrection2Sqrt]), eps(hyper[kEps]) {}

  /// Updates p, m and v from the gradient g.
  PXRT_INLINE void operator()(float g, float &p, float &m, float &v) const {
    p = p * decay;
    m = std::fma(g, oneMinusBeta1, m * beta1);
    v = std::fma(oneMinusBeta2 * g, g, v * beta2);
    float denom = std::sqrt(v) / bc2Sqrt;
    denom = denom + eps;
    p = p - stepSize * m / denom;
  }
};

} // namespace

/// Updated in place (as generated programs do): with restrict pointers the
/// loop vectorizes, where the general one below has too many possible
/// aliases to check.
PXRT_SIMD static void adamwInPlace(float *__restrict param,
                                   const float *__restrict grad,
                                   float *__restrict expAvg,
                                   float *__restrict expAvgSq, int64_t n,
                                   const float *hyper) {
  const AdamWStep step(hyper);
  for (int64_t i = 0; i < n; ++i) {
    float p = param[i], m = expAvg[i], v = expAvgSq[i];
    step(grad[i], p, m, v);
    param[i] = p;
    expAvg[i] = m;
    expAvgSq[i] = v;
  }
}

PXRT_SIMD static void adamwLoop(const float *param, const float *grad,
                                const float *expAvg, const float *expAvgSq,
                                float *paramOut, float *expAvgOut,
                                float *expAvgSqOut, int64_t n,
                                const float *hyper) {
  const AdamWStep step(hyper);
  // Element i is read before it is written, so in-place calls are safe.
  for (int64_t i = 0; i < n; ++i) {
    float p = param[i], m = expAvg[i], v = expAvgSq[i];
    step(grad[i], p, m, v);
    paramOut[i] = p;
    expAvgOut[i] = m;
    expAvgSqOut[i] = v;
  }
}

void adamw(const float *param, const float *grad, const float *expAvg,
           const float *expAvgSq, float *paramOut, float *expAvgOut,
           float *expAvgSqOut, int64_t n, const float *hyper) {
  checkCount("adamw", n);
  if (paramOut == param && expAvgOut == expAvg && expAvgSqOut == expAvgSq)
    adamwInPlace(paramOut, grad, expAvgOut, expAvgSqOut, n, hyper);
  else
    adamwLoop(param, grad, expAvg, expAvgSq, paramOut, expAvgOut, expAvgSqOut,
              n, hyper);
}

PXRT_SIMD static void sgdLoop(const float *param, const float *grad,
                              const float *momentum, float *paramOut,
                              float *momentumOut, int64_t n,
                              const float *hyper) {
  const float lr = hyper[kLr];
  const float weightDecay = hyper[kWeightDecay];
  const float mu = hyper[kMomentum];
  const float oneMinusDampening = hyper[kOneMinusDampening];
  const bool nesterov = hyper[kNesterov] != 0;
  const bool first = hyper[kFirstStep] != 0;
  for (int64_t i = 0; i < n; ++i) {
    float p = param[i];
    float d = grad[i];
    // torch skips the add when weight_decay == 0 (it matters for inf/nan).
    if (weightDecay != 0)
      d = std::fma(p, weightDecay, d);
    float buf = momentum[i];
    if (mu != 0) {
      if (first) {
        buf = d;
      } else {
        buf = std::fma(d, oneMinusDampening, buf * mu);
      }
      d = nesterov ? std::fma(buf, mu, d) : buf;
    }
    paramOut[i] = std::fma(d, -lr, p);
    momentumOut[i] = buf;
  }
}

void sgd(const float *param, const float *grad, const float *momentum,
         float *paramOut, float *momentumOut, int64_t n, const float *hyper) {
  checkCount("sgd", n);
  sgdLoop(param, grad, momentum, paramOut, momentumOut, n, hyper);
}

PXRT_SIMD static void accumulateLoop(const float *x, float *acc, int64_t n,
                                     bool first, bool last, float count) {
  for (int64_t i = 0; i < n; ++i) {
    float sum = first ? x[i] : acc[i] + x[i];
    acc[i] = last ? sum / count : sum;
  }
}

void accumulateMean(const float *x, float *acc, int64_t n, int64_t piece,
                    int64_t count) {
  checkCount("accumulateMean", n);
  if (piece < 0 || piece >= count)
    throw std::invalid_argument("accumulateMean: micro-batch " +
                                std::to_string(piece) + " of " +
                                std::to_string(count));
  accumulateLoop(x, acc, n, piece == 0, piece + 1 == count,
                 static_cast<float>(count));
}

} // namespace pxrt::cpu
