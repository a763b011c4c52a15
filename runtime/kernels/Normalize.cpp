//===- Normalize.cpp - softmax, log_softmax, layer_norm, rms_norm ---------===//
//
// Rows are processed in f32 (f64 for f64 tensors; f16/bf16 through f32
// copies) with their sums accumulated in f64 in the fixed lane order of
// Math.h, so a row's result never depends on where it lies in memory.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Math.h"

#include <limits>

namespace pxrt::cpu {

using namespace detail;

namespace {

/// Softmax (or log-softmax) of one contiguous row. A NaN makes the row NaN
/// through the sum; an all -inf row gives NaN as in PyTorch. Each pass is a
/// plain loop so it vectorizes at the full width; the row stays in L1.
template <typename T>
PXRT_SIMD void softmaxRow(const T *x, T *y, int64_t n, bool log) {
  T max = rowMax(x, n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = expT(x[i] - max);
  double sum = sumLanes(y, n);
  if (log) {
    T shift = max + static_cast<T>(std::log(sum));
    for (int64_t i = 0; i < n; ++i)
      y[i] = x[i] - shift;
  } else {
    // A multiply, not a divide per element (within 1 ulp of the quotient).
    T scale = static_cast<T>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i)
      y[i] = y[i] * scale;
  }
}

/// Softmax along the rows of a [n, inner] block (an axis that is not the
/// last): every column accumulates sequentially over the rows.
template <typename T>
PXRT_SIMD void softmaxColumns(const T *x, T *y, int64_t n, int64_t inner,
                              T *max, double *sum, bool log) {
  for (int64_t c = 0; c < inner; ++c) {
    max[c] = -std::numeric_limits<T>::infinity();
    sum[c] = 0;
  }
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < inner; ++c)
      max[c] = x[r * inner + c] > max[c] ? x[r * inner + c] : max[c];
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < inner; ++c) {
      T e = expT(x[r * inner + c] - max[c]);
      y[r * inner + c] = e;
      sum[c] += e;
    }
  if (log) {
    for (int64_t c = 0; c < inner; ++c)
      max[c] += static_cast<T>(std::log(sum[c]));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < inner; ++c)
        y[r * inner + c] = x[r * inner + c] - max[c];
  } else {
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < inner; ++c)
        y[r * inner + c] = y[r * inner + c] / static_cast<T>(sum[c]);
  }
}

template <typename T>
void softmaxTyped(const TensorView &inView, int axis, bool log,
                  const TensorView &outView) {
  Scratch inCopy, outCopy;
  TensorView in = contiguousInput(inView, inCopy);
  TensorView out = contiguousOutput(outView, outCopy);
  int64_t outer = product(in.shape, 0, axis), n = in.shape[axis];
  int64_t inner = product(in.shape, axis + 1, in.rank);
  const T *x = static_cast<const T *>(in.data);
  T *y = static_cast<T *>(out.data);
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o)
      softmaxRow(x + o * n, y + o * n, n, log);
  } else {
    std::vector<T> max(inner);
    std::vector<double> sum(inner);
    for (int64_t o = 0; o < outer; ++o)
      softmaxColumns(x + o * n * inner, y + o * n * inner, n, inner, max.data(),
                     sum.data(), log);
  }
  if (out.data != outView.data)
    copy(out, outView);
}

/// The checks every normalization shares: float `in` and `out` of one
/// shape; returns the normalized axis.
int checkFloatAxisOp(const char *kernel, const TensorView &in, int axis,
                     const TensorView &out) {
  checkType(kernel, in, out.type);
  checkSameShape(kernel, in, out);
  if (!isFloatType(out.type))
    fail(kernel, std::string("needs floats, got ") + dtypeName(out.type));
  return normalizeAxis(kernel, axis, in.rank);
}

void softmaxOp(const char *kernel, const TensorView &in, int axis, bool log,
               const TensorView &out) {
  int dim = checkFloatAxisOp(kernel, in, axis, out);
  if (out.numel() == 0)
    return;
  inComputeType({&in}, out,
                [&](const std::vector<TensorView> &v, const TensorView &r) {
                  if (r.type == DType::F64)
                    softmaxTyped<double>(v[0], dim, log, r);
                  else
                    softmaxTyped<float>(v[0], dim, log, r);
                });
}

