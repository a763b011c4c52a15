//===- Math.h - The kernels' f32 functions and fixed-order sums -*- C++ -*-===//
//
// The vectorizable f32 functions live in pxrt/math.h (generated programs'
// fused loops call them too); the fixed-order sums are the kernels' own.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_KERNELS_MATH_H
#define PXRT_KERNELS_MATH_H

#include "pxrt/math.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace pxrt::cpu::detail {

using math::erfF32;
using math::expF32;
using math::geluF32;
using math::geluTanhF32;
using math::sigmoidF32;
using math::tanhF32;

/// e^x: the vectorizable version for f32, libm's for f64.
template <typename T> inline T expT(T x) {
  if constexpr (sizeof(T) == sizeof(float))
    return expF32(x);
  else
    return std::exp(x);
}

/// Number of interleaved accumulators of the fixed-order sums: element i
/// goes to lane i % kLanes, then lanes j and j + w combine for w = 16, 8, 4,
/// 2, 1. Four AVX-512 registers of f64, so the adds do not wait on each
/// other's latency.
constexpr int kLanes = 32;

template <typename A> inline A combineLanes(A *lanes) {
  for (int width = kLanes / 2; width >= 1; width /= 2)
    for (int j = 0; j < width; ++j)
      lanes[j] += lanes[j + width];
  return lanes[0];
}

// The row helpers below are inlined into the ISA clones that call them.
#define PXRT_INLINE inline __attribute__((always_inline))

/// The fixed-order sum of a row of floats, in f64.
template <typename T> PXRT_INLINE double sumLanes(const T *x, int64_t n) {
  double lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j)
      lanes[j] += x[i + j];
  for (; i < n; ++i)
    lanes[i % kLanes] += x[i];
  return combineLanes(lanes);
}

/// The largest element of a row, ignoring NaNs (order does not matter; 64
/// lanes keep four AVX-512 registers busy).
template <typename T> PXRT_INLINE T rowMax(const T *x, int64_t n) {
  constexpr int kWide = 64;
  T lanes[kWide];
  for (int j = 0; j < kWide; ++j)
    lanes[j] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + kWide <= n; i += kWide)
    for (int j = 0; j < kWide; ++j)
      lanes[j] = x[i + j] > lanes[j] ? x[i + j] : lanes[j];
  for (; i < n; ++i)
    lanes[0] = x[i] > lanes[0] ? x[i] : lanes[0];
  T result = lanes[0];
  for (int j = 1; j < kWide; ++j)
    result = lanes[j] > result ? lanes[j] : result;
  return result;
}

} // namespace pxrt::cpu::detail

#endif // PXRT_KERNELS_MATH_H
