//===- ShapeRules.cpp - ONNX shape rules shared by folding and conversion -===//

#include "ShapeRules.h"

#include "pxc/Support/LLVM.h"

#include <algorithm>

using namespace pxc;
using namespace pxc::onnx_import;

/// Normalizes and checks a list of axes (distinct, in range), sorted.
static FailureOr<SmallVector<int64_t>>
normalizeAxes(NodeContext &ctx, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = ctx.normalizeAxis(axis, rank);
    if (failed(a))
      return failure();
    if (llvm::is_contained(out, *a)) {
      ctx.emitError() << "axis " << axis << " is given twice";
      return failure();
    }
    out.push_back(*a);
  }
  llvm::sort(out);
  return out;
}

/// Axes of Squeeze/Unsqueeze: an input from opset 13.
static FailureOr<std::optional<std::vector<int64_t>>>
squeezeAxes(NodeContext &ctx) {
  if (!ctx.hasInput(1))
    return std::optional<std::vector<int64_t>>();
  FailureOr<std::vector<int64_t>> axes = ctx.constantInts(1, "axes");
  if (failed(axes))
    return failure();
  return std::optional<std::vector<int64_t>>(*axes);
}

static int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

static FailureOr<SmallVector<int64_t>>
reshapeTarget(NodeContext &ctx, ArrayRef<int64_t> in) {
  FailureOr<std::vector<int64_t>> shape = ctx.constantInts(1, "shape");
  if (failed(shape))
    return failure();
  bool allowZero = ctx.attrInt("allowzero", 0);
  SmallVector<int64_t> out;
  int inferred = -1;
  for (auto [i, d] : llvm::enumerate(*shape)) {
    if (d == -1) {
      if (inferred >= 0) {
        ctx.emitError() << "shape has more than one -1";
        return failure();
      }
      inferred = i;
      out.push_back(1);
    } else if (d == 0 && !allowZero) {
      if (i >= in.size()) {
        ctx.emitError() << "shape copies dimension " << i
                        << " (0) of a rank-" << in.size() << " input";
        return failure();
      }
      out.push_back(in[i]);
    } else if (d < 0) {
      ctx.emitError() << "shape has negative size " << d;
      return failure();
    } else {
      out.push_back(d);
    }
  }
  int64_t total = product(in), known = product(out);
  if (inferred >= 0) {
    if (known == 0 || total % known) {
      ctx.emitError() << "cannot infer the -1 size: " << total
                      << " elements do not divide by " << known;
      return failure();
    }
    out[inferred] = total / known;
  } else if (known != total) {
    ctx.emitError() << "shape holds " << known << " elements, the input "
                    << total;
    return failure();
  }
  return out;
}

FailureOr<SmallVector<int64_t>> onnx_import::reshapedShape(NodeContext &ctx) {
  ArrayRef<int64_t> in = ctx.inputType(0).getShape();
  int64_t rank = in.size();
  StringRef op = ctx.node.op_type();
  if (op == "Reshape")
    return reshapeTarget(ctx, in);
  if (op == "Flatten") {
    int64_t axis = ctx.attrInt("axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank) {
      ctx.emitError() << "axis " << ctx.attrInt("axis", 1)
                      << " is out of range for rank " << rank;
      return failure();
    }
    return SmallVector<int64_t>{product(in.take_front(axis)),
                                product(in.drop_front(axis))};
  }
  FailureOr<std::optional<std::vector<int64_t>>> axes = squeezeAxes(ctx);
  if (failed(axes))
    return failure();
  if (op == "Squeeze") {
    SmallVector<int64_t> out;
    if (!*axes) {
      for (int64_t d : in)
        if (d != 1)
          out.push_back(d);
      return out;
    }
    FailureOr<SmallVector<int64_t>> norm = normalizeAxes(ctx, **axes, rank);
    if (failed(norm))
      return failure();
    for (int64_t d = 0; d < rank; ++d) {
      if (!llvm::is_contained(*norm, d)) {
        out.push_back(in[d]);
      } else if (in[d] != 1) {
        ctx.emitError() << "cannot squeeze dimension " << d << " of size "
                        << in[d];
        return failure();
      }
    }
    return out;
  }
  // Unsqueeze.
  if (!*axes) {
    ctx.emitError() << "needs the axes input";
    return failure();
  }
  int64_t outRank = rank + (*axes)->size();
  FailureOr<SmallVector<int64_t>> norm = normalizeAxes(ctx, **axes, outRank);
  if (failed(norm))
    return failure();
  SmallVector<int64_t> out;
  for (int64_t d = 0, next = 0; d < outRank; ++d)
    out.push_back(llvm::is_contained(*norm, d) ? 1 : in[next++]);
  return out;
}

