//===- PxOps.cpp - px operations: type inference, verifiers, folders ------===//

#include "pxc/Dialect/Px/PxOps.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "pxc/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace pxc;
using namespace pxc::px;

/// "2x3x4" (or "scalar" for rank 0), for diagnostics.
static std::string shapeStr(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleave(shape, os, "x");
  return out;
}

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

LogicalResult px::inferBroadcastType(std::optional<Location> loc,
                                     ValueRange operands, Type elementType,
                                     SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> shape;
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type)
      return emitOptionalError(loc, "operand #", i, " is not a ranked tensor");
    if (i == 0) {
      shape.assign(type.getShape().begin(), type.getShape().end());
      continue;
    }
    SmallVector<int64_t> joined;
    if (!OpTrait::util::getBroadcastedShape(shape, type.getShape(), joined))
      return emitOptionalError(
          loc, "operand shapes are not broadcastable: ", shapeStr(shape),
          " vs ", shapeStr(type.getShape()));
    shape = std::move(joined);
  }
  if (!elementType)
    elementType = tensorType(operands.back()).getElementType();
  types.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

//===----------------------------------------------------------------------===//
// MeshOp
//===----------------------------------------------------------------------===//

LogicalResult MeshOp::verify() {
  ArrayRef<int64_t> shape = getShape();
  if (shape.empty())
    return emitOpError("needs at least one axis");
  for (auto [i, size] : llvm::enumerate(shape))
    if (size <= 0)
      return emitOpError("axis ") << i << " has non-positive size " << size;
  std::optional<ArrayAttr> axes = getAxes();
  if (!axes)
    return success();
  if (axes->size() != shape.size())
    return emitOpError("has ")
           << shape.size() << " axes but " << axes->size() << " axis names";
  llvm::SmallSet<StringRef, 4> seen;
  for (StringRef name : axes->getAsValueRange<StringAttr>())
    if (name.empty() || !seen.insert(name).second)
      return emitOpError("axis names must be non-empty and unique, got '")
             << name << "'";
  return success();
}

int64_t MeshOp::getNumDevices() {
  int64_t n = 1;
  for (int64_t size : getShape())
    n *= size;
  return n;
}

std::string MeshOp::getAxisName(unsigned i) {
  if (std::optional<ArrayAttr> axes = getAxes())
    return cast<StringAttr>((*axes)[i]).str();
  return "axis" + std::to_string(i);
}

//===----------------------------------------------------------------------===//
// ParameterOp, ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ParameterOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty name");
  std::optional<Attribute> init = getInit();
  if (!init)
    return success();
  // In a per-rank function the result is this rank's piece; the initial
  // value describes the whole parameter.
  RankedTensorType type = getType();
  if (auto global =
          (*this)->getAttrOfType<TypeAttr>(PxDialect::kGlobalTypeAttrName))
    type = cast<RankedTensorType>(global.getValue());
  if (auto elements = dyn_cast<ElementsAttr>(*init)) {
    if (elements.getType() != type)
      return emitOpError("initial value has type ")
             << elements.getType() << " but the parameter is " << type;
    return success();
  }
  if (auto external = dyn_cast<ExternalDataAttr>(*init)) {
    uint64_t bytes = type.getNumElements() *
                     llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    if (external.getSize() != bytes)
      return emitOpError("external data holds ")
             << external.getSize() << " bytes but " << type << " needs "
             << bytes;
    return success();
  }
  if (auto initializer = dyn_cast<InitializerAttr>(*init)) {
    bool random = initializer.getKind() == InitKind::normal ||
                  initializer.getKind() == InitKind::uniform;
    if (random && !isa<FloatType>(type.getElementType()))
      return emitOpError("random initializer needs a float parameter, got ")
             << type;
    return success();
  }
  return emitOpError("init must be dense elements, #px.external or #px.init");
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType lhs = tensorType(adaptor.getLhs());
  RankedTensorType rhs = tensorType(adaptor.getRhs());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return emitOptionalError(loc, "operands need rank >= 2, got ",
                             shapeStr(lhs.getShape()), " and ",
                             shapeStr(rhs.getShape()));
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "operand element types differ");
  ArrayRef<int64_t> l = lhs.getShape(), r = rhs.getShape();
  if (l.back() != r[r.size() - 2])
    return emitOptionalError(loc, "contracting dimensions differ: lhs ",
                             shapeStr(l), " has K = ", l.back(), ", rhs ",
                             shapeStr(r), " has K = ", r[r.size() - 2]);
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(l.drop_back(2), r.drop_back(2),
                                          shape))
    return emitOptionalError(loc, "batch dimensions are not broadcastable: ",
                             shapeStr(l), " vs ", shapeStr(r));
  shape.push_back(l[l.size() - 2]);
  shape.push_back(r.back());
  types.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

