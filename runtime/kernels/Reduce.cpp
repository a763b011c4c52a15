//===- Reduce.cpp - Reductions over axes and cross-entropy ----------------===//
//
// The reduced dims are moved last (a copy unless they already are), so every
// output element reduces one contiguous row: sums in the fixed lane order of
// Math.h, accumulating floats in f64 and integers in i64. Sums over the
// leading dims of contiguous data (bias gradients) read the columns in place
// in the same order instead.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "Math.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace pxrt::cpu {

using namespace detail;

namespace {

template <typename T> PXRT_SIMD Accum<T> sumRow(const T *x, int64_t n) {
  Accum<T> lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j)
      lanes[j] += load(x[i + j]);
  for (; i < n; ++i)
    lanes[i % kLanes] += load(x[i]);
  return combineLanes(lanes);
}

/// Max (or min) of a row; a NaN wins.
template <typename T, bool Max>
PXRT_SIMD Compute<T> extremumRow(const T *x, int64_t n) {
  using C = Compute<T>;
  auto pick = [](C a, C b) {
    return (a != a || (Max ? a > b : a < b)) ? a : b;
  };
  C lanes[kLanes];
  for (int j = 0; j < kLanes; ++j)
    lanes[j] =
        Max ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
  if constexpr (std::is_floating_point_v<C>)
    for (int j = 0; j < kLanes; ++j)
      lanes[j] = Max ? -std::numeric_limits<C>::infinity()
                     : std::numeric_limits<C>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j)
      lanes[j] = pick(load(x[i + j]), lanes[j]);
  for (; i < n; ++i)
    lanes[i % kLanes] = pick(load(x[i]), lanes[i % kLanes]);
  C result = lanes[0];
  for (int j = 1; j < kLanes; ++j)
    result = pick(lanes[j], result);
  return result;
}

/// The sums of the columns of row-major [n, cols] data, each in sumRow's
/// order (row r into lane r % kLanes, the lanes combined pairwise), so they
/// equal the sums of the transposed rows. Rows are read in order, a block of
/// columns at a time, so the lanes stay in L1.
template <typename T>
PXRT_SIMD void sumColumns(const T *x, int64_t n, int64_t cols, Accum<T> *sums) {
  constexpr int64_t kBlock = 64;
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    int64_t width = std::min(kBlock, cols - c0);
    Accum<T> lanes[kLanes][kBlock] = {};
    for (int64_t r = 0; r < n; ++r) {
      Accum<T> *lane = lanes[r % kLanes];
      const T *row = x + r * cols + c0;
      for (int64_t c = 0; c < width; ++c)
        lane[c] += load(row[c]);
    }
    for (int64_t c = 0; c < width; ++c) {
      Accum<T> column[kLanes];
      for (int j = 0; j < kLanes; ++j)
        column[j] = lanes[j][c];
      sums[c0 + c] = combineLanes(column);
    }
  }
}

template <typename T>
T finishSum(ReduceKind kind, Accum<T> sum, double divisor) {
  if (kind == ReduceKind::Mean) {
    if constexpr (isFloat<T>)
      sum /= divisor;
    else
      sum = divisor == 0 ? 0 : sum / static_cast<int64_t>(divisor);
  }
  return store<T>(static_cast<Compute<T>>(sum));
}

template <typename T>
void reduceRows(ReduceKind kind, const T *x, int64_t rows, int64_t n,
                double divisor, T *y) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *row = x + r * n;
    if (kind == ReduceKind::Max)
      y[r] = store<T>(extremumRow<T, true>(row, n));
    else if (kind == ReduceKind::Min)
      y[r] = store<T>(extremumRow<T, false>(row, n));
    else
      y[r] = finishSum<T>(kind, sumRow(row, n), divisor);
  }
}

/// Sum or mean over the leading `n` rows of contiguous [n, cols] data.
template <typename T>
void reduceColumns(ReduceKind kind, const T *x, int64_t n, int64_t cols,
                   double divisor, T *y) {
  std::vector<Accum<T>> sums(cols);
  sumColumns(x, n, cols, sums.data());
  for (int64_t c = 0; c < cols; ++c)
    y[c] = finishSum<T>(kind, sums[c], divisor);
}

/// Exp-sum of a row shifted by its max; the exps go through `scratch` so
/// each pass vectorizes at the full width.
template <typename T>
PXRT_SIMD double sumExpRow(const T *x, int64_t n, T max, T *scratch) {
  for (int64_t i = 0; i < n; ++i)
    scratch[i] = expT(x[i] - max);
  return sumLanes(scratch, n);
}

