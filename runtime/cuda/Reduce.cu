//===- Reduce.cu - Reductions, softmax, normalization, cross-entropy ------===//
//
// Sums accumulate in f64 (floats) or i64 (integers), as the CPU's do, in a
// fixed order per shape (a block's threads stride the reduced elements, then
// combine in a fixed tree), so results are reproducible run to run.
//
//===----------------------------------------------------------------------===//

#include "Device.cuh"

namespace pxrt::cuda {

using namespace detail;

namespace {

constexpr int kBlock = 256;

/// `view` itself when contiguous, else a contiguous copy in `scratch`.
TensorView contiguous(const TensorView &view,
                      std::unique_ptr<StreamBuffer> &scratch) {
  if (view.isContiguous())
    return view;
  scratch = std::make_unique<StreamBuffer>(view.numel() * dtypeSize(view.type));
  TensorView copy_ =
      contiguousView(scratch->data(), view.type, view.shape, view.rank);
  copy(view, copy_);
  return copy_;
}

/// Where a kernel that writes contiguous rows writes `out`: itself, or a
/// scratch buffer copied into it afterwards (finishOutput).
TensorView contiguousOutput(const TensorView &out,
                            std::unique_ptr<StreamBuffer> &scratch) {
  if (out.isContiguous())
    return out;
  scratch = std::make_unique<StreamBuffer>(out.numel() * dtypeSize(out.type));
  return contiguousView(scratch->data(), out.type, out.shape, out.rank);
}

void finishOutput(const TensorView &written, const TensorView &out) {
  if (written.data != out.data)
    copy(written, out);
}

Strided flat(const TensorView &view) {
  Strided s;
  s.data = view.data;
  s.type = view.type;
  s.linear = true;
  return s;
}

enum class Combine { Sum, Max, Min };

template <class A> __device__ A combine(Combine how, A x, A y) {
  switch (how) {
  case Combine::Sum:
    return x + y;
  case Combine::Max:
    if constexpr (!std::is_integral_v<A>)
      if (x != x || y != y)
        return x + y;
    return x > y ? x : y;
  case Combine::Min:
    if constexpr (!std::is_integral_v<A>)
      if (x != x || y != y)
        return x + y;
    return x < y ? x : y;
  }
  return x;
}

/// Combines one value per thread of the block in a fixed tree; every
/// thread gets the result.
template <class A> __device__ A blockCombine(Combine how, A value) {
  __shared__ A partial[kBlock];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half)
      partial[threadIdx.x] =
          combine(how, partial[threadIdx.x], partial[threadIdx.x + half]);
    __syncthreads();
  }
  A result = partial[0];
  __syncthreads();
  return result;
}

template <class C> struct Accum {
  using type = std::conditional_t<std::is_integral_v<C>, int64_t, double>;
};

//===----------------------------------------------------------------------===//
// reduce
//===----------------------------------------------------------------------===//

struct ReduceShape {
  Space kept, reduced;
  int64_t keptIn[kMaxRank] = {}, keptOut[kMaxRank] = {},
          reducedIn[kMaxRank] = {};
};

__device__ int64_t offsetIn(const Space &space, const int64_t *strides,
                            int64_t i) {
  int64_t offset = 0;
  for (int d = space.rank - 1; d >= 0; --d) {
    offset += (i % space.size[d]) * strides[d];
    i /= space.size[d];
  }
  return offset;
}

template <class C>
__device__ void finishReduce(Combine how, bool mean, double divisor,
                             typename Accum<C>::type acc, Strided out,
                             int64_t at) {
  using A = typename Accum<C>::type;
  if (mean)
    acc = static_cast<A>(acc / static_cast<A>(divisor));
  store<C>(out, at, static_cast<C>(acc));
}

