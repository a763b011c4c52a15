//===- Elementwise.cu - Strided elementwise kernels and data movement -----===//

#include "Device.cuh"

#include "pxrt/math.h"

namespace pxrt::cuda {
namespace detail {

Space spaceOf(const TensorView &view) {
  Space space;
  space.rank = view.rank;
  for (int d = 0; d < view.rank; ++d)
    space.size[d] = view.shape[d];
  return space;
}

Strided strided(const TensorView &view, const Space &space) {
  if (view.rank > space.rank)
    throw std::invalid_argument("a view of higher rank than its kernel");
  Strided s;
  s.data = view.data;
  s.type = view.type;
  bool same = view.rank == space.rank;
  for (int d = view.rank - 1, r = space.rank - 1; d >= 0; --d, --r) {
    if (view.shape[d] != space.size[r] && view.shape[d] != 1)
      throw std::invalid_argument("shapes do not broadcast");
    same &= view.shape[d] == space.size[r];
    s.strides[r] = view.shape[d] == 1 ? 0 : view.strides[d];
  }
  s.linear = same && view.isContiguous();
  return s;
}

void checkLaunch(const char *kernel) { check(cudaGetLastError(), kernel); }

void fail(const char *kernel, const std::string &why) {
  throw std::invalid_argument(std::string(kernel) + ": " + why);
}

} // namespace detail

using namespace detail;

namespace {

/// The CPU kernels' formulas; float compute calls pxrt/math.h as they do,
/// which gives their bits.
template <class C> __device__ C unaryOp(UnaryOp op, C x) {
  if constexpr (std::is_integral_v<C>) {
    switch (op) {
    case UnaryOp::Neg:
      return static_cast<C>(0ull - static_cast<unsigned long long>(x));
    case UnaryOp::Abs:
      return x < 0 ? static_cast<C>(0ull - static_cast<unsigned long long>(x))
                   : x;
    case UnaryOp::Relu:
      return x < 0 ? 0 : x;
    case UnaryOp::Not:
      return !x;
    default:
      return 0;
    }
  } else {
    constexpr bool f32 = std::is_same_v<C, float>;
    switch (op) {
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Abs:
      return fabs(x);
    case UnaryOp::Exp:
      if constexpr (f32)
        return math::expF32(x);
      return exp(x);
    case UnaryOp::Log:
      return log(x);
    case UnaryOp::Sqrt:
      return sqrt(x);
    case UnaryOp::Rsqrt:
      return C(1) / sqrt(x);
    case UnaryOp::Reciprocal:
      return C(1) / x;
    case UnaryOp::Tanh:
      if constexpr (f32)
        return math::tanhF32(x);
      return tanh(x);
    case UnaryOp::Erf:
      if constexpr (f32)
        return math::erfF32(x);
      return erf(x);
    case UnaryOp::Sin:
      return sin(x);
    case UnaryOp::Cos:
      return cos(x);
    case UnaryOp::Relu:
      return x < C(0) ? C(0) : x; // NaN stays NaN
    case UnaryOp::Sigmoid:
      if constexpr (f32)
        return math::sigmoidF32(x);
      return 1.0 / (1.0 + exp(-x));
    case UnaryOp::Not:
      return x == C(0);
    case UnaryOp::Gelu:
      if constexpr (f32)
        return math::geluF32(x);
      return 0.5 * x * erfc(-x * 0.70710678118654752440);
    case UnaryOp::GeluTanh:
      if constexpr (f32)
        return math::geluTanhF32(x);
      return x / (1.0 + exp(-2.0 * 0.79788456080286535588 *
                            (x + 0.044715 * x * x * x)));
    }
    return x;
  }
}

template <class C> __device__ C binaryOp(BinaryOp op, C x, C y) {
  switch (op) {
  case BinaryOp::Add:
    if constexpr (std::is_integral_v<C>)
      return static_cast<C>(static_cast<unsigned long long>(x) +
                            static_cast<unsigned long long>(y));
    return x + y;
  case BinaryOp::Sub:
    if constexpr (std::is_integral_v<C>)
      return static_cast<C>(static_cast<unsigned long long>(x) -
                            static_cast<unsigned long long>(y));
    return x - y;
  case BinaryOp::Mul:
    if constexpr (std::is_integral_v<C>)
      return static_cast<C>(static_cast<unsigned long long>(x) *
                            static_cast<unsigned long long>(y));
    return x * y;
  case BinaryOp::Div:
    if constexpr (std::is_integral_v<C>)
      return y == 0 ? 0 : x / y;
    return x / y;
  case BinaryOp::Pow:
    if constexpr (std::is_integral_v<C>)
      return 0;
    else
      return pow(x, y);
  case BinaryOp::Max:
    if constexpr (!std::is_integral_v<C>)
      if (x != x || y != y)
        return x + y;
    return x > y ? x : y;
  case BinaryOp::Min:
    if constexpr (!std::is_integral_v<C>)
      if (x != x || y != y)
        return x + y;
    return x < y ? x : y;
  case BinaryOp::And:
    return x && y;
  case BinaryOp::Or:
    return x || y;
  }
  return x;
}

template <class C> __device__ bool compareOp(CompareOp op, C x, C y) {
  switch (op) {
  case CompareOp::Eq:
    return x == y;
  case CompareOp::Ne:
    return x != y;
  case CompareOp::Lt:
    return x < y;
  case CompareOp::Le:
    return x <= y;
  case CompareOp::Gt:
    return x > y;
  case CompareOp::Ge:
    return x >= y;
  }
  return false;
}

enum class Map : uint8_t { Unary, Binary, Compare, Where, Cast };

/// out[i] = f(a[i], b[i], c[i]) over `space`, grid-stride.
template <class C>
__global__ void mapKernel(Map kind, uint8_t op, Space space, int64_t n,
                          Strided out, Strided a, Strided b, Strided c) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    C x = load<C>(a, offsetOf(space, a, i));
    C result = x;
    switch (kind) {
    case Map::Unary:
      result = unaryOp<C>(static_cast<UnaryOp>(op), x);
      break;
    case Map::Binary:
      result = binaryOp<C>(static_cast<BinaryOp>(op), x,
                           load<C>(b, offsetOf(space, b, i)));
      break;
    case Map::Compare:
      result = compareOp<C>(static_cast<CompareOp>(op), x,
                            load<C>(b, offsetOf(space, b, i)));
      break;
    case Map::Where: {
      // `a` is the condition.
      bool cond = load<int64_t>(a, offsetOf(space, a, i)) != 0;
      result = cond ? load<C>(b, offsetOf(space, b, i))
                    : load<C>(c, offsetOf(space, c, i));
      break;
    }
    case Map::Cast:
      break;
    }
    store<C>(out, offsetOf(space, out, i), result);
  }
}

