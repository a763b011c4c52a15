//===- Converters.cpp - ONNX nodes -> px ops ------------------------------===//
//
// One converter per ONNX op type of the default domain (opsets 13-17). The
// px ops infer and verify their own result types; converters translate ONNX
// attributes and operand conventions (negative axes, optional inputs,
// transposition flags) into px's static form.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "ShapeRules.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Frontend/ONNX/Import.h"
#include "pxc/Support/LLVM.h"

using namespace pxc;
using namespace pxc::onnx_import;

namespace {

/// Sets output 0 from a built value.
LogicalResult setResult(NodeContext &ctx, FailureOr<Value> value) {
  if (failed(value))
    return failure();
  ctx.setOutput(0, *value);
  return success();
}

/// Builds a sequence of px ops for one node. After the first failure (already
/// reported) further calls do nothing and return null values.
class Chain {
public:
  explicit Chain(NodeContext &ctx) : ctx(ctx) {}

  template <typename OpTy, typename... Args>
  Value inferred(Args &&...args) {
    if (bad)
      return {};
    return take(ctx.buildInferred<OpTy>(std::forward<Args>(args)...));
  }
  template <typename OpTy, typename... Args>
  Value typed(Args &&...args) {
    if (bad)
      return {};
    return take(ctx.build<OpTy>(std::forward<Args>(args)...));
  }
  bool failed() const { return bad; }

private:
  Value take(FailureOr<Value> value) {
    if (mlir::failed(value)) {
      bad = true;
      return {};
    }
    return *value;
  }

  NodeContext &ctx;
  bool bad = false;
};

/// Casts `value` to the element type `to` (same shape) unless it has it.
FailureOr<Value> castElements(NodeContext &ctx, Value value, Type to) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == to)
    return value;
  return ctx.build<px::CastOp>(type.clone(to), value);
}

/// A scalar constant of element type `element`.
Value scalar(NodeContext &ctx, double v, Type element) {
  auto type = RankedTensorType::get({}, element);
  Attribute value = isa<FloatType>(element)
                        ? Attribute(FloatAttr::get(element, v))
                        : Attribute(IntegerAttr::get(element, int64_t(v)));
  return px::ConstantOp::create(ctx.builder(), ctx.loc,
                                DenseElementsAttr::get(type, value));
}

FailureOr<Value> reshape(NodeContext &ctx, Value value,
                         ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return ctx.build<px::ReshapeOp>(type.clone(shape), value);
}

template <typename OpTy>
LogicalResult convertBinary(NodeContext &ctx) {
  return setResult(ctx, ctx.buildInferred<OpTy>(ctx.input(0), ctx.input(1)));
}

LogicalResult convertPow(NodeContext &ctx) {
  // ONNX allows an exponent of another type and integer bases; px computes
  // in a float type (f64 for integers, exact for the values they hold) and
  // casts back.
  Type element = ctx.inputType(0).getElementType();
  Type compute =
      isa<FloatType>(element) ? element : ctx.builder().getF64Type();
  FailureOr<Value> base = castElements(ctx, ctx.input(0), compute);
  if (failed(base))
    return failure();
  FailureOr<Value> exponent = castElements(ctx, ctx.input(1), compute);
  if (failed(exponent))
    return failure();
  FailureOr<Value> power = ctx.buildInferred<px::PowOp>(*base, *exponent);
  if (failed(power))
    return failure();
  return setResult(ctx, castElements(ctx, *power, element));
}

/// Max, Min, Sum: variadic, folded left to right.
template <typename OpTy>
LogicalResult convertVariadic(NodeContext &ctx) {
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  Value acc = ctx.input(0);
  for (int i = 1; i < ctx.numInputs(); ++i) {
    FailureOr<Value> next = ctx.buildInferred<OpTy>(acc, ctx.input(i));
    if (failed(next))
      return failure();
    acc = *next;
  }
  ctx.setOutput(0, acc);
  return success();
}

template <px::CompareKind kind>
LogicalResult convertCompare(NodeContext &ctx) {
  return setResult(
      ctx, ctx.buildInferred<px::CompareOp>(kind, ctx.input(0), ctx.input(1)));
}

