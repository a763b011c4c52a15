//===- Autodiff.cpp - VJP rules of the px ops (AutodiffInterface) ---------===//
//
// Every rule composes existing px ops, so the backward sweep is ordinary px
// IR that the SBP search distributes like the forward. Rules recompute the
// forward intermediates they need (layer_norm's mean and rstd, softmax's
// probabilities of cross_entropy) instead of keeping extra results.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/Autodiff.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <numeric>

using namespace pxc;
using namespace pxc::px;

//===----------------------------------------------------------------------===//
// VjpBuilder
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

bool px::isDifferentiable(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Backward ops carry the forward op's location fused with "px.vjp", so a
/// diagnostic in the backward points at the forward op that caused it.
static Location vjpLoc(Operation *op) {
  MLIRContext *ctx = op->getContext();
  return FusedLoc::get(ctx, {op->getLoc()}, StringAttr::get(ctx, "px.vjp"));
}

VjpBuilder::VjpBuilder(OpBuilder &builder, Operation *op)
    : b(builder), loc(vjpLoc(op)) {}

Value VjpBuilder::splat(RankedTensorType type, double value) {
  Type elt = type.getElementType();
  Attribute attr;
  if (isa<FloatType>(elt))
    attr = b.getFloatAttr(elt, value);
  else
    attr = b.getIntegerAttr(elt, static_cast<int64_t>(value));
  return ConstantOp::create(b, loc, DenseElementsAttr::get(type, attr));
}

Value VjpBuilder::scalarLike(Value like, double value) {
  return splat(RankedTensorType::get({}, tensorType(like).getElementType()),
               value);
}

Value VjpBuilder::zerosLike(Value like) { return splat(tensorType(like), 0.0); }

Value VjpBuilder::iota(int64_t n, Type elt, ArrayRef<int64_t> shape) {
  SmallVector<APInt> values;
  unsigned width = elt.getIntOrFloatBitWidth();
  for (int64_t i = 0; i < n; ++i)
    values.push_back(APInt(width, i, /*isSigned=*/true));
  return ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(shape, elt), values));
}

Value VjpBuilder::add(Value lhs, Value rhs) {
  return AddOp::create(b, loc, lhs, rhs);
}
Value VjpBuilder::sub(Value lhs, Value rhs) {
  return SubOp::create(b, loc, lhs, rhs);
}
Value VjpBuilder::mul(Value lhs, Value rhs) {
  return MulOp::create(b, loc, lhs, rhs);
}
Value VjpBuilder::div(Value lhs, Value rhs) {
  return DivOp::create(b, loc, lhs, rhs);
}
Value VjpBuilder::mulScalar(Value x, double value) {
  return mul(x, scalarLike(x, value));
}
Value VjpBuilder::neg(Value x) { return NegOp::create(b, loc, x.getType(), x); }

Value VjpBuilder::compare(CompareKind kind, Value lhs, Value rhs) {
  return CompareOp::create(b, loc, CompareKindAttr::get(b.getContext(), kind),
                           lhs, rhs);
}

Value VjpBuilder::select(Value cond, Value lhs, Value rhs) {
  return WhereOp::create(b, loc, cond, lhs, rhs);
}

Value VjpBuilder::castTo(Value x, Type elt) {
  RankedTensorType type = tensorType(x);
  if (type.getElementType() == elt)
    return x;
  return CastOp::create(b, loc, type.clone(elt), x);
}

Value VjpBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  RankedTensorType type = tensorType(x);
  if (type.getShape() == shape)
    return x;
  return ReshapeOp::create(b, loc, type.clone(shape), x);
}

Value VjpBuilder::expand(Value x, RankedTensorType type) {
  if (x.getType() == type)
    return x;
  return ExpandOp::create(b, loc, type, x);
}

Value VjpBuilder::transpose(Value x, ArrayRef<int64_t> perm) {
  return TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr(perm));
}

Value VjpBuilder::transposeLast2(Value x) {
  int64_t rank = tensorType(x).getRank();
  SmallVector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return transpose(x, perm);
}