/// Layer norm (or RMS norm without the mean) of one contiguous row.
template <typename T, bool Rms, bool HasScale, bool HasBias>
PXRT_SIMD void normRow(const T *x, T *y, int64_t n, const T *scale,
                       const T *bias, double epsilon) {
  double mean = Rms ? 0 : sumLanes(x, n) / static_cast<double>(n);
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      double d = static_cast<double>(x[i + j]) - mean;
      lanes[j] += d * d;
    }
  for (; i < n; ++i) {
    double d = static_cast<double>(x[i]) - mean;
    lanes[i % kLanes] += d * d;
  }
  double variance = combineLanes(lanes) / static_cast<double>(n);
  T rstd = static_cast<T>(1.0 / std::sqrt(variance + epsilon));
  T center = static_cast<T>(mean);
  for (i = 0; i < n; ++i) {
    T v = (x[i] - center) * rstd;
    if (HasScale)
      v = v * scale[i];
    if (HasBias)
      v = v + bias[i];
    y[i] = v;
  }
}

template <typename T, bool Rms, bool HasScale, bool HasBias>
void normRows(const T *x, T *y, int64_t rows, int64_t n, const T *scale,
              const T *bias, double epsilon) {
  for (int64_t r = 0; r < rows; ++r)
    normRow<T, Rms, HasScale, HasBias>(x + r * n, y + r * n, n, scale, bias,
                                       epsilon);
}

template <typename T, bool Rms>
void normTyped(const TensorView &inView, const TensorView *scaleView,
               const TensorView *biasView, int axis, double epsilon,
               const TensorView &outView) {
  Scratch inCopy, outCopy, scaleCopy, biasCopy;
  TensorView in = contiguousInput(inView, inCopy);
  TensorView out = contiguousOutput(outView, outCopy);
  int64_t rows = product(in.shape, 0, axis);
  int64_t n = product(in.shape, axis, in.rank);
  const T *x = static_cast<const T *>(in.data);
  T *y = static_cast<T *>(out.data);
  const T *scale =
      scaleView
          ? static_cast<const T *>(contiguousInput(*scaleView, scaleCopy).data)
          : nullptr;
  const T *bias =
      biasView
          ? static_cast<const T *>(contiguousInput(*biasView, biasCopy).data)
          : nullptr;
  if (scale && bias)
    normRows<T, Rms, true, true>(x, y, rows, n, scale, bias, epsilon);
  else if (scale)
    normRows<T, Rms, true, false>(x, y, rows, n, scale, bias, epsilon);
  else if (bias)
    normRows<T, Rms, false, true>(x, y, rows, n, scale, bias, epsilon);
  else
    normRows<T, Rms, false, false>(x, y, rows, n, scale, bias, epsilon);
  if (out.data != outView.data)
    copy(out, outView);
}

template <bool Rms>
void normOp(const char *kernel, const TensorView &in, const TensorView *scale,
            const TensorView *bias, int axis, double epsilon,
            const TensorView &out) {
  int dim = checkFloatAxisOp(kernel, in, axis, out);
  for (const TensorView *param : {scale, bias}) {
    if (!param)
      continue;
    checkType(kernel, *param, out.type);
    bool ok = param->rank == in.rank - dim;
    for (int d = 0; ok && d < param->rank; ++d)
      ok = param->shape[d] == in.shape[dim + d];
    if (!ok)
      fail(kernel, "scale/bias " + shapeStr(*param) + " do not match " +
                       shapeStr(in) + " from axis " + std::to_string(dim));
  }
  if (out.numel() == 0)
    return;
  inComputeType({&in, scale, bias}, out,
                [&](const std::vector<TensorView> &v, const TensorView &r) {
                  const TensorView *s = scale ? &v[1] : nullptr;
                  const TensorView *b = bias ? &v[2] : nullptr;
                  if (r.type == DType::F64)
                    normTyped<double, Rms>(v[0], s, b, dim, epsilon, r);
                  else
                    normTyped<float, Rms>(v[0], s, b, dim, epsilon, r);
                });
}

} // namespace

void softmax(const TensorView &in, int axis, const TensorView &out) {
  softmaxOp("softmax", in, axis, false, out);
}

void logSoftmax(const TensorView &in, int axis, const TensorView &out) {
  softmaxOp("logSoftmax", in, axis, true, out);
}

void layerNorm(const TensorView &in, const TensorView *scale,
               const TensorView *bias, int axis, double epsilon,
               const TensorView &out) {
  normOp<false>("layerNorm", in, scale, bias, axis, epsilon, out);
}

void rmsNorm(const TensorView &in, const TensorView *scale, int axis,
             double epsilon, const TensorView &out) {
  normOp<true>("rmsNorm", in, scale, nullptr, axis, epsilon, out);
}

} // namespace pxrt::cpu
