// RUN: pxc-opt %s --px-apply-optimizer --split-input-file --verify-diagnostics | FileCheck %s
// RUN: pxc-opt %s --px-apply-optimizer=optimizer=sgd --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SGD

// The global norm over every gradient, torch's clipping coefficient from
// hyper[kClipMaxNorm = 14], one update and its assignments per parameter.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[HYPER:[^ ]*]]: tensor<18xf32> {px.name = "hyper", px.role = "hyper"}
// CHECK-SAME: -> (tensor<f32> {px.name = "loss"}, tensor<f32> {px.name = "grad_norm"})
// CHECK: %[[W:.*]] = px.parameter "w" : tensor<3x2xf32>
// CHECK: %[[B:.*]] = px.parameter "b" : tensor<2xf32>
// CHECK: %[[GW:.*]] = px.constant dense<2.000000e+00> : tensor<3x2xf32>
// CHECK: %[[GB:.*]] = px.constant dense<4.000000e+00> : tensor<2xf32>
// CHECK: %[[SQW:.*]] = px.mul %[[GW]], %[[GW]]
// CHECK: %[[SW:.*]] = px.reduce sum %[[SQW]] [0, 1]
// CHECK: %[[SQB:.*]] = px.mul %[[GB]], %[[GB]]
// CHECK: %[[SB:.*]] = px.reduce sum %[[SQB]] [0]
// CHECK: %[[TOTAL:.*]] = px.add %[[SW]], %[[SB]]
// CHECK: %[[NORM:.*]] = px.sqrt %[[TOTAL]]
// CHECK: px.slice %[[HYPER]] offsets = [14] sizes = [1] strides = [1]
// CHECK: %[[COEF:.*]] = px.min
// CHECK: %[[CW:.*]] = px.mul %[[GW]], %[[COEF]]
// CHECK: %[[M:.*]] = px.parameter "w.exp_avg" frozen : tensor<3x2xf32> init = #px.init<zeros>
// CHECK: %[[V:.*]] = px.parameter "w.exp_avg_sq" frozen : tensor<3x2xf32> init = #px.init<zeros>
// CHECK: %[[P:.*]], %[[M2:.*]], %[[V2:.*]] = px.adamw %[[W]], %[[CW]], %[[M]], %[[V]], %[[HYPER]]
// CHECK: px.assign %[[W]], %[[P]]
// CHECK: px.assign %[[M]], %[[M2]]
// CHECK: px.assign %[[V]], %[[V2]]
// CHECK: px.adamw %[[B]]
// CHECK: return %{{.*}}, %[[NORM]] : tensor<f32>, tensor<f32>
// SGD-LABEL: func.func @main
// SGD: %[[W:.*]] = px.parameter "w" : tensor<3x2xf32>
// SGD: %[[BUF:.*]] = px.parameter "w.momentum_buffer" frozen : tensor<3x2xf32> init = #px.init<zeros>
// SGD: %[[P:.*]], %[[BUF2:.*]] = px.sgd %[[W]], %{{.*}}, %[[BUF]], %{{.*}} : tensor<3x2xf32>, tensor<18xf32>
// SGD: px.assign %[[W]], %[[P]]
// SGD: px.assign %[[BUF]], %[[BUF2]]
func.func @main(%x: tensor<4x3xf32> {px.name = "x"}) -> (tensor<f32> {px.name = "loss"}, tensor<3x2xf32> {px.name = "grad:w"}, tensor<2xf32> {px.name = "grad:b"}) {
  %w = px.parameter "w" : tensor<3x2xf32> init = #px.init<normal, 0.0, 0.5>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  %y = px.matmul %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %z = px.add %y, %b : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %l = px.reduce sum %z [0, 1] : tensor<4x2xf32> to tensor<f32>
  %gw = px.constant dense<2.0> : tensor<3x2xf32>
  %gb = px.constant dense<4.0> : tensor<2xf32>
  return %l, %gw, %gb : tensor<f32>, tensor<3x2xf32>, tensor<2xf32>
}

// -----

// expected-error @+1 {{must return a scalar f32 loss first}}
func.func @main() -> tensor<2xf32> {
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %b : tensor<2xf32>
}

// -----

// expected-error @+1 {{result #1 is not a gradient (px.name = "grad:<parameter>")}}
func.func @main() -> (tensor<f32>, tensor<2xf32>) {
  %l = px.constant dense<0.0> : tensor<f32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}

// -----

// expected-error @+1 {{result #1 is the gradient of an unknown parameter 'c'}}
func.func @main() -> (tensor<f32>, tensor<2xf32> {px.name = "grad:c"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}

// -----

// expected-error @+1 {{returns no gradients; run px-autodiff first}}
func.func @main() -> tensor<f32> {
  %l = px.constant dense<0.0> : tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @main() -> (tensor<f32>, tensor<2xf64> {px.name = "grad:b"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{is trained with an f32 optimizer but is 'tensor<2xf64>'}}
  %b = px.parameter "b" : tensor<2xf64> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf64>
}

// -----

// Gradients seeded with the loss scale (px-autodiff=loss-scale=true) need
// loss-scale=true here, which divides them by it again.
// expected-error @+1 {{the gradients are loss-scaled (px-autodiff loss-scale=true); unscale them with loss-scale=true}}
func.func @main(%h: tensor<18xf32> {px.role = "hyper"}) -> (tensor<f32>, tensor<2xf32> {px.name = "grad:b"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  %s = px.slice %h offsets = [16] sizes = [1] strides = [1] : tensor<18xf32> to tensor<1xf32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}