LogicalResult convertWhere(NodeContext &ctx) {
  return setResult(ctx, ctx.buildInferred<px::WhereOp>(
                            ctx.input(0), ctx.input(1), ctx.input(2)));
}

template <typename OpTy>
LogicalResult convertUnary(NodeContext &ctx) {
  Value input = ctx.input(0);
  return setResult(ctx, ctx.build<OpTy>(input.getType(), input));
}

LogicalResult convertIdentity(NodeContext &ctx) {
  ctx.setOutput(0, ctx.input(0));
  return success();
}

LogicalResult convertDropout(NodeContext &ctx) {
  // Inference semantics (or a zero ratio): the identity, and an all-true
  // mask.
  if (ctx.hasInput(2)) {
    FailureOr<std::vector<int64_t>> training =
        ctx.constantInts(2, "training_mode");
    if (failed(training))
      return failure();
    const HostTensor *ratio = ctx.hasInput(1) ? ctx.constantInput(1) : nullptr;
    bool zeroRatio = ratio && ratio->numel() == 1 && ratio->getDouble(0) == 0;
    if (training->size() == 1 && training->front() && !zeroRatio)
      return ctx.emitError() << "training-mode Dropout is not supported";
  }
  Value input = ctx.input(0);
  ctx.setOutput(0, input);
  if (ctx.outputUsed(1)) {
    auto maskType = ctx.inputType(0).clone(ctx.builder().getI1Type());
    ctx.setOutput(1, px::ConstantOp::create(
                         ctx.builder(), ctx.loc,
                         DenseElementsAttr::get(maskType, true)));
  }
  return success();
}

LogicalResult convertCast(NodeContext &ctx) {
  Type to;
  if (ctx.node.op_type() == "CastLike") {
    to = ctx.inputType(1).getElementType();
  } else {
    int code = ctx.attrInt("to", 0);
    std::optional<DType> dtype = dtypeFromOnnx(code);
    if (!dtype)
      return ctx.emitError() << "cast to " << onnxTypeName(code)
                             << ", which px does not support";
    to = toMlirType(*dtype, ctx.context());
  }
  return setResult(ctx, castElements(ctx, ctx.input(0), to));
}

LogicalResult convertClip(NodeContext &ctx) {
  Value value = ctx.input(0);
  if (ctx.hasInput(1)) {
    FailureOr<Value> v = ctx.buildInferred<px::MaxOp>(value, ctx.input(1));
    if (failed(v))
      return failure();
    value = *v;
  }
  if (ctx.hasInput(2)) {
    FailureOr<Value> v = ctx.buildInferred<px::MinOp>(value, ctx.input(2));
    if (failed(v))
      return failure();
    value = *v;
  }
  ctx.setOutput(0, value);
  return success();
}

LogicalResult convertMatMul(NodeContext &ctx) {
  Value lhs = ctx.input(0), rhs = ctx.input(1);
  ArrayRef<int64_t> l = ctx.inputType(0).getShape();
  ArrayRef<int64_t> r = ctx.inputType(1).getShape();
  if (l.empty() || r.empty())
    return ctx.emitError() << "operands must have rank >= 1";
  // numpy.matmul: a 1-D lhs gains a leading 1, a 1-D rhs a trailing 1, and
  // the added dimension is dropped from the result.
  if (l.size() == 1) {
    FailureOr<Value> v = reshape(ctx, lhs, {1, l[0]});
    if (failed(v))
      return failure();
    lhs = *v;
  }
  if (r.size() == 1) {
    FailureOr<Value> v = reshape(ctx, rhs, {r[0], 1});
    if (failed(v))
      return failure();
    rhs = *v;
  }
  FailureOr<Value> product = ctx.buildInferred<px::MatmulOp>(lhs, rhs);
  if (failed(product))
    return failure();
  SmallVector<int64_t> shape(
      cast<RankedTensorType>(product->getType()).getShape());
  if (r.size() == 1)
    shape.erase(shape.end() - 1);
  if (l.size() == 1)
    shape.erase(shape.end() - (r.size() == 1 ? 1 : 2));
  return setResult(ctx, reshape(ctx, *product, shape));
}

