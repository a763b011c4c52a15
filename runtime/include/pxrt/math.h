//===- math.h - Vectorizable f32 functions ----------------------*- C++ -*-===//
//
// libm's expf/tanhf/erff are scalar calls; these branch-free versions let
// the compiler vectorize whole loops (the kernels' and the fused loops of
// generated programs alike, so both compute the same bits). They use only
// correctly rounded IEEE operations (std::fma included: an instruction in
// the x86-64-v3/v4 clones, libm's exact fmaf in the baseline one) and bit
// operations, so every clone and scalar tail gives identical results as long
// as the compiler does not contract a * b + c (-ffp-contract=off). Relative
// error (tested against f64, in units of 2^-23): exp 1, tanh 1.1, erf 2.4,
// sigmoid 1.2; GELU 10 except on the far negative tail (below -3, where its
// value is tiny and the exponent's rounding costs up to 100).
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_MATH_H
#define PXRT_MATH_H

#include <cmath>
#include <cstdint>
#include <cstring>

// Hot loops are compiled for x86-64-v4 (AVX-512), v3 (AVX2, FMA) and the
// baseline, picked at load time.
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) &&            \
    !defined(__clang__)
#define PXRT_SIMD                                                              \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PXRT_SIMD
#endif

// Inlined into every loop (and ISA clone) that calls them, so they vectorize.
#if defined(__CUDACC__)
// Device code too: the CUDA target's kernels get the CPU's bits.
#define PXRT_MATH_INLINE __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define PXRT_MATH_INLINE inline __attribute__((always_inline))
#else
#define PXRT_MATH_INLINE inline
#endif

namespace pxrt::math {

PXRT_MATH_INLINE float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// e^x: Cephes' range reduction x = n ln2 + r and degree-6 polynomial; 2^n is
/// applied in two halves so results down to the subnormals stay right.
PXRT_MATH_INLINE float expF32(float x) {
  x = x < -104.0f ? -104.0f : x;
  x = x > 89.0f ? 89.0f : x;
  // Round to nearest with the 1.5 * 2^23 trick (no call, vectorizes).
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = std::fma(n, -0.693359375f, x);
  r = std::fma(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = std::fma(p, r, 1.3981999507e-3f);
  p = std::fma(p, r, 8.3334519073e-3f);
  p = std::fma(p, r, 4.1665795894e-2f);
  p = std::fma(p, r, 1.6666665459e-1f);
  p = std::fma(p, r, 5.0000001201e-1f);
  p = std::fma(p, r * r, r) + 1.0f;
  int32_t exponent = static_cast<int32_t>(n == n ? n : 0.0f);
  int32_t half = exponent >> 1;
  float scale1 = bitsToFloat(static_cast<uint32_t>(half + 127) << 23);
  float scale2 =
      bitsToFloat(static_cast<uint32_t>(exponent - half + 127) << 23);
  return p * scale1 * scale2;
}

/// tanh: Cephes' odd polynomial below 0.625, else 1 - 2 / (e^2|x| + 1).
PXRT_MATH_INLINE float tanhF32(float x) {
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  p = p * z * x + x;
  float a = std::fabs(x);
  float q = 1.0f - 2.0f / (expF32(2.0f * a) + 1.0f);
  return a < 0.625f ? p : std::copysign(q, x);
}

/// erfc(u) for u >= 0 (Numerical Recipes' Chebyshev fit, relative error
/// below 1.2e-7).
PXRT_MATH_INLINE float erfcNonNegF32(float u) {
  float t = 1.0f / (1.0f + 0.5f * u);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * expF32(p - u * u);
}

/// erf: Taylor series below 0.5 (where 1 - erfc would cancel), else
/// 1 - erfc.
PXRT_MATH_INLINE float erfF32(float x) {
  float z = x * x;
  float p = 1.0f / 9360.0f;
  p = p * z - 1.0f / 1320.0f;
  p = p * z + 1.0f / 216.0f;
  p = p * z - 1.0f / 42.0f;
  p = p * z + 1.0f / 10.0f;
  p = p * z - 1.0f / 3.0f;
  p = (p * z + 1.0f) * x * 1.12837916709551257f;
  float a = std::fabs(x);
  float q = 1.0f - erfcNonNegF32(a);
  return a < 0.5f ? p : std::copysign(q, x);
}

PXRT_MATH_INLINE float sigmoidF32(float x) {
  return 1.0f / (1.0f + expF32(-x));
}

/// x/2 (1 + erf(x / sqrt 2)), with 1 + erf(-u) taken as erfc(u) so the
/// negative tail keeps its relative precision.
PXRT_MATH_INLINE float geluF32(float x) {
  float u = x * 0.70710678118654752f;
  float e = erfcNonNegF32(std::fabs(u));
  return 0.5f * x * (u < 0.0f ? e : 2.0f - e);
}

/// x/2 (1 + tanh(z)) computed as x / (1 + e^-2z), which does not cancel
/// on the negative tail.
PXRT_MATH_INLINE float geluTanhF32(float x) {
  float z = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return x / (1.0f + expF32(-2.0f * z));
}

} // namespace pxrt::math

#endif // PXRT_MATH_H
