//===- InitAll.h - Register pxc with an MLIR tool ---------------*- C++ -*-===//

#ifndef PXC_INITALL_H
#define PXC_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace pxc {

/// Adds the px dialect and the upstream dialects px programs use (func).
void registerAllDialects(mlir::DialectRegistry &registry);

} // namespace pxc

#endif // PXC_INITALL_H
