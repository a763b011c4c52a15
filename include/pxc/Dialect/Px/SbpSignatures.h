//===- SbpSignatures.h - Canonical 1-D and N-D SBP signatures ---*- C++ -*-===//
//
// What the SBP search and the boxing passes ask of an op: its 1-D signatures
// in a canonical order, and their products over the axes of a mesh, filtered
// by the shapes.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_DIALECT_PX_SBPSIGNATURES_H
#define PXC_DIALECT_PX_SBPSIGNATURES_H

#include "pxc/Dialect/Px/PxInterfaces.h"
#include "llvm/Support/raw_ostream.h"

namespace pxc::px {

/// The 1-D signatures of `op` without repeats, sorted by outputs, then
/// inputs, entry by entry with S(0) < S(1) < ... < B < P(sum) < P(max).
/// Signatures that put a partial value on an i1 tensor are dropped (a sum or
/// max of booleans is not a boolean op of the program).
llvm::SmallVector<SbpSignature> getSortedSbpSignatures(SbpInterface op);

/// The N-D signatures of `op` on `mesh` (empty if `op` does not implement
/// SbpInterface): the products of getSortedSbpSignatures over the mesh axes,
/// in lexicographic order with axis 0 most significant, that
///  - give every operand and result an N-D SBP whose split dimensions fit
///    (a dimension split over k ranks in all has at least k elements;
///    uneven splits are valid, see cost::isValidSbp),
///  - put no mix of P(sum) and P(max) on one tensor (its value depends on
///    the order the axes are reduced in; boxing reduces them in any order),
///  - and that op.isValidNdSbpSignature accepts.
/// N-D SBPs read hierarchically, as in OneFlow: a tensor is distributed over
/// mesh axis 0, then each piece over axis 1, and so on. Splits of one
/// dimension therefore nest, axis 0 outermost (sbp::localBox); in
/// [P(sum), B] each addend is copied along axis 1, while the copies of
/// [B, P(sum)] along axis 0 may hold different addends. Under this reading a
/// product of valid 1-D signatures is valid: the signature of axis k runs
/// the op on the pieces of the axes before it, whose split dimensions it
/// pairs with dimensions of equal size. (It is not valid under a reading
/// that treats axes independently: mul([B, P], [P, B]) -> [P, P] needs the
/// addends of [P, B] copied along axis 1.) Reshape, whose split boundaries
/// need not line up in the pieces, checks them itself.
void getNdSbpSignatures(mlir::Operation *op, llvm::ArrayRef<int64_t> mesh,
                        llvm::SmallVectorImpl<NdSbpSignature> &signatures);

/// "masked-gather", "global-mean-count", joined by '|'; "" for None.
std::string stringifySbpKernelRule(SbpKernelRule rule);

/// "(S(0), B) -> (S(0))", then " {rule}" when there is one.
llvm::raw_ostream &operator<<(llvm::raw_ostream &os,
                              const SbpSignature &signature);
/// "([S(0), B], [B, B]) -> ([S(0), B])", then " {rule}" when there is one.
llvm::raw_ostream &operator<<(llvm::raw_ostream &os,
                              const NdSbpSignature &signature);

} // namespace pxc::px

#endif // PXC_DIALECT_PX_SBPSIGNATURES_H