/// One output per block (`lanes` = blockDim) or per thread (`lanes` = 1).
template <class C>
__global__ void reduceKernel(ReduceShape shape, Strided in, Strided out,
                             Combine how, bool mean, double divisor,
                             bool perBlock) {
  using A = typename Accum<C>::type;
  int64_t outputs = shape.kept.numel(), count = shape.reduced.numel();
  int64_t first =
      perBlock ? blockIdx.x : blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  int64_t step = perBlock ? gridDim.x : int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = first; o < outputs; o += step) {
    int64_t base = offsetIn(shape.kept, shape.keptIn, o);
    A acc = how == Combine::Sum
                ? A(0)
                : static_cast<A>(load<C>(
                      in, base + offsetIn(shape.reduced, shape.reducedIn, 0)));
    for (int64_t r = perBlock ? threadIdx.x : 0; r < count;
         r += perBlock ? blockDim.x : 1)
      acc =
          combine(how, acc,
                  static_cast<A>(load<C>(
                      in, base + offsetIn(shape.reduced, shape.reducedIn, r))));
    if (perBlock) {
      acc = blockCombine(how, acc);
      if (threadIdx.x)
        continue;
    }
    finishReduce<C>(how, mean, divisor, acc, out,
                    offsetIn(shape.kept, shape.keptOut, o));
  }
}

} // namespace

void reduce(ReduceKind kind, const TensorView &in,
            const std::vector<int64_t> &axes, bool keepdims,
            const TensorView &out, double divisor) {
  if (in.type != out.type)
    fail("reduce", "dtypes differ");
  std::vector<bool> isReduced(in.rank, false);
  for (int64_t axis : axes)
    isReduced[axis < 0 ? axis + in.rank : axis] = true;
  ReduceShape shape;
  int outDim = 0;
  for (int d = 0; d < in.rank; ++d) {
    if (isReduced[d]) {
      int r = shape.reduced.rank++;
      shape.reduced.size[r] = in.shape[d];
      shape.reducedIn[r] = in.strides[d];
      if (keepdims)
        ++outDim;
      continue;
    }
    int k = shape.kept.rank++;
    shape.kept.size[k] = in.shape[d];
    shape.keptIn[k] = in.strides[d];
    shape.keptOut[k] = out.strides[outDim++];
  }
  if (outDim != out.rank)
    fail("reduce", "output rank");
  int64_t outputs = shape.kept.numel(), count = shape.reduced.numel();
  if (!outputs)
    return;
  if (!count)
    return fill(out, kind == ReduceKind::Mean ? NAN : 0);
  Combine how = kind == ReduceKind::Max   ? Combine::Max
                : kind == ReduceKind::Min ? Combine::Min
                                          : Combine::Sum;
  bool mean = kind == ReduceKind::Mean;
  double by = divisor ? divisor : static_cast<double>(count);
  Strided si = flat(in), so = flat(out);
  // Many small reductions: a thread each; few large ones: a block each.
  bool perBlock = outputs < 2048 && count >= 64;
  unsigned grid =
      perBlock ? static_cast<unsigned>(std::min<int64_t>(outputs, 65535 * 8))
               : gridFor(outputs, kBlock);
  byCompute(in.type, [&](auto tag) {
    using C = decltype(tag);
    reduceKernel<C><<<grid, kBlock, 0, currentStream()>>>(shape, si, so, how,
                                                          mean, by, perBlock);
  });
  checkLaunch("reduce");
}

//===----------------------------------------------------------------------===//
// softmax / logSoftmax along an axis
//===----------------------------------------------------------------------===//

namespace {

/// Row (o, j): elements o * len * inner + k * inner + j, k < len.
__global__ void softmaxKernel(Strided in, Strided out, int64_t rows,
                              int64_t len, int64_t inner, bool logOut) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    int64_t base = (row / inner) * len * inner + row % inner;
    float max = -INFINITY;
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x)
      max = combine(Combine::Max, max, load<float>(in, base + k * inner));
    max = blockCombine(Combine::Max, max);
    double sum = 0;
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x)
      sum += expf(load<float>(in, base + k * inner) - max);
    sum = blockCombine(Combine::Sum, sum);
    float logSum = static_cast<float>(log(sum));
    float inverse = static_cast<float>(1.0 / sum);
    for (int64_t k = threadIdx.x; k < len; k += blockDim.x) {
      float x = load<float>(in, base + k * inner) - max;
      store<float>(out, base + k * inner,
                   logOut ? x - logSum : expf(x) * inverse);
    }
  }
}

