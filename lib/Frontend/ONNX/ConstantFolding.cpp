//===- ConstantFolding.cpp - Host evaluation of shape computations --------===//
//
// Exporters compute shapes at run time (Shape -> Gather -> Concat -> Reshape,
// Range for positions, ConstantOfShape for masks). pxc needs static shapes,
// so nodes whose inputs are all known constants are evaluated here, on small
// tensors. Larger results of constant sources become px.constant ops.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "ShapeRules.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include <cmath>

using namespace pxc;
using namespace pxc::onnx_import;

/// Folded values beyond this many elements are left to the IR.
static constexpr int64_t kMaxFoldElements = 1 << 16;

namespace {

using Outputs = SmallVectorImpl<HostTensor>;
/// Evaluates a node; false when it cannot be folded (then it becomes IR).
using Folder = FailureOr<bool> (*)(NodeContext &, Outputs &);

const HostTensor &in(NodeContext &ctx, int i) { return *ctx.constantInput(i); }

FailureOr<bool> foldConstant(NodeContext &ctx, Outputs &out) {
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    FailureOr<HostTensor> t = decodeTensor(a->t(), ctx.loc, "constant");
    if (failed(t))
      return failure();
    out.push_back(std::move(*t));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_float")) {
    out.push_back(HostTensor::fromFloats({}, {a->f()}));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_floats")) {
    out.push_back(HostTensor::fromFloats(
        {a->floats_size()},
        std::vector<double>(a->floats().begin(), a->floats().end())));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_int")) {
    out.push_back(HostTensor::fromInts({}, {a->i()}));
  } else if (const onnx::AttributeProto *a = ctx.attr("value_ints")) {
    out.push_back(HostTensor::fromInts(
        {a->ints_size()},
        std::vector<int64_t>(a->ints().begin(), a->ints().end())));
  } else {
    ctx.emitError() << "only tensor, float and int constants are supported";
    return failure();
  }
  return true;
}

FailureOr<bool> foldConstantOfShape(NodeContext &ctx, Outputs &out) {
  FailureOr<std::vector<int64_t>> shape = ctx.constantInts(0, "shape");
  if (failed(shape))
    return failure();
  HostTensor value = HostTensor::fromFloats({1}, {0.0});
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    FailureOr<HostTensor> t = decodeTensor(a->t(), ctx.loc, "value");
    if (failed(t))
      return failure();
    if (t->numel() != 1) {
      ctx.emitError() << "value must hold one element";
      return failure();
    }
    value = std::move(*t);
  }
  SmallVector<int64_t> dims(shape->begin(), shape->end());
  out.push_back(HostTensor::splat(dims, value));
  return true;
}

FailureOr<bool> foldShape(NodeContext &ctx, Outputs &out) {
  ArrayRef<int64_t> shape = ctx.inputType(0).getShape();
  int64_t rank = shape.size();
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
  };
  int64_t start = clampIndex(ctx.attrInt("start", 0));
  int64_t end = clampIndex(ctx.attrInt("end", rank));
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(shape[d]);
  int64_t n = dims.size();
  out.push_back(HostTensor::fromInts({n}, std::move(dims)));
  return true;
}

FailureOr<bool> foldSize(NodeContext &ctx, Outputs &out) {
  out.push_back(
      HostTensor::fromInts({}, {ctx.inputType(0).getNumElements()}));
  return true;
}

FailureOr<bool> foldRange(NodeContext &ctx, Outputs &out) {
  const HostTensor &start = in(ctx, 0), &limit = in(ctx, 1),
                   &delta = in(ctx, 2);
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1 ||
      delta.getDouble(0) == 0) {
    ctx.emitError() << "start, limit and delta must be scalars, delta != 0";
    return failure();
  }
  double s = start.getDouble(0), l = limit.getDouble(0),
         d = delta.getDouble(0);
  int64_t n = std::max<int64_t>(0, std::ceil((l - s) / d));
  if (start.isFloat()) {
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = s + i * d;
    out.push_back(HostTensor::fromFloats({n}, std::move(v), start.dtype));
  } else {
    std::vector<int64_t> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = start.getInt(0) + i * delta.getInt(0);
    out.push_back(HostTensor::fromInts({n}, std::move(v), start.dtype));
  }
  return true;
}

