//===- Passes.cpp - Registration of every pxc pass and pipeline -----------===//

#include "pxc/Passes/Passes.h"

#include "pxc/Passes/Pipelines.h"

void pxc::registerAllPasses() {
  registerPXCPasses();
  registerPipelines();
}
