// RUN: pxc-opt %s --px-insert-boxing=cluster=nope --verify-diagnostics

// An unknown cluster is reported at the module, before any function.
// expected-error @+1 {{unknown cluster 'nope': neither a preset (dgx-a100, dgx-h100) nor a readable JSON file}}
module {
  px.mesh @m shape = [2]
  func.func @f(%x: tensor<4xf32> {px.sbp = #px.sbp<[P(sum)]>}) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
