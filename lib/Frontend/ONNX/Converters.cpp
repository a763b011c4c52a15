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
  Value base = ctx.input(0);
  // ONNX allows an exponent of another type; px computes in the base type.
  FailureOr<Value> exponent = castElements(
      ctx, ctx.input(1), ctx.inputType(0).getElementType());
  if (failed(exponent))
    return failure();
  return setResult(ctx, ctx.buildInferred<px::PowOp>(base, *exponent));
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
  // Inference semantics: the identity, and an all-true mask.
  if (ctx.hasInput(2)) {
    const HostTensor *training = ctx.constantInput(2);
    if (!training || training->getInt(0))
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

LogicalResult convertLayerNorm(NodeContext &ctx) {
  if (ctx.outputUsed(1) || ctx.outputUsed(2))
    return ctx.emitError() << "the Mean and InvStdDev outputs are not "
                              "supported";
  Value input = ctx.input(0);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.attrInt("axis", -1), ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  return setResult(ctx, ctx.build<px::LayerNormOp>(
                            input.getType(), input, ctx.input(1), bias, *axis,
                            APFloat(double(ctx.attrFloat("epsilon", 1e-5f)))));
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

LogicalResult convertCrossEntropy(NodeContext &ctx) {
  if (ctx.hasInput(2))
    return ctx.emitError() << "class weights are not supported";
  if (ctx.outputUsed(1))
    return ctx.emitError() << "the log_prob output is not supported";
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
  // ONNX puts classes on dimension 1; px on the last one.
  Value scores = ctx.input(0);
  int64_t rank = ctx.inputType(0).getRank();
  if (rank < 2)
    return ctx.emitError() << "scores must have rank >= 2";
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
