//===- Binary.cpp - Broadcasting binary ops, compare, where ---------------===//

#include "Internal.h"

#include <cmath>

namespace pxrt::cpu {

using namespace detail;

namespace {

/// Integer arithmetic wraps (through unsigned, so it is defined).
template <typename C, typename F> C wrap(C a, C b, F f) {
  using U = std::make_unsigned_t<C>;
  return static_cast<C>(f(static_cast<U>(a), static_cast<U>(b)));
}

template <BinaryOp Op, typename C> C applyBinary(C a, C b) {
  constexpr bool integral = std::is_integral_v<C>;
  if constexpr (Op == BinaryOp::Add) {
    if constexpr (integral)
      return wrap(a, b, [](auto x, auto y) { return x + y; });
    else
      return a + b;
  } else if constexpr (Op == BinaryOp::Sub) {
    if constexpr (integral)
      return wrap(a, b, [](auto x, auto y) { return x - y; });
    else
      return a - b;
  } else if constexpr (Op == BinaryOp::Mul) {
    if constexpr (integral)
      return wrap(a, b, [](auto x, auto y) { return x * y; });
    else
      return a * b;
  } else if constexpr (Op == BinaryOp::Div) {
    if constexpr (integral) {
      if (b == 0)
        return 0;
      if (b == -1) // avoids the trap of MIN / -1
        return wrap(C(0), a, [](auto x, auto y) { return x - y; });
      return a / b; // truncates toward zero
    } else {
      return a / b;
    }
  } else if constexpr (Op == BinaryOp::Pow) {
    return std::pow(a, b);
  } else if constexpr (Op == BinaryOp::Max) {
    return (a != a || a > b) ? a : b;
  } else if constexpr (Op == BinaryOp::Min) {
    return (a != a || a < b) ? a : b;
  } else if constexpr (Op == BinaryOp::And) {
    return a && b;
  } else {
    static_assert(Op == BinaryOp::Or);
    return a || b;
  }
}

template <BinaryOp Op, typename T> constexpr bool takes() {
  if constexpr (Op == BinaryOp::And || Op == BinaryOp::Or)
    return std::is_same_v<T, bool>;
  else if constexpr (Op == BinaryOp::Pow)
    return isFloat<T>;
  else
    return !std::is_same_v<T, bool>;
}

// The contiguous loops, with either operand possibly a scalar (stride 0),
// are cloned for the vector ISAs; `f` maps two inputs to one output.
template <typename A, typename B, typename R, typename F>
PXRT_SIMD void loopContiguous(int64_t n, const A *a, const B *b, R *out, F f) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = f(a[i], b[i]);
}

template <typename A, typename B, typename R, typename F>
PXRT_SIMD void loopScalarLhs(int64_t n, A a, const B *b, R *out, F f) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = f(a, b[i]);
}

template <typename A, typename B, typename R, typename F>
PXRT_SIMD void loopScalarRhs(int64_t n, const A *a, B b, R *out, F f) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = f(a[i], b);
}

/// out = f(lhs, rhs) over out's shape, the operands broadcast.
template <typename A, typename B, typename R, typename F>
void broadcastLoop(const char *kernel, const TensorView &lhs,
                   const TensorView &rhs, const TensorView &out, F f) {
  int64_t lhsStrides[kMaxRank], rhsStrides[kMaxRank];
  broadcastStrides(kernel, lhs, out.shape, out.rank, lhsStrides);
  broadcastStrides(kernel, rhs, out.shape, out.rank, rhsStrides);
  forEachRun<3>(out.shape, out.rank,
                {operand(lhs, lhsStrides), operand(rhs, rhsStrides),
                 operand(out, out.strides)},
                [f](int64_t n, const std::array<char *, 3> &p,
                    const std::array<int64_t, 3> &s) {
                  const A *a = reinterpret_cast<const A *>(p[0]);
                  const B *b = reinterpret_cast<const B *>(p[1]);
                  R *o = reinterpret_cast<R *>(p[2]);
                  if (s[2] == 1 && s[0] == 1 && s[1] == 1)
                    loopContiguous(n, a, b, o, f);
                  else if (s[2] == 1 && s[0] == 0 && s[1] == 1)
                    loopScalarLhs(n, *a, b, o, f);
                  else if (s[2] == 1 && s[0] == 1 && s[1] == 0)
                    loopScalarRhs(n, a, *b, o, f);
                  else
                    for (int64_t i = 0; i < n; ++i)
                      o[i * s[2]] = f(a[i * s[0]], b[i * s[1]]);
                });
}

const char *const kBinaryNames[] = {"add", "sub", "mul", "div", "pow",
                                    "max", "min", "and", "or"};

