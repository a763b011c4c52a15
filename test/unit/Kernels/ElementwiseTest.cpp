//===- ElementwiseTest.cpp - Unary, binary, compare, where, cast ----------===//

#include "KernelTestUtil.h"

#include <functional>
#include <limits>

using namespace pxrt;
using namespace pxrt::cpu;
using namespace pxrt::test;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool isInteger(DType t) { return t == DType::I32 || t == DType::I64; }
bool isFloating(DType t) { return !isInteger(t) && t != DType::Bool; }

/// Expects `got` to match `want` (both already in the dtype's precision
/// family) within `ulps` of the dtype; NaNs must match NaNs.
void expectClose(DType type, double got, double want, double ulps,
                 const std::string &what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << ": want NaN, got " << got;
    return;
  }
  if (std::isinf(want)) {
    EXPECT_EQ(got, want) << what;
    return;
  }
  EXPECT_NEAR(got, want, tolerance(type, want, ulps)) << what;
}

struct UnaryCase {
  UnaryOp op;
  const char *name;
  std::function<double(double)> ref;
  double lo, hi;
  bool numbers; // also integers
};

double gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
/// x/2 (1 + tanh(z)) as x / (1 + e^-2z), which does not cancel.
double geluTanh(double x) {
  return x /
         (1 + std::exp(-2 * std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

const std::vector<UnaryCase> &unaryCases() {
  static const std::vector<UnaryCase> cases = {
      {UnaryOp::Neg, "neg", [](double x) { return -x; }, -9, 9, true},
      {UnaryOp::Abs, "abs", [](double x) { return std::fabs(x); }, -9, 9, true},
      {UnaryOp::Relu, "relu", [](double x) { return x < 0 ? 0 : x; }, -9, 9,
       true},
      {UnaryOp::Exp, "exp", [](double x) { return std::exp(x); }, -30, 30,
       false},
      {UnaryOp::Log, "log", [](double x) { return std::log(x); }, 1e-3, 50,
       false},
      {UnaryOp::Sqrt, "sqrt", [](double x) { return std::sqrt(x); }, 0, 50,
       false},
      {UnaryOp::Rsqrt, "rsqrt", [](double x) { return 1 / std::sqrt(x); }, 1e-2,
       50, false},
      {UnaryOp::Reciprocal, "reciprocal", [](double x) { return 1 / x; }, 0.1,
       9, false},
      {UnaryOp::Tanh, "tanh", [](double x) { return std::tanh(x); }, -6, 6,
       false},
      {UnaryOp::Erf, "erf", [](double x) { return std::erf(x); }, -4, 4, false},
      {UnaryOp::Sin, "sin", [](double x) { return std::sin(x); }, -6, 6, false},
      {UnaryOp::Cos, "cos", [](double x) { return std::cos(x); }, -6, 6, false},
      {UnaryOp::Sigmoid, "sigmoid",
       [](double x) { return 1 / (1 + std::exp(-x)); }, -20, 20, false},
      {UnaryOp::Gelu, "gelu", gelu, -8, 8, false},
      {UnaryOp::GeluTanh, "gelu_tanh", geluTanh, -8, 8, false},
  };
  return cases;
}

TEST(UnaryTest, EveryOpAndDtypeMatchesReference) {
  std::mt19937 rng(10);
  for (const UnaryCase &c : unaryCases())
    for (DType type : numberTypes()) {
      if (isInteger(type) && !c.numbers)
        continue;
      Shape shape = {3, 37};
      Tensor in = randomTensor(rng, type, shape, c.lo, c.hi);
      Tensor out(type, shape);
      unary(c.op, in, out);
      // Also strided and reversed on both sides.
      Tensor out2 = stridedCopy(Tensor(type, shape));
      unary(c.op, stridedCopy(in), out2);
      for (int64_t i = 0; i < in.size(); ++i) {
        double want = makeTensor(type, {}, {c.ref(in.at(i))}).at(0);
        std::string what = std::string(c.name) + " " + dtypeName(type) +
                           " x=" + std::to_string(in.at(i));
        if (isInteger(type))
          EXPECT_EQ(out.at(i), want) << what;
        else // f64: the reference's own rounding, amplified on the tails
          expectClose(type, out.at(i), want, type == DType::F64 ? 1e4 : 8,
                      what);
        EXPECT_EQ(out2.at(i), out.at(i)) << what;
      }
    }
}

TEST(UnaryTest, NotAndTypeErrors) {
  Tensor in = makeTensor(DType::Bool, {4}, {0, 1, 1, 0});
  Tensor out(DType::Bool, {4});
  unary(UnaryOp::Not, in, out);
  EXPECT_EQ(out.values(), (std::vector<double>{1, 0, 0, 1}));
  Tensor ints(DType::I32, {4});
  EXPECT_THROW(unary(UnaryOp::Exp, ints, ints), std::invalid_argument);
  EXPECT_THROW(unary(UnaryOp::Not, ints, ints), std::invalid_argument);
  EXPECT_THROW(unary(UnaryOp::Neg, in, out), std::invalid_argument);
}

TEST(UnaryTest, InPlace) {
  Tensor t = makeTensor(DType::F32, {5}, {-2, -1, 0, 1, 2});
  unary(UnaryOp::Relu, t, t);
  EXPECT_EQ(t.values(), (std::vector<double>{0, 0, 0, 1, 2}));
}

/// Worst error in f32 ulps of `op` over a dense sweep of [lo, hi].
double worstUlps(UnaryOp op, const std::function<double(double)> &ref,
                 double lo, double hi) {
  const int n = 200001;
  Tensor in(DType::F32, {n}), out(DType::F32, {n});
  for (int i = 0; i < n; ++i)
    in.set(i, lo + (hi - lo) * i / (n - 1));
  unary(op, in, out);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    double want = ref(in.at(i));
    double ulp = std::max(std::fabs(want), 1.17549435e-38) * 1.1920929e-7;
    worst = std::max(worst, std::fabs(out.at(i) - want) / ulp);
  }
  return worst;
}

TEST(UnaryTest, F32ApproximationsAreAccurate) {
  // exp within 2 ulp (relative to 2^-23 of the value) across its range.
  EXPECT_LE(worstUlps(
                UnaryOp::Exp, [](double x) { return std::exp(x); }, -87, 88.5),
            2.0);
  EXPECT_LE(worstUlps(
                UnaryOp::Tanh, [](double x) { return std::tanh(x); }, -10, 10),
            3.0);
  EXPECT_LE(worstUlps(
                UnaryOp::Erf, [](double x) { return std::erf(x); }, -5, 5),
            4.0);
  EXPECT_LE(worstUlps(
                UnaryOp::Sigmoid,
                [](double x) { return 1 / (1 + std::exp(-x)); }, -30, 30),
            4.0);
  // GELU has no cancellation on the negative tail, but there its value is
  // e^(-x^2/2) and the f32 rounding of the exponent's argument (about x^2/2
  // ulps of it) shows: still within 1.2e-5 relative at x = -9.
  EXPECT_LE(worstUlps(UnaryOp::Gelu, gelu, -3, 9), 12.0);
  EXPECT_LE(worstUlps(UnaryOp::Gelu, gelu, -9, -3), 100.0);
  EXPECT_LE(worstUlps(UnaryOp::GeluTanh, geluTanh, -3, 9), 12.0);
  EXPECT_LE(worstUlps(UnaryOp::GeluTanh, geluTanh, -9, -3), 100.0);
}

TEST(UnaryTest, F32SpecialValues) {
  Tensor in =
      makeTensor(DType::F32, {7}, {kInf, -kInf, kNaN, 88.7, -100, 0, -0.0});
  Tensor out(DType::F32, {7});
  unary(UnaryOp::Exp, in, out);
  EXPECT_EQ(out.at(0), kInf);
  EXPECT_EQ(out.at(1), 0);
  EXPECT_TRUE(std::isnan(out.at(2)));
  EXPECT_NEAR(out.at(3), std::exp(in.at(3)), std::exp(in.at(3)) * 3e-7);
  EXPECT_NEAR(out.at(4), std::exp(-100.0), 1.5e-45); // subnormal
  EXPECT_EQ(out.at(5), 1);
  unary(UnaryOp::Tanh, in, out);
  EXPECT_EQ(out.at(0), 1);
  EXPECT_EQ(out.at(1), -1);
  EXPECT_TRUE(std::isnan(out.at(2)));
  unary(UnaryOp::Erf, in, out);
  EXPECT_EQ(out.at(0), 1);
  EXPECT_EQ(out.at(1), -1);
  EXPECT_TRUE(std::isnan(out.at(2)));
  unary(UnaryOp::Relu, in, out);
  EXPECT_TRUE(std::isnan(out.at(2)));
}

struct BinaryCase {
  BinaryOp op;
  const char *name;
  std::function<double(double, double)> ref;
};

double truncDiv(double a, double b) { return b == 0 ? 0 : std::trunc(a / b); }

TEST(BinaryTest, EveryOpAndDtypeBroadcasts) {
  std::mt19937 rng(11);
  std::vector<BinaryCase> cases = {
      {BinaryOp::Add, "add", [](double a, double b) { return a + b; }},
      {BinaryOp::Sub, "sub", [](double a, double b) { return a - b; }},
      {BinaryOp::Mul, "mul", [](double a, double b) { return a * b; }},
      {BinaryOp::Div, "div", [](double a, double b) { return a / b; }},
      {BinaryOp::Pow, "pow",
       [](double a, double b) { return std::pow(std::fabs(a), b); }},
      {BinaryOp::Max, "max", [](double a, double b) { return std::max(a, b); }},
      {BinaryOp::Min, "min", [](double a, double b) { return std::min(a, b); }},
  };
  // (lhs, rhs) -> out shapes: equal, broadcast both ways, rank-0 scalars.
  std::vector<std::array<Shape, 3>> shapes = {
      {Shape{4, 9}, Shape{4, 9}, Shape{4, 9}},
      {Shape{3, 1, 5}, Shape{4, 1}, Shape{3, 4, 5}},
      {Shape{}, Shape{2, 7}, Shape{2, 7}},
      {Shape{2, 7}, Shape{}, Shape{2, 7}},
      {Shape{1, 19}, Shape{6, 1}, Shape{6, 19}}};
  for (const BinaryCase &c : cases)
    for (DType type : numberTypes()) {
      if (c.op == BinaryOp::Pow && isInteger(type))
        continue;
      for (const auto &s : shapes) {
        Tensor lhs = randomTensor(rng, type, s[0], -9, 9);
        Tensor rhs = randomTensor(rng, type, s[1], -9, 9);
        if (c.op == BinaryOp::Pow) {
          lhs = randomTensor(rng, type, s[0], 0.1, 3);
          rhs = randomTensor(rng, type, s[1], -3, 3);
        }
        Tensor out(type, s[2]), out2 = stridedCopy(Tensor(type, s[2]));
        binary(c.op, lhs, rhs, out);
        binary(c.op, stridedCopy(lhs), stridedCopy(rhs), out2);
        TensorView lb = broadcastView(lhs, s[2].data(), s[2].size());
        TensorView rb = broadcastView(rhs, s[2].data(), s[2].size());
        for (int64_t i = 0; i < out.size(); ++i) {
          double a = readElement(lb, i), b = readElement(rb, i);
          double want = isInteger(type) && c.op == BinaryOp::Div
                            ? truncDiv(a, b)
                            : c.ref(a, b);
          want = makeTensor(type, {}, {want}).at(0);
          std::string what = std::string(c.name) + " " + dtypeName(type) + " " +
                             std::to_string(a) + ", " + std::to_string(b);
          if (isInteger(type))
            ASSERT_EQ(out.at(i), want) << what;
          else if (c.op == BinaryOp::Div && b == 0)
            ASSERT_TRUE(std::isinf(out.at(i)) || std::isnan(out.at(i)));
          else
            expectClose(type, out.at(i), want, 1, what);
          ASSERT_EQ(out2.at(i), out.at(i)) << what;
        }
      }
    }
}

TEST(BinaryTest, IntegerDivisionTruncatesAndNeverTraps) {
  Tensor a = makeTensor(DType::I32, {6}, {7, -7, 7, -7, 5, -2147483648.0});
  Tensor b = makeTensor(DType::I32, {6}, {2, 2, -2, -2, 0, -1});
  Tensor out(DType::I32, {6});
  binary(BinaryOp::Div, a, b, out);
  EXPECT_EQ(out.values(),
            (std::vector<double>{3, -3, -3, 3, 0, -2147483648.0}));
  Tensor big = makeTensor(DType::I64, {1}, {9.2e18});
  Tensor sum(DType::I64, {1});
  binary(BinaryOp::Add, big, big, sum); // wraps, no UB
  EXPECT_LT(sum.at(0), 0);
}

TEST(BinaryTest, MaxMinPropagateNaN) {
  Tensor a = makeTensor(DType::F32, {3}, {kNaN, 1, 2});
  Tensor b = makeTensor(DType::F32, {3}, {1, kNaN, 3});
  Tensor out(DType::F32, {3});
  for (BinaryOp op : {BinaryOp::Max, BinaryOp::Min}) {
    binary(op, a, b, out);
    EXPECT_TRUE(std::isnan(out.at(0)));
    EXPECT_TRUE(std::isnan(out.at(1)));
  }
  EXPECT_EQ(out.at(2), 2);
}

TEST(BinaryTest, LogicalAndTypeErrors) {
  Tensor a = makeTensor(DType::Bool, {2, 2}, {0, 0, 1, 1});
  Tensor b = makeTensor(DType::Bool, {2}, {0, 1});
  Tensor out(DType::Bool, {2, 2});
  binary(BinaryOp::And, a, b, out);
  EXPECT_EQ(out.values(), (std::vector<double>{0, 0, 0, 1}));
  binary(BinaryOp::Or, a, b, out);
  EXPECT_EQ(out.values(), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_THROW(binary(BinaryOp::Add, a, b, out), std::invalid_argument);
  Tensor f(DType::F32, {2, 2}), i(DType::I32, {2, 2});
  EXPECT_THROW(binary(BinaryOp::Add, f, i, f), std::invalid_argument);
  EXPECT_THROW(binary(BinaryOp::Pow, i, i, i), std::invalid_argument);
  Tensor wrong(DType::F32, {3});
  EXPECT_THROW(binary(BinaryOp::Add, f, wrong, f), std::invalid_argument);
}

TEST(CompareTest, EveryKindAndDtype) {
  std::mt19937 rng(12);
  std::vector<std::pair<CompareOp, std::function<bool(double, double)>>> kinds =
      {{CompareOp::Eq, std::equal_to<double>()},
       {CompareOp::Ne, std::not_equal_to<double>()},
       {CompareOp::Lt, std::less<double>()},
       {CompareOp::Le, std::less_equal<double>()},
       {CompareOp::Gt, std::greater<double>()},
       {CompareOp::Ge, std::greater_equal<double>()}};
  for (DType type : allTypes())
    for (const auto &[op, ref] : kinds) {
      // Small integers so equal values occur.
      Tensor lhs = randomTensor(rng, type, {5, 1}, -2, 2);
      Tensor rhs = randomTensor(rng, type, {6}, -2, 2);
      if (isFloating(type)) {
        lhs.setValues(randomValues(rng, DType::I32, 5, -2, 2));
        rhs.setValues(randomValues(rng, DType::I32, 6, -2, 2));
      }
      Tensor out(DType::Bool, {5, 6});
      compare(op, lhs, stridedCopy(rhs), out);
      for (int64_t i = 0; i < out.size(); ++i)
        ASSERT_EQ(out.at(i), ref(lhs.at(i / 6), rhs.at(i % 6)) ? 1 : 0);
    }
  Tensor nan = makeTensor(DType::F32, {1}, {kNaN});
  Tensor out(DType::Bool, {1});
  compare(CompareOp::Ne, nan, nan, out);
  EXPECT_EQ(out.at(0), 1);
  compare(CompareOp::Eq, nan, nan, out);
  EXPECT_EQ(out.at(0), 0);
}

TEST(WhereTest, BroadcastsAllThree) {
  std::mt19937 rng(13);
  for (DType type : allTypes()) {
    Tensor cond = randomTensor(rng, DType::Bool, {4, 1});
    Tensor lhs = randomTensor(rng, type, {1, 7});
    Tensor rhs = randomTensor(rng, type, {});
    Tensor out(type, {4, 7});
    where(cond, lhs, rhs, out);
    for (int64_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(out.at(i), cond.at(i / 7) ? lhs.at(i % 7) : rhs.at(0));
    Tensor full = randomTensor(rng, DType::Bool, {4, 7});
    Tensor a = randomTensor(rng, type, {4, 7}),
           b = randomTensor(rng, type, {4, 7});
    where(full, a, b, out);
    for (int64_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(out.at(i), full.at(i) ? a.at(i) : b.at(i));
  }
}

TEST(CastTest, EveryPair) {
  std::vector<double> values = {0,      -0.0, 1,     -1,    2.75, -2.75, 100.5,
                                -100.5, 1e10, -1e10, 65504, kNaN, kInf};
  for (DType from : allTypes())
    for (DType to : allTypes()) {
      std::vector<double> inputs = values;
      if (!isFloating(from)) // representable integers
        for (double &x : inputs)
          x = std::isfinite(x) && std::fabs(x) < 1e9 ? std::trunc(x) : 7;
      Tensor in =
          makeTensor(from, {static_cast<int64_t>(inputs.size())}, inputs);
      Tensor out(to, {in.size()});
      cast(stridedCopy(in), out);
      for (int64_t i = 0; i < in.size(); ++i) {
        double x = in.at(i), want;
        if (to == DType::Bool)
          want = x != 0;
        else if (isFloating(to))
          want = makeTensor(to, {}, {x}).at(0);
        else if (std::isnan(x))
          want = 0;
        else {
          double lo =
              to == DType::I32 ? -2147483648.0 : -9.223372036854775808e18;
          double hi = to == DType::I32 ? 2147483647.0 : 9.223372036854775807e18;
          want = std::min(std::max(std::trunc(x), lo), hi);
        }
        std::string what = std::string(dtypeName(from)) + "->" + dtypeName(to) +
                           " " + std::to_string(x);
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(out.at(i))) << what;
        else
          EXPECT_EQ(out.at(i), want) << what;
      }
    }
}

TEST(FillTest, FillAndIota) {
  for (DType type : allTypes()) {
    Tensor t = stridedCopy(Tensor(type, {3, 4}));
    fill(t, 2.5);
    double want = isInteger(type) ? 2 : type == DType::Bool ? 1 : 2.5;
    for (double v : t.values())
      EXPECT_EQ(v, want) << dtypeName(type);
    iota(t, 1, 2);
    for (int64_t i = 0; i < t.size(); ++i)
      EXPECT_EQ(t.at(i), type == DType::Bool ? 1 : 1 + 2 * i);
  }
  Tensor big(DType::I64, {2});
  fillInt(big, 9007199254740993); // not exact in f64
  int64_t v;
  std::memcpy(&v, big.view.data, 8);
  EXPECT_EQ(v, 9007199254740993);
}

} // namespace
