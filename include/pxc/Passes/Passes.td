//===- Passes.td - pxc passes ------------------------------*- tablegen -*-===//

#ifndef PXC_PASSES_PASSES_TD
#define PXC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def Summary : Pass<"px-summary", "mlir::ModuleOp"> {
  let summary = "Print a summary of every px function";
  let description = [{
    Prints, per function: inputs and outputs with their types, parameter
    count, elements and bytes (trainable and frozen), the op histogram and
    the matmul FLOPs of one forward evaluation. The IR is not changed.

    ```
    pxc-opt --px-summary model.mlir
    ```
  }];
  let options = [
    Option<"outputFile", "output", "std::string", /*default=*/"\"-\"",
           "Where to print the summary ('-' is stderr)">,
  ];
}

#endif // PXC_PASSES_PASSES_TD
