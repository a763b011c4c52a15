//===- Cast.cpp - Dtype conversions, fill and iota ------------------------===//

#include "Internal.h"

#include <cmath>
#include <limits>

namespace pxrt::cpu {

using namespace detail;

namespace {

/// The value of `value` in the widest type of its kind: f32 (f16, bf16 and
/// f32), f64, or i64 (integers and bool).
template <typename S> auto widen(S value) {
  if constexpr (isFloat<S>)
    return load(value);
  else
    return static_cast<int64_t>(value);
}

/// Float to integer: truncate toward zero, saturate, NaN gives 0.
template <typename D, typename F> D truncateToInt(F value) {
  using Limits = std::numeric_limits<D>;
  if (value != value)
    return 0;
  // The bounds are powers of two, exact in every float type.
  if (value >= -static_cast<F>(Limits::min()))
    return Limits::max();
  if (value <= static_cast<F>(Limits::min()))
    return Limits::min();
  return static_cast<D>(value);
}

template <typename D, typename S> D convert(S value) {
  auto wide = widen(value);
  if constexpr (std::is_same_v<D, bool>)
    return wide != 0;
  else if constexpr (isFloat<D>)
    return store<D>(static_cast<Compute<D>>(wide));
  else if constexpr (isFloat<S>)
    return truncateToInt<D>(wide);
  else // integer to integer wraps
    return static_cast<D>(wide);
}

template <typename S, typename D>
void castRun(int64_t n, const S *in, int64_t inStride, D *out,
             int64_t outStride) {
  if (inStride == 1 && outStride == 1) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = convert<D>(in[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    out[i * outStride] = convert<D>(in[i * inStride]);
}

/// Calls f(i, element) for every element of `out` in row-major order.
template <typename T, typename F>
void forEachElement(const TensorView &out, F f) {
  int64_t index = 0;
  forEachRun<1>(out.shape, out.rank, {operand(out, out.strides)},
                [&](int64_t n, const std::array<char *, 1> &p,
                    const std::array<int64_t, 1> &s) {
                  T *data = reinterpret_cast<T *>(p[0]);
                  for (int64_t i = 0; i < n; ++i)
                    f(index++, data[i * s[0]]);
                });
}

} // namespace

void cast(const TensorView &in, const TensorView &out) {
  checkSameShape("cast", in, out);
  dispatch(in.type, [&](auto inTag) {
    using S = typename decltype(inTag)::type;
    dispatch(out.type, [&](auto outTag) {
      using D = typename decltype(outTag)::type;
      forEachRun<2>(out.shape, out.rank,
                    {operand(in, in.strides), operand(out, out.strides)},
                    [](int64_t n, const std::array<char *, 2> &p,
                       const std::array<int64_t, 2> &s) {
                      castRun(n, reinterpret_cast<const S *>(p[0]), s[0],
                              reinterpret_cast<D *>(p[1]), s[1]);
                    });
    });
  });
}

void fill(const TensorView &out, double value) {
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T element = convert<T>(value);
    forEachElement<T>(out, [&](int64_t, T &e) { e = element; });
  });
}

void fillInt(const TensorView &out, int64_t value) {
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T element = convert<T>(value);
    forEachElement<T>(out, [&](int64_t, T &e) { e = element; });
  });
}

void iota(const TensorView &out, double start, double step) {
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    forEachElement<T>(out, [&](int64_t i, T &e) {
      e = convert<T>(start + static_cast<double>(i) * step);
    });
  });
}

} // namespace pxrt::cpu
