//===- Copy.cpp - Strided copies: transpose, slice, concat, chunks
//---------===//
//
// Every data-movement op is a copy between two strided views, done on
// elements of the right size whatever the dtype.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <algorithm>
#include <cstring>

namespace pxrt::cpu {

using namespace detail;

namespace {

template <size_t Size> struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };

template <typename E>
void copyRun(int64_t n, const E *in, int64_t inStride, E *out,
             int64_t outStride) {
  if (inStride == 1 && outStride == 1) {
    std::memcpy(out, in, n * sizeof(E));
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    out[i * outStride] = in[i * inStride];
}

/// Copies the 2-D block [rows, cols] where `out` is contiguous along cols
/// and `in` along rows, in cache-sized tiles (a transpose).
template <typename E>
void copyTiled(int64_t rows, int64_t cols, const E *in, int64_t inColStride,
               E *out, int64_t outRowStride) {
  constexpr int64_t kTile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    int64_t r1 = r0 + kTile < rows ? r0 + kTile : rows;
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      int64_t c1 = c0 + kTile < cols ? c0 + kTile : cols;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          out[r * outRowStride + c] = in[r + c * inColStride];
    }
  }
}

/// The innermost dim of `view` with stride 1 and size > 1, or -1.
int unitStrideDim(const TensorView &view) {
  for (int d = view.rank - 1; d >= 0; --d)
    if (view.shape[d] > 1 && view.strides[d] == 1)
      return d;
  return -1;
}

template <typename E>
void copyTyped(const TensorView &in, const TensorView &out) {
  // A transpose: out is contiguous along one dim and in along another, so
  // plain runs would stride through memory; copy 2-D tiles instead.
  int outDim = unitStrideDim(out);
  int inDim = unitStrideDim(in);
  bool innermostOut = outDim >= 0;
  for (int d = outDim + 1; innermostOut && d < out.rank; ++d)
    innermostOut = out.shape[d] == 1;
  if (innermostOut && inDim >= 0 && inDim != outDim && in.shape[outDim] >= 8 &&
      in.shape[inDim] >= 8) {
    int64_t shape[kMaxRank];
    std::copy(out.shape, out.shape + out.rank, shape);
    shape[outDim] = shape[inDim] = 1;
    int64_t rows = out.shape[inDim], cols = out.shape[outDim];
    int64_t inColStride = in.strides[outDim];
    int64_t outRowStride = out.strides[inDim];
    forEachRun<2>(shape, out.rank,
                  {operand(in, in.strides), operand(out, out.strides)},
                  [&](int64_t n, const std::array<char *, 2> &p,
                      const std::array<int64_t, 2> &s) {
                    const E *src = reinterpret_cast<const E *>(p[0]);
                    E *dst = reinterpret_cast<E *>(p[1]);
                    for (int64_t i = 0; i < n; ++i)
                      copyTiled(rows, cols, src + i * s[0], inColStride,
                                dst + i * s[1], outRowStride);
                  });
    return;
  }
  forEachRun<2>(out.shape, out.rank,
                {operand(in, in.strides), operand(out, out.strides)},
                [](int64_t n, const std::array<char *, 2> &p,
                   const std::array<int64_t, 2> &s) {
                  copyRun(n, reinterpret_cast<const E *>(p[0]), s[0],
                          reinterpret_cast<E *>(p[1]), s[1]);
                });
}

/// The view of chunk `index` of `view` along `dim`.
TensorView chunkView(const TensorView &view, int dim, int64_t parts,
                     int64_t index) {
  TensorView chunk = view;
  int64_t offset = chunkOffset(view.shape[dim], parts, index);
  chunk.shape[dim] = chunkSize(view.shape[dim], parts, index);
  chunk.data = static_cast<char *>(view.data) +
               offset * view.strides[dim] * dtypeSize(view.type);
  return chunk;
}

/// The view of `view` restricted to [offset, offset + size) along `dim`.
TensorView narrowView(const TensorView &view, int dim, int64_t offset,
                      int64_t size) {
  TensorView piece = view;
  piece.shape[dim] = size;
  piece.data = static_cast<char *>(view.data) +
               offset * view.strides[dim] * dtypeSize(view.type);
  return piece;
}

} // namespace

void copy(const TensorView &in, const TensorView &out) {
  checkType("copy", in, out.type);
  checkSameShape("copy", in, out);
  switch (dtypeSize(out.type)) {
  case 1:
    return copyTyped<Bits<1>::type>(in, out);
  case 2:
    return copyTyped<Bits<2>::type>(in, out);
  case 4:
    return copyTyped<Bits<4>::type>(in, out);
  default:
    return copyTyped<Bits<8>::type>(in, out);
  }
}

