//===- PxDialect.h - px dialect ---------------------------------*- C++ -*-===//

#ifndef PXC_DIALECT_PX_PXDIALECT_H
#define PXC_DIALECT_PX_PXDIALECT_H

#include "mlir/IR/Dialect.h"

#include "pxc/Dialect/Px/PxDialect.h.inc"

#endif // PXC_DIALECT_PX_PXDIALECT_H