void softmaxLike(const char *name, const TensorView &in, int axis,
                 const TensorView &out, bool logOut) {
  if (!isFloat(in.type) || in.type != out.type)
    fail(name, "f32/f16/bf16 of one dtype");
  if (axis < 0)
    axis += in.rank;
  std::unique_ptr<StreamBuffer> inScratch, outScratch;
  TensorView src = contiguous(in, inScratch);
  TensorView dst = contiguousOutput(out, outScratch);
  int64_t len = in.rank ? in.shape[axis] : 1, inner = 1;
  for (int d = axis + 1; d < in.rank; ++d)
    inner *= in.shape[d];
  int64_t rows = len ? in.numel() / len : 0;
  if (rows) {
    softmaxKernel<<<static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8)),
                    kBlock, 0, currentStream()>>>(flat(src), flat(dst), rows,
                                                  len, inner, logOut);
    checkLaunch(name);
  }
  finishOutput(dst, out);
}

} // namespace

void softmax(const TensorView &in, int axis, const TensorView &out) {
  softmaxLike("softmax", in, axis, out, false);
}

void logSoftmax(const TensorView &in, int axis, const TensorView &out) {
  softmaxLike("logSoftmax", in, axis, out, true);
}

//===----------------------------------------------------------------------===//
// layerNorm / rmsNorm over the trailing dims [axis, rank)
//===----------------------------------------------------------------------===//

namespace {

__global__ void normKernel(Strided in, Strided scale, Strided bias, Strided out,
                           int64_t rows, int64_t width, double epsilon,
                           bool rms) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    int64_t base = row * width;
    double mean = 0;
    if (!rms) {
      double sum = 0;
      for (int64_t k = threadIdx.x; k < width; k += blockDim.x)
        sum += load<float>(in, base + k);
      mean = blockCombine(Combine::Sum, sum) / width;
    }
    double squares = 0;
    for (int64_t k = threadIdx.x; k < width; k += blockDim.x) {
      double x = load<float>(in, base + k) - mean;
      squares += x * x;
    }
    double variance = blockCombine(Combine::Sum, squares) / width;
    float inverse = static_cast<float>(1.0 / sqrt(variance + epsilon));
    for (int64_t k = threadIdx.x; k < width; k += blockDim.x) {
      float y =
          (load<float>(in, base + k) - static_cast<float>(mean)) * inverse;
      if (scale.data)
        y *= load<float>(scale, k);
      if (bias.data)
        y += load<float>(bias, k);
      store<float>(out, base + k, y);
    }
  }
}

void norm(const char *name, const TensorView &in, const TensorView *scale,
          const TensorView *bias, int axis, double epsilon,
          const TensorView &out, bool rms) {
  if (!isFloat(in.type) || in.type != out.type)
    fail(name, "f32/f16/bf16 of one dtype");
  if (axis < 0)
    axis += in.rank;
  std::unique_ptr<StreamBuffer> inScratch, outScratch, scaleScratch,
      biasScratch;
  TensorView src = contiguous(in, inScratch);
  TensorView dst = contiguousOutput(out, outScratch);
  int64_t width = 1;
  for (int d = axis; d < in.rank; ++d)
    width *= in.shape[d];
  int64_t rows = width ? in.numel() / width : 0;
  Strided s, b;
  if (scale)
    s = flat(contiguous(*scale, scaleScratch));
  if (bias)
    b = flat(contiguous(*bias, biasScratch));
  if (rows) {
    normKernel<<<static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8)),
                 kBlock, 0, currentStream()>>>(flat(src), s, b, flat(dst), rows,
                                               width, epsilon, rms);
    checkLaunch(name);
  }
  finishOutput(dst, out);
}

} // namespace

void layerNorm(const TensorView &in, const TensorView *scale,
               const TensorView *bias, int axis, double epsilon,
               const TensorView &out) {
  norm("layerNorm", in, scale, bias, axis, epsilon, out, false);
}

