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

def TestSbpSignatures : Pass<"px-test-sbp-signatures", "mlir::ModuleOp"> {
  let summary = "Print the SBP signatures and FLOPs of every px op (testing)";
  let description = [{
    For every op implementing `SbpInterface`, in every function, prints its
    FLOPs and its 1-D signatures in canonical order; with `mesh`, also the
    number of N-D signatures on that mesh (and with `print-nd` the
    signatures themselves), on stderr. The IR is not changed.

    ```
    pxc-opt --px-test-sbp-signatures="mesh=2,4 print-nd" model.mlir -o /dev/null
    ```
  }];
  let options = [
    ListOption<"mesh", "mesh", "int64_t",
               "Mesh shape for the N-D signatures, e.g. 2,4">,
    Option<"printNd", "print-nd", "bool", /*default=*/"false",
           "List the N-D signatures instead of only counting them">,
  ];
}

#endif // PXC_PASSES_PASSES_TD
