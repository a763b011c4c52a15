//===- LLVM.h - Import common MLIR/LLVM names into pxc ----------*- C++ -*-===//

#ifndef PXC_SUPPORT_LLVM_H
#define PXC_SUPPORT_LLVM_H

#include "mlir/Support/LLVM.h"

namespace pxc {
// The compiler is written against MLIR; these are the names every file uses.
using namespace mlir; // NOLINT(google-build-using-namespace)
} // namespace pxc

#endif // PXC_SUPPORT_LLVM_H