FailureOr<bool> foldIdentity(NodeContext &ctx, Outputs &out) {
  out.push_back(in(ctx, 0));
  return true;
}

FailureOr<bool> foldCast(NodeContext &ctx, Outputs &out) {
  std::optional<DType> to;
  if (ctx.node.op_type() == "CastLike")
    to = fromMlirType(ctx.inputType(1).getElementType());
  else
    to = dtypeFromOnnx(ctx.attrInt("to", 0));
  if (!to)
    return false; // The converter reports the unsupported type.
  out.push_back(in(ctx, 0).castTo(*to));
  return true;
}

FailureOr<bool> foldReshape(NodeContext &ctx, Outputs &out) {
  FailureOr<SmallVector<int64_t>> shape = reshapedShape(ctx);
  if (failed(shape))
    return failure();
  HostTensor t = in(ctx, 0);
  t.shape = *shape;
  out.push_back(std::move(t));
  return true;
}

/// Builds a tensor of `shape` whose element i is `source` element index(i).
HostTensor gatherElements(const HostTensor &source, ArrayRef<int64_t> shape,
                          function_ref<int64_t(int64_t)> index) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  if (source.isFloat()) {
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = source.floats[index(i)];
    return HostTensor::fromFloats(shape, std::move(v), source.dtype);
  }
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = source.ints[index(i)];
  return HostTensor::fromInts(shape, std::move(v), source.dtype);
}

/// Splits a row-major index of `shape` into coordinates.
SmallVector<int64_t> coordsOf(int64_t flat, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> coords(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    coords[d] = flat % shape[d];
    flat /= shape[d];
  }
  return coords;
}

FailureOr<bool> foldGather(NodeContext &ctx, Outputs &out) {
  const HostTensor &data = in(ctx, 0), &indices = in(ctx, 1);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", 0), data.shape.size());
  if (failed(axis))
    return failure();
  int64_t n = data.shape[*axis];
  std::vector<int64_t> idx = indices.toInts();
  for (int64_t &i : idx) {
    if (i < -n || i >= n) {
      ctx.emitError() << "index " << i << " is out of range for size " << n;
      return failure();
    }
    if (i < 0)
      i += n;
  }
  ArrayRef<int64_t> ds = data.shape;
  SmallVector<int64_t> shape(ds.take_front(*axis));
  llvm::append_range(shape, indices.shape);
  llvm::append_range(shape, ds.drop_front(*axis + 1));
  SmallVector<int64_t> strides = stridesOf(ds);
  int64_t idxRank = indices.shape.size();
  out.push_back(gatherElements(data, shape, [&](int64_t flat) {
    SmallVector<int64_t> c = coordsOf(flat, shape);
    int64_t offset = 0;
    for (int64_t d = 0; d < *axis; ++d)
      offset += c[d] * strides[d];
    int64_t k = 0;
    for (int64_t d = 0; d < idxRank; ++d)
      k = k * indices.shape[d] + c[*axis + d];
    offset += idx[k] * strides[*axis];
    for (int64_t d = *axis + 1; d < static_cast<int64_t>(ds.size()); ++d)
      offset += c[d - 1 + idxRank] * strides[d];
    return offset;
  }));
  return true;
}

FailureOr<bool> foldConcat(NodeContext &ctx, Outputs &out) {
  const HostTensor &first = in(ctx, 0);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", 0), first.shape.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape = first.shape;
  shape[*axis] = 0;
  for (int i = 0; i < ctx.numInputs(); ++i) {
    const HostTensor &t = in(ctx, i);
    if (t.dtype != first.dtype || t.shape.size() != shape.size()) {
      ctx.emitError() << "inputs differ in type or rank";
      return failure();
    }
    for (size_t d = 0; d < shape.size(); ++d)
      if (d != static_cast<size_t>(*axis) && t.shape[d] != shape[d]) {
        ctx.emitError() << "inputs differ outside axis " << *axis;
        return failure();
      }
    shape[*axis] += t.shape[*axis];
  }
  HostTensor result =
      first.isFloat() ? HostTensor::fromFloats(shape, {}, first.dtype)
                      : HostTensor::fromInts(shape, {}, first.dtype);
  // Row-major: for every outer index, append each input's inner block.
  int64_t outer = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < ctx.numInputs(); ++i) {
      const HostTensor &t = in(ctx, i);
      int64_t block = t.numel() / std::max<int64_t>(outer, 1);
      if (t.isFloat())
        result.floats.insert(result.floats.end(),
                             t.floats.begin() + o * block,
                             t.floats.begin() + (o + 1) * block);
      else
        result.ints.insert(result.ints.end(), t.ints.begin() + o * block,
                           t.ints.begin() + (o + 1) * block);
    }
  }
  out.push_back(std::move(result));
  return true;
}

