//===- SbpRules.cpp - SbpInterface of every px compute op -----------------===//
//
// The 1-D SBP signatures (OneFlow's tables, DESIGN.md section 4, extended to
// every op) and the FLOP counts of the px ops. A signature is valid when
// running the op on each rank's local pieces yields the result distributed
// as the signature says; test/unit/Dialect/SbpSignatureTest.cpp checks every
// entry numerically.
//
// Partial values: P(sum) passes through ops that are linear in it; P(max)
// (every rank holds a value no larger than the true one, one holds it)
// passes through ops that commute with an elementwise maximum: element
// selection, adding a replicated value, nondecreasing functions defined on
// all reals.
//
// FLOPs per element: 1 for arithmetic, comparisons, selects and casts; 4 for
// transcendental functions (exp, log, sqrt, rsqrt, tanh, erf, sin, cos,
// sigmoid, pow); 8 for gelu, softmax and log_softmax (max, subtract, exp,
// sum, divide); 5 for layer_norm plus 1 per scale or bias, 3 for rms_norm
// plus 1 with a scale; 7 per logit for cross_entropy (log-sum-exp and the
// target); 1 per input element for reduce and per element for trilu; 14 per
// parameter element for adamw, 5 for sgd; 0 for pure data movement, sources
// and assignments.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"

using namespace pxc;
using namespace pxc::px;
using sbp::Reduce;
using sbp::Sbp1D;

static constexpr double kTranscendentalFlops = 4;

static Sbp1D split(int64_t dim) {
  return Sbp1D::split(static_cast<int32_t>(dim));
}
static Sbp1D bcast() { return Sbp1D::broadcast(); }
static Sbp1D psum() { return Sbp1D::partial(Reduce::Sum); }
static Sbp1D pmax() { return Sbp1D::partial(Reduce::Max); }

static void add(SmallVectorImpl<SbpSignature> &signatures,
                ArrayRef<Sbp1D> inputs, ArrayRef<Sbp1D> outputs,
                SbpKernelRule rule = SbpKernelRule::None) {
  signatures.push_back(
      {SmallVector<Sbp1D, 4>(inputs), SmallVector<Sbp1D, 1>(outputs), rule});
}

static ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

static double numElements(Value value) {
  return static_cast<double>(
      cast<ShapedType>(value.getType()).getNumElements());
}

static bool isFloat(Value value) {
  return isa<FloatType>(cast<ShapedType>(value.getType()).getElementType());
}

/// Every operand and result takes `entry`.
static void addUniform(Operation *op, SmallVectorImpl<SbpSignature> &signatures,
                       Sbp1D entry) {
  add(signatures, SmallVector<Sbp1D, 4>(op->getNumOperands(), entry),
      SmallVector<Sbp1D, 1>(op->getNumResults(), entry));
}

/// B -> B and P -> P for both reductions, for ops whose result elements are
/// input elements or zeros (which sum and max to themselves).
static void addDataMovementPartials(Operation *op,
                                    SmallVectorImpl<SbpSignature> &signatures) {
  addUniform(op, signatures, bcast());
  addUniform(op, signatures, psum());
  addUniform(op, signatures, pmax());
}

/// The entry of an operand of `shape`, numpy-broadcast to `resultShape`,
/// when the result is split along `dim`: the split of the aligned operand
/// dimension when the operand spans it, B when it is broadcast along it.
static Sbp1D broadcastSplit(ArrayRef<int64_t> shape,
                            ArrayRef<int64_t> resultShape, int64_t dim) {
  int64_t operandDim =
      dim - static_cast<int64_t>(resultShape.size() - shape.size());
  if (operandDim < 0 || shape[operandDim] != resultShape[dim])
    return bcast();
  return split(operandDim);
}

/// Splits of an elementwise function of numpy-broadcast operands: any result
/// dimension, each operand split along it or broadcast; and all B.
static void addElementwiseSplits(Operation *op,
                                 SmallVectorImpl<SbpSignature> &signatures) {
  ArrayRef<int64_t> result = shapeOf(op->getResult(0));
  for (int64_t d = 0, e = result.size(); d < e; ++d) {
    SmallVector<Sbp1D, 4> inputs;
    for (Value operand : op->getOperands())
      inputs.push_back(broadcastSplit(shapeOf(operand), result, d));
    add(signatures, inputs, {split(d)});
  }
  addUniform(op, signatures, bcast());
}

