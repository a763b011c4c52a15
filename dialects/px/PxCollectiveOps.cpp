//===- PxCollectiveOps.cpp - px collectives: SBP entries and verifier -----===//

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include <limits>

using namespace pxc;
using namespace pxc::px;
using sbp::Sbp1D;

/// `: T` when operand and result types agree (the global view), else
/// `: T -> U` (local pieces in a per-rank function).
ParseResult px::parseCollectiveTypes(OpAsmParser &parser, Type &input,
                                     Type &result) {
  if (parser.parseType(input))
    return failure();
  result = input;
  if (succeeded(parser.parseOptionalArrow()))
    return parser.parseType(result);
  return success();
}

void px::printCollectiveTypes(OpAsmPrinter &printer, Operation *, Type input,
                              Type result) {
  printer << input;
  if (result != input)
    printer << " -> " << result;
}

/// An attribute's dimension as an Sbp1D dim; huge values saturate so that
/// the rank check still rejects them.
static Sbp1D splitOf(uint64_t dim) {
  constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
  return Sbp1D::split(static_cast<int32_t>(std::min(dim, kMax)));
}

static Sbp1D partialOf(PartialReduce reduce) {
  return Sbp1D::partial(toSbpReduce(reduce));
}

Sbp1D AllReduceOp::getInputSbp() { return partialOf(getReduce()); }
Sbp1D AllReduceOp::getOutputSbp() { return Sbp1D::broadcast(); }

Sbp1D ReduceScatterOp::getInputSbp() { return partialOf(getReduce()); }
Sbp1D ReduceScatterOp::getOutputSbp() { return splitOf(getDim()); }

Sbp1D AllGatherOp::getInputSbp() { return splitOf(getDim()); }
Sbp1D AllGatherOp::getOutputSbp() { return Sbp1D::broadcast(); }

Sbp1D AllToAllOp::getInputSbp() { return splitOf(getSrcDim()); }
Sbp1D AllToAllOp::getOutputSbp() { return splitOf(getDstDim()); }

Sbp1D LocalSliceOp::getInputSbp() { return Sbp1D::broadcast(); }
Sbp1D LocalSliceOp::getOutputSbp() { return splitOf(getDim()); }

Sbp1D LocalMaskOp::getInputSbp() { return Sbp1D::broadcast(); }
Sbp1D LocalMaskOp::getOutputSbp() { return partialOf(getReduce()); }

Sbp1D LocalPadOp::getInputSbp() { return splitOf(getDim()); }
Sbp1D LocalPadOp::getOutputSbp() { return partialOf(getReduce()); }

/// Checks that a 1-D change on `axis` of a tensor distributed as `sbp` (on
/// the other axes) is what the op's collective does. An axis after `axis`
/// that splits a dimension the change splits cuts the group's chunks again,
/// so the group would hold interleaved pieces; and a reduction over `axis`
/// would mix with a later axis' partial values of another kind, which do not
/// commute with it (hierarchically, later axes reduce first).
static LogicalResult verifyNesting(CollectiveOpInterface op, SbpAttr sbp) {
  ArrayRef<Sbp1D> entries = sbp.getDims();
  int64_t axis = op.getMeshAxis();
  Sbp1D in = op.getInputSbp(), out = op.getOutputSbp();
  for (int64_t later = axis + 1, e = entries.size(); later < e; ++later) {
    const Sbp1D &entry = entries[later];
    for (const Sbp1D &change : {in, out})
      if (entry.isSplit() && change.isSplit() && entry.dim == change.dim)
        return op->emitOpError("runs over mesh axis ")
               << axis << ", but mesh axis " << later << " also splits dim "
               << entry.dim << " (" << sbp
               << "): its chunks are cut again, change mesh axis " << later
               << " first";
    if (in.isPartial() && entry.isPartial() && entry.reduce != in.reduce)
      return op->emitOpError("reduces ")
             << in.str() << " over mesh axis " << axis << ", but mesh axis "
             << later << " holds " << entry.str() << " partial values (" << sbp
             << "), which must be reduced first";
  }
  return success();
}

LogicalResult px::verifyCollectiveOp(Operation *operation) {
  auto op = cast<CollectiveOpInterface>(operation);
  FailureOr<MeshOp> mesh = findMesh(op);
  if (failed(mesh))
    return failure();
  auto meshRank = static_cast<int64_t>(mesh->getShape().size());
  int64_t axis = op.getMeshAxis();
  if (axis >= meshRank)
    return op->emitOpError("mesh_axis ")
           << axis << " is out of range for px.mesh @" << mesh->getSymName()
           << " with " << meshRank << " axes";

  Type inputType = op->getOperand(0).getType();
  if (inputType != op->getResult(0).getType() && !isPerRankFunction(op))
    return op->emitOpError("changes the type ")
           << inputType << " -> " << op->getResult(0).getType()
           << " outside a per-rank (px.ranks) function";
  int64_t rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
  Sbp1D in = op.getInputSbp(), out = op.getOutputSbp();
  for (const Sbp1D &entry : {in, out})
    if (entry.isSplit() && entry.dim >= rank)
      return op->emitOpError("dim ")
             << entry.dim << " is out of range for a rank-" << rank
             << " tensor";
  if (in == out)
    return op->emitOpError("does not change the distribution: ")
           << in.str() << " -> " << out.str();

  // The attribute verifiers report SBPs of the wrong length.
  auto usable = [&](SbpAttr sbp) {
    return sbp && static_cast<int64_t>(sbp.getDims().size()) == meshRank;
  };
  SbpAttr before = getSbp(op->getOperand(0));
  SbpAttr after = getSbp(op->getResult(0));
  if (usable(before) && before.getDims()[axis] != in)
    return op->emitOpError("expects ")
           << in.str() << " on mesh axis " << axis
           << ", but its operand is distributed as " << before;
  if (usable(after) && after.getDims()[axis] != out)
    return op->emitOpError("produces ") << out.str() << " on mesh axis " << axis
                                        << ", but its px.sbp is " << after;
  if (usable(before) && usable(after))
    for (int64_t other = 0; other < meshRank; ++other)
      if (other != axis && before.getDims()[other] != after.getDims()[other])
        return op->emitOpError("runs over mesh axis ")
               << axis << " only, but mesh axis " << other
               << " changes: " << before << " -> " << after;
  if (usable(before))
    return verifyNesting(op, before);
  if (usable(after))
    return verifyNesting(op, after);
  return success();
}