FailureOr<bool> foldSlice(NodeContext &ctx, Outputs &out) {
  const HostTensor &data = in(ctx, 0);
  FailureOr<SliceParams> p = sliceParams(ctx, data.shape);
  if (failed(p))
    return failure();
  SmallVector<int64_t> strides = stridesOf(data.shape);
  out.push_back(gatherElements(data, p->sizes, [&](int64_t flat) {
    SmallVector<int64_t> c = coordsOf(flat, p->sizes);
    int64_t offset = 0;
    for (size_t d = 0; d < c.size(); ++d)
      offset += (p->offsets[d] + c[d] * p->strides[d]) * strides[d];
    return offset;
  }));
  return true;
}

FailureOr<bool> foldExpand(NodeContext &ctx, Outputs &out) {
  FailureOr<SmallVector<int64_t>> shape = expandShape(ctx);
  if (failed(shape))
    return failure();
  const HostTensor &data = in(ctx, 0);
  out.push_back(gatherElements(data, *shape, [&](int64_t flat) {
    return broadcastIndex(data.shape, *shape, flat);
  }));
  return true;
}

FailureOr<bool> foldTranspose(NodeContext &ctx, Outputs &out) {
  const HostTensor &data = in(ctx, 0);
  FailureOr<SmallVector<int64_t>> perm = transposePerm(ctx, data.shape.size());
  if (failed(perm))
    return failure();
  SmallVector<int64_t> shape, strides = stridesOf(data.shape);
  for (int64_t p : *perm)
    shape.push_back(data.shape[p]);
  out.push_back(gatherElements(data, shape, [&](int64_t flat) {
    SmallVector<int64_t> c = coordsOf(flat, shape);
    int64_t offset = 0;
    for (size_t d = 0; d < c.size(); ++d)
      offset += c[d] * strides[(*perm)[d]];
    return offset;
  }));
  return true;
}

/// Elementwise evaluation with numpy broadcasting over all inputs. `fn`
/// computes element values from the broadcast operands' elements (as doubles
/// for float results, int64 otherwise).
struct Elementwise {
  std::optional<DType> resultType; // Default: the type of the last input.
  std::function<double(ArrayRef<double>)> onFloats;
  std::function<std::optional<int64_t>(ArrayRef<int64_t>)> onInts;
};

FailureOr<bool> foldElementwise(NodeContext &ctx, Outputs &out,
                                const Elementwise &ew) {
  SmallVector<const HostTensor *> ins;
  SmallVector<int64_t> shape;
  for (int i = 0; i < ctx.numInputs(); ++i) {
    ins.push_back(&in(ctx, i));
    std::optional<SmallVector<int64_t>> b =
        broadcastShapes(shape, ins.back()->shape);
    if (!b) {
      ctx.emitError() << "operand shapes are not broadcastable";
      return failure();
    }
    shape = *b;
  }
  // Where: the condition is input 0; operate on the values' type.
  const HostTensor &typed = *ins.back();
  bool floats = typed.isFloat();
  DType type = ew.resultType.value_or(typed.dtype);
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  SmallVector<double> fargs(ins.size());
  SmallVector<int64_t> iargs(ins.size());
  std::vector<double> fvals;
  std::vector<int64_t> ivals;
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < ins.size(); ++k) {
      int64_t at = broadcastIndex(ins[k]->shape, shape, i);
      fargs[k] = ins[k]->getDouble(at);
      iargs[k] = ins[k]->isFloat() ? 0 : ins[k]->ints[at];
    }
    if (floats && ew.onFloats) {
      double v = ew.onFloats(fargs);
      if (isFloat(type))
        fvals.push_back(v);
      else
        ivals.push_back(static_cast<int64_t>(v));
    } else if (!floats && ew.onInts) {
      std::optional<int64_t> v = ew.onInts(iargs);
      if (!v)
        return false; // e.g. integer division by zero: left to run time.
      ivals.push_back(*v);
    } else {
      return false;
    }
  }
  if (isFloat(type))
    out.push_back(
        HostTensor::fromFloats(shape, std::move(fvals), type).castTo(type));
  else
    out.push_back(HostTensor::fromInts(shape, std::move(ivals), type));
  return true;
}