LogicalResult convertGemm(NodeContext &ctx) {
  float alpha = ctx.attrFloat("alpha", 1), beta = ctx.attrFloat("beta", 1);
  Value a = ctx.input(0);
  if (ctx.inputType(0).getRank() != 2 || ctx.inputType(1).getRank() != 2)
    return ctx.emitError() << "A and B must be 2-D";
  if (ctx.attrInt("transA", 0)) {
    FailureOr<Value> t =
        ctx.buildInferred<px::TransposeOp>(a, ArrayRef<int64_t>{1, 0});
    if (failed(t))
      return failure();
    a = *t;
  }
  bool transB = ctx.attrInt("transB", 0);
  // A bias of shape [N] with beta 1 is the linear op's own bias.
  Value bias;
  if (ctx.hasInput(2) && beta == 1 && alpha == 1 &&
      ctx.inputType(2).getRank() == 1 &&
      ctx.inputType(2).getDimSize(0) ==
          ctx.inputType(1).getDimSize(transB ? 0 : 1))
    bias = ctx.input(2);
  FailureOr<Value> y = ctx.buildInferred<px::LinearOp>(
      a, ctx.input(1), bias, transB);
  if (failed(y))
    return failure();
  Type element = ctx.inputType(0).getElementType();
  Value result = *y;
  if (alpha != 1) {
    FailureOr<Value> v =
        ctx.buildInferred<px::MulOp>(result, scalar(ctx, alpha, element));
    if (failed(v))
      return failure();
    result = *v;
  }
  if (ctx.hasInput(2) && !bias && beta != 0) {
    Value c = ctx.input(2);
    if (beta != 1) {
      FailureOr<Value> v =
          ctx.buildInferred<px::MulOp>(c, scalar(ctx, beta, element));
      if (failed(v))
        return failure();
      c = *v;
    }
    FailureOr<Value> v = ctx.buildInferred<px::AddOp>(result, c);
    if (failed(v))
      return failure();
    result = *v;
  }
  ctx.setOutput(0, result);
  return success();
}

template <typename OpTy>
LogicalResult convertSoftmax(NodeContext &ctx) {
  Value input = ctx.input(0);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", -1), ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return setResult(ctx, ctx.build<OpTy>(input.getType(), input, *axis));
}

/// LayerNormalization's optional Mean and InvStdDev outputs (kept dims, in
/// the stash type): mean and 1/sqrt(var + eps) over the normalized dims.
LogicalResult convertLayerNormStats(NodeContext &ctx, int64_t axis,
                                    double epsilon) {
  Chain c(ctx);
  RankedTensorType type = ctx.inputType(0);
  Type stash = ctx.attrInt("stash_type", 1) == 1
                   ? Type(ctx.builder().getF32Type())
                   : type.getElementType();
  FailureOr<Value> x = castElements(ctx, ctx.input(0), stash);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(axis, type.getRank()));
  Value mean = c.inferred<px::ReduceOp>(px::ReduceKind::mean, *x, axes, true);
  Value diff = c.inferred<px::SubOp>(*x, mean);
  Value square = c.inferred<px::MulOp>(diff, diff);
  Value var =
      c.inferred<px::ReduceOp>(px::ReduceKind::mean, square, axes, true);
  Value shifted =
      c.inferred<px::AddOp>(var, c.failed() ? Value()
                                            : scalar(ctx, epsilon, stash));
  Value inv = c.typed<px::RsqrtOp>(shifted ? shifted.getType() : Type(),
                                   shifted);
  if (c.failed())
    return failure();
  ctx.setOutput(1, mean);
  ctx.setOutput(2, inv);
  return success();
}

LogicalResult convertLayerNorm(NodeContext &ctx) {
  Value input = ctx.input(0);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", -1), ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  double epsilon = ctx.attrFloat("epsilon", 1e-5f);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  if (failed(setResult(ctx, ctx.build<px::LayerNormOp>(
                                input.getType(), input, ctx.input(1), bias,
                                *axis, APFloat(epsilon)))))
    return failure();
  if (ctx.outputUsed(1) || ctx.outputUsed(2))
    return convertLayerNormStats(ctx, *axis, epsilon);
  return success();
}

LogicalResult convertGather(NodeContext &ctx) {
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", 0), ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return setResult(ctx, ctx.buildInferred<px::GatherOp>(
                            ctx.input(0), ctx.input(1), *axis));
}