template <typename T, typename L>
void crossEntropyTyped(const TensorView &logitsView, const TensorView &labels,
                       LossReduction reduction,
                       std::optional<int64_t> ignoreIndex, double divisor,
                       const TensorView &outView) {
  Scratch logitsCopy, labelsCopy, outCopy;
  TensorView logits = contiguousInput(logitsView, logitsCopy);
  const L *label =
      static_cast<const L *>(contiguousInput(labels, labelsCopy).data);
  TensorView out = contiguousOutput(outView, outCopy);
  int64_t classes = logits.shape[logits.rank - 1];
  int64_t rows = labels.numel();
  const T *x = static_cast<const T *>(logits.data);
  T *y = static_cast<T *>(out.data);
  std::vector<T> exps(classes);
  double total = 0;
  int64_t counted = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t target = label[r];
    if (ignoreIndex && target == *ignoreIndex) {
      if (reduction == LossReduction::None)
        y[r] = 0;
      continue;
    }
    if (target < 0 || target >= classes)
      fail("crossEntropy", "label " + std::to_string(target) + " outside [0, " +
                               std::to_string(classes) + ")");
    const T *row = x + r * classes;
    T max = extremumRow<T, true>(row, classes);
    double loss = static_cast<double>(max) +
                  std::log(sumExpRow(row, classes, max, exps.data())) -
                  static_cast<double>(row[target]);
    if (reduction == LossReduction::None)
      y[r] = static_cast<T>(loss);
    total += loss;
    ++counted;
  }
  if (reduction == LossReduction::Sum)
    y[0] = static_cast<T>(total);
  else if (reduction == LossReduction::Mean)
    y[0] = static_cast<T>(
        total / (divisor != 0 ? divisor : static_cast<double>(counted)));
  if (out.data != outView.data)
    copy(out, outView);
}

} // namespace

void reduce(ReduceKind kind, const TensorView &in,
            const std::vector<int64_t> &axes, bool keepdims,
            const TensorView &out, double divisor) {
  checkType("reduce", in, out.type);
  if (in.type == DType::Bool)
    fail("reduce", "does not take bool");
  bool reduced[kMaxRank] = {};
  for (int64_t axis : axes) {
    int d = normalizeAxis("reduce", axis, in.rank);
    if (reduced[d])
      fail("reduce", "axis " + std::to_string(d) + " repeats");
    reduced[d] = true;
  }
  // Kept dims first, reduced dims last, each in order.
  std::vector<int64_t> perm;
  int64_t expected[kMaxRank];
  int expectedRank = 0;
  for (int d = 0; d < in.rank; ++d) {
    if (!reduced[d])
      perm.push_back(d);
    if (!reduced[d] || keepdims)
      expected[expectedRank++] = reduced[d] ? 1 : in.shape[d];
  }
  for (int d = 0; d < in.rank; ++d)
    if (reduced[d])
      perm.push_back(d);
  TensorView expectedView = out;
  expectedView.rank = expectedRank;
  std::copy(expected, expected + expectedRank, expectedView.shape);
  checkSameShape("reduce", expectedView, out);
  int64_t n = 1;
  for (int d = 0; d < in.rank; ++d)
    if (reduced[d])
      n *= in.shape[d];
  int64_t rows = out.numel();
  if (rows == 0)
    return;
  if (kind == ReduceKind::Mean && divisor == 0)
    divisor = static_cast<double>(n);
  // Sums over a prefix of the dims of contiguous data read it in place.
  int prefix = 0;
  while (prefix < in.rank && reduced[prefix])
    ++prefix;
  bool columns = (kind == ReduceKind::Sum || kind == ReduceKind::Mean) &&
                 prefix < in.rank && prefix == static_cast<int>(axes.size()) &&
                 in.isContiguous();
  Scratch inCopy, outCopy;
  TensorView rowsView =
      columns ? in : contiguousInput(permuteView(in, perm), inCopy);
  TensorView result = contiguousOutput(out, outCopy);
  dispatch(in.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      const T *x = static_cast<const T *>(rowsView.data);
      T *y = static_cast<T *>(result.data);
      if (columns)
        reduceColumns(kind, x, n, rows, divisor, y);
      else
        reduceRows(kind, x, rows, n, divisor, y);
    }
  });
  if (result.data != out.data)
    copy(result, out);
}

void crossEntropy(const TensorView &logits, const TensorView &labels,
                  LossReduction reduction, std::optional<int64_t> ignoreIndex,
                  const TensorView &out, double divisor) {
  checkType("crossEntropy", logits, out.type);
  if (!isFloatType(out.type))
    fail("crossEntropy",
         std::string("needs float logits, got ") + dtypeName(out.type));
  if (labels.type != DType::I32 && labels.type != DType::I64)
    fail("crossEntropy",
         std::string("needs i32 or i64 labels, got ") + dtypeName(labels.type));
  bool ok = logits.rank == labels.rank + 1;
  for (int d = 0; ok && d < labels.rank; ++d)
    ok = labels.shape[d] == logits.shape[d];
  if (!ok)
    fail("crossEntropy", "labels " + shapeStr(labels) +
                             " do not match logits " + shapeStr(logits));
  if (reduction == LossReduction::None)
    checkSameShape("crossEntropy", labels, out);
  else if (out.rank != 0)
    fail("crossEntropy", "a reduced loss is a scalar, got " + shapeStr(out));
  inComputeType({&logits}, out,
                [&](const std::vector<TensorView> &v, const TensorView &r) {
                  dispatch(labels.type, [&](auto labelTag) {
                    using L = typename decltype(labelTag)::type;
                    if constexpr (isInt<L>) {
                      if (r.type == DType::F64)
                        crossEntropyTyped<double, L>(v[0], labels, reduction,
                                                     ignoreIndex, divisor, r);
                      else
                        crossEntropyTyped<float, L>(v[0], labels, reduction,
                                                    ignoreIndex, divisor, r);
                    }
                  });
                });
}

} // namespace pxrt::cpu