/// Splits along the dimensions `keep` accepts, for an op whose first
/// operand and result have equal shapes.
static void addSplitsWhere(Operation *op,
                           SmallVectorImpl<SbpSignature> &signatures,
                           function_ref<bool(int64_t)> keep) {
  for (int64_t d = 0, e = shapeOf(op->getResult(0)).size(); d < e; ++d)
    if (keep(d))
      add(signatures, {split(d)}, {split(d)});
}

//===----------------------------------------------------------------------===//
// Sources
//===----------------------------------------------------------------------===//

/// A rank materializes (or loads) just its piece; a partial source is
/// meaningless.
static void addSourceSignatures(Operation *op,
                                SmallVectorImpl<SbpSignature> &signatures) {
  for (int64_t d = 0, e = shapeOf(op->getResult(0)).size(); d < e; ++d)
    add(signatures, {}, {split(d)});
  add(signatures, {}, {bcast()});
}

void ParameterOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addSourceSignatures(*this, signatures);
}
double ParameterOp::getComputeFlops() { return 0; }

void ConstantOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addSourceSignatures(*this, signatures);
}
double ConstantOp::getComputeFlops() { return 0; }

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

void MatmulOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  ArrayRef<int64_t> lhs = shapeOf(getLhs()), rhs = shapeOf(getRhs()),
                    result = shapeOf(getResult());
  int64_t rank = result.size(), lhsRank = lhs.size(), rhsRank = rhs.size();
  // Batch dimensions broadcast like elementwise operands.
  for (int64_t d = 0; d < rank - 2; ++d)
    add(signatures,
        {broadcastSplit(lhs.drop_back(2), result.drop_back(2), d),
         broadcastSplit(rhs.drop_back(2), result.drop_back(2), d)},
        {split(d)});
  add(signatures, {split(lhsRank - 2), bcast()}, {split(rank - 2)});
  add(signatures, {bcast(), split(rhsRank - 1)}, {split(rank - 1)});
  // Each rank multiplies its slice of K: partial sums.
  add(signatures, {split(lhsRank - 1), split(rhsRank - 2)}, {psum()});
  add(signatures, {psum(), bcast()}, {psum()});
  add(signatures, {bcast(), psum()}, {psum()});
  add(signatures, {bcast(), bcast()}, {bcast()});
}

double MatmulOp::getComputeFlops() {
  return 2 * numElements(getResult()) * shapeOf(getLhs()).back();
}

// y = x W + b. Where the product is partial, b is a partial input too: the
// B -> P boxing keeps it on one rank (zeros elsewhere), so it is added once.
void LinearOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t rank = shapeOf(getInput()).size();
  int64_t kDim = getTransposeW() ? 1 : 0, nDim = 1 - kDim;
  bool hasBias = static_cast<bool>(getBias());
  auto addLinear = [&](Sbp1D x, Sbp1D w, Sbp1D b, Sbp1D y) {
    if (hasBias)
      add(signatures, {x, w, b}, {y});
    else
      add(signatures, {x, w}, {y});
  };
  for (int64_t d = 0; d < rank - 1; ++d)
    addLinear(split(d), bcast(), bcast(), split(d));
  addLinear(bcast(), split(nDim), split(0), split(rank - 1));
  addLinear(split(rank - 1), split(kDim), psum(), psum());
  addLinear(psum(), bcast(), psum(), psum());
  addLinear(bcast(), psum(), psum(), psum());
  addLinear(bcast(), bcast(), bcast(), bcast());
}

double LinearOp::getComputeFlops() {
  double outputs = numElements(getResult());
  return 2 * outputs * shapeOf(getInput()).back() + (getBias() ? outputs : 0);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

void AddOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {psum(), psum()}, {psum()});
  // A replicated addend shifts every rank's candidate maximum alike; not
  // an integer one, whose padding (the type's lowest value) would wrap.
  if (isFloat(getResult())) {
    add(signatures, {pmax(), bcast()}, {pmax()});
    add(signatures, {bcast(), pmax()}, {pmax()});
  }
}

void SubOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {psum(), psum()}, {psum()});
  if (isFloat(getResult()))
    add(signatures, {pmax(), bcast()}, {pmax()});
}

void MulOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {psum(), bcast()}, {psum()});
  add(signatures, {bcast(), psum()}, {psum()});
}

void DivOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  // Truncating integer division does not distribute over sums.
  if (isFloat(getResult()))
    add(signatures, {psum(), bcast()}, {psum()});
}

void PowOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
}

void MaxOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {pmax(), pmax()}, {pmax()});
  add(signatures, {pmax(), bcast()}, {pmax()});
  add(signatures, {bcast(), pmax()}, {pmax()});
}

// There is no P(min), and a minimum does not commute with a maximum.
void MinOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
}

void AndOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
}

void OrOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
}

void CompareOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
}

// With a replicated condition, selecting is linear in both branches jointly
// and commutes with an elementwise maximum.
void WhereOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {bcast(), psum(), psum()}, {psum()});
  add(signatures, {bcast(), pmax(), pmax()}, {pmax()});
}

double AddOp::getComputeFlops() { return numElements(getResult()); }
double SubOp::getComputeFlops() { return numElements(getResult()); }
double MulOp::getComputeFlops() { return numElements(getResult()); }
double DivOp::getComputeFlops() { return numElements(getResult()); }
double PowOp::getComputeFlops() {
  return kTranscendentalFlops * numElements(getResult());
}
double MaxOp::getComputeFlops() { return numElements(getResult()); }
double MinOp::getComputeFlops() { return numElements(getResult()); }
double AndOp::getComputeFlops() { return numElements(getResult()); }
double OrOp::getComputeFlops() { return numElements(getResult()); }
double CompareOp::getComputeFlops() { return numElements(getResult()); }
double WhereOp::getComputeFlops() { return numElements(getResult()); }

/// A unary elementwise op: any split; P(sum) passes when the op is linear,
/// P(max) when it is nondecreasing and defined on all reals (a partial
/// maximum may hold any value below the true one).
static void addUnary(Operation *op, SmallVectorImpl<SbpSignature> &signatures,
                     bool passesSum, bool passesMax) {
  addElementwiseSplits(op, signatures);
  if (passesSum)
    add(signatures, {psum()}, {psum()});
  if (passesMax)
    add(signatures, {pmax()}, {pmax()});
}

// (op, passes P(sum), passes P(max), FLOPs per element)
#define PX_UNARY_SBP(OP, SUM, MAX, FLOPS)                                      \
  void OP::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {       \
    addUnary(*this, signatures, SUM, MAX);                                     \
  }                                                                            \
  double OP::getComputeFlops() { return numElements(getResult()) * (FLOPS); }

PX_UNARY_SBP(NegOp, true, false, 1)
PX_UNARY_SBP(AbsOp, false, false, 1)
PX_UNARY_SBP(ExpOp, false, true, kTranscendentalFlops)
PX_UNARY_SBP(LogOp, false, false, kTranscendentalFlops)
PX_UNARY_SBP(SqrtOp, false, false, kTranscendentalFlops)
PX_UNARY_SBP(RsqrtOp, false, false, kTranscendentalFlops)
PX_UNARY_SBP(ReciprocalOp, false, false, 1)
PX_UNARY_SBP(TanhOp, false, true, kTranscendentalFlops)
PX_UNARY_SBP(ErfOp, false, true, kTranscendentalFlops)
PX_UNARY_SBP(SinOp, false, false, kTranscendentalFlops)
PX_UNARY_SBP(CosOp, false, false, kTranscendentalFlops)
PX_UNARY_SBP(ReluOp, false, true, 1)
PX_UNARY_SBP(SigmoidOp, false, true, kTranscendentalFlops)
PX_UNARY_SBP(NotOp, false, false, 1)
// Not monotone: gelu dips below zero.
PX_UNARY_SBP(GeluOp, false, false, 8)

#undef PX_UNARY_SBP

// Float -> float conversion is linear and nondecreasing (up to rounding);
// conversions from or to integers are neither.
void CastOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  bool floats = isFloat(getInput()) && isFloat(getResult());
  addUnary(*this, signatures, floats, floats);
}
double CastOp::getComputeFlops() { return numElements(getResult()); }

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

// Every row along `axis` stays on one rank.
void SoftmaxOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t axis = getAxis();
  addSplitsWhere(*this, signatures, [&](int64_t d) { return d != axis; });
  addUniform(*this, signatures, bcast());
}
double SoftmaxOp::getComputeFlops() { return 8 * numElements(getResult()); }

void LogSoftmaxOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t axis = getAxis();
  addSplitsWhere(*this, signatures, [&](int64_t d) { return d != axis; });
  addUniform(*this, signatures, bcast());
}
double LogSoftmaxOp::getComputeFlops() { return 8 * numElements(getResult()); }