/// Reshape, Flatten, Squeeze, Unsqueeze.
LogicalResult convertReshape(NodeContext &ctx) {
  FailureOr<SmallVector<int64_t>> shape = reshapedShape(ctx);
  if (failed(shape))
    return failure();
  return setResult(ctx, reshape(ctx, ctx.input(0), *shape));
}

LogicalResult convertTranspose(NodeContext &ctx) {
  FailureOr<SmallVector<int64_t>> perm =
      transposePerm(ctx, ctx.inputType(0).getRank());
  if (failed(perm))
    return failure();
  return setResult(ctx,
                   ctx.buildInferred<px::TransposeOp>(ctx.input(0), *perm));
}

LogicalResult convertExpand(NodeContext &ctx) {
  FailureOr<SmallVector<int64_t>> shape = expandShape(ctx);
  if (failed(shape))
    return failure();
  return setResult(ctx, ctx.build<px::ExpandOp>(
                            ctx.inputType(0).clone(*shape), ctx.input(0)));
}

LogicalResult convertConcat(NodeContext &ctx) {
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  if (inputs.empty())
    return ctx.emitError() << "needs at least one input";
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", 0), ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return setResult(ctx, ctx.buildInferred<px::ConcatOp>(inputs, *axis));
}

LogicalResult convertSplit(NodeContext &ctx) {
  RankedTensorType type = ctx.inputType(0);
  FailureOr<SplitParams> p = splitParams(ctx, type.getShape());
  if (failed(p))
    return failure();
  SmallVector<Type> types;
  for (int64_t size : p->sizes) {
    SmallVector<int64_t> shape(type.getShape());
    shape[p->axis] = size;
    types.push_back(type.clone(shape));
  }
  auto op = px::SplitOp::create(ctx.builder(), ctx.loc, types, ctx.input(0),
                                p->axis);
  if (failed(ctx.check(op)))
    return failure();
  for (auto [i, result] : llvm::enumerate(op.getResults()))
    ctx.setOutput(i, result);
  return success();
}

LogicalResult convertSlice(NodeContext &ctx) {
  FailureOr<SliceParams> p = sliceParams(ctx, ctx.inputType(0).getShape());
  if (failed(p))
    return failure();
  return setResult(ctx, ctx.buildInferred<px::SliceOp>(
                            ctx.input(0), p->offsets, p->sizes, p->strides));
}

LogicalResult convertTrilu(NodeContext &ctx) {
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    FailureOr<std::vector<int64_t>> kv = ctx.constantInts(1, "k");
    if (failed(kv))
      return failure();
    if (kv->size() != 1)
      return ctx.emitError() << "k must be a scalar";
    k = kv->front();
  }
  Value input = ctx.input(0);
  bool upper = ctx.attrInt("upper", 1);
  return setResult(ctx, ctx.build<px::TriluOp>(
                            input.getType(), input,
                            upper, k));
}

template <px::ReduceKind kind>
LogicalResult convertReduce(NodeContext &ctx) {
  bool noop;
  RankedTensorType type = ctx.inputType(0);
  FailureOr<SmallVector<int64_t>> axes =
      reduceAxes(ctx, type.getRank(), noop);
  if (failed(axes))
    return failure();
  if (noop)
    return convertIdentity(ctx);
  bool keep = ctx.attrInt("keepdims", 1);
  return setResult(ctx, ctx.buildInferred<px::ReduceOp>(
                            kind, ctx.input(0), *axes,
                            keep));
}

