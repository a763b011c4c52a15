//===- InitAll.cpp - Register pxc with an MLIR tool -----------------------===//

#include "pxc/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "pxc/Dialect/Px/PxDialect.h"

void pxc::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<px::PxDialect, mlir::func::FuncDialect>();
}