/// Copies raw elements (any dtype of `width` bytes) between strided views.
template <class T>
__global__ void copyKernel(Space space, int64_t n, Strided out, Strided in) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    static_cast<T *>(out.data)[offsetOf(space, out, i)] =
        static_cast<const T *>(in.data)[offsetOf(space, in, i)];
}

void launchMap(const char *name, Map kind, uint8_t op, DType compute,
               const TensorView &out, const TensorView &a,
               const TensorView *b = nullptr, const TensorView *c = nullptr) {
  Space space = spaceOf(out);
  int64_t n = space.numel();
  if (!n)
    return;
  Strided so = strided(out, space), sa = strided(a, space);
  Strided sb = b ? strided(*b, space) : Strided{};
  Strided sc = c ? strided(*c, space) : Strided{};
  byCompute(compute, [&](auto tag) {
    using C = decltype(tag);
    mapKernel<C><<<gridFor(n), 256, 0, currentStream()>>>(kind, op, space, n,
                                                          so, sa, sb, sc);
  });
  checkLaunch(name);
}

} // namespace

void unary(UnaryOp op, const TensorView &in, const TensorView &out) {
  if (in.type != out.type)
    fail("unary", "dtypes differ");
  launchMap("unary", Map::Unary, static_cast<uint8_t>(op), in.type, out, in);
}

void binary(BinaryOp op, const TensorView &lhs, const TensorView &rhs,
            const TensorView &out) {
  if (lhs.type != out.type || rhs.type != out.type)
    fail("binary", "dtypes differ");
  launchMap("binary", Map::Binary, static_cast<uint8_t>(op), out.type, out, lhs,
            &rhs);
}

void compare(CompareOp op, const TensorView &lhs, const TensorView &rhs,
             const TensorView &out) {
  if (lhs.type != rhs.type || out.type != DType::Bool)
    fail("compare", "dtypes");
  launchMap("compare", Map::Compare, static_cast<uint8_t>(op), lhs.type, out,
            lhs, &rhs);
}

void where(const TensorView &cond, const TensorView &lhs, const TensorView &rhs,
           const TensorView &out) {
  if (lhs.type != out.type || rhs.type != out.type)
    fail("where", "dtypes differ");
  launchMap("where", Map::Where, 0, out.type, out, cond, &lhs, &rhs);
}

void cast(const TensorView &in, const TensorView &out) {
  // The wider compute type of the two keeps integers and doubles exact.
  DType compute = in.type == DType::F64 || out.type == DType::F64
                      ? DType::F64
                      : (isInteger(in.type) && isInteger(out.type)
                             ? DType::I64
                             : (isFloat(in.type) ? DType::F32 : in.type));
  if (isInteger(in.type) && isFloat(out.type))
    compute = DType::F64; // Rounds once, as the CPU's i64 -> f32.
  launchMap("cast", Map::Cast, 0, compute, out, in);
}

