//===- SbpSignatures.cpp - SbpInterface and its N-D products
//---------------===//

#include "pxc/Dialect/Px/SbpSignatures.h"

#include "mlir/IR/BuiltinTypes.h"
#include "pxc/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <tuple>

using namespace pxc;
using namespace pxc::px;
using sbp::Sbp1D;

#include "pxc/Dialect/Px/PxInterfaces.cpp.inc"

static auto sortKey(const Sbp1D &s) {
  return std::make_tuple(s.kind, s.dim, s.reduce);
}

static bool lessEntries(ArrayRef<Sbp1D> a, ArrayRef<Sbp1D> b) {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const Sbp1D &x, const Sbp1D &y) { return sortKey(x) < sortKey(y); });
}

static bool isI1(Type type) {
  return cast<ShapedType>(type).getElementType().isInteger(1);
}

SmallVector<SbpSignature> px::getSortedSbpSignatures(SbpInterface op) {
  SmallVector<SbpSignature> signatures;
  op.getSbpSignatures(signatures);
  auto partialOnI1 = [&](const SbpSignature &signature) {
    for (auto [entry, type] :
         llvm::zip_equal(signature.inputs, op->getOperandTypes()))
      if (entry.isPartial() && isI1(type))
        return true;
    for (auto [entry, type] :
         llvm::zip_equal(signature.outputs, op->getResultTypes()))
      if (entry.isPartial() && isI1(type))
        return true;
    return false;
  };
  llvm::erase_if(signatures, partialOnI1);
  llvm::stable_sort(signatures,
                    [](const SbpSignature &a, const SbpSignature &b) {
                      if (a.outputs != b.outputs)
                        return lessEntries(a.outputs, b.outputs);
                      return lessEntries(a.inputs, b.inputs);
                    });
  signatures.erase(llvm::unique(signatures), signatures.end());
  return signatures;
}

namespace {
/// Depth-first construction of the N-D products, one mesh axis per level,
/// pruning as soon as a tensor's splits stop fitting.
class NdProduct {
public:
  NdProduct(SbpInterface op, ArrayRef<int64_t> mesh,
            SmallVectorImpl<NdSbpSignature> &out)
      : op(op), mesh(mesh), out(out), oneD(getSortedSbpSignatures(op)) {
    for (Type type : op->getOperandTypes())
      shapes.push_back(cast<ShapedType>(type).getShape());
    for (Type type : op->getResultTypes())
      shapes.push_back(cast<ShapedType>(type).getShape());
    current.inputs.resize(op->getNumOperands());
    current.outputs.resize(op->getNumResults());
  }

  void run() { extend(0); }

private:
  /// Whether `tensor` may take `entry` on mesh axis `axis` after the entries
  /// it has on the axes before.
  bool accepts(const sbp::NdSbp &tensor, ArrayRef<int64_t> shape,
               const Sbp1D &entry, size_t axis) const {
    if (entry.isPartial())
      return llvm::none_of(tensor, [&](const Sbp1D &prior) {
        return prior.isPartial() && prior.reduce != entry.reduce;
      });
    if (!entry.isSplit())
      return true;
    int64_t ranks = mesh[axis];
    for (size_t prior = 0; prior < axis; ++prior)
      if (tensor[prior] == entry)
        ranks *= mesh[prior];
    return shape[entry.dim] >= ranks;
  }

  void extend(size_t axis) {
    if (axis == mesh.size()) {
      if (op.isValidNdSbpSignature(current, mesh))
        out.push_back(current);
      return;
    }
    size_t numInputs = current.inputs.size();
    for (const SbpSignature &signature : oneD) {
      bool fits = true;
      for (auto [i, entry] : llvm::enumerate(signature.inputs))
        fits = fits && accepts(current.inputs[i], shapes[i], entry, axis);
      for (auto [i, entry] : llvm::enumerate(signature.outputs))
        fits = fits &&
               accepts(current.outputs[i], shapes[numInputs + i], entry, axis);
      if (!fits)
        continue;
      SbpKernelRule rules = current.rules;
      for (auto [tensor, entry] :
           llvm::zip_equal(current.inputs, signature.inputs))
        tensor.push_back(entry);
      for (auto [tensor, entry] :
           llvm::zip_equal(current.outputs, signature.outputs))
        tensor.push_back(entry);
      current.rules |= signature.rule;
      extend(axis + 1);
      current.rules = rules;
      for (sbp::NdSbp &tensor : current.inputs)
        tensor.pop_back();
      for (sbp::NdSbp &tensor : current.outputs)
        tensor.pop_back();
    }
  }

  SbpInterface op;
  ArrayRef<int64_t> mesh;
  SmallVectorImpl<NdSbpSignature> &out;
  SmallVector<SbpSignature> oneD;
  /// Operand shapes, then result shapes.
  SmallVector<ArrayRef<int64_t>> shapes;
  NdSbpSignature current;
};
} // namespace

void px::getNdSbpSignatures(Operation *op, ArrayRef<int64_t> mesh,
                            SmallVectorImpl<NdSbpSignature> &signatures) {
  if (auto sbpOp = dyn_cast<SbpInterface>(op))
    NdProduct(sbpOp, mesh, signatures).run();
}

std::string px::stringifySbpKernelRule(SbpKernelRule rule) {
  SmallVector<StringRef, 2> names;
  if ((rule & SbpKernelRule::MaskedGather) != SbpKernelRule::None)
    names.push_back("masked-gather");
  if ((rule & SbpKernelRule::GlobalMeanCount) != SbpKernelRule::None)
    names.push_back("global-mean-count");
  return llvm::join(names, "|");
}

template <typename Range, typename Fn>
static void printList(llvm::raw_ostream &os, const Range &range, Fn print) {
  os << "(";
  llvm::interleaveComma(range, os, print);
  os << ")";
}

static void printRule(llvm::raw_ostream &os, SbpKernelRule rule) {
  if (rule != SbpKernelRule::None)
    os << " {" << stringifySbpKernelRule(rule) << "}";
}

llvm::raw_ostream &px::operator<<(llvm::raw_ostream &os,
                                  const SbpSignature &signature) {
  auto print = [&](const Sbp1D &entry) { os << entry.str(); };
  printList(os, signature.inputs, print);
  os << " -> ";
  printList(os, signature.outputs, print);
  printRule(os, signature.rule);
  return os;
}

llvm::raw_ostream &px::operator<<(llvm::raw_ostream &os,
                                  const NdSbpSignature &signature) {
  auto print = [&](const sbp::NdSbp &entry) { os << sbp::str(entry); };
  printList(os, signature.inputs, print);
  os << " -> ";
  printList(os, signature.outputs, print);
  printRule(os, signature.rules);
  return os;
}
