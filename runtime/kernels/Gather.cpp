//===- Gather.cpp - gather, its sharded variant and scatter-add ----------===//

#include "Internal.h"

#include <cstring>
#include <type_traits>

namespace pxrt::cpu {

using namespace detail;

namespace {

/// The local row of every index (-1: another shard holds it).
template <typename I>
std::vector<int64_t> localRows(const char *kernel, const I *indices,
                               int64_t count, int64_t globalSize,
                               int64_t rowOffset, int64_t rows) {
  std::vector<int64_t> result(count);
  for (int64_t j = 0; j < count; ++j) {
    int64_t index = indices[j];
    if (index < -globalSize || index >= globalSize)
      fail(kernel, "index " + std::to_string(index) + " outside [" +
                       std::to_string(-globalSize) + ", " +
                       std::to_string(globalSize) + ")");
    int64_t local = (index < 0 ? index + globalSize : index) - rowOffset;
    result[j] = local >= 0 && local < rows ? local : -1;
  }
  return result;
}

void gatherImpl(const char *kernel, const TensorView &dataView,
                const TensorView &indicesView, int axis, int64_t globalSize,
                int64_t rowOffset, const TensorView &outView) {
  checkType(kernel, dataView, outView.type);
  if (indicesView.type != DType::I32 && indicesView.type != DType::I64)
    fail(kernel, std::string("needs i32 or i64 indices, got ") +
                     dtypeName(indicesView.type));
  int dim = normalizeAxis(kernel, axis, dataView.rank);
  TensorView expected = outView;
  expected.rank = dataView.rank - 1 + indicesView.rank;
  checkRank(kernel, expected);
  int r = 0;
  for (int d = 0; d < dim; ++d)
    expected.shape[r++] = dataView.shape[d];
  for (int d = 0; d < indicesView.rank; ++d)
    expected.shape[r++] = indicesView.shape[d];
  for (int d = dim + 1; d < dataView.rank; ++d)
    expected.shape[r++] = dataView.shape[d];
  checkSameShape(kernel, expected, outView);
  int64_t rows = dataView.shape[dim];
  if (rowOffset < 0 || rowOffset + rows > globalSize)
    fail(kernel, "rows [" + std::to_string(rowOffset) + ", " +
                     std::to_string(rowOffset + rows) +
                     ") lie outside a dim of " + std::to_string(globalSize));
  Scratch dataCopy, indicesCopy, outCopy;
  TensorView data = contiguousInput(dataView, dataCopy);
  TensorView indices = contiguousInput(indicesView, indicesCopy);
  TensorView out = contiguousOutput(outView, outCopy);
  int64_t count = indices.numel();
  std::vector<int64_t> local =
      indices.type == DType::I32
          ? localRows(kernel, static_cast<const int32_t *>(indices.data), count,
                      globalSize, rowOffset, rows)
          : localRows(kernel, static_cast<const int64_t *>(indices.data), count,
                      globalSize, rowOffset, rows);
  int64_t outer = product(data.shape, 0, dim);
  size_t rowBytes =
      product(data.shape, dim + 1, data.rank) * dtypeSize(data.type);
  const char *src = static_cast<const char *>(data.data);
  char *dst = static_cast<char *>(out.data);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j, dst += rowBytes) {
      if (local[j] < 0)
        std::memset(dst, 0, rowBytes); // zero in every dtype
      else
        std::memcpy(dst, src + (o * rows + local[j]) * rowBytes, rowBytes);
    }
  if (out.data != outView.data)
    copy(out, outView);
}

} // namespace

void gather(const TensorView &data, const TensorView &indices, int axis,
            const TensorView &out) {
  int dim = normalizeAxis("gather", axis, data.rank);
  gatherImpl("gather", data, indices, dim, data.shape[dim], 0, out);
}

void gatherSharded(const TensorView &data, const TensorView &indices, int axis,
                   int64_t globalSize, int64_t rowOffset,
                   const TensorView &out) {
  gatherImpl("gatherSharded", data, indices, axis, globalSize, rowOffset, out);
}

void scatterAdd(const TensorView &updatesView, const TensorView &indicesView,
                int axis, const TensorView &outView) {
  const char *kernel = "scatterAdd";
  checkType(kernel, updatesView, outView.type);
  if (outView.type == DType::Bool)
    fail(kernel, "needs a number type, got bool");
  if (indicesView.type != DType::I32 && indicesView.type != DType::I64)
    fail(kernel, std::string("needs i32 or i64 indices, got ") +
                     dtypeName(indicesView.type));
  int dim = normalizeAxis(kernel, axis, outView.rank);
  TensorView expected = updatesView;
  expected.rank = outView.rank - 1 + indicesView.rank;
  checkRank(kernel, expected);
  int r = 0;
  for (int d = 0; d < dim; ++d)
    expected.shape[r++] = outView.shape[d];
  for (int d = 0; d < indicesView.rank; ++d)
    expected.shape[r++] = indicesView.shape[d];
  for (int d = dim + 1; d < outView.rank; ++d)
    expected.shape[r++] = outView.shape[d];
  checkSameShape(kernel, expected, updatesView);
  Scratch updatesCopy, indicesCopy, outCopy;
  TensorView updates = contiguousInput(updatesView, updatesCopy);
  TensorView indices = contiguousInput(indicesView, indicesCopy);
  TensorView out = contiguousOutput(outView, outCopy);
  int64_t rows = out.shape[dim];
  int64_t count = indices.numel();
  std::vector<int64_t> target =
      indices.type == DType::I32
          ? localRows(kernel, static_cast<const int32_t *>(indices.data), count,
                      rows, 0, rows)
          : localRows(kernel, static_cast<const int64_t *>(indices.data), count,
                      rows, 0, rows);
  int64_t outer = product(out.shape, 0, dim);
  int64_t inner = product(out.shape, dim + 1, out.rank);
  dispatch(out.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      // A wide accumulator per output element, added to in index order.
      std::vector<Accum<T>> sums(out.numel(), Accum<T>(0));
      const T *src = static_cast<const T *>(updates.data);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < count; ++j) {
          Accum<T> *row = sums.data() + (o * rows + target[j]) * inner;
          for (int64_t k = 0; k < inner; ++k)
            row[k] += static_cast<Accum<T>>(load(*src++));
        }
      T *dst = static_cast<T *>(out.data);
      for (size_t i = 0; i < sums.size(); ++i)
        dst[i] = store<T>(static_cast<Compute<T>>(sums[i]));
    }
  });
  if (out.data != outView.data)
    copy(out, outView);
}

} // namespace pxrt::cpu