Value VjpBuilder::reduce(ReduceKind kind, Value x, ArrayRef<int64_t> axes,
                         bool keepdims) {
  if (axes.empty())
    return x;
  return ReduceOp::create(b, loc, ReduceKindAttr::get(b.getContext(), kind), x,
                          b.getDenseI64ArrayAttr(axes),
                          keepdims ? b.getUnitAttr() : nullptr);
}

Value VjpBuilder::sumTo(Value g, RankedTensorType type) {
  ArrayRef<int64_t> from = tensorType(g).getShape();
  ArrayRef<int64_t> to = type.getShape();
  int64_t lead = from.size() - to.size();
  // Dims that numpy broadcasting added (leading) or stretched from 1.
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < static_cast<int64_t>(from.size()); ++d)
    if (d < lead || (to[d - lead] == 1 && from[d] != 1))
      axes.push_back(d);
  Value sum = reduce(ReduceKind::sum, g, axes, /*keepdims=*/false);
  return reshape(sum, to);
}

Value VjpBuilder::matmul(Value lhs, Value rhs) {
  return MatmulOp::create(b, loc, lhs, rhs);
}

Value VjpBuilder::unary(StringRef name, Value x) {
  OperationState state(loc, ("px." + name).str());
  state.addOperands(x);
  state.addTypes(x.getType());
  return b.create(state)->getResult(0);
}

Value VjpBuilder::scatterAdd(Value g, Value indices, int64_t axis,
                             RankedTensorType dataType) {
  return ScatterAddOp::create(b, loc, dataType, g, indices,
                              b.getI64IntegerAttr(axis));
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Sizes operandGrads to the op's operands, all null.
static void resetGrads(Operation *op, SmallVectorImpl<Value> &operandGrads) {
  operandGrads.assign(op->getNumOperands(), Value());
}

/// `shape` with `axes` set to 1.
static SmallVector<int64_t> keptShape(ArrayRef<int64_t> shape,
                                      ArrayRef<int64_t> axes) {
  SmallVector<int64_t> kept(shape);
  for (int64_t axis : axes)
    kept[axis] = 1;
  return kept;
}

/// [from, rank).
static SmallVector<int64_t> trailingAxes(int64_t from, int64_t rank) {
  SmallVector<int64_t> axes(rank - from);
  std::iota(axes.begin(), axes.end(), from);
  return axes;
}

/// Elementwise binary ops: the local derivative of each operand (in the
/// broadcast shape), then summed back to the operand's shape.
static LogicalResult binaryVjp(Operation *op, OpBuilder &builder,
                               ArrayRef<Value> resultGrads,
                               ArrayRef<bool> operandNeeded,
                               SmallVectorImpl<Value> &operandGrads) {
  resetGrads(op, operandGrads);
  Value g = resultGrads[0];
  Value out = op->getResult(0);
  if (!g || !isDifferentiable(out))
    return success();
  VjpBuilder vb(builder, op);
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Value dl, dr;
  bool needL = operandNeeded[0], needR = operandNeeded[1];
  if (isa<AddOp>(op)) {
    dl = g;
    dr = g;
  } else if (isa<SubOp>(op)) {
    dl = g;
    if (needR)
      dr = vb.neg(g);
  } else if (isa<MulOp>(op)) {
    if (needL)
      dl = vb.mul(g, rhs);
    if (needR)
      dr = vb.mul(g, lhs);
  } else if (isa<DivOp>(op)) {
    // d(l/r)/dr = -(l/r)/r.
    if (needL)
      dl = vb.div(g, rhs);
    if (needR)
      dr = vb.neg(vb.div(vb.mul(g, out), rhs));
  } else if (isa<PowOp>(op)) {
    // d(l^r)/dl = r l^(r-1); d(l^r)/dr = l^r ln l.
    if (needL) {
      Value rm1 = vb.sub(rhs, vb.scalarLike(rhs, 1.0));
      dl = vb.mul(vb.mul(g, rhs), PowOp::create(builder, vb.loc, lhs, rm1));
    }
    if (needR)
      dr = vb.mul(vb.mul(g, out), vb.unary("log", lhs));
  } else if (isa<MaxOp, MinOp>(op)) {
    // Ties go to the left operand.
    Value pick = vb.compare(isa<MaxOp>(op) ? CompareKind::ge : CompareKind::le,
                            lhs, rhs);
    Value zero = vb.scalarLike(g, 0.0);
    if (needL)
      dl = vb.select(pick, g, zero);
    if (needR)
      dr = vb.select(pick, zero, g);
  } else {
    return op->emitOpError("has no VJP rule");
  }
  if (needL && dl)
    operandGrads[0] = vb.sumTo(dl, tensorType(lhs));
  if (needR && dr)
    operandGrads[1] = vb.sumTo(dr, tensorType(rhs));
  return success();
}

/// Ops without differentiable operands or results (logical ops).
static LogicalResult noVjp(Operation *op, SmallVectorImpl<Value> &grads) {
  resetGrads(op, grads);
  return success();
}

#define PX_BINARY_VJP(Op)                                                      \
  LogicalResult Op::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,  \
                             ArrayRef<bool> operandNeeded,                     \
                             SmallVectorImpl<Value> &operandGrads) {           \
    return binaryVjp(*this, builder, resultGrads, operandNeeded,               \
                     operandGrads);                                            \
  }
