// RUN: pxc-opt %s --split-input-file --verify-diagnostics --px-accumulate-gradients=micro-batches=4 | FileCheck %s

// The loss and every gradient: their mean over the step's micro-batches,
// backward work on the stage of the value.
// CHECK-LABEL: func.func @main
// CHECK: %[[LOSS:.*]] = px.reduce mean
// CHECK: %[[GRAD:.*]] = px.mul
// CHECK: %[[L:.*]] = px.accumulate %[[LOSS]] {micro_batches = 4 : i64, px.phase = "backward", px.stage = 1 : i64} : tensor<f32>
// CHECK: %[[G:.*]] = px.accumulate %[[GRAD]] {micro_batches = 4 : i64, px.phase = "backward", px.stage = 0 : i64} : tensor<4xf32>
// CHECK: return %[[L]], %[[G]]
module attributes {px.pipeline = {micro_batches = 4 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @main(%x: tensor<4xf32>) -> (tensor<f32> {px.name = "loss"}, tensor<4xf32> {px.name = "grad:w"}) {
    %0 = px.reduce mean %x [0] {px.stage = 1 : i64} : tensor<4xf32> to tensor<f32>
    %1 = px.mul %x, %x {px.stage = 0 : i64, px.phase = "backward"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %0, %1 : tensor<f32>, tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{px-accumulate-gradients: run px-pipeline-partition (with micro-batches=4) before px-autodiff}}
module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{px-accumulate-gradients: micro-batches=4 but the pipeline has 2}}
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 1 : i64, virtual_stages = 1 : i64}} {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

module attributes {px.pipeline = {micro_batches = 4 : i64, schedule = "1f1b", stages = 1 : i64, virtual_stages = 1 : i64}} {
  // expected-error @+1 {{result #0 is not a float tensor; only the loss and gradients can be accumulated over micro-batches}}
  func.func @main(%x: tensor<4xi64>) -> tensor<4xi64> {
    return %x : tensor<4xi64>
  }
}