/// SoftmaxCrossEntropyLoss with class weights or the log_prob output, from
/// log_softmax, a one-hot selection and reductions (classes on dimension 1).
LogicalResult convertWeightedCrossEntropy(NodeContext &ctx,
                                          px::LossReduction reduction) {
  Chain c(ctx);
  RankedTensorType scoresType = ctx.inputType(0);
  RankedTensorType labelsType = ctx.inputType(1);
  Type element = scoresType.getElementType();
  Type labelElement = labelsType.getElementType();
  int64_t rank = scoresType.getRank(), classes = scoresType.getDimSize(1);

  Value logp = c.typed<px::LogSoftmaxOp>(scoresType, ctx.input(0), 1);
  // onehot[n, c, ...] = labels[n, ...] == c
  SmallVector<int64_t> iotaShape(rank, 1);
  iotaShape[1] = classes;
  std::vector<int64_t> iota(classes);
  for (int64_t i = 0; i < classes; ++i)
    iota[i] = i;
  DType labelDType = *fromMlirType(labelElement);
  Value classIds = px::ConstantOp::create(
      ctx.builder(), ctx.loc,
      HostTensor::fromInts(iotaShape, iota, labelDType).toAttr(ctx.context()));
  SmallVector<int64_t> expanded(labelsType.getShape());
  expanded.insert(expanded.begin() + 1, 1);
  Value labels = c.typed<px::ReshapeOp>(labelsType.clone(expanded),
                                        ctx.input(1));
  Value onehot =
      c.inferred<px::CompareOp>(px::CompareKind::eq, labels, classIds);
  Value picked = c.inferred<px::WhereOp>(onehot, logp, scalar(ctx, 0, element));
  Value sum = c.inferred<px::ReduceOp>(px::ReduceKind::sum, picked,
                                       ArrayRef<int64_t>{1}, false);
  Value loss = c.typed<px::NegOp>(sum ? sum.getType() : Type(), sum);

  // Per-sample weights: the class weight, zero where the label is ignored.
  Value weight;
  Value ignored;
  if (const onnx::AttributeProto *a = ctx.attr("ignore_index"))
    ignored = c.inferred<px::CompareOp>(px::CompareKind::eq, ctx.input(1),
                                        scalar(ctx, a->i(), labelElement));
  if (ctx.hasInput(2)) {
    Value safe = ctx.input(1);
    if (ignored)
      safe = c.inferred<px::WhereOp>(ignored, scalar(ctx, 0, labelElement),
                                     safe);
    weight = c.inferred<px::GatherOp>(ctx.input(2), safe, 0);
  }
  if (ignored)
    weight = c.inferred<px::WhereOp>(ignored, scalar(ctx, 0, element),
                                     weight ? weight
                                            : scalar(ctx, 1, element));
  if (weight)
    loss = c.inferred<px::MulOp>(loss, weight);
  if (c.failed())
    return failure();
  if (ctx.outputUsed(1))
    ctx.setOutput(1, logp);

  SmallVector<int64_t> all =
      llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  if (reduction == px::LossReduction::none) {
    ctx.setOutput(0, loss);
  } else if (reduction == px::LossReduction::sum || !weight) {
    px::ReduceKind kind = reduction == px::LossReduction::sum
                              ? px::ReduceKind::sum
                              : px::ReduceKind::mean;
    ctx.setOutput(0, c.inferred<px::ReduceOp>(kind, loss, all, false));
  } else {
    // ONNX's weighted mean divides by the total weight of the samples.
    Value total = c.inferred<px::ReduceOp>(px::ReduceKind::sum, loss, all,
                                           false);
    Value norm = c.inferred<px::ReduceOp>(px::ReduceKind::sum, weight, all,
                                          false);
    ctx.setOutput(0, c.inferred<px::DivOp>(total, norm));
  }
  return success(!c.failed());
}

LogicalResult convertCrossEntropy(NodeContext &ctx) {
  std::string reduction = ctx.attrString("reduction", "mean");
  px::LossReduction kind;
  if (reduction == "mean")
    kind = px::LossReduction::mean;
  else if (reduction == "sum")
    kind = px::LossReduction::sum;
  else if (reduction == "none")
    kind = px::LossReduction::none;
  else
    return ctx.emitError() << "unknown reduction '" << reduction << "'";
  int64_t rank = ctx.inputType(0).getRank();
  if (rank < 2)
    return ctx.emitError() << "scores must have rank >= 2";
  if (ctx.hasInput(2) || ctx.outputUsed(1))
    return convertWeightedCrossEntropy(ctx, kind);
  // px.cross_entropy wants the classes last; ONNX has them on dimension 1.
  Value scores = ctx.input(0);
  if (rank > 2) {
    SmallVector<int64_t> perm = {0};
    for (int64_t d = 2; d < rank; ++d)
      perm.push_back(d);
    perm.push_back(1);
    FailureOr<Value> t = ctx.buildInferred<px::TransposeOp>(scores, perm);
    if (failed(t))
      return failure();
    scores = *t;
  }
  IntegerAttr ignore;
  if (const onnx::AttributeProto *a = ctx.attr("ignore_index"))
    ignore = ctx.builder().getI64IntegerAttr(a->i());
  return setResult(ctx, ctx.buildInferred<px::CrossEntropyOp>(
                            scores, ctx.input(1), kind, ignore));
}

