//===- KernelTestUtil.h - Tensors and references for kernel tests -*- C++ -*-=//
//
// Owning test tensors that read and write logical values as double, so every
// check compares a kernel against a plain reference loop in f64.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_TEST_KERNELTESTUTIL_H
#define PXRT_TEST_KERNELTESTUTIL_H

#include "pxrt/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace pxrt::test {

using cpu::TensorView;
using Shape = std::vector<int64_t>;

inline int64_t numel(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Byte offset of row-major element `index` of `view`.
inline int64_t elementOffset(const TensorView &view, int64_t index) {
  int64_t offset = 0;
  for (int d = view.rank - 1; d >= 0; --d) {
    offset += (index % view.shape[d]) * view.strides[d];
    index /= view.shape[d];
  }
  return offset * static_cast<int64_t>(dtypeSize(view.type));
}

inline double readElement(const TensorView &view, int64_t index) {
  const char *p =
      static_cast<const char *>(view.data) + elementOffset(view, index);
  switch (view.type) {
  case DType::F32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::F64: {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  case DType::F16:
  case DType::BF16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return view.type == DType::F16 ? halfToFloat(v) : bfloat16ToFloat(v);
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return static_cast<double>(v);
  }
  case DType::Bool:
    return *p ? 1 : 0;
  }
  return 0;
}

inline void writeElement(const TensorView &view, int64_t index, double value) {
  char *p = static_cast<char *>(view.data) + elementOffset(view, index);
  switch (view.type) {
  case DType::F32: {
    float v = static_cast<float>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  case DType::F64:
    std::memcpy(p, &value, 8);
    return;
  case DType::F16:
  case DType::BF16: {
    float f = static_cast<float>(value);
    uint16_t v = view.type == DType::F16 ? floatToHalf(f) : floatToBFloat16(f);
    std::memcpy(p, &v, 2);
    return;
  }
  case DType::I32: {
    int32_t v = static_cast<int32_t>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  case DType::I64: {
    int64_t v = static_cast<int64_t>(value);
    std::memcpy(p, &v, 8);
    return;
  }
  case DType::Bool:
    *p = value != 0;
    return;
  }
}

/// An owning tensor: contiguous storage plus a view of it (which tests may
/// restride over a larger allocation).
struct Tensor {
  std::vector<char> storage;
  TensorView view;

  Tensor() = default;
  Tensor(DType type, const Shape &shape, size_t extraElements = 0)
      : storage((numel(shape) + extraElements) * dtypeSize(type) + 64) {
    view = cpu::contiguousView(storage.data(), type, shape.data(),
                               static_cast<int>(shape.size()));
  }
  Tensor(const Tensor &other) : storage(other.storage), view(other.view) {
    if (!storage.empty())
      view.data = storage.data() +
                  (static_cast<char *>(other.view.data) - other.storage.data());
  }
  Tensor &operator=(const Tensor &other) {
    Tensor copy(other);
    std::swap(*this, copy);
    return *this;
  }
  Tensor(Tensor &&) = default;
  Tensor &operator=(Tensor &&) = default;

  int64_t size() const { return view.numel(); }
  double at(int64_t i) const { return readElement(view, i); }
  void set(int64_t i, double v) { writeElement(view, i, v); }
  std::vector<double> values() const {
    std::vector<double> result(size());
    for (int64_t i = 0; i < size(); ++i)
      result[i] = at(i);
    return result;
  }
  void setValues(const std::vector<double> &values) {
    for (int64_t i = 0; i < size(); ++i)
      set(i, values[i]);
  }
  operator const TensorView &() const { return view; }
};

/// A tensor of `type` holding `values` (rounded to the dtype).
inline Tensor makeTensor(DType type, const Shape &shape,
                         const std::vector<double> &values) {
  Tensor t(type, shape);
  t.setValues(values);
  return t;
}

/// Values uniform in [lo, hi] (integers for integer dtypes, 0/1 for bool).
inline std::vector<double> randomValues(std::mt19937 &rng, DType type,
                                        int64_t n, double lo = -2,
                                        double hi = 2) {
  std::vector<double> v(n);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (double &x : v) {
    x = dist(rng);
    if (type == DType::I32 || type == DType::I64)
      x = std::round(x);
    else if (type == DType::Bool)
      x = x > (lo + hi) / 2 ? 1 : 0;
  }
  return v;
}

inline Tensor randomTensor(std::mt19937 &rng, DType type, const Shape &shape,
                           double lo = -2, double hi = 2) {
  return makeTensor(type, shape, randomValues(rng, type, numel(shape), lo, hi));
}

/// The same values as `t` in a strided, reversed layout: dim d is stored
/// with stride multiplied by (d + 2), and the last dim reversed.
inline Tensor stridedCopy(const Tensor &t) {
  const TensorView &v = t.view;
  int64_t stride = 1;
  Tensor result;
  int64_t strides[cpu::kMaxRank];
  for (int d = v.rank - 1; d >= 0; --d) {
    strides[d] = stride * (d + 2);
    stride = strides[d] * std::max<int64_t>(v.shape[d], 1);
  }
  result.storage.resize(stride * dtypeSize(v.type) + 64);
  result.view = v;
  result.view.data = result.storage.data();
  for (int d = 0; d < v.rank; ++d)
    result.view.strides[d] = strides[d];
  if (v.rank > 0 && v.shape[v.rank - 1] > 0) {
    int last = v.rank - 1;
    result.view.data = result.storage.data() +
                       (v.shape[last] - 1) * strides[last] * dtypeSize(v.type);
    result.view.strides[last] = -strides[last];
  }
  for (int64_t i = 0; i < t.size(); ++i)
    result.set(i, t.at(i));
  return result;
}

/// Largest representable step near `value` in `type`, for tolerances.
inline double tolerance(DType type, double value, double ulps = 4) {
  double scale = std::max(std::fabs(value), 1e-3);
  switch (type) {
  case DType::F32:
    return ulps * scale * 1.2e-7;
  case DType::F64:
    return ulps * scale * 2.3e-16;
  case DType::F16:
    return ulps * scale * 1e-3;
  case DType::BF16:
    return ulps * scale * 8e-3;
  default:
    return 0;
  }
}

inline const std::vector<DType> &floatTypes() {
  static const std::vector<DType> types = {DType::F32, DType::F64, DType::F16,
                                           DType::BF16};
  return types;
}

inline const std::vector<DType> &numberTypes() {
  static const std::vector<DType> types = {DType::F32,  DType::F64, DType::F16,
                                           DType::BF16, DType::I32, DType::I64};
  return types;
}

inline const std::vector<DType> &allTypes() {
  static const std::vector<DType> types = {DType::F32,  DType::F64, DType::F16,
                                           DType::BF16, DType::I32, DType::I64,
                                           DType::Bool};
  return types;
}

/// Bitwise equality of two tensors' logical elements.
inline bool sameBits(const Tensor &a, const Tensor &b) {
  if (a.size() != b.size())
    return false;
  size_t size = dtypeSize(a.view.type);
  for (int64_t i = 0; i < a.size(); ++i)
    if (std::memcmp(
            static_cast<const char *>(a.view.data) + elementOffset(a.view, i),
            static_cast<const char *>(b.view.data) + elementOffset(b.view, i),
            size) != 0)
      return false;
  return true;
}

} // namespace pxrt::test

#endif // PXRT_TEST_KERNELTESTUTIL_H