template <typename F>
FailureOr<bool> foldArith(NodeContext &ctx, Outputs &out, F f) {
  Elementwise ew;
  ew.onFloats = [&](ArrayRef<double> a) { return f(a[0], a[1]); };
  ew.onInts = [&](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    return f(a[0], a[1]);
  };
  return foldElementwise(ctx, out, ew);
}

FailureOr<bool> foldAdd(NodeContext &c, Outputs &o) {
  return foldArith(c, o, [](auto a, auto b) { return a + b; });
}
FailureOr<bool> foldSub(NodeContext &c, Outputs &o) {
  return foldArith(c, o, [](auto a, auto b) { return a - b; });
}
FailureOr<bool> foldMul(NodeContext &c, Outputs &o) {
  return foldArith(c, o, [](auto a, auto b) { return a * b; });
}
FailureOr<bool> foldMax(NodeContext &c, Outputs &o) {
  if (c.numInputs() != 2)
    return false;
  return foldArith(c, o, [](auto a, auto b) { return a > b ? a : b; });
}
FailureOr<bool> foldMin(NodeContext &c, Outputs &o) {
  if (c.numInputs() != 2)
    return false;
  return foldArith(c, o, [](auto a, auto b) { return a < b ? a : b; });
}
FailureOr<bool> foldDiv(NodeContext &c, Outputs &o) {
  Elementwise ew;
  ew.onFloats = [](ArrayRef<double> a) { return a[0] / a[1]; };
  ew.onInts = [](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    if (a[1] == 0)
      return std::nullopt;
    return a[0] / a[1];
  };
  return foldElementwise(c, o, ew);
}

template <typename F>
FailureOr<bool> foldCompare(NodeContext &ctx, Outputs &out, F f) {
  Elementwise ew;
  ew.resultType = DType::Bool;
  ew.onFloats = [&](ArrayRef<double> a) -> double { return f(a[0], a[1]); };
  ew.onInts = [&](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    return f(a[0], a[1]);
  };
  return foldElementwise(ctx, out, ew);
}

FailureOr<bool> foldEqual(NodeContext &c, Outputs &o) {
  return foldCompare(c, o, [](auto a, auto b) { return a == b; });
}
FailureOr<bool> foldLess(NodeContext &c, Outputs &o) {
  return foldCompare(c, o, [](auto a, auto b) { return a < b; });
}
FailureOr<bool> foldLessOrEqual(NodeContext &c, Outputs &o) {
  return foldCompare(c, o, [](auto a, auto b) { return a <= b; });
}
FailureOr<bool> foldGreater(NodeContext &c, Outputs &o) {
  return foldCompare(c, o, [](auto a, auto b) { return a > b; });
}
FailureOr<bool> foldGreaterOrEqual(NodeContext &c, Outputs &o) {
  return foldCompare(c, o, [](auto a, auto b) { return a >= b; });
}
FailureOr<bool> foldAnd(NodeContext &c, Outputs &o) {
  return foldArith(c, o, [](auto a, auto b) { return a && b; });
}
FailureOr<bool> foldOr(NodeContext &c, Outputs &o) {
  return foldArith(c, o, [](auto a, auto b) { return a || b; });
}