/// Constant sources (Constant, Range, ConstantOfShape, Shape, Size) are
/// always evaluated by the host folder; reaching here means an input is not
/// a constant.
LogicalResult convertConstantSource(NodeContext &ctx) {
  return ctx.emitError() << "inputs must be constants; pxc needs static "
                            "shapes (fix symbolic dimensions with --shape)";
}

} // namespace

const llvm::StringMap<Converter> &onnx_import::getConverters() {
  static const llvm::StringMap<Converter> converters = {
      {"Abs", convertUnary<px::AbsOp>},
      {"Add", convertBinary<px::AddOp>},
      {"And", convertBinary<px::AndOp>},
      {"Cast", convertCast},
      {"CastLike", convertCast},
      {"Clip", convertClip},
      {"Concat", convertConcat},
      {"Constant", convertConstantSource},
      {"ConstantOfShape", convertConstantSource},
      {"Cos", convertUnary<px::CosOp>},
      {"Div", convertBinary<px::DivOp>},
      {"Dropout", convertDropout},
      {"Equal", convertCompare<px::CompareKind::eq>},
      {"Erf", convertUnary<px::ErfOp>},
      {"Exp", convertUnary<px::ExpOp>},
      {"Expand", convertExpand},
      {"Flatten", convertReshape},
      {"Gather", convertGather},
      {"Gemm", convertGemm},
      {"Greater", convertCompare<px::CompareKind::gt>},
      {"GreaterOrEqual", convertCompare<px::CompareKind::ge>},
      {"Identity", convertIdentity},
      {"LayerNormalization", convertLayerNorm},
      {"Less", convertCompare<px::CompareKind::lt>},
      {"LessOrEqual", convertCompare<px::CompareKind::le>},
      {"Log", convertUnary<px::LogOp>},
      {"LogSoftmax", convertSoftmax<px::LogSoftmaxOp>},
      {"MatMul", convertMatMul},
      {"Max", convertVariadic<px::MaxOp>},
      {"Min", convertVariadic<px::MinOp>},
      {"Mul", convertBinary<px::MulOp>},
      {"Neg", convertUnary<px::NegOp>},
      {"Not", convertUnary<px::NotOp>},
      {"Or", convertBinary<px::OrOp>},
      {"Pow", convertPow},
      {"Range", convertConstantSource},
      {"Reciprocal", convertUnary<px::ReciprocalOp>},
      {"ReduceMax", convertReduce<px::ReduceKind::max>},
      {"ReduceMean", convertReduce<px::ReduceKind::mean>},
      {"ReduceMin", convertReduce<px::ReduceKind::min>},
      {"ReduceSum", convertReduce<px::ReduceKind::sum>},
      {"Relu", convertUnary<px::ReluOp>},
      {"Reshape", convertReshape},
      {"Shape", convertConstantSource},
      {"Sigmoid", convertUnary<px::SigmoidOp>},
      {"Sin", convertUnary<px::SinOp>},
      {"Size", convertConstantSource},
      {"Slice", convertSlice},
      {"Softmax", convertSoftmax<px::SoftmaxOp>},
      {"SoftmaxCrossEntropyLoss", convertCrossEntropy},
      {"Split", convertSplit},
      {"Sqrt", convertUnary<px::SqrtOp>},
      {"Squeeze", convertReshape},
      {"Sub", convertBinary<px::SubOp>},
      {"Sum", convertVariadic<px::AddOp>},
      {"Tanh", convertUnary<px::TanhOp>},
      {"Transpose", convertTranspose},
      {"Trilu", convertTrilu},
      {"Unsqueeze", convertReshape},
      {"Where", convertWhere},
  };
  return converters;
}

std::vector<std::string> pxc::getSupportedOnnxOps() {
  std::vector<std::string> ops;
  for (const auto &entry : onnx_import::getConverters())
    ops.push_back(entry.getKey().str());
  llvm::sort(ops);
  return ops;
}