void transpose(const TensorView &in, const std::vector<int64_t> &perm,
               const TensorView &out) {
  copy(permuteView(in, perm), out);
}

void slice(const TensorView &in, const std::vector<int64_t> &offsets,
           const std::vector<int64_t> &strides, const TensorView &out) {
  std::vector<int64_t> sizes(out.shape, out.shape + out.rank);
  copy(sliceView(in, offsets, sizes, strides), out);
}

void expand(const TensorView &in, const TensorView &out) {
  copy(broadcastView(in, out.shape, out.rank), out);
}

void concat(const std::vector<TensorView> &inputs, int axis,
            const TensorView &out) {
  int dim = normalizeAxis("concat", axis, out.rank);
  int64_t offset = 0;
  for (const TensorView &input : inputs) {
    if (offset + input.shape[dim] > out.shape[dim])
      fail("concat", "inputs exceed " + shapeStr(out) + " along axis " +
                         std::to_string(dim));
    copy(input, narrowView(out, dim, offset, input.shape[dim]));
    offset += input.shape[dim];
  }
  if (offset != out.shape[dim])
    fail("concat", "inputs fill " + std::to_string(offset) + " of " +
                       std::to_string(out.shape[dim]) + " along axis " +
                       std::to_string(dim));
}

void split(const TensorView &in, int axis,
           const std::vector<TensorView> &outputs) {
  int dim = normalizeAxis("split", axis, in.rank);
  int64_t offset = 0;
  for (const TensorView &output : outputs) {
    if (offset + output.shape[dim] > in.shape[dim])
      fail("split", "outputs exceed " + shapeStr(in) + " along axis " +
                        std::to_string(dim));
    copy(narrowView(in, dim, offset, output.shape[dim]), output);
    offset += output.shape[dim];
  }
  if (offset != in.shape[dim])
    fail("split", "outputs cover " + std::to_string(offset) + " of " +
                      std::to_string(in.shape[dim]) + " along axis " +
                      std::to_string(dim));
}

void packChunks(const TensorView &in, int dim, int64_t parts, void *buffer) {
  dim = normalizeAxis("packChunks", dim, in.rank);
  if (parts < 1)
    fail("packChunks", "parts must be positive");
  char *next = static_cast<char *>(buffer);
  for (int64_t c = 0; c < parts; ++c) {
    TensorView chunk = chunkView(in, dim, parts, c);
    copy(chunk, contiguousView(next, in.type, chunk.shape, chunk.rank));
    next += chunk.numel() * dtypeSize(in.type);
  }
}

void unpackChunks(const void *buffer, int dim, int64_t parts,
                  const TensorView &out) {
  dim = normalizeAxis("unpackChunks", dim, out.rank);
  if (parts < 1)
    fail("unpackChunks", "parts must be positive");
  const char *next = static_cast<const char *>(buffer);
  for (int64_t c = 0; c < parts; ++c) {
    TensorView chunk = chunkView(out, dim, parts, c);
    copy(contiguousView(next, out.type, chunk.shape, chunk.rank), chunk);
    next += chunk.numel() * dtypeSize(out.type);
  }
}

void trilu(const TensorView &in, bool upper, int64_t k, const TensorView &out) {
  if (out.rank < 2)
    fail("trilu", "needs rank >= 2, got " + shapeStr(out));
  copy(in, out);
  int64_t rows = out.shape[out.rank - 2], cols = out.shape[out.rank - 1];
  int64_t rowStride = out.strides[out.rank - 2];
  int64_t colStride = out.strides[out.rank - 1];
  size_t size = dtypeSize(out.type);
  // Zero bytes are zero (or false) in every dtype.
  auto clearRow = [&](char *row, int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j)
      std::memset(row + j * colStride * size, 0, size);
  };
  forEachRun<1>(
      out.shape, out.rank - 2, {operand(out, out.strides)},
      [&](int64_t n, const std::array<char *, 1> &p,
          const std::array<int64_t, 1> &s) {
        for (int64_t b = 0; b < n; ++b) {
          char *matrix = p[0] + b * s[0] * size;
          for (int64_t i = 0; i < rows; ++i) {
            char *row = matrix + i * rowStride * size;
            int64_t edge = std::min(std::max(i + k, int64_t(0)), cols);
            if (upper)
              clearRow(row, 0, edge);
            else
              clearRow(row, std::min(std::max(i + k + 1, int64_t(0)), cols),
                       cols);
          }
        }
      });
}

} // namespace pxrt::cpu
