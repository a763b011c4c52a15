//===- Hyper.cpp - The training step's hyper-parameter argument -----------===//

#include "Hyper.h"

#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Dialect/Px/PxOps.h"

#include "pxrt/train.h"

using namespace pxc;
using namespace pxc::px;

Value pxc::findHyper(func::FuncOp func) {
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    auto role = func.getArgAttrOfType<StringAttr>(i, PxDialect::kRoleAttrName);
    if (role && role.getValue() == "hyper")
      return func.getArgument(i);
  }
  return Value();
}

FailureOr<Value> pxc::getOrAddHyper(func::FuncOp func) {
  Builder b(func.getContext());
  auto type = RankedTensorType::get({pxrt::train::kHyperCount}, b.getF32Type());
  if (Value hyper = findHyper(func)) {
    if (hyper.getType() != type)
      return func.emitOpError("hyper-parameter argument is ")
             << hyper.getType() << ", expected " << type;
    return hyper;
  }
  unsigned index = func.getNumArguments();
  auto attrs = b.getDictionaryAttr(
      {b.getNamedAttr(PxDialect::kNameAttrName, b.getStringAttr("hyper")),
       b.getNamedAttr(PxDialect::kRoleAttrName, b.getStringAttr("hyper"))});
  if (failed(func.insertArgument(index, type, attrs, func.getLoc())))
    return failure();
  return func.getArgument(index);
}

Value pxc::hyperEntry(OpBuilder &b, Location loc, Value hyper, int64_t index) {
  Value slice = SliceOp::create(b, loc, hyper, ArrayRef<int64_t>{index},
                                ArrayRef<int64_t>{1}, ArrayRef<int64_t>{1});
  return ReshapeOp::create(b, loc, RankedTensorType::get({}, b.getF32Type()),
                           slice);
}

bool pxc::readsHyperEntry(Value hyper, int64_t index) {
  return llvm::any_of(hyper.getUsers(), [&](Operation *user) {
    auto slice = dyn_cast<SliceOp>(user);
    return slice && slice.getOffsets().size() == 1 &&
           slice.getOffsets()[0] == index && slice.getSizes()[0] == 1;
  });
}
