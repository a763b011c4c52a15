// Parses a px program, runs pxc's parallelize pipeline and prints a summary:
// the dialect, passes and pipeline work from an installed pxc.
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "pxc/InitAll.h"
#include "pxc/Passes/Pipelines.h"
#include "pxc/Passes/Summary.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::DialectRegistry registry;
  pxc::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  const char *source = R"mlir(
    func.func @main(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
      %w = px.parameter "w" : tensor<4x8xf32> init = #px.init<normal, 0.0, 0.02>
      %y = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
      return %y : tensor<2x8xf32>
    })mlir";
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  pxc::buildParallelizePipeline(pm, pxc::ParallelizeOptions());
  if (mlir::failed(pm.run(*module)))
    return 1;
  pxc::printSummary(*module, llvm::outs());
  return 0;
}