PX_BINARY_VJP(AddOp)
PX_BINARY_VJP(SubOp)
PX_BINARY_VJP(MulOp)
PX_BINARY_VJP(DivOp)
PX_BINARY_VJP(PowOp)
PX_BINARY_VJP(MaxOp)
PX_BINARY_VJP(MinOp)
#undef PX_BINARY_VJP

#define PX_NO_VJP(Op)                                                          \
  LogicalResult Op::buildVjp(OpBuilder &, ArrayRef<Value>, ArrayRef<bool>,     \
                             SmallVectorImpl<Value> &operandGrads) {           \
    return noVjp(*this, operandGrads);                                         \
  }
PX_NO_VJP(AndOp)
PX_NO_VJP(OrOp)
PX_NO_VJP(NotOp)
PX_NO_VJP(CompareOp)
#undef PX_NO_VJP

//===----------------------------------------------------------------------===//
// Unary math
//===----------------------------------------------------------------------===//

/// d op(x) / dx times g, for the unary float ops; `y` is op(x).
static Value unaryDerivative(Operation *op, VjpBuilder &vb, Value x, Value y,
                             Value g) {
  return TypeSwitch<Operation *, Value>(op)
      .Case([&](NegOp) { return vb.neg(g); })
      .Case([&](AbsOp) {
        // sign(x), 0 at 0 (as PyTorch).
        Value zero = vb.scalarLike(x, 0.0);
        Value inner = vb.select(vb.compare(CompareKind::lt, x, zero), vb.neg(g),
                                vb.scalarLike(g, 0.0));
        return vb.select(vb.compare(CompareKind::gt, x, zero), g, inner);
      })
      .Case([&](ExpOp) { return vb.mul(g, y); })
      .Case([&](LogOp) { return vb.div(g, x); })
      .Case([&](SqrtOp) { return vb.div(vb.mulScalar(g, 0.5), y); })
      .Case([&](RsqrtOp) {
        // d x^-1/2 = -1/2 x^-3/2 = -1/2 y / x.
        return vb.div(vb.mul(vb.mulScalar(g, -0.5), y), x);
      })
      .Case([&](ReciprocalOp) { return vb.neg(vb.mul(g, vb.mul(y, y))); })
      .Case([&](TanhOp) {
        return vb.mul(g, vb.sub(vb.scalarLike(y, 1.0), vb.mul(y, y)));
      })
      .Case([&](ErfOp) {
        // 2/sqrt(pi) e^(-x^2).
        Value e = vb.unary("exp", vb.neg(vb.mul(x, x)));
        return vb.mul(vb.mulScalar(g, 2.0 / std::sqrt(M_PI)), e);
      })
      .Case([&](SinOp) { return vb.mul(g, vb.unary("cos", x)); })
      .Case([&](CosOp) { return vb.neg(vb.mul(g, vb.unary("sin", x))); })
      .Case([&](ReluOp) {
        Value positive = vb.compare(CompareKind::gt, x, vb.scalarLike(x, 0.0));
        return vb.select(positive, g, vb.scalarLike(g, 0.0));
      })
      .Case([&](SigmoidOp) {
        return vb.mul(vb.mul(g, y), vb.sub(vb.scalarLike(y, 1.0), y));
      })
      .Default([](Operation *) { return Value(); });
}

