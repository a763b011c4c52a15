// RUN: pxc-opt %s --split-input-file --verify-diagnostics --px-pipeline-partition=stages=3

// expected-error @+1 {{cannot be cut into pipeline stages: cannot split 2 items into 3 pipeline stages}}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.exp %x : tensor<4xf32>
  %1 = px.exp %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.exp %x : tensor<4xf32>
  %1 = px.exp %0 : tensor<4xf32>
  // expected-error @+1 {{is backward work; run px-pipeline-partition before px-autodiff}}
  %2 = px.exp %1 {px.phase = "backward"} : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// expected-error @+1 {{stage hints out of order}}
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.exp %x {px.stage = 2 : i64} : tensor<4xf32>
  %1 = px.exp %0 {px.stage = 1 : i64} : tensor<4xf32>
  %2 = px.exp %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}