FailureOr<bool> foldWhere(NodeContext &ctx, Outputs &out) {
  Elementwise ew;
  ew.onFloats = [](ArrayRef<double> a) { return a[0] ? a[1] : a[2]; };
  ew.onInts = [](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    return a[0] ? a[1] : a[2];
  };
  return foldElementwise(ctx, out, ew);
}

template <double (*F)(double)>
FailureOr<bool> foldFloatUnary(NodeContext &ctx, Outputs &out) {
  Elementwise ew;
  ew.onFloats = [](ArrayRef<double> a) { return F(a[0]); };
  return foldElementwise(ctx, out, ew);
}

double reciprocal(double x) { return 1 / x; }
double sqrtFn(double x) { return std::sqrt(x); }

FailureOr<bool> foldNeg(NodeContext &ctx, Outputs &out) {
  Elementwise ew;
  ew.onFloats = [](ArrayRef<double> a) { return -a[0]; };
  ew.onInts = [](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    return -a[0];
  };
  return foldElementwise(ctx, out, ew);
}

FailureOr<bool> foldNot(NodeContext &ctx, Outputs &out) {
  Elementwise ew;
  ew.onInts = [](ArrayRef<int64_t> a) -> std::optional<int64_t> {
    return !a[0];
  };
  return foldElementwise(ctx, out, ew);
}

const llvm::StringMap<Folder> &getFolders() {
  static const llvm::StringMap<Folder> folders = {
      {"Add", foldAdd},
      {"And", foldAnd},
      {"Cast", foldCast},
      {"CastLike", foldCast},
      {"Concat", foldConcat},
      {"Constant", foldConstant},
      {"ConstantOfShape", foldConstantOfShape},
      {"Div", foldDiv},
      {"Equal", foldEqual},
      {"Expand", foldExpand},
      {"Flatten", foldReshape},
      {"Gather", foldGather},
      {"Greater", foldGreater},
      {"GreaterOrEqual", foldGreaterOrEqual},
      {"Identity", foldIdentity},
      {"Less", foldLess},
      {"LessOrEqual", foldLessOrEqual},
      {"Max", foldMax},
      {"Min", foldMin},
      {"Mul", foldMul},
      {"Neg", foldNeg},
      {"Not", foldNot},
      {"Or", foldOr},
      {"Range", foldRange},
      {"Reciprocal", foldFloatUnary<reciprocal>},
      {"Reshape", foldReshape},
      {"Shape", foldShape},
      {"Size", foldSize},
      {"Slice", foldSlice},
      {"Sqrt", foldFloatUnary<sqrtFn>},
      {"Squeeze", foldReshape},
      {"Sub", foldSub},
      {"Transpose", foldTranspose},
      {"Unsqueeze", foldReshape},
      {"Where", foldWhere},
  };
  return folders;
}

/// Ops whose value is a constant by construction: folded whatever the size
/// (large results are emitted as px.constant).
bool isConstantSource(StringRef op) {
  return op == "Constant" || op == "ConstantOfShape" || op == "Range" ||
         op == "Shape" || op == "Size";
}

} // namespace

FailureOr<bool> onnx_import::tryFold(NodeContext &ctx) {
  StringRef op = ctx.node.op_type();
  const llvm::StringMap<Folder> &folders = getFolders();
  auto folder = folders.find(op);
  if (folder == folders.end())
    return false;
  // Shape and Size read only the static type of their input.
  if (op != "Shape" && op != "Size")
    for (int i = 0; i < ctx.numInputs(); ++i)
      if (ctx.hasInput(i) && !ctx.constantInput(i))
        return false;
  SmallVector<HostTensor, 1> outputs;
  FailureOr<bool> folded = folder->second(ctx, outputs);
  if (failed(folded) || !*folded)
    return folded;
  bool constantSource = isConstantSource(op);
  for (const HostTensor &t : outputs)
    if (t.numel() > kMaxFoldElements && !constantSource)
      return false;
  for (auto [i, t] : llvm::enumerate(outputs)) {
    if (t.numel() <= kMaxFoldElements) {
      ctx.setConstant(i, std::move(t));
      continue;
    }
    ctx.setOutput(i, px::ConstantOp::create(ctx.builder(), ctx.loc,
                                            t.toAttr(ctx.context())));
  }
  return true;
}
