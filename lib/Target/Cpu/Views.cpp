//===- Views.cpp - Reshapes and transposes without copies -----------------===//
//
// Every libpxrt kernel takes strided views, so a reshape of contiguous data
// (however many users read it) or a transpose feeding a GEMM (which maps it to
// BLAS's transpose flags and leading dimensions) needs no buffer of its own:
// its user reads the input in place. The backward pass is full of both (weight
// gradients read transposed activations), and the copies cost more than the
// GEMMs around them on small models.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

/// A transpose of a matmul's only use, keeping rows contiguous, is written
/// by the matmul (BLAS takes the output's leading dimension).
static bool foldIntoProducer(Operation *op, SmallVectorImpl<Unit> &units,
                             DenseMap<Operation *, size_t> &unitOf) {
  auto transpose = dyn_cast<TransposeOp>(op);
  if (!transpose)
    return false;
  ArrayRef<int64_t> perm = transpose.getPerm();
  auto matmul = transpose.getInput().getDefiningOp<MatmulOp>();
  if (!matmul || !matmul->getResult(0).hasOneUse() ||
      perm.back() != static_cast<int64_t>(perm.size()) - 1)
    return false;
  auto producer = unitOf.find(matmul);
  if (producer == unitOf.end() || units[producer->second].ops.size() != 1)
    return false;
  size_t self = unitOf.lookup(op);
  units[producer->second].outputViews.push_back(op);
  unitOf[op] = producer->second;
  units[self].ops.clear();
  return true;
}

void cpu_target::foldViews(SmallVectorImpl<Unit> &units, bool shareViews) {
  DenseMap<Operation *, size_t> unitOf;
  for (auto [i, unit] : llvm::enumerate(units))
    for (Operation *op : unit.ops)
      unitOf[op] = i;
  // The units a folded view joined (one per user's unit).
  DenseMap<Operation *, SmallVector<size_t>> foldedInto;
  // The units that read `value` in place, or none if a user cannot.
  auto readersOf = [&](Value value) {
    SmallVector<size_t> targets;
    for (Operation *user : value.getUsers()) {
      // Outputs and transfers take the value's own buffer.
      if (isa<func::ReturnOp, TransferOp>(user))
        return SmallVector<size_t>();
      if (auto folded = foldedInto.find(user); folded != foldedInto.end()) {
        targets.append(folded->second);
        continue;
      }
      auto target = unitOf.find(user);
      if (target == unitOf.end())
        return SmallVector<size_t>();
      targets.push_back(target->second);
    }
    llvm::sort(targets);
    targets.erase(llvm::unique(targets), targets.end());
    return targets;
  };
  // Users before producers, so that a chain of reshapes folds into the units
  // at its end.
  for (size_t i = units.size(); i-- > 0;) {
    if (units[i].ops.size() != 1 || !units[i].views.empty())
      continue;
    Operation *op = units[i].ops.front();
    if (foldIntoProducer(op, units, unitOf))
      continue;
    SmallVector<size_t> targets;
    if (isa<ReshapeOp>(op)) {
      // Contiguous in and out: every user reads the input in place, also
      // when there are several (q, k and v heads, read forward and
      // backward).
      if (shareViews || op->hasOneUse())
        targets = readersOf(op->getResult(0));
    } else if (auto transpose = dyn_cast<TransposeOp>(op);
               transpose && transpose->hasOneUse()) {
      // A reshape's input is contiguous: a transpose it reads is never
      // folded (its user is not a GEMM).
      Operation *user = *transpose->getUsers().begin();
      auto target = unitOf.find(user);
      if (isa<MatmulOp, LinearOp>(user) && target != unitOf.end() &&
          units[target->second].ops.size() == 1)
        targets.push_back(target->second);
    }
    if (targets.empty())
      continue;
    for (size_t target : targets)
      units[target].views.push_back(op);
    foldedInto[op] = targets;
    units[i].ops.clear();
  }
  llvm::erase_if(units, [](const Unit &u) { return u.ops.empty(); });
}
