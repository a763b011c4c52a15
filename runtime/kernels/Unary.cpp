//===- Unary.cpp - Elementwise unary ops ----------------------------------===//

#include "Internal.h"
#include "Math.h"

namespace pxrt::cpu {

using namespace detail;

namespace {

/// Two's-complement negation without signed overflow.
template <typename C> C wrapNeg(C x) {
  using U = std::make_unsigned_t<C>;
  return static_cast<C>(U(0) - static_cast<U>(x));
}

/// op(x) in the compute type C: the vectorizable versions for f32, libm's
/// for f64. Inlined into each ISA clone of the loops: called, it ran at
/// the baseline ISA with a libm call per std::fma (a quarter of a step
/// whose loss is written as reductions over 32k classes).
template <UnaryOp Op, typename C> PXRT_MATH_INLINE C apply(C x) {
  constexpr bool f32 = std::is_same_v<C, float>;
  if constexpr (Op == UnaryOp::Neg) {
    if constexpr (std::is_integral_v<C>)
      return wrapNeg(x);
    else
      return -x;
  } else if constexpr (Op == UnaryOp::Abs) {
    if constexpr (std::is_integral_v<C>)
      return x < 0 ? wrapNeg(x) : x;
    else
      return std::fabs(x);
  } else if constexpr (Op == UnaryOp::Exp) {
    if constexpr (f32)
      return expF32(x);
    else
      return std::exp(x);
  } else if constexpr (Op == UnaryOp::Log) {
    return std::log(x);
  } else if constexpr (Op == UnaryOp::Sqrt) {
    return std::sqrt(x);
  } else if constexpr (Op == UnaryOp::Rsqrt) {
    return C(1) / std::sqrt(x);
  } else if constexpr (Op == UnaryOp::Reciprocal) {
    return C(1) / x;
  } else if constexpr (Op == UnaryOp::Tanh) {
    if constexpr (f32)
      return tanhF32(x);
    else
      return std::tanh(x);
  } else if constexpr (Op == UnaryOp::Erf) {
    if constexpr (f32)
      return erfF32(x);
    else
      return std::erf(x);
  } else if constexpr (Op == UnaryOp::Sin) {
    return std::sin(x);
  } else if constexpr (Op == UnaryOp::Cos) {
    return std::cos(x);
  } else if constexpr (Op == UnaryOp::Relu) {
    return x < C(0) ? C(0) : x; // NaN stays NaN
  } else if constexpr (Op == UnaryOp::Sigmoid) {
    if constexpr (f32)
      return sigmoidF32(x);
    else
      return 1.0 / (1.0 + std::exp(-x));
  } else if constexpr (Op == UnaryOp::Not) {
    return !x;
  } else if constexpr (Op == UnaryOp::Gelu) {
    if constexpr (f32)
      return geluF32(x);
    else
      return 0.5 * x * std::erfc(-x * 0.70710678118654752440);
  } else {
    static_assert(Op == UnaryOp::GeluTanh);
    if constexpr (f32)
      return geluTanhF32(x);
    else
      return x / (1.0 + std::exp(-2.0 * 0.79788456080286535588 *
                                 (x + 0.044715 * x * x * x)));
  }
}

template <UnaryOp Op, typename T>
PXRT_SIMD void unaryContiguous(int64_t n, const T *in, T *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = store<T>(apply<Op>(load(in[i])));
}

template <UnaryOp Op, typename T>
void unaryStrided(int64_t n, const T *in, int64_t inStride, T *out,
                  int64_t outStride) {
  for (int64_t i = 0; i < n; ++i)
    out[i * outStride] = store<T>(apply<Op>(load(in[i * inStride])));
}

template <UnaryOp Op, typename T>
void unaryTyped(const TensorView &in, const TensorView &out) {
  forEachRun<2>(out.shape, out.rank,
                {operand(in, in.strides), operand(out, out.strides)},
                [](int64_t n, const std::array<char *, 2> &p,
                   const std::array<int64_t, 2> &s) {
                  const T *src = reinterpret_cast<const T *>(p[0]);
                  T *dst = reinterpret_cast<T *>(p[1]);
                  if (s[0] == 1 && s[1] == 1)
                    unaryContiguous<Op>(n, src, dst);
                  else
                    unaryStrided<Op>(n, src, s[0], dst, s[1]);
                });
}

/// Whether px allows dtype T for the op.
template <UnaryOp Op, typename T> constexpr bool takes() {
  if constexpr (Op == UnaryOp::Not)
    return std::is_same_v<T, bool>;
  else if constexpr (Op == UnaryOp::Neg || Op == UnaryOp::Abs ||
                     Op == UnaryOp::Relu)
    return !std::is_same_v<T, bool>;
  else
    return isFloat<T>;
}

const char *const kUnaryNames[] = {
    "neg", "abs", "exp", "log",  "sqrt",    "rsqrt", "reciprocal", "tanh",
    "erf", "sin", "cos", "relu", "sigmoid", "not",   "gelu",       "gelu_tanh"};

template <UnaryOp Op>
void unaryOp(const TensorView &in, const TensorView &out) {
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (takes<Op, T>())
      unaryTyped<Op, T>(in, out);
    else
      fail("unary", std::string(kUnaryNames[int(Op)]) + " does not take " +
                        dtypeName(out.type));
  });
}

} // namespace

void unary(UnaryOp op, const TensorView &in, const TensorView &out) {
  checkType("unary", in, out.type);
  checkSameShape("unary", in, out);
  switch (op) {
#define PXRT_UNARY_CASE(name)                                                  \
  case UnaryOp::name:                                                          \
    return unaryOp<UnaryOp::name>(in, out);
    PXRT_UNARY_CASE(Neg)
    PXRT_UNARY_CASE(Abs)
    PXRT_UNARY_CASE(Exp)
    PXRT_UNARY_CASE(Log)
    PXRT_UNARY_CASE(Sqrt)
    PXRT_UNARY_CASE(Rsqrt)
    PXRT_UNARY_CASE(Reciprocal)
    PXRT_UNARY_CASE(Tanh)
    PXRT_UNARY_CASE(Erf)
    PXRT_UNARY_CASE(Sin)
    PXRT_UNARY_CASE(Cos)
    PXRT_UNARY_CASE(Relu)
    PXRT_UNARY_CASE(Sigmoid)
    PXRT_UNARY_CASE(Not)
    PXRT_UNARY_CASE(Gelu)
    PXRT_UNARY_CASE(GeluTanh)
#undef PXRT_UNARY_CASE
  }
}

} // namespace pxrt::cpu
