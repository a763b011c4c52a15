// RUN: pxc-opt %s --px-append-loss --split-input-file --verify-diagnostics | FileCheck %s

// Logits [B, T, V]: a labels argument and a mean cross-entropy; the token ids
// are the integer argument of the labels' shape.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[IDX:.*]]: tensor<2x8xi64> {px.name = "idx", px.role = "tokens"}
// CHECK-SAME: %[[MASK:.*]]: tensor<2x8xi1> {px.name = "mask"}
// CHECK-SAME: %[[LABELS:.*]]: tensor<2x8xi64> {px.name = "labels", px.role = "labels"}
// CHECK-SAME: -> (tensor<f32> {px.name = "loss"})
// CHECK: %[[LOSS:.*]] = px.cross_entropy %{{.*}}, %[[LABELS]] : (tensor<2x8x5xf32>, tensor<2x8xi64>) -> tensor<f32>
// CHECK: return %[[LOSS]]
func.func @main(%idx: tensor<2x8xi64> {px.name = "idx"}, %mask: tensor<2x8xi1> {px.name = "mask"}) -> (tensor<2x8x5xf32> {px.name = "logits"}) {
  %w = px.parameter "w" : tensor<2x8x5xf32> init = #px.init<normal, 0.0, 1.0>
  return %w : tensor<2x8x5xf32>
}

// -----

// A model that already ends in its loss keeps it; the roles come from the
// arguments the loss reads.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %arg0: tensor<4xi64> {px.name = "x", px.role = "tokens"}
// CHECK-SAME: %arg1: tensor<4xi64> {px.name = "y", px.role = "labels"}
// CHECK-SAME: -> (tensor<f32> {px.name = "loss"})
func.func @main(%x: tensor<4xi64> {px.name = "x"}, %y: tensor<4xi64> {px.name = "y"}) -> tensor<f32> {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<zeros>
  %l = px.cross_entropy %w, %y : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{has no floating-point result to use as logits}}
func.func @main(%x: tensor<4xi64>) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}

// -----

// expected-error @+1 {{logits must be f32 with a batch and a class dimension, not 'tensor<5xf32>'}}
func.func @main() -> tensor<5xf32> {
  %a = px.parameter "a" : tensor<5xf32> init = #px.init<zeros>
  return %a : tensor<5xf32>
}

// -----

// expected-error @+1 {{already has an argument named 'labels'}}
func.func @main(%l: tensor<4xi64> {px.name = "labels"}) -> tensor<4x5xf32> {
  %a = px.parameter "a" : tensor<4x5xf32> init = #px.init<zeros>
  return %a : tensor<4x5xf32>
}

// -----

// expected-error @+1 {{returns a scalar loss but no px.cross_entropy reads its labels from an argument}}
func.func @main() -> tensor<f32> {
  %a = px.parameter "a" : tensor<f32> init = #px.init<zeros>
  return %a : tensor<f32>
}

// -----

// expected-error @+1 {{px-append-loss: no function @main}}
module {
  func.func @other() {
    return
  }
}