template <BinaryOp Op>
void binaryOp(const TensorView &lhs, const TensorView &rhs,
              const TensorView &out) {
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (takes<Op, T>())
      broadcastLoop<T, T, T>("binary", lhs, rhs, out, [](T a, T b) {
        return store<T>(applyBinary<Op>(load(a), load(b)));
      });
    else
      fail("binary", std::string(kBinaryNames[int(Op)]) + " does not take " +
                         dtypeName(out.type));
  });
}

template <CompareOp Op, typename C> bool applyCompare(C a, C b) {
  if constexpr (Op == CompareOp::Eq)
    return a == b;
  else if constexpr (Op == CompareOp::Ne)
    return a != b;
  else if constexpr (Op == CompareOp::Lt)
    return a < b;
  else if constexpr (Op == CompareOp::Le)
    return a <= b;
  else if constexpr (Op == CompareOp::Gt)
    return a > b;
  else
    return a >= b;
}

template <CompareOp Op>
void compareOp(const TensorView &lhs, const TensorView &rhs,
               const TensorView &out) {
  dispatch(lhs.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    broadcastLoop<T, T, bool>("compare", lhs, rhs, out, [](T a, T b) {
      return applyCompare<Op>(load(a), load(b));
    });
  });
}

template <typename T>
PXRT_SIMD void whereContiguous(int64_t n, const bool *cond, const T *a,
                               const T *b, T *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = cond[i] ? a[i] : b[i];
}

} // namespace

void binary(BinaryOp op, const TensorView &lhs, const TensorView &rhs,
            const TensorView &out) {
  checkType("binary", lhs, out.type);
  checkType("binary", rhs, out.type);
  switch (op) {
  case BinaryOp::Add:
    return binaryOp<BinaryOp::Add>(lhs, rhs, out);
  case BinaryOp::Sub:
    return binaryOp<BinaryOp::Sub>(lhs, rhs, out);
  case BinaryOp::Mul:
    return binaryOp<BinaryOp::Mul>(lhs, rhs, out);
  case BinaryOp::Div:
    return binaryOp<BinaryOp::Div>(lhs, rhs, out);
  case BinaryOp::Pow:
    return binaryOp<BinaryOp::Pow>(lhs, rhs, out);
  case BinaryOp::Max:
    return binaryOp<BinaryOp::Max>(lhs, rhs, out);
  case BinaryOp::Min:
    return binaryOp<BinaryOp::Min>(lhs, rhs, out);
  case BinaryOp::And:
    return binaryOp<BinaryOp::And>(lhs, rhs, out);
  case BinaryOp::Or:
    return binaryOp<BinaryOp::Or>(lhs, rhs, out);
  }
}

void compare(CompareOp op, const TensorView &lhs, const TensorView &rhs,
             const TensorView &out) {
  checkType("compare", rhs, lhs.type);
  checkType("compare", out, DType::Bool);
  switch (op) {
  case CompareOp::Eq:
    return compareOp<CompareOp::Eq>(lhs, rhs, out);
  case CompareOp::Ne:
    return compareOp<CompareOp::Ne>(lhs, rhs, out);
  case CompareOp::Lt:
    return compareOp<CompareOp::Lt>(lhs, rhs, out);
  case CompareOp::Le:
    return compareOp<CompareOp::Le>(lhs, rhs, out);
  case CompareOp::Gt:
    return compareOp<CompareOp::Gt>(lhs, rhs, out);
  case CompareOp::Ge:
    return compareOp<CompareOp::Ge>(lhs, rhs, out);
  }
}

void where(const TensorView &cond, const TensorView &lhs, const TensorView &rhs,
           const TensorView &out) {
  checkType("where", cond, DType::Bool);
  checkType("where", lhs, out.type);
  checkType("where", rhs, out.type);
  int64_t strides[3][kMaxRank];
  broadcastStrides("where", cond, out.shape, out.rank, strides[0]);
  broadcastStrides("where", lhs, out.shape, out.rank, strides[1]);
  broadcastStrides("where", rhs, out.shape, out.rank, strides[2]);
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    forEachRun<4>(out.shape, out.rank,
                  {operand(cond, strides[0]), operand(lhs, strides[1]),
                   operand(rhs, strides[2]), operand(out, out.strides)},
                  [](int64_t n, const std::array<char *, 4> &p,
                     const std::array<int64_t, 4> &s) {
                    const bool *c = reinterpret_cast<const bool *>(p[0]);
                    const T *a = reinterpret_cast<const T *>(p[1]);
                    const T *b = reinterpret_cast<const T *>(p[2]);
                    T *o = reinterpret_cast<T *>(p[3]);
                    if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1)
                      return whereContiguous(n, c, a, b, o);
                    for (int64_t i = 0; i < n; ++i)
                      o[i * s[3]] = c[i * s[0]] ? a[i * s[1]] : b[i * s[2]];
                  });
  });
}

} // namespace pxrt::cpu
