//===- Gather.cu - gather, its sharded form and its adjoint scatterAdd ----===//

#include "Device.cuh"

namespace pxrt::cuda {

using namespace detail;

namespace {

/// The index space of an op along `axis`: the outer dims of the table,
/// the indices' dims, the inner dims. `tableStrides` are the table's (the
/// indexed dim's stride is `axisStride`), `indexStrides` the indices'.
struct GatherShape {
  Space space;
  int axis = 0, indexRank = 0;
  int64_t tableStrides[kMaxRank] = {}, indexStrides[kMaxRank] = {};
  int64_t axisStride = 0;
};

/// The table offset of element i, or -1 when its row is not in this shard
/// (rows [rowOffset, rowOffset + rows) of a dim of `globalRows`).
__device__ int64_t tableOffset(const GatherShape &g, const Strided &indices,
                               int64_t i, int64_t rows, int64_t globalRows,
                               int64_t rowOffset) {
  int64_t offset = 0, indexOffset = 0;
  for (int d = g.space.rank - 1; d >= 0; --d) {
    int64_t coord = i % g.space.size[d];
    i /= g.space.size[d];
    if (d >= g.axis && d < g.axis + g.indexRank)
      indexOffset += coord * g.indexStrides[d - g.axis];
    else
      offset += coord * g.tableStrides[d];
  }
  int64_t row = load<int64_t>(indices, indexOffset);
  if (row < 0)
    row += globalRows;
  row -= rowOffset;
  if (row < 0 || row >= rows)
    return -1;
  return offset + row * g.axisStride;
}

template <class T>
__global__ void gatherKernel(GatherShape g, int64_t n, Strided table,
                             Strided indices, Strided out, int64_t rows,
                             int64_t globalRows, int64_t rowOffset) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t at = tableOffset(g, indices, i, rows, globalRows, rowOffset);
    static_cast<T *>(out.data)[offsetOf(g.space, out, i)] =
        at < 0 ? T(0) : static_cast<const T *>(table.data)[at];
  }
}

template <class T>
__global__ void scatterAddKernel(GatherShape g, int64_t n, Strided updates,
                                 Strided indices, T *out, int64_t rows) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t at = tableOffset(g, indices, i, rows, rows, 0);
    if (at >= 0)
      atomicAdd(out + at, static_cast<T>(load<double>(
                              updates, offsetOf(g.space, updates, i))));
  }
}

__global__ void scatterAddIntKernel(GatherShape g, int64_t n, Strided updates,
                                    Strided indices, unsigned long long *out,
                                    int64_t rows) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t at = tableOffset(g, indices, i, rows, rows, 0);
    if (at >= 0)
      atomicAdd(out + at, static_cast<unsigned long long>(load<int64_t>(
                              updates, offsetOf(g.space, updates, i))));
  }
}

/// The shape of `view` (out of gather, updates of scatterAdd) against a
/// table of rank `tableRank` with `tableStrides`.
GatherShape gatherShape(const char *name, const TensorView &view,
                        const TensorView &table, const TensorView &indices,
                        int axis) {
  if (indices.type != DType::I32 && indices.type != DType::I64)
    fail(name, "indices must be i32 or i64");
  if (view.rank != table.rank - 1 + indices.rank)
    fail(name, "ranks do not match");
  GatherShape g;
  g.space = spaceOf(view);
  g.axis = axis;
  g.indexRank = indices.rank;
  for (int d = 0; d < indices.rank; ++d)
    g.indexStrides[d] = indices.strides[d];
  for (int d = 0; d < view.rank; ++d) {
    if (d < axis)
      g.tableStrides[d] = table.strides[d];
    else if (d >= axis + indices.rank)
      g.tableStrides[d] = table.strides[d - indices.rank + 1];
  }
  g.axisStride = table.strides[axis];
  return g;
}

void launchGather(const TensorView &data, const TensorView &indices, int axis,
                  int64_t globalRows, int64_t rowOffset,
                  const TensorView &out) {
  if (axis < 0)
    axis += data.rank;
  if (data.type != out.type)
    fail("gather", "dtypes differ");
  GatherShape g = gatherShape("gather", out, data, indices, axis);
  int64_t n = g.space.numel();
  if (!n)
    return;
  Strided t = strided(data, spaceOf(data)),
          ix = strided(indices, spaceOf(indices)), o = strided(out, g.space);
  int64_t rows = data.shape[axis];
  auto launch = [&](auto tag) {
    using T = decltype(tag);
    gatherKernel<T><<<gridFor(n), 256, 0, currentStream()>>>(
        g, n, t, ix, o, rows, globalRows < 0 ? rows : globalRows, rowOffset);
  };
  switch (dtypeSize(data.type)) {
  case 1:
    launch(uint8_t{});
    break;
  case 2:
    launch(uint16_t{});
    break;
  case 4:
    launch(uint32_t{});
    break;
  default:
    launch(uint64_t{});
  }
  checkLaunch("gather");
}

} // namespace

void gather(const TensorView &data, const TensorView &indices, int axis,
            const TensorView &out) {
  launchGather(data, indices, axis, -1, 0, out);
}

void gatherSharded(const TensorView &data, const TensorView &indices, int axis,
                   int64_t globalSize, int64_t rowOffset,
                   const TensorView &out) {
  launchGather(data, indices, axis, globalSize, rowOffset, out);
}

void scatterAdd(const TensorView &updates, const TensorView &indices, int axis,
                const TensorView &out) {
  if (axis < 0)
    axis += out.rank;
  if (updates.type != out.type)
    fail("scatterAdd", "dtypes differ");
  GatherShape g = gatherShape("scatterAdd", updates, out, indices, axis);
  int64_t n = g.space.numel();
  // Accumulates into contiguous memory of the add's type (f32 for f32, f16
  // and bf16; f64; i64 for integers), then casts into `out`.
  DType acc = isFloat(out.type)        ? DType::F32
              : out.type == DType::F64 ? DType::F64
                                       : DType::I64;
  bool direct = acc == out.type && out.isContiguous();
  std::unique_ptr<StreamBuffer> scratch;
  TensorView target = out;
  if (!direct) {
    scratch = std::make_unique<StreamBuffer>(out.numel() * dtypeSize(acc));
    target = contiguousView(scratch->data(), acc, out.shape, out.rank);
    // The scatter addresses the table through its strides.
    g = gatherShape("scatterAdd", updates, target, indices, axis);
  }
  check(cudaMemsetAsync(target.data, 0, target.numel() * dtypeSize(acc),
                        currentStream()),
        "scatterAdd");
  if (n) {
    Strided u = strided(updates, g.space),
            ix = strided(indices, spaceOf(indices));
    int64_t rows = out.shape[axis];
    if (acc == DType::F32)
      scatterAddKernel<float><<<gridFor(n), 256, 0, currentStream()>>>(
          g, n, u, ix, static_cast<float *>(target.data), rows);
    else if (acc == DType::F64)
      scatterAddKernel<double><<<gridFor(n), 256, 0, currentStream()>>>(
          g, n, u, ix, static_cast<double *>(target.data), rows);
    else
      scatterAddIntKernel<<<gridFor(n), 256, 0, currentStream()>>>(
          g, n, u, ix, static_cast<unsigned long long *>(target.data), rows);
    checkLaunch("scatterAdd");
  }
  // The scratch is released after the cast, in stream order.
  if (!direct)
    cast(target, out);
}

} // namespace pxrt::cuda
