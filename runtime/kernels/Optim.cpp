//===- Optim.cpp - AdamW and SGD update kernels ---------------------------===//
//
// The operations follow torch 1.13's single-tensor optimizers one by one
// (same order, every intermediate rounded to f32), so results differ from
// torch's only where torch's vectorized loops contract a multiply-add.
//
//===----------------------------------------------------------------------===//

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

void adamw(const float *param, const float *grad, const float *expAvg,
           const float *expAvgSq, float *paramOut, float *expAvgOut,
           float *expAvgSqOut, int64_t n, const float *hyper) {
  checkCount("adamw", n);
  const float decay = hyper[kDecay];
  const float beta1 = hyper[kBeta1], oneMinusBeta1 = hyper[kOneMinusBeta1];
  const float beta2 = hyper[kBeta2], oneMinusBeta2 = hyper[kOneMinusBeta2];
  const float stepSize = hyper[kStepSize];
  const float bc2Sqrt = hyper[kBiasCorrection2Sqrt];
  const float eps = hyper[kEps];
  // Element i is read before it is written, so in-place calls are safe.
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i];
    float p = param[i] * decay;
    float m = expAvg[i] * beta1;
    m = m + oneMinusBeta1 * g;
    float v = expAvgSq[i] * beta2;
    v = v + oneMinusBeta2 * g * g;
    float denom = std::sqrt(v) / bc2Sqrt;
    denom = denom + eps;
    paramOut[i] = p - stepSize * m / denom;
    expAvgOut[i] = m;
    expAvgSqOut[i] = v;
  }
}

void sgd(const float *param, const float *grad, const float *momentum,
         float *paramOut, float *momentumOut, int64_t n, const float *hyper) {
  checkCount("sgd", n);
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
      d = d + weightDecay * p;
    float buf = momentum[i];
    if (mu != 0) {
      if (first) {
        buf = d;
      } else {
        buf = buf * mu;
        buf = buf + oneMinusDampening * d;
      }
      d = nesterov ? d + mu * buf : buf;
    }
    paramOut[i] = p - lr * d;
    momentumOut[i] = buf;
  }
}

} // namespace pxrt::cpu
