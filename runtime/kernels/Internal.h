//===- Internal.h - Shared helpers of the CPU kernels -----------*- C++ -*-===//
//
// Element types, dtype dispatch, checks, scratch buffers and the strided loop
// that every elementwise kernel runs on.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_KERNELS_INTERNAL_H
#define PXRT_KERNELS_INTERNAL_H

#include "pxrt/kernels.h"
#include "pxrt/math.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>

// PXRT_SIMD (pxrt/math.h) compiles hot loops for several ISAs. With
// -ffp-contract=off the clones perform the same IEEE operations in the same
// order, so they give identical bits.

namespace pxrt::cpu::detail {

// Storage types of f16 and bf16 (distinct so templates can tell them apart).
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

template <typename T> struct TypeTag { using type = T; };

template <typename T>
constexpr bool isReducedFloat =
    std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <typename T>
constexpr bool isFloat = isReducedFloat<T> || std::is_floating_point_v<T>;
template <typename T>
constexpr bool isInt = std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>;

/// The type arithmetic runs in: f32 for f16 and bf16.
template <typename T>
using Compute = std::conditional_t<isReducedFloat<T>, float, T>;
/// The type sums accumulate in.
template <typename T>
using Accum = std::conditional_t<isFloat<T>, double, int64_t>;

template <typename T> inline Compute<T> load(T value) {
  if constexpr (std::is_same_v<T, Half>)
    return halfToFloat(value.bits);
  else if constexpr (std::is_same_v<T, BFloat16>)
    return bfloat16ToFloat(value.bits);
  else
    return value;
}

template <typename T> inline T store(Compute<T> value) {
  if constexpr (std::is_same_v<T, Half>)
    return Half{floatToHalf(value)};
  else if constexpr (std::is_same_v<T, BFloat16>)
    return BFloat16{floatToBFloat16(value)};
  else
    return value;
}

/// Calls f(TypeTag<T>()) with the storage type of `type`.
template <typename F> decltype(auto) dispatch(DType type, F &&f) {
  switch (type) {
  case DType::F32:
    return f(TypeTag<float>());
  case DType::F64:
    return f(TypeTag<double>());
  case DType::F16:
    return f(TypeTag<Half>());
  case DType::BF16:
    return f(TypeTag<BFloat16>());
  case DType::I32:
    return f(TypeTag<int32_t>());
  case DType::I64:
    return f(TypeTag<int64_t>());
  case DType::Bool:
    return f(TypeTag<bool>());
  }
  return f(TypeTag<bool>());
}

/// Throws std::invalid_argument("pxrt::cpu::<kernel>: <message>").
[[noreturn]] void fail(const char *kernel, const std::string &message);
/// "[2, 3]".
std::string shapeStr(const int64_t *shape, int rank);
std::string shapeStr(const TensorView &view);
void checkRank(const char *kernel, const TensorView &view);
void checkType(const char *kernel, const TensorView &view, DType type);
void checkSameShape(const char *kernel, const TensorView &a,
                    const TensorView &b);
bool isFloatType(DType type);
/// `axis` in [-rank, rank) made non-negative.
int normalizeAxis(const char *kernel, int64_t axis, int rank);
/// Product of shape[begin, end).
int64_t product(const int64_t *shape, int begin, int end);
/// Strides of `view` broadcast to `shape` (aligned from the right, stride 0
/// where it repeats); throws if it does not broadcast.
void broadcastStrides(const char *kernel, const TensorView &view,
                      const int64_t *shape, int rank, int64_t *strides);

/// Uninitialized 64-byte aligned memory.
class Scratch {
public:
  Scratch() = default;
  explicit Scratch(size_t bytes);
  void *get() const { return memory.get(); }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> memory;
};

/// `view` itself when contiguous, else a contiguous copy held by `scratch`.
TensorView contiguousInput(const TensorView &view, Scratch &scratch);
/// `out` itself when contiguous, else a contiguous temporary held by
/// `scratch` (copy it back with copy()).
TensorView contiguousOutput(const TensorView &out, Scratch &scratch);

/// Runs body(inputs, result) on f32 copies of f16/bf16 operands (the
/// result copied back), or on the views themselves for f32/f64. Null inputs
/// stay empty views.
template <typename Body>
void inComputeType(const std::vector<const TensorView *> &inputs,
                   const TensorView &out, Body body) {
  std::vector<TensorView> views;
  if (out.type == DType::F32 || out.type == DType::F64) {
    for (const TensorView *in : inputs)
      views.push_back(in ? *in : TensorView());
    return body(views, out);
  }
  std::vector<Scratch> scratch(inputs.size() + 1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    views.emplace_back();
    if (!inputs[i])
      continue;
    const TensorView &in = *inputs[i];
    scratch[i] = Scratch(in.numel() * sizeof(float));
    views.back() =
        contiguousView(scratch[i].get(), DType::F32, in.shape, in.rank);
    cast(in, views.back());
  }
  scratch.back() = Scratch(out.numel() * sizeof(float));
  TensorView result =
      contiguousView(scratch.back().get(), DType::F32, out.shape, out.rank);
  body(views, result);
  cast(result, out);
}

/// One operand of a strided loop: its base address and element strides.
struct LoopOperand {
  char *data;
  int64_t elementSize;
  const int64_t *strides;
};

/// Calls run(n, pointers, strides) for every innermost run of the index
/// space `shape`, after merging dims that are contiguous for all operands:
/// operand k's elements are pointers[k] + i * strides[k] * size, i < n.
template <size_t N, typename Run>
void forEachRun(const int64_t *shape, int rank,
                const std::array<LoopOperand, N> &operands, Run &&run) {
  int64_t dims[kMaxRank];
  int64_t strides[N][kMaxRank];
  int merged = 0;
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 0)
      return;
    if (shape[d] == 1)
      continue;
    bool contiguous = merged > 0;
    for (size_t k = 0; k < N && contiguous; ++k)
      contiguous = strides[k][merged - 1] == operands[k].strides[d] * shape[d];
    if (contiguous) {
      dims[merged - 1] *= shape[d];
      for (size_t k = 0; k < N; ++k)
        strides[k][merged - 1] = operands[k].strides[d];
      continue;
    }
    dims[merged] = shape[d];
    for (size_t k = 0; k < N; ++k)
      strides[k][merged] = operands[k].strides[d];
    ++merged;
  }
  if (merged == 0) { // a single element
    dims[0] = 1;
    for (size_t k = 0; k < N; ++k)
      strides[k][0] = 0;
    merged = 1;
  }
  int inner = merged - 1;
  std::array<int64_t, N> innerStrides;
  for (size_t k = 0; k < N; ++k)
    innerStrides[k] = strides[k][inner];
  int64_t index[kMaxRank] = {};
  std::array<char *, N> pointers;
  for (size_t k = 0; k < N; ++k)
    pointers[k] = operands[k].data;
  while (true) {
    run(dims[inner], pointers, innerStrides);
    int d = inner - 1;
    for (; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k)
        pointers[k] += strides[k][d] * operands[k].elementSize;
      if (++index[d] < dims[d])
        break;
      for (size_t k = 0; k < N; ++k)
        pointers[k] -= strides[k][d] * dims[d] * operands[k].elementSize;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

inline LoopOperand operand(const TensorView &view, const int64_t *strides) {
  return {static_cast<char *>(view.data),
          static_cast<int64_t>(dtypeSize(view.type)), strides};
}

} // namespace pxrt::cpu::detail

#endif // PXRT_KERNELS_INTERNAL_H
