//===- View.cpp - Tensor views, checks and scratch memory -----------------===//

#include "Internal.h"

#include <sstream>
#include <stdexcept>

namespace pxrt::cpu {

using namespace detail;

int64_t TensorView::numel() const { return product(shape, 0, rank); }

bool TensorView::isContiguous() const {
  int64_t expected = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[d] != expected)
      return false;
    expected *= shape[d];
  }
  return true;
}

TensorView contiguousView(const void *data, DType type, const int64_t *shape,
                          int rank) {
  TensorView view;
  view.data = const_cast<void *>(data);
  view.type = type;
  view.rank = rank;
  checkRank("contiguousView", view);
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (shape[d] < 0)
      fail("contiguousView", "negative dim in " + shapeStr(shape, rank));
    view.shape[d] = shape[d];
    view.strides[d] = stride;
    stride *= shape[d];
  }
  return view;
}

TensorView contiguousView(const void *data, DType type,
                          std::initializer_list<int64_t> shape) {
  return contiguousView(data, type, shape.begin(),
                        static_cast<int>(shape.size()));
}

TensorView permuteView(const TensorView &view,
                       const std::vector<int64_t> &perm) {
  if (static_cast<int>(perm.size()) != view.rank)
    fail("permuteView", "perm has " + std::to_string(perm.size()) +
                            " entries for rank " + std::to_string(view.rank));
  TensorView result = view;
  bool seen[kMaxRank] = {};
  for (int d = 0; d < view.rank; ++d) {
    int64_t from = perm[d];
    if (from < 0 || from >= view.rank || seen[from])
      fail("permuteView", "perm is not a permutation");
    seen[from] = true;
    result.shape[d] = view.shape[from];
    result.strides[d] = view.strides[from];
  }
  return result;
}

TensorView sliceView(const TensorView &view,
                     const std::vector<int64_t> &offsets,
                     const std::vector<int64_t> &sizes,
                     const std::vector<int64_t> &strides) {
  size_t rank = static_cast<size_t>(view.rank);
  if (offsets.size() != rank || sizes.size() != rank || strides.size() != rank)
    fail("sliceView",
         "need one offset, size and stride per dim of " + shapeStr(view));
  TensorView result = view;
  int64_t shift = 0;
  for (int d = 0; d < view.rank; ++d) {
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    bool inside = sizes[d] == 0 || (strides[d] != 0 && offsets[d] >= 0 &&
                                    offsets[d] < view.shape[d] && last >= 0 &&
                                    last < view.shape[d]);
    if (sizes[d] < 0 || !inside)
      fail("sliceView", "dim " + std::to_string(d) + " (offset " +
                            std::to_string(offsets[d]) + ", size " +
                            std::to_string(sizes[d]) + ", stride " +
                            std::to_string(strides[d]) + ") leaves " +
                            shapeStr(view));
    if (sizes[d] > 0)
      shift += offsets[d] * view.strides[d];
    result.shape[d] = sizes[d];
    result.strides[d] = view.strides[d] * strides[d];
  }
  result.data = static_cast<char *>(view.data) + shift * dtypeSize(view.type);
  return result;
}

TensorView broadcastView(const TensorView &view, const int64_t *shape,
                         int rank) {
  TensorView result = view;
  result.rank = rank;
  checkRank("broadcastView", result);
  broadcastStrides("broadcastView", view, shape, rank, result.strides);
  for (int d = 0; d < rank; ++d)
    result.shape[d] = shape[d];
  return result;
}

int64_t chunkSize(int64_t size, int64_t parts, int64_t index) {
  return size / parts + (index < size % parts ? 1 : 0);
}

int64_t chunkOffset(int64_t size, int64_t parts, int64_t index) {
  int64_t remainder = size % parts;
  return index * (size / parts) + (index < remainder ? index : remainder);
}

namespace detail {

void fail(const char *kernel, const std::string &message) {
  throw std::invalid_argument(std::string("pxrt::cpu::") + kernel + ": " +
                              message);
}

std::string shapeStr(const int64_t *shape, int rank) {
  std::ostringstream os;
  os << '[';
  for (int d = 0; d < rank; ++d)
    os << (d ? ", " : "") << shape[d];
  os << ']';
  return os.str();
}

std::string shapeStr(const TensorView &view) {
  return shapeStr(view.shape, view.rank);
}

void checkRank(const char *kernel, const TensorView &view) {
  if (view.rank < 0 || view.rank > kMaxRank)
    fail(kernel, "rank " + std::to_string(view.rank) + " outside [0, " +
                     std::to_string(kMaxRank) + "]");
}

void checkType(const char *kernel, const TensorView &view, DType type) {
  if (view.type != type)
    fail(kernel, std::string("expected ") + dtypeName(type) + ", got " +
                     dtypeName(view.type));
}

void checkSameShape(const char *kernel, const TensorView &a,
                    const TensorView &b) {
  bool same = a.rank == b.rank;
  for (int d = 0; same && d < a.rank; ++d)
    same = a.shape[d] == b.shape[d];
  if (!same)
    fail(kernel, "shapes differ: " + shapeStr(a) + " vs " + shapeStr(b));
}

bool isFloatType(DType type) {
  return type == DType::F32 || type == DType::F64 || type == DType::F16 ||
         type == DType::BF16;
}

int normalizeAxis(const char *kernel, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank)
    fail(kernel, "axis " + std::to_string(axis) + " outside rank " +
                     std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

int64_t product(const int64_t *shape, int begin, int end) {
  int64_t result = 1;
  for (int d = begin; d < end; ++d)
    result *= shape[d];
  return result;
}

void broadcastStrides(const char *kernel, const TensorView &view,
                      const int64_t *shape, int rank, int64_t *strides) {
  checkRank(kernel, view);
  if (view.rank > rank)
    fail(kernel,
         shapeStr(view) + " does not broadcast to " + shapeStr(shape, rank));
  int lead = rank - view.rank;
  for (int d = 0; d < rank; ++d) {
    if (d < lead) {
      strides[d] = 0;
      continue;
    }
    int64_t size = view.shape[d - lead];
    if (size == shape[d])
      strides[d] = view.strides[d - lead];
    else if (size == 1)
      strides[d] = 0;
    else
      fail(kernel,
           shapeStr(view) + " does not broadcast to " + shapeStr(shape, rank));
  }
}

Scratch::Scratch(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  memory.reset(std::aligned_alloc(64, rounded ? rounded : 64));
  if (!memory)
    throw std::bad_alloc();
}

TensorView contiguousInput(const TensorView &view, Scratch &scratch) {
  if (view.isContiguous())
    return view;
  scratch = Scratch(view.numel() * dtypeSize(view.type));
  TensorView result =
      contiguousView(scratch.get(), view.type, view.shape, view.rank);
  copy(view, result);
  return result;
}

TensorView contiguousOutput(const TensorView &out, Scratch &scratch) {
  if (out.isContiguous())
    return out;
  scratch = Scratch(out.numel() * dtypeSize(out.type));
  return contiguousView(scratch.get(), out.type, out.shape, out.rank);
}

} // namespace detail
} // namespace pxrt::cpu
