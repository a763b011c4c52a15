//===- Device.cuh - Shared device code of libpxrt_cuda's kernels -*- CUDA -*-//
//
// Views reach kernels as `Strided` (data, dtype, strides over the shape of
// the kernel's index space). Elements are loaded into a compute type (float
// for f32/f16/bf16, double for f64, int64 for integers and bool) and stored
// with cast()'s rules, so one kernel per compute type serves every dtype.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_CUDA_DEVICE_CUH
#define PXRT_CUDA_DEVICE_CUH

#include "pxrt/cuda.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace pxrt::cuda::detail {

using cpu::kMaxRank;

/// An index space: row-major over `size`.
struct Space {
  int rank = 0;
  int64_t size[kMaxRank] = {};
  __host__ __device__ int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < rank; ++d)
      n *= size[d];
    return n;
  }
};

struct Strided {
  void *data = nullptr;
  DType type = DType::F32;
  int64_t strides[kMaxRank] = {};
  /// Element i of the space is element i of the data (row-major, no gaps).
  bool linear = false;
};

Space spaceOf(const TensorView &view);
/// `view` read over `space` (numpy broadcasting from the right).
Strided strided(const TensorView &view, const Space &space);

inline bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}
inline bool isInteger(DType t) {
  return t == DType::I32 || t == DType::I64 || t == DType::Bool;
}

__device__ inline int64_t offsetOf(const Space &space, const Strided &arg,
                                   int64_t i) {
  if (arg.linear)
    return i;
  int64_t offset = 0;
  for (int d = space.rank - 1; d >= 0; --d) {
    int64_t size = space.size[d];
    offset += (i % size) * arg.strides[d];
    i /= size;
  }
  return offset;
}

template <class C> __device__ inline C load(const Strided &a, int64_t k) {
  switch (a.type) {
  case DType::F32:
    return static_cast<C>(static_cast<const float *>(a.data)[k]);
  case DType::F64:
    return static_cast<C>(static_cast<const double *>(a.data)[k]);
  case DType::F16:
    return static_cast<C>(__half2float(static_cast<const __half *>(a.data)[k]));
  case DType::BF16:
    return static_cast<C>(
        __bfloat162float(static_cast<const __nv_bfloat16 *>(a.data)[k]));
  case DType::I32:
    return static_cast<C>(static_cast<const int32_t *>(a.data)[k]);
  case DType::I64:
    return static_cast<C>(static_cast<const int64_t *>(a.data)[k]);
  case DType::Bool:
    return static_cast<C>(static_cast<const uint8_t *>(a.data)[k] != 0);
  }
  return C(0);
}

/// cast()'s rules: float to integer truncates and saturates (NaN: 0), to
/// bool is != 0.
template <class I, class C> __device__ inline I toInteger(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    if (v != v)
      return 0;
    if (v <= static_cast<C>(std::numeric_limits<I>::min()))
      return std::numeric_limits<I>::min();
    if (v >= static_cast<C>(std::numeric_limits<I>::max()))
      return std::numeric_limits<I>::max();
  } else if constexpr (sizeof(I) < sizeof(C)) {
    return static_cast<I>(v); // Integers wrap, as on the CPU.
  }
  return static_cast<I>(v);
}

template <class C>
__device__ inline void store(const Strided &a, int64_t k, C v) {
  switch (a.type) {
  case DType::F32:
    static_cast<float *>(a.data)[k] = static_cast<float>(v);
    return;
  case DType::F64:
    static_cast<double *>(a.data)[k] = static_cast<double>(v);
    return;
  case DType::F16:
    static_cast<__half *>(a.data)[k] = __float2half_rn(static_cast<float>(v));
    return;
  case DType::BF16:
    static_cast<__nv_bfloat16 *>(a.data)[k] =
        __float2bfloat16_rn(static_cast<float>(v));
    return;
  case DType::I32:
    static_cast<int32_t *>(a.data)[k] = toInteger<int32_t>(v);
    return;
  case DType::I64:
    static_cast<int64_t *>(a.data)[k] = toInteger<int64_t>(v);
    return;
  case DType::Bool:
    static_cast<uint8_t *>(a.data)[k] = v != C(0);
    return;
  }
}

/// Calls f(C{}) with the compute type of `type`.
template <class F> void byCompute(DType type, F f) {
  if (isFloat(type))
    f(float{});
  else if (type == DType::F64)
    f(double{});
  else
    f(int64_t{});
}

/// Blocks for a grid-stride loop over n elements.
inline unsigned gridFor(int64_t n, int threads = 256) {
  int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 65535 * 8 ? (blocks ? blocks : 1)
                                                  : 65535 * 8);
}

/// Throws the launch error of the last kernel, naming it.
void checkLaunch(const char *kernel);

[[noreturn]] void fail(const char *kernel, const std::string &why);

} // namespace pxrt::cuda::detail

#endif // PXRT_CUDA_DEVICE_CUH