static LogicalResult unaryVjp(Operation *op, OpBuilder &builder,
                              ArrayRef<Value> resultGrads,
                              ArrayRef<bool> operandNeeded,
                              SmallVectorImpl<Value> &operandGrads) {
  resetGrads(op, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0] || !isDifferentiable(op->getResult(0)))
    return success();
  VjpBuilder vb(builder, op);
  Value grad = unaryDerivative(op, vb, op->getOperand(0), op->getResult(0), g);
  if (!grad)
    return op->emitOpError("has no VJP rule");
  operandGrads[0] = grad;
  return success();
}

#define PX_UNARY_VJP(Op)                                                       \
  LogicalResult Op::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,  \
                             ArrayRef<bool> operandNeeded,                     \
                             SmallVectorImpl<Value> &operandGrads) {           \
    return unaryVjp(*this, builder, resultGrads, operandNeeded, operandGrads); \
  }
PX_UNARY_VJP(NegOp)
PX_UNARY_VJP(AbsOp)
PX_UNARY_VJP(ExpOp)
PX_UNARY_VJP(LogOp)
PX_UNARY_VJP(SqrtOp)
PX_UNARY_VJP(RsqrtOp)
PX_UNARY_VJP(ReciprocalOp)
PX_UNARY_VJP(TanhOp)
PX_UNARY_VJP(ErfOp)
PX_UNARY_VJP(SinOp)
PX_UNARY_VJP(CosOp)
PX_UNARY_VJP(ReluOp)
PX_UNARY_VJP(SigmoidOp)
#undef PX_UNARY_VJP

LogicalResult GeluOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               ArrayRef<bool> operandNeeded,
                               SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  Value x = getInput();
  Value one = vb.scalarLike(x, 1.0);
  Value dydx;
  if (getApproximate() == GeluApprox::tanh) {
    // y = x/2 (1 + t), t = tanh(c (x + a x^3)):
    // dy/dx = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 a x^2).
    const double c = std::sqrt(2.0 / M_PI), a = 0.044715;
    Value x2 = vb.mul(x, x);
    Value inner = vb.mulScalar(vb.add(x, vb.mulScalar(vb.mul(x2, x), a)), c);
    Value t = vb.unary("tanh", inner);
    Value left = vb.mulScalar(vb.add(one, t), 0.5);
    Value dInner = vb.mulScalar(vb.add(one, vb.mulScalar(x2, 3 * a)), c);
    Value right =
        vb.mul(vb.mul(vb.mulScalar(x, 0.5), vb.sub(one, vb.mul(t, t))), dInner);
    dydx = vb.add(left, right);
  } else {
    // y = x Phi(x): dy/dx = Phi(x) + x phi(x).
    Value cdf = vb.mulScalar(
        vb.add(one, vb.unary("erf", vb.mulScalar(x, M_SQRT1_2))), 0.5);
    Value pdf = vb.mulScalar(vb.unary("exp", vb.mulScalar(vb.mul(x, x), -0.5)),
                             1.0 / std::sqrt(2.0 * M_PI));
    dydx = vb.add(cdf, vb.mul(x, pdf));
  }
  operandGrads[0] = vb.mul(g, dydx);
  return success();
}

