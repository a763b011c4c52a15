// RUN: pxc-opt %s --split-input-file --px-autodiff=loss-scale=true --verify-diagnostics | FileCheck %s
// RUN: pxc-opt %s --split-input-file --px-autodiff | FileCheck %s --check-prefix=OFF

// Loss scaling: the sweep starts from hyper[kLossScale = 16] instead of 1.0,
// so the gradients are S times the loss's; the loss is returned unscaled.
// The hyper argument is added (px-apply-optimizer finds it there).
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[HYPER:[^ ]*]]: tensor<18xf32> {px.name = "hyper", px.role = "hyper"}
// CHECK: %[[LOSS:.*]] = px.reduce sum
// CHECK-NOT: px.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[S1:.*]] = px.slice %[[HYPER]] offsets = [16] sizes = [1] strides = [1] : tensor<18xf32> to tensor<1xf32>
// CHECK: %[[SEED:.*]] = px.reshape %[[S1]] : tensor<1xf32> to tensor<f32>
// CHECK: %[[G:.*]] = px.reshape %[[SEED]] : tensor<f32> to tensor<1x1xf32>
// CHECK: %[[GY:.*]] = px.expand %[[G]] : tensor<1x1xf32> to tensor<2x3xf32>
// CHECK: %[[GW:.*]] = px.matmul %{{.*}}, %[[GY]]
// CHECK: return %[[LOSS]], %[[GW]]
// OFF-LABEL: func.func @main
// OFF-NOT: px.role = "hyper"
// OFF: px.constant dense<1.000000e+00> : tensor<f32>
// OFF-NOT: px.slice
func.func @main(%x: tensor<2x4xf32>) -> (tensor<f32> {px.name = "loss"}) {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %l = px.reduce sum %y [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}

// -----

// An existing hyper argument is reused, wherever it is.
// CHECK-LABEL: func.func @existing
// CHECK-SAME: (%[[HYPER:[^:]*]]: tensor<18xf32> {px.role = "hyper"}, %{{[^:]*}}: tensor<2x4xf32>)
// CHECK-NOT: px.role = "hyper"
// CHECK: px.slice %[[HYPER]] offsets = [16]
// OFF-LABEL: func.func @existing
func.func @existing(%h: tensor<18xf32> {px.role = "hyper"}, %x: tensor<2x4xf32>) -> (tensor<f32> {px.name = "loss"}) {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %l = px.reduce sum %y [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}

// -----

// A hyper argument of another layout cannot carry the scale.
// OFF-LABEL: func.func @stale
// expected-error @+1 {{hyper-parameter argument is 'tensor<16xf32>', expected 'tensor<18xf32>'}}
func.func @stale(%h: tensor<16xf32> {px.role = "hyper"}, %x: tensor<2x4xf32>) -> (tensor<f32> {px.name = "loss"}) {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %l = px.reduce sum %y [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}