FailureOr<SliceParams> onnx_import::sliceParams(NodeContext &ctx,
                                                ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  FailureOr<std::vector<int64_t>> starts = ctx.constantInts(1, "starts");
  if (failed(starts))
    return failure();
  FailureOr<std::vector<int64_t>> ends = ctx.constantInts(2, "ends");
  if (failed(ends))
    return failure();
  std::vector<int64_t> axes, steps(starts->size(), 1);
  for (int64_t i = 0; i < static_cast<int64_t>(starts->size()); ++i)
    axes.push_back(i);
  if (ctx.hasInput(3)) {
    FailureOr<std::vector<int64_t>> a = ctx.constantInts(3, "axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (ctx.hasInput(4)) {
    FailureOr<std::vector<int64_t>> s = ctx.constantInts(4, "steps");
    if (failed(s))
      return failure();
    steps = *s;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size()) {
    ctx.emitError() << "starts, ends, axes and steps differ in length";
    return failure();
  }
  SliceParams p;
  p.offsets.assign(rank, 0);
  p.sizes.assign(shape.begin(), shape.end());
  p.strides.assign(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = ctx.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (seen[*axis]) {
      ctx.emitError() << "axis " << axes[i] << " is sliced twice";
      return failure();
    }
    seen[*axis] = true;
    int64_t n = shape[*axis], step = steps[i];
    if (step == 0) {
      ctx.emitError() << "step 0 on axis " << axes[i];
      return failure();
    }
    // ONNX semantics: negative bounds count from the end, then clamp.
    int64_t start = (*starts)[i], end = (*ends)[i];
    if (start < 0)
      start = start < -n ? 0 : start + n;
    if (end < 0)
      end = end < -n ? -1 : end + n;
    int64_t size;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, n);
      end = std::clamp<int64_t>(end, 0, n);
      size = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, -1, n - 1);
      end = std::clamp<int64_t>(end, -1, n - 1);
      size = start > end ? (start - end - step - 1) / -step : 0;
    }
    p.offsets[*axis] = size ? start : 0;
    p.sizes[*axis] = size;
    p.strides[*axis] = step;
  }
  return p;
}

FailureOr<SplitParams> onnx_import::splitParams(NodeContext &ctx,
                                                ArrayRef<int64_t> shape) {
  SplitParams p;
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", 0), shape.size());
  if (failed(axis))
    return failure();
  p.axis = *axis;
  int64_t n = shape[p.axis], parts = ctx.numOutputs();
  if (ctx.hasInput(1)) {
    FailureOr<std::vector<int64_t>> sizes = ctx.constantInts(1, "split");
    if (failed(sizes))
      return failure();
    p.sizes.assign(sizes->begin(), sizes->end());
  } else {
    if (n % parts) {
      ctx.emitError() << "cannot split size " << n << " into " << parts
                      << " equal parts";
      return failure();
    }
    p.sizes.assign(parts, n / parts);
  }
  int64_t total = 0;
  for (int64_t s : p.sizes)
    total += s;
  if (static_cast<int64_t>(p.sizes.size()) != parts || total != n ||
      llvm::any_of(p.sizes, [](int64_t s) { return s < 0; })) {
    ctx.emitError() << "split sizes do not partition size " << n << " into "
                    << parts << " outputs";
    return failure();
  }
  return p;
}

FailureOr<SmallVector<int64_t>> onnx_import::expandShape(NodeContext &ctx) {
  FailureOr<std::vector<int64_t>> shape = ctx.constantInts(1, "shape");
  if (failed(shape))
    return failure();
  std::optional<SmallVector<int64_t>> out =
      broadcastShapes(ctx.inputType(0).getShape(), *shape);
  if (!out) {
    ctx.emitError() << "cannot broadcast the input to the given shape";
    return failure();
  }
  return *out;
}

FailureOr<SmallVector<int64_t>>
onnx_import::reduceAxes(NodeContext &ctx, int64_t rank, bool &noop) {
  std::optional<std::vector<int64_t>> axes;
  // ReduceSum takes axes as an input from opset 13, the others from 18.
  if (ctx.node.op_type() == "ReduceSum") {
    if (ctx.hasInput(1)) {
      FailureOr<std::vector<int64_t>> a = ctx.constantInts(1, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
  } else {
    axes = ctx.attrInts("axes");
  }
  noop = false;
  if (!axes || axes->empty()) {
    if (ctx.attrInt("noop_with_empty_axes", 0)) {
      noop = true;
      return SmallVector<int64_t>();
    }
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  return normalizeAxes(ctx, *axes, rank);
}

FailureOr<SmallVector<int64_t>> onnx_import::transposePerm(NodeContext &ctx,
                                                           int64_t rank) {
  std::optional<std::vector<int64_t>> perm = ctx.attrInts("perm");
  if (!perm) {
    SmallVector<int64_t> reversed;
    for (int64_t d = rank - 1; d >= 0; --d)
      reversed.push_back(d);
    return reversed;
  }
  SmallVector<int64_t> out(perm->begin(), perm->end());
  SmallVector<int64_t> sorted = out;
  llvm::sort(sorted);
  if (static_cast<int64_t>(out.size()) != rank ||
      !llvm::equal(sorted, llvm::seq<int64_t>(0, rank))) {
    ctx.emitError() << "perm is not a permutation of 0.." << rank - 1;
    return failure();
  }
  return out;
}
