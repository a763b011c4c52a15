//===- Passes.h - pxc passes ------------------------------------*- C++ -*-===//

#ifndef PXC_PASSES_PASSES_H
#define PXC_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pxc {

#define GEN_PASS_DECL
#include "pxc/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "pxc/Passes/Passes.h.inc"

/// Registers every pxc pass and pipeline with MLIR's global registries.
void registerAllPasses();

} // namespace pxc

#endif // PXC_PASSES_PASSES_H