LogicalResult CastOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               ArrayRef<bool> operandNeeded,
                               SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  // Only float -> float casts pass a gradient (integers are constant).
  if (!g || !operandNeeded[0] || !isDifferentiable(getInput()) ||
      !isDifferentiable(getResult()))
    return success();
  VjpBuilder vb(builder, *this);
  operandGrads[0] = vb.castTo(g, getInput().getType().getElementType());
  return success();
}

LogicalResult WhereOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                ArrayRef<bool> operandNeeded,
                                SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !isDifferentiable(getResult()))
    return success();
  VjpBuilder vb(builder, *this);
  Value zero = vb.scalarLike(g, 0.0);
  if (operandNeeded[1])
    operandGrads[1] =
        vb.sumTo(vb.select(getCondition(), g, zero), getLhs().getType());
  if (operandNeeded[2])
    operandGrads[2] =
        vb.sumTo(vb.select(getCondition(), zero, g), getRhs().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g)
    return success();
  VjpBuilder vb(builder, *this);
  // Broadcast batch dims are summed back by sumTo.
  if (operandNeeded[0])
    operandGrads[0] =
        vb.sumTo(vb.matmul(g, vb.transposeLast2(getRhs())), getLhs().getType());
  if (operandNeeded[1])
    operandGrads[1] =
        vb.sumTo(vb.matmul(vb.transposeLast2(getLhs()), g), getRhs().getType());
  return success();
}

LogicalResult LinearOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g)
    return success();
  VjpBuilder vb(builder, *this);
  Value x = getInput(), w = getWeight();
  RankedTensorType xType = getInput().getType();
  bool transposed = getTransposeW();
  if (operandNeeded[0]) {
    // dx = g W^T: a linear with the other weight layout.
    operandGrads[0] =
        LinearOp::create(builder, vb.loc, xType, g, w, /*bias=*/Value(),
                         transposed ? UnitAttr() : builder.getUnitAttr());
  }
  if (operandNeeded[1]) {
    int64_t k = xType.getShape().back();
    int64_t n = getType().getShape().back();
    int64_t rows = xType.getNumElements() / std::max<int64_t>(k, 1);
    Value x2 = vb.reshape(x, {rows, k});
    Value g2 = vb.reshape(g, {rows, n});
    operandGrads[1] = transposed ? vb.matmul(vb.transposeLast2(g2), x2)
                                 : vb.matmul(vb.transposeLast2(x2), g2);
  }
  if (getBias() && operandNeeded[2])
    operandGrads[2] = vb.sumTo(g, getBias().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildVjp(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  ArrayRef<bool> operandNeeded,
                                  SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  // dx = y (g - sum(g y)).
  Value y = getResult();
  int64_t axis = getAxis();
  Value dot = vb.reduce(ReduceKind::sum, vb.mul(g, y), {axis}, true);
  operandGrads[0] = vb.mul(y, vb.sub(g, dot));
  return success();
}

LogicalResult LogSoftmaxOp::buildVjp(OpBuilder &builder,
                                     ArrayRef<Value> resultGrads,
                                     ArrayRef<bool> operandNeeded,
                                     SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  // dx = g - softmax(x) sum(g).
  int64_t axis = getAxis();
  Value sum = vb.reduce(ReduceKind::sum, g, {axis}, true);
  operandGrads[0] = vb.sub(g, vb.mul(vb.unary("exp", getResult()), sum));
  return success();
}

/// Shared by layer_norm and rms_norm. `xhat` is the normalized input,
/// `rstd` 1/sqrt(var + eps) (kept dims), `centered` whether the mean was
/// subtracted (layer_norm).
static Value normInputGrad(VjpBuilder &vb, Value gy, Value xhat, Value rstd,
                           ArrayRef<int64_t> axes, bool centered) {
  Value proj =
      vb.mul(xhat, vb.reduce(ReduceKind::mean, vb.mul(gy, xhat), axes, true));
  Value inner = vb.sub(gy, proj);
  if (centered)
    inner = vb.sub(inner, vb.reduce(ReduceKind::mean, gy, axes, true));
  return vb.mul(rstd, inner);
}

LogicalResult LayerNormOp::buildVjp(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> operandNeeded,
                                    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g)
    return success();
  VjpBuilder vb(builder, *this);
  Value x = getInput();
  SmallVector<int64_t> axes = trailingAxes(getAxis(), getType().getRank());
  Value mean = vb.reduce(ReduceKind::mean, x, axes, true);
  Value centered = vb.sub(x, mean);
  Value var =
      vb.reduce(ReduceKind::mean, vb.mul(centered, centered), axes, true);
  Value rstd = vb.unary(
      "rsqrt", vb.add(var, vb.scalarLike(var, getEpsilon().convertToDouble())));
  Value xhat = vb.mul(centered, rstd);
  unsigned scaleIndex = getODSOperandIndexAndLength(1).first;
  unsigned biasIndex = getODSOperandIndexAndLength(2).first;
  if (operandNeeded[0]) {
    Value gy = getScale() ? vb.mul(g, getScale()) : g;
    operandGrads[0] = normInputGrad(vb, gy, xhat, rstd, axes, true);
  }
  if (getScale() && operandNeeded[scaleIndex])
    operandGrads[scaleIndex] = vb.sumTo(vb.mul(g, xhat), getScale().getType());
  if (getBias() && operandNeeded[biasIndex])
    operandGrads[biasIndex] = vb.sumTo(g, getBias().getType());
  return success();
}