/// Splits of a norm over [axis, rank): the leading dimensions, with the
/// scale and bias (which span the normalized dimensions) replicated.
static void addNormSplits(Operation *op,
                          SmallVectorImpl<SbpSignature> &signatures,
                          int64_t axis) {
  for (int64_t d = 0; d < axis; ++d) {
    SmallVector<Sbp1D, 4> inputs(op->getNumOperands(), bcast());
    inputs[0] = split(d);
    add(signatures, inputs, {split(d)});
  }
  addUniform(op, signatures, bcast());
}

void LayerNormOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addNormSplits(*this, signatures, getAxis());
}
double LayerNormOp::getComputeFlops() {
  return (5 + (getScale() ? 1 : 0) + (getBias() ? 1 : 0)) *
         numElements(getResult());
}

void RmsNormOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addNormSplits(*this, signatures, getAxis());
}
double RmsNormOp::getComputeFlops() {
  return (3 + (getScale() ? 1 : 0)) * numElements(getResult());
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

void GatherOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t axis = getAxis();
  int64_t dataRank = shapeOf(getData()).size();
  int64_t indicesRank = shapeOf(getIndices()).size();
  // Result: data[:axis] + indices.shape + data[axis+1:].
  for (int64_t d = 0; d < dataRank; ++d)
    if (d != axis)
      add(signatures, {split(d), bcast()},
          {split(d < axis ? d : d + indicesRank - 1)});
  for (int64_t i = 0; i < indicesRank; ++i)
    add(signatures, {bcast(), split(i)}, {split(axis + i)});
  // Vocabulary split: each rank looks up the ids it holds (see
  // SbpKernelRule::MaskedGather).
  add(signatures, {split(axis), bcast()}, {psum()},
      SbpKernelRule::MaskedGather);
  add(signatures, {psum(), bcast()}, {psum()});
  add(signatures, {pmax(), bcast()}, {pmax()});
  addUniform(*this, signatures, bcast());
}
double GatherOp::getComputeFlops() { return 0; }

void ScatterAddOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t axis = getAxis();
  int64_t resultRank = shapeOf(getResult()).size();
  int64_t indicesRank = shapeOf(getIndices()).size();
  // Updates: result[:axis] + indices.shape + result[axis+1:].
  for (int64_t d = 0; d < resultRank; ++d)
    if (d != axis)
      add(signatures, {split(d < axis ? d : d + indicesRank - 1), bcast()},
          {split(d)});
  // Each rank adds its share of the slices: the ranks' results sum to the
  // whole (the dual of gather's B table, S indices -> S).
  for (int64_t i = 0; i < indicesRank; ++i)
    add(signatures, {split(axis + i), split(i)}, {psum()});
  add(signatures, {psum(), bcast()}, {psum()});
  addUniform(*this, signatures, bcast());
}
double ScatterAddOp::getComputeFlops() { return numElements(getUpdates()); }

namespace {
/// Non-unit dimensions that a row-major reshape maps onto each other: the
/// shortest runs of input and result dimensions with equal element counts.
struct ReshapeGroup {
  SmallVector<int64_t, 4> inputDims, resultDims;
};
} // namespace

