//===- Optim.cu - AdamW, SGD and gradient accumulation on the device ------===//
//
// The CPU kernels' formulas (runtime/kernels/Optim.cpp) with the same
// roundings: this file is compiled without FMA contraction (--fmad=false),
// and the fused multiply-adds the CPU writes are explicit here too, so an
// update gives the CPU's bits for the same inputs.
//
//===----------------------------------------------------------------------===//

#include "Device.cuh"

#include "pxrt/train.h"

namespace pxrt::cuda {

using namespace detail;
using namespace pxrt::train;

namespace {

// The hyper vector stays in device memory: it is an input of the step.
__global__ void adamwKernel(const float *param, const float *grad,
                            const float *expAvg, const float *expAvgSq,
                            float *paramOut, float *expAvgOut,
                            float *expAvgSqOut, int64_t n, const float *hyper) {
  const float decay = hyper[kDecay], beta1 = hyper[kBeta1],
              oneMinusBeta1 = hyper[kOneMinusBeta1], beta2 = hyper[kBeta2],
              oneMinusBeta2 = hyper[kOneMinusBeta2],
              stepSize = hyper[kStepSize],
              bc2Sqrt = hyper[kBiasCorrection2Sqrt], eps = hyper[kEps];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float g = grad[i], p = param[i], m = expAvg[i], v = expAvgSq[i];
    p = p * decay;
    m = fmaf(g, oneMinusBeta1, m * beta1);
    v = fmaf(oneMinusBeta2 * g, g, v * beta2);
    float denom = sqrtf(v) / bc2Sqrt;
    denom = denom + eps;
    p = p - stepSize * m / denom;
    paramOut[i] = p;
    expAvgOut[i] = m;
    expAvgSqOut[i] = v;
  }
}

__global__ void sgdKernel(const float *param, const float *grad,
                          const float *momentum, float *paramOut,
                          float *momentumOut, int64_t n, const float *hyper) {
  const float lr = hyper[kLr], weightDecay = hyper[kWeightDecay],
              mu = hyper[kMomentum],
              oneMinusDampening = hyper[kOneMinusDampening];
  const bool nesterov = hyper[kNesterov] != 0, first = hyper[kFirstStep] != 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float p = param[i], d = grad[i];
    if (weightDecay != 0)
      d = fmaf(p, weightDecay, d);
    float buf = momentum[i];
    if (mu != 0) {
      buf = first ? d : fmaf(d, oneMinusDampening, buf * mu);
      d = nesterov ? fmaf(buf, mu, d) : buf;
    }
    paramOut[i] = fmaf(d, -lr, p);
    momentumOut[i] = buf;
  }
}

__global__ void accumulateKernel(const float *x, float *acc, int64_t n,
                                 bool first, bool last, float count) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float sum = first ? x[i] : acc[i] + x[i];
    acc[i] = last ? sum / count : sum;
  }
}

} // namespace

void adamw(const float *param, const float *grad, const float *expAvg,
           const float *expAvgSq, float *paramOut, float *expAvgOut,
           float *expAvgSqOut, int64_t n, const float *hyper) {
  if (n <= 0)
    return;
  adamwKernel<<<gridFor(n), 256, 0, currentStream()>>>(
      param, grad, expAvg, expAvgSq, paramOut, expAvgOut, expAvgSqOut, n,
      hyper);
  checkLaunch("adamw");
}

void sgd(const float *param, const float *grad, const float *momentum,
         float *paramOut, float *momentumOut, int64_t n, const float *hyper) {
  if (n <= 0)
    return;
  sgdKernel<<<gridFor(n), 256, 0, currentStream()>>>(
      param, grad, momentum, paramOut, momentumOut, n, hyper);
  checkLaunch("sgd");
}

void accumulateMean(const float *x, float *acc, int64_t n, int64_t piece,
                    int64_t count) {
  if (piece < 0 || piece >= count)
    fail("accumulateMean", "micro-batch " + std::to_string(piece) + " of " +
                               std::to_string(count));
  if (n <= 0)
    return;
  accumulateKernel<<<gridFor(n), 256, 0, currentStream()>>>(
      x, acc, n, piece == 0, piece + 1 == count, static_cast<float>(count));
  checkLaunch("accumulateMean");
}

} // namespace pxrt::cuda