namespace {
/// Distributed ops keep their plans: rewrites apply to the global program
/// before the SBP search only.
bool isPlanned(Operation *op) {
  return op->hasAttr(PxDialect::kSbpAttrName) ||
         op->hasAttr(PxDialect::kSbpInAttrName);
}

/// matmul(x, W) with a 2-D W -> linear(x, W); matmul(x, transpose(W)) ->
/// linear(x, W) {transpose_w}: one op for SBP and code generation, and no
/// transposed copy of the weight at run time.
struct MatmulToLinear : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (isPlanned(op) || op.getRhs().getType().getRank() != 2)
      return failure();
    Value weight = op.getRhs();
    bool transposed = false;
    if (auto t = weight.getDefiningOp<TransposeOp>();
        t && !isPlanned(t) && t.getPerm() == ArrayRef<int64_t>{1, 0}) {
      weight = t.getInput();
      transposed = true;
    }
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), op.getLhs(), weight,
                                          Value(), transposed);
    return success();
  }
};

/// add(linear(x, W), b) with b of shape [N] -> linear(x, W, b).
struct BiasIntoLinear : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    if (isPlanned(op))
      return failure();
    for (auto [product, bias] : {std::pair(op.getLhs(), op.getRhs()),
                                 std::pair(op.getRhs(), op.getLhs())}) {
      auto linear = product.getDefiningOp<LinearOp>();
      auto biasType = cast<RankedTensorType>(bias.getType());
      if (!linear || linear.getBias() || isPlanned(linear) ||
          !product.hasOneUse() || linear.getType() != op.getType() ||
          biasType.getRank() != 1 ||
          biasType.getDimSize(0) != op.getType().getShape().back())
        continue;
      rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), linear.getInput(),
                                            linear.getWeight(), bias,
                                            linear.getTransposeW());
      rewriter.eraseOp(linear);
      return success();
    }
    return failure();
  }
};
} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<MatmulToLinear>(context);
}

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<BiasIntoLinear>(context);
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType x = tensorType(adaptor.getInput());
  RankedTensorType w = tensorType(adaptor.getWeight());
  if (x.getRank() < 1 || w.getRank() != 2)
    return emitOptionalError(
        loc, "needs input rank >= 1 and a 2-D weight, got ",
        shapeStr(x.getShape()), " and ", shapeStr(w.getShape()));
  bool transposed = adaptor.getTransposeW();
  int64_t k = w.getDimSize(transposed ? 1 : 0);
  int64_t n = w.getDimSize(transposed ? 0 : 1);
  if (x.getShape().back() != k)
    return emitOptionalError(loc, "input ", shapeStr(x.getShape()),
                             " has K = ", x.getShape().back(), " but weight ",
                             shapeStr(w.getShape()),
                             transposed ? " (transposed)" : "", " has K = ", k);
  if (x.getElementType() != w.getElementType())
    return emitOptionalError(loc, "operand element types differ");
  if (Value bias = adaptor.getBias()) {
    RankedTensorType b = tensorType(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != n)
      return emitOptionalError(loc, "bias ", shapeStr(b.getShape()),
                               " does not match the ", n, " output features");
    if (b.getElementType() != x.getElementType())
      return emitOptionalError(loc, "operand element types differ");
  }
  SmallVector<int64_t> shape(x.getShape().drop_back());
  shape.push_back(n);
  types.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Folds a binary op whose operands are constants of the result type.