void rmsNorm(const TensorView &in, const TensorView *scale, int axis,
             double epsilon, const TensorView &out) {
  norm("rmsNorm", in, scale, nullptr, axis, epsilon, out, true);
}

//===----------------------------------------------------------------------===//
// crossEntropy
//===----------------------------------------------------------------------===//

namespace {

/// Per row: loss = log(sum exp(x - max)) + max - x[label] (0 when ignored),
/// into `losses` (f32 scratch) and `counted`.
__global__ void crossEntropyRows(Strided logits, Strided labels, int64_t rows,
                                 int64_t classes, bool hasIgnore,
                                 int64_t ignore, float *losses,
                                 uint8_t *counted) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    int64_t base = row * classes;
    int64_t label = load<int64_t>(labels, row);
    bool skip = hasIgnore && label == ignore;
    float max = -INFINITY;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x)
      max = combine(Combine::Max, max, load<float>(logits, base + k));
    max = blockCombine(Combine::Max, max);
    double sum = 0;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x)
      sum += expf(load<float>(logits, base + k) - max);
    sum = blockCombine(Combine::Sum, sum);
    if (threadIdx.x)
      continue;
    float loss = 0;
    if (!skip) {
      float target = label >= 0 && label < classes
                         ? load<float>(logits, base + label)
                         : NAN;
      loss = static_cast<float>(log(sum)) + max - target;
    }
    losses[row] = loss;
    counted[row] = !skip;
  }
}

/// One block: the sum (or mean) of the row losses, in row order per thread.
__global__ void crossEntropyTotal(const float *losses, const uint8_t *counted,
                                  int64_t rows, bool mean, double divisor,
                                  Strided out) {
  double sum = 0;
  int64_t count = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    sum += losses[r];
    count += counted[r];
  }
  sum = blockCombine(Combine::Sum, sum);
  count = blockCombine(Combine::Sum, count);
  if (threadIdx.x)
    return;
  if (mean)
    sum = divisor ? sum / divisor : (count ? sum / count : NAN);
  store<double>(out, 0, sum);
}

__global__ void storeLosses(const float *losses, int64_t rows, Strided out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows;
       i += int64_t(gridDim.x) * blockDim.x)
    store<float>(out, i, losses[i]);
}

} // namespace

void crossEntropy(const TensorView &logits, const TensorView &labels,
                  LossReduction reduction, std::optional<int64_t> ignoreIndex,
                  const TensorView &out, double divisor) {
  if (!isFloat(logits.type) || logits.rank < 1)
    fail("crossEntropy", "logits must be f32/f16/bf16 [..., C]");
  std::unique_ptr<StreamBuffer> logitScratch, labelScratch, outScratch;
  TensorView x = contiguous(logits, logitScratch);
  TensorView y = contiguous(labels, labelScratch);
  int64_t classes = logits.shape[logits.rank - 1];
  int64_t rows = classes ? logits.numel() / classes : 0;
  StreamBuffer losses(rows * sizeof(float)), counted(rows);
  if (rows) {
    crossEntropyRows<<<static_cast<unsigned>(
                           std::min<int64_t>(rows, 65535 * 8)),
                       kBlock, 0, currentStream()>>>(
        flat(x), flat(y), rows, classes, ignoreIndex.has_value(),
        ignoreIndex.value_or(0), reinterpret_cast<float *>(losses.data()),
        reinterpret_cast<uint8_t *>(counted.data()));
    checkLaunch("crossEntropy");
  }
  if (reduction == LossReduction::None) {
    TensorView dst = contiguousOutput(out, outScratch);
    if (rows)
      storeLosses<<<gridFor(rows), kBlock, 0, currentStream()>>>(
          reinterpret_cast<float *>(losses.data()), rows, flat(dst));
    checkLaunch("crossEntropy");
    finishOutput(dst, out);
    return;
  }
  crossEntropyTotal<<<1, kBlock, 0, currentStream()>>>(
      reinterpret_cast<float *>(losses.data()),
      reinterpret_cast<uint8_t *>(counted.data()), rows,
      reduction == LossReduction::Mean, divisor, flat(out));
  checkLaunch("crossEntropy");
}

} // namespace pxrt::cuda