LogicalResult RmsNormOp::buildVjp(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  ArrayRef<bool> operandNeeded,
                                  SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g)
    return success();
  VjpBuilder vb(builder, *this);
  Value x = getInput();
  SmallVector<int64_t> axes = trailingAxes(getAxis(), getType().getRank());
  Value ms = vb.reduce(ReduceKind::mean, vb.mul(x, x), axes, true);
  Value rstd = vb.unary(
      "rsqrt", vb.add(ms, vb.scalarLike(ms, getEpsilon().convertToDouble())));
  Value xhat = vb.mul(x, rstd);
  if (operandNeeded[0]) {
    Value gy = getScale() ? vb.mul(g, getScale()) : g;
    operandGrads[0] = normInputGrad(vb, gy, xhat, rstd, axes, false);
  }
  if (getScale() && operandNeeded[1])
    operandGrads[1] = vb.sumTo(vb.mul(g, xhat), getScale().getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  operandGrads[0] =
      vb.scatterAdd(g, getIndices(), getAxis(), getData().getType());
  return success();
}

LogicalResult ScatterAddOp::buildVjp(OpBuilder &builder,
                                     ArrayRef<Value> resultGrads,
                                     ArrayRef<bool> operandNeeded,
                                     SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  // Linear in the updates: each reads back the row it was added to.
  operandGrads[0] = GatherOp::create(builder, vb.loc, getUpdates().getType(), g,
                                     getIndices(), getAxisAttr());
  return success();
}

LogicalResult ReshapeOp::buildVjp(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  ArrayRef<bool> operandNeeded,
                                  SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  operandGrads[0] = vb.reshape(g, getInput().getType().getShape());
  return success();
}

LogicalResult TransposeOp::buildVjp(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> operandNeeded,
                                    SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  operandGrads[0] = vb.transpose(g, inverse);
  return success();
}

LogicalResult ExpandOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  operandGrads[0] = vb.sumTo(g, getInput().getType());
  return success();
}

LogicalResult ConcatOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || llvm::none_of(operandNeeded, [](bool b) { return b; }))
    return success();
  VjpBuilder vb(builder, *this);
  // One split of the cotangent into the operands' pieces.
  auto split = SplitOp::create(builder, vb.loc, getInputs().getTypes(), g,
                               getAxisAttr());
  for (auto [i, piece] : llvm::enumerate(split.getResults()))
    if (operandNeeded[i])
      operandGrads[i] = piece;
  return success();
}

