//===- PxPlugin.cpp - px as an mlir-opt dialect and pass plugin -----------===//

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "pxc/InitAll.h"
#include "pxc/Passes/Passes.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "px", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            pxc::registerAllDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "px", LLVM_VERSION_STRING,
          [] { pxc::registerAllPasses(); }};
}