static SmallVector<ReshapeGroup> getReshapeGroups(ArrayRef<int64_t> input,
                                                  ArrayRef<int64_t> result) {
  SmallVector<int64_t> in, out;
  for (auto [d, size] : llvm::enumerate(input))
    if (size != 1)
      in.push_back(d);
  for (auto [d, size] : llvm::enumerate(result))
    if (size != 1)
      out.push_back(d);
  // Empty tensors have nothing to distribute.
  if (llvm::is_contained(input, 0))
    return {};
  SmallVector<ReshapeGroup> groups;
  size_t i = 0, j = 0;
  while (i < in.size() && j < out.size()) {
    ReshapeGroup group;
    int64_t inCount = input[in[i]], outCount = result[out[j]];
    group.inputDims.push_back(in[i++]);
    group.resultDims.push_back(out[j++]);
    while (inCount != outCount) {
      if (inCount < outCount) {
        inCount *= input[in[i]];
        group.inputDims.push_back(in[i++]);
      } else {
        outCount *= result[out[j]];
        group.resultDims.push_back(out[j++]);
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

// A split of the outermost dimension of a group gives each rank a
// contiguous run of the group's row-major positions; the result is split
// along the outermost dimension of its side of the group. Whether the runs
// agree on both sides depends on the split sizes (isValidNdSbpSignature).
void ReshapeOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  for (const ReshapeGroup &group :
       getReshapeGroups(shapeOf(getInput()), shapeOf(getResult())))
    add(signatures, {split(group.inputDims.front())},
        {split(group.resultDims.front())});
  addDataMovementPartials(*this, signatures);
}

/// The row-major positions [begin, end) of a group held in `box`, where only
/// the group's outermost dimension is split.
static std::pair<int64_t, int64_t>
groupRun(const sbp::Box &box, ArrayRef<int64_t> shape, ArrayRef<int64_t> dims) {
  int64_t inner = 1;
  for (int64_t d : dims.drop_front())
    inner *= shape[d];
  int64_t offset = box.offsets[dims.front()], size = box.sizes[dims.front()];
  return {offset * inner, (offset + size) * inner};
}

// Valid when every rank holds the same run of every group on both sides, so
// that the local reshape of its input piece is its result piece.
bool ReshapeOp::isValidNdSbpSignature(const NdSbpSignature &signature,
                                      ArrayRef<int64_t> mesh) {
  std::vector<int64_t> input(shapeOf(getInput())), result(shapeOf(getResult())),
      meshShape(mesh);
  SmallVector<ReshapeGroup> groups = getReshapeGroups(input, result);
  int64_t numRanks = 1;
  for (int64_t size : mesh)
    numRanks *= size;
  for (int64_t rank = 0; rank < numRanks; ++rank) {
    std::vector<int64_t> coords = sbp::meshCoords(meshShape, rank);
    sbp::Box inBox =
        sbp::localBox(input, signature.inputs[0], meshShape, coords);
    sbp::Box outBox =
        sbp::localBox(result, signature.outputs[0], meshShape, coords);
    for (const ReshapeGroup &group : groups)
      if (groupRun(inBox, input, group.inputDims) !=
          groupRun(outBox, result, group.resultDims))
        return false;
  }
  return true;
}
double ReshapeOp::getComputeFlops() { return 0; }

void TransposeOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  for (auto [d, source] : llvm::enumerate(getPerm()))
    add(signatures, {split(source)}, {split(d)});
  addDataMovementPartials(*this, signatures);
}
double TransposeOp::getComputeFlops() { return 0; }

// A split along a broadcast dimension reads the replicated input: each rank
// expands it to its local result shape.
void ExpandOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  ArrayRef<int64_t> input = shapeOf(getInput()), result = shapeOf(getResult());
  for (int64_t d = 0, e = result.size(); d < e; ++d)
    add(signatures, {broadcastSplit(input, result, d)}, {split(d)});
  addDataMovementPartials(*this, signatures);
}
double ExpandOp::getComputeFlops() { return 0; }

void ConcatOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  for (int64_t d = 0, e = getType().getRank(); d < e; ++d)
    if (d != static_cast<int64_t>(getAxis()))
      add(signatures, SmallVector<Sbp1D, 4>(getInputs().size(), split(d)),
          {split(d)});
  addDataMovementPartials(*this, signatures);
}
double ConcatOp::getComputeFlops() { return 0; }

void SplitOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  for (int64_t d = 0, e = getInput().getType().getRank(); d < e; ++d)
    if (d != static_cast<int64_t>(getAxis()))
      add(signatures, {split(d)},
          SmallVector<Sbp1D, 1>(getNumResults(), split(d)));
  addDataMovementPartials(*this, signatures);
}
double SplitOp::getComputeFlops() { return 0; }

// Only dimensions the slice keeps whole: elsewhere the kept range would
// straddle the ranks' pieces.
void SliceOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  ArrayRef<int64_t> input = shapeOf(getInput());
  addSplitsWhere(*this, signatures, [&](int64_t d) {
    return getOffsets()[d] == 0 && getStrides()[d] == 1 &&
           getSizes()[d] == input[d];
  });
  addDataMovementPartials(*this, signatures);
}
double SliceOp::getComputeFlops() { return 0; }

// The mask depends on the positions in the last two dimensions, so only the
// batch dimensions may be split.
void TriluOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  int64_t rank = getType().getRank();
  addSplitsWhere(*this, signatures, [&](int64_t d) { return d < rank - 2; });
  addDataMovementPartials(*this, signatures);
}
double TriluOp::getComputeFlops() { return numElements(getResult()); }

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