template <typename FloatFn, typename IntFn>
static Attribute foldBinary(ArrayRef<Attribute> operands, Type resultType,
                            FloatFn floatFn, IntFn intFn) {
  for (Attribute operand : operands) {
    auto typed = dyn_cast_or_null<TypedAttr>(operand);
    if (!typed || typed.getType() != resultType)
      return {};
  }
  Type element = cast<ShapedType>(resultType).getElementType();
  if (isa<FloatType>(element))
    return constFoldBinaryOp<FloatAttr, FloatAttr::ValueType, void>(
        operands,
        [&](const APFloat &a, const APFloat &b) { return floatFn(a, b); });
  if (element.isInteger(1))
    return {};
  return constFoldBinaryOp<IntegerAttr, IntegerAttr::ValueType, void>(
      operands, [&](const APInt &a, const APInt &b) { return intFn(a, b); });
}

/// True if `attr` is a splat constant equal to `value`.
static bool isSplat(Attribute attr, double value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  if (isa<FloatType>(splat.getElementType()))
    return splat.getSplatValue<APFloat>().convertToDouble() == value;
  return splat.getSplatValue<APInt>().getSExtValue() ==
         static_cast<int64_t>(value);
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isSplat(adaptor.getRhs(), 0) && getLhs().getType() == getType())
    return getLhs();
  return foldBinary(
      adaptor.getOperands(), getType(),
      [](const APFloat &a, const APFloat &b) { return a + b; },
      [](const APInt &a, const APInt &b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplat(adaptor.getRhs(), 0) && getLhs().getType() == getType())
    return getLhs();
  return foldBinary(
      adaptor.getOperands(), getType(),
      [](const APFloat &a, const APFloat &b) { return a - b; },
      [](const APInt &a, const APInt &b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplat(adaptor.getRhs(), 1) && getLhs().getType() == getType())
    return getLhs();
  return foldBinary(
      adaptor.getOperands(), getType(),
      [](const APFloat &a, const APFloat &b) { return a * b; },
      [](const APInt &a, const APInt &b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplat(adaptor.getRhs(), 1) && getLhs().getType() == getType())
    return getLhs();
  // Integer division by zero is left to run time (and its diagnostics).
  auto rhs = dyn_cast_or_null<DenseElementsAttr>(adaptor.getRhs());
  if (!rhs || (isa<IntegerType>(rhs.getElementType()) &&
               llvm::any_of(rhs.getValues<APInt>(),
                            [](const APInt &v) { return v.isZero(); })))
    return {};
  return foldBinary(
      adaptor.getOperands(), getType(),
      [](const APFloat &a, const APFloat &b) { return a / b; },
      [](const APInt &a, const APInt &b) { return a.sdiv(b); });
}

LogicalResult CompareOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferBroadcastType(loc, {adaptor.getLhs(), adaptor.getRhs()},
                            IntegerType::get(context, 1), types);
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  if (tensorType(adaptor.getLhs()).getElementType() !=
      tensorType(adaptor.getRhs()).getElementType())
    return emitOptionalError(loc, "lhs and rhs element types differ");
  return inferBroadcastType(
      loc, {adaptor.getCondition(), adaptor.getLhs(), adaptor.getRhs()},
      nullptr, types);
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

/// Scale and bias of a norm have the shape of the normalized trailing dims.
static LogicalResult verifyNorm(Operation *op, RankedTensorType input,
                                int64_t axis, double epsilon,
                                ArrayRef<std::pair<StringRef, Value>> affine) {
  if (failed(verifyAxis(op, axis, input.getRank())))
    return failure();
  if (epsilon < 0)
    return op->emitOpError("epsilon must be non-negative");
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (auto [name, value] : affine) {
    if (!value)
      continue;
    RankedTensorType type = tensorType(value);
    auto expected = RankedTensorType::get(normalized, input.getElementType());
    if (type != expected)
      return op->emitOpError()
             << name << " has type " << type << " but normalizing dimensions ["
             << axis << ", " << input.getRank() << ") needs " << expected;
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  return verifyNorm(*this, getType(), getAxis(), getEpsilon().convertToDouble(),
                    {{"scale", getScale()}, {"bias", getBias()}});
}

LogicalResult RmsNormOp::verify() {
  return verifyNorm(*this, getType(), getAxis(), getEpsilon().convertToDouble(),
                    {{"scale", getScale()}});
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType data = tensorType(adaptor.getData());
  RankedTensorType indices = tensorType(adaptor.getIndices());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  types.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult ScatterAddOp::verify() {
  RankedTensorType result = getType();
  RankedTensorType updates = getUpdates().getType();
  RankedTensorType indices = getIndices().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, result.getRank())))
    return failure();
  if (updates.getElementType() != result.getElementType())
    return emitOpError("updates and result element types differ");
  SmallVector<int64_t> shape(result.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, result.getShape().drop_front(axis + 1));
  if (updates.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("updates ")
           << shapeStr(updates.getShape()) << " must have the shape "
           << shapeStr(shape) << " (result[:axis] + indices + result[axis+1:])";
  return success();
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type");
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << shapeStr(in.getShape()) << " (" << in.getNumElements()
           << " elements) to " << shapeStr(out.getShape()) << " ("
           << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  RankedTensorType input = tensorType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOptionalError(loc, "perm has ", perm.size(),
                             " entries for rank ", input.getRank());
  SmallVector<bool> used(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || used[p])
      return emitOptionalError(loc, "perm is not a permutation of 0..",
                               input.getRank() - 1);
    used[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  // transpose(transpose(x, p), q) = transpose(x, p o q).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPerm()[p]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    return getResult();
  }
  return {};
}

LogicalResult ExpandOp::verify() {
  RankedTensorType in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type");
  if (in.getRank() > out.getRank())
    return emitOpError("cannot expand rank ")
           << in.getRank() << " to rank " << out.getRank();
  int64_t lead = out.getRank() - in.getRank();
  for (auto [i, size] : llvm::enumerate(in.getShape()))
    if (size != 1 && size != out.getDimSize(lead + i))
      return emitOpError("cannot broadcast ")
             << shapeStr(in.getShape()) << " to " << shapeStr(out.getShape());
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return splat.resizeSplat(getType());
  return {};
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "needs at least one input");
  RankedTensorType first = tensorType(inputs.front());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  for (Value input : inputs.drop_front()) {
    RankedTensorType type = tensorType(input);
    bool compatible = type.getRank() == first.getRank();
    for (int64_t d = 0; compatible && d < type.getRank(); ++d)
      compatible = d == axis || type.getDimSize(d) == shape[d];
    if (!compatible)
      return emitOptionalError(loc, "input ", shapeStr(type.getShape()),
                               " does not match ", shapeStr(first.getShape()),
                               " outside axis ", axis);
    shape[axis] += type.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  return {};
}

LogicalResult SplitOp::verify() {
  RankedTensorType input = getInput().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, input.getRank())))
    return failure();
  // SameOperandsAndResultElementType already requires a result.
  int64_t total = 0;
  for (Type type : getResultTypes()) {
    auto result = cast<RankedTensorType>(type);
    // The rank is compared first: with a 1-D input there is no other
    // dimension whose comparison would catch it.
    bool matches = result.getRank() == input.getRank();
    for (int64_t d = 0; matches && d < input.getRank(); ++d)
      matches = d == axis || result.getDimSize(d) == input.getDimSize(d);
    if (!matches)
      return emitOpError("result ")
             << shapeStr(result.getShape()) << " does not match input "
             << shapeStr(input.getShape()) << " outside axis " << axis;
    total += result.getDimSize(axis);
  }
  if (total != input.getDimSize(axis))
    return emitOpError("result sizes along axis ")
           << axis << " add up to " << total << ", not "
           << input.getDimSize(axis);
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  RankedTensorType input = tensorType(adaptor.getInput());
  ArrayRef<int64_t> offsets = adaptor.getOffsets(), sizes = adaptor.getSizes(),
                    strides = adaptor.getStrides();
  size_t rank = input.getRank();
  if (offsets.size() != rank || sizes.size() != rank || strides.size() != rank)
    return emitOptionalError(
        loc, "needs one offset, size and stride per dimension (rank ", rank,
        ")");
  for (size_t d = 0; d < rank; ++d) {
    if (strides[d] == 0 || sizes[d] < 0)
      return emitOptionalError(loc, "dimension ", d,
                               ": stride must be non-zero and size >= 0");
    if (sizes[d] == 0)
      continue;
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    int64_t dim = input.getDimSize(d);
    if (offsets[d] < 0 || offsets[d] >= dim || last < 0 || last >= dim)
      return emitOptionalError(loc, "dimension ", d, ": reads [", offsets[d],
                               ", ", last, "] outside 0..", dim - 1);
  }
  types.push_back(RankedTensorType::get(sizes, input.getElementType()));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() != getType())
    return {};
  // Same sizes as the input: an identity when every dimension reads forward
  // from 0. The stride of a dimension with at most one element is moot.
  for (auto [offset, size, stride] :
       llvm::zip_equal(getOffsets(), getSizes(), getStrides()))
    if (size > 1 && (offset != 0 || stride != 1))
      return {};
  return getInput();
}

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("needs rank >= 2, got ") << getType().getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType input = tensorType(adaptor.getInput());
  if (adaptor.getKind() == ReduceKind::mean &&
      !isa<FloatType>(input.getElementType()))
    return emitOptionalError(loc, "mean needs a float input");
  SmallVector<bool> reduced(input.getRank(), false);
  for (int64_t axis : adaptor.getAxes()) {
    if (axis < 0 || axis >= input.getRank() || reduced[axis])
      return emitOptionalError(loc, "axes must be distinct and in 0..",
                               input.getRank() - 1);
    reduced[axis] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    if (!reduced[d])
      shape.push_back(input.getDimSize(d));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &types) {
  RankedTensorType logits = tensorType(adaptor.getLogits());
  RankedTensorType labels = tensorType(adaptor.getLabels());
  if (logits.getRank() < 1 ||
      labels.getShape() != logits.getShape().drop_back())
    return emitOptionalError(loc, "labels ", shapeStr(labels.getShape()),
                             " must have the shape of logits ",
                             shapeStr(logits.getShape()),
                             " without its class dimension");
  ArrayRef<int64_t> shape;
  if (adaptor.getReduction() == LossReduction::none)
    shape = labels.getShape();
  types.push_back(RankedTensorType::get(shape, logits.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Training ops
//===----------------------------------------------------------------------===//

static LogicalResult verifyHyper(Operation *op, Value hyper) {
  if (tensorType(hyper).getRank() != 1)
    return op->emitOpError("hyper-parameters must be a vector, not ")
           << hyper.getType();
  return success();
}

LogicalResult AdamWOp::verify() { return verifyHyper(*this, getHyper()); }
LogicalResult SgdOp::verify() { return verifyHyper(*this, getHyper()); }

LogicalResult AssignOp::verify() {
  if (!getParameter().getDefiningOp<ParameterOp>())
    return emitOpError("assigns to a px.parameter only");
  return success();
}

LogicalResult TransferOp::verify() {
  if (getSrcStage() == getDstStage())
    return emitOpError("moves a value from stage ")
           << getSrcStage() << " to itself";
  return success();
}

#define GET_OP_CLASSES
#include "pxc/Dialect/Px/PxOps.cpp.inc"
