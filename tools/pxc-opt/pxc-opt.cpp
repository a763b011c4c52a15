//===- pxc-opt.cpp - mlir-opt with every pxc dialect and pass -------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "pxc/InitAll.h"
#include "pxc/Passes/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  pxc::registerAllDialects(registry);
  // Generic passes that px pipelines and tests use.
  mlir::registerTransformsPasses();
  pxc::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "pxc optimizer driver\n", registry));
}
