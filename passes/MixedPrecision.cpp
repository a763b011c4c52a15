//===- MixedPrecision.cpp - px-mixed-precision ----------------------------===//
//
// f32 matrix products become bf16 (or f16) products between casts: the
// master weights, optimizer states and every other op stay f32, as with
// PyTorch's autocast for matmul and linear. Runs after the training step
// is built, so the backward products are cast too.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace pxc {
#define GEN_PASS_DEF_MIXEDPRECISION
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// `value` cast to `element` (same shape), placed like `like`: the casts
/// run where the product runs (its stage and phase, not its name).
static Value castTo(OpBuilder &b, Value value, Type element, Operation *like) {
  auto type = cast<RankedTensorType>(value.getType());
  auto converted =
      CastOp::create(b, value.getLoc(), type.clone(element), value);
  for (NamedAttribute attr : like->getDiscardableAttrs())
    if (attr.getName() != PxDialect::kNameAttrName)
      converted->setAttr(attr.getName(), attr.getValue());
  return converted;
}

namespace {
struct MixedPrecisionPass : pxc::impl::MixedPrecisionBase<MixedPrecisionPass> {
  using MixedPrecisionBase::MixedPrecisionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    Type low;
    if (computeType == "bf16")
      low = b.getBF16Type();
    else if (computeType == "f16")
      low = b.getF16Type();
    else {
      module.emitError("px-mixed-precision: compute-type must be bf16 or "
                       "f16, not '")
          << computeType << "'";
      return signalPassFailure();
    }
    SmallVector<Operation *> products;
    module.walk([&](Operation *op) {
      if (isa<MatmulOp, LinearOp>(op) &&
          cast<RankedTensorType>(op->getResult(0).getType())
              .getElementType()
              .isF32())
        products.push_back(op);
    });
    for (Operation *op : products) {
      b.setInsertionPoint(op);
      IRMapping lowered;
      for (Value operand : op->getOperands())
        lowered.map(operand, castTo(b, operand, low, op));
      Operation *product = b.clone(*op, lowered);
      Value result = product->getResult(0);
      result.setType(cast<RankedTensorType>(result.getType()).clone(low));
      Value back = castTo(b, result, b.getF32Type(), op);
      op->getResult(0).replaceAllUsesWith(back);
      op->erase();
    }
  }
};
} // namespace