void copy(const TensorView &in, const TensorView &out) {
  if (in.type != out.type)
    fail("copy", "dtypes differ");
  Space space = spaceOf(out);
  int64_t n = space.numel();
  if (!n)
    return;
  Strided so = strided(out, space), si = strided(in, space);
  if (so.linear && si.linear) {
    if (out.data != in.data)
      check(cudaMemcpyAsync(out.data, in.data, n * dtypeSize(in.type),
                            cudaMemcpyDeviceToDevice, currentStream()),
            "copy");
    return;
  }
  switch (dtypeSize(in.type)) {
  case 1:
    copyKernel<uint8_t>
        <<<gridFor(n), 256, 0, currentStream()>>>(space, n, so, si);
    break;
  case 2:
    copyKernel<uint16_t>
        <<<gridFor(n), 256, 0, currentStream()>>>(space, n, so, si);
    break;
  case 4:
    copyKernel<uint32_t>
        <<<gridFor(n), 256, 0, currentStream()>>>(space, n, so, si);
    break;
  default:
    copyKernel<uint64_t>
        <<<gridFor(n), 256, 0, currentStream()>>>(space, n, so, si);
  }
  checkLaunch("copy");
}

namespace {
__global__ void fillKernel(Space space, int64_t n, Strided out, double value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    store<double>(out, offsetOf(space, out, i), value);
}
} // namespace

void fill(const TensorView &out, double value) {
  Space space = spaceOf(out);
  int64_t n = space.numel();
  if (!n)
    return;
  fillKernel<<<gridFor(n), 256, 0, currentStream()>>>(
      space, n, strided(out, space), value);
  checkLaunch("fill");
}

void transpose(const TensorView &in, const std::vector<int64_t> &perm,
               const TensorView &out) {
  copy(permuteView(in, perm), out);
}

void slice(const TensorView &in, const std::vector<int64_t> &offsets,
           const std::vector<int64_t> &strides, const TensorView &out) {
  copy(sliceView(in, offsets,
                 std::vector<int64_t>(out.shape, out.shape + out.rank),
                 strides),
       out);
}

void expand(const TensorView &in, const TensorView &out) {
  copy(broadcastView(in, out.shape, out.rank), out);
}

void concat(const std::vector<TensorView> &inputs, int axis,
            const TensorView &out) {
  if (axis < 0)
    axis += out.rank;
  std::vector<int64_t> offsets(out.rank, 0), unit(out.rank, 1);
  for (const TensorView &in : inputs) {
    copy(in,
         sliceView(out, offsets,
                   std::vector<int64_t>(in.shape, in.shape + in.rank), unit));
    offsets[axis] += in.shape[axis];
  }
}

void split(const TensorView &in, int axis,
           const std::vector<TensorView> &outputs) {
  if (axis < 0)
    axis += in.rank;
  std::vector<int64_t> offsets(in.rank, 0), unit(in.rank, 1);
  for (const TensorView &out : outputs) {
    copy(sliceView(in, offsets,
                   std::vector<int64_t>(out.shape, out.shape + out.rank), unit),
         out);
    offsets[axis] += out.shape[axis];
  }
}

namespace {
/// Chunk c of `view` along `dim`, and its place in a packed buffer.
template <class F>
void forChunks(const TensorView &view, int dim, int64_t parts, F f) {
  size_t at = 0;
  for (int64_t c = 0; c < parts; ++c) {
    std::vector<int64_t> offsets(view.rank, 0),
        sizes(view.shape, view.shape + view.rank);
    offsets[dim] = chunkOffset(view.shape[dim], parts, c);
    sizes[dim] = chunkSize(view.shape[dim], parts, c);
    TensorView chunk =
        sliceView(view, offsets, sizes, std::vector<int64_t>(view.rank, 1));
    f(chunk, at);
    at += chunk.numel() * dtypeSize(view.type);
  }
}
} // namespace

void packChunks(const TensorView &in, int dim, int64_t parts, void *buffer) {
  forChunks(in, dim, parts, [&](const TensorView &chunk, size_t at) {
    copy(chunk, contiguousView(static_cast<char *>(buffer) + at, in.type,
                               chunk.shape, chunk.rank));
  });
}

void unpackChunks(const void *buffer, int dim, int64_t parts,
                  const TensorView &out) {
  forChunks(out, dim, parts, [&](const TensorView &chunk, size_t at) {
    copy(contiguousView(static_cast<const char *>(buffer) + at, out.type,
                        chunk.shape, chunk.rank),
         chunk);
  });
}

namespace {
template <class C>
__global__ void triluKernel(Space space, int64_t n, Strided out, Strided in,
                            bool upper, int64_t k) {
  int64_t rows = space.size[space.rank - 2], cols = space.size[space.rank - 1];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t col = i % cols, row = (i / cols) % rows;
    bool keep = upper ? col >= row + k : col <= row + k;
    store<C>(out, offsetOf(space, out, i),
             keep ? load<C>(in, offsetOf(space, in, i)) : C(0));
  }
}
} // namespace

void trilu(const TensorView &in, bool upper, int64_t k, const TensorView &out) {
  if (in.rank < 2 || in.type != out.type)
    fail("trilu", "needs rank >= 2 and one dtype");
  Space space = spaceOf(out);
  int64_t n = space.numel();
  if (!n)
    return;
  Strided so = strided(out, space), si = strided(in, space);
  byCompute(in.type, [&](auto tag) {
    using C = decltype(tag);
    triluKernel<C>
        <<<gridFor(n), 256, 0, currentStream()>>>(space, n, so, si, upper, k);
  });
  checkLaunch("trilu");
}

} // namespace pxrt::cuda