// Reducing a split dimension leaves partial results: sums and means (the
// local sum divided by the global count, SbpKernelRule::GlobalMeanCount)
// P(sum), maxima P(max); minima have no partial form.
void ReduceOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  ArrayRef<int64_t> axes = getAxes();
  ReduceKind kind = getKind();
  int64_t resultDim = 0;
  for (int64_t d = 0, e = shapeOf(getInput()).size(); d < e; ++d) {
    if (!llvm::is_contained(axes, d)) {
      add(signatures, {split(d)}, {split(resultDim++)});
      continue;
    }
    if (getKeepdims())
      ++resultDim;
    switch (kind) {
    case ReduceKind::sum:
      add(signatures, {split(d)}, {psum()});
      break;
    case ReduceKind::mean:
      add(signatures, {split(d)}, {psum()}, SbpKernelRule::GlobalMeanCount);
      break;
    case ReduceKind::max:
      add(signatures, {split(d)}, {pmax()});
      break;
    case ReduceKind::min:
      break;
    }
  }
  addUniform(*this, signatures, bcast());
  if (kind == ReduceKind::sum || kind == ReduceKind::mean)
    add(signatures, {psum()}, {psum()});
  if (kind == ReduceKind::max)
    add(signatures, {pmax()}, {pmax()});
}
double ReduceOp::getComputeFlops() { return numElements(getInput()); }

// Samples (the label dimensions) may be split; a split class dimension is
// the vocabulary-parallel loss, which needs its own collectives. A mean
// over split samples is a global-count partial sum unless ignored labels
// make the count data-dependent.
void CrossEntropyOp::getSbpSignatures(
    SmallVectorImpl<SbpSignature> &signatures) {
  for (int64_t d = 0, e = shapeOf(getLabels()).size(); d < e; ++d) {
    switch (getReduction()) {
    case LossReduction::none:
      add(signatures, {split(d), split(d)}, {split(d)});
      break;
    case LossReduction::sum:
      add(signatures, {split(d), split(d)}, {psum()});
      break;
    case LossReduction::mean:
      if (!getIgnoreIndex())
        add(signatures, {split(d), split(d)}, {psum()},
            SbpKernelRule::GlobalMeanCount);
      break;
    }
  }
  addUniform(*this, signatures, bcast());
}
double CrossEntropyOp::getComputeFlops() {
  return 7 * numElements(getLogits());
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

/// Elementwise updates of a parameter and its states: any split of the
/// parameter's dimensions, or replicated; the small hyper-parameter vector
/// is always replicated. Not linear, so no partial values.
static void addUpdateSignatures(Operation *op,
                                SmallVectorImpl<SbpSignature> &signatures) {
  unsigned tensors = op->getNumOperands() - 1;
  for (int64_t d = 0, e = shapeOf(op->getOperand(0)).size(); d < e; ++d) {
    SmallVector<Sbp1D, 4> inputs(tensors, split(d));
    inputs.push_back(bcast());
    add(signatures, inputs,
        SmallVector<Sbp1D, 1>(op->getNumResults(), split(d)));
  }
  addUniform(op, signatures, bcast());
}

void AdamWOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addUpdateSignatures(*this, signatures);
}
// Two moment updates, decay, square root, divide, update.
double AdamWOp::getComputeFlops() {
  return (10 + kTranscendentalFlops) * numElements(getParam());
}

void SgdOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addUpdateSignatures(*this, signatures);
}
double SgdOp::getComputeFlops() { return 5 * numElements(getParam()); }

// The stored value must be distributed like the parameter.
void AssignOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  for (int64_t d = 0, e = shapeOf(getValue()).size(); d < e; ++d)
    add(signatures, {split(d), split(d)}, {});
  add(signatures, {bcast(), bcast()}, {});
}
double AssignOp::getComputeFlops() { return 0; }

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

// A mean over micro-batches is linear: partial sums stay partial, which
// lets the data-parallel gradient reduction run once per step.
void AccumulateOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  add(signatures, {psum()}, {psum()});
}
double AccumulateOp::getComputeFlops() { return numElements(getResult()); }

// Each rank forwards its own piece, whatever the distribution.
void TransferOp::getSbpSignatures(SmallVectorImpl<SbpSignature> &signatures) {
  addElementwiseSplits(*this, signatures);
  addDataMovementPartials(*this, signatures);
}
double TransferOp::getComputeFlops() { return 0; }