LogicalResult SplitOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                ArrayRef<bool> operandNeeded,
                                SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  if (!operandNeeded[0] || !isDifferentiable(getInput()))
    return success();
  VjpBuilder vb(builder, *this);
  SmallVector<Value> pieces;
  for (auto [result, grad] : llvm::zip(getResults(), resultGrads))
    pieces.push_back(grad ? grad : vb.zerosLike(result));
  operandGrads[0] = ConcatOp::create(builder, vb.loc, getInput().getType(),
                                     pieces, getAxisAttr());
  return success();
}

/// Scatters the cotangent of one dim `dim` of a strided slice back into an
/// input-sized dim of `size` (zeros where nothing was read).
static Value unsliceDim(VjpBuilder &vb, Value g, int64_t dim, int64_t size,
                        int64_t offset, int64_t stride) {
  RankedTensorType type = tensorType(g);
  int64_t count = type.getDimSize(dim);
  int64_t start = offset;
  if (stride < 0) {
    // Reverse so that the pieces run forward from the lowest index read.
    SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
    offsets[dim] = count - 1;
    strides[dim] = -1;
    g = SliceOp::create(vb.b, vb.loc, g, vb.b.getDenseI64ArrayAttr(offsets),
                        vb.b.getDenseI64ArrayAttr(type.getShape()),
                        vb.b.getDenseI64ArrayAttr(strides));
    start = offset + (count - 1) * stride;
    stride = -stride;
  }
  int64_t length = count;
  if (stride > 1) {
    // Interleave stride-1 zeros after each element: [.., n, ..] ->
    // [.., n, 1, ..] ++ zeros [.., n, s-1, ..] -> [.., n*s, ..], cut to
    // (n-1)*s+1.
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<int64_t> unsq(shape);
    unsq.insert(unsq.begin() + dim + 1, 1);
    SmallVector<int64_t> zshape(shape);
    zshape.insert(zshape.begin() + dim + 1, stride - 1);
    Value zeros = vb.splat(type.clone(zshape), 0.0);
    SmallVector<int64_t> catShape(shape);
    catShape.insert(catShape.begin() + dim + 1, stride);
    Value cat = ConcatOp::create(vb.b, vb.loc, type.clone(catShape),
                                 ValueRange{vb.reshape(g, unsq), zeros},
                                 vb.b.getI64IntegerAttr(dim + 1));
    shape[dim] = count * stride;
    g = vb.reshape(cat, shape);
    length = (count - 1) * stride + 1;
    if (length < count * stride) {
      SmallVector<int64_t> offsets(shape.size(), 0), strides(shape.size(), 1);
      SmallVector<int64_t> sizes(shape);
      sizes[dim] = length;
      g = SliceOp::create(vb.b, vb.loc, g, vb.b.getDenseI64ArrayAttr(offsets),
                          vb.b.getDenseI64ArrayAttr(sizes),
                          vb.b.getDenseI64ArrayAttr(strides));
    }
  }
  // Pad with zeros before and after.
  SmallVector<Value> pieces;
  RankedTensorType cur = tensorType(g);
  auto zerosOf = [&](int64_t n) {
    SmallVector<int64_t> shape(cur.getShape());
    shape[dim] = n;
    return vb.splat(cur.clone(shape), 0.0);
  };
  if (start > 0)
    pieces.push_back(zerosOf(start));
  pieces.push_back(g);
  if (size - start - length > 0)
    pieces.push_back(zerosOf(size - start - length));
  if (pieces.size() == 1)
    return g;
  SmallVector<int64_t> shape(cur.getShape());
  shape[dim] = size;
  return ConcatOp::create(vb.b, vb.loc, cur.clone(shape), pieces,
                          vb.b.getI64IntegerAttr(dim));
}

LogicalResult SliceOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                ArrayRef<bool> operandNeeded,
                                SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  RankedTensorType in = getInput().getType();
  if (getType().getNumElements() == 0) {
    operandGrads[0] = vb.splat(in, 0.0);
    return success();
  }
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t stride = getStrides()[d];
    if (stride == 1 && getSizes()[d] == in.getDimSize(d))
      continue;
    g = unsliceDim(vb, g, d, in.getDimSize(d), getOffsets()[d], stride);
  }
  operandGrads[0] = g;
  return success();
}

