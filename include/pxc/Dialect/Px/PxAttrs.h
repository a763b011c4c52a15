//===- PxAttrs.h - px attributes --------------------------------*- C++ -*-===//

#ifndef PXC_DIALECT_PX_PXATTRS_H
#define PXC_DIALECT_PX_PXATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "pxc/Sbp/Sbp.h"
#include "llvm/ADT/Hashing.h"

#include "pxc/Dialect/Px/PxEnums.h.inc"

namespace pxc::sbp {
// Storage uniquing of #px.sbp hashes its entries (found by ADL).
inline llvm::hash_code hash_value(const Sbp1D &s) {
  return llvm::hash_combine(static_cast<uint8_t>(s.kind), s.dim,
                            static_cast<uint8_t>(s.reduce));
}
} // namespace pxc::sbp

#define GET_ATTRDEF_CLASSES
#include "pxc/Dialect/Px/PxAttrs.h.inc"

#endif // PXC_DIALECT_PX_PXATTRS_H