LogicalResult TriluOp::buildVjp(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                ArrayRef<bool> operandNeeded,
                                SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  // The mask is its own adjoint.
  operandGrads[0] = TriluOp::create(builder, vb.loc, g.getType(), g,
                                    getUpperAttr(), getKAttr());
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::buildVjp(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 ArrayRef<bool> operandNeeded,
                                 SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0] || !isDifferentiable(getResult()))
    return success();
  VjpBuilder vb(builder, *this);
  RankedTensorType in = getInput().getType();
  SmallVector<int64_t> kept = keptShape(in.getShape(), getAxes());
  Value gk = vb.reshape(g, kept);
  switch (getKind()) {
  case ReduceKind::sum:
    operandGrads[0] = vb.expand(gk, in);
    break;
  case ReduceKind::mean: {
    int64_t count = in.getNumElements() / std::max<int64_t>(product(kept), 1);
    operandGrads[0] = vb.expand(vb.mulScalar(gk, 1.0 / count), in);
    break;
  }
  case ReduceKind::max:
  case ReduceKind::min: {
    // Split evenly between ties (as torch.amax).
    Value yk = vb.reshape(getResult(), kept);
    Value hit = vb.castTo(vb.compare(CompareKind::eq, getInput(), yk),
                          in.getElementType());
    Value ties = vb.reduce(ReduceKind::sum, hit, getAxes(), true);
    operandGrads[0] = vb.mul(hit, vb.div(gk, ties));
    break;
  }
  }
  return success();
}

LogicalResult CrossEntropyOp::buildVjp(OpBuilder &builder,
                                       ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> operandNeeded,
                                       SmallVectorImpl<Value> &operandGrads) {
  resetGrads(*this, operandGrads);
  Value g = resultGrads[0];
  if (!g || !operandNeeded[0])
    return success();
  VjpBuilder vb(builder, *this);
  RankedTensorType logits = getLogits().getType();
  Type elt = logits.getElementType();
  Value labels = getLabels();
  ArrayRef<int64_t> lead = getLabels().getType().getShape();
  int64_t classes = logits.getShape().back();
  SmallVector<int64_t> column(lead);
  column.push_back(1);
  // dlogits = (softmax(logits) - onehot(labels)) * weight, where weight is
  // the result's cotangent per label (divided by the count for a mean) and 0
  // for ignored labels.
  Value probs =
      SoftmaxOp::create(builder, vb.loc, logits, getLogits(),
                        builder.getI64IntegerAttr(logits.getRank() - 1));
  Type labelElt = getLabels().getType().getElementType();
  Value classIds = vb.iota(classes, labelElt, {classes});
  Value onehot = vb.castTo(
      vb.compare(CompareKind::eq, vb.reshape(labels, column), classIds), elt);
  Value weight = g;
  Value valid;
  if (std::optional<int64_t> ignore = getIgnoreIndex()) {
    Value ignored = vb.scalarLike(labels, static_cast<double>(*ignore));
    valid = vb.castTo(vb.compare(CompareKind::ne, labels, ignored), elt);
  }
  if (getReduction() == LossReduction::mean) {
    Value count =
        valid ? vb.reduce(ReduceKind::sum, valid,
                          trailingAxes(0, static_cast<int64_t>(lead.size())),
                          false)
              : vb.scalarLike(g, static_cast<double>(product(lead)));
    weight = vb.div(weight, count);
  }
  if (valid)
    weight = vb.mul(weight, valid);
  // A per-label weight needs the class dim; a scalar broadcasts as it is.
  if (tensorType(weight).getRank() != 0)
    weight = vb.reshape(weight, column);
  operandGrads[0] = vb.mul(vb.sub(probs, onehot), weight);
  return success();
}
